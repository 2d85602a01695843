package registry

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"hozur/registry/sheet"
)

// exportWorld is a registry with a tree of agencies, officials with and
// without employee codes and dates, and accounts of every capacity.
type exportWorld struct {
	*world
	leaf                *Agency
	coded, leafOfficial *OfficialView
	ids                 map[string]int64 // account display -> id
}

func newExportWorld(t *testing.T) *exportWorld {
	t.Helper()
	w := &exportWorld{world: newWorld(t, newClock()), ids: map[string]int64{}}
	s, tz := w.s, w.s.Rules().Location
	day := func(y int, m time.Month, d int) *time.Time { t := time.Date(y, m, d, 0, 0, 0, 0, tz); return &t }
	w.leaf = must[*Agency](t)(s.CreateAgency(ctxb(), System, AgencyInput{Code: "MIN-ICT-TEH-RAY", Name: "ادارهٔ ارتباطات شهرستان ری", NameEn: "Rey County ICT Office",
		Kind: KindCounty, ParentID: &w.sub.ID}))
	w.coded = must[*OfficialView](t)(s.CreateOfficial(ctxb(), System, OfficialInput{AgencyID: w.ministry.ID, Name: "مریم احمدی", Position: "معاون درمان",
		Rank: 2, Serving: true, EmployeeCode: "10482", Email: "m.ahmadi@example.ir", Phone: "+982161927000", TermStart: day(2023, 4, 10)}))
	w.leafOfficial = must[*OfficialView](t)(s.CreateOfficial(ctxb(), System, OfficialInput{AgencyID: w.leaf.ID, Name: "رضا کاظمی", Position: "رئیس اداره",
		Rank: 4, Serving: false, EmployeeCode: "77", TermStart: day(2021, 3, 21)}))
	// The same employee code in another agency: the agency code tells them apart.
	oil := must[*OfficialView](t)(s.CreateOfficial(ctxb(), System, OfficialInput{AgencyID: w.b.ID, Name: "نرگس صالحی", Position: "مدیر روابط عمومی",
		Rank: 3, Serving: true, EmployeeCode: "77"}))
	for _, in := range []AccountInput{
		{URL: "https://t.me/ict_news", Capacity: CapacityInstitutional, AgencyID: w.ministry.ID, OpenedOn: day(2019, 12, 31)},
		{URL: "https://x.com/Ray_ICT", Capacity: CapacityInstitutional, AgencyID: w.leaf.ID, Status: StatusDormant},
		{URL: "https://instagram.com/m.ahmadi", Capacity: CapacityOffice, OfficialID: w.coded.ID, OpenedOn: day(2023, 4, 11)},
		{PlatformCode: "eitaa", Handle: "@Reza_Kazemi", Capacity: CapacityPersonal, OfficialID: w.leafOfficial.ID, Status: StatusClosed},
		{URL: "https://t.me/narges_salehi", Capacity: CapacityOffice, OfficialID: oil.ID},
		{URL: "https://x.com/OilMinistry", Capacity: CapacityInstitutional, AgencyID: w.b.ID},
	} {
		a := must[*AccountView](t)(s.CreateAccount(ctxb(), System, in))
		w.ids[a.Display] = a.ID
	}
	return w
}

// export writes a kind in a format and reads the file back.
func (w *exportWorld) export(t *testing.T, a Actor, opt ExportOptions, format string) (*sheet.Table, int) {
	t.Helper()
	var buf bytes.Buffer
	var sw sheet.Writer
	var err error
	if format == sheet.FormatXLSX {
		sw, err = sheet.NewXLSX(&buf, SheetName(opt.Kind, opt.Persian), opt.Persian)
	} else {
		sw, err = sheet.NewCSV(&buf)
	}
	if err != nil {
		t.Fatal(err)
	}
	n, err := w.s.Export(ctxb(), a, sw, opt)
	if err != nil {
		t.Fatalf("export %s: %v", opt.Kind, err)
	}
	if err := sw.Close(); err != nil {
		t.Fatal(err)
	}
	tab, err := sheet.Read(&buf, "export."+format, sheet.Options{})
	if err != nil {
		t.Fatalf("read back %s: %v", opt.Kind, err)
	}
	if len(tab.Rows) != n {
		t.Fatalf("export said %d rows, the file holds %d", n, len(tab.Rows))
	}
	return tab, n
}

// column is the cells of one column, by English key.
func column(t *testing.T, tab *sheet.Table, cols []Column, key string) []string {
	t.Helper()
	i := slices.IndexFunc(cols, func(c Column) bool { return c.Key == key })
	if i < 0 {
		t.Fatalf("no column %s", key)
	}
	out := make([]string, len(tab.Rows))
	for j, r := range tab.Rows {
		out[j] = r.Cell(i)
	}
	return out
}

// What an export writes imports back as it is: nothing created, nothing
// changed, every row unchanged, in CSV and XLSX, under English and Persian
// headers.
func TestExportRoundTrip(t *testing.T) {
	w := newExportWorld(t)
	wantRows := map[string]int{ExchangeAgencies: 4, ExchangeOfficials: 5, ExchangeAccounts: 6}
	for _, kind := range ImportKinds {
		for _, format := range []string{sheet.FormatCSV, sheet.FormatXLSX} {
			for _, persian := range []bool{false, true} {
				name := kind + "/" + format
				if persian {
					name += "/fa"
				}
				t.Run(name, func(t *testing.T) {
					tab, n := w.export(t, System, ExportOptions{Kind: kind, Persian: persian}, format)
					cols := must[[]Column](t)(ExchangeColumns(kind))
					if want := HeaderRow(cols, persian); !slices.Equal(tab.Header, want) {
						t.Fatalf("header %q, want %q", tab.Header, want)
					}
					if n != wantRows[kind] {
						t.Fatalf("%d rows, want %d", n, wantRows[kind])
					}
					res, err := w.s.Import(ctxb(), System, tab, ImportOptions{Kind: kind, DryRun: true})
					if err != nil {
						t.Fatal(err)
					}
					if res.Created != 0 || res.Updated != 0 || res.Unchanged != n || res.Bad != 0 || res.HeaderBad {
						t.Fatalf("re-import: %+v", res)
					}
				})
			}
		}
	}
}

// The values are the codes and forms the import reads: parent and agency
// codes, rank as a digit, serving as true/false, days as ISO dates in
// Tehran time, the holder's employee code.
func TestExportValues(t *testing.T) {
	w := newExportWorld(t)
	ag, _ := w.export(t, System, ExportOptions{Kind: ExchangeAgencies, Sort: "code"}, sheet.FormatCSV)
	cols := exchangeColumns[ExchangeAgencies]
	if got := column(t, ag, cols, "code"); !slices.Equal(got, []string{"MIN-ICT", "MIN-ICT-TEH", "MIN-ICT-TEH-RAY", "MIN-OIL"}) {
		t.Errorf("codes %q", got)
	}
	if got := column(t, ag, cols, "parent_code"); !slices.Equal(got, []string{"", "MIN-ICT", "MIN-ICT-TEH", ""}) {
		t.Errorf("parent codes %q", got)
	}
	of, _ := w.export(t, System, ExportOptions{Kind: ExchangeOfficials, Officials: OfficialFilter{AgencyID: w.ministry.ID}, Sort: "rank"}, sheet.FormatCSV)
	cols = exchangeColumns[ExchangeOfficials]
	want := map[string][]string{"name": {"مریم احمدی", "ملیکا رضایی", "رضا کاظمی"}, "agency_code": {"MIN-ICT", "MIN-ICT-TEH", "MIN-ICT-TEH-RAY"},
		"rank": {"2", "3", "4"}, "serving": {"true", "true", "false"}, "term_start": {"2023-04-10", "", "2021-03-21"},
		"employee_code": {"10482", "", "77"}, "phone": {"+982161927000", "", ""}}
	for key, v := range want {
		if got := column(t, of, cols, key); !slices.Equal(got, v) {
			t.Errorf("officials' %s: %q, want %q", key, got, v)
		}
	}
	ac, _ := w.export(t, System, ExportOptions{Kind: ExchangeAccounts, Sort: "id"}, sheet.FormatCSV)
	cols = exchangeColumns[ExchangeAccounts]
	want = map[string][]string{"platform": {"telegram", "x", "instagram", "eitaa", "telegram", "x"},
		"handle":                 {"ict_news", "Ray_ICT", "m.ahmadi", "Reza_Kazemi", "narges_salehi", "OilMinistry"},
		"capacity":               {"institutional", "institutional", "office", "personal", "office", "institutional"},
		"agency_code":            {"MIN-ICT", "MIN-ICT-TEH-RAY", "MIN-ICT", "MIN-ICT-TEH-RAY", "MIN-OIL", "MIN-OIL"},
		"official_employee_code": {"", "", "10482", "77", "77", ""},
		"status":                 {"active", "dormant", "active", "closed", "active", "active"},
		"opened_on":              {"2019-12-31", "", "2023-04-11", "", "", ""}}
	for key, v := range want {
		if got := column(t, ac, cols, key); !slices.Equal(got, v) {
			t.Errorf("accounts' %s: %q, want %q", key, got, v)
		}
	}
	if got := column(t, ac, cols, "url")[0]; got != "https://t.me/ict_news" {
		t.Errorf("url %q", got)
	}
}

// An export holds what the actor's list holds: a liaison their subtree, an
// official their own; the filter narrows it further.
func TestExportScope(t *testing.T) {
	w := newExportWorld(t)
	liaison := Actor{UserID: 10, Username: "l", Role: RoleLiaison, AgencyID: w.sub.ID, AgencyPath: w.sub.Path}
	official := Actor{UserID: 11, Username: "o", Role: RoleOfficial, OfficialID: w.leafOfficial.ID}
	auditor := Actor{UserID: 12, Username: "a", Role: RoleAuditor}
	cases := []struct {
		name  string
		actor Actor
		opt   ExportOptions
		key   string
		want  []string
	}{
		{"liaison's officials", liaison, ExportOptions{Kind: ExchangeOfficials, Sort: "rank"}, "agency_code", []string{"MIN-ICT-TEH", "MIN-ICT-TEH-RAY"}},
		{"liaison's accounts", liaison, ExportOptions{Kind: ExchangeAccounts, Sort: "id"}, "handle", []string{"Ray_ICT", "Reza_Kazemi"}},
		{"official's accounts", official, ExportOptions{Kind: ExchangeAccounts}, "handle", []string{"Reza_Kazemi"}},
		{"official's officials", official, ExportOptions{Kind: ExchangeOfficials}, "name", []string{"رضا کاظمی"}},
		{"auditor's accounts by capacity", auditor, ExportOptions{Kind: ExchangeAccounts, Sort: "id", Accounts: AccountFilter{Capacity: CapacityInstitutional}},
			"handle", []string{"ict_news", "Ray_ICT", "OilMinistry"}},
		{"accounts by status and platform", System, ExportOptions{Kind: ExchangeAccounts, Accounts: AccountFilter{Status: StatusActive, Platform: "telegram"}, Sort: "id"},
			"handle", []string{"ict_news", "narges_salehi"}},
		{"agencies within a subtree", liaison, ExportOptions{Kind: ExchangeAgencies, Agencies: AgencyFilter{Within: w.sub.ID}, Sort: "code"}, "code",
			[]string{"MIN-ICT-TEH", "MIN-ICT-TEH-RAY"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, format := range []string{sheet.FormatCSV, sheet.FormatXLSX} {
				tab, _ := w.export(t, c.actor, c.opt, format)
				if got := column(t, tab, exchangeColumns[c.opt.Kind], c.key); !slices.Equal(got, c.want) {
					t.Errorf("%s: %s %q, want %q", format, c.key, got, c.want)
				}
			}
		})
	}
	// A liaison's subtree imports back unchanged under their own name.
	tab, n := w.export(t, liaison, ExportOptions{Kind: ExchangeAccounts}, sheet.FormatCSV)
	res, err := w.s.Import(ctxb(), liaison, tab, ImportOptions{Kind: ExchangeAccounts, DryRun: true})
	if err != nil || res.Unchanged != n || res.Bad != 0 {
		t.Fatalf("liaison's re-import: %+v %v", res, err)
	}
}

// A refused or bad export writes nothing, not even the header.
func TestExportRefusalWritesNothing(t *testing.T) {
	w := newExportWorld(t)
	auditor := Actor{UserID: 12, Username: "a", Role: RoleAuditor}
	cases := []struct {
		name  string
		actor Actor
		opt   ExportOptions
		check func(error) bool
	}{
		{"unknown kind", System, ExportOptions{Kind: "users"}, func(err error) bool { return err != nil }},
		{"unknown platform", System, ExportOptions{Kind: ExchangeAccounts, Accounts: AccountFilter{Platform: "nope"}}, isValidation("platform")},
		{"bad sort", System, ExportOptions{Kind: ExchangeOfficials, Sort: "email"}, isValidation("sort")},
		{"no official record", Actor{UserID: 3, Role: RoleOfficial}, ExportOptions{Kind: ExchangeAccounts}, func(err error) bool { return errors.Is(err, ErrForbidden) }},
		{"auditor's exemptions, none", auditor, ExportOptions{Kind: ExportExemptions, Exemptions: ExemptionFilter{AccountID: -1}}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var rec recorder
			n, err := w.s.Export(ctxb(), c.actor, &rec, c.opt)
			if c.check == nil {
				if err != nil || n != 0 || len(rec.rows) != 1 {
					t.Fatalf("empty export: %d rows, %v, wrote %q", n, err, rec.rows)
				}
				return
			}
			if !c.check(err) {
				t.Fatalf("err %v", err)
			}
			if len(rec.rows) != 0 {
				t.Fatalf("wrote %q", rec.rows)
			}
		})
	}
}

func isValidation(field string) func(error) bool {
	return func(err error) bool {
		var ve *ValidationError
		return errors.As(err, &ve) && ve.Fields[field] != ""
	}
}

// recorder is a sheet that keeps its rows.
type recorder struct{ rows [][]string }

func (r *recorder) Write(cells []string) error {
	r.rows = append(r.rows, slices.Clone(cells))
	return nil
}
func (r *recorder) Close() error { return nil }

// ExportPages follows the cursors to the last page, tells progress after
// each, and stops at a failing page with the rows written so far.
func TestExportPages(t *testing.T) {
	pages := map[string]Result[int]{"": {Items: []int{1, 2}, Next: "b"}, "b": {Items: []int{3, 4}, Next: "c"}, "c": {Items: []int{5}}}
	fetch := func(cursor string) (Result[int], error) {
		r, ok := pages[cursor]
		if !ok {
			return r, errors.New("no page " + cursor)
		}
		return r, nil
	}
	cells := func(_ context.Context, items []int) ([][]string, error) {
		out := make([][]string, len(items))
		for i, v := range items {
			out[i] = []string{strings.Repeat("x", v)}
		}
		return out, nil
	}
	cols := []Column{{Key: "x", Fa: "ایکس"}}
	var rec recorder
	var told []int
	n, err := ExportPages(ctxb(), &rec, cols, true, func(n int) { told = append(told, n) }, fetch, cells)
	if err != nil || n != 5 || len(rec.rows) != 6 || rec.rows[0][0] != "ایکس" || rec.rows[5][0] != "xxxxx" {
		t.Fatalf("%d rows, %v: %q", n, err, rec.rows)
	}
	if !slices.Equal(told, []int{2, 4, 5}) {
		t.Errorf("progress %v", told)
	}
	pages["b"] = Result[int]{Items: []int{3}, Next: "gone"}
	rec = recorder{}
	if n, err := ExportPages(ctxb(), &rec, cols, false, nil, fetch, cells); err == nil || n != 3 {
		t.Fatalf("failing page: %d rows, %v", n, err)
	}
}

// Exemptions export with their account, holder and state.
func TestExportExemptions(t *testing.T) {
	w := newExportWorld(t)
	tz := w.s.Rules().Location
	now := w.s.Now()
	revoked := now.Add(-time.Hour)
	for _, e := range []Exemption{
		{AccountID: w.ids["m.ahmadi"], ValidFrom: time.Date(2026, 3, 21, 0, 0, 0, 0, tz), ValidUntil: time.Date(2027, 3, 20, 0, 0, 0, 0, tz), Conditions: "=گزارش ماهانه", CreatedAt: now},
		{AccountID: w.ids["OilMinistry"], ValidFrom: time.Date(2025, 1, 1, 0, 0, 0, 0, tz), ValidUntil: time.Date(2026, 12, 31, 0, 0, 0, 0, tz), RevokedAt: &revoked,
			RevokeReason: "پایان مأموریت", CreatedAt: now},
	} {
		if err := w.s.db(ctxb()).Create(&e).Error; err != nil {
			t.Fatal(err)
		}
	}
	tab, n := w.export(t, System, ExportOptions{Kind: ExportExemptions, Persian: true}, sheet.FormatCSV)
	if n != 2 || tab.Header[0] != "شماره" {
		t.Fatalf("%d rows, header %q", n, tab.Header)
	}
	cols := exemptionExportColumns
	want := map[string][]string{"handle": {"OilMinistry", "m.ahmadi"}, "agency_code": {"MIN-OIL", "MIN-ICT"}, "holder": {"وزارت نفت", "مریم احمدی"},
		"state": {ExemptionRevoked, ExemptionValid}, "valid_from": {"2025-01-01", "2026-03-21"}, "valid_until": {"2026-12-31", "2027-03-20"},
		"conditions": {"", "=گزارش ماهانه"}, "revoke_reason": {"پایان مأموریت", ""}, "revoked_on": {revoked.In(tz).Format(time.DateOnly), ""}}
	for key, v := range want {
		if got := column(t, tab, cols, key); !slices.Equal(got, v) {
			t.Errorf("%s: %q, want %q", key, got, v)
		}
	}
	// The liaison of the ministry's subtree sees neither: one is another
	// ministry's, the other held in the ministry itself, above them.
	liaison := Actor{UserID: 10, Role: RoleLiaison, AgencyID: w.sub.ID, AgencyPath: w.sub.Path}
	if _, n := w.export(t, liaison, ExportOptions{Kind: ExportExemptions}, sheet.FormatCSV); n != 0 {
		t.Errorf("liaison sees %d exemptions", n)
	}
}
