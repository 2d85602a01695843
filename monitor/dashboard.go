package monitor

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"hozur/registry"
)

// Dashboard is the oversight figures of the start page, within what the
// actor may see: the national picture, or a liaison's agency and its
// sub-agencies.
type Dashboard struct {
	// Agency is the liaison's agency; nil for the national picture.
	Agency *registry.Agency
	// Trend is the compliance rate of the 12 weeks up to the last one
	// that ended, from the stored weekly reports (a week with none is a
	// gap).
	Trend []ReportTrendPoint
	// FlagsByRule counts the unresolved flags of every rule, in the rules'
	// order.
	FlagsByRule []DashboardCount
	// TopAgencies are the 10 agencies (top-level, or the liaison's
	// sub-agencies) with the most unresolved high-severity flags.
	TopAgencies []DashboardAgency
	// ByOrigin counts the accounts by platform origin, ByCapacity by
	// capacity.
	ByOrigin   []DashboardCount
	ByCapacity []DashboardCount
	At         time.Time
}

// DashboardCount is one bar of a chart.
type DashboardCount struct {
	Key   string
	Count int64
}

// DashboardAgency is an agency and its unresolved high flags.
type DashboardAgency struct {
	ID       int64
	Code     string
	Name     string
	NameEn   string
	OpenHigh int64
}

// dashboardTTL is how long figures are reused: a busy start page should not
// count a million rows per view.
const dashboardTTL = time.Minute

type dashboardKey struct {
	m      *Monitor
	agency int64
}

type dashboardEntry struct {
	at time.Time
	d  *Dashboard
}

var dashboardCache sync.Map // dashboardKey -> dashboardEntry

// DashboardFigures computes the dashboard's charts for the actor:
// reviewers, administrators and auditors see the whole registry, a liaison
// their agency's subtree; officials have none (ErrForbidden). Figures are
// reused for a minute.
func (m *Monitor) DashboardFigures(ctx context.Context, a registry.Actor) (*Dashboard, error) {
	sc := a.ScopeFor(registry.ResReport)
	if sc.None || (!sc.All && a.AgencyID == 0) {
		return nil, registry.ErrForbidden
	}
	key := dashboardKey{m: m}
	if !sc.All {
		key.agency = a.AgencyID
	}
	if v, ok := dashboardCache.Load(key); ok {
		if e := v.(dashboardEntry); time.Since(e.at) < dashboardTTL {
			return e.d, nil
		}
	}
	d := &Dashboard{At: m.store.Now()}
	if key.agency != 0 {
		ag, err := m.store.Agency(ctx, key.agency)
		if err != nil {
			return nil, err
		}
		d.Agency = ag
	}
	for _, step := range []func(context.Context, *Dashboard) error{m.dashTrend, m.dashFlags, m.dashAccounts} {
		if err := step(ctx, d); err != nil {
			return nil, err
		}
	}
	dashboardCache.Store(key, dashboardEntry{at: time.Now(), d: d})
	return d, nil
}

// dashTrend reads the 12 weeks up to the last one that ended from the
// stored reports.
func (m *Monitor) dashTrend(ctx context.Context, d *Dashboard) error {
	tz := m.set.Location
	cur, _ := WeekOf(m.store.Now(), tz)
	first := cur.AddDate(0, 0, -7*reportTrendWeeks)
	type row struct {
		WeekStart        time.Time
		InScope, Covered int64
	}
	var rs []row
	q := m.store.Read(ctx).Table("reports").
		Select(trendColumns(m.store)).
		Where("week_start >= ? AND week_start < ?", first.UTC(), cur.UTC())
	if d.Agency == nil {
		q = q.Where("agency_id IS NULL")
	} else {
		q = q.Where("agency_id = ?", d.Agency.ID)
	}
	if err := q.Scan(&rs).Error; err != nil {
		return fmt.Errorf("dashboard: trend: %w", err)
	}
	stored := map[string]row{}
	for _, r := range rs {
		stored[WeekID(r.WeekStart, tz)] = r
	}
	d.Trend = make([]ReportTrendPoint, reportTrendWeeks)
	for i := range reportTrendWeeks {
		id := WeekID(first.AddDate(0, 0, 7*i), tz)
		p := ReportTrendPoint{WeekStart: id}
		if r, ok := stored[id]; ok {
			p.Stored, p.InScope, p.Covered, p.Rate = true, r.InScope, r.Covered, reportRate(r.Covered, r.InScope)
		}
		d.Trend[i] = p
	}
	return nil
}

// dashFlags counts unresolved flags by rule and high ones by agency line.
func (m *Monitor) dashFlags(ctx context.Context, d *Dashboard) error {
	unresolved := []string{FlagOpen, FlagAcknowledged}
	in := func(col string) (string, []any) {
		if d.Agency == nil {
			return "1 = 1", nil
		}
		return col + " IN (SELECT id FROM agencies WHERE path >= ? AND path < ?)", []any{d.Agency.Path, d.Agency.Path[:len(d.Agency.Path)-1] + "0"}
	}
	cond, args := in("agency_id")
	var byRule []DashboardCount
	if err := m.store.Read(ctx).Table("flags").Select("rule AS key, COUNT(*) AS count").Where("status IN ?", unresolved).
		Where(cond, args...).Group("rule").Scan(&byRule).Error; err != nil {
		return fmt.Errorf("dashboard: flags: %w", err)
	}
	counts := map[string]int64{}
	for _, c := range byRule {
		counts[c.Key] = c.Count
	}
	for _, r := range Rules {
		d.FlagsByRule = append(d.FlagsByRule, DashboardCount{Key: r.Code, Count: counts[r.Code]})
		delete(counts, r.Code)
	}
	for k, n := range counts { // a rule no longer listed still counts
		d.FlagsByRule = append(d.FlagsByRule, DashboardCount{Key: k, Count: n})
	}
	// High flags by holder agency, then rolled up to the lines.
	type byAgency struct {
		AgencyID int64
		N        int64
	}
	var ba []byAgency
	if err := m.store.Read(ctx).Table("flags").Select("agency_id, COUNT(*) AS n").Where("severity = ? AND status IN ?", SeverityHigh, unresolved).
		Where(cond, args...).Group("agency_id").Scan(&ba).Error; err != nil {
		return fmt.Errorf("dashboard: flags: %w", err)
	}
	depth := 0
	if d.Agency != nil {
		depth = d.Agency.Depth + 1
	}
	lines := map[int64]int64{}
	for chunk := range slices.Chunk(ba, 5000) {
		ids := make([]int64, len(chunk))
		n := map[int64]int64{}
		for i, x := range chunk {
			ids[i], n[x.AgencyID] = x.AgencyID, x.N
		}
		var ags []registry.Agency
		if err := m.store.Read(ctx).Select("id, path").Where("id IN ?", ids).Find(&ags).Error; err != nil {
			return fmt.Errorf("dashboard: flags: %w", err)
		}
		for _, ag := range ags {
			line := ag.ID // the liaison's own agency is a line of its own
			if depth <= registry.MaxAgencyDepth {
				if id := registry.AncestryOf(ag.Path)[depth]; id != nil {
					line = *id
				} else if d.Agency != nil {
					line = d.Agency.ID
				}
			}
			lines[line] += n[ag.ID]
		}
	}
	top := make([]DashboardAgency, 0, len(lines))
	for id, n := range lines {
		top = append(top, DashboardAgency{ID: id, OpenHigh: n})
	}
	sort.Slice(top, func(i, j int) bool {
		if top[i].OpenHigh != top[j].OpenHigh {
			return top[i].OpenHigh > top[j].OpenHigh
		}
		return top[i].ID < top[j].ID
	})
	top = top[:min(len(top), 10)]
	ids := make([]int64, len(top))
	for i := range top {
		ids[i] = top[i].ID
	}
	var ags []registry.Agency
	if len(ids) > 0 {
		if err := m.store.Read(ctx).Select("id, code, name, name_en").Where("id IN ?", ids).Find(&ags).Error; err != nil {
			return fmt.Errorf("dashboard: agencies: %w", err)
		}
	}
	for _, ag := range ags {
		for i := range top {
			if top[i].ID == ag.ID {
				top[i].Code, top[i].Name, top[i].NameEn = ag.Code, ag.Name, ag.NameEn
			}
		}
	}
	d.TopAgencies = top
	return nil
}

// dashAccounts counts the accounts by platform origin and by capacity, each
// from an index alone.
func (m *Monitor) dashAccounts(ctx context.Context, d *Dashboard) error {
	where, args := "1 = 1", []any(nil)
	if d.Agency != nil {
		where, args = fmt.Sprintf("agency_at%d = ?", d.Agency.Depth), []any{d.Agency.ID}
	}
	var byPlatform []struct {
		PlatformID int64
		N          int64
	}
	if err := m.store.Read(ctx).Table("accounts").Select("platform_id, COUNT(*) AS n").Where(where, args...).Group("platform_id").Scan(&byPlatform).Error; err != nil {
		return fmt.Errorf("dashboard: accounts: %w", err)
	}
	var platforms []registry.Platform
	if err := m.store.Read(ctx).Select("id, origin").Find(&platforms).Error; err != nil {
		return fmt.Errorf("dashboard: platforms: %w", err)
	}
	origin := map[int64]string{}
	for _, p := range platforms {
		origin[p.ID] = p.Origin
	}
	byOrigin := map[string]int64{}
	for _, r := range byPlatform {
		byOrigin[origin[r.PlatformID]] += r.N
	}
	for _, o := range registry.Origins {
		d.ByOrigin = append(d.ByOrigin, DashboardCount{Key: o, Count: byOrigin[o]})
	}
	var byCap []DashboardCount
	if err := m.store.Read(ctx).Table("accounts").Select("capacity AS key, COUNT(*) AS count").Where(where, args...).Group("capacity").Scan(&byCap).Error; err != nil {
		return fmt.Errorf("dashboard: accounts: %w", err)
	}
	caps := map[string]int64{}
	for _, c := range byCap {
		caps[c.Key] = c.Count
	}
	for _, c := range registry.Capacities {
		d.ByCapacity = append(d.ByCapacity, DashboardCount{Key: c, Count: caps[c]})
	}
	return nil
}
