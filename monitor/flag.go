package monitor

import "time"

// Severities, most serious first.
const (
	SeverityHigh    = "high"
	SeverityWarning = "warning"
	SeverityNotice  = "notice"
	SeverityLow     = "low"
)

// Flag statuses.
const (
	FlagOpen         = "open"
	FlagAcknowledged = "acknowledged"
	FlagResolved     = "resolved"
)

// Subject types a flag may be about.
const (
	SubjectAccount       = "account"
	SubjectOfficial      = "official"
	SubjectAgency        = "agency"
	SubjectJustification = "justification"
	SubjectPlatform      = "platform"
)

// Flag is one rule's finding about one subject.
type Flag struct {
	ID             int64
	Rule           string
	Severity       string
	SubjectType    string
	SubjectID      int64
	AccountID      *int64
	OfficialID     *int64
	AgencyID       int64
	Args           string // JSON: the figures the message needs (e.g. days_left)
	Status         string
	OpenedAt       time.Time
	LastSeenAt     time.Time
	ResolvedAt     *time.Time
	AcknowledgedAt *time.Time
	AcknowledgedBy *int64
	AckNote        string
}

// Scan is one run of the rules.
type Scan struct {
	ID         int64
	Trigger    string // schedule, manual, cli, write
	StartedAt  time.Time
	FinishedAt *time.Time
	Evaluated  int64
	Opened     int64
	Resolved   int64
	OpenTotal  int64
	Error      string
}

// JobRun is one run of a scheduled job.
type JobRun struct {
	ID         int64
	Job        string
	Trigger    string
	StartedAt  time.Time
	FinishedAt *time.Time
	Outcome    string // running, ok, error, panic, skipped
	Error      string
	// Detail is what the run did, as JSON (e.g. the retention's counts).
	Detail string
}

// TableName keeps gorm's plural.
func (JobRun) TableName() string { return "job_runs" }
