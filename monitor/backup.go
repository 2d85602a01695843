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
	"strings"
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

// backupPattern is the naming of the schedule's copies: only these files
// are ever deleted from the directory.
var backupPattern = regexp.MustCompile(`^hozur-([0-9]{8}T[0-9]{6}Z)\.db$`)

// BackupFileName is the name of the scheduled backup made at t:
// hozur-YYYYMMDDTHHMMSSZ.db, in UTC.
func BackupFileName(t time.Time) string {
	return "hozur-" + t.UTC().Format("20060102T150405Z") + ".db"
}

// ManualBackupFileName is the name of a backup run by hand at t:
// hozur-manual-YYYYMMDDTHHMMSSZ.db. The rotation never deletes these, so
// runs by hand cannot push the schedule's restore points out.
func ManualBackupFileName(t time.Time) string {
	return "hozur-manual-" + t.UTC().Format("20060102T150405Z") + ".db"
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
		res, err := Backup(ctx, s.m.Store(), now, pol, TriggerOf(ctx) == TriggerManual)
		if res.File != "" {
			SetRunDetail(ctx, res)
		}
		return err
	}
}

// Backup writes the backup of now into pol.Dir (made 0700 if missing),
// then deletes the oldest of the schedule's copies beyond pol.Keep, with
// their manifests. A copy made by hand (manual) is named apart and is
// neither deleted nor counted; files not named as the job names them are
// left alone.
func Backup(ctx context.Context, st *registry.Store, now time.Time, pol BackupPolicy, manual bool) (BackupResult, error) {
	var res BackupResult
	if pol.Keep < 1 {
		return res, fmt.Errorf("backup: keep %d copies: at least one", pol.Keep)
	}
	if err := os.MkdirAll(pol.Dir, 0o700); err != nil {
		return res, fmt.Errorf("backup: %w", err)
	}
	name := BackupFileName(now)
	if manual {
		name = ManualBackupFileName(now)
	}
	m, err := st.WriteBackup(ctx, filepath.Join(pol.Dir, name), registry.BackupOptions{})
	if err != nil {
		return res, err
	}
	res.File, res.Size, res.SHA256 = name, m.Size, m.SHA256
	if manual {
		return res, nil
	}
	res.Deleted, err = pruneBackups(pol.Dir, pol.Keep, name)
	return res, err
}

// pruneBackups deletes all but the newest keep scheduled backups in dir,
// each with its manifest, and returns their names. The copy just written
// is always kept, and counts as one of keep. Copies are ordered by the
// time their manifest says they were made, else by the time in their
// name: a copy dated ahead by a clock once wrong never has a new copy
// deleted in its place.
func pruneBackups(dir string, keep int, just string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	type copyAt struct {
		name string
		at   time.Time
	}
	var others []copyAt
	for _, e := range entries {
		sub := backupPattern.FindStringSubmatch(e.Name())
		if !e.Type().IsRegular() || sub == nil || e.Name() == just {
			continue
		}
		c := copyAt{name: e.Name()}
		c.at, _ = time.Parse("20060102T150405Z", sub[1])
		if m, ok, err := registry.ReadManifest(filepath.Join(dir, e.Name())); err == nil && ok && !m.CreatedAt.IsZero() {
			c.at = m.CreatedAt
		}
		others = append(others, c)
	}
	if len(others) <= keep-1 {
		return nil, nil
	}
	// Newest first; the name breaks ties.
	slices.SortFunc(others, func(a, b copyAt) int {
		if c := b.at.Compare(a.at); c != 0 {
			return c
		}
		return strings.Compare(b.name, a.name)
	})
	var old []string
	for _, c := range others[keep-1:] {
		old = append(old, c.name)
	}
	slices.Sort(old)
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
