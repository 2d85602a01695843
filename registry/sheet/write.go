package sheet

import (
	"encoding/csv"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// Writer writes a sheet row by row; the first row is the header. Close
// finishes the file.
type Writer interface {
	Write(cells []string) error
	Close() error
}

// csvWriter writes UTF-8 CSV with a byte order mark, which Excel needs to
// read Persian text right, and CRLF line ends.
type csvWriter struct{ w *csv.Writer }

// NewCSV starts a CSV file on w.
func NewCSV(w io.Writer) (Writer, error) {
	if _, err := w.Write([]byte{0xEF, 0xBB, 0xBF}); err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return &csvWriter{w: cw}, nil
}

func (c *csvWriter) Write(cells []string) error {
	if err := c.w.Write(neutralise(cells)); err != nil {
		return fmt.Errorf("csv: %w", err)
	}
	return nil
}

func (c *csvWriter) Close() error {
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return fmt.Errorf("csv: %w", err)
	}
	return nil
}

// neutralise keeps a spreadsheet program from running a cell as a formula
// (CSV injection): a value starting with = + - @ gets a leading apostrophe,
// which Excel hides and the importer strips.
func neutralise(cells []string) []string {
	var out []string
	for i, c := range cells {
		if c != "" && (c[0] == '=' || c[0] == '+' || c[0] == '-' || c[0] == '@' || c[0] == '\t' || c[0] == '\r') && !isNumber(c) {
			if out == nil {
				out = append([]string(nil), cells...)
			}
			out[i] = "'" + c
		}
	}
	if out == nil {
		return cells
	}
	return out
}

func isNumber(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case (r == '-' || r == '+') && i == 0, r == '.':
		default:
			return false
		}
	}
	return digits > 0
}

// XLSX writes a workbook: one sheet of records, streamed, then any help
// sheets.
type XLSX struct {
	f      *excelize.File
	sw     *excelize.StreamWriter
	out    io.Writer
	row    int
	rtl    bool
	head   int
	widths []float64
	drops  map[int][]string
}

// NewXLSX starts a workbook whose first sheet is called name; rtl sets the
// sheet right to left, as Persian readers expect.
func NewXLSX(w io.Writer, name string, rtl bool) (*XLSX, error) {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	if err := f.SetSheetView(name, 0, &excelize.ViewOptions{RightToLeft: &rtl}); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E8E8E8"}}})
	if err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	// The header stays in view while the rows scroll.
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	return &XLSX{f: f, sw: sw, out: w, rtl: rtl, head: head}, nil
}

// Widths sets the columns' widths in characters; call before the first row.
func (x *XLSX) Widths(w []float64) error {
	for i, v := range w {
		if err := x.sw.SetColWidth(i+1, i+1, v); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	x.widths = w
	return nil
}

// DropList offers values in a drop-down for column col (0-based) of the
// record rows.
func (x *XLSX) DropList(col int, values []string) {
	if x.drops == nil {
		x.drops = map[int][]string{}
	}
	x.drops[col] = values
}

// Write adds a row. Every cell is text, so codes like 007 keep their zeros.
func (x *XLSX) Write(cells []string) error {
	x.row++
	vals := make([]any, len(cells))
	for i, c := range cells {
		if x.row == 1 {
			vals[i] = excelize.Cell{StyleID: x.head, Value: c}
		} else {
			vals[i] = c
		}
	}
	cell, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if err := x.sw.SetRow(cell, vals); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	return nil
}

// Help adds a sheet of plain rows after the records (e.g. the allowed
// values); call after the last record row.
func (x *XLSX) Help(name string, rows [][]string) error {
	if err := x.flush(); err != nil {
		return err
	}
	if _, err := x.f.NewSheet(name); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if err := x.f.SetSheetView(name, 0, &excelize.ViewOptions{RightToLeft: &x.rtl}); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		vals := make([]any, len(r))
		for j, c := range r {
			vals[j] = c
		}
		if err := x.f.SetSheetRow(name, cell, &vals); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	if err := x.f.SetColWidth(name, "A", "D", 28); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	return nil
}

func (x *XLSX) flush() error {
	if x.sw == nil {
		return nil
	}
	// The drop-downs go in before the flush: it writes the sheet out as
	// streamed, and what is added to the sheet after it is lost.
	name := x.f.GetSheetName(0)
	for col, values := range x.drops {
		dv := excelize.NewDataValidation(true)
		first, _ := excelize.CoordinatesToCellName(col+1, 2)
		last, _ := excelize.CoordinatesToCellName(col+1, 10000)
		dv.Sqref = first + ":" + last
		if err := dv.SetDropList(values); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
		if err := x.f.AddDataValidation(name, dv); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	if err := x.sw.Flush(); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	x.sw = nil
	return nil
}

// Close writes the workbook out.
func (x *XLSX) Close() error {
	if err := x.flush(); err != nil {
		return err
	}
	x.f.SetActiveSheet(0)
	if _, err := x.f.WriteTo(x.out); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	return x.f.Close()
}
