package monitor

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hozur/registry"
	"hozur/registry/storetest"
)

var repTZ = registry.DefaultRules().Location

func repAt(y, m, d, h, mi int) time.Time { return time.Date(y, time.Month(m), d, h, mi, 0, 0, repTZ) }

func repMust[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestWeekOf(t *testing.T) {
	cases := []struct {
		name       string
		t          time.Time
		start, end time.Time
	}{
		{"Friday 23:59 is the week's last minute", repAt(2026, 11, 20, 23, 59), repAt(2026, 11, 14, 0, 0), repAt(2026, 11, 21, 0, 0)},
		{"Saturday 00:00 starts the next week", repAt(2026, 11, 21, 0, 0), repAt(2026, 11, 21, 0, 0), repAt(2026, 11, 28, 0, 0)},
		{"a Wednesday", repAt(2026, 11, 25, 13, 30), repAt(2026, 11, 21, 0, 0), repAt(2026, 11, 28, 0, 0)},
		{"a moment given in UTC, already Saturday in Tehran", time.Date(2026, 11, 20, 21, 0, 0, 0, time.UTC), repAt(2026, 11, 21, 0, 0), repAt(2026, 11, 28, 0, 0)},
		{"the week of Nowruz 1404 (1 Farvardin is a Friday)", repAt(2025, 3, 21, 12, 0), repAt(2025, 3, 15, 0, 0), repAt(2025, 3, 22, 0, 0)},
		{"a week when Tehran still kept summer time", repAt(2021, 3, 24, 12, 0), repAt(2021, 3, 20, 0, 0), repAt(2021, 3, 27, 0, 0)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start, end := WeekOf(c.t, repTZ)
			if !start.Equal(c.start) || !end.Equal(c.end) {
				t.Fatalf("WeekOf(%s) = %s .. %s, want %s .. %s", c.t, start, end, c.start, c.end)
			}
			if start.In(repTZ).Weekday() != time.Saturday || start.In(repTZ).Hour() != 0 {
				t.Errorf("start %s is not Saturday midnight", start)
			}
		})
	}
	// The summer-time week is an hour short, and still ends at midnight.
	s, e := WeekOf(repAt(2021, 3, 24, 12, 0), repTZ)
	if e.Sub(s) != 167*time.Hour {
		t.Errorf("the week of the clock change lasts %s", e.Sub(s))
	}
}

func TestParseWeek(t *testing.T) {
	cases := []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{in: "2026-47", want: repAt(2026, 11, 21, 0, 0)}, // ISO week 47 runs Mon 16 - Sun 22 Nov; its Saturday is the 21st
		{in: "2026-W47", want: repAt(2026, 11, 21, 0, 0)},
		{in: "2026-01", want: repAt(2026, 1, 3, 0, 0)},
		{in: "2020-53", want: repAt(2021, 1, 2, 0, 0)},
		{in: "2026-11-21", want: repAt(2026, 11, 21, 0, 0)},
		{in: "2026-11-26", want: repAt(2026, 11, 21, 0, 0)},
		{in: "۲۰۲۶-۱۱-۲۱", want: repAt(2026, 11, 21, 0, 0)},
		{in: "2021-53", bad: true},
		{in: "2026-54", bad: true},
		{in: "2026-13-01", bad: true},
		{in: "next week", bad: true},
		{in: "", bad: true},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseWeek(c.in, repTZ)
			if c.bad {
				if err == nil {
					t.Fatalf("ParseWeek(%q) = %s, want an error", c.in, got)
				}
				return
			}
			if err != nil || !got.Equal(c.want) {
				t.Fatalf("ParseWeek(%q) = %s, %v; want %s", c.in, got, err, c.want)
			}
			if id := ISOWeekID(got, repTZ); strings.HasPrefix(c.in, "2026-4") && id != "2026-47" {
				t.Errorf("ISOWeekID = %s", id)
			}
		})
	}
}

func TestReportTitle(t *testing.T) {
	cases := []struct {
		start  time.Time
		fa, en string
	}{
		{repAt(2026, 11, 28, 0, 0), "گزارش هفتگی حضور — هفتهٔ ۷ تا ۱۳ آذر ۱۴۰۵", "Hozur weekly report — week of 28 Nov – 4 Dec 2026"},
		{repAt(2026, 11, 21, 0, 0), "گزارش هفتگی حضور — هفتهٔ ۳۰ آبان تا ۶ آذر ۱۴۰۵", "Hozur weekly report — week of 21–27 Nov 2026"},
		{repAt(2025, 3, 15, 0, 0), "گزارش هفتگی حضور — هفتهٔ ۲۵ اسفند ۱۴۰۳ تا ۱ فروردین ۱۴۰۴", "Hozur weekly report — week of 15–21 Mar 2025"},
		{repAt(2025, 12, 27, 0, 0), "گزارش هفتگی حضور — هفتهٔ ۶ تا ۱۲ دی ۱۴۰۴", "Hozur weekly report — week of 27 Dec 2025 – 2 Jan 2026"},
	}
	for _, c := range cases {
		if got := ReportTitle(c.start, repTZ, ""); got != c.fa {
			t.Errorf("ReportTitle(%s) = %q, want %q", c.start.Format(time.DateOnly), got, c.fa)
		}
		if got := ReportTitleEn(c.start, repTZ, ""); got != c.en {
			t.Errorf("ReportTitleEn(%s) = %q, want %q", c.start.Format(time.DateOnly), got, c.en)
		}
	}
	if got := ReportTitle(repAt(2026, 11, 28, 0, 0), repTZ, "وزارت نیرو"); !strings.HasSuffix(got, "۱۴۰۵ — وزارت نیرو") {
		t.Errorf("a cut's title: %q", got)
	}
}

// repWorld is a small registry built by hand, whose figures for the week
// of Saturday 14 to Friday 20 November 2026 are known.
type repWorld struct {
	t                     *testing.T
	now                   time.Time
	s                     *registry.Store
	m                     *Monitor
	a, a1, b              *registry.Agency
	o1, o2                *registry.OfficialView
	acc                   map[string]*registry.AccountView
	liaisonA, liaisonB    registry.Actor
	reviewer, official    registry.Actor
	weekStart, weekEnd    time.Time
	insideWeek, afterWeek time.Time
}

func (w *repWorld) ctx() context.Context { return context.Background() }

func newRepWorld(t *testing.T) *repWorld {
	t.Helper()
	w := &repWorld{t: t, now: repAt(2026, 10, 1, 9, 0), acc: map[string]*registry.AccountView{},
		weekStart: repAt(2026, 11, 14, 0, 0), weekEnd: repAt(2026, 11, 21, 0, 0),
		insideWeek: repAt(2026, 11, 17, 10, 0), afterWeek: repAt(2026, 11, 22, 9, 0)}
	dbPath := filepath.Join(t.TempDir(), "hozur.db")
	s, err := registry.Open(registry.Options{Driver: storetest.Driver(), DSN: storetest.DSN(t, dbPath), Path: dbPath, Now: func() time.Time { return w.now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Migrate(w.ctx()); err != nil {
		t.Fatal(err)
	}
	set := DefaultSettings()
	set.Ranks = []int{1, 2, 3, 4} // rank 5 is out of scope
	w.s, w.m = s, New(s, set, nil)
	ctx, sys := w.ctx(), registry.System
	w.a = repMust[*registry.Agency](t)(s.CreateAgency(ctx, sys, registry.AgencyInput{Code: "MIN-A", Name: "وزارت الف", NameEn: "Ministry A", Kind: registry.KindMinistry}))
	w.a1 = repMust[*registry.Agency](t)(s.CreateAgency(ctx, sys, registry.AgencyInput{Code: "A-ONE", Name: "ادارهٔ یکم", NameEn: "Office One", Kind: registry.KindOrganisation, ParentID: &w.a.ID}))
	w.b = repMust[*registry.Agency](t)(s.CreateAgency(ctx, sys, registry.AgencyInput{Code: "MIN-B", Name: "وزارت ب", NameEn: "Ministry B", Kind: registry.KindMinistry}))
	w.o1 = repMust[*registry.OfficialView](t)(s.CreateOfficial(ctx, sys, registry.OfficialInput{AgencyID: w.a1.ID, Name: "سارا احمدی", Position: "مدیرکل", Rank: 2, Serving: true}))
	w.o2 = repMust[*registry.OfficialView](t)(s.CreateOfficial(ctx, sys, registry.OfficialInput{AgencyID: w.b.ID, Name: "رضا کریمی", Position: "کارشناس", Rank: 5, Serving: true}))
	user := func(name string, role registry.Role, agency, official int64) registry.Actor {
		u := repMust[*registry.User](t)(s.CreateUser(ctx, sys, registry.UserInput{Username: name, Password: "a long password", Role: role, AgencyID: agency, OfficialID: official, Active: true}))
		return repMust[registry.Actor](t)(s.ActorFor(ctx, u))
	}
	w.liaisonA = user("liaison-a", registry.RoleLiaison, w.a.ID, 0)
	w.liaisonB = user("liaison-b", registry.RoleLiaison, w.b.ID, 0)
	w.reviewer = user("reviewer", registry.RoleReviewer, 0, 0)
	w.official = user("sara", registry.RoleOfficial, 0, w.o1.ID)

	// Accounts, registered before the week unless said otherwise.
	add := func(key, url, capacity string, agency, official int64, status string) *registry.AccountView {
		v, err := s.CreateAccount(ctx, sys, registry.AccountInput{URL: url, Capacity: capacity, AgencyID: agency, OfficialID: official, Status: status})
		if err != nil {
			t.Fatalf("account %s: %v", url, err)
		}
		w.acc[key] = v
		return v
	}
	a1 := add("a1", "https://x.com/ministry_a", registry.CapacityInstitutional, w.a.ID, 0, "")                         // covered by an exemption
	add("a2", "https://instagram.com/sara_office", registry.CapacityOffice, 0, w.o1.ID, "")                            // uncovered
	add("a3", "https://t.me/sara_personal", registry.CapacityPersonal, 0, w.o1.ID, "")                                 // covered by the group exemption
	add("a4", "https://x.com/reza_office", registry.CapacityOffice, 0, w.o2.ID, "")                                    // rank 5: out of scope
	add("a5", "https://eitaa.com/ministry_b", registry.CapacityInstitutional, w.b.ID, 0, "")                           // domestic
	a6 := add("a6", "https://x.com/ministry_b_old", registry.CapacityInstitutional, w.b.ID, 0, registry.StatusDormant) // not active
	a7 := add("a7", "https://youtube.com/@ministryb", registry.CapacityInstitutional, w.b.ID, 0, "")                   // exemption revoked in the week
	a8 := add("a8", "https://facebook.com/ministryb", registry.CapacityInstitutional, w.b.ID, 0, "")                   // exemption's last day is the week's Friday
	a9 := add("a9", "https://linkedin.com/company/ministry_b", registry.CapacityInstitutional, w.b.ID, 0, "")          // exemption ended on the Thursday
	add("a10", "https://threads.net/@ministry_b", registry.CapacityInstitutional, w.b.ID, 0, registry.StatusClosed)
	// Two accounts registered during the week, one of them domestic.
	w.now = w.insideWeek
	add("n1", "https://rubika.ir/ministry_a", registry.CapacityInstitutional, w.a.ID, 0, "")
	add("n2", "https://bale.ai/sara", registry.CapacityOffice, 0, w.o1.ID, "")
	// One registered after the week: not in its report.
	w.now = w.afterWeek
	add("late", "https://x.com/late_account", registry.CapacityInstitutional, w.b.ID, 0, "")
	w.now = repAt(2026, 10, 1, 9, 0)

	ex := func(acc *registry.AccountView, from, until time.Time, created time.Time, revoked *time.Time) {
		e := registry.Exemption{AccountID: acc.ID, ValidFrom: from, ValidUntil: until, CreatedAt: created, RevokedAt: revoked}
		if err := s.Write(ctx).Create(&e).Error; err != nil {
			t.Fatal(err)
		}
	}
	revoked := repAt(2026, 11, 18, 11, 0)
	ex(a1, repAt(2026, 1, 1, 0, 0), repAt(2026, 12, 10, 0, 0), repAt(2026, 1, 1, 9, 0), nil)     // ends 20 days after the week's Friday
	ex(a7, repAt(2026, 1, 1, 0, 0), repAt(2027, 1, 1, 0, 0), repAt(2026, 1, 1, 9, 0), &revoked)  // revoked in the week
	ex(a8, repAt(2026, 11, 15, 0, 0), repAt(2026, 11, 20, 0, 0), repAt(2026, 11, 15, 8, 0), nil) // granted in the week, ends with it
	ex(a9, repAt(2026, 6, 1, 0, 0), repAt(2026, 11, 19, 0, 0), repAt(2026, 6, 1, 9, 0), nil)     // expired in the week
	ex(a6, repAt(2026, 1, 1, 0, 0), repAt(2026, 12, 1, 0, 0), repAt(2026, 1, 1, 9, 0), nil)      // dormant account: not in scope
	grp := repMust[*registry.GroupExemption](t)(s.CreateGroupExemption(ctx, sys, registry.GroupExemptionInput{Title: "پایش رسانه", LegalRef: "۱۲",
		LegalDate: ptr(repAt(2026, 1, 1, 0, 0)), ValidFrom: ptr(repAt(2026, 1, 1, 0, 0)),
		Scope: registry.GroupScope{Agencies: []registry.ScopeAgency{{ID: w.a.ID, IncludeSub: true}}, Capacities: []string{registry.CapacityPersonal}}}))
	_ = grp

	// Flags: two high ones open at the week's end (one each in A and B),
	// one high resolved during the week, overdue items in and out of it.
	flag := func(rule, severity string, acc *registry.AccountView, opened time.Time, resolved *time.Time) {
		id := acc.ID
		f := Flag{Rule: rule, Severity: severity, SubjectType: SubjectAccount, SubjectID: acc.ID, AccountID: &id, OfficialID: acc.OfficialID,
			AgencyID: acc.AgencyID, Status: FlagOpen, OpenedAt: opened, LastSeenAt: opened, ResolvedAt: resolved}
		if resolved != nil {
			f.Status = FlagResolved
		}
		if err := s.Write(ctx).Create(&f).Error; err != nil {
			t.Fatal(err)
		}
	}
	inWeek := repAt(2026, 11, 16, 2, 0)
	flag("FOREIGN_NO_EXEMPTION", SeverityHigh, w.acc["a2"], repAt(2026, 10, 2, 2, 0), nil)                         // open high, A
	flag("CLOSURE_OVERDUE", SeverityHigh, a6, repAt(2026, 11, 10, 2, 0), nil)                                      // open high and overdue, B
	flag("FOREIGN_NO_EXEMPTION", SeverityHigh, a7, repAt(2026, 10, 2, 2, 0), &inWeek)                              // resolved in the week
	flag("EXEMPTION_EXPIRING", SeverityWarning, a8, inWeek, nil)                                                   // opened in the week
	flag("REVIEW_OVERDUE", SeverityWarning, w.acc["a2"], repAt(2026, 11, 1, 2, 0), ptr(repAt(2026, 11, 12, 2, 0))) // resolved before: gone
	flag("INFO_OVERDUE", SeverityWarning, w.acc["a3"], repAt(2026, 11, 21, 2, 0), nil)                             // after the week
	flag("CLOSURE_OVERDUE", SeverityHigh, w.acc["a3"], repAt(2026, 11, 12, 2, 0), nil)                             // personal account in A: overdue, open high

	// Justifications: two submitted in the week and decided in it, after 2
	// and 4 days; one submitted earlier and still waiting.
	just := func(acc *registry.AccountView, state string, submitted, decided *time.Time) {
		j := registry.Justification{AccountID: acc.ID, Grounds: "job_necessity", Statement: "x", State: state, SubmittedAt: submitted, DecidedAt: decided,
			CreatedAt: repAt(2026, 11, 1, 9, 0), UpdatedAt: repAt(2026, 11, 1, 9, 0)}
		if err := s.Write(ctx).Create(&j).Error; err != nil {
			t.Fatal(err)
		}
	}
	just(w.acc["a2"], registry.StateApproved, ptr(repAt(2026, 11, 14, 9, 0)), ptr(repAt(2026, 11, 16, 9, 0)))
	just(a9, registry.StateRejected, ptr(repAt(2026, 11, 15, 9, 0)), ptr(repAt(2026, 11, 19, 9, 0)))
	just(w.acc["a4"], registry.StateSubmitted, ptr(repAt(2026, 11, 3, 9, 0)), nil)

	// Privacy: Eitaa passed before the week's end; Rubika's fail came after.
	for _, pa := range []struct {
		code, overall string
		on            time.Time
	}{{"eitaa", "pass", repAt(2026, 11, 1, 0, 0)}, {"rubika", "fail", repAt(2026, 11, 25, 0, 0)}} {
		p := repMust[*registry.Platform](t)(s.PlatformByCode(ctx, pa.code))
		if err := s.Write(ctx).Exec("INSERT INTO platform_assessments (platform_id, assessed_on, overall, created_at) VALUES (?, ?, ?, ?)",
			p.ID, pa.on.UTC(), pa.overall, pa.on.UTC()).Error; err != nil {
			t.Fatal(err)
		}
	}
	w.now = w.afterWeek
	return w
}

func ptr[T any](v T) *T { return &v }

func (w *repWorld) row(d *ReportData, code string) ReportAgencyRow {
	w.t.Helper()
	for _, r := range d.ByAgency {
		if r.Code == code {
			return r
		}
	}
	w.t.Fatalf("no row %s in %+v", code, d.ByAgency)
	return ReportAgencyRow{}
}

func TestReportFigures(t *testing.T) {
	w := newRepWorld(t)
	d, err := w.m.BuildReport(w.ctx(), w.insideWeek, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.WeekStart != "2026-11-14" || d.WeekEnd != "2026-11-20" || d.Agency != nil {
		t.Errorf("week %s .. %s, agency %v", d.WeekStart, d.WeekEnd, d.Agency)
	}
	if d.Title != "گزارش هفتگی حضور — هفتهٔ ۲۳ تا ۲۹ آبان ۱۴۰۵" {
		t.Errorf("title %q", d.Title)
	}
	h := d.Headline
	// 11 registered by the week's end (the late one is not), one closed;
	// foreign: all but a5, n1 and n2. In scope: a1 a2 a3 a7 a8 a9;
	// covered: a1 (exemption), a3 (group), a8 (last day).
	if h.Accounts != 11 || h.Foreign != 8 || h.InScope != 6 || h.Covered != 3 {
		t.Errorf("headline %+v, want 11 accounts, 8 foreign, 6 in scope, 3 covered", h)
	}
	if h.Rate == nil || *h.Rate != 0.5 {
		t.Errorf("rate %v, want exactly 0.5", h.Rate)
	}
	if h.OpenHigh != 3 {
		t.Errorf("open high flags %d, want 3", h.OpenHigh)
	}
	ra, rb := w.row(d, "MIN-A"), w.row(d, "MIN-B")
	if ra.Accounts != 5 || ra.Foreign != 3 || ra.InScope != 3 || ra.Covered != 2 || ra.OpenHigh != 2 || ra.New != 2 {
		t.Errorf("ministry A %+v", ra)
	}
	if rb.Accounts != 6 || rb.Foreign != 5 || rb.InScope != 3 || rb.Covered != 1 || rb.OpenHigh != 1 || rb.New != 0 {
		t.Errorf("ministry B %+v", rb)
	}
	if len(d.ByAgency) != 2 {
		t.Errorf("national table has %d rows, want the 2 top-level agencies", len(d.ByAgency))
	}
	c := d.Changes
	want := ReportChanges{NewAccounts: 2, FlagsOpened: 1, FlagsResolved: 1, ExemptionsGranted: 1, ExemptionsExpired: 2, ExemptionsRevoked: 1,
		JustificationsFiled: 2, JustificationsDecided: 2}
	got := c
	got.MedianDaysToDecision = nil
	if got != want {
		t.Errorf("changes %+v\nwant    %+v", got, want)
	}
	if c.MedianDaysToDecision == nil || *c.MedianDaysToDecision != 3 {
		t.Errorf("median days %v, want 3", c.MedianDaysToDecision)
	}
	// Overdue: the two CLOSURE_OVERDUE open at the end, oldest first; the
	// personal account's handle is left out.
	if d.OverdueTotal != 2 || len(d.Overdue) != 2 || d.Overdue[0].AccountID != w.acc["a6"].ID || d.Overdue[0].Days != 10 {
		t.Errorf("overdue %d %+v", d.OverdueTotal, d.Overdue)
	}
	if o := d.Overdue[1]; o.Account != "" || o.Capacity != registry.CapacityPersonal || o.Holder != "سارا احمدی" {
		t.Errorf("personal overdue item %+v", o)
	}
	// Ending: the dormant a6 on 1 December, a1 on 10 December, 11 and 20
	// days after the week's Friday.
	if d.EndingTotal != 2 || len(d.Ending) != 2 || d.Ending[0].AccountID != w.acc["a6"].ID || d.Ending[0].DaysLeft != 11 ||
		d.Ending[1].AccountID != w.acc["a1"].ID || d.Ending[1].DaysLeft != 20 || d.Ending[1].LastDay != "2026-12-10" {
		t.Errorf("ending %d %+v", d.EndingTotal, d.Ending)
	}
	privacy := map[string]ReportPrivacy{}
	for _, p := range d.Privacy {
		privacy[p.Code] = p
	}
	if p := privacy["eitaa"]; p.Overall != "pass" || p.AssessedOn != "2026-11-01" {
		t.Errorf("eitaa %+v", p)
	}
	if p := privacy["rubika"]; p.Overall != "" {
		t.Errorf("rubika was assessed after the week: %+v", p)
	}
	if len(d.Trend) != 12 || d.Trend[11].WeekStart != "2026-11-14" || !d.Trend[11].Stored || d.Trend[0].Stored || d.Trend[0].WeekStart != "2026-08-29" {
		t.Errorf("trend %+v", d.Trend)
	}
}

// TestCoveredSQLMatchesCoverOf holds the report's set-based coverage to the
// registry's one rule, account by account, at moments around the edges.
func TestCoveredSQLMatchesCoverOf(t *testing.T) {
	w := newRepWorld(t)
	ctx := w.ctx()
	// More group scopes: by rank, by position, by platform and category.
	for _, sc := range []registry.GroupScope{
		{Ranks: []int{2}, Platforms: []string{"instagram"}},
		{Positions: []string{"كارشناس"}}, // Arabic kaf: the same key as the Persian
		{Categories: []string{"video"}, Agencies: []registry.ScopeAgency{{ID: w.b.ID}}},
		{Agencies: []registry.ScopeAgency{{ID: w.a1.ID}}},
	} {
		repMust[*registry.GroupExemption](t)(w.s.CreateGroupExemption(ctx, registry.System, registry.GroupExemptionInput{Title: "g", LegalRef: "1",
			LegalDate: ptr(repAt(2026, 1, 1, 0, 0)), ValidFrom: ptr(repAt(2026, 11, 18, 0, 0)), ValidUntil: ptr(repAt(2026, 11, 25, 0, 0)), Scope: sc}))
	}
	var ids []int64
	for _, a := range w.acc {
		ids = append(ids, a.ID)
	}
	for _, at := range []time.Time{repAt(2026, 11, 17, 23, 59), repAt(2026, 11, 20, 23, 59), repAt(2026, 11, 25, 23, 0), repAt(2026, 11, 26, 0, 0), repAt(2026, 12, 10, 12, 0), repAt(2026, 12, 11, 0, 0)} {
		b := &reportBuilder{m: w.m, tz: repTZ, asOf: at.UTC()}
		if err := w.s.Read(ctx).Order("id").Find(&b.platforms).Error; err != nil {
			t.Fatal(err)
		}
		cond, args, err := b.coveredSQL(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		if err := w.s.Read(ctx).Table("accounts AS a").Where(cond, args...).Pluck("a.id", &got).Error; err != nil {
			t.Fatal(err)
		}
		in := map[int64]bool{}
		for _, id := range got {
			in[id] = true
		}
		covers, err := w.s.Coverages(ctx, ids, at)
		if err != nil {
			t.Fatal(err)
		}
		for key, a := range w.acc {
			if want := covers[a.ID].Kind != registry.CoverNone; want != in[a.ID] {
				t.Errorf("at %s, account %s: SQL says covered=%v, CoverOf says %v (%+v)", at, key, in[a.ID], want, covers[a.ID])
			}
		}
	}
}

func TestReportCut(t *testing.T) {
	w := newRepWorld(t)
	d, err := w.m.BuildReport(w.ctx(), w.weekStart, &w.a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Agency == nil || d.Agency.ID != w.a.ID || !strings.HasSuffix(d.Title, "— وزارت الف") || !strings.HasSuffix(d.TitleEn, "— Ministry A") {
		t.Errorf("cut of %+v titled %q / %q", d.Agency, d.Title, d.TitleEn)
	}
	if len(d.ByAgency) != 2 || !d.ByAgency[0].Own || d.ByAgency[1].Code != "A-ONE" {
		t.Fatalf("cut rows %+v", d.ByAgency)
	}
	own, one := d.ByAgency[0], d.ByAgency[1]
	// Own: a1 and n1; Office One: a2, a3, n2.
	if own.Accounts != 2 || own.InScope != 1 || own.Covered != 1 || one.Accounts != 3 || one.InScope != 2 || one.Covered != 1 || one.OpenHigh != 2 {
		t.Errorf("own %+v, office one %+v", own, one)
	}
	if d.Headline.Accounts != 5 || d.Headline.InScope != 3 || d.Headline.Covered != 2 || d.Headline.OpenHigh != 2 {
		t.Errorf("cut headline %+v", d.Headline)
	}
	for _, o := range d.Overdue {
		if o.AgencyID == w.b.ID {
			t.Errorf("another agency's overdue item in the cut: %+v", o)
		}
	}
	if d.OverdueTotal != 1 || d.Changes.ExemptionsRevoked != 0 || d.Changes.JustificationsDecided != 1 || d.Changes.NewAccounts != 2 {
		t.Errorf("cut overdue %d, changes %+v", d.OverdueTotal, d.Changes)
	}
	// The stored cut: its liaison sees it, the other agency's does not.
	r := repMust[*Report](t)(w.m.Report(w.ctx(), w.weekStart, &w.a.ID))
	if _, err := w.m.ReportByID(w.ctx(), w.liaisonA, r.ID); err != nil {
		t.Errorf("liaison of A: %v", err)
	}
	for name, a := range map[string]registry.Actor{"liaison of B": w.liaisonB, "official": w.official} {
		if _, err := w.m.ReportByID(w.ctx(), a, r.ID); !errors.Is(err, registry.ErrForbidden) {
			t.Errorf("%s fetched A's cut: %v", name, err)
		}
	}
	nat := repMust[*Report](t)(w.m.Report(w.ctx(), w.weekStart, nil))
	if _, err := w.m.ReportByID(w.ctx(), w.liaisonA, nat.ID); !errors.Is(err, registry.ErrForbidden) {
		t.Errorf("a liaison fetched the national report: %v", err)
	}
	if _, err := w.m.ReportByID(w.ctx(), w.reviewer, r.ID); err != nil {
		t.Errorf("reviewer: %v", err)
	}
}

func TestReportStoredImmutably(t *testing.T) {
	w := newRepWorld(t)
	ctx := w.ctx()
	first := repMust[*Report](t)(w.m.Report(ctx, w.insideWeek, nil))
	if !first.WeekStart.Equal(w.weekStart) || !first.WeekEnd.Equal(w.weekEnd) {
		t.Errorf("stored week %s .. %s", first.WeekStart, first.WeekEnd)
	}
	again := repMust[*Report](t)(w.m.Report(ctx, w.weekStart, nil))
	if again.ID != first.ID || again.HTML != first.HTML || again.SHA256 != first.SHA256 || again.Data != first.Data {
		t.Fatal("a second fetch differs")
	}
	// The registry changes: a new covered account, a revoked exemption, a
	// flag resolved; the report of the past week does not.
	w.now = repAt(2026, 11, 23, 9, 0)
	repMust[*registry.AccountView](t)(w.s.CreateAccount(ctx, registry.System, registry.AccountInput{URL: "https://x.com/brand_new", Capacity: registry.CapacityInstitutional, AgencyID: w.a.ID}))
	if err := w.s.Write(ctx).Exec("UPDATE exemptions SET revoked_at = ?", w.now.UTC()).Error; err != nil {
		t.Fatal(err)
	}
	if err := w.s.Write(ctx).Exec("UPDATE accounts SET status = 'closed', closed_at = ?", w.now.UTC()).Error; err != nil {
		t.Fatal(err)
	}
	later := repMust[*Report](t)(w.m.Report(ctx, w.weekStart, nil))
	if later.ID != first.ID || later.HTML != first.HTML || later.SHA256 != first.SHA256 || later.Data != first.Data {
		t.Fatal("the stored report changed with the registry")
	}
	byID := repMust[*Report](t)(w.m.ReportByID(ctx, w.reviewer, first.ID))
	if byID.HTML != first.HTML {
		t.Fatal("ReportByID differs")
	}
	// What a new build would say is different: the stored one is not rebuilt.
	fresh := repMust[*ReportData](t)(w.m.BuildReport(ctx, w.weekStart, nil))
	if fresh.Headline.InScope == repMust[*ReportData](t)(first.Parsed()).Headline.InScope {
		t.Error("the registry change did not change a fresh build; the test proves nothing")
	}
	var n int64
	w.s.Read(ctx).Table("reports").Count(&n)
	if n != 1 {
		t.Errorf("%d report rows", n)
	}
	// A week that has not ended is refused.
	_, err := w.m.Report(ctx, w.now, nil)
	var ce *registry.ConflictError
	if !errors.As(err, &ce) || ce.Key != "report.week_not_over" {
		t.Errorf("the running week: %v", err)
	}
	// The week ending at the very moment: Friday 24:00 is over.
	w.now = repAt(2026, 11, 28, 0, 0)
	if _, err := w.m.Report(ctx, repAt(2026, 11, 27, 23, 59), nil); err != nil {
		t.Errorf("a week just ended: %v", err)
	}
	w.now = repAt(2026, 11, 27, 23, 59)
	if _, err := w.m.Report(ctx, repAt(2026, 11, 27, 23, 59), &w.a.ID); err == nil {
		t.Error("the week was made a minute before its end")
	}
}

func TestGenerateWeek(t *testing.T) {
	w := newRepWorld(t)
	ctx := w.ctx()
	// Saturday 07:00 after the week: its reports, national and a cut per
	// agency with an active liaison (A and B).
	now := repAt(2026, 11, 21, 7, 0)
	w.now = now
	rs := repMust[[]Report](t)(w.m.GenerateWeek(ctx, now))
	if len(rs) != 3 || rs[0].AgencyID != nil || *rs[1].AgencyID != w.a.ID || *rs[2].AgencyID != w.b.ID {
		t.Fatalf("generated %+v", rs)
	}
	for _, r := range rs {
		if !r.WeekStart.Equal(w.weekStart) {
			t.Errorf("report %d of week %s", r.ID, r.WeekStart)
		}
	}
	again := repMust[[]Report](t)(w.m.GenerateWeek(ctx, now.Add(time.Hour)))
	for i := range rs {
		if again[i].ID != rs[i].ID || again[i].SHA256 != rs[i].SHA256 {
			t.Errorf("second run made report %d anew", i)
		}
	}
	// Listing: the reviewer sees all three, national first; a liaison their cut.
	all := repMust[registry.Result[ReportSummary]](t)(w.m.Reports(ctx, w.reviewer, ReportFilter{}, registry.Page{WithTotal: true}))
	if all.Total != 3 || len(all.Items) != 3 || all.Items[0].AgencyID != nil {
		t.Errorf("reviewer's list %+v", all)
	}
	mine := repMust[registry.Result[ReportSummary]](t)(w.m.Reports(ctx, w.liaisonB, ReportFilter{}, registry.Page{}))
	if len(mine.Items) != 1 || *mine.Items[0].AgencyID != w.b.ID || mine.Items[0].AgencyName != "وزارت ب" {
		t.Errorf("liaison's list %+v", mine.Items)
	}
	if _, err := w.m.Reports(ctx, w.official, ReportFilter{}, registry.Page{}); !errors.Is(err, registry.ErrForbidden) {
		t.Errorf("official's list: %v", err)
	}
	// Paging, one at a time, newest week first.
	w.now = repAt(2026, 11, 29, 7, 0)
	repMust[[]Report](t)(w.m.GenerateWeek(ctx, w.now))
	var seen []string
	p := registry.Page{PerPage: 2}
	for range 10 {
		res := repMust[registry.Result[ReportSummary]](t)(w.m.Reports(ctx, w.reviewer, ReportFilter{}, p))
		for _, it := range res.Items {
			id := WeekID(it.WeekStart, repTZ)
			if it.AgencyID != nil {
				id += "/" + it.AgencyName
			}
			seen = append(seen, id)
		}
		if res.Next == "" {
			break
		}
		p.Cursor = res.Next
	}
	wantSeen := []string{"2026-11-21", "2026-11-21/وزارت الف", "2026-11-21/وزارت ب", "2026-11-14", "2026-11-14/وزارت الف", "2026-11-14/وزارت ب"}
	if strings.Join(seen, ",") != strings.Join(wantSeen, ",") {
		t.Errorf("pages %v\nwant  %v", seen, wantSeen)
	}
	week := repAt(2026, 11, 16, 0, 0)
	one := repMust[registry.Result[ReportSummary]](t)(w.m.Reports(ctx, w.reviewer, ReportFilter{Week: &week, National: true}, registry.Page{}))
	if len(one.Items) != 1 || WeekID(one.Items[0].WeekStart, repTZ) != "2026-11-14" {
		t.Errorf("filtered %+v", one.Items)
	}
}

func TestReportTrend(t *testing.T) {
	w := newRepWorld(t)
	ctx := w.ctx()
	w.now = repAt(2026, 12, 6, 9, 0)
	// Store a week, skip one, store two more, then the last: the trend
	// shows the gap.
	repMust[*Report](t)(w.m.Report(ctx, repAt(2026, 10, 31, 0, 0), nil))
	repMust[*Report](t)(w.m.Report(ctx, w.weekStart, nil))
	repMust[*Report](t)(w.m.Report(ctx, repAt(2026, 11, 21, 0, 0), nil))
	r := repMust[*Report](t)(w.m.Report(ctx, repAt(2026, 11, 28, 0, 0), nil))
	d := repMust[*ReportData](t)(r.Parsed())
	var stored []string
	for _, p := range d.Trend {
		if p.Stored {
			stored = append(stored, p.WeekStart)
		}
	}
	if strings.Join(stored, ",") != "2026-10-31,2026-11-14,2026-11-21,2026-11-28" || d.Trend[11].WeekStart != "2026-11-28" {
		t.Errorf("trend %+v", d.Trend)
	}
	if p := d.Trend[8]; p.WeekStart != "2026-11-07" || p.Stored || p.Rate != nil {
		t.Errorf("the gap %+v", p)
	}
	if p := d.Trend[9]; p.Rate == nil || *p.Rate != 0.5 {
		t.Errorf("first stored week's rate %+v", p)
	}
	for _, s := range []string{`id="trend-chart"`, "<svg", "<polyline", "<circle", "۵۰٫۰٪"} {
		if !strings.Contains(r.HTML, s) {
			t.Errorf("HTML lacks %q", s)
		}
	}
}
