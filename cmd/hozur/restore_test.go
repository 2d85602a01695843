package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
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
