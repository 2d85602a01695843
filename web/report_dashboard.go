package web

import (
	"context"
	"html/template"
	"log/slog"
	"strconv"
	"time"

	"hozur/monitor"
	"hozur/registry"
)

// dashCharts are the oversight charts at the end of the start page, drawn
// as inline SVG with presentation attributes only (the site's CSP allows no
// inline style).
type dashCharts struct {
	Trend, Rules, Agencies, Origin, Capacity template.HTML
	// Rate is the last stored week's compliance rate, or "".
	Rate string
}

// dashboardCharts draws the charts for reviewers, administrators and
// auditors; others get none.
func (s *Server) dashboardCharts(ctx context.Context, p *Page, a registry.Actor) (*dashCharts, error) {
	if a.Role != registry.RoleAdmin && a.Role != registry.RoleReviewer && a.Role != registry.RoleAuditor {
		return nil, nil //nolint:nilnil // no charts for this role is an answer
	}
	d, err := s.mon.DashboardFigures(ctx, a)
	if err != nil {
		return nil, err
	}
	l := p.L
	rtl := l.Lang == "fa"
	pct := func(v float64) string { return l.Percent(v) }
	axis := func(v float64) string {
		sign := "%"
		if rtl {
			sign = "٪"
		}
		return l.Digits(strconv.Itoa(int(v*100+0.5))) + sign
	}
	out := &dashCharts{}
	labels := make([]string, len(d.Trend))
	values := make([]*float64, len(d.Trend))
	for i, pt := range d.Trend {
		if t, err := time.ParseInLocation(time.DateOnly, pt.WeekStart, s.tz); err == nil {
			labels[i] = l.Date(t)
		}
		values[i] = pt.Rate
		if pt.Rate != nil {
			out.Rate = pct(*pt.Rate)
		}
	}
	out.Trend = template.HTML(monitor.LineChartSVG(monitor.LineChart{Title: l.T("dashchart.trend"), Labels: labels, Values: values, //nolint:gosec // every text escaped by LineChartSVG
		Format: pct, Axis: axis, Width: 720, Height: 240}))
	bars := func(title string, labels []string, counts []int64) template.HTML {
		vals, texts := make([]float64, len(counts)), make([]string, len(counts))
		for i, n := range counts {
			vals[i], texts[i] = float64(n), l.Num(n)
		}
		return template.HTML(monitor.BarChartSVG(monitor.BarChart{Title: title, Labels: labels, Values: vals, Texts: texts, Width: 720, RTL: rtl})) //nolint:gosec // escaped by BarChartSVG
	}
	var rl []string
	var rc []int64
	for _, c := range d.FlagsByRule {
		rl, rc = append(rl, l.T("rule."+c.Key)), append(rc, c.Count)
	}
	out.Rules = bars(l.T("dashchart.rules"), rl, rc)
	if len(d.TopAgencies) > 0 {
		var al []string
		var ac []int64
		for _, ag := range d.TopAgencies {
			al, ac = append(al, s.nameOf(p, ag.Name, ag.NameEn)), append(ac, ag.OpenHigh)
		}
		out.Agencies = bars(l.T("dashchart.agencies"), al, ac)
	}
	var ol, cl []string
	var oc, cc []int64
	for _, c := range d.ByOrigin {
		ol, oc = append(ol, l.T("origin."+c.Key)), append(oc, c.Count)
	}
	for _, c := range d.ByCapacity {
		cl, cc = append(cl, l.T("capacity."+c.Key)), append(cc, c.Count)
	}
	out.Origin = bars(l.T("dashchart.origin"), ol, oc)
	out.Capacity = bars(l.T("dashchart.capacity"), cl, cc)
	return out, nil
}

// dashChartsOrNil keeps the start page up when the charts fail: they are
// logged and left out.
func (s *Server) dashChartsOrNil(ctx context.Context, p *Page, a registry.Actor) *dashCharts {
	c, err := s.dashboardCharts(ctx, p, a)
	if err != nil {
		s.log.ErrorContext(ctx, "dashboard charts", slog.Any("error", err))
		return nil
	}
	return c
}
