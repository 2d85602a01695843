package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hozur/registry/vault"
)

func TestKeysRotate(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := run(t, "", "migrate", "--data", dir); err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(dir, "master.key")
	fi, err := os.Stat(keyPath)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("first start made no private key file: %v %v", fi, err)
	}
	before, err := vault.LoadKeyFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, "", "demo", "--data", dir); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, "", "keys", "rotate", "--data", dir)
	if err != nil || !strings.Contains(out, "rewrapped") {
		t.Fatalf("rotate: %q %v", out, err)
	}
	after, err := vault.LoadKeyFile(keyPath)
	if err != nil || after.ID() == before.ID() {
		t.Fatalf("key file not replaced: %v", err)
	}
	if _, err := os.Stat(keyPath + ".retired-" + before.ID()); err != nil {
		t.Fatalf("old key not kept: %v", err)
	}
	// Everything still reads with the new key: an export opens every
	// official's sealed fields.
	export := filepath.Join(dir, "officials.csv")
	if _, _, err := run(t, "", "export", "--data", dir, "--kind", "officials", export); err != nil {
		t.Fatalf("export after rotation: %v", err)
	}
	data, err := os.ReadFile(export) //nolint:gosec // G304: the test's own file
	if err != nil || !strings.Contains(string(data), "@") {
		t.Fatalf("export holds no e-mail addresses: %v", err)
	}
	// A key given in the environment is not rotated from here.
	t.Setenv("HOZUR_MASTER_KEY", after.String())
	if _, _, err := run(t, "", "keys", "rotate", "--data", dir); err == nil || !strings.Contains(err.Error(), "HOZUR_MASTER_KEY") {
		t.Fatalf("rotate with an environment key: %v", err)
	}
}
