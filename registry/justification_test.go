package registry

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// flow is a world with a foreign account, its official's user, a liaison
// and two reviewers.
type flow struct {
	*world
	c                            *clock
	acct, domestic               *AccountView
	official, liaison, reviewer  Actor
	reviewer2, admin, auditorAct Actor
}

func newFlow(t *testing.T) *flow {
	t.Helper()
	c := newClock()
	w := newWorld(t, c)
	f := &flow{world: w, c: c}
	mk := func(name string, role Role, agency, official int64) Actor {
		u := must[*User](t)(w.s.CreateUser(ctxb(), System, UserInput{Username: name, Password: "a long password", Role: role, AgencyID: agency, OfficialID: official, Active: true}))
		return must[Actor](t)(w.s.ActorFor(ctxb(), u))
	}
	f.official = mk("melika", RoleOfficial, 0, w.official.ID)
	f.liaison = mk("liaison", RoleLiaison, w.ministry.ID, 0)
	f.reviewer = mk("reviewer", RoleReviewer, 0, 0)
	f.reviewer2 = mk("reviewer2", RoleReviewer, 0, 0)
	f.admin = mk("boss", RoleAdmin, 0, 0)
	f.auditorAct = mk("auditor", RoleAuditor, 0, 0)
	f.acct = must[*AccountView](t)(w.s.CreateAccount(ctxb(), f.official, AccountInput{URL: "x.com/melika_rezaei", Capacity: CapacityOffice}))
	f.domestic = must[*AccountView](t)(w.s.CreateAccount(ctxb(), f.official, AccountInput{URL: "eitaa.com/melika_rezaei", Capacity: CapacityOffice}))
	return f
}

func (f *flow) file(t *testing.T, a Actor, acct int64) *JustificationView {
	t.Helper()
	return must[*JustificationView](t)(f.s.CreateJustification(ctxb(), a, JustificationInput{AccountID: acct, Grounds: "international_outreach", Statement: "پیام به مخاطبان بین‌المللی"}))
}

func (f *flow) move(a Actor, id int64, to, note string, until *time.Time) (*JustificationView, error) {
	return f.s.Transition(ctxb(), a, id, TransitionInput{To: to, Note: note, ValidUntil: until})
}

func TestJustificationPath(t *testing.T) {
	f := newFlow(t)
	j := f.file(t, f.official, f.acct.ID)
	if j.State != StateDraft {
		t.Fatalf("new justification state %q", j.State)
	}
	tehran := f.s.Rules().Location
	until := time.Date(2027, 6, 21, 0, 0, 0, 0, tehran) // 31 Khordad 1406
	steps := []struct {
		name  string
		actor Actor
		to    string
		note  string
		until *time.Time
		want  string // resulting state, or "" for an error
		err   error
	}{
		{"reviewer cannot submit for the official", f.reviewer, StateSubmitted, "", nil, "", ErrForbidden},
		{"official submits", f.official, StateSubmitted, "", nil, StateSubmitted, nil},
		{"official cannot approve", f.official, StateApproved, "", &until, "", ErrForbidden},
		{"auditor cannot ask", f.auditorAct, StateInfoRequested, "?", nil, "", ErrForbidden},
		{"a question needs text", f.reviewer, StateInfoRequested, "", nil, "", &ValidationError{}},
		{"reviewer asks", f.reviewer, StateInfoRequested, "چرا پیام‌رسان داخلی کافی نیست؟", nil, StateInfoRequested, nil},
		{"no approval while waiting for the answer", f.reviewer, StateApproved, "", &until, "", &TransitionError{}},
		{"an answer needs text", f.official, StateSubmitted, "", nil, "", &ValidationError{}},
		{"official answers", f.official, StateSubmitted, "مخاطبان خارجی در ایکس هستند.", nil, StateSubmitted, nil},
		{"approval needs an end date", f.reviewer, StateApproved, "", nil, "", &ValidationError{}},
		{"approval too long", f.reviewer, StateApproved, "", ptr(time.Date(2028, 1, 1, 0, 0, 0, 0, tehran)), "", &ValidationError{}},
		{"reviewer approves", f.reviewer, StateApproved, "با رعایت ضوابط", &until, StateApproved, nil},
		{"no way back from approved", f.official, StateWithdrawn, "", nil, "", &TransitionError{}},
	}
	for _, s := range steps {
		got, err := f.move(s.actor, j.ID, s.to, s.note, s.until)
		switch {
		case s.err == nil && err != nil:
			t.Fatalf("%s: %v", s.name, err)
		case s.err == nil && got.State != s.want:
			t.Fatalf("%s: state %q, want %q", s.name, got.State, s.want)
		case s.err != nil && err == nil:
			t.Fatalf("%s: moved to %q, want an error", s.name, got.State)
		case s.err != nil:
			var ve *ValidationError
			var te *TransitionError
			ok := errors.Is(err, s.err) || (errors.As(s.err, &ve) && errors.As(err, &ve)) || (errors.As(s.err, &te) && errors.As(err, &te))
			if !ok {
				t.Fatalf("%s: error %v, want %T", s.name, err, s.err)
			}
		}
	}
	j = must[*JustificationView](t)(f.s.Justification(ctxb(), f.official, j.ID))
	if len(j.Notes) != 3 || j.Notes[0].Kind != NoteQuestion || j.Notes[1].Kind != NoteAnswer || j.Notes[2].Kind != NoteDecision {
		t.Errorf("conversation %+v", j.Notes)
	}
	cov := must[Cover](t)(f.s.Coverage(ctxb(), f.acct.ID, f.c.t))
	if cov.Kind != CoverIndividual || !cov.Until.Equal(until) {
		t.Errorf("coverage %+v, want individual until %v", cov, until)
	}
	// The official was told of the question and the decision.
	n := must[int64](t)(f.s.UnreadCount(ctxb(), f.official))
	if n != 2 {
		t.Errorf("official has %d unread notifications, want 2", n)
	}
	if l := must[int64](t)(f.s.UnreadCount(ctxb(), f.liaison)); l != 2 {
		t.Errorf("liaison has %d unread notifications, want 2", l)
	}
}

func ptr[T any](v T) *T { return &v }

func TestSelfDecisionRefused(t *testing.T) {
	f := newFlow(t)
	// The admin files for the official's account, then tries to decide.
	j := f.file(t, f.admin, f.acct.ID)
	must[*JustificationView](t)(f.move(f.admin, j.ID, StateSubmitted, "", nil))
	_, err := f.move(f.admin, j.ID, StateRejected, "no", nil)
	var fe *ForbiddenError
	if !errors.As(err, &fe) || fe.Key != "justification.self_filed" || !errors.Is(err, ErrForbidden) {
		t.Errorf("self-filed decision: %v", err)
	}
	// A reviewer who holds the account's office cannot decide on it.
	u := must[*User](t)(f.s.CreateUser(ctxb(), System, UserInput{Username: "rev-official", Password: "a long password", Role: RoleReviewer, OfficialID: f.world.official.ID, Active: true}))
	self := must[Actor](t)(f.s.ActorFor(ctxb(), u))
	_, err = f.move(self, j.ID, StateRejected, "no", nil)
	if !errors.As(err, &fe) || fe.Key != "justification.own_account" {
		t.Errorf("own-account decision: %v", err)
	}
	// Another reviewer may.
	if _, err := f.move(f.reviewer, j.ID, StateRejected, "بدون ضرورت شغلی", nil); err != nil {
		t.Fatal(err)
	}
	acc := must[*AccountView](t)(f.s.Account(ctxb(), System, f.acct.ID))
	want := f.s.Day(f.c.t).AddDate(0, 0, 30)
	if acc.ClosureDeadline == nil || !acc.ClosureDeadline.Equal(want) {
		t.Errorf("closure deadline %v, want %v", acc.ClosureDeadline, want)
	}
}

func TestJustificationRules(t *testing.T) {
	f := newFlow(t)
	_, err := f.s.CreateJustification(ctxb(), f.official, JustificationInput{AccountID: f.domestic.ID, Grounds: "other", Statement: "x"})
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Fields["account_id"] != "justification.domestic_account" {
		t.Errorf("domestic account: %v", err)
	}
	j := f.file(t, f.liaison, f.acct.ID) // a liaison files on the official's behalf
	_, err = f.s.CreateJustification(ctxb(), f.official, JustificationInput{AccountID: f.acct.ID, Grounds: "other", Statement: "x"})
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Key != "justification.open_exists" {
		t.Errorf("second open justification: %v", err)
	}
	other := must[*AccountView](t)(f.s.CreateAccount(ctxb(), System, AccountInput{URL: "x.com/oil_min", Capacity: CapacityInstitutional, AgencyID: f.b.ID}))
	if _, err := f.s.CreateJustification(ctxb(), f.liaison, JustificationInput{AccountID: other.ID, Grounds: "other", Statement: "x"}); !errors.Is(err, ErrForbidden) {
		t.Errorf("liaison for another agency: %v", err)
	}
	// Drafts can be edited and deleted; submitted ones cannot.
	must[*JustificationView](t)(f.s.UpdateJustification(ctxb(), f.official, j.ID, JustificationInput{Grounds: "job_necessity", Statement: "ضرورت شغلی"}))
	must[*JustificationView](t)(f.move(f.official, j.ID, StateSubmitted, "", nil))
	if _, err := f.s.UpdateJustification(ctxb(), f.official, j.ID, JustificationInput{Grounds: "other", Statement: "y"}); !errors.As(err, &ce) {
		t.Errorf("edit after submit: %v", err)
	}
	// Withdrawal from submitted.
	w := must[*JustificationView](t)(f.move(f.official, j.ID, StateWithdrawn, "", nil))
	if w.State != StateWithdrawn {
		t.Errorf("state %q", w.State)
	}
	// Illegal: draft straight to approved.
	j2 := f.file(t, f.official, f.acct.ID)
	var te *TransitionError
	if _, err := f.move(f.reviewer, j2.ID, StateApproved, "", ptr(f.c.t.AddDate(0, 1, 0))); !errors.As(err, &te) || te.From != StateDraft {
		t.Errorf("draft to approved: %v", err)
	}
	if _, err := f.move(f.reviewer, j2.ID, "bogus", "", nil); !errors.As(err, &te) {
		t.Errorf("unknown state: %v", err)
	}
}

func TestRenewalHasNoGap(t *testing.T) {
	f := newFlow(t)
	tz := f.s.Rules().Location
	approve := func(until time.Time) *Exemption {
		j := f.file(t, f.official, f.acct.ID)
		must[*JustificationView](t)(f.move(f.official, j.ID, StateSubmitted, "", nil))
		must[*JustificationView](t)(f.move(f.reviewer, j.ID, StateApproved, "", &until))
		res := must[Result[ExemptionView]](t)(f.s.Exemptions(ctxb(), System, ExemptionFilter{AccountID: f.acct.ID}, Page{}))
		return &res.Items[0].Exemption
	}
	first := approve(time.Date(2027, 3, 20, 0, 0, 0, 0, tz))
	f.c.advance(60 * 24 * time.Hour) // two months later, still covered
	second := approve(time.Date(2027, 12, 31, 0, 0, 0, 0, tz))
	if !second.ValidFrom.Equal(dayAfter(first.ValidUntil, tz)) {
		t.Errorf("renewal starts %v, the first ends %v", second.ValidFrom, first.ValidUntil)
	}
	for _, at := range []time.Time{time.Date(2027, 3, 20, 23, 59, 0, 0, tz), time.Date(2027, 3, 21, 0, 0, 0, 0, tz), time.Date(2027, 12, 31, 23, 0, 0, 0, tz)} {
		if c := must[Cover](t)(f.s.Coverage(ctxb(), f.acct.ID, at)); c.Kind != CoverIndividual {
			t.Errorf("not covered at %v", at)
		}
	}
	if c := must[Cover](t)(f.s.Coverage(ctxb(), f.acct.ID, time.Date(2028, 1, 1, 0, 0, 0, 0, tz))); c.Kind != CoverNone {
		t.Errorf("covered after the end: %+v", c)
	}
	// Revocation ends coverage now and sets a closure deadline.
	ev := must[*ExemptionView](t)(f.s.RevokeExemption(ctxb(), f.reviewer, second.ID, "نقض شرایط"))
	if ev.RevokedAt == nil {
		t.Fatal("not revoked")
	}
	if _, err := f.s.RevokeExemption(ctxb(), f.official, first.ID, "x"); !errors.Is(err, ErrForbidden) {
		t.Errorf("official revoking: %v", err)
	}
}

// TestCoverOf is the coverage rule as a table: scope edges, expiry at
// midnight in Tehran, revocation, overlapping individual and group cover.
func TestCoverOf(t *testing.T) {
	tz := DefaultRules().Location
	day := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, tz) }
	at := func(y, m, d, h, min int) time.Time { return time.Date(y, time.Month(m), d, h, min, 0, 0, tz) }
	paths := map[int64]string{1: "/1/", 7: "/1/7/", 9: "/9/"}
	pr := FactsPR()
	ex := Exemption{ID: 5, AccountID: pr.AccountID, ValidFrom: day(2026, 3, 21), ValidUntil: day(2026, 9, 22)}
	revoked := ex
	revoked.RevokedAt = ptr(at(2026, 6, 1, 12, 0))
	group := func(sc string, until *time.Time) GroupExemption {
		return GroupExemption{ID: 3, Title: "روابط عمومی", Scope: sc, ValidFrom: day(2026, 1, 1), ValidUntil: until}
	}
	gEnd := day(2026, 12, 30)
	cases := []struct {
		name   string
		facts  AccountFacts
		exs    []Exemption
		groups []GroupExemption
		at     time.Time
		want   string
		until  *time.Time
	}{
		{"nothing", pr, nil, nil, at(2026, 5, 1, 10, 0), CoverNone, nil},
		{"individual, first minute", pr, []Exemption{ex}, nil, at(2026, 3, 21, 0, 0), CoverIndividual, &ex.ValidUntil},
		{"individual, before it starts", pr, []Exemption{ex}, nil, at(2026, 3, 20, 23, 59), CoverNone, nil},
		{"individual, last minute of the last day in Tehran", pr, []Exemption{ex}, nil, at(2026, 9, 22, 23, 59), CoverIndividual, &ex.ValidUntil},
		{"individual, midnight after the last day", pr, []Exemption{ex}, nil, at(2026, 9, 23, 0, 0), CoverNone, nil},
		{"individual, UTC evening is already the next day in Tehran", pr, []Exemption{ex}, nil, time.Date(2026, 9, 22, 21, 0, 0, 0, time.UTC), CoverNone, nil},
		{"revoked: covered before", pr, []Exemption{revoked}, nil, at(2026, 6, 1, 11, 59), CoverIndividual, &ex.ValidUntil},
		{"revoked: not after", pr, []Exemption{revoked}, nil, at(2026, 6, 1, 12, 0), CoverNone, nil},
		{"another account's exemption", pr, []Exemption{{ID: 6, AccountID: 99, ValidFrom: day(2026, 1, 1), ValidUntil: day(2027, 1, 1)}}, nil, at(2026, 5, 1, 0, 0), CoverNone, nil},
		{"group by agency with sub-agencies", pr, nil, []GroupExemption{group(`{"agencies":[{"id":1,"include_sub":true}]}`, &gEnd)}, at(2026, 5, 1, 0, 0), CoverGroup, &gEnd},
		{"group by agency without sub-agencies", pr, nil, []GroupExemption{group(`{"agencies":[{"id":1,"include_sub":false}]}`, &gEnd)}, at(2026, 5, 1, 0, 0), CoverNone, nil},
		{"group by exact agency", pr, nil, []GroupExemption{group(`{"agencies":[{"id":7}]}`, &gEnd)}, at(2026, 5, 1, 0, 0), CoverGroup, &gEnd},
		{"group by other agency", pr, nil, []GroupExemption{group(`{"agencies":[{"id":9,"include_sub":true}]}`, &gEnd)}, at(2026, 5, 1, 0, 0), CoverNone, nil},
		{"group by position, typed with Arabic letters", pr, nil, []GroupExemption{group(`{"positions":["مديركل روابط عمومي"]}`, &gEnd)}, at(2026, 5, 1, 0, 0), CoverGroup, &gEnd},
		{"group by rank", pr, nil, []GroupExemption{group(`{"ranks":[3]}`, &gEnd)}, at(2026, 5, 1, 0, 0), CoverGroup, &gEnd},
		{"group by other rank", pr, nil, []GroupExemption{group(`{"ranks":[1,2]}`, &gEnd)}, at(2026, 5, 1, 0, 0), CoverNone, nil},
		{"group by platform and capacity", pr, nil, []GroupExemption{group(`{"platforms":["x"],"capacities":["office"]}`, &gEnd)}, at(2026, 5, 1, 0, 0), CoverGroup, &gEnd},
		{"group by platform, wrong capacity", pr, nil, []GroupExemption{group(`{"platforms":["x"],"capacities":["personal"]}`, &gEnd)}, at(2026, 5, 1, 0, 0), CoverNone, nil},
		{"group by category", pr, nil, []GroupExemption{group(`{"categories":["microblog"]}`, &gEnd)}, at(2026, 5, 1, 0, 0), CoverGroup, &gEnd},
		{"group with rank scope never covers an institutional account", AccountFacts{AccountID: 2, AgencyPath: "/1/7/", Platform: "x", Category: "microblog", Capacity: CapacityInstitutional}, nil, []GroupExemption{group(`{"ranks":[3]}`, &gEnd)}, at(2026, 5, 1, 0, 0), CoverNone, nil},
		{"group expired at midnight", pr, nil, []GroupExemption{group(`{}`, &gEnd)}, at(2026, 12, 31, 0, 0), CoverNone, nil},
		{"group open-ended", pr, nil, []GroupExemption{group(`{}`, nil)}, at(2030, 1, 1, 0, 0), CoverGroup, nil},
		{"group revoked", pr, nil, []GroupExemption{{ID: 3, Scope: `{}`, ValidFrom: day(2026, 1, 1), RevokedAt: ptr(at(2026, 4, 1, 0, 0))}}, at(2026, 5, 1, 0, 0), CoverNone, nil},
		{"group not yet in force", pr, nil, []GroupExemption{{ID: 3, Scope: `{}`, ValidFrom: day(2026, 6, 1)}}, at(2026, 5, 31, 23, 59), CoverNone, nil},
		{"overlap: the group lasts longer", pr, []Exemption{ex}, []GroupExemption{group(`{}`, &gEnd)}, at(2026, 5, 1, 0, 0), CoverGroup, &gEnd},
		{"overlap: the individual lasts longer", pr, []Exemption{ex}, []GroupExemption{group(`{}`, ptr(day(2026, 7, 1)))}, at(2026, 5, 1, 0, 0), CoverIndividual, &ex.ValidUntil},
		{"overlap: a tie goes to the individual", pr, []Exemption{ex}, []GroupExemption{group(`{}`, ptr(day(2026, 9, 22)))}, at(2026, 5, 1, 0, 0), CoverIndividual, &ex.ValidUntil},
		{"overlap: group left after the individual ends", pr, []Exemption{ex}, []GroupExemption{group(`{}`, &gEnd)}, at(2026, 10, 1, 0, 0), CoverGroup, &gEnd},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := CoverOf(c.facts, c.exs, c.groups, paths, c.at, tz)
			if got.Kind != c.want {
				t.Fatalf("kind %q, want %q", got.Kind, c.want)
			}
			if (got.Until == nil) != (c.until == nil) || (got.Until != nil && !got.Until.Equal(*c.until)) {
				t.Errorf("until %v, want %v", got.Until, c.until)
			}
		})
	}
}

// FactsPR is a public relations director's office account on X, in the
// agency /1/7/.
func FactsPR() AccountFacts {
	return AccountFacts{AccountID: 1, AgencyPath: "/1/7/", Rank: 3, Position: "مدیرکل روابط عمومی", Platform: "x", Category: "microblog", Capacity: CapacityOffice}
}

func TestGroupExemptionCoversAccounts(t *testing.T) {
	f := newFlow(t)
	from := f.s.Day(f.c.t).AddDate(0, -1, 0)
	g := must[*GroupExemption](t)(f.s.CreateGroupExemption(ctxb(), f.reviewer, GroupExemptionInput{Title: "پایش رسانه‌ای", LegalRef: "۱۲۳/ص", LegalDate: &from, ValidFrom: &from,
		Scope: GroupScope{Agencies: []ScopeAgency{{ID: f.ministry.ID, IncludeSub: true}}, Platforms: []string{"x"}}}))
	other := must[*AccountView](t)(f.s.CreateAccount(ctxb(), System, AccountInput{URL: "x.com/oil_min", Capacity: CapacityInstitutional, AgencyID: f.b.ID}))
	res := must[Result[AccountView]](t)(f.s.GroupCoveredAccounts(ctxb(), f.reviewer, g.ID, Page{}))
	if len(res.Items) != 1 || res.Items[0].ID != f.acct.ID {
		t.Errorf("covered %+v, want only account %d", res.Items, f.acct.ID)
	}
	if c := must[Cover](t)(f.s.Coverage(ctxb(), other.ID, f.c.t)); c.Kind != CoverNone {
		t.Errorf("other ministry's account covered: %+v", c)
	}
	if c := must[Cover](t)(f.s.Coverage(ctxb(), f.acct.ID, f.c.t)); c.Kind != CoverGroup || c.GroupID != g.ID {
		t.Errorf("account coverage %+v", c)
	}
	if _, err := f.s.CreateGroupExemption(ctxb(), f.liaison, GroupExemptionInput{Title: "x", LegalRef: "1", LegalDate: &from, ValidFrom: &from}); !errors.Is(err, ErrForbidden) {
		t.Errorf("liaison creating a group exemption: %v", err)
	}
	must[*GroupExemption](t)(f.s.RevokeGroupExemption(ctxb(), f.reviewer, g.ID, "پایان طرح"))
	if c := must[Cover](t)(f.s.Coverage(ctxb(), f.acct.ID, f.c.t)); c.Kind != CoverNone {
		t.Errorf("covered after revocation: %+v", c)
	}
}

func TestDirectiveAmendments(t *testing.T) {
	s := openTest(t, nil)
	notified := time.Date(2024, 1, 17, 0, 0, 0, 0, DefaultRules().Location)
	d := must[*Directive](t)(s.CreateDirective(ctxb(), System, DirectiveInput{Title: "دستورالعمل حفاظت از حریم خصوصی کاربران", Reference: "ش.۱۴۰۲/۱۰/۲۷", Kind: DirectivePrivacy, NotifiedOn: &notified, WindowMonths: 2}))
	if got := d.Deadline().Format(time.DateOnly); got != "2024-03-17" {
		t.Errorf("deadline %s", got)
	}
	amended := time.Date(2024, 3, 1, 0, 0, 0, 0, DefaultRules().Location)
	d = must[*Directive](t)(s.AmendDirective(ctxb(), System, d.ID, AmendmentInput{Reference: "اصلاحیه ۱", DatedOn: &amended, WindowMonths: 4}))
	if got := d.Deadline().Format(time.DateOnly); got != "2024-05-17" || d.Window() != 4 || len(d.Amendments) != 1 {
		t.Errorf("after amendment: deadline %s window %d amendments %d", got, d.Window(), len(d.Amendments))
	}
	early := notified.AddDate(0, 0, -1)
	if _, err := s.AmendDirective(ctxb(), System, d.ID, AmendmentInput{Reference: "x", DatedOn: &early, WindowMonths: 6}); err == nil {
		t.Error("an amendment before the notice was accepted")
	}
	if _, err := s.CreateDirective(ctxb(), Actor{Role: RoleReviewer, UserID: 5}, DirectiveInput{Title: "x", Reference: "y", Kind: DirectiveOther, NotifiedOn: &notified, WindowMonths: 1}); !errors.Is(err, ErrForbidden) {
		t.Errorf("reviewer creating a directive: %v", err)
	}
	dl := must[*time.Time](t)(s.DeadlineOf(ctxb(), DirectivePrivacy))
	if dl.Format(time.DateOnly) != "2024-05-17" {
		t.Errorf("DeadlineOf %v", dl)
	}
}

func TestLeaveOffice(t *testing.T) {
	f := newFlow(t)
	personal := must[*AccountView](t)(f.s.CreateAccount(ctxb(), f.official, AccountInput{URL: "instagram.com/melika.personal", Capacity: CapacityPersonal}))
	succ := must[*OfficialView](t)(f.s.CreateOfficial(ctxb(), System, OfficialInput{AgencyID: f.sub.ID, Name: "نرگس کریمی", Position: "مدیرکل", Rank: 3, Serving: true}))
	left := f.c.t
	if _, err := f.s.LeaveOffice(ctxb(), f.liaison, f.world.official.ID, LeaveInput{LeftOn: &left, SuccessorID: succ.ID}); err != nil {
		t.Fatal(err)
	}
	office := must[*AccountView](t)(f.s.Account(ctxb(), System, f.acct.ID))
	if office.OfficialID == nil || *office.OfficialID != succ.ID {
		t.Errorf("office account holder %v, want the successor %d", office.OfficialID, succ.ID)
	}
	p := must[*AccountView](t)(f.s.Account(ctxb(), System, personal.ID))
	if *p.OfficialID != f.world.official.ID {
		t.Error("the personal account moved with the office")
	}
	if h := must[[]Handover](t)(f.s.Handovers(ctxb(), f.acct.ID)); len(h) != 1 {
		t.Errorf("%d handovers", len(h))
	}
	// Without a successor the office account stays, orphaned.
	lone := must[*AccountView](t)(f.s.CreateAccount(ctxb(), System, AccountInput{URL: "t.me/narges_office", Capacity: CapacityOffice, OfficialID: succ.ID}))
	must[*OfficialView](t)(f.s.LeaveOffice(ctxb(), System, succ.ID, LeaveInput{LeftOn: &left}))
	lone = must[*AccountView](t)(f.s.Account(ctxb(), System, lone.ID))
	if !lone.Orphaned() {
		t.Error("office account without successor is not orphaned")
	}
	if _, err := f.s.LeaveOffice(ctxb(), System, succ.ID, LeaveInput{LeftOn: &left}); err == nil {
		t.Error("leaving office twice was accepted")
	}
}

// TestTimesStoredInUTC guards the text comparison of times in SQLite: a
// Tehran midnight is stored in UTC, so a group exemption starting today
// covers from the first minute of the day in Tehran.
func TestTimesStoredInUTC(t *testing.T) {
	f := newFlow(t)
	tz := f.s.Rules().Location
	f.c.t = time.Date(2026, 5, 1, 0, 30, 0, 0, tz).UTC() // 00:30 in Tehran, still 30 April in UTC
	start := time.Date(2026, 5, 1, 0, 0, 0, 0, tz)
	must[*GroupExemption](t)(f.s.CreateGroupExemption(ctxb(), f.reviewer, GroupExemptionInput{Title: "پایش", LegalRef: "1", LegalDate: &start, ValidFrom: &start, Scope: GroupScope{Platforms: []string{"x"}}}))
	if c := must[Cover](t)(f.s.Coverage(ctxb(), f.acct.ID, f.c.t)); c.Kind != CoverGroup {
		t.Errorf("at 00:30 Tehran on the first day: %+v", c)
	}
	var raw string
	if err := f.s.read.Raw("SELECT valid_from FROM group_exemptions").Scan(&raw).Error; err != nil {
		t.Fatal(err)
	}
	if want := "2026-04-30T20:30:00Z"; raw != want {
		t.Errorf("stored %q, want %q", raw, want)
	}
}

func TestMovesFor(t *testing.T) {
	f := newFlow(t)
	j := f.file(t, f.admin, f.acct.ID)
	if got := j.MovesFor(f.official); !slices.Equal(got, []string{StateSubmitted}) {
		t.Errorf("official on a draft: %v", got)
	}
	if got := j.MovesFor(f.reviewer); got != nil {
		t.Errorf("reviewer on a draft: %v", got)
	}
	j = must[*JustificationView](t)(f.move(f.admin, j.ID, StateSubmitted, "", nil))
	if got := j.MovesFor(f.reviewer); !slices.Equal(got, []string{StateInfoRequested, StateApproved, StateRejected}) {
		t.Errorf("reviewer on submitted: %v", got)
	}
	// The admin filed it: they may withdraw, not decide, and are told why.
	if got := j.MovesFor(f.admin); !slices.Equal(got, []string{StateWithdrawn}) {
		t.Errorf("admin who filed: %v", got)
	}
	if why := j.BlockedFor(f.admin); why != "justification.self_filed" {
		t.Errorf("BlockedFor = %q", why)
	}
	if got := j.MovesFor(f.auditorAct); got != nil {
		t.Errorf("auditor: %v", got)
	}
	// An auditor is refused before learning whether a move exists.
	if _, err := f.move(f.auditorAct, j.ID, "bogus", "", nil); !errors.Is(err, ErrForbidden) {
		t.Errorf("auditor with an unknown move: %v", err)
	}
}

func TestCoveragesMatchCoverage(t *testing.T) {
	f := newFlow(t)
	j := f.file(t, f.official, f.acct.ID)
	must[*JustificationView](t)(f.move(f.official, j.ID, StateSubmitted, "", nil))
	must[*JustificationView](t)(f.move(f.reviewer, j.ID, StateApproved, "", ptr(f.c.t.AddDate(0, 3, 0))))
	from := f.s.Day(f.c.t)
	must[*GroupExemption](t)(f.s.CreateGroupExemption(ctxb(), f.reviewer, GroupExemptionInput{Title: "g", LegalRef: "1", LegalDate: &from, ValidFrom: &from, Scope: GroupScope{Platforms: []string{"eitaa"}}}))
	other := must[*AccountView](t)(f.s.CreateAccount(ctxb(), System, AccountInput{URL: "x.com/oil_min", Capacity: CapacityInstitutional, AgencyID: f.b.ID}))
	ids := []int64{f.acct.ID, f.domestic.ID, other.ID}
	many := must[map[int64]Cover](t)(f.s.Coverages(ctxb(), ids, f.c.t))
	for _, id := range ids {
		one := must[Cover](t)(f.s.Coverage(ctxb(), id, f.c.t))
		if got := many[id]; got.Kind != one.Kind || got.ExemptionID != one.ExemptionID || got.GroupID != one.GroupID {
			t.Errorf("account %d: Coverages %+v, Coverage %+v", id, got, one)
		}
	}
	if many[f.acct.ID].Kind != CoverIndividual || many[f.domestic.ID].Kind != CoverGroup || many[other.ID].Kind != CoverNone {
		t.Errorf("covers %+v", many)
	}
}

func TestSuccessorNamedLater(t *testing.T) {
	f := newFlow(t)
	left := f.c.t
	must[*OfficialView](t)(f.s.LeaveOffice(ctxb(), System, f.world.official.ID, LeaveInput{LeftOn: &left}))
	if a := must[*AccountView](t)(f.s.Account(ctxb(), System, f.acct.ID)); !a.Orphaned() {
		t.Fatal("not orphaned")
	}
	succ := must[*OfficialView](t)(f.s.CreateOfficial(ctxb(), System, OfficialInput{AgencyID: f.sub.ID, Name: "نرگس کریمی", Position: "مدیرکل", Rank: 3, Serving: true}))
	must[*OfficialView](t)(f.s.LeaveOffice(ctxb(), System, f.world.official.ID, LeaveInput{SuccessorID: succ.ID}))
	a := must[*AccountView](t)(f.s.Account(ctxb(), System, f.acct.ID))
	if a.OfficialID == nil || *a.OfficialID != succ.ID || a.Orphaned() {
		t.Errorf("office account after naming a successor: holder %v orphaned %v", a.OfficialID, a.Orphaned())
	}
}

func TestDeleteAndRehandleGuarded(t *testing.T) {
	f := newFlow(t)
	j := f.file(t, f.official, f.acct.ID)
	var ce *ConflictError
	if err := f.s.DeleteAccount(ctxb(), System, f.acct.ID); !errors.As(err, &ce) || ce.Key != "account.in_use_workflow" {
		t.Errorf("delete with a justification: %v", err)
	}
	_, err := f.s.UpdateAccount(ctxb(), f.official, f.acct.ID, AccountInput{URL: "x.com/someone_else", Capacity: CapacityOffice})
	if !errors.As(err, &ce) || ce.Key != "account.handle_locked" {
		t.Errorf("new handle with a justification: %v", err)
	}
	must[*JustificationView](t)(f.s.UpdateJustification(ctxb(), f.official, j.ID, JustificationInput{Grounds: "other", Statement: "x"}))
	// Without workflow records, a new handle by the official loses the
	// office's verification.
	must[*AccountView](t)(f.s.UpdateAccount(ctxb(), f.reviewer, f.domestic.ID, AccountInput{URL: f.domestic.URL, Capacity: CapacityOffice, OfficialID: f.world.official.ID, Verification: VerificationVerified}))
	moved := must[*AccountView](t)(f.s.UpdateAccount(ctxb(), f.official, f.domestic.ID, AccountInput{URL: "eitaa.com/another_handle", Capacity: CapacityOffice}))
	if moved.Verification != VerificationUnverified || moved.VerifiedAt != nil {
		t.Errorf("verification kept across a new handle: %q %v", moved.Verification, moved.VerifiedAt)
	}
	// The duplicate refusal names the record only to those who may see it.
	other := must[*AccountView](t)(f.s.CreateAccount(ctxb(), System, AccountInput{URL: "x.com/oil_min", Capacity: CapacityInstitutional, AgencyID: f.b.ID}))
	_, err = f.s.CreateAccount(ctxb(), f.official, AccountInput{URL: "x.com/oil_min", Capacity: CapacityPersonal})
	if !errors.As(err, &ce) || ce.Key != "account.duplicate_hidden" || ce.Args["ID"] != nil {
		t.Errorf("duplicate of a hidden record: %v %+v", err, ce)
	}
	_, err = f.s.CreateAccount(ctxb(), f.reviewer, AccountInput{URL: "x.com/oil_min", Capacity: CapacityInstitutional, AgencyID: f.b.ID})
	if !errors.As(err, &ce) || ce.Args["ID"] != other.ID {
		t.Errorf("duplicate for a reviewer: %v", err)
	}
}
