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

var tehran = registry.DefaultRules().Location

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// env is a registry with a ministry, an official, users, and a monitor on a
// settable clock.
type env struct {
	t        *testing.T
	c        *clock
	s        *registry.Store
	m        *Monitor
	ministry *registry.Agency
	official *registry.OfficialView
	reviewer registry.Actor
	offUser  registry.Actor
}

func ctxb() context.Context { return context.Background() }

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func at(y, m, d, h, min int) time.Time { return time.Date(y, time.Month(m), d, h, min, 0, 0, tehran) }

func newEnv(t *testing.T) *env {
	t.Helper()
	c := &clock{t: at(2026, 1, 10, 9, 0)}
	dbPath := filepath.Join(t.TempDir(), "hozur.db")
	s, err := registry.Open(registry.Options{Driver: storetest.Driver(), DSN: storetest.DSN(t, dbPath), Path: dbPath, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Migrate(ctxb()); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, c: c, s: s, m: New(s, DefaultSettings(), nil)}
	e.ministry = must[*registry.Agency](t)(s.CreateAgency(ctxb(), registry.System, registry.AgencyInput{Code: "MIN-ICT", Name: "وزارت ارتباطات", Kind: registry.KindMinistry}))
	e.official = must[*registry.OfficialView](t)(s.CreateOfficial(ctxb(), registry.System, registry.OfficialInput{AgencyID: e.ministry.ID, Name: "سارا احمدی", Position: "مدیرکل روابط عمومی", Rank: 3, Serving: true}))
	mk := func(name string, role registry.Role, official int64) registry.Actor {
		u := must[*registry.User](t)(s.CreateUser(ctxb(), registry.System, registry.UserInput{Username: name, Password: "a long password", Role: role, OfficialID: official, Active: true}))
		return must[registry.Actor](t)(s.ActorFor(ctxb(), u))
	}
	e.reviewer = mk("reviewer", registry.RoleReviewer, 0)
	e.offUser = mk("sara", registry.RoleOfficial, e.official.ID)
	return e
}

func (e *env) account(url, capacity string) *registry.AccountView {
	e.t.Helper()
	in := registry.AccountInput{URL: url, Capacity: capacity, OfficialID: e.official.ID}
	if capacity == registry.CapacityInstitutional {
		in = registry.AccountInput{URL: url, Capacity: capacity, AgencyID: e.ministry.ID}
	}
	return must[*registry.AccountView](e.t)(e.s.CreateAccount(ctxb(), registry.System, in))
}

func (e *env) presence(notified time.Time, months int) {
	e.t.Helper()
	must[*registry.Directive](e.t)(e.s.CreateDirective(ctxb(), registry.System, registry.DirectiveInput{Title: "ضوابط حضور", Reference: "1",
		Kind: registry.DirectivePresence, NotifiedOn: &notified, WindowMonths: months}))
}

// flagsAt scans at t and returns the unresolved flags of a rule by subject.
func (e *env) flagsAt(t time.Time, rule string) map[int64]Flag {
	e.t.Helper()
	e.c.t = t
	if _, err := e.m.Scan(ctxb(), t, "manual", nil); err != nil {
		e.t.Fatal(err)
	}
	var list []Flag
	if err := e.s.Read(ctxb()).Where("rule = ? AND resolved_at IS NULL", rule).Find(&list).Error; err != nil {
		e.t.Fatal(err)
	}
	out := map[int64]Flag{}
	for _, f := range list {
		out[f.SubjectID] = f
	}
	return out
}

func TestForeignNoExemption(t *testing.T) {
	e := newEnv(t)
	e.presence(at(2026, 1, 1, 0, 0), 1) // deadline 1 Feb 2026, Tehran
	x := e.account("x.com/sara_ahmadi", registry.CapacityOffice)
	e.account("eitaa.com/sara_ahmadi", registry.CapacityOffice)
	cases := []struct {
		name     string
		at       time.Time
		severity string
		args     string
	}{
		{"day before the deadline: a notice with one day left", at(2026, 1, 31, 12, 0), SeverityNotice, `"days_left":1`},
		{"first minute of the deadline day", at(2026, 2, 1, 0, 0), SeverityHigh, `"deadline":"2026-02-01"`},
		{"day after", at(2026, 2, 2, 9, 0), SeverityHigh, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, ok := e.flagsAt(c.at, RuleForeignNoExemption)[x.ID]
			if !ok || f.Severity != c.severity || !strings.Contains(f.Args, c.args) {
				t.Errorf("flag %+v (found %v), want severity %s with %s", f, ok, c.severity, c.args)
			}
		})
	}
	// An approved exemption resolves it; its end brings it back.
	j := must[*registry.JustificationView](t)(e.s.CreateJustification(ctxb(), e.offUser, registry.JustificationInput{AccountID: x.ID, Grounds: "job_necessity", Statement: "x"}))
	must[*registry.JustificationView](t)(e.s.Transition(ctxb(), e.offUser, j.ID, registry.TransitionInput{To: registry.StateSubmitted}))
	until := at(2026, 4, 30, 0, 0)
	must[*registry.JustificationView](t)(e.s.Transition(ctxb(), e.reviewer, j.ID, registry.TransitionInput{To: registry.StateApproved, ValidUntil: &until}))
	if _, ok := e.flagsAt(at(2026, 2, 3, 9, 0), RuleForeignNoExemption)[x.ID]; ok {
		t.Error("flagged while covered")
	}
	if _, ok := e.flagsAt(at(2026, 4, 30, 23, 59), RuleForeignNoExemption)[x.ID]; ok {
		t.Error("flagged on the exemption's last day")
	}
	if _, ok := e.flagsAt(at(2026, 5, 1, 0, 0), RuleForeignNoExemption)[x.ID]; !ok {
		t.Error("not flagged the day after the exemption ended")
	}
	// Out of scope: personal capacity when the settings leave it out.
	e.m.set.Capacities = []string{registry.CapacityInstitutional, registry.CapacityOffice}
	p := e.account("instagram.com/sara.personal", registry.CapacityPersonal)
	if _, ok := e.flagsAt(at(2026, 5, 2, 0, 0), RuleForeignNoExemption)[p.ID]; ok {
		t.Error("a personal account was flagged with personal out of scope")
	}
	e.m.set.Ranks = []int{1, 2}
	if _, ok := e.flagsAt(at(2026, 5, 2, 0, 0), RuleForeignNoExemption)[x.ID]; ok {
		t.Error("a rank-3 official's account was flagged with ranks 1-2 in scope")
	}
}

func TestExemptionExpiringAndClosureOverdue(t *testing.T) {
	e := newEnv(t)
	x := e.account("x.com/sara_ahmadi", registry.CapacityOffice)
	j := must[*registry.JustificationView](t)(e.s.CreateJustification(ctxb(), e.offUser, registry.JustificationInput{AccountID: x.ID, Grounds: "job_necessity", Statement: "x"}))
	must[*registry.JustificationView](t)(e.s.Transition(ctxb(), e.offUser, j.ID, registry.TransitionInput{To: registry.StateSubmitted}))
	until := at(2026, 6, 30, 0, 0)
	must[*registry.JustificationView](t)(e.s.Transition(ctxb(), e.reviewer, j.ID, registry.TransitionInput{To: registry.StateApproved, ValidUntil: &until}))
	for _, c := range []struct {
		name string
		at   time.Time
		want bool
		days string
	}{
		{"31 days before", at(2026, 5, 30, 12, 0), false, ""},
		{"30 days before", at(2026, 5, 31, 0, 0), true, `"days_left":30`},
		{"last day", at(2026, 6, 30, 23, 0), true, `"days_left":0`},
		{"the day after it ended", at(2026, 7, 1, 0, 0), false, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, ok := e.flagsAt(c.at, RuleExemptionExpiring)[x.ID]
			if ok != c.want || (ok && !strings.Contains(f.Args, c.days)) {
				t.Errorf("flagged %v %+v, want %v %s", ok, f, c.want, c.days)
			}
		})
	}
	// Revocation: closure deadline 30 days later, overdue the day after it.
	e.c.t = at(2026, 6, 1, 10, 0)
	exs := must[registry.Result[registry.ExemptionView]](t)(e.s.Exemptions(ctxb(), registry.System, registry.ExemptionFilter{AccountID: x.ID}, registry.Page{}))
	must[*registry.ExemptionView](t)(e.s.RevokeExemption(ctxb(), e.reviewer, exs.Items[0].ID, "نقض شرایط"))
	for _, c := range []struct {
		name string
		at   time.Time
		want bool
	}{
		{"deadline day", at(2026, 7, 1, 23, 59), false},
		{"day after the deadline", at(2026, 7, 2, 0, 0), true},
	} {
		if _, ok := e.flagsAt(c.at, RuleClosureOverdue)[x.ID]; ok != c.want {
			t.Errorf("%s: flagged %v, want %v", c.name, ok, c.want)
		}
	}
	// Closing the account resolves it.
	must[*registry.AccountView](t)(e.s.UpdateAccount(ctxb(), registry.System, x.ID, registry.AccountInput{URL: x.URL, Capacity: x.Capacity, OfficialID: e.official.ID, Status: registry.StatusClosed}))
	if _, ok := e.flagsAt(at(2026, 7, 3, 0, 0), RuleClosureOverdue)[x.ID]; ok {
		t.Error("closed account still overdue")
	}
}

func TestOverdueJustifications(t *testing.T) {
	e := newEnv(t)
	x := e.account("x.com/sara_ahmadi", registry.CapacityOffice)
	j := must[*registry.JustificationView](t)(e.s.CreateJustification(ctxb(), e.offUser, registry.JustificationInput{AccountID: x.ID, Grounds: "job_necessity", Statement: "x"}))
	submitted := e.c.t
	must[*registry.JustificationView](t)(e.s.Transition(ctxb(), e.offUser, j.ID, registry.TransitionInput{To: registry.StateSubmitted}))
	if _, ok := e.flagsAt(submitted.AddDate(0, 0, 14).Add(-time.Minute), RuleReviewOverdue)[j.ID]; ok {
		t.Error("review overdue a minute before the SLA")
	}
	if _, ok := e.flagsAt(submitted.AddDate(0, 0, 14).Add(time.Minute), RuleReviewOverdue)[j.ID]; !ok {
		t.Error("review not overdue a minute after the SLA")
	}
	asked := submitted.AddDate(0, 0, 15)
	e.c.t = asked
	must[*registry.JustificationView](t)(e.s.Transition(ctxb(), e.reviewer, j.ID, registry.TransitionInput{To: registry.StateInfoRequested, Note: "?"}))
	if _, ok := e.flagsAt(asked.Add(time.Minute), RuleReviewOverdue)[j.ID]; ok {
		t.Error("review still overdue while waiting for information")
	}
	if _, ok := e.flagsAt(asked.AddDate(0, 0, 14).Add(-time.Minute), RuleInfoOverdue)[j.ID]; ok {
		t.Error("info overdue before its time")
	}
	if _, ok := e.flagsAt(asked.AddDate(0, 0, 14).Add(time.Minute), RuleInfoOverdue)[j.ID]; !ok {
		t.Error("info not overdue after its time")
	}
}

func TestPresenceVerificationOrphanPrivacy(t *testing.T) {
	e := newEnv(t)
	x := e.account("x.com/sara_ahmadi", registry.CapacityOffice)
	if _, ok := e.flagsAt(e.c.t, RuleNoDomesticPresence)[e.official.ID]; !ok {
		t.Error("official with only a foreign account not flagged")
	}
	e.account("eitaa.com/sara_ahmadi", registry.CapacityOffice)
	if _, ok := e.flagsAt(e.c.t, RuleNoDomesticPresence)[e.official.ID]; ok {
		t.Error("still flagged after a domestic account")
	}
	// Self-declared and unverified for more than 30 days.
	created := e.c.t
	self := must[*registry.AccountView](t)(e.s.CreateAccount(ctxb(), e.offUser, registry.AccountInput{URL: "rubika.ir/sara_ahmadi", Capacity: registry.CapacityPersonal}))
	if _, ok := e.flagsAt(created.AddDate(0, 0, 30).Add(-time.Minute), RuleUnverifiedAccount)[self.ID]; ok {
		t.Error("unverified flagged before 30 days")
	}
	if _, ok := e.flagsAt(created.AddDate(0, 0, 30).Add(time.Minute), RuleUnverifiedAccount)[self.ID]; !ok {
		t.Error("unverified not flagged after 30 days")
	}
	// Leaving office with no successor orphans the office accounts.
	left := e.c.t
	must[*registry.OfficialView](t)(e.s.LeaveOffice(ctxb(), registry.System, e.official.ID, registry.LeaveInput{LeftOn: &left}))
	if _, ok := e.flagsAt(e.c.t, RuleOfficeAccountOrphaned)[x.ID]; !ok {
		t.Error("office account of a departed official not orphaned")
	}
	if _, ok := e.flagsAt(e.c.t, RuleOfficeAccountOrphaned)[self.ID]; ok {
		t.Error("a personal account was called orphaned")
	}
	// Privacy: nothing before the directive's deadline; every unassessed
	// domestic platform after it; a pass clears one.
	notified := at(2026, 3, 1, 0, 0)
	must[*registry.Directive](t)(e.s.CreateDirective(ctxb(), registry.System, registry.DirectiveInput{Title: "حریم خصوصی", Reference: "1",
		Kind: registry.DirectivePrivacy, NotifiedOn: &notified, WindowMonths: 2}))
	if n := len(e.flagsAt(at(2026, 4, 30, 23, 0), RulePlatformPrivacy)); n != 0 {
		t.Errorf("%d privacy flags before the deadline", n)
	}
	if n := len(e.flagsAt(at(2026, 5, 1, 0, 0), RulePlatformPrivacy)); n != 7 {
		t.Errorf("%d privacy flags after the deadline, want the 7 domestic platforms", n)
	}
	eitaa := must[*registry.Platform](t)(e.s.PlatformByCode(ctxb(), "eitaa"))
	if err := e.s.Write(ctxb()).Exec("INSERT INTO platform_assessments (platform_id, assessed_on, overall, created_at) VALUES (?, ?, 'pass', ?)", eitaa.ID, e.c.t.UTC(), e.c.t.UTC()).Error; err != nil {
		t.Fatal(err)
	}
	if n := len(e.flagsAt(at(2026, 5, 2, 0, 0), RulePlatformPrivacy)); n != 6 {
		t.Errorf("%d privacy flags after a pass, want 6", n)
	}
}

func TestScanIsIdempotentAndRescanFollowsWrites(t *testing.T) {
	e := newEnv(t)
	e.s.SetChangeHook(e.m.OnChange)
	e.account("x.com/sara_ahmadi", registry.CapacityOffice)
	first := must[Scan](t)(e.m.Scan(ctxb(), e.c.t, "manual", nil))
	second := must[Scan](t)(e.m.Scan(ctxb(), e.c.t.Add(time.Hour), "manual", nil))
	// The write's rescan already opened the flags; the scans change nothing.
	if first.OpenTotal == 0 || first.Opened != 0 || second.Opened != 0 || second.Resolved != 0 || second.OpenTotal != first.OpenTotal {
		t.Errorf("first %+v, second %+v", first, second)
	}
	// A write updates the holder's flags at once, without a scan.
	y := e.account("t.me/sara_ahmadi_ict", registry.CapacityOffice)
	res := must[registry.Result[FlagView]](t)(e.m.Flags(ctxb(), e.reviewer, FlagFilter{AccountID: y.ID}, registry.Page{}))
	if len(res.Items) == 0 || res.Items[0].Rule != RuleForeignNoExemption {
		t.Fatalf("no flag for the new account right after the write: %+v", res.Items)
	}
	// Deleting the account resolves its flags at once too.
	if err := e.s.DeleteAccount(ctxb(), registry.System, y.ID); err != nil {
		t.Fatal(err)
	}
	res = must[registry.Result[FlagView]](t)(e.m.Flags(ctxb(), e.reviewer, FlagFilter{AccountID: y.ID}, registry.Page{}))
	if len(res.Items) != 0 {
		t.Errorf("flags of a deleted account still open: %+v", res.Items)
	}
	scans := must[registry.Result[Scan]](t)(e.m.Scans(ctxb(), e.reviewer, registry.Page{}))
	if len(scans.Items) != 2 || scans.Items[0].FinishedAt == nil {
		t.Errorf("scans %+v", scans.Items)
	}
}

func TestAcknowledgeAndScope(t *testing.T) {
	e := newEnv(t)
	x := e.account("x.com/sara_ahmadi", registry.CapacityOffice)
	must[Scan](t)(e.m.Scan(ctxb(), e.c.t, "manual", nil))
	res := must[registry.Result[FlagView]](t)(e.m.Flags(ctxb(), e.reviewer, FlagFilter{AccountID: x.ID, Rule: RuleForeignNoExemption}, registry.Page{}))
	if len(res.Items) != 1 {
		t.Fatalf("%d flags", len(res.Items))
	}
	id := res.Items[0].ID
	if _, err := e.m.Acknowledge(ctxb(), e.offUser, []int64{id}, "دیدم"); !errors.Is(err, registry.ErrForbidden) {
		t.Errorf("official acknowledging: %v", err)
	}
	if n := must[int](t)(e.m.Acknowledge(ctxb(), e.reviewer, []int64{id}, "در حال پیگیری")); n != 1 {
		t.Errorf("acknowledged %d", n)
	}
	// Acknowledged stays visible, and a scan keeps it acknowledged.
	must[Scan](t)(e.m.Scan(ctxb(), e.c.t.Add(time.Hour), "manual", nil))
	f := must[*FlagView](t)(e.m.Flag(ctxb(), e.reviewer, id))
	if f.Status != FlagAcknowledged || f.AckNote != "در حال پیگیری" {
		t.Errorf("after a scan: %+v", f.Flag)
	}
	// The official sees their own flags only.
	mine := must[registry.Result[FlagView]](t)(e.m.Flags(ctxb(), e.offUser, FlagFilter{}, registry.Page{}))
	for _, f := range mine.Items {
		if f.OfficialID == nil || *f.OfficialID != e.official.ID {
			t.Errorf("official sees another's flag %+v", f.Flag)
		}
	}
	if _, err := e.m.Flags(ctxb(), e.reviewer, FlagFilter{Rule: "NOPE"}, registry.Page{}); err == nil {
		t.Error("an unknown rule filter was accepted")
	}
}

func TestTwoScansChangeNothing(t *testing.T) {
	e := newEnv(t)
	e.account("x.com/sara_ahmadi", registry.CapacityOffice)
	e.account("rubika.ir/ict_news", registry.CapacityInstitutional)
	first := must[Scan](t)(e.m.Scan(ctxb(), e.c.t, "manual", nil))
	second := must[Scan](t)(e.m.Scan(ctxb(), e.c.t.Add(time.Hour), "manual", nil))
	if first.Opened != 2 || first.Evaluated != 2 {
		t.Errorf("first scan %+v, want 2 flags opened over 2 accounts", first)
	}
	if second.Opened != 0 || second.Resolved != 0 || second.OpenTotal != first.OpenTotal {
		t.Errorf("second scan %+v changed something", second)
	}
	var seen int64
	if err := e.s.Read(ctxb()).Model(&Flag{}).Where("last_seen_at > opened_at").Count(&seen).Error; err != nil || seen != 2 {
		t.Errorf("%d flags with last_seen after opened, want 2 (%v)", seen, err)
	}
}
