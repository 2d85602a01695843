package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"hozur/config"
	"hozur/registry"
	"hozur/registry/storetest"
)

// testEnv is a real server on a real SQLite file in a temp dir.
type testEnv struct {
	t     *testing.T
	srv   *Server
	store *registry.Store
	ts    *httptest.Server
}

// testStore opens the store of dataDir on the database the suite runs on
// (registry/storetest), migrated, and closes it when the test ends. now is
// its clock; nil means time.Now.
func testStore(t testing.TB, dataDir string, now func() time.Time) *registry.Store {
	t.Helper()
	dbPath := filepath.Join(dataDir, "hozur.db")
	st, err := registry.Open(registry.Options{Driver: storetest.Driver(), DSN: storetest.DSN(t, dbPath), Path: dbPath, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	st := testStore(t, cfg.DataDir, nil)
	srv, err := New(cfg, st, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &testEnv{t: t, srv: srv, store: st, ts: ts}
}

const testPassword = "correct horse battery"

// user creates a user with the test password.
func (e *testEnv) user(username string, role registry.Role, agencyID, officialID int64) *registry.User {
	e.t.Helper()
	u, err := e.store.CreateUser(context.Background(), registry.System, registry.UserInput{Username: username, Password: testPassword,
		Role: role, AgencyID: agencyID, OfficialID: officialID, Active: true})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// token creates an API token for a user.
func (e *testEnv) token(u *registry.User) string {
	e.t.Helper()
	raw, _, err := e.store.CreateToken(context.Background(), registry.System, u.ID, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return raw
}

// browser is a cookie-keeping client that remembers the last CSRF token.
type browser struct {
	e      *testEnv
	client *http.Client
	csrf   string
}

func (e *testEnv) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// get fetches a page and returns status and body, keeping the CSRF token.
func (b *browser) get(path string) (int, string) {
	b.e.t.Helper()
	resp, err := b.client.Get(b.e.ts.URL + path)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := csrfInput.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return resp.StatusCode, string(body)
}

// post submits a form with the remembered CSRF token; it returns status,
// Location header and body.
func (b *browser) post(path string, form url.Values) (int, string, string) {
	b.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("_csrf") == "" {
		form.Set("_csrf", b.csrf)
	}
	resp, err := b.client.Post(b.e.ts.URL+path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := csrfInput.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return resp.StatusCode, resp.Header.Get("Location"), string(body)
}

// signIn signs the browser in as username.
func (b *browser) signIn(username string) {
	b.e.t.Helper()
	b.get("/login")
	status, loc, body := b.post("/login", url.Values{"username": {username}, "password": {testPassword}})
	if status != http.StatusSeeOther {
		b.e.t.Fatalf("sign in as %s: status %d, body %.300s", username, status, body)
	}
	b.get(loc)
}

// api sends a JSON request with a bearer token and returns status and body.
func (e *testEnv) api(token, method, path, body string) (int, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// fixture is a small registry: a ministry with a provincial office, another
// ministry, an official in each, and users of every role.
type fixture struct {
	Ministry, Province, Other *registry.Agency
	Official, OtherOfficial   *registry.OfficialView
	Users                     map[registry.Role]*registry.User
}

func (e *testEnv) fixture() *fixture {
	e.t.Helper()
	ctx := context.Background()
	must := func(err error) {
		if err != nil {
			e.t.Fatal(err)
		}
	}
	f := &fixture{Users: map[registry.Role]*registry.User{}}
	var err error
	f.Ministry, err = e.store.CreateAgency(ctx, registry.System, registry.AgencyInput{Code: "MIN-HEALTH", Name: "وزارت بهداشت، درمان و آموزش پزشکی", NameEn: "Ministry of Health and Medical Education", Kind: registry.KindMinistry})
	must(err)
	f.Province, err = e.store.CreateAgency(ctx, registry.System, registry.AgencyInput{Code: "MIN-HEALTH-FARS", Name: "دانشگاه علوم پزشکی شیراز", NameEn: "Shiraz University of Medical Sciences", Kind: registry.KindUniversity, ParentID: &f.Ministry.ID})
	must(err)
	f.Other, err = e.store.CreateAgency(ctx, registry.System, registry.AgencyInput{Code: "MIN-ENERGY", Name: "وزارت نیرو", NameEn: "Ministry of Energy", Kind: registry.KindMinistry})
	must(err)
	f.Official, err = e.store.CreateOfficial(ctx, registry.System, registry.OfficialInput{AgencyID: f.Province.ID, Name: "علیرضا محمدی", Position: "رئیس دانشگاه", Rank: 2, Serving: true})
	must(err)
	f.OtherOfficial, err = e.store.CreateOfficial(ctx, registry.System, registry.OfficialInput{AgencyID: f.Other.ID, Name: "زهرا حسینی", Position: "معاون وزیر", Rank: 2, Serving: true})
	must(err)
	f.Users[registry.RoleAdmin] = e.user("root", registry.RoleAdmin, 0, 0)
	f.Users[registry.RoleReviewer] = e.user("reviewer", registry.RoleReviewer, 0, 0)
	f.Users[registry.RoleLiaison] = e.user("liaison", registry.RoleLiaison, f.Ministry.ID, 0)
	f.Users[registry.RoleOfficial] = e.user("official", registry.RoleOfficial, 0, f.Official.ID)
	f.Users[registry.RoleAuditor] = e.user("auditor", registry.RoleAuditor, 0, 0)
	return f
}
