package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"hozur/monitor"
	"hozur/registry"
	"hozur/web/locale"
)

// Scheduler is the server's jobs, for cmd to start and stop.
func (s *Server) Scheduler() *monitor.Scheduler { return s.jobs }

// Monitor is the server's monitor.
func (s *Server) Monitor() *monitor.Monitor { return s.mon }

var outcomeColours = map[string]string{monitor.OutcomeOK: "tag-green", monitor.OutcomeError: "tag-red", monitor.OutcomePanic: "tag-red",
	monitor.OutcomeSkipped: "tag-grey", monitor.OutcomeRunning: "tag-blue"}

// jobRow is one job of the jobs page.
type jobRow struct {
	Name, Title, Schedule, Spec, Next string
	Last                              *jobRunRow
	// CanRun: the user may run this job by hand.
	CanRun bool
}

// jobRunRow is one run of a job.
type jobRunRow struct {
	Trigger, Started, Duration, Error string
	Outcome                           Tag
	// Result says what the run did, where the job tells (the retention).
	Result string
}

func jobRunRows(p *Page, runs []monitor.JobRun) []jobRunRow {
	out := make([]jobRunRow, len(runs))
	for i, r := range runs {
		out[i] = jobRunRow{Trigger: p.L.T("trigger." + r.Trigger), Started: p.L.DateTime(r.StartedAt), Error: r.Error,
			Outcome: Tag{outcomeColours[r.Outcome], p.L.T("outcome." + r.Outcome)}}
		if r.FinishedAt != nil {
			out[i].Duration = durationText(p, r.FinishedAt.Sub(r.StartedAt))
		}
		if r.Job == monitor.JobBackup && r.Detail != "" {
			var b monitor.BackupResult
			if json.Unmarshal([]byte(r.Detail), &b) == nil && b.File != "" {
				out[i].Result = p.L.T("job.backup.result", "File", b.File, "Size", max(1, b.Size/1000), "Deleted", len(b.Deleted))
			}
		}
		if r.Job == monitor.JobRetention && r.Detail != "" {
			var c registry.RetentionCounts
			if json.Unmarshal([]byte(r.Detail), &c) == nil {
				out[i].Result = p.L.T("job.retention.result", "Officials", c.Officials, "Accounts", c.Accounts)
			}
		}
	}
	return out
}

func jobRowOf(p *Page, a registry.Actor, j monitor.JobInfo) jobRow {
	r := jobRow{Name: j.Name, Title: p.L.T("job." + j.Name), Schedule: scheduleWords(p.L, j.Spec), Spec: j.Spec, Next: p.L.DateTime(j.NextRun),
		CanRun: mayRunJob(a, j.Name) == nil}
	if j.LastRun != nil {
		r.Last = &jobRunRows(p, []monitor.JobRun{*j.LastRun})[0]
	}
	return r
}

// scheduleWords says a daily or weekly cron spec in words ("Every Saturday
// at 07:00"); anything else is shown as the spec itself.
func scheduleWords(l *locale.Locale, spec string) string {
	f := strings.Fields(spec)
	if len(f) != 5 || f[2] != "*" || f[3] != "*" {
		return ""
	}
	minute, err1 := strconv.Atoi(f[0])
	hour, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil || minute < 0 || minute > 59 || hour < 0 || hour > 23 {
		return ""
	}
	at := l.Digits(fmt.Sprintf("%02d:%02d", hour, minute))
	if f[4] == "*" {
		return l.T("jobs.every_day", "time", at)
	}
	day, err := strconv.Atoi(f[4])
	if err != nil || day < 0 || day > 7 {
		return ""
	}
	return l.T("jobs.every_week", "day", l.T(fmt.Sprintf("jobs.weekday.%d", day%7)), "time", at)
}

func (s *Server) jobList(c echo.Context) error {
	a := actorOf(c)
	if !a.MayEver(registry.ActionView, registry.ResJob) {
		return registry.ErrForbidden
	}
	p := s.page(c, "jobs", "jobs.title")
	jobs, err := s.jobs.Jobs(c.Request().Context())
	if err != nil {
		return err
	}
	rows := make([]jobRow, len(jobs))
	for i, j := range jobs {
		rows[i] = jobRowOf(p, a, j)
	}
	p.Data = map[string]any{"Rows": rows, "CanRun": p.Can("create", "job"), "Zone": s.tz.String()}
	return s.render(c, http.StatusOK, "jobs", p)
}

func (s *Server) jobShow(c echo.Context) error {
	a := actorOf(c)
	if !a.MayEver(registry.ActionView, registry.ResJob) {
		return registry.ErrForbidden
	}
	ctx := c.Request().Context()
	j, err := s.jobs.Job(ctx, c.Param("name"))
	if err != nil {
		return err
	}
	p := s.page(c, "jobs", "")
	row := jobRowOf(p, a, j)
	p.Title = row.Title
	res, err := s.mon.JobRuns(ctx, j.Name, pageParams(c))
	if err != nil {
		return err
	}
	p.Data = map[string]any{"Job": row, "Runs": jobRunRows(p, res.Items), "Nav": listNav(p, res), "CanRun": row.CanRun}
	return s.render(c, http.StatusOK, "job", p)
}

// mayRunJob says whether the actor may run the job by hand: those who may
// create on jobs may run them, but a backup only an admin, since each
// copy holds every record and manual copies are kept until deleted.
func mayRunJob(a registry.Actor, name string) error {
	if !a.MayEver(registry.ActionCreate, registry.ResJob) {
		return registry.ErrForbidden
	}
	if name == monitor.JobBackup && a.Role != registry.RoleAdmin {
		return &registry.ForbiddenError{Key: "jobs.backup_admin_only"}
	}
	return nil
}

// jobRun starts a job in the background and shows its runs.
func (s *Server) jobRun(c echo.Context) error {
	name := c.Param("name")
	if err := mayRunJob(actorOf(c), name); err != nil {
		return err
	}
	run, err := s.jobs.Launch(name, monitor.TriggerManual)
	if err != nil { // an unknown job is not found
		return err
	}
	if run.Outcome == monitor.OutcomeSkipped {
		s.flash(c, "info", "jobs.flash_running")
	} else {
		s.flash(c, "success", "jobs.flash_started")
	}
	return redirectTo(c, "/jobs/"+name)
}
