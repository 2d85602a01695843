package monitor

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"hozur/config"
	"hozur/registry"
	"hozur/registry/storetest"
)

var jobsTZ = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Tehran")
	if err != nil {
		panic(err)
	}
	return loc
}()

// jobsScheduler is a scheduler on a fresh database whose clock reads *now.
func jobsScheduler(t *testing.T, now *time.Time) *Scheduler {
	t.Helper()
	return schedulerOn(t, filepath.Join(t.TempDir(), "hozur.db"), now)
}

// schedulerOn is a scheduler with a store of its own on the database of
// dbPath (on the database the suite runs on), migrated, whose clock reads
// *now. Two of them on one path are two servers on one database.
func schedulerOn(t *testing.T, dbPath string, now *time.Time) *Scheduler {
	t.Helper()
	st, err := registry.Open(registry.Options{Driver: storetest.Driver(), DSN: storetest.DSN(t, dbPath), Path: dbPath})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	opt := SchedulerOptionsFrom(cfg)
	opt.Now = func() time.Time { return *now }
	s, err := NewScheduler(New(st, SettingsFrom(cfg), nil), opt)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// stub replaces a job's function, as a test's double.
func (s *Scheduler) stub(name string, fn JobFunc) { s.byName[name].run = fn }

func jobRunsOf(t *testing.T, s *Scheduler, name string) []JobRun {
	t.Helper()
	res, err := s.m.JobRuns(context.Background(), name, registry.Page{PerPage: 200})
	if err != nil {
		t.Fatal(err)
	}
	return res.Items
}

func TestJobsRegisteredWithTheirSpecs(t *testing.T) {
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, jobsTZ)
	s := jobsScheduler(t, &now)
	if got, want := s.Names(), []string{JobScan, JobWeeklyReport, JobReminders, JobMaintenance, JobRetention, JobBackup}; !slices.Equal(got, want) {
		t.Fatalf("jobs %v, want %v", got, want)
	}
	jobs, err := s.Jobs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{JobScan: "0 2 * * *", JobWeeklyReport: "0 7 * * 6", JobReminders: "0 8 * * *", JobMaintenance: "30 3 * * *", JobRetention: "0 4 * * *", JobBackup: "30 3 * * *"}
	for _, j := range jobs {
		if j.Spec != want[j.Name] {
			t.Errorf("%s: spec %q, want %q", j.Name, j.Spec, want[j.Name])
		}
		if j.LastRun != nil {
			t.Errorf("%s: a last run before any ran", j.Name)
		}
		if !j.NextRun.After(now) {
			t.Errorf("%s: next run %v is not after now", j.Name, j.NextRun)
		}
	}
	if _, err := s.RunNow(context.Background(), "nonesuch", TriggerManual); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("unknown job: %v", err)
	}
	opt := SchedulerOptionsFrom(config.Default())
	opt.Specs.Scan = "every day at two"
	if _, err := NewScheduler(s.m, opt); err == nil {
		t.Error("a bad spec was accepted")
	}
}

func TestWeeklyReportSchedule(t *testing.T) {
	var now time.Time
	s := jobsScheduler(t, &now)
	sat7 := time.Date(2026, 11, 28, 7, 0, 0, 0, jobsTZ)
	if sat7.Weekday() != time.Saturday {
		t.Fatalf("%v is not a Saturday", sat7)
	}
	cases := []struct {
		name     string
		from     time.Time
		next     time.Time
		previous time.Time
	}{
		{"from Friday afternoon", time.Date(2026, 11, 27, 15, 0, 0, 0, jobsTZ), sat7, sat7.AddDate(0, 0, -7)},
		{"from Friday in UTC, already Saturday in Tehran", time.Date(2026, 11, 27, 21, 0, 0, 0, time.UTC), sat7, sat7.AddDate(0, 0, -7)},
		{"a minute before", sat7.Add(-time.Minute), sat7, sat7.AddDate(0, 0, -7)},
		{"at the time", sat7, sat7.AddDate(0, 0, 7), sat7},
		{"Saturday noon", sat7.Add(5 * time.Hour), sat7.AddDate(0, 0, 7), sat7},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			next, err := s.NextRun(JobWeeklyReport, tc.from)
			if err != nil {
				t.Fatal(err)
			}
			if !next.Equal(tc.next) || next.Location().String() != "Asia/Tehran" || next.Weekday() != time.Saturday || next.Hour() != 7 {
				t.Errorf("next %v, want %v (Saturday 07:00 Tehran)", next, tc.next)
			}
			prev, err := s.PrevRun(JobWeeklyReport, tc.from)
			if err != nil {
				t.Fatal(err)
			}
			if !prev.Equal(tc.previous) {
				t.Errorf("previous %v, want %v", prev, tc.previous)
			}
		})
	}
	// The jobs page shows the same, from the scheduler's clock.
	now = time.Date(2026, 11, 27, 15, 0, 0, 0, jobsTZ)
	j, err := s.Job(context.Background(), JobWeeklyReport)
	if err != nil {
		t.Fatal(err)
	}
	if !j.NextRun.Equal(sat7) {
		t.Errorf("jobs page: next %v, want %v", j.NextRun, sat7)
	}
	// The daily scan at 02:00 Tehran is 22:30 UTC the evening before.
	next, _ := s.NextRun(JobScan, time.Date(2026, 11, 27, 15, 0, 0, 0, jobsTZ))
	if got := next.UTC(); !got.Equal(time.Date(2026, 11, 27, 22, 30, 0, 0, time.UTC)) {
		t.Errorf("scan next %v", got)
	}
}

func TestCatchUpRunsOnceAfterAMissedReport(t *testing.T) {
	ctx := context.Background()
	// The server was down over Saturday 07:00 and starts at 09:00.
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, jobsTZ)
	s := jobsScheduler(t, &now)
	var calls atomic.Int32
	var gotNow time.Time
	var gotTrigger string
	s.stub(JobWeeklyReport, func(ctx context.Context, n time.Time) error {
		calls.Add(1)
		gotNow, gotTrigger = n, TriggerOf(ctx)
		return nil
	})
	ran, err := s.CatchUp(ctx)
	if err != nil || !ran {
		t.Fatalf("first start: ran %v, %v", ran, err)
	}
	if calls.Load() != 1 || !gotNow.Equal(now) || gotTrigger != TriggerStartup {
		t.Errorf("calls %d, now %v, trigger %q", calls.Load(), gotNow, gotTrigger)
	}
	// A second start the same day runs nothing.
	now = now.Add(time.Hour)
	if ran, err := s.CatchUp(ctx); err != nil || ran {
		t.Fatalf("second start: ran %v, %v", ran, err)
	}
	// Nor on Friday; the next Saturday after 07:00 it is due again.
	now = time.Date(2026, 12, 4, 23, 0, 0, 0, jobsTZ)
	if ran, _ := s.CatchUp(ctx); ran {
		t.Error("ran on Friday")
	}
	now = time.Date(2026, 12, 5, 7, 30, 0, 0, jobsTZ)
	if ran, _ := s.CatchUp(ctx); !ran {
		t.Error("did not run the next Saturday")
	}
	runs := jobRunsOf(t, s, JobWeeklyReport)
	if len(runs) != 2 || calls.Load() != 2 {
		t.Fatalf("%d runs, %d calls", len(runs), calls.Load())
	}
	for _, r := range runs {
		if r.Trigger != TriggerStartup || r.Outcome != OutcomeOK || r.FinishedAt == nil {
			t.Errorf("run %+v", r)
		}
	}

	// A failed run is tried again at the next start; a scheduled one that
	// succeeded counts.
	now = time.Date(2026, 12, 12, 8, 0, 0, 0, jobsTZ)
	s.stub(JobWeeklyReport, func(context.Context, time.Time) error { return errors.New("disk full") })
	if ran, _ := s.CatchUp(ctx); !ran {
		t.Fatal("did not run")
	}
	if r := jobRunsOf(t, s, JobWeeklyReport)[0]; r.Outcome != OutcomeError || r.Error != "disk full" {
		t.Errorf("failed run recorded as %+v", r)
	}
	s.stub(JobWeeklyReport, func(context.Context, time.Time) error { return nil })
	if ran, _ := s.CatchUp(ctx); !ran {
		t.Fatal("a failed report was not tried again")
	}
	if ran, _ := s.CatchUp(ctx); ran {
		t.Fatal("ran twice")
	}
}

func TestCatchUpSkipsAReportMadeOnTime(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 28, 7, 0, 0, 0, jobsTZ)
	s := jobsScheduler(t, &now)
	var calls atomic.Int32
	s.stub(JobWeeklyReport, func(context.Context, time.Time) error { calls.Add(1); return nil })
	// The scheduled run at 07:00 (what cron calls).
	s.tick(s.byName[JobWeeklyReport])()
	now = now.Add(3 * time.Hour)
	if ran, err := s.CatchUp(ctx); err != nil || ran {
		t.Fatalf("ran %v, %v", ran, err)
	}
	if calls.Load() != 1 {
		t.Errorf("%d calls", calls.Load())
	}
	if r := jobRunsOf(t, s, JobWeeklyReport)[0]; r.Trigger != TriggerSchedule || r.Outcome != OutcomeOK {
		t.Errorf("run %+v", r)
	}
}

func TestPanickingJobIsRecordedAndTheSchedulerGoesOn(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 28, 2, 0, 0, 0, jobsTZ)
	s := jobsScheduler(t, &now)
	s.stub(JobScan, func(context.Context, time.Time) error { panic("boom") })
	// As cron runs it: the panic does not escape.
	s.tick(s.byName[JobScan])()
	run, err := s.RunNow(ctx, JobScan, TriggerManual)
	if err != nil {
		t.Fatal(err)
	}
	if run.Outcome != OutcomePanic || run.Error != "boom" {
		t.Errorf("run %+v", run)
	}
	runs := jobRunsOf(t, s, JobScan)
	if len(runs) != 2 || runs[1].Outcome != OutcomePanic || runs[1].Trigger != TriggerSchedule || runs[1].FinishedAt == nil {
		t.Fatalf("runs %+v", runs)
	}
	// The lock was released: the job runs again, and so do the others.
	s.stub(JobScan, func(context.Context, time.Time) error { return nil })
	if run, _ := s.RunNow(ctx, JobScan, TriggerManual); run.Outcome != OutcomeOK {
		t.Errorf("after the panic: %+v", run)
	}
	run, err = s.RunNow(ctx, JobMaintenance, TriggerManual)
	if err != nil || run.Outcome != OutcomeOK {
		t.Errorf("maintenance after a panic: %+v, %v", run, err)
	}
	jobs, err := s.Jobs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		switch j.Name {
		case JobScan, JobMaintenance:
			if j.LastRun == nil || j.LastRun.Outcome != OutcomeOK {
				t.Errorf("%s: last run %+v", j.Name, j.LastRun)
			}
		default:
			if j.LastRun != nil {
				t.Errorf("%s: last run %+v", j.Name, j.LastRun)
			}
		}
	}
}

func TestRunsNeverOverlap(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 28, 2, 0, 0, 0, jobsTZ)
	s := jobsScheduler(t, &now)
	started, release := make(chan struct{}), make(chan struct{})
	s.stub(JobScan, func(context.Context, time.Time) error {
		close(started)
		<-release
		return nil
	})
	first := make(chan JobRun, 1)
	go func() {
		r, err := s.RunNow(ctx, JobScan, TriggerManual)
		if err != nil {
			t.Error(err)
		}
		first <- r
	}()
	<-started
	second, err := s.RunNow(ctx, JobScan, TriggerManual)
	if err != nil {
		t.Fatal(err)
	}
	if second.Outcome != OutcomeSkipped {
		t.Errorf("second run: %+v", second)
	}
	// A scheduled tick meanwhile is skipped too, and a background launch.
	s.tick(s.byName[JobScan])()
	if r, err := s.Launch(JobScan, TriggerManual); err != nil || r.Outcome != OutcomeSkipped {
		t.Errorf("launch: %+v, %v", r, err)
	}
	// Another job is not held up.
	if r, _ := s.RunNow(ctx, JobMaintenance, TriggerManual); r.Outcome != OutcomeOK {
		t.Errorf("maintenance: %+v", r)
	}
	close(release)
	if r := <-first; r.Outcome != OutcomeOK {
		t.Errorf("first run: %+v", r)
	}
	var outcomes []string
	for _, r := range jobRunsOf(t, s, JobScan) {
		outcomes = append(outcomes, r.Trigger+":"+r.Outcome)
	}
	slices.Sort(outcomes)
	want := []string{"manual:ok", "manual:skipped", "manual:skipped", "schedule:skipped"}
	if !slices.Equal(outcomes, want) {
		t.Errorf("runs %v, want %v", outcomes, want)
	}
	// With the first finished, a launch runs in the background.
	s.stub(JobScan, func(context.Context, time.Time) error { return nil })
	r, err := s.Launch(JobScan, TriggerManual)
	if err != nil || r.Outcome != OutcomeRunning {
		t.Fatalf("launch: %+v, %v", r, err)
	}
	s.Wait()
	if got := jobRunsOf(t, s, JobScan)[0]; got.ID != r.ID || got.Outcome != OutcomeOK {
		t.Errorf("launched run %+v", got)
	}
}

func TestJobRunsPaging(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 28, 2, 0, 0, 0, jobsTZ)
	s := jobsScheduler(t, &now)
	s.stub(JobScan, func(context.Context, time.Time) error { return nil })
	for range 5 {
		if _, err := s.RunNow(ctx, JobScan, TriggerCLI); err != nil {
			t.Fatal(err)
		}
	}
	var seen []int64
	p := registry.Page{PerPage: 2}
	for {
		res, err := s.m.JobRuns(ctx, JobScan, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res.Items {
			seen = append(seen, r.ID)
		}
		if res.Next == "" {
			break
		}
		p.Cursor = res.Next
	}
	if len(seen) != 5 || !slices.IsSortedFunc(seen, func(a, b int64) int { return int(b - a) }) {
		t.Errorf("ids %v", seen)
	}
	if _, err := s.m.JobRuns(ctx, JobScan, registry.Page{Cursor: "nonsense"}); err == nil {
		t.Error("a bad cursor was accepted")
	}
}

func TestStartAndStop(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, jobsTZ)
	s := jobsScheduler(t, &now)
	ran := make(chan struct{}, 1)
	s.stub(JobWeeklyReport, func(context.Context, time.Time) error { ran <- struct{}{}; return nil })
	// A run left "running" by a crash is closed at start.
	stale := JobRun{Job: JobScan, Trigger: TriggerSchedule, StartedAt: now.Add(-time.Hour).UTC(), Outcome: OutcomeRunning}
	if err := s.m.Store().Write(context.Background()).Create(&stale).Error; err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.Start(ctx)
	select {
	case <-ran: // the catch-up of last Saturday's report
	case <-time.After(10 * time.Second):
		t.Fatal("no catch-up at start")
	}
	stop, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	if err := s.Stop(stop); err != nil {
		t.Fatal(err)
	}
	// The run cut short by the last stop is closed as an error; a registry
	// never scanned is scanned once at start.
	runs := jobRunsOf(t, s, JobScan)
	if len(runs) != 2 {
		t.Fatalf("scan runs %+v, want the stale one and the first scan", runs)
	}
	for _, r := range runs {
		switch {
		case r.ID == stale.ID && (r.Outcome != OutcomeError || r.FinishedAt == nil):
			t.Errorf("stale run %+v", r)
		case r.ID != stale.ID && (r.Trigger != TriggerStartup || r.Outcome != OutcomeOK):
			t.Errorf("first scan %+v", r)
		}
	}
}

// The nightly retention erases what was kept long enough and says how much
// in its run.
func TestRetentionJob(t *testing.T) {
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, jobsTZ)
	s := jobsScheduler(t, &now)
	st := s.m.Store()
	ctx := context.Background()
	ag, err := st.CreateAgency(ctx, registry.System, registry.AgencyInput{Code: "MOH", Name: "وزارت بهداشت", Kind: registry.KindMinistry})
	if err != nil {
		t.Fatal(err)
	}
	long, recent := now.AddDate(-3, 0, 0), now.AddDate(0, -6, 0)
	start := now.AddDate(-6, 0, 0)
	mk := func(name string, end *time.Time) *registry.OfficialView {
		o, err := st.CreateOfficial(ctx, registry.System, registry.OfficialInput{AgencyID: ag.ID, Name: name, Position: "معاون", Rank: 2,
			Serving: end == nil, TermStart: &start, TermEnd: end, Email: name + "@example.ir"})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	gone, left, serving := mk("gone", &long), mk("left", &recent), mk("serving", nil)
	// A personal account of the serving official, closed long ago.
	acc, err := st.CreateAccount(ctx, registry.System, registry.AccountInput{URL: "https://instagram.com/serving.private", Capacity: registry.CapacityPersonal,
		OfficialID: serving.ID, Status: registry.StatusClosed})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Write(ctx).Exec("UPDATE accounts SET closed_at = ? WHERE id = ?", long.UTC(), acc.ID).Error; err != nil {
		t.Fatal(err)
	}
	run, err := s.RunNow(ctx, JobRetention, TriggerManual)
	if err != nil || run.Outcome != OutcomeOK {
		t.Fatalf("run %+v %v", run, err)
	}
	if run.Detail != `{"officials":1,"accounts":1}` {
		t.Fatalf("detail %q", run.Detail)
	}
	if runs := jobRunsOf(t, s, JobRetention); len(runs) != 1 || runs[0].Detail != run.Detail {
		t.Fatalf("recorded runs %+v", runs)
	}
	for _, c := range []struct {
		o      *registry.OfficialView
		erased bool
	}{{gone, true}, {left, false}, {serving, false}} {
		got, err := st.Official(ctx, registry.System, c.o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Erased != c.erased || (c.erased && got.Email != "") || (!c.erased && got.Email == "") {
			t.Errorf("%s: erased %v, e-mail %q", c.o.Name, got.Erased, got.Email)
		}
	}
	got, err := st.Account(ctx, registry.System, acc.ID)
	if err != nil || got.Display != "" || got.URL != "" {
		t.Fatalf("closed personal account kept its handle: %+v %v", got, err)
	}
	// Nothing is left to do the next night.
	run, err = s.RunNow(ctx, JobRetention, TriggerManual)
	if err != nil || run.Detail != `{"officials":0,"accounts":0}` {
		t.Fatalf("second run %+v %v", run, err)
	}
}
