package registry

import (
	"fmt"
	"testing"
)

// TestCan is the permission table: role x action x relation of the record
// to the actor (own agency subtree, other agency, own record, other record).
func TestCan(t *testing.T) {
	liaison := Actor{UserID: 3, Role: RoleLiaison, AgencyID: 7, AgencyPath: "/1/7/"}
	official := Actor{UserID: 4, Role: RoleOfficial, OfficialID: 40}
	actors := map[Role]Actor{
		RoleAdmin:    {UserID: 1, Role: RoleAdmin},
		RoleReviewer: {UserID: 2, Role: RoleReviewer},
		RoleLiaison:  liaison,
		RoleOfficial: official,
		RoleAuditor:  {UserID: 5, Role: RoleAuditor},
	}
	// Records, by their relation to the liaison (agency /1/7/) and the
	// official (id 40, agency /1/7/9/).
	targets := map[string]Target{
		"own-agency":        {AgencyPath: "/1/7/", OfficialID: 41},
		"own-subagency":     {AgencyPath: "/1/7/9/", OfficialID: 40},
		"parent-agency":     {AgencyPath: "/1/", OfficialID: 42},
		"other-agency":      {AgencyPath: "/2/", OfficialID: 43},
		"prefix-lookalike":  {AgencyPath: "/1/70/", OfficialID: 44},
		"own-record":        {AgencyPath: "/1/7/9/", OfficialID: 40},
		"other-record":      {AgencyPath: "/1/7/9/", OfficialID: 45},
		"institutional-own": {AgencyPath: "/1/7/9/"},
	}
	all := []Action{ActionView, ActionCreate, ActionUpdate, ActionDelete}
	type rule struct {
		role   Role
		res    Resource
		target string
		allow  []Action
	}
	rules := []rule{
		// Admin: everything.
		{RoleAdmin, ResAccount, "other-agency", all},
		{RoleAdmin, ResPlatform, "other-agency", all},
		{RoleAdmin, ResUser, "other-record", all},
		{RoleAdmin, ResAudit, "other-agency", all},
		// Reviewer: all records, platforms and audit read-only, no users.
		{RoleReviewer, ResAccount, "other-agency", all},
		{RoleReviewer, ResOfficial, "other-agency", all},
		{RoleReviewer, ResAgency, "other-agency", all},
		{RoleReviewer, ResPlatform, "other-agency", []Action{ActionView}},
		{RoleReviewer, ResAudit, "other-agency", []Action{ActionView}},
		{RoleReviewer, ResUser, "other-record", nil},
		// Liaison: own agency subtree only.
		{RoleLiaison, ResAccount, "own-agency", all},
		{RoleLiaison, ResAccount, "own-subagency", all},
		{RoleLiaison, ResAccount, "parent-agency", nil},
		{RoleLiaison, ResAccount, "other-agency", nil},
		{RoleLiaison, ResAccount, "prefix-lookalike", nil},
		{RoleLiaison, ResOfficial, "own-subagency", all},
		{RoleLiaison, ResOfficial, "other-agency", nil},
		{RoleLiaison, ResAgency, "other-agency", []Action{ActionView}},
		{RoleLiaison, ResAgency, "own-agency", []Action{ActionView}},
		{RoleLiaison, ResPlatform, "own-agency", []Action{ActionView}},
		{RoleLiaison, ResUser, "other-record", nil},
		{RoleLiaison, ResAudit, "own-agency", nil},
		// Official: own accounts (no delete), own record read-only.
		{RoleOfficial, ResAccount, "own-record", []Action{ActionView, ActionCreate, ActionUpdate}},
		{RoleOfficial, ResAccount, "other-record", nil},
		{RoleOfficial, ResAccount, "institutional-own", nil},
		{RoleOfficial, ResOfficial, "own-record", []Action{ActionView}},
		{RoleOfficial, ResOfficial, "other-record", nil},
		{RoleOfficial, ResAgency, "other-agency", []Action{ActionView}},
		{RoleOfficial, ResPlatform, "other-agency", []Action{ActionView}},
		{RoleOfficial, ResAudit, "own-record", nil},
		// Auditor: reads everything, changes nothing.
		{RoleAuditor, ResAccount, "other-agency", []Action{ActionView}},
		{RoleAuditor, ResOfficial, "other-agency", []Action{ActionView}},
		{RoleAuditor, ResAgency, "other-agency", []Action{ActionView}},
		{RoleAuditor, ResPlatform, "other-agency", []Action{ActionView}},
		{RoleAuditor, ResUser, "other-record", []Action{ActionView}},
		{RoleAuditor, ResAudit, "other-agency", []Action{ActionView}},
		// Platform assessments: the office assesses, auditors read them in
		// full; liaisons and officials see only the latest result, through
		// the platform. Nobody changes or deletes one, not even an admin.
		{RoleAdmin, ResAssessment, "other-agency", []Action{ActionView, ActionCreate}},
		{RoleReviewer, ResAssessment, "other-agency", []Action{ActionView, ActionCreate}},
		{RoleAuditor, ResAssessment, "other-agency", []Action{ActionView}},
		{RoleLiaison, ResAssessment, "own-agency", nil},
		{RoleOfficial, ResAssessment, "own-record", nil},
	}
	for _, r := range rules {
		for _, act := range all {
			want := false
			for _, a := range r.allow {
				want = want || a == act
			}
			tg := targets[r.target]
			tg.Resource = r.res
			if r.res == ResUser {
				tg.UserID = 99
			}
			t.Run(fmt.Sprintf("%s/%s/%s/%s", r.role, r.res, r.target, act), func(t *testing.T) {
				if got := actors[r.role].Can(act, tg); got != want {
					t.Errorf("Can = %v, want %v", got, want)
				}
			})
		}
	}
}

func TestCanSeeOwnUser(t *testing.T) {
	for _, role := range Roles {
		a := Actor{UserID: 9, Role: role}
		if !a.Can(ActionView, Target{Resource: ResUser, UserID: 9}) {
			t.Errorf("%s cannot see their own user", role)
		}
	}
}

func TestScopeFor(t *testing.T) {
	cases := []struct {
		name string
		a    Actor
		r    Resource
		want Scope
	}{
		{"admin accounts", Actor{Role: RoleAdmin}, ResAccount, Scope{All: true}},
		{"auditor users", Actor{Role: RoleAuditor}, ResUser, Scope{All: true}},
		{"reviewer users", Actor{Role: RoleReviewer, UserID: 2}, ResUser, Scope{None: true}},
		{"liaison accounts", Actor{Role: RoleLiaison, AgencyPath: "/1/7/"}, ResAccount, Scope{AgencyPath: "/1/7/"}},
		{"liaison officials", Actor{Role: RoleLiaison, AgencyPath: "/1/7/"}, ResOfficial, Scope{AgencyPath: "/1/7/"}},
		{"liaison agencies", Actor{Role: RoleLiaison, AgencyPath: "/1/7/"}, ResAgency, Scope{All: true}},
		{"official accounts", Actor{Role: RoleOfficial, OfficialID: 40}, ResAccount, Scope{OfficialID: 40}},
		{"official audit", Actor{Role: RoleOfficial, OfficialID: 40}, ResAudit, Scope{None: true}},
		{"official without record", Actor{Role: RoleOfficial}, ResAccount, Scope{None: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.a.ScopeFor(c.r); got != c.want {
				t.Errorf("ScopeFor = %+v, want %+v", got, c.want)
			}
		})
	}
}

// TestCanWorkflow extends the table to the exemption workflow: who may view,
// file (the official's side) and decide (the office's side).
func TestCanWorkflow(t *testing.T) {
	actors := map[Role]Actor{
		RoleAdmin:    {UserID: 1, Role: RoleAdmin},
		RoleReviewer: {UserID: 2, Role: RoleReviewer},
		RoleLiaison:  {UserID: 3, Role: RoleLiaison, AgencyPath: "/1/7/"},
		RoleOfficial: {UserID: 4, Role: RoleOfficial, OfficialID: 40},
		RoleAuditor:  {UserID: 5, Role: RoleAuditor},
	}
	own := Target{Resource: ResJustification, AgencyPath: "/1/7/9/", OfficialID: 40}
	otherRecord := Target{Resource: ResJustification, AgencyPath: "/1/7/9/", OfficialID: 45}
	otherAgency := Target{Resource: ResJustification, AgencyPath: "/2/", OfficialID: 43}
	acts := []Action{ActionView, ActionFile, ActionDecide, ActionCreate, ActionUpdate}
	cases := []struct {
		role  Role
		name  string
		t     Target
		allow []Action
	}{
		{RoleAdmin, "justification", otherAgency, acts},
		{RoleReviewer, "justification other agency", otherAgency, []Action{ActionView, ActionDecide}},
		{RoleLiaison, "justification own subtree", otherRecord, []Action{ActionView, ActionFile}},
		{RoleLiaison, "justification other agency", otherAgency, nil},
		{RoleOfficial, "own justification", own, []Action{ActionView, ActionFile}},
		{RoleOfficial, "someone else's justification", otherRecord, nil},
		{RoleAuditor, "justification", otherAgency, []Action{ActionView}},
		{RoleReviewer, "group exemption", Target{Resource: ResGroupExemption}, []Action{ActionView, ActionDecide, ActionCreate, ActionUpdate}},
		{RoleLiaison, "group exemption", Target{Resource: ResGroupExemption}, []Action{ActionView}},
		{RoleOfficial, "group exemption", Target{Resource: ResGroupExemption}, []Action{ActionView}},
		{RoleAuditor, "group exemption", Target{Resource: ResGroupExemption}, []Action{ActionView}},
		{RoleAdmin, "directive", Target{Resource: ResDirective}, acts},
		{RoleReviewer, "directive", Target{Resource: ResDirective}, []Action{ActionView}},
		{RoleLiaison, "directive", Target{Resource: ResDirective}, []Action{ActionView}},
		{RoleOfficial, "directive", Target{Resource: ResDirective}, []Action{ActionView}},
		{RoleAuditor, "directive", Target{Resource: ResDirective}, []Action{ActionView}},
		// Filing and deciding are not actions on accounts and officials.
		{RoleReviewer, "account", Target{Resource: ResAccount, AgencyPath: "/2/"}, []Action{ActionView, ActionCreate, ActionUpdate}},
		{RoleLiaison, "account own subtree", Target{Resource: ResAccount, AgencyPath: "/1/7/"}, []Action{ActionView, ActionCreate, ActionUpdate}},
	}
	for _, c := range cases {
		for _, act := range acts {
			want := false
			for _, a := range c.allow {
				want = want || a == act
			}
			t.Run(fmt.Sprintf("%s/%s/%s", c.role, c.name, act), func(t *testing.T) {
				if got := actors[c.role].Can(act, c.t); got != want {
					t.Errorf("Can = %v, want %v", got, want)
				}
			})
		}
	}
}

// TestCanPersonalData is the table for access on request: the official
// themselves, the oversight office (reviewers, admins) and auditors may
// export everything held about an official; liaisons may not, not even for
// their own agency, and nobody changes an export.
func TestCanPersonalData(t *testing.T) {
	actors := map[Role]Actor{
		RoleAdmin:    {UserID: 1, Role: RoleAdmin},
		RoleReviewer: {UserID: 2, Role: RoleReviewer},
		RoleLiaison:  {UserID: 3, Role: RoleLiaison, AgencyPath: "/1/7/"},
		RoleOfficial: {UserID: 4, Role: RoleOfficial, OfficialID: 40},
		RoleAuditor:  {UserID: 5, Role: RoleAuditor},
	}
	own := Target{Resource: ResPersonalData, AgencyPath: "/1/7/9/", OfficialID: 40}
	other := Target{Resource: ResPersonalData, AgencyPath: "/1/7/9/", OfficialID: 45}
	acts := []Action{ActionView, ActionCreate, ActionUpdate, ActionDelete, ActionFile, ActionDecide}
	cases := []struct {
		role  Role
		name  string
		t     Target
		allow []Action
	}{
		{RoleOfficial, "own data", own, []Action{ActionView}},
		{RoleOfficial, "another official's data", other, nil},
		{RoleReviewer, "any official's data", other, []Action{ActionView}},
		{RoleAuditor, "any official's data", other, []Action{ActionView}},
		{RoleAdmin, "any official's data", other, acts},
		{RoleLiaison, "data of an official in their agency", other, nil},
	}
	for _, c := range cases {
		for _, act := range acts {
			want := false
			for _, a := range c.allow {
				want = want || a == act
			}
			t.Run(fmt.Sprintf("%s/%s/%s", c.role, c.name, act), func(t *testing.T) {
				if got := actors[c.role].Can(act, c.t); got != want {
					t.Errorf("Can = %v, want %v", got, want)
				}
			})
		}
	}
	if (Actor{Role: RoleOfficial}).Can(ActionView, Target{Resource: ResPersonalData}) {
		t.Error("an official user without an official record may export the record 0")
	}
}
