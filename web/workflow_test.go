package web

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"hozur/registry"
	"hozur/web/locale"
)

// wf is a registry with a foreign office account of the fixture's
// official, ready for the exemption workflow.
type wf struct {
	*testEnv
	f    *fixture
	acct *registry.AccountView
	fa   *locale.Locale
}

func newWF(t *testing.T) *wf {
	t.Helper()
	e := newTestEnv(t)
	w := &wf{testEnv: e, f: e.fixture()}
	w.acct = w.account("x.com/a_mohammadi", registry.CapacityOffice, w.f.Official.ID)
	cat, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	w.fa = cat.For("fa", e.store.Rules().Location)
	return w
}

func (w *wf) account(u, capacity string, official int64) *registry.AccountView {
	w.t.Helper()
	a, err := w.store.CreateAccount(context.Background(), registry.System, registry.AccountInput{URL: u, Capacity: capacity, OfficialID: official})
	if err != nil {
		w.t.Fatal(err)
	}
	return a
}

// day is a day from today in Tehran, and as a reader types it in Persian.
func (w *wf) day(months int) (time.Time, string) {
	d := w.store.Day(w.store.Now()).AddDate(0, months, 0)
	return d, w.fa.NumericDate(&d)
}

var justificationURL = regexp.MustCompile(`^/justifications/(\d+)$`)

// file drafts a justification through the form and returns its page path.
func (w *wf) file(b *browser, accountID int64) string {
	w.t.Helper()
	if status, body := b.get("/justifications/new?account_id=" + id(accountID)); status != http.StatusOK {
		w.t.Fatalf("new justification form: status %d %.500s", status, body)
	}
	_, until := w.day(6)
	status, loc, body := b.post("/justifications", url.Values{"account_id": {id(accountID)}, "grounds": {"international_outreach"},
		"statement": {"اطلاع‌رسانی به مخاطبان بین‌المللی دانشگاه"}, "requested_until": {until}})
	if status != http.StatusSeeOther || !justificationURL.MatchString(loc) {
		w.t.Fatalf("file: status %d, location %q, body %.1500s", status, loc, body)
	}
	return loc
}

// move posts a transition form and expects a redirect back to the page.
func (w *wf) move(b *browser, page string, form url.Values) {
	w.t.Helper()
	status, loc, body := b.post(page+"/transitions", form)
	if status != http.StatusSeeOther || loc != page {
		w.t.Fatalf("move %v: status %d, location %q, body %.1500s", form, status, loc, body)
	}
}

func pageID(t *testing.T, path string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(path[strings.LastIndexByte(path, '/')+1:], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestWorkflowFullPath(t *testing.T) {
	w := newWF(t)
	official := w.signedIn(w.f, registry.RoleOfficial)
	reviewer := w.signedIn(w.f, registry.RoleReviewer)

	// The start page says what to do: file for the uncovered account.
	_, body := official.get("/")
	mustContain(t, body, msg(t, "fa", "portal.next.file", "account", isolate(w.acct.Display), "platform", isolate("ایکس (توییتر)")),
		"/justifications/new?account_id="+id(w.acct.ID), msg(t, "fa", "cover.tag_uncovered"))
	_, body = official.get("/accounts/" + id(w.acct.ID))
	mustContain(t, body, `id="file-justification"`, msg(t, "fa", "cover.none"))

	page := w.file(official, w.acct.ID)
	_, body = official.get(page)
	mustContain(t, body, msg(t, "fa", "state.draft"), `id="submit-justification"`, "/justifications/"+id(pageID(t, page))+"/edit",
		`data-confirm="`+msg(t, "fa", "justification.delete_confirm")+`"`)
	mustNotContain(t, body, `id="approve-form"`, `id="ask-form"`)

	w.move(official, page, url.Values{"to": {"submitted"}})
	_, body = official.get(page)
	mustContain(t, body, msg(t, "fa", "justification.flash_submitted"), msg(t, "fa", "state.submitted"), `id="withdraw-form"`)
	mustNotContain(t, body, `id="approve-form"`)

	// The reviewer finds it in the queue and asks a question.
	_, body = reviewer.get("/review")
	mustContain(t, body, page, w.acct.Display, msg(t, "fa", "review.age_today"))
	_, body = reviewer.get(page)
	mustContain(t, body, `id="approve-form"`, `id="ask-form"`, `id="reject-form"`, `name="valid_until"`)
	mustNotContain(t, body, `id="withdraw-form"`, `id="submit-justification"`)
	w.move(reviewer, page, url.Values{"to": {"info_requested"}, "note": {"مخاطبان خارجی چند نفرند؟"}})

	// The official is told, and answers; an empty answer is refused.
	_, body = official.get("/")
	mustContain(t, body, msg(t, "fa", "portal.next.answer", "account", isolate(w.acct.Display), "platform", isolate("ایکس (توییتر)")), `class="count-badge"`)
	status, _, body := official.post(page+"/transitions", url.Values{"to": {"submitted"}, "note": {"  "}})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("empty answer: status %d", status)
	}
	mustContain(t, body, `href="#f-answer-note"`, `id="f-answer-note"`, msg(t, "fa", "justification.answer_required"))
	w.move(official, page, url.Values{"to": {"submitted"}, "note": {"حدود ده هزار دنبال‌کننده در خارج از کشور."}})

	// The reviewer approves with an end date typed in Solar Hijri.
	until, typed := w.day(5)
	_, body = reviewer.get(page)
	mustContain(t, body, "مخاطبان خارجی چند نفرند؟", "حدود ده هزار دنبال‌کننده", ">reviewer<", ">official<", msg(t, "fa", "note.question"), msg(t, "fa", "note.answer"))
	w.move(reviewer, page, url.Values{"to": {"approved"}, "valid_until": {typed}, "conditions": {"فقط انتشار اخبار رسمی"}})
	_, body = reviewer.get(page)
	mustContain(t, body, msg(t, "fa", "state.approved"), msg(t, "fa", "justification.flash_approved"))
	mustNotContain(t, body, `id="approve-form"`)

	// The account page shows the cover until that day, in Solar Hijri.
	_, body = official.get("/accounts/" + id(w.acct.ID))
	mustContain(t, body, msg(t, "fa", "cover.individual_until", "date", w.fa.Date(until)), msg(t, "fa", "cover.tag_covered"), msg(t, "fa", "state.approved"))
	if !strings.Contains(w.fa.Date(until), "۱۴") {
		t.Errorf("date %q is not Solar Hijri", w.fa.Date(until))
	}
	cv, err := w.store.Coverage(context.Background(), w.acct.ID, w.store.Now())
	if err != nil || cv.Kind != registry.CoverIndividual || !cv.Until.Equal(until) {
		t.Errorf("coverage %+v, %v; want individual until %v", cv, err, until)
	}
	_, body = official.get("/")
	mustContain(t, body, msg(t, "fa", "portal.next.none"))
}

func TestWorkflowApproveErrors(t *testing.T) {
	w := newWF(t)
	official := w.signedIn(w.f, registry.RoleOfficial)
	reviewer := w.signedIn(w.f, registry.RoleReviewer)
	page := w.file(official, w.acct.ID)
	w.move(official, page, url.Values{"to": {"submitted"}})
	_, tooLate := w.day(13)
	tests := []struct {
		name, until, field, key string
	}{
		{"no date", "", "f-approve-valid_until", "justification.until_required"},
		{"not a date", "1404/13/40", "f-approve-valid_until", "error.date"},
		{"too long", tooLate, "f-approve-valid_until", "justification.until_too_late"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reviewer.get(page)
			status, _, body := reviewer.post(page+"/transitions", url.Values{"to": {"approved"}, "valid_until": {tc.until}})
			if status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d", status)
			}
			mustContain(t, body, `href="#`+tc.field+`"`, `id="`+tc.field+`"`, msg(t, "fa", tc.key), `value="`+tc.until+`"`)
		})
	}
	t.Run("reject needs a reason", func(t *testing.T) {
		status, _, body := reviewer.post(page+"/transitions", url.Values{"to": {"rejected"}})
		if status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", status)
		}
		mustContain(t, body, `href="#f-reject-note"`, msg(t, "fa", "justification.reason_required"))
	})
	t.Run("reject sets a closure deadline", func(t *testing.T) {
		w.move(reviewer, page, url.Values{"to": {"rejected"}, "note": {"ضرورتی دیده نشد."}})
		_, body := official.get("/accounts/" + id(w.acct.ID))
		mustContain(t, body, `id="closure-deadline"`, msg(t, "fa", "cover.tag_uncovered"), msg(t, "fa", "state.rejected"))
		_, body = official.get("/notifications")
		mustContain(t, body, msg(t, "fa", "notification.rejected", "account", isolate(w.acct.Display)), `href="`+page+`"`)
	})
}

func TestWorkflowSelfDecisionRefused(t *testing.T) {
	w := newWF(t)
	admin := w.signedIn(w.f, registry.RoleAdmin)
	page := w.file(admin, w.acct.ID)
	w.move(admin, page, url.Values{"to": {"submitted"}})
	_, body := admin.get(page)
	mustContain(t, body, `id="blocked"`, msg(t, "fa", "justification.self_filed"))
	mustNotContain(t, body, `id="approve-form"`, `id="reject-form"`, `id="ask-form"`)

	_, until := w.day(3)
	w.move(admin, page, url.Values{"to": {"approved"}, "valid_until": {until}})
	_, body = admin.get(page)
	mustContain(t, body, `class="flash flash-error"`, msg(t, "fa", "justification.self_filed"), msg(t, "fa", "state.submitted"))

	// Another reviewer may decide it.
	reviewer := w.signedIn(w.f, registry.RoleReviewer)
	_, body = reviewer.get(page)
	mustContain(t, body, `id="approve-form"`)
	mustNotContain(t, body, `id="blocked"`)
}

func TestWorkflowIllegalTransition(t *testing.T) {
	w := newWF(t)
	official := w.signedIn(w.f, registry.RoleOfficial)
	reviewer := w.signedIn(w.f, registry.RoleReviewer)
	page := w.file(official, w.acct.ID)
	_, until := w.day(3)
	tests := []struct {
		name string
		b    *browser
		form url.Values
	}{
		{"approve a draft", reviewer, url.Values{"to": {"approved"}, "valid_until": {until}}},
		{"withdraw a draft", official, url.Values{"to": {"withdrawn"}}},
		{"unknown state", official, url.Values{"to": {"archived"}}},
		{"no state", official, url.Values{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.b.get(page)
			w.move(tc.b, page, tc.form)
			_, body := tc.b.get(page)
			mustContain(t, body, `class="flash flash-error"`, msg(t, "fa", "justification.illegal_transition"), msg(t, "fa", "state.draft"))
		})
	}
	t.Run("the filer's side cannot decide", func(t *testing.T) {
		w.move(official, page, url.Values{"to": {"submitted"}})
		status, _, _ := official.post(page+"/transitions", url.Values{"to": {"approved"}, "valid_until": {until}})
		if status != http.StatusForbidden {
			t.Errorf("official approving: status %d, want 403", status)
		}
	})
	t.Run("a submitted justification cannot be edited", func(t *testing.T) {
		status, loc, _ := official.post(page, url.Values{"grounds": {"other"}, "statement": {"x"}})
		if status != http.StatusSeeOther || loc != page {
			t.Fatalf("update: status %d, location %q", status, loc)
		}
		_, body := official.get(page)
		mustContain(t, body, msg(t, "fa", "justification.not_draft"))
	})
}

func TestWorkflowLiaisonFilesOnBehalf(t *testing.T) {
	w := newWF(t)
	liaison := w.signedIn(w.f, registry.RoleLiaison)
	_, body := liaison.get("/accounts/" + id(w.acct.ID))
	mustContain(t, body, `id="file-justification"`)
	_, body = liaison.get("/")
	mustContain(t, body, `id="uncovered-accounts"`, w.acct.Display)
	page := w.file(liaison, w.acct.ID)
	w.move(liaison, page, url.Values{"to": {"submitted"}})
	j, err := w.store.Justification(context.Background(), registry.System, pageID(t, page))
	if err != nil {
		t.Fatal(err)
	}
	if j.FiledByName != "liaison" || j.State != registry.StateSubmitted {
		t.Errorf("filed by %q, state %q", j.FiledByName, j.State)
	}
	official := w.signedIn(w.f, registry.RoleOfficial)
	_, body = official.get("/")
	mustContain(t, body, `href="`+page+`"`, msg(t, "fa", "portal.next.wait"))
	_, body = liaison.get("/")
	mustContain(t, body, `id="open-justifications"`, `href="`+page+`"`)

	// A liaison of another agency does not see it, and cannot file there.
	other := w.user("liaison2", registry.RoleLiaison, w.f.Other.ID, 0)
	b := w.browser()
	b.signIn(other.Username)
	if status, _ := b.get(page); status != http.StatusForbidden {
		t.Errorf("other liaison sees the justification: status %d", status)
	}
	_, until := w.day(2)
	status, _, _ := b.post("/justifications", url.Values{"account_id": {id(w.acct.ID)}, "grounds": {"other"}, "statement": {"x"}, "requested_until": {until}})
	if status != http.StatusForbidden {
		t.Errorf("other liaison files: status %d, want 403", status)
	}
}

func TestWorkflowFormErrors(t *testing.T) {
	w := newWF(t)
	official := w.signedIn(w.f, registry.RoleOfficial)
	domestic := w.account("eitaa.com/a_mohammadi", registry.CapacityOffice, w.f.Official.ID)
	official.get("/justifications/new")
	tests := []struct {
		name  string
		form  url.Values
		field string
		key   string
	}{
		{"no account", url.Values{"grounds": {"other"}, "statement": {"x"}}, "account_id", "justification.account_required"},
		{"domestic account", url.Values{"account_id": {id(domestic.ID)}, "grounds": {"other"}, "statement": {"x"}}, "account_id", "justification.domestic_account"},
		{"no grounds", url.Values{"account_id": {id(w.acct.ID)}, "statement": {"x"}}, "grounds", "error.choose"},
		{"no statement", url.Values{"account_id": {id(w.acct.ID)}, "grounds": {"other"}}, "statement", "error.required"},
		{"bad date", url.Values{"account_id": {id(w.acct.ID)}, "grounds": {"other"}, "statement": {"x"}, "requested_until": {"فردا"}}, "requested_until", "error.date"},
		{"past date", url.Values{"account_id": {id(w.acct.ID)}, "grounds": {"other"}, "statement": {"x"}, "requested_until": {"1400/01/01"}}, "requested_until", "justification.until_past"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := official.send("/justifications", tc.form)
			if status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d %.500s", status, body)
			}
			mustContain(t, body, `href="#f-`+tc.field+`"`, `id="f-`+tc.field+`"`, msg(t, "fa", tc.key), "novalidate", `name="_csrf"`)
		})
	}
	t.Run("one in progress at a time", func(t *testing.T) {
		page := w.file(official, w.acct.ID)
		_, body := official.get("/accounts/" + id(w.acct.ID))
		mustContain(t, body, msg(t, "fa", "account.continue_justification"), `href="`+page+`"`)
		status, _, body := official.post("/justifications", url.Values{"account_id": {id(w.acct.ID)}, "grounds": {"other"}, "statement": {"x"}})
		if status != http.StatusUnprocessableEntity {
			t.Fatalf("second justification: status %d", status)
		}
		mustContain(t, body, msg(t, "fa", "justification.open_exists"))
	})
	t.Run("edit and delete a draft", func(t *testing.T) {
		js, _ := w.store.Justifications(context.Background(), registry.System, registry.JustificationFilter{AccountID: w.acct.ID}, registry.Page{})
		page := "/justifications/" + id(js.Items[0].ID)
		_, body := official.get(page + "/edit")
		mustContain(t, body, "اطلاع‌رسانی به مخاطبان بین‌المللی دانشگاه", `value="international_outreach" checked`)
		status, loc, _ := official.post(page, url.Values{"grounds": {"media_monitoring"}, "statement": {"پایش"}})
		if status != http.StatusSeeOther || loc != page {
			t.Fatalf("update: %d %q", status, loc)
		}
		_, body = official.get(page)
		mustContain(t, body, msg(t, "fa", "grounds.media_monitoring"), "پایش")
		status, loc, _ = official.post(page+"/delete", nil)
		if status != http.StatusSeeOther || loc != "/accounts/"+id(w.acct.ID) {
			t.Fatalf("delete: %d %q", status, loc)
		}
		if status, _ := official.get(page); status != http.StatusNotFound {
			t.Errorf("deleted draft: status %d", status)
		}
	})
}

func TestWorkflowAuditorForbidden(t *testing.T) {
	w := newWF(t)
	ctx := context.Background()
	until, _ := w.day(3)
	j, err := w.store.CreateJustification(ctx, registry.System, registry.JustificationInput{AccountID: w.acct.ID, Grounds: "other", Statement: "x"})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []registry.TransitionInput{{To: registry.StateSubmitted}, {To: registry.StateApproved, ValidUntil: &until}} {
		if _, err := w.store.Transition(ctx, registry.System, j.ID, in); err != nil {
			t.Fatal(err)
		}
	}
	exs, err := w.store.Exemptions(ctx, registry.System, registry.ExemptionFilter{AccountID: w.acct.ID}, registry.Page{})
	if err != nil || len(exs.Items) != 1 {
		t.Fatalf("exemptions %v %v", exs.Items, err)
	}
	draft := w.account("instagram.com/a_mohammadi", registry.CapacityPersonal, w.f.Official.ID)
	d, err := w.store.CreateJustification(ctx, registry.System, registry.JustificationInput{AccountID: draft.ID, Grounds: "other", Statement: "x"})
	if err != nil {
		t.Fatal(err)
	}
	today := w.store.Day(w.store.Now())
	g, err := w.store.CreateGroupExemption(ctx, registry.System, registry.GroupExemptionInput{Title: "t", LegalRef: "1", LegalDate: &today, ValidFrom: &today})
	if err != nil {
		t.Fatal(err)
	}
	dir, err := w.store.CreateDirective(ctx, registry.System, registry.DirectiveInput{Title: "t", Reference: "1", Kind: "other", NotifiedOn: &today, WindowMonths: 2})
	if err != nil {
		t.Fatal(err)
	}
	auditor := w.signedIn(w.f, registry.RoleAuditor)
	_, until2 := w.day(2)
	posts := []struct {
		path string
		form url.Values
	}{
		{"/justifications", url.Values{"account_id": {id(w.acct.ID)}, "grounds": {"other"}, "statement": {"x"}}},
		{"/justifications/" + id(d.ID), url.Values{"grounds": {"other"}, "statement": {"y"}}},
		{"/justifications/" + id(d.ID) + "/delete", nil},
		{"/justifications/" + id(d.ID) + "/transitions", url.Values{"to": {"submitted"}}},
		{"/justifications/" + id(d.ID) + "/transitions", url.Values{"to": {"approved"}, "valid_until": {until2}}},
		{"/justifications/" + id(j.ID) + "/transitions", url.Values{"to": {"withdrawn"}}},
		{"/exemptions/" + id(exs.Items[0].ID) + "/revoke", url.Values{"reason": {"x"}}},
		{"/exemptions/" + id(exs.Items[0].ID) + "/revoke", nil},
		{"/group-exemptions", url.Values{"title": {"t"}, "agencies": {"NOPE"}}},
		{"/group-exemptions/" + id(g.ID), url.Values{"title": {"t"}}},
		{"/group-exemptions/" + id(g.ID) + "/revoke", url.Values{"reason": {"x"}}},
		{"/directives", url.Values{"title": {"t"}}},
		{"/directives/" + id(dir.ID) + "/amendments", url.Values{"reference": {"2"}}},
		{"/officials/" + id(w.f.Official.ID) + "/leave", url.Values{"left_on": {"bad"}}},
	}
	for _, tc := range posts {
		t.Run("POST "+tc.path, func(t *testing.T) {
			if status, _, body := auditor.send(tc.path, tc.form); status != http.StatusForbidden {
				t.Errorf("status %d, want 403: %.500s", status, body)
			}
		})
	}
	for _, path := range []string{"/review", "/justifications/new", "/justifications/" + id(d.ID) + "/edit", "/group-exemptions/new",
		"/group-exemptions/" + id(g.ID) + "/edit", "/directives/new", "/officials/" + id(w.f.Official.ID) + "/leave"} {
		t.Run("GET "+path, func(t *testing.T) {
			if status, _ := auditor.get(path); status != http.StatusForbidden {
				t.Errorf("status %d, want 403", status)
			}
		})
	}
	// The auditor reads everything.
	for _, path := range []string{"/justifications", "/justifications/" + id(j.ID), "/exemptions", "/exemptions/" + id(exs.Items[0].ID),
		"/group-exemptions", "/group-exemptions/" + id(g.ID), "/directives", "/directives/" + id(dir.ID), "/accounts/" + id(w.acct.ID), "/notifications"} {
		t.Run("GET "+path, func(t *testing.T) {
			status, body := auditor.get(path)
			if status != http.StatusOK {
				t.Fatalf("status %d", status)
			}
			mustNotContain(t, body, `id="approve-form"`, `action="/exemptions/`+id(exs.Items[0].ID)+`/revoke"`, "/edit\"")
		})
	}
}

func TestWorkflowReviewQueue(t *testing.T) {
	w := newWF(t)
	ctx := context.Background()
	other := w.account("x.com/z_hosseini", registry.CapacityOffice, w.f.OtherOfficial.ID)
	insta := w.account("instagram.com/a_mohammadi", registry.CapacityPersonal, w.f.Official.ID)
	draft := w.account("t.me/a_mohammadi", registry.CapacityPersonal, w.f.Official.ID)
	file := func(acc int64, grounds string, submit bool) int64 {
		j, err := w.store.CreateJustification(ctx, registry.System, registry.JustificationInput{AccountID: acc, Grounds: grounds, Statement: "x"})
		if err != nil {
			t.Fatal(err)
		}
		if submit {
			if _, err := w.store.Transition(ctx, registry.System, j.ID, registry.TransitionInput{To: registry.StateSubmitted}); err != nil {
				t.Fatal(err)
			}
		}
		return j.ID
	}
	j1 := file(w.acct.ID, "job_necessity", true)
	j2 := file(other.ID, "media_monitoring", true)
	j3 := file(insta.ID, "job_necessity", true)
	j4 := file(draft.ID, "other", false)
	if _, err := w.store.Transition(ctx, w.actor(w.f.Users[registry.RoleReviewer]), j3, registry.TransitionInput{To: registry.StateInfoRequested, Note: "?"}); err != nil {
		t.Fatal(err)
	}
	link := func(n int64) string { return `href="/justifications/` + id(n) + `"` }
	reviewer := w.signedIn(w.f, registry.RoleReviewer)
	tests := []struct {
		query     string
		want, not []int64
	}{
		{"", []int64{j1, j2, j3}, []int64{j4}},
		{"?agency=MIN-HEALTH", []int64{j1, j3}, []int64{j2, j4}},
		{"?agency=MIN-ENERGY", []int64{j2}, []int64{j1, j3}},
		{"?platform=instagram", []int64{j3}, []int64{j1, j2}},
		{"?grounds=job_necessity", []int64{j1, j3}, []int64{j2}},
		{"?state=info_requested", []int64{j3}, []int64{j1, j2}},
		{"?age=3", nil, []int64{j1, j2, j3}},
		{"?age=0", []int64{j1, j2, j3}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			status, body := reviewer.get("/review" + tc.query)
			if status != http.StatusOK {
				t.Fatalf("status %d", status)
			}
			for _, n := range tc.want {
				mustContain(t, body, link(n))
			}
			for _, n := range tc.not {
				mustNotContain(t, body, link(n))
			}
		})
	}
	t.Run("oldest first", func(t *testing.T) {
		_, body := reviewer.get("/review")
		if a, b := strings.Index(body, link(j1)), strings.Index(body, link(j2)); a < 0 || b < 0 || a > b {
			t.Errorf("j1 at %d, j2 at %d: want oldest first", a, b)
		}
	})
	t.Run("bad filters", func(t *testing.T) {
		status, body := reviewer.get("/review?agency=NOPE&age=many&state=approved")
		if status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", status)
		}
		mustContain(t, body, msg(t, "fa", "error.agency_code_unknown"), msg(t, "fa", "review.age_invalid"))
	})
	t.Run("english", func(t *testing.T) {
		reviewer.setLang("en")
		_, body := reviewer.get("/review")
		mustContain(t, body, "Less than a day", "Review queue")
		reviewer.setLang("fa")
	})
	for _, role := range []registry.Role{registry.RoleLiaison, registry.RoleOfficial, registry.RoleAuditor} {
		t.Run(string(role)+" refused", func(t *testing.T) {
			b := w.signedIn(w.f, role)
			if status, _ := b.get("/review"); status != http.StatusForbidden {
				t.Errorf("status %d", status)
			}
			_, body := b.get("/")
			mustNotContain(t, body, `href="/review"`)
		})
	}
	t.Run("admin sees it", func(t *testing.T) {
		b := w.signedIn(w.f, registry.RoleAdmin)
		_, body := b.get("/")
		mustContain(t, body, `href="/review"`, msg(t, "fa", "dashboard.waiting", "n", 2))
	})
}

// actor is the permission view of a user.
func (e *testEnv) actor(u *registry.User) registry.Actor {
	e.t.Helper()
	a, err := e.store.ActorFor(context.Background(), u)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

func TestWorkflowExemptionRevoke(t *testing.T) {
	w := newWF(t)
	ctx := context.Background()
	until, _ := w.day(1)
	j, err := w.store.CreateJustification(ctx, registry.System, registry.JustificationInput{AccountID: w.acct.ID, Grounds: "other", Statement: "x"})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []registry.TransitionInput{{To: registry.StateSubmitted}, {To: registry.StateApproved, ValidUntil: &until}} {
		if _, err := w.store.Transition(ctx, registry.System, j.ID, in); err != nil {
			t.Fatal(err)
		}
	}
	exs, _ := w.store.Exemptions(ctx, registry.System, registry.ExemptionFilter{AccountID: w.acct.ID}, registry.Page{})
	page := "/exemptions/" + id(exs.Items[0].ID)
	official := w.signedIn(w.f, registry.RoleOfficial)
	_, body := official.get("/accounts/" + id(w.acct.ID))
	mustContain(t, body, msg(t, "fa", "cover.tag_expiring"), msg(t, "fa", "cover.days_left", "n", int(math.Round(w.store.Day(until).Sub(w.store.Day(w.store.Now())).Hours()/24))))
	_, body = official.get(page)
	mustNotContain(t, body, `action="`+page+`/revoke"`)
	_, body = official.get("/exemptions?valid=1")
	mustContain(t, body, `href="`+page+`"`)

	reviewer := w.signedIn(w.f, registry.RoleReviewer)
	_, body = reviewer.get(page)
	mustContain(t, body, `action="`+page+`/revoke"`, `data-confirm="`+msg(t, "fa", "exemption.revoke_confirm")+`"`, w.fa.Date(until))
	status, _, body := reviewer.post(page+"/revoke", url.Values{"reason": {" "}})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("empty reason: status %d", status)
	}
	mustContain(t, body, `href="#f-reason"`, msg(t, "fa", "exemption.reason_required"))
	status, loc, _ := reviewer.post(page+"/revoke", url.Values{"reason": {"نقض شرایط"}})
	if status != http.StatusSeeOther || loc != page {
		t.Fatalf("revoke: %d %q", status, loc)
	}
	_, body = reviewer.get(page)
	mustContain(t, body, msg(t, "fa", "exemption.state_revoked"), "نقض شرایط")
	mustNotContain(t, body, `action="`+page+`/revoke"`)
	_, body = official.get("/accounts/" + id(w.acct.ID))
	mustContain(t, body, msg(t, "fa", "cover.tag_uncovered"), `id="closure-deadline"`)
	_, body = official.get("/exemptions?valid=1")
	mustNotContain(t, body, `href="`+page+`"`)
	_, body = official.get("/notifications")
	mustContain(t, body, msg(t, "fa", "notification.revoked", "account", isolate(w.acct.Display)))
}

func TestWorkflowGroupExemption(t *testing.T) {
	w := newWF(t)
	personal := w.account("x.com/amohammadi_p", registry.CapacityPersonal, w.f.Official.ID)
	insta := w.account("instagram.com/a_mohammadi", registry.CapacityOffice, w.f.Official.ID)
	otherAgency := w.account("x.com/z_hosseini", registry.CapacityOffice, w.f.OtherOfficial.ID)
	reviewer := w.signedIn(w.f, registry.RoleReviewer)
	status, body := reviewer.get("/group-exemptions/new")
	if status != http.StatusOK {
		t.Fatalf("form: %d", status)
	}
	mustContain(t, body, `name="_csrf"`, "novalidate", `name="ranks" value="3"`, `name="platforms" value="x"`, `name="capacities" value="office"`)

	status, _, body = reviewer.post("/group-exemptions", url.Values{"title": {""}, "agencies": {"MIN-HEALTH, NOPE"}, "legal_date": {"1403/13/01"}})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("bad form: %d", status)
	}
	mustContain(t, body, `href="#f-scope.agencies"`, msg(t, "fa", "error.agency_code_unknown"), msg(t, "fa", "error.date"))

	_, until := w.day(10)
	form := url.Values{"title": {"روابط عمومی وزارت بهداشت در ایکس"}, "legal_ref": {"۱۲۳/الف"}, "legal_date": {"1403/01/21"},
		"agencies": {"MIN-HEALTH"}, "include_sub": {"1"}, "ranks": {"2"}, "platforms": {"x"}, "capacities": {"office"},
		"valid_from": {"1403/01/21"}, "valid_until": {until}}
	status, loc, body := reviewer.post("/group-exemptions", form)
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/group-exemptions/") {
		t.Fatalf("create: %d %q %.1000s", status, loc, body)
	}
	_, body = reviewer.get(loc)
	mustContain(t, body, `id="covered-accounts"`, `href="/accounts/`+id(w.acct.ID)+`"`, msg(t, "fa", "group.state_in_force"),
		msg(t, "fa", "scope.with_sub", "name", w.f.Ministry.Name), msg(t, "fa", "capacity.office"))
	mustNotContain(t, body, `href="/accounts/`+id(personal.ID)+`"`, `href="/accounts/`+id(insta.ID)+`"`, `href="/accounts/`+id(otherAgency.ID)+`"`)
	covered := regexp.MustCompile(`<a href="/accounts/(\d+)"`).FindAllStringSubmatch(body[strings.Index(body, `id="covered-accounts"`):], -1)
	if len(covered) != 1 {
		t.Errorf("covered accounts %v, want exactly %d", covered, w.acct.ID)
	}
	_, body = reviewer.get("/accounts/" + id(w.acct.ID))
	mustContain(t, body, msg(t, "fa", "cover.group_until", "title", isolate("روابط عمومی وزارت بهداشت در ایکس"), "date", w.fa.Date(w.store.Day(w.store.Now()).AddDate(0, 10, 0))))
	_, body = reviewer.get("/group-exemptions")
	mustContain(t, body, "روابط عمومی وزارت بهداشت در ایکس", "۱۲۳/الف", msg(t, "fa", "scope.ranks_are", "list", "۲"))

	// Editing: the form comes back filled in; narrowing the scope to rank 3
	// leaves nothing covered.
	_, body = reviewer.get(loc + "/edit")
	mustContain(t, body, `value="MIN-HEALTH"`, `name="ranks" value="2" checked`, `name="include_sub" value="1" checked`)
	form.Set("ranks", "3")
	if status, l, body := reviewer.post(loc, form); status != http.StatusSeeOther || l != loc {
		t.Fatalf("update: %d %q %.800s", status, l, body)
	}
	_, body = reviewer.get(loc)
	mustContain(t, body, msg(t, "fa", "group.covers_none"))

	// Revoking needs a reason, and ends the cover.
	if status, _, _ := reviewer.post(loc+"/revoke", url.Values{"reason": {""}}); status != http.StatusUnprocessableEntity {
		t.Errorf("revoke without reason: %d", status)
	}
	if status, _, _ := reviewer.post(loc+"/revoke", url.Values{"reason": {"پایان مأموریت"}}); status != http.StatusSeeOther {
		t.Errorf("revoke: %d", status)
	}
	_, body = reviewer.get(loc)
	mustContain(t, body, msg(t, "fa", "group.state_revoked"), msg(t, "fa", "group.not_in_force"), "پایان مأموریت")

	// Officials and liaisons read group exemptions but cannot write them.
	official := w.signedIn(w.f, registry.RoleOfficial)
	_, body = official.get("/group-exemptions")
	mustNotContain(t, body, `href="/group-exemptions/new"`)
	if status, _, _ := official.send("/group-exemptions", form); status != http.StatusForbidden {
		t.Errorf("official creates a group exemption: %d", status)
	}
}

func TestWorkflowDirectives(t *testing.T) {
	w := newWF(t)
	admin := w.signedIn(w.f, registry.RoleAdmin)
	status, body := admin.get("/directives/new")
	if status != http.StatusOK {
		t.Fatalf("form: %d", status)
	}
	mustContain(t, body, `name="_csrf"`, "novalidate")
	status, _, body = admin.post("/directives", url.Values{"title": {""}, "kind": {"privacy"}, "notified_on": {"1402/10/99"}, "window_months": {"0"}})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("bad form: %d", status)
	}
	mustContain(t, body, msg(t, "fa", "error.required"), msg(t, "fa", "error.date"), msg(t, "fa", "directive.window_range"), `href="#f-notified_on"`)

	status, loc, body := admin.post("/directives", url.Values{"title": {"بخشنامهٔ حریم خصوصی"}, "reference": {"۱۴۰۲/۵۶۷"}, "kind": {"privacy"},
		"notified_on": {"1402/10/27"}, "window_months": {"۲"}})
	if status != http.StatusSeeOther {
		t.Fatalf("create: %d %.1000s", status, body)
	}
	notified := time.Date(2024, 1, 17, 0, 0, 0, 0, w.store.Rules().Location)
	_, body = admin.get(loc)
	mustContain(t, body, "۲۷ دی ۱۴۰۲", w.fa.Date(notified.AddDate(0, 2, 0)), msg(t, "fa", "directive_kind.privacy"), msg(t, "fa", "directive.months", "n", 2))

	status, _, body = admin.post(loc+"/amendments", url.Values{"reference": {"۱۴۰۳/۱۲"}, "dated_on": {"1402/10/01"}, "window_months": {"4"}})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("amendment before the notice: %d", status)
	}
	mustContain(t, body, msg(t, "fa", "directive.amendment_before_notice"))
	status, l, _ := admin.post(loc+"/amendments", url.Values{"reference": {"۱۴۰۳/۱۲"}, "dated_on": {"1403/01/15"}, "window_months": {"4"}, "note": {"تمدید مهلت"}})
	if status != http.StatusSeeOther || l != loc {
		t.Fatalf("amend: %d %q", status, l)
	}
	_, body = admin.get(loc)
	newDeadline := w.fa.Date(notified.AddDate(0, 4, 0))
	if !strings.Contains(body[strings.Index(body, `id="deadline"`):], newDeadline) {
		t.Errorf("deadline is not %s", newDeadline)
	}
	mustContain(t, body, `id="directive-history"`, msg(t, "fa", "directive.original"), msg(t, "fa", "directive.amendment"), "تمدید مهلت",
		"<s>"+w.fa.Date(notified.AddDate(0, 2, 0))+"</s>")
	_, body = admin.get("/directives")
	mustContain(t, body, newDeadline, msg(t, "fa", "directive.amended"))

	reviewer := w.signedIn(w.f, registry.RoleReviewer)
	_, body = reviewer.get(loc)
	mustNotContain(t, body, `action="`+loc+`/amendments"`)
	if status, _, _ := reviewer.post(loc+"/amendments", url.Values{"reference": {"x"}, "dated_on": {"1403/02/01"}, "window_months": {"6"}}); status != http.StatusForbidden {
		t.Errorf("reviewer amends: %d", status)
	}
}

func TestWorkflowLeaveOffice(t *testing.T) {
	w := newWF(t)
	ctx := context.Background()
	personal := w.account("instagram.com/ali.personal", registry.CapacityPersonal, w.f.Official.ID)
	successor, err := w.store.CreateOfficial(ctx, registry.System, registry.OfficialInput{AgencyID: w.f.Province.ID, Name: "مهدی کریمی", Position: "رئیس دانشگاه", Rank: 2, Serving: true})
	if err != nil {
		t.Fatal(err)
	}
	liaison := w.signedIn(w.f, registry.RoleLiaison)
	page := "/officials/" + id(w.f.Official.ID)
	_, body := liaison.get(page)
	mustContain(t, body, `href="`+page+`/leave"`)
	status, body := liaison.get(page + "/leave")
	if status != http.StatusOK {
		t.Fatalf("form: %d", status)
	}
	mustContain(t, body, w.acct.Display, `name="_csrf"`, "novalidate", "data-confirm")
	mustNotContain(t, body, personal.Display)

	status, _, body = liaison.post(page+"/leave", url.Values{"left_on": {"1405/08/01"}, "successor_id": {id(w.f.OtherOfficial.ID)}})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("successor in another agency: %d", status)
	}
	mustContain(t, body, msg(t, "fa", "leave.successor_out_of_reach"))
	status, _, body = liaison.post(page+"/leave", url.Values{"left_on": {""}, "successor_id": {id(w.f.Official.ID)}})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("no date, self: %d", status)
	}
	mustContain(t, body, msg(t, "fa", "error.required"), msg(t, "fa", "succession.self"))

	status, loc, _ := liaison.post(page+"/leave", url.Values{"left_on": {"1405/08/01"}, "successor_id": {textDigits(id(successor.ID))}})
	if status != http.StatusSeeOther || loc != page {
		t.Fatalf("leave: %d %q", status, loc)
	}
	_, body = liaison.get(page)
	mustContain(t, body, msg(t, "fa", "leave.flash_done"), `href="/officials/`+id(successor.ID)+`"`, msg(t, "fa", "official.serving_no"))
	mustNotContain(t, body, `href="`+page+`/leave"`)
	acc, err := w.store.Account(ctx, registry.System, w.acct.ID)
	if err != nil || acc.OfficialID == nil || *acc.OfficialID != successor.ID {
		t.Fatalf("office account holder %v, %v; want the successor", acc.OfficialID, err)
	}
	if p, _ := w.store.Account(ctx, registry.System, personal.ID); p.OfficialID == nil || *p.OfficialID != w.f.Official.ID {
		t.Errorf("personal account moved")
	}
	_, body = liaison.get("/accounts/" + id(w.acct.ID))
	mustContain(t, body, `id="handovers"`, "مهدی کریمی", "علیرضا محمدی")
	mustNotContain(t, body, `id="orphaned"`)
	_, body = liaison.get("/officials/" + id(successor.ID))
	mustContain(t, body, w.acct.Display)

	t.Run("without a successor the office accounts are orphaned", func(t *testing.T) {
		office := w.account("t.me/m_karimi", registry.CapacityOffice, successor.ID)
		sp := "/officials/" + id(successor.ID)
		if status, _, _ := liaison.post(sp+"/leave", url.Values{"left_on": {"1405/08/20"}}); status != http.StatusSeeOther {
			t.Fatalf("leave: %d", status)
		}
		_, body := liaison.get("/accounts/" + id(office.ID))
		mustContain(t, body, `id="orphaned"`, msg(t, "fa", "account.orphaned"))
		_, body = liaison.get(sp)
		mustContain(t, body, msg(t, "fa", "leave.no_successor"))
	})
	t.Run("an official cannot record leaving", func(t *testing.T) {
		b := w.signedIn(w.f, registry.RoleOfficial)
		if status, _ := b.get(page + "/leave"); status != http.StatusForbidden {
			t.Errorf("status %d", status)
		}
	})
}

func TestWorkflowNotifications(t *testing.T) {
	w := newWF(t)
	ctx := context.Background()
	j, err := w.store.CreateJustification(ctx, registry.System, registry.JustificationInput{AccountID: w.acct.ID, Grounds: "other", Statement: "x"})
	if err != nil {
		t.Fatal(err)
	}
	reviewer := w.actor(w.f.Users[registry.RoleReviewer])
	for _, in := range []registry.TransitionInput{{To: registry.StateSubmitted}} {
		if _, err := w.store.Transition(ctx, registry.System, j.ID, in); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.store.Transition(ctx, reviewer, j.ID, registry.TransitionInput{To: registry.StateInfoRequested, Note: "چرا؟"}); err != nil {
		t.Fatal(err)
	}
	official := w.signedIn(w.f, registry.RoleOfficial)
	liaison := w.signedIn(w.f, registry.RoleLiaison)
	for name, b := range map[string]*browser{"official": official, "liaison": liaison} {
		t.Run(name, func(t *testing.T) {
			_, body := b.get("/")
			mustContain(t, body, `href="/notifications"`, `<span class="count-badge">۱<`)
			_, body = b.get("/notifications")
			mustContain(t, body, msg(t, "fa", "notification.info_requested", "account", isolate(w.acct.Display)), `href="/justifications/`+id(j.ID)+`"`,
				msg(t, "fa", "notifications.new"), `id="mark-all-read"`)
			if status, loc, _ := b.post("/notifications/read", nil); status != http.StatusSeeOther || loc != "/notifications" {
				t.Fatalf("mark read: %d %q", status, loc)
			}
			_, body = b.get("/notifications")
			mustNotContain(t, body, `class="count-badge"`, `id="mark-all-read"`)
			mustContain(t, body, msg(t, "fa", "notification.info_requested", "account", isolate(w.acct.Display)))
		})
	}
	reviewerB := w.signedIn(w.f, registry.RoleReviewer)
	_, body := reviewerB.get("/notifications")
	mustContain(t, body, msg(t, "fa", "notifications.empty"))
	mustNotContain(t, body, `class="count-badge"`)
}

func TestWorkflowEnglish(t *testing.T) {
	w := newWF(t)
	official := w.signedIn(w.f, registry.RoleOfficial)
	official.setLang("en")
	page := w.file(official, w.acct.ID)
	_, body := official.get(page)
	mustContain(t, body, "Draft", "International outreach", "Submit for review", `dir="auto"`)
	_, body = official.get("/")
	mustContain(t, body, "Your justification for "+isolate(w.acct.Display)+" on "+isolate("X (Twitter)")+" is still a draft: submit it.")
}
