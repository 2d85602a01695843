package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"hozur/registry"
	"hozur/registry/storetest"
)

// serve stops cleanly on SIGTERM: the signal reaches serve's context the
// way main sets it up, serve returns no error (so the process exits 0),
// and the jobs it started are recorded as finished before the database
// closes.
func TestServeStopsOnSIGTERM(t *testing.T) {
	t.Setenv("HOZUR_ADMIN_PASSWORD", "a long admin password")
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "hozur.db")
	for _, kv := range storetest.Env(t, dbPath) { // on PostgreSQL, a database of its own
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	cmd := newRoot()
	cmd.SetArgs([]string{"serve", "--data", dir, "--addr", addr, "--demo"})
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()

	// Up when /healthz answers (the demo data loads first).
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := http.Get("http://" + addr + "/healthz") //nolint:gosec // G107: the test server's own URL
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended before answering: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("serve did not come up")
		}
		time.Sleep(50 * time.Millisecond)
	}

	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("serve after SIGTERM: %v (the process would exit %d)", err, exitCode(err))
	}
	st, err := registry.Open(registry.Options{Driver: storetest.Driver(), DSN: storetest.DSN(t, dbPath), Path: dbPath})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.Close() }()
	var running, scans int64
	if err := st.Read(context.Background()).Table("job_runs").Where("outcome = ? OR finished_at IS NULL", "running").Count(&running).Error; err != nil {
		t.Fatal(err)
	}
	// The first scan of a new registry runs at start; it finished or was
	// recorded as cut short, never left open.
	if err := st.Read(context.Background()).Table("job_runs").Where("job = ? AND trigger = ?", "scan", "startup").Count(&scans).Error; err != nil {
		t.Fatal(err)
	}
	if running != 0 || scans != 1 {
		t.Errorf("after SIGTERM: %d runs left open, %d start-up scans; want 0 and 1", running, scans)
	}
	// The port is free again.
	if ln, err := net.Listen("tcp", addr); err != nil {
		t.Errorf("the address is still taken: %v", err)
	} else {
		_ = ln.Close()
	}
}

// A taken port stops serve before any job has begun: no start-up scan
// runs against a server that never listened.
func TestServeOnATakenPortStartsNoJob(t *testing.T) {
	t.Setenv("HOZUR_ADMIN_PASSWORD", "a long admin password")
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if _, _, err := run(t, "", "serve", "--data", dir, "--addr", ln.Addr().String()); err == nil || !strings.Contains(err.Error(), "listen") {
		t.Fatalf("serve on a taken port: %v", err)
	}
	if _, _, err := run(t, "", "migrate", "--data", dir); err != nil {
		t.Fatal(err)
	}
	cfgDir := filepath.Join(dir, "hozur.db")
	st, err := registry.Open(registry.Options{Driver: storetest.Driver(), DSN: storetest.DSN(t, cfgDir), Path: cfgDir})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var runs int64
	if err := st.Read(context.Background()).Raw("SELECT COUNT(*) FROM job_runs").Scan(&runs).Error; err != nil {
		t.Fatal(err)
	}
	if runs != 0 {
		t.Errorf("%d job runs recorded by a server that never listened", runs)
	}
}
