package monitor

import (
	"context"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"

	"hozur/registry"
)

// The report's lists: overdue items, exemptions ending soon, platforms'
// privacy, and the trend from the stored reports.

// reportItemRow is an overdue flag or an exemption with the columns that
// describe its account and holder.
type reportItemRow struct {
	ID         int64
	Rule       string
	OpenedAt   time.Time
	ValidUntil time.Time
	AccountID  *int64
	Display    *string
	Capacity   *string
	Platform   *string
	PlatformEn *string
	Official   *string
	AgencyID   int64
	Agency     string
	AgencyEn   string
}

func reportDeref[T any](p *T) T {
	var z T
	if p == nil {
		return z
	}
	return *p
}

// handle is the account's handle as a report may show it: none for a
// personal account.
func (p reportItemRow) handle() string {
	if reportDeref(p.Capacity) == registry.CapacityPersonal {
		return ""
	}
	return reportDeref(p.Display)
}

// holder is the holding official's name; an institutional account's
// holder is its agency, which has a column of its own.
func (p reportItemRow) holder() string { return reportDeref(p.Official) }

// overdue lists the overdue items open at the week's end.
func (b *reportBuilder) overdue(ctx context.Context, d *ReportData) error {
	base := func() *gorm.DB {
		q := b.m.store.Read(ctx).Table("flags AS f").
			Where("f.rule IN ? AND f.opened_at < ? AND (f.resolved_at IS NULL OR f.resolved_at >= ?)", reportOverdueRules, b.end, b.end)
		return b.cutAgencies(q, "f.agency_id")
	}
	if err := base().Count(&d.OverdueTotal).Error; err != nil {
		return fmt.Errorf("report: overdue: %w", err)
	}
	// The first ones are chosen on the flags alone, then described.
	first := base().Select("f.id").Order("f.opened_at, f.id").Limit(reportOverdueMax)
	var rs []reportItemRow
	if err := b.m.store.Read(ctx).Table("flags AS f").
		Joins("LEFT JOIN accounts a ON a.id = f.account_id LEFT JOIN platforms p ON p.id = a.platform_id").
		Joins("LEFT JOIN officials o ON o.id = COALESCE(f.official_id, a.official_id) JOIN agencies ag ON ag.id = f.agency_id").
		Where("f.id IN (?)", first).
		Select(`f.id, f.rule, f.opened_at, f.account_id, a.display, a.capacity, p.name AS platform, p.name_en AS platform_en,
 o.name AS official, f.agency_id, ag.name AS agency, ag.name_en AS agency_en`).
		Order("f.opened_at, f.id").Scan(&rs).Error; err != nil {
		return fmt.Errorf("report: overdue: %w", err)
	}
	d.Overdue = make([]ReportOverdue, 0, len(rs))
	for _, r := range rs {
		d.Overdue = append(d.Overdue, ReportOverdue{FlagID: r.ID, Rule: r.Rule, OpenedOn: r.OpenedAt.In(b.tz).Format(time.DateOnly),
			Days: reportDays(r.OpenedAt, b.asOf, b.tz), AccountID: reportDeref(r.AccountID), Account: r.handle(), Capacity: reportDeref(r.Capacity),
			Platform: reportDeref(r.Platform), PlatformEn: reportDeref(r.PlatformEn), Holder: r.holder(), AgencyID: r.AgencyID, Agency: r.Agency, AgencyEn: r.AgencyEn})
	}
	return nil
}

// ending lists the exemptions whose cover ends in the 30 days after the
// week: individual exemptions with no later one for the account, and in
// the national report group exemptions.
func (b *reportBuilder) ending(ctx context.Context, d *ReportData) error {
	horizon := b.end.In(b.tz).AddDate(0, 0, reportEndingDays).UTC()
	lastDay := b.end.In(b.tz).AddDate(0, 0, -1)
	base := func() *gorm.DB {
		q := b.m.store.Read(ctx).Table("exemptions AS e").Joins("JOIN accounts a ON a.id = e.account_id").
			Where("e.valid_until >= ? AND e.valid_until < ? AND e.valid_from < ? AND (e.revoked_at IS NULL OR e.revoked_at >= ?) AND a.status <> ?",
				b.end, horizon, b.end, b.end, registry.StatusClosed).
			Where(`NOT EXISTS (SELECT 1 FROM exemptions e2 WHERE e2.account_id = e.account_id AND e2.valid_until > e.valid_until
 AND (e2.revoked_at IS NULL OR e2.revoked_at >= ?))`, b.end)
		return b.cutWhere(q)
	}
	if err := base().Count(&d.EndingTotal).Error; err != nil {
		return fmt.Errorf("report: ending: %w", err)
	}
	first := base().Select("e.id").Order("e.valid_until, e.id").Limit(reportEndingMax)
	var rs []reportItemRow
	if err := b.m.store.Read(ctx).Table("exemptions AS e").
		Joins("JOIN accounts a ON a.id = e.account_id JOIN platforms p ON p.id = a.platform_id").
		Joins("LEFT JOIN officials o ON o.id = a.official_id JOIN agencies ag ON ag.id = a.agency_id").
		Where("e.id IN (?)", first).
		Select(`e.id, e.valid_until, e.account_id, a.display, a.capacity, p.name AS platform, p.name_en AS platform_en,
 o.name AS official, a.agency_id, ag.name AS agency, ag.name_en AS agency_en`).
		Order("e.valid_until, e.id").Scan(&rs).Error; err != nil {
		return fmt.Errorf("report: ending: %w", err)
	}
	d.Ending = make([]ReportEnding, 0, len(rs))
	for _, r := range rs {
		d.Ending = append(d.Ending, ReportEnding{Cover: registry.CoverIndividual, ID: r.ID, LastDay: r.ValidUntil.In(b.tz).Format(time.DateOnly),
			DaysLeft: reportDays(lastDay, r.ValidUntil, b.tz), AccountID: reportDeref(r.AccountID), Account: r.handle(), Capacity: reportDeref(r.Capacity),
			Platform: reportDeref(r.Platform), PlatformEn: reportDeref(r.PlatformEn), Holder: r.holder(), AgencyID: r.AgencyID, Agency: r.Agency, AgencyEn: r.AgencyEn})
	}
	if b.cut != nil {
		return nil
	}
	var gs []registry.GroupExemption
	if err := b.m.store.Read(ctx).Where("valid_until >= ? AND valid_until < ? AND valid_from < ? AND (revoked_at IS NULL OR revoked_at >= ?)",
		b.end, horizon, b.end, b.end).Order("valid_until, id").Find(&gs).Error; err != nil {
		return fmt.Errorf("report: ending groups: %w", err)
	}
	for _, g := range gs {
		d.Ending = append(d.Ending, ReportEnding{Cover: registry.CoverGroup, ID: g.ID, LastDay: g.ValidUntil.In(b.tz).Format(time.DateOnly),
			DaysLeft: reportDays(lastDay, *g.ValidUntil, b.tz), Account: g.Title})
		d.EndingTotal++
	}
	sort.SliceStable(d.Ending, func(i, j int) bool { return d.Ending[i].LastDay < d.Ending[j].LastDay })
	if len(d.Ending) > reportEndingMax {
		d.Ending = d.Ending[:reportEndingMax]
	}
	return nil
}

// privacy lists the domestic platforms with their latest privacy
// assessment made by the week's end.
func (b *reportBuilder) privacy(ctx context.Context, d *ReportData) error {
	type row struct {
		ID                 int64
		Code, Name, NameEn string
		Overall            *string
		AssessedOn         *string
	}
	var rs []row
	latest := "SELECT %s FROM platform_assessments pa WHERE pa.platform_id = p.id AND pa.assessed_on < ? ORDER BY pa.assessed_on DESC, pa.id DESC LIMIT 1"
	if err := b.m.store.Read(ctx).Table("platforms AS p").
		Select(fmt.Sprintf("p.id, p.code, p.name, p.name_en, (%s) AS overall, (%s) AS assessed_on", fmt.Sprintf(latest, "pa.overall"), fmt.Sprintf(latest, "pa.assessed_on")), b.end, b.end).
		Where("p.origin = ? AND p.active = ?", registry.OriginDomestic, true).Order("p.id").Scan(&rs).Error; err != nil {
		return fmt.Errorf("report: privacy: %w", err)
	}
	d.Privacy = make([]ReportPrivacy, 0, len(rs))
	for _, r := range rs {
		p := ReportPrivacy{PlatformID: r.ID, Code: r.Code, Name: r.Name, NameEn: r.NameEn, Overall: reportDeref(r.Overall)}
		if r.AssessedOn != nil {
			if t, err := reportParseTime(*r.AssessedOn); err == nil {
				p.AssessedOn = t.In(b.tz).Format(time.DateOnly)
			}
		}
		d.Privacy = append(d.Privacy, p)
	}
	return nil
}

// reportDays counts calendar days in tz from a's day to b's day.
func reportDays(a, b time.Time, tz *time.Location) int {
	a, b = a.In(tz), b.In(tz)
	da := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	db := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(db.Sub(da).Hours() / 24)
}

// reportParseTime reads a time as SQLite's driver writes it.
func reportParseTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("unreadable time %q", s)
}

// trend reads the previous 11 weeks from their stored reports of the same
// cut; the last point, this week, is filled in by BuildReport.
func (b *reportBuilder) trend(ctx context.Context, d *ReportData) error {
	first := b.start.In(b.tz).AddDate(0, 0, -7*(reportTrendWeeks-1))
	type row struct {
		WeekStart        time.Time
		InScope, Covered int64
	}
	var rs []row
	q := b.m.store.Read(ctx).Table("reports").
		Select(trendColumns(b.m.store)).
		Where("week_start >= ? AND week_start < ?", first.UTC(), b.start)
	if b.cut == nil {
		q = q.Where("agency_id IS NULL")
	} else {
		q = q.Where("agency_id = ?", b.cut.ID)
	}
	if err := q.Scan(&rs).Error; err != nil {
		return fmt.Errorf("report: trend: %w", err)
	}
	stored := map[string]row{}
	for _, r := range rs {
		stored[WeekID(r.WeekStart, b.tz)] = r
	}
	d.Trend = make([]ReportTrendPoint, reportTrendWeeks)
	for i := range reportTrendWeeks {
		id := WeekID(first.AddDate(0, 0, 7*i), b.tz)
		p := ReportTrendPoint{WeekStart: id}
		if r, ok := stored[id]; ok {
			p.Stored, p.InScope, p.Covered, p.Rate = true, r.InScope, r.Covered, reportRate(r.Covered, r.InScope)
		}
		d.Trend[i] = p
	}
	return nil
}

// trendColumns read a stored report's week and headline figures.
func trendColumns(s *registry.Store) string {
	return "week_start, COALESCE(" + s.JSONNumber("data", "headline.in_scope") + ", 0) AS in_scope, COALESCE(" +
		s.JSONNumber("data", "headline.covered") + ", 0) AS covered"
}
