package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestScanAndReportCLI(t *testing.T) {
	t.Setenv("HOZUR_ADMIN_PASSWORD", "")
	dir := t.TempDir()
	if _, _, err := run(t, "", "demo", "--data", dir, "--accounts", "300", "--seed", "7"); err != nil {
		t.Fatal(err)
	}

	scanLine := regexp.MustCompile(`^scan (\d+): evaluated 300 accounts, opened (\d+), resolved (\d+), open (\d+) in \S+\n$`)
	out, _, err := run(t, "", "scan", "--data", dir)
	if err != nil {
		t.Fatal(err)
	}
	m := scanLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("scan printed %q", out)
	}
	if m[1] != "1" || m[2] == "0" || m[2] != m[4] || m[3] != "0" {
		t.Errorf("first scan: %q", out)
	}
	// A second scan over the same data changes nothing.
	out, _, err = run(t, "", "scan", "--data", dir)
	if err != nil {
		t.Fatal(err)
	}
	if m2 := scanLine.FindStringSubmatch(out); m2 == nil || m2[1] != "2" || m2[2] != "0" || m2[3] != "0" || m2[4] != m[4] {
		t.Errorf("second scan: %q", out)
	}

	reportLine := regexp.MustCompile(`^report (\d{4}-\d\d-\d\d)\.\.(\d{4}-\d\d-\d\d): (\d+) accounts, compliance (\d+\.\d%|n/a), (\d+) high flags, sha256 ([0-9a-f]{64})\n$`)
	out, _, err = run(t, "", "report", "--data", dir)
	if err != nil {
		t.Fatal(err)
	}
	r := reportLine.FindStringSubmatch(out)
	if r == nil {
		t.Fatalf("report printed %q", out)
	}
	// The same week again, named by its ISO week: the stored report, the
	// same bytes.
	file := filepath.Join(dir, "week.html")
	out, _, err = run(t, "", "report", "--data", dir, "--week", isoWeekOf(t, r[1]), "--format", "html", "--out", file)
	if err != nil {
		t.Fatal(err)
	}
	if r2 := reportLine.FindStringSubmatch(out); r2 == nil || r2[6] != r[6] || r2[1] != r[1] {
		t.Errorf("again: %q, first %q", out, r[0])
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != r[6] || !strings.Contains(string(b), "<html") {
		t.Error("the file is not the report")
	}
	// The downloads, from the stored data.
	for format, magic := range map[string]string{"xlsx": "PK", "csv": "\xef\xbb\xbf"} {
		file := filepath.Join(dir, "week."+format)
		if _, _, err := run(t, "", "report", "--data", dir, "--week", r[1], "--format", format, "--out", file); err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(file); err != nil || !strings.HasPrefix(string(b), magic) {
			t.Errorf("%s: %v %.20q", format, err, b)
		}
	}

	fails := []struct {
		name string
		args []string
		want string
	}{
		{"scan without a database", []string{"scan", "--data", t.TempDir()}, "out of date"},
		{"report without a database", []string{"report", "--data", t.TempDir()}, "out of date"},
		{"bad week", []string{"report", "--data", dir, "--week", "next"}, "--week"},
		{"week not over", []string{"report", "--data", dir, "--week", "2999-01"}, "has not ended"},
		{"format without a file", []string{"report", "--data", dir, "--format", "html"}, "--out"},
		{"unknown format", []string{"report", "--data", dir, "--format", "docx", "--out", file}, "docx"},
	}
	for _, f := range fails {
		t.Run(f.name, func(t *testing.T) {
			if _, _, err := run(t, "", f.args...); err == nil || !strings.Contains(err.Error(), f.want) {
				t.Errorf("error %v, want %q", err, f.want)
			}
		})
	}
}

// isoWeekOf names the week of a day as --week takes it: YYYY-WW.
func isoWeekOf(t *testing.T, day string) string {
	t.Helper()
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		t.Fatal(err)
	}
	y, w := d.ISOWeek()
	return fmt.Sprintf("%04d-%02d", y, w)
}
