package monitor

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"

	"hozur/registry"
	"hozur/registry/textnorm"
)

// reportBuilder computes one report. Every figure is a set-based query
// (or one pass that yields several); none runs per account.
type reportBuilder struct {
	m          *Monitor
	tz         *time.Location
	start, end time.Time // the week, [start, end)
	asOf       time.Time // the week's last moment
	cut        *registry.Agency
	platforms  []registry.Platform
	foreignIDs []int64
}

// BuildReport computes the figures of the week holding weekStart, for the
// national report (agencyID nil) or an agency's cut (the agency and its
// sub-agencies). Figures are as at the week's end: accounts registered and
// not closed by then, exemptions valid at its last moment, flags open at
// it; changes are what happened between its start and end. Account states
// (active, dormant) are read as they are now, which is the week's end when
// the report is made on schedule. It stores nothing: see Report.
func (m *Monitor) BuildReport(ctx context.Context, weekStart time.Time, agencyID *int64) (*ReportData, error) {
	tz := m.set.Location
	start, end := WeekOf(weekStart, tz)
	b := &reportBuilder{m: m, tz: tz, start: start.UTC(), end: end.UTC(), asOf: end.Add(-time.Nanosecond).UTC()}
	d := &ReportData{Version: reportVersion, WeekStart: WeekID(start, tz), WeekEnd: end.AddDate(0, 0, -1).In(tz).Format(time.DateOnly),
		GeneratedAt: m.store.Now().Truncate(time.Second), TimeZone: tz.String(), Scope: ReportScope{Capacities: slices.Clone(m.set.Capacities), Ranks: slices.Clone(m.set.Ranks)}}
	if d.Scope.Capacities == nil {
		d.Scope.Capacities = []string{}
	}
	if d.Scope.Ranks == nil {
		d.Scope.Ranks = []int{}
	}
	name, nameEn := "", ""
	if agencyID != nil {
		ag, err := m.store.Agency(ctx, *agencyID)
		if err != nil {
			return nil, err
		}
		b.cut = ag
		d.Agency = &ReportAgency{ID: ag.ID, Code: ag.Code, Name: ag.Name, NameEn: ag.NameEn}
		name, nameEn = ag.Name, ag.NameEn
		if nameEn == "" {
			nameEn = ag.Name
		}
	}
	d.Title, d.TitleEn = ReportTitle(start, tz, name), ReportTitleEn(start, tz, nameEn)
	if err := m.store.Read(ctx).Order("id").Find(&b.platforms).Error; err != nil {
		return nil, fmt.Errorf("report: platforms: %w", err)
	}
	for _, p := range b.platforms {
		if p.Origin == registry.OriginForeign {
			b.foreignIDs = append(b.foreignIDs, p.ID)
		}
	}
	rows, err := b.agencyRows(ctx)
	if err != nil {
		return nil, err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return b.figures(gctx, rows) })
	highByLine := map[int64]int64{}
	g.Go(func() error { return b.flagChanges(gctx, rows, &d.Changes, highByLine) })
	g.Go(func() error { return b.exemptionChanges(gctx, &d.Changes) })
	g.Go(func() error { return b.justificationChanges(gctx, &d.Changes) })
	g.Go(func() error { return b.overdue(gctx, d) })
	g.Go(func() error { return b.ending(gctx, d) })
	g.Go(func() error { return b.privacy(gctx, d) })
	g.Go(func() error { return b.trend(gctx, d) })
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for line, n := range highByLine {
		rows.row(line).OpenHigh += n
	}
	d.ByAgency = make([]ReportAgencyRow, 0, len(rows.list))
	for _, r := range rows.list {
		r.Rate = reportRate(r.Covered, r.InScope)
		d.Headline.Accounts += r.Accounts
		d.Headline.Foreign += r.Foreign
		d.Headline.InScope += r.InScope
		d.Headline.Covered += r.Covered
		d.Headline.OpenHigh += r.OpenHigh
		d.Changes.NewAccounts += r.New
		d.ByAgency = append(d.ByAgency, *r)
	}
	d.Headline.Rate = reportRate(d.Headline.Covered, d.Headline.InScope)
	sort.SliceStable(d.ByAgency, func(i, j int) bool {
		a, c := d.ByAgency[i], d.ByAgency[j]
		if a.Own != c.Own {
			return a.Own
		}
		if a.InScope != c.InScope {
			return a.InScope > c.InScope
		}
		if a.Accounts != c.Accounts {
			return a.Accounts > c.Accounts
		}
		return a.Code < c.Code
	})
	// This week is the trend's last point.
	if n := len(d.Trend); n > 0 {
		d.Trend[n-1] = ReportTrendPoint{WeekStart: d.WeekStart, Stored: true, InScope: d.Headline.InScope, Covered: d.Headline.Covered, Rate: d.Headline.Rate}
	}
	return d, nil
}

// reportRows are the lines of the table by agency, by group id (0: the
// cut's own accounts, or accounts of no known agency).
type reportRows struct {
	list  []*ReportAgencyRow
	byID  map[int64]*ReportAgencyRow
	depth int // the ancestry depth that names a row: 0 national, the cut's depth + 1
}

// row finds the line of a group, adding one for a group not listed.
func (r *reportRows) row(id int64) *ReportAgencyRow {
	if x, ok := r.byID[id]; ok {
		return x
	}
	x := &ReportAgencyRow{ID: id, Name: "—", NameEn: "—"}
	r.byID[id] = x
	r.list = append(r.list, x)
	return x
}

// groupOf is the line an agency's records count in, from its path.
func (r *reportRows) groupOf(path string) int64 {
	if r.depth > registry.MaxAgencyDepth {
		return 0
	}
	if id := registry.AncestryOf(path)[r.depth]; id != nil {
		return *id
	}
	return 0
}

// agencyRows lists the table's lines: the top-level agencies, or the cut's
// own line and its children.
func (b *reportBuilder) agencyRows(ctx context.Context) (*reportRows, error) {
	rows := &reportRows{byID: map[int64]*ReportAgencyRow{}}
	var ags []registry.Agency
	q := b.m.store.Read(ctx).Select("id, code, name, name_en, path, depth").Order("id")
	if b.cut == nil {
		q = q.Where("parent_id IS NULL")
	} else {
		rows.depth = b.cut.Depth + 1
		q = q.Where("parent_id = ?", b.cut.ID)
		own := &ReportAgencyRow{ID: b.cut.ID, Code: b.cut.Code, Name: b.cut.Name, NameEn: b.cut.NameEn, Own: true}
		rows.byID[0] = own
		rows.list = append(rows.list, own)
	}
	if err := q.Find(&ags).Error; err != nil {
		return nil, fmt.Errorf("report: agencies: %w", err)
	}
	for _, ag := range ags {
		r := &ReportAgencyRow{ID: ag.ID, Code: ag.Code, Name: ag.Name, NameEn: ag.NameEn}
		rows.byID[ag.ID] = r
		rows.list = append(rows.list, r)
	}
	return rows, nil
}

// cutWhere limits accounts (alias a) to the cut.
func (b *reportBuilder) cutWhere(q *gorm.DB) *gorm.DB {
	if b.cut == nil {
		return q
	}
	return q.Where(fmt.Sprintf("a.agency_at%d = ?", b.cut.Depth), b.cut.ID)
}

// cutAgencies limits a column of agency ids to the cut's subtree.
func (b *reportBuilder) cutAgencies(q *gorm.DB, col string) *gorm.DB {
	if b.cut == nil {
		return q
	}
	return q.Where(col+" IN (SELECT id FROM agencies WHERE path >= ? AND path < ?)", b.cut.Path, b.cut.Path[:len(b.cut.Path)-1]+"0")
}

// dayStart is the midnight that starts t's day in the rules' calendar.
func (b *reportBuilder) dayStart(t time.Time) time.Time {
	t = t.In(b.tz)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, b.tz).UTC()
}

// inScopeSQL is "the account (alias a) is an active foreign account whose
// holder is in scope", the denominator of the compliance rate; the same
// scope as FOREIGN_NO_EXEMPTION.
func (b *reportBuilder) inScopeSQL() (string, []any) {
	caps, ranks := b.m.set.Capacities, b.m.set.Ranks
	if len(caps) == 0 {
		caps = []string{""}
	}
	foreign := b.foreignIDs
	if len(foreign) == 0 {
		foreign = []int64{0}
	}
	sql, args := `a.platform_id IN ? AND a.status = 'active' AND a.capacity IN ?`, []any{foreign, caps}
	all := true
	for r := 1; r <= 5; r++ {
		all = all && slices.Contains(ranks, r)
	}
	if !all {
		// Institutional accounts have no holding official: always in scope.
		if len(ranks) == 0 {
			ranks = []int{-1}
		}
		sql += " AND (a.official_id IS NULL OR a.official_id IN (SELECT o.id FROM officials o WHERE o.rank IN ?))"
		args = append(args, ranks)
	}
	return sql, args
}

// coveredSQL is "the account (alias a) is covered at the week's last
// moment": by a valid individual exemption, or by a group exemption in
// force whose scope matches it. It is registry.CoverOf written as SQL, so
// that a million accounts are decided in one pass; a test holds the two
// to the same answers.
func (b *reportBuilder) coveredSQL(ctx context.Context) (string, []any, error) {
	// Sets, not correlated subqueries: SQLite builds each once and looks
	// every account up in it.
	conds := []string{`a.id IN (SELECT e.account_id FROM exemptions e WHERE e.valid_from <= ? AND e.valid_until >= ?
 AND (e.revoked_at IS NULL OR e.revoked_at > ?))`}
	args := []any{b.asOf, b.dayStart(b.asOf), b.asOf}
	groups, paths, err := b.m.store.GroupsInForce(ctx, b.asOf)
	if err != nil {
		return "", nil, err
	}
	var positions []string // every official's position, loaded once if a scope names positions
	for _, g := range groups {
		if !g.ValidAt(b.asOf, b.tz) {
			continue
		}
		sc := g.ParsedScope()
		var parts []string
		if len(sc.Agencies) > 0 {
			var ors []string
			for _, sa := range sc.Agencies {
				p := paths[sa.ID]
				depth := strings.Count(p, "/") - 2
				switch {
				case p == "" || depth < 0 || depth > registry.MaxAgencyDepth:
				case sa.IncludeSub:
					ors = append(ors, fmt.Sprintf("a.agency_at%d = %d", depth, sa.ID))
				default:
					ors = append(ors, fmt.Sprintf("a.agency_id = %d", sa.ID))
				}
			}
			if len(ors) == 0 {
				continue // matches no account
			}
			parts = append(parts, "("+strings.Join(ors, " OR ")+")")
		}
		if len(sc.Ranks) > 0 {
			parts = append(parts, "a.official_id IN (SELECT o.id FROM officials o WHERE o.rank IN ?)")
			args = append(args, sc.Ranks)
		}
		if len(sc.Positions) > 0 {
			if positions == nil {
				if err := b.m.store.Read(ctx).Table("officials").Distinct("position").Pluck("position", &positions).Error; err != nil {
					return "", nil, fmt.Errorf("report: positions: %w", err)
				}
			}
			keys := map[string]bool{}
			for _, p := range sc.Positions {
				if k := textnorm.Key(p); k != "" {
					keys[k] = true
				}
			}
			var match []string
			for _, p := range positions {
				if keys[textnorm.Key(p)] {
					match = append(match, p)
				}
			}
			if len(match) == 0 {
				continue
			}
			parts = append(parts, "a.official_id IN (SELECT o.id FROM officials o WHERE o.position IN ?)")
			args = append(args, match)
		}
		if len(sc.Platforms) > 0 || len(sc.Categories) > 0 {
			var ids []int64
			for _, p := range b.platforms {
				if (len(sc.Platforms) == 0 || slices.Contains(sc.Platforms, p.Code)) && (len(sc.Categories) == 0 || slices.Contains(sc.Categories, p.Category)) {
					ids = append(ids, p.ID)
				}
			}
			if len(ids) == 0 {
				continue
			}
			parts = append(parts, "a.platform_id IN ?")
			args = append(args, ids)
		}
		if len(sc.Capacities) > 0 {
			parts = append(parts, "a.capacity IN ?")
			args = append(args, sc.Capacities)
		}
		if len(parts) == 0 {
			parts = []string{"1"} // an empty scope covers every account
		}
		conds = append(conds, "("+strings.Join(parts, " AND ")+")")
	}
	return "(" + strings.Join(conds, "\n OR ") + ")", args, nil
}

// Bits of an account's line in the figures pass.
const (
	figOpen    = 1 << iota // registered by the week's end and not closed by it
	figForeign             // and on a foreign platform
	figInScope             // active foreign account, holder in scope
	figCovered             // and covered at the week's last moment
	figNew                 // registered during the week
	figBits    = 5
)

// figures fills the table's account figures in one pass over the accounts.
// SQL decides each account's figures, as bits packed with its line's id
// into one integer; Go sums them by line as the rows stream in. (SQLite's
// GROUP BY would sort every row first, which at a million accounts costs
// twice the whole pass.) Large registries are read in id ranges in
// parallel.
func (b *reportBuilder) figures(ctx context.Context, rows *reportRows) error {
	grp := "a.agency_at0"
	if b.cut != nil {
		grp = "NULL"
		if b.cut.Depth < registry.MaxAgencyDepth {
			grp = fmt.Sprintf("a.agency_at%d", b.cut.Depth+1)
		}
	}
	inScope, inArgs := b.inScopeSQL()
	covered, covArgs, err := b.coveredSQL(ctx)
	if err != nil {
		return err
	}
	foreign := b.foreignIDs
	if len(foreign) == 0 {
		foreign = []int64{0}
	}
	const open = "(a.status <> 'closed' OR a.closed_at >= ?)"
	expr := fmt.Sprintf(`COALESCE(%s, 0) * %d
 + CASE WHEN %s THEN %d + CASE WHEN a.platform_id IN ? THEN %d ELSE 0 END ELSE 0 END
 + CASE WHEN %s THEN %d + CASE WHEN %s THEN %d ELSE 0 END ELSE 0 END
 + CASE WHEN a.created_at >= ? THEN %d ELSE 0 END`,
		grp, 1<<figBits, open, figOpen, figForeign, inScope, figInScope, covered, figCovered, figNew)
	var args []any
	args = append(args, b.end, foreign)
	args = append(args, inArgs...)
	args = append(args, covArgs...)
	args = append(args, b.start)
	parts, err := b.idRanges(ctx)
	if err != nil {
		return err
	}
	type sums map[int64]*[figBits]int64
	outs := make([]sums, len(parts))
	g, gctx := errgroup.WithContext(ctx)
	for i, p := range parts {
		g.Go(func() error {
			// The driver watches a cancellable context with a goroutine per
			// row; this pass checks it itself every few thousand rows.
			q := b.m.store.Read(context.WithoutCancel(gctx)).Table("accounts AS a").Select(expr, args...).Where("a.created_at < ? AND a.id >= ? AND a.id < ?", b.end, p[0], p[1])
			rs, err := b.cutWhere(q).Rows()
			if err != nil {
				return fmt.Errorf("report: figures: %w", err)
			}
			defer func() { _ = rs.Close() }()
			out := sums{}
			var v int64
			for n := 0; rs.Next(); n++ {
				if n%4096 == 0 && gctx.Err() != nil {
					return gctx.Err()
				}
				if err := rs.Scan(&v); err != nil {
					return fmt.Errorf("report: figures: %w", err)
				}
				line, bits := v>>figBits, v&(1<<figBits-1)
				acc := out[line]
				if acc == nil {
					acc = &[figBits]int64{}
					out[line] = acc
				}
				for k := range figBits {
					acc[k] += bits >> k & 1
				}
			}
			outs[i] = out
			return rs.Err()
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for _, out := range outs {
		for line, n := range out {
			r := rows.row(line)
			r.Accounts += n[0]
			r.Foreign += n[1]
			r.InScope += n[2]
			r.Covered += n[3]
			r.New += n[4]
		}
	}
	return nil
}

// reportRangeMin is the fewest accounts worth a range of their own.
const reportRangeMin = 50000

// idRanges splits the accounts' ids into [from, to) ranges, one per core
// (at most 8), for a large registry; else one range.
func (b *reportBuilder) idRanges(ctx context.Context) ([][2]int64, error) {
	var lim struct{ Lo, Hi int64 }
	if err := b.m.store.Read(ctx).Table("accounts").Select("COALESCE(MIN(id), 0) AS lo, COALESCE(MAX(id), 0) AS hi").Scan(&lim).Error; err != nil {
		return nil, fmt.Errorf("report: figures: %w", err)
	}
	n := int64(min(runtime.GOMAXPROCS(0), 8))
	if b.cut != nil || lim.Hi-lim.Lo < 2*reportRangeMin || n < 2 {
		return [][2]int64{{lim.Lo, lim.Hi + 1}}, nil
	}
	n = min(n, (lim.Hi-lim.Lo)/reportRangeMin)
	step := (lim.Hi - lim.Lo + n) / n
	out := make([][2]int64, 0, n)
	for lo := lim.Lo; lo <= lim.Hi; lo += step {
		out = append(out, [2]int64{lo, min(lo+step, lim.Hi+1)})
	}
	return out, nil
}

// flagChanges counts, in one pass over the flags, those opened and
// resolved in the week, and the high ones open at its end by line (into
// highByLine: the lines are figures' to add to while this runs).
func (b *reportBuilder) flagChanges(ctx context.Context, rows *reportRows, c *ReportChanges, highByLine map[int64]int64) error {
	// As in figures: SQL gives each flag's bits with its agency, Go sums
	// them by agency, then by line through the agencies' paths.
	const opened, resolved, openHigh = 1, 2, 4
	q := b.m.store.Read(context.WithoutCancel(ctx)).Table("flags AS f").
		Select(`f.agency_id * 8 + CASE WHEN f.opened_at >= ? THEN 1 ELSE 0 END
 + CASE WHEN f.resolved_at >= ? AND f.resolved_at < ? THEN 2 ELSE 0 END
 + CASE WHEN f.severity = ? AND (f.resolved_at IS NULL OR f.resolved_at >= ?) THEN 4 ELSE 0 END`,
			b.start, b.start, b.end, SeverityHigh, b.end).
		Where("f.opened_at < ? AND (f.resolved_at IS NULL OR f.resolved_at >= ?)", b.end, b.start)
	rs, err := b.cutAgencies(q, "f.agency_id").Rows()
	if err != nil {
		return fmt.Errorf("report: flags: %w", err)
	}
	defer func() { _ = rs.Close() }()
	high := map[int64]int64{}
	var v int64
	for n := 0; rs.Next(); n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if err := rs.Scan(&v); err != nil {
			return fmt.Errorf("report: flags: %w", err)
		}
		c.FlagsOpened += v & opened
		c.FlagsResolved += v & resolved >> 1
		if v&openHigh != 0 {
			high[v>>3]++
		}
	}
	if err := rs.Err(); err != nil {
		return fmt.Errorf("report: flags: %w", err)
	}
	ids := make([]int64, 0, len(high))
	for id := range high {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for chunk := range slices.Chunk(ids, 5000) {
		var ags []registry.Agency
		if err := b.m.store.Read(ctx).Select("id, path").Where("id IN ?", chunk).Find(&ags).Error; err != nil {
			return fmt.Errorf("report: flags: %w", err)
		}
		for _, ag := range ags {
			highByLine[rows.groupOf(ag.Path)] += high[ag.ID]
		}
	}
	return nil
}

// exemptionChanges counts exemptions granted, expired and revoked in the
// week.
func (b *reportBuilder) exemptionChanges(ctx context.Context, c *ReportChanges) error {
	var out struct{ Granted, Expired, Revoked int64 }
	q := b.m.store.Read(ctx).Table("exemptions AS e").Select(`COALESCE(SUM(CASE WHEN e.created_at >= ? AND e.created_at < ? THEN 1 ELSE 0 END), 0) AS granted,
 COALESCE(SUM(CASE WHEN e.valid_until >= ? AND e.valid_until < ? AND (e.revoked_at IS NULL OR e.revoked_at >= ?) THEN 1 ELSE 0 END), 0) AS expired,
 COALESCE(SUM(CASE WHEN e.revoked_at >= ? AND e.revoked_at < ? THEN 1 ELSE 0 END), 0) AS revoked`,
		b.start, b.end, b.start, b.end, b.end, b.start, b.end).
		Where("(e.created_at >= ? AND e.created_at < ?) OR (e.valid_until >= ? AND e.valid_until < ?) OR (e.revoked_at >= ? AND e.revoked_at < ?)",
			b.start, b.end, b.start, b.end, b.start, b.end)
	if b.cut != nil {
		q = b.cutWhere(q.Joins("JOIN accounts a ON a.id = e.account_id"))
	}
	if err := q.Scan(&out).Error; err != nil {
		return fmt.Errorf("report: exemptions: %w", err)
	}
	c.ExemptionsGranted, c.ExemptionsExpired, c.ExemptionsRevoked = out.Granted, out.Expired, out.Revoked
	return nil
}

// justificationChanges counts justifications filed and decided in the week,
// and the median days from (last) submission to decision.
func (b *reportBuilder) justificationChanges(ctx context.Context, c *ReportChanges) error {
	q := b.m.store.Read(ctx).Table("justifications AS j").Where("j.submitted_at >= ? AND j.submitted_at < ?", b.start, b.end)
	if b.cut != nil {
		q = b.cutWhere(q.Joins("JOIN accounts a ON a.id = j.account_id"))
	}
	if err := q.Count(&c.JustificationsFiled).Error; err != nil {
		return fmt.Errorf("report: justifications: %w", err)
	}
	type decided struct {
		SubmittedAt *time.Time
		DecidedAt   time.Time
	}
	var ds []decided
	q = b.m.store.Read(ctx).Table("justifications AS j").Select("j.submitted_at, j.decided_at").
		Where("j.decided_at >= ? AND j.decided_at < ? AND j.state IN ?", b.start, b.end, []string{registry.StateApproved, registry.StateRejected})
	if b.cut != nil {
		q = b.cutWhere(q.Joins("JOIN accounts a ON a.id = j.account_id"))
	}
	if err := q.Scan(&ds).Error; err != nil {
		return fmt.Errorf("report: decisions: %w", err)
	}
	c.JustificationsDecided = int64(len(ds))
	var days []float64
	for _, d := range ds {
		if d.SubmittedAt != nil && !d.DecidedAt.Before(*d.SubmittedAt) {
			days = append(days, d.DecidedAt.Sub(*d.SubmittedAt).Hours()/24)
		}
	}
	if len(days) > 0 {
		sort.Float64s(days)
		med := days[len(days)/2]
		if len(days)%2 == 0 {
			med = (days[len(days)/2-1] + days[len(days)/2]) / 2
		}
		med = float64(int64(med*10+0.5)) / 10
		c.MedianDaysToDecision = &med
	}
	return nil
}
