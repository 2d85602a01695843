package config

import (
	"net/mail"

	"errors"
	"fmt"
	"github.com/robfig/cron/v3"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"time"
)

// Validate checks every field and returns all problems at once, each naming
// its YAML key, e.g. `config: database.driver: must be "sqlite" or "postgres", got "mysql"`.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config: %s: "+format, append([]any{key}, args...)...))
	}
	oneOf := func(key, got string, allowed ...string) {
		for _, a := range allowed {
			if got == a {
				return
			}
		}
		bad(key, "must be one of %q, got %q", allowed, got)
	}
	positive := func(key string, d time.Duration) {
		if d <= 0 {
			bad(key, "must be a positive duration such as \"30m\", got %s", d)
		}
	}

	if host, port, err := net.SplitHostPort(c.Addr); err != nil {
		bad("addr", "must have the form host:port, got %q", c.Addr)
	} else if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		bad("addr", "port must be a number from 0 to 65535, got %q", port)
	} else if _, ipErr := netip.ParseAddr(host); host != "" && ipErr != nil && !validHostname(host) {
		bad("addr", "invalid host %q", host)
	}

	if c.DataDir == "" {
		bad("data_dir", "must not be empty")
	}

	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		switch {
		case err != nil:
			bad("base_url", "must be an absolute http or https URL, got %q", c.BaseURL)
		case u.Scheme != "http" && u.Scheme != "https":
			bad("base_url", "scheme must be http or https, got %q", c.BaseURL)
		case u.Host == "":
			bad("base_url", "must include a host, got %q", c.BaseURL)
		case u.User != nil || u.RawQuery != "" || u.Fragment != "":
			bad("base_url", "must not contain user info, a query or a fragment, got %q", c.BaseURL)
		}
	}

	switch c.Database.Driver {
	case "sqlite":
	case "postgres":
		if c.Database.DSN == "" {
			bad("database.dsn", "is required when database.driver is \"postgres\" (or set HOZUR_DATABASE_DSN_FILE)")
		}
	default:
		bad("database.driver", "must be \"sqlite\" or \"postgres\", got %q", c.Database.Driver)
	}
	if c.Database.MaxReaders < 1 {
		bad("database.max_readers", "must be at least 1, got %d", c.Database.MaxReaders)
	}

	if c.TimeZone == "" {
		bad("time_zone", "must not be empty; use an IANA name such as \"Asia/Tehran\" or \"UTC\"")
	} else if _, err := time.LoadLocation(c.TimeZone); err != nil {
		bad("time_zone", "unknown time zone %q: %v", c.TimeZone, err)
	}

	oneOf("locale", c.Locale, "fa", "en")

	positive("session.idle_timeout", c.Session.IdleTimeout)
	positive("session.lifetime", c.Session.Lifetime)
	if c.Session.IdleTimeout > 0 && c.Session.Lifetime > 0 && c.Session.Lifetime < c.Session.IdleTimeout {
		bad("session.lifetime", "must be at least session.idle_timeout (%s), got %s", c.Session.IdleTimeout, c.Session.Lifetime)
	}
	oneOf("session.secure_cookie", c.Session.SecureCookie, "auto", "always", "never")

	oneOf("log.level", c.Log.Level, "debug", "info", "warn", "error")
	oneOf("log.format", c.Log.Format, "text", "json")

	for i, p := range c.Security.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err != nil {
			hint := ""
			if _, ipErr := netip.ParseAddr(p); ipErr == nil {
				hint = " (write a single address as a /32 or /128 prefix)"
			}
			bad(fmt.Sprintf("security.trusted_proxies[%d]", i), "must be a CIDR such as \"10.0.0.0/8\", got %q%s", p, hint)
		}
	}
	if c.Security.LoginMaxAttempts < 1 {
		bad("security.login_max_attempts", "must be at least 1, got %d", c.Security.LoginMaxAttempts)
	}
	positive("security.login_window", c.Security.LoginWindow)
	if !c.Security.validIssuer() {
		bad("security.totp_issuer", "must be a name of 1 to 64 characters without a colon, got %q", c.Security.TOTPIssuer)
	}
	if c.Exemptions.MaxMonths < 1 || c.Exemptions.MaxMonths > 60 {
		bad("exemptions.max_months", "must be from 1 to 60, got %d", c.Exemptions.MaxMonths)
	}
	for _, d := range []struct {
		key string
		v   int
	}{{"monitor.expiring_days", c.Monitor.ExpiringDays}, {"monitor.review_sla_days", c.Monitor.ReviewSLADays},
		{"monitor.info_days", c.Monitor.InfoDays}, {"monitor.unverified_days", c.Monitor.UnverifiedDays}} {
		if d.v < 1 || d.v > 3650 {
			bad(d.key, "must be from 1 to 3650, got %d", d.v)
		}
	}
	for i, cp := range c.Monitor.Capacities {
		if cp != "institutional" && cp != "office" && cp != "personal" {
			bad(fmt.Sprintf("monitor.capacities[%d]", i), "must be institutional, office or personal, got %q", cp)
		}
	}
	for i, r := range c.Monitor.Ranks {
		if r < 1 || r > 5 {
			bad(fmt.Sprintf("monitor.ranks[%d]", i), "must be from 1 to 5, got %d", r)
		}
	}
	if c.Privacy.LeftOfficeMonths < 1 {
		bad("privacy.left_office_months", "must be at least 1, got %d", c.Privacy.LeftOfficeMonths)
	}
	if c.Privacy.ClosedAccountMonths < 1 {
		bad("privacy.closed_account_months", "must be at least 1, got %d", c.Privacy.ClosedAccountMonths)
	}
	for rule, sev := range c.Monitor.Severities {
		if sev != "high" && sev != "warning" && sev != "notice" && sev != "low" {
			bad("monitor.severities."+rule, "must be high, warning, notice or low, got %q", sev)
		}
	}
	for _, sp := range []struct{ key, v string }{{"monitor.scan_spec", c.Monitor.ScanSpec}, {"monitor.report_spec", c.Monitor.ReportSpec},
		{"monitor.reminders_spec", c.Monitor.RemindersSpec}, {"monitor.maintenance_spec", c.Monitor.MaintenanceSpec},
		{"monitor.retention_spec", c.Monitor.RetentionSpec}} {
		if _, err := cron.ParseStandard(sp.v); err != nil {
			bad(sp.key, "is not a cron spec: %v", err)
		}
	}
	if c.Backup.Spec != "" && c.Backup.Spec != "off" {
		if _, err := cron.ParseStandard(c.Backup.Spec); err != nil {
			bad("backup.spec", "is not a cron spec (or \"off\"): %v", err)
		}
	}
	if c.Backup.Keep < 1 || c.Backup.Keep > 1000 {
		bad("backup.keep", "must be from 1 to 1000, got %d", c.Backup.Keep)
	}
	if c.Mail.Host != "" {
		if c.Mail.Port < 1 || c.Mail.Port > 65535 {
			bad("mail.port", "must be from 1 to 65535, got %d", c.Mail.Port)
		}
		if c.Mail.TLS != "starttls" && c.Mail.TLS != "tls" && c.Mail.TLS != "none" {
			bad("mail.tls", "must be starttls, tls or none, got %q", c.Mail.TLS)
		}
		if _, err := mail.ParseAddress(c.Mail.From); err != nil {
			bad("mail.from", "must be an e-mail address, got %q", c.Mail.From)
		}
	}
	for i, a := range c.Mail.Office {
		if _, err := mail.ParseAddress(a); err != nil {
			bad(fmt.Sprintf("mail.office[%d]", i), "must be an e-mail address, got %q", a)
		}
	}
	if c.Exemptions.ClosureDays < 1 || c.Exemptions.ClosureDays > 365 {
		bad("exemptions.closure_days", "must be from 1 to 365, got %d", c.Exemptions.ClosureDays)
	}
	if c.Public.RateLimit < 1 {
		bad("public.rate_limit", "must be at least 1 request a minute, got %d", c.Public.RateLimit)
	}
	if c.Public.RateBurst < 1 {
		bad("public.rate_burst", "must be at least 1, got %d", c.Public.RateBurst)
	}
	if t := c.Metrics.Token; t != "" && len(t) < 16 {
		bad("metrics.token", "must be at least 16 characters (HOZUR_METRICS_TOKEN), got %d", len(t))
	}
	switch {
	case c.TLS.CertFile != "" && c.TLS.KeyFile == "":
		bad("tls.key_file", "is required when tls.cert_file is set (HOZUR_TLS_KEY_FILE)")
	case c.TLS.KeyFile != "" && c.TLS.CertFile == "":
		bad("tls.cert_file", "is required when tls.key_file is set (HOZUR_TLS_CERT_FILE)")
	case c.TLS.Enabled():
		for _, f := range []struct{ key, path string }{{"tls.cert_file", c.TLS.CertFile}, {"tls.key_file", c.TLS.KeyFile}} {
			if _, err := os.Stat(f.path); err != nil {
				bad(f.key, "cannot read %q: %v", f.path, errors.Unwrap(err))
			}
		}
	}

	return errors.Join(errs...)
}

// validHostname accepts DNS names made of letters, digits, hyphens and dots.
func validHostname(h string) bool {
	if len(h) > 253 {
		return false
	}
	for _, r := range h {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.':
		default:
			return false
		}
	}
	return true
}
