package monitor

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"hozur/registry"
)

// backupFiles writes scheduled copies into dir: each name with the time
// its manifest says it was made (zero: no manifest).
func backupFiles(t *testing.T, dir string, copies map[string]time.Time) {
	t.Helper()
	for name, at := range copies {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("copy"), 0o600); err != nil {
			t.Fatal(err)
		}
		if at.IsZero() {
			continue
		}
		b, err := json.Marshal(registry.BackupManifest{Format: registry.BackupFormat, CreatedAt: at, File: name})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(registry.ManifestPath(p), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

func TestBackupPruneKeepsTheCopyJustWritten(t *testing.T) {
	dir := t.TempDir()
	future := BackupFileName(time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC))
	just := BackupFileName(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
	backupFiles(t, dir, map[string]time.Time{future: {}, just: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)})
	deleted, err := pruneBackups(dir, 1, just)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(deleted, []string{future}) {
		t.Errorf("deleted %v, want the copy dated ahead %s", deleted, future)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{just, just + ".manifest.json"}) {
		t.Errorf("left %v", names)
	}
}

func TestBackupPruneOrdersByManifestTime(t *testing.T) {
	dir := t.TempDir()
	// Named earlier, made later (by the manifest): it is the newer copy.
	renamed := BackupFileName(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC))
	older := BackupFileName(time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))
	noManifest := BackupFileName(time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC))
	just := BackupFileName(time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
	backupFiles(t, dir, map[string]time.Time{
		renamed:    time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC),
		older:      time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC),
		noManifest: {},
		just:       time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC),
	})
	deleted, err := pruneBackups(dir, 2, just)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{noManifest, older}; !slices.Equal(deleted, want) {
		t.Errorf("deleted %v, want %v", deleted, want)
	}
	want := []string{renamed, renamed + ".manifest.json", just, just + ".manifest.json"}
	slices.Sort(want)
	if names := dirNames(t, dir); !slices.Equal(names, want) {
		t.Errorf("left %v, want %v", names, want)
	}
}

func TestBackupManualCopiesAreNotRotated(t *testing.T) {
	dir := t.TempDir()
	manual := ManualBackupFileName(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	sched := BackupFileName(time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC))
	just := BackupFileName(time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC))
	backupFiles(t, dir, map[string]time.Time{manual: {}, sched: {}, just: {}})
	deleted, err := pruneBackups(dir, 1, just)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(deleted, []string{sched}) {
		t.Errorf("deleted %v, want only the scheduled %s", deleted, sched)
	}
	if _, err := os.Stat(filepath.Join(dir, manual)); err != nil {
		t.Errorf("the copy made by hand was deleted: %v", err)
	}
}
