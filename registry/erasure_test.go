package registry

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestErasureWorkflow(t *testing.T) {
	f := newFlow(t)
	s := f.s
	o := must[*OfficialView](t)(s.UpdateOfficial(ctxb(), System, f.official.OfficialID, OfficialInput{AgencyID: f.sub.ID, Name: "ملیکا رضایی",
		Position: "مدیرکل", Rank: 3, Serving: true, Email: "melika@example.ir", Phone: "+989121112233", EmployeeCode: "4410"}))
	personal := must[*AccountView](t)(s.CreateAccount(ctxb(), f.official, AccountInput{URL: "https://instagram.com/melika.private", Capacity: CapacityPersonal}))
	checkSealed(t, rawAccount(t, s, personal.ID))
	j := f.file(t, f.official, f.acct.ID)
	before := must[RegistryCounts](t)(s.Counts(ctxb(), System))

	// Requests: the official for themselves, not for others; one open at a time.
	if _, err := s.RequestErasure(ctxb(), f.official, ErasureInput{OfficialID: f.outside.ID, Scope: ErasureAll}); !errors.Is(err, ErrForbidden) {
		t.Fatalf("official for another: %v", err)
	}
	if _, err := s.RequestErasure(ctxb(), f.official, ErasureInput{Scope: "everything"}); err == nil {
		t.Fatal("a scope outside the list was taken")
	}
	req := must[*ErasureView](t)(s.RequestErasure(ctxb(), f.official, ErasureInput{Scope: ErasureAll, Details: "لطفاً همه را پاک کنید"}))
	if req.State != ErasurePending || req.Details != "لطفاً همه را پاک کنید" || req.OfficialID != o.ID {
		t.Fatalf("request %+v", req)
	}
	var ce *ConflictError
	if _, err := s.RequestErasure(ctxb(), f.liaison, ErasureInput{OfficialID: o.ID, Scope: ErasureContact}); !errors.As(err, &ce) {
		t.Fatalf("second open request: %v", err)
	}

	// Decisions: not by the official, the liaison or the auditor; a hold
	// needs its reason.
	for _, a := range []Actor{f.official, f.liaison, f.auditorAct} {
		if _, err := s.DecideErasure(ctxb(), a, req.ID, ErasureDecision{Erase: true}); !errors.Is(err, ErrForbidden) {
			t.Errorf("%s decided: %v", a.Username, err)
		}
	}
	var ve *ValidationError
	if _, err := s.DecideErasure(ctxb(), f.reviewer, req.ID, ErasureDecision{}); !errors.As(err, &ve) {
		t.Fatalf("hold without a reason: %v", err)
	}
	held := must[*ErasureView](t)(s.DecideErasure(ctxb(), f.reviewer, req.ID, ErasureDecision{Reason: "پروندهٔ باز بررسی"}))
	if held.State != ErasureHeld || held.DecisionReason == "" {
		t.Fatalf("held %+v", held)
	}
	notes := must[Result[Notification]](t)(s.Notifications(ctxb(), f.official, true, Page{PerPage: 10}))
	if len(notes.Items) == 0 || notes.Items[0].Kind != "erasure_held" {
		t.Fatalf("the requester was not told of the hold: %+v", notes.Items)
	}

	// The hold ends; the office erases.
	done := must[*ErasureView](t)(s.DecideErasure(ctxb(), f.reviewer2, req.ID, ErasureDecision{Erase: true}))
	if done.State != ErasureCompleted || !done.Erased || done.Details != "" {
		t.Fatalf("completed %+v", done)
	}
	got := must[*OfficialView](t)(s.Official(ctxb(), System, o.ID))
	if !got.Erased || got.Name != "" || got.Email != "" || got.Phone != "" || got.EmployeeCode != "" || got.Position != "مدیرکل" {
		t.Fatalf("official after erasure %+v", got.Official)
	}
	jj := must[*JustificationView](t)(s.Justification(ctxb(), System, j.ID))
	if !jj.Erased || jj.Statement != "" {
		t.Fatalf("justification after erasure: %q", jj.Statement)
	}
	acc := must[*AccountView](t)(s.Account(ctxb(), System, personal.ID))
	if strings.Contains(acc.Handle+acc.Display+acc.URL, "melika") || !acc.Erased {
		t.Fatalf("personal account after erasure: erased %v %+v", acc.Erased, acc.Account)
	}
	// Sealed, and overwritten all the same.
	if raw := rawAccount(t, s, personal.ID); raw.Handle != fmt.Sprintf("erased-%d", personal.ID) || raw.Display != "" || raw.URL != "" {
		t.Fatalf("personal account stored after erasure: %+v", raw)
	}
	if personal.Display != "melika.private" {
		t.Fatalf("personal account before erasure read %q", personal.Display)
	}
	// The trail names the official no more, and still verifies.
	events := must[Result[AuditEvent]](t)(s.AuditEvents(ctxb(), System, AuditFilter{Entity: "official", EntityID: o.ID}, Page{PerPage: 50}))
	for _, e := range events.Items {
		if strings.Contains(e.Change, "ملیکا") || strings.Contains(e.Change, "v1.") {
			t.Errorf("audit event %d still shows %s", e.ID, e.Change)
		}
	}
	rep, err := s.VerifyAudit(ctxb(), nil)
	if err != nil || !rep.OK() {
		t.Fatalf("audit chain after erasure: %+v %v", rep, err)
	}
	// Counts are those of records, not of names: unchanged.
	s.counts.Clear()
	if after := must[RegistryCounts](t)(s.Counts(ctxb(), System)); after != before {
		t.Fatalf("counts changed: %+v -> %+v", before, after)
	}
	if _, err := s.DecideErasure(ctxb(), f.reviewer, req.ID, ErasureDecision{Erase: true}); !errors.As(err, &ce) {
		t.Fatalf("erasing twice: %v", err)
	}
}

func TestErasureOfContactDetailsOnly(t *testing.T) {
	f := newFlow(t)
	s := f.s
	must[*OfficialView](t)(s.UpdateOfficial(ctxb(), System, f.official.OfficialID, OfficialInput{AgencyID: f.sub.ID, Name: "ملیکا رضایی",
		Position: "مدیرکل", Rank: 3, Serving: true, Email: "melika@example.ir", Phone: "+989121112233", EmployeeCode: "4410"}))
	req := must[*ErasureView](t)(s.RequestErasure(ctxb(), f.liaison, ErasureInput{OfficialID: f.official.OfficialID, Scope: ErasureContact}))
	// A reviewer linked to the official does not decide about them.
	self := f.reviewer
	self.OfficialID = f.official.OfficialID
	var fe *ForbiddenError
	if _, err := s.DecideErasure(ctxb(), self, req.ID, ErasureDecision{Erase: true}); !errors.As(err, &fe) {
		t.Fatalf("own request decided: %v", err)
	}
	must[*ErasureView](t)(s.DecideErasure(ctxb(), f.admin, req.ID, ErasureDecision{Erase: true}))
	got := must[*OfficialView](t)(s.Official(ctxb(), System, f.official.OfficialID))
	if got.Erased || got.Email != "" || got.Phone != "" || got.EmployeeCode != "4410" || got.Name != "ملیکا رضایی" {
		t.Fatalf("after contact erasure %+v", got.Official)
	}
	found := must[Result[OfficialView]](t)(s.Officials(ctxb(), System, OfficialFilter{Q: "melika@example.ir"}, Page{PerPage: 5}))
	if len(found.Items) != 0 {
		t.Fatal("still found by the erased e-mail")
	}
	// The liaison sees the outcome; someone else's liaison sees nothing.
	list := must[Result[ErasureView]](t)(s.ErasureRequests(ctxb(), f.liaison, ErasureFilter{}, Page{PerPage: 10}))
	if len(list.Items) != 1 || list.Items[0].State != ErasureCompleted {
		t.Fatalf("liaison's list %+v", list.Items)
	}
	outsider := Actor{UserID: 99, Username: "oil", Role: RoleLiaison, AgencyID: f.b.ID, AgencyPath: f.b.Path}
	if list := must[Result[ErasureView]](t)(s.ErasureRequests(ctxb(), outsider, ErasureFilter{}, Page{PerPage: 10})); len(list.Items) != 0 {
		t.Fatalf("another agency's liaison sees %d requests", len(list.Items))
	}
	if _, err := s.ErasureRequestOf(ctxb(), outsider, req.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another agency's liaison opened the request: %v", err)
	}
}

// An exemption's snapshot names the holder only while their key lives.
func TestErasureReachesExemptionSnapshots(t *testing.T) {
	f := newFlow(t)
	s := f.s
	j := f.file(t, f.official, f.acct.ID)
	until := s.Day(f.c.now().AddDate(0, 6, 0))
	for _, st := range []struct {
		a  Actor
		to string
	}{{f.official, StateSubmitted}, {f.reviewer, StateApproved}} {
		if _, err := s.Transition(ctxb(), st.a, j.ID, TransitionInput{To: st.to, ValidUntil: &until}); err != nil {
			t.Fatal(err)
		}
	}
	list := must[Result[ExemptionView]](t)(s.Exemptions(ctxb(), System, ExemptionFilter{}, Page{PerPage: 5}))
	if len(list.Items) != 1 {
		t.Fatalf("%d exemptions", len(list.Items))
	}
	var raw string
	if err := s.Read(ctxb()).Table("exemptions").Select("snapshot").Where("id = ?", list.Items[0].ID).Scan(&raw).Error; err != nil {
		t.Fatal(err)
	}
	name := f.world.official.Name
	if strings.Contains(raw, name) {
		t.Fatalf("snapshot holds the name in the clear: %s", raw)
	}
	if ex := must[*ExemptionView](t)(s.Exemption(ctxb(), System, list.Items[0].ID)); !strings.Contains(ex.Snapshot, name) {
		t.Fatalf("snapshot read back without the name: %s", ex.Snapshot)
	}
	req := must[*ErasureView](t)(s.RequestErasure(ctxb(), f.official, ErasureInput{Scope: ErasureAll}))
	must[*ErasureView](t)(s.DecideErasure(ctxb(), f.reviewer, req.ID, ErasureDecision{Erase: true}))
	ex := must[*ExemptionView](t)(s.Exemption(ctxb(), System, list.Items[0].ID))
	if strings.Contains(ex.Snapshot, name) || !strings.Contains(ex.Snapshot, ErasedMark) {
		t.Fatalf("snapshot after erasure: %s", ex.Snapshot)
	}
}
