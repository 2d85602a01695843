package monitor

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
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

// RunNow runs a job now and waits for it. The run is recorded like a
// scheduled one; if the job is already running, it is recorded as skipped.
func (s *Scheduler) RunNow(ctx context.Context, name, trigger string) (JobRun, error) {
	j, ok := s.byName[name]
	if !ok {
		return JobRun{}, ErrUnknownJob
	}
	return s.execute(ctx, j, trigger, j.run)
}

// RunFunc runs fn as a run of the named job: under that job's lock, recorded
// in its runs. The web layer and the CLI use it to run a scan and keep its
// result.
func (s *Scheduler) RunFunc(ctx context.Context, name, trigger string, fn JobFunc) (JobRun, error) {
	j, ok := s.byName[name]
	if !ok {
		return JobRun{}, ErrUnknownJob
	}
	return s.execute(ctx, j, trigger, fn)
}

// Launch starts a run in the background and returns its record as it
// starts: running, or skipped when the job is already running. The run
// goes on after the caller's request ends; Stop waits for it.
func (s *Scheduler) Launch(name, trigger string) (JobRun, error) {
	j, ok := s.byName[name]
	if !ok {
		return JobRun{}, ErrUnknownJob
	}
	ctx := s.baseContext()
	run, acquired, err := s.begin(ctx, j, trigger)
	if err != nil || !acquired {
		return run, err
	}
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		defer j.busy.Unlock()
		_, _ = s.finish(ctx, j, run, j.run)
	}()
	return run, nil
}

// Wait blocks until no run is in progress.
func (s *Scheduler) Wait() { s.running.Wait() }

// execute is one recorded run: skipped if the job is busy, else run with a
// panic turned into the outcome "panic".
func (s *Scheduler) execute(ctx context.Context, j *job, trigger string, fn JobFunc) (JobRun, error) {
	run, acquired, err := s.begin(ctx, j, trigger)
	if err != nil || !acquired {
		return run, err
	}
	s.running.Add(1)
	defer s.running.Done()
	defer j.busy.Unlock()
	return s.finish(ctx, j, run, fn)
}

// begin takes the job's lock and records the run as running; when the lock
// is taken it records a skipped run and returns acquired false.
func (s *Scheduler) begin(ctx context.Context, j *job, trigger string) (JobRun, bool, error) {
	now := s.now().UTC()
	if !j.busy.TryLock() {
		run := JobRun{Job: j.name, Trigger: trigger, StartedAt: now, FinishedAt: &now, Outcome: OutcomeSkipped,
			Error: "already running"}
		s.log.Info("job skipped: already running", slog.String("job", j.name), slog.String("trigger", trigger))
		s.m.metrics().observeRun(j.name, OutcomeSkipped, 0)
		if err := s.m.Store().Write(ctx).Create(&run).Error; err != nil {
			return run, false, fmt.Errorf("record job run: %w", err)
		}
		return run, false, nil
	}
	leased, err := s.acquire(ctx, j.name)
	if err != nil {
		j.busy.Unlock()
		return JobRun{}, false, fmt.Errorf("job lease: %w", err)
	}
	if !leased {
		j.busy.Unlock()
		run := JobRun{Job: j.name, Trigger: trigger, StartedAt: now, FinishedAt: &now, Outcome: OutcomeSkipped,
			Error: "already running on another server"}
		s.log.Info("job skipped: running on another server", slog.String("job", j.name), slog.String("trigger", trigger))
		s.m.metrics().observeRun(j.name, OutcomeSkipped, 0)
		if err := s.m.Store().Write(ctx).Create(&run).Error; err != nil {
			return run, false, fmt.Errorf("record job run: %w", err)
		}
		return run, false, nil
	}
	j.release = s.hold(j.name)
	run := JobRun{Job: j.name, Trigger: trigger, StartedAt: now, Outcome: OutcomeRunning}
	if err := s.m.Store().Write(ctx).Create(&run).Error; err != nil {
		j.release()
		j.busy.Unlock()
		return run, false, fmt.Errorf("record job run: %w", err)
	}
	return run, true, nil
}

// finish runs fn and records how it ended. The error returned is the
// recording's; the job's own error is in the run.
func (s *Scheduler) finish(ctx context.Context, j *job, run JobRun, fn JobFunc) (JobRun, error) {
	defer j.release()
	start := time.Now()
	var detail string
	outcome, msg := s.call(context.WithValue(context.WithValue(ctx, triggerKey{}, run.Trigger), detailKey{}, &detail), j, run.StartedAt, fn)
	end := run.StartedAt.Add(time.Since(start)).UTC()
	s.m.metrics().observeRun(j.name, outcome, time.Since(start))
	run.FinishedAt, run.Outcome, run.Error, run.Detail = &end, outcome, msg, detail
	attrs := []any{slog.String("job", j.name), slog.String("trigger", run.Trigger), slog.String("outcome", outcome),
		slog.Duration("duration", time.Since(start).Round(time.Millisecond))}
	if outcome == OutcomeOK {
		s.log.Info("job finished", attrs...)
	} else {
		s.log.Error("job failed", append(attrs, slog.String("error", msg))...)
	}
	// The run's own context may be cancelled (shutdown); the record is
	// still written.
	rec := context.WithoutCancel(ctx)
	err := s.m.Store().Write(rec).Model(&JobRun{}).Where("id = ?", run.ID).
		Updates(map[string]any{"finished_at": end, "outcome": outcome, "error": msg, "detail": detail}).Error
	if err != nil {
		return run, fmt.Errorf("record job run: %w", err)
	}
	return run, nil
}

// call runs fn, turning a panic into an outcome.
func (s *Scheduler) call(ctx context.Context, j *job, now time.Time, fn JobFunc) (outcome, msg string) {
	defer func() {
		if r := recover(); r != nil {
			outcome, msg = OutcomePanic, fmt.Sprint(r)
			s.log.Error("job panicked", slog.String("job", j.name), slog.Any("panic", r), slog.String("stack", string(debug.Stack())))
		}
	}()
	if err := fn(ctx, now); err != nil {
		return OutcomeError, err.Error()
	}
	return OutcomeOK, ""
}

func (s *Scheduler) baseContext() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.base
}

// cronLogger passes cron's messages to slog: its chatter as debug.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append([]any{slog.Any("error", err)}, kv...)...)
}

// Start runs the jobs on their schedules until Stop, and, if the weekly
// report's time passed while the server was down, produces it now (in the
// background, trigger "startup").
func (s *Scheduler) Start(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cron != nil {
		return
	}
	s.base, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	lg := cronLogger{s.log}
	s.cron = cron.New(cron.WithLocation(s.loc), cron.WithLogger(lg),
		cron.WithChain(cron.Recover(lg), cron.SkipIfStillRunning(lg)))
	base := s.base
	for _, j := range s.jobs {
		s.cron.Schedule(j.schedule, cron.FuncJob(s.tick(j)))
	}
	// A run left "running" with no live lease was cut short when its server
	// stopped (a run another server is doing holds its job's lease).
	if err := s.releaseDead(base); err != nil {
		s.log.Error("let go of stopped processes' job leases", slog.Any("error", err))
	}
	end := s.now().UTC()
	if err := s.m.Store().Write(base).Model(&JobRun{}).Where("outcome = ?", OutcomeRunning).
		Where("job NOT IN (SELECT job FROM job_locks WHERE holder <> '' AND expires_at > ?)", time.Now().UTC()).
		Updates(map[string]any{"outcome": OutcomeError, "error": "interrupted: the server stopped", "finished_at": end}).Error; err != nil {
		s.log.Error("close interrupted job runs", slog.Any("error", err))
	}
	s.cron.Start()
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		// A registry never scanned gets its flags first, so that a report
		// caught up at start-up counts them.
		if last, err := s.m.LatestScan(base); err == nil && last == nil {
			if _, err := s.RunNow(base, JobScan, TriggerStartup); err != nil {
				s.log.Error("first scan", slog.Any("error", err))
			}
		}
		if _, err := s.CatchUp(base); err != nil {
			s.log.Error("weekly report catch-up", slog.Any("error", err))
		}
	}()
	s.log.Info("scheduler started", slog.String("time_zone", s.loc.String()))
}

// tick is what cron calls at a job's scheduled time: a recorded run with
// trigger "schedule".
func (s *Scheduler) tick(j *job) func() {
	return func() {
		if _, _, err := s.runDue(s.baseContext(), j, s.prev(j, s.now())); err != nil {
			s.log.Error("job not recorded", slog.String("job", j.name), slog.Any("error", err))
		}
	}
}

// runDue runs the job's scheduled run due at due, unless another server
// sharing the database has claimed it (ran reports false).
func (s *Scheduler) runDue(ctx context.Context, j *job, due time.Time) (JobRun, bool, error) {
	if !due.IsZero() {
		mine, err := s.claim(ctx, j.name, due)
		if err != nil {
			return JobRun{}, false, fmt.Errorf("claim scheduled run: %w", err)
		}
		if !mine {
			s.log.Debug("scheduled run taken by another server", slog.String("job", j.name), slog.Time("due", due))
			return JobRun{}, false, nil
		}
	}
	run, err := s.execute(ctx, j, TriggerSchedule, j.run)
	return run, true, err
}

// RunDue is the scheduled run of the named job due at due, as the schedule
// starts it: run by this server unless another one claimed it.
func (s *Scheduler) RunDue(ctx context.Context, name string, due time.Time) (JobRun, bool, error) {
	j, ok := s.byName[name]
	if !ok {
		return JobRun{}, false, ErrUnknownJob
	}
	return s.runDue(ctx, j, due)
}

// CatchUp runs the weekly report once, with trigger "startup", if its last
// scheduled time has passed with no successful run since (a failed one is
// tried again). It reports whether it ran.
func (s *Scheduler) CatchUp(ctx context.Context) (bool, error) {
	j := s.byName[JobWeeklyReport]
	due := s.prev(j, s.now())
	if due.IsZero() {
		return false, nil
	}
	var n int64
	err := s.m.Store().Read(ctx).Model(&JobRun{}).
		Where("job = ? AND outcome = ? AND started_at >= ?", j.name, OutcomeOK, due.UTC()).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("catch up: %w", err)
	}
	if n > 0 {
		return false, nil
	}
	s.log.Info("weekly report missed while down: producing it now", slog.Time("due", due))
	_, err = s.execute(ctx, j, TriggerStartup, j.run)
	return true, err
}

// Stop stops scheduling and waits for the runs in progress until ctx ends;
// then it cancels them and returns ctx's error.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.mu.Lock()
	c, cancel := s.cron, s.cancel
	s.mu.Unlock()
	if c != nil {
		// cron's Stop ends when the runs it started have returned; then the
		// runs started otherwise (Launch, RunNow, start-up) are waited for.
		select {
		case <-c.Stop().Done():
		case <-ctx.Done():
		}
	}
	done := make(chan struct{})
	go func() { s.running.Wait(); close(done) }()
	select {
	case <-done:
		if cancel != nil {
			cancel()
		}
		return nil
	case <-ctx.Done():
		// The runs still going are told to stop; they are not waited for.
		if cancel != nil {
			cancel()
		}
		return fmt.Errorf("stop scheduler: %w", ctx.Err())
	}
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
