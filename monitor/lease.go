package monitor

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A job's lease lasts leaseTTL unless renewed; the server running it renews
// it every leaseRenew. A server that dies mid-run holds it at most leaseTTL
// (a server restarted on the same host lets its dead process's leases go
// at once, see releaseDead). Renewals go through the writer, which a long
// write of the same server holds: leaseTTL is far longer than any write.
const (
	leaseTTL   = 5 * time.Minute
	leaseRenew = 30 * time.Second
)

// newInstanceID names this server in the leases it holds: host, process
// and a random part, so two servers never share a name.
func newInstanceID() string {
	host, err := os.Hostname()
	if err != nil {
		host = "host"
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}

// releaseDead lets go the leases held by processes of this host that are
// no longer running: a server killed and started again does not wait for
// its old leases to run out before its start-up scan and report catch-up.
func (s *Scheduler) releaseDead(ctx context.Context) error {
	var held []struct{ Job, Holder string }
	if err := s.m.Store().Read(ctx).Raw("SELECT job, holder FROM job_locks WHERE holder <> ''").Scan(&held).Error; err != nil {
		return err
	}
	host, _, _ := strings.Cut(s.instance, "/")
	for _, h := range held {
		parts := strings.Split(h.Holder, "/")
		if len(parts) != 3 || parts[0] != host {
			continue
		}
		pid, err := strconv.Atoi(parts[1])
		if err != nil || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		if _, err := s.update(ctx, h.Job, "holder = '', expires_at = NULL", "holder = ?", h.Job, h.Holder); err != nil {
			return err
		}
		s.log.Info("job lease of a stopped process let go", slog.String("job", h.Job), slog.String("holder", h.Holder))
	}
	return nil
}

// processAlive reports whether a process with this id runs here; where
// that cannot be told, it says yes (the lease then runs out by itself).
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM) || !errors.Is(err, os.ErrProcessDone) && !errors.Is(err, syscall.ESRCH)
}

// InstanceID is the name this scheduler's leases are held under.
func (s *Scheduler) InstanceID() string { return s.instance }

// ensureLock makes the job's row in job_locks if it is not there yet.
func (s *Scheduler) ensureLock(ctx context.Context, job string) error {
	return s.m.Store().Write(ctx).Exec("INSERT INTO job_locks (job) VALUES (?) ON CONFLICT (job) DO NOTHING", job).Error
}

// update runs an UPDATE of job's row in job_locks, making the row first if
// it matched nothing because it did not exist, and reports whether a row
// changed.
func (s *Scheduler) update(ctx context.Context, job, set, where string, args ...any) (bool, error) {
	db := s.m.Store().Write(ctx)
	q := "UPDATE job_locks SET " + set + " WHERE job = ? AND " + where
	for range 2 {
		res := db.Exec(q, args...)
		if res.Error != nil {
			return false, res.Error
		}
		if res.RowsAffected > 0 {
			return true, nil
		}
		if err := s.ensureLock(ctx, job); err != nil {
			return false, err
		}
	}
	return false, nil
}

// acquire takes the job's lease for this server when no live lease is held
// elsewhere. A run still marked running then has no server behind it (its
// server died while its lease ran out) and is closed as interrupted.
func (s *Scheduler) acquire(ctx context.Context, job string) (bool, error) {
	return s.inTx(ctx, func(ctx context.Context) (bool, error) {
		now := time.Now().UTC()
		ok, err := s.update(ctx, job, "holder = ?, expires_at = ?", "(holder = '' OR expires_at IS NULL OR expires_at <= ?)",
			s.instance, now.Add(leaseTTL), job, now)
		if err != nil || !ok {
			return ok, err
		}
		err = s.m.Store().Write(ctx).Model(&JobRun{}).Where("job = ? AND outcome = ?", job, OutcomeRunning).
			Updates(map[string]any{"outcome": OutcomeError, "error": "interrupted: its server stopped", "finished_at": now}).Error
		return true, err
	})
}

// inTx runs fn in one write transaction.
func (s *Scheduler) inTx(ctx context.Context, fn func(ctx context.Context) (bool, error)) (bool, error) {
	var ok bool
	err := s.m.Store().Tx(ctx, func(ctx context.Context) error {
		var err error
		ok, err = fn(ctx)
		return err
	})
	return ok, err
}

// hold renews the job's lease until the returned function is called, which
// lets the lease go.
func (s *Scheduler) hold(job string) (release func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(leaseRenew)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				ok, err := s.update(ctx, job, "expires_at = ?", "holder = ?", time.Now().UTC().Add(leaseTTL), job, s.instance)
				if err != nil && ctx.Err() == nil {
					s.log.Warn("job lease not renewed", slog.String("job", job), slog.Any("error", err))
				} else if !ok && ctx.Err() == nil {
					s.log.Warn("job lease lost", slog.String("job", job))
				}
			}
		}
	}()
	return func() {
		cancel()
		<-done
		if _, err := s.update(context.Background(), job, "holder = '', expires_at = NULL", "holder = ?", job, s.instance); err != nil {
			s.log.Error("job lease not released", slog.String("job", job), slog.Any("error", err))
		}
	}
}

// claim claims the scheduled run of job due at due for this server; false
// when another server claimed it first (and runs it).
func (s *Scheduler) claim(ctx context.Context, job string, due time.Time) (bool, error) {
	due = due.UTC()
	return s.update(ctx, job, "last_due = ?", "(last_due IS NULL OR last_due < ?)", due, job, due)
}
