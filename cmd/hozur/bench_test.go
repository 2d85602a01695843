package main

import (
	"crypto/sha256"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"hozur/cmd/hozur/internal/bench"
	"hozur/registry/storetest"
)

// TestBench runs `hozur bench` on a small demo registry, briefly: the table
// has one row per measurement in order, each with every column, the writes
// met no locked database, and the registry in --data is left as it was.
func TestBench(t *testing.T) {
	if storetest.Postgres() {
		t.Skip("hozur bench measures the SQLite database in --data")
	}
	root := t.TempDir()
	dir := filepath.Join(root, "data")
	if _, _, err := run(t, "", "demo", "--data", dir, "--accounts", "300", "--seed", "3"); err != nil {
		t.Fatal(err)
	}
	sum := func() [32]byte {
		b, err := os.ReadFile(filepath.Join(dir, "hozur.db"))
		if err != nil {
			t.Fatal(err)
		}
		return sha256.Sum256(b)
	}
	before := sum()
	args := []string{"bench", "--data", dir, "--duration", "300ms", "--import-rows", "150", "--audit-events", "3000"}

	out, _, err := run(t, "", args...)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out, "\n")
	var table []string
	for _, l := range lines {
		if strings.HasPrefix(l, "|") {
			table = append(table, l)
		}
	}
	if want := 2 + len(bench.Keys); len(table) != want {
		t.Fatalf("%d table lines, want %d:\n%s", len(table), want, out)
	}
	if table[0] != "| measurement | load | requests | rps | p50 | p99 | time | peak RSS | target | result |" {
		t.Errorf("header %q", table[0])
	}
	names := []string{"API list by agency", "HTML accounts page", "API get one account", "API create account", "full scan",
		"weekly report", "audit-chain verify over 3,000 events", "import of 150 new accounts", "peak RSS"}
	rps := regexp.MustCompile(`^[0-9,]+$`)
	for i, l := range table[2:] {
		cells := strings.Split(strings.Trim(l, "|"), "|")
		if len(cells) != 10 {
			t.Fatalf("row %d has %d cells: %q", i, len(cells), l)
		}
		for j := range cells {
			cells[j] = strings.TrimSpace(cells[j])
		}
		if !strings.HasPrefix(cells[0], names[i]) {
			t.Errorf("row %d is %q, want %q", i, cells[0], names[i])
		}
		if r := cells[9]; r != "pass" && r != "**miss**" {
			t.Errorf("row %d result %q", i, r)
		}
		if i < 4 { // the HTTP measurements: a rate and latencies
			if !rps.MatchString(cells[3]) || cells[3] == "0" || !strings.HasSuffix(cells[5], " ms") {
				t.Errorf("row %d: rps %q, p99 %q", i, cells[3], cells[5])
			}
		}
		if !strings.HasSuffix(cells[7], " MB") {
			t.Errorf("row %d: peak RSS %q", i, cells[7])
		}
	}
	if !strings.Contains(out, "api-create: 0 failed, 0 database locked") {
		t.Errorf("the writes failed or met a locked database:\n%s", out)
	}

	// JSON: the same rows, machine-readable; --only picks.
	profile := filepath.Join(t.TempDir(), "cpu.pprof")
	out, _, err = run(t, "", append(args, "--json", "--only", "api-get,scan,rss", "--cpuprofile", profile)...)
	if err != nil {
		t.Fatal(err)
	}
	var got benchOutput
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var keys []string
	for _, r := range got.Results {
		keys = append(keys, r.Key)
	}
	if strings.Join(keys, ",") != "api-get,scan,rss" || got.Accounts < 300 || got.Machine.Cores < 1 || got.Results[2].RSS <= 0 {
		t.Errorf("json: keys %v, %d accounts, machine %+v, results %+v", keys, got.Accounts, got.Machine, got.Results)
	}

	if st, err := os.Stat(profile); err != nil || st.Size() == 0 {
		t.Errorf("no CPU profile written: %v", err)
	}
	if sum() != before {
		t.Error("the database in --data changed")
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("scratch copies left beside --data: %v", entries)
	}
	if _, _, err := run(t, "", "bench", "--data", dir, "--only", "nap"); err == nil || !strings.Contains(err.Error(), `unknown measurement "nap"`) {
		t.Errorf("--only nap: %v", err)
	}
}

// TestBenchGrowth compares two sizes: a generated registry and the one in
// --data, and prints the growth table with its ratios.
func TestBenchGrowth(t *testing.T) {
	if storetest.Postgres() {
		t.Skip("hozur bench measures the SQLite database in --data")
	}
	dir := filepath.Join(t.TempDir(), "data")
	if _, _, err := run(t, "", "demo", "--data", dir, "--accounts", "400", "--seed", "3"); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, "", "bench", "--data", dir, "--duration", "200ms", "--sizes", "100,400")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| accounts | scan | import | report | API list p99 |", "| growth | accounts × |", "| 100 → 4"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if rows := strings.Count(out, "\n| 1") + strings.Count(out, "\n| 4"); rows < 3 {
		t.Errorf("%d size and growth rows:\n%s", rows, out)
	}
}
