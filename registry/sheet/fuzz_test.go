package sheet

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzRead feeds the reader arbitrary files under CSV and XLSX names: it
// must never panic, and must either read a table or say why not with a
// sheet error.
func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.*")
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil { //nolint:gosec // G304: the test's own files
			f.Add(data, filepath.Base(name))
		}
	}
	f.Add([]byte("a;b\n\"x;\"\"y\"\"\";z\n"), "f.csv")
	f.Add([]byte("\"unterminated\n"), "f.csv")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		tab, err := Read(bytes.NewReader(data), name, Options{MaxRows: 1000})
		if err != nil {
			var se *Error
			if !errors.As(err, &se) || se.Code == "" {
				t.Fatalf("error %v is no sheet error", err)
			}
			return
		}
		if tab.Header == nil {
			t.Fatal("table without a header")
		}
		last := 0
		for _, r := range tab.Rows {
			if r.Line <= last {
				t.Fatalf("row lines not increasing: %d after %d", r.Line, last)
			}
			last = r.Line
			if tab.Format == FormatCSV {
				for _, c := range r.Cells {
					if !utf8.ValidString(c) {
						t.Fatalf("invalid UTF-8 cell %q", c)
					}
				}
			}
		}
	})
}
