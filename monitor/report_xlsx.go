package monitor

import (
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"
)

// The report as an Excel workbook, made from the stored data: one
// right-to-left sheet per table (summary, by agency, overdue, ending soon,
// privacy, trend), Persian headers, figures as numbers and rates as
// percentages so they can be sorted and summed.

// Sheet names, at most 31 characters each.
const (
	xlsxSummary = "خلاصه"
	xlsxAgency  = "به تفکیک دستگاه"
	xlsxOverdue = "موارد معوق"
	xlsxEnding  = "پایان معافیت‌ها"
	xlsxPrivacy = "حریم خصوصی"
	xlsxTrend   = "روند"
)

// ReportXLSX renders a report's data as an XLSX workbook.
func ReportXLSX(d *ReportData) ([]byte, error) { return reportXLSX(d) }

func reportXLSX(d *ReportData) ([]byte, error) {
	l := reportLang{lang: "fa", tz: reportLocation(d)}
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	x := &xlsxWriter{f: f}
	x.styles()
	rtl := true
	for i, name := range []string{xlsxSummary, xlsxAgency, xlsxOverdue, xlsxEnding, xlsxPrivacy, xlsxTrend} {
		if i == 0 {
			x.check(f.SetSheetName("Sheet1", name))
		} else if _, err := f.NewSheet(name); err != nil {
			return nil, err
		}
		x.check(f.SetSheetView(name, 0, &excelize.ViewOptions{RightToLeft: &rtl}))
	}

	// Summary: the title, the headline and the week's changes.
	s := xlsxSummary
	x.row(s, 1, x.title, d.Title)
	scope := l.T("national")
	if d.Agency != nil {
		scope = l.T("cut", "name", d.Agency.Name)
	}
	x.row(s, 2, 0, scope)
	x.row(s, 3, 0, l.T("period", "start", l.Date(d.WeekStart), "end", l.Date(d.WeekEnd)))
	x.row(s, 5, x.head, l.T("headline"), "")
	h := d.Headline
	x.row(s, 6, 0, l.T("accounts"), h.Accounts)
	x.row(s, 7, 0, l.T("foreign"), h.Foreign)
	x.row(s, 8, 0, l.T("col_in_scope"), h.InScope)
	x.row(s, 9, 0, l.T("col_covered"), h.Covered)
	x.row(s, 10, 0, l.T("rate"), xlsxRate(h.Rate))
	x.style(s, "B10", "B10", x.pct)
	x.row(s, 11, 0, l.T("open_high"), h.OpenHigh)
	x.row(s, 13, x.head, l.T("changes"), "")
	c := d.Changes
	var median any = ""
	if c.MedianDaysToDecision != nil {
		median = *c.MedianDaysToDecision
	}
	for i, kv := range [][2]any{
		{l.T("new_accounts"), c.NewAccounts}, {l.T("flags_opened"), c.FlagsOpened}, {l.T("flags_resolved"), c.FlagsResolved},
		{l.T("exemptions_granted"), c.ExemptionsGranted}, {l.T("exemptions_expired"), c.ExemptionsExpired}, {l.T("exemptions_revoked"), c.ExemptionsRevoked},
		{l.T("justifications_filed"), c.JustificationsFiled}, {l.T("justifications_decided"), c.JustificationsDecided}, {l.T("median_days"), median},
	} {
		x.row(s, 14+i, 0, kv[0], kv[1])
	}
	caps, ranks := l.scopeWords(d.Scope)
	x.row(s, 24, 0, l.T("footer", "generated", l.Moment(d.GeneratedAt), "caps", caps, "ranks", ranks))
	x.widths(s, 42, 16)

	// By agency.
	s = xlsxAgency
	x.row(s, 1, x.head, l.T("agency"), "کد", l.T("col_accounts"), l.T("col_foreign"), l.T("col_in_scope"), l.T("col_covered"),
		l.T("col_rate"), l.T("col_open_high"), l.T("col_new"))
	var tot ReportAgencyRow
	n := 2
	for _, r := range d.ByAgency {
		name := r.Name
		if r.Own {
			name = l.T("own", "name", r.Name)
		}
		x.row(s, n, 0, name, r.Code, r.Accounts, r.Foreign, r.InScope, r.Covered, xlsxRate(r.Rate), r.OpenHigh, r.New)
		tot.Accounts, tot.Foreign, tot.InScope, tot.Covered = tot.Accounts+r.Accounts, tot.Foreign+r.Foreign, tot.InScope+r.InScope, tot.Covered+r.Covered
		tot.OpenHigh, tot.New = tot.OpenHigh+r.OpenHigh, tot.New+r.New
		n++
	}
	x.row(s, n, x.head, l.T("total"), "", tot.Accounts, tot.Foreign, tot.InScope, tot.Covered, xlsxRate(reportRate(tot.Covered, tot.InScope)), tot.OpenHigh, tot.New)
	x.style(s, "G2", fmt.Sprintf("G%d", n), x.pct)
	x.widths(s, 44, 14)
	x.freeze(s)

	// Overdue items.
	s = xlsxOverdue
	x.row(s, 1, x.head, l.T("col_item"), l.T("col_account"), l.T("col_platform"), l.T("col_holder"), l.T("agency"), l.T("col_since"), l.T("col_days"))
	for i, o := range d.Overdue {
		acc := o.Account
		if acc == "" && o.Capacity == "personal" {
			acc = l.T("personal")
		}
		x.row(s, 2+i, 0, l.T("rule."+o.Rule), acc, o.Platform, xlsxHolder(l, o.Holder, o.Capacity), o.Agency, l.Date(o.OpenedOn), o.Days)
	}
	if d.OverdueTotal > int64(len(d.Overdue)) {
		x.row(s, 3+len(d.Overdue), 0, l.T("overdue_more", "n", l.Num(int64(len(d.Overdue))), "total", l.Num(d.OverdueTotal)))
	}
	x.widths(s, 30, 22)
	x.freeze(s)

	// Exemptions ending soon.
	s = xlsxEnding
	x.row(s, 1, x.head, l.T("col_account"), l.T("col_platform"), l.T("col_holder"), l.T("agency"), l.T("col_last_day"), l.T("col_days_left"))
	for i, e := range d.Ending {
		acc, holder := e.Account, xlsxHolder(l, e.Holder, e.Capacity)
		if acc == "" && e.Capacity == "personal" {
			acc = l.T("personal")
		}
		if e.Cover == "group" {
			holder = l.T("group")
		}
		x.row(s, 2+i, 0, acc, e.Platform, holder, e.Agency, l.Date(e.LastDay), e.DaysLeft)
	}
	if d.EndingTotal > int64(len(d.Ending)) {
		x.row(s, 3+len(d.Ending), 0, l.T("ending_more", "n", l.Num(int64(len(d.Ending))), "total", l.Num(d.EndingTotal)))
	}
	x.widths(s, 28, 22)
	x.freeze(s)

	// Privacy.
	s = xlsxPrivacy
	x.row(s, 1, x.head, l.T("col_platform"), l.T("col_overall"), l.T("col_assessed"))
	for i, p := range d.Privacy {
		overall, on := l.T("not_assessed"), ""
		if p.Overall != "" {
			overall, on = l.T("overall."+p.Overall), l.Date(p.AssessedOn)
			if strings.HasPrefix(overall, "overall.") {
				overall = p.Overall
			}
		}
		x.row(s, 2+i, 0, p.Name, overall, on)
	}
	x.widths(s, 24, 20)
	x.freeze(s)

	// Trend.
	s = xlsxTrend
	x.row(s, 1, x.head, l.T("week"), "تاریخ میلادی", l.T("col_rate"), l.T("col_in_scope"), l.T("col_covered"))
	for i, p := range d.Trend {
		if p.Stored {
			x.row(s, 2+i, 0, l.Date(p.WeekStart), p.WeekStart, xlsxRate(p.Rate), p.InScope, p.Covered)
		} else {
			x.row(s, 2+i, 0, l.Date(p.WeekStart), p.WeekStart, "", "", "")
		}
	}
	x.style(s, "C2", fmt.Sprintf("C%d", 1+len(d.Trend)), x.pct)
	x.widths(s, 20, 16)
	x.freeze(s)

	f.SetActiveSheet(0)
	if x.err != nil {
		return nil, fmt.Errorf("report xlsx: %w", x.err)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, fmt.Errorf("report xlsx: %w", err)
	}
	return buf.Bytes(), nil
}

// xlsxHolder is the holder column: the official, or the capacity word for
// an institutional account.
func xlsxHolder(l reportLang, holder, capacity string) string {
	if holder == "" && capacity != "" {
		return l.T("capacity." + capacity)
	}
	return holder
}

// xlsxRate is a rate cell: the fraction, or empty when there is none.
func xlsxRate(r *float64) any {
	if r == nil {
		return ""
	}
	return *r
}

// xlsxWriter keeps the first error, so the layout reads as a list.
type xlsxWriter struct {
	f                *excelize.File
	err              error
	head, title, pct int
}

func (x *xlsxWriter) check(err error) {
	if x.err == nil && err != nil {
		x.err = err
	}
}

func (x *xlsxWriter) styles() {
	var err error
	pct := "0.0%"
	x.head, err = x.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E8E8E8"}},
		Alignment: &excelize.Alignment{ReadingOrder: 2, Vertical: "center", WrapText: true}})
	x.check(err)
	x.title, err = x.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}, Alignment: &excelize.Alignment{ReadingOrder: 2}})
	x.check(err)
	x.pct, err = x.f.NewStyle(&excelize.Style{CustomNumFmt: &pct})
	x.check(err)
}

// row writes values from column A of row n, with a style if not 0.
func (x *xlsxWriter) row(sheet string, n, style int, values ...any) {
	cell, err := excelize.CoordinatesToCellName(1, n)
	x.check(err)
	x.check(x.f.SetSheetRow(sheet, cell, &values))
	if style != 0 {
		last, err := excelize.CoordinatesToCellName(len(values), n)
		x.check(err)
		x.check(x.f.SetCellStyle(sheet, cell, last, style))
	}
}

func (x *xlsxWriter) style(sheet, from, to string, style int) {
	x.check(x.f.SetCellStyle(sheet, from, to, style))
}

// widths makes the first column wide and the rest narrower.
func (x *xlsxWriter) widths(sheet string, first, rest float64) {
	x.check(x.f.SetColWidth(sheet, "A", "A", first))
	x.check(x.f.SetColWidth(sheet, "B", "I", rest))
}

// freeze keeps the header row in view.
func (x *xlsxWriter) freeze(sheet string) {
	x.check(x.f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}))
}
