package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// Drivers the store runs on.
const (
	DriverSQLite   = "sqlite"
	DriverPostgres = "postgres"
)

// writeLockKey is the PostgreSQL advisory lock every write transaction
// (Tx) takes first: those writes are serialised across every instance on
// one database as SQLite serialises them within one file, so the rules the
// store checks before it writes (uniqueness by natural key, the audit
// chain's tail) cannot race between instances. Single statements outside a
// Tx (a session's last-seen time, a job's lease) need no such order.
const writeLockKey = 0x686f7a7572 // "hozur"

// LockWrites takes, in a transaction of the caller's own on the writer (a
// bulk load), the lock every write transaction takes on PostgreSQL; on
// SQLite the writer connection is already the only one.
func (s *Store) LockWrites(ctx context.Context, tx *sql.Tx) error {
	if !s.Postgres() {
		return nil
	}
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", writeLockKey)
	return err
}

// Postgres reports whether the store runs on PostgreSQL.
func (s *Store) Postgres() bool { return s.driver == DriverPostgres }

// Driver is the database the store runs on: DriverSQLite or DriverPostgres.
func (s *Store) Driver() string { return s.driver }

// Rebind turns a query written with ? placeholders into the store's
// dialect, for statements that go to database/sql directly (gorm rebinds
// its own). Question marks inside quoted text are left alone.
func (s *Store) Rebind(q string) string { return Rebind(s.driver, q) }

// Rebind turns ? placeholders into PostgreSQL's $1, $2, … when driver is
// DriverPostgres, leaving question marks inside quotes as they are.
func Rebind(driver, q string) string {
	if driver != DriverPostgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// jsonNumber is the SQL reading a number at a JSON path from a text
// column: path is dotted ("headline.covered").
func (s *Store) jsonNumber(col, path string) string {
	if s.Postgres() {
		return "CAST((" + col + "::jsonb #>> '{" + strings.ReplaceAll(path, ".", ",") + "}') AS BIGINT)"
	}
	return "json_extract(" + col + ", '$." + path + "')"
}

// JSONNumber is jsonNumber for the monitor's queries.
func (s *Store) JSONNumber(col, path string) string { return s.jsonNumber(col, path) }

// boundConn passes statements to a connection in the store's dialect.
type boundConn struct {
	c      gorm.ConnPool
	driver string
}

func (b boundConn) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return b.c.ExecContext(ctx, Rebind(b.driver, q), args...)
}

func (b boundConn) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return b.c.QueryContext(ctx, Rebind(b.driver, q), args...)
}

func (b boundConn) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return b.c.QueryRowContext(ctx, Rebind(b.driver, q), args...)
}

func (b boundConn) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	return b.c.PrepareContext(ctx, Rebind(b.driver, q))
}

// conn is the current write's connection (the open transaction, else the
// writer) for database/sql statements written with ? placeholders.
// gorm's prepared-statement wrapper is bypassed: statements prepared here
// are the caller's to keep or close.
func (s *Store) conn(ctx context.Context) boundConn {
	c := s.db(ctx).Statement.ConnPool
	if p, ok := c.(*gorm.PreparedStmtTX); ok {
		c = p.Tx
	}
	return boundConn{c: c, driver: s.driver}
}

// bumpSequence moves table's id sequence on to at least id, after rows
// went in with ids of their own, so that a row added without one does not
// take an id already used (PostgreSQL only: SQLite gives the next id from
// the table itself). Table names are constants of the caller.
func (s *Store) bumpSequence(ctx context.Context, table string, id int64) error {
	if !s.Postgres() {
		return nil
	}
	_, err := s.conn(ctx).ExecContext(ctx, "SELECT setval(pg_get_serial_sequence(?, 'id'), ?, true) FROM "+table+"_id_seq WHERE last_value < ? OR NOT is_called",
		table, id, id)
	return err
}

// joins adapts joins written for SQLite, where CROSS JOIN … ON is an inner
// join that also fixes the loop order, to PostgreSQL, which plans joins
// itself and knows only JOIN … ON.
func (s *Store) joins(q string) string {
	if s.Postgres() {
		return pgJoins(q)
	}
	return q
}

func pgJoins(q string) string { return strings.ReplaceAll(q, "CROSS JOIN ", "JOIN ") }

// inStrings is a condition "col is one of values" with one parameter, so
// that batches of any size share one prepared statement: a JSON array
// unpacked by the database (gorm would spread a slice into as many
// parameters as it has values).
func (s *Store) inStrings(col string, values []string) (string, any, error) {
	list, err := json.Marshal(values)
	if err != nil {
		return "", nil, err
	}
	if s.Postgres() {
		return col + " IN (SELECT jsonb_array_elements_text(CAST(? AS jsonb)))", string(list), nil
	}
	return col + " IN (SELECT value FROM json_each(?))", string(list), nil
}
