// Package sheet reads and writes the spreadsheets records travel in: CSV as
// offices really save it (any of three delimiters, UTF-8 with or without a
// byte order mark, UTF-16 from Excel's "Unicode text", Windows-1256 from
// older Persian Windows) and XLSX. It knows nothing of agencies or accounts:
// it turns a file into a header and rows of text, and rows of text into a
// file.
package sheet

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Formats and encodings a Table can come from.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"

	EncodingAuto    = "auto"
	EncodingUTF8    = "utf-8"
	EncodingUTF16   = "utf-16"
	EncodingWin1256 = "windows-1256"
)

// Encodings lists the encodings a reader may ask for, auto first.
var Encodings = []string{EncodingAuto, EncodingUTF8, EncodingWin1256}

// Defaults for Options left zero.
const (
	DefaultMaxBytes = 32 << 20
	DefaultMaxRows  = 200_000
	// maxCell bounds one cell; no field of a record comes near it.
	maxCell = 4096
	// maxColumns bounds the width of a sheet.
	maxColumns = 64
)

// Options limit and steer a read.
type Options struct {
	Encoding string // EncodingAuto (default), EncodingUTF8 or EncodingWin1256
	MaxBytes int64  // the largest file read; DefaultMaxBytes when zero
	MaxRows  int    // the most data rows (after the header); DefaultMaxRows when zero
}

func (o Options) withDefaults() Options {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxRows <= 0 {
		o.MaxRows = DefaultMaxRows
	}
	if o.Encoding == "" {
		o.Encoding = EncodingAuto
	}
	return o
}

// Table is a sheet read: its header row and its data rows. Empty rows are
// dropped and trailing empty header cells trimmed.
type Table struct {
	Format    string
	Encoding  string // for CSV: the encoding found or chosen
	Delimiter rune   // for CSV
	Header    []string
	Rows      []Row
}

// Row is one data row. Line is its number as a spreadsheet program shows
// it (the header is row 1 when it is the first line), so people find it.
type Row struct {
	Line  int
	Cells []string
}

// Cell is the row's cell in column i, or "" past its end.
func (r Row) Cell(i int) string {
	if i < 0 || i >= len(r.Cells) {
		return ""
	}
	return r.Cells[i]
}

// Error is a file that cannot be read as a sheet. Code is a message key;
// Line and Args fill it in.
type Error struct {
	Code string
	Line int
	Args map[string]any
	Err  error
}

func (e *Error) Error() string {
	msg := "sheet: " + e.Code
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Error codes.
const (
	ErrTooLarge       = "sheet.too_large"
	ErrTooManyRows    = "sheet.too_many_rows"
	ErrTooManyColumns = "sheet.too_many_columns"
	ErrCellTooLong    = "sheet.cell_too_long"
	ErrNotSpreadsheet = "sheet.not_spreadsheet"
	ErrBadXLSX        = "sheet.bad_xlsx"
	ErrBadCSV         = "sheet.bad_csv"
	ErrEmpty          = "sheet.empty"
	ErrEncoding       = "sheet.bad_encoding"
	ErrEncodingAt     = "sheet.bad_encoding_at"
)

var zipMagic = []byte("PK\x03\x04")

// Bounds on reading workbooks: the whole unpacked size, the part of it an
// XML part may take in memory (beyond it excelize spills to a temporary
// file), and how many are read at once.
const (
	xlsxUnzipLimit  = 128 << 20
	xlsxXMLInMemory = 16 << 20
	// xlsxStringsLimit bounds the shared-strings part, which is held in
	// memory whole: 32 MB of XML is a million distinct texts.
	xlsxStringsLimit = 32 << 20
)

var xlsxSlots = make(chan struct{}, 2)

// Read reads a CSV or XLSX file. The content decides which, not the name:
// a name ending in .xlsx that holds no workbook is refused as such.
func Read(r io.Reader, name string, opt Options) (*Table, error) {
	opt = opt.withDefaults()
	data, err := io.ReadAll(io.LimitReader(r, opt.MaxBytes+1))
	if err != nil {
		return nil, &Error{Code: ErrNotSpreadsheet, Err: err}
	}
	if int64(len(data)) > opt.MaxBytes {
		return nil, &Error{Code: ErrTooLarge, Args: map[string]any{"MaxMB": opt.MaxBytes >> 20}}
	}
	lower := strings.ToLower(name)
	switch {
	case bytes.HasPrefix(data, zipMagic):
		return readXLSX(data, opt)
	case strings.HasSuffix(lower, ".xlsx") || strings.HasSuffix(lower, ".xls") || looksBinary(data):
		return nil, &Error{Code: ErrNotSpreadsheet}
	}
	return readCSV(data, opt)
}

// looksBinary: text files hold no NUL bytes (UTF-16 is decoded before this
// is asked) and few control characters.
func looksBinary(data []byte) bool {
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return false
	}
	head := data[:min(len(data), 8192)]
	ctl := 0
	for _, b := range head {
		if b == 0 {
			return true
		}
		if b < 0x20 && b != '\n' && b != '\r' && b != '\t' && b != '\f' {
			ctl++
		}
	}
	return ctl > len(head)/10
}

// decode turns the file's bytes into UTF-8 text and names the encoding.
func decode(data []byte, want string) (string, string, error) {
	var enc encoding.Encoding
	name := want
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data, name = data[3:], EncodingUTF8
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		enc, name = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), EncodingUTF16
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		enc, name = unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), EncodingUTF16
	case want == EncodingWin1256:
		enc = charmap.Windows1256
	case want == EncodingUTF8:
	default:
		// Valid UTF-8 is taken as such: Windows-1256 text with Persian
		// letters is almost never valid UTF-8, and plain ASCII is both.
		name = EncodingUTF8
		if !utf8.Valid(data) {
			// UTF-8 text with a stray bad byte is not Windows-1256: read
			// as such, every Persian letter in it would turn to noise.
			if hasMultibyteUTF8(data) {
				line := invalidLine(data)
				return "", name, &Error{Code: ErrEncodingAt, Line: line, Args: map[string]any{"Line": line}}
			}
			enc, name = charmap.Windows1256, EncodingWin1256
		}
	}
	if enc == nil {
		if !utf8.Valid(data) {
			line := invalidLine(data)
			return "", name, &Error{Code: ErrEncodingAt, Line: line, Args: map[string]any{"Line": line}}
		}
		return string(data), name, nil
	}
	out, _, err := transform.Bytes(enc.NewDecoder(), data)
	if err != nil {
		return "", name, &Error{Code: ErrEncoding, Err: err}
	}
	if bytes.IndexByte(out, 0) >= 0 {
		return "", name, &Error{Code: ErrNotSpreadsheet}
	}
	return string(out), name, nil
}

// hasMultibyteUTF8 reports whether data holds a valid UTF-8 sequence of
// more than one byte: Windows-1256 Persian text practically never does.
func hasMultibyteUTF8(data []byte) bool {
	for i := 0; i < len(data); {
		if data[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(data[i:])
		if r != utf8.RuneError && n > 1 {
			return true
		}
		i++
	}
	return false
}

// invalidLine is the line of the first byte that is not UTF-8.
func invalidLine(data []byte) int {
	line := 1
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		i += n
	}
	return line
}

// sniff picks the delimiter the header line uses most, outside quotes.
func sniff(text string) rune {
	counts := map[rune]int{}
	quoted := false
	for _, r := range text {
		if r == '"' {
			quoted = !quoted
			continue
		}
		if quoted {
			continue
		}
		if r == '\n' {
			break
		}
		if r == ',' || r == ';' || r == '\t' {
			counts[r]++
		}
	}
	best, n := ',', 0
	for _, r := range []rune{',', ';', '\t'} {
		if counts[r] > n {
			best, n = r, counts[r]
		}
	}
	return best
}

func readCSV(data []byte, opt Options) (*Table, error) {
	text, enc, err := decode(data, opt.Encoding)
	if err != nil {
		return nil, err
	}
	t := &Table{Format: FormatCSV, Encoding: enc, Delimiter: sniff(text)}
	cr := csv.NewReader(bufio.NewReader(strings.NewReader(text)))
	cr.Comma = t.Delimiter
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	row, prevEnd := 0, 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			return nil, &Error{Code: ErrBadCSV, Line: line, Args: map[string]any{"Line": line}, Err: err}
		}
		// A spreadsheet numbers rows, not text lines: a cell with line
		// breaks is one row, and each blank line skipped is one.
		start, _ := cr.FieldPos(0)
		if prevEnd == 0 {
			row = start
		} else {
			row += start - prevEnd
		}
		last, _ := cr.FieldPos(len(rec) - 1)
		prevEnd = last + strings.Count(rec[len(rec)-1], "\n")
		if err := t.add(row, rec, opt); err != nil {
			return nil, err
		}
	}
	return t.done()
}

func readXLSX(data []byte, opt Options) (*Table, error) {
	// A workbook is a zip: a few hundred kilobytes can unpack to gigabytes
	// of cells. The unpacked size is bounded, and only a few workbooks are
	// read at once.
	if err := checkZip(data); err != nil {
		return nil, err
	}
	xlsxSlots <- struct{}{}
	defer func() { <-xlsxSlots }()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true,
		UnzipSizeLimit: xlsxUnzipLimit, UnzipXMLSizeLimit: xlsxXMLInMemory})
	if err != nil {
		return nil, &Error{Code: ErrBadXLSX, Err: err}
	}
	defer func() { _ = f.Close() }()
	t := &Table{Format: FormatXLSX}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, &Error{Code: ErrEmpty}
	}
	// The first visible sheet holds the records; a template's help sheet
	// comes after it.
	name := sheets[0]
	for _, s := range sheets {
		if v, err := f.GetSheetVisible(s); err == nil && v {
			name = s
			break
		}
	}
	rows, err := f.Rows(name)
	if err != nil {
		return nil, &Error{Code: ErrBadXLSX, Err: err}
	}
	defer func() { _ = rows.Close() }()
	for line := 1; rows.Next(); line++ {
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, &Error{Code: ErrBadXLSX, Line: line, Err: err}
		}
		if err := t.add(line, cells, opt); err != nil {
			return nil, err
		}
	}
	if err := rows.Error(); err != nil {
		return nil, &Error{Code: ErrBadXLSX, Err: err}
	}
	return t.done()
}

// checkZip reads the workbook's directory: the sizes it declares are the
// sizes the zip reader enforces, so a workbook that would unpack to too
// much is refused before any of it is unpacked.
func checkZip(data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return &Error{Code: ErrBadXLSX, Err: err}
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if strings.EqualFold(f.Name, "xl/sharedStrings.xml") && f.UncompressedSize64 > xlsxStringsLimit {
			return &Error{Code: ErrTooLarge, Args: map[string]any{"MaxMB": xlsxStringsLimit >> 20}}
		}
	}
	if total > xlsxUnzipLimit {
		return &Error{Code: ErrTooLarge, Args: map[string]any{"MaxMB": xlsxUnzipLimit >> 20}}
	}
	return nil
}

// add takes one record: the first non-empty one is the header.
func (t *Table) add(line int, cells []string, opt Options) error {
	blank := true
	for i, c := range cells {
		c = strings.TrimSpace(strings.ReplaceAll(c, "\u00a0", " "))
		if len(c) > 1 && c[0] == '\'' && strings.ContainsRune("=+-@", rune(c[1])) {
			c = c[1:] // see neutralise
		}
		cells[i] = c
		if c != "" {
			blank = false
		}
		if utf8.RuneCountInString(c) > maxCell {
			return &Error{Code: ErrCellTooLong, Line: line, Args: map[string]any{"Line": line, "Max": maxCell}}
		}
	}
	if blank {
		return nil
	}
	if len(cells) > maxColumns {
		// Trailing empty cells are no columns.
		last := len(cells)
		for last > 0 && cells[last-1] == "" {
			last--
		}
		if last > maxColumns {
			return &Error{Code: ErrTooManyColumns, Line: line, Args: map[string]any{"Line": line, "Max": maxColumns}}
		}
		cells = cells[:last]
	}
	if t.Header == nil {
		last := len(cells)
		for last > 0 && cells[last-1] == "" {
			last--
		}
		t.Header = cells[:last]
		return nil
	}
	if len(t.Rows) >= opt.MaxRows {
		return &Error{Code: ErrTooManyRows, Line: line, Args: map[string]any{"Max": opt.MaxRows}}
	}
	t.Rows = append(t.Rows, Row{Line: line, Cells: cells})
	return nil
}

func (t *Table) done() (*Table, error) {
	if t.Header == nil {
		return nil, &Error{Code: ErrEmpty}
	}
	return t, nil
}
