package monitor

import (
	"context"
	"database/sql"
	"strings"

	"gorm.io/gorm"
)

// flagWriter makes a reconciliation's writes with statements prepared once
// for its transaction. Through gorm, a statement first prepared inside a
// transaction is prepared anew at every later use in a transaction, and
// every copy is kept until the commit: the half a million flags a national
// scan opens, or updates when a deadline's days left change overnight, held
// a gigabyte of prepared statements.
type flagWriter struct {
	ctx    context.Context
	pool   gorm.ConnPool
	rebind func(string) string
	stmts  map[string]*sql.Stmt
}

func newFlagWriter(ctx context.Context, db *gorm.DB, rebind func(string) string) *flagWriter {
	return &flagWriter{ctx: ctx, pool: db.Statement.ConnPool, rebind: rebind, stmts: map[string]*sql.Stmt{}}
}

// exec runs q, prepared on its first use.
func (w *flagWriter) exec(q string, args ...any) error {
	st, ok := w.stmts[q]
	if !ok {
		var err error
		if st, err = w.pool.PrepareContext(w.ctx, w.rebind(q)); err != nil {
			return err
		}
		w.stmts[q] = st
	}
	_, err := st.ExecContext(w.ctx, args...)
	return err
}

func (w *flagWriter) close() {
	for _, st := range w.stmts {
		_ = st.Close()
	}
}

// byIDs runs "head WHERE id IN (…)" with args first, 500 ids at a time.
func (w *flagWriter) byIDs(head string, ids []int64, args ...any) error {
	for _, part := range chunks(ids, 500) {
		a := make([]any, 0, len(args)+len(part))
		a = append(a, args...)
		for _, id := range part {
			a = append(a, id)
		}
		if err := w.exec(head+" WHERE id IN ("+marks(len(part), "?")+")", a...); err != nil {
			return err
		}
	}
	return nil
}

// flagInsertColumns are the columns insert writes, in its order.
const flagInsertColumns = "rule, severity, subject_type, subject_id, account_id, official_id, agency_id, args, status, opened_at, last_seen_at"

// insert opens flags for the findings, 500 to a statement.
func (w *flagWriter) insert(fs []finding, status string, at any) error {
	for len(fs) > 0 {
		part := fs[:min(len(fs), 500)]
		fs = fs[len(part):]
		a := make([]any, 0, 11*len(part))
		for _, f := range part {
			a = append(a, f.Rule, f.Severity, f.SubjectType, f.SubjectID, f.AccountID, f.OfficialID, f.AgencyID, f.Args, status, at, at)
		}
		if err := w.exec("INSERT INTO flags ("+flagInsertColumns+") VALUES "+marks(len(part), "(?,?,?,?,?,?,?,?,?,?,?)"), a...); err != nil {
			return err
		}
	}
	return nil
}

// marks is n copies of s joined by commas.
func marks(n int, s string) string {
	return strings.TrimSuffix(strings.Repeat(s+",", n), ",")
}
