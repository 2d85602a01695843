package web

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds the browser; CI installs Debian's chromium, so there a
// missing browser fails the run instead of skipping it.
func chromiumPath(t *testing.T) string {
	for _, p := range []string{os.Getenv("HOZUR_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed; .ci/run installs it")
	}
	t.Skip("chromium not found (set HOZUR_CHROMIUM); CI runs this test")
	return ""
}

func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox cannot start
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	// Start the browser without a deadline: a timeout on the first run
	// would bound the whole browser's life.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// screenshot saves a full-page PNG when HOZUR_SCREENSHOTS names a folder.
func screenshot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("HOZUR_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	_ = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o600)
}

func TestBrowserRegistryFlow(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	e := newTestEnv(t)
	e.fixture()
	e.user("admin", "admin", 0, 0)
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
	location := func() string {
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}

	// Sign in: the page is Persian and right to left.
	step("open sign-in", chromedp.Navigate(e.ts.URL+"/accounts"), chromedp.WaitVisible(chromedp.ID("f-username")))
	if dir, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.documentElement.dir")); dir != "rtl" {
		t.Errorf("sign-in page dir %q, want rtl", dir)
	}
	screenshot(t, ctx, "login")
	step("sign in",
		chromedp.SendKeys(chromedp.ID("f-username"), "admin"),
		chromedp.SendKeys(chromedp.ID("f-password"), testPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form.filters`)),
	)
	if !strings.HasSuffix(location(), "/accounts") {
		t.Errorf("after sign-in at %s, want back at /accounts", location())
	}

	// Create an official through the form.
	step("new official",
		chromedp.Navigate(e.ts.URL+"/officials/new"),
		chromedp.WaitVisible(chromedp.ID("f-name")),
		chromedp.SendKeys(chromedp.ID("f-name"), "ملیکا رضایی"),
		chromedp.SendKeys(chromedp.ID("f-agency"), "MIN-HEALTH-FARS"),
		chromedp.SendKeys(chromedp.ID("f-position"), "مدیرکل روابط عمومی"),
		chromedp.SetValue(chromedp.ID("f-rank"), "3"),
		chromedp.Click(chromedp.CSS(`form.form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href^="/accounts/new?official_id="]`)),
	)
	if !regexp.MustCompile(`/officials/\d+$`).MatchString(location()) {
		t.Fatalf("after creating the official at %s", location())
	}
	if h1 := text("h1"); !strings.Contains(h1, "ملیکا رضایی") {
		t.Errorf("official page h1 %q", h1)
	}

	// Declare an account by pasting a URL with tracking parameters.
	step("declare account",
		chromedp.Click(chromedp.CSS(`a[href^="/accounts/new?official_id="]`)),
		chromedp.WaitVisible(chromedp.ID("f-url")),
		chromedp.SendKeys(chromedp.ID("f-url"), "https://www.instagram.com/Melika.Rezaei/?hl=fa&igsh=abc"),
		chromedp.SetValue(chromedp.ID("f-capacity"), "office"),
		chromedp.Click(chromedp.CSS(`form.form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`dl.summary-list`)),
	)
	if !regexp.MustCompile(`/accounts/\d+$`).MatchString(location()) {
		t.Fatalf("after declaring the account at %s", location())
	}
	if u := text("dl.summary-list"); !strings.Contains(strings.ToLower(u), "https://www.instagram.com/melika.rezaei") {
		t.Errorf("account page does not show the canonical URL: %q", u)
	}
	screenshot(t, ctx, "account")

	// Pasting the same account again is refused with a clear message.
	step("duplicate",
		chromedp.Navigate(e.ts.URL+"/accounts/new"),
		chromedp.WaitVisible(chromedp.ID("f-url")),
		chromedp.SendKeys(chromedp.ID("f-url"), "instagr.am/melika.rezaei"),
		chromedp.SetValue(chromedp.ID("f-capacity"), "institutional"),
		chromedp.SendKeys(chromedp.ID("f-agency"), "MIN-HEALTH"),
		chromedp.Click(chromedp.CSS(`form.form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.error-summary`)),
	)
	if msg := text(".error-summary"); !strings.Contains(msg, "پیش‌تر ثبت شده") {
		t.Errorf("duplicate message %q", msg)
	}

	// Find it by the holder's name typed with Arabic ي and ك.
	step("search",
		chromedp.Navigate(e.ts.URL+"/accounts"),
		chromedp.WaitVisible(chromedp.ID("f-q")),
		chromedp.SendKeys(chromedp.ID("f-q"), "مليكا رضايي"),
		chromedp.Click(chromedp.CSS(`form.filters button[type="submit"]`)),
	)
	// The list page is already there before the search: wait for the
	// searched one, then for its table.
	waitURL(t, ctx, "q=")
	step("search results", chromedp.WaitVisible(chromedp.CSS(`table.table tbody`)))
	if rows := text("table.table tbody"); !strings.Contains(rows, "Melika.Rezaei") {
		t.Errorf("search by Arabic spelling did not find the account: %q", rows)
	}
	screenshot(t, ctx, "accounts-fa")

	// Switch to English: left to right, English labels, remembered.
	step("english",
		chromedp.Click(chromedp.ID("lang-switch")),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="en"]`)),
	)
	if dir, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.documentElement.dir")); dir != "ltr" {
		t.Errorf("English page dir %q", dir)
	}
	if nav := text("nav.site-nav"); !strings.Contains(nav, "Accounts") {
		t.Errorf("English navigation %q", nav)
	}
	screenshot(t, ctx, "accounts-en")
	step("still english", chromedp.Navigate(e.ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] .cards`)))
	if cards := text(".cards"); !strings.Contains(cards, "on foreign platforms") {
		t.Errorf("English dashboard %q", cards)
	}

	// Sign out: back to the sign-in page, and the pages are closed again.
	step("sign out",
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.ID("f-username")),
		chromedp.Navigate(e.ts.URL+"/accounts"),
		chromedp.WaitVisible(chromedp.ID("f-username")),
	)
	if !strings.Contains(location(), "/login") {
		t.Errorf("after sign-out /accounts went to %s", location())
	}
}

// waitURL waits until the page's address contains part.
func waitURL(t *testing.T, ctx context.Context, part string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err == nil && strings.Contains(loc, part) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the page never reached an address with %q", part)
}
