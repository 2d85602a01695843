package config

import (
	"strings"
	"testing"
	"time"
)

func TestValidateNamesBadKey(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		key    string
	}{
		{"addr without port", func(c *Config) { c.Addr = "localhost" }, "addr"},
		{"addr bad port", func(c *Config) { c.Addr = "127.0.0.1:http" }, "addr"},
		{"addr port too big", func(c *Config) { c.Addr = ":70000" }, "addr"},
		{"addr bad host", func(c *Config) { c.Addr = "bad host:80" }, "addr"},
		{"empty data dir", func(c *Config) { c.DataDir = "" }, "data_dir"},
		{"base url without scheme", func(c *Config) { c.BaseURL = "hozur.example.org" }, "base_url"},
		{"base url ftp", func(c *Config) { c.BaseURL = "ftp://hozur.example.org" }, "base_url"},
		{"base url with query", func(c *Config) { c.BaseURL = "https://hozur.example.org/?a=b" }, "base_url"},
		{"driver mysql", func(c *Config) { c.Database.Driver = "mysql" }, `database.driver: must be "sqlite" or "postgres", got "mysql"`},
		{"postgres without dsn", func(c *Config) { c.Database.Driver = "postgres" }, "database.dsn"},
		{"zero readers", func(c *Config) { c.Database.MaxReaders = 0 }, "database.max_readers"},
		{"unknown zone", func(c *Config) { c.TimeZone = "Mars/Olympus" }, "time_zone"},
		{"empty zone", func(c *Config) { c.TimeZone = "" }, "time_zone"},
		{"locale de", func(c *Config) { c.Locale = "de" }, "locale"},
		{"zero idle timeout", func(c *Config) { c.Session.IdleTimeout = 0 }, "session.idle_timeout"},
		{"negative lifetime", func(c *Config) { c.Session.Lifetime = -time.Hour }, "session.lifetime"},
		{"lifetime below idle", func(c *Config) { c.Session.Lifetime = 10 * time.Minute }, "session.lifetime"},
		{"secure cookie yes", func(c *Config) { c.Session.SecureCookie = "yes" }, "session.secure_cookie"},
		{"log level trace", func(c *Config) { c.Log.Level = "trace" }, "log.level"},
		{"log level upper case", func(c *Config) { c.Log.Level = "INFO" }, "log.level"},
		{"log format xml", func(c *Config) { c.Log.Format = "xml" }, "log.format"},
		{"proxy not cidr", func(c *Config) { c.Security.TrustedProxies = []string{"10.0.0.0/8", "nonsense"} }, "security.trusted_proxies[1]"},
		{"proxy bare ip", func(c *Config) { c.Security.TrustedProxies = []string{"10.0.0.1"} }, "/32"},
		{"zero attempts", func(c *Config) { c.Security.LoginMaxAttempts = 0 }, "security.login_max_attempts"},
		{"zero window", func(c *Config) { c.Security.LoginWindow = 0 }, "security.login_window"},
		{"empty issuer", func(c *Config) { c.Security.TOTP, c.Security.TOTPIssuer = true, " " }, "security.totp_issuer"},
		{"issuer with a colon", func(c *Config) { c.Security.TOTPIssuer = "Hozur:Tehran" }, "security.totp_issuer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.mutate(&c)
			err := c.Validate()
			if err == nil {
				t.Fatal("Validate() = nil, want an error")
			}
			if !strings.Contains(err.Error(), tt.key) {
				t.Errorf("Validate() = %q, want it to contain %q", err, tt.key)
			}
			if !strings.HasPrefix(err.Error(), "config: ") {
				t.Errorf("Validate() = %q, want the prefix \"config: \"", err)
			}
		})
	}
}

func TestValidateAcceptsGoodValues(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
	}{
		{"all interfaces", func(c *Config) { c.Addr = ":8080" }},
		{"hostname", func(c *Config) { c.Addr = "localhost:8080" }},
		{"ipv6", func(c *Config) { c.Addr = "[::1]:8080" }},
		{"base url with path", func(c *Config) { c.BaseURL = "https://example.org/hozur/" }},
		{"postgres with dsn", func(c *Config) { c.Database = Database{Driver: "postgres", DSN: "host=db", MaxReaders: 1} }},
		{"UTC", func(c *Config) { c.TimeZone = "UTC" }},
		{"lifetime equals idle", func(c *Config) { c.Session.Lifetime = c.Session.IdleTimeout }},
		{"ipv6 proxy", func(c *Config) { c.Security.TrustedProxies = []string{"fd00::/8", "127.0.0.1/32"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.mutate(&c)
			if err := c.Validate(); err != nil {
				t.Errorf("Validate() = %v", err)
			}
		})
	}
}

// TestValidateReportsAllProblems lets a user fix every mistake in one go.
func TestValidateReportsAllProblems(t *testing.T) {
	c := Default()
	c.Locale = "de"
	c.Log.Format = "xml"
	c.Database.Driver = "mysql"
	err := c.Validate()
	if err == nil {
		t.Fatal("Validate() = nil")
	}
	for _, key := range []string{"locale", "log.format", "database.driver"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("Validate() = %q, missing %s", err, key)
		}
	}
}

// TestLoadValidates checks that bad values from file and env stop Load.
func TestLoadValidates(t *testing.T) {
	file := writeFile(t, "hozur.yaml", "locale: de\n")
	_, err := Load(file, []string{"HOZUR_DATABASE_DRIVER=mysql"})
	if err == nil {
		t.Fatal("Load accepted invalid values")
	}
	for _, key := range []string{"locale", "database.driver"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("Load error %q does not name %s", err, key)
		}
	}
}
