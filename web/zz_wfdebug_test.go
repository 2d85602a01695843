package web

import (
	"context"
	"net/url"
	"os"
	"testing"

	"github.com/chromedp/chromedp"

	"hozur/registry"
)

// shot captures the whole page as PNG, by making the viewport as tall as
// the page.
func shot(t *testing.T, b tab, name string) {
	h, _ := chromedp.Run(b.ctx, chromedp.Evaluate[float64](`document.documentElement.scrollHeight`))
	if h < 700 {
		h = 700
	}
	if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(1280, int64(h))); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	chromedp.Do(b.ctx, chromedp.EmulateViewport(1280, 900))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile("/tmp/wf/"+name+".png", png, 0o600)
}

func TestZZWFDebug(t *testing.T) {
	w := newWF(t)
	ctx := context.Background()
	// An approved justification on one account, an open question on another.
	until, _ := w.day(1)
	j, _ := w.store.CreateJustification(ctx, registry.System, registry.JustificationInput{AccountID: w.acct.ID, Grounds: "other", Statement: "x"})
	w.store.Transition(ctx, registry.System, j.ID, registry.TransitionInput{To: registry.StateSubmitted})
	w.store.Transition(ctx, registry.System, j.ID, registry.TransitionInput{To: registry.StateApproved, ValidUntil: &until, Conditions: "فقط اخبار"})
	insta := w.account("instagram.com/ali.mohammadi", registry.CapacityPersonal, w.f.Official.ID)
	w.account("eitaa.com/ali_mohammadi", registry.CapacityOffice, w.f.Official.ID)
	j2, _ := w.store.CreateJustification(ctx, registry.System, registry.JustificationInput{AccountID: insta.ID, Grounds: "media_monitoring", Statement: "پایش اخبار حوزهٔ سلامت در اینستاگرام.\nخط دوم."})
	w.store.Transition(ctx, registry.System, j2.ID, registry.TransitionInput{To: registry.StateSubmitted})
	w.store.Transition(ctx, w.actor(w.f.Users[registry.RoleReviewer]), j2.ID, registry.TransitionInput{To: registry.StateInfoRequested, Note: "منابع پایش کدام‌اند؟"})

	b := tab{t, newBrowser(t)}
	b.signIn(w.ts.URL, w.f.Users[registry.RoleOfficial].Username)
	for _, p := range []string{"/", "/justifications/" + id(j2.ID), "/accounts/" + id(w.acct.ID), "/notifications", "/justifications/new?account_id=" + id(insta.ID)} {
		b.step(p, chromedp.Navigate(w.ts.URL+p), chromedp.WaitVisible(chromedp.CSS("main")))
		shot(t, b, "official"+url.PathEscape(p))
	}
	r := tab{t, newBrowser(t)}
	r.signIn(w.ts.URL, w.f.Users[registry.RoleAdmin].Username)
	for _, p := range []string{"/", "/review", "/justifications/" + id(j2.ID), "/exemptions/1", "/group-exemptions/new", "/directives/new", "/officials/" + id(w.f.Official.ID) + "/leave", "/officials/" + id(w.f.Official.ID)} {
		r.step(p, chromedp.Navigate(w.ts.URL+p), chromedp.WaitVisible(chromedp.CSS("main")))
		shot(t, r, "admin"+url.PathEscape(p))
	}
}
