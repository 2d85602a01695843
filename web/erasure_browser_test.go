package web

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"hozur/registry"
	"hozur/web/locale"
)

// TestBrowserErasureFlow walks erasure on request in a real browser: the
// official asks for their contact details to be erased, a reviewer (in a
// browser context of their own) reads what erasing will do and erases,
// and the official finds the request completed from their notification.
func TestBrowserErasureFlow(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	e := newTestEnv(t)
	f := e.fixture()
	if _, err := e.store.UpdateOfficial(context.Background(), registry.System, f.Official.ID, registry.OfficialInput{AgencyID: f.Province.ID,
		Name: f.Official.Name, Position: f.Official.Position, Rank: 2, Serving: true, Email: "a.mohammadi@example.ir"}); err != nil {
		t.Fatal(err)
	}
	cat, err := locale.Load()
	if err != nil {
		t.Fatal(err)
	}
	fa := cat.For("fa", e.srv.tz)
	base := e.ts.URL
	official := tab{t, newBrowser(t)}
	rctx, cancel := chromedp.NewContext(official.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(rctx); err != nil {
		t.Fatal(err)
	}
	reviewer := tab{t, rctx}

	// The official finds the request form from the navigation.
	official.signIn(base, f.Users[registry.RoleOfficial].Username)
	official.step("the list", chromedp.Click(chromedp.ID("erasure-nav")), chromedp.WaitVisible(chromedp.ID("request-erasure")))
	official.step("the form", chromedp.Click(chromedp.ID("request-erasure")), chromedp.WaitVisible(chromedp.ID("f-scope-contact")))
	if s := official.text("#erasure-official"); !strings.Contains(s, f.Official.Name) {
		t.Errorf("the form is about %q", s)
	}
	if s := official.text("#h-scope-contact"); !strings.Contains(s, fa.T("erasure.scope.contact.goes")) || !strings.Contains(s, fa.T("erasure.stays")) {
		t.Errorf("the contact scope is not explained: %q", s)
	}
	official.step("fill in",
		chromedp.Click(chromedp.ID("f-scope-contact")),
		chromedp.SendKeys(chromedp.ID("f-details"), "رایانامه و تلفن شخصی‌ام دیگر لازم نیست."),
	)
	screenshot(t, official.ctx, "erasure-form-fa")
	official.step("send",
		chromedp.Click(chromedp.CSS(`form.form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("state")),
	)
	loc := official.location()
	if !regexp.MustCompile(`/erasure-requests/\d+$`).MatchString(loc) {
		t.Fatalf("after asking at %s", loc)
	}
	page := loc[strings.Index(loc, "/erasure-requests/"):]
	if s := official.text("#state"); s != fa.T("erasure.state.pending") {
		t.Errorf("state after asking %q", s)
	}

	// The reviewer reads what erasing will do, confirms and erases.
	reviewer.signIn(base, f.Users[registry.RoleReviewer].Username)
	reviewer.step("the list", chromedp.Navigate(base+"/erasure-requests"), chromedp.WaitVisible(chromedp.ID("erasure-requests")))
	reviewer.step("the request",
		chromedp.Click(chromedp.CSS(`#erasure-requests a[href="`+page+`"]`)),
		chromedp.WaitVisible(chromedp.ID("erase-form")),
	)
	if s := reviewer.text("#blockers"); !strings.Contains(s, fa.T("erasure.blocker_serving")) {
		t.Errorf("blockers %q", s)
	}
	if s := reviewer.text("#erase-confirm"); !strings.Contains(s, "رایانامه و شمارهٔ تلفن") || !strings.Contains(s, f.Official.Name) {
		t.Errorf("confirmation sentence %q", s)
	}
	reviewer.step("the decision", chromedp.ScrollIntoView(chromedp.ID("blockers")))
	screenshot(t, reviewer.ctx, "erasure-decide-fa")
	// Accept the confirmation dialog, keeping what it asked.
	if _, err := chromedp.Run(reviewer.ctx, chromedp.Evaluate[bool](
		`window.confirm = (m) => { sessionStorage.setItem("confirmed", m); return true; }; true`)); err != nil {
		t.Fatal(err)
	}
	reviewer.step("erase",
		chromedp.Click(chromedp.ID("erase-now")),
		chromedp.WaitNotPresent(chromedp.ID("erase-form")),
		chromedp.WaitVisible(chromedp.ID("state")),
	)
	if s := reviewer.text("#state"); s != fa.T("erasure.state.completed") {
		t.Errorf("state after erasing %q", s)
	}
	asked, err := chromedp.Run(reviewer.ctx, chromedp.Evaluate[string](`sessionStorage.getItem("confirmed") || ""`))
	if err != nil || !strings.Contains(asked, "رایانامه و شمارهٔ تلفن") {
		t.Errorf("the confirmation asked %q (%v)", asked, err)
	}

	// The official is told and finds the request completed.
	official.step("notifications",
		chromedp.Navigate(base+"/notifications"),
		chromedp.WaitVisible(chromedp.CSS(`.notification-list a[href="`+page+`"]`)),
	)
	screenshot(t, official.ctx, "erasure-notification-fa")
	official.step("open the request",
		chromedp.Click(chromedp.CSS(`.notification-list a[href="`+page+`"]`)),
		chromedp.WaitVisible(chromedp.ID("decided-at")),
	)
	if s := official.text("#state"); s != fa.T("erasure.state.completed") {
		t.Errorf("the official sees the state %q", s)
	}
	screenshot(t, official.ctx, "erasure-completed-fa")
	official.step("own record", chromedp.Navigate(base+"/officials/"+id(f.Official.ID)), chromedp.WaitVisible(chromedp.ID("official-number")))
	if s := official.text("dl.summary-list"); strings.Contains(s, "a.mohammadi@example.ir") || !strings.Contains(s, fa.T("official.not_given")) {
		t.Errorf("the official's record still shows the e-mail address: %q", s)
	}
}
