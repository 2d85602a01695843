package sheet

import (
	"bytes"
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"
)

// A workbook's drop-downs survive the streamed records sheet, and the
// records read back, the help sheet aside.
func TestXLSXDropListAndHelp(t *testing.T) {
	var buf bytes.Buffer
	x, err := NewXLSX(&buf, "حساب‌ها", true)
	if err != nil {
		t.Fatal(err)
	}
	x.DropList(1, []string{"سازمانی", "سمتی", "شخصی"})
	if err := x.Widths([]float64{20, 12}); err != nil {
		t.Fatal(err)
	}
	for _, row := range [][]string{{"نشانی", "عنوان حساب"}, {"https://t.me/a", "سازمانی"}} {
		if err := x.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Help("راهنما", [][]string{{"ستون", "مقدارهای مجاز"}, {"عنوان حساب", "سازمانی، سمتی، شخصی"}}); err != nil {
		t.Fatal(err)
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	dvs, err := f.GetDataValidations("حساب‌ها")
	if err != nil || len(dvs) != 1 || dvs[0].Sqref != "B2:B10000" || dvs[0].Type != "list" {
		t.Fatalf("drop-downs %+v %v", dvs, err)
	}
	if sheets := f.GetSheetList(); !slices.Equal(sheets, []string{"حساب‌ها", "راهنما"}) {
		t.Fatalf("sheets %v", sheets)
	}
	tab, err := Read(bytes.NewReader(buf.Bytes()), "a.xlsx", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tab.Header, []string{"نشانی", "عنوان حساب"}) || len(tab.Rows) != 1 || tab.Rows[0].Cell(1) != "سازمانی" {
		t.Fatalf("read back %+v", tab)
	}
}
