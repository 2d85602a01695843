package web

import (
	"bytes"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"hozur/registry"
	"hozur/registry/sheet"
	"hozur/web/locale"
)

// The sheets' side of import that pages, the API and the command line
// share: issues as sentences, the columns explained, the templates.

// IssueReason is an import issue's reason in the reader's language.
func IssueReason(l *locale.Locale, is registry.ImportIssue) string {
	return l.TArgs(is.Key, is.Args)
}

// IssueText is one issue as a line: "row 4, column url: …", or "row 4: …"
// for an issue with the whole row.
func IssueText(l *locale.Locale, is registry.ImportIssue) string {
	if is.Column == "" {
		return l.T("import.row", "Line", is.Line, "Reason", IssueReason(l, is))
	}
	return l.T("import.row_column", "Line", is.Line, "Column", is.Column, "Reason", IssueReason(l, is))
}

// ImportSummary is a result's counts as a sentence.
func ImportSummary(l *locale.Locale, r *registry.ImportResult) string {
	return l.T("import.summary", "Rows", r.Rows, "Created", r.Created, "Updated", r.Updated, "Unchanged", r.Unchanged, "Bad", r.Bad)
}

// SheetErrorText is a file that cannot be read, in the reader's language.
func SheetErrorText(l *locale.Locale, e *sheet.Error) string {
	return l.TArgs(e.Code, e.Args)
}

// columnDoc is one column of a kind's sheet, explained.
type columnDoc struct {
	Key, Fa  string
	Required bool
	Allowed  string // the choices, "code (word)", or how a date is written
	Example  string // under the header of the reader's language
}

// columnDocs explains a kind's columns in the reader's language.
func columnDocs(l *locale.Locale, kind string) ([]columnDoc, error) {
	cols, err := registry.ExchangeColumns(kind)
	if err != nil {
		return nil, err
	}
	sep := ", "
	if l.Lang == "fa" {
		sep = "، "
	}
	out := make([]columnDoc, len(cols))
	for i, c := range cols {
		d := columnDoc{Key: c.Key, Fa: c.Fa, Required: c.Required, Example: exampleOf(c, l.Lang)}
		var allowed []string
		for _, ch := range c.Choices {
			allowed = append(allowed, ch.Code+" ("+ch.Fa+")")
		}
		d.Allowed = strings.Join(allowed, sep)
		if c.Date {
			d.Allowed = l.T("importui.date_values")
		}
		out[i] = d
	}
	return out, nil
}

// exampleOf is a column's example under the header of lang.
func exampleOf(c registry.Column, lang string) string {
	if lang == "fa" && c.ExampleFa != "" {
		return c.ExampleFa
	}
	return c.Example
}

// importTemplate writes a kind's template: the header in lang and one
// example row; an XLSX also offers each closed list in a drop-down and
// explains every column on a help sheet.
func importTemplate(l *locale.Locale, kind, format string) ([]byte, error) {
	cols, err := registry.ExchangeColumns(kind)
	if err != nil {
		return nil, err
	}
	fa := l.Lang == "fa"
	header, example := make([]string, len(cols)), make([]string, len(cols))
	for i, c := range cols {
		header[i], example[i] = c.Key, exampleOf(c, l.Lang)
		if fa {
			header[i] = c.Fa
		}
	}
	var buf bytes.Buffer
	if format == "csv" {
		w, err := sheet.NewCSV(&buf)
		if err != nil {
			return nil, err
		}
		for _, row := range [][]string{header, example} {
			if err := w.Write(row); err != nil {
				return nil, err
			}
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	x, err := sheet.NewXLSX(&buf, l.T("importui.kind."+kind), fa)
	if err != nil {
		return nil, err
	}
	widths := make([]float64, len(cols))
	for i, c := range cols {
		widths[i] = float64(min(40, max(12, utf8.RuneCountInString(header[i]), utf8.RuneCountInString(example[i]))+2))
		if len(c.Choices) == 0 {
			continue
		}
		values := c.ChoiceCodes()
		if fa {
			values = values[:0:0]
			for _, ch := range c.Choices {
				values = append(values, ch.Fa)
			}
		}
		x.DropList(i, values)
	}
	if err := x.Widths(widths); err != nil {
		return nil, err
	}
	for _, row := range [][]string{header, example} {
		if err := x.Write(row); err != nil {
			return nil, err
		}
	}
	if err := x.Help(l.T("importui.help_sheet"), helpRows(l, kind)); err != nil {
		return nil, err
	}
	if err := x.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// helpRows are a template's help sheet: each column, the other language's
// header, whether it is required, its allowed values and an example.
func helpRows(l *locale.Locale, kind string) [][]string {
	docs, _ := columnDocs(l, kind)
	rows := [][]string{{l.T("importui.col_header"), l.T("importui.col_also"), l.T("importui.col_required"), l.T("importui.col_allowed"), l.T("importui.col_example")}}
	for _, d := range docs {
		name, other := d.Key, d.Fa
		if l.Lang == "fa" {
			name, other = d.Fa, d.Key
		}
		req := l.T("importui.no")
		if d.Required {
			req = l.T("importui.yes")
		}
		rows = append(rows, []string{name, other, req, d.Allowed, d.Example})
	}
	for _, k := range []string{"importui.help_keys." + kind, "importui.help_empty"} {
		rows = append(rows, []string{}, []string{l.T(k)})
	}
	return rows
}

// importTemplateDownload answers GET /import/template?kind=&format=&lang=.
func (s *Server) importTemplateDownload(c echo.Context) error {
	kind, format := c.QueryParam("kind"), c.QueryParam("format")
	if !actorOf(c).MayImport(kind) {
		if !contains(registry.ImportKinds, kind) {
			return registry.ErrNotFound
		}
		return registry.ErrForbidden
	}
	l := s.localeOf(c)
	if lang := locale.Supported(c.QueryParam("lang")); lang != "" {
		l = s.catalog.For(lang, s.tz)
	}
	mime := mimeXLSX
	switch format {
	case "csv":
		mime = mimeCSV
	case "xlsx", "":
		format = "xlsx"
	default:
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	data, err := importTemplate(l, kind, format)
	if err != nil {
		return err
	}
	return attachment(c, data, mime, "hozur-"+kind+"-"+l.Lang+"."+format)
}
