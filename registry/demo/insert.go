package demo

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"hozur/registry"
)

// table is a table the demo fills and the columns it writes.
type table struct {
	name string
	cols []string
	rows int // rows per INSERT statement; SQLite allows 32766 variables
}

var (
	agencyTable = table{name: "agencies", rows: 500,
		cols: []string{"id", "code", "name", "name_en", "name_key", "kind", "parent_id", "path", "depth", "created_at", "updated_at"}}
	officialTable = table{name: "officials", rows: 500,
		cols: []string{"id", "agency_id", "name", "name_key", "position", "rank", "serving", "term_start", "term_end", "email", "phone", "employee_code",
			"email_idx", "employee_code_idx", "created_at", "updated_at"}}
	dataKeyTable = table{name: "data_keys", rows: 500, cols: []string{"purpose", "official_id", "wrapped", "master_id", "created_at"}}
	accountTable = table{name: "accounts", rows: 500,
		cols: []string{"id", "platform_id", "handle", "display", "url", "agency_id", "official_id", "capacity", "status", "source", "verification", "opened_on", "verified_at", "closed_at", "created_at", "updated_at"}}
)

// withAncestry adds the accounts table's ancestor columns, agency_at0 to
// agency_atN (the holder agency's ancestors by depth, itself included), if
// the schema has them, and returns how many there are.
func withAncestry(ctx context.Context, tx *sql.Tx, driver string, t table) (table, int, error) {
	q := "SELECT name FROM pragma_table_info(?)"
	if driver == registry.DriverPostgres {
		q = "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1"
	}
	rows, err := tx.QueryContext(ctx, q, t.name)
	if err != nil {
		return t, 0, fmt.Errorf("demo: columns of %s: %w", t.name, err)
	}
	defer func() { _ = rows.Close() }()
	has := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return t, 0, fmt.Errorf("demo: columns of %s: %w", t.name, err)
		}
		has[name] = true
	}
	if err := rows.Err(); err != nil {
		return t, 0, fmt.Errorf("demo: columns of %s: %w", t.name, err)
	}
	t.cols = slices.Clone(t.cols)
	n := 0
	for ; has[fmt.Sprintf("agency_at%d", n)]; n++ {
		t.cols = append(t.cols, fmt.Sprintf("agency_at%d", n))
	}
	return t, n, nil
}

// loader writes rows with multi-row INSERT statements, prepared once per
// table and row count, all in one transaction.
type loader struct {
	tx     *sql.Tx
	driver string
	stmts  map[string]*sql.Stmt
}

func (l *loader) close() {
	for _, st := range l.stmts {
		_ = st.Close()
	}
}

// exec inserts args, a whole number of rows of t.
func (l *loader) exec(ctx context.Context, t table, args []any) error {
	n := len(args) / len(t.cols)
	if n == 0 {
		return nil
	}
	key := fmt.Sprintf("%s/%d", t.name, n)
	st, ok := l.stmts[key]
	if !ok {
		row := "(" + strings.TrimSuffix(strings.Repeat("?,", len(t.cols)), ",") + ")"
		// Table and column names are the constants above, never input.
		q := "INSERT INTO " + t.name + " (" + strings.Join(t.cols, ", ") + ") VALUES " + strings.TrimSuffix(strings.Repeat(row+",", n), ",") //nolint:gosec // G202: see above
		var err error
		if st, err = l.tx.PrepareContext(ctx, registry.Rebind(l.driver, q)); err != nil {
			return fmt.Errorf("demo: prepare insert into %s: %w", t.name, err)
		}
		l.stmts[key] = st
	}
	if _, err := st.ExecContext(ctx, args...); err != nil {
		return fmt.Errorf("demo: insert into %s: %w", t.name, err)
	}
	return nil
}

// batch collects rows of one table and writes them a statement at a time.
type batch struct {
	l    *loader
	t    table
	args []any
}

func (b *batch) add(ctx context.Context, vals ...any) error {
	b.args = append(b.args, vals...)
	if len(b.args) >= b.t.rows*len(b.t.cols) {
		return b.flush(ctx)
	}
	return nil
}

func (b *batch) flush(ctx context.Context) error {
	err := b.l.exec(ctx, b.t, b.args)
	b.args = b.args[:0]
	return err
}
