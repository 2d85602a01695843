package web

import (
	"net/http"
	"strings"
	"testing"

	"hozur/monitor"
	"hozur/registry"
)

// Running the backup by hand writes a copy of every record: admins only,
// in the pages and the API, with the reason for everyone else.
func TestJobBackupRunIsForAdmins(t *testing.T) {
	w := newMonitorWorld(t)
	if !w.srv.jobs.Has(monitor.JobBackup) {
		t.Skip("scheduled backups are off on this database")
	}
	e, f := w.testEnv, w.f
	reason := []string{msg(t, "fa", "jobs.backup_admin_only"), msg(t, "en", "jobs.backup_admin_only")}
	hasReason := func(body string) bool {
		return strings.Contains(body, reason[0]) || strings.Contains(body, reason[1])
	}
	for _, role := range registry.Roles {
		t.Run(string(role), func(t *testing.T) {
			b := e.signedIn(f, role)
			pageStatus, _, _ := b.post("/jobs/backup/run", nil)
			w.srv.jobs.Wait() // the page starts the run in the background
			apiStatus, apiBody := w.api(w.tokens[role], "POST", "/api/v1/jobs/backup/run", "")
			if role == registry.RoleAdmin {
				if pageStatus != http.StatusSeeOther || apiStatus != http.StatusOK {
					t.Fatalf("admin: page %d, API %d %s", pageStatus, apiStatus, apiBody)
				}
				_, body := b.get("/jobs/backup")
				mustContain(t, body, `action="/jobs/backup/run"`)
				return
			}
			if pageStatus != http.StatusForbidden || apiStatus != http.StatusForbidden {
				t.Fatalf("%s: page %d, API %d %s", role, pageStatus, apiStatus, apiBody)
			}
			if role == registry.RoleReviewer {
				// The reviewer runs other jobs, so is told why not this one.
				if !hasReason(apiBody) {
					t.Errorf("reviewer's refusal gives no reason: %s", apiBody)
				}
				_, body := b.get("/jobs")
				mustContain(t, body, `action="/jobs/maintenance/run"`)
				mustNotContain(t, body, `action="/jobs/backup/run"`)
				_, body = b.get("/jobs/backup")
				mustNotContain(t, body, `action="/jobs/backup/run"`)
			}
		})
	}
	// Nothing ran but the admin's two runs, and they made copies by hand.
	runs, err := w.srv.mon.JobRuns(t.Context(), monitor.JobBackup, registry.Page{PerPage: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs.Items) != 2 {
		t.Errorf("%d backup runs, want the admin's 2", len(runs.Items))
	}
	for _, r := range runs.Items {
		if r.Outcome == monitor.OutcomeOK && !strings.Contains(r.Detail, "hozur-manual-") {
			t.Errorf("a run by hand made %s", r.Detail)
		}
	}
}
