package monitor

import "time"

// ReportData is a weekly report's figures: what is stored as the report's
// data, what the API answers, and what every rendering (HTML, XLSX, CSV)
// is made from. Days are YYYY-MM-DD in the rules' time zone; rates are
// fractions from 0 to 1, null when nothing is in scope. Its shape is
// versioned: stored reports never change, so a new shape gets a new
// Version and the renderings keep reading the old ones.
type ReportData struct {
	Version     int            `json:"version" doc:"shape of this document; 1"`
	WeekStart   string         `json:"week_start" doc:"the Saturday the week starts (Asia/Tehran)"`
	WeekEnd     string         `json:"week_end" doc:"the Friday it ends; the week runs to Friday 24:00"`
	Title       string         `json:"title" doc:"in Persian, the Solar Hijri week"`
	TitleEn     string         `json:"title_en"`
	Agency      *ReportAgency  `json:"agency" doc:"the agency of a cut; null for the national report"`
	GeneratedAt time.Time      `json:"generated_at"`
	TimeZone    string         `json:"time_zone" doc:"of the days, e.g. Asia/Tehran"`
	Scope       ReportScope    `json:"scope"`
	Headline    ReportHeadline `json:"headline"`
	Changes     ReportChanges  `json:"changes"`
	// ByAgency has a row per top-level agency in the national report, and
	// in a cut the agency's own accounts then a row per sub-agency.
	ByAgency     []ReportAgencyRow  `json:"by_agency"`
	Overdue      []ReportOverdue    `json:"overdue" doc:"the first 50 overdue items open at the week's end, oldest first"`
	OverdueTotal int64              `json:"overdue_total"`
	Ending       []ReportEnding     `json:"ending" doc:"exemptions whose cover ends in the 30 days after the week, soonest first (at most 100)"`
	EndingTotal  int64              `json:"ending_total"`
	Privacy      []ReportPrivacy    `json:"privacy" doc:"domestic platforms and their latest privacy assessment by the week's end"`
	Trend        []ReportTrendPoint `json:"trend" doc:"the compliance rate of this week and the 11 before it, oldest first"`
}

// ReportAgency names the agency of a cut.
type ReportAgency struct {
	ID     int64  `json:"id"`
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameEn string `json:"name_en"`
}

// ReportScope is what counted as "in scope" when the report was made.
type ReportScope struct {
	Capacities []string `json:"capacities"`
	Ranks      []int    `json:"ranks"`
}

// ReportHeadline are the week's figures at its end.
type ReportHeadline struct {
	Accounts int64    `json:"accounts" doc:"accounts registered and not closed"`
	Foreign  int64    `json:"foreign" doc:"of them, on foreign platforms"`
	InScope  int64    `json:"in_scope" doc:"active foreign accounts whose holder is in scope (capacity and rank)"`
	Covered  int64    `json:"covered" doc:"of them, covered by a valid individual or group exemption"`
	Rate     *float64 `json:"rate" doc:"compliance rate: covered / in_scope"`
	OpenHigh int64    `json:"open_high" doc:"flags of high severity open at the week's end"`
}

// ReportChanges count what happened during the week.
type ReportChanges struct {
	NewAccounts           int64    `json:"new_accounts"`
	FlagsOpened           int64    `json:"flags_opened"`
	FlagsResolved         int64    `json:"flags_resolved"`
	ExemptionsGranted     int64    `json:"exemptions_granted"`
	ExemptionsExpired     int64    `json:"exemptions_expired" doc:"whose last day fell in the week, unrevoked"`
	ExemptionsRevoked     int64    `json:"exemptions_revoked"`
	JustificationsFiled   int64    `json:"justifications_filed" doc:"submitted (or resubmitted after an answer) in the week"`
	JustificationsDecided int64    `json:"justifications_decided" doc:"approved or rejected in the week"`
	MedianDaysToDecision  *float64 `json:"median_days_to_decision" doc:"of those decided, days from the last submission to the decision; null when none"`
}

// ReportAgencyRow is one line of the table by agency.
type ReportAgencyRow struct {
	ID       int64    `json:"id"`
	Code     string   `json:"code"`
	Name     string   `json:"name"`
	NameEn   string   `json:"name_en"`
	Own      bool     `json:"own" doc:"the cut's agency's own accounts, without its sub-agencies"`
	Accounts int64    `json:"accounts"`
	Foreign  int64    `json:"foreign"`
	InScope  int64    `json:"in_scope"`
	Covered  int64    `json:"covered"`
	Rate     *float64 `json:"rate"`
	OpenHigh int64    `json:"open_high"`
	New      int64    `json:"new_accounts"`
}

// ReportOverdue is an overdue item: a CLOSURE_OVERDUE, REVIEW_OVERDUE or
// INFO_OVERDUE flag open at the week's end. Handles of personal accounts
// are left out.
type ReportOverdue struct {
	FlagID     int64  `json:"flag_id"`
	Rule       string `json:"rule"`
	OpenedOn   string `json:"opened_on"`
	Days       int    `json:"days" doc:"days open at the week's end"`
	AccountID  int64  `json:"account_id"`
	Account    string `json:"account" doc:"the handle; empty for a personal account"`
	Capacity   string `json:"capacity,omitempty"`
	Platform   string `json:"platform"`
	PlatformEn string `json:"platform_en"`
	Holder     string `json:"holder" doc:"the holding official; empty for an institutional account (its agency holds it)"`
	AgencyID   int64  `json:"agency_id"`
	Agency     string `json:"agency_name"`
	AgencyEn   string `json:"agency_name_en"`
}

// ReportEnding is an exemption whose cover ends soon after the week: an
// individual exemption with no later one for its account, or (in the
// national report) a group exemption.
type ReportEnding struct {
	Cover      string `json:"cover" doc:"individual or group"`
	ID         int64  `json:"id" doc:"the exemption or group exemption"`
	LastDay    string `json:"last_day"`
	DaysLeft   int    `json:"days_left" doc:"days from the week's last day to the exemption's last day"`
	AccountID  int64  `json:"account_id" doc:"0 for a group exemption"`
	Account    string `json:"account" doc:"the handle; empty for a personal account; the title of a group exemption"`
	Capacity   string `json:"capacity,omitempty"`
	Platform   string `json:"platform"`
	PlatformEn string `json:"platform_en"`
	Holder     string `json:"holder" doc:"the holding official; empty for an institutional account"`
	AgencyID   int64  `json:"agency_id"`
	Agency     string `json:"agency_name"`
	AgencyEn   string `json:"agency_name_en"`
}

// ReportPrivacy is a domestic platform's privacy status.
type ReportPrivacy struct {
	PlatformID int64  `json:"platform_id"`
	Code       string `json:"code"`
	Name       string `json:"name"`
	NameEn     string `json:"name_en"`
	Overall    string `json:"overall" doc:"the latest assessment's verdict; empty: not assessed"`
	AssessedOn string `json:"assessed_on" doc:"empty: not assessed"`
}

// ReportTrendPoint is one week of the trend. A week with no stored report
// is a gap (Stored false, Rate null): past weeks are not recomputed from
// today's registry, which would rewrite history.
type ReportTrendPoint struct {
	WeekStart string   `json:"week_start"`
	Stored    bool     `json:"stored"`
	InScope   int64    `json:"in_scope"`
	Covered   int64    `json:"covered"`
	Rate      *float64 `json:"rate"`
}

// reportVersion is the shape BuildReport makes.
const reportVersion = 1

// Report limits.
const (
	reportOverdueMax = 50
	reportEndingMax  = 100
	reportEndingDays = 30
	reportTrendWeeks = 12
)

// reportOverdueRules are the rules whose flags are overdue items.
var reportOverdueRules = []string{"CLOSURE_OVERDUE", "REVIEW_OVERDUE", "INFO_OVERDUE"}

// reportRate is covered / inScope, or nil.
func reportRate(covered, inScope int64) *float64 {
	if inScope <= 0 {
		return nil
	}
	r := float64(covered) / float64(inScope)
	return &r
}
