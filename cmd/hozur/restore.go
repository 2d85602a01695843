package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"hozur/config"
	"hozur/registry"
)

func (a *app) restoreCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "restore FILE",
		Short: "Check a backup and put it in place of the database; the server must be stopped",
		Long: `Check the backup FILE and put it in place of the SQLite database in --data.

The server must be stopped: a running hozur serve holds DATA/hozur.lock, and
restore refuses while it does. Before anything is touched the backup is
checked: an SQLite file, PRAGMA integrity_check, a schema no newer than this
binary's, an audit trail whose hash chain holds, and the SHA-256 in
FILE.manifest.json when there is one. Erasures are final: the officials
whose data key was destroyed in the database being replaced are erased again
in the copy (key destroyed, name and personal handles overwritten, one audit
event each), and the count is printed. Then the current database is kept
aside as hozur.db.before-restore-<UTC time> (with its write-ahead log), and
the copy is moved into place in one rename.

Last, restore checks that the master key in place unwraps the backup's data
keys. When it does not, the data is restored all the same, and the missing
key's id is printed: personal data stays unreadable until that key file is
put back (the key file, HOZUR_MASTER_KEY_FILE, or master.key.retired-<id>
beside it). Restore never makes a new master key.`,
		Example: "  hozur restore --data /var/lib/hozur /var/backups/hozur-20261122T000000Z.db",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.load(cmd, nil)
			if err != nil {
				return err
			}
			if cfg.Database.Driver == "postgres" {
				return errPostgresBackup
			}
			keys, err := existingMasterKeys(cfg)
			if err != nil {
				return err
			}
			_, err = restoreBackup(cmd.Context(), cfg, keys, args[0], cmd.OutOrStdout())
			return err
		},
	}
}

// existingMasterKeys is the master key in place, if there is one: unlike
// the other verbs, restore never makes a key, since data keys wrapped
// under a new one would be lost once the right key is put back.
func existingMasterKeys(cfg config.Config) (registry.MasterKeys, error) {
	if cfg.Security.MasterKey == "" {
		if _, err := os.Stat(cfg.KeyFilePath()); errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
	}
	return masterKeys(cfg)
}

// restoreResult is what a restore did.
type restoreResult struct {
	Manifest      bool   // the backup had a manifest, and it matched
	SchemaVersion int64  // the backup's
	AuditEvents   int    // events whose chain was checked
	Previous      string // where the database it replaced was kept; "" if there was none
	Keys          registry.KeyCheck
	NoKey         bool // there is no master key in place at all
	// Reapplied is how many erasures made in the database replaced, since
	// the backup, were made again in the copy.
	Reapplied int
}

// restoreBackup checks the backup at file and puts it in place of cfg's
// database, printing each step to out. keys nil means no master key is in
// place. Nothing in the data directory changes unless every check passes.
func restoreBackup(ctx context.Context, cfg config.Config, keys registry.MasterKeys, file string, out io.Writer) (restoreResult, error) {
	var res restoreResult
	release, err := lockDatabase(cfg)
	if err != nil {
		return res, err
	}
	defer release()
	live := cfg.SQLitePath()
	if same, err := sameFile(file, live); err == nil && same {
		return res, fmt.Errorf("%s is the database itself: name a backup", file)
	}
	if err := checkBackupFile(file, &res, out); err != nil {
		return res, err
	}
	// Erasures are final: the officials erased in the database being
	// replaced are erased again in the copy before it takes its place.
	var erased []registry.ErasedOfficial
	if _, err := os.Stat(live); err == nil {
		if erased, err = registry.ErasedOfficials(ctx, live); err != nil {
			return res, fmt.Errorf("read the erasures of the database it replaces (%s): %w: nothing was changed; "+
				"if that database is beyond reading, move it away first and erase again whoever was erased since the backup", live, err)
		}
	}
	// The checks run on a copy in the database's directory, which then
	// becomes the database in one rename: the backup itself is never
	// opened for writing.
	tmp, err := copyForRestore(file, filepath.Dir(live))
	if err != nil {
		return res, err
	}
	placed := false
	defer func() {
		if !placed {
			removeDatabaseFiles(tmp)
		}
	}()
	if err := checkRestoreCopy(ctx, tmp, keys, erased, &res, out); err != nil {
		return res, err
	}
	res.NoKey = keys == nil
	for _, p := range []string{tmp + "-wal", tmp + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return res, err
		}
	}
	if res.Previous, err = keepAside(live); err != nil {
		return res, err
	}
	if res.Previous != "" {
		fmt.Fprintf(out, "kept the database it replaces as %s\n", res.Previous)
	}
	if err := renameFile(tmp, live); err != nil {
		err = fmt.Errorf("put the backup in place: %w", err)
		if res.Previous == "" {
			return res, err
		}
		if back := putBack(res.Previous, live); back != nil {
			// Nothing is deleted: the operator puts one of them in place.
			placed = true
			return res, fmt.Errorf("%w; moving the database it was to replace back failed too (%v): that database is at %s "+
				"(its write-ahead log, if it had one, at %s-wal), and the checked copy of the backup at %s; "+
				"move one of them to %s before starting the server, which would otherwise make an empty registry",
				err, back, res.Previous, res.Previous, tmp, live)
		}
		return res, fmt.Errorf("%w: the database it was to replace is back in place, unchanged", err)
	}
	placed = true
	if err := syncDirectory(filepath.Dir(live)); err != nil {
		return res, err
	}
	if err := chownRestored(live); err != nil {
		return res, err
	}
	fmt.Fprintf(out, "restored %s to %s\n", file, live)
	printKeyCheck(out, cfg, res)
	return res, nil
}

// checkBackupFile checks what can be checked without opening the backup:
// an SQLite file, matching its manifest if it has one.
func checkBackupFile(file string, res *restoreResult, out io.Writer) error {
	fi, err := os.Stat(file)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("backup %s is not a regular file", file)
	}
	ok, err := registry.IsSQLiteFile(file)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if !ok {
		return fmt.Errorf("%s is not an SQLite database (no SQLite header): nothing was changed", file)
	}
	m, found, err := registry.ReadManifest(file)
	if err != nil {
		return fmt.Errorf("%w: nothing was changed", err)
	}
	if !found {
		fmt.Fprintf(out, "no manifest beside %s: the copy is checked by itself\n", file)
		return nil
	}
	size, sum, err := registry.FileSHA256(file)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if size != m.Size || sum != m.SHA256 {
		return fmt.Errorf("%s does not match its manifest (size %d, sha256 %s; the manifest says size %d, sha256 %s): "+
			"the file was changed or cut short; nothing was changed", file, size, sum, m.Size, m.SHA256)
	}
	res.Manifest = true
	fmt.Fprintf(out, "backup %s matches its manifest: made %s by Hozur %s, sha256 %s\n", file, m.CreatedAt.UTC().Format(time.RFC3339), m.HozurVersion, sum)
	return nil
}

// copyForRestore copies the backup into a new file in dir, synced.
func copyForRestore(file, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("create data directory: %w", err)
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	tmp := filepath.Join(dir, ".hozur.db.restore-"+hex.EncodeToString(b[:]))
	src, err := os.Open(file) //nolint:gosec // G304: the operator names the backup
	if err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	defer func() { _ = src.Close() }()
	dst, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) //nolint:gosec // G304: in the data directory
	if err != nil {
		return "", fmt.Errorf("copy the backup: %w", err)
	}
	_, err = io.Copy(dst, src)
	if err = errors.Join(err, dst.Sync(), dst.Close()); err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("copy the backup: %w", err)
	}
	return tmp, nil
}

// checkRestoreCopy opens the copy and checks it: integrity, schema
// version, audit chain, and which data keys the master key unwraps.
func checkRestoreCopy(ctx context.Context, tmp string, keys registry.MasterKeys, erased []registry.ErasedOfficial, res *restoreResult, out io.Writer) (err error) {
	st, err := registry.Open(registry.Options{Path: tmp, MasterKeys: keys, MaxReaders: 2})
	if err != nil {
		return fmt.Errorf("open the backup: %w: nothing was changed", err)
	}
	defer func() {
		// The copy's write-ahead log is folded in before it becomes the
		// database: the file moved into place stands alone.
		if err == nil {
			err = st.Maintain(ctx)
		}
		err = errors.Join(err, st.Close())
	}()
	if err := st.IntegrityCheck(ctx); err != nil {
		return fmt.Errorf("the backup is damaged: %w: nothing was changed", err)
	}
	latest, err := registry.LatestSchemaVersion()
	if err != nil {
		return err
	}
	if res.SchemaVersion, err = st.SchemaVersion(ctx); err != nil {
		return fmt.Errorf("the backup: %w: nothing was changed", err)
	}
	if res.SchemaVersion > latest {
		return fmt.Errorf("the backup's schema is version %d, newer than this binary's %d: restore it with the Hozur that made it (or a newer one); nothing was changed",
			res.SchemaVersion, latest)
	}
	rep, err := st.VerifyAudit(ctx, nil)
	if err != nil {
		return fmt.Errorf("the backup's audit trail: %w: nothing was changed", err)
	}
	if !rep.OK() {
		return fmt.Errorf("the backup's audit trail is broken at event %d (%s: %s): nothing was changed", rep.Break.EventID, rep.Break.Kind, rep.Break.Reason)
	}
	res.AuditEvents = rep.Events
	if res.Reapplied, err = st.ReapplyErasures(ctx, erased); err != nil {
		return fmt.Errorf("re-apply erasures to the backup: %w: nothing was changed", err)
	}
	if res.Keys, err = st.CheckDataKeys(ctx); err != nil {
		return fmt.Errorf("the backup: %w: nothing was changed", err)
	}
	pending := ""
	if res.SchemaVersion < latest {
		pending = fmt.Sprintf(" (this binary's is %d: the server migrates it at start)", latest)
	}
	fmt.Fprintf(out, "checked the backup: integrity ok, schema version %d%s, audit trail ok (%d events)\n", res.SchemaVersion, pending, rep.Events)
	fmt.Fprintf(out, "re-applied %d erasures made since the backup (officials erased in the database it replaces)\n", res.Reapplied)
	return nil
}

// renameFile is os.Rename; tests make it fail.
var renameFile = os.Rename

// putBack moves the database kept aside at aside, with its log, back to
// live, after the backup could not be put in its place.
func putBack(aside, live string) error {
	for _, suffix := range []string{"-wal", "-journal"} {
		if err := renameFile(aside+suffix, live+suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if err := renameFile(aside, live); err != nil {
		return err
	}
	return syncDirectory(filepath.Dir(live))
}

// keepAside moves the database at live, with its write-ahead log, to a
// name of its own, and drops its shared-memory index; it returns the new
// name, "" when there was no database.
func keepAside(live string) (string, error) {
	if _, err := os.Stat(live); errors.Is(err, fs.ErrNotExist) {
		removeDatabaseFiles(live)
		return "", nil
	} else if err != nil {
		return "", err
	}
	aside := live + ".before-restore-" + time.Now().UTC().Format("20060102T150405Z")
	if _, err := os.Stat(aside); err == nil {
		return "", fmt.Errorf("%s already exists: try again in a second", aside)
	}
	// The log goes first: a database found without the log that belongs to
	// it would lose the last commits.
	for _, suffix := range []string{"-wal", "-journal"} {
		if err := os.Rename(live+suffix, aside+suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("keep the current database: %w", err)
		}
	}
	if err := os.Rename(live, aside); err != nil {
		return "", fmt.Errorf("keep the current database: %w", err)
	}
	if err := os.Remove(live + "-shm"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	return aside, nil
}

// removeDatabaseFiles removes a database and the files SQLite keeps
// beside it.
func removeDatabaseFiles(path string) {
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		_ = os.Remove(p)
	}
}

// sameFile reports whether a and b are one file.
func sameFile(a, b string) (bool, error) {
	fa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	fb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(fa, fb), nil
}

// syncDirectory makes the renames in dir durable.
func syncDirectory(dir string) error {
	d, err := os.Open(dir) //nolint:gosec // G304: the data directory
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

func printKeyCheck(out io.Writer, cfg config.Config, res restoreResult) {
	k := res.Keys
	switch {
	case k.DataKeys == 0:
		fmt.Fprintln(out, "master key: the backup holds no data key yet")
	case res.NoKey:
		fmt.Fprintf(out, "WARNING: there is no master key at %s (nor HOZUR_MASTER_KEY): the backup's %d data keys are wrapped by master key %s. "+
			"The data is restored, but personal data stays unreadable until that key is put back; do not start the server before, "+
			"or it makes a new key.\n", cfg.KeyFilePath(), k.DataKeys, strings.Join(k.MasterIDs, ", "))
	case k.OK():
		fmt.Fprintf(out, "master key: all %d data keys unwrap with the key in place\n", k.DataKeys)
	default:
		if len(k.Missing) > 0 {
			fmt.Fprintf(out, "WARNING: master key %s is not at hand (%s holds another): %d of %d data keys cannot be unwrapped. "+
				"The data is restored, but their personal data stays unreadable until that key is put back "+
				"(as the key file, in HOZUR_MASTER_KEY_FILE, or as %s.retired-<id> beside it).\n",
				strings.Join(k.Missing, ", "), cfg.KeyFilePath(), k.DataKeys-k.Unwrapped-k.Failed, k.DataKeys, filepath.Base(cfg.KeyFilePath()))
		}
		if k.Failed > 0 {
			fmt.Fprintf(out, "WARNING: %d data keys do not unwrap with the master key that has their id: they are damaged\n", k.Failed)
		}
	}
}
