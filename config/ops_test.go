package config

import (
	"strings"
	"testing"
)

func TestMetricsFromEnv(t *testing.T) {
	tokenFile := writeFile(t, "token", "  0123456789abcdef0123\n")
	got, err := Load("", []string{"HOZUR_METRICS_ENABLED=false", "HOZUR_METRICS_TOKEN_FILE=" + tokenFile})
	if err != nil {
		t.Fatal(err)
	}
	if got.Metrics.Enabled || got.Metrics.Token != "0123456789abcdef0123" {
		t.Errorf("Metrics = %+v, want off with the file's trimmed token", got.Metrics)
	}
	if r := got.Redacted(); r.Metrics.Token != "***" {
		t.Errorf("Redacted token = %q, want ***", r.Metrics.Token)
	}
	if d := Default(); !d.Metrics.Enabled || d.Metrics.Token != "" {
		t.Errorf("default metrics %+v, want on without a token", d.Metrics)
	}
}

func TestMetricsTokenNotFromFile(t *testing.T) {
	path := writeFile(t, "hozur.yaml", "metrics:\n  token: 0123456789abcdef0123\n")
	if _, err := Load(path, nil); err == nil || !strings.Contains(err.Error(), "token") {
		t.Errorf("Load = %v, want the YAML key token refused", err)
	}
}

func TestMetricsValidation(t *testing.T) {
	c := Default()
	c.Metrics.Token = "short"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "metrics.token") {
		t.Errorf("Validate() = %v, want an error naming metrics.token", err)
	}
}
