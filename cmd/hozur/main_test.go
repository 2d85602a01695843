package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"hozur/registry/storetest"
)

// run executes the CLI in-process and returns stdout, stderr and the error.
func run(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	// On PostgreSQL, the data directory's database is a database of its
	// own on the test server.
	for i, a := range args {
		if a == "--data" && i+1 < len(args) && storetest.Postgres() {
			dsn, err := storetest.ProcessDSN(filepath.Join(args[i+1], "hozur.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Setenv("HOZUR_DATABASE_DRIVER", "postgres")
			t.Setenv("HOZUR_DATABASE_DSN", dsn)
		}
	}
	cmd := newRoot()
	var out, errOut bytes.Buffer
	cmd.SetArgs(args)
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func TestCLI(t *testing.T) {
	t.Setenv("HOZUR_ADMIN_PASSWORD", "")
	dir := t.TempDir()
	steps := []struct {
		name    string
		stdin   string
		args    []string
		wantOut string
		wantErr string
	}{
		{"migrate", "", []string{"migrate", "--data", dir}, "migration(s)", ""},
		{"migrate again", "", []string{"migrate", "--data", dir}, "applied 0 migration(s)", ""},
		{"demo", "", []string{"demo", "--data", dir, "--accounts", "300", "--seed", "7"}, "300 accounts", ""},
		{"demo twice", "", []string{"demo", "--data", dir, "--accounts", "300"}, "", "not empty"},
		{"user add", "a long password\n", []string{"user", "add", "--data", dir, "--username", "Sara", "--role", "liaison", "--agency", "MIN-HEALTH", "--password-stdin"}, "created user sara (liaison)", ""},
		{"user add without stdin flag", "", []string{"user", "add", "--data", dir, "--username", "x", "--role", "admin"}, "", "--password-stdin is required"},
		{"user add bad", "short\n", []string{"user", "add", "--data", dir, "--username", "x", "--role", "boss", "--password-stdin"}, "", "password: The password must be at least 10 characters long."},
		{"user add unknown agency", "a long password\n", []string{"user", "add", "--data", dir, "--username", "li", "--role", "liaison", "--agency", "NOPE", "--password-stdin"}, "", "agency \"NOPE\""},
		{"user add duplicate", "a long password\n", []string{"user", "add", "--data", dir, "--username", "sara", "--role", "reviewer", "--password-stdin"}, "", "This username is taken"},
		{"user list", "", []string{"user", "list", "--data", dir}, "sara", ""},
		{"passwd", "another long password\n", []string{"user", "passwd", "--data", dir, "--username", "sara", "--password-stdin"}, "password of sara changed", ""},
		{"token", "", []string{"token", "create", "--data", dir, "--username", "sara"}, "hzr_", ""},
		{"token unknown user", "", []string{"token", "create", "--data", dir, "--username", "nobody"}, "", "not found"},
		{"bad config", "", []string{"migrate", "--data", dir, "--config", dir + "/missing.yaml"}, "", "missing.yaml"},
		{"backup", "", []string{"backup", "--data", dir, dir + "/copy.db"}, "backup written", ""},
		{"backup exists", "", []string{"backup", "--data", dir, dir + "/copy.db"}, "", "already exists"},
		{"version", "", []string{"version"}, "hozur ", ""},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if strings.HasPrefix(s.name, "backup") && storetest.Postgres() {
				t.Skip("PostgreSQL is backed up with pg_dump; TestBackupWritesManifest checks the advice")
			}
			out, _, err := run(t, s.stdin, s.args...)
			if s.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), s.wantErr) {
					t.Fatalf("error %v, want %q", err, s.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out, s.wantOut) {
				t.Errorf("output %q, want %q", out, s.wantOut)
			}
		})
	}
	// The token is alone on the last line.
	out, _, err := run(t, "", "token", "create", "--data", dir, "--username", "sara")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "hzr_") || strings.ContainsAny(last, " \t") {
		t.Errorf("last line %q is not a bare token", last)
	}
}
