package locale

import (
	"testing"
	"time"
)

func TestCatalogsHaveTheSameKeys(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	fa, en := c.Keys("fa"), c.Keys("en")
	if len(fa) < 100 {
		t.Fatalf("only %d Persian keys", len(fa))
	}
	for _, k := range fa {
		if !c.Has("en", k) {
			t.Errorf("en lacks %q", k)
		}
	}
	for _, k := range en {
		if !c.Has("fa", k) {
			t.Errorf("fa lacks %q", k)
		}
	}
}

func TestFormatting(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	tehran, _ := time.LoadLocation("Asia/Tehran")
	fa, en := c.For("fa", tehran), c.For("en", tehran)
	day := time.Date(2024, 1, 17, 12, 0, 0, 0, time.UTC)
	cases := []struct{ name, got, want string }{
		{"fa date", fa.Date(day), "۲۷ دی ۱۴۰۲"},
		{"en date", en.Date(day), "17 Jan 2024"},
		{"fa date before midnight UTC is the next day in Tehran", fa.Date(time.Date(2023, 4, 9, 21, 0, 0, 0, time.UTC)), "۲۱ فروردین ۱۴۰۲"},
		{"fa number", fa.Num(1234567), "۱٬۲۳۴٬۵۶۷"},
		{"en number", en.Num(1234567), "1,234,567"},
		{"fa digits", fa.Digits("MIN-12"), "MIN-۱۲"},
		{"fa dir", fa.Dir(), "rtl"},
		{"en dir", en.Dir(), "ltr"},
		{"args", en.T("list.count", "n", 1500), "1,500 found"},
		{"fa args", fa.T("list.count", "n", 1500), "۱٬۵۰۰ مورد"},
		{"whole float from JSON", fa.TArgs("list.count", map[string]any{"n": float64(1500)}), "۱٬۵۰۰ مورد"},
		{"fraction", en.T("list.count", "n", 1.5), "1.5 found"},
		{"fallback to parent key", en.T("link.not_account.nonesuch"), en.T("link.not_account")},
		{"unknown key shows itself", en.T("no.such.key"), "no.such.key"},
		{"numeric date fa", fa.NumericDate(&day), "1402/10/27"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
}

func TestParseDate(t *testing.T) {
	tehran, _ := time.LoadLocation("Asia/Tehran")
	cases := []struct {
		in, want string
		bad      bool
	}{
		{in: "1402/01/21", want: "2023-04-10"},
		{in: "۱۴۰۲/۰۱/۲۱", want: "2023-04-10"},
		{in: "١٤٠٢-١٠-٢٧", want: "2024-01-17"},
		{in: "1403/12/30", want: "2025-03-20"}, // 1403 is a leap year
		{in: "1402/12/30", bad: true},          // 1402 is not
		{in: "2024-01-17", want: "2024-01-17"},
		{in: "2023-02-29", bad: true},
		{in: "1402/13/01", bad: true},
		{in: "yesterday", bad: true},
		{in: "99999-01-01", bad: true},
		{in: "0000-01-01", bad: true},
		{in: "2024-01-17junk", bad: true},
		{in: "2024-01-17 2025", bad: true},
		{in: "", want: ""},
	}
	for _, c := range cases {
		got, err := ParseDate(c.in, tehran)
		switch {
		case c.bad && err == nil:
			t.Errorf("%q: accepted as %v", c.in, got)
		case !c.bad && err != nil:
			t.Errorf("%q: %v", c.in, err)
		case !c.bad && c.want == "" && got != nil:
			t.Errorf("%q: got %v, want nil", c.in, got)
		case !c.bad && c.want != "" && got.Format(time.DateOnly) != c.want:
			t.Errorf("%q: got %s, want %s", c.in, got.Format(time.DateOnly), c.want)
		}
	}
}
