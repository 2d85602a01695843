package registry

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"hozur/registry/sheet"
)

func readSheet(t *testing.T, name, text string) *sheet.Table {
	t.Helper()
	tab, err := sheet.Read(strings.NewReader(text), name, sheet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func issueSet(r *ImportResult) []string {
	var out []string
	for _, is := range r.Issues {
		out = append(out, strings.Join([]string{strconv.Itoa(is.Line), is.Column, is.Key}, "|"))
	}
	return out
}

// A messy office file: Windows-1256, semicolons, Arabic ي/ك, Persian
// headers in their own order, Jalali dates in Persian digits, a quoted
// field with a newline, trailing empty rows and columns, and bad rows.
func TestImportAccountsMessyFile(t *testing.T) {
	w := newWorld(t, nil)
	must[*OfficialView](t)(w.s.UpdateOfficial(ctxb(), System, w.official.ID, OfficialInput{AgencyID: w.sub.ID, Name: w.official.Name, Position: w.official.Position,
		Rank: 3, Serving: true, EmployeeCode: "7781"}))
	text := "وضعیت;عنوان حساب;نشانی;کد سازمان;کد کارمندی مقام;تاریخ ایجاد;;\r\n" +
		"فعال;سازماني;https://t.me/ict_news;min-ict;;۱۴۰۲/۰۱/۲۱;;\r\n" +
		"active;office;\"https://instagram.com/melika.rezaei\";;۷۷۸۱;2023-04-10;;\r\n" +
		"فعال;سازمانی;https://t.me/ict_news;MIN-ICT;;;;\r\n" + // duplicate of row 2
		"فعال;نامعلوم;https://t.me/other;MIN-ICT;;;;\r\n" + // bad capacity
		"فعال;سازمانی;https://t.me/joinchat/AAAA;MIN-ICT;;;;\r\n" + // invite link
		"فعال;سازمانی;https://t.me/third;NOPE;;1402/13/01;;\r\n" + // unknown agency, bad date
		";;;;;;;\r\n;;;;;;;\r\n"
	// Windows-1256 has no Persian ی nor Persian digits: offices' files
	// carry the Arabic ي and ASCII digits.
	arabic := strings.NewReplacer("ی", "ي", "۱۴۰۲/۰۱/۲۱", "1402/01/21", "۷۷۸۱", "7781")
	enc, err := charmap.Windows1256.NewEncoder().String(arabic.Replace(text))
	if err != nil {
		t.Fatal(err)
	}
	tab := readSheet(t, "accounts.csv", enc)
	if tab.Encoding != sheet.EncodingWin1256 || tab.Delimiter != ';' {
		t.Fatalf("read as %s with %q", tab.Encoding, tab.Delimiter)
	}
	res, err := w.s.Import(ctxb(), System, tab, ImportOptions{Kind: ExchangeAccounts, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"4|نشانی|import.duplicate_row", "5|عنوان حساب|import.not_allowed", "6|نشانی|link.not_account.invite",
		"7|تاریخ ایجاد|import.bad_date", "7|کد سازمان|import.unknown_agency"}
	for i := range want {
		want[i] = arabic.Replace(want[i])
	}
	got := issueSet(res)
	if strings.Join(sortCopy(got), "\n") != strings.Join(sortCopy(want), "\n") {
		t.Fatalf("issues:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if res.Bad != 4 || res.Created != 2 || res.Rows != 6 {
		t.Fatalf("result %+v", res)
	}
	// Applying the whole file writes nothing.
	if _, err := w.s.Import(ctxb(), System, tab, ImportOptions{Kind: ExchangeAccounts}); !errors.Is(err, ErrImportRejected) {
		t.Fatalf("apply with bad rows: %v", err)
	}
	var n int64
	w.s.rdb(ctxb()).Model(&Account{}).Count(&n)
	if n != 0 {
		t.Fatalf("%d accounts written by a rejected import", n)
	}
	// Only the good rows.
	res, err = w.s.Import(ctxb(), System, tab, ImportOptions{Kind: ExchangeAccounts, GoodOnly: true})
	if err != nil || !res.Applied || res.Created != 2 {
		t.Fatalf("good only: %+v %v", res, err)
	}
	list := must[Result[AccountView]](t)(w.s.Accounts(ctxb(), System, AccountFilter{}, Page{PerPage: 10}))
	if len(list.Items) != 2 {
		t.Fatalf("%d accounts", len(list.Items))
	}
	for _, a := range list.Items {
		switch a.Handle {
		case "ict_news":
			if a.Capacity != CapacityInstitutional || a.AgencyID != w.ministry.ID || a.OpenedOn == nil || a.OpenedOn.UTC().Format("2006-01-02") != "2023-04-09" {
				t.Errorf("institutional: %+v opened %v", a.Account, a.OpenedOn)
			}
		case "melika.rezaei":
			if a.OfficialID == nil || *a.OfficialID != w.official.ID || a.AgencyAt1 == nil || *a.AgencyAt1 != w.sub.ID {
				t.Errorf("office: %+v", a.Account)
			}
		default:
			t.Errorf("unexpected %s", a.Handle)
		}
	}
	// Again: nothing changes.
	res, err = w.s.Import(ctxb(), System, tab, ImportOptions{Kind: ExchangeAccounts, GoodOnly: true})
	if err != nil || res.Created != 0 || res.Updated != 0 || res.Unchanged != 2 {
		t.Fatalf("second import: %+v %v", res, err)
	}
	ok, err := w.s.VerifyAudit(ctxb(), nil)
	if err != nil || !ok.OK() {
		t.Fatalf("audit chain after import: %+v %v", ok, err)
	}
}

func sortCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// An upload is seen by its uploader only; its state is read without its
// file, and the file is dropped once it is applied.
func TestImportUploads(t *testing.T) {
	w := newWorld(t, nil)
	user := func(name string) Actor {
		u := must[*User](t)(w.s.CreateUser(ctxb(), System, UserInput{Username: name, Password: "a long password", Role: RoleAdmin, Active: true}))
		return Actor{UserID: u.ID, Username: u.Username, Role: RoleAdmin}
	}
	sara, reza := user("sara"), user("reza")
	res := &ImportResult{Kind: ExchangeAgencies, Rows: 1}
	u := must[*ImportUpload](t)(w.s.SaveImport(ctxb(), sara, ExchangeAgencies, "a.csv", "utf-8", []byte("code,name\r\n"), res))
	if _, err := w.s.ImportUploadOf(ctxb(), reza, u.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another user's upload: %v", err)
	}
	if _, err := w.s.ImportUploadInfo(ctxb(), reza, u.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another user's upload info: %v", err)
	}
	info := must[*ImportUpload](t)(w.s.ImportUploadInfo(ctxb(), sara, u.ID))
	if info.Size != 11 || info.Data != nil || info.FileName != "a.csv" || info.State != ImportChecked {
		t.Fatalf("info %+v", info)
	}
	list := must[[]ImportUpload](t)(w.s.ImportUploads(ctxb(), sara, 10))
	if len(list) != 1 || list[0].Data != nil || list[0].Size != 11 {
		t.Fatalf("list %+v", list)
	}
	res.Applied = true
	if err := w.s.FinishImport(ctxb(), sara, u.ID, res); err != nil {
		t.Fatal(err)
	}
	info = must[*ImportUpload](t)(w.s.ImportUploadInfo(ctxb(), sara, u.ID))
	if info.Size != 0 || info.State != ImportApplied || info.AppliedAt == nil {
		t.Fatalf("applied %+v", info)
	}
	if !sara.MayImport(ExchangeAgencies) || (Actor{Role: RoleAuditor}).MayImport(ExchangeAccounts) || (Actor{Role: RoleLiaison, AgencyPath: "/1/"}).MayImport(ExchangeAgencies) ||
		!(Actor{Role: RoleLiaison, AgencyPath: "/1/"}).MayImport(ExchangeAccounts) || sara.MayImport("users") {
		t.Error("MayImport")
	}
}

func TestImportAgenciesTreeAndUpdates(t *testing.T) {
	s := openTest(t, nil)
	// Children before their parents, a Persian kind, a loop and a parent
	// nobody has.
	text := "code,name,name_en,parent_code,kind\n" +
		"moh-thr,دانشگاه علوم پزشكی تهران,,MOH,دانشگاه\n" +
		"MOH,وزارت بهداشت,Ministry of Health,,ministry\n" +
		"LOOP-A,الف,,LOOP-B,organisation\n" +
		"LOOP-B,ب,,LOOP-A,organisation\n" +
		"ORPHAN,یتیم,,NOPE,organisation\n" +
		"BADKIND,نوع بد,,,planet\n"
	tab := readSheet(t, "agencies.csv", text)
	res, err := s.Import(ctxb(), System, tab, ImportOptions{Kind: ExchangeAgencies, GoodOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"4|parent_code|agency.parent_cycle", "5|parent_code|agency.parent_cycle", "6|parent_code|import.unknown_agency", "7|kind|import.not_allowed"}
	if got := sortCopy(issueSet(res)); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("issues:\n%s", strings.Join(got, "\n"))
	}
	if res.Created != 2 || !res.Applied {
		t.Fatalf("%+v", res)
	}
	child := must[*Agency](t)(s.AgencyByCode(ctxb(), "MOH-THR"))
	parent := must[*Agency](t)(s.AgencyByCode(ctxb(), "MOH"))
	if child.ParentID == nil || *child.ParentID != parent.ID || child.Kind != KindUniversity || child.Name != "دانشگاه علوم پزشکی تهران" {
		t.Fatalf("child %+v", child)
	}
	// A rename is an update; the rest is unchanged; an empty parent keeps
	// the stored one.
	tab = readSheet(t, "agencies.csv", "code,name,kind,parent_code\nMOH,وزارت بهداشت، درمان و آموزش پزشکی,ministry,\nMOH-THR,دانشگاه علوم پزشکی تهران,university,\n")
	res = must[*ImportResult](t)(s.Import(ctxb(), System, tab, ImportOptions{Kind: ExchangeAgencies}))
	if res.Updated != 1 || res.Unchanged != 1 || res.Created != 0 {
		t.Fatalf("%+v", res)
	}
	if got := must[*Agency](t)(s.AgencyByCode(ctxb(), "MOH-THR")); got.ParentID == nil || *got.ParentID != parent.ID {
		t.Fatal("an empty parent_code moved the agency")
	}
}

func TestImportOfficialsNaturalKeys(t *testing.T) {
	w := newWorld(t, nil)
	text := "name,agency_code,position,rank,employee_code,email,term_start,serving\n" +
		"علی رضایی,MIN-ICT,مشاور,4,۰۰۱۲,ali@example.ir,۱۴۰۲/۰۱/۲۱,بله\n" +
		"ملیكا رضايي,MIN-ICT-TEH,مدیرکل,3,,,,\n" + // the world's official, by name and position
		"سارا,MIN-ICT,مشاور,9,,not-an-email,1402/13/40,\n" +
		"علی رضایی,MIN-ICT,مشاور,4,0012,,,\n" // same key as row 2
	tab := readSheet(t, "officials.csv", text)
	res, err := w.s.Import(ctxb(), System, tab, ImportOptions{Kind: ExchangeOfficials, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"4|email|error.email", "4|rank|import.not_allowed", "4|term_start|import.bad_date", "5|employee_code|import.duplicate_row"}
	if got := sortCopy(issueSet(res)); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("issues:\n%s", strings.Join(got, "\n"))
	}
	if res.Created != 1 || res.Unchanged != 1 {
		t.Fatalf("%+v", res)
	}
	res, err = w.s.Import(ctxb(), System, tab, ImportOptions{Kind: ExchangeOfficials, GoodOnly: true})
	if err != nil || res.Created != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	list := must[Result[OfficialView]](t)(w.s.Officials(ctxb(), System, OfficialFilter{AgencyID: w.ministry.ID}, Page{PerPage: 10}))
	var ali *OfficialView
	for i := range list.Items {
		if list.Items[i].EmployeeCode == "0012" {
			ali = &list.Items[i]
		}
	}
	if ali == nil || ali.Email != "ali@example.ir" || ali.Rank != 4 || ali.TermStart == nil || !ali.Serving {
		t.Fatalf("imported official %+v", ali)
	}
	// By employee code, a new position is an update of the same person.
	tab = readSheet(t, "officials.csv", "name,agency_code,position,rank,employee_code\nعلی رضایی,MIN-ICT,معاون,3,12\n")
	tab.Rows[0].Cells[4] = "0012"
	res = must[*ImportResult](t)(w.s.Import(ctxb(), System, tab, ImportOptions{Kind: ExchangeOfficials}))
	if res.Updated != 1 || res.Created != 0 {
		t.Fatalf("%+v", res)
	}
	got := must[*OfficialView](t)(w.s.Official(ctxb(), System, ali.ID))
	if got.Position != "معاون" || got.Email != "ali@example.ir" {
		t.Fatalf("after update %+v (an empty e-mail cell must keep the stored one)", got.Official)
	}
}

func TestImportHeaderProblems(t *testing.T) {
	s := openTest(t, nil)
	tab := readSheet(t, "x.csv", "code,name,colour,name\nA,B,red,C\n")
	res := must[*ImportResult](t)(s.Import(ctxb(), System, tab, ImportOptions{Kind: ExchangeAgencies, DryRun: true}))
	want := []string{"1|colour|import.unknown_column", "1|kind|import.missing_column", "1|name|import.duplicate_column"}
	if got := sortCopy(issueSet(res)); strings.Join(got, "\n") != strings.Join(want, "\n") || !res.HeaderBad {
		t.Fatalf("issues:\n%s", strings.Join(got, "\n"))
	}
	// Not even the good rows may go in under a bad header.
	if _, err := s.Import(ctxb(), System, tab, ImportOptions{Kind: ExchangeAgencies, GoodOnly: true}); !errors.Is(err, ErrImportRejected) {
		t.Fatalf("bad header applied: %v", err)
	}
}

func TestImportPermissions(t *testing.T) {
	w := newWorld(t, nil)
	liaison := Actor{UserID: 7, Username: "liaison", Role: RoleLiaison, AgencyID: w.sub.ID, AgencyPath: w.sub.Path}
	text := "platform,handle,capacity,agency_code\ntelegram,sub_news,institutional,MIN-ICT-TEH\ntelegram,oil_news,institutional,MIN-OIL\n"
	res := must[*ImportResult](t)(w.s.Import(ctxb(), liaison, readSheet(t, "a.csv", text), ImportOptions{Kind: ExchangeAccounts, DryRun: true}))
	if got := issueSet(res); len(got) != 1 || got[0] != "3||import.forbidden" || res.Created != 1 {
		t.Fatalf("liaison: %v %+v", got, res)
	}
	auditor := Actor{UserID: 8, Username: "auditor", Role: RoleAuditor}
	if _, err := w.s.Import(ctxb(), auditor, readSheet(t, "a.csv", text), ImportOptions{Kind: ExchangeAccounts, DryRun: true}); !errors.Is(err, ErrForbidden) {
		t.Fatalf("auditor: %v", err)
	}
	// Another agency's personal account is "taken", without saying whose.
	must[*AccountView](t)(w.s.CreateAccount(ctxb(), System, AccountInput{URL: "https://t.me/karimi_private", Capacity: CapacityPersonal, OfficialID: w.outside.ID}))
	text = "platform,handle,capacity,agency_code\ntelegram,karimi_private,institutional,MIN-ICT-TEH\n"
	res = must[*ImportResult](t)(w.s.Import(ctxb(), liaison, readSheet(t, "a.csv", text), ImportOptions{Kind: ExchangeAccounts, DryRun: true}))
	if got := issueSet(res); len(got) != 1 || got[0] != "2|handle|account.duplicate_hidden" {
		t.Fatalf("hidden duplicate: %v", got)
	}
}

func TestPurgeImportsKeepsTheRecord(t *testing.T) {
	c := newClock()
	s := openTest(t, c)
	u := must[*User](t)(s.CreateUser(ctxb(), System, UserInput{Username: "boss", Password: "correct horse battery", Role: RoleAdmin}))
	a := Actor{UserID: u.ID, Username: u.Username, Role: RoleAdmin}
	up := must[*ImportUpload](t)(s.SaveImport(ctxb(), a, ExchangeAgencies, "a.csv", "auto", []byte("code\n"), &ImportResult{Rows: 1}))
	if n := must[int64](t)(s.PurgeImports(ctxb(), c.now().Add(time.Hour))); n != 0 {
		t.Fatalf("purged %d fresh uploads", n)
	}
	if n := must[int64](t)(s.PurgeImports(ctxb(), c.now().Add(25*time.Hour))); n != 1 {
		t.Fatalf("purged %d old uploads, want 1", n)
	}
	got := must[*ImportUpload](t)(s.ImportUploadOf(ctxb(), a, up.ID))
	if got.Data != nil || got.FileName != "a.csv" {
		t.Fatalf("after purge: %+v", got)
	}
	if _, err := s.ImportUploadOf(ctxb(), Actor{UserID: u.ID + 1, Role: RoleAdmin}, up.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another user's upload: %v", err)
	}
}

// Without an employee code, the holder is named by name and position in
// the agency; both spellings of ی find them.
func TestImportAccountHolderByName(t *testing.T) {
	w := newWorld(t, nil)
	text := "url,capacity,agency_code,official_name,official_position\n" +
		"https://t.me/rezaei_office,office,MIN-ICT-TEH,ملیکا رضایی,مدیرکل\n" +
		"https://t.me/nobody_office,office,MIN-ICT-TEH,نیما نیک,مدیرکل\n" +
		"https://t.me/no_agency,office,,ملیکا رضایی,مدیرکل\n" +
		"https://t.me/no_position,office,MIN-ICT-TEH,ملیکا رضایی,\n"
	res := must[*ImportResult](t)(w.s.Import(ctxb(), System, readSheet(t, "a.csv", text), ImportOptions{Kind: ExchangeAccounts, GoodOnly: true}))
	want := []string{"3|official_name|import.unknown_official_name", "4|agency_code|account.agency_required", "5|official_position|error.required"}
	if got := sortCopy(issueSet(res)); strings.Join(got, "\n") != strings.Join(want, "\n") || res.Created != 1 {
		t.Fatalf("%+v\n%s", res, strings.Join(got, "\n"))
	}
	list := must[Result[AccountView]](t)(w.s.Accounts(ctxb(), System, AccountFilter{}, Page{PerPage: 5}))
	if len(list.Items) != 1 || list.Items[0].OfficialID == nil || *list.Items[0].OfficialID != w.official.ID {
		t.Fatalf("holder: %+v", list.Items)
	}
}

// Found in review: what the apply would refuse, the check refuses first.
func TestImportCatchesWhatTheApplyWouldRefuse(t *testing.T) {
	w := newWorld(t, nil)
	// MIN-ICT under its own sub-agency: a loop through the stored tree.
	tab := readSheet(t, "a.csv", "code,name,kind,parent_code\nMIN-ICT,وزارت ارتباطات و فناوری اطلاعات,ministry,MIN-ICT-TEH\nNEW-ONE,تازه,organisation,\n")
	res := must[*ImportResult](t)(w.s.Import(ctxb(), System, tab, ImportOptions{Kind: ExchangeAgencies, DryRun: true}))
	if got := issueSet(res); len(got) != 1 || got[0] != "2|parent_code|agency.parent_cycle" {
		t.Fatalf("stored loop: %v", got)
	}
	res = must[*ImportResult](t)(w.s.Import(ctxb(), System, tab, ImportOptions{Kind: ExchangeAgencies, GoodOnly: true}))
	if !res.Applied || res.Created != 1 {
		t.Fatalf("good only: %+v", res)
	}

	// An employee code added to an official registered without one updates
	// that official rather than making a second.
	tab = readSheet(t, "o.csv", "name,agency_code,position,rank,employee_code\nحسین کریمی,MIN-OIL,معاون وزیر,2,9001\n")
	res = must[*ImportResult](t)(w.s.Import(ctxb(), System, tab, ImportOptions{Kind: ExchangeOfficials}))
	if res.Created != 0 || res.Updated != 1 {
		t.Fatalf("adding a code: %+v", res)
	}
	if got := must[*OfficialView](t)(w.s.Official(ctxb(), System, w.outside.ID)); got.EmployeeCode != "9001" {
		t.Fatalf("code not added: %+v", got.Official)
	}

	// The template's example row, left in, is skipped.
	cols := must[[]Column](t)(ExchangeColumns(ExchangeAgencies))
	var head, example []string
	for _, c := range cols {
		head, example = append(head, c.Key), append(example, c.Example)
	}
	tab = readSheet(t, "a.csv", strings.Join(head, ",")+"\n"+strings.Join(example, ",")+"\n")
	res = must[*ImportResult](t)(w.s.Import(ctxb(), System, tab, ImportOptions{Kind: ExchangeAgencies, DryRun: true}))
	if res.Rows != 0 || res.Created != 0 {
		t.Fatalf("example row imported: %+v", res)
	}

	// A liaison learns nothing of officials outside their agency: the
	// answer is that of an official who does not exist.
	liaison := Actor{UserID: 7, Username: "liaison", Role: RoleLiaison, AgencyID: w.sub.ID, AgencyPath: w.sub.Path}
	tab = readSheet(t, "a.csv", "platform,handle,capacity,official_employee_code\ntelegram,karimi_ch,office,9001\ntelegram,nobody_ch,office,0000\n")
	res = must[*ImportResult](t)(w.s.Import(ctxb(), liaison, tab, ImportOptions{Kind: ExchangeAccounts, DryRun: true}))
	got := issueSet(res)
	if len(got) != 2 || got[0] != "2|official_employee_code|import.unknown_official" || got[1] != "3|official_employee_code|import.unknown_official" {
		t.Fatalf("liaison's view of others: %v", got)
	}
}
