package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserTOTP: with security.totp on, an administrator is sent from
// sign-in to enrolment, scans (here: reads) the key, confirms it with a
// code, sees the recovery codes once, and from then on signs in with a
// code after the password.
func TestBrowserTOTP(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	clock := newTestClock()
	e := newTOTPEnv(t, clock)
	e.fixture()
	ctx := newBrowser(t)
	step := func(name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
			t.Fatalf("%s: %v\npage: %.2000s", name, err, html)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	signIn := func(name string) {
		t.Helper()
		step(name,
			chromedp.Navigate(e.ts.URL+"/login"),
			chromedp.WaitVisible(chromedp.ID("f-username")),
			chromedp.SendKeys(chromedp.ID("f-username"), "root"),
			chromedp.SendKeys(chromedp.ID("f-password"), testPassword),
			chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		)
	}

	// Signed in with the password, the admin lands on enrolment.
	signIn("sign in")
	step("enrolment page", chromedp.WaitVisible(chromedp.ID("totp-qr")))
	waitURL(t, ctx, "/profile/totp")
	if dir, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.documentElement.dir")); dir != "rtl" {
		t.Errorf("enrolment page dir %q, want rtl", dir)
	}
	// The QR code is an image the browser decoded, not a broken one.
	if w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.getElementById("totp-qr").naturalWidth`)); err != nil || w < 200 {
		t.Errorf("QR code image width %d (%v)", w, err)
	}
	if notice := text("#totp-required"); !strings.Contains(notice, "مدیران") {
		t.Errorf("required notice %q", notice)
	}
	screenshot(t, ctx, "totp-enrol")
	// Another page sends the admin back here.
	step("accounts closed", chromedp.Navigate(e.ts.URL+"/accounts"), chromedp.WaitVisible(chromedp.ID("totp-qr")))

	secret := strings.ReplaceAll(strings.TrimSpace(text("#totp-secret")), " ", "")
	if len(secret) != 32 {
		t.Fatalf("key on the page %q", secret)
	}
	step("wrong code",
		chromedp.SendKeys(chromedp.ID("f-code"), "12"),
		chromedp.Click(chromedp.CSS(`#totp-confirm button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("e-code")),
	)
	if m := text("#e-code"); !strings.Contains(m, "کد نادرست است") {
		t.Errorf("wrong code message %q", m)
	}
	step("confirm",
		chromedp.SendKeys(chromedp.ID("f-code"), totpCode(t, secret, clock.now())),
		chromedp.Click(chromedp.CSS(`#totp-confirm button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("recovery-codes")),
	)
	codes, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#recovery-codes li code").length`))
	if err != nil || codes != 10 {
		t.Errorf("%d recovery codes on the page (%v)", codes, err)
	}
	screenshot(t, ctx, "totp-recovery")
	step("continue", chromedp.Click(chromedp.ID("recovery-continue")), chromedp.WaitVisible(chromedp.CSS(".cards")))

	// Sign out and in again: now a code is asked for.
	step("sign out",
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.ID("f-username")),
	)
	signIn("sign in again")
	step("code page", chromedp.WaitVisible(chromedp.CSS(`form[action="/login/code"]`)))
	waitURL(t, ctx, "/login/code")
	screenshot(t, ctx, "totp-code")
	clock.advance(30 * time.Second)
	step("code",
		chromedp.SendKeys(chromedp.ID("f-code"), totpCode(t, secret, clock.now())),
		chromedp.Click(chromedp.CSS(`form[action="/login/code"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".cards")),
	)
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.HasSuffix(loc, "/") {
		t.Errorf("after the code at %s (%v), want the dashboard", loc, err)
	}
	screenshot(t, ctx, "totp-dashboard")
}
