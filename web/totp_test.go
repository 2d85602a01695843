package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"hozur/config"
	"hozur/registry"
	"hozur/registry/textnorm"
)

// testClock is a settable clock for the store: codes are computed for its
// time, so no test waits for a 30-second step to pass.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newTOTPEnv is newTestEnv with security.totp on and the store on clock.
func newTOTPEnv(t *testing.T, clock *testClock) *testEnv {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Security.TOTP = true
	// On the database the suite runs on, PostgreSQL too.
	st := testStore(t, cfg.DataDir, clock.now)
	srv, err := New(cfg, st, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &testEnv{t: t, srv: srv, store: st, ts: ts}
}

func newTestClock() *testClock {
	return &testClock{t: time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)}
}

var totpSecretOnPage = regexp.MustCompile(`id="totp-secret">([A-Z2-7 ]+)<`)

// secretOn reads the key off the enrolment page, as a person would type it.
func secretOn(t *testing.T, body string) string {
	t.Helper()
	m := totpSecretOnPage.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no key on the enrolment page:\n%.3000s", body)
	}
	return strings.ReplaceAll(m[1], " ", "")
}

func totpCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrolThroughPages sets up a second factor through the pages and returns
// the key and the page with the recovery codes.
func (b *browser) enrolThroughPages(clock *testClock) (string, string) {
	t := b.e.t
	t.Helper()
	status, body := b.get("/profile/totp")
	if status != http.StatusOK {
		t.Fatalf("enrolment page: %d", status)
	}
	secret := secretOn(t, body)
	status, _, body = b.post("/profile/totp/confirm", url.Values{"code": {totpCode(t, secret, clock.now())}})
	if status != http.StatusOK || !strings.Contains(body, `id="recovery-codes"`) {
		t.Fatalf("confirm: %d\n%.2000s", status, body)
	}
	return secret, body
}

// signInWithCode signs in with the password, then the code of the next
// step (a code of the current step may have been spent already).
func (b *browser) signInWithCode(username, secret string, clock *testClock) {
	t := b.e.t
	t.Helper()
	b.get("/login")
	status, loc, body := b.post("/login", url.Values{"username": {username}, "password": {testPassword}})
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login/code") {
		t.Fatalf("password step: %d %q %.500s", status, loc, body)
	}
	b.get(loc)
	clock.advance(30 * time.Second)
	status, loc, body = b.post("/login/code", url.Values{"code": {totpCode(t, secret, clock.now())}, "next": {"/"}})
	if status != http.StatusSeeOther || loc != "/" {
		t.Fatalf("code step: %d %q %.1000s", status, loc, body)
	}
}

// TestTOTPOffChangesNothing: with security.totp off (the default) there is
// no second factor anywhere, even for a user who enrolled while it was on.
func TestTOTPOffChangesNothing(t *testing.T) {
	e := newTestEnv(t)
	f := e.fixture()
	admin := f.Users[registry.RoleAdmin]
	a := registry.Actor{UserID: admin.ID, Username: admin.Username, Role: admin.Role}
	secret, err := e.store.BeginTOTP(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.ConfirmTOTP(context.Background(), a, totpCode(t, secret, e.store.Now())); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.get("/login")
	status, loc, _ := b.post("/login", url.Values{"username": {"root"}, "password": {testPassword}, "next": {"/accounts"}})
	if status != http.StatusSeeOther || loc != "/accounts" {
		t.Fatalf("sign-in with totp off: %d %q", status, loc)
	}
	for _, path := range []string{"/profile/totp", "/login/code"} {
		if status, _ := b.get(path); status != http.StatusNotFound {
			t.Errorf("GET %s with totp off: %d, want 404", path, status)
		}
	}
	_, body := b.get("/profile")
	mustNotContain(t, body, msg(t, "fa", "totp.title"))
	_, body = b.get("/users/" + id(f.Users[registry.RoleReviewer].ID))
	mustNotContain(t, body, "/totp/reset")
}

// TestTOTPAdminMustEnrol: an administrator without a second factor reaches
// only enrolment and sign-out; once enrolled, sign-in asks for a code.
func TestTOTPAdminMustEnrol(t *testing.T) {
	clock := newTestClock()
	e := newTOTPEnv(t, clock)
	f := e.fixture()
	b := e.browser()
	b.signIn("root")

	// Everything else sends them to enrolment, writes included.
	for _, path := range []string{"/", "/accounts", "/users", "/profile", "/audit", "/agencies/new"} {
		status, _ := b.get(path)
		loc := ""
		if status == http.StatusSeeOther {
			resp, err := b.client.Get(e.ts.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			loc = resp.Header.Get("Location")
			_ = resp.Body.Close()
		}
		if status != http.StatusSeeOther || loc != "/profile/totp" {
			t.Errorf("GET %s before enrolment: %d %q, want 303 to /profile/totp", path, status, loc)
		}
	}
	// The page shows the shared secret: never to be cached.
	if resp, err := b.client.Get(e.ts.URL + "/profile/totp"); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
		if got := resp.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("enrolment page Cache-Control %q, want no-store", got)
		}
	}
	status, body := b.get("/profile/totp")
	if status != http.StatusOK {
		t.Fatalf("enrolment page: %d", status)
	}
	mustContain(t, body, `id="totp-required"`, msg(t, "fa", "totp.required_notice"), `src="data:image/png;base64,`, `name="_csrf"`,
		`action="/profile/totp/confirm"`, `autocomplete="one-time-code"`)
	status, loc, _ := b.post("/agencies", validForms(f)["/agencies"])
	if status != http.StatusSeeOther || loc != "/profile/totp" {
		t.Errorf("POST /agencies before enrolment: %d %q", status, loc)
	}
	if _, err := e.store.AgencyByCode(context.Background(), "MIN-ROADS"); err == nil {
		t.Error("an agency was created before enrolment")
	}
	// The API token is a credential of its own and is not affected.
	if status, _ := e.api(e.token(f.Users[registry.RoleAdmin]), "GET", "/api/v1/me", ""); status != http.StatusOK {
		t.Errorf("API token of an admin without a second factor: %d", status)
	}
	// Assets, health and the language switch stay reachable.
	if status, _ := b.get("/healthz"); status != http.StatusOK {
		t.Errorf("healthz: %d", status)
	}

	secret := secretOn(t, body)
	// A reload shows the same key: a code already scanned keeps working.
	_, again := b.get("/profile/totp")
	if secretOn(t, again) != secret {
		t.Error("reloading the enrolment page changed the key")
	}
	status, _, body = b.post("/profile/totp/confirm", url.Values{"code": {"000000"}})
	if totpCode(t, secret, clock.now()) != "000000" && status != http.StatusUnprocessableEntity {
		t.Errorf("wrong code: %d", status)
	}
	mustContain(t, body, msg(t, "fa", "totp.code_wrong"), `class="error-summary"`, `id="totp-secret"`)
	// Persian digits, as a Persian keyboard types them.
	status, _, body = b.post("/profile/totp/confirm", url.Values{"code": {textnorm.PersianDigits(totpCode(t, secret, clock.now()))}})
	if status != http.StatusOK {
		t.Fatalf("confirm: %d\n%.2000s", status, body)
	}
	codes := regexp.MustCompile(`<code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code>`).FindAllStringSubmatch(body, -1)
	if len(codes) != registry.RecoveryCodeCount {
		t.Fatalf("%d recovery codes shown, want %d", len(codes), registry.RecoveryCodeCount)
	}
	mustContain(t, body, msg(t, "fa", "totp.recovery_intro"))
	if status, _ := b.get("/accounts"); status != http.StatusOK {
		t.Errorf("/accounts after enrolment: %d", status)
	}
	// An administrator may not turn it off while it is required.
	_, body = b.get("/profile/totp")
	mustContain(t, body, msg(t, "fa", "totp.admin_required"))
	mustNotContain(t, body, `action="/profile/totp/disable"`)
	clock.advance(30 * time.Second)
	if status, _, _ := b.post("/profile/totp/disable", url.Values{"code": {totpCode(t, secret, clock.now())}}); status != http.StatusConflict {
		t.Errorf("admin disables: %d, want 409", status)
	}
	if has, _ := e.store.HasFactor(context.Background(), f.Users[registry.RoleAdmin].ID); !has {
		t.Error("the admin's factor was turned off")
	}

	// Sign out; the next sign-in asks for a code before anything opens.
	b.post("/logout", nil)
	b.get("/login")
	status, loc, _ = b.post("/login", url.Values{"username": {"root"}, "password": {testPassword}, "next": {"/accounts?q=x"}})
	if status != http.StatusSeeOther || loc != "/login/code?next=%2Faccounts%3Fq%3Dx" {
		t.Fatalf("password step: %d %q", status, loc)
	}
	// Half signed in is not signed in.
	if status, _ := b.get("/accounts"); status != http.StatusSeeOther {
		t.Errorf("/accounts between password and code: %d", status)
	}
	status, body = b.get(loc)
	if status != http.StatusOK {
		t.Fatalf("code page: %d", status)
	}
	mustContain(t, body, `name="_csrf"`, `name="next" value="/accounts?q=x"`, `inputmode="numeric"`, "Hozur")
	// A recovery code works once, typed in capitals.
	status, loc, _ = b.post("/login/code", url.Values{"code": {strings.ToUpper(codes[0][1])}, "next": {"/accounts?q=x"}})
	if status != http.StatusSeeOther || loc != "/accounts?q=x" {
		t.Fatalf("recovery code: %d %q", status, loc)
	}
	if status, _ := b.get("/accounts"); status != http.StatusOK {
		t.Errorf("/accounts after the code: %d", status)
	}
	b.post("/logout", nil)
	b.get("/login")
	_, loc, _ = b.post("/login", url.Values{"username": {"root"}, "password": {testPassword}})
	b.get(loc)
	status, _, body = b.post("/login/code", url.Values{"code": {codes[0][1]}})
	if status != http.StatusUnprocessableEntity {
		t.Errorf("recovery code used twice: %d", status)
	}
	mustContain(t, body, msg(t, "fa", "totp.code_wrong"))
	clock.advance(30 * time.Second)
	status, loc, _ = b.post("/login/code", url.Values{"code": {totpCode(t, secret, clock.now())}})
	if status != http.StatusSeeOther || loc != "/" {
		t.Errorf("code: %d %q", status, loc)
	}
	_, body = b.get("/audit?action=totp_recovery_used")
	mustContain(t, body, msg(t, "fa", "audit.action.totp_recovery_used"))
	_, body = b.get("/audit?action=totp_enrol")
	mustContain(t, body, msg(t, "fa", "audit.action.totp_enrol"))
}

// TestTOTPOptionalForOthers: other roles work without a second factor, may
// turn it on from their profile, and off again with a code.
func TestTOTPOptionalForOthers(t *testing.T) {
	clock := newTestClock()
	e := newTOTPEnv(t, clock)
	f := e.fixture()
	b := e.signedIn(f, registry.RoleReviewer)
	if status, _ := b.get("/accounts"); status != http.StatusOK {
		t.Fatalf("reviewer without a second factor: %d", status)
	}
	_, body := b.get("/profile")
	mustContain(t, body, msg(t, "fa", "totp.title"), `href="/profile/totp"`, msg(t, "fa", "totp.status_off"))
	_, body = b.get("/profile/totp")
	mustNotContain(t, body, `id="totp-required"`)
	mustContain(t, body, `<html lang="fa" dir="rtl">`, msg(t, "fa", "totp.step_scan"))
	// In English, left to right.
	b.setLang("en")
	_, body = b.get("/profile/totp")
	mustContain(t, body, `<html lang="en" dir="ltr">`, msg(t, "en", "totp.step_scan"), msg(t, "en", "totp.confirm"))
	status, _, body := b.post("/profile/totp/confirm", url.Values{"code": {"abc"}})
	if status != http.StatusUnprocessableEntity {
		t.Errorf("confirm with letters: %d", status)
	}
	mustContain(t, body, msg(t, "en", "totp.code_wrong"))
	b.setLang("fa")
	secret, _ := b.enrolThroughPages(clock)
	_, body = b.get("/profile")
	mustContain(t, body, msg(t, "fa", "totp.status_on"))

	b.post("/logout", nil)
	b.signInWithCode("reviewer", secret, clock)
	_, body = b.get("/profile/totp")
	mustContain(t, body, `action="/profile/totp/disable"`, `name="_csrf"`)
	status, _, body = b.post("/profile/totp/disable", url.Values{"code": {"12"}})
	if status != http.StatusUnprocessableEntity {
		t.Errorf("disable with a wrong code: %d", status)
	}
	mustContain(t, body, msg(t, "fa", "totp.code_wrong"))
	clock.advance(30 * time.Second)
	status, loc, _ := b.post("/profile/totp/disable", url.Values{"code": {totpCode(t, secret, clock.now())}})
	if status != http.StatusSeeOther || loc != "/profile" {
		t.Fatalf("disable: %d %q", status, loc)
	}
	_, body = b.get("/profile")
	mustContain(t, body, msg(t, "fa", "totp.disabled"))
	b.post("/logout", nil)
	b.signIn("reviewer") // the password alone again
	if status, _ := b.get("/accounts"); status != http.StatusOK {
		t.Errorf("after turning it off: %d", status)
	}
}

// TestTOTPThrottle: wrong codes count as failed sign-ins, so after the
// configured number even the right code is refused for a while.
func TestTOTPThrottle(t *testing.T) {
	clock := newTestClock()
	e := newTOTPEnv(t, clock)
	f := e.fixture()
	b := e.signedIn(f, registry.RoleLiaison)
	secret, _ := b.enrolThroughPages(clock)
	b.post("/logout", nil)

	b.get("/login")
	_, loc, _ := b.post("/login", url.Values{"username": {"liaison"}, "password": {testPassword}})
	b.get(loc)
	clock.advance(30 * time.Second)
	right := totpCode(t, secret, clock.now())
	wrong := "000000"
	if wrong == right {
		wrong = "111111"
	}
	max := config.Default().Security.LoginMaxAttempts
	for i := range max {
		status, _, body := b.post("/login/code", url.Values{"code": {wrong}})
		if status != http.StatusUnprocessableEntity {
			t.Fatalf("wrong code %d: %d", i+1, status)
		}
		mustContain(t, body, `id="e-code"`, msg(t, "fa", "totp.code_wrong"))
	}
	status, _, body := b.post("/login/code", url.Values{"code": {right}})
	if status != http.StatusTooManyRequests {
		t.Fatalf("right code after %d wrong ones: %d", max, status)
	}
	mustContain(t, body, msg(t, "fa", "login.rate_limited"))
	// The password form is held back too.
	other := e.browser()
	other.get("/login")
	if status, _, _ := other.post("/login", url.Values{"username": {"liaison"}, "password": {testPassword}}); status != http.StatusTooManyRequests {
		t.Errorf("password after wrong codes: %d", status)
	}
	// Without its CSRF token the code form is refused outright.
	resp, err := other.client.PostForm(e.ts.URL+"/login/code", url.Values{"code": {right}})
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode < 400 || resp.StatusCode >= 500 {
		t.Errorf("code form without CSRF: %d", resp.StatusCode)
	}
	// A pending sign-in lasts five minutes.
	clock.advance(registry.ChallengeLifetime + time.Minute)
	status, loc, _ = b.post("/login/code", url.Values{"code": {totpCode(t, secret, clock.now())}})
	if status != http.StatusSeeOther || loc != "/login" {
		t.Errorf("expired sign-in: %d %q", status, loc)
	}
	_, body = b.get("/login")
	mustContain(t, body, msg(t, "fa", "totp.expired"))
}

// TestTOTPReset: an administrator resets another user's second factor;
// nobody else may, and not their own.
func TestTOTPReset(t *testing.T) {
	clock := newTestClock()
	e := newTOTPEnv(t, clock)
	f := e.fixture()
	rev := e.signedIn(f, registry.RoleReviewer)
	rev.enrolThroughPages(clock)
	revID := id(f.Users[registry.RoleReviewer].ID)

	admin := e.browser()
	admin.signIn("root")
	admin.enrolThroughPages(clock)
	_, body := admin.get("/users/" + id(f.Users[registry.RoleAdmin].ID))
	mustNotContain(t, body, `action="/users/`+id(f.Users[registry.RoleAdmin].ID)+`/totp/reset"`)
	_, body = admin.get("/users/" + revID)
	mustContain(t, body, `action="/users/`+revID+`/totp/reset"`, msg(t, "fa", "totp.status_on"), msg(t, "fa", "totp.reset_confirm"))

	// Others are refused, the admin's own reset too.
	if status, _, _ := rev.post("/users/"+revID+"/totp/reset", nil); status != http.StatusForbidden {
		t.Errorf("reviewer resets: %d", status)
	}
	if status, _, _ := admin.post("/users/"+id(f.Users[registry.RoleAdmin].ID)+"/totp/reset", nil); status != http.StatusForbidden {
		t.Errorf("admin resets their own: %d", status)
	}
	status, loc, _ := admin.post("/users/"+revID+"/totp/reset", nil)
	if status != http.StatusSeeOther || loc != "/users/"+revID {
		t.Fatalf("reset: %d %q", status, loc)
	}
	_, body = admin.get(loc)
	mustContain(t, body, msg(t, "fa", "totp.reset_done"), msg(t, "fa", "totp.status_off"))
	// The reviewer signs in with the password alone.
	b := e.browser()
	b.signIn("reviewer")
	if status, _ := b.get("/accounts"); status != http.StatusOK {
		t.Errorf("reviewer after reset: %d", status)
	}
	_, body = admin.get("/audit?action=totp_reset")
	mustContain(t, body, msg(t, "fa", "audit.action.totp_reset"))
}
