package config

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestMetricsAndTLSFromEnv(t *testing.T) {
	cert := writeFile(t, "cert.pem", "cert")
	key := writeFile(t, "key.pem", "key")
	tokenFile := writeFile(t, "token", "  0123456789abcdef0123\n")
	got, err := Load("", []string{"HOZUR_METRICS_ENABLED=false", "HOZUR_METRICS_TOKEN_FILE=" + tokenFile,
		"HOZUR_TLS_CERT_FILE=" + cert, "HOZUR_TLS_KEY_FILE=" + key})
	if err != nil {
		t.Fatal(err)
	}
	if got.Metrics.Enabled || got.Metrics.Token != "0123456789abcdef0123" {
		t.Errorf("Metrics = %+v, want off with the file's trimmed token", got.Metrics)
	}
	if !got.TLS.Enabled() || got.TLS.CertFile != cert || got.TLS.KeyFile != key {
		t.Errorf("TLS = %+v, want both files", got.TLS)
	}
	got.Addr = "0.0.0.0:8443"
	if u := got.PublicURL(); u != "https://localhost:8443" {
		t.Errorf("PublicURL under TLS = %q, want https://localhost:8443", u)
	}
	if r := got.Redacted(); r.Metrics.Token != "***" {
		t.Errorf("Redacted token = %q, want ***", r.Metrics.Token)
	}
	if d := Default(); !d.Metrics.Enabled || d.Metrics.Token != "" || d.TLS.Enabled() {
		t.Errorf("defaults: metrics %+v, tls %+v; want metrics on without a token, no TLS", d.Metrics, d.TLS)
	}
}

func TestMetricsTokenNotFromFile(t *testing.T) {
	path := writeFile(t, "hozur.yaml", "metrics:\n  token: 0123456789abcdef0123\n")
	if _, err := Load(path, nil); err == nil || !strings.Contains(err.Error(), "token") {
		t.Errorf("Load = %v, want the YAML key token refused", err)
	}
}

func TestTLSAndMetricsValidation(t *testing.T) {
	cert := writeFile(t, "cert.pem", "cert")
	missing := filepath.Join(t.TempDir(), "nope.pem")
	tests := []struct {
		name   string
		mutate func(*Config)
		key    string
	}{
		{"cert without key", func(c *Config) { c.TLS.CertFile = cert }, "tls.key_file: is required"},
		{"key without cert", func(c *Config) { c.TLS.KeyFile = cert }, "tls.cert_file: is required"},
		{"key file missing", func(c *Config) { c.TLS.CertFile, c.TLS.KeyFile = cert, missing }, "tls.key_file: cannot read"},
		{"cert file missing", func(c *Config) { c.TLS.CertFile, c.TLS.KeyFile = missing, cert }, "tls.cert_file: cannot read"},
		{"short token", func(c *Config) { c.Metrics.Token = "short" }, "metrics.token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.mutate(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.key) {
				t.Errorf("Validate() = %v, want an error with %q", err, tt.key)
			}
		})
	}
}
