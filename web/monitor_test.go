package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hozur/monitor"
	"hozur/registry"
)

// monitorWorld is the API world with two foreign accounts, one in each
// ministry, scanned once: each gets a FOREIGN_NO_EXEMPTION flag, each
// holder a NO_DOMESTIC_PRESENCE one.
type monitorWorld struct {
	*apiWorld
	own, other *registry.AccountView // the fixture official's, the other ministry's
}

func newMonitorWorld(t *testing.T) *monitorWorld {
	t.Helper()
	w := &monitorWorld{apiWorld: newAPIWorld(t)}
	w.own = w.account(registry.AccountInput{URL: "https://x.com/alireza_flagged", Capacity: registry.CapacityOffice, OfficialID: w.f.Official.ID})
	w.other = w.account(registry.AccountInput{URL: "https://instagram.com/zahra_flagged", Capacity: registry.CapacityOffice, OfficialID: w.f.OtherOfficial.ID})
	if _, err := w.srv.mon.Scan(context.Background(), time.Now(), monitor.TriggerManual, nil); err != nil {
		t.Fatal(err)
	}
	return w
}

// flagIDs lists the ids of the flags a role sees through the API.
func (w *monitorWorld) flagIDs(t *testing.T, role registry.Role, query string) map[string][]int64 {
	t.Helper()
	status, body := w.api(w.tokens[role], "GET", "/api/v1/flags"+query, "")
	if status != http.StatusOK {
		t.Fatalf("flags as %s: %d %s", role, status, body)
	}
	var list struct {
		Items []struct {
			ID      int64
			Rule    string
			Subject struct{ Name string }
		}
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatal(err)
	}
	out := map[string][]int64{}
	for _, it := range list.Items {
		out[it.Rule+" "+it.Subject.Name] = append(out[it.Rule+" "+it.Subject.Name], it.ID)
	}
	return out
}

func TestMonitorAPIPermissions(t *testing.T) {
	w := newMonitorWorld(t)
	ownFlag := w.flagIDs(t, registry.RoleAdmin, "?rule=FOREIGN_NO_EXEMPTION")["FOREIGN_NO_EXEMPTION alireza_flagged"]
	otherFlag := w.flagIDs(t, registry.RoleAdmin, "?rule=FOREIGN_NO_EXEMPTION")["FOREIGN_NO_EXEMPTION zahra_flagged"]
	if len(ownFlag) != 1 || len(otherFlag) != 1 {
		t.Fatalf("flags %v %v", ownFlag, otherFlag)
	}
	ack := func(id int64) string { return fmt.Sprintf("/api/v1/flags/%d/acknowledge", id) }
	w.run(t, []apiCase{
		{name: "anonymous flags", method: "GET", url: "/api/v1/flags", wantStatus: 401},
		{name: "anonymous scans", method: "GET", url: "/api/v1/scans", wantStatus: 401},
		{name: "anonymous jobs", method: "GET", url: "/api/v1/jobs", wantStatus: 401},
		{name: "admin sees all", role: registry.RoleAdmin, method: "GET", url: "/api/v1/flags", wantStatus: 200,
			wantContains: []string{`"rule":"FOREIGN_NO_EXEMPTION"`, `"severity":"high"`, `"status":"open"`, `"opened_at":"`, `"last_seen_at":"`,
				`"resolved_at":null`, `"subject":{"type":"account"`, "alireza_flagged", "zahra_flagged", `"rule":"NO_DOMESTIC_PRESENCE"`,
				`"message":"This account is active on a foreign platform`}},
		{name: "in Persian", role: registry.RoleAdmin, method: "GET", url: "/api/v1/flags?rule=FOREIGN_NO_EXEMPTION", wantStatus: 200},
		{name: "liaison sees their agency's", role: registry.RoleLiaison, method: "GET", url: "/api/v1/flags", wantStatus: 200,
			wantContains: []string{"alireza_flagged"}, wantAbsent: []string{"zahra_flagged"}},
		{name: "official sees their own", role: registry.RoleOfficial, method: "GET", url: "/api/v1/flags", wantStatus: 200,
			wantContains: []string{"alireza_flagged"}, wantAbsent: []string{"zahra_flagged"}},
		{name: "auditor sees all", role: registry.RoleAuditor, method: "GET", url: "/api/v1/flags", wantStatus: 200,
			wantContains: []string{"alireza_flagged", "zahra_flagged"}},
		{name: "filter by agency", role: registry.RoleAdmin, method: "GET", url: fmt.Sprintf("/api/v1/flags?agency_id=%d", w.f.Other.ID), wantStatus: 200,
			wantContains: []string{"zahra_flagged"}, wantAbsent: []string{"alireza_flagged"}},
		{name: "filter by severity", role: registry.RoleAdmin, method: "GET", url: "/api/v1/flags?severity=notice", wantStatus: 200,
			wantContains: []string{"NO_DOMESTIC_PRESENCE"}, wantAbsent: []string{"FOREIGN_NO_EXEMPTION"}},
		{name: "bad filters", role: registry.RoleAdmin, method: "GET", url: "/api/v1/flags?rule=NOPE&status=gone&severity=dire&agency_id=999", wantStatus: 422,
			wantContains: []string{`"rule":`, `"status":`, `"severity":`, `"agency_id":`}},
		{name: "auditor may not acknowledge", role: registry.RoleAuditor, method: "POST", url: ack(ownFlag[0]), body: `{"note":"x"}`, wantStatus: 403},
		{name: "liaison may not acknowledge", role: registry.RoleLiaison, method: "POST", url: ack(ownFlag[0]), body: `{"note":"x"}`, wantStatus: 403},
		{name: "official may not acknowledge", role: registry.RoleOfficial, method: "POST", url: ack(ownFlag[0]), wantStatus: 403},
		{name: "missing flag", role: registry.RoleReviewer, method: "POST", url: ack(99999), wantStatus: 404},
		{name: "unknown field", role: registry.RoleReviewer, method: "POST", url: ack(ownFlag[0]), body: `{"memo":"x"}`, wantStatus: 400},
		{name: "reviewer acknowledges", role: registry.RoleReviewer, method: "POST", url: ack(ownFlag[0]), body: `{"note":"waiting for the ministry"}`, wantStatus: 200,
			wantContains: []string{`"status":"acknowledged"`, `"ack_note":"waiting for the ministry"`, fmt.Sprintf(`"acknowledged_by":%d`, w.f.Users[registry.RoleReviewer].ID)}},
		{name: "again is harmless", role: registry.RoleAdmin, method: "POST", url: ack(ownFlag[0]), wantStatus: 200,
			wantContains: []string{`"ack_note":"waiting for the ministry"`}},
		{name: "acknowledged stay listed", role: registry.RoleLiaison, method: "GET", url: "/api/v1/flags?status=acknowledged", wantStatus: 200,
			wantContains: []string{"alireza_flagged"}},
		{name: "scans", role: registry.RoleAuditor, method: "GET", url: "/api/v1/scans", wantStatus: 200, wantContains: []string{`"trigger":"manual"`, `"evaluated":2`}},
		{name: "liaison no scans", role: registry.RoleLiaison, method: "GET", url: "/api/v1/scans", wantStatus: 403},
		{name: "official no scans", role: registry.RoleOfficial, method: "GET", url: "/api/v1/scans", wantStatus: 403},
		{name: "auditor may not scan", role: registry.RoleAuditor, method: "POST", url: "/api/v1/scans", wantStatus: 403},
		{name: "liaison may not scan", role: registry.RoleLiaison, method: "POST", url: "/api/v1/scans", wantStatus: 403},
		{name: "reviewer scans", role: registry.RoleReviewer, method: "POST", url: "/api/v1/scans", wantStatus: 201,
			wantContains: []string{`"trigger":"manual"`, `"opened":0`, `"resolved":0`, `"evaluated":2`}},
		{name: "jobs", role: registry.RoleAuditor, method: "GET", url: "/api/v1/jobs", wantStatus: 200,
			wantContains: []string{`"name":"scan"`, `"name":"weekly_report"`, `"spec":"0 7 * * 6"`, `"time_zone":"Asia/Tehran"`, `"next_run_at":"`}},
		{name: "liaison no jobs", role: registry.RoleLiaison, method: "GET", url: "/api/v1/jobs", wantStatus: 403},
		{name: "job runs", role: registry.RoleAuditor, method: "GET", url: "/api/v1/jobs/scan/runs", wantStatus: 200,
			wantContains: []string{`"job":"scan"`, `"trigger":"manual"`, `"outcome":"ok"`}},
		{name: "unknown job", role: registry.RoleAdmin, method: "GET", url: "/api/v1/jobs/nonesuch/runs", wantStatus: 404},
		{name: "auditor may not run", role: registry.RoleAuditor, method: "POST", url: "/api/v1/jobs/maintenance/run", wantStatus: 403},
		{name: "official may not run", role: registry.RoleOfficial, method: "POST", url: "/api/v1/jobs/maintenance/run", wantStatus: 403},
		{name: "admin runs", role: registry.RoleAdmin, method: "POST", url: "/api/v1/jobs/maintenance/run", wantStatus: 200,
			wantContains: []string{`"job":"maintenance"`, `"trigger":"manual"`, `"outcome":"ok"`}},
	})
	// Persian messages with Persian digits.
	resp, body := w.do(registry.RoleAdmin, "GET", "/api/v1/flags?rule=FOREIGN_NO_EXEMPTION", "", "Accept-Language", "fa")
	if resp.StatusCode != 200 || !strings.Contains(body, "حساب خارجی بدون معافیت") {
		t.Errorf("Persian flags: %d %.300s", resp.StatusCode, body)
	}
}

// TestMonitorAPIMatchesOpenAPI checks the monitor's answers against the
// document.
func TestMonitorAPIMatchesOpenAPI(t *testing.T) {
	w := newMonitorWorld(t)
	doc := loadOpenAPI(t, w.testEnv)
	flag := w.flagIDs(t, registry.RoleAdmin, "?rule=FOREIGN_NO_EXEMPTION")["FOREIGN_NO_EXEMPTION alireza_flagged"][0]
	if _, err := w.srv.jobs.RunNow(context.Background(), monitor.JobMaintenance, monitor.TriggerManual); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name         string
		role         registry.Role
		method, tmpl string
		url, body    string
		status       int
	}{
		{"flags", registry.RoleAdmin, "GET", "/flags", "/api/v1/flags?per_page=2", "", 200},
		{"bad flag filter", registry.RoleAdmin, "GET", "/flags", "/api/v1/flags?status=gone", "", 422},
		{"acknowledged", registry.RoleReviewer, "POST", "/flags/{id}/acknowledge", fmt.Sprintf("/api/v1/flags/%d/acknowledge", flag), `{"note":"x"}`, 200},
		{"not allowed", registry.RoleAuditor, "POST", "/flags/{id}/acknowledge", fmt.Sprintf("/api/v1/flags/%d/acknowledge", flag), ``, 403},
		{"scan", registry.RoleReviewer, "POST", "/scans", "/api/v1/scans", "", 201},
		{"scans", registry.RoleAuditor, "GET", "/scans", "/api/v1/scans?per_page=1", "", 200},
		{"jobs", registry.RoleAuditor, "GET", "/jobs", "/api/v1/jobs", "", 200},
		{"runs", registry.RoleAuditor, "GET", "/jobs/{id}/runs", "/api/v1/jobs/maintenance/runs", "", 200},
		{"run", registry.RoleAdmin, "POST", "/jobs/{id}/run", "/api/v1/jobs/scan/run", "", 200},
		{"no such job", registry.RoleAdmin, "POST", "/jobs/{id}/run", "/api/v1/jobs/nonesuch/run", "", 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := w.do(tc.role, tc.method, tc.url, tc.body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if err := validateResponse(t, doc, tc.method, tc.tmpl, tc.url, resp.StatusCode, resp.Header, body); err != nil {
				t.Errorf("response does not match the document: %v\n%s", err, body)
			}
		})
	}
}

func TestFlagPages(t *testing.T) {
	w := newMonitorWorld(t)
	e, f := w.testEnv, w.f
	title := msg(t, "fa", "rule.FOREIGN_NO_EXEMPTION")

	rev := e.signedIn(f, registry.RoleReviewer)
	status, body := rev.get("/flags")
	if status != http.StatusOK {
		t.Fatalf("flags: %d", status)
	}
	mustContain(t, body, title, "alireza_flagged", "zahra_flagged", `name="id"`, `action="/flags/acknowledge"`, `href="/flags"`,
		msg(t, "fa", "severity.high"), "tag-red", "tag-blue", `href="/scans"`)
	// Filters.
	status, body = rev.get("/flags?rule=NO_DOMESTIC_PRESENCE&severity=notice&status=open&agency=" + f.Other.Code)
	if status != http.StatusOK {
		t.Fatalf("filtered: %d", status)
	}
	mustContain(t, body, msg(t, "fa", "rule.NO_DOMESTIC_PRESENCE"))
	mustNotContain(t, body, "alireza_flagged", "علیرضا محمدی")
	if status, _ = rev.get("/flags?agency=NOPE"); status != http.StatusUnprocessableEntity {
		t.Errorf("unknown agency: %d", status)
	}
	if status, _ = rev.get("/flags?rule=NOPE"); status != http.StatusUnprocessableEntity {
		t.Errorf("unknown rule: %d", status)
	}
	// Bulk acknowledge of every open flag of the ministry of health.
	rev.get("/flags?agency=" + f.Ministry.Code)
	var ids []string
	for _, l := range w.flagIDs(t, registry.RoleLiaison, "") {
		for _, id := range l {
			ids = append(ids, fmt.Sprint(id))
		}
	}
	if len(ids) < 2 {
		t.Fatalf("liaison's flags %v", ids)
	}
	status, loc, _ := rev.post("/flags/acknowledge", url.Values{"id": ids, "note": {"در حال پیگیری"}, "next": {"/flags?agency=" + f.Ministry.Code}})
	if status != http.StatusSeeOther || loc != "/flags?agency="+f.Ministry.Code {
		t.Fatalf("acknowledge: %d %q", status, loc)
	}
	_, body = rev.get(loc)
	mustContain(t, body, msg(t, "fa", "flags.flash_acknowledged"), "در حال پیگیری", msg(t, "fa", "flag.status.acknowledged"))
	_, body = rev.get("/flags?status=open")
	mustContain(t, body, "zahra_flagged")
	mustNotContain(t, body, "alireza_flagged")
	// Nothing ticked.
	status, loc, _ = rev.post("/flags/acknowledge", url.Values{"note": {"x"}})
	if _, body = rev.get(loc); status != http.StatusSeeOther || !strings.Contains(body, msg(t, "fa", "flags.flash_none")) {
		t.Errorf("nothing ticked: %d %q", status, loc)
	}
	// An open redirect is not followed.
	if _, loc, _ = rev.post("/flags/acknowledge", url.Values{"id": ids[:1], "next": {"https://evil.example/"}}); loc != "/flags" {
		t.Errorf("next went to %q", loc)
	}

	// The auditor reads but does not acknowledge, nor run anything.
	aud := e.signedIn(f, registry.RoleAuditor)
	status, body = aud.get("/flags")
	if status != http.StatusOK {
		t.Fatalf("auditor flags: %d", status)
	}
	mustContain(t, body, "zahra_flagged", `href="/jobs"`)
	mustNotContain(t, body, `name="id"`, `action="/flags/acknowledge"`)
	for _, path := range []string{"/flags/acknowledge", "/scans", "/jobs/scan/run"} {
		if status, _, _ := aud.post(path, url.Values{"id": ids[:1]}); status != http.StatusForbidden {
			t.Errorf("auditor POST %s: %d", path, status)
		}
	}

	// The liaison sees their agency's flags only, and no jobs.
	li := e.signedIn(f, registry.RoleLiaison)
	_, body = li.get("/flags")
	mustContain(t, body, "alireza_flagged", `href="/flags"`)
	mustNotContain(t, body, "zahra_flagged", `href="/jobs"`, `name="id"`)
	for _, path := range []string{"/jobs", "/scans", "/jobs/scan"} {
		if status, _ := li.get(path); status != http.StatusForbidden {
			t.Errorf("liaison GET %s: %d", path, status)
		}
	}
	if status, _, _ := li.post("/flags/acknowledge", url.Values{"id": ids[:1]}); status != http.StatusForbidden {
		t.Errorf("liaison acknowledge: %d", status)
	}

	// The official sees their own, on the flags page and on their pages.
	off := e.signedIn(f, registry.RoleOfficial)
	_, body = off.get("/flags?status=acknowledged")
	mustContain(t, body, "alireza_flagged")
	mustNotContain(t, body, "zahra_flagged")
	_, body = off.get("/accounts/" + id(w.own.ID))
	mustContain(t, body, `id="holder-flags"`, title, msg(t, "fa", "flags.section"))
	_, body = off.get("/officials/" + id(f.Official.ID))
	mustContain(t, body, `id="holder-flags"`, title, msg(t, "fa", "rule.NO_DOMESTIC_PRESENCE"), "/flags?official_id="+id(f.Official.ID))
}

func TestFlagMessages(t *testing.T) {
	e := newTestEnv(t)
	fa, en := e.srv.catalog.For("fa", e.srv.tz), e.srv.catalog.For("en", e.srv.tz)
	for _, r := range monitor.Rules {
		for _, l := range [...]interface{ Has(string) bool }{fa, en} {
			if !l.Has("rule."+r.Code) || !l.Has("rule."+r.Code+".message") {
				t.Errorf("no title or message for %s", r.Code)
			}
		}
	}
	cases := []struct {
		lang, rule, args, want string
	}{
		{"en", monitor.RuleExemptionExpiring, `{"until":"2026-12-21","days_left":30}`, "ends on 21 Dec 2026, in 30 days"},
		{"fa", monitor.RuleExemptionExpiring, `{"until":"2026-12-21","days_left":30}`, "۳۰ آذر ۱۴۰۵، ۳۰ روز دیگر"},
		{"en", monitor.RuleForeignNoExemption, `{"deadline":"2026-12-21","days_left":12}`, "12 days are left until the deadline of the presence rules (21 Dec 2026)"},
		{"en", monitor.RuleForeignNoExemption, `{"deadline":"2026-01-01"}`, "no individual or group exemption covers it"},
		{"en", monitor.RulePlatformPrivacy, `{"assessment":"not_assessed","deadline":"2024-05-17"}`, "latest assessment is: not assessed"},
		{"en", monitor.RuleReviewOverdue, `{"days":1500}`, "waited 1,500 days"},
		{"en", monitor.RuleOfficeAccountOrphaned, ``, "no successor is recorded"},
	}
	for _, tc := range cases {
		l := en
		if tc.lang == "fa" {
			l = fa
		}
		if got := flagMessage(l, tc.rule, tc.args, e.srv.tz); !strings.Contains(got, tc.want) || strings.Contains(got, "{") {
			t.Errorf("%s %s: %q, want %q", tc.lang, tc.rule, got, tc.want)
		}
	}
}

func TestScanAndJobPages(t *testing.T) {
	w := newMonitorWorld(t)
	e, f := w.testEnv, w.f
	adm := e.signedIn(f, registry.RoleAdmin)
	status, body := adm.get("/scans")
	if status != http.StatusOK {
		t.Fatalf("scans: %d", status)
	}
	mustContain(t, body, msg(t, "fa", "trigger.manual"), `id="scan-now"`)
	status, loc, _ := adm.post("/scans", nil)
	if status != http.StatusSeeOther || loc != "/scans" {
		t.Fatalf("scan now: %d %q", status, loc)
	}
	_, body = adm.get(loc)
	mustContain(t, body, msg(t, "fa", "scans.flash_done"))

	status, body = adm.get("/jobs")
	if status != http.StatusOK {
		t.Fatalf("jobs: %d", status)
	}
	// The schedule in words, the next run in the Solar Hijri calendar.
	next, _ := w.srv.jobs.NextRun(monitor.JobWeeklyReport, time.Now())
	fa := e.srv.catalog.For("fa", e.srv.tz)
	mustContain(t, body, msg(t, "fa", "job.weekly_report"), "هر شنبه ساعت ۰۷:۰۰", "هر روز ساعت ۰۲:۰۰", fa.DateTime(next),
		`action="/jobs/maintenance/run"`, msg(t, "fa", "outcome.ok"), msg(t, "fa", "jobs.never"))
	status, loc, _ = adm.post("/jobs/maintenance/run", nil)
	if status != http.StatusSeeOther || loc != "/jobs/maintenance" {
		t.Fatalf("run now: %d %q", status, loc)
	}
	w.srv.jobs.Wait()
	_, body = adm.get(loc)
	mustContain(t, body, msg(t, "fa", "jobs.flash_started"), `id="job-runs"`, msg(t, "fa", "outcome.ok"), msg(t, "fa", "trigger.manual"))
	if status, _ := adm.get("/jobs/nonesuch"); status != http.StatusNotFound {
		t.Errorf("unknown job: %d", status)
	}
	if status, _, _ := adm.post("/jobs/nonesuch/run", nil); status != http.StatusNotFound {
		t.Errorf("run unknown job: %d", status)
	}

	// The auditor reads the jobs without a button to run them.
	aud := e.signedIn(f, registry.RoleAuditor)
	status, body = aud.get("/jobs")
	if status != http.StatusOK {
		t.Fatalf("auditor jobs: %d", status)
	}
	mustNotContain(t, body, `/run"`)
	_, body = aud.get("/scans")
	mustNotContain(t, body, `id="scan-now"`)
	if status, _ := aud.get("/jobs/scan"); status != http.StatusOK {
		t.Errorf("auditor job page: %d", status)
	}
}
