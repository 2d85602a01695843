package web

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"hozur/monitor"
	"hozur/registry"
	"hozur/registry/sheet"
)

// Exports: every row of a filtered list as a CSV or XLSX file, from the API
// (GET /api/v1/exports/{kind}, the list endpoint's filters) and from the
// list pages (GET /{kind}/export, the page's own query).

// exportFormats are the formats an export is written in.
var exportFormats = []string{sheet.FormatCSV, sheet.FormatXLSX}

// exportDeadline is how long an export may take to write: longer than the
// server's write timeout, which suits pages, not a million rows.
const exportDeadline = 15 * time.Minute

// exportHold is how much of a file is held back before the answer starts:
// an error in the first rows (a refused filter) still gets a proper error
// answer, and a small file is sent with its length.
const exportHold = 64 << 10

// apiExport answers GET /api/v1/exports/:id, :id being the kind.
func (s *Server) apiExport(c echo.Context) error {
	kind := c.Param("id")
	if !slices.Contains(monitor.ExportKinds, kind) {
		return registry.ErrNotFound
	}
	q := s.apiQuery(c)
	opt := monitor.ExportOptions{ExportOptions: registry.ExportOptions{Kind: kind, Sort: q.str("sort")}}
	switch kind {
	case registry.ExchangeAgencies:
		opt.Agencies = agencyQuery(q)
	case registry.ExchangeOfficials:
		opt.Officials = officialQuery(q)
	case registry.ExchangeAccounts:
		opt.Accounts = accountQuery(q)
	case registry.ExportExemptions:
		opt.Exemptions = s.exemptionQuery(q)
	case monitor.ExportFlags:
		opt.Flags = flagQuery(q)
		opt.Sort = "" // the flags list is newest first, unsorted
	}
	format := q.str("format")
	if format == "" {
		format = sheet.FormatCSV
	}
	q.oneOf("format", exportFormats)
	lang := q.oneOf("lang", []string{"fa", "en"})
	if lang == "" {
		lang = s.apiLocale(c).Lang
	}
	if err := q.err(); err != nil {
		return err
	}
	opt.Persian = lang == "fa"
	return s.writeExport(c, opt, format)
}

// The list pages' downloads: GET /{kind}/export.
func (s *Server) agencyExport(c echo.Context) error {
	return s.listExport(c, registry.ExchangeAgencies)
}
func (s *Server) officialExport(c echo.Context) error {
	return s.listExport(c, registry.ExchangeOfficials)
}
func (s *Server) accountExport(c echo.Context) error {
	return s.listExport(c, registry.ExchangeAccounts)
}
func (s *Server) exemptionExport(c echo.Context) error {
	return s.listExport(c, registry.ExportExemptions)
}
func (s *Server) flagExport(c echo.Context) error { return s.listExport(c, monitor.ExportFlags) }

// listExport answers a list page's download: the page's filters, read as
// the page reads them, with headers in the reader's language.
func (s *Server) listExport(c echo.Context, kind string) error {
	opt := monitor.ExportOptions{ExportOptions: registry.ExportOptions{Kind: kind, Sort: c.QueryParam("sort"),
		Persian: s.localeOf(c).Lang == "fa"}}
	var err error
	switch kind {
	case registry.ExchangeAgencies:
		opt.Agencies, err = s.agencyExportFilter(c)
	case registry.ExchangeOfficials:
		opt.Officials, _, err = s.officialFilter(c)
	case registry.ExchangeAccounts:
		opt.Accounts, _, err = s.accountFilter(c, nil)
	case registry.ExportExemptions:
		if c.QueryParam("valid") == "1" {
			now := s.store.Now()
			opt.Exemptions.ValidAt = &now
		}
	case monitor.ExportFlags:
		opt.Flags, _, err = s.flagFilter(c)
		opt.Sort = ""
	}
	format := c.QueryParam("format")
	if err == nil && !slices.Contains(exportFormats, format) {
		return &registry.ValidationError{Fields: map[string]string{"format": "error.choose"}}
	}
	if err == nil {
		err = s.writeExport(c, opt, format)
	}
	var ve *registry.ValidationError
	if errors.As(err, &ve) && !c.Response().Committed {
		// The list says what is wrong with its filters, beside them.
		q := c.QueryParams()
		q.Del("format")
		return redirectTo(c, "/"+kind+withQuery(q))
	}
	return err
}

// agencyExportFilter is the agencies page's filter as an export takes it:
// the search and kind, within the level shown, all levels down.
func (s *Server) agencyExportFilter(c echo.Context) (registry.AgencyFilter, error) {
	f := registry.AgencyFilter{Q: strings.TrimSpace(c.QueryParam("q")), Kind: c.QueryParam("kind")}
	if raw := c.QueryParam("parent"); raw != "" {
		level, _, err := s.agencyLevel(c, &Page{L: s.localeOf(c)}, raw)
		if err != nil {
			return f, err
		}
		f.Within = level.ID
	}
	return f, nil
}

// writeExport streams the export as a file download.
func (s *Server) writeExport(c echo.Context, opt monitor.ExportOptions, format string) error {
	res := c.Response()
	_ = http.NewResponseController(res).SetWriteDeadline(time.Now().Add(exportDeadline))
	name := opt.Kind + "-" + s.store.Now().In(s.tz).Format(time.DateOnly) + "." + format
	mime := mimeCSV
	if format == sheet.FormatXLSX {
		mime = mimeXLSX
	}
	body := &heldBody{res: res, start: func(h http.Header) {
		h.Set(echo.HeaderContentType, mime)
		h.Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
		h.Set("Cache-Control", "private, no-store")
		h.Set("X-Content-Type-Options", "nosniff")
	}}
	var w sheet.Writer
	var err error
	if format == sheet.FormatXLSX {
		w, err = sheet.NewXLSX(body, monitor.SheetName(opt.Kind, opt.Persian), opt.Persian)
	} else {
		w, err = sheet.NewCSV(body)
	}
	if err != nil {
		return err
	}
	n, err := s.mon.Export(c.Request().Context(), actorOf(c), w, opt)
	if err == nil {
		err = w.Close()
	}
	if err == nil {
		err = body.finish()
	}
	if err != nil && res.Committed {
		// Half a file was sent: break the connection so the client sees a
		// failed download, not a short file.
		s.log.ErrorContext(c.Request().Context(), "export failed midway", slog.String("kind", opt.Kind), slog.Int("rows", n), slog.Any("error", err))
		panic(http.ErrAbortHandler)
	}
	return err
}

// heldBody holds the start of a download back until it is complete or
// exportHold long; until then nothing is sent, so an error can still be
// answered as one.
type heldBody struct {
	res   *echo.Response
	start func(http.Header)
	buf   bytes.Buffer
	sent  bool
}

func (b *heldBody) Write(p []byte) (int, error) {
	if b.sent {
		return b.res.Write(p)
	}
	b.buf.Write(p)
	if b.buf.Len() >= exportHold {
		if err := b.send(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// send starts the answer with what is held.
func (b *heldBody) send() error {
	b.sent = true
	b.start(b.res.Header())
	b.res.WriteHeader(http.StatusOK)
	_, err := b.res.Write(b.buf.Bytes())
	b.buf = bytes.Buffer{}
	return err
}

// finish sends a file that never grew past the hold, with its length.
func (b *heldBody) finish() error {
	if b.sent {
		return nil
	}
	b.res.Header().Set(echo.HeaderContentLength, strconv.Itoa(b.buf.Len()))
	return b.send()
}

// ExportURL is the list page's download link in a format: the page's own
// query (its filters and order), at /{list}/export.
func (p *Page) ExportURL(format string) string {
	path, _, _ := strings.Cut(p.Path, "?")
	q := url.Values{}
	for k, v := range p.Query {
		q[k] = v
	}
	return path + "/export" + withQuery(q, "format", format, "cursor", "", "per_page", "")
}

// exportAPI is the exports' entry in the API document: one path for every
// kind, answering a file. The filters are the lists' own; each applies to
// the kinds its description names.
func exportAPI() apiResource {
	kind := obj{"name": "id", "in": "path", "required": true, "description": "the kind of records to export",
		"schema": obj{"type": "string", "enum": monitor.ExportKinds}}
	return apiResource{Path: "exports", Schema: "Export", Plural: "Exports", Ops: []string{},
		Note: "Every record of a list the token's user may see, filtered as the list is, as one file: CSV (UTF-8 with a byte-order mark, " +
			"CRLF) or XLSX (right to left with lang=fa). Agencies, officials and accounts come in the columns the import reads, so the " +
			"file imports back unchanged; exemptions and flags in their own columns. Values are codes and YYYY-MM-DD days in the " +
			"server's time zone, whatever the header's language. A bad filter answers 422 before any of the file is sent.",
		Actions: []apiAction{{Method: "GET", Path: "/exports/{id}", OpID: "exportList", PathParam: kind,
			Summary: "A list as a CSV or XLSX file (Content-Disposition names it, e.g. accounts-2026-11-22.csv)",
			Desc:    "The file.",
			Media: []apiMedia{{"text/csv", "format=csv: a header row, then one row per record"},
				{mimeXLSX, "format=xlsx: one sheet, a header row, then one row per record, every cell text"}},
			Params: []apiParam{
				{Name: "format", Type: "string", Enum: exportFormats, Doc: "default csv"},
				{Name: "lang", Type: "string", Enum: []string{"fa", "en"}, Doc: "the header's language: en (field names) or fa; default from Accept-Language, else en"},
				{Name: "sort", Type: "string", Doc: "the list's sort key, '-' for descending (not flags)"},
				{Name: "q", Type: "string", Doc: "agencies, officials, accounts: the list's search"},
				{Name: "kind", Type: "string", Enum: registry.AgencyKinds, Doc: "agencies"},
				{Name: "parent_id", Type: "integer", Doc: "agencies: direct children of this agency; 0 for top-level agencies"},
				{Name: "within", Type: "integer", Doc: "agencies: the subtree of this agency, itself included"},
				{Name: "agency_id", Type: "integer", Doc: "officials, accounts, flags: this agency and its sub-agencies"},
				{Name: "rank", Type: "integer", Min: 1, Max: 5, Doc: "officials"},
				{Name: "serving", Type: "boolean", Doc: "officials"},
				{Name: "official_id", Type: "integer", Doc: "accounts, flags"},
				{Name: "platform", Type: "string", Doc: "accounts: platform code"},
				{Name: "origin", Type: "string", Enum: registry.Origins, Doc: "accounts"},
				{Name: "capacity", Type: "string", Enum: registry.Capacities, Doc: "accounts"},
				{Name: "status", Type: "string", Doc: "accounts: " + strings.Join(registry.Statuses, ", ") + "; flags: " + strings.Join(flagStatuses, ", ")},
				{Name: "verification", Type: "string", Enum: registry.Verifications, Doc: "accounts"},
				{Name: "account_id", Type: "integer", Doc: "exemptions, flags"},
				{Name: "valid_at", Type: "string", Format: "date-time", Doc: "exemptions: only those in force at this moment (RFC 3339)"},
				{Name: "ends_by", Type: "string", Format: "date", Doc: "exemptions: only unrevoked ones ending on or before this day"},
				{Name: "rule", Type: "string", Enum: monitor.RuleCodes(), Doc: "flags"},
				{Name: "severity", Type: "string", Enum: severities, Doc: "flags"},
			},
			Errors: []string{"403", "404", "422"}}}}
}
