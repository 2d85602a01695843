package monitor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	"hozur/config"
	"hozur/registry"
)

// JobBackup is the scheduled backup.
const JobBackup = "backup"

// BackupPolicy says where scheduled backups go and how many are kept.
type BackupPolicy struct {
	Dir  string
	Keep int
	// Off says why scheduled backups are off ("" when they run): the
	// job is then not registered at all.
	Off string
}

// backupPattern is the job's own naming: only these files are ever
// deleted from the directory.
var backupPattern = regexp.MustCompile(`^hozur-[0-9]{8}T[0-9]{6}Z\.db$`)

// BackupFileName is the name of the backup made at t:
// hozur-YYYYMMDDTHHMMSSZ.db, in UTC, so names sort as times do.
func BackupFileName(t time.Time) string {
	return "hozur-" + t.UTC().Format("20060102T150405Z") + ".db"
}

// BackupResult is what a backup run did, kept as its run's detail.
type BackupResult struct {
	File    string   `json:"file"`
	Size    int64    `json:"size"`
	SHA256  string   `json:"sha256"`
	Deleted []string `json:"deleted,omitempty"`
}

// backupJob writes a backup into the policy's directory and keeps the
// newest Keep of them.
func (s *Scheduler) backupJob(pol BackupPolicy) JobFunc {
	return func(ctx context.Context, now time.Time) error {
		res, err := Backup(ctx, s.m.Store(), now, pol)
		if res.File != "" {
			SetRunDetail(ctx, res)
		}
		return err
	}
}

// Backup writes the backup of now into pol.Dir (made 0700 if missing),
// then deletes the oldest of the job's own copies beyond pol.Keep, with
// their manifests. Files not named as the job names them are left alone.
func Backup(ctx context.Context, st *registry.Store, now time.Time, pol BackupPolicy) (BackupResult, error) {
	var res BackupResult
	if pol.Keep < 1 {
		return res, fmt.Errorf("backup: keep %d copies: at least one", pol.Keep)
	}
	if err := os.MkdirAll(pol.Dir, 0o700); err != nil {
		return res, fmt.Errorf("backup: %w", err)
	}
	name := BackupFileName(now)
	m, err := st.WriteBackup(ctx, filepath.Join(pol.Dir, name), registry.BackupOptions{})
	if err != nil {
		return res, err
	}
	res.File, res.Size, res.SHA256 = name, m.Size, m.SHA256
	res.Deleted, err = pruneBackups(pol.Dir, pol.Keep)
	return res, err
}

// pruneBackups deletes all but the newest keep backups of the job's
// naming in dir, each with its manifest, and returns their names.
func pruneBackups(dir string, keep int) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && backupPattern.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	if len(names) <= keep {
		return nil, nil
	}
	old := names[:len(names)-keep]
	var errs []error
	for _, n := range old {
		p := filepath.Join(dir, n)
		for _, f := range []string{p, registry.ManifestPath(p)} {
			if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return old, fmt.Errorf("backup: delete old copies: %w", err)
	}
	return old, nil
}

// backupPolicyFrom reads the scheduled backups' settings; they are off
// with PostgreSQL, which has its own tools, or without a schedule.
func backupPolicyFrom(c config.Config) BackupPolicy {
	p := BackupPolicy{Dir: c.BackupDir(), Keep: c.Backup.Keep}
	switch {
	case c.Database.Driver != "sqlite":
		p.Off = "database.driver is " + c.Database.Driver + ": back it up with its own tools (pg_dump)"
	case !c.Backup.Enabled(c.Database.Driver):
		p.Off = "backup.spec is off"
	}
	return p
}
