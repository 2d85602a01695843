package monitor

import (
	"bytes"
	"fmt"
	"html/template"
	"time"

	"hozur/registry"
)

// The report as one standalone HTML document: inline CSS, inline SVG, no
// script, no external resource, so it reads the same in a browser, in an
// e-mail client and printed to PDF. The stored report is the Persian
// rendering; the English one is rendered from the stored data when asked
// for, with the same template.

// reportView is what the template reads.
type reportView struct {
	L          reportLang
	D          *ReportData
	Lang, Dir  string
	Title      string
	Scope      string
	Period     string
	RateOf     string
	TrendSVG   template.HTML
	RatesSVG   template.HTML
	Rows       []reportRowView
	Total      reportRowView
	Changes    [][2]string
	Overdue    []reportItemView
	Ending     []reportItemView
	Privacy    []reportPrivacyView
	Trend      []reportTrendView
	OverMore   string
	EndMore    string
	Footer     string
	AgencyHead string
}

type reportRowView struct {
	Name                                               string
	Accounts, Foreign, InScope, Covered, OpenHigh, New string
	Rate                                               string
	RateClass                                          string
}

type reportItemView struct {
	What, Account, Platform, Holder, Agency, Day, Days string
	Group                                              bool
}

type reportPrivacyView struct {
	Name, Overall, Class, Assessed string
}

type reportTrendView struct {
	Week, Rate, Detail string
}

// reportLocation is the time zone the report's data was made in.
func reportLocation(d *ReportData) *time.Location {
	if tz, err := time.LoadLocation(d.TimeZone); err == nil && d.TimeZone != "" {
		return tz
	}
	return registry.DefaultRules().Location
}

// RenderReportHTML renders a report's data as a standalone HTML document
// in lang ("fa" or "en").
func RenderReportHTML(d *ReportData, lang string) ([]byte, error) {
	if lang != "en" {
		lang = "fa"
	}
	l := reportLang{lang: lang, tz: reportLocation(d)}
	v := reportView{L: l, D: d, Lang: lang, Dir: "rtl", Title: d.Title}
	if lang == "en" {
		v.Dir, v.Title = "ltr", d.TitleEn
	}
	v.Scope = l.T("national")
	v.AgencyHead = l.T("by_agency")
	if d.Agency != nil {
		v.Scope = l.T("cut", "name", l.Name(d.Agency.Name, d.Agency.NameEn))
		v.AgencyHead = l.T("by_sub")
	}
	v.Period = l.T("period", "start", l.Date(d.WeekStart), "end", l.Date(d.WeekEnd))
	if d.Headline.Rate != nil {
		v.RateOf = l.T("rate_of", "covered", l.Num(d.Headline.Covered), "in_scope", l.Num(d.Headline.InScope))
	} else {
		v.RateOf = l.T("rate_none")
	}
	// The trend, as a chart and as a table.
	labels := make([]string, len(d.Trend))
	values := make([]*float64, len(d.Trend))
	for i, p := range d.Trend {
		labels[i], values[i] = l.Short(p.WeekStart), p.Rate
		tv := reportTrendView{Week: l.Date(p.WeekStart), Rate: l.Pct(p.Rate)}
		if p.Stored {
			tv.Detail = l.T("rate_of", "covered", l.Num(p.Covered), "in_scope", l.Num(p.InScope))
		}
		v.Trend = append(v.Trend, tv)
	}
	v.TrendSVG = template.HTML(LineChartSVG(LineChart{Title: l.T("trend"), Labels: labels, Values: values, //nolint:gosec // built by LineChartSVG, every text escaped
		Format: func(f float64) string { return l.Pct(&f) }, Axis: l.PctAxis, Width: 640, Height: 220}))
	// The table by agency, and the rates of the largest as bars.
	var tot ReportAgencyRow
	var bl []string
	var bv []float64
	var bt []string
	for _, r := range d.ByAgency {
		name := l.Name(r.Name, r.NameEn)
		if r.Own {
			name = l.T("own", "name", name)
		}
		v.Rows = append(v.Rows, reportRowView{Name: name, Accounts: l.Num(r.Accounts), Foreign: l.Num(r.Foreign), InScope: l.Num(r.InScope),
			Covered: l.Num(r.Covered), Rate: l.Pct(r.Rate), RateClass: reportRateClass(r.Rate), OpenHigh: l.Num(r.OpenHigh), New: l.Num(r.New)})
		tot.Accounts += r.Accounts
		tot.Foreign += r.Foreign
		tot.InScope += r.InScope
		tot.Covered += r.Covered
		tot.OpenHigh += r.OpenHigh
		tot.New += r.New
		if r.Rate != nil && len(bl) < 10 {
			bl, bv, bt = append(bl, name), append(bv, *r.Rate), append(bt, l.Pct(r.Rate))
		}
	}
	tr := reportRate(tot.Covered, tot.InScope)
	v.Total = reportRowView{Name: l.T("total"), Accounts: l.Num(tot.Accounts), Foreign: l.Num(tot.Foreign), InScope: l.Num(tot.InScope),
		Covered: l.Num(tot.Covered), Rate: l.Pct(tr), RateClass: reportRateClass(tr), OpenHigh: l.Num(tot.OpenHigh), New: l.Num(tot.New)}
	if len(bl) > 1 {
		v.RatesSVG = template.HTML(BarChartSVG(BarChart{Title: l.T("rates_chart"), Labels: bl, Values: bv, Texts: bt, Max: 1, //nolint:gosec // escaped by BarChartSVG
			Width: 640, RTL: lang == "fa"}))
	}
	c := d.Changes
	median := "—"
	if c.MedianDaysToDecision != nil {
		median = l.Dec(*c.MedianDaysToDecision)
	}
	v.Changes = [][2]string{
		{l.T("new_accounts"), l.Num(c.NewAccounts)},
		{l.T("flags_opened"), l.Num(c.FlagsOpened)},
		{l.T("flags_resolved"), l.Num(c.FlagsResolved)},
		{l.T("exemptions_granted"), l.Num(c.ExemptionsGranted)},
		{l.T("exemptions_expired"), l.Num(c.ExemptionsExpired)},
		{l.T("exemptions_revoked"), l.Num(c.ExemptionsRevoked)},
		{l.T("justifications_filed"), l.Num(c.JustificationsFiled)},
		{l.T("justifications_decided"), l.Num(c.JustificationsDecided)},
		{l.T("median_days"), median},
	}
	account := func(handle, capacity string) string {
		if handle == "" && capacity == "personal" {
			return l.T("personal")
		}
		return handle
	}
	// An institutional account's holder is its agency, in the next column.
	holder := func(h, capacity string) string {
		if h == "" && capacity != "" {
			return l.T("capacity." + capacity)
		}
		return h
	}
	for _, o := range d.Overdue {
		v.Overdue = append(v.Overdue, reportItemView{What: l.T("rule." + o.Rule), Account: account(o.Account, o.Capacity),
			Platform: l.Name(o.Platform, o.PlatformEn), Holder: holder(o.Holder, o.Capacity), Agency: l.Name(o.Agency, o.AgencyEn), Day: l.Date(o.OpenedOn), Days: l.Num(int64(o.Days))})
	}
	if d.OverdueTotal > int64(len(d.Overdue)) {
		v.OverMore = l.T("overdue_more", "n", l.Num(int64(len(d.Overdue))), "total", l.Num(d.OverdueTotal))
	}
	for _, e := range d.Ending {
		it := reportItemView{Account: account(e.Account, e.Capacity), Platform: l.Name(e.Platform, e.PlatformEn), Holder: holder(e.Holder, e.Capacity),
			Agency: l.Name(e.Agency, e.AgencyEn), Day: l.Date(e.LastDay), Days: l.Num(int64(e.DaysLeft)), Group: e.Cover == "group"}
		if it.Group {
			it.Holder = l.T("group")
		}
		v.Ending = append(v.Ending, it)
	}
	if d.EndingTotal > int64(len(d.Ending)) {
		v.EndMore = l.T("ending_more", "n", l.Num(int64(len(d.Ending))), "total", l.Num(d.EndingTotal))
	}
	for _, p := range d.Privacy {
		pv := reportPrivacyView{Name: l.Name(p.Name, p.NameEn), Overall: l.T("not_assessed"), Class: "tag-grey", Assessed: "—"}
		if p.Overall != "" {
			pv.Overall, pv.Class = l.T("overall."+p.Overall), "tag-orange"
			if pv.Overall == "overall."+p.Overall {
				pv.Overall = p.Overall
			}
			switch p.Overall {
			case "pass":
				pv.Class = "tag-green"
			case "fail":
				pv.Class = "tag-red"
			}
			pv.Assessed = l.Date(p.AssessedOn)
		}
		v.Privacy = append(v.Privacy, pv)
	}
	caps, ranks := l.scopeWords(d.Scope)
	v.Footer = l.T("footer", "generated", l.Moment(d.GeneratedAt), "caps", caps, "ranks", ranks)
	var buf bytes.Buffer
	if err := reportTemplate.Execute(&buf, v); err != nil {
		return nil, fmt.Errorf("render report: %w", err)
	}
	return buf.Bytes(), nil
}

var reportTemplate = template.Must(template.New("report").Parse(`<!doctype html>
<html lang="{{.Lang}}" dir="{{.Dir}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{margin:0;padding:16px;background:#f3f2f1;color:#0b0c0c;font-family:Vazirmatn,Tahoma,"Segoe UI",Arial,sans-serif;font-size:15px;line-height:1.6}
.page{max-width:980px;margin:0 auto;background:#ffffff;padding:20px 28px 28px;border-top:6px solid #1d4f91}
h1{font-size:22px;line-height:1.4;margin:0 0 6px}
h2{font-size:18px;margin:28px 0 10px;padding-bottom:4px;border-bottom:2px solid #1d4f91}
p{margin:0 0 8px}
.meta{color:#505a5f;font-size:14px;margin:0}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{border-bottom:1px solid #d8dadc;padding:6px 8px;text-align:start;vertical-align:top}
thead th{background:#f3f2f1;border-bottom:2px solid #b1b4b6}
tfoot td{font-weight:bold;border-top:2px solid #b1b4b6}
.n{text-align:end;white-space:nowrap}
table.cards{border-collapse:separate;border-spacing:10px 0;margin:0 -10px}
table.cards td{border:1px solid #b1b4b6;border-top:4px solid #1d4f91;padding:10px 12px;width:25%}
.v{display:block;font-size:26px;font-weight:bold;line-height:1.3}
.l{display:block;color:#505a5f;font-size:13px}
.tag{display:inline-block;padding:0 8px;font-size:13px;font-weight:bold;white-space:nowrap}
.tag-green{background:#cce2d8;color:#005a30}
.tag-orange{background:#fcd6c3;color:#6e3619}
.tag-red{background:#f4cdc6;color:#942514}
.tag-grey{background:#eeefef;color:#383f43}
.chart{margin:8px 0;overflow-x:auto}
.ltr{direction:ltr;unicode-bidi:isolate}
.muted{color:#505a5f;font-size:13px}
.foot{margin-top:28px;padding-top:10px;border-top:1px solid #b1b4b6;color:#505a5f;font-size:12px}
@media print{body{background:#ffffff;padding:0}.page{border-top:0;padding:0}h2{break-after:avoid}tr{break-inside:avoid}}
</style>
</head>
<body>
<div class="page">
<p class="meta">{{.L.T "app"}}</p>
<h1>{{.Title}}</h1>
<p class="meta">{{.Scope}} · {{.Period}}</p>

<h2>{{.L.T "headline"}}</h2>
<table class="cards" role="presentation"><tr>
<td><span class="v">{{.L.Num .D.Headline.Accounts}}</span><span class="l">{{.L.T "accounts"}}</span></td>
<td><span class="v">{{.L.Num .D.Headline.Foreign}}</span><span class="l">{{.L.T "foreign"}}</span></td>
<td><span class="v">{{.L.Pct .D.Headline.Rate}}</span><span class="l">{{.L.T "rate"}} — {{.RateOf}}</span></td>
<td><span class="v">{{.L.Num .D.Headline.OpenHigh}}</span><span class="l">{{.L.T "open_high"}}</span></td>
</tr></table>

<h2>{{.L.T "trend"}}</h2>
<div class="chart" id="trend-chart">{{.TrendSVG}}</div>
<table id="trend-table">
<thead><tr><th scope="col">{{.L.T "week"}}</th><th scope="col" class="n">{{.L.T "col_rate"}}</th><th scope="col"></th></tr></thead>
<tbody>{{range .Trend}}<tr><td>{{.Week}}</td><td class="n">{{.Rate}}</td><td class="muted">{{.Detail}}</td></tr>{{end}}</tbody>
</table>
<p class="muted">{{.L.T "trend_gap"}}</p>

<h2>{{.L.T "changes"}}</h2>
<table id="changes">
<tbody>{{range .Changes}}<tr><th scope="row">{{index . 0}}</th><td class="n">{{index . 1}}</td></tr>{{end}}</tbody>
</table>

<h2>{{.AgencyHead}}</h2>
{{if .RatesSVG}}<div class="chart">{{.RatesSVG}}</div>{{end}}
<table id="by-agency">
<thead><tr><th scope="col">{{.L.T "agency"}}</th><th scope="col" class="n">{{.L.T "col_accounts"}}</th><th scope="col" class="n">{{.L.T "col_foreign"}}</th><th scope="col" class="n">{{.L.T "col_in_scope"}}</th><th scope="col" class="n">{{.L.T "col_covered"}}</th><th scope="col" class="n">{{.L.T "col_rate"}}</th><th scope="col" class="n">{{.L.T "col_open_high"}}</th><th scope="col" class="n">{{.L.T "col_new"}}</th></tr></thead>
<tbody>{{range .Rows}}<tr><td>{{.Name}}</td><td class="n">{{.Accounts}}</td><td class="n">{{.Foreign}}</td><td class="n">{{.InScope}}</td><td class="n">{{.Covered}}</td><td class="n"><span class="tag {{.RateClass}}">{{.Rate}}</span></td><td class="n">{{.OpenHigh}}</td><td class="n">{{.New}}</td></tr>
{{end}}</tbody>
{{with .Total}}<tfoot><tr><td>{{.Name}}</td><td class="n">{{.Accounts}}</td><td class="n">{{.Foreign}}</td><td class="n">{{.InScope}}</td><td class="n">{{.Covered}}</td><td class="n">{{.Rate}}</td><td class="n">{{.OpenHigh}}</td><td class="n">{{.New}}</td></tr></tfoot>{{end}}
</table>

<h2>{{.L.T "overdue"}}</h2>
{{if .Overdue}}<table id="overdue">
<thead><tr><th scope="col">{{.L.T "col_item"}}</th><th scope="col">{{.L.T "col_account"}}</th><th scope="col">{{.L.T "col_platform"}}</th><th scope="col">{{.L.T "col_holder"}}</th><th scope="col">{{.L.T "agency"}}</th><th scope="col">{{.L.T "col_since"}}</th><th scope="col" class="n">{{.L.T "col_days"}}</th></tr></thead>
<tbody>{{range .Overdue}}<tr><td>{{.What}}</td><td><span class="ltr">{{.Account}}</span></td><td>{{.Platform}}</td><td>{{.Holder}}</td><td>{{.Agency}}</td><td>{{.Day}}</td><td class="n">{{.Days}}</td></tr>
{{end}}</tbody>
</table>
{{with .OverMore}}<p class="muted">{{.}}</p>{{end}}{{else}}<p>{{.L.T "none"}}</p>{{end}}

<h2>{{.L.T "ending"}}</h2>
{{if .Ending}}<table id="ending">
<thead><tr><th scope="col">{{.L.T "col_account"}}</th><th scope="col">{{.L.T "col_platform"}}</th><th scope="col">{{.L.T "col_holder"}}</th><th scope="col">{{.L.T "agency"}}</th><th scope="col">{{.L.T "col_last_day"}}</th><th scope="col" class="n">{{.L.T "col_days_left"}}</th></tr></thead>
<tbody>{{range .Ending}}<tr><td>{{if .Group}}{{.Account}}{{else}}<span class="ltr">{{.Account}}</span>{{end}}</td><td>{{.Platform}}</td><td>{{.Holder}}</td><td>{{.Agency}}</td><td>{{.Day}}</td><td class="n">{{.Days}}</td></tr>
{{end}}</tbody>
</table>
{{with .EndMore}}<p class="muted">{{.}}</p>{{end}}{{else}}<p>{{.L.T "none"}}</p>{{end}}

<h2>{{.L.T "privacy"}}</h2>
{{if .Privacy}}<table id="privacy">
<thead><tr><th scope="col">{{.L.T "col_platform"}}</th><th scope="col">{{.L.T "col_overall"}}</th><th scope="col">{{.L.T "col_assessed"}}</th></tr></thead>
<tbody>{{range .Privacy}}<tr><td>{{.Name}}</td><td><span class="tag {{.Class}}">{{.Overall}}</span></td><td>{{.Assessed}}</td></tr>
{{end}}</tbody>
</table>{{else}}<p>{{.L.T "none"}}</p>{{end}}

<p class="foot">{{.Footer}}</p>
</div>
</body>
</html>
`))
