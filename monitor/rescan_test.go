package monitor

import (
	"fmt"
	"sync"
	"testing"

	"hozur/registry"
)

// openFlags is the unresolved flags of a rule by subject, as they stand
// (no scan run).
func (e *env) openFlags(rule string) map[int64]Flag {
	e.t.Helper()
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

// TestRescanAfterWritesMatchesScan: the rescans that follow writes (the
// change hook, several writes sharing one rescan) leave the flags a full
// scan would: presence for an agency and an official, and each new foreign
// account's missing exemption.
func TestRescanAfterWritesMatchesScan(t *testing.T) {
	e := newEnv(t)
	e.s.SetChangeHook(e.m.OnChange)
	other := must[*registry.Agency](t)(e.s.CreateAgency(ctxb(), registry.System, registry.AgencyInput{Code: "MIN-OTHER", Name: "وزارت دیگر", Kind: registry.KindMinistry}))

	// Foreign accounts only: the ministry, the official and the other
	// ministry are flagged at once, by the writes' rescans.
	e.account("x.com/ict_news", registry.CapacityInstitutional)
	e.account("x.com/sara_ahmadi", registry.CapacityOffice)
	const writers = 12
	var wg sync.WaitGroup
	ids := make([]int64, writers)
	errs := make([]error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := e.s.CreateAccount(ctxb(), registry.System, registry.AccountInput{URL: fmt.Sprintf("instagram.com/other_%d", i),
				Capacity: registry.CapacityInstitutional, AgencyID: other.ID})
			if err == nil {
				ids[i] = a.ID
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	presence := e.openFlags(RuleNoDomesticPresence)
	for name, id := range map[string]int64{"ministry": e.ministry.ID, "official": e.official.ID, "other ministry": other.ID} {
		if _, ok := presence[id]; !ok {
			t.Errorf("%s not flagged for presence after its writes: %v", name, presence)
		}
	}
	foreign := e.openFlags(RuleForeignNoExemption)
	for i, id := range ids {
		if _, ok := foreign[id]; !ok {
			t.Errorf("account %d (writer %d) has no FOREIGN_NO_EXEMPTION flag after its write", id, i)
		}
	}

	// A domestic account each: the flags are resolved by the rescans, and a
	// full scan finds nothing more to do.
	e.account("eitaa.com/ict_news", registry.CapacityInstitutional)
	e.account("eitaa.com/sara_ahmadi", registry.CapacityOffice)
	must[*registry.AccountView](t)(e.s.CreateAccount(ctxb(), registry.System, registry.AccountInput{URL: "eitaa.com/other_ministry",
		Capacity: registry.CapacityInstitutional, AgencyID: other.ID}))
	if got := e.openFlags(RuleNoDomesticPresence); len(got) != 0 {
		t.Errorf("presence flags left after domestic accounts: %v", got)
	}
	sc, err := e.m.Scan(ctxb(), e.c.t, "manual", nil)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Opened != 0 || sc.Resolved != 0 {
		t.Errorf("the full scan after the rescans opened %d and resolved %d flags: the rescans missed them", sc.Opened, sc.Resolved)
	}
}
