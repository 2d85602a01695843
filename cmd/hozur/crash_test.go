package main

// The crash test kills hozur with SIGKILL at random moments during an
// import, a scan and a stream of API writes, and checks after each kill
// that nothing acknowledged was lost and nothing was half applied.
//
// The default run makes 8 kills of each kind (24 in all). A longer run:
//
//	HOZUR_CRASH_ROUNDS=100 go test ./cmd/hozur/ -run TestCrash -v -timeout 30m
//
// HOZUR_CRASH_SEED=N repeats the moments of an earlier run (its seed is
// logged).

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"hozur/registry/storetest"
)

var crashBin struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if err := storetest.DropAll(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	if crashBin.dir != "" {
		_ = os.RemoveAll(crashBin.dir)
	}
	os.Exit(code)
}

// hozurBinary builds the hozur binary once for the tests that run it as a
// process of its own. It is built without the race detector, which would
// make each run several times slower.
func hozurBinary(t *testing.T) string {
	t.Helper()
	crashBin.once.Do(func() {
		if crashBin.dir, crashBin.err = os.MkdirTemp("", "hozur-crash-"); crashBin.err != nil {
			return
		}
		crashBin.path = filepath.Join(crashBin.dir, "hozur")
		out, err := exec.Command("go", "build", "-o", crashBin.path, ".").CombinedOutput()
		if err != nil {
			crashBin.err = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if crashBin.err != nil {
		t.Fatal(crashBin.err)
	}
	return crashBin.path
}

// crashRounds is how many kills each kind of work gets.
func crashRounds(t *testing.T) int {
	t.Helper()
	if v := os.Getenv("HOZUR_CRASH_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("HOZUR_CRASH_ROUNDS=%q: a positive number", v)
		}
		return n
	}
	return 8
}

// crashRand is the source of the moments to kill at.
func crashRand(t *testing.T) *rand.Rand {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("HOZUR_CRASH_SEED"); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("HOZUR_CRASH_SEED=%q: %v", v, err)
		}
		seed = s
	}
	t.Logf("HOZUR_CRASH_SEED=%d", seed)
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// proc is the hozur binary run on a data directory.
type proc struct {
	t   *testing.T
	bin string
	dir string
}

func newProc(t *testing.T) *proc {
	t.Helper()
	sqliteOnly(t)
	return &proc{t: t, bin: hozurBinary(t), dir: t.TempDir()}
}

// command is hozur with args and --data, in an environment of its own:
// no HOZUR_* setting of the caller's leaks in.
func (p *proc) command(args ...string) *exec.Cmd {
	cmd := exec.Command(p.bin, append(args, "--data", p.dir)...) //nolint:gosec // G204: the binary this test built
	env := []string{"HOZUR_ADMIN_PASSWORD=a long crash password", "HOZUR_LOG_LEVEL=warn"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HOZUR_") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	return cmd
}

// run runs hozur to its end and returns its standard output.
func (p *proc) run(stdin string, args ...string) string {
	p.t.Helper()
	cmd := p.command(args...)
	var out, errOut bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &out, &errOut
	if err := cmd.Run(); err != nil {
		p.t.Fatalf("hozur %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
	}
	return out.String()
}

// stampedBuffer keeps what a process writes and when it first wrote: the
// verbs print their summary once their writes are committed.
type stampedBuffer struct {
	mu    sync.Mutex
	b     bytes.Buffer
	start time.Time
	first time.Duration
}

func (s *stampedBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.first == 0 {
		s.first = time.Since(s.start)
	}
	return s.b.Write(p)
}

// killedRun starts hozur and kills it after d unless it ends first. It
// returns the standard output written before the kill, whether the kill
// found the process still running, and how long after the start the
// process first wrote to standard output (0: never).
func (p *proc) killedRun(d time.Duration, args ...string) (string, bool, time.Duration) {
	p.t.Helper()
	cmd := p.command(args...)
	out := &stampedBuffer{}
	var errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = out, &errOut
	out.start = time.Now()
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(d):
		_ = cmd.Process.Signal(syscall.SIGKILL)
		err = <-done
	}
	out.mu.Lock()
	defer out.mu.Unlock()
	if killed(err) {
		return out.b.String(), true, out.first
	}
	if err != nil {
		p.t.Fatalf("hozur %s: %v\n%s%s", strings.Join(args, " "), err, out.b.String(), errOut.String())
	}
	return out.b.String(), false, out.first
}

// killed reports whether a process ended by SIGKILL.
func killed(err error) bool {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// db opens the database as it is after a kill; opening it recovers the
// committed transactions from the write-ahead log, as the next start does.
func (p *proc) db() *sql.DB {
	p.t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(p.dir, "hozur.db")+"?_busy_timeout=10000")
	if err != nil {
		p.t.Fatal(err)
	}
	p.t.Cleanup(func() { _ = db.Close() })
	return db
}

func (p *proc) count(db *sql.DB, query string, args ...any) int {
	p.t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		p.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// checkSound checks what every kill must leave: a sound database file and
// an audit trail whose chain holds, by `hozur audit verify`.
func (p *proc) checkSound(db *sql.DB, round int) {
	p.t.Helper()
	var res string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		p.t.Fatalf("round %d: integrity check: %q %v", round, res, err)
	}
	cmd := p.command("audit", "verify")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil || !strings.HasPrefix(out.String(), "ok: ") {
		p.t.Fatalf("round %d: hozur audit verify: %v\n%s%s", round, err, out.String(), errOut.String())
	}
}

// agencyCodes are the agencies of the registry, for the rows to name.
func (p *proc) agencyCodes(db *sql.DB) []string {
	p.t.Helper()
	rows, err := db.Query("SELECT code FROM agencies ORDER BY id")
	if err != nil {
		p.t.Fatal(err)
	}
	defer rows.Close()
	var codes []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			p.t.Fatal(err)
		}
		codes = append(codes, c)
	}
	return codes
}

// An import is one transaction: after a kill its accounts, their audit
// events and the import's own event are all there or none is, and an
// import that said it was applied is there.
func TestCrashDuringImport(t *testing.T) {
	p := newProc(t)
	rounds, rng := crashRounds(t), crashRand(t)
	p.run("", "demo", "--accounts", "300", "--seed", "5")
	db := p.db()
	codes := p.agencyCodes(db)
	const rows = 20_000
	file := func(r int) string {
		var b strings.Builder
		b.WriteString("url,capacity,agency_code\r\n")
		for i := range rows {
			fmt.Fprintf(&b, "https://t.me/crash_r%d_%d,institutional,%s\r\n", r, i, codes[i%len(codes)])
		}
		path := filepath.Join(t.TempDir(), fmt.Sprintf("import-%d.csv", r))
		if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	// check returns whether round r's import is in.
	check := func(r int, acknowledged bool) bool {
		t.Helper()
		p.checkSound(db, r)
		glob := fmt.Sprintf("crash_r%d_*", r)
		in := p.count(db, "SELECT COUNT(*) FROM accounts WHERE handle GLOB ?", glob)
		events := p.count(db, `SELECT COUNT(*) FROM audit_events WHERE entity = 'account' AND action = 'create'
			AND entity_id IN (SELECT id FROM accounts WHERE handle GLOB ?)`, glob)
		imports := p.count(db, "SELECT COUNT(*) FROM audit_events WHERE action = 'import' AND change LIKE ?", fmt.Sprintf(`%%"file":"import-%d.csv"%%`, r))
		switch {
		case in == 0 && events == 0 && imports == 0 && !acknowledged:
			return false
		case in == rows && events == rows && imports == 1:
			return true
		}
		t.Fatalf("round %d: half an import: %d of %d accounts, %d of their audit events, %d import events (acknowledged %v)", r, in, rows, events, imports, acknowledged)
		return false
	}
	// The first import runs to its end: it tells how long one takes to
	// commit and say so.
	out, _, full := p.killedRun(time.Hour, "import", "--kind", "accounts", file(0))
	if !strings.Contains(out, "20,000 new") {
		t.Fatalf("import: %s", out)
	}
	if !check(0, true) {
		t.Fatal("the first import is not there")
	}
	kills, applied := 0, 0
	for r := 1; kills < rounds; r++ {
		if r > 3*rounds {
			t.Fatalf("only %d of %d imports were killed while running", kills, rounds)
		}
		before := p.count(db, "SELECT COUNT(*) FROM accounts")
		// Most kills fall before the commit, some after it, while the
		// process checkpoints and closes the database.
		out, wasKilled, _ := p.killedRun(time.Duration(rng.Int64N(int64(full*5/4))), "import", "--kind", "accounts", file(r))
		ack := strings.Contains(out, "20,000 new")
		in := check(r, ack)
		if n := p.count(db, "SELECT COUNT(*) FROM accounts"); (in && n != before+rows) || (!in && n != before) {
			t.Fatalf("round %d: %d accounts, %d before the import", r, n, before)
		}
		if wasKilled {
			kills++
		}
		if in {
			applied++
		}
	}
	t.Logf("%d imports killed (one commits in about %s): %d after their commit, whole; the others before it, leaving nothing", kills, full.Round(time.Millisecond), applied)
}

// flagKey names an unresolved flag.
type flagKey struct {
	rule, subjectType string
	subjectID         int64
}

func openFlags(t *testing.T, db *sql.DB) map[flagKey]bool {
	t.Helper()
	rows, err := db.Query("SELECT rule, subject_type, subject_id FROM flags WHERE resolved_at IS NULL")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[flagKey]bool{}
	for rows.Next() {
		var k flagKey
		if err := rows.Scan(&k.rule, &k.subjectType, &k.subjectID); err != nil {
			t.Fatal(err)
		}
		out[k] = true
	}
	return out
}

func sameFlags(a, b map[flagKey]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// A scan writes in three transactions: its record, then every change to
// the flags in one, then its record again, finished. So after a kill the
// open flags are either all as before the scan or all as a complete scan
// leaves them, never some of each; a scan recorded as finished has applied
// its flags; no flag names an account that is not there; and the next scan
// converges to the same flags as an uninterrupted one, opening and
// resolving nothing when the killed scan had applied its changes.
// (Flags do not name the scan that opened them, so a scan cut short leaves
// nothing that points to it.)
func TestCrashDuringScan(t *testing.T) {
	p := newProc(t)
	rounds, rng := crashRounds(t), crashRand(t)
	p.run("", "demo", "--accounts", "20000", "--seed", "9")
	db := p.db()
	out, _, full := p.killedRun(time.Hour, "scan")
	if !strings.Contains(out, "opened ") {
		t.Fatalf("scan: %s", out)
	}
	complete := openFlags(t, db)
	if len(complete) < 1000 {
		t.Fatalf("the demo registry raises only %d flags", len(complete))
	}
	kills, landed := 0, 0
	for r := 1; kills < rounds; r++ {
		if r > 3*rounds {
			t.Fatalf("only %d of %d scans were killed while running", kills, rounds)
		}
		// Give the scan work both ways: flags to open again, and flags
		// whose subject is gone to resolve.
		now := time.Now().UTC().Format("2006-01-02 15:04:05")
		stmts := []string{"DELETE FROM flags WHERE resolved_at IS NULL AND id % 4 <> 0"}
		for k := range 50 {
			stmts = append(stmts, fmt.Sprintf(`INSERT INTO flags (rule, severity, subject_type, subject_id, account_id, agency_id, status, opened_at, last_seen_at)
				VALUES ('UNVERIFIED_ACCOUNT', 'low', 'account', %d, %d, 1, 'open', '%s', '%s')`, 900_000_000+r*100+k, 900_000_000+r*100+k, now, now))
		}
		for _, q := range stmts {
			if _, err := db.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		before := openFlags(t, db)
		lastScan := p.count(db, "SELECT COALESCE(MAX(id), 0) FROM scans")
		// Half the kills fall late, while the flags are written (about the
		// last 40% of a scan) or just after.
		at := time.Duration(rng.Int64N(int64(full)))
		if r%2 == 0 {
			at = full/2 + time.Duration(rng.Int64N(int64(full*3/5)))
		}
		_, wasKilled, _ := p.killedRun(at, "scan")
		p.checkSound(db, r)
		after := openFlags(t, db)
		var finished int
		if err := db.QueryRow("SELECT COUNT(*) FROM scans WHERE id > ? AND finished_at IS NOT NULL", lastScan).Scan(&finished); err != nil {
			t.Fatal(err)
		}
		applied := !sameFlags(after, before)
		if finished > 0 && !applied {
			t.Fatalf("round %d: the scan is recorded as finished but the flags are as before it", r)
		}
		if dangling := p.count(db, `SELECT COUNT(*) FROM flags f WHERE f.resolved_at IS NULL AND f.subject_type = 'account'
			AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = f.subject_id)`); applied && dangling != 0 {
			t.Fatalf("round %d: %d open flags name accounts that are not there", r, dangling)
		}
		// A killed scan keeps its job's lease until it runs out (so that
		// with several servers no other runs the job meanwhile): let it run
		// out now rather than wait two minutes.
		if _, err := db.Exec("UPDATE job_locks SET expires_at = '2000-01-01 00:00:00+00:00' WHERE job = 'scan' AND holder <> ''"); err != nil {
			t.Fatal(err)
		}
		// The next scan converges; when the killed one had applied its
		// changes, there is nothing left to do.
		out := p.run("", "scan")
		if n := p.count(db, "SELECT COUNT(*) FROM job_runs WHERE job = 'scan' AND outcome = 'running'"); n != 0 {
			t.Fatalf("round %d: %d scan runs still marked running after the next scan", r, n)
		}
		converged := openFlags(t, db)
		if !sameFlags(converged, complete) {
			t.Fatalf("round %d: after the next scan %d flags are open, an uninterrupted scan leaves %d", r, len(converged), len(complete))
		}
		if applied && !sameFlags(after, converged) {
			t.Fatalf("round %d: a partial scan: %d flags open after the kill, %d before it, %d after a complete scan", r, len(after), len(before), len(converged))
		}
		if applied && !strings.Contains(out, "opened 0, resolved 0") {
			t.Fatalf("round %d: the scan after an applied one changed flags: %s", r, out)
		}
		if wasKilled {
			kills++
			if applied {
				landed++
			}
		}
	}
	t.Logf("%d scans killed (one takes about %s): %d after their flags were applied, the others before, leaving the flags as they were", kills, full.Round(time.Millisecond), landed)
}

// freePort is a loopback port nothing listens on.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// A server taking API writes is killed; every account whose creation was
// answered 201 is there after, each with its audit event, and no audit
// event names an account that is not.
func TestCrashDuringAPIWrites(t *testing.T) {
	p := newProc(t)
	rounds, rng := crashRounds(t), crashRand(t)
	p.run("", "demo", "--accounts", "300", "--seed", "11")
	p.run("a long crash password\n", "user", "add", "--username", "crash", "--role", "admin", "--password-stdin")
	lines := strings.Split(strings.TrimSpace(p.run("", "token", "create", "--username", "crash")), "\n")
	token := lines[len(lines)-1]
	db := p.db()
	agency := p.count(db, "SELECT MIN(id) FROM agencies")
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	const clients = 8
	total := 0
	for r := 1; r <= rounds; r++ {
		addr := freePort(t)
		cmd := p.command("serve", "--addr", addr)
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		base := "http://" + addr
		ready := time.Now().Add(20 * time.Second)
		for {
			resp, err := client.Get(base + "/healthz")
			if err == nil {
				_ = resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Now().After(ready) {
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
				t.Fatalf("round %d: the server did not start: %v\n%s", r, err, logs.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		var (
			mu    sync.Mutex
			acked []int64
			fail  error
			wg    sync.WaitGroup
		)
		ctx, cancel := context.WithCancel(context.Background())
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 0; ctx.Err() == nil; n++ {
					body := fmt.Sprintf(`{"url":"https://t.me/api_r%d_c%d_%d","capacity":"institutional","agency_id":%d}`, r, c, n, agency)
					req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/accounts", strings.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+token)
					req.Header.Set("Content-Type", "application/json")
					resp, err := client.Do(req)
					if err != nil {
						return // the server is gone
					}
					b, _ := io.ReadAll(resp.Body)
					_ = resp.Body.Close()
					if resp.StatusCode != http.StatusCreated {
						mu.Lock()
						fail = fmt.Errorf("POST %s: %d %s", body, resp.StatusCode, b)
						mu.Unlock()
						return
					}
					var v struct{ ID int64 }
					if err := json.Unmarshal(b, &v); err != nil || v.ID == 0 {
						mu.Lock()
						fail = fmt.Errorf("201 without an id: %s", b)
						mu.Unlock()
						return
					}
					mu.Lock()
					acked = append(acked, v.ID)
					mu.Unlock()
				}
			}()
		}
		// The kill comes at a random moment after the first write was
		// answered (on a busy machine the first answer may take a while).
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			mu.Lock()
			answered := len(acked) > 0 || fail != nil
			mu.Unlock()
			if answered {
				break
			}
		}
		time.Sleep(time.Duration(rng.Int64N(int64(900 * time.Millisecond))))
		_ = cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		cancel()
		wg.Wait()
		if !killed(err) {
			t.Fatalf("round %d: the server ended before the kill: %v\n%s", r, err, logs.String())
		}
		if fail != nil {
			t.Fatalf("round %d: %v", r, fail)
		}
		if len(acked) == 0 {
			t.Fatalf("round %d: no write was answered before the kill", r)
		}
		p.checkSound(db, r)
		ids := make([]string, len(acked))
		for i, id := range acked {
			ids[i] = strconv.FormatInt(id, 10)
		}
		if n := p.count(db, "SELECT COUNT(*) FROM accounts WHERE id IN ("+strings.Join(ids, ",")+")"); n != len(acked) { //nolint:gosec // G202: numbers
			t.Fatalf("round %d: %d of %d acknowledged accounts are there", r, n, len(acked))
		}
		glob := fmt.Sprintf("api_r%d_*", r)
		in := p.count(db, "SELECT COUNT(*) FROM accounts WHERE handle GLOB ?", glob)
		events := p.count(db, `SELECT COUNT(*) FROM audit_events WHERE entity = 'account' AND action = 'create'
			AND entity_id IN (SELECT id FROM accounts WHERE handle GLOB ?)`, glob)
		if in != events {
			t.Fatalf("round %d: %d accounts and %d of their audit events", r, in, events)
		}
		if orphans := p.count(db, `SELECT COUNT(*) FROM audit_events e WHERE e.entity = 'account' AND e.action = 'create'
			AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = e.entity_id)`); orphans != 0 {
			t.Fatalf("round %d: %d audit events of accounts that are not there", r, orphans)
		}
		if strings.Contains(logs.String(), "database is locked") {
			t.Fatalf("round %d: the server logged a locked database:\n%s", r, logs.String())
		}
		total += len(acked)
	}
	t.Logf("%d servers killed under %d writers; %d acknowledged writes all there", rounds, clients, total)
}
