package registry

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// inserter writes rows with multi-row INSERT statements, each shape
// prepared once on the transaction's own connection. (gorm's prepared
// statement cache would prepare them again on the transaction for every
// call: a third of a bulk import's time.)
type inserter struct {
	conn   boundConn
	head   string // INSERT INTO t (cols) VALUES
	row    string // (?,?,…)
	suffix string // e.g. RETURNING id
	stmts  map[int]*sql.Stmt
}

// inserter starts bulk inserts into table inside the current write
// transaction. Table and column names are constants of the caller, never
// input.
func (s *Store) inserter(ctx context.Context, table string, cols []string, suffix string) *inserter {
	return &inserter{conn: s.conn(ctx), head: "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ",
		row: "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")", suffix: suffix, stmts: map[int]*sql.Stmt{}}
}

func (in *inserter) stmt(ctx context.Context, n int) (*sql.Stmt, error) {
	if st, ok := in.stmts[n]; ok {
		return st, nil
	}
	q := in.head + strings.TrimSuffix(strings.Repeat(in.row+",", n), ",") + " " + in.suffix
	st, err := in.conn.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prepare insert: %w", err)
	}
	in.stmts[n] = st
	return st, nil
}

// exec inserts n rows.
func (in *inserter) exec(ctx context.Context, n int, args []any) error {
	st, err := in.stmt(ctx, n) //nolint:sqlclosecheck // kept for the next batch; close closes it
	if err != nil {
		return err
	}
	_, err = st.ExecContext(ctx, args...)
	return err
}

// query inserts n rows and hands each row of what the suffix's RETURNING
// names to scan.
func (in *inserter) query(ctx context.Context, n int, args []any, scan func(*sql.Rows) error) error {
	st, err := in.stmt(ctx, n) //nolint:sqlclosecheck // kept for the next batch; close closes it
	if err != nil {
		return err
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (in *inserter) close() {
	for _, st := range in.stmts {
		_ = st.Close()
	}
}
