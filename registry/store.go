// Package registry is Hozur's domain: the entities, their rules, who may do
// what, and the store that keeps them.
package registry

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

//go:embed migrations
var migrationFS embed.FS

// Options say where the store lives and how it is tuned.
type Options struct {
	// Driver is DriverSQLite (the default) or DriverPostgres.
	Driver string
	// Path is the SQLite file.
	Path string
	// DSN is PostgreSQL's connection string (URL or key=value form).
	DSN        string
	MaxReaders int // size of the reader pool
	// Now is the clock; nil means time.Now. Tests pass a fixed clock.
	Now func() time.Time
	// MasterKeys wraps the data keys that seal personal data. Nil means a
	// random key for this process only, which tests use: data sealed under
	// it cannot be read after the process ends.
	MasterKeys MasterKeys
}

// Store keeps the registry. Reads go through a pool of reader connections;
// every write goes through a single writer connection (on SQLite in an
// immediate transaction, so writers queue in Go instead of failing with
// SQLITE_BUSY; on PostgreSQL under one advisory lock shared by every
// server, see Tx).
type Store struct {
	read   *gorm.DB
	write  *gorm.DB
	driver string
	path   string
	now    func() time.Time
	plat   platformCache
	// counts caches dashboard figures by scope (see Counts).
	counts sync.Map
	rules  Rules
	hook   ChangeHook
	keys   *keyring
}

const driverName = "sqlite3_hozur"

var registerDriver sync.Once

// connectPragmas run on every new connection, after busy_timeout, WAL,
// synchronous and foreign_keys that the DSN sets first.
const connectPragmas = `PRAGMA temp_store = MEMORY; PRAGMA cache_size = -8000; PRAGMA mmap_size = 0;`

func sqliteDSN(path string, txlock string, readOnly bool) string {
	q := url.Values{}
	q.Set("_busy_timeout", "10000")
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "NORMAL")
	q.Set("_foreign_keys", "on")
	q.Set("_txlock", txlock)
	if readOnly {
		q.Set("_query_only", "true")
	}
	return "file:" + path + "?" + q.Encode()
}

// gormConfig is a fresh gorm configuration: gorm keeps the *Config it is
// given as the DB's own, with its pool and callbacks, so each pool needs
// one of its own.
func gormConfig() *gorm.Config {
	return &gorm.Config{
		SkipDefaultTransaction: true,
		PrepareStmt:            true,
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	}
}

// Open opens the store: SQLite (created if missing) or PostgreSQL. It does
// not migrate: call Migrate, or check Pending first.
func Open(opt Options) (*Store, error) {
	var (
		read, write *gorm.DB
		err         error
	)
	switch opt.Driver {
	case "", DriverSQLite:
		opt.Driver = DriverSQLite
		read, write, err = openSQLite(opt)
	case DriverPostgres:
		read, write, err = openPostgres(opt)
	default:
		return nil, fmt.Errorf("open database: unknown driver %q", opt.Driver)
	}
	if err != nil {
		return nil, err
	}
	closeAll := func() {
		for _, g := range []*gorm.DB{read, write} {
			if db, err := g.DB(); err == nil {
				_ = db.Close()
			}
		}
	}
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	keys, err := newKeyring(opt.MasterKeys)
	if err != nil {
		closeAll()
		return nil, err
	}
	return &Store{read: read, write: write, driver: opt.Driver, path: opt.Path, now: now, rules: DefaultRules(), keys: keys}, nil
}

// readerPool is the size of the reader pool: as asked, else twice the
// processors (at least four).
func readerPool(opt Options) int {
	if opt.MaxReaders > 0 {
		return opt.MaxReaders
	}
	return max(4, 2*runtime.GOMAXPROCS(0))
}

func openSQLite(opt Options) (read, write *gorm.DB, err error) {
	registerDriver.Do(func() {
		sql.Register(driverName, &sqlite3.SQLiteDriver{
			ConnectHook: func(c *sqlite3.SQLiteConn) error {
				_, err := c.Exec(connectPragmas, nil)
				return err
			},
		})
	})
	if err := os.MkdirAll(filepath.Dir(opt.Path), 0o750); err != nil {
		return nil, nil, fmt.Errorf("create data directory: %w", err)
	}
	write, err = gorm.Open(sqlite.New(sqlite.Config{DriverName: driverName, DSN: sqliteDSN(opt.Path, "immediate", false)}), gormConfig())
	if err != nil {
		return nil, nil, fmt.Errorf("open database %s: %w", opt.Path, err)
	}
	if err := registerUTC(write); err != nil {
		return nil, nil, err
	}
	wdb, err := write.DB()
	if err != nil {
		return nil, nil, err
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	// The first connection creates the file and switches it to WAL, so the
	// readers below never race on the journal mode.
	if err := wdb.Ping(); err != nil {
		_ = wdb.Close()
		return nil, nil, fmt.Errorf("open database %s: %w", opt.Path, err)
	}
	read, err = gorm.Open(sqlite.New(sqlite.Config{DriverName: driverName, DSN: sqliteDSN(opt.Path, "deferred", true)}), gormConfig())
	if err != nil {
		_ = wdb.Close()
		return nil, nil, fmt.Errorf("open database %s: %w", opt.Path, err)
	}
	rdb, err := read.DB()
	if err != nil {
		_ = wdb.Close()
		return nil, nil, err
	}
	n := readerPool(opt)
	rdb.SetMaxOpenConns(n)
	rdb.SetMaxIdleConns(n)
	rdb.SetConnMaxIdleTime(5 * time.Minute)
	return read, write, nil
}

// Close closes both pools.
func (s *Store) Close() error {
	var errs []error
	for _, g := range []*gorm.DB{s.read, s.write} {
		if db, err := g.DB(); err == nil {
			errs = append(errs, db.Close())
		}
	}
	return errors.Join(errs...)
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Now is the store's clock in UTC.
func (s *Store) Now() time.Time { return s.now().UTC() }

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.read.WithContext(ctx).Raw("SELECT 1").Scan(&one).Error
}

// WriterDB is the writer connection, for tools that need database/sql
// (migrations, bulk loads). Everything written through it is serialised
// with the store's other writes.
func (s *Store) WriterDB() (*sql.DB, error) { return s.write.DB() }

type txKey struct{}

type touchedKey struct{}

// touched collects, during a transaction, the accounts whose compliance the
// write may change.
type touched struct {
	ids []int64
	all bool
}

// ChangeHook is told, after a write commits, which accounts it touched (all
// true: too many to list, e.g. a group exemption changed).
type ChangeHook func(ctx context.Context, accountIDs []int64, all bool)

// SetChangeHook registers the function told of committed changes; the
// monitor uses it to re-evaluate the rules for the holders at once.
func (s *Store) SetChangeHook(h ChangeHook) { s.hook = h }

// touch records accounts the current write changes.
func (s *Store) touch(ctx context.Context, ids ...int64) {
	if t, ok := ctx.Value(touchedKey{}).(*touched); ok {
		t.ids = append(t.ids, ids...)
	}
}

// touchAll records that the current write may change any account.
func (s *Store) touchAll(ctx context.Context) {
	if t, ok := ctx.Value(touchedKey{}).(*touched); ok {
		t.all = true
	}
}

// Tx runs fn in one immediate write transaction. A Tx inside a Tx joins the
// outer one, so domain functions compose into one atomic write.
func (s *Store) Tx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return fn(ctx)
	}
	t := &touched{}
	err := s.write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.Postgres() {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", writeLockKey).Error; err != nil {
				return fmt.Errorf("write lock: %w", err)
			}
		}
		return fn(context.WithValue(context.WithValue(ctx, txKey{}, tx), touchedKey{}, t))
	})
	if err == nil {
		// Whatever changed, the dashboard figures count afresh.
		s.counts.Clear()
		if s.hook != nil && (len(t.ids) > 0 || t.all) {
			s.hook(context.WithoutCancel(ctx), t.ids, t.all)
		}
	}
	return err
}

// db is the connection for a write: the open transaction if any, else the
// writer.
func (s *Store) db(ctx context.Context) *gorm.DB {
	if tx, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return tx
	}
	return s.write.WithContext(ctx)
}

// rdb is the connection for a read: inside a write transaction it reads
// through that transaction (to see its own writes), else a reader.
func (s *Store) rdb(ctx context.Context) *gorm.DB {
	if tx, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return tx
	}
	return s.read.WithContext(ctx)
}

func (s *Store) migrations() (*goose.Provider, error) {
	sub, err := fs.Sub(migrationFS, "migrations/"+s.driver)
	if err != nil {
		return nil, err
	}
	db, err := s.write.DB()
	if err != nil {
		return nil, err
	}
	if !s.Postgres() {
		return goose.NewProvider(goose.DialectSQLite3, db, sub)
	}
	// Servers started together on one database migrate one after another.
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectPostgres, db, sub, goose.WithSessionLocker(locker))
}

// Migrate applies every pending migration and returns how many ran.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	p, err := s.migrations()
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("migrate: %w", err)
	}
	return len(res), nil
}

// Pending reports whether the schema is behind this binary.
func (s *Store) Pending(ctx context.Context) (bool, error) {
	p, err := s.migrations()
	if err != nil {
		return false, err
	}
	return p.HasPending(ctx)
}

// Maintain checkpoints the WAL and lets SQLite refresh its statistics.
// The checkpoint returns a row, so it is read to the end: a statement left
// open on the writer would hold its read snapshot and hide later commits.
func (s *Store) Maintain(ctx context.Context) error {
	if s.Postgres() {
		// PostgreSQL's autovacuum keeps its statistics; a fresh ANALYZE
		// costs little and helps after a bulk import.
		return s.write.WithContext(ctx).Exec("ANALYZE").Error
	}
	var busy, logged, done int
	if err := s.write.WithContext(ctx).Raw("PRAGMA wal_checkpoint(TRUNCATE)").Row().Scan(&busy, &logged, &done); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return s.write.WithContext(ctx).Exec("PRAGMA optimize").Error
}

// Read is a reader connection for the monitor's set-based queries (inside a
// write transaction: that transaction).
func (s *Store) Read(ctx context.Context) *gorm.DB { return s.rdb(ctx) }

// Write is the writer (inside Tx: the transaction), for the monitor's own
// tables.
func (s *Store) Write(ctx context.Context) *gorm.DB { return s.db(ctx) }

// Backup writes a consistent copy of the database to path while the server
// keeps running (VACUUM INTO reads one snapshot; writers are not blocked
// for long since WAL readers do not block them).
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.Postgres() {
		return errors.New("backup: the database is PostgreSQL: back it up with pg_dump (or your PostgreSQL backup tooling)")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup: %s already exists", path)
	}
	return s.vacuumInto(ctx, path)
}

// Record appends an audit event in its own transaction, for writes made
// outside the store's methods (bulk loads).
func (s *Store) Record(ctx context.Context, a Actor, action, entity string, id int64, change any) error {
	return s.Tx(ctx, func(ctx context.Context) error { return s.record(ctx, a, action, entity, id, change) })
}
