package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"hozur/config"
	"hozur/monitor"
	"hozur/registry"
	"hozur/registry/vault"
)

// sqliteOnly skips a test of the SQLite file itself when the suite runs
// on PostgreSQL, which is backed up with its own tools.
func sqliteOnly(t *testing.T) {
	t.Helper()
	if os.Getenv("HOZUR_TEST_DATABASE") == "postgres" {
		t.Skip("backups, restores and crashes of the SQLite file: the suite runs on PostgreSQL")
	}
}

// dataConfig is the configuration of a data directory, as the CLI loads it.
func dataConfig(t *testing.T, dir string) config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = dir
	return cfg
}

// backupData is a data directory with a small demo registry and its
// master key file.
func backupData(t *testing.T) string {
	t.Helper()
	t.Setenv("HOZUR_ADMIN_PASSWORD", "")
	dir := t.TempDir()
	if _, _, err := run(t, "", "demo", "--data", dir, "--accounts", "300", "--seed", "3"); err != nil {
		t.Fatal(err)
	}
	return dir
}

// copyKey puts the master key file of from into the data directory to.
func copyKey(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(from, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(to, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(to, "master.key"), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// sqlExec runs statements on a database file behind the application's back.
func sqlExec(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func countRows(t *testing.T, path, query string) int64 {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.QueryRow(query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestBackupWritesManifest(t *testing.T) {
	sqliteOnly(t)
	dir := backupData(t)
	file := filepath.Join(t.TempDir(), "copy.db")
	out, _, err := run(t, "", "backup", "--data", dir, file)
	if err != nil {
		t.Fatal(err)
	}
	key, err := vault.LoadKeyFile(filepath.Join(dir, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "backup written to "+file) || !strings.Contains(out, "The master key is not in the backup: without the key "+key.ID()) {
		t.Errorf("output %q", out)
	}
	for _, p := range []string{file, registry.ManifestPath(file)} {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v %v, want mode 0600", p, fi, err)
		}
	}
	m, ok, err := registry.ReadManifest(file)
	if err != nil || !ok {
		t.Fatalf("manifest: %v %v", ok, err)
	}
	size, sum, err := registry.FileSHA256(file)
	if err != nil {
		t.Fatal(err)
	}
	latest, err := registry.LatestSchemaVersion()
	if err != nil {
		t.Fatal(err)
	}
	if m.Size != size || m.SHA256 != sum || m.SchemaVersion != latest || m.File != "copy.db" || !slices.Equal(m.MasterKeyIDs, []string{key.ID()}) ||
		m.DataKeys == 0 || m.AuditEvents == 0 || m.AuditHead == "" || m.HozurVersion == "" || time.Since(m.CreatedAt) > time.Hour {
		t.Errorf("manifest %+v (file size %d sha256 %s, schema %d)", m, size, sum, latest)
	}
	raw, err := os.ReadFile(registry.ManifestPath(file))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(key.String())) {
		t.Error("the manifest holds the master key itself")
	}
	// The copy stands alone: no write-ahead log to go with it.
	if b, _ := os.ReadFile(file); b[18] != 1 || b[19] != 1 {
		t.Errorf("the copy is in journal mode %d/%d, want a rollback journal (1/1)", b[18], b[19])
	}
	if n, want := countRows(t, file, "SELECT COUNT(*) FROM accounts"), countRows(t, filepath.Join(dir, "hozur.db"), "SELECT COUNT(*) FROM accounts"); n != want || n != 300 {
		t.Errorf("copy holds %d accounts, the database %d", n, want)
	}
	if _, _, err := run(t, "", "backup", "--data", dir, file); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("backup over an existing file: %v", err)
	}
	if b, _ := os.ReadFile(registry.ManifestPath(file)); !bytes.Equal(b, raw) {
		t.Error("a refused backup changed the manifest")
	}
	t.Setenv("HOZUR_DATABASE_DRIVER", "postgres")
	t.Setenv("HOZUR_DATABASE_DSN", "postgres://hozur@localhost/hozur")
	for _, verb := range []string{"backup", "restore"} {
		if _, _, err := run(t, "", verb, "--data", dir, filepath.Join(t.TempDir(), "pg.db")); err == nil || !strings.Contains(err.Error(), "pg_dump") {
			t.Errorf("%s with postgres: %v, want a pointer to pg_dump", verb, err)
		}
	}
}

func TestRestore(t *testing.T) {
	sqliteOnly(t)
	src := backupData(t)
	file := filepath.Join(t.TempDir(), "b.db")
	if _, _, err := run(t, "", "backup", "--data", src, file); err != nil {
		t.Fatal(err)
	}
	accounts := countRows(t, file, "SELECT COUNT(*) FROM accounts")

	// Into an empty data directory holding the same master key.
	dst := t.TempDir()
	copyKey(t, src, dst)
	out, _, err := run(t, "", "restore", "--data", dst, file)
	if err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	for _, want := range []string{"matches its manifest", "integrity ok", "audit trail ok", "restored " + file, "data keys unwrap with the key in place"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	db := filepath.Join(dst, "hozur.db")
	if n := countRows(t, db, "SELECT COUNT(*) FROM accounts"); n != accounts {
		t.Errorf("restored %d accounts, want %d", n, accounts)
	}
	if out, _, err := run(t, "", "audit", "verify", "--data", dst); err != nil || !strings.HasPrefix(out, "ok: ") {
		t.Errorf("audit verify after restore: %q %v", out, err)
	}
	// The sealed personal data reads with the key in place.
	exp := filepath.Join(t.TempDir(), "officials.csv")
	if _, _, err := run(t, "", "export", "--data", dst, "--kind", "officials", exp); err != nil {
		t.Errorf("export of the restored officials: %v", err)
	}

	// Over a database: the one replaced is kept aside with its log.
	sqlExec(t, db, "PRAGMA journal_mode=WAL", "CREATE TABLE marker (x)")
	out, _, err = run(t, "", "restore", "--data", dst, file)
	if err != nil {
		t.Fatalf("restore over a database: %v\n%s", err, out)
	}
	for _, p := range []string{db + "-wal", db + "-shm"} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s left beside the restored database", p)
		}
	}
	aside, _ := filepath.Glob(filepath.Join(dst, "hozur.db.before-restore-*"))
	if len(aside) != 1 || !strings.Contains(out, "kept the database it replaces as "+aside[0]) {
		t.Fatalf("kept aside: %v\n%s", aside, out)
	}
	if n := countRows(t, aside[0], "SELECT COUNT(*) FROM sqlite_master WHERE name = 'marker'"); n != 1 {
		t.Error("the database kept aside is not the one replaced")
	}
	if n := countRows(t, db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'marker'"); n != 0 {
		t.Error("the restored database is not the backup")
	}
	left, _ := filepath.Glob(filepath.Join(dst, ".hozur.db.restore-*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestRestoreRefusesBadBackups(t *testing.T) {
	sqliteOnly(t)
	src := backupData(t)
	good := filepath.Join(t.TempDir(), "b.db")
	if _, _, err := run(t, "", "backup", "--data", src, good); err != nil {
		t.Fatal(err)
	}
	// bad makes a damaged copy of the backup, without its manifest unless
	// withManifest.
	bad := func(name string, withManifest bool, damage func(path string)) string {
		p := filepath.Join(t.TempDir(), name)
		b, err := os.ReadFile(good)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if withManifest {
			m, _ := os.ReadFile(registry.ManifestPath(good))
			if err := os.WriteFile(registry.ManifestPath(p), m, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		damage(p)
		return p
	}
	overwrite := func(off int64, data []byte) func(string) {
		return func(p string) {
			f, err := os.OpenFile(p, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteAt(data, off); err != nil {
				t.Fatal(err)
			}
		}
	}
	pageSize := countRows(t, good, "PRAGMA page_size")
	pages := countRows(t, good, "PRAGMA page_count")
	cases := []struct {
		name, file, want string
	}{
		{"not sqlite", bad("text.db", false, func(p string) { _ = os.WriteFile(p, []byte("name,handle\n"), 0o600) }), "not an SQLite database"},
		{"changed under its manifest", bad("changed.db", true, overwrite(pageSize*(pages/2)+100, []byte("tampered"))), "does not match its manifest"},
		{"cut short under its manifest", bad("short.db", true, func(p string) { _ = os.Truncate(p, pageSize*(pages-1)) }), "does not match its manifest"},
		{"damaged pages", bad("damaged.db", false, overwrite(pageSize*(pages-2), bytes.Repeat([]byte{0xA5}, int(pageSize)))), "damaged"},
		{"newer schema", bad("newer.db", false, func(p string) {
			sqlExec(t, p, "INSERT INTO goose_db_version (version_id, is_applied) VALUES (99999, 1)")
		}), "newer than this binary's"},
		{"broken audit chain", bad("audit.db", false, func(p string) {
			sqlExec(t, p, "DROP TRIGGER IF EXISTS audit_events_append_only_update", `UPDATE audit_events SET change = '{"x":1}' WHERE id = 2`)
		}), "audit trail is broken at event 2"},
	}
	dst := t.TempDir()
	copyKey(t, src, dst)
	if _, _, err := run(t, "", "restore", "--data", dst, good); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(dst, "hozur.db"))
	if err != nil {
		t.Fatal(err)
	}
	listing := func() []string {
		ents, _ := os.ReadDir(dst)
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		return names
	}
	was := listing()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, _, err := run(t, "", "restore", "--data", dst, c.file)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("restore: %v, want %q\n%s", err, c.want, out)
			}
			if !strings.Contains(err.Error(), "nothing was changed") {
				t.Errorf("the refusal does not say nothing was changed: %v", err)
			}
			if after, _ := os.ReadFile(filepath.Join(dst, "hozur.db")); !bytes.Equal(after, before) {
				t.Error("a refused restore changed the database")
			}
			if now := listing(); !slices.Equal(now, was) {
				t.Errorf("a refused restore left files: %v, was %v", now, was)
			}
		})
	}

	t.Run("server running", func(t *testing.T) {
		release, err := lockDatabase(dataConfig(t, dst))
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		_, _, err = run(t, "", "restore", "--data", dst, good)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("in use by process %d", os.Getpid())) {
			t.Fatalf("restore under a running server: %v", err)
		}
		if after, _ := os.ReadFile(filepath.Join(dst, "hozur.db")); !bytes.Equal(after, before) {
			t.Error("a refused restore changed the database")
		}
	})
}

func TestRestoreWithoutTheMasterKey(t *testing.T) {
	sqliteOnly(t)
	src := backupData(t)
	file := filepath.Join(t.TempDir(), "b.db")
	if _, _, err := run(t, "", "backup", "--data", src, file); err != nil {
		t.Fatal(err)
	}
	key, err := vault.LoadKeyFile(filepath.Join(src, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("no key at all", func(t *testing.T) {
		dst := t.TempDir()
		out, _, err := run(t, "", "restore", "--data", dst, file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "no master key at "+filepath.Join(dst, "master.key")) || !strings.Contains(out, "wrapped by master key "+key.ID()) {
			t.Errorf("output:\n%s", out)
		}
		if _, err := os.Stat(filepath.Join(dst, "master.key")); err == nil {
			t.Error("restore made a master key")
		}
		if countRows(t, filepath.Join(dst, "hozur.db"), "SELECT COUNT(*) FROM accounts") != 300 {
			t.Error("the data was not restored")
		}
	})
	t.Run("another key", func(t *testing.T) {
		dst := t.TempDir()
		other, err := vault.CreateKeyFile(filepath.Join(dst, "master.key"))
		if err != nil {
			t.Fatal(err)
		}
		out, _, err := run(t, "", "restore", "--data", dst, file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "master key "+key.ID()+" is not at hand") || strings.Contains(out, other.ID()+" is not") {
			t.Errorf("output:\n%s", out)
		}
		// Put back as a retired key beside the current one, it is found.
		copyFile(t, filepath.Join(src, "master.key"), filepath.Join(dst, "master.key.retired-"+key.ID()))
		out, _, err = run(t, "", "restore", "--data", dst, file)
		if err != nil || !strings.Contains(out, "data keys unwrap with the key in place") {
			t.Errorf("with the key back: %v\n%s", err, out)
		}
	})
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// The scheduled backup keeps the newest copies of its own naming, and
// each of them restores.
func TestScheduledBackupKeepsTheNewest(t *testing.T) {
	sqliteOnly(t)
	src := backupData(t)
	cfg := dataConfig(t, src)
	cfg.Backup.Keep = 2
	dir := cfg.BackupDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	// Files of other naming are never the job's to delete.
	for _, n := range []string{"notes.txt", "hozur-manual.db", "hozur-20200101T000000Z.db.bak"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("keep me"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := masterKeys(cfg)
	if err != nil {
		t.Fatal(err)
	}
	st, err := registry.Open(registry.Options{Path: cfg.SQLitePath(), MasterKeys: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	opt := monitor.SchedulerOptionsFrom(cfg)
	opt.Now = func() time.Time { return now }
	jobs, err := monitor.NewScheduler(monitor.New(st, monitor.SettingsFrom(cfg), nil), opt)
	if err != nil {
		t.Fatal(err)
	}
	var made []string
	for i := range 3 {
		now = now.Add(time.Duration(i+1) * time.Hour)
		run, err := jobs.RunNow(context.Background(), monitor.JobBackup, monitor.TriggerSchedule)
		if err != nil || run.Outcome != monitor.OutcomeOK {
			t.Fatalf("run %d: %v %+v", i, err, run)
		}
		var res monitor.BackupResult
		if err := json.Unmarshal([]byte(run.Detail), &res); err != nil {
			t.Fatalf("detail %q: %v", run.Detail, err)
		}
		fi, err := os.Stat(filepath.Join(dir, res.File))
		if err != nil || res.File != monitor.BackupFileName(now) || res.Size != fi.Size() || fi.Mode().Perm() != 0o600 {
			t.Fatalf("run %d: detail %+v, file %v %v", i, res, fi, err)
		}
		if want := max(0, len(made)+1-2); len(res.Deleted) != want {
			t.Errorf("run %d deleted %v", i, res.Deleted)
		}
		made = append(made, res.File)
	}
	// Runs by hand are named apart and never rotate the schedule's copies
	// away, however many there are.
	var manual []string
	for i := range 3 {
		now = now.Add(time.Minute)
		run, err := jobs.RunNow(context.Background(), monitor.JobBackup, monitor.TriggerManual)
		if err != nil || run.Outcome != monitor.OutcomeOK {
			t.Fatalf("manual run %d: %v %+v", i, err, run)
		}
		var res monitor.BackupResult
		if err := json.Unmarshal([]byte(run.Detail), &res); err != nil {
			t.Fatalf("detail %q: %v", run.Detail, err)
		}
		if res.File != monitor.ManualBackupFileName(now) || len(res.Deleted) != 0 {
			t.Errorf("manual run %d: %+v", i, res)
		}
		manual = append(manual, res.File, res.File+".manifest.json")
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	want := []string{"hozur-20200101T000000Z.db.bak", made[1], made[1] + ".manifest.json", made[2], made[2] + ".manifest.json", "hozur-manual.db", "notes.txt"}
	want = append(want, manual...)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("backup directory holds %v, want %v", names, want)
	}
	for _, f := range made[1:] {
		dst := t.TempDir()
		copyKey(t, src, dst)
		var out bytes.Buffer
		res, err := restoreBackup(context.Background(), dataConfig(t, dst), keys, filepath.Join(dir, f), &out)
		if err != nil || !res.Manifest || !res.Keys.OK() || res.AuditEvents == 0 {
			t.Fatalf("restore %s: %v %+v\n%s", f, err, res, out.String())
		}
		if n := countRows(t, filepath.Join(dst, "hozur.db"), "SELECT COUNT(*) FROM accounts"); n != 300 {
			t.Errorf("%s restored %d accounts", f, n)
		}
	}
}

func TestScheduledBackupOff(t *testing.T) {
	for _, c := range []struct {
		name string
		set  func(*config.Config)
	}{
		{"off", func(c *config.Config) { c.Backup.Spec = "off" }},
		{"empty", func(c *config.Config) { c.Backup.Spec = "" }},
		{"postgres", func(c *config.Config) {
			c.Database.Driver, c.Database.DSN = "postgres", "postgres://hozur@localhost/hozur"
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := dataConfig(t, t.TempDir())
			c.set(&cfg)
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			st, err := registry.Open(registry.Options{Path: filepath.Join(t.TempDir(), "hozur.db")})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			var log bytes.Buffer
			lg := slog.New(slog.NewTextHandler(&log, nil))
			jobs, err := monitor.NewScheduler(monitor.New(st, monitor.SettingsFrom(cfg), lg), monitor.SchedulerOptionsFrom(cfg))
			if err != nil {
				t.Fatal(err)
			}
			if jobs.Has(monitor.JobBackup) {
				t.Error("the backup job is scheduled")
			}
			if n := strings.Count(log.String(), "scheduled backups are off"); n != 1 {
				t.Errorf("said %d times in the log:\n%s", n, log.String())
			}
		})
	}
}

// Writes keep coming while a backup is taken; the backup restores to a
// database holding every write acknowledged before it began, each whole
// (its account and its audit event), with the sealed personal data
// readable under the same master key.
func TestBackupRoundTripUnderWriteLoad(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	src := t.TempDir()
	cfg := dataConfig(t, src)
	keys, err := masterKeys(cfg)
	if err != nil {
		t.Fatal(err)
	}
	st, err := registry.Open(registry.Options{Path: cfg.SQLitePath(), MasterKeys: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	ag, err := st.CreateAgency(ctx, registry.System, registry.AgencyInput{Code: "MIN-ROADS", Name: "وزارت راه و شهرسازی", NameEn: "Ministry of Roads", Kind: registry.KindMinistry})
	if err != nil {
		t.Fatal(err)
	}
	const writers = 4
	officials := make([]int64, writers)
	for i := range officials {
		o, err := st.CreateOfficial(ctx, registry.System, registry.OfficialInput{AgencyID: ag.ID, Name: fmt.Sprintf("مقام %d", i), Position: "معاون", Rank: 2, Serving: true,
			Email: fmt.Sprintf("official%d@example.org", i)})
		if err != nil {
			t.Fatal(err)
		}
		officials[i] = o.ID
	}

	type ack struct {
		id      int64
		display string
	}
	var (
		mu        sync.Mutex
		acked     []ack
		stop      = make(chan struct{})
		wg        sync.WaitGroup
		writeErrs = make(chan error, writers)
	)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				in := registry.AccountInput{URL: fmt.Sprintf("https://www.instagram.com/Writer%d.N%d", w, n), Capacity: registry.CapacityPersonal, OfficialID: officials[w]}
				if n%2 == 1 {
					in = registry.AccountInput{URL: fmt.Sprintf("https://x.com/Roads_%d_%d", w, n), Capacity: registry.CapacityInstitutional, AgencyID: ag.ID}
				}
				v, err := st.CreateAccount(ctx, registry.System, in)
				if err != nil {
					writeErrs <- err
					return
				}
				mu.Lock()
				acked = append(acked, ack{v.ID, v.Display})
				mu.Unlock()
			}
		}()
	}
	waitAcked := func(n int) {
		for {
			mu.Lock()
			got := len(acked)
			mu.Unlock()
			if got >= n {
				return
			}
			select {
			case err := <-writeErrs:
				t.Fatal(err)
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	waitAcked(150)
	mu.Lock()
	before := slices.Clone(acked)
	mu.Unlock()
	file := filepath.Join(t.TempDir(), "under-load.db")
	m, err := st.WriteBackup(ctx, file, registry.BackupOptions{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	waitAcked(len(before) + 150)
	close(stop)
	wg.Wait()
	select {
	case err := <-writeErrs:
		t.Fatal(err)
	default:
	}
	total := len(acked)

	dst := t.TempDir()
	copyKey(t, src, dst)
	var out bytes.Buffer
	res, err := restoreBackup(ctx, dataConfig(t, dst), keys, file, &out)
	if err != nil {
		t.Fatalf("restore: %v\n%s", err, out.String())
	}
	if !res.Manifest || !res.Keys.OK() || res.Keys.DataKeys != int(m.DataKeys) {
		t.Errorf("restore %+v, manifest %+v", res, m)
	}
	rst, err := registry.Open(registry.Options{Path: filepath.Join(dst, "hozur.db"), MasterKeys: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer rst.Close()
	if err := rst.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := rst.VerifyAudit(ctx, nil)
	if err != nil || !rep.OK() {
		t.Fatalf("audit chain of the restored copy: %+v %v", rep, err)
	}
	restored := filepath.Join(dst, "hozur.db")
	n := countRows(t, restored, "SELECT COUNT(*) FROM accounts")
	if n < int64(len(before)) || n >= int64(total) {
		t.Errorf("restored %d accounts: %d were acknowledged before the backup, %d in all", n, len(before), total)
	}
	// Nothing half-written: every account has its creation event and every
	// creation event its account.
	if orphans := countRows(t, restored, `SELECT COUNT(*) FROM accounts a WHERE NOT EXISTS
		(SELECT 1 FROM audit_events e WHERE e.entity = 'account' AND e.action = 'create' AND e.entity_id = a.id)`); orphans != 0 {
		t.Errorf("%d accounts without their audit event", orphans)
	}
	if orphans := countRows(t, restored, `SELECT COUNT(*) FROM audit_events e WHERE e.entity = 'account' AND e.action = 'create'
		AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = e.entity_id)`); orphans != 0 {
		t.Errorf("%d audit events of accounts not there", orphans)
	}
	for _, a := range before {
		v, err := rst.Account(ctx, registry.System, a.id)
		if err != nil {
			t.Fatalf("account %d, acknowledged before the backup: %v", a.id, err)
		}
		if v.Display != a.display || v.Erased {
			t.Fatalf("account %d reads %q, was written %q", a.id, v.Display, a.display)
		}
	}
	o, err := rst.Official(ctx, registry.System, officials[0])
	if err != nil || o.Email != "official0@example.org" {
		t.Errorf("sealed e-mail of the restored official: %q %v", o.Email, err)
	}
	t.Logf("%d accounts acknowledged before the backup, %d in all, %d restored", len(before), total, n)
}

// The database kept aside takes its write-ahead log with it: the last
// commits may be there only.
func TestKeepAsideTakesTheLog(t *testing.T) {
	dir := t.TempDir()
	live := filepath.Join(dir, "hozur.db")
	for suffix, body := range map[string]string{"": "db", "-wal": "log", "-shm": "index"} {
		if err := os.WriteFile(live+suffix, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	aside, err := keepAside(live)
	if err != nil || !strings.HasPrefix(aside, live+".before-restore-") {
		t.Fatalf("kept as %q: %v", aside, err)
	}
	for p, want := range map[string]string{aside: "db", aside + "-wal": "log"} {
		if b, err := os.ReadFile(p); err != nil || string(b) != want {
			t.Errorf("%s: %q %v, want %q", p, b, err, want)
		}
	}
	for _, p := range []string{live, live + "-wal", live + "-shm", aside + "-shm"} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s is still there", p)
		}
	}
}
