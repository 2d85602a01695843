package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"hozur/monitor"
	"hozur/registry"
)

var erasureURL = regexp.MustCompile(`^/erasure-requests/(\d+)$`)

// requestErasure posts the request form and expects the new request's page.
func requestErasure(t *testing.T, b *browser, form url.Values) string {
	t.Helper()
	status, loc, body := b.send("/erasure-requests", form)
	if status != http.StatusSeeOther || !erasureURL.MatchString(loc) {
		t.Fatalf("request erasure %v: status %d, location %q, body %.1500s", form, status, loc, body)
	}
	return loc
}

// TestErasureWorkflowPages walks a request through the pages: the official
// asks, the reviewer sees what argues for a hold, holds without and then
// with a reason, the official is told, and the reviewer erases; the
// official's pages, the justification and the audit trail then show
// "erased" where the name and the statement were.
func TestErasureWorkflowPages(t *testing.T) {
	w := newWF(t)
	f := w.f
	name := f.Official.Name
	// A justification with its statement, and an open high-severity flag
	// (a foreign account without exemption).
	off := w.signedIn(f, registry.RoleOfficial)
	just := w.file(off, w.acct.ID)
	if _, err := w.srv.mon.Scan(context.Background(), time.Now(), monitor.TriggerManual, nil); err != nil {
		t.Fatal(err)
	}

	// The official finds the form in the navigation and on the list.
	status, body := off.get("/erasure-requests")
	if status != http.StatusOK {
		t.Fatalf("list as official: %d", status)
	}
	mustContain(t, body, `id="erasure-nav"`, `href="/erasure-requests/new"`, msg(t, "fa", "erasure.empty"))
	status, body = off.get("/erasure-requests/new")
	if status != http.StatusOK {
		t.Fatalf("form as official: %d", status)
	}
	mustContain(t, body, `id="erasure-official"`, name, `id="f-scope-all"`, `id="f-scope-contact"`,
		msg(t, "fa", "erasure.scope.all.stays"), msg(t, "fa", "erasure.scope.contact.goes"))
	mustNotContain(t, body, `name="official_id"`)

	// No scope: 422 with the field's message in Persian.
	status, _, body = off.send("/erasure-requests", url.Values{"details": {"لطفاً"}})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("no scope: status %d", status)
	}
	mustContain(t, body, `id="e-scope"`, msg(t, "fa", "error.choose"), "لطفاً")
	page := requestErasure(t, off, url.Values{"scope": {"all"}, "details": {"همه را پاک کنید."}})
	reqID := pageID(t, page)
	// A second open request is refused on the form.
	status, _, body = off.send("/erasure-requests", url.Values{"scope": {"contact"}})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("second request: status %d", status)
	}
	mustContain(t, body, msg(t, "fa", "erasure.open_exists"))

	// The reviewer: blockers as warnings, the two forms, what erasing does.
	rev := w.signedIn(f, registry.RoleReviewer)
	status, body = rev.get(page)
	if status != http.StatusOK {
		t.Fatalf("request as reviewer: %d", status)
	}
	mustContain(t, body, `id="blockers"`, msg(t, "fa", "erasure.blocker_flags"), msg(t, "fa", "erasure.blocker_serving"),
		`id="erase-form"`, `id="hold-form"`, `data-confirm="`+msg(t, "fa", "erasure.confirm.all", "name", isolate(name)), "همه را پاک کنید.",
		msg(t, "fa", "erasure.state.pending"))

	// A hold needs its reason.
	status, _, body = rev.send(page+"/decision", url.Values{"decision": {"hold"}})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("hold without reason: status %d", status)
	}
	mustContain(t, body, `id="e-reason"`, msg(t, "fa", "erasure.reason_required"))
	status, loc, _ := rev.send(page+"/decision", url.Values{"decision": {"hold"}, "reason": {"پروندهٔ باز در دادگاه"}})
	if status != http.StatusSeeOther || loc != page {
		t.Fatalf("hold: status %d, location %q", status, loc)
	}

	// The official is told, and sees the hold and its reason.
	_, body = off.get("/notifications")
	mustContain(t, body, msg(t, "fa", "notification.erasure_held", "n", reqID), `href="`+page+`"`, msg(t, "fa", "notification.kind.erasure_held"))
	_, body = off.get("/erasure-requests?state=held")
	mustContain(t, body, `href="`+page+`"`, msg(t, "fa", "erasure.state.held"))
	_, body = off.get("/erasure-requests?state=completed")
	mustNotContain(t, body, `href="`+page+`"`)
	_, body = off.get(page)
	mustContain(t, body, "پروندهٔ باز در دادگاه", `id="decided-at"`)
	mustNotContain(t, body, `id="erase-form"`, `id="hold-form"`)

	// The reviewer erases.
	status, loc, _ = rev.send(page+"/decision", url.Values{"decision": {"erase"}})
	if status != http.StatusSeeOther || loc != page {
		t.Fatalf("erase: status %d, location %q", status, loc)
	}
	_, body = off.get("/notifications")
	mustContain(t, body, msg(t, "fa", "notification.erasure_completed", "n", reqID))
	// Done once: a second decision is refused with a reason.
	if status, loc, _ = rev.send(page+"/decision", url.Values{"decision": {"hold"}, "reason": {"x"}}); status != http.StatusSeeOther || loc != page {
		t.Fatalf("second decision: status %d, location %q", status, loc)
	}
	_, body = rev.get(page)
	mustContain(t, body, msg(t, "fa", "erasure.already_completed"), msg(t, "fa", "erasure.state.completed"))
	mustNotContain(t, body, `id="erase-form"`, "همه را پاک کنید.")

	erased := msg(t, "fa", "erasure.erased")
	admin := w.signedIn(f, registry.RoleAdmin)
	for _, path := range []string{"/officials/" + id(f.Official.ID), "/officials", page, just, fmt.Sprintf("/audit?entity=official&entity_id=%d", f.Official.ID)} {
		status, body := admin.get(path)
		if status != http.StatusOK {
			t.Fatalf("%s after erasure: %d", path, status)
		}
		mustContain(t, body, erased)
		mustNotContain(t, body, name, "اطلاع‌رسانی به مخاطبان بین‌المللی دانشگاه", registry.ErasedMark)
	}
	_, body = admin.get("/officials/" + id(f.Official.ID))
	mustContain(t, body, `id="official-erased"`, f.Official.Position)
	mustNotContain(t, body, `id="request-erasure"`)
	_, body = admin.get(just)
	mustContain(t, body, `id="statement-erased"`)
	// The trail records the request and the decisions.
	_, body = admin.get(fmt.Sprintf("/audit?entity=erasure&entity_id=%d", reqID))
	mustContain(t, body, msg(t, "fa", "audit.action.request"), msg(t, "fa", "audit.action.hold"), msg(t, "fa", "audit.action.erase"))
}

// TestErasurePermissions: who may ask, see and decide, through the pages.
func TestErasurePermissions(t *testing.T) {
	e := newTestEnv(t)
	f := e.fixture()
	ctx := context.Background()
	other, err := e.store.RequestErasure(ctx, registry.System, registry.ErasureInput{OfficialID: f.OtherOfficial.ID, Scope: registry.ErasureContact})
	if err != nil {
		t.Fatal(err)
	}
	otherPage := "/erasure-requests/" + id(other.ID)

	// The liaison asks for an official of their subtree, not for another
	// ministry's, and never sees that one's requests.
	liaison := e.signedIn(f, registry.RoleLiaison)
	if status, _ := liaison.get("/erasure-requests/new?official_id=" + id(f.OtherOfficial.ID)); status != http.StatusForbidden && status != http.StatusNotFound {
		t.Errorf("liaison form for another ministry's official: %d", status)
	}
	if status, _, _ := liaison.send("/erasure-requests", url.Values{"official_id": {id(f.OtherOfficial.ID)}, "scope": {"all"}}); status != http.StatusForbidden {
		t.Errorf("liaison request for another ministry's official: %d", status)
	}
	if status, _ := liaison.get(otherPage); status != http.StatusNotFound {
		t.Errorf("liaison sees another ministry's request: %d", status)
	}
	status, body := liaison.get("/erasure-requests/new?official_id=" + id(f.Official.ID))
	if status != http.StatusOK {
		t.Fatalf("liaison form: %d", status)
	}
	mustContain(t, body, f.Official.Name, `name="official_id" value="`+id(f.Official.ID)+`"`)
	own := requestErasure(t, liaison, url.Values{"official_id": {id(f.Official.ID)}, "scope": {"contact"}})
	_, body = liaison.get("/erasure-requests")
	mustContain(t, body, `href="`+own+`"`)
	mustNotContain(t, body, `href="`+otherPage+`"`)
	_, body = liaison.get("/officials/" + id(f.Official.ID))
	mustContain(t, body, `href="/erasure-requests/new?official_id=`+id(f.Official.ID)+`"`)

	// The auditor reads, and may not decide.
	auditor := e.signedIn(f, registry.RoleAuditor)
	status, body = auditor.get(own)
	if status != http.StatusOK {
		t.Fatalf("auditor reads: %d", status)
	}
	mustNotContain(t, body, `id="erase-form"`, `id="hold-form"`, `href="/erasure-requests/new"`)
	if status, _, _ := auditor.send(own+"/decision", url.Values{"decision": {"erase"}}); status != http.StatusForbidden {
		t.Errorf("auditor decided: %d", status)
	}
	// The official may not decide their own; reviewers do not file.
	official := e.signedIn(f, registry.RoleOfficial)
	if status, _, _ := official.send(own+"/decision", url.Values{"decision": {"erase"}}); status != http.StatusForbidden {
		t.Errorf("official decided: %d", status)
	}
	if status, _ := official.get(otherPage); status != http.StatusNotFound {
		t.Errorf("official sees another's request: %d", status)
	}
	reviewer := e.signedIn(f, registry.RoleReviewer)
	if status, _ := reviewer.get("/erasure-requests/new"); status != http.StatusForbidden {
		t.Errorf("reviewer form: %d", status)
	}
	_, body = reviewer.get("/officials/" + id(f.Official.ID))
	mustNotContain(t, body, `id="request-erasure"`)
	got, err := e.store.ErasureRequestOf(ctx, registry.System, pageID(t, own))
	if err != nil || got.State != registry.ErasurePending {
		t.Fatalf("the request after refused decisions: %+v %v", got, err)
	}

	// Bad input is a 422 with messages in the reader's language, never a 500.
	admin := e.signedIn(f, registry.RoleAdmin)
	cases := []struct {
		name, lang string
		form       url.Values
		field, key string
	}{
		{"no official", "fa", url.Values{"scope": {"all"}}, "official_id", "erasure.official_required"},
		{"not a number", "fa", url.Values{"official_id": {"abc"}, "scope": {"all"}}, "official_id", "error.invalid"},
		{"no such official", "fa", url.Values{"official_id": {"99999"}, "scope": {"all"}}, "official_id", "error.not_found"},
		{"unknown scope", "fa", url.Values{"official_id": {id(f.OtherOfficial.ID)}, "scope": {"everything"}}, "scope", "error.choose"},
		{"open request, in English", "en", url.Values{"official_id": {id(f.OtherOfficial.ID)}, "scope": {"all"}}, "official_id", "erasure.open_exists"},
		{"too long", "en", url.Values{"official_id": {id(f.Official.ID)}, "scope": {"all"}, "details": {strings.Repeat("x", 2001)}}, "details", "error.too_long"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			admin.setLang(tc.lang)
			status, _, body := admin.send("/erasure-requests", tc.form)
			if status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, body %.800s", status, body)
			}
			mustContain(t, body, `href="#f-`+tc.field+`"`, msg(t, tc.lang, tc.key))
		})
	}
	admin.setLang("fa")
	if status, _, body := admin.send(own+"/decision", url.Values{"decision": {"maybe"}}); status != http.StatusUnprocessableEntity {
		t.Errorf("unknown decision: %d %.500s", status, body)
	}
	if status, _ := admin.get("/erasure-requests?state=lost"); status != http.StatusUnprocessableEntity {
		t.Errorf("unknown state filter: %d", status)
	}
	if status, _ := admin.get("/erasure-requests/99999"); status != http.StatusNotFound {
		t.Errorf("missing request: %d", status)
	}
}

// TestErasureAPI: a request's round trip through the API, every answer
// checked against the OpenAPI document.
func TestErasureAPI(t *testing.T) {
	w := newAPIWorld(t)
	doc := loadOpenAPI(t, w.testEnv)
	f := w.f
	if _, err := w.store.UpdateOfficial(context.Background(), registry.System, f.Official.ID, registry.OfficialInput{AgencyID: f.Province.ID,
		Name: f.Official.Name, Position: f.Official.Position, Rank: 2, Serving: true, Email: "a.mohammadi@example.ir", Phone: "+989121112233"}); err != nil {
		t.Fatal(err)
	}
	var reqID int64
	call := func(role registry.Role, method, tmpl, path, body string, want int) string {
		t.Helper()
		resp, out := w.do(role, method, path, body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s as %s: %d, want %d: %s", method, path, role, resp.StatusCode, want, out)
		}
		if err := validateResponse(t, doc, method, tmpl, path, resp.StatusCode, resp.Header, out); err != nil {
			t.Errorf("%s %s: the answer does not match the document: %v\n%s", method, path, err, out)
		}
		return out
	}
	one := func() string { return fmt.Sprintf("/api/v1/erasure-requests/%d", reqID) }

	call(registry.RoleOfficial, "POST", "/erasure-requests", "/api/v1/erasure-requests", `{"scope":"some"}`, 422)
	call(registry.RoleOfficial, "POST", "/erasure-requests", "/api/v1/erasure-requests", `{"scope":"contact","colour":"red"}`, 400)
	call(registry.RoleOfficial, "POST", "/erasure-requests", "/api/v1/erasure-requests", fmt.Sprintf(`{"official_id":%d,"scope":"all"}`, f.OtherOfficial.ID), 403)
	call(registry.RoleReviewer, "POST", "/erasure-requests", "/api/v1/erasure-requests", fmt.Sprintf(`{"official_id":%d,"scope":"all"}`, f.Official.ID), 403)
	out := call(registry.RoleOfficial, "POST", "/erasure-requests", "/api/v1/erasure-requests", `{"scope":"contact","details":"only my phone and e-mail"}`, 201)
	var created erasureBody
	if err := json.Unmarshal([]byte(out), &created); err != nil || created.State != registry.ErasurePending || created.OfficialID != f.Official.ID {
		t.Fatalf("created %s %v", out, err)
	}
	reqID = created.ID
	call(registry.RoleLiaison, "POST", "/erasure-requests", "/api/v1/erasure-requests", fmt.Sprintf(`{"official_id":%d,"scope":"all"}`, f.Official.ID), 409)

	// Lists and reads, each within its reader's reach.
	if out := call(registry.RoleLiaison, "GET", "/erasure-requests", "/api/v1/erasure-requests?state=pending", "", 200); !strings.Contains(out, `"id":`+id(reqID)) {
		t.Errorf("liaison list %s", out)
	}
	if out := call(registry.RoleLiaison, "GET", "/erasure-requests", fmt.Sprintf("/api/v1/erasure-requests?official_id=%d", f.OtherOfficial.ID), "", 200); out != `{"items":[],"next_cursor":""}`+"\n" {
		t.Errorf("liaison list of another ministry's official %q", out)
	}
	call(registry.RoleAdmin, "GET", "/erasure-requests", "/api/v1/erasure-requests?state=gone", "", 422)
	out = call(registry.RoleReviewer, "GET", "/erasure-requests/{id}", one(), "", 200)
	if !strings.Contains(out, `"blockers":["serving"]`) || !strings.Contains(out, "only my phone") {
		t.Errorf("reviewer's view %s", out)
	}
	if out = call(registry.RoleOfficial, "GET", "/erasure-requests/{id}", one(), "", 200); strings.Contains(out, `"blockers"`) {
		t.Errorf("the official sees the blockers: %s", out)
	}
	call(registry.RoleAdmin, "GET", "/erasure-requests/{id}", "/api/v1/erasure-requests/99999", "", 404)

	// Decisions.
	decide := one() + "/decision"
	call(registry.RoleAuditor, "POST", "/erasure-requests/{id}/decision", decide, `{"erase":true}`, 403)
	call(registry.RoleLiaison, "POST", "/erasure-requests/{id}/decision", decide, `{"erase":true}`, 403)
	call(registry.RoleReviewer, "POST", "/erasure-requests/{id}/decision", decide, `{}`, 422)
	if out := call(registry.RoleReviewer, "POST", "/erasure-requests/{id}/decision", decide, `{"erase":false}`, 422); !strings.Contains(out, `"reason":`) {
		t.Errorf("hold without a reason %s", out)
	}
	out = call(registry.RoleReviewer, "POST", "/erasure-requests/{id}/decision", decide, `{"erase":false,"reason":"an inquiry is open"}`, 200)
	if !strings.Contains(out, `"state":"held"`) || !strings.Contains(out, `"decision_reason":"an inquiry is open"`) {
		t.Errorf("held %s", out)
	}
	out = call(registry.RoleOfficial, "GET", "/notifications", "/api/v1/notifications?unread=true", "", 200)
	if !strings.Contains(out, `"kind":"erasure_held"`) || !strings.Contains(out, `"entity":"erasure"`) {
		t.Errorf("the official was not told: %s", out)
	}
	out = call(registry.RoleReviewer, "POST", "/erasure-requests/{id}/decision", decide, `{"erase":true}`, 200)
	if !strings.Contains(out, `"state":"completed"`) || strings.Contains(out, `"blockers"`) {
		t.Errorf("completed %s", out)
	}
	call(registry.RoleReviewer, "POST", "/erasure-requests/{id}/decision", decide, `{"erase":true}`, 409)

	// Contact details only: the e-mail and phone are gone, the name stays.
	out = call(registry.RoleAdmin, "GET", "/officials/{id}", fmt.Sprintf("/api/v1/officials/%d", f.Official.ID), "", 200)
	if strings.Contains(out, "a.mohammadi@example.ir") || strings.Contains(out, "989121112233") || !strings.Contains(out, f.Official.Name) {
		t.Errorf("official after erasing contact details %s", out)
	}
}

// After an erasure nothing personal can be written for the official again:
// the refusal is a clear conflict, never an internal error.
func TestWritesForAnErasedOfficialAreRefusedClearly(t *testing.T) {
	e := newTestEnv(t)
	f := e.fixture()
	ctx := context.Background()
	acc, err := e.store.CreateAccount(ctx, registry.System, registry.AccountInput{URL: "https://x.com/erased_holder", Capacity: registry.CapacityOffice, OfficialID: f.Official.ID})
	if err != nil {
		t.Fatal(err)
	}
	req, err := e.store.RequestErasure(ctx, registry.System, registry.ErasureInput{OfficialID: f.Official.ID, Scope: registry.ErasureAll})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.DecideErasure(ctx, registry.System, req.ID, registry.ErasureDecision{Erase: true}); err != nil {
		t.Fatal(err)
	}
	token := e.token(f.Users[registry.RoleAdmin])
	body := fmt.Sprintf(`{"account_id":%d,"grounds":"other","statement":"دلیل"}`, acc.ID)
	code, resp := e.api(token, "POST", "/api/v1/justifications", body)
	if code != http.StatusConflict || !strings.Contains(resp, "erasure.already_erased") && !strings.Contains(resp, "already erased") {
		t.Fatalf("justification for an erased holder: %d %s", code, resp)
	}
	code, resp = e.api(token, "PATCH", fmt.Sprintf("/api/v1/officials/%d", f.Official.ID), `{"name":"نام تازه","email":"again@example.ir"}`)
	if code != http.StatusConflict {
		t.Fatalf("e-mail for an erased official: %d %s", code, resp)
	}
}
