package web

import (
	"net/http"
	"reflect"
	"time"

	"github.com/labstack/echo/v4"

	"hozur/monitor"
)

// reportBody is a stored weekly report in the API's list.
type reportBody struct {
	ID         int64     `json:"id"`
	WeekStart  jsonDate  `json:"week_start" doc:"the Saturday the week starts (the server's time zone)"`
	WeekEnd    jsonDate  `json:"week_end" doc:"the Friday it ends; the week runs to Friday 24:00"`
	Week       string    `json:"week" doc:"ISO year and week of its Saturday, YYYY-WW, as hozur report --week takes"`
	Title      string    `json:"title" doc:"in Persian, the report's language"`
	AgencyID   *int64    `json:"agency_id" doc:"the agency of a cut (it and its sub-agencies); null for the national report"`
	AgencyName string    `json:"agency_name" doc:"empty for the national report"`
	SHA256     string    `json:"sha256" doc:"hex SHA-256 of the stored HTML, the same bytes format=html answers"`
	CreatedAt  time.Time `json:"created_at"`
}

func (s *Server) reportBodyOf(r monitor.ReportSummary) reportBody {
	end := r.WeekEnd.In(s.tz).AddDate(0, 0, -1)
	return reportBody{ID: r.ID, WeekStart: jsonDate(monitor.WeekID(r.WeekStart, s.tz)), WeekEnd: jsonDate(end.Format(time.DateOnly)),
		Week: monitor.ISOWeekID(r.WeekStart, s.tz), Title: r.Title, AgencyID: r.AgencyID, AgencyName: r.AgencyName, SHA256: r.SHA256,
		CreatedAt: r.CreatedAt.UTC()}
}

func (s *Server) apiReportList(c echo.Context) error {
	q := s.apiQuery(c)
	f := monitor.ReportFilter{Week: q.day("week", s.tz), AgencyID: q.agency("agency_id")}
	if n := q.boolean("national"); n != nil && *n {
		f.National = true
	}
	p := q.apiPage()
	if err := q.err(); err != nil {
		return err
	}
	res, err := s.mon.Reports(c.Request().Context(), actorOf(c), f, p)
	if err != nil {
		return err
	}
	return writeList(c, res, s.reportBodyOf)
}

// apiReportGet answers a stored report: its data as JSON (the stored
// document, byte for byte), or a file: the stored Persian HTML (or the
// English one with lang=en), the XLSX workbook or the CSV table.
func (s *Server) apiReportGet(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	q := s.apiQuery(c)
	format := q.oneOf("format", reportFormats)
	lang := q.oneOf("lang", []string{"fa", "en"})
	if err := q.err(); err != nil {
		return err
	}
	r, err := s.mon.ReportByID(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	if format == "" || format == "json" {
		c.Response().Header().Set("Cache-Control", "private, no-cache")
		return c.JSONBlob(http.StatusOK, []byte(r.Data))
	}
	data, mime, name, err := s.reportFile(c, r, format, lang)
	if err != nil {
		return err
	}
	return attachment(c, data, mime, name)
}

// reportFormats are what GET /api/v1/reports/{id} answers.
var reportFormats = []string{"json", "html", "xlsx", "csv"}

// reportAPI is the reports' entry in the OpenAPI table.
func reportAPI() apiResource {
	return apiResource{Path: "reports", Schema: "Report", Plural: "Reports", Body: reflect.TypeFor[reportBody](), Ops: []string{"list"},
		Note: "The weekly reports, newest week first (the national report before the cuts of its week). A week runs from Saturday " +
			"00:00 to Friday 24:00 in the server's time zone (Asia/Tehran). A report is made once, when the week has ended, and stored: " +
			"fetching it again, whatever changed since, answers the same data and the same bytes. Reviewers, administrators and " +
			"auditors see every report; a liaison only their agency's cut; officials none.",
		Filters: append(monitorPaging(),
			apiParam{Name: "week", Type: "string", Format: "date", Doc: "the reports of the week holding this day (YYYY-MM-DD)"},
			apiParam{Name: "agency_id", Type: "integer", Doc: "the cuts of this agency"},
			apiParam{Name: "national", Type: "boolean", Doc: "true: only the national reports"}),
		Actions: []apiAction{{Method: "GET", Path: "/reports/{id}", OpID: "getReport",
			Summary: "One stored report: its data (JSON), or with format= the report as a file (Content-Disposition names it)",
			Answer:  "ReportData", Body: reflect.TypeFor[monitor.ReportData](), Desc: "The report's data as stored, or the file format= asks for.",
			Media: []apiMedia{{"text/html", "format=html: the stored Persian HTML document (standalone, inline CSS and SVG); lang=en renders it in English"},
				{mimeXLSX, "format=xlsx: the workbook, one right-to-left sheet per table"},
				{"text/csv", "format=csv: the table by agency, UTF-8 with a byte-order mark"}},
			Params: []apiParam{{Name: "format", Type: "string", Enum: reportFormats, Doc: "default json"},
				{Name: "lang", Type: "string", Enum: []string{"fa", "en"}, Doc: "with format=html: the language, default fa (the stored document)"}},
			Errors: []string{"403", "404", "422"}}},
	}
}
