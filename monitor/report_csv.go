package monitor

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
)

// ReportCSV renders the report's table by agency as CSV: UTF-8 with a
// byte-order mark (so Excel reads the Persian names right), comma
// separated, one header row in Persian, a row per agency and a last row
// with the total. Figures are plain ASCII numbers and the rate a
// percentage with one decimal (empty when nothing is in scope), so the
// file loads into any tool; the XLSX workbook carries every table.
func ReportCSV(d *ReportData) ([]byte, error) {
	l := reportLang{lang: "fa", tz: reportLocation(d)}
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := csv.NewWriter(&buf)
	pct := func(r *float64) string {
		if r == nil {
			return ""
		}
		return strconv.FormatFloat(*r*100, 'f', 1, 64)
	}
	num := func(n int64) string { return strconv.FormatInt(n, 10) }
	rows := [][]string{{l.T("agency"), "کد", l.T("col_accounts"), l.T("col_foreign"), l.T("col_in_scope"), l.T("col_covered"),
		l.T("col_rate") + " (٪)", l.T("col_open_high"), l.T("col_new")}}
	var tot ReportAgencyRow
	for _, r := range d.ByAgency {
		name := r.Name
		if r.Own {
			name = l.T("own", "name", r.Name)
		}
		rows = append(rows, []string{name, r.Code, num(r.Accounts), num(r.Foreign), num(r.InScope), num(r.Covered), pct(r.Rate), num(r.OpenHigh), num(r.New)})
		tot.Accounts, tot.Foreign, tot.InScope, tot.Covered = tot.Accounts+r.Accounts, tot.Foreign+r.Foreign, tot.InScope+r.InScope, tot.Covered+r.Covered
		tot.OpenHigh, tot.New = tot.OpenHigh+r.OpenHigh, tot.New+r.New
	}
	rows = append(rows, []string{l.T("total"), "", num(tot.Accounts), num(tot.Foreign), num(tot.InScope), num(tot.Covered),
		pct(reportRate(tot.Covered, tot.InScope)), num(tot.OpenHigh), num(tot.New)})
	if err := w.WriteAll(rows); err != nil {
		return nil, fmt.Errorf("report csv: %w", err)
	}
	return buf.Bytes(), nil
}

// ReportFileName is a download's file name: hozur-report-2026-11-14 and,
// for a cut, the agency's code, then the extension.
func ReportFileName(d *ReportData, ext string) string {
	name := "hozur-report-" + d.WeekStart
	if d.Agency != nil && d.Agency.Code != "" {
		name += "-" + asciiLower(d.Agency.Code)
	}
	return name + "." + ext
}

// asciiLower lowers ASCII letters and drops what a file name should not
// carry.
func asciiLower(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
			b = append(b, c)
		}
	}
	return string(b)
}
