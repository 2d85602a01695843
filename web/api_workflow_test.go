package web

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"hozur/registry"
)

// call sends a request as role, expects status want and returns the body.
func (w *apiWorld) call(role registry.Role, method, url, body string, want int) string {
	w.t.Helper()
	status, out := w.api(w.tokens[role], method, url, body)
	if status != want {
		w.t.Fatalf("%s %s: status %d, want %d: %.600s", method, url, status, want, out)
	}
	return out
}

// listIDs are the ids of a list body's items.
func listIDs(t *testing.T, body string) []int64 {
	t.Helper()
	var res struct {
		Items []struct{ ID int64 }
	}
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatalf("not a list: %v %s", err, body)
	}
	ids := make([]int64, len(res.Items))
	for i, it := range res.Items {
		ids[i] = it.ID
	}
	return ids
}

// day is a day counted from today in the registry's calendar, YYYY-MM-DD.
func (w *apiWorld) day(months, days int) string {
	return time.Now().In(w.srv.tz).AddDate(0, months, days).Format(time.DateOnly)
}

func fileBody(accountID int64, grounds string) string {
	return fmt.Sprintf(`{"account_id":%d,"grounds":%q,"statement":"برای اطلاع‌رسانی بین‌المللی لازم است.","requested_until":"2099-12-31"}`, accountID, grounds)
}

// TestAPIWorkflowPath walks a justification through the whole workflow by
// API: filed, submitted, questioned, answered, approved, covered, revoked.
func TestAPIWorkflowPath(t *testing.T) {
	w := newAPIWorld(t)
	f := w.f
	acc := w.account(registry.AccountInput{URL: "https://x.com/alireza_m", Capacity: registry.CapacityPersonal, OfficialID: f.Official.ID})
	id := w.create(registry.RoleOfficial, "justifications", fileBody(acc.ID, "international_outreach"))
	one := fmt.Sprintf("/api/v1/justifications/%d", id)
	move := one + "/transitions"
	coverage := fmt.Sprintf("/api/v1/accounts/%d/coverage", acc.ID)
	until, tooLate := w.day(6, 0), w.day(13, 0)
	reviewer := fmt.Sprintf(`"decided_by":%d`, f.Users[registry.RoleReviewer].ID)
	w.run(t, []apiCase{
		{name: "draft", role: registry.RoleOfficial, method: "GET", url: one, wantStatus: 200,
			wantContains: []string{`"state":"draft"`, fmt.Sprintf(`"account":{"id":%d,"handle":"alireza_m","platform":"x"}`, acc.ID),
				`"grounds":"international_outreach"`, `"requested_until":"2099-12-31"`, fmt.Sprintf(`"filed_by":%d`, f.Users[registry.RoleOfficial].ID),
				`"submitted_at":null`, `"notes":[]`, `"next_states":["submitted"]`, `"renews_id":null`}},
		{name: "reviewer sees no move on a draft", role: registry.RoleReviewer, method: "GET", url: one, wantStatus: 200,
			wantContains: []string{`"next_states":[]`}},
		{name: "edit the draft", role: registry.RoleOfficial, method: "PATCH", url: one, body: `{"grounds":"job_necessity","requested_until":null}`, wantStatus: 200,
			wantContains: []string{`"grounds":"job_necessity"`, `"requested_until":null`, `"statement":"برای اطلاع‌رسانی بین‌المللی لازم است."`}},
		{name: "a draft stays with its account", role: registry.RoleOfficial, method: "PATCH", url: one, body: fmt.Sprintf(`{"account_id":%d}`, acc.ID+1000), wantStatus: 422,
			wantContains: []string{`"fields":{"account_id":`}},
		{name: "requested end in the past", role: registry.RoleOfficial, method: "PATCH", url: one, body: `{"requested_until":"2001-01-01"}`, wantStatus: 422,
			wantContains: []string{`"requested_until":`}},
		{name: "draft to approved is illegal", role: registry.RoleReviewer, method: "POST", url: move, body: fmt.Sprintf(`{"to":"approved","valid_until":%q}`, until), wantStatus: 409,
			wantContains: []string{`"code":"illegal_transition"`, `"message":"This step is not possible`}},
		{name: "unknown state", role: registry.RoleOfficial, method: "POST", url: move, body: `{"to":"done"}`, wantStatus: 422,
			wantContains: []string{`"fields":{"to":`}},
		{name: "no state", role: registry.RoleOfficial, method: "POST", url: move, body: `{}`, wantStatus: 422, wantContains: []string{`"fields":{"to":`}},
		{name: "unknown field", role: registry.RoleOfficial, method: "POST", url: move, body: `{"to":"submitted","colour":"red"}`, wantStatus: 400,
			wantContains: []string{`"colour":`}},
		{name: "submit", role: registry.RoleOfficial, method: "POST", url: move, body: `{"to":"submitted"}`, wantStatus: 200,
			wantContains: []string{`"state":"submitted"`, `"next_states":["withdrawn"]`}, wantAbsent: []string{`"submitted_at":null`}},
		{name: "a submitted one is not edited", role: registry.RoleOfficial, method: "PATCH", url: one, body: `{"statement":"x"}`, wantStatus: 409,
			wantContains: []string{`"code":"conflict"`}},
		{name: "a submitted one is not deleted", role: registry.RoleOfficial, method: "DELETE", url: one, wantStatus: 409},
		{name: "the official cannot decide", role: registry.RoleOfficial, method: "POST", url: move, body: `{"to":"info_requested","note":"?"}`, wantStatus: 403,
			wantContains: []string{`"code":"forbidden"`}},
		{name: "the liaison cannot decide", role: registry.RoleLiaison, method: "POST", url: move, body: fmt.Sprintf(`{"to":"approved","valid_until":%q}`, until), wantStatus: 403},
		{name: "the reviewer may decide", role: registry.RoleReviewer, method: "GET", url: one, wantStatus: 200,
			wantContains: []string{`"next_states":["info_requested","approved","rejected"]`}},
		{name: "a question needs a question", role: registry.RoleReviewer, method: "POST", url: move, body: `{"to":"info_requested"}`, wantStatus: 422,
			wantContains: []string{`"fields":{"note":`}},
		{name: "request information", role: registry.RoleReviewer, method: "POST", url: move, body: `{"to":"info_requested","note":"کدام مخاطبان خارجی؟"}`, wantStatus: 200,
			wantContains: []string{`"state":"info_requested"`, `"notes":[{"kind":"question","body":"کدام مخاطبان خارجی؟","author":"reviewer","at":"`},
			wantAbsent:   []string{`"info_requested_at":null`}},
		{name: "the official is told", role: registry.RoleOfficial, method: "GET", url: "/api/v1/notifications?unread=true", wantStatus: 200,
			wantContains: []string{`"kind":"info_requested"`, `"entity":"justification"`, fmt.Sprintf(`"entity_id":%d`, id), fmt.Sprintf(`"account_id":%d`, acc.ID), `"read_at":null`}},
		{name: "so is the liaison", role: registry.RoleLiaison, method: "GET", url: "/api/v1/notifications", wantStatus: 200,
			wantContains: []string{`"kind":"info_requested"`}},
		{name: "the reviewer is not", role: registry.RoleReviewer, method: "GET", url: "/api/v1/notifications", wantStatus: 200,
			wantContains: []string{`"items":[]`}},
		{name: "read them all", role: registry.RoleOfficial, method: "POST", url: "/api/v1/notifications/read", body: `{}`, wantStatus: 200,
			wantContains: []string{`{"unread":0}`}},
		{name: "none unread", role: registry.RoleOfficial, method: "GET", url: "/api/v1/notifications?unread=true", wantStatus: 200,
			wantContains: []string{`"items":[]`}},
		{name: "read ones stay listed", role: registry.RoleOfficial, method: "GET", url: "/api/v1/notifications", wantStatus: 200,
			wantContains: []string{`"kind":"info_requested"`}, wantAbsent: []string{`"read_at":null`}},
		{name: "bad unread filter", role: registry.RoleOfficial, method: "GET", url: "/api/v1/notifications?unread=perhaps", wantStatus: 422,
			wantContains: []string{`"unread":`}},
		{name: "an answer needs an answer", role: registry.RoleOfficial, method: "POST", url: move, body: `{"to":"submitted"}`, wantStatus: 422,
			wantContains: []string{`"fields":{"note":`}},
		{name: "answer", role: registry.RoleOfficial, method: "POST", url: move, body: `{"to":"submitted","note":"رسانه‌های خارجی و سفارت‌ها."}`, wantStatus: 200,
			wantContains: []string{`"state":"submitted"`, `{"kind":"answer","body":"رسانه‌های خارجی و سفارت‌ها.","author":"official"`}},
		{name: "approval needs an end date", role: registry.RoleReviewer, method: "POST", url: move, body: `{"to":"approved"}`, wantStatus: 422,
			wantContains: []string{`"fields":{"valid_until":`}},
		{name: "approval beyond twelve months", role: registry.RoleReviewer, method: "POST", url: move, body: fmt.Sprintf(`{"to":"approved","valid_until":%q}`, tooLate), wantStatus: 422,
			wantContains: []string{`"fields":{"valid_until":"The exemption is too long`}},
		{name: "malformed end date", role: registry.RoleReviewer, method: "POST", url: move, body: `{"to":"approved","valid_until":"1404/03/10"}`, wantStatus: 422,
			wantContains: []string{`"fields":{"valid_until":"Enter a date as YYYY-MM-DD`}},
		{name: "approve", role: registry.RoleReviewer, method: "POST", url: move,
			body:       fmt.Sprintf(`{"to":"approved","valid_until":%q,"note":"تأیید شد.","conditions":"فقط اطلاع‌رسانی"}`, until),
			wantStatus: 200, wantContains: []string{`"state":"approved"`, reviewer, `"decision_note":"تأیید شد."`, `"next_states":[]`, `{"kind":"decision","body":"تأیید شد."`}},
		{name: "covered until that day", role: registry.RoleOfficial, method: "GET", url: coverage, wantStatus: 200,
			wantContains: []string{`"kind":"individual"`, fmt.Sprintf(`"until":%q`, until), `"group_exemption_id":null`, `"group_title":null`}, wantAbsent: []string{`"exemption_id":null`}},
		{name: "the account says so too", role: registry.RoleOfficial, method: "GET", url: fmt.Sprintf("/api/v1/accounts/%d", acc.ID), wantStatus: 200,
			wantContains: []string{fmt.Sprintf(`"coverage":{"kind":"individual","until":%q}`, until), `"closure_deadline":null`}},
		{name: "not covered before", role: registry.RoleOfficial, method: "GET", url: coverage + "?at=2020-01-01T00:00:00Z", wantStatus: 200,
			wantContains: []string{`"kind":"none"`, `"until":null`, `"at":"2020-01-01T00:00:00Z"`}},
		{name: "not covered after", role: registry.RoleOfficial, method: "GET", url: coverage + "?at=" + w.day(7, 0) + "T12:00:00%2B03:30", wantStatus: 200,
			wantContains: []string{`"kind":"none"`}},
		{name: "bad moment", role: registry.RoleOfficial, method: "GET", url: coverage + "?at=tomorrow", wantStatus: 422, wantContains: []string{`"fields":{"at":"Enter a moment`}},
		{name: "the liaison sees the coverage", role: registry.RoleLiaison, method: "GET", url: coverage, wantStatus: 200},
		{name: "an approved one is not moved", role: registry.RoleOfficial, method: "POST", url: move, body: `{"to":"withdrawn"}`, wantStatus: 409,
			wantContains: []string{`"code":"illegal_transition"`}},
		{name: "decided ones are listed", role: registry.RoleReviewer, method: "GET", url: "/api/v1/justifications?state=approved", wantStatus: 200,
			wantContains: []string{fmt.Sprintf(`"id":%d`, id)}},
		{name: "filters", role: registry.RoleReviewer, method: "GET", url: fmt.Sprintf("/api/v1/justifications?state=submitted&platform=x&grounds=job_necessity&agency_id=%d", f.Ministry.ID), wantStatus: 200,
			wantContains: []string{`"items":[]`}},
		{name: "bad filters", role: registry.RoleReviewer, method: "GET", url: "/api/v1/justifications?state=lost&grounds=boredom&older_than=0", wantStatus: 422,
			wantContains: []string{`"state":`, `"grounds":`, `"older_than":`}},
	})

	// The exemption: listed, then revoked with a reason, which sets the
	// account's closure deadline.
	ids := listIDs(t, w.call(registry.RoleOfficial, "GET", fmt.Sprintf("/api/v1/exemptions?account_id=%d", acc.ID), "", 200))
	if len(ids) != 1 {
		t.Fatalf("exemptions %v", ids)
	}
	ex := fmt.Sprintf("/api/v1/exemptions/%d", ids[0])
	w.run(t, []apiCase{
		{name: "the exemption", role: registry.RoleOfficial, method: "GET", url: ex, wantStatus: 200,
			wantContains: []string{fmt.Sprintf(`"justification_id":%d`, id), fmt.Sprintf(`"valid_from":%q`, w.day(0, 0)), fmt.Sprintf(`"valid_until":%q`, until),
				`"conditions":"فقط اطلاع‌رسانی"`, `"revoked_at":null`}},
		{name: "valid tomorrow", role: registry.RoleReviewer, method: "GET", url: "/api/v1/exemptions?valid_at=" + w.day(0, 1) + "T12:00:00Z", wantStatus: 200,
			wantContains: []string{fmt.Sprintf(`"id":%d`, ids[0])}},
		{name: "ending soon", role: registry.RoleReviewer, method: "GET", url: "/api/v1/exemptions?ends_by=" + w.day(1, 0), wantStatus: 200,
			wantContains: []string{`"items":[]`}},
		{name: "officials do not revoke", role: registry.RoleOfficial, method: "POST", url: ex + "/revoke", body: `{"reason":"x"}`, wantStatus: 403},
		{name: "revocation needs a reason", role: registry.RoleReviewer, method: "POST", url: ex + "/revoke", body: `{"reason":"  "}`, wantStatus: 422,
			wantContains: []string{`"fields":{"reason":`}},
		{name: "revoke", role: registry.RoleReviewer, method: "POST", url: ex + "/revoke", body: `{"reason":"نقض شرایط"}`, wantStatus: 200,
			wantContains: []string{`"revoke_reason":"نقض شرایط"`}, wantAbsent: []string{`"revoked_at":null`}},
		{name: "revoke twice", role: registry.RoleReviewer, method: "POST", url: ex + "/revoke", body: `{"reason":"again"}`, wantStatus: 409,
			wantContains: []string{`"code":"conflict"`}},
		{name: "closure deadline set", role: registry.RoleReviewer, method: "GET", url: fmt.Sprintf("/api/v1/accounts/%d", acc.ID), wantStatus: 200,
			wantContains: []string{fmt.Sprintf(`"closure_deadline":%q`, w.day(0, 30)), `"coverage":{"kind":"none","until":null}`}},
		{name: "no longer covered", role: registry.RoleOfficial, method: "GET", url: coverage, wantStatus: 200, wantContains: []string{`"kind":"none"`}},
		{name: "told of the revocation", role: registry.RoleOfficial, method: "GET", url: "/api/v1/notifications?unread=true", wantStatus: 200,
			wantContains: []string{`"kind":"approved"`, `"kind":"revoked"`, `"entity":"exemption"`}},
		{name: "read one", role: registry.RoleOfficial, method: "POST", url: "/api/v1/notifications/read", body: `{"id":0}`, wantStatus: 422},
		{name: "read all without a body", role: registry.RoleOfficial, method: "POST", url: "/api/v1/notifications/read", wantStatus: 200,
			wantContains: []string{`{"unread":0}`}},
		{name: "missing exemption", role: registry.RoleReviewer, method: "GET", url: "/api/v1/exemptions/9999", wantStatus: 404},
	})
}

// TestAPIWorkflowRules: who may file, decide, read; the refusals with
// their reasons.
func TestAPIWorkflowRules(t *testing.T) {
	w := newAPIWorld(t)
	f := w.f
	own := w.account(registry.AccountInput{URL: "https://x.com/alireza_m", Capacity: registry.CapacityPersonal, OfficialID: f.Official.ID})
	office := w.account(registry.AccountInput{URL: "https://instagram.com/shiraz_president", Capacity: registry.CapacityOffice, OfficialID: f.Official.ID})
	other := w.account(registry.AccountInput{URL: "https://t.me/energy_deputy", Capacity: registry.CapacityOffice, OfficialID: f.OtherOfficial.ID})
	domestic := w.account(registry.AccountInput{URL: "https://eitaa.com/alireza_m", Capacity: registry.CapacityPersonal, OfficialID: f.Official.ID})
	inst := w.account(registry.AccountInput{URL: "https://x.com/energy_ministry", Capacity: registry.CapacityInstitutional, AgencyID: f.Other.ID})
	health := w.account(registry.AccountInput{URL: "https://x.com/health_ministry", Capacity: registry.CapacityInstitutional, AgencyID: f.Ministry.ID})
	second := w.account(registry.AccountInput{URL: "https://x.com/alireza_second", Capacity: registry.CapacityPersonal, OfficialID: f.Official.ID})

	// The administrator files and submits a case, then may not decide it.
	adminCase := w.create(registry.RoleAdmin, "justifications", fileBody(inst.ID, "media_monitoring"))
	adminMove := fmt.Sprintf("/api/v1/justifications/%d/transitions", adminCase)
	w.call(registry.RoleAdmin, "POST", adminMove, `{"to":"submitted"}`, 200)
	// The official's case, submitted.
	offCase := w.create(registry.RoleOfficial, "justifications", fileBody(own.ID, "job_necessity"))
	offOne := fmt.Sprintf("/api/v1/justifications/%d", offCase)
	w.call(registry.RoleOfficial, "POST", offOne+"/transitions", `{"to":"submitted"}`, 200)
	// A draft to delete.
	draft := w.create(registry.RoleLiaison, "justifications", fileBody(office.ID, "other"))
	until := w.day(3, 0)
	// An exemption, and a case waiting for a decision.
	approved := w.create(registry.RoleAdmin, "justifications", fileBody(health.ID, "media_monitoring"))
	w.call(registry.RoleAdmin, "POST", fmt.Sprintf("/api/v1/justifications/%d/transitions", approved), `{"to":"submitted"}`, 200)
	w.call(registry.RoleReviewer, "POST", fmt.Sprintf("/api/v1/justifications/%d/transitions", approved), fmt.Sprintf(`{"to":"approved","valid_until":%q}`, until), 200)
	exemptions := listIDs(t, w.call(registry.RoleAuditor, "GET", fmt.Sprintf("/api/v1/exemptions?account_id=%d", health.ID), "", 200))
	if len(exemptions) != 1 {
		t.Fatalf("exemptions %v", exemptions)
	}
	waiting := w.create(registry.RoleOfficial, "justifications", fileBody(second.ID, "job_necessity"))
	waitingMove := fmt.Sprintf("/api/v1/justifications/%d/transitions", waiting)
	w.call(registry.RoleOfficial, "POST", waitingMove, `{"to":"submitted"}`, 200)

	// Each sees the cases of their own scope.
	for _, tc := range []struct {
		role registry.Role
		want []int64 // newest first
	}{
		{registry.RoleOfficial, []int64{waiting, draft, offCase}},
		{registry.RoleLiaison, []int64{waiting, approved, draft, offCase}},
		{registry.RoleReviewer, []int64{waiting, approved, draft, offCase, adminCase}},
		{registry.RoleAuditor, []int64{waiting, approved, draft, offCase, adminCase}},
	} {
		if got := listIDs(t, w.call(tc.role, "GET", "/api/v1/justifications", "", 200)); !slices.Equal(got, tc.want) {
			t.Errorf("%s sees %v, want %v", tc.role, got, tc.want)
		}
	}

	cases := []apiCase{
		{name: "self-decision", role: registry.RoleAdmin, method: "POST", url: adminMove, body: fmt.Sprintf(`{"to":"approved","valid_until":%q}`, until), wantStatus: 403,
			wantContains: []string{`"code":"forbidden"`, `"message":"You filed this justification, so another reviewer must decide it."`}},
		{name: "self-question", role: registry.RoleAdmin, method: "POST", url: adminMove, body: `{"to":"info_requested","note":"?"}`, wantStatus: 403,
			wantContains: []string{`"message":"You filed this justification`}},
		{name: "the filer sees no decision", role: registry.RoleAdmin, method: "GET", url: fmt.Sprintf("/api/v1/justifications/%d", adminCase), wantStatus: 200,
			wantContains: []string{`"next_states":["withdrawn"]`}},
		{name: "another reviewer decides", role: registry.RoleReviewer, method: "POST", url: adminMove, body: `{"to":"rejected","note":"دلیل کافی نیست."}`, wantStatus: 200,
			wantContains: []string{`"state":"rejected"`, `"decision_note":"دلیل کافی نیست."`}},
		{name: "a refusal sets the closure deadline", role: registry.RoleAdmin, method: "GET", url: fmt.Sprintf("/api/v1/accounts/%d", inst.ID), wantStatus: 200,
			wantContains: []string{fmt.Sprintf(`"closure_deadline":%q`, w.day(0, 30))}},
		{name: "a refusal needs a reason", role: registry.RoleReviewer, method: "POST", url: offOne + "/transitions", body: `{"to":"rejected"}`, wantStatus: 422,
			wantContains: []string{`"fields":{"note":`}},
		{name: "official cannot approve", role: registry.RoleOfficial, method: "POST", url: offOne + "/transitions", body: fmt.Sprintf(`{"to":"approved","valid_until":%q}`, until), wantStatus: 403},
		{name: "domestic account", role: registry.RoleOfficial, method: "POST", url: "/api/v1/justifications", body: fileBody(domestic.ID, "other"), wantStatus: 422,
			wantContains: []string{`"code":"validation_failed"`, `"fields":{"account_id":"Justifications are for accounts on foreign platforms`}},
		{name: "unknown account", role: registry.RoleAdmin, method: "POST", url: "/api/v1/justifications", body: fileBody(99999, "other"), wantStatus: 422,
			wantContains: []string{`"account_id":`}},
		{name: "bad grounds and no statement", role: registry.RoleOfficial, method: "POST", url: "/api/v1/justifications", body: fmt.Sprintf(`{"account_id":%d,"grounds":"fun"}`, own.ID), wantStatus: 422,
			wantContains: []string{`"grounds":`, `"statement":`}},
		{name: "second open justification", role: registry.RoleOfficial, method: "POST", url: "/api/v1/justifications", body: fileBody(own.ID, "other"), wantStatus: 409,
			wantContains: []string{`"code":"conflict"`, `"fields":{"account_id":"This account already has a justification in progress`}},
		{name: "official files for another official", role: registry.RoleOfficial, method: "POST", url: "/api/v1/justifications", body: fileBody(other.ID, "other"), wantStatus: 403},
		{name: "liaison files for their agency's official, who has a case open", role: registry.RoleLiaison, method: "POST", url: "/api/v1/justifications", body: fileBody(own.ID, "other"), wantStatus: 409},
		{name: "liaison files for another agency's official", role: registry.RoleLiaison, method: "POST", url: "/api/v1/justifications", body: fileBody(other.ID, "other"), wantStatus: 403,
			wantContains: []string{`"code":"forbidden"`}},
		{name: "liaison reads another agency's case", role: registry.RoleLiaison, method: "GET", url: fmt.Sprintf("/api/v1/justifications/%d", adminCase), wantStatus: 403},
		{name: "official reads another's case", role: registry.RoleOfficial, method: "GET", url: fmt.Sprintf("/api/v1/justifications/%d", adminCase), wantStatus: 403},
		{name: "official withdraws", role: registry.RoleOfficial, method: "POST", url: offOne + "/transitions", body: `{"to":"withdrawn","note":"دیگر لازم نیست."}`, wantStatus: 200,
			wantContains: []string{`"state":"withdrawn"`, `{"kind":"withdrawal","body":"دیگر لازم نیست."`}},
		{name: "after withdrawal a new one may be filed", role: registry.RoleLiaison, method: "POST", url: "/api/v1/justifications", body: fileBody(own.ID, "other"), wantStatus: 201,
			wantContains: []string{`"state":"draft"`, fmt.Sprintf(`"filed_by":%d`, f.Users[registry.RoleLiaison].ID)}},
		{name: "official deletes a draft the liaison filed", role: registry.RoleOfficial, method: "DELETE", url: fmt.Sprintf("/api/v1/justifications/%d", draft), wantStatus: 204},
		{name: "the draft is gone", role: registry.RoleOfficial, method: "GET", url: fmt.Sprintf("/api/v1/justifications/%d", draft), wantStatus: 404},
		{name: "missing justification", role: registry.RoleReviewer, method: "POST", url: "/api/v1/justifications/99999/transitions", body: `{"to":"submitted"}`, wantStatus: 404},
	}
	// The auditor reads everything and changes nothing.
	group := w.create(registry.RoleReviewer, "group-exemptions", `{"title":"پایش رسانه","legal_ref":"۱۲۳/الف","legal_date":"2024-01-01","valid_from":"2024-01-01"}`)
	directive := w.create(registry.RoleAdmin, "directives", `{"title":"Presence rules","reference":"D-1","kind":"presence","notified_on":"2024-01-01","window_months":6}`)
	ex := fmt.Sprintf("/api/v1/exemptions/%d", exemptions[0])
	gr := fmt.Sprintf("/api/v1/group-exemptions/%d", group)
	dir := fmt.Sprintf("/api/v1/directives/%d", directive)
	for _, u := range []string{"/api/v1/justifications", fmt.Sprintf("/api/v1/justifications/%d", adminCase), "/api/v1/exemptions", ex, "/api/v1/group-exemptions", gr,
		gr + "/accounts", "/api/v1/directives", dir, "/api/v1/notifications", fmt.Sprintf("/api/v1/accounts/%d/coverage", own.ID)} {
		cases = append(cases, apiCase{name: "auditor reads " + u, role: registry.RoleAuditor, method: "GET", url: u, wantStatus: 200})
	}
	writes := []struct{ method, url, body string }{
		{"POST", "/api/v1/justifications", fileBody(office.ID, "other")},
		{"PATCH", fmt.Sprintf("/api/v1/justifications/%d", adminCase), `{"statement":"x"}`},
		{"DELETE", fmt.Sprintf("/api/v1/justifications/%d", adminCase), ""},
		{"POST", waitingMove, `{"to":"withdrawn"}`},
		{"POST", waitingMove, `{"to":"info_requested","note":"x"}`},
		{"POST", waitingMove, fmt.Sprintf(`{"to":"approved","valid_until":%q}`, until)},
		{"POST", ex + "/revoke", `{"reason":"x"}`},
		{"POST", "/api/v1/group-exemptions", `{"title":"x","legal_ref":"1","legal_date":"2024-01-01","valid_from":"2024-01-01"}`},
		{"PATCH", gr, `{"title":"y"}`},
		{"POST", gr + "/revoke", `{"reason":"x"}`},
		{"POST", "/api/v1/directives", `{"title":"x","reference":"y","kind":"other","notified_on":"2024-01-01","window_months":2}`},
		{"POST", dir + "/amendments", `{"reference":"y","dated_on":"2024-02-01","window_months":3}`},
		{"POST", fmt.Sprintf("/api/v1/officials/%d/leave", f.OtherOfficial.ID), `{"left_on":"2024-06-01"}`},
	}
	for _, wr := range writes {
		cases = append(cases, apiCase{name: "auditor " + wr.method + " " + wr.url, role: registry.RoleAuditor, method: wr.method, url: wr.url, body: wr.body,
			wantStatus: 403, wantContains: []string{`"code":"forbidden"`}})
	}
	w.run(t, cases)
}

// TestAPIGroupExemptions: a group exemption covers exactly the accounts in
// its scope.
func TestAPIGroupExemptions(t *testing.T) {
	w := newAPIWorld(t)
	f := w.f
	covered := w.account(registry.AccountInput{URL: "https://x.com/shiraz_office", Capacity: registry.CapacityOffice, OfficialID: f.Official.ID})
	personal := w.account(registry.AccountInput{URL: "https://x.com/alireza_m", Capacity: registry.CapacityPersonal, OfficialID: f.Official.ID})
	telegram := w.account(registry.AccountInput{URL: "https://t.me/shiraz_office", Capacity: registry.CapacityOffice, OfficialID: f.Official.ID})
	elsewhere := w.account(registry.AccountInput{URL: "https://x.com/energy_deputy", Capacity: registry.CapacityOffice, OfficialID: f.OtherOfficial.ID})
	inst := w.account(registry.AccountInput{URL: "https://x.com/min_health", Capacity: registry.CapacityInstitutional, AgencyID: f.Ministry.ID})
	body := fmt.Sprintf(`{"title":"روابط عمومی و پایش رسانه","legal_ref":"۱۴۰۲/۵۵","legal_date":"2024-01-10","valid_from":"2024-01-10",
		"scope":{"agencies":[{"id":%d,"include_sub":true}],"capacities":["office"],"platforms":["x"],"ranks":[2]}}`, f.Ministry.ID)
	id := w.create(registry.RoleReviewer, "group-exemptions", body)
	one := fmt.Sprintf("/api/v1/group-exemptions/%d", id)
	w.run(t, []apiCase{
		{name: "get", role: registry.RoleOfficial, method: "GET", url: one, wantStatus: 200,
			wantContains: []string{`"title":"روابط عمومی و پایش رسانه"`, `"legal_date":"2024-01-10"`, `"valid_from":"2024-01-10"`, `"valid_until":null`,
				fmt.Sprintf(`"scope":{"agencies":[{"id":%d,"include_sub":true}],"ranks":[2],"positions":[],"platforms":["x"],"categories":[],"capacities":["office"]}`, f.Ministry.ID)}},
		{name: "list", role: registry.RoleLiaison, method: "GET", url: "/api/v1/group-exemptions", wantStatus: 200, wantContains: []string{fmt.Sprintf(`"id":%d`, id)}},
		{name: "covered account", role: registry.RoleOfficial, method: "GET", url: fmt.Sprintf("/api/v1/accounts/%d/coverage", covered.ID), wantStatus: 200,
			wantContains: []string{`"kind":"group"`, `"until":null`, fmt.Sprintf(`"group_exemption_id":%d`, id), `"group_title":"روابط عمومی و پایش رسانه"`, `"exemption_id":null`}},
		{name: "personal account not covered", role: registry.RoleOfficial, method: "GET", url: fmt.Sprintf("/api/v1/accounts/%d/coverage", personal.ID), wantStatus: 200,
			wantContains: []string{`"kind":"none"`}},
		{name: "liaison may not write", role: registry.RoleLiaison, method: "POST", url: "/api/v1/group-exemptions", body: body, wantStatus: 403},
		{name: "official may not write", role: registry.RoleOfficial, method: "PATCH", url: one, body: `{"title":"x"}`, wantStatus: 403},
		{name: "bad scope", role: registry.RoleReviewer, method: "POST", url: "/api/v1/group-exemptions",
			body:       `{"title":"x","legal_ref":"1","legal_date":"2024-01-01","valid_from":"2024-01-01","scope":{"ranks":[9],"platforms":["myspace"],"capacities":["boss"],"agencies":[{"id":9999}]}}`,
			wantStatus: 422, wantContains: []string{`"scope.ranks":`, `"scope.platforms":`, `"scope.capacities":`, `"scope.agencies":`}},
		{name: "missing fields", role: registry.RoleReviewer, method: "POST", url: "/api/v1/group-exemptions", body: `{"valid_until":"2023-01-01"}`, wantStatus: 422,
			wantContains: []string{`"title":`, `"legal_ref":`, `"legal_date":`, `"valid_from":`}},
		{name: "end before start", role: registry.RoleReviewer, method: "PATCH", url: one, body: `{"valid_until":"2023-01-01"}`, wantStatus: 422,
			wantContains: []string{`"valid_until":`}},
		{name: "bad bounds", role: registry.RoleReviewer, method: "GET", url: one + "/accounts?per_page=0", wantStatus: 422},
		{name: "missing group", role: registry.RoleReviewer, method: "GET", url: "/api/v1/group-exemptions/9999/accounts", wantStatus: 404},
	})
	coveredIDs := func(role registry.Role) []int64 {
		return listIDs(t, w.call(role, "GET", one+"/accounts", "", 200))
	}
	if got := coveredIDs(registry.RoleReviewer); !slices.Equal(got, []int64{covered.ID}) {
		t.Errorf("covered %v, want only %d (not %d, %d, %d, %d)", got, covered.ID, personal.ID, telegram.ID, elsewhere.ID, inst.ID)
	}
	if got := coveredIDs(registry.RoleOfficial); !slices.Equal(got, []int64{covered.ID}) {
		t.Errorf("official sees covered %v", got)
	}
	// Widen the scope to every capacity and platform of the subtree: the
	// other agency's account stays out.
	w.call(registry.RoleReviewer, "PATCH", one, fmt.Sprintf(`{"scope":{"agencies":[{"id":%d,"include_sub":true}]}}`, f.Ministry.ID), 200)
	if got := coveredIDs(registry.RoleAdmin); !slices.Equal(got, []int64{inst.ID, telegram.ID, personal.ID, covered.ID}) {
		t.Errorf("widened: covered %v", got)
	}
	// Paged, newest first.
	first := w.call(registry.RoleAdmin, "GET", one+"/accounts?per_page=3", "", 200)
	var page struct {
		NextCursor string `json:"next_cursor"`
	}
	if err := json.Unmarshal([]byte(first), &page); err != nil || page.NextCursor == "" {
		t.Fatalf("first page: %s", first)
	}
	if got := listIDs(t, w.call(registry.RoleAdmin, "GET", one+"/accounts?per_page=3&cursor="+page.NextCursor, "", 200)); !slices.Equal(got, []int64{covered.ID}) {
		t.Errorf("second page %v", got)
	}
	// Without sub-agencies: the province's accounts are out, the ministry's in.
	w.call(registry.RoleReviewer, "PATCH", one, fmt.Sprintf(`{"scope":{"agencies":[{"id":%d,"include_sub":false}]},"title":"فقط ستاد"}`, f.Ministry.ID), 200)
	if got := coveredIDs(registry.RoleAdmin); !slices.Equal(got, []int64{inst.ID}) {
		t.Errorf("ministry only: covered %v", got)
	}
	w.run(t, []apiCase{
		{name: "revoke needs a reason", role: registry.RoleReviewer, method: "POST", url: one + "/revoke", body: `{}`, wantStatus: 422, wantContains: []string{`"reason":`}},
		{name: "revoke", role: registry.RoleReviewer, method: "POST", url: one + "/revoke", body: `{"reason":"قانون لغو شد"}`, wantStatus: 200,
			wantContains: []string{`"title":"فقط ستاد"`, `"revoke_reason":"قانون لغو شد"`}, wantAbsent: []string{`"revoked_at":null`}},
		{name: "revoke twice", role: registry.RoleReviewer, method: "POST", url: one + "/revoke", body: `{"reason":"again"}`, wantStatus: 409},
		{name: "a revoked group covers nothing", role: registry.RoleAdmin, method: "GET", url: one + "/accounts", wantStatus: 200, wantContains: []string{`"items":[]`}},
		{name: "coverage ends", role: registry.RoleAdmin, method: "GET", url: fmt.Sprintf("/api/v1/accounts/%d/coverage", inst.ID), wantStatus: 200,
			wantContains: []string{`"kind":"none"`}},
	})
}

// TestAPIDirectives: the privacy directive, notified 2024-01-17 with two
// months, amended to four: the deadline moves to 2024-05-17.
func TestAPIDirectives(t *testing.T) {
	w := newAPIWorld(t)
	id := w.create(registry.RoleAdmin, "directives", `{"title":"دستورالعمل حریم خصوصی","reference":"۱۴۰۲/۱۰/۲۷-الف","kind":"privacy","notified_on":"2024-01-17","window_months":2}`)
	one := fmt.Sprintf("/api/v1/directives/%d", id)
	w.run(t, []apiCase{
		{name: "created", role: registry.RoleOfficial, method: "GET", url: one, wantStatus: 200,
			wantContains: []string{`"kind":"privacy"`, `"notified_on":"2024-01-17"`, `"window_months":2`, `"window_in_force":2`, `"deadline":"2024-03-17"`, `"amendments":[]`}},
		{name: "reviewer may not amend", role: registry.RoleReviewer, method: "POST", url: one + "/amendments", body: `{"reference":"x","dated_on":"2024-02-01","window_months":4}`, wantStatus: 403},
		{name: "amendment before the notice", role: registry.RoleAdmin, method: "POST", url: one + "/amendments", body: `{"reference":"x","dated_on":"2023-12-01","window_months":4}`, wantStatus: 422,
			wantContains: []string{`"fields":{"dated_on":`}},
		{name: "amendment window out of range", role: registry.RoleAdmin, method: "POST", url: one + "/amendments", body: `{"reference":"x","dated_on":"2024-02-01","window_months":0}`, wantStatus: 422,
			wantContains: []string{`"window_months":`}},
		{name: "amend", role: registry.RoleAdmin, method: "POST", url: one + "/amendments", body: `{"reference":"۱۴۰۲/۱۱/۳۰-ب","dated_on":"2024-02-19","window_months":4,"note":"تمدید مهلت"}`, wantStatus: 200,
			wantContains: []string{`"window_months":2`, `"window_in_force":4`, `"deadline":"2024-05-17"`,
				`"amendments":[{"id":`, `"reference":"۱۴۰۲/۱۱/۳۰-ب","dated_on":"2024-02-19","window_months":4,"note":"تمدید مهلت"}]`}},
		{name: "listed", role: registry.RoleLiaison, method: "GET", url: "/api/v1/directives", wantStatus: 200,
			wantContains: []string{`"deadline":"2024-05-17"`, `"next_cursor":""`}},
		{name: "reviewer may not create", role: registry.RoleReviewer, method: "POST", url: "/api/v1/directives", body: `{"title":"x","reference":"y","kind":"other","notified_on":"2024-01-01","window_months":2}`, wantStatus: 403},
		{name: "invalid", role: registry.RoleAdmin, method: "POST", url: "/api/v1/directives", body: `{"title":"x","kind":"law","notified_on":"17/01/2024","window_months":200}`, wantStatus: 422,
			wantContains: []string{`"notified_on":`}},
		{name: "invalid fields", role: registry.RoleAdmin, method: "POST", url: "/api/v1/directives", body: `{"title":"x","kind":"law","window_months":200}`, wantStatus: 422,
			wantContains: []string{`"reference":`, `"kind":`, `"notified_on":`, `"window_months":`}},
		{name: "missing", role: registry.RoleAdmin, method: "POST", url: "/api/v1/directives/9999/amendments", body: `{"reference":"x","dated_on":"2024-02-01","window_months":4}`, wantStatus: 404},
	})
}

// TestAPIOfficialLeave: an official leaves office; their office account,
// with its exemption, passes to the successor, their personal one stays.
func TestAPIOfficialLeave(t *testing.T) {
	w := newAPIWorld(t)
	f := w.f
	succ, err := w.store.CreateOfficial(t.Context(), registry.System, registry.OfficialInput{AgencyID: f.Province.ID, Name: "مهدی رضایی", Position: "رئیس دانشگاه", Rank: 2, Serving: true})
	if err != nil {
		t.Fatal(err)
	}
	office := w.account(registry.AccountInput{URL: "https://x.com/shiraz_pres", Capacity: registry.CapacityOffice, OfficialID: f.Official.ID})
	personal := w.account(registry.AccountInput{URL: "https://instagram.com/alireza.m", Capacity: registry.CapacityPersonal, OfficialID: f.Official.ID})
	// The office account has an exemption.
	j := w.create(registry.RoleOfficial, "justifications", fileBody(office.ID, "international_outreach"))
	move := fmt.Sprintf("/api/v1/justifications/%d/transitions", j)
	w.call(registry.RoleOfficial, "POST", move, `{"to":"submitted"}`, 200)
	until := w.day(6, 0)
	w.call(registry.RoleReviewer, "POST", move, fmt.Sprintf(`{"to":"approved","valid_until":%q}`, until), 200)
	leave := fmt.Sprintf("/api/v1/officials/%d/leave", f.Official.ID)
	w.run(t, []apiCase{
		{name: "liaison elsewhere may not", role: registry.RoleLiaison, method: "POST", url: fmt.Sprintf("/api/v1/officials/%d/leave", f.OtherOfficial.ID), body: `{"left_on":"2025-01-01"}`, wantStatus: 403},
		{name: "official may not", role: registry.RoleOfficial, method: "POST", url: leave, body: `{"left_on":"2025-01-01"}`, wantStatus: 403},
		{name: "needs a day", role: registry.RoleLiaison, method: "POST", url: leave, body: `{}`, wantStatus: 422, wantContains: []string{`"left_on":`}},
		{name: "no self-succession", role: registry.RoleLiaison, method: "POST", url: leave, body: fmt.Sprintf(`{"left_on":"2025-01-01","successor_id":%d}`, f.Official.ID), wantStatus: 422,
			wantContains: []string{`"successor_id":`}},
		{name: "unknown successor", role: registry.RoleLiaison, method: "POST", url: leave, body: `{"left_on":"2025-01-01","successor_id":99999}`, wantStatus: 422,
			wantContains: []string{`"successor_id":`}},
		{name: "missing official", role: registry.RoleAdmin, method: "POST", url: "/api/v1/officials/99999/leave", body: `{"left_on":"2025-01-01"}`, wantStatus: 404},
		{name: "leave with a successor", role: registry.RoleLiaison, method: "POST", url: leave, body: fmt.Sprintf(`{"left_on":"2025-01-01","successor_id":%d}`, succ.ID), wantStatus: 200,
			wantContains: []string{`"serving":false`, `"term_end":"2025-01-01"`, fmt.Sprintf(`"successor_id":%d`, succ.ID)}},
		{name: "leave twice", role: registry.RoleLiaison, method: "POST", url: leave, body: `{"left_on":"2025-01-02"}`, wantStatus: 422, wantContains: []string{`"left_on":`}},
		{name: "the office account is the successor's", role: registry.RoleAdmin, method: "GET", url: fmt.Sprintf("/api/v1/accounts/%d", office.ID), wantStatus: 200,
			wantContains: []string{fmt.Sprintf(`"official_id":%d`, succ.ID), fmt.Sprintf(`"holder":{"type":"official","id":%d,"name":"مهدی رضایی"}`, succ.ID),
				fmt.Sprintf(`"coverage":{"kind":"individual","until":%q}`, until)}},
		{name: "the personal account stays", role: registry.RoleAdmin, method: "GET", url: fmt.Sprintf("/api/v1/accounts/%d", personal.ID), wantStatus: 200,
			wantContains: []string{fmt.Sprintf(`"official_id":%d`, f.Official.ID)}},
		{name: "the former holder no longer sees the office account", role: registry.RoleOfficial, method: "GET", url: fmt.Sprintf("/api/v1/accounts/%d", office.ID), wantStatus: 403},
		{name: "the successor's agency is told", role: registry.RoleLiaison, method: "GET", url: "/api/v1/notifications", wantStatus: 200,
			wantContains: []string{`"kind":"handover"`, fmt.Sprintf(`"account_id":%d`, office.ID)}},
	})
}
