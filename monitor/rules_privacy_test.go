package monitor

import (
	"strings"
	"testing"
	"time"

	"hozur/registry"
)

// assess records an assessment through the store, as the oversight office
// does, with one provision's result (the others pass).
func (e *env) assess(code string, on time.Time, provision, result string) *registry.Assessment {
	e.t.Helper()
	pl := must[*registry.Platform](e.t)(e.s.PlatformByCode(ctxb(), code))
	provs := map[string]registry.ProvisionInput{}
	for _, p := range registry.Provisions {
		provs[p] = registry.ProvisionInput{Result: registry.ResultPass}
	}
	provs[provision] = registry.ProvisionInput{Result: result, Evidence: "گزارش بازرسی"}
	return must[*registry.Assessment](e.t)(e.s.CreateAssessment(ctxb(), e.reviewer, registry.AssessmentInput{PlatformID: pl.ID, AssessedOn: &on, Provisions: provs}))
}

// TestPlatformPrivacyAssessments: PLATFORM_PRIVACY on assessments made
// through the store, with the privacy directive of 27 Dey 1402 (17 January
// 2024) whose two-month window was amended to four: the deadline is 17 May
// 2024, not 17 March.
func TestPlatformPrivacyAssessments(t *testing.T) {
	e := newEnv(t)
	e.c.t = at(2024, 3, 20, 10, 0)
	notified, amended := at(2024, 1, 17, 0, 0), at(2024, 3, 5, 0, 0)
	d := must[*registry.Directive](t)(e.s.CreateDirective(ctxb(), registry.System, registry.DirectiveInput{Title: "دستورالعمل حفاظت از حریم خصوصی کاربران",
		Reference: "۲۷ دی ۱۴۰۲", Kind: registry.DirectivePrivacy, NotifiedOn: &notified, WindowMonths: 2}))
	must[*registry.Directive](t)(e.s.AmendDirective(ctxb(), registry.System, d.ID, registry.AmendmentInput{Reference: "اصلاحیه", DatedOn: &amended, WindowMonths: 4}))
	if dl := must[*time.Time](t)(e.s.DeadlineOf(ctxb(), registry.DirectivePrivacy)); !dl.Equal(at(2024, 5, 17, 0, 0)) {
		t.Fatalf("deadline %v, want 2024-05-17 in Tehran", dl)
	}
	on := at(2024, 3, 20, 0, 0)
	e.assess("eitaa", on, registry.ProvisionEncryption, registry.ResultFail)
	e.assess("rubika", on, registry.ProvisionEncryption, registry.ResultPass)
	e.assess("bale", on, registry.ProvisionDeletionOnRequest, registry.ResultPartial)
	// A foreign platform cannot be assessed through the store; even a row
	// written by hand does not bring it under the rule.
	x := must[*registry.Platform](t)(e.s.PlatformByCode(ctxb(), "x"))
	if err := e.s.Write(ctxb()).Exec("INSERT INTO platform_assessments (platform_id, assessed_on, overall, created_at) VALUES (?, ?, 'fail', ?)",
		x.ID, on.UTC(), on.UTC()).Error; err != nil {
		t.Fatal(err)
	}
	id := func(code string) int64 { return must[*registry.Platform](t)(e.s.PlatformByCode(ctxb(), code)).ID }
	cases := []struct {
		name     string
		at       time.Time
		platform string
		flagged  bool
		state    string // the assessment the flag names
	}{
		{"(c) after the original two months, before the amended four: failing platform", at(2024, 4, 1, 9, 0), "eitaa", false, ""},
		{"(c) before the deadline: partial platform", at(2024, 4, 1, 9, 0), "bale", false, ""},
		{"(c) last minute before the deadline", at(2024, 5, 16, 23, 59), "eitaa", false, ""},
		{"(a) failing, after the amended deadline", at(2024, 5, 18, 9, 0), "eitaa", true, "fail"},
		{"(b) passing", at(2024, 5, 18, 9, 0), "rubika", false, ""},
		{"(d) partial", at(2024, 5, 18, 9, 0), "bale", true, "partial"},
		{"not assessed", at(2024, 5, 18, 9, 0), "soroush", true, "not_assessed"},
		{"(e) foreign, with a failing row", at(2024, 5, 18, 9, 0), "x", false, ""},
		{"(e) foreign, never assessed", at(2024, 5, 18, 9, 0), "telegram", false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			flags := e.flagsAt(c.at, RulePlatformPrivacy)
			f, ok := flags[id(c.platform)]
			if ok != c.flagged {
				t.Fatalf("%s flagged %v, want %v", c.platform, ok, c.flagged)
			}
			if ok && (!strings.Contains(f.Args, `"assessment":"`+c.state+`"`) || !strings.Contains(f.Args, `"deadline":"2024-05-17"`) ||
				f.SubjectType != SubjectPlatform) {
				t.Errorf("flag %+v, want assessment %s and deadline 2024-05-17", f, c.state)
			}
			if c.at.Before(at(2024, 5, 17, 0, 0)) && len(flags) != 0 {
				t.Errorf("%d privacy flags before the deadline", len(flags))
			}
		})
	}
	// A newer passing assessment supersedes the failing one: the next scan
	// resolves the flag; a newer failing one of rubika opens one.
	e.c.t = at(2024, 6, 1, 9, 0)
	e.assess("eitaa", at(2024, 6, 1, 0, 0), registry.ProvisionEncryption, registry.ResultPass)
	e.assess("rubika", at(2024, 6, 1, 0, 0), registry.ProvisionDataMinimisation, registry.ResultFail)
	flags := e.flagsAt(at(2024, 6, 1, 10, 0), RulePlatformPrivacy)
	if _, ok := flags[id("eitaa")]; ok {
		t.Error("eitaa still flagged after a passing assessment")
	}
	if f, ok := flags[id("rubika")]; !ok || !strings.Contains(f.Args, `"assessment":"fail"`) {
		t.Errorf("rubika after a failing assessment: %+v (flagged %v)", f, ok)
	}
}
