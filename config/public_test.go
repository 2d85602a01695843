package config

import (
	"strings"
	"testing"
)

func TestPublicDefaults(t *testing.T) {
	p := Default().Public
	if !p.Verify || p.RateLimit != 60 || p.RateBurst != 20 {
		t.Errorf("Default().Public = %+v, want verify on, 60 a minute, burst 20", p)
	}
}

func TestPublicFromFileAndEnv(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		environ []string
		want    Public
	}{
		{"file", "public:\n  verify: false\n  rate_limit: 10\n  rate_burst: 3\n", nil, Public{Verify: false, RateLimit: 10, RateBurst: 3}},
		{"env over file", "public:\n  verify: false\n", []string{"HOZUR_PUBLIC_VERIFY=true", "HOZUR_PUBLIC_RATE_LIMIT=120", "HOZUR_PUBLIC_RATE_BURST=5"},
			Public{Verify: true, RateLimit: 120, RateBurst: 5}},
		{"env off", "", []string{"HOZUR_PUBLIC_VERIFY=false"}, Public{Verify: false, RateLimit: 60, RateBurst: 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := ""
			if tt.yaml != "" {
				path = writeFile(t, "hozur.yaml", tt.yaml)
			}
			got, err := Load(path, tt.environ)
			if err != nil {
				t.Fatal(err)
			}
			if got.Public != tt.want {
				t.Errorf("Public = %+v, want %+v", got.Public, tt.want)
			}
		})
	}
}

func TestPublicValidation(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		key    string
	}{
		{"zero rate", func(c *Config) { c.Public.RateLimit = 0 }, "public.rate_limit"},
		{"negative rate", func(c *Config) { c.Public.RateLimit = -5 }, "public.rate_limit"},
		{"zero burst", func(c *Config) { c.Public.RateBurst = 0 }, "public.rate_burst"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.mutate(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.key) {
				t.Errorf("Validate() = %v, want an error naming %s", err, tt.key)
			}
		})
	}
	// Verification off needs no limits to be sensible, but they are still checked.
	c := Default()
	c.Public.Verify = false
	if err := c.Validate(); err != nil {
		t.Errorf("verification off: %v", err)
	}
}
