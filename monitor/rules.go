package monitor

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"hozur/registry"
)

// Rule codes.
const (
	RuleForeignNoExemption    = "FOREIGN_NO_EXEMPTION"
	RuleExemptionExpiring     = "EXEMPTION_EXPIRING"
	RuleClosureOverdue        = "CLOSURE_OVERDUE"
	RuleReviewOverdue         = "REVIEW_OVERDUE"
	RuleInfoOverdue           = "INFO_OVERDUE"
	RuleNoDomesticPresence    = "NO_DOMESTIC_PRESENCE"
	RuleUnverifiedAccount     = "UNVERIFIED_ACCOUNT"
	RulePlatformPrivacy       = "PLATFORM_PRIVACY"
	RuleOfficeAccountOrphaned = "OFFICE_ACCOUNT_ORPHANED"
)

// Rules lists every rule code with its default severity, in the order the
// pages show them.
var Rules = []struct{ Code, Severity string }{
	{RuleForeignNoExemption, SeverityHigh},
	{RuleClosureOverdue, SeverityHigh},
	{RuleExemptionExpiring, SeverityWarning},
	{RuleReviewOverdue, SeverityWarning},
	{RuleInfoOverdue, SeverityWarning},
	{RulePlatformPrivacy, SeverityWarning},
	{RuleNoDomesticPresence, SeverityNotice},
	{RuleOfficeAccountOrphaned, SeverityNotice},
	{RuleUnverifiedAccount, SeverityLow},
}

// severity is a rule's severity after the settings' overrides.
func (m *Monitor) severity(rule string) string {
	if s, ok := m.set.Severities[rule]; ok && s != "" {
		return s
	}
	for _, r := range Rules {
		if r.Code == rule {
			return r.Severity
		}
	}
	return SeverityNotice
}

// finding is a rule's verdict on one subject, before it becomes a flag.
type finding struct {
	Rule        string
	Severity    string
	SubjectType string
	SubjectID   int64
	AccountID   *int64
	OfficialID  *int64
	AgencyID    int64
	Args        string
}

// findingKey names a finding: at most one per rule and subject. A struct,
// not a joined string, so that a national scan's half a million findings
// allocate no key each.
type findingKey struct {
	rule, subjectType string
	subjectID         int64
}

func (f finding) key() findingKey {
	return findingKey{rule: f.Rule, subjectType: f.SubjectType, subjectID: f.SubjectID}
}

func args(kv map[string]any) string {
	if len(kv) == 0 {
		return ""
	}
	b, _ := json.Marshal(kv)
	return string(b)
}

// universe limits a scan: nil accounts means the whole registry.
type universe struct {
	accounts  []int64 // the accounts re-evaluated
	officials []int64 // their holding officials
	agencies  []int64 // their holding agencies (institutional accounts)
}

func (u *universe) full() bool { return u == nil }

// accountRow is what the account rules read of an account.
type accountRow struct {
	ID, AgencyID    int64
	OfficialID      *int64
	Capacity        string
	Status          string
	Source          string
	Verification    string
	Origin          string
	Rank            int
	Serving         bool
	SuccessorID     *int64
	ClosureDeadline *time.Time
	CreatedAt       time.Time
}

// daysBetween counts calendar days in tz from a's day to b's day.
func daysBetween(a, b time.Time, tz *time.Location) int {
	a, b = a.In(tz), b.In(tz)
	da := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	db := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(db.Sub(da).Hours() / 24)
}

// evaluate runs every rule over the universe at now and returns the
// findings and how many accounts were looked at. Each rule is one or two
// set-based queries, whatever the registry's size.
func (m *Monitor) evaluate(ctx context.Context, now time.Time, u *universe, progress func(done, total int)) (map[findingKey]finding, int64, error) {
	out := map[findingKey]finding{}
	add := func(f finding) { out[f.key()] = f }
	// The SQLite driver watches a cancellable context with a goroutine per
	// row read; a scan reads hundreds of thousands, so it reads without.
	ctx = context.WithoutCancel(ctx)
	db := m.store.Read(ctx)
	tz := m.set.Location
	steps := []func() error{
		func() error { return m.ruleAccounts(ctx, db, now, u, add) },
		func() error { return m.ruleForeign(ctx, db, now, u, add) },
		func() error { return m.ruleExpiring(ctx, db, now, u, add, tz) },
		func() error { return m.ruleJustifications(ctx, db, now, u, add) },
		func() error { return m.ruleDomesticPresence(ctx, db, u, add) },
		func() error { return m.rulePlatformPrivacy(ctx, db, now, u, add) },
	}
	// One after another: run side by side they were slower on two cores,
	// each reader connection paging the same tables through its own cache.
	for i, step := range steps {
		t0 := time.Now()
		if err := step(); err != nil {
			return nil, 0, err
		}
		m.log.Debug("rule step", "step", i, "took", time.Since(t0))
		if progress != nil {
			progress(i+1, len(steps))
		}
	}
	var evaluated int64
	q := db.Table("accounts")
	if !u.full() {
		q = q.Where("id IN ?", u.accounts)
	}
	if err := q.Count(&evaluated).Error; err != nil {
		return nil, 0, fmt.Errorf("scan: %w", err)
	}
	return out, evaluated, nil
}

func inUniverse(q *gorm.DB, u *universe, col string) *gorm.DB {
	if u.full() {
		return q
	}
	return q.Where(col+" IN ?", u.accounts)
}

// ruleAccounts: CLOSURE_OVERDUE, UNVERIFIED_ACCOUNT and
// OFFICE_ACCOUNT_ORPHANED, from one pass over the accounts that can match.
func (m *Monitor) ruleAccounts(ctx context.Context, db *gorm.DB, now time.Time, u *universe, add func(finding)) error {
	unverifiedBefore := now.AddDate(0, 0, -m.set.UnverifiedDays)
	dayAgo := now.Add(-24 * time.Hour)
	// Two passes, each on what can answer it: the deadlines and unverified
	// self-declarations from the accounts alone, and the orphaned office
	// accounts from the officials who left without a successor. One pass
	// joining every account to its official cost three times as much at
	// national size.
	const cols = `accounts.id, accounts.agency_id, accounts.official_id, accounts.capacity, accounts.status, accounts.source,
accounts.verification, accounts.closure_deadline, accounts.created_at, `
	own := db.WithContext(ctx).Table("accounts").Select(cols+"TRUE AS serving, CAST(NULL AS BIGINT) AS successor_id").
		Where(`accounts.status <> ? AND ((accounts.closure_deadline IS NOT NULL AND accounts.closure_deadline <= ?)
 OR (accounts.source = ? AND accounts.verification = ? AND accounts.created_at < ?))`,
			registry.StatusClosed, dayAgo, registry.SourceSelf, registry.VerificationUnverified, unverifiedBefore)
	orphans := db.WithContext(ctx).Table("accounts").Select(cols+"FALSE AS serving, CAST(NULL AS BIGINT) AS successor_id").
		Where("accounts.official_id IN (SELECT id FROM officials WHERE NOT serving AND successor_id IS NULL)").
		Where("accounts.status <> ? AND accounts.capacity = ?", registry.StatusClosed, registry.CapacityOffice)
	var rows []accountRow
	for _, q := range []*gorm.DB{own, orphans} {
		if err := readAccountRows(inUniverse(q, u, "accounts.id"), &rows); err != nil {
			return fmt.Errorf("scan accounts: %w", err)
		}
	}
	for _, r := range rows {
		id := r.ID
		base := finding{SubjectType: SubjectAccount, SubjectID: id, AccountID: &id, OfficialID: r.OfficialID, AgencyID: r.AgencyID}
		if r.ClosureDeadline != nil && !r.ClosureDeadline.After(dayAgo) {
			f := base
			f.Rule, f.Severity = RuleClosureOverdue, m.severity(RuleClosureOverdue)
			f.Args = args(map[string]any{"deadline": r.ClosureDeadline.In(m.set.Location).Format(time.DateOnly),
				"days_overdue": daysBetween(*r.ClosureDeadline, now, m.set.Location)})
			add(f)
		}
		if r.Source == registry.SourceSelf && r.Verification == registry.VerificationUnverified && r.CreatedAt.Before(unverifiedBefore) {
			f := base
			f.Rule, f.Severity = RuleUnverifiedAccount, m.severity(RuleUnverifiedAccount)
			f.Args = args(map[string]any{"days": daysBetween(r.CreatedAt, now, m.set.Location)})
			add(f)
		}
		if r.Capacity == registry.CapacityOffice && r.OfficialID != nil && !r.Serving && r.SuccessorID == nil {
			f := base
			f.Rule, f.Severity = RuleOfficeAccountOrphaned, m.severity(RuleOfficeAccountOrphaned)
			add(f)
		}
	}
	return nil
}

// readAccountRows appends what q selects (the columns of ruleAccounts).
func readAccountRows(q *gorm.DB, rows *[]accountRow) error {
	rs, err := q.Rows()
	if err != nil {
		return err
	}
	defer func() { _ = rs.Close() }()
	for rs.Next() {
		var r accountRow
		if err := rs.Scan(&r.ID, &r.AgencyID, &r.OfficialID, &r.Capacity, &r.Status, &r.Source, &r.Verification, &r.ClosureDeadline,
			&r.CreatedAt, &r.Serving, &r.SuccessorID); err != nil {
			return err
		}
		*rows = append(*rows, r)
	}
	return rs.Err()
}

// ruleForeign: FOREIGN_NO_EXEMPTION. Active foreign accounts in scope with
// no valid individual exemption come from SQL; group exemptions, whose
// scopes are rules rather than rows, are matched in Go.
func (m *Monitor) ruleForeign(ctx context.Context, db *gorm.DB, now time.Time, u *universe, add func(finding)) error {
	deadline, err := m.store.DeadlineOf(ctx, registry.DirectivePresence)
	if err != nil {
		return err
	}
	severity, extra := m.severity(RuleForeignNoExemption), map[string]any{}
	if deadline != nil {
		extra["deadline"] = deadline.In(m.set.Location).Format(time.DateOnly)
		if now.Before(*deadline) {
			// Before the grace deadline: a notice with the days left.
			severity = SeverityNotice
			extra["days_left"] = daysBetween(now, *deadline, m.set.Location)
		}
	}
	groups, paths, err := m.store.GroupsInForce(ctx, now)
	if err != nil {
		return err
	}
	caps := m.set.Capacities
	if len(caps) == 0 {
		return nil
	}
	// What a group exemption's scope looks at (the agency's path, the
	// holder's position, the platform) is read only when one is in force:
	// at national size the agency join alone is a quarter of the query.
	facts, joins := `agencies.path AS agency_path, COALESCE(officials.position, '') AS position, platforms.code AS platform, platforms.category AS category`,
		"JOIN platforms ON platforms.id = accounts.platform_id JOIN agencies ON agencies.id = accounts.agency_id LEFT JOIN officials ON officials.id = accounts.official_id"
	if len(groups) == 0 {
		facts, joins = `'' AS agency_path, '' AS position, '' AS platform, '' AS category`,
			"JOIN platforms ON platforms.id = accounts.platform_id LEFT JOIN officials ON officials.id = accounts.official_id"
	}
	q := db.WithContext(ctx).Table("accounts").Select(`accounts.id AS account_id, COALESCE(officials.rank, 0) AS rank, `+facts+`,
accounts.capacity AS capacity, accounts.agency_id AS agency_id, accounts.official_id AS official_id`).
		Joins(joins).
		Where("platforms.origin = ? AND accounts.status = ? AND accounts.capacity IN ?", registry.OriginForeign, registry.StatusActive, caps).
		Where("(accounts.official_id IS NULL OR officials.rank IN ?)", ranksOrNone(m.set.Ranks)).
		Where(`NOT EXISTS (SELECT 1 FROM exemptions e WHERE e.account_id = accounts.id AND e.valid_from <= ? AND e.valid_until > ?
 AND (e.revoked_at IS NULL OR e.revoked_at > ?))`, now, now.Add(-24*time.Hour), now)
	q = inUniverse(q, u, "accounts.id")
	type row struct {
		registry.AccountFacts
		AgencyID   int64
		OfficialID *int64
	}
	// Hundreds of thousands of rows at national size: read them by hand,
	// not through gorm's reflection.
	rs, err := q.Rows()
	if err != nil {
		return fmt.Errorf("scan foreign accounts: %w", err)
	}
	defer func() { _ = rs.Close() }()
	// Each row is judged as it is read: none is kept but its finding.
	flagArgs := args(extra) // the same for every account: made once
	for rs.Next() {
		var r row
		if err := rs.Scan(&r.AccountID, &r.Rank, &r.AgencyPath, &r.Position, &r.Platform, &r.Category, &r.Capacity, &r.AgencyID, &r.OfficialID); err != nil {
			return fmt.Errorf("scan foreign accounts: %w", err)
		}
		if len(groups) > 0 {
			if c := registry.CoverOf(r.AccountFacts, nil, groups, paths, now, m.set.Location); c.Kind != registry.CoverNone {
				continue
			}
		}
		id := r.AccountID
		add(finding{Rule: RuleForeignNoExemption, Severity: severity, SubjectType: SubjectAccount, SubjectID: id, AccountID: &id,
			OfficialID: r.OfficialID, AgencyID: r.AgencyID, Args: flagArgs})
	}
	if err := rs.Err(); err != nil {
		return fmt.Errorf("scan foreign accounts: %w", err)
	}
	return nil
}

// parseStoredTime reads a time as SQLite's driver writes it.
func parseStoredTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("unreadable time %q", s)
}

func ranksOrNone(r []int) []int {
	if len(r) == 0 {
		return []int{-1}
	}
	return r
}

// ruleExpiring: EXEMPTION_EXPIRING, the accounts whose latest unrevoked
// exemption is valid now and ends within the window (a renewal approved
// in advance moves the end, so it is not flagged).
func (m *Monitor) ruleExpiring(ctx context.Context, db *gorm.DB, now time.Time, u *universe, add func(finding), tz *time.Location) error {
	type row struct {
		AccountID, AgencyID int64
		OfficialID          *int64
		Until               string // an aggregate: SQLite gives back the text
		ExemptionID         int64
	}
	var rows []row
	q := db.WithContext(ctx).Table("exemptions").Select(`exemptions.account_id, accounts.agency_id, accounts.official_id, MAX(exemptions.valid_until) AS until,
MAX(exemptions.id) AS exemption_id`).
		Joins("JOIN accounts ON accounts.id = exemptions.account_id").
		Where("exemptions.revoked_at IS NULL AND accounts.status <> ?", registry.StatusClosed).
		Group("exemptions.account_id, accounts.agency_id, accounts.official_id").
		Having("MAX(exemptions.valid_until) > ? AND MAX(exemptions.valid_until) <= ? AND MIN(exemptions.valid_from) <= ?",
			now.Add(-24*time.Hour), now.AddDate(0, 0, m.set.ExpiringDays), now)
	q = inUniverse(q, u, "exemptions.account_id")
	if err := q.Scan(&rows).Error; err != nil {
		return fmt.Errorf("scan expiring exemptions: %w", err)
	}
	for _, r := range rows {
		until, err := parseStoredTime(r.Until)
		if err != nil {
			return fmt.Errorf("scan expiring exemptions: %w", err)
		}
		id := r.AccountID
		add(finding{Rule: RuleExemptionExpiring, Severity: m.severity(RuleExemptionExpiring), SubjectType: SubjectAccount, SubjectID: id,
			AccountID: &id, OfficialID: r.OfficialID, AgencyID: r.AgencyID,
			Args: args(map[string]any{"until": until.In(tz).Format(time.DateOnly), "days_left": daysBetween(now, until, tz)})})
	}
	return nil
}

// ruleJustifications: REVIEW_OVERDUE and INFO_OVERDUE.
func (m *Monitor) ruleJustifications(ctx context.Context, db *gorm.DB, now time.Time, u *universe, add func(finding)) error {
	type row struct {
		ID, AccountID, AgencyID int64
		OfficialID              *int64
		State                   string
		SubmittedAt             *time.Time
		InfoRequestedAt         *time.Time
	}
	var rows []row
	q := db.WithContext(ctx).Table("justifications").Select(`justifications.id, justifications.account_id, accounts.agency_id, accounts.official_id,
justifications.state, justifications.submitted_at, justifications.info_requested_at`).
		Joins("JOIN accounts ON accounts.id = justifications.account_id").
		Where("(justifications.state = ? AND justifications.submitted_at < ?) OR (justifications.state = ? AND justifications.info_requested_at < ?)",
			registry.StateSubmitted, now.AddDate(0, 0, -m.set.ReviewSLADays), registry.StateInfoRequested, now.AddDate(0, 0, -m.set.InfoDays))
	q = inUniverse(q, u, "justifications.account_id")
	if err := q.Scan(&rows).Error; err != nil {
		return fmt.Errorf("scan justifications: %w", err)
	}
	for _, r := range rows {
		acc := r.AccountID
		f := finding{SubjectType: SubjectJustification, SubjectID: r.ID, AccountID: &acc, OfficialID: r.OfficialID, AgencyID: r.AgencyID}
		if r.State == registry.StateSubmitted {
			f.Rule = RuleReviewOverdue
			f.Args = args(map[string]any{"days": daysBetween(*r.SubmittedAt, now, m.set.Location)})
		} else {
			f.Rule = RuleInfoOverdue
			f.Args = args(map[string]any{"days": daysBetween(*r.InfoRequestedAt, now, m.set.Location)})
		}
		f.Severity = m.severity(f.Rule)
		add(f)
	}
	return nil
}

// ruleDomesticPresence: NO_DOMESTIC_PRESENCE, holders (officials, and
// agencies for their institutional accounts) with an active foreign account
// and no active domestic one.
func (m *Monitor) ruleDomesticPresence(ctx context.Context, db *gorm.DB, u *universe, add func(finding)) error {
	if !u.full() {
		return m.presenceOfHolders(ctx, db, u, add)
	}
	type row struct{ HolderID, AgencyID int64 }
	group := func(holderCol, where string, ids []int64) ([]row, error) {
		var rows []row
		q := db.WithContext(ctx).Table("accounts").Select(holderCol+" AS holder_id, MAX(accounts.agency_id) AS agency_id").
			Joins("JOIN platforms ON platforms.id = accounts.platform_id").
			Where("accounts.status = ? AND "+where, registry.StatusActive).
			Group(holderCol).
			Having("SUM(CASE WHEN platforms.origin = ? THEN 1 ELSE 0 END) > 0 AND SUM(CASE WHEN platforms.origin = ? THEN 1 ELSE 0 END) = 0", registry.OriginForeign, registry.OriginDomestic)
		if ids != nil {
			q = q.Where(holderCol+" IN ?", ids)
		}
		err := q.Scan(&rows).Error
		return rows, err
	}
	var offIDs, agIDs []int64
	if !u.full() {
		offIDs, agIDs = orEmpty(u.officials), orEmpty(u.agencies)
	}
	officials, err := group("accounts.official_id", "accounts.official_id IS NOT NULL", offIDs)
	if err != nil {
		return fmt.Errorf("scan presence: %w", err)
	}
	for _, r := range officials {
		oid := r.HolderID
		add(finding{Rule: RuleNoDomesticPresence, Severity: m.severity(RuleNoDomesticPresence), SubjectType: SubjectOfficial, SubjectID: oid,
			OfficialID: &oid, AgencyID: r.AgencyID})
	}
	// COALESCE, not IS NULL: the institutional accounts are most of the
	// table, and a test the official index can answer would lead the
	// planner to walk all of them instead of the few holders asked for.
	agencies, err := group("accounts.agency_id", "COALESCE(accounts.official_id, 0) = 0", agIDs)
	if err != nil {
		return fmt.Errorf("scan presence: %w", err)
	}
	for _, r := range agencies {
		add(finding{Rule: RuleNoDomesticPresence, Severity: m.severity(RuleNoDomesticPresence), SubjectType: SubjectAgency, SubjectID: r.HolderID,
			AgencyID: r.HolderID})
	}
	return nil
}

// presenceOfHolders is NO_DOMESTIC_PRESENCE for the few holders a write
// touched. It asks each holder whether an active foreign account and an
// active domestic one exist, which stops at the first account found,
// instead of grouping all of the holders' accounts: a ministry holds
// hundreds, and a rescan runs after every write.
func (m *Monitor) presenceOfHolders(ctx context.Context, db *gorm.DB, u *universe, add func(finding)) error {
	type row struct{ HolderID, AgencyID int64 }
	// COALESCE, not IS NULL, for the agencies' own accounts: see
	// ruleDomesticPresence.
	has := func(holder string) string {
		return "EXISTS (SELECT 1 FROM accounts a JOIN platforms p ON p.id = a.platform_id WHERE " + holder + " AND a.status = ? AND p.origin = ?)"
	}
	active, foreign, domestic := registry.StatusActive, registry.OriginForeign, registry.OriginDomestic
	if len(u.officials) > 0 {
		var rows []row
		q := "SELECT h.id AS holder_id, (SELECT MAX(a.agency_id) FROM accounts a WHERE a.official_id = h.id AND a.status = ?) AS agency_id" +
			" FROM officials h WHERE h.id IN ? AND " + has("a.official_id = h.id") + " AND NOT " + has("a.official_id = h.id")
		if err := db.WithContext(ctx).Raw(q, active, u.officials, active, foreign, active, domestic).Scan(&rows).Error; err != nil {
			return fmt.Errorf("scan presence: %w", err)
		}
		for _, r := range rows {
			oid := r.HolderID
			add(finding{Rule: RuleNoDomesticPresence, Severity: m.severity(RuleNoDomesticPresence), SubjectType: SubjectOfficial, SubjectID: oid,
				OfficialID: &oid, AgencyID: r.AgencyID})
		}
	}
	if len(u.agencies) > 0 {
		var ids []int64
		own := "a.agency_id = h.id AND COALESCE(a.official_id, 0) = 0"
		q := "SELECT h.id FROM agencies h WHERE h.id IN ? AND " + has(own) + " AND NOT " + has(own)
		if err := db.WithContext(ctx).Raw(q, u.agencies, active, foreign, active, domestic).Scan(&ids).Error; err != nil {
			return fmt.Errorf("scan presence: %w", err)
		}
		for _, id := range ids {
			add(finding{Rule: RuleNoDomesticPresence, Severity: m.severity(RuleNoDomesticPresence), SubjectType: SubjectAgency, SubjectID: id,
				AgencyID: id})
		}
	}
	return nil
}

func orEmpty(ids []int64) []int64 {
	if len(ids) == 0 {
		return []int64{-1}
	}
	return ids
}

// rulePlatformPrivacy: PLATFORM_PRIVACY, active domestic platforms whose
// latest assessment is not a pass, once the privacy directive's deadline
// has passed. Only full scans look at platforms.
func (m *Monitor) rulePlatformPrivacy(ctx context.Context, db *gorm.DB, now time.Time, u *universe, add func(finding)) error {
	if !u.full() {
		return nil
	}
	deadline, err := m.store.DeadlineOf(ctx, registry.DirectivePrivacy)
	if err != nil || deadline == nil || now.Before(*deadline) {
		return err
	}
	type row struct {
		ID      int64
		Overall *string
	}
	var rows []row
	err = db.WithContext(ctx).Table("platforms").Select(`platforms.id, (SELECT pa.overall FROM platform_assessments pa WHERE pa.platform_id = platforms.id
ORDER BY pa.assessed_on DESC, pa.id DESC LIMIT 1) AS overall`).
		Where("platforms.origin = ? AND platforms.active", registry.OriginDomestic).Scan(&rows).Error
	if err != nil {
		return fmt.Errorf("scan platforms: %w", err)
	}
	for _, r := range rows {
		if r.Overall != nil && *r.Overall == "pass" {
			continue
		}
		state := "not_assessed"
		if r.Overall != nil {
			state = *r.Overall
		}
		add(finding{Rule: RulePlatformPrivacy, Severity: m.severity(RulePlatformPrivacy), SubjectType: SubjectPlatform, SubjectID: r.ID,
			Args: args(map[string]any{"assessment": state, "deadline": deadline.In(m.set.Location).Format(time.DateOnly)})})
	}
	return nil
}

// RuleCodes lists the rule codes, for filters.
func RuleCodes() []string {
	out := make([]string, len(Rules))
	for i, r := range Rules {
		out[i] = r.Code
	}
	return out
}

// ValidSeverity reports whether s is a severity.
func ValidSeverity(s string) bool {
	return slices.Contains([]string{SeverityHigh, SeverityWarning, SeverityNotice, SeverityLow}, strings.TrimSpace(s))
}
