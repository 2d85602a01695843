package monitor

import (
	"errors"
	"testing"

	"hozur/registry"
)

func TestDashboardFigures(t *testing.T) {
	w := newRepWorld(t)
	ctx := w.ctx()
	repMust[*Report](t)(w.m.Report(ctx, w.weekStart, nil))
	d := repMust[*Dashboard](t)(w.m.DashboardFigures(ctx, w.reviewer))
	if d.Agency != nil || len(d.Trend) != 12 || d.Trend[11].WeekStart != "2026-11-14" || d.Trend[11].Rate == nil || *d.Trend[11].Rate != 0.5 || d.Trend[10].Stored {
		t.Errorf("trend %+v", d.Trend)
	}
	rules := map[string]int64{}
	for _, c := range d.FlagsByRule {
		rules[c.Key] = c.Count
	}
	if len(d.FlagsByRule) != len(Rules) || rules["CLOSURE_OVERDUE"] != 2 || rules["FOREIGN_NO_EXEMPTION"] != 1 || rules["EXEMPTION_EXPIRING"] != 1 ||
		rules["INFO_OVERDUE"] != 1 || rules["REVIEW_OVERDUE"] != 0 {
		t.Errorf("flags by rule %+v", d.FlagsByRule)
	}
	if len(d.TopAgencies) != 2 || d.TopAgencies[0].Code != "MIN-A" || d.TopAgencies[0].OpenHigh != 2 || d.TopAgencies[1].Code != "MIN-B" || d.TopAgencies[1].OpenHigh != 1 {
		t.Errorf("top agencies %+v", d.TopAgencies)
	}
	if d.ByOrigin[0] != (DashboardCount{"domestic", 3}) || d.ByOrigin[1] != (DashboardCount{"foreign", 10}) {
		t.Errorf("by origin %+v", d.ByOrigin)
	}
	if d.ByCapacity[0] != (DashboardCount{"institutional", 9}) || d.ByCapacity[1] != (DashboardCount{"office", 3}) || d.ByCapacity[2] != (DashboardCount{"personal", 1}) {
		t.Errorf("by capacity %+v", d.ByCapacity)
	}
	// A liaison: their agency's subtree, their cut's trend (none stored).
	l := repMust[*Dashboard](t)(w.m.DashboardFigures(ctx, w.liaisonA))
	if l.Agency == nil || l.Agency.ID != w.a.ID || l.Trend[11].Stored {
		t.Errorf("liaison's dashboard of %+v, trend %+v", l.Agency, l.Trend)
	}
	if len(l.TopAgencies) != 1 || l.TopAgencies[0].Code != "A-ONE" || l.TopAgencies[0].OpenHigh != 2 {
		t.Errorf("liaison's top agencies %+v", l.TopAgencies)
	}
	if l.ByOrigin[0].Count != 2 || l.ByOrigin[1].Count != 3 {
		t.Errorf("liaison's accounts by origin %+v", l.ByOrigin)
	}
	if _, err := w.m.DashboardFigures(ctx, w.official); !errors.Is(err, registry.ErrForbidden) {
		t.Errorf("official: %v", err)
	}
}
