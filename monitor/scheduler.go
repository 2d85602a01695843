package monitor

// Running the jobs: on demand, on their schedules, and stopping.

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/robfig/cron/v3"
)

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
