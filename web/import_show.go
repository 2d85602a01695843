package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"hozur/registry"
	"hozur/registry/sheet"
)

// importShowData is an upload's page: its check, the apply's progress, or
// what the apply did.
type importShowData struct {
	ID                int64
	File, Kind, When  string
	KindCode, ReadAs  string
	State             string // checked, running, failed, applied, rejected
	Summary           string
	Issues            []issueRow
	Capped            bool
	HeaderBad         bool
	Rows, Bad, Good   int
	HasFile, CanApply bool
	CanApplyGood      bool
	Progress          importRun
	ProgressText      string
	Outcome           string // applied: what was written
	ListURL           string
	// Refresh reloads the page every second while the apply runs, for
	// browsers without script; app.js follows the progress instead.
	Refresh bool
}

// encodingNames are the encodings a CSV is found in, as people write them.
var encodingNames = map[string]string{sheet.EncodingUTF8: "UTF-8", sheet.EncodingUTF16: "UTF-16", sheet.EncodingWin1256: "Windows-1256"}

// issueRow is one issue in the reader's language.
type issueRow struct {
	Row, Column, Reason string
}

func (s *Server) importShow(c echo.Context) error {
	u, err := s.importOf(c)
	if err != nil {
		return err
	}
	res, err := u.Outcome()
	if err != nil {
		return err
	}
	p := s.page(c, "import", "")
	p.Title = p.L.T("importui.show_title", "File", u.FileName)
	if u.FileName == "" {
		p.Title = p.L.T("importui.show_title_nameless")
	}
	d := importShowData{ID: u.ID, File: u.FileName, Kind: p.L.T("importui.kind." + u.Kind), KindCode: u.Kind, When: p.L.DateTime(u.CreatedAt),
		State: u.State, Summary: ImportSummary(p.L, res), Capped: len(res.Issues) >= registry.MaxImportIssues, HeaderBad: res.HeaderBad,
		Rows: res.Rows, Bad: res.Bad, Good: res.Rows - res.Bad, HasFile: u.Size > 0, ListURL: importListURL[u.Kind]}
	if name, ok := encodingNames[u.Encoding]; ok {
		d.ReadAs = p.L.T("importui.read_as", "Encoding", name)
	}
	for _, is := range res.Issues {
		row := issueRow{Row: p.L.Num(int64(is.Line)), Column: is.Column, Reason: IssueReason(p.L, is)}
		d.Issues = append(d.Issues, row)
	}
	if run, ok := s.imports.get(u.ID, actorOf(c).UserID); ok {
		d.State, d.Progress, d.ProgressText = "running", run, progressText(p.L, run)
		if run.Failed {
			d.State = "failed"
		} else {
			d.Refresh = true
		}
	} else if u.State == registry.ImportRunning {
		// Applied by another server sharing the database: its progress is
		// there, the page refreshes until the outcome is stored.
		d.ProgressText, d.Refresh = progressText(p.L, importRun{}), true
	}
	switch d.State {
	case registry.ImportChecked, "failed", registry.ImportRejected:
		d.CanApply = d.HasFile && !res.HeaderBad && res.Bad == 0 && res.Rows > 0
		d.CanApplyGood = d.HasFile && !res.HeaderBad && res.Bad > 0 && d.Good > 0
	case registry.ImportApplied:
		d.Outcome = p.L.T("importui.applied", "Created", res.Created, "Updated", res.Updated, "Unchanged", res.Unchanged)
	}
	p.Data = d
	return s.render(c, http.StatusOK, "import_show", p)
}
