package monitor

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"hozur/registry"
)

// The weekly report. BuildReport computes a week's figures from the
// registry; Report stores them once, with their Persian HTML rendering, and
// from then on always answers the stored row, byte for byte: a past week's
// report never changes, whatever happens to the registry afterwards. The
// downloads (XLSX, CSV, PDF, the English HTML) are rendered from the stored
// data, never from the live registry.

// Report is a stored weekly report: the national one (AgencyID nil) or an
// agency's cut. The row is written once and never updated.
type Report struct {
	ID        int64
	WeekStart time.Time // Saturday 00:00 in the rules' time zone
	WeekEnd   time.Time // the next Saturday 00:00 (exclusive)
	Title     string
	AgencyID  *int64
	Data      string // ReportData as JSON
	HTML      string // the Persian HTML document, as e-mailed
	SHA256    string `gorm:"column:sha256"` // hex SHA-256 of HTML
	CreatedAt time.Time
}

// TableName keeps gorm's plural.
func (Report) TableName() string { return "reports" }

// Parsed decodes the report's data.
func (r *Report) Parsed() (*ReportData, error) {
	var d ReportData
	if err := json.Unmarshal([]byte(r.Data), &d); err != nil {
		return nil, fmt.Errorf("report %d: %w", r.ID, err)
	}
	return &d, nil
}

// ReportSummary is a report in a list, without its data and HTML.
type ReportSummary struct {
	ID         int64
	WeekStart  time.Time
	WeekEnd    time.Time
	Title      string
	AgencyID   *int64
	AgencyName string
	AgencyEn   string
	AgencyPath string
	SHA256     string `gorm:"column:sha256"`
	CreatedAt  time.Time
}

// weekNotOver refuses a report of a week that has not ended: it would
// change while the week runs. The web maps a ConflictError to 409.
var errWeekNotOver = &registry.ConflictError{Key: "report.week_not_over", Field: "week"}

// Report returns the stored report of the week that holds weekStart, for
// the agency's cut (nil: national), building and storing it on first
// request. A week that has not ended yet is refused.
func (m *Monitor) Report(ctx context.Context, weekStart time.Time, agencyID *int64) (*Report, error) {
	tz := m.set.Location
	start, end := WeekOf(weekStart, tz)
	if end.After(m.store.Now()) {
		return nil, errWeekNotOver
	}
	if r, err := m.storedReport(ctx, start, agencyID); !errors.Is(err, registry.ErrNotFound) {
		return r, err
	}
	d, err := m.BuildReport(ctx, start, agencyID)
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	html, err := RenderReportHTML(d, "fa")
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(html)
	r := Report{WeekStart: start.UTC(), WeekEnd: end.UTC(), Title: d.Title, AgencyID: agencyID, Data: string(data), HTML: string(html),
		SHA256: hex.EncodeToString(sum[:]), CreatedAt: m.store.Now()}
	// Two first requests may race: the unique index keeps one row, and both
	// answer it.
	err = m.store.Tx(ctx, func(ctx context.Context) error {
		return m.store.Write(ctx).Exec(`INSERT INTO reports (week_start, week_end, title, agency_id, data, html, sha256, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, r.WeekStart, r.WeekEnd, r.Title, r.AgencyID, r.Data, r.HTML, r.SHA256, r.CreatedAt).Error
	})
	if err != nil {
		return nil, fmt.Errorf("store report: %w", err)
	}
	return m.storedReport(ctx, start, agencyID)
}

// storedReport is the stored report of a week and cut, or ErrNotFound.
func (m *Monitor) storedReport(ctx context.Context, start time.Time, agencyID *int64) (*Report, error) {
	var r Report
	q := m.store.Read(ctx).Where("week_start = ?", start.UTC())
	if agencyID == nil {
		q = q.Where("agency_id IS NULL")
	} else {
		q = q.Where("agency_id = ?", *agencyID)
	}
	err := q.Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, registry.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return &r, nil
}

// GenerateWeek makes the reports of the last week that ended by now: the
// national one and the cut of every agency with an active liaison. Reports
// already stored are returned as they are, so running it twice is harmless.
func (m *Monitor) GenerateWeek(ctx context.Context, now time.Time) ([]Report, error) {
	cur, _ := WeekOf(now, m.set.Location)
	start := cur.AddDate(0, 0, -7)
	var agencies []int64
	if err := m.store.Read(ctx).Table("users").Distinct("agency_id").
		Where("role = ? AND active = ? AND agency_id IS NOT NULL", registry.RoleLiaison, true).Order("agency_id").Pluck("agency_id", &agencies).Error; err != nil {
		return nil, fmt.Errorf("weekly reports: %w", err)
	}
	out := make([]Report, 0, 1+len(agencies))
	r, err := m.Report(ctx, start, nil)
	if err != nil {
		return nil, err
	}
	out = append(out, *r)
	for _, id := range agencies {
		r, err := m.Report(ctx, start, &id)
		if err != nil {
			return out, fmt.Errorf("weekly report of agency %d: %w", id, err)
		}
		out = append(out, *r)
	}
	return out, nil
}

// ReportByID is a stored report, if the actor may see it: reviewers,
// administrators and auditors every one, a liaison their agency's cuts.
func (m *Monitor) ReportByID(ctx context.Context, a registry.Actor, id int64) (*Report, error) {
	var r Report
	err := m.store.Read(ctx).Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, registry.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	path := ""
	if r.AgencyID != nil {
		ag, err := m.store.Agency(ctx, *r.AgencyID)
		if err != nil {
			return nil, err
		}
		path = ag.Path
	}
	if !a.Can(registry.ActionView, registry.Target{Resource: registry.ResReport, AgencyPath: path}) {
		return nil, registry.ErrForbidden
	}
	return &r, nil
}

// MayViewReport reports whether the actor may see the report of this week and
// cut; agencyPath is the cut's agency path ("" for the national report).
func MayViewReport(a registry.Actor, agencyPath string) bool {
	return a.Can(registry.ActionView, registry.Target{Resource: registry.ResReport, AgencyPath: agencyPath})
}

// ReportFilter narrows the list of reports.
type ReportFilter struct {
	// Week, when set, keeps the reports of the week holding it.
	Week *time.Time
	// AgencyID keeps one agency's cuts; National keeps the national reports.
	AgencyID int64
	National bool
}

type reportCursor struct {
	W string `json:"w"`
	I int64  `json:"i"`
}

// Reports lists the stored reports the actor may see, newest week first
// (the national report before the cuts of its week).
func (m *Monitor) Reports(ctx context.Context, a registry.Actor, f ReportFilter, p registry.Page) (registry.Result[ReportSummary], error) {
	var res registry.Result[ReportSummary]
	sc := a.ScopeFor(registry.ResReport)
	if sc.None {
		return res, registry.ErrForbidden
	}
	// The sort key puts the national report (agency 0) first in its week.
	key := "reports.week_start || printf('%020d', 999999999999 - COALESCE(reports.agency_id, 0))"
	if m.store.Postgres() {
		key = "to_char(reports.week_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || lpad(CAST(999999999999 - COALESCE(reports.agency_id, 0) AS TEXT), 20, '0')"
	}
	const cols = "reports.id, reports.week_start, reports.week_end, reports.title, reports.agency_id, reports.sha256, reports.created_at, " +
		"COALESCE(agencies.name, '') AS agency_name, COALESCE(agencies.name_en, '') AS agency_en, COALESCE(agencies.path, '') AS agency_path"
	q := m.store.Read(ctx).Table("reports").Joins("LEFT JOIN agencies ON agencies.id = reports.agency_id")
	if !sc.All {
		lo, hi := sc.AgencyPath, sc.AgencyPath[:len(sc.AgencyPath)-1]+"0"
		q = q.Where("agencies.path >= ? AND agencies.path < ?", lo, hi)
	}
	if f.Week != nil {
		start, _ := WeekOf(*f.Week, m.set.Location)
		q = q.Where("reports.week_start = ?", start.UTC())
	}
	switch {
	case f.National:
		q = q.Where("reports.agency_id IS NULL")
	case f.AgencyID != 0:
		q = q.Where("reports.agency_id = ?", f.AgencyID)
	}
	if p.WithTotal {
		var n int64
		if err := q.Session(&gorm.Session{}).Count(&n).Error; err != nil {
			return res, fmt.Errorf("reports: %w", err)
		}
		res.Total, res.Counted = n, true
	}
	if p.Sort != "" && p.Sort != "-week" {
		return res, &registry.ValidationError{Fields: map[string]string{"sort": "error.invalid"}}
	}
	if p.Cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(p.Cursor)
		var c reportCursor
		if err != nil || json.Unmarshal(b, &c) != nil || c.I <= 0 {
			return res, &registry.ValidationError{Fields: map[string]string{"cursor": "error.invalid"}}
		}
		q = q.Where("("+key+", reports.id) < (?, ?)", c.W, c.I)
	}
	per := p.PerPage
	if per <= 0 {
		per = 50
	}
	per = min(per, 200)
	type row struct {
		ReportSummary
		SortKey string
	}
	var rows []row
	if err := q.Select(cols + ", " + key + " AS sort_key").Order(key + " DESC").Order("reports.id DESC").Limit(per + 1).Scan(&rows).Error; err != nil {
		return res, fmt.Errorf("reports: %w", err)
	}
	if len(rows) > per {
		last := rows[per-1]
		b, _ := json.Marshal(reportCursor{W: last.SortKey, I: last.ID})
		res.Next = base64.RawURLEncoding.EncodeToString(b)
		rows = rows[:per]
	}
	res.Items = make([]ReportSummary, len(rows))
	for i, r := range rows {
		res.Items[i] = r.ReportSummary
	}
	return res, nil
}
