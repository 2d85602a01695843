package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"hozur/registry"
	"hozur/registry/sheet"
)

func TestExportCLI(t *testing.T) {
	t.Setenv("HOZUR_ADMIN_PASSWORD", "")
	dir := t.TempDir()
	if _, _, err := run(t, "", "demo", "--data", dir, "--accounts", "300", "--seed", "7"); err != nil {
		t.Fatal(err)
	}
	read := func(t *testing.T, name string) *sheet.Table {
		t.Helper()
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		tab, err := sheet.Read(bytes.NewReader(b), name, sheet.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return tab
	}
	header := func(kind string, persian bool) []string {
		cols, err := registry.ExportColumns(kind)
		if err != nil {
			t.Fatal(err)
		}
		return registry.HeaderRow(cols, persian)
	}

	t.Run("accounts as XLSX by extension, Persian", func(t *testing.T) {
		file := filepath.Join(dir, "accounts.xlsx")
		out, errOut, err := run(t, "", "export", "--data", dir, "--kind", "accounts", "--lang", "fa", file)
		if err != nil {
			t.Fatal(err)
		}
		if out != "" || errOut != "exported 300 accounts to "+file+"\n" {
			t.Errorf("stdout %q, stderr %q", out, errOut)
		}
		tab := read(t, file)
		if tab.Format != sheet.FormatXLSX || len(tab.Rows) != 300 || !slices.Equal(tab.Header, header("accounts", true)) {
			t.Fatalf("%s, %d rows, header %q", tab.Format, len(tab.Rows), tab.Header)
		}
		if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("file mode %v, %v", fi.Mode(), err)
		}
	})

	t.Run("accounts filtered by capacity", func(t *testing.T) {
		file := filepath.Join(dir, "personal.csv")
		_, errOut, err := run(t, "", "export", "--data", dir, "--kind", "accounts", "--capacity", "personal", file)
		if err != nil {
			t.Fatal(err)
		}
		tab := read(t, file)
		if tab.Format != sheet.FormatCSV || !slices.Equal(tab.Header, header("accounts", false)) {
			t.Fatalf("%s, header %q", tab.Format, tab.Header)
		}
		if len(tab.Rows) == 0 || len(tab.Rows) >= 300 || !strings.Contains(errOut, "exported "+strconv.Itoa(len(tab.Rows))+" accounts") {
			t.Fatalf("%d personal accounts, stderr %q", len(tab.Rows), errOut)
		}
		at := slices.Index(tab.Header, "capacity")
		for _, r := range tab.Rows {
			if r.Cell(at) != registry.CapacityPersonal {
				t.Fatalf("row %d: capacity %q", r.Line, r.Cell(at))
			}
		}
	})

	t.Run("officials of an agency to stdout", func(t *testing.T) {
		out, errOut, err := run(t, "", "export", "--data", dir, "--kind", "officials", "--agency", "MIN-HEALTH", "-")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(out, "\uFEFFname,agency_code,position,") || !strings.Contains(out, "\r\n") {
			t.Fatalf("stdout %.80q", out)
		}
		tab, err := sheet.Read(strings.NewReader(out), "-", sheet.Options{})
		if err != nil {
			t.Fatal(err)
		}
		at := slices.Index(tab.Header, "agency_code")
		for _, r := range tab.Rows {
			if !strings.HasPrefix(r.Cell(at), "MIN-HEALTH") {
				t.Fatalf("official of %s in MIN-HEALTH's export", r.Cell(at))
			}
		}
		if len(tab.Rows) == 0 || !strings.Contains(errOut, "exported "+strconv.Itoa(len(tab.Rows))+" officials to -") {
			t.Fatalf("%d rows, stderr %q", len(tab.Rows), errOut)
		}
	})

	t.Run("agencies, flags and exemptions", func(t *testing.T) {
		for _, kind := range []string{"agencies", "flags", "exemptions"} {
			file := filepath.Join(dir, kind+".csv")
			if _, _, err := run(t, "", "export", "--data", dir, "--kind", kind, file); err != nil {
				t.Fatalf("%s: %v", kind, err)
			}
			if tab := read(t, file); tab.Header[0] == "" || (kind == "agencies" && len(tab.Rows) < 200) {
				t.Errorf("%s: header %q, %d rows", kind, tab.Header, len(tab.Rows))
			}
		}
	})

	bad := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"unknown kind", []string{"--kind", "users", filepath.Join(dir, "u.csv")}, `--kind "users"`},
		{"no format", []string{"--kind", "accounts", filepath.Join(dir, "a.txt")}, "--format"},
		{"bad lang", []string{"--kind", "accounts", "--lang", "de", filepath.Join(dir, "a.csv")}, "--lang"},
		{"existing file", []string{"--kind", "accounts", filepath.Join(dir, "accounts.xlsx")}, "already exists"},
		{"filter the kind lacks", []string{"--kind", "officials", "--capacity", "office", filepath.Join(dir, "o.csv")}, "--capacity does not apply to officials"},
		{"unknown agency", []string{"--kind", "accounts", "--agency", "NOPE", filepath.Join(dir, "a.csv")}, `no agency "NOPE"`},
		{"unknown platform", []string{"--kind", "accounts", "--platform", "myspace", filepath.Join(dir, "a.csv")}, "platform: error.not_found"},
		{"bad status", []string{"--kind", "accounts", "--status", "gone", filepath.Join(dir, "a.csv")}, `--status "gone"`},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := run(t, "", append([]string{"export", "--data", dir}, c.args...)...)
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("error %v, want %q", err, c.wantErr)
			}
		})
	}
	// A refused export leaves no file behind, not even a temporary one.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() == "a.csv" || e.Name() == "o.csv" || strings.HasPrefix(e.Name(), ".hozur-export-") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}
