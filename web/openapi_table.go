package web

import (
	"reflect"

	"github.com/labstack/echo/v4"

	"hozur/monitor"
	"hozur/registry"
	"hozur/registry/sheet"
)

// The one table the API document is built from: every resource and action.

func apiResources() []apiResource {
	return []apiResource{
		{Path: "agencies", Schema: "Agency", Plural: "Agencies", Body: reflect.TypeFor[agencyBody](), Input: reflect.TypeFor[agencyIn](),
			Required: []string{"code", "name", "kind"}, Sorts: []string{"name", "code", "id"},
			Note: "Agencies form a tree: ministry > organisation > provincial office. Everyone signed in may read it.",
			Filters: []apiParam{
				{Name: "q", Type: "string", Doc: "search names and codes"},
				{Name: "kind", Type: "string", Enum: registry.AgencyKinds},
				{Name: "parent_id", Type: "integer", Doc: "direct children of this agency; 0 for top-level agencies"},
				{Name: "within", Type: "integer", Doc: "the subtree of this agency, itself included"},
			}},
		{Path: "officials", Schema: "Official", Plural: "Officials", Body: reflect.TypeFor[officialBody](), Input: reflect.TypeFor[officialIn](),
			Required: []string{"agency_id", "name", "position", "rank"}, Sorts: []string{"name", "rank", "id"},
			Note: "A liaison sees the officials of their agency and its sub-agencies; an official sees their own record.",
			Filters: []apiParam{
				{Name: "q", Type: "string", Doc: "search names and positions"},
				{Name: "agency_id", Type: "integer", Doc: "officials of this agency and its sub-agencies"},
				{Name: "rank", Type: "integer", Min: 1, Max: 5},
				{Name: "serving", Type: "boolean"},
			},
			Actions: []apiAction{{Method: "POST", Path: "/officials/{id}/leave", OpID: "leaveOffice",
				Summary: "Record that an official left office: their office accounts, and exemptions with them, pass to the successor; personal ones stay",
				Input:   reflect.TypeFor[leaveIn](), InName: "OfficialLeave", Required: []string{"left_on"}, Answer: "Official",
				Desc: "The official, no longer serving.", Errors: []string{"400", "403", "404", "422"}}}},
		{Path: "platforms", Schema: "Platform", Plural: "Platforms", Body: reflect.TypeFor[platformBody](), Input: reflect.TypeFor[platformIn](),
			Required: []string{"code", "name", "name_en", "origin", "category", "hosts"},
			Note:     "Platforms are few: the list answers all of them in one page. Only administrators change them.",
			Filters: []apiParam{{Name: "compliance", Type: "string", Enum: registry.Compliances,
				Doc: "only domestic platforms whose latest privacy assessment makes them eligible for licence renewal, not eligible, or that were never assessed"}}},
		assessmentAPI(),
		{Path: "accounts", Schema: "Account", Plural: "Accounts", Body: reflect.TypeFor[accountBody](), Input: reflect.TypeFor[accountIn](),
			Required: []string{"capacity"}, Sorts: []string{"-id", "id", "handle"},
			Note: "POST takes a url (or a platform and a handle), a capacity and the holder: agency_id for an institutional account, " +
				"official_id for an office or personal one. The same account (platform and normalised handle) is registered once: " +
				"a second POST answers 409.",
			Filters: []apiParam{
				{Name: "q", Type: "string", Doc: "search handles and holders' names"},
				{Name: "agency_id", Type: "integer", Doc: "accounts held in this agency and its sub-agencies"},
				{Name: "official_id", Type: "integer"},
				{Name: "platform", Type: "string", Doc: "platform code"},
				{Name: "origin", Type: "string", Enum: registry.Origins},
				{Name: "capacity", Type: "string", Enum: registry.Capacities},
				{Name: "status", Type: "string", Enum: registry.Statuses},
				{Name: "verification", Type: "string", Enum: registry.Verifications},
			},
			Actions: []apiAction{{Method: "GET", Path: "/accounts/{id}/coverage", OpID: "getAccountCoverage",
				Summary: "What covers an account: an individual exemption, a group exemption or nothing, and until when",
				Answer:  "Coverage", Body: reflect.TypeFor[coverageBody](), Desc: "The coverage.", Errors: []string{"403", "404", "422"},
				Params: []apiParam{{Name: "at", Type: "string", Format: "date-time", Doc: "the moment to ask about (RFC 3339); default now"}}}}},
		{Path: "users", Schema: "User", Plural: "Users", Body: reflect.TypeFor[userBody](), Input: reflect.TypeFor[userIn](),
			Required: []string{"username", "password", "role"}, Sorts: []string{"username"},
			Note: "Administrators manage users; auditors may read them.",
			Filters: []apiParam{
				{Name: "q", Type: "string", Doc: "search usernames"},
				{Name: "role", Type: "string", Enum: roleNames()},
			}},
		// The exemption workflow.
		{Path: "justifications", Schema: "Justification", Plural: "Justifications", Body: reflect.TypeFor[justificationBody](),
			Input: reflect.TypeFor[justificationIn](), Required: []string{"account_id", "grounds", "statement"}, Sorts: []string{"-id", "id"},
			Note: "An official's case for keeping an account on a foreign platform. POST drafts one (state draft) for an account on a foreign " +
				"platform; PATCH and DELETE work on drafts only (409 otherwise); POST /justifications/{id}/transitions moves it: " +
				"draft -> submitted -> (info_requested <-> submitted) -> approved | rejected, and submitted | info_requested -> withdrawn. " +
				"Officials and liaisons file (draft, submit, answer, withdraw); reviewers decide (info_requested, approved, rejected), " +
				"never on a case they filed or about their own account. An account has at most one justification in progress (409).",
			Filters: []apiParam{
				{Name: "state", Type: "string", Enum: registry.JustificationStates},
				{Name: "account_id", Type: "integer"},
				{Name: "agency_id", Type: "integer", Doc: "accounts held in this agency and its sub-agencies"},
				{Name: "platform", Type: "string", Doc: "platform code"},
				{Name: "grounds", Type: "string", Enum: registry.Grounds},
				{Name: "older_than", Type: "integer", Doc: "submitted more than this many days ago", Min: 1, Max: 36500},
			},
			Actions: []apiAction{{Method: "POST", Path: "/justifications/{id}/transitions", OpID: "transitionJustification",
				Summary: "Move a justification to another state", Input: reflect.TypeFor[transitionIn](), InName: "JustificationTransition",
				Required: []string{"to"}, Answer: "Justification", Desc: "The justification in its new state.",
				Errors: []string{"400", "403", "404", "409", "422"}}}},
		{Path: "exemptions", Schema: "Exemption", Plural: "Exemptions", Body: reflect.TypeFor[exemptionBody](), Ops: []string{"list", "get"},
			Sorts: []string{"-id", "id"},
			Note: "Exemptions are made by approving a justification. Revoking one ends it now and gives the account a closure deadline. " +
				"GET /accounts/{id}/coverage says what covers an account, individual or group exemption.",
			Filters: []apiParam{
				{Name: "account_id", Type: "integer"},
				{Name: "valid_at", Type: "string", Format: "date-time", Doc: "only those in force at this moment (RFC 3339)"},
				{Name: "ends_by", Type: "string", Format: "date", Doc: "only unrevoked ones ending on or before this day"},
			},
			Actions: []apiAction{
				{Method: "POST", Path: "/exemptions/{id}/revoke", OpID: "revokeExemption", Summary: "Revoke an exemption, with a reason",
					Input: reflect.TypeFor[revokeIn](), InName: "Revocation", Required: []string{"reason"}, Answer: "Exemption",
					Desc: "The revoked exemption.", Errors: []string{"400", "403", "404", "409", "422"}},
			}},
		{Path: "group-exemptions", Schema: "GroupExemption", Plural: "GroupExemptions", Body: reflect.TypeFor[groupBody](),
			Input: reflect.TypeFor[groupIn](), Required: []string{"title", "legal_ref", "legal_date", "valid_from"}, Sorts: []string{"-id", "id"},
			Ops:  []string{"list", "create", "get", "update"},
			Note: "A group exemption covers, by a legal rule, every account in its scope. Reviewers and administrators write them; everyone reads them.",
			Actions: []apiAction{
				{Method: "POST", Path: "/group-exemptions/{id}/revoke", OpID: "revokeGroupExemption", Summary: "Revoke a group exemption, with a reason",
					Input: reflect.TypeFor[revokeIn](), InName: "Revocation", Required: []string{"reason"}, Answer: "GroupExemption",
					Desc: "The revoked group exemption.", Errors: []string{"400", "403", "404", "409", "422"}},
				{Method: "GET", Path: "/group-exemptions/{id}/accounts", OpID: "listGroupExemptionAccounts",
					Summary: "The accounts a group exemption covers now, of those the token's user may see, newest first",
					Answer:  "AccountList", Desc: "One page.", Paged: true, Errors: []string{"403", "404", "422"}},
			}},
		{Path: "directives", Schema: "Directive", Plural: "Directives", Body: reflect.TypeFor[directiveBody](), Input: reflect.TypeFor[directiveIn](),
			Required: []string{"title", "reference", "kind", "notified_on", "window_months"}, Ops: []string{"list", "create", "get"},
			Note: "Directives set compliance deadlines: notified on plus the window in force. Administrators record and amend them; everyone reads them. " +
				"The list answers all of them in one page, newest notice first.",
			Actions: []apiAction{{Method: "POST", Path: "/directives/{id}/amendments", OpID: "amendDirective",
				Summary: "Amend a directive: a new window with its own reference and date", Input: reflect.TypeFor[amendmentIn](),
				InName: "DirectiveAmendment", Required: []string{"reference", "dated_on", "window_months"}, Answer: "Directive",
				Desc: "The directive with its new deadline.", Errors: []string{"400", "403", "404", "422"}}}},
		{Path: "notifications", Schema: "Notification", Plural: "Notifications", Body: reflect.TypeFor[notificationBody](), Ops: []string{"list"},
			Sorts:   []string{"-id", "id"},
			Note:    "The token's user's own notifications: decisions, questions, revocations, handovers, exemptions ending soon.",
			Filters: []apiParam{{Name: "unread", Type: "boolean", Doc: "true: only unread ones"}},
			Actions: []apiAction{{Method: "POST", Path: "/notifications/read", OpID: "readNotifications",
				Summary: "Mark one notification, or all, as read", Input: reflect.TypeFor[notificationReadIn](), InName: "NotificationRead",
				Optional: true, Answer: "NotificationReadResult", Body: reflect.TypeFor[notificationReadBody](), Desc: "What is left unread.",
				Errors: []string{"400", "422"}}}},
		{Path: "audit-events", Schema: "AuditEvent", Plural: "AuditEvents", Body: reflect.TypeFor[auditEventBody](), Ops: []string{"list"},
			Sorts: []string{"-id", "id"},
			Note: "The audit trail, newest first: every write, by whom, when, from where, and what changed. Administrators, reviewers " +
				"and auditors may read it. Each event carries the hash of the one before it (prev_hash) and its own (hash), so the trail " +
				"is a chain that `hozur audit verify` checks; the README documents the hashing for outside verifiers.",
			Filters: []apiParam{
				{Name: "actor", Type: "string", Doc: "username of who acted; system for jobs and the command line"},
				{Name: "entity", Type: "string", Doc: "kind of record, e.g. account, official, agency, platform, user, justification"},
				{Name: "entity_id", Type: "integer", Doc: "the record's id, with entity"},
				{Name: "action", Type: "string", Doc: "e.g. create, update, delete, login, transition"},
				{Name: "from", Type: "string", Format: "date", Doc: "events on or after this day (YYYY-MM-DD, in the server's time zone)"},
				{Name: "to", Type: "string", Format: "date", Doc: "events on or before this day (YYYY-MM-DD, in the server's time zone)"},
			}},
		// Monitor: flags, scans, jobs.
		{Path: "flags", Schema: "Flag", Plural: "Flags", Body: reflect.TypeFor[flagBody](), Ops: []string{"list"},
			Note: "The monitor's findings, newest first: a flag opens when a scan first finds a rule's condition, keeps last_seen_at " +
				"while it holds and resolves itself when it no longer does. Reviewers acknowledge flags with a note; an acknowledged flag " +
				"stays listed until it is resolved. A liaison sees their agency's flags, an official their own.",
			Filters: append(monitorPaging(),
				apiParam{Name: "rule", Type: "string", Enum: monitor.RuleCodes()},
				apiParam{Name: "severity", Type: "string", Enum: severities},
				apiParam{Name: "status", Type: "string", Enum: flagStatuses, Doc: "default: the unresolved ones, open and acknowledged"},
				apiParam{Name: "agency_id", Type: "integer", Doc: "flags in this agency and its sub-agencies"},
				apiParam{Name: "account_id", Type: "integer"},
				apiParam{Name: "official_id", Type: "integer"}),
			Actions: []apiAction{{Method: "POST", Path: "/flags/{id}/acknowledge", OpID: "acknowledgeFlag",
				Summary: "Acknowledge an open flag, with a note; an acknowledged one is answered as it is",
				Input:   reflect.TypeFor[flagAckIn](), InName: "FlagAcknowledgement", Optional: true, Answer: "Flag",
				Desc: "The flag.", Errors: []string{"400", "403", "404", "409", "422"}}}},
		{Path: "scans", Schema: "Scan", Plural: "Scans", Body: reflect.TypeFor[scanBody](), Ops: []string{"list"}, Filters: monitorPaging(),
			Note: "Each run of the rules over the registry, newest first. Administrators, reviewers and auditors may read them; " +
				"administrators and reviewers may run one now.",
			Actions: []apiAction{{Method: "POST", Path: "/scans", OpID: "runScan", Summary: "Run a full scan now and wait for it",
				Answer: "Scan", Status: "201", Desc: "The scan that ran.", Errors: []string{"403", "409"}}}},
		{Path: "jobs", Schema: "Job", Plural: "Jobs", Body: reflect.TypeFor[jobBody](), Ops: []string{"list"},
			Note: "The scheduled jobs (scan, weekly_report, reminders, maintenance, retention, and backup unless scheduled backups are off) " +
				"with their next run and last run; the list answers " +
				"all of them in one page. In the paths below, {id} is the job's name. Administrators, reviewers and auditors may read " +
				"them; administrators and reviewers may run a job now. Two runs of a job never overlap: a run asked for while one is " +
				"going is recorded as skipped and answers 409.",
			Actions: []apiAction{
				{Method: "GET", Path: "/jobs/{id}/runs", OpID: "listJobRuns", Summary: "A job's runs, newest first", PathParam: jobNameParam,
					Answer: "JobRunList", Body: reflect.TypeFor[listBody[jobRunBody]](), Desc: "One page.", Paged: true,
					Errors: []string{"403", "404", "422"}},
				{Method: "POST", Path: "/jobs/{id}/run", OpID: "runJob", Summary: "Run a job now and wait for it", PathParam: jobNameParam,
					Answer: "JobRun", Body: reflect.TypeFor[jobRunBody](), Desc: "The run, finished.", Errors: []string{"403", "404", "409"}},
			}},
		// Weekly reports.
		reportAPI(),
		exportAPI(),
		privacyAPI(),
		erasureAPI(),
		publicAPI(),
		importAPI(),
	}
}

// assessmentAPI is platforms' privacy assessments against the directive's
// four provisions.
func assessmentAPI() apiResource {
	return apiResource{Path: "assessments", Schema: "Assessment", Plural: "Assessments", Body: reflect.TypeFor[assessmentBody](), Ops: []string{"get"},
		Note: "Privacy assessments of domestic platforms against the privacy directive's four provisions (data_minimisation, " +
			"purpose_transparency, deletion_on_request, encryption). overall and eligible are derived from the provisions' results. " +
			"An assessment is never changed or deleted: a newer one supersedes it. Administrators and reviewers record them; they " +
			"and auditors read them in full. Liaisons and officials see only the latest result, on the platform's page (403 here).",
		Actions: []apiAction{
			{Method: "GET", Path: "/platforms/{id}/assessments", OpID: "listPlatformAssessments", Tag: "assessments",
				Summary: "A platform's assessments, newest first (by the day assessed, then by when recorded); the first is in force",
				Answer:  "AssessmentList", Desc: "All of them, in one page.", Errors: []string{"403", "404", "422"}},
			{Method: "POST", Path: "/platforms/{id}/assessments", OpID: "createPlatformAssessment", Tag: "assessments",
				Summary: "Record a domestic platform's assessment, with an optional file sent as base64",
				Input:   reflect.TypeFor[assessmentIn](), InName: "AssessmentCreate", Required: []string{"assessed_on", "provisions"},
				Answer: "Assessment", Status: "201", Desc: "Recorded.", Errors: []string{"400", "403", "404", "422"}},
			{Method: "GET", Path: "/assessments/{id}/attachment", OpID: "getAssessmentAttachment",
				Summary: "Download an assessment's file (Content-Disposition: attachment)", Desc: "The file, of the type its content was found to be.",
				Media: []apiMedia{{Type: registry.TypePDF, Doc: "a PDF file"}, {Type: registry.TypePNG, Doc: "a PNG image"},
					{Type: registry.TypeJPEG, Doc: "a JPEG image"}, {Type: "text/plain", Doc: "plain text, UTF-8"}},
				Errors: []string{"403", "404", "422"}},
		}}
}

// importAPI is spreadsheet import: one synchronous call per file.
func importAPI() apiResource {
	return apiResource{Path: "imports", Schema: "ImportResult", Plural: "ImportResults", Body: reflect.TypeFor[importBody](), Ops: []string{},
		Note: "Import agencies, officials or accounts from a CSV or XLSX file (up to 32 MB), sent as the request body or as the " +
			"multipart field file. Headers may be English (the keys of the templates) or Persian. Every row is checked first; " +
			"with dry_run nothing is written and the answer lists every issue. An apply is all or nothing: with a bad row, " +
			"nothing is written and the answer is 422 with the issues, unless good_only asks to write the good rows anyway. " +
			"Records are matched by natural key (an agency's code; an official's agency and employee code, or agency, name and " +
			"position; an account's platform and handle), so the same file imported twice changes nothing; an empty cell keeps " +
			"the stored value. A file that cannot be read answers 400 with the reason.",
		Actions: []apiAction{{Method: "POST", Path: "/imports", OpID: "importSheet", Summary: "Check, and unless dry_run apply, a spreadsheet",
			Upload: []apiMedia{{Type: "text/csv", Doc: "a CSV file"}, {Type: mimeXLSX, Doc: "an XLSX workbook"},
				{Type: "application/octet-stream", Doc: "a CSV or XLSX file"}, {Type: echo.MIMEMultipartForm, Doc: "a CSV or XLSX file"}},
			Answer: "ImportResult", Desc: "Checked (dry_run) or written.", Refused: true, Errors: []string{"400", "403", "422"},
			Params: []apiParam{{Name: "kind", Type: "string", Enum: registry.ImportKinds, Doc: "what the file holds (required)"},
				{Name: "dry_run", Type: "boolean", Doc: "only check; default false"},
				{Name: "good_only", Type: "boolean", Doc: "write the good rows even when some are bad; default false"},
				{Name: "encoding", Type: "string", Enum: sheet.Encodings, Doc: "of a CSV file; default auto"},
				{Name: "file_name", Type: "string", Doc: "the file's name, for the audit trail"}}}}}
}

// publicAPI is public verification's entry: no token, limited per client IP.
func publicAPI() apiResource {
	return apiResource{Path: "public", Schema: "PublicAccount", Plural: "PublicAccounts", Body: reflect.TypeFor[publicAccountBody](), Ops: []string{},
		Note: "Public verification, for anyone without a token: whether an account is a registered institutional or office account, " +
			"and of which agency. Personal accounts are never disclosed: a personal, a closed and an unknown account get the same " +
			"answer. Requests are limited per client IP (429 with Retry-After); with public.verify off these paths answer 404.",
		Actions: []apiAction{
			{Method: "GET", Path: "/public/verify", OpID: "publicVerify", Public: true,
				Summary: "Whether a link (or a platform and a handle) is a registered institutional or office account",
				Answer:  "PublicVerification", Body: reflect.TypeFor[publicVerifyBody](), Desc: "The answer, registered or not.",
				Params: []apiParam{{Name: "url", Type: "string", Doc: "a link to the account, e.g. https://t.me/irna_1313; with platform, a handle such as @irna_1313"},
					{Name: "platform", Type: "string", Doc: "platform code, for a handle without a link"}},
				Errors: []string{"404", "422"}},
			{Method: "GET", Path: "/public/accounts", OpID: "listPublicAccounts", Public: true, ETag: true,
				Summary: "The registered institutional and office accounts, by id",
				Answer:  "PublicAccountList", Body: reflect.TypeFor[publicListBody](), Desc: "One page.",
				Params: []apiParam{{Name: "after", Type: "integer", Doc: "next of the previous page; the list starts after this id"},
					{Name: "limit", Type: "integer", Min: 1, Max: 500, Doc: "items per page, default 100"}},
				Errors: []string{"404", "422"}},
		}}
}

// monitorPaging is per_page and cursor: the monitor's lists are newest
// first and take no sort.
func monitorPaging() []apiParam {
	return []apiParam{{Name: "per_page", Type: "integer", Min: 1, Max: 200, Doc: "items per page, default 50"},
		{Name: "cursor", Type: "string", Doc: "next_cursor of the previous page"}}
}

// jobNameParam is the {id} of the jobs' paths: a job's name.
var jobNameParam = obj{"name": "id", "in": "path", "required": true, "description": "the job's name",
	"schema": obj{"type": "string", "enum": jobNames}}

var jobNames = []string{monitor.JobScan, monitor.JobWeeklyReport, monitor.JobReminders, monitor.JobMaintenance, monitor.JobRetention, monitor.JobBackup}

func roleNames() []string {
	out := make([]string, len(registry.Roles))
	for i, r := range registry.Roles {
		out[i] = string(r)
	}
	return out
}

// apiEnums are the closed value lists of body fields, by JSON name.
func apiEnums() map[string][]string {
	return map[string][]string{
		"kind": registry.AgencyKinds, "origin": registry.Origins, "category": registry.PlatformCategories,
		"capacity": registry.Capacities, "status": registry.Statuses, "source": registry.Sources,
		"verification": registry.Verifications, "role": roleNames(), "type": {"agency", "official"},
		// By name in an enum tag, where a JSON name means two things.
		"grounds": registry.Grounds, "state": registry.JustificationStates, "to": transitionTargets,
		"directive_kind": registry.DirectiveKinds, "note_kind": noteKinds,
		"cover_kind": {registry.CoverIndividual, registry.CoverGroup, registry.CoverNone},
		"flag_rule":  monitor.RuleCodes(), "flag_severity": severities, "flag_status": flagStatuses,
		"flag_subject": {monitor.SubjectAccount, monitor.SubjectOfficial, monitor.SubjectAgency, monitor.SubjectJustification, monitor.SubjectPlatform},
		"job_name":     jobNames, "job_outcome": monitor.Outcomes,
		"public_capacity": {registry.CapacityInstitutional, registry.CapacityOffice},
		"import_kind":     registry.ImportKinds,
		"job_trigger":     {monitor.TriggerSchedule, monitor.TriggerManual, monitor.TriggerStartup, monitor.TriggerCLI},
		// Platforms' privacy assessments.
		"assessment_result": registry.AssessmentResults, "provision": registry.Provisions,
		"attachment_type": {registry.TypePDF, registry.TypePNG, registry.TypeJPEG, registry.TypeText},
		// Erasure on request.
		"erasure_scope": registry.ErasureScopes, "erasure_state": erasureStates,
	}
}
