package config

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// redacted replaces every secret in the value returned by Redacted.
const redacted = "***"

// Redacted returns a copy safe to log: the database DSN's password,
// AdminPassword, the master key and the metrics token are replaced by "***". Empty secrets stay empty, so a log
// still shows whether they were set.
func (c Config) Redacted() Config {
	r := c
	r.Security.TrustedProxies = slices.Clone(c.Security.TrustedProxies)
	r.Database.DSN = redactDSN(c.Database.DSN)
	if r.AdminPassword != "" {
		r.AdminPassword = redacted
	}
	if r.Security.MasterKey != "" {
		r.Security.MasterKey = redacted
	}
	if r.Metrics.Token != "" {
		r.Metrics.Token = redacted
	}
	return r
}

// keywordPassword matches password=... in a libpq keyword/value DSN,
// including single-quoted values with backslash escapes.
var keywordPassword = regexp.MustCompile(`(?i)\b((?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'?|\S*)`)

// urlScheme recognises URL-form DSNs.
var urlScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)

// redactDSN hides passwords in the three DSN forms Hozur meets: URLs
// (postgres://user:pass@host/db?password=...), libpq keyword/value strings
// (host=db password=...) and SQLite paths with a query (file:x.db?_auth_pass=...).
func redactDSN(dsn string) string {
	switch {
	case dsn == "":
		return ""
	case urlScheme.MatchString(dsn):
		return redactURL(dsn)
	}
	path, query, hasQuery := strings.Cut(dsn, "?")
	if hasQuery && (strings.HasPrefix(dsn, "file:") || !strings.Contains(path, "=")) {
		return path + "?" + redactQuery(query)
	}
	return keywordPassword.ReplaceAllString(dsn, "${1}"+redacted)
}

// redactURL hides the user-info password and password-like query parameters.
func redactURL(dsn string) string {
	const placeholder = "REDACTEDPASSWORD"
	u, err := url.Parse(dsn)
	if err != nil {
		// Unparseable (e.g. a multi-host postgres URL): hide the whole user info.
		scheme, rest, _ := strings.Cut(dsn, "://")
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			rest = redacted + rest[at:]
		}
		path, query, ok := strings.Cut(rest, "?")
		if ok {
			path += "?" + redactQuery(query)
		}
		return scheme + "://" + path
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), placeholder)
		}
	}
	u.RawQuery = redactQuery(u.RawQuery)
	return strings.Replace(u.String(), ":"+placeholder+"@", ":"+redacted+"@", 1)
}

// redactQuery replaces the values of parameters whose names look secret.
func redactQuery(q string) string {
	if q == "" {
		return ""
	}
	parts := strings.Split(q, "&")
	for i, p := range parts {
		k, _, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		name = strings.ToLower(name)
		if strings.Contains(name, "pass") || strings.Contains(name, "secret") {
			parts[i] = k + "=" + redacted
		}
	}
	return strings.Join(parts, "&")
}
