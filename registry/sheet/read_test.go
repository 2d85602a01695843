package sheet

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

func mustRead(t *testing.T, data []byte, name string, opt Options) *Table {
	t.Helper()
	tab, err := Read(bytes.NewReader(data), name, opt)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return tab
}

func utf16le(t *testing.T, s string) []byte {
	t.Helper()
	b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func win1256(t *testing.T, s string) []byte {
	t.Helper()
	b, err := charmap.Windows1256.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReadCSVForms(t *testing.T) {
	const persian = "نام,کد\r\nوزارت نفت,MIN-OIL\r\n"
	cases := []struct {
		name     string
		data     []byte
		opt      Options
		enc      string
		delim    rune
		header   string
		rows     []string // cells joined by |
		lines    []int
		wantCode string
	}{
		{name: "utf8 with BOM", data: append([]byte{0xEF, 0xBB, 0xBF}, persian...), enc: EncodingUTF8, delim: ',',
			header: "نام|کد", rows: []string{"وزارت نفت|MIN-OIL"}, lines: []int{2}},
		{name: "utf8 without BOM", data: []byte(persian), enc: EncodingUTF8, delim: ',', header: "نام|کد", rows: []string{"وزارت نفت|MIN-OIL"}, lines: []int{2}},
		{name: "utf16 from Excel", data: utf16le(t, "نام\tکد\r\nوزارت نفت\tMIN-OIL\r\n"), enc: EncodingUTF16, delim: '\t',
			header: "نام|کد", rows: []string{"وزارت نفت|MIN-OIL"}, lines: []int{2}},
		{name: "windows-1256 detected", data: win1256(t, "نام;کد\nوزارت نفت;MIN-OIL\n"), enc: EncodingWin1256, delim: ';',
			header: "نام|کد", rows: []string{"وزارت نفت|MIN-OIL"}, lines: []int{2}},
		{name: "windows-1256 chosen", data: win1256(t, "a,b\nكد,x\n"), opt: Options{Encoding: EncodingWin1256}, enc: EncodingWin1256, delim: ',',
			header: "a|b", rows: []string{"كد|x"}, lines: []int{2}},
		{name: "utf-8 chosen but not utf-8", data: win1256(t, "نام,کد\n"), opt: Options{Encoding: EncodingUTF8}, wantCode: ErrEncodingAt},
		{name: "utf-8 with one stray byte is not windows-1256", data: []byte("نام,کد\nوزارت نفت,A\nبد\xa0,B\n"), wantCode: ErrEncodingAt},
		{name: "quoted comma and newline, line numbers follow", data: []byte("a,b\n\"x, y\",\"two\nlines\"\nlast,row\n"), enc: EncodingUTF8, delim: ',',
			header: "a|b", rows: []string{"x, y|two\nlines", "last|row"}, lines: []int{2, 3}},
		{name: "blank lines are rows, line breaks in a cell are not", data: []byte("a,b\n\"1\n2\n3\",x\n\nz,y\n"), enc: EncodingUTF8, delim: ',',
			header: "a|b", rows: []string{"1\n2\n3|x", "z|y"}, lines: []int{2, 4}},
		{name: "tab wins over commas inside quotes", data: []byte("\"a,1\"\tb\nx\ty\n"), enc: EncodingUTF8, delim: '\t', header: "a,1|b", rows: []string{"x|y"}, lines: []int{2}},
		{name: "empty rows and trailing columns", data: []byte("\n,,\na,b,,\n1,2,,\n,,,\n\n3,4\n,,\n"), enc: EncodingUTF8, delim: ',',
			header: "a|b", rows: []string{"1|2||", "3|4"}, lines: []int{4, 7}},
		{name: "formula guard stripped", data: []byte("a\n'=SUM(1)\n"), enc: EncodingUTF8, delim: ',', header: "a", rows: []string{"=SUM(1)"}, lines: []int{2}},
		{name: "no rows but header", data: []byte("a,b\n"), enc: EncodingUTF8, delim: ',', header: "a|b"},
		{name: "empty", data: []byte("\n\n"), wantCode: ErrEmpty},
		{name: "binary", data: []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), wantCode: ErrNotSpreadsheet},
		{name: "text renamed to xlsx", data: []byte("a,b\n1,2\n"), wantCode: ErrNotSpreadsheet},
		{name: "too large", data: []byte(strings.Repeat("a,b\n", 100)), opt: Options{MaxBytes: 64}, wantCode: ErrTooLarge},
		{name: "too many rows", data: []byte("a\n1\n2\n3\n"), opt: Options{MaxRows: 2}, wantCode: ErrTooManyRows},
		{name: "cell too long", data: []byte("a\n" + strings.Repeat("x", maxCell+1) + "\n"), wantCode: ErrCellTooLong},
		{name: "too many columns", data: []byte(strings.Repeat("a,", maxColumns+1) + "a\n"), wantCode: ErrTooManyColumns},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name := "f.csv"
			if c.name == "text renamed to xlsx" {
				name = "f.xlsx"
			}
			tab, err := Read(bytes.NewReader(c.data), name, c.opt)
			if c.wantCode != "" {
				var se *Error
				if !errors.As(err, &se) || se.Code != c.wantCode {
					t.Fatalf("err %v, want %s", err, c.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tab.Encoding != c.enc || tab.Delimiter != c.delim {
				t.Errorf("encoding %s delimiter %q, want %s %q", tab.Encoding, tab.Delimiter, c.enc, c.delim)
			}
			if got := strings.Join(tab.Header, "|"); got != c.header {
				t.Errorf("header %q, want %q", got, c.header)
			}
			var rows []string
			var lines []int
			for _, r := range tab.Rows {
				rows = append(rows, strings.Join(r.Cells, "|"))
				lines = append(lines, r.Line)
			}
			if strings.Join(rows, "\n#\n") != strings.Join(c.rows, "\n#\n") {
				t.Errorf("rows %q, want %q", rows, c.rows)
			}
			if len(lines) != len(c.lines) {
				t.Fatalf("lines %v, want %v", lines, c.lines)
			}
			for i := range lines {
				if lines[i] != c.lines[i] {
					t.Errorf("lines %v, want %v", lines, c.lines)
				}
			}
		})
	}
}

func TestReadXLSX(t *testing.T) {
	f := excelize.NewFile()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetRow("Sheet1", "A1", &[]any{"code", "opened_on", "n"}))
	must(f.SetSheetRow("Sheet1", "A2", &[]any{"007", 45026, 12.5}))
	// Row 3 is empty; row 4 has values.
	must(f.SetSheetRow("Sheet1", "A4", &[]any{"X", "1402/01/21", ""}))
	style, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	must(err)
	must(f.SetCellStyle("Sheet1", "B2", "B2", style))
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	tab := mustRead(t, buf.Bytes(), "upload.bin", Options{})
	if tab.Format != FormatXLSX || strings.Join(tab.Header, "|") != "code|opened_on|n" {
		t.Fatalf("table %+v", tab)
	}
	if len(tab.Rows) != 2 || tab.Rows[0].Line != 2 || tab.Rows[1].Line != 4 {
		t.Fatalf("rows %+v", tab.Rows)
	}
	// Date cells come raw (a serial day), so the importer reads the day,
	// not the locale's rendering of it; text keeps its leading zeros.
	if got := tab.Rows[0].Cells; got[0] != "007" || got[1] != "45026" || got[2] != "12.5" {
		t.Errorf("cells %q", got)
	}
}

func TestReadBrokenXLSX(t *testing.T) {
	// A zip that is no workbook.
	data := append([]byte("PK\x03\x04"), bytes.Repeat([]byte{1}, 100)...)
	_, err := Read(bytes.NewReader(data), "f.xlsx", Options{})
	var se *Error
	if !errors.As(err, &se) || se.Code != ErrBadXLSX {
		t.Fatalf("err %v, want %s", err, ErrBadXLSX)
	}
}

func TestWriteThenRead(t *testing.T) {
	rows := [][]string{{"نام", "code", "note"}, {"وزارت نفت", "007", "=1+1"}, {"a, b", "-5", "line\nbreak"}}
	for _, format := range []string{FormatCSV, FormatXLSX} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			var w Writer
			var err error
			if format == FormatCSV {
				w, err = NewCSV(&buf)
			} else {
				var x *XLSX
				if x, err = NewXLSX(&buf, "records", true); err == nil {
					err = x.Widths([]float64{20, 10, 30})
					x.DropList(1, []string{"007", "-5"})
				}
				w = x
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				if err := w.Write(r); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if format == FormatCSV && !bytes.HasPrefix(buf.Bytes(), []byte{0xEF, 0xBB, 0xBF}) {
				t.Error("CSV without BOM")
			}
			if format == FormatCSV && !strings.Contains(buf.String(), "'=1+1") {
				t.Error("formula not neutralised")
			}
			tab := mustRead(t, buf.Bytes(), "x."+format, Options{})
			got := [][]string{tab.Header}
			for _, r := range tab.Rows {
				got = append(got, r.Cells)
			}
			for i := range rows {
				if strings.Join(got[i], "|") != strings.Join(rows[i], "|") {
					t.Errorf("row %d: %q, want %q", i, got[i], rows[i])
				}
			}
		})
	}
}

// The seed files in testdata are real-world-shaped uploads; each reads or
// fails with a sheet error, never anything else.
func TestSeedFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no seed files: %v", err)
	}
	for _, name := range files {
		if fi, err := os.Stat(name); err != nil || fi.IsDir() {
			continue
		}
		data, err := os.ReadFile(name) //nolint:gosec // G304: the test's own files
		if err != nil {
			t.Fatal(err)
		}
		_, err = Read(bytes.NewReader(data), name, Options{})
		var se *Error
		if err != nil && !errors.As(err, &se) {
			t.Errorf("%s: %v is no sheet error", name, err)
		}
		if strings.Contains(name, "bad") != (err != nil) {
			t.Errorf("%s: err %v", name, err)
		}
	}
}
