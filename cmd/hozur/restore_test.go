//go:build unix

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"hozur/registry"
)

// openData opens the registry of a data directory with its master key.
func openData(t *testing.T, dir string) *registry.Store {
	t.Helper()
	keys, err := masterKeys(dataConfig(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	st, err := registry.Open(registry.Options{Path: filepath.Join(dir, "hozur.db"), MasterKeys: keys})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestRestoreReappliesErasures(t *testing.T) {
	sqliteOnly(t)
	dir := backupData(t)
	db := filepath.Join(dir, "hozur.db")
	id := countRows(t, db, `SELECT o.id FROM officials o WHERE o.email != '' AND EXISTS
(SELECT 1 FROM accounts a WHERE a.official_id = o.id AND a.capacity = 'personal') ORDER BY o.id LIMIT 1`)
	if id == 0 {
		t.Fatal("the demo has no official with an e-mail and a personal account")
	}
	file := filepath.Join(t.TempDir(), "before.db")
	if _, _, err := run(t, "", "backup", "--data", dir, file); err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	st := openData(t, dir)
	o, err := st.Official(ctx, registry.System, id)
	if err != nil || o.Erased || o.Email == "" || o.Name == "" {
		t.Fatalf("before the erasure: %+v %v", o, err)
	}
	req, err := st.RequestErasure(ctx, registry.System, registry.ErasureInput{OfficialID: id, Scope: registry.ErasureAll})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.DecideErasure(ctx, registry.System, req.ID, registry.ErasureDecision{Erase: true}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	out, _, err := run(t, "", "restore", "--data", dir, file)
	if err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	if !strings.Contains(out, "re-applied 1 erasures made since the backup") {
		t.Errorf("output does not count the erasure re-applied:\n%s", out)
	}
	st = openData(t, dir)
	defer st.Close()
	o, err = st.Official(ctx, registry.System, id)
	if err != nil {
		t.Fatal(err)
	}
	if !o.Erased || o.Email != "" || o.Name != "" {
		t.Errorf("after the restore the official reads %+v: want erased", o)
	}
	if n := countRows(t, db, fmt.Sprintf("SELECT COUNT(*) FROM data_keys WHERE official_id = %d AND wrapped != ''", id)); n != 0 {
		t.Errorf("the restored database holds %d wrapped keys of the erased official", n)
	}
	if n := countRows(t, db, fmt.Sprintf("SELECT COUNT(*) FROM accounts WHERE official_id = %d AND capacity = 'personal' AND handle NOT LIKE 'erased-%%'", id)); n != 0 {
		t.Errorf("%d personal handles of the erased official came back", n)
	}
	if n := countRows(t, db, fmt.Sprintf("SELECT COUNT(*) FROM audit_events WHERE action = 'restore_erase' AND entity_id = %d", id)); n != 1 {
		t.Errorf("%d audit events of the erasure re-applied, want 1", n)
	}
	if out, _, err := run(t, "", "audit", "verify", "--data", dir); err != nil || !strings.HasPrefix(out, "ok: ") {
		t.Errorf("audit verify after restore: %q %v", out, err)
	}

}

// A backup that cannot be renamed into place leaves the database it was
// to replace where it was; when even that fails, the error says where
// both are.
func TestRestorePutsTheDatabaseBackOnFailure(t *testing.T) {
	sqliteOnly(t)
	dir := backupData(t)
	live := filepath.Join(dir, "hozur.db")
	file := filepath.Join(t.TempDir(), "b.db")
	if _, _, err := run(t, "", "backup", "--data", dir, file); err != nil {
		t.Fatal(err)
	}
	sqlExec(t, live, "PRAGMA journal_mode=WAL", "CREATE TABLE marker (x)")
	keys, err := masterKeys(dataConfig(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	failInto := func(fail func(from, to string) bool) {
		renameFile = func(from, to string) error {
			if fail(from, to) {
				return &os.LinkError{Op: "rename", Old: from, New: to, Err: os.ErrPermission}
			}
			return os.Rename(from, to)
		}
	}
	t.Cleanup(func() { renameFile = os.Rename })

	// The copy's rename fails: the database goes back.
	failInto(func(from, to string) bool { return strings.Contains(from, ".hozur.db.restore-") })
	var out strings.Builder
	_, err = restoreBackup(context.Background(), dataConfig(t, dir), keys, file, &out)
	if err == nil || !strings.Contains(err.Error(), "back in place, unchanged") {
		t.Fatalf("restore: %v", err)
	}
	if n := countRows(t, live, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'marker'"); n != 1 {
		t.Error("the database it was to replace is not back in place")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.before-restore-*")); len(left) != 0 {
		t.Errorf("left aside: %v", left)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".hozur.db.restore-*")); len(left) != 0 {
		t.Errorf("temporary copies left: %v", left)
	}

	// Putting it back fails too: the error names where it is.
	failInto(func(_, to string) bool { return to == live })
	_, err = restoreBackup(context.Background(), dataConfig(t, dir), keys, file, &out)
	aside, _ := filepath.Glob(filepath.Join(dir, "hozur.db.before-restore-*[0-9]Z"))
	if err == nil || len(aside) != 1 || !strings.Contains(err.Error(), "that database is at "+aside[0]) {
		t.Fatalf("restore: %v (aside %v)", err, aside)
	}
	if n := countRows(t, aside[0], "SELECT COUNT(*) FROM sqlite_master WHERE name = 'marker'"); n != 1 {
		t.Error("the file named is not the database replaced")
	}
}

// Run as root, restore gives what it writes to the data directory's
// owner, so that the service running as that user can open it.
func TestRestoreChownTarget(t *testing.T) {
	dir := t.TempDir()
	if _, _, ok, err := chownTarget(1000, dir); ok || err != nil {
		t.Errorf("not root: chown %v %v", ok, err)
	}
	if os.Geteuid() != 0 {
		uid, gid, ok, err := chownTarget(0, dir)
		if err != nil || !ok || uid != os.Getuid() || gid != os.Getgid() {
			t.Errorf("as root, over a directory of uid %d: %d %d %v %v", os.Getuid(), uid, gid, ok, err)
		}
		return
	}
	// Root's own directory: nothing to change.
	if _, _, ok, err := chownTarget(0, dir); ok || err != nil {
		t.Errorf("root's directory: chown %v %v", ok, err)
	}
	sqliteOnly(t)
	// A service user's data directory: a real restore hands the files over.
	src := backupData(t)
	file := filepath.Join(t.TempDir(), "b.db")
	if _, _, err := run(t, "", "backup", "--data", src, file); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	copyKey(t, src, data)
	const nobody = 65534
	if err := os.Chown(data, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	if out, _, err := run(t, "", "restore", "--data", data, file); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	for _, n := range []string{"hozur.db", "hozur.lock"} {
		fi, err := os.Stat(filepath.Join(data, n))
		if err != nil {
			t.Fatal(err)
		}
		if st := fi.Sys().(*syscall.Stat_t); st.Uid != nobody || st.Gid != nobody {
			t.Errorf("%s owned by %d:%d, want the data directory's %d:%d", n, st.Uid, st.Gid, nobody, nobody)
		}
	}
}
