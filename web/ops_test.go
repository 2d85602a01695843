package web

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"hozur/config"
	"hozur/monitor"
	"hozur/registry"
)

// logBuffer collects JSON log records, safe for the server's goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// records are the logged records whose message is msg.
func (b *logBuffer) records(t *testing.T, msg string) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b.buf.Bytes()))
	for sc.Scan() {
		var r map[string]any
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		if r["msg"] == msg {
			out = append(out, r)
		}
	}
	return out
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// do sends a request with optional headers and returns the response with
// its body read.
func do(t *testing.T, method, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var generatedID = regexp.MustCompile(`^[0-9a-f]{24}$`)

func TestRequestID(t *testing.T) {
	logs := &logBuffer{}
	e := newOpsEnv(t, nil, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	for _, c := range []struct {
		name, path, sent string
		keep             bool
	}{
		{"page, none sent", "/login", "", false},
		{"API, none sent", "/api/v1/me", "", false},
		{"unknown path", "/no/such/page", "", false},
		{"static", "/static/nohash/app.css", "", false},
		{"proxy's id kept", "/login", "edge-7f3a9c:01", true},
		{"too long", "/login", strings.Repeat("a", 65), false},
		{"space", "/login", "two words", false},
		{"markup", "/login", "<script>", false},
		{"non-ASCII", "/login", "شناسه", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var hdr []string
			if c.sent != "" {
				hdr = []string{"X-Request-Id", c.sent}
			}
			resp, _ := do(t, http.MethodGet, e.ts.URL+c.path, hdr...)
			got := resp.Header.Get("X-Request-Id")
			switch {
			case c.keep && got != c.sent:
				t.Errorf("X-Request-Id %q, want the one sent, %q", got, c.sent)
			case !c.keep && !generatedID.MatchString(got):
				t.Errorf("X-Request-Id %q, want a generated one", got)
			}
		})
	}
	// Two requests, two ids.
	a, _ := do(t, http.MethodGet, e.ts.URL+"/login")
	b, _ := do(t, http.MethodGet, e.ts.URL+"/login")
	if a.Header.Get("X-Request-Id") == b.Header.Get("X-Request-Id") {
		t.Error("two requests share an id")
	}
}

func TestAccessLog(t *testing.T) {
	logs := &logBuffer{}
	e := newOpsEnv(t, nil, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})))
	f := e.fixture()
	tok := e.token(f.Users[registry.RoleAdmin])
	resp, body := do(t, http.MethodGet, e.ts.URL+"/api/v1/officials/"+itoa(f.Official.ID)+"?q=Alireza+Mohammadi", "Authorization", "Bearer "+tok,
		"X-Request-Id", "trace-42", "User-Agent", "SecretAgent/1.0")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET official: %d %s", resp.StatusCode, body)
	}
	do(t, http.MethodGet, e.ts.URL+"/healthz")
	var line map[string]any
	for _, r := range logs.records(t, "request") {
		if r["request_id"] == "trace-42" {
			line = r
		}
		if r["route"] == "/healthz" {
			t.Errorf("a probe logged at info level: %v", r)
		}
	}
	if line == nil {
		t.Fatalf("no access log line with the request id in:\n%s", logs)
	}
	want := map[string]any{"level": "INFO", "method": "GET", "route": "/api/v1/officials/:id", "path": "/api/v1/officials/" + itoa(f.Official.ID),
		"status": float64(200), "bytes": float64(len(body))}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("access log %s = %v, want %v", k, line[k], v)
		}
	}
	if _, ok := line["duration"]; !ok {
		t.Error("access log without the duration")
	}
	// Nothing of the query, the agent or the token.
	for _, bad := range []string{"Mohammadi", "SecretAgent", tok, "127.0.0.1"} {
		if strings.Contains(logs.String(), bad) {
			t.Errorf("the log holds %q", bad)
		}
	}
}

func TestInternalErrorShowsRequestID(t *testing.T) {
	logs := &logBuffer{}
	e := newOpsEnv(t, nil, slog.New(slog.NewJSONHandler(logs, nil)))
	e.srv.Echo().GET("/test/fail", func(echo.Context) error { return errors.New("disk on fire") })
	resp, body := do(t, http.MethodGet, e.ts.URL+"/test/fail")
	id := resp.Header.Get("X-Request-Id")
	if resp.StatusCode != http.StatusInternalServerError || !generatedID.MatchString(id) {
		t.Fatalf("status %d, id %q", resp.StatusCode, id)
	}
	// The page shows the id the reader can quote; the log line of the
	// failure carries the same.
	if !strings.Contains(body, `<code dir="ltr" class="request-id">`+id+`</code>`) || !strings.Contains(body, "این شناسه") {
		t.Errorf("the error page does not show the request id %s:\n%s", id, body)
	}
	failed := logs.records(t, "request failed")
	if len(failed) != 1 || failed[0]["request_id"] != id || !strings.Contains(failed[0]["error"].(string), "disk on fire") {
		t.Errorf("failure logged as %v, want one line with request_id %s", failed, id)
	}
	access := logs.records(t, "request")
	if len(access) != 1 || access[0]["request_id"] != id || access[0]["status"] != float64(500) {
		t.Errorf("access log %v, want status 500 with request_id %s", access, id)
	}
	// A page not found is the reader's mistake: no id on it.
	_, body = do(t, http.MethodGet, e.ts.URL+"/api/v1/no-such")
	if strings.Contains(body, "request-id") {
		t.Errorf("a 404 shows a request id: %s", body)
	}
}

func TestGracefulShutdown(t *testing.T) {
	e := newOpsEnv(t, nil, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	const size = 1 << 20
	reqStarted, reqRelease := make(chan struct{}), make(chan struct{})
	e.srv.Echo().GET("/test/slow", func(c echo.Context) error {
		close(reqStarted)
		<-reqRelease
		return c.Blob(http.StatusOK, "application/octet-stream", bytes.Repeat([]byte("x"), size))
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	jobs := e.srv.Scheduler()
	jobs.Start(ctx)
	served := make(chan error, 1)
	go func() { served <- e.srv.Serve(ctx, ln) }()

	// A request in flight.
	type answer struct {
		code, n int
		err     error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := http.Get(base + "/test/slow") //nolint:gosec // G107: the test server's own URL
		if err != nil {
			answered <- answer{err: err}
			return
		}
		defer func() { _ = resp.Body.Close() }()
		b, err := io.ReadAll(resp.Body)
		answered <- answer{code: resp.StatusCode, n: len(b), err: err}
	}()
	<-reqStarted
	// A job running, started by hand (the start-up scan may hold the scan).
	jobStarted, jobRelease := make(chan struct{}), make(chan struct{})
	ran := make(chan error, 1)
	go func() {
		_, err := jobs.RunFunc(context.Background(), monitor.JobMaintenance, monitor.TriggerManual, func(context.Context, time.Time) error {
			close(jobStarted)
			<-jobRelease
			return nil
		})
		ran <- err
	}()
	<-jobStarted

	cancel() // what SIGTERM does to serve's context
	close(reqRelease)
	a := <-answered
	if a.err != nil || a.code != http.StatusOK || a.n != size {
		t.Fatalf("the request in flight got %d, %d bytes, %v; want 200 and all %d bytes", a.code, a.n, a.err, size)
	}
	// The job still runs, so Serve has not returned, and its run is open.
	select {
	case err := <-served:
		t.Fatalf("Serve returned (%v) while a job was running", err)
	default:
	}
	runs, err := e.srv.Monitor().JobRuns(context.Background(), monitor.JobMaintenance, registry.Page{})
	if err != nil || len(runs.Items) != 1 || runs.Items[0].Outcome != monitor.OutcomeRunning {
		t.Fatalf("runs before the job ends: %+v %v", runs.Items, err)
	}
	close(jobRelease)
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
	// Serve returned after the job was recorded as finished: no run is left
	// open for the store's closing to cut.
	var open int64
	if err := e.store.Read(context.Background()).Model(&monitor.JobRun{}).Where("outcome = ?", monitor.OutcomeRunning).Count(&open).Error; err != nil {
		t.Fatal(err)
	}
	runs, err = e.srv.Monitor().JobRuns(context.Background(), monitor.JobMaintenance, registry.Page{})
	if err != nil || open != 0 || len(runs.Items) != 1 || runs.Items[0].Outcome != monitor.OutcomeOK || runs.Items[0].FinishedAt == nil {
		t.Fatalf("after shutdown: %d runs open, maintenance runs %+v %v", open, runs.Items, err)
	}
	// And no new connection is taken.
	if resp, err := http.Get(base + "/healthz"); err == nil { //nolint:gosec // G107: the test server's own URL
		_ = resp.Body.Close()
		t.Fatalf("a request after shutdown was answered: %d", resp.StatusCode)
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key as PEM files
// and returns them with a pool that trusts the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "hozur test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(crand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

const hsts = "max-age=31536000; includeSubDomains"

// cookieSecure reports whether the response sets the cookie, and Secure.
func cookieSecure(resp *http.Response, name string) (set, secure bool) {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return true, c.Secure
		}
	}
	return false, false
}

func TestTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	e := newOpsEnv(t, func(c *config.Config) { c.TLS.CertFile, c.TLS.KeyFile = certFile, keyFile }, nil)
	e.fixture()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- e.srv.Serve(ctx, ln) }()
	base := "https://" + ln.Addr().String()

	// A browser over TLS: the pages and the API carry HSTS, the cookies
	// are Secure.
	tlsEnv := &testEnv{t: t, srv: e.srv, store: e.store, ts: &httptest.Server{URL: base}}
	b := tlsEnv.browser()
	b.client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	for _, path := range []string{"/login", "/api/v1/me", "/healthz"} {
		resp, err := b.client.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s over TLS: %v", path, err)
		}
		_ = resp.Body.Close()
		if resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
			t.Errorf("GET %s: not over TLS 1.2+: %+v", path, resp.TLS)
		}
		if got := resp.Header.Get("Strict-Transport-Security"); got != hsts {
			t.Errorf("GET %s over TLS: Strict-Transport-Security %q, want %q", path, got, hsts)
		}
		if set, secure := cookieSecure(resp, "hozur_csrf"); path == "/login" && (!set || !secure) {
			t.Errorf("CSRF cookie over TLS: set %v, Secure %v", set, secure)
		}
	}
	b.get("/login")
	resp, err := b.client.Post(base+"/login", "application/x-www-form-urlencoded",
		strings.NewReader(url.Values{"_csrf": {b.csrf}, "username": {"reviewer"}, "password": {testPassword}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if set, secure := cookieSecure(resp, sessionCookie); resp.StatusCode != http.StatusSeeOther || !set || !secure {
		t.Errorf("sign-in over TLS: %d, session cookie set %v, Secure %v", resp.StatusCode, set, secure)
	}
	// Older protocols are refused.
	old := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS11}}} //nolint:gosec // G402: the test checks TLS 1.1 is refused
	if resp, err := old.Get(base + "/healthz"); err == nil {
		_ = resp.Body.Close()
		t.Error("a TLS 1.1 client was served")
	}
	cancel()
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}

	// Plain HTTP: no HSTS, cookies not Secure; behind a TLS proxy (an
	// https base_url): HSTS, and Secure cookies.
	for _, c := range []struct {
		name, baseURL string
		want          bool
	}{{"plain", "", false}, {"behind a TLS proxy", "https://hozur.example.ir", true}} {
		t.Run(c.name, func(t *testing.T) {
			pe := newOpsEnv(t, func(cfg *config.Config) { cfg.BaseURL = c.baseURL }, nil)
			resp, _ := do(t, http.MethodGet, pe.ts.URL+"/login")
			if got := resp.Header.Get("Strict-Transport-Security"); (got == hsts) != c.want || (got != "" && got != hsts) {
				t.Errorf("Strict-Transport-Security %q, want it sent: %v", got, c.want)
			}
			if set, secure := cookieSecure(resp, "hozur_csrf"); !set || secure != c.want {
				t.Errorf("CSRF cookie set %v, Secure %v; want Secure %v", set, secure, c.want)
			}
		})
	}
}

func TestTLSBadCertificate(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.pem")
	if err := os.WriteFile(bad, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newOpsEnv(t, func(c *config.Config) { c.TLS.CertFile, c.TLS.KeyFile = bad, bad }, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	err = e.srv.Serve(context.Background(), ln)
	if err == nil || !strings.Contains(err.Error(), "tls.cert_file") {
		t.Fatalf("Serve with a bad certificate: %v, want an error naming tls.cert_file", err)
	}
	if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		_ = c.Close()
		t.Error("the listener is still open")
	}
}

// The headers every answer carries, whatever produced it.
func TestSecurityHeaders(t *testing.T) {
	e := newOpsEnv(t, nil, nil)
	f := e.fixture()
	tok := e.token(f.Users[registry.RoleAdmin])
	e.srv.Echo().GET("/test/fail", func(echo.Context) error { return errors.New("disk on fire") })
	b := e.browser()
	b.signIn("reviewer")
	_, page := b.get("/accounts")
	staticJS := regexp.MustCompile(`src="(/static/[^"]+/app\.js)"`).FindStringSubmatch(page)
	if staticJS == nil {
		t.Fatalf("no app.js on the accounts page")
	}
	for _, c := range []struct {
		name, path string
		signedIn   bool
		auth       string
		status     int
	}{
		{"page", "/accounts", true, "", http.StatusOK},
		{"sign-in page", "/login", false, "", http.StatusOK},
		{"redirect to sign in", "/accounts", false, "", http.StatusSeeOther},
		{"trailing slash redirect", "/accounts/", true, "", http.StatusMovedPermanently},
		{"page not found", "/accounts/999999", true, "", http.StatusNotFound},
		{"internal error", "/test/fail", false, "", http.StatusInternalServerError},
		{"API", "/api/v1/accounts", false, "Bearer " + tok, http.StatusOK},
		{"API unauthenticated", "/api/v1/accounts", false, "", http.StatusUnauthorized},
		{"API not found", "/api/v1/nothing", false, "Bearer " + tok, http.StatusNotFound},
		{"OpenAPI", "/api/v1/openapi.json", false, "", http.StatusOK},
		{"static", staticJS[1], false, "", http.StatusOK},
		{"static missing", "/static/0000/none.css", false, "", http.StatusNotFound},
		{"metrics", "/metrics", false, "", http.StatusOK},
		{"healthz", "/healthz", false, "", http.StatusOK},
		{"readyz", "/readyz", false, "", http.StatusOK},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, e.ts.URL+c.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.auth != "" {
				req.Header.Set("Authorization", c.auth)
			}
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			if c.signedIn {
				client.Jar = b.client.Jar
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, c.status)
			}
			h := resp.Header
			for name, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"} {
				if got := h.Get(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			csp := h.Get("Content-Security-Policy")
			for _, want := range []string{"frame-ancestors 'none'", "script-src 'self'", "style-src 'self'", "default-src 'self'", "base-uri 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
				}
			}
			if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
				t.Errorf("Content-Security-Policy %q allows inline code", csp)
			}
			if got := h.Get("Strict-Transport-Security"); got != "" {
				t.Errorf("HSTS %q on plain HTTP", got)
			}
		})
	}
}

var scriptTag = regexp.MustCompile(`(?i)<script\b[^>]*>`)

// The policy forbids inline script and style: no template may hold a
// script body, an event handler attribute, a style attribute or a style
// element.
func TestTemplatesHaveNoInlineCode(t *testing.T) {
	bad := map[string]*regexp.Regexp{
		"inline script":   regexp.MustCompile(`(?is)<script\b[^>]*>\s*[^<\s]`),
		"event handler":   regexp.MustCompile(`(?i)<[a-z][^>]*\son[a-z]+\s*=`),
		"style attribute": regexp.MustCompile(`(?i)<[a-z][^>]*\sstyle\s*=`),
		"style element":   regexp.MustCompile(`(?i)<style\b`),
		"javascript: URL": regexp.MustCompile(`(?i)javascript:`),
	}
	n := 0
	err := filepath.WalkDir("templates", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		b, err := os.ReadFile(path) //nolint:gosec // G122: the package's own templates
		if err != nil {
			return err
		}
		n++
		for what, re := range bad {
			if m := re.Find(b); m != nil {
				t.Errorf("%s: %s: %q", path, what, m)
			}
		}
		for _, tag := range scriptTag.FindAll(b, -1) {
			if !strings.Contains(string(tag), " src=") {
				t.Errorf("%s: script without src: %q", path, tag)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 40 {
		t.Fatalf("only %d templates read", n)
	}
}
