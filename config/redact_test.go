package config

import (
	"strings"
	"testing"
)

func TestRedactedHidesSecrets(t *testing.T) {
	tests := []struct {
		name   string
		dsn    string
		secret string
		keep   string // a part of the DSN that should survive for debugging
	}{
		{"postgres url", "postgres://hozur:s3cret@db/hozur", "s3cret", "postgres://hozur:***@db/hozur"},
		{"postgres url with port and query", "postgresql://hozur:p%40ss@db:5432/hozur?sslmode=disable", "p%40ss", "sslmode=disable"},
		{"password in query", "postgres://db/hozur?user=h&password=s3cret&sslmode=require", "s3cret", "sslmode=require"},
		{"multi-host url", "postgres://hozur:s3cret@db1:5432,db2:5432/hozur", "s3cret", "db2:5432/hozur"},
		{"keyword value", "host=db user=hozur password=s3cret dbname=hozur", "s3cret", "dbname=hozur"},
		{"keyword value quoted", `host=db password='s3 cr\'et' dbname=hozur`, "cr", "dbname=hozur"},
		{"keyword value spaces", "host=db password = s3cret sslpassword=k3y", "s3cret", "host=db"},
		{"sqlite auth", "file:/srv/h.db?_auth&_auth_user=a&_auth_pass=s3cret&mode=rwc", "s3cret", "mode=rwc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			c.Database.DSN = tt.dsn
			c.AdminPassword = "hunter2"
			r := c.Redacted()
			if strings.Contains(r.Database.DSN, tt.secret) {
				t.Errorf("Redacted DSN %q still contains %q", r.Database.DSN, tt.secret)
			}
			if !strings.Contains(r.Database.DSN, tt.keep) {
				t.Errorf("Redacted DSN %q lost %q", r.Database.DSN, tt.keep)
			}
			if r.AdminPassword != "***" {
				t.Errorf("Redacted AdminPassword = %q, want ***", r.AdminPassword)
			}
			if c.Database.DSN != tt.dsn || c.AdminPassword != "hunter2" {
				t.Error("Redacted modified the original")
			}
		})
	}
	t.Run("keyword sslpassword", func(t *testing.T) {
		if got := redactDSN("host=db sslpassword=k3y"); strings.Contains(got, "k3y") {
			t.Errorf("redactDSN = %q", got)
		}
	})
}

func TestRedactedKeepsPlainValues(t *testing.T) {
	c := Default()
	c.Security.TrustedProxies = []string{"10.0.0.0/8"}
	r := c.Redacted()
	if r.AdminPassword != "" || r.Database.DSN != "" {
		t.Errorf("empty secrets became %q, %q; want them empty", r.AdminPassword, r.Database.DSN)
	}
	for _, dsn := range []string{"/srv/hozur/hozur.db", "file:h.db?mode=ro", "postgres://hozur@db/hozur"} {
		c.Database.DSN = dsn
		if got := c.Redacted().Database.DSN; got != dsn {
			t.Errorf("Redacted DSN %q = %q, want unchanged", dsn, got)
		}
	}
	r.Security.TrustedProxies[0] = "changed"
	if c.Security.TrustedProxies[0] != "10.0.0.0/8" {
		t.Error("Redacted shares the TrustedProxies slice with the original")
	}
}
