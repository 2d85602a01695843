package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"hozur/monitor"
	"hozur/registry"
)

// The weekly reports' pages. A report is stored once and never changes;
// its page shows the stored HTML in a sandboxed frame (the report carries
// its own inline styles, which the site's Content-Security-Policy keeps out
// of the app's pages), and its downloads are rendered from the stored data.

// reportRow is one report in the list.
type reportRow struct {
	ID                   int64
	Title, Scope, Week   string
	Created, SHA, WeekID string
	National             bool
}

func (s *Server) reportRows(p *Page, items []monitor.ReportSummary) []reportRow {
	rows := make([]reportRow, len(items))
	for i, r := range items {
		rows[i] = reportRow{ID: r.ID, Title: r.Title, Week: s.weekText(p, r.WeekStart), Created: p.L.DateTime(r.CreatedAt),
			SHA: r.SHA256[:min(12, len(r.SHA256))], WeekID: monitor.WeekID(r.WeekStart, s.tz), National: r.AgencyID == nil,
			Scope: p.L.T("reports.national")}
		if p.L.Lang == "en" {
			rows[i].Title = monitor.ReportTitleEn(r.WeekStart, s.tz, s.nameOf(p, r.AgencyName, r.AgencyEn))
		}
		if r.AgencyID != nil {
			rows[i].Scope = s.nameOf(p, r.AgencyName, r.AgencyEn)
		}
	}
	return rows
}

// weekText names a week for the reader: «۲۳ تا ۲۹ آبان ۱۴۰۵» or
// "14–20 Nov 2026".
func (s *Server) weekText(p *Page, start time.Time) string {
	if p.L.Lang == "en" {
		return monitor.WeekRangeEn(start, s.tz)
	}
	return monitor.WeekRangeFa(start, s.tz)
}

// reportListData is the reports page.
type reportListData struct {
	Rows        []reportRow
	Nav         ListNav
	CanGenerate bool
	Week        Field
	LastWeek    string
}

func (s *Server) reportList(c echo.Context) error {
	p := s.page(c, "reports", "reports.title")
	return s.renderReportList(c, p, http.StatusOK, "")
}

func (s *Server) renderReportList(c echo.Context, p *Page, status int, week string) error {
	a := actorOf(c)
	if a.ScopeFor(registry.ResReport).None {
		return registry.ErrForbidden
	}
	pg := pageParams(c)
	pg.WithTotal = true
	res, err := s.mon.Reports(c.Request().Context(), a, monitor.ReportFilter{}, pg)
	if err != nil {
		return err
	}
	cur, _ := monitor.WeekOf(s.store.Now(), s.tz)
	d := reportListData{Rows: s.reportRows(p, res.Items), Nav: listNav(p, res), CanGenerate: a.MayEver(registry.ActionCreate, registry.ResJob),
		Week: newField(p, "week", "reports.week", "text", week), LastWeek: s.weekText(p, cur.AddDate(0, 0, -7))}
	p.Data = d
	return s.render(c, status, "reports", p)
}

// reportGenerate makes the reports of the last week that ended (national
// and every liaison's cut), or the national report of the week given, and
// shows the national one. Made reports are never made again.
func (s *Server) reportGenerate(c echo.Context) error {
	a := actorOf(c)
	if !a.MayEver(registry.ActionCreate, registry.ResJob) {
		return registry.ErrForbidden
	}
	ctx := c.Request().Context()
	week := strings.TrimSpace(c.FormValue("week"))
	var r *monitor.Report
	var err error
	if week == "" {
		var rs []monitor.Report
		if rs, err = s.mon.GenerateWeek(ctx, s.store.Now()); err == nil {
			r = &rs[0]
		}
	} else {
		var start time.Time
		if start, err = monitor.ParseWeek(week, s.tz); err != nil {
			err = &registry.ValidationError{Fields: map[string]string{"week": "reports.bad_week"}}
		} else {
			r, err = s.mon.Report(ctx, start, nil)
		}
	}
	if err != nil {
		p := s.page(c, "reports", "reports.title")
		if !formErrors(p, err, []string{"week"}) {
			return err
		}
		status := http.StatusUnprocessableEntity
		var ce *registry.ConflictError
		if errors.As(err, &ce) {
			status = http.StatusConflict
		}
		return s.renderReportList(c, p, status, week)
	}
	s.flash(c, "success", "reports.flash_ready")
	return redirectTo(c, "/reports/"+strconv.FormatInt(r.ID, 10))
}

// reportOf is the report a path names, if the actor may see it: by its
// number, or by its week (YYYY-MM-DD, any day of it): the national report,
// a liaison's own cut, or the cut of ?agency=ID.
func (s *Server) reportOf(c echo.Context) (*monitor.Report, error) {
	ctx, a := c.Request().Context(), actorOf(c)
	param := c.Param("id")
	if id, err := strconv.ParseInt(param, 10, 64); err == nil && id > 0 {
		return s.mon.ReportByID(ctx, a, id)
	}
	day, err := time.ParseInLocation(time.DateOnly, param, s.tz)
	if err != nil {
		return nil, registry.ErrNotFound
	}
	f := monitor.ReportFilter{Week: &day, National: true}
	if ag, err := strconv.ParseInt(c.QueryParam("agency"), 10, 64); err == nil && ag > 0 {
		f = monitor.ReportFilter{Week: &day, AgencyID: ag}
	} else if a.Role == registry.RoleLiaison {
		f = monitor.ReportFilter{Week: &day, AgencyID: a.AgencyID}
	}
	res, err := s.mon.Reports(ctx, a, f, registry.Page{PerPage: 1})
	if err != nil {
		return nil, err
	}
	if len(res.Items) == 0 {
		return nil, registry.ErrNotFound
	}
	return s.mon.ReportByID(ctx, a, res.Items[0].ID)
}

// reportShowData is a report's page.
type reportShowData struct {
	ID                      int64
	Scope, Week, Created    string
	SHA256, WeekID, ISOWeek string
	Lang                    string
	PDF                     bool
	Headline                []reportFigure
}

// reportFigure is a headline figure beside the frame.
type reportFigure struct{ Label, Value string }

func (s *Server) reportShow(c echo.Context) error {
	r, err := s.reportOf(c)
	if err != nil {
		return err
	}
	d, err := r.Parsed()
	if err != nil {
		return err
	}
	p := s.page(c, "reports", "")
	p.Title = d.Title
	if p.L.Lang == "en" {
		p.Title = d.TitleEn
	}
	data := reportShowData{ID: r.ID, Scope: p.L.T("reports.national"), Week: s.weekText(p, r.WeekStart), Created: p.L.DateTime(r.CreatedAt),
		SHA256: r.SHA256, WeekID: monitor.WeekID(r.WeekStart, s.tz), ISOWeek: monitor.ISOWeekID(r.WeekStart, s.tz), Lang: p.L.Lang,
		PDF: monitor.ChromiumPath(s.cfg.Monitor.ChromiumPath) != ""}
	if d.Agency != nil {
		data.Scope = s.nameOf(p, d.Agency.Name, d.Agency.NameEn)
	}
	rate := "—"
	if d.Headline.Rate != nil {
		rate = p.L.Percent(*d.Headline.Rate)
	}
	data.Headline = []reportFigure{{p.L.T("reports.accounts"), p.L.Num(d.Headline.Accounts)}, {p.L.T("reports.foreign"), p.L.Num(d.Headline.Foreign)},
		{p.L.T("reports.rate"), rate}, {p.L.T("reports.open_high"), p.L.Num(d.Headline.OpenHigh)}}
	p.Data = data
	return s.render(c, http.StatusOK, "report", p)
}

// reportHTMLCSP lets the stored report's inline styles and nothing else:
// no script, no request of any kind, framed only by the site itself.
const reportHTMLCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"

// reportDocument is the report's HTML in a language: the stored bytes in
// Persian, the English rendered from the stored data.
func reportDocument(r *monitor.Report, lang string) ([]byte, error) {
	if lang != "en" {
		return []byte(r.HTML), nil
	}
	d, err := r.Parsed()
	if err != nil {
		return nil, err
	}
	return monitor.RenderReportHTML(d, "en")
}

// reportHTML serves the report document itself, for the frame of its page
// and for opening on its own.
func (s *Server) reportHTML(c echo.Context) error {
	r, err := s.reportOf(c)
	if err != nil {
		return err
	}
	b, err := reportDocument(r, c.QueryParam("lang"))
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", reportHTMLCSP)
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Cache-Control", "private, no-cache")
	return c.HTMLBlob(http.StatusOK, b)
}

// Media types of the downloads.
const (
	mimeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	mimeCSV  = "text/csv; charset=utf-8"
	mimeHTML = "text/html; charset=utf-8"
	mimePDF  = "application/pdf"
)

// reportFile renders a stored report in a download format.
func (s *Server) reportFile(c echo.Context, r *monitor.Report, format, lang string) (data []byte, mime, name string, err error) {
	d, err := r.Parsed()
	if err != nil {
		return nil, "", "", err
	}
	switch format {
	case "xlsx":
		data, err = monitor.ReportXLSX(d)
		return data, mimeXLSX, monitor.ReportFileName(d, "xlsx"), err
	case "csv":
		data, err = monitor.ReportCSV(d)
		return data, mimeCSV, monitor.ReportFileName(d, "csv"), err
	case "pdf":
		chromium := monitor.ChromiumPath(s.cfg.Monitor.ChromiumPath)
		if chromium == "" {
			return nil, "", "", &registry.ConflictError{Key: "reports.pdf_unavailable"}
		}
		html, err := reportDocument(r, lang)
		if err != nil {
			return nil, "", "", err
		}
		data, err = monitor.ReportPDF(c.Request().Context(), html, chromium)
		return data, mimePDF, monitor.ReportFileName(d, "pdf"), err
	case "html", "":
		data, err = reportDocument(r, lang)
		return data, mimeHTML, monitor.ReportFileName(d, "html"), err
	}
	return nil, "", "", &registry.ValidationError{Fields: map[string]string{"format": "error.choose"}}
}

// attachment answers a file to save, under its name.
func attachment(c echo.Context, data []byte, mime, name string) error {
	h := c.Response().Header()
	h.Set("Content-Disposition", "attachment; filename=\""+name+"\"; filename*=UTF-8''"+url.PathEscape(name))
	h.Set("Cache-Control", "private, no-cache")
	if strings.HasPrefix(mime, "text/html") {
		h.Set("Content-Security-Policy", reportHTMLCSP)
	}
	return c.Blob(http.StatusOK, mime, data)
}

func (s *Server) reportDownload(c echo.Context) error {
	r, err := s.reportOf(c)
	if err != nil {
		return err
	}
	data, mime, name, err := s.reportFile(c, r, c.QueryParam("format"), c.QueryParam("lang"))
	if err != nil {
		return err
	}
	return attachment(c, data, mime, name)
}
