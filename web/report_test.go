package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/xuri/excelize/v2"

	"hozur/monitor"
	"hozur/registry"
)

func init() {
	// The report's files, checked against the document as the binary
	// strings it declares.
	for _, mime := range []string{"text/html", mimeXLSX} {
		openapi3filter.RegisterBodyDecoder(mime, openapi3filter.FileBodyDecoder)
	}
}

// reportWorld is the API world with accounts registered last week, a
// liaison in each ministry, and last week's reports made.
type reportWorld struct {
	*apiWorld
	otherLiaison           *registry.User
	otherToken             string
	national, cut, otherCt monitor.Report
	week                   time.Time
}

func newReportWorld(t *testing.T) *reportWorld {
	t.Helper()
	w := &reportWorld{apiWorld: newAPIWorld(t)}
	ctx := context.Background()
	w.otherLiaison = w.user("energy-liaison", registry.RoleLiaison, w.f.Other.ID, 0)
	w.otherToken = w.token(w.otherLiaison)
	cur, _ := monitor.WeekOf(time.Now(), w.srv.tz)
	w.week = cur.AddDate(0, 0, -7)
	w.account(registry.AccountInput{URL: "https://x.com/alireza_report", Capacity: registry.CapacityOffice, OfficialID: w.f.Official.ID})
	w.account(registry.AccountInput{URL: "https://instagram.com/zahra_report", Capacity: registry.CapacityOffice, OfficialID: w.f.OtherOfficial.ID})
	w.account(registry.AccountInput{URL: "https://eitaa.com/min_health_report", Capacity: registry.CapacityInstitutional, AgencyID: w.f.Ministry.ID})
	if err := w.store.Write(ctx).Exec("UPDATE accounts SET created_at = ?", w.week.AddDate(0, 0, 2).UTC()).Error; err != nil {
		t.Fatal(err)
	}
	rs, err := w.srv.mon.GenerateWeek(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 {
		t.Fatalf("made %d reports, want the national one and two cuts", len(rs))
	}
	w.national = rs[0]
	for _, r := range rs[1:] {
		if *r.AgencyID == w.f.Ministry.ID {
			w.cut = r
		} else {
			w.otherCt = r
		}
	}
	return w
}

func TestReportPagesPermissions(t *testing.T) {
	w := newReportWorld(t)
	nat, cut, other := "/reports/"+id(w.national.ID), "/reports/"+id(w.cut.ID), "/reports/"+id(w.otherCt.ID)
	otherLiaison := w.browser()
	otherLiaison.signIn(w.otherLiaison.Username)
	cases := []struct {
		name   string
		b      *browser
		path   string
		status int
		want   []string
		absent []string
	}{
		{"reviewer lists all", w.signedIn(w.f, registry.RoleReviewer), "/reports", 200,
			[]string{nat, cut, other, `action="/reports/generate"`, msg(t, "fa", "reports.national")}, nil},
		{"auditor lists all, cannot generate", w.signedIn(w.f, registry.RoleAuditor), "/reports", 200, []string{nat, cut, other}, []string{`action="/reports/generate"`}},
		{"liaison lists own cut", w.signedIn(w.f, registry.RoleLiaison), "/reports", 200, []string{cut}, []string{nat + `"`, other + `"`, `action="/reports/generate"`}},
		{"official may not", w.signedIn(w.f, registry.RoleOfficial), "/reports", 403, nil, nil},
		{"reviewer reads national", w.signedIn(w.f, registry.RoleReviewer), nat, 200, []string{`id="report-frame"`, `sandbox=""`, nat + "/html", w.national.SHA256}, nil},
		{"liaison reads own cut", w.signedIn(w.f, registry.RoleLiaison), cut, 200, []string{cut + "/html", "وزارت بهداشت"}, nil},
		{"liaison may not read national", w.signedIn(w.f, registry.RoleLiaison), nat, 403, nil, nil},
		{"liaison may not read another cut", w.signedIn(w.f, registry.RoleLiaison), other, 403, nil, nil},
		{"liaison may not download another cut", w.signedIn(w.f, registry.RoleLiaison), other + "/download?format=xlsx", 403, nil, nil},
		{"liaison may not frame another cut", w.signedIn(w.f, registry.RoleLiaison), other + "/html", 403, nil, nil},
		{"other liaison reads their cut", otherLiaison, other, 200, nil, nil},
		{"official may not read", w.signedIn(w.f, registry.RoleOfficial), nat + "/html", 403, nil, nil},
		{"by week: national", w.signedIn(w.f, registry.RoleReviewer), "/reports/" + monitor.WeekID(w.week, w.srv.tz), 200, []string{nat + "/html"}, nil},
		{"by week: liaison's cut", w.signedIn(w.f, registry.RoleLiaison), "/reports/" + monitor.WeekID(w.week, w.srv.tz), 200, []string{cut + "/html"}, nil},
		{"by week: none made", w.signedIn(w.f, registry.RoleReviewer), "/reports/2020-01-04", 404, nil, nil},
		{"no such report", w.signedIn(w.f, registry.RoleReviewer), "/reports/99999", 404, nil, nil},
		{"bad format", w.signedIn(w.f, registry.RoleReviewer), nat + "/download?format=docx", 422, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := tc.b.get(tc.path)
			if status != tc.status {
				t.Fatalf("GET %s: %d, want %d: %.500s", tc.path, status, tc.status, body)
			}
			mustContain(t, body, tc.want...)
			mustNotContain(t, body, tc.absent...)
		})
	}
}

// getResp fetches a path with the browser's cookies and answers the
// whole response.
func (b *browser) getResp(path string) (*http.Response, []byte) {
	b.e.t.Helper()
	resp, err := b.client.Get(b.e.ts.URL + path)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		b.e.t.Fatal(err)
	}
	return resp, buf.Bytes()
}

func TestReportDownloads(t *testing.T) {
	w := newReportWorld(t)
	b := w.signedIn(w.f, registry.RoleReviewer)
	base := "/reports/" + id(w.national.ID)
	week := monitor.WeekID(w.week, w.srv.tz)

	// The frame's document: the stored bytes, with a policy of its own.
	resp, body := b.getResp(base + "/html")
	if resp.StatusCode != 200 || string(body) != w.national.HTML {
		t.Fatalf("html: %d, same bytes %v", resp.StatusCode, string(body) == w.national.HTML)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "style-src 'unsafe-inline'", "frame-ancestors 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("report CSP %q lacks %q", csp, want)
		}
	}
	if xfo := resp.Header.Get("X-Frame-Options"); xfo != "SAMEORIGIN" {
		t.Errorf("X-Frame-Options %q", xfo)
	}
	if !bytes.Contains(body, []byte("<svg")) || bytes.Contains(body, []byte("<script")) {
		t.Error("the report has no chart, or has a script")
	}
	// The app's page keeps the strict policy.
	page, _ := b.getResp(base)
	if got := page.Header.Get("Content-Security-Policy"); strings.Contains(got, "unsafe-inline") {
		t.Errorf("the page's CSP was loosened: %q", got)
	}
	// English, from the stored data.
	_, en := b.getResp(base + "/html?lang=en")
	if !bytes.Contains(en, []byte(`<html lang="en" dir="ltr">`)) || !bytes.Contains(en, []byte("Hozur weekly report — week of")) {
		t.Errorf("english report: %.300s", en)
	}

	// Downloads, each named.
	resp, body = b.getResp(base + "/download?format=html")
	sum := sha256.Sum256(body)
	if hex.EncodeToString(sum[:]) != w.national.SHA256 || !strings.Contains(resp.Header.Get("Content-Disposition"), `filename="hozur-report-`+week+`.html"`) {
		t.Errorf("html download: sha %x, disposition %q", sum, resp.Header.Get("Content-Disposition"))
	}
	resp, body = b.getResp(base + "/download?format=xlsx")
	if resp.Header.Get("Content-Type") != mimeXLSX || !strings.Contains(resp.Header.Get("Content-Disposition"), "hozur-report-"+week+".xlsx") {
		t.Errorf("xlsx headers %v", resp.Header)
	}
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := f.GetSheetView("خلاصه", 0); v.RightToLeft == nil || !*v.RightToLeft {
		t.Error("summary sheet is not right to left")
	}
	if a1, _ := f.GetCellValue("خلاصه", "A1"); a1 != w.national.Title {
		t.Errorf("A1 %q", a1)
	}
	_ = f.Close()
	resp, body = b.getResp("/reports/" + id(w.cut.ID) + "/download?format=csv")
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") || !strings.Contains(resp.Header.Get("Content-Disposition"), "hozur-report-"+week+"-min-health.csv") {
		t.Errorf("csv headers %v", resp.Header)
	}
	if !bytes.HasPrefix(body, []byte("\xEF\xBB\xBF")) {
		t.Fatal("csv without BOM")
	}
	rows, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
	if err != nil || len(rows) < 3 || rows[1][0] != "وزارت بهداشت، درمان و آموزش پزشکی (حساب‌های خود دستگاه)" {
		t.Errorf("csv rows %q, %v", rows, err)
	}
	if monitor.ChromiumPath(w.srv.cfg.Monitor.ChromiumPath) != "" {
		resp, body = b.getResp(base + "/download?format=pdf")
		if resp.StatusCode != 200 || !bytes.HasPrefix(body, []byte("%PDF-")) || resp.Header.Get("Content-Type") != mimePDF {
			t.Errorf("pdf: %d %q %.10q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
}

func TestReportGenerate(t *testing.T) {
	w := newReportWorld(t)
	rev := w.signedIn(w.f, registry.RoleReviewer)
	rev.get("/reports")
	// Last week again: the stored report, unchanged.
	status, loc, _ := rev.post("/reports/generate", url.Values{"week": {""}})
	if status != http.StatusSeeOther || loc != "/reports/"+id(w.national.ID) {
		t.Fatalf("generate: %d → %q, want the stored national report %d", status, loc, w.national.ID)
	}
	_, page := rev.get(loc)
	mustContain(t, page, msg(t, "fa", "reports.flash_ready"))
	// A week given by ISO number, two weeks ago: a new national report.
	two := w.week.AddDate(0, 0, -7)
	status, loc, _ = rev.post("/reports/generate", url.Values{"week": {monitor.ISOWeekID(two, w.srv.tz)}})
	if status != http.StatusSeeOther || loc == "/reports/"+id(w.national.ID) {
		t.Fatalf("generate a week by number: %d → %q", status, loc)
	}
	// The running week is refused, and so is nonsense.
	cur := w.week.AddDate(0, 0, 7)
	status, _, body := rev.post("/reports/generate", url.Values{"week": {monitor.WeekID(cur, w.srv.tz)}})
	if status != http.StatusConflict {
		t.Errorf("running week: %d", status)
	}
	mustContain(t, body, msg(t, "fa", "report.week_not_over"))
	status, _, body = rev.post("/reports/generate", url.Values{"week": {"next week"}})
	if status != http.StatusUnprocessableEntity {
		t.Errorf("bad week: %d", status)
	}
	mustContain(t, body, msg(t, "fa", "reports.bad_week"), `href="#f-week"`)
	// Only those who may run jobs.
	for _, role := range []registry.Role{registry.RoleAuditor, registry.RoleLiaison, registry.RoleOfficial} {
		b := w.signedIn(w.f, role)
		b.get("/")
		if status, _, _ := b.post("/reports/generate", nil); status != http.StatusForbidden {
			t.Errorf("%s generated a report: %d", role, status)
		}
	}
	var n int64
	w.store.Read(context.Background()).Table("reports").Count(&n)
	if n != 4 {
		t.Errorf("%d reports stored, want 4", n)
	}
}

func TestReportAPI(t *testing.T) {
	w := newReportWorld(t)
	doc := loadOpenAPI(t, w.testEnv)
	nat, cut, other := fmt.Sprintf("/api/v1/reports/%d", w.national.ID), fmt.Sprintf("/api/v1/reports/%d", w.cut.ID), fmt.Sprintf("/api/v1/reports/%d", w.otherCt.ID)
	week := monitor.WeekID(w.week, w.srv.tz)
	cases := []struct {
		name         string
		role         registry.Role
		url          string
		status       int
		want, absent []string
	}{
		{"reviewer lists", registry.RoleReviewer, "/api/v1/reports", 200, []string{fmt.Sprintf(`"id":%d`, w.national.ID), fmt.Sprintf(`"id":%d`, w.otherCt.ID), `"week_start":"` + week + `"`, `"agency_id":null`}, nil},
		{"national only", registry.RoleAuditor, "/api/v1/reports?national=true&week=" + week, 200, []string{fmt.Sprintf(`"id":%d`, w.national.ID)}, []string{fmt.Sprintf(`"id":%d`, w.cut.ID)}},
		{"paged", registry.RoleAdmin, "/api/v1/reports?per_page=1", 200, []string{`"next_cursor":"e`}, nil},
		{"liaison lists own", registry.RoleLiaison, "/api/v1/reports", 200, []string{fmt.Sprintf(`"id":%d`, w.cut.ID)}, []string{fmt.Sprintf(`"id":%d,`, w.national.ID), fmt.Sprintf(`"id":%d,`, w.otherCt.ID)}},
		{"official may not list", registry.RoleOfficial, "/api/v1/reports", 403, nil, nil},
		{"bad week filter", registry.RoleAdmin, "/api/v1/reports?week=soon", 422, nil, nil},
		{"data", registry.RoleReviewer, nat, 200, []string{`"version":1`, `"headline":`, `"trend":`}, nil},
		{"liaison's cut", registry.RoleLiaison, cut, 200, []string{`"agency":{"id":`}, nil},
		{"liaison may not read another cut", registry.RoleLiaison, other, 403, nil, nil},
		{"liaison may not read national", registry.RoleLiaison, nat + "?format=csv", 403, nil, nil},
		{"official may not read", registry.RoleOfficial, nat, 403, nil, nil},
		{"html", registry.RoleAuditor, nat + "?format=html", 200, []string{"<svg"}, nil},
		{"english html", registry.RoleAuditor, nat + "?format=html&lang=en", 200, []string{"Hozur weekly report"}, nil},
		{"xlsx", registry.RoleAdmin, nat + "?format=xlsx", 200, []string{"PK"}, nil},
		{"csv", registry.RoleAdmin, cut + "?format=csv", 200, []string{"\uFEFF"}, nil},
		{"bad format", registry.RoleAdmin, nat + "?format=pdfx", 422, nil, nil},
		{"missing", registry.RoleAdmin, "/api/v1/reports/99999", 404, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := w.do(tc.role, "GET", tc.url, "")
			if resp.StatusCode != tc.status {
				t.Fatalf("GET %s: %d, want %d: %.400s", tc.url, resp.StatusCode, tc.status, body)
			}
			for _, s := range tc.want {
				if !strings.Contains(body, s) {
					t.Errorf("body lacks %q: %.400s", s, body)
				}
			}
			for _, s := range tc.absent {
				if strings.Contains(body, s) {
					t.Errorf("body has %q", s)
				}
			}
			tmpl := "/reports"
			if strings.HasPrefix(tc.url, "/api/v1/reports/") {
				tmpl = "/reports/{id}"
			}
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") { // kin-openapi reads CSV as records, not as a file
				if err := validateResponse(t, doc, "GET", tmpl, tc.url, resp.StatusCode, resp.Header, body); err != nil {
					t.Errorf("response does not match the document: %v", err)
				}
			}
		})
	}
	// The JSON is the stored data, byte for byte, every time.
	for range 2 {
		if _, body := w.do(registry.RoleReviewer, "GET", nat, ""); body != w.national.Data {
			t.Fatal("the API's data is not the stored data")
		}
	}
}

func TestDashboardCharts(t *testing.T) {
	w := newReportWorld(t)
	for _, tc := range []struct {
		role   registry.Role
		charts bool
	}{{registry.RoleAdmin, true}, {registry.RoleReviewer, true}, {registry.RoleAuditor, true}, {registry.RoleLiaison, false}, {registry.RoleOfficial, false}} {
		t.Run(string(tc.role), func(t *testing.T) {
			status, body := w.signedIn(w.f, tc.role).get("/")
			if status != 200 {
				t.Fatalf("dashboard: %d", status)
			}
			if got := strings.Contains(body, `id="dashboard-charts"`); got != tc.charts {
				t.Fatalf("charts shown: %v, want %v", got, tc.charts)
			}
			if !tc.charts {
				return
			}
			mustContain(t, body, `id="chart-trend"`, `id="chart-rules"`, `id="chart-origin"`, `id="chart-capacity"`, "<svg", "<circle", `href="/reports"`,
				msg(t, "fa", "dashchart.title"), msg(t, "fa", "rule.CLOSURE_OVERDUE"))
			// Presentation attributes only: the page's CSP allows no inline style.
			section := body[strings.Index(body, `id="dashboard-charts"`):]
			mustNotContain(t, section, " style=")
		})
	}
}
