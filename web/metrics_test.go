package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"hozur/config"
	"hozur/monitor"
	"hozur/registry"
)

// newOpsEnv is newTestEnv with a configuration of the test's own and a
// logger it may read.
func newOpsEnv(t *testing.T, mutate func(*config.Config), log *slog.Logger) *testEnv {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	if mutate != nil {
		mutate(&cfg)
	}
	st := testStore(t, cfg.DataDir, nil)
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	srv, err := New(cfg, st, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &testEnv{t: t, srv: srv, store: st, ts: ts}
}

// scrape fetches /metrics the way a local Prometheus would.
func (e *testEnv) scrape() string {
	e.t.Helper()
	code, body := e.api("", http.MethodGet, "/metrics", "")
	if code != http.StatusOK {
		e.t.Fatalf("GET /metrics: %d %s", code, body)
	}
	return body
}

// sample finds the value of one series in an exposition; "" when absent.
func sample(body, series string) string {
	for line := range strings.SplitSeq(body, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	return ""
}

func TestMetricsExposition(t *testing.T) {
	e := newOpsEnv(t, nil, nil)
	f := e.fixture()
	tok := e.token(f.Users[registry.RoleAdmin])
	acct, err := e.store.CreateAccount(context.Background(), registry.System, registry.AccountInput{URL: "https://x.com/health_ministry",
		Capacity: registry.CapacityInstitutional, AgencyID: f.Ministry.ID})
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) {
		if code, _ := e.api(tok, http.MethodGet, path, ""); code == 0 {
			t.Fatalf("GET %s", path)
		}
	}
	for range 3 {
		get("/api/v1/accounts/" + itoa(acct.ID))
	}
	get("/api/v1/accounts/999999")
	get("/no/such/page/9b1f2c")
	get("/wp-login.php")
	get("/api/v1/no-such-thing")
	get("/healthz")
	// A page without a session: redirected to sign-in.
	get("/accounts/" + itoa(acct.ID))
	if _, err := e.srv.Scheduler().RunFunc(context.Background(), monitor.JobScan, monitor.TriggerManual,
		func(context.Context, time.Time) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := e.store.Write(context.Background()).Create(&monitor.Flag{Rule: monitor.RuleUnverifiedAccount, Severity: monitor.SeverityNotice,
		Status: monitor.FlagOpen, SubjectType: monitor.SubjectAccount, SubjectID: acct.ID, AccountID: &acct.ID, AgencyID: f.Ministry.ID,
		Args: "{}", OpenedAt: time.Now(), LastSeenAt: time.Now()}).Error; err != nil {
		t.Fatal(err)
	}

	body := e.scrape()
	for series, want := range map[string]string{
		`hozur_http_request_duration_seconds_count{method="GET",route="/api/v1/accounts/:id",status="2xx"}`: "3",
		`hozur_http_request_duration_seconds_count{method="GET",route="/api/v1/accounts/:id",status="4xx"}`: "1",
		`hozur_http_request_duration_seconds_count{method="GET",route="/accounts/:id",status="3xx"}`:        "1",
		`hozur_http_request_duration_seconds_count{method="GET",route="/healthz",status="2xx"}`:             "1",
		// Paths no route knows: one series by status class (the pages'
		// catch-all sends the anonymous to sign in).
		`hozur_http_request_duration_seconds_count{method="GET",route="unknown",status="3xx"}`: "2",
		`hozur_http_request_duration_seconds_count{method="GET",route="unknown",status="4xx"}`: "1",
		`hozur_job_runs_total{job="scan",outcome="ok"}`:                                        "1",
		`hozur_job_runs_total{job="weekly_report",outcome="failed"}`:                           "0",
		`hozur_job_duration_seconds_count{job="scan"}`:                                         "1",
		`hozur_open_flags{rule="UNVERIFIED_ACCOUNT",severity="notice",status="open"}`:          "1",
	} {
		if got := sample(body, series); got != want {
			t.Errorf("%s = %q, want %q", series, got, want)
		}
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes", "hozur_mail_deliveries_total"} {
		if !strings.Contains(body, "# TYPE "+name+" ") {
			t.Errorf("no %s in the exposition", name)
		}
	}
	// Labels are bounded: no host, no raw URL, no account id.
	for _, bad := range []string{`host="`, "9b1f2c", "wp-login", "no-such-thing", `route="/*"`, `route="/api/v1/accounts/` + itoa(acct.ID)} {
		if strings.Contains(body, bad) {
			t.Errorf("the exposition contains %q", bad)
		}
	}
	labels := regexp.MustCompile(`hozur_http_request_duration_seconds_count\{([^}]*)\}`)
	for _, m := range labels.FindAllStringSubmatch(body, -1) {
		if !regexp.MustCompile(`^method="[A-Z]+",route="[^"]+",status="[1-5]xx"$`).MatchString(m[1]) {
			t.Errorf("unexpected labels %s", m[1])
		}
	}
}

func TestMetricsAccess(t *testing.T) {
	const token = "s3cret-metrics-token-0123"
	scrape := func(e *testEnv, remote, auth string, header ...string) int {
		t.Helper()
		r := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		r.RemoteAddr = remote
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		w := httptest.NewRecorder()
		e.srv.Handler().ServeHTTP(w, r)
		if w.Code == http.StatusOK && !strings.Contains(w.Body.String(), "hozur_job_runs_total") {
			t.Errorf("200 without the metrics: %.200s", w.Body.String())
		}
		return w.Code
	}
	open := newOpsEnv(t, nil, nil)
	withToken := newOpsEnv(t, func(c *config.Config) { c.Metrics.Token = token }, nil)
	off := newOpsEnv(t, func(c *config.Config) { c.Metrics.Enabled = false }, nil)
	proxied := newOpsEnv(t, func(c *config.Config) { c.Security.TrustedProxies = []string{"127.0.0.1/32"} }, nil)
	for _, c := range []struct {
		name   string
		e      *testEnv
		remote string
		auth   string
		header []string
		want   int
	}{
		{"no token, loopback v4", open, "127.0.0.1:40000", "", nil, http.StatusOK},
		{"no token, loopback v6", open, "[::1]:40000", "", nil, http.StatusOK},
		{"no token, remote", open, "203.0.113.9:40000", "", nil, http.StatusForbidden},
		{"no token, through a local proxy", open, "127.0.0.1:40000", "", []string{"X-Forwarded-For", "203.0.113.9"}, http.StatusForbidden},
		{"no token, Forwarded header", open, "127.0.0.1:40000", "", []string{"Forwarded", "for=203.0.113.9"}, http.StatusForbidden},
		{"token, right", withToken, "203.0.113.9:40000", "Bearer " + token, nil, http.StatusOK},
		{"token, wrong", withToken, "203.0.113.9:40000", "Bearer " + token + "x", nil, http.StatusUnauthorized},
		{"token, prefix of it", withToken, "203.0.113.9:40000", "Bearer " + token[:10], nil, http.StatusUnauthorized},
		{"token, missing even from loopback", withToken, "127.0.0.1:40000", "", nil, http.StatusUnauthorized},
		{"token, not bearer", withToken, "203.0.113.9:40000", "Basic " + token, nil, http.StatusUnauthorized},
		{"disabled", off, "127.0.0.1:40000", "", nil, http.StatusNotFound},
		{"no token, behind trusted proxies, from loopback", proxied, "127.0.0.1:40000", "", nil, http.StatusForbidden},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := scrape(c.e, c.remote, c.auth, c.header...); got != c.want {
				t.Errorf("status %d, want %d", got, c.want)
			}
		})
	}
}
