package registry

import "strings"

// Role is what a user is allowed to do, broadly.
type Role string

// The five roles of DESIGN.md section 4.
const (
	RoleAdmin    Role = "admin"
	RoleReviewer Role = "reviewer"
	RoleLiaison  Role = "liaison"
	RoleOfficial Role = "official"
	RoleAuditor  Role = "auditor"
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleAdmin, RoleReviewer, RoleLiaison, RoleOfficial, RoleAuditor}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// Action is one kind of access.
type Action string

// Actions on records.
const (
	ActionView   Action = "view"
	ActionCreate Action = "create"
	ActionUpdate Action = "update"
	ActionDelete Action = "delete"
	// ActionFile is filing on the official's side: drafting, submitting,
	// answering and withdrawing a justification.
	ActionFile Action = "file"
	// ActionDecide is the oversight office's side: requesting information,
	// approving, rejecting, revoking.
	ActionDecide Action = "decide"
)

// Resource is a kind of record.
type Resource string

// Resources that permissions speak of.
const (
	ResAgency   Resource = "agency"
	ResOfficial Resource = "official"
	ResPlatform Resource = "platform"
	ResAccount  Resource = "account"
	ResUser     Resource = "user"
	ResAudit    Resource = "audit"
	// ResPersonalData is everything held about one official, exported on
	// their request (the privacy directive's right of access).
	ResPersonalData Resource = "personal_data"
	// ResJustification covers justifications and the exemptions they give.
	ResJustification  Resource = "justification"
	ResGroupExemption Resource = "group_exemption"
	ResDirective      Resource = "directive"
	// ResFlag is the monitor's findings; decide is acknowledging them.
	ResFlag Resource = "flag"
	// ResReport is the weekly reports; a liaison sees their agency's cut.
	ResReport Resource = "report"
	// ResJob is the scheduled jobs and scans; create is running one now.
	ResJob Resource = "job"
	// ResAssessment is a platform's privacy assessments in full: provisions,
	// evidence, assessor, attachment, history. Whoever may view a platform
	// sees its latest result without it.
	ResAssessment Resource = "assessment"
	// ResErasure is a request to erase an official's personal data.
	ResErasure Resource = "erasure"
)

// Actor is who is acting: a signed-in user (or a system job), with what the
// permission rules need to know of them.
type Actor struct {
	UserID     int64
	Username   string
	Role       Role
	AgencyID   int64  // liaison: their agency
	AgencyPath string // liaison: their agency's tree path, e.g. "/1/7/"
	OfficialID int64  // official: their Official record
	IP         string
}

// System is the actor for jobs and the command line.
var System = Actor{Username: "system", Role: RoleAdmin}

// Target is the record an action is about. AgencyPath is the path of the
// agency the record belongs to (for a new record: the agency it will belong
// to); OfficialID is the official it is about, if any.
type Target struct {
	Resource   Resource
	AgencyPath string
	OfficialID int64
	UserID     int64
}

// within reports whether path lies in the subtree rooted at root.
func within(path, root string) bool {
	return root != "" && path != "" && strings.HasPrefix(path, root)
}

// Can is the one place that decides who may do what. Every handler, in the
// UI and the API, and every store write asks it.
func (a Actor) Can(act Action, t Target) bool {
	if t.Resource == ResAssessment && (act == ActionUpdate || act == ActionDelete) {
		// Assessments are history: a new one supersedes, none changes.
		return false
	}
	switch a.Role {
	case RoleAdmin:
		return true
	case RoleAuditor:
		return act == ActionView
	case RoleReviewer:
		switch t.Resource {
		case ResFlag:
			return act == ActionView || act == ActionDecide
		case ResReport:
			return act == ActionView
		case ResJob, ResAssessment:
			return act == ActionView || act == ActionCreate
		case ResAgency, ResOfficial, ResAccount:
			return act != ActionFile && act != ActionDecide
		case ResJustification:
			// The office decides; filing is the official's and the agency's.
			return act == ActionView || act == ActionDecide
		case ResGroupExemption:
			return act != ActionFile
		case ResPlatform, ResAudit, ResDirective:
			return act == ActionView
		case ResPersonalData:
			// The office answers access requests; an export changes nothing.
			return act == ActionView
		case ResErasure:
			// The office decides erasure requests; it does not file them.
			return act == ActionView || act == ActionDecide
		case ResUser:
			return act == ActionView && t.UserID == a.UserID
		}
	case RoleLiaison:
		switch t.Resource {
		case ResAgency, ResPlatform, ResGroupExemption, ResDirective:
			return act == ActionView
		case ResOfficial, ResAccount:
			return act != ActionFile && act != ActionDecide && within(t.AgencyPath, a.AgencyPath)
		case ResJustification:
			return (act == ActionView || act == ActionFile) && within(t.AgencyPath, a.AgencyPath)
		case ResFlag, ResReport:
			return act == ActionView && within(t.AgencyPath, a.AgencyPath)
		case ResErasure:
			// A liaison may ask on behalf of an official of their agency.
			return (act == ActionView || act == ActionFile) && within(t.AgencyPath, a.AgencyPath)
		case ResUser:
			return act == ActionView && t.UserID == a.UserID
		}
	case RoleOfficial:
		switch t.Resource {
		case ResAgency, ResPlatform, ResGroupExemption, ResDirective:
			return act == ActionView
		case ResJustification, ResFlag:
			return (act == ActionView || (act == ActionFile && t.Resource == ResJustification)) && a.OfficialID != 0 && t.OfficialID == a.OfficialID
		case ResOfficial, ResPersonalData:
			return act == ActionView && a.OfficialID != 0 && t.OfficialID == a.OfficialID
		case ResErasure:
			return (act == ActionView || act == ActionFile) && a.OfficialID != 0 && t.OfficialID == a.OfficialID
		case ResAccount:
			// Officials declare and keep their own accounts; removing a
			// record is for the oversight office and the agency.
			return (act == ActionView || act == ActionCreate || act == ActionUpdate) && a.OfficialID != 0 && t.OfficialID == a.OfficialID
		case ResUser:
			return act == ActionView && t.UserID == a.UserID
		}
	}
	return false
}

// Scope limits a list to what an actor may see.
type Scope struct {
	All        bool
	None       bool
	AgencyPath string // only records in this agency subtree
	OfficialID int64  // only records about this official
}

// ScopeFor is the part of the registry of kind r that a may list.
func (a Actor) ScopeFor(r Resource) Scope {
	if !a.Can(ActionView, Target{Resource: r, AgencyPath: a.AgencyPath, OfficialID: a.OfficialID, UserID: a.UserID}) {
		return Scope{None: true}
	}
	switch a.Role {
	case RoleLiaison:
		if r == ResOfficial || r == ResAccount || r == ResJustification || r == ResFlag || r == ResReport || r == ResErasure {
			return Scope{AgencyPath: a.AgencyPath}
		}
	case RoleOfficial:
		if r == ResOfficial || r == ResAccount || r == ResJustification || r == ResFlag || r == ResErasure {
			return Scope{OfficialID: a.OfficialID}
		}
	}
	if r == ResUser && a.Role != RoleAdmin && a.Role != RoleAuditor {
		return Scope{None: true}
	}
	return Scope{All: true}
}

// MayEver reports whether the actor could do act on some record of kind r:
// the quick refusal before an input is even checked, so that a reader gets
// "forbidden" rather than a list of field errors.
func (a Actor) MayEver(act Action, r Resource) bool {
	return a.Can(act, Target{Resource: r, AgencyPath: a.AgencyPath, OfficialID: a.OfficialID, UserID: a.UserID})
}
