package web

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"hozur/config"
	"hozur/registry"
	"hozur/registry/storetest"
)

func getJSON(t *testing.T, url string) (int, map[string]string) {
	t.Helper()
	resp, err := http.Get(url) //nolint:gosec // G107: the test server's own URL
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var body map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

func TestHealthAndReadiness(t *testing.T) {
	e := newTestEnv(t)
	if code, body := getJSON(t, e.ts.URL+"/healthz"); code != http.StatusOK || body["status"] != "ok" {
		t.Fatalf("healthz %d %v", code, body)
	}
	if code, body := getJSON(t, e.ts.URL+"/readyz"); code != http.StatusOK || body["status"] != "ready" {
		t.Fatalf("readyz %d %v", code, body)
	}

	// A server on a database whose schema is behind is alive, not ready.
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	dbPath := filepath.Join(cfg.DataDir, "hozur.db")
	st, err := registry.Open(registry.Options{Driver: storetest.Driver(), DSN: storetest.DSN(t, dbPath), Path: dbPath})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	srv, err := New(cfg, st, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	if code, _ := getJSON(t, ts.URL+"/healthz"); code != http.StatusOK {
		t.Fatalf("healthz on an unmigrated database: %d", code)
	}
	if code, body := getJSON(t, ts.URL+"/readyz"); code != http.StatusServiceUnavailable || body["reason"] != "schema" {
		t.Fatalf("readyz on an unmigrated database: %d %v", code, body)
	}
	// And once the store is closed, neither.
	_ = st.Close()
	if code, body := getJSON(t, ts.URL+"/readyz"); code != http.StatusServiceUnavailable || body["reason"] != "database" {
		t.Fatalf("readyz on a closed database: %d %v", code, body)
	}
}
