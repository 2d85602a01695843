package monitor

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"hozur/config"
	"hozur/registry"
)

// The scheduled jobs, by name.
const (
	JobScan         = "scan"
	JobWeeklyReport = "weekly_report"
	JobReminders    = "reminders"
	JobMaintenance  = "maintenance"
	JobRetention    = "retention"
)

// What started a run.
const (
	TriggerSchedule = "schedule"
	TriggerManual   = "manual"
	TriggerStartup  = "startup"
	TriggerCLI      = "cli"
)

// How a run ended.
const (
	OutcomeRunning = "running"
	OutcomeOK      = "ok"
	OutcomeError   = "error"
	OutcomePanic   = "panic"
	OutcomeSkipped = "skipped"
)

// Outcomes lists every outcome a run may have.
var Outcomes = []string{OutcomeRunning, OutcomeOK, OutcomeError, OutcomePanic, OutcomeSkipped}

// JobFunc is a job: a plain function of the context and the moment it runs
// for, so a test calls it with a fixed clock.
type JobFunc func(ctx context.Context, now time.Time) error

// Specs are the jobs' cron specs (five fields, or a descriptor like @daily).
type Specs struct {
	Scan, Report, Reminders, Maintenance, Retention string
	// Backup is "" (or "off") when scheduled backups are off.
	Backup string
}

// SchedulerOptions configure a Scheduler.
type SchedulerOptions struct {
	Specs    Specs
	Location *time.Location // the specs' time zone; nil: the monitor's
	// Sessions is the login policy whose expired sessions maintenance purges.
	Sessions registry.LoginPolicy
	// Retention says how long personal data is kept.
	Retention registry.RetentionPolicy
	// Backup says where scheduled backups go and how many are kept.
	Backup BackupPolicy
	Now    func() time.Time // nil: time.Now
}

// SchedulerOptionsFrom reads the schedules from the configuration.
func SchedulerOptionsFrom(c config.Config) SchedulerOptions {
	return SchedulerOptions{
		Specs: Specs{Scan: c.Monitor.ScanSpec, Report: c.Monitor.ReportSpec, Reminders: c.Monitor.RemindersSpec, Maintenance: c.Monitor.MaintenanceSpec,
			Retention: c.Monitor.RetentionSpec, Backup: c.Backup.Spec},
		Backup:    backupPolicyFrom(c),
		Retention: registry.RetentionPolicy{LeftOfficeMonths: c.Privacy.LeftOfficeMonths, ClosedAccountMonths: c.Privacy.ClosedAccountMonths},
		Location:  c.Location(),
		Sessions: registry.LoginPolicy{MaxAttempts: c.Security.LoginMaxAttempts, Window: c.Security.LoginWindow,
			IdleTimeout: c.Session.IdleTimeout, Lifetime: c.Session.Lifetime},
	}
}

// job is one registered job.
type job struct {
	name     string
	spec     string
	schedule cron.Schedule
	run      JobFunc
	// busy is held while a run is in progress, whoever started it: two runs
	// of one job never overlap in this server; the job's lease (lease.go)
	// keeps them apart across servers.
	busy sync.Mutex
	// release lets the lease of the run in progress go.
	release func()
}

// Scheduler runs the monitor's jobs on their schedules and on demand, and
// records every run in job_runs.
type Scheduler struct {
	m      *Monitor
	loc    *time.Location
	now    func() time.Time
	log    *slog.Logger
	jobs   []*job
	byName map[string]*job
	// instance names this server in job leases.
	instance string

	mu      sync.Mutex // guards cron, base, cancel
	cron    *cron.Cron
	base    context.Context
	cancel  context.CancelFunc
	running sync.WaitGroup // runs in progress, scheduled or not
}

// NewScheduler registers the jobs. It checks every spec; it starts nothing.
func NewScheduler(m *Monitor, opt SchedulerOptions) (*Scheduler, error) {
	s := &Scheduler{m: m, loc: opt.Location, now: opt.Now, log: m.log.With(slog.String("component", "scheduler")),
		byName: map[string]*job{}, base: context.Background(), instance: newInstanceID()}
	if s.loc == nil {
		s.loc = m.set.Location
	}
	if s.now == nil {
		s.now = time.Now
	}
	// The one place the jobs are registered.
	sp := opt.Specs
	for _, j := range []struct {
		name, spec string
		run        JobFunc
	}{
		{JobScan, sp.Scan, s.scanJob},
		{JobWeeklyReport, sp.Report, s.weeklyReportJob},
		{JobReminders, sp.Reminders, s.remindersJob},
		{JobMaintenance, sp.Maintenance, s.maintenanceJob(opt.Sessions)},
		{JobRetention, sp.Retention, s.retentionJob(opt.Retention)},
		{JobBackup, sp.Backup, s.backupJob(opt.Backup)},
	} {
		if j.name == JobBackup && (opt.Backup.Off != "" || sp.Backup == "" || sp.Backup == "off") {
			s.log.Info("scheduled backups are off", slog.String("reason", cmp.Or(opt.Backup.Off, "backup.spec is off")))
			continue
		}
		if err := s.register(j.name, j.spec, j.run); err != nil {
			return nil, err
		}
		m.metrics().knowJob(j.name)
	}
	return s, nil
}

func (s *Scheduler) register(name, spec string, run JobFunc) error {
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return fmt.Errorf("job %s: schedule %q: %w", name, spec, err)
	}
	j := &job{name: name, spec: spec, schedule: sched, run: run}
	s.jobs = append(s.jobs, j)
	s.byName[name] = j
	return nil
}

// The jobs themselves.

func (s *Scheduler) scanJob(ctx context.Context, now time.Time) error {
	_, err := s.m.Scan(ctx, now, TriggerOf(ctx), nil)
	return err
}

// weeklyReportJob makes last week's reports and mails them; the mail
// methods send nothing when e-mail is off, and nothing twice.
func (s *Scheduler) weeklyReportJob(ctx context.Context, now time.Time) error {
	if _, err := s.m.GenerateWeek(ctx, now); err != nil {
		return err
	}
	return s.m.SendWeeklyReports(ctx, now)
}

// remindersJob mails the reminders of exemptions ending soon and the
// decisions not mailed yet, and retries what failed.
func (s *Scheduler) remindersJob(ctx context.Context, now time.Time) error {
	return errors.Join(s.m.SendReminders(ctx, now), s.m.SendNotifications(ctx, now), s.m.RetryPending(ctx, now))
}

func (s *Scheduler) maintenanceJob(pol registry.LoginPolicy) JobFunc {
	return func(ctx context.Context, now time.Time) error {
		st := s.m.Store()
		if _, err := st.PurgeSessions(ctx, pol); err != nil {
			return fmt.Errorf("purge sessions: %w", err)
		}
		// Uploaded spreadsheets never applied are dropped after a day.
		if _, err := st.PurgeImports(ctx, now); err != nil {
			return err
		}
		return st.Maintain(ctx)
	}
}

// retentionJob erases personal data kept past its time, and records how
// much in the run.
func (s *Scheduler) retentionJob(pol registry.RetentionPolicy) JobFunc {
	return func(ctx context.Context, now time.Time) error {
		counts, err := s.m.Store().PurgeRetained(ctx, now, pol)
		SetRunDetail(ctx, counts)
		return err
	}
}

type triggerKey struct{}

type detailKey struct{}

// SetRunDetail records what the run a job is called in did (as JSON), for
// its record in job_runs; outside a run it does nothing.
func SetRunDetail(ctx context.Context, v any) {
	if p, ok := ctx.Value(detailKey{}).(*string); ok {
		if b, err := json.Marshal(v); err == nil {
			*p = string(b)
		}
	}
}

// TriggerOf is what started the run a job is called in: schedule, manual,
// startup or cli; "schedule" outside a run.
func TriggerOf(ctx context.Context) string {
	if t, ok := ctx.Value(triggerKey{}).(string); ok {
		return t
	}
	return TriggerSchedule
}

// ErrUnknownJob says no job has that name.
var ErrUnknownJob = fmt.Errorf("unknown job: %w", registry.ErrNotFound)

// Names lists the jobs in the order they were registered.
func (s *Scheduler) Names() []string {
	out := make([]string, len(s.jobs))
	for i, j := range s.jobs {
		out[i] = j.name
	}
	return out
}

// Has reports whether a job of that name is registered.
func (s *Scheduler) Has(name string) bool { _, ok := s.byName[name]; return ok }

// JobInfo is a job as the jobs page shows it.
type JobInfo struct {
	Name    string
	Spec    string
	NextRun time.Time // in the scheduler's time zone
	LastRun *JobRun   // nil: never run
}

// Jobs lists the jobs with their next scheduled time (from the scheduler's
// clock) and their last run.
func (s *Scheduler) Jobs(ctx context.Context) ([]JobInfo, error) {
	last, err := s.lastRuns(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]JobInfo, len(s.jobs))
	for i, j := range s.jobs {
		out[i] = JobInfo{Name: j.name, Spec: j.spec, NextRun: s.next(j, now)}
		if r, ok := last[j.name]; ok {
			out[i].LastRun = &r
		}
	}
	return out, nil
}

// Job is one job's information.
func (s *Scheduler) Job(ctx context.Context, name string) (JobInfo, error) {
	list, err := s.Jobs(ctx)
	if err != nil {
		return JobInfo{}, err
	}
	for _, j := range list {
		if j.Name == name {
			return j, nil
		}
	}
	return JobInfo{}, ErrUnknownJob
}

// next is the first scheduled time of a job after t. A spec without its own
// CRON_TZ runs in the scheduler's zone.
func (s *Scheduler) next(j *job, t time.Time) time.Time {
	return j.schedule.Next(t.In(s.loc))
}

// NextRun is the first scheduled time of the named job after t.
func (s *Scheduler) NextRun(name string, t time.Time) (time.Time, error) {
	j, ok := s.byName[name]
	if !ok {
		return time.Time{}, ErrUnknownJob
	}
	return s.next(j, t), nil
}

// PrevRun is the last scheduled time of the named job at or before t; the
// zero time if there is none within a year.
func (s *Scheduler) PrevRun(name string, t time.Time) (time.Time, error) {
	j, ok := s.byName[name]
	if !ok {
		return time.Time{}, ErrUnknownJob
	}
	return s.prev(j, t), nil
}

// prev walks forward from ever further back: a schedule only knows "next".
// Windows grow so that a frequent schedule costs few steps and a rare one
// is still found.
func (s *Scheduler) prev(j *job, t time.Time) time.Time {
	t = t.In(s.loc)
	for _, w := range []time.Duration{time.Hour, 25 * time.Hour, 8 * 24 * time.Hour, 32 * 24 * time.Hour, 367 * 24 * time.Hour} {
		var last time.Time
		for n := s.next(j, t.Add(-w)); !n.IsZero() && !n.After(t); n = s.next(j, n) {
			last = n
		}
		if !last.IsZero() {
			return last
		}
	}
	return time.Time{}
}

// lastRuns is each job's latest run.
func (s *Scheduler) lastRuns(ctx context.Context) (map[string]JobRun, error) {
	var runs []JobRun
	err := s.m.Store().Read(ctx).Where("id IN (SELECT MAX(id) FROM job_runs GROUP BY job)").Find(&runs).Error
	if err != nil {
		return nil, fmt.Errorf("last job runs: %w", err)
	}
	out := make(map[string]JobRun, len(runs))
	for _, r := range runs {
		out[r.Job] = r
	}
	return out, nil
}
