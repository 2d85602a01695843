package registry

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"hozur/registry/sheet"
)

// ExportExemptions is the kind of an export of exemptions; agencies,
// officials and accounts export under their exchange kinds.
const ExportExemptions = "exemptions"

// ExportKinds lists the kinds the registry exports (the monitor adds its
// flags).
var ExportKinds = []string{ExchangeAgencies, ExchangeOfficials, ExchangeAccounts, ExportExemptions}

// exportBatch is how many rows an export reads per query: a million
// accounts are a thousand keyset pages, each as cheap as the first, and no
// more than one page is held at a time.
const exportBatch = 1000

// Exemption states as an export writes them.
const (
	ExemptionValid    = "valid"
	ExemptionUpcoming = "upcoming"
	ExemptionExpired  = "expired"
	ExemptionRevoked  = "revoked"
)

var exemptionStateChoices = []Choice{{ExemptionValid, "معتبر"}, {ExemptionUpcoming, "هنوز آغاز نشده"}, {ExemptionExpired, "پایان‌یافته"},
	{ExemptionRevoked, "لغوشده"}}

// exemptionExportColumns are the columns of an exemptions sheet. Exemptions
// are made by decisions, not by import, so these only travel out.
var exemptionExportColumns = []Column{
	{Key: "id", Fa: "شماره"},
	{Key: "account_id", Fa: "شمارهٔ حساب"},
	{Key: "platform", Fa: "سکو"},
	{Key: "handle", Fa: "شناسه"},
	{Key: "agency_code", Fa: "کد سازمان"},
	{Key: "holder", Fa: "دارنده"},
	{Key: "justification_id", Fa: "شمارهٔ توجیه‌نامه"},
	{Key: "valid_from", Fa: "معتبر از", Date: true},
	{Key: "valid_until", Fa: "معتبر تا", Date: true},
	{Key: "state", Fa: "وضعیت", Choices: exemptionStateChoices},
	{Key: "conditions", Fa: "شرایط"},
	{Key: "revoked_on", Fa: "تاریخ لغو", Date: true},
	{Key: "revoke_reason", Fa: "دلیل لغو"},
}

// ExportColumns returns the columns of a kind's export: for agencies,
// officials and accounts exactly the import's columns, so an export imports
// back unchanged.
func ExportColumns(kind string) ([]Column, error) {
	if kind == ExportExemptions {
		return exemptionExportColumns, nil
	}
	return ExchangeColumns(kind)
}

// sheetNames names each kind's sheet, in English and in Persian.
var sheetNames = map[string][2]string{
	ExchangeAgencies:  {"Agencies", "سازمان‌ها"},
	ExchangeOfficials: {"Officials", "مقامات"},
	ExchangeAccounts:  {"Accounts", "حساب‌ها"},
	ExportExemptions:  {"Exemptions", "معافیت‌ها"},
}

// SheetName is the name of a kind's sheet in a workbook.
func SheetName(kind string, persian bool) string {
	n, ok := sheetNames[kind]
	switch {
	case !ok:
		return kind
	case persian:
		return n[1]
	}
	return n[0]
}

// HeaderRow is the header of columns: English keys or Persian names.
func HeaderRow(cols []Column, persian bool) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Key
		if persian {
			out[i] = c.Fa
		}
	}
	return out
}

// widened is a sheet that takes column widths (an XLSX does, a CSV not).
type widened interface{ Widths([]float64) error }

// StartSheet sizes a workbook's columns and writes the header.
func StartSheet(w sheet.Writer, cols []Column, persian bool) error {
	if x, ok := w.(widened); ok {
		widths := make([]float64, len(cols))
		for i, c := range cols {
			switch {
			case c.Key == "name" || c.Key == "position" || c.Key == "url" || c.Key == "holder" || strings.HasSuffix(c.Key, "reason") || c.Key == "conditions":
				widths[i] = 36
			case c.Date:
				widths[i] = 12
			default:
				widths[i] = 18
			}
		}
		if err := x.Widths(widths); err != nil {
			return err
		}
	}
	return w.Write(HeaderRow(cols, persian))
}

// ExportOptions say what an export writes: the kind, the language of its
// header, and the filter and order of the list it comes from.
type ExportOptions struct {
	Kind    string
	Persian bool   // Persian headers; the values are the same codes either way
	Sort    string // the list's sort key; "" for its default
	// The filter of Kind's list; the others are ignored.
	Agencies   AgencyFilter
	Officials  OfficialFilter
	Accounts   AccountFilter
	Exemptions ExemptionFilter
	// Progress, if set, is told the rows written so far after each batch.
	Progress func(rows int)
}

// Export writes every row of a filtered list that the actor may see, header
// first, batch by batch through the list's own query, so it sees what the
// list shows and holds one batch at a time. It returns the rows written
// (the header not counted). A bad filter is found before anything is
// written. The caller closes w.
func (s *Store) Export(ctx context.Context, a Actor, w sheet.Writer, opt ExportOptions) (int, error) {
	cols, err := ExportColumns(opt.Kind)
	if err != nil {
		return 0, err
	}
	codes, err := s.AgencyCodes(ctx)
	if err != nil {
		return 0, err
	}
	x := exporter{s: s, tz: s.rules.Location, codes: codes}
	switch opt.Kind {
	case ExchangeAgencies:
		return ExportPages(ctx, w, cols, opt.Persian, opt.Progress,
			func(cursor string) (Result[Agency], error) {
				return s.Agencies(ctx, a, opt.Agencies, Page{Cursor: cursor, Sort: opt.Sort, batch: exportBatch})
			}, x.agencyRows)
	case ExchangeOfficials:
		return ExportPages(ctx, w, cols, opt.Persian, opt.Progress,
			func(cursor string) (Result[OfficialView], error) {
				return s.Officials(ctx, a, opt.Officials, Page{Cursor: cursor, Sort: opt.Sort, batch: exportBatch})
			}, x.officialRows)
	case ExchangeAccounts:
		return ExportPages(ctx, w, cols, opt.Persian, opt.Progress,
			func(cursor string) (Result[AccountView], error) {
				return s.Accounts(ctx, a, opt.Accounts, Page{Cursor: cursor, Sort: opt.Sort, batch: exportBatch})
			}, x.accountRows)
	default: // ExportExemptions
		now := s.Now()
		return ExportPages(ctx, w, cols, opt.Persian, opt.Progress,
			func(cursor string) (Result[ExemptionView], error) {
				return s.Exemptions(ctx, a, opt.Exemptions, Page{Cursor: cursor, Sort: opt.Sort, batch: exportBatch})
			}, func(_ context.Context, items []ExemptionView) ([][]string, error) {
				return x.exemptionRows(items, now), nil
			})
	}
}

// ExportPages writes a paged list to w: it reads the first page before the
// header, so a refused or bad filter writes nothing; then page after page
// until the last, each turned into rows by cells.
func ExportPages[T any](ctx context.Context, w sheet.Writer, cols []Column, persian bool, progress func(int),
	fetch func(cursor string) (Result[T], error), cells func(context.Context, []T) ([][]string, error)) (int, error) {
	res, err := fetch("")
	if err != nil {
		return 0, err
	}
	if err := StartSheet(w, cols, persian); err != nil {
		return 0, fmt.Errorf("export: %w", err)
	}
	n := 0
	for {
		rows, err := cells(ctx, res.Items)
		if err != nil {
			return n, err
		}
		for _, r := range rows {
			if err := w.Write(r); err != nil {
				return n, fmt.Errorf("export: %w", err)
			}
		}
		n += len(rows)
		if progress != nil {
			progress(n)
		}
		if res.Next == "" {
			return n, nil
		}
		if err := ctx.Err(); err != nil {
			return n, err
		}
		if res, err = fetch(res.Next); err != nil {
			return n, err
		}
	}
}

// AgencyCodes maps every agency's id to its code: ten thousand agencies are
// a few hundred kilobytes, cheaper than a join on every row exported.
func (s *Store) AgencyCodes(ctx context.Context) (map[int64]string, error) {
	rows, err := s.rdb(ctx).Raw("SELECT id, code FROM agencies").Rows()
	if err != nil {
		return nil, fmt.Errorf("agency codes: %w", err)
	}
	defer func() { _ = rows.Close() }()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var code string
		if err := rows.Scan(&id, &code); err != nil {
			return nil, fmt.Errorf("agency codes: %w", err)
		}
		out[id] = code
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("agency codes: %w", err)
	}
	return out, nil
}

// AgencyOfPath is the agency a tree path ends in, e.g. 7 of "/1/7/".
func AgencyOfPath(path string) int64 {
	path = strings.TrimSuffix(path, "/")
	id, _ := strconv.ParseInt(path[strings.LastIndexByte(path, '/')+1:], 10, 64)
	return id
}

// exporter turns list items into sheet rows.
type exporter struct {
	s     *Store
	tz    *time.Location
	codes map[int64]string // agency id -> code
}

// isoDate is a day as YYYY-MM-DD in the rules' time zone; "" for none.
func (x exporter) isoDate(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.In(x.tz).Format(time.DateOnly)
}

func (x exporter) agencyRows(_ context.Context, items []Agency) ([][]string, error) {
	out := make([][]string, len(items))
	for i, ag := range items {
		parent := ""
		if ag.ParentID != nil {
			parent = x.codes[*ag.ParentID]
		}
		out[i] = []string{ag.Code, ag.Name, ag.NameEn, parent, ag.Kind}
	}
	return out, nil
}

func (x exporter) officialRows(_ context.Context, items []OfficialView) ([][]string, error) {
	out := make([][]string, len(items))
	for i, o := range items {
		out[i] = []string{o.Name, x.codes[o.AgencyID], o.Position, strconv.Itoa(o.Rank), o.EmployeeCode, o.Email, o.Phone,
			strconv.FormatBool(o.Serving), x.isoDate(o.TermStart)}
	}
	return out, nil
}

func (x exporter) accountRows(ctx context.Context, items []AccountView) ([][]string, error) {
	// The holders' employee codes, one query a batch.
	ids := make([]int64, 0, len(items))
	for _, v := range items {
		if v.OfficialID != nil {
			ids = append(ids, *v.OfficialID)
		}
	}
	type holder struct {
		ID                           int64
		EmployeeCode, Name, Position string
	}
	holders := map[int64]holder{}
	if len(ids) > 0 {
		var list []Official
		if err := x.s.rdb(ctx).Where("id IN ?", ids).Find(&list).Error; err != nil {
			return nil, fmt.Errorf("export accounts: %w", err)
		}
		if err := x.s.openOfficialRows(ctx, list); err != nil {
			return nil, err
		}
		for _, o := range list {
			holders[o.ID] = holder{ID: o.ID, EmployeeCode: o.EmployeeCode, Name: o.Name, Position: o.Position}
		}
	}
	out := make([][]string, len(items))
	for i, v := range items {
		var h holder
		if v.OfficialID != nil {
			h = holders[*v.OfficialID]
		}
		// The holder is named by employee code, or, without one, by name
		// and position within the agency: the import finds them either way.
		name, position := "", ""
		if h.ID != 0 && h.EmployeeCode == "" {
			name, position = h.Name, h.Position
		}
		out[i] = []string{v.PlatformCode, v.Display, v.URL, v.Capacity, x.codes[v.AgencyID], h.EmployeeCode, name, position, v.Status, x.isoDate(v.OpenedOn)}
	}
	return out, nil
}

// exemptionState names where an exemption stands at now.
func exemptionState(e Exemption, now time.Time, tz *time.Location) string {
	switch {
	case e.RevokedAt != nil && !now.Before(*e.RevokedAt):
		return ExemptionRevoked
	case e.ValidAt(now, tz):
		return ExemptionValid
	case now.Before(e.ValidFrom):
		return ExemptionUpcoming
	}
	return ExemptionExpired
}

func (x exporter) exemptionRows(items []ExemptionView, now time.Time) [][]string {
	out := make([][]string, len(items))
	for i, e := range items {
		holder := e.OfficialName
		if holder == "" {
			holder = e.AgencyName
		}
		just := ""
		if e.JustificationID != nil {
			just = strconv.FormatInt(*e.JustificationID, 10)
		}
		out[i] = []string{strconv.FormatInt(e.ID, 10), strconv.FormatInt(e.AccountID, 10), e.PlatformCode, e.AccountDisplay,
			x.codes[AgencyOfPath(e.AgencyPath)], holder, just, x.isoDate(&e.ValidFrom), x.isoDate(&e.ValidUntil),
			exemptionState(e.Exemption, now, x.tz), e.Conditions, x.isoDate(e.RevokedAt), e.RevokeReason}
	}
	return out
}
