// Package config builds Hozur's one typed configuration: defaults, then an
// optional YAML file, then HOZUR_* environment variables; the caller applies
// flags afterwards and calls Validate again. It is a leaf package and keeps
// no global state: the Config value is passed explicitly.
package config

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"time"

	// The default zone (Asia/Tehran) must load on hosts and containers
	// without a system zoneinfo database, so the binary carries its own.
	_ "time/tzdata"

	"github.com/caarlos0/env/v11"
	"go.yaml.in/yaml/v3"
)

// Example is a commented YAML file showing every key with its default value.
//
//go:embed example.yaml
var Example []byte

// Config is the whole configuration of Hozur.
type Config struct {
	// Addr is the host:port the HTTP server listens on.
	Addr string `yaml:"addr" env:"HOZUR_ADDR"`
	// DataDir holds the SQLite database and other local state.
	DataDir string `yaml:"data_dir" env:"HOZUR_DATA"`
	// BaseURL is the public URL of the site; empty means derived from Addr (see PublicURL).
	BaseURL string `yaml:"base_url" env:"HOZUR_BASE_URL"`
	// Database selects and configures the database.
	Database Database `yaml:"database"`
	// TimeZone is the IANA zone used to show and schedule times.
	TimeZone string `yaml:"time_zone" env:"HOZUR_TIME_ZONE"`
	// Locale is the default user-interface language: "fa" or "en".
	Locale string `yaml:"locale" env:"HOZUR_LOCALE"`
	// Session configures login sessions.
	Session Session `yaml:"session"`
	// Log configures the slog logger.
	Log Log `yaml:"log"`
	// Security configures proxies and login throttling.
	Security Security `yaml:"security"`
	// Exemptions sets the limits of the exemption workflow.
	Exemptions Exemptions `yaml:"exemptions"`
	// Monitor sets the compliance rules' thresholds and scope, and the schedules.
	Monitor Monitor `yaml:"monitor"`
	// Backup configures the scheduled backups of the SQLite database.
	Backup Backup `yaml:"backup"`
	// Mail configures SMTP delivery of reports, reminders and notifications.
	Mail Mail `yaml:"mail"`
	// Public configures the public verification of accounts.
	Public Public `yaml:"public"`
	// Privacy sets how long personal data is kept.
	Privacy Privacy `yaml:"privacy"`
	// Metrics configures the Prometheus endpoint /metrics.
	Metrics Metrics `yaml:"metrics"`
	// TLS serves HTTPS from certificate files.
	TLS TLS `yaml:"tls"`
	// AdminPassword comes only from HOZUR_ADMIN_PASSWORD or HOZUR_ADMIN_PASSWORD_FILE, never from YAML.
	AdminPassword string `yaml:"-" env:"HOZUR_ADMIN_PASSWORD"`
}

// Database selects and configures the database.
type Database struct {
	// Driver is "sqlite" or "postgres".
	Driver string `yaml:"driver" env:"HOZUR_DATABASE_DRIVER"`
	// DSN is the connection string; for sqlite empty means DataDir/hozur.db. Also HOZUR_DATABASE_DSN_FILE.
	DSN string `yaml:"dsn" env:"HOZUR_DATABASE_DSN"`
	// MaxReaders is the size of the read-only connection pool.
	MaxReaders int `yaml:"max_readers" env:"HOZUR_DATABASE_MAX_READERS"`
}

// Session configures login sessions.
type Session struct {
	// IdleTimeout ends a session after this long without a request.
	IdleTimeout time.Duration `yaml:"idle_timeout" env:"HOZUR_SESSION_IDLE_TIMEOUT"`
	// Lifetime ends a session this long after login, however active it is.
	Lifetime time.Duration `yaml:"lifetime" env:"HOZUR_SESSION_LIFETIME"`
	// SecureCookie is "auto" (Secure over TLS or when BaseURL is https), "always" or "never".
	SecureCookie string `yaml:"secure_cookie" env:"HOZUR_SESSION_SECURE_COOKIE"`
}

// Log configures the slog logger.
type Log struct {
	// Level is debug, info, warn or error.
	Level string `yaml:"level" env:"HOZUR_LOG_LEVEL"`
	// Format is text or json.
	Format string `yaml:"format" env:"HOZUR_LOG_FORMAT"`
}

// Security configures proxies and login throttling.
type Security struct {
	// TrustedProxies are CIDRs whose X-Forwarded-For is trusted; empty trusts none.
	TrustedProxies []string `yaml:"trusted_proxies" env:"HOZUR_TRUSTED_PROXIES" envSeparator:","`
	// LoginMaxAttempts is how many failed logins per account and per IP are allowed within LoginWindow.
	LoginMaxAttempts int `yaml:"login_max_attempts" env:"HOZUR_LOGIN_MAX_ATTEMPTS"`
	// LoginWindow is the period over which failed logins are counted.
	LoginWindow time.Duration `yaml:"login_window" env:"HOZUR_LOGIN_WINDOW"`
	// MasterKeyFile holds the master key that wraps the data keys of personal data (64 hex digits, mode 0600); empty means DataDir/master.key, made on first start.
	MasterKeyFile string `yaml:"master_key_file" env:"HOZUR_MASTER_KEY_PATH"`
	// MasterKey comes only from HOZUR_MASTER_KEY or HOZUR_MASTER_KEY_FILE, never from YAML; it wins over MasterKeyFile.
	MasterKey string `yaml:"-" env:"HOZUR_MASTER_KEY"`
	// TOTP turns on the second factor at sign-in (authenticator app codes): any user may enrol, admins must.
	TOTP bool `yaml:"totp" env:"HOZUR_SECURITY_TOTP"`
	// TOTPIssuer is the name authenticator apps show beside the user's name.
	TOTPIssuer string `yaml:"totp_issuer" env:"HOZUR_SECURITY_TOTP_ISSUER"`
}

// validIssuer: the issuer is half of the label authenticator apps show,
// "issuer:user", so a colon would split it in the wrong place.
func (s Security) validIssuer() bool {
	issuer := strings.TrimSpace(s.TOTPIssuer)
	return issuer != "" && !strings.Contains(issuer, ":") && len([]rune(issuer)) <= 64
}

// Exemptions sets the limits of the exemption workflow.
type Exemptions struct {
	// MaxMonths is the longest exemption a reviewer may grant.
	MaxMonths int `yaml:"max_months" env:"HOZUR_EXEMPTIONS_MAX_MONTHS"`
	// ClosureDays is how long an account has to close after a refusal or a revocation.
	ClosureDays int `yaml:"closure_days" env:"HOZUR_EXEMPTIONS_CLOSURE_DAYS"`
}

// Monitor sets the compliance rules and the scheduled jobs.
type Monitor struct {
	// ExpiringDays: an exemption ending within this many days is flagged.
	ExpiringDays int `yaml:"expiring_days" env:"HOZUR_MONITOR_EXPIRING_DAYS"`
	// ReviewSLADays: a submitted justification waiting longer is overdue.
	ReviewSLADays int `yaml:"review_sla_days" env:"HOZUR_MONITOR_REVIEW_SLA_DAYS"`
	// InfoDays: information requested and not given within this many days is overdue.
	InfoDays int `yaml:"info_days" env:"HOZUR_MONITOR_INFO_DAYS"`
	// UnverifiedDays: a self-declared account not verified within this many days is flagged.
	UnverifiedDays int `yaml:"unverified_days" env:"HOZUR_MONITOR_UNVERIFIED_DAYS"`
	// Capacities in scope of FOREIGN_NO_EXEMPTION.
	Capacities []string `yaml:"capacities" env:"HOZUR_MONITOR_CAPACITIES" envSeparator:","`
	// Ranks (1-5) of officials in scope of FOREIGN_NO_EXEMPTION; institutional accounts are always in scope.
	Ranks []int `yaml:"ranks" env:"HOZUR_MONITOR_RANKS" envSeparator:","`
	// Severities overrides a rule's severity: RULE_CODE -> high|warning|notice|low.
	Severities map[string]string `yaml:"severities"`
	// Cron specs (robfig/cron, five fields) of the scheduled jobs, in time_zone.
	ScanSpec        string `yaml:"scan_spec" env:"HOZUR_MONITOR_SCAN_SPEC"`
	ReportSpec      string `yaml:"report_spec" env:"HOZUR_MONITOR_REPORT_SPEC"`
	RemindersSpec   string `yaml:"reminders_spec" env:"HOZUR_MONITOR_REMINDERS_SPEC"`
	MaintenanceSpec string `yaml:"maintenance_spec" env:"HOZUR_MONITOR_MAINTENANCE_SPEC"`
	RetentionSpec   string `yaml:"retention_spec" env:"HOZUR_MONITOR_RETENTION_SPEC"`
	// ChromiumPath enables PDF reports (headless print of the HTML); empty finds /usr/bin/chromium if present.
	ChromiumPath string `yaml:"chromium_path" env:"HOZUR_CHROMIUM"`
}

// Privacy sets the retention of personal data (see the nightly retention job).
type Privacy struct {
	// LeftOfficeMonths: the personal data of an official whose term ended this many months ago is erased.
	LeftOfficeMonths int `yaml:"left_office_months" env:"HOZUR_PRIVACY_LEFT_OFFICE_MONTHS"`
	// ClosedAccountMonths: the handle of a personal account closed this many months ago is erased.
	ClosedAccountMonths int `yaml:"closed_account_months" env:"HOZUR_PRIVACY_CLOSED_ACCOUNT_MONTHS"`
}

// Backup configures the scheduled backup job: a consistent copy of the
// SQLite database, with its manifest, kept N deep.
type Backup struct {
	// Spec is the job's cron spec, in time_zone; "" or "off" turns scheduled backups off.
	Spec string `yaml:"spec" env:"HOZUR_BACKUP_SPEC"`
	// Dir holds the copies; empty means DataDir/backups.
	Dir string `yaml:"dir" env:"HOZUR_BACKUP_DIR"`
	// Keep is how many copies are kept; older ones (only files named as the job names them) are deleted.
	Keep int `yaml:"keep" env:"HOZUR_BACKUP_KEEP"`
}

// Enabled reports whether the scheduled backup runs: a spec is set and the
// database is SQLite (PostgreSQL is backed up with its own tools).
func (b Backup) Enabled(driver string) bool {
	return driver == "sqlite" && b.Spec != "" && b.Spec != "off"
}

// Mail configures SMTP.
type Mail struct {
	// Host of the SMTP server; empty disables e-mail.
	Host string `yaml:"host" env:"HOZUR_MAIL_HOST"`
	Port int    `yaml:"port" env:"HOZUR_MAIL_PORT"`
	// TLS is "starttls" (default), "tls" (implicit, port 465) or "none" (only for a relay on the same host).
	TLS      string `yaml:"tls" env:"HOZUR_MAIL_TLS"`
	Username string `yaml:"username" env:"HOZUR_MAIL_USERNAME"`
	// Password comes from HOZUR_MAIL_PASSWORD or HOZUR_MAIL_PASSWORD_FILE, never from YAML.
	Password string `yaml:"-" env:"HOZUR_MAIL_PASSWORD"`
	From     string `yaml:"from" env:"HOZUR_MAIL_FROM"`
	// Office lists the oversight office's addresses that receive the national report.
	Office []string `yaml:"office" env:"HOZUR_MAIL_OFFICE" envSeparator:","`
}

// Public configures the public verification page and API, which need no sign-in.
type Public struct {
	// Verify turns on /verify and /api/v1/public/*; off, they answer 404.
	Verify bool `yaml:"verify" env:"HOZUR_PUBLIC_VERIFY"`
	// RateLimit is how many public requests a client IP may make per minute.
	RateLimit int `yaml:"rate_limit" env:"HOZUR_PUBLIC_RATE_LIMIT"`
	// RateBurst is how many it may make at once before the limit applies.
	RateBurst int `yaml:"rate_burst" env:"HOZUR_PUBLIC_RATE_BURST"`
}

// Metrics configures the Prometheus endpoint /metrics.
type Metrics struct {
	// Enabled serves /metrics; off, it answers 404.
	Enabled bool `yaml:"enabled" env:"HOZUR_METRICS_ENABLED"`
	// Token, when set, is required as "Authorization: Bearer <token>"; empty serves loopback clients only. From HOZUR_METRICS_TOKEN or HOZUR_METRICS_TOKEN_FILE, never from YAML.
	Token string `yaml:"-" env:"HOZUR_METRICS_TOKEN"`
}

// TLS serves HTTPS from a certificate and its private key, both PEM files; both or neither.
type TLS struct {
	// CertFile is the certificate chain, leaf first.
	CertFile string `yaml:"cert_file" env:"HOZUR_TLS_CERT_FILE"`
	// KeyFile is the certificate's private key.
	KeyFile string `yaml:"key_file" env:"HOZUR_TLS_KEY_FILE"`
}

// Enabled reports whether HTTPS is served.
func (t TLS) Enabled() bool { return t.CertFile != "" && t.KeyFile != "" }

// Default returns the built-in configuration, which is valid on its own.
func Default() Config {
	return Config{
		Addr:     "127.0.0.1:8080",
		DataDir:  "./data",
		TimeZone: "Asia/Tehran",
		Locale:   "fa",
		Database: Database{
			Driver:     "sqlite",
			MaxReaders: max(4, 2*runtime.GOMAXPROCS(0)),
		},
		Session: Session{
			IdleTimeout:  30 * time.Minute,
			Lifetime:     12 * time.Hour,
			SecureCookie: "auto",
		},
		Log: Log{Level: "info", Format: "text"},
		Security: Security{
			TrustedProxies:   []string{},
			LoginMaxAttempts: 5,
			LoginWindow:      15 * time.Minute,
			TOTPIssuer:       "Hozur",
		},
		Exemptions: Exemptions{MaxMonths: 12, ClosureDays: 30},
		Monitor: Monitor{ExpiringDays: 30, ReviewSLADays: 14, InfoDays: 14, UnverifiedDays: 30,
			Capacities: []string{"institutional", "office", "personal"}, Ranks: []int{1, 2, 3, 4, 5}, Severities: map[string]string{},
			ScanSpec: "0 2 * * *", ReportSpec: "0 7 * * 6", RemindersSpec: "0 8 * * *", MaintenanceSpec: "30 3 * * *", RetentionSpec: "0 4 * * *"},
		Privacy: Privacy{LeftOfficeMonths: 24, ClosedAccountMonths: 12},
		Backup:  Backup{Spec: "30 3 * * *", Keep: 7},
		Mail:    Mail{Port: 587, TLS: "starttls", Office: []string{}},
		Public:  Public{Verify: true, RateLimit: 60, RateBurst: 20},
		Metrics: Metrics{Enabled: true},
	}
}

// secretFiles maps each secret's environment variable to the one naming a file that holds it.
var secretFiles = []struct{ key, fileKey string }{
	{"HOZUR_DATABASE_DSN", "HOZUR_DATABASE_DSN_FILE"},
	{"HOZUR_ADMIN_PASSWORD", "HOZUR_ADMIN_PASSWORD_FILE"},
	{"HOZUR_MAIL_PASSWORD", "HOZUR_MAIL_PASSWORD_FILE"},
	{"HOZUR_MASTER_KEY", "HOZUR_MASTER_KEY_FILE"},
	{"HOZUR_METRICS_TOKEN", "HOZUR_METRICS_TOKEN_FILE"},
}

// Load builds the config from Default(), the YAML file at path (skipped when
// path is ""), and the HOZUR_* variables in environ (os.Environ() in
// production), then validates it. Flags are the caller's: apply them to the
// result and call Validate again.
//
// An environment variable set to the empty string counts as unset.
func Load(path string, environ []string) (Config, error) {
	cfg := Default()
	if path != "" {
		if err := cfg.loadFile(path); err != nil {
			return Config{}, err
		}
	}
	if err := cfg.loadEnv(environ); err != nil {
		return Config{}, err
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// loadFile overlays the YAML file at path; keys absent from the file keep their values.
func (c *Config) loadFile(path string) error {
	f, err := os.Open(path) //nolint:gosec // the operator names the config file
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	defer func() { _ = f.Close() }()

	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		if errors.Is(err, io.EOF) { // an empty file changes nothing
			return nil
		}
		return fmt.Errorf("config: %s: %w", path, err)
	}
	// A second document is almost certainly a mistake and would be ignored silently.
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return fmt.Errorf("config: %s: only one YAML document is allowed", path)
	}
	return nil
}

// loadEnv overlays HOZUR_* variables from environ, including the *_FILE secrets.
func (c *Config) loadEnv(environ []string) error {
	vars := envMap(environ)

	var errs []error
	for _, s := range secretFiles {
		name, ok := vars[s.fileKey]
		if !ok {
			continue
		}
		if _, both := vars[s.key]; both {
			errs = append(errs, fmt.Errorf("config: %s and %s: set only one of them", s.key, s.fileKey))
			continue
		}
		b, err := os.ReadFile(name) //nolint:gosec // the operator names the secret file
		if err != nil {
			errs = append(errs, fmt.Errorf("config: %s: %w", s.fileKey, err))
			continue
		}
		secret := strings.TrimSpace(string(b))
		if secret == "" {
			errs = append(errs, fmt.Errorf("config: %s: file %s is empty", s.fileKey, name))
			continue
		}
		vars[s.key] = secret
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}

	if err := env.ParseWithOptions(c, env.Options{Environment: vars}); err != nil {
		return envError(err)
	}
	c.Security.TrustedProxies = cleanList(c.Security.TrustedProxies)
	return nil
}

// envMap keeps the non-empty HOZUR_* entries of environ. Like os.Getenv, the
// first of duplicate entries wins. The map is never nil, so the env library
// does not fall back to the real process environment.
func envMap(environ []string) map[string]string {
	m := make(map[string]string)
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(k, "HOZUR_") || v == "" {
			continue
		}
		if _, dup := m[k]; !dup {
			m[k] = v
		}
	}
	return m
}

// envError rewrites the env library's errors, which name Go fields, to name
// the environment variables the user actually set.
func envError(err error) error {
	keys := envKeys(reflect.TypeFor[Config](), map[string]string{})
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return fmt.Errorf("config: environment: %w", err)
	}
	errs := make([]error, 0, len(agg.Errors))
	for _, e := range agg.Errors {
		var pe env.ParseError
		if errors.As(e, &pe) {
			key := keys[pe.Name]
			if key == "" {
				key = pe.Name
			}
			errs = append(errs, fmt.Errorf("config: %s: %w", key, pe.Err))
			continue
		}
		errs = append(errs, fmt.Errorf("config: environment: %w", e))
	}
	return errors.Join(errs...)
}

// envKeys maps Go field names to their env tags; field names are unique across Config.
func envKeys(t reflect.Type, into map[string]string) map[string]string {
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Type.Kind() == reflect.Struct {
			envKeys(f.Type, into)
			continue
		}
		if tag, _, _ := strings.Cut(f.Tag.Get("env"), ","); tag != "" {
			into[f.Name] = tag
		}
	}
	return into
}

// cleanList trims entries and drops empty ones, so "a, b," means [a b].
func cleanList(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Location returns the configured time zone. Call it after Validate has
// succeeded and keep the result; it falls back to UTC only if the zone cannot load.
func (c Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil || c.TimeZone == "" {
		return time.UTC
	}
	return loc
}

// KeyFilePath is where the master key file is: MasterKeyFile, or
// DataDir/master.key.
func (c Config) KeyFilePath() string {
	if c.Security.MasterKeyFile != "" {
		return c.Security.MasterKeyFile
	}
	return filepath.Join(c.DataDir, "master.key")
}

// BackupDir is where scheduled backups go: Backup.Dir, or DataDir/backups.
func (c Config) BackupDir() string {
	if c.Backup.Dir != "" {
		return c.Backup.Dir
	}
	return filepath.Join(c.DataDir, "backups")
}

// SQLitePath returns the SQLite DSN: Database.DSN if set, else DataDir/hozur.db.
func (c Config) SQLitePath() string {
	if c.Database.DSN != "" {
		return c.Database.DSN
	}
	return filepath.Join(c.DataDir, "hozur.db")
}

// PublicURL returns BaseURL without a trailing slash, or, when it is empty,
// an http URL (https under TLS) derived from Addr (an unspecified host becomes localhost).
func (c Config) PublicURL() string {
	if c.BaseURL != "" {
		return strings.TrimRight(c.BaseURL, "/")
	}
	scheme := "http://"
	if c.TLS.Enabled() {
		scheme = "https://"
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return scheme + c.Addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return scheme + net.JoinHostPort(host, port)
}
