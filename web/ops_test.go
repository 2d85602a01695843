package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

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
