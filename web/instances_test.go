package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"hozur/config"
	"hozur/registry"
)

// second starts another server on e's database, with a store of its own,
// as a second `hozur serve` behind the same load balancer.
func (e *testEnv) second() *testEnv {
	e.t.Helper()
	cfg := config.Default()
	cfg.DataDir = e.srv.cfg.DataDir
	// It migrates at start as serve does: nothing is left to apply.
	st := testStore(e.t, cfg.DataDir, nil)
	srv, err := New(cfg, st, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		e.t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	e.t.Cleanup(ts.Close)
	return &testEnv{t: e.t, srv: srv, store: st, ts: ts}
}

// on points the browser at another server; its cookies (kept by host,
// whatever the port) go along, as behind a load balancer.
func (b *browser) on(e *testEnv) *browser { b.e = e; return b }

// TestTwoServersShareSessionsAndLimits: a session begun on one server is
// good on the other, a form with the other's CSRF token is accepted, a
// sign-out on one ends it on both, and failed sign-ins count across both.
func TestTwoServersShareSessionsAndLimits(t *testing.T) {
	a := newTestEnv(t)
	f := a.fixture()
	b := a.second()
	br := a.browser()
	br.signIn("root")
	if status, _ := br.on(b).get("/accounts"); status != http.StatusOK {
		t.Fatalf("the session from server A on server B: %d", status)
	}
	br.on(a).get("/agencies/new")
	status, loc, body := br.on(b).post("/agencies", url.Values{"code": {"MIN-TWO"}, "name": {"وزارت دو"}, "kind": {"ministry"}})
	if status != http.StatusSeeOther {
		t.Fatalf("a form from server A posted to server B: %d %s %.300s", status, loc, body)
	}
	if ag, err := a.store.AgencyByCode(context.Background(), "MIN-TWO"); err != nil || ag == nil {
		t.Fatalf("server A does not see server B's write: %v", err)
	}
	br.on(b).get("/")
	if status, _, _ := br.on(b).post("/logout", nil); status != http.StatusSeeOther {
		t.Fatalf("sign out on B: %d", status)
	}
	if status, _ := br.on(a).get("/accounts"); status != http.StatusSeeOther {
		t.Fatalf("server A after signing out on B: %d, want a redirect to sign in", status)
	}
	// Failed sign-ins, half on each server, reach the one limit.
	max := config.Default().Security.LoginMaxAttempts
	for i := range max {
		srv := a
		if i%2 == 1 {
			srv = b
		}
		x := srv.browser()
		x.get("/login")
		if status, _, _ := x.post("/login", url.Values{"username": {f.Users[registry.RoleLiaison].Username}, "password": {"not the password"}}); status != http.StatusUnauthorized {
			t.Fatalf("wrong password %d on server %d: %d", i+1, i%2, status)
		}
	}
	for _, srv := range []*testEnv{a, b} {
		x := srv.browser()
		x.get("/login")
		if status, _, _ := x.post("/login", url.Values{"username": {f.Users[registry.RoleLiaison].Username}, "password": {testPassword}}); status != http.StatusTooManyRequests {
			t.Errorf("right password after %d wrong ones across both servers: %d, want 429", max, status)
		}
	}
}
