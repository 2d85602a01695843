package web

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"hozur/registry"
	"hozur/registry/sheet"
	"hozur/web/locale"
)

// Spreadsheet import in the browser: upload, a check of every row shown
// before anything is written, then the apply, run in the background with
// its progress on the page.

// importMaxBytes is the largest file taken; the body limit of the upload
// routes leaves room for the form around it, so a file a little larger
// still gets a sentence, not a bare 413.
const importMaxBytes = sheet.DefaultMaxBytes

// importBodyLimit is the upload routes' body limit (others: 8M).
const importBodyLimit = "40M"

// importKinds are the kinds the actor may import, in ImportKinds' order.
func importKinds(a registry.Actor) []string {
	var out []string
	for _, k := range registry.ImportKinds {
		if a.MayImport(k) {
			out = append(out, k)
		}
	}
	return out
}

// CanImport tells the layout whether to offer the import page.
func (p *Page) CanImport() bool { return p.User != nil && len(importKinds(p.Actor)) > 0 }

// importListURL is the list an import of kind fills.
var importListURL = map[string]string{registry.ExchangeAgencies: "/agencies", registry.ExchangeOfficials: "/officials", registry.ExchangeAccounts: "/accounts"}

// importFormData is the upload page.
type importFormData struct {
	Kind    Field
	Enc     Field
	Kinds   []importKindDoc
	Recent  []importRecentRow
	MaxMB   int64
	FileErr string
}

// importKindDoc is one kind's columns and template links.
type importKindDoc struct {
	Kind, Label string
	Columns     []columnDoc
}

// importRecentRow is one of the user's recent uploads.
type importRecentRow struct {
	ID               int64
	File, Kind, When string
	Rows, Bad        string
	State            Tag
}

var importStateColours = map[string]string{registry.ImportChecked: "tag-grey", registry.ImportApplied: "tag-green", registry.ImportRejected: "tag-red"}

func (s *Server) renderImportForm(c echo.Context, p *Page, kind, enc string, status int) error {
	a := actorOf(c)
	kinds := importKinds(a)
	if len(kinds) == 0 {
		return registry.ErrForbidden
	}
	if !contains(kinds, kind) {
		kind = kinds[len(kinds)-1]
	}
	d := importFormData{MaxMB: importMaxBytes >> 20}
	var kopts []Option
	for _, k := range kinds {
		label := p.L.T("importui.kind." + k)
		kopts = append(kopts, Option{Value: k, Label: label, Selected: k == kind})
		cols, err := columnDocs(p.L, k)
		if err != nil {
			return err
		}
		d.Kinds = append(d.Kinds, importKindDoc{Kind: k, Label: label, Columns: cols})
	}
	var eopts []Option
	for _, e := range sheet.Encodings {
		eopts = append(eopts, Option{Value: e, Label: p.L.T("importui.enc." + strings.ReplaceAll(e, "-", "")), Selected: e == enc})
	}
	d.Kind = withOptions(newField(p, "kind", "importui.kind", "select", ""), kopts)
	d.Enc = withOptions(newField(p, "encoding", "importui.encoding", "select", ""), eopts)
	d.FileErr = p.Errors["file"]
	recent, err := s.store.ImportUploads(c.Request().Context(), a, 10)
	if err != nil {
		return err
	}
	for _, u := range recent {
		d.Recent = append(d.Recent, importRecentRow{ID: u.ID, File: u.FileName, Kind: p.L.T("importui.kind." + u.Kind), When: p.L.DateTime(u.CreatedAt),
			Rows: p.L.Num(int64(u.Rows)), Bad: p.L.Num(int64(u.BadRows)),
			State: Tag{importStateColours[u.State], p.L.T("importui.state." + u.State)}})
	}
	p.Data = d
	return s.render(c, status, "import", p)
}

func (s *Server) importForm(c echo.Context) error {
	p := s.page(c, "import", "importui.title")
	return s.renderImportForm(c, p, c.QueryParam("kind"), sheet.EncodingAuto, http.StatusOK)
}

// importUpload reads the file, checks every row without writing, keeps the
// file and shows the check.
func (s *Server) importUpload(c echo.Context) error {
	p := s.page(c, "import", "importui.title")
	a := actorOf(c)
	if len(importKinds(a)) == 0 {
		return registry.ErrForbidden
	}
	kind, enc := c.FormValue("kind"), c.FormValue("encoding")
	bad := map[string]string{}
	if !a.MayImport(kind) {
		bad["kind"] = "error.choose"
	}
	if !contains(sheet.Encodings, enc) {
		bad["encoding"] = "error.choose"
	}
	name, data, err := uploadedFile(c)
	if err != nil {
		return err
	}
	if data == nil {
		bad["file"] = "importui.file_required"
	}
	if len(bad) > 0 {
		formErrors(p, &registry.ValidationError{Fields: bad}, []string{"kind", "file", "encoding"})
		return s.renderImportForm(c, p, kind, enc, http.StatusUnprocessableEntity)
	}
	tab, err := sheet.Read(bytes.NewReader(data), name, sheet.Options{Encoding: enc, MaxBytes: importMaxBytes})
	var se *sheet.Error
	if errors.As(err, &se) {
		p.Errors, p.ErrorOrder = map[string]string{"file": SheetErrorText(p.L, se)}, []string{"file"}
		return s.renderImportForm(c, p, kind, enc, http.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	res, err := s.store.Import(ctx, a, tab, registry.ImportOptions{Kind: kind, DryRun: true, FileName: name})
	if err != nil {
		return err
	}
	// A CSV is kept with the encoding it was found in, so the apply reads
	// it the same way and the page can say how it was read.
	if tab.Format == sheet.FormatCSV {
		enc = tab.Encoding
	}
	u, err := s.store.SaveImport(ctx, a, kind, name, enc, data, res)
	if err != nil {
		return err
	}
	return redirectTo(c, "/import/"+strconv.FormatInt(u.ID, 10))
}

// uploadedFile is the form's file: its base name and bytes, nil when none
// was chosen. A file past the limit is cut just after it, for sheet.Read to
// refuse in words.
func uploadedFile(c echo.Context) (string, []byte, error) {
	fh, err := c.FormFile("file")
	if err != nil {
		return "", nil, nil //nolint:nilerr // no file is a field error, not a failure
	}
	f, err := fh.Open()
	if err != nil {
		return "", nil, err
	}
	defer func() { _ = f.Close() }()
	data, err := io.ReadAll(io.LimitReader(f, importMaxBytes+1))
	if err != nil {
		return "", nil, err
	}
	name := path.Base(strings.ReplaceAll(fh.Filename, `\`, "/"))
	if name == "." || name == "/" {
		name = ""
	}
	if len(data) == 0 && name == "" {
		return "", nil, nil
	}
	return name, data, nil
}

// importOf reads the :id upload of the signed-in user, without its file.
func (s *Server) importOf(c echo.Context) (*registry.ImportUpload, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	return s.store.ImportUploadInfo(c.Request().Context(), actorOf(c), id)
}

// importApply starts writing an upload's rows in the background and shows
// its progress page.
func (s *Server) importApply(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	a := actorOf(c)
	u, err := s.store.ImportUploadOf(c.Request().Context(), a, id)
	if err != nil {
		return err
	}
	back := "/import/" + strconv.FormatInt(id, 10)
	switch {
	case u.State == registry.ImportApplied:
		s.flash(c, "info", "importui.already_applied")
		return redirectTo(c, back)
	case u.Data == nil:
		s.flash(c, "error", "importui.file_gone")
		return redirectTo(c, back)
	}
	tab, err := sheet.Read(bytes.NewReader(u.Data), u.FileName, sheet.Options{Encoding: u.Encoding, MaxBytes: importMaxBytes})
	if err != nil {
		return err // it was read at upload: this is no reader's mistake
	}
	claimed, err := s.store.ClaimImport(c.Request().Context(), a, id)
	if err != nil {
		return err
	}
	if !claimed || !s.imports.start(id, a.UserID) {
		return redirectTo(c, back) // already going, or done
	}
	opt := registry.ImportOptions{Kind: u.Kind, GoodOnly: c.FormValue("good_only") == "true", FileName: u.FileName,
		Progress: func(stage string, done, total int) { s.imports.progress(id, stage, done, total) }}
	go s.runImport(context.WithoutCancel(c.Request().Context()), a, id, tab, opt)
	return redirectTo(c, back)
}

// runImport applies an upload and stores the outcome; the request that
// started it has been answered.
func (s *Server) runImport(ctx context.Context, a registry.Actor, id int64, tab *sheet.Table, opt registry.ImportOptions) {
	res, err := s.store.Import(ctx, a, tab, opt)
	if err != nil && !errors.Is(err, registry.ErrImportRejected) {
		s.log.ErrorContext(ctx, "import failed", slog.Int64("import", id), slog.Any("error", err))
		if err := s.store.ReleaseImports(ctx, id); err != nil {
			s.log.ErrorContext(ctx, "import not released", slog.Int64("import", id), slog.Any("error", err))
		}
		s.imports.end(id, true)
		return
	}
	if err := s.store.FinishImport(ctx, a, id, res); err != nil {
		s.log.ErrorContext(ctx, "import outcome not stored", slog.Int64("import", id), slog.Any("error", err))
		s.imports.end(id, true)
		return
	}
	s.imports.end(id, false)
}

// importProgressBody is GET /import/:id/progress: state is running,
// failed, or the stored state once the run is over.
type importProgressBody struct {
	State string `json:"state"`
	Stage string `json:"stage"`
	Done  int    `json:"done"`
	Total int    `json:"total"`
	Text  string `json:"text"`
}

func (s *Server) importProgress(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	l := s.localeOf(c)
	c.Response().Header().Set("Cache-Control", "no-store")
	if run, ok := s.imports.get(id, actorOf(c).UserID); ok {
		state := "running"
		if run.Failed {
			state = "failed"
		}
		return c.JSON(http.StatusOK, importProgressBody{State: state, Stage: run.Stage, Done: run.Done, Total: run.Total, Text: progressText(l, run)})
	}
	u, err := s.importOf(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, importProgressBody{State: u.State, Done: u.Rows, Total: u.Rows})
}

// progressText says how far a run is: "Writing: 1,200 of 5,000 rows".
func progressText(l *locale.Locale, run importRun) string {
	stage := l.T("importui.stage.start")
	if run.Stage != "" {
		stage = l.T("importui.stage." + run.Stage)
	}
	if run.Total == 0 {
		return stage
	}
	return l.T("importui.progress", "Stage", stage, "Done", run.Done, "Total", run.Total)
}
