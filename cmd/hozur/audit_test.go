package main

import (
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hozur/registry"
	"hozur/registry/storetest"
)

// auditData is a migrated data directory with a few audited writes: two
// users (events 1 and 2) and a token (event 3).
func auditData(t *testing.T) string {
	t.Helper()
	t.Setenv("HOZUR_ADMIN_PASSWORD", "")
	t.Setenv(auditKeyEnv, "")
	dir := t.TempDir()
	for _, args := range [][]string{
		{"migrate", "--data", dir},
		{"user", "add", "--data", dir, "--username", "sara", "--role", "reviewer", "--password-stdin"},
		{"user", "add", "--data", dir, "--username", "reza", "--role", "auditor", "--password-stdin"},
		{"token", "create", "--data", dir, "--username", "sara"},
	} {
		if _, _, err := run(t, "a long password\n", args...); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	return dir
}

// tamper changes the database file behind the application's back, as
// someone holding the file could, triggers dropped first.
func tamper(t *testing.T, dir string, stmts ...string) {
	t.Helper()
	driver, dsn := "sqlite3", "file:"+filepath.Join(dir, "hozur.db")+"?_busy_timeout=5000"
	unguard := []string{"DROP TRIGGER IF EXISTS audit_events_append_only_update", "DROP TRIGGER IF EXISTS audit_events_append_only_delete"}
	if storetest.Postgres() {
		var err error
		if dsn, err = storetest.ProcessDSN(filepath.Join(dir, "hozur.db")); err != nil {
			t.Fatal(err)
		}
		driver, unguard = "pgx", []string{"ALTER TABLE audit_events DISABLE TRIGGER USER"}
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range append(unguard, stmts...) {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func TestAuditVerify(t *testing.T) {
	dir := auditData(t)
	out, _, err := run(t, "", "audit", "verify", "--data", dir)
	if err != nil || !strings.HasPrefix(out, "ok: 3 events, head ") || len(strings.TrimSpace(strings.TrimPrefix(out, "ok: 3 events, head "))) != 64 {
		t.Fatalf("untouched: %q %v", out, err)
	}
	cases := []struct{ name, sql, want string }{
		{"edited", `UPDATE audit_events SET change = '{"username":"mallory"}' WHERE id = 2`, "broken at event 2: edited: event 2 was changed"},
		{"deleted", `DELETE FROM audit_events WHERE id = 2`, "broken at event 3: deleted: event 2 is missing"},
		{"inserted", `INSERT INTO audit_events (id, at, actor, action, entity, entity_id, change, ip, prev_hash, hash)
			SELECT 4, at, actor, action, entity, entity_id, change, ip, prev_hash, hash FROM audit_events WHERE id = 2`, "broken at event 4: "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := auditData(t)
			tamper(t, dir, tc.sql)
			out, _, err := run(t, "", "audit", "verify", "--data", dir)
			if !errors.Is(err, errAuditBroken) || !strings.HasPrefix(out, tc.want) {
				t.Errorf("got %q, %v; want %q", out, err, tc.want)
			}
		})
	}
	// On PostgreSQL the database exists (its administrator makes it) but
	// holds no schema.
	want := "no database"
	if storetest.Postgres() {
		want = "schema is out of date"
	}
	if _, _, err := run(t, "", "audit", "verify", "--data", t.TempDir()); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("no database: %v", err)
	}
}

func TestAuditCheckpoint(t *testing.T) {
	dir := auditData(t)
	out, stderr, err := run(t, "", "audit", "checkpoint", "--data", dir)
	if err != nil {
		t.Fatal(err)
	}
	var cp registry.Checkpoint
	if err := json.Unmarshal([]byte(out), &cp); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if cp.Size != 3 || cp.HeadID != 3 || len(cp.HeadHash) != 64 || cp.PublicKey == "" || cp.Signature == "" || cp.At.IsZero() {
		t.Errorf("checkpoint %+v", cp)
	}
	keyPath := filepath.Join(dir, auditKeyFile)
	if fi, err := os.Stat(keyPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	if !strings.Contains(stderr, "created the audit signing key") {
		t.Errorf("stderr %q", stderr)
	}
	// The same key signs the next checkpoint.
	out2, stderr2, err := run(t, "", "audit", "checkpoint", "--data", dir)
	var cp2 registry.Checkpoint
	if err != nil || json.Unmarshal([]byte(out2), &cp2) != nil || cp2.PublicKey != cp.PublicKey || stderr2 != "" {
		t.Errorf("second checkpoint: %v %s %s", err, out2, stderr2)
	}
	saved := filepath.Join(t.TempDir(), "checkpoint.json")
	if err := os.WriteFile(saved, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	// Later writes leave the checkpoint holding.
	if _, _, err := run(t, "", "token", "create", "--data", dir, "--username", "reza"); err != nil {
		t.Fatal(err)
	}
	got, _, err := run(t, "", "audit", "verify", "--data", dir, "--checkpoint", saved)
	if err != nil || !strings.Contains(got, "ok: 4 events") || !strings.Contains(got, "ok: checkpoint of ") || !strings.Contains(got, "3 events up to event 3") {
		t.Fatalf("verify with checkpoint: %q %v", got, err)
	}
	// A checkpoint edited by hand does not verify.
	forged := strings.Replace(out, `"size": 3`, `"size": 2`, 1)
	bad := filepath.Join(t.TempDir(), "forged.json")
	if err := os.WriteFile(bad, []byte(forged), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, _, err := run(t, "", "audit", "verify", "--data", dir, "--checkpoint", bad); !errors.Is(err, errAuditBroken) || !strings.Contains(got, "signature does not verify") {
		t.Errorf("forged checkpoint: %q %v", got, err)
	}
	// Cutting the end off the trail: the chain holds, the checkpoint not.
	tamper(t, dir, "DELETE FROM audit_events WHERE id >= 3")
	got, _, err = run(t, "", "audit", "verify", "--data", dir, "--checkpoint", saved)
	if !errors.Is(err, errAuditBroken) || !strings.Contains(got, "ok: 2 events") || !strings.Contains(got, "checkpoint does not hold") || !strings.Contains(got, "event 3, the head of the checkpoint") {
		t.Errorf("cut trail: %q %v", got, err)
	}
	// A key others may read is refused.
	if err := os.Chmod(keyPath, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, "", "audit", "checkpoint", "--data", dir); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("readable key: %v", err)
	}
}

func TestAuditKeyFileFromEnvironment(t *testing.T) {
	dir := auditData(t)
	key := filepath.Join(t.TempDir(), "elsewhere.key")
	t.Setenv(auditKeyEnv, key)
	if _, _, err := run(t, "", "audit", "checkpoint", "--data", dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(key); err != nil {
		t.Errorf("key not made where %s says: %v", auditKeyEnv, err)
	}
	if _, err := os.Stat(filepath.Join(dir, auditKeyFile)); err == nil {
		t.Error("a key was made in the data directory too")
	}
}

func TestAuditVerifyAfterDemo(t *testing.T) {
	t.Setenv("HOZUR_ADMIN_PASSWORD", "")
	dir := t.TempDir()
	if _, _, err := run(t, "", "demo", "--data", dir, "--accounts", "200"); err != nil {
		t.Fatal(err)
	}
	// The demo load writes its event with plain SQL; until something
	// chains it, it is reported, not counted as a break.
	out, _, err := run(t, "", "audit", "verify", "--data", dir)
	if err != nil || !strings.HasPrefix(out, "ok: ") {
		t.Fatalf("%q %v", out, err)
	}
	if _, _, err := run(t, "", "audit", "checkpoint", "--data", dir); err != nil {
		t.Fatal(err)
	}
	out, stderr, err := run(t, "", "audit", "verify", "--data", dir)
	if err != nil || !strings.HasPrefix(out, "ok: ") || strings.HasPrefix(out, "ok: 0 events") || strings.Contains(stderr, "no hash yet") {
		t.Errorf("after a checkpoint: %q %q %v", out, stderr, err)
	}
}
