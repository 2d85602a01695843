package web

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"

	"hozur/registry"
	"hozur/registry/sheet"
	"hozur/web/locale"
)

// importIssueBody is one problem with a row (line 1 is the header).
type importIssueBody struct {
	Line    int    `json:"line" doc:"the row's number as a spreadsheet program shows it; the header is row 1"`
	Column  string `json:"column" doc:"the column's header as the file writes it; empty for the whole row"`
	Key     string `json:"key" doc:"a stable message key, e.g. import.unknown_agency"`
	Message string `json:"message" doc:"the problem in words, in the token's user's language"`
}

// importBody is what an import found and did.
type importBody struct {
	Kind      string            `json:"kind" enum:"import_kind"`
	DryRun    bool              `json:"dry_run"`
	Applied   bool              `json:"applied" doc:"rows were written"`
	Rows      int               `json:"rows"`
	Created   int               `json:"created"`
	Updated   int               `json:"updated"`
	Unchanged int               `json:"unchanged"`
	Bad       int               `json:"bad" doc:"rows with at least one issue"`
	HeaderBad bool              `json:"header_bad" doc:"the header itself is wrong: no row can be read"`
	Issues    []importIssueBody `json:"issues"`
	Error     *errorDetail      `json:"error,omitempty" doc:"with 422: why nothing was written"`
}

func importBodyOf(l *locale.Locale, r *registry.ImportResult, dry bool) importBody {
	b := importBody{Kind: r.Kind, DryRun: dry, Applied: r.Applied, Rows: r.Rows, Created: r.Created, Updated: r.Updated, Unchanged: r.Unchanged,
		Bad: r.Bad, HeaderBad: r.HeaderBad, Issues: make([]importIssueBody, 0, len(r.Issues))}
	for _, is := range r.Issues {
		b.Issues = append(b.Issues, importIssueBody{Line: is.Line, Column: is.Column, Key: is.Key, Message: IssueReason(l, is)})
	}
	return b
}

// importLocale is the language of an import's messages: Accept-Language
// when it names one, else the token's user's own, else English.
func (s *Server) importLocale(c echo.Context) *locale.Locale {
	if c.Request().Header.Get("Accept-Language") == "" {
		if u, ok := c.Get(ctxUser).(*registry.User); ok && locale.Supported(u.Locale) != "" {
			return s.catalog.For(u.Locale, s.tz)
		}
	}
	return s.apiLocale(c)
}

// apiImport answers POST /imports: the file is the raw body or the
// multipart field "file".
func (s *Server) apiImport(c echo.Context) error {
	q := s.apiQuery(c)
	kind := q.oneOf("kind", registry.ImportKinds)
	if kind == "" && q.bad["kind"] == "" {
		q.bad["kind"] = "error.required"
	}
	dry, good := q.boolean("dry_run"), q.boolean("good_only")
	enc := q.oneOf("encoding", sheet.Encodings)
	name := path.Base("/" + strings.ReplaceAll(q.str("file_name"), `\`, "/"))
	if err := q.err(); err != nil {
		return err
	}
	a := actorOf(c)
	if !a.MayImport(kind) {
		return registry.ErrForbidden
	}
	data, fname, err := importPayload(c)
	if err != nil {
		return err
	}
	if name == "/" {
		name = fname
	}
	tab, err := sheet.Read(bytes.NewReader(data), name, sheet.Options{Encoding: enc, MaxBytes: importMaxBytes})
	var se *sheet.Error
	if errors.As(err, &se) {
		return &apiErr{Status: http.StatusBadRequest, Code: "unreadable_file", Key: se.Code, Args: se.Args}
	}
	if err != nil {
		return err
	}
	opt := registry.ImportOptions{Kind: kind, DryRun: dry != nil && *dry, GoodOnly: good != nil && *good, FileName: name}
	res, err := s.store.Import(c.Request().Context(), a, tab, opt)
	rejected := errors.Is(err, registry.ErrImportRejected)
	if err != nil && !rejected {
		return err
	}
	l := s.importLocale(c)
	body := importBodyOf(l, res, opt.DryRun)
	if rejected {
		body.Error = &errorDetail{Code: "import_rejected", Message: l.T("import.rejected")}
		return c.JSON(http.StatusUnprocessableEntity, body)
	}
	return c.JSON(http.StatusOK, body)
}

// importPayload is the uploaded file and its name: the multipart field
// "file", or the whole body. A file past the limit is cut just after it,
// for sheet.Read to refuse in words.
func importPayload(c echo.Context) ([]byte, string, error) {
	var r io.Reader = c.Request().Body
	name := ""
	if strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEMultipartForm) {
		fh, err := c.FormFile("file")
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, "", echo.ErrStatusRequestEntityTooLarge
		}
		if err != nil {
			return nil, "", &registry.ValidationError{Fields: map[string]string{"file": "error.required"}}
		}
		f, err := fh.Open()
		if err != nil {
			return nil, "", err
		}
		defer func() { _ = f.Close() }()
		r, name = f, path.Base(strings.ReplaceAll(fh.Filename, `\`, "/"))
	}
	data, err := io.ReadAll(io.LimitReader(r, importMaxBytes+1))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, "", echo.ErrStatusRequestEntityTooLarge
	}
	if err != nil {
		return nil, "", err
	}
	return data, name, nil
}
