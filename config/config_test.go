package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// writeFile writes content to a new file in a test temp dir and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultsValidWithoutFileOrEnv(t *testing.T) {
	def := Default()
	if err := def.Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
	got, err := Load("", nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if !reflect.DeepEqual(got, def) {
		t.Errorf("Load(\"\", nil) = %+v, want Default() %+v", got, def)
	}
	if def.Database.MaxReaders < 4 {
		t.Errorf("default max_readers = %d, want at least 4", def.Database.MaxReaders)
	}
}

func TestLoadIgnoresProcessEnvironment(t *testing.T) {
	t.Setenv("HOZUR_ADDR", "not-an-address")
	t.Setenv("HOZUR_LOCALE", "de")
	got, err := Load("", []string{})
	if err != nil {
		t.Fatalf("Load read the process environment: %v", err)
	}
	if got.Addr != Default().Addr {
		t.Errorf("Addr = %q, want default", got.Addr)
	}
}

func TestExampleLoadsAsDefault(t *testing.T) {
	p := writeFile(t, "example.yaml", string(Example))
	got, err := Load(p, nil)
	if err != nil {
		t.Fatalf("Load(example.yaml): %v", err)
	}
	if want := Default(); !reflect.DeepEqual(got, want) {
		t.Errorf("example.yaml loads as\n%+v\nwant Default()\n%+v", got, want)
	}
}

// TestExampleShowsEveryKey keeps example.yaml complete as fields are added.
// max_readers is shown commented out because its default depends on the machine.
func TestExampleShowsEveryKey(t *testing.T) {
	var walk func(reflect.Type)
	walk = func(typ reflect.Type) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			key := f.Tag.Get("yaml")
			if key == "-" {
				if env := f.Tag.Get("env"); env != "" && !strings.Contains(string(Example), env) {
					t.Errorf("example.yaml does not mention %s", env)
				}
				continue
			}
			if !strings.Contains(string(Example), key+":") {
				t.Errorf("example.yaml does not show key %q", key)
			}
			if env := f.Tag.Get("env"); env != "" && !strings.Contains(string(Example), env) {
				t.Errorf("example.yaml does not mention %s for %q", env, key)
			}
			if f.Type.Kind() == reflect.Struct {
				walk(f.Type)
			}
		}
	}
	walk(reflect.TypeFor[Config]())
}

func TestFileOverridesDefaults(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want func(*Config)
	}{
		{"empty file", "", func(*Config) {}},
		{"comments only", "# nothing\n", func(*Config) {}},
		{"addr", "addr: 0.0.0.0:9000\n", func(c *Config) { c.Addr = "0.0.0.0:9000" }},
		{"data dir", "data_dir: /var/lib/hozur\n", func(c *Config) { c.DataDir = "/var/lib/hozur" }},
		{"base url", "base_url: https://hozur.example.org\n", func(c *Config) { c.BaseURL = "https://hozur.example.org" }},
		{"postgres", "database:\n  driver: postgres\n  dsn: postgres://h@db/h\n  max_readers: 7\n", func(c *Config) {
			c.Database = Database{Driver: "postgres", DSN: "postgres://h@db/h", MaxReaders: 7}
		}},
		{"empty database section keeps defaults", "database:\n", func(*Config) {}},
		{"partial section keeps other fields", "database:\n  max_readers: 9\n", func(c *Config) { c.Database.MaxReaders = 9 }},
		{"time zone and locale", "time_zone: UTC\nlocale: en\n", func(c *Config) { c.TimeZone, c.Locale = "UTC", "en" }},
		{"session durations", "session:\n  idle_timeout: 1h30m\n  lifetime: 24h\n  secure_cookie: always\n", func(c *Config) {
			c.Session = Session{IdleTimeout: 90 * time.Minute, Lifetime: 24 * time.Hour, SecureCookie: "always"}
		}},
		{"log", "log:\n  level: debug\n  format: json\n", func(c *Config) { c.Log = Log{Level: "debug", Format: "json"} }},
		{"security", "security:\n  trusted_proxies: [10.0.0.0/8, '::1/128']\n  login_max_attempts: 3\n  login_window: 1h\n", func(c *Config) {
			c.Security = Security{TrustedProxies: []string{"10.0.0.0/8", "::1/128"}, LoginMaxAttempts: 3, LoginWindow: time.Hour, TOTPIssuer: "Hozur"}
		}},
		{"second factor", "security:\n  totp: true\n  totp_issuer: دفتر نظارت\n", func(c *Config) {
			c.Security.TOTP, c.Security.TOTPIssuer = true, "دفتر نظارت"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Load(writeFile(t, "hozur.yaml", tt.yaml), nil)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			want := Default()
			tt.want(&want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestEnvOverridesFile(t *testing.T) {
	file := writeFile(t, "hozur.yaml", `
addr: 127.0.0.1:7000
data_dir: /from/file
log:
  level: warn
  format: json
security:
  trusted_proxies: [10.0.0.0/8]
`)
	got, err := Load(file, []string{
		"PATH=/usr/bin",
		"HOZUR_ADDR=127.0.0.1:9999",
		"HOZUR_LOG_LEVEL=debug",
		"HOZUR_TRUSTED_PROXIES=192.168.0.0/16, 127.0.0.1/32,",
		"HOZUR_DATA=", // empty counts as unset: the file's value stays
	})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got.Addr != "127.0.0.1:9999" {
		t.Errorf("Addr = %q, want env value", got.Addr)
	}
	if got.Log != (Log{Level: "debug", Format: "json"}) {
		t.Errorf("Log = %+v, want level from env and format from file", got.Log)
	}
	if got.DataDir != "/from/file" {
		t.Errorf("DataDir = %q, want file value", got.DataDir)
	}
	if want := []string{"192.168.0.0/16", "127.0.0.1/32"}; !reflect.DeepEqual(got.Security.TrustedProxies, want) {
		t.Errorf("TrustedProxies = %q, want %q", got.Security.TrustedProxies, want)
	}
}

// TestEveryEnvVariable checks each documented HOZUR_* name reaches its field.
func TestEveryEnvVariable(t *testing.T) {
	tests := []struct {
		env  string
		want func(*Config)
	}{
		{"HOZUR_ADDR=:8081", func(c *Config) { c.Addr = ":8081" }},
		{"HOZUR_DATA=/srv/hozur", func(c *Config) { c.DataDir = "/srv/hozur" }},
		{"HOZUR_BASE_URL=https://example.org/hozur", func(c *Config) { c.BaseURL = "https://example.org/hozur" }},
		{"HOZUR_DATABASE_DRIVER=sqlite", func(c *Config) { c.Database.Driver = "sqlite" }},
		{"HOZUR_DATABASE_DSN=/tmp/x.db", func(c *Config) { c.Database.DSN = "/tmp/x.db" }},
		{"HOZUR_DATABASE_MAX_READERS=11", func(c *Config) { c.Database.MaxReaders = 11 }},
		{"HOZUR_TIME_ZONE=Europe/Berlin", func(c *Config) { c.TimeZone = "Europe/Berlin" }},
		{"HOZUR_LOCALE=en", func(c *Config) { c.Locale = "en" }},
		{"HOZUR_SESSION_IDLE_TIMEOUT=5m", func(c *Config) { c.Session.IdleTimeout = 5 * time.Minute }},
		{"HOZUR_SESSION_LIFETIME=48h", func(c *Config) { c.Session.Lifetime = 48 * time.Hour }},
		{"HOZUR_SESSION_SECURE_COOKIE=never", func(c *Config) { c.Session.SecureCookie = "never" }},
		{"HOZUR_LOG_LEVEL=error", func(c *Config) { c.Log.Level = "error" }},
		{"HOZUR_LOG_FORMAT=json", func(c *Config) { c.Log.Format = "json" }},
		{"HOZUR_TRUSTED_PROXIES=10.1.0.0/16", func(c *Config) { c.Security.TrustedProxies = []string{"10.1.0.0/16"} }},
		{"HOZUR_LOGIN_MAX_ATTEMPTS=10", func(c *Config) { c.Security.LoginMaxAttempts = 10 }},
		{"HOZUR_LOGIN_WINDOW=2h", func(c *Config) { c.Security.LoginWindow = 2 * time.Hour }},
		{"HOZUR_SECURITY_TOTP=true", func(c *Config) { c.Security.TOTP = true }},
		{"HOZUR_SECURITY_TOTP_ISSUER=Hozur Staging", func(c *Config) { c.Security.TOTPIssuer = "Hozur Staging" }},
		{"HOZUR_ADMIN_PASSWORD=correct horse", func(c *Config) { c.AdminPassword = "correct horse" }},
	}
	for _, tt := range tests {
		name, _, _ := strings.Cut(tt.env, "=")
		t.Run(name, func(t *testing.T) {
			got, err := Load("", []string{tt.env})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			want := Default()
			tt.want(&want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestSecretFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	dsnFile := write("dsn", "postgres://hozur:s3cret@db/hozur\n")
	pwFile := write("admin", "  hunter2 hunter2\n\n")
	emptyFile := write("empty", "\n")

	got, err := Load("", []string{
		"HOZUR_DATABASE_DRIVER=postgres",
		"HOZUR_DATABASE_DSN_FILE=" + dsnFile,
		"HOZUR_ADMIN_PASSWORD_FILE=" + pwFile,
	})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got.Database.DSN != "postgres://hozur:s3cret@db/hozur" {
		t.Errorf("DSN = %q, want trimmed file contents", got.Database.DSN)
	}
	if got.AdminPassword != "hunter2 hunter2" {
		t.Errorf("AdminPassword = %q, want trimmed file contents", got.AdminPassword)
	}

	bad := []struct {
		name    string
		environ []string
		wantKey string
	}{
		{"missing file", []string{"HOZUR_ADMIN_PASSWORD_FILE=" + filepath.Join(dir, "nope")}, "HOZUR_ADMIN_PASSWORD_FILE"},
		{"empty file", []string{"HOZUR_DATABASE_DSN_FILE=" + emptyFile}, "HOZUR_DATABASE_DSN_FILE"},
		{"both set", []string{"HOZUR_ADMIN_PASSWORD=x", "HOZUR_ADMIN_PASSWORD_FILE=" + pwFile}, "HOZUR_ADMIN_PASSWORD_FILE"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load("", tt.environ)
			if err == nil || !strings.Contains(err.Error(), tt.wantKey) {
				t.Fatalf("Load error = %v, want one naming %s", err, tt.wantKey)
			}
		})
	}
}

func TestFileErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string // substring of the error
	}{
		{"unknown top-level key", "adress: 127.0.0.1:1\n", "adress"},
		{"unknown nested key", "database:\n  drivr: sqlite\n", "drivr"},
		{"admin password is env only", "admin_password: x\n", "admin_password"},
		{"integer duration", "session:\n  idle_timeout: 30\n", "time.Duration"},
		{"bad duration", "security:\n  login_window: soon\n", "soon"},
		{"wrong type", "database:\n  max_readers: many\n", "many"},
		{"two documents", "addr: :1\n---\naddr: :2\n", "one YAML document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(writeFile(t, "hozur.yaml", tt.yaml), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load error = %v, want one containing %q", err, tt.want)
			}
		})
	}

	t.Run("missing file", func(t *testing.T) {
		_, err := Load(filepath.Join(t.TempDir(), "absent.yaml"), nil)
		if err == nil || !strings.Contains(err.Error(), "absent.yaml") {
			t.Fatalf("Load error = %v, want one naming the file", err)
		}
	})
}

func TestEnvParseErrorsNameVariable(t *testing.T) {
	tests := []struct{ env, key string }{
		{"HOZUR_SESSION_LIFETIME=forever", "HOZUR_SESSION_LIFETIME"},
		{"HOZUR_DATABASE_MAX_READERS=lots", "HOZUR_DATABASE_MAX_READERS"},
		{"HOZUR_LOGIN_MAX_ATTEMPTS=5.5", "HOZUR_LOGIN_MAX_ATTEMPTS"},
		{"HOZUR_LOGIN_WINDOW=15", "HOZUR_LOGIN_WINDOW"},
		{"HOZUR_SECURITY_TOTP=maybe", "HOZUR_SECURITY_TOTP"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			_, err := Load("", []string{tt.env})
			if err == nil || !strings.Contains(err.Error(), tt.key) {
				t.Fatalf("Load error = %v, want one naming %s", err, tt.key)
			}
		})
	}
}

func TestLocation(t *testing.T) {
	c := Default()
	if got := c.Location().String(); got != "Asia/Tehran" {
		t.Errorf("Location() = %s, want Asia/Tehran", got)
	}
	c.TimeZone = "No/Such_Zone"
	if c.Location() != time.UTC {
		t.Errorf("Location() for a bad zone = %s, want UTC", c.Location())
	}
}

func TestSQLitePath(t *testing.T) {
	c := Default()
	c.DataDir = "/srv/hozur"
	if got, want := c.SQLitePath(), filepath.Join("/srv/hozur", "hozur.db"); got != want {
		t.Errorf("SQLitePath() = %q, want %q", got, want)
	}
	c.Database.DSN = "file:/tmp/h.db?_pragma=busy_timeout(5000)"
	if got := c.SQLitePath(); got != c.Database.DSN {
		t.Errorf("SQLitePath() = %q, want the DSN", got)
	}
}

func TestPublicURL(t *testing.T) {
	tests := []struct{ addr, base, want string }{
		{"127.0.0.1:8080", "", "http://127.0.0.1:8080"},
		{":8080", "", "http://localhost:8080"},
		{"0.0.0.0:80", "", "http://localhost:80"},
		{"[::]:8080", "", "http://localhost:8080"},
		{"[::1]:8080", "", "http://[::1]:8080"},
		{"127.0.0.1:8080", "https://hozur.example.org/", "https://hozur.example.org"},
	}
	for _, tt := range tests {
		t.Run(tt.addr+" "+tt.base, func(t *testing.T) {
			c := Default()
			c.Addr, c.BaseURL = tt.addr, tt.base
			if got := c.PublicURL(); got != tt.want {
				t.Errorf("PublicURL() = %q, want %q", got, tt.want)
			}
		})
	}
}
