package registry

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	// The plain "sqlite3" driver reads a backup copy: the store's own
	// driver would switch the copy to WAL.
	_ "github.com/mattn/go-sqlite3"
)

// BackupFormat names the layout of the manifest written beside a backup.
const BackupFormat = "hozur-backup/1"

// BackupManifest is what a restore needs to know and check about a backup,
// written beside it as FILE.manifest.json. It names the master keys that
// wrap the backup's data keys; it never holds a key.
type BackupManifest struct {
	Format        string    `json:"format"`
	HozurVersion  string    `json:"hozur_version"`
	SchemaVersion int64     `json:"schema_version"`
	CreatedAt     time.Time `json:"created_at"`
	File          string    `json:"file"`
	Size          int64     `json:"size"`
	SHA256        string    `json:"sha256"`
	// MasterKeyIDs are the master keys the backup's data keys are wrapped
	// by: the key files to keep for it.
	MasterKeyIDs []string `json:"master_key_ids"`
	DataKeys     int64    `json:"data_keys"`
	AuditEvents  int64    `json:"audit_events"`
	AuditHeadID  int64    `json:"audit_head_id"`
	AuditHead    string   `json:"audit_head_hash"`
}

// ManifestPath is where the manifest of the backup at path is.
func ManifestPath(path string) string { return path + ".manifest.json" }

// BackupOptions say how a backup is labelled.
type BackupOptions struct {
	// Version is the Hozur version written in the manifest; empty: the
	// version in the binary's build information.
	Version string
}

// WriteBackup writes a consistent copy of the database to path while the
// server keeps running, and its manifest beside it. The copy is taken with
// VACUUM INTO (one read snapshot, on a connection of its own, so the
// server's writes go on) into a temporary file in path's directory, made
// readable by its owner only, synced, and linked into place only when it is
// complete: path never holds half a backup. An existing path or manifest is
// refused.
func (s *Store) WriteBackup(ctx context.Context, path string, opt BackupOptions) (BackupManifest, error) {
	var m BackupManifest
	if s.Postgres() {
		return m, errors.New("backup: the database is PostgreSQL: back it up with pg_dump (or your PostgreSQL backup tooling)")
	}
	for _, p := range []string{path, ManifestPath(path)} {
		if _, err := os.Lstat(p); err == nil {
			return m, fmt.Errorf("backup: %s already exists", p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return m, fmt.Errorf("backup: %w", err)
		}
	}
	dir := filepath.Dir(path)
	tmp, err := tempName(dir, "."+filepath.Base(path)+".partial-")
	if err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	// VACUUM INTO writes into an empty file: made here, so the copy is
	// never readable by others, even for a moment.
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) //nolint:gosec // G304: the operator names the backup file
	if err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	_ = f.Close()
	defer func() {
		for _, p := range []string{tmp, tmp + "-journal", tmp + "-wal", tmp + "-shm"} {
			_ = os.Remove(p)
		}
	}()
	if err := s.vacuumInto(ctx, tmp); err != nil {
		return m, err
	}
	m, err = inspectBackup(ctx, tmp)
	if err != nil {
		return m, err
	}
	m.Format, m.HozurVersion, m.CreatedAt, m.File = BackupFormat, opt.Version, s.Now().Truncate(time.Second), filepath.Base(path)
	if m.HozurVersion == "" {
		m.HozurVersion = BuildVersion()
	}
	if m.Size, m.SHA256, err = syncAndHash(tmp); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	// A link fails if path appeared meanwhile: nothing is overwritten.
	if err := os.Link(tmp, path); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	body, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return m, err
	}
	if err := writeNew(ManifestPath(path), append(body, '\n')); err != nil {
		return m, fmt.Errorf("backup: manifest: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	return m, nil
}

// vacuumInto copies the database into the empty file at path on a
// connection of its own: the readers are query-only, and the writer must
// stay free for the server's writes.
func (s *Store) vacuumInto(ctx context.Context, path string) error {
	db, err := sql.Open(driverName, sqliteDSN(s.path, "deferred", false))
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer func() { _ = db.Close() }()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// inspectBackup reads from a copy what its manifest says about it, and
// switches the copy to a rollback journal, so the file stands alone.
func inspectBackup(ctx context.Context, path string) (BackupManifest, error) {
	var m BackupManifest
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=DELETE&_busy_timeout=10000")
	if err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	defer func() { _ = db.Close() }()
	db.SetMaxOpenConns(1)
	if m.SchemaVersion, err = schemaVersionOf(ctx, db); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	if m.MasterKeyIDs, m.DataKeys, err = masterKeyIDsOf(ctx, db); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	err = db.QueryRowContext(ctx, "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM audit_events").Scan(&m.AuditEvents, &m.AuditHeadID)
	if err != nil {
		return m, fmt.Errorf("backup: audit trail: %w", err)
	}
	if m.AuditHeadID > 0 {
		if err := db.QueryRowContext(ctx, "SELECT hash FROM audit_events WHERE id = ?", m.AuditHeadID).Scan(&m.AuditHead); err != nil {
			return m, fmt.Errorf("backup: audit trail: %w", err)
		}
	}
	return m, nil
}

// schemaVersionOf is the last migration applied to a database.
func schemaVersionOf(ctx context.Context, db *sql.DB) (int64, error) {
	var v int64
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied").Scan(&v); err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	return v, nil
}

// masterKeyIDsOf lists the master keys that wrap a database's data keys
// (destroyed keys wrap nothing), and how many data keys they wrap.
func masterKeyIDsOf(ctx context.Context, db *sql.DB) ([]string, int64, error) {
	rows, err := db.QueryContext(ctx, "SELECT master_id, COUNT(*) FROM data_keys WHERE wrapped <> '' GROUP BY master_id ORDER BY master_id")
	if err != nil {
		return nil, 0, fmt.Errorf("data keys: %w", err)
	}
	defer func() { _ = rows.Close() }()
	ids := []string{}
	var total int64
	for rows.Next() {
		var id string
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, 0, fmt.Errorf("data keys: %w", err)
		}
		ids, total = append(ids, id), total+n
	}
	return ids, total, rows.Err()
}

// LatestSchemaVersion is the last migration this binary knows.
func LatestSchemaVersion() (int64, error) {
	names, err := fs.Glob(migrationFS, "migrations/sqlite/*.sql")
	if err != nil {
		return 0, err
	}
	var latest int64
	for _, n := range names {
		num, _, _ := strings.Cut(filepath.Base(n), "_")
		if v, err := strconv.ParseInt(num, 10, 64); err == nil && v > latest {
			latest = v
		}
	}
	return latest, nil
}

// SchemaVersion is the last migration applied to the store's database.
func (s *Store) SchemaVersion(ctx context.Context) (int64, error) {
	db, err := s.read.DB()
	if err != nil {
		return 0, err
	}
	return schemaVersionOf(ctx, db)
}

// IntegrityCheck runs SQLite's integrity check over the whole database and
// returns its findings as an error; nil when the file is sound.
func (s *Store) IntegrityCheck(ctx context.Context) error {
	db, err := s.read.DB()
	if err != nil {
		return err
	}
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var found []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("integrity check: %w", err)
		}
		found = append(found, line)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if len(found) == 1 && found[0] == "ok" {
		return nil
	}
	if len(found) > 5 {
		found = append(found[:5], fmt.Sprintf("and %d more", len(found)-5))
	}
	return fmt.Errorf("integrity check: %s", strings.Join(found, "; "))
}

// KeyCheck is what CheckDataKeys found: whether the master keys at hand
// unwrap every data key of the database.
type KeyCheck struct {
	DataKeys  int      // data keys not destroyed
	Unwrapped int      // of which the master keys at hand unwrap
	MasterIDs []string // the master keys the data keys are wrapped by
	Missing   []string // those not at hand
	// Failed counts data keys whose master key is at hand but does not
	// unwrap them (a damaged row, or a key file replaced by another).
	Failed int
}

// OK reports whether every data key unwraps.
func (k KeyCheck) OK() bool { return k.Unwrapped == k.DataKeys }

// CheckDataKeys tries to unwrap every data key with the master keys the
// store was opened with.
func (s *Store) CheckDataKeys(ctx context.Context) (KeyCheck, error) {
	var kc KeyCheck
	var rows []DataKey
	if err := s.rdb(ctx).Where("wrapped <> ''").Order("id").Find(&rows).Error; err != nil {
		return kc, fmt.Errorf("data keys: %w", err)
	}
	for i := range rows {
		row := &rows[i]
		kc.DataKeys++
		if !slices.Contains(kc.MasterIDs, row.MasterID) {
			kc.MasterIDs = append(kc.MasterIDs, row.MasterID)
		}
		if _, ok := s.keys.masters.Lookup(row.MasterID); !ok {
			if !slices.Contains(kc.Missing, row.MasterID) {
				kc.Missing = append(kc.Missing, row.MasterID)
			}
			continue
		}
		if _, err := s.keys.unwrap(row); err != nil {
			kc.Failed++
			continue
		}
		kc.Unwrapped++
	}
	return kc, nil
}

// sqliteHeader opens every SQLite database file.
var sqliteHeader = []byte("SQLite format 3\x00")

// IsSQLiteFile reports whether the file at path starts as an SQLite
// database does.
func IsSQLiteFile(path string) (bool, error) {
	f, err := os.Open(path) //nolint:gosec // G304: the operator names the file
	if err != nil {
		return false, err
	}
	defer func() { _ = f.Close() }()
	head := make([]byte, len(sqliteHeader))
	if _, err := io.ReadFull(f, head); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return false, nil
		}
		return false, err
	}
	return bytes.Equal(head, sqliteHeader), nil
}

// ReadManifest reads the manifest of the backup at path; ok is false when
// there is none.
func ReadManifest(path string) (m BackupManifest, ok bool, err error) {
	b, err := os.ReadFile(ManifestPath(path)) //nolint:gosec // G304: beside the file the operator names
	if errors.Is(err, fs.ErrNotExist) {
		return m, false, nil
	}
	if err != nil {
		return m, false, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, false, fmt.Errorf("manifest %s: %w", ManifestPath(path), err)
	}
	if m.Format != BackupFormat {
		return m, false, fmt.Errorf("manifest %s: format %q, want %q", ManifestPath(path), m.Format, BackupFormat)
	}
	return m, true, nil
}

// FileSHA256 is the size and SHA-256 (hex) of the file at path.
func FileSHA256(path string) (int64, string, error) {
	f, err := os.Open(path) //nolint:gosec // G304: the operator names the file
	if err != nil {
		return 0, "", err
	}
	defer func() { _ = f.Close() }()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// syncAndHash flushes the file at path to disk and returns its size and
// SHA-256.
func syncAndHash(path string) (int64, string, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0) //nolint:gosec // G304: a file this package made
	if err != nil {
		return 0, "", err
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		return 0, "", err
	}
	return FileSHA256(path)
}

// writeNew writes data to a new file only its owner may read, synced.
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) //nolint:gosec // G304: the operator names the file
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return err
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		_ = os.Remove(path)
		return err
	}
	return nil
}

// syncDir makes a rename or a new name in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir) //nolint:gosec // G304: the directory of a file the operator names
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

// tempName is a name in dir, starting with prefix, that no file has.
func tempName(dir, prefix string) (string, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return filepath.Join(dir, prefix+hex.EncodeToString(b[:])), nil
}

// BuildVersion is the version recorded in the binary's build information:
// the module version, with the commit when it was built from a checkout.
func BuildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += "+" + s.Value[:12]
		}
	}
	return v
}

// ErasedOfficials reads, from the SQLite database at path, the officials whose data key was destroyed, and when:
// what a restore must erase again in the copy it puts in its place. A
// database without the data_keys table has none.
func ErasedOfficials(ctx context.Context, path string) ([]ErasedOfficial, error) {
	// Not read-only: the last connection to close folds the write-ahead
	// log in and removes it, as the server's does, leaving no files behind.
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000")
	if err != nil {
		return nil, err
	}
	defer func() { _ = db.Close() }()
	db.SetMaxOpenConns(1)
	var tables int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'data_keys'").Scan(&tables); err != nil {
		return nil, fmt.Errorf("erased officials: %w", err)
	}
	if tables == 0 {
		return nil, nil
	}
	rows, err := db.QueryContext(ctx, `SELECT official_id, destroyed_at FROM data_keys
WHERE purpose = ? AND official_id IS NOT NULL AND wrapped = '' ORDER BY official_id`, keyOfficial)
	if err != nil {
		return nil, fmt.Errorf("erased officials: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var out []ErasedOfficial
	for rows.Next() {
		var e ErasedOfficial
		var at sql.NullTime
		if err := rows.Scan(&e.OfficialID, &at); err != nil {
			return nil, fmt.Errorf("erased officials: %w", err)
		}
		e.DestroyedAt = at.Time
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("erased officials: %w", err)
	}
	return out, nil
}
