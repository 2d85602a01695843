package monitor

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestReportHTML(t *testing.T) {
	w := newRepWorld(t)
	r := repMust[*Report](t)(w.m.Report(w.ctx(), w.weekStart, nil))
	h := r.HTML
	for _, s := range []string{`<html lang="fa" dir="rtl">`, "<title>گزارش هفتگی حضور — هفتهٔ ۲۳ تا ۲۹ آبان ۱۴۰۵</title>", "<style>", "<svg", `role="img"`,
		"وزارت الف", "۵۰٫۰٪", "تأخیر در بستن حساب", "حساب شخصی", "ministry_a", "ارزیابی نشده", "پذیرفته"} {
		if !strings.Contains(h, s) {
			t.Errorf("stored HTML lacks %q", s)
		}
	}
	for _, s := range []string{"<script", "http://", "https://", "sara_personal", " style="} {
		if strings.Contains(strings.ReplaceAll(h, `xmlns="http://www.w3.org/2000/svg"`, ""), s) {
			t.Errorf("stored HTML has %q", s)
		}
	}
	en := repMust[[]byte](t)(RenderReportHTML(repMust[*ReportData](t)(r.Parsed()), "en"))
	for _, s := range []string{`<html lang="en" dir="ltr">`, "Hozur weekly report — week of 14–20 Nov 2026", "50.0%", "Ministry A", "Closure overdue"} {
		if !bytes.Contains(en, []byte(s)) {
			t.Errorf("English HTML lacks %q", s)
		}
	}
}

func TestReportXLSX(t *testing.T) {
	w := newRepWorld(t)
	r := repMust[*Report](t)(w.m.Report(w.ctx(), w.weekStart, &w.a.ID))
	d := repMust[*ReportData](t)(r.Parsed())
	data := repMust[[]byte](t)(ReportXLSX(d))
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if strings.Join(sheets, ",") != "خلاصه,به تفکیک دستگاه,موارد معوق,پایان معافیت‌ها,حریم خصوصی,روند" {
		t.Errorf("sheets %v", sheets)
	}
	for _, s := range sheets {
		v, err := f.GetSheetView(s, 0)
		if err != nil || v.RightToLeft == nil || !*v.RightToLeft {
			t.Errorf("sheet %s is not right to left: %+v %v", s, v, err)
		}
	}
	if title, _ := f.GetCellValue("خلاصه", "A1"); title != r.Title {
		t.Errorf("A1 %q, want %q", title, r.Title)
	}
	rows, _ := f.GetRows("به تفکیک دستگاه")
	if len(rows) != 4 || rows[0][0] != "دستگاه" || rows[1][0] != "وزارت الف (حساب‌های خود دستگاه)" || rows[2][0] != "ادارهٔ یکم" || rows[3][0] != "جمع" {
		t.Errorf("by agency %q", rows)
	}
	if v, _ := f.GetCellValue("به تفکیک دستگاه", "G4"); v != "66.7%" {
		t.Errorf("total rate cell %q", v)
	}
	over, _ := f.GetRows("موارد معوق")
	if len(over) != 2 || over[1][0] != "تأخیر در بستن حساب" || over[1][1] != "حساب شخصی" {
		t.Errorf("overdue sheet %q", over)
	}
}

func TestReportCSV(t *testing.T) {
	w := newRepWorld(t)
	r := repMust[*Report](t)(w.m.Report(w.ctx(), w.weekStart, nil))
	data := repMust[[]byte](t)(ReportCSV(repMust[*ReportData](t)(r.Parsed())))
	if !bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("no BOM: %q", data[:10])
	}
	rows, err := csv.NewReader(bytes.NewReader(data[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0][0] != "دستگاه" || rows[3][0] != "جمع" {
		t.Fatalf("rows %q", rows)
	}
	if tot := rows[3]; tot[2] != "11" || tot[4] != "6" || tot[5] != "3" || tot[6] != "50.0" {
		t.Errorf("total row %q", tot)
	}
	if name := ReportFileName(repMust[*ReportData](t)(r.Parsed()), "csv"); name != "hozur-report-2026-11-14.csv" {
		t.Errorf("file name %q", name)
	}
}

// repChromium finds the browser: CI installs it, so there a missing one
// fails the test instead of skipping it.
func repChromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("HOZUR_CHROMIUM"), ChromiumPath("")} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed; CI must install it")
	}
	t.Skip("chromium not found (set HOZUR_CHROMIUM); CI runs this test")
	return ""
}

var repPDFPage = regexp.MustCompile(`/Type\s*/Page\b[^s]`)

func TestReportPDF(t *testing.T) {
	chromium := repChromium(t)
	w := newRepWorld(t)
	r := repMust[*Report](t)(w.m.Report(w.ctx(), w.weekStart, nil))
	pdf, err := ReportPDF(w.ctx(), []byte(r.HTML), chromium)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %.20q", pdf)
	}
	if n := len(repPDFPage.FindAll(pdf, -1)); n < 1 {
		t.Errorf("%d pages", n)
	}
	if _, err := ReportPDF(w.ctx(), []byte(r.HTML), ""); !errors.Is(err, ErrNoChromium) {
		t.Errorf("no chromium: %v", err)
	}
}
