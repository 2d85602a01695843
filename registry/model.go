package registry

import "time"

// Agency kinds.
const (
	KindMinistry     = "ministry"
	KindOrganisation = "organisation"
	KindCompany      = "company"
	KindUniversity   = "university"
	KindProvince     = "province"
	KindProvincial   = "provincial_office"
	KindCounty       = "county"
)

// AgencyKinds lists the agency kinds in display order.
var AgencyKinds = []string{KindMinistry, KindOrganisation, KindCompany, KindUniversity, KindProvince, KindProvincial, KindCounty}

// Agency is an executive body; agencies form a tree.
type Agency struct {
	ID        int64
	Code      string
	Name      string
	NameEn    string
	NameKey   string
	Kind      string
	ParentID  *int64
	Path      string // "/root-id/…/own-id/", for subtree queries
	Depth     int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Official is a person holding a position in an agency. No national ID is
// kept: the registry needs to know the office, not the citizen.
type Official struct {
	ID           int64
	AgencyID     int64
	Name         string
	NameKey      string
	Position     string
	Rank         int // 1 (minister level) to 5
	Serving      bool
	TermStart    *time.Time
	TermEnd      *time.Time
	Email        string
	Phone        string
	EmployeeCode string
	// SuccessorID names who took over the office when the official left.
	SuccessorID *int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// Erased is true when the official's data key was destroyed: their
	// e-mail, phone and employee code are gone for good (see keys.go).
	Erased bool `gorm:"-"`
}

// Platform origins and categories.
const (
	OriginDomestic = "domestic"
	OriginForeign  = "foreign"
)

// Origins lists the platform origins.
var Origins = []string{OriginDomestic, OriginForeign}

// PlatformCategories lists the platform categories.
var PlatformCategories = []string{"social_network", "messenger", "video", "microblog", "blog"}

// Platform is a social-media or messaging service.
type Platform struct {
	ID        int64
	Code      string
	Name      string
	NameEn    string
	Origin    string
	Category  string
	Hosts     string // space-separated host names
	Active    bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Account capacities, statuses, sources and verification states.
const (
	CapacityInstitutional = "institutional"
	CapacityOffice        = "office"
	CapacityPersonal      = "personal"

	StatusActive           = "active"
	StatusDormant          = "dormant"
	StatusClosureRequested = "closure_requested"
	StatusClosed           = "closed"

	SourceSelf      = "self_declared"
	SourceAgency    = "agency"
	SourceOversight = "oversight"

	VerificationUnverified = "unverified"
	VerificationVerified   = "verified"
	VerificationDisputed   = "disputed"
)

// Value lists for accounts, in display order.
var (
	Capacities    = []string{CapacityInstitutional, CapacityOffice, CapacityPersonal}
	Statuses      = []string{StatusActive, StatusDormant, StatusClosureRequested, StatusClosed}
	Sources       = []string{SourceSelf, SourceAgency, SourceOversight}
	Verifications = []string{VerificationUnverified, VerificationVerified, VerificationDisputed}
)

// Account is a presence on a platform, held by an agency (institutional) or
// an official (office or personal).
type Account struct {
	ID         int64
	PlatformID int64
	Handle     string // normalised key, unique per platform
	Display    string // the handle as people write it
	URL        string
	AgencyID   int64  // the holder agency, or the holding official's agency
	OfficialID *int64 // nil for institutional accounts
	// AgencyAt0..4 are the holder agency's ancestors by depth, for subtree
	// lists (see Ancestry).
	AgencyAt0    *int64
	AgencyAt1    *int64
	AgencyAt2    *int64
	AgencyAt3    *int64
	AgencyAt4    *int64
	Capacity     string
	Status       string
	Source       string
	Verification string
	OpenedOn     *time.Time
	// ClosureDeadline is set when a justification is refused or an
	// exemption revoked: the day by which the account must be closed.
	ClosureDeadline *time.Time
	VerifiedAt      *time.Time
	ClosedAt        *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// AccountView is an account with the names a page shows beside it.
type AccountView struct {
	Account
	PlatformCode   string
	PlatformName   string
	PlatformNameEn string
	Origin         string
	AgencyName     string
	AgencyNameEn   string
	AgencyPath     string
	OfficialName   string
	// OfficialServing is false when the holding official has left office.
	OfficialServing bool
	// Erased is true for a personal account whose handle and link are
	// gone for good: its holder's data, or the account's, was erased.
	Erased bool `gorm:"-"`
}

// OfficialView is an official with their agency's names.
type OfficialView struct {
	Official
	AgencyName   string
	AgencyNameEn string
	AgencyPath   string
}

// User is someone who signs in.
type User struct {
	ID           int64
	Username     string
	PasswordHash string
	Role         Role
	AgencyID     *int64
	OfficialID   *int64
	Locale       string
	Email        string
	Active       bool
	LastLoginAt  *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Session is a signed-in browser. ID is the SHA-256 of the cookie value, so
// a copy of the database does not hand out live sessions.
type Session struct {
	ID         string `gorm:"primaryKey"`
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// APIToken is a personal token for the JSON API; only its hash is kept.
type APIToken struct {
	ID         int64
	UserID     int64
	Name       string
	TokenHash  string
	Prefix     string
	LastUsedAt *time.Time
	CreatedAt  time.Time
}

// TableName keeps gorm from guessing "api_tokens" wrong.
func (APIToken) TableName() string { return "api_tokens" }

// AuditEvent is one recorded change. Events form a hash chain: Hash covers
// the event's canonical form and PrevHash, the Hash of the event before it
// (see audit_chain.go).
type AuditEvent struct {
	ID       int64
	At       time.Time
	ActorID  *int64
	Actor    string
	Action   string
	Entity   string
	EntityID int64
	Change   string
	IP       string `gorm:"column:ip"`
	PrevHash string
	Hash     string
}
