package monitor

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// twoServers are two schedulers, each with its own store, on one database
// (one PostgreSQL database, or one SQLite file), as two `hozur serve`
// processes behind a load balancer.
func twoServers(t *testing.T, now *time.Time) (a, b *Scheduler) {
	t.Helper()
	dbPath := filepath.Join(t.TempDir(), "hozur.db")
	return schedulerOn(t, dbPath, now), schedulerOn(t, dbPath, now)
}

// TestEachScheduledRunOnce: both servers' schedules fire for every due
// time; each due run happens once, on one of them.
func TestEachScheduledRunOnce(t *testing.T) {
	now := time.Date(2026, 11, 27, 2, 0, 0, 0, jobsTZ)
	a, b := twoServers(t, &now)
	var ran atomic.Int64
	count := func(context.Context, time.Time) error { ran.Add(1); return nil }
	a.stub(JobScan, count)
	b.stub(JobScan, count)
	const days = 12
	ranOn := map[string]int{}
	for d := range days {
		due := now.AddDate(0, 0, d)
		var wg sync.WaitGroup
		var mu sync.Mutex
		for _, s := range []*Scheduler{a, b} {
			wg.Go(func() {
				_, ran, err := s.RunDue(context.Background(), JobScan, due)
				if err != nil {
					t.Error(err)
				}
				if ran {
					mu.Lock()
					ranOn[s.InstanceID()]++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		// A server whose clock fires late, after the run finished, does
		// not run it again.
		if _, ran, err := b.RunDue(context.Background(), JobScan, due); err != nil || ran {
			t.Fatalf("a late tick ran the job again (%v)", err)
		}
	}
	if got := ran.Load(); got != days {
		t.Fatalf("the job ran %d times for %d scheduled times", got, days)
	}
	if ranOn[a.InstanceID()]+ranOn[b.InstanceID()] != days {
		t.Fatalf("runs by server: %v", ranOn)
	}
	runs := jobRunsOf(t, a, JobScan)
	if len(runs) != days {
		t.Fatalf("%d runs recorded, want %d", len(runs), days)
	}
	for _, r := range runs {
		if r.Outcome != OutcomeOK || r.Trigger != TriggerSchedule {
			t.Errorf("run %+v", r)
		}
	}
}

// TestLeaseKeepsRunsApartAcrossServers: while one server runs a job, the
// other's run of it is recorded as skipped; once done, the other may run.
func TestLeaseKeepsRunsApartAcrossServers(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, jobsTZ)
	a, b := twoServers(t, &now)
	started, finish := make(chan struct{}), make(chan struct{})
	a.stub(JobMaintenance, func(context.Context, time.Time) error { close(started); <-finish; return nil })
	b.stub(JobMaintenance, func(context.Context, time.Time) error { return nil })
	done := make(chan JobRun)
	go func() {
		run, err := a.RunNow(context.Background(), JobMaintenance, TriggerManual)
		if err != nil {
			t.Error(err)
		}
		done <- run
	}()
	<-started
	run, err := b.RunNow(context.Background(), JobMaintenance, TriggerManual)
	if err != nil || run.Outcome != OutcomeSkipped || run.Error != "already running on another server" {
		t.Fatalf("second server's run while the first runs: %+v %v", run, err)
	}
	close(finish)
	if r := <-done; r.Outcome != OutcomeOK {
		t.Fatalf("first server's run: %+v", r)
	}
	if run, err := b.RunNow(context.Background(), JobMaintenance, TriggerManual); err != nil || run.Outcome != OutcomeOK {
		t.Fatalf("second server after the first finished: %+v %v", run, err)
	}
}

// TestDeadServersLeaseExpires: a server that died mid-run leaves its lease
// and a run marked running; once the lease runs out, another server runs
// the job and closes the dead one's run as interrupted.
func TestDeadServersLeaseExpires(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, jobsTZ)
	a, b := twoServers(t, &now)
	ctx := context.Background()
	st := a.m.Store()
	stale := JobRun{Job: JobRetention, Trigger: TriggerSchedule, StartedAt: now.UTC(), Outcome: OutcomeRunning}
	if err := st.Write(ctx).Create(&stale).Error; err != nil {
		t.Fatal(err)
	}
	live := time.Now().UTC().Add(time.Minute)
	if err := st.Write(ctx).Exec("INSERT INTO job_locks (job, holder, expires_at) VALUES (?, 'dead-server', ?)", JobRetention, live).Error; err != nil {
		t.Fatal(err)
	}
	b.stub(JobRetention, func(context.Context, time.Time) error { return nil })
	if run, err := b.RunNow(ctx, JobRetention, TriggerManual); err != nil || run.Outcome != OutcomeSkipped {
		t.Fatalf("run while the dead server's lease is live: %+v %v", run, err)
	}
	// Its lease runs out.
	if err := st.Write(ctx).Exec("UPDATE job_locks SET expires_at = ? WHERE job = ?", time.Now().UTC().Add(-time.Second), JobRetention).Error; err != nil {
		t.Fatal(err)
	}
	if run, err := b.RunNow(ctx, JobRetention, TriggerManual); err != nil || run.Outcome != OutcomeOK {
		t.Fatalf("run after the lease expired: %+v %v", run, err)
	}
	var got JobRun
	if err := st.Read(ctx).Where("id = ?", stale.ID).Take(&got).Error; err != nil {
		t.Fatal(err)
	}
	if got.Outcome != OutcomeError || got.FinishedAt == nil || got.Error != "interrupted: its server stopped" {
		t.Fatalf("the dead server's run: %+v", got)
	}
	// The lease was let go at the end of the run.
	var holder string
	if err := st.Read(ctx).Raw("SELECT holder FROM job_locks WHERE job = ?", JobRetention).Scan(&holder).Error; err != nil || holder != "" {
		t.Fatalf("lease after the run: %q %v", holder, err)
	}
}

// TestRestartLetsGoOfItsDeadProcessLeases: a server killed mid-run and
// started again on the same host does not wait for its old lease to run
// out; a live process's lease, or another host's, is kept.
func TestRestartLetsGoOfItsDeadProcessLeases(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, jobsTZ)
	a, _ := twoServers(t, &now)
	ctx := context.Background()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	host, _, _ := strings.Cut(a.InstanceID(), "/")
	live := time.Now().UTC().Add(time.Minute)
	for job, holder := range map[string]string{
		JobRetention:   fmt.Sprintf("%s/%d/dead", host, dead.Process.Pid),
		JobMaintenance: fmt.Sprintf("%s/%d/live", host, os.Getppid()),
		JobReminders:   fmt.Sprintf("elsewhere/%d/dead", dead.Process.Pid),
	} {
		if err := a.m.Store().Write(ctx).Exec("INSERT INTO job_locks (job, holder, expires_at) VALUES (?, ?, ?)", job, holder, live).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := a.releaseDead(ctx); err != nil {
		t.Fatal(err)
	}
	for job, want := range map[string]bool{JobRetention: true, JobMaintenance: false, JobReminders: false} {
		ok, err := a.acquire(ctx, job)
		if err != nil || ok != want {
			t.Errorf("%s: acquired %v (%v), want %v", job, ok, err, want)
		}
	}
}

// TestWaitCoversScansWritesStart: a write that may touch any account
// starts a full scan in the background; Wait returns only once it has
// finished, so a server shutting down closes its store after it.
func TestWaitCoversScansWritesStart(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, jobsTZ)
	s := jobsScheduler(t, &now)
	s.m.OnChange(context.Background(), nil, true)
	s.m.Wait()
	last, err := s.m.LatestScan(context.Background())
	if err != nil || last == nil || last.FinishedAt == nil || last.Trigger != "write" {
		t.Fatalf("after Wait: %+v %v", last, err)
	}
}
