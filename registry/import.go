package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/xuri/excelize/v2"

	"hozur/registry/calendar"
	"hozur/registry/sheet"
	"hozur/registry/textnorm"
)

// ImportOptions steer an import.
type ImportOptions struct {
	Kind     string // ExchangeAgencies, ExchangeOfficials or ExchangeAccounts
	DryRun   bool   // check every row, write nothing
	GoodOnly bool   // apply the good rows even when some are bad
	FileName string // for the audit trail
	// Progress, if set, is told how many rows are done of how many, while
	// the rows are checked and again while they are written.
	Progress func(stage string, done, total int)
}

// Progress stages.
const (
	StageCheck = "check"
	StageWrite = "write"
)

// ImportIssue is one problem with a row (or, at Line 1, the header). Column
// is the header as the file writes it; Key a message key, Args its values.
type ImportIssue struct {
	Line   int            `json:"line"`
	Column string         `json:"column"`
	Key    string         `json:"key"`
	Args   map[string]any `json:"args,omitempty"`
}

// ImportResult is what an import found and did.
type ImportResult struct {
	Kind      string        `json:"kind"`
	Rows      int           `json:"rows"`
	Created   int           `json:"created"`
	Updated   int           `json:"updated"`
	Unchanged int           `json:"unchanged"`
	Bad       int           `json:"bad"` // rows with at least one issue
	Issues    []ImportIssue `json:"issues"`
	Applied   bool          `json:"applied"`
	// HeaderBad is true when the header itself is wrong: no row can be
	// read, so not even the good ones may be applied.
	HeaderBad bool `json:"header_bad"`
}

// ErrImportRejected is returned by an apply that wrote nothing because
// rows were bad; the result lists them.
var ErrImportRejected = errors.New("import: rows are bad")

// maxIssues bounds the issues kept, the first rows' first: a file that is
// wrong in every row is told so without megabytes of repetition (Bad still
// counts every bad row).
// told so without a megabyte of repetition.
const maxIssues = MaxImportIssues

// MaxImportIssues is how many issues a result lists at most.
const MaxImportIssues = 10_000

// importer holds what every kind's import shares: the sheet, its columns
// found, the issues collected, the counts.
type importer struct {
	s       *Store
	a       Actor
	t       *sheet.Table
	opt     ImportOptions
	cols    []Column
	at      map[string]int    // column key -> cell index
	named   map[string]string // column key -> header as written
	persian bool              // the header is in Persian: name missing columns so
	res     *ImportResult
	badRow  map[int]bool
	tz      *time.Location
	// platformCode names platforms by id, for the accounts' updates.
	platformCode map[int64]string
}

func (s *Store) newImporter(a Actor, t *sheet.Table, opt ImportOptions) (*importer, error) {
	cols, err := ExchangeColumns(opt.Kind)
	if err != nil {
		return nil, err
	}
	im := &importer{s: s, a: a, t: t, opt: opt, cols: cols, at: map[string]int{}, named: map[string]string{},
		res: &ImportResult{Kind: opt.Kind, Rows: len(t.Rows), Issues: []ImportIssue{}}, badRow: map[int]bool{}, tz: s.rules.Location, platformCode: map[int64]string{}}
	im.readHeader()
	// The template's example row, left in, is skipped without a word.
	rows := make([]sheet.Row, 0, len(t.Rows))
	for _, r := range t.Rows {
		if !im.isExample(r) {
			rows = append(rows, r)
		}
	}
	if len(rows) != len(t.Rows) {
		cp := *t
		cp.Rows = rows
		im.t = &cp
		im.res.Rows = len(rows)
	}
	return im, nil
}

// headerLine is the header's row number: the line before the first row
// when there are rows, else 1.
func (im *importer) headerLine() int {
	if len(im.t.Rows) > 0 && im.t.Rows[0].Line > 1 {
		return im.t.Rows[0].Line - 1
	}
	return 1
}

func (im *importer) readHeader() {
	line := im.headerLine()
	byKey := map[string]Column{}
	for _, c := range im.cols {
		byKey[headerKey(c.Key)] = c
		byKey[headerKey(c.Fa)] = c
	}
	fa, en := 0, 0
	for i, h := range im.t.Header {
		if h == "" {
			// A column with neither header nor values (a table that
			// starts in column B) is no column.
			if im.columnUsed(i) {
				im.headerIssue(line, columnLetter(i), "import.header_empty", nil)
			}
			continue
		}
		c, ok := byKey[headerKey(h)]
		if !ok {
			im.headerIssue(line, h, "import.unknown_column", map[string]any{"Allowed": im.allowedHeaders()})
			continue
		}
		if _, dup := im.at[c.Key]; dup {
			im.headerIssue(line, h, "import.duplicate_column", nil)
			continue
		}
		im.at[c.Key], im.named[c.Key] = i, h
		if headerKey(h) == headerKey(c.Fa) {
			fa++
		} else {
			en++
		}
	}
	im.persian = fa > en
	if fa == 0 && en == 0 {
		// No header matched: answer in the script the headers are in.
		for _, h := range im.t.Header {
			for _, r := range h {
				if unicode.Is(unicode.Arabic, r) {
					im.persian = true
				}
			}
		}
	}
	for _, c := range im.cols {
		if _, ok := im.at[c.Key]; !ok {
			im.named[c.Key] = im.display(c)
			if c.Required {
				im.headerIssue(line, im.named[c.Key], "import.missing_column", nil)
			}
		}
	}
	if im.opt.Kind == ExchangeAccounts {
		_, h := im.at["handle"]
		_, u := im.at["url"]
		if !h && !u {
			im.headerIssue(line, im.named["url"], "import.missing_column", nil)
		}
	}
}

// columnUsed reports whether any row has a value in column i.
func (im *importer) columnUsed(i int) bool {
	for _, r := range im.t.Rows {
		if r.Cell(i) != "" {
			return true
		}
	}
	return false
}

// isExample reports whether row r is the template's example row, left in
// by whoever filled the template: it is not a record to import.
func (im *importer) isExample(r sheet.Row) bool {
	for _, c := range im.cols {
		v := im.cell(r, c.Key)
		fa := c.ExampleFa
		if fa == "" {
			fa = c.Example
		}
		if _, inFile := im.at[c.Key]; inFile && v != c.Example && v != fa {
			return false
		}
	}
	// Only a sheet with every column of the template can hold its example.
	return len(im.at) == len(im.cols)
}

// sortIssues puts the issues in row and column order, header first, and
// keeps the first maxIssues.
func (im *importer) sortIssues() {
	slices.SortStableFunc(im.res.Issues, func(a, b ImportIssue) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return strings.Compare(a.Column, b.Column)
	})
	if len(im.res.Issues) > maxIssues {
		im.res.Issues = im.res.Issues[:maxIssues]
	}
}

func (im *importer) display(c Column) string {
	if im.persian {
		return c.Fa
	}
	return c.Key
}

func (im *importer) allowedHeaders() string {
	names := make([]string, len(im.cols))
	for i, c := range im.cols {
		names[i] = im.display(c)
	}
	return strings.Join(names, listSep(im.persian))
}

// listSep separates the items of a list in a message.
func listSep(persian bool) string {
	if persian {
		return "، "
	}
	return ", "
}

func (im *importer) headerIssue(line int, column, key string, args map[string]any) {
	im.res.HeaderBad = true
	im.res.Issues = append(im.res.Issues, ImportIssue{Line: line, Column: column, Key: key, Args: args})
}

// columnLetter is a spreadsheet column's name: 0 is A, 26 is AA.
func columnLetter(i int) string {
	name, err := excelize.ColumnNumberToName(i + 1)
	if err != nil {
		return strconv.Itoa(i + 1)
	}
	return name
}

// cell is row r's value under column key, "" when the file has no such
// column.
func (im *importer) cell(r sheet.Row, key string) string {
	i, ok := im.at[key]
	if !ok {
		return ""
	}
	return r.Cell(i)
}

// has reports whether the file has column key and row r fills it.
func (im *importer) has(r sheet.Row, key string) bool { return im.cell(r, key) != "" }

// bad records an issue with row r under column key ("" for the whole row).
func (im *importer) bad(r sheet.Row, key, msg string, args map[string]any) {
	if !im.badRow[r.Line] {
		im.badRow[r.Line] = true
		im.res.Bad++
	}
	if len(im.res.Issues) >= 4*maxIssues {
		return // sorted and cut to maxIssues at the end
	}
	col := ""
	if key != "" {
		col = im.named[key]
	}
	im.res.Issues = append(im.res.Issues, ImportIssue{Line: r.Line, Column: col, Key: msg, Args: args})
}

// badFields records a store validation's field errors against row r;
// fields maps the store's field names to the sheet's column keys.
func (im *importer) badFields(r sheet.Row, err error, fields map[string]string) bool {
	var ve *ValidationError
	var ce *ConflictError
	switch {
	case errors.As(err, &ve):
		keys := make([]string, 0, len(ve.Fields))
		for f := range ve.Fields {
			keys = append(keys, f)
		}
		slices.Sort(keys)
		for _, f := range keys {
			col := f
			if m, ok := fields[f]; ok {
				col = m
			}
			if _, known := im.named[col]; !known {
				col = ""
			}
			im.bad(r, col, ve.Fields[f], nil)
		}
	case errors.As(err, &ce):
		col := ce.Field
		if m, ok := fields[col]; ok {
			col = m
		}
		if _, known := im.named[col]; !known {
			col = ""
		}
		im.bad(r, col, ce.Key, ce.Args)
	case errors.Is(err, ErrForbidden):
		im.bad(r, "", "import.forbidden", nil)
	case errors.Is(err, ErrNotFound):
		im.bad(r, "", "error.not_found", nil)
	default:
		return false
	}
	return true
}

// extraCells flags values in columns that have no header: they would be
// lost without a word.
func (im *importer) extraCells(r sheet.Row) {
	for i := len(im.t.Header); i < len(r.Cells); i++ {
		if r.Cells[i] != "" {
			im.bad(r, "", "import.cell_without_header", map[string]any{"Column": columnLetter(i)})
			return
		}
	}
}

// choice reads a closed-list column; "" when empty or bad (bad recorded).
func (im *importer) choice(r sheet.Row, key string) string {
	v := im.cell(r, key)
	if v == "" {
		return ""
	}
	for _, c := range im.cols {
		if c.Key != key {
			continue
		}
		code, ok := choose(c.Choices, v)
		if !ok {
			im.bad(r, key, "import.not_allowed", map[string]any{"Value": v, "Allowed": choiceList(c.Choices, im.persian)})
			return ""
		}
		return code
	}
	return ""
}

func choiceList(cs []Choice, persian bool) string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Code
		if persian {
			out[i] = c.Fa
		}
	}
	return strings.Join(out, listSep(persian))
}

// date reads a date column: Solar Hijri or Gregorian text, or an XLSX date
// cell (a serial day number).
func (im *importer) date(r sheet.Row, key string) (*time.Time, bool) {
	v := im.cell(r, key)
	if v == "" {
		return nil, true
	}
	if im.t.Format == sheet.FormatXLSX {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f > 0 && f < 2958466 {
			if t, err := excelize.ExcelDateToTime(f, false); err == nil {
				d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, im.tz)
				return &d, true
			}
		}
	}
	t, err := calendar.ParseDate(v, im.tz)
	if err != nil {
		im.bad(r, key, "import.bad_date", map[string]any{"Value": v})
		return nil, false
	}
	return t, true
}

// uncount takes back a row counted as created (or updated) that the write
// refused.
func (im *importer) uncount(created bool) {
	if created {
		im.res.Created--
	} else {
		im.res.Updated--
	}
}

// progress reports every 1000 rows and at the end.
func (im *importer) progress(stage string, done, total int) {
	if im.opt.Progress != nil && (done%1000 == 0 || done == total) {
		im.opt.Progress(stage, done, total)
	}
}

// Import reads a sheet of agencies, officials or accounts, checks every row
// and, unless told to only check, writes the rows in one transaction:
// records are matched by natural key (an agency's code; an official's
// agency and employee code, or agency, name and position; an account's
// platform and normalised handle), so the same file imported twice changes
// nothing the second time. An empty cell leaves a stored value as it is.
//
// With bad rows and no GoodOnly, nothing is written and the error is
// ErrImportRejected; the result lists every bad row.
func (s *Store) Import(ctx context.Context, a Actor, t *sheet.Table, opt ImportOptions) (*ImportResult, error) {
	res := s.mayImport(a, opt.Kind)
	if res != nil {
		return nil, res
	}
	run := func(ctx context.Context) (*ImportResult, error) {
		im, err := s.newImporter(a, t, opt)
		if err != nil {
			return nil, err
		}
		if im.res.HeaderBad {
			return im.res, nil
		}
		switch opt.Kind {
		case ExchangeAgencies:
			err = im.agencies(ctx)
		case ExchangeOfficials:
			err = im.officials(ctx)
		case ExchangeAccounts:
			err = im.accounts(ctx)
		}
		im.sortIssues()
		return im.res, err
	}
	if opt.DryRun {
		r, err := run(ctx)
		if err != nil {
			return nil, err
		}
		return r, nil
	}
	var out *ImportResult
	err := s.Tx(ctx, func(ctx context.Context) error {
		r, err := run(ctx)
		out = r
		if err != nil {
			return err
		}
		if r.HeaderBad || (r.Bad > 0 && !opt.GoodOnly) {
			return ErrImportRejected
		}
		r.Applied = true
		return s.record(ctx, a, "import", "import", 0, map[string]any{"kind": r.Kind, "file": opt.FileName, "rows": r.Rows,
			"created": r.Created, "updated": r.Updated, "unchanged": r.Unchanged, "skipped": r.Bad})
	})
	if out == nil {
		return nil, err
	}
	if err != nil {
		// Nothing was written: the counts say what would have been.
		out.Applied = false
	}
	return out, err
}

// importResource is the kind of record a sheet of kind brings in.
var importResource = map[string]Resource{ExchangeAgencies: ResAgency, ExchangeOfficials: ResOfficial, ExchangeAccounts: ResAccount}

// MayImport reports whether the actor may import a sheet of kind at all:
// whether they may add or change some record of its kind. Each row is still
// checked against the record it writes (a liaison's rows must lie in their
// agency's subtree).
func (a Actor) MayImport(kind string) bool {
	res, ok := importResource[kind]
	return ok && (a.MayEver(ActionCreate, res) || a.MayEver(ActionUpdate, res))
}

func (s *Store) mayImport(a Actor, kind string) error {
	if _, ok := importResource[kind]; !ok {
		return fmt.Errorf("import: unknown kind %q", kind)
	}
	if !a.MayImport(kind) {
		return ErrForbidden
	}
	return nil
}

// keyOf is the compare key of a name or position.
func keyOf(s string) string { return textnorm.Key(s) }
