package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pquerna/otp/totp"

	"hozur/config"
	"hozur/registry"
	"hozur/registry/storetest"
)

// TestUserResetTOTP: the way back in for an administrator locked out of
// their second factor.
func TestUserResetTOTP(t *testing.T) {
	t.Setenv("HOZUR_ADMIN_PASSWORD", "")
	ctx := context.Background()
	dir := t.TempDir()
	if _, _, err := run(t, "", "migrate", "--data", dir); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, "a long password\n", "user", "add", "--data", dir, "--username", "root", "--role", "admin", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DataDir = dir
	if storetest.Postgres() {
		dsn, err := storetest.ProcessDSN(filepath.Join(dir, "hozur.db"))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Database.Driver, cfg.Database.DSN = "postgres", dsn
	}
	open := func() *registry.Store {
		t.Helper()
		st, err := openStore(ctx, cfg, false)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	st := open()
	u, err := st.UserByUsername(ctx, "root")
	if err != nil {
		t.Fatal(err)
	}
	a := registry.Actor{UserID: u.ID, Username: u.Username, Role: u.Role}
	secret, err := st.BeginTOTP(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	code, err := totp.GenerateCode(secret, st.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ConfirmTOTP(ctx, a, code); err != nil {
		t.Fatal(err)
	}
	_ = st.Close()

	out, _, err := run(t, "", "user", "reset-totp", "--data", dir, "ROOT")
	if err != nil || !strings.Contains(out, "two-factor sign-in of root removed") {
		t.Fatalf("reset-totp: %q, %v", out, err)
	}
	if _, _, err := run(t, "", "user", "reset-totp", "--data", dir, "root"); err == nil || !strings.Contains(err.Error(), "no two-factor sign-in") {
		t.Errorf("reset-totp twice: %v", err)
	}
	if _, _, err := run(t, "", "user", "reset-totp", "--data", dir, "nobody"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("reset-totp of an unknown user: %v", err)
	}
	if _, _, err := run(t, "", "user", "reset-totp", "--data", dir); err == nil {
		t.Error("reset-totp without a username succeeded")
	}

	st = open()
	defer func() { _ = st.Close() }()
	if has, err := st.HasFactor(ctx, u.ID); err != nil || has {
		t.Errorf("factor after reset: %v, %v", has, err)
	}
	evs, err := st.AuditEvents(ctx, registry.System, registry.AuditFilter{Action: "totp_reset", Entity: "user", EntityID: u.ID}, registry.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs.Items) != 1 || evs.Items[0].Actor != "system" {
		t.Errorf("reset audited as %+v", evs.Items)
	}
}
