package web

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"hozur/monitor"
	"hozur/registry"
	"hozur/web/locale"
)

// The monitor's API: flags, scans and the scheduled jobs.

// flagBody is a flag as the API shows it.
type flagBody struct {
	ID             int64           `json:"id"`
	Rule           string          `json:"rule" enum:"flag_rule"`
	Severity       string          `json:"severity" enum:"flag_severity"`
	Status         string          `json:"status" enum:"flag_status"`
	Title          string          `json:"title" doc:"the rule's name, in the language of Accept-Language"`
	Message        string          `json:"message" doc:"what is wrong and what to do"`
	Subject        flagSubjectBody `json:"subject"`
	AgencyID       int64           `json:"agency_id" doc:"the agency the subject belongs to; 0 for a platform"`
	AccountID      *int64          `json:"account_id"`
	OfficialID     *int64          `json:"official_id"`
	Args           map[string]any  `json:"args" doc:"the figures of the message, e.g. days_left, deadline"`
	OpenedAt       time.Time       `json:"opened_at" doc:"when a scan first found the condition"`
	LastSeenAt     time.Time       `json:"last_seen_at" doc:"when a scan last found it"`
	ResolvedAt     *time.Time      `json:"resolved_at" doc:"when it no longer held; null while it does"`
	AcknowledgedAt *time.Time      `json:"acknowledged_at"`
	AcknowledgedBy *int64          `json:"acknowledged_by" doc:"the user who acknowledged it"`
	AckNote        string          `json:"ack_note"`
}

// flagSubjectBody is what a flag is about.
type flagSubjectBody struct {
	Type string `json:"type" enum:"flag_subject"`
	ID   int64  `json:"id"`
	Name string `json:"name" doc:"the account's handle, the official's or agency's name; a justification is named by its account"`
}

func (s *Server) flagBodyOf(l *locale.Locale) func(monitor.FlagView) flagBody {
	return func(f monitor.FlagView) flagBody {
		args := map[string]any{}
		if f.Args != "" {
			_ = json.Unmarshal([]byte(f.Args), &args)
		}
		sub := flagSubjectBody{Type: f.SubjectType, ID: f.SubjectID}
		switch f.SubjectType {
		case monitor.SubjectAccount, monitor.SubjectJustification:
			sub.Name = f.AccountDisplay
		case monitor.SubjectOfficial:
			sub.Name = f.OfficialName
		case monitor.SubjectAgency:
			sub.Name = f.AgencyName
		}
		return flagBody{ID: f.ID, Rule: f.Rule, Severity: f.Severity, Status: f.Status, Title: l.T("rule." + f.Rule),
			Message: flagMessage(l, f.Rule, f.Args, s.tz), Subject: sub, AgencyID: f.AgencyID, AccountID: f.AccountID, OfficialID: f.OfficialID,
			Args: args, OpenedAt: f.OpenedAt.UTC(), LastSeenAt: f.LastSeenAt.UTC(), ResolvedAt: timeOut(f.ResolvedAt),
			AcknowledgedAt: timeOut(f.AcknowledgedAt), AcknowledgedBy: f.AcknowledgedBy, AckNote: f.AckNote}
	}
}

// flagAckIn is the body of an acknowledgement.
type flagAckIn struct {
	Note *string `json:"note" doc:"why the flag may wait, up to 2000 characters"`
}

// apiPage is per_page and cursor: the monitor's lists are newest first
// and take no sort.
func (q *queryReader) apiPage() registry.Page {
	return registry.Page{PerPage: q.intIn("per_page", 1, 200), Cursor: q.str("cursor")}
}

// flagQuery reads the flag list's filters; the list and its export share
// it.
func flagQuery(q *queryReader) monitor.FlagFilter {
	return monitor.FlagFilter{Rule: q.oneOf("rule", monitor.RuleCodes()), Severity: q.oneOf("severity", severities),
		Status: q.oneOf("status", flagStatuses), AgencyID: q.agency("agency_id"), AccountID: q.id("account_id"), OfficialID: q.id("official_id")}
}

func (s *Server) apiFlagList(c echo.Context) error {
	q := s.apiQuery(c)
	f := flagQuery(q)
	p := q.apiPage()
	if err := q.err(); err != nil {
		return err
	}
	res, err := s.mon.Flags(c.Request().Context(), actorOf(c), f, p)
	if err != nil {
		return err
	}
	return writeList(c, res, s.flagBodyOf(s.apiLocale(c)))
}

func (s *Server) apiFlagAcknowledge(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	a := actorOf(c)
	if !a.MayEver(registry.ActionDecide, registry.ResFlag) {
		return registry.ErrForbidden
	}
	var b flagAckIn
	if c.Request().ContentLength != 0 { // no body is no note
		if err := decodeJSON(c, &b); err != nil {
			return err
		}
	}
	ctx := c.Request().Context()
	f, err := s.mon.Flag(ctx, a, id)
	if err != nil {
		return err
	}
	if f.Status == monitor.FlagResolved {
		return &registry.ConflictError{Key: "flags.already_resolved"}
	}
	if _, err := s.mon.Acknowledge(ctx, a, []int64{id}, pick(b.Note, "")); err != nil {
		return err
	}
	if f, err = s.mon.Flag(ctx, a, id); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.flagBodyOf(s.apiLocale(c))(*f))
}

// scanBody is a scan as the API shows it.
type scanBody struct {
	ID         int64      `json:"id"`
	Trigger    string     `json:"trigger" doc:"schedule, manual, cli, startup (the first start of a registry never scanned) or write (after a change that may touch any account)"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at" doc:"null while it runs"`
	Evaluated  int64      `json:"evaluated" doc:"accounts looked at"`
	Opened     int64      `json:"opened" doc:"flags opened"`
	Resolved   int64      `json:"resolved" doc:"flags resolved"`
	OpenTotal  int64      `json:"open_total" doc:"flags unresolved after the scan"`
	Error      string     `json:"error"`
}

func scanBodyOf(sc monitor.Scan) scanBody {
	return scanBody{ID: sc.ID, Trigger: sc.Trigger, StartedAt: sc.StartedAt.UTC(), FinishedAt: timeOut(sc.FinishedAt), Evaluated: sc.Evaluated,
		Opened: sc.Opened, Resolved: sc.Resolved, OpenTotal: sc.OpenTotal, Error: sc.Error}
}

func (s *Server) apiScanList(c echo.Context) error {
	q := s.apiQuery(c)
	p := q.apiPage()
	if err := q.err(); err != nil {
		return err
	}
	res, err := s.mon.Scans(c.Request().Context(), actorOf(c), p)
	if err != nil {
		return err
	}
	return writeList(c, res, scanBodyOf)
}

// apiScanRun runs a full scan now and answers it.
func (s *Server) apiScanRun(c echo.Context) error {
	if !actorOf(c).MayEver(registry.ActionCreate, registry.ResJob) {
		return registry.ErrForbidden
	}
	sc, run, err := s.runScan(c.Request().Context())
	if err != nil {
		return err
	}
	if run.Outcome == monitor.OutcomeSkipped {
		return &registry.ConflictError{Key: "jobs.already_running"}
	}
	if run.Outcome != monitor.OutcomeOK {
		return &apiErr{Status: http.StatusInternalServerError, Code: "scan_failed", Key: "scans.flash_failed"}
	}
	return c.JSON(http.StatusCreated, scanBodyOf(sc))
}

// jobBody is a scheduled job.
type jobBody struct {
	Name      string      `json:"name" enum:"job_name"`
	Spec      string      `json:"spec" doc:"cron spec (minute hour day month weekday) in the server's time zone"`
	TimeZone  string      `json:"time_zone"`
	NextRunAt time.Time   `json:"next_run_at"`
	LastRun   *jobRunBody `json:"last_run" doc:"null: never run"`
}

// jobRunBody is one run of a job.
type jobRunBody struct {
	ID         int64      `json:"id"`
	Job        string     `json:"job" enum:"job_name"`
	Trigger    string     `json:"trigger" enum:"job_trigger"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at" doc:"null while it runs"`
	Outcome    string     `json:"outcome" enum:"job_outcome"`
	Error      string     `json:"error"`
	Detail     string     `json:"detail" doc:"what the run did, as JSON text, for jobs that say (retention: erased officials and accounts); empty otherwise"`
}

func jobRunBodyOf(r monitor.JobRun) jobRunBody {
	return jobRunBody{ID: r.ID, Job: r.Job, Trigger: r.Trigger, StartedAt: r.StartedAt.UTC(), FinishedAt: timeOut(r.FinishedAt),
		Outcome: r.Outcome, Error: r.Error, Detail: r.Detail}
}

func (s *Server) apiJobList(c echo.Context) error {
	if !actorOf(c).MayEver(registry.ActionView, registry.ResJob) {
		return registry.ErrForbidden
	}
	jobs, err := s.jobs.Jobs(c.Request().Context())
	if err != nil {
		return err
	}
	out := listBody[jobBody]{Items: make([]jobBody, 0, len(jobs))}
	for _, j := range jobs {
		b := jobBody{Name: j.Name, Spec: j.Spec, TimeZone: s.tz.String(), NextRunAt: j.NextRun.UTC()}
		if j.LastRun != nil {
			r := jobRunBodyOf(*j.LastRun)
			b.LastRun = &r
		}
		out.Items = append(out.Items, b)
	}
	return c.JSON(http.StatusOK, out)
}

// jobName is the job of the path; the path's parameter is called id, as
// every record's, but holds the job's name.
func (s *Server) jobName(c echo.Context) (string, error) {
	name := c.Param("id")
	if !s.jobs.Has(name) {
		return "", registry.ErrNotFound
	}
	return name, nil
}

func (s *Server) apiJobRuns(c echo.Context) error {
	if !actorOf(c).MayEver(registry.ActionView, registry.ResJob) {
		return registry.ErrForbidden
	}
	name, err := s.jobName(c)
	if err != nil {
		return err
	}
	q := s.apiQuery(c)
	p := q.apiPage()
	if err := q.err(); err != nil {
		return err
	}
	res, err := s.mon.JobRuns(c.Request().Context(), name, p)
	if err != nil {
		return err
	}
	return writeList(c, res, jobRunBodyOf)
}

// apiJobRun runs a job now, waits for it and answers the run.
func (s *Server) apiJobRun(c echo.Context) error {
	if !actorOf(c).MayEver(registry.ActionCreate, registry.ResJob) {
		return registry.ErrForbidden
	}
	name, err := s.jobName(c)
	if err != nil {
		return err
	}
	if err := mayRunJob(actorOf(c), name); err != nil {
		return err
	}
	run, err := s.jobs.RunNow(context.WithoutCancel(c.Request().Context()), name, monitor.TriggerManual)
	if err != nil {
		return err
	}
	if run.Outcome == monitor.OutcomeSkipped {
		return &registry.ConflictError{Key: "jobs.already_running"}
	}
	return c.JSON(http.StatusOK, jobRunBodyOf(run))
}
