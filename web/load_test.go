package web

// The load test: 50 clients at once, half of them people in browsers
// (signed in, reading pages and posting forms with their CSRF token), half
// programs on the API with a token, reading and writing, against a real
// server on loopback and a real SQLite file. No answer may be a 5xx or
// mention a locked database, the server may not log one, and every write
// that was acknowledged must be there afterwards.
//
// The default run lasts 5 seconds; the full one a minute:
//
//	HOZUR_LOAD_DURATION=60s go test ./web/ -run TestLoad -v

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hozur/config"
	"hozur/monitor"
	"hozur/registry"
	"hozur/registry/demo"
)

// lockedBuffer is a log both the server and the test write and read.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// loadDuration is how long the load runs: HOZUR_LOAD_DURATION, else 5 s.
func loadDuration(t *testing.T) time.Duration {
	t.Helper()
	v := os.Getenv("HOZUR_LOAD_DURATION")
	if v == "" {
		return 5 * time.Second
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		t.Fatalf("HOZUR_LOAD_DURATION=%q: a duration such as 60s", v)
	}
	return d
}

// loadStats counts what the clients did.
type loadStats struct {
	requests, reads, writes atomic.Int64
	mu                      sync.Mutex
	failures                []string
	acked                   []int64 // accounts whose creation was acknowledged
	latencies               []time.Duration
}

func (s *loadStats) fail(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.failures) < 20 {
		s.failures = append(s.failures, fmt.Sprintf(format, args...))
	}
}

func (s *loadStats) ack(id int64) {
	s.mu.Lock()
	s.acked = append(s.acked, id)
	s.mu.Unlock()
}

// someAcked is an account acknowledged so far, for reads; 0 if none.
func (s *loadStats) someAcked(rng *rand.Rand) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.acked) == 0 {
		return 0
	}
	return s.acked[rng.IntN(len(s.acked))]
}

// loadClient is one client: a browser with its cookies and CSRF token, or
// a program with a token.
type loadClient struct {
	base   string
	http   *http.Client
	token  string
	csrf   string
	stats  *loadStats
	rng    *rand.Rand
	name   string
	seq    int
	agency struct {
		id   int64
		code string
	}
}

var loadCSRF = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// do sends a request and checks what every answer must be: no 5xx, no
// locked database. It returns the status, the Location and the body.
func (c *loadClient) do(method, path, contentType, body string, write bool) (int, string, []byte, bool) {
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.stats.fail("%s %s: %v", method, path, err)
		return 0, "", nil, false
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.stats.fail("%s %s: %v", method, path, err)
		return 0, "", nil, false
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	took := time.Since(start)
	c.stats.requests.Add(1)
	if write {
		c.stats.writes.Add(1)
	} else {
		c.stats.reads.Add(1)
	}
	c.stats.mu.Lock()
	c.stats.latencies = append(c.stats.latencies, took)
	c.stats.mu.Unlock()
	if resp.StatusCode >= 500 {
		c.stats.fail("%s %s: %d %.200s", method, path, resp.StatusCode, b)
		return resp.StatusCode, "", b, false
	}
	if bytes.Contains(b, []byte("database is locked")) {
		c.stats.fail("%s %s: a locked database: %.200s", method, path, b)
		return resp.StatusCode, "", b, false
	}
	if m := loadCSRF.FindSubmatch(b); m != nil {
		c.csrf = string(m[1])
	}
	return resp.StatusCode, resp.Header.Get("Location"), b, true
}

// expect records an answer other than the one wanted as a failure.
func (c *loadClient) expect(method, path string, got, want int, body []byte) bool {
	if got != want {
		c.stats.fail("%s %s (%s): %d, want %d: %.200s", method, path, c.name, got, want, body)
		return false
	}
	return true
}

// browse is one step of a person in a browser.
func (c *loadClient) browse() {
	c.seq++
	if c.rng.IntN(10) < 3 {
		form := url.Values{"_csrf": {c.csrf}, "url": {fmt.Sprintf("https://t.me/load_%s_%d", c.name, c.seq)},
			"capacity": {registry.CapacityInstitutional}, "agency": {c.agency.code}, "status": {registry.StatusActive}}
		status, loc, b, ok := c.do(http.MethodPost, "/accounts", "application/x-www-form-urlencoded", form.Encode(), true)
		if !ok || !c.expect("POST", "/accounts", status, http.StatusSeeOther, b) {
			return
		}
		id, err := strconv.ParseInt(strings.TrimPrefix(loc, "/accounts/"), 10, 64)
		if err != nil {
			c.stats.fail("POST /accounts: redirected to %q", loc)
			return
		}
		c.stats.ack(id)
		// The page the form leads to.
		status, _, b, ok = c.do(http.MethodGet, loc, "", "", false)
		if ok {
			c.expect("GET", loc, status, http.StatusOK, b)
		}
		return
	}
	pages := []string{"/", "/accounts", "/accounts?q=" + url.QueryEscape("وزارت"), "/accounts?capacity=institutional&agency=" + c.agency.code,
		"/officials", "/flags", "/agencies"}
	path := pages[c.rng.IntN(len(pages))]
	if id := c.stats.someAcked(c.rng); id != 0 && c.rng.IntN(3) == 0 {
		path = "/accounts/" + strconv.FormatInt(id, 10)
	}
	status, _, b, ok := c.do(http.MethodGet, path, "", "", false)
	if ok {
		c.expect("GET", path, status, http.StatusOK, b)
	}
}

// call is one step of a program on the API.
func (c *loadClient) call() {
	c.seq++
	if c.rng.IntN(10) < 3 {
		body := fmt.Sprintf(`{"url":"https://x.com/load_%s_%d","capacity":"institutional","agency_id":%d}`, c.name, c.seq, c.agency.id)
		status, _, b, ok := c.do(http.MethodPost, "/api/v1/accounts", "application/json", body, true)
		if !ok || !c.expect("POST", "/api/v1/accounts", status, http.StatusCreated, b) {
			return
		}
		var v struct{ ID int64 }
		if err := json.Unmarshal(b, &v); err != nil || v.ID == 0 {
			c.stats.fail("POST /api/v1/accounts: 201 without an id: %.200s", b)
			return
		}
		c.stats.ack(v.ID)
		return
	}
	paths := []string{"/api/v1/accounts?per_page=50", "/api/v1/accounts?agency_id=" + strconv.FormatInt(c.agency.id, 10),
		"/api/v1/accounts?q=" + url.QueryEscape("خبر"), "/api/v1/officials?per_page=20", "/api/v1/flags?per_page=20"}
	path := paths[c.rng.IntN(len(paths))]
	if id := c.stats.someAcked(c.rng); id != 0 && c.rng.IntN(3) == 0 {
		path = "/api/v1/accounts/" + strconv.FormatInt(id, 10)
	}
	status, _, b, ok := c.do(http.MethodGet, path, "", "", false)
	if ok {
		c.expect("GET", path, status, http.StatusOK, b)
	}
}

func TestLoad(t *testing.T) {
	if os.Getenv("HOZUR_TEST_DATABASE") == "postgres" {
		t.Skip("the load test runs against SQLite, where writers queue for one file")
	}
	duration := loadDuration(t)
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	st, err := registry.Open(registry.Options{Path: filepath.Join(cfg.DataDir, "hozur.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Generate(ctx, st, demo.Options{Accounts: 5000, Seed: 21}); err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	// As hozur serve wires it: every write re-evaluates the rules for the
	// accounts it touched.
	mon := monitor.New(st, monitor.SettingsFrom(cfg), log)
	st.SetChangeHook(mon.OnChange)
	if _, err := mon.Scan(ctx, time.Now(), monitor.TriggerCLI, nil); err != nil {
		t.Fatal(err)
	}
	srv, err := New(cfg, st, mon, log)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)

	var agencies []struct {
		ID   int64
		Code string
	}
	if err := st.Read(ctx).Table("agencies").Select("id, code").Order("id").Limit(25).Find(&agencies).Error; err != nil || len(agencies) == 0 {
		t.Fatalf("agencies: %v", err)
	}
	// Browsers sign in as a few people, programs use their tokens.
	var tokens []string
	var users []string
	for i, role := range []registry.Role{registry.RoleAdmin, registry.RoleReviewer, registry.RoleAdmin, registry.RoleReviewer, registry.RoleAdmin} {
		name := fmt.Sprintf("load%d", i)
		u, err := st.CreateUser(ctx, registry.System, registry.UserInput{Username: name, Password: testPassword, Role: role, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		raw, _, err := st.CreateToken(ctx, registry.System, u.ID, "load")
		if err != nil {
			t.Fatal(err)
		}
		users, tokens = append(users, name), append(tokens, raw)
	}

	const clients = 50
	stats := &loadStats{}
	transport := &http.Transport{MaxIdleConns: 2 * clients, MaxIdleConnsPerHost: 2 * clients}
	t.Cleanup(transport.CloseIdleConnections)
	cs := make([]*loadClient, clients)
	for i := range cs {
		c := &loadClient{base: ts.URL, stats: stats, rng: rand.New(rand.NewPCG(uint64(i), 7)), name: fmt.Sprintf("c%d", i)}
		c.agency.id, c.agency.code = agencies[i%len(agencies)].ID, agencies[i%len(agencies)].Code
		if i%2 == 0 {
			jar, _ := cookiejar.New(nil)
			c.http = &http.Client{Transport: transport, Jar: jar, Timeout: 30 * time.Second,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			c.do(http.MethodGet, "/login", "", "", false)
			form := url.Values{"_csrf": {c.csrf}, "username": {users[i%len(users)]}, "password": {testPassword}}
			status, _, b, _ := c.do(http.MethodPost, "/login", "application/x-www-form-urlencoded", form.Encode(), true)
			if status != http.StatusSeeOther {
				t.Fatalf("sign in as %s: %d %.300s", users[i%len(users)], status, b)
			}
			c.do(http.MethodGet, "/accounts/new", "", "", false)
		} else {
			c.http = &http.Client{Transport: transport, Timeout: 30 * time.Second}
			c.token = tokens[i%len(tokens)]
		}
		cs[i] = c
	}
	stats.requests.Store(0)
	stats.reads.Store(0)
	stats.writes.Store(0)
	stats.latencies = nil

	start := time.Now()
	deadline := start.Add(duration)
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if c.token == "" {
					c.browse()
				} else {
					c.call()
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)

	for _, f := range stats.failures {
		t.Error(f)
	}
	if n := strings.Count(logs.String(), "database is locked"); n > 0 {
		t.Errorf("the server logged a locked database %d times", n)
	}
	if len(stats.acked) == 0 {
		t.Fatal("no write was acknowledged")
	}
	// Every acknowledged write is there, with its audit event.
	var found, audited int64
	if err := st.Read(ctx).Table("accounts").Where("id IN ?", stats.acked).Count(&found).Error; err != nil {
		t.Fatal(err)
	}
	if err := st.Read(ctx).Table("audit_events").Where("entity = 'account' AND action = 'create' AND entity_id IN ?", stats.acked).Count(&audited).Error; err != nil {
		t.Fatal(err)
	}
	if found != int64(len(stats.acked)) || audited != found {
		t.Errorf("%d writes acknowledged; %d of them are there, %d with their audit event", len(stats.acked), found, audited)
	}
	lat := slices.Clone(stats.latencies)
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	secs := elapsed.Seconds()
	t.Logf("%d clients for %s: %d requests (%.0f/s): %d reads (%.0f/s), %d writes (%.0f/s), %d accounts created; p50 %s, p99 %s",
		clients, elapsed.Round(time.Millisecond), stats.requests.Load(), float64(stats.requests.Load())/secs, stats.reads.Load(),
		float64(stats.reads.Load())/secs, stats.writes.Load(), float64(stats.writes.Load())/secs, len(stats.acked),
		pct(0.50).Round(time.Microsecond), pct(0.99).Round(time.Microsecond))
}
