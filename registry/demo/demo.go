// Package demo fills an empty registry with a realistic national registry
// of agencies, officials and their accounts, for demonstrations and for
// measuring the application at scale.
//
// The data is made from the reference lists of ministries, provinces,
// positions and names, and is the same for the same seed, size and day.
// Rows are written straight to SQLite with multi-row INSERTs in one
// transaction; handles, their keys and URLs are made by link.FromHandle,
// exactly as the application makes them.
package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"hozur/registry"
	"hozur/registry/link"
	"hozur/registry/textnorm"
)

// Options size and seed the demo registry.
type Options struct {
	Accounts int                   // total accounts to create (e.g. 3000 for `serve --demo`, 1_000_000 for benchmarks)
	Seed     int64                 // same seed, same data
	Progress func(done, total int) // may be nil; called every few thousand accounts
}

// Summary counts what Generate created.
type Summary struct{ Agencies, Officials, Accounts int }

// ErrNotEmpty is returned when the registry already holds agencies,
// officials or accounts.
var ErrNotEmpty = errors.New("demo: the registry is not empty")

// progressEvery is how many accounts pass between Progress calls.
const progressEvery = 5000

// Generate fills an empty registry with about one agency per hundred
// accounts (never fewer than the skeleton of ministries, national bodies
// and provinces, about 240) and one official per ten accounts. It writes no
// audit events for the rows, only one "demo" event with the counts, and
// refreshes the query planner's statistics.
//
// Dates are spread over the years before the store's clock, truncated to
// the day, so the same seed gives the same rows on the same day (or with a
// fixed clock).
func Generate(ctx context.Context, s *registry.Store, opt Options) (Summary, error) {
	var sum Summary
	if opt.Accounts < 0 || opt.Accounts > math.MaxInt32 {
		return sum, fmt.Errorf("demo: cannot make %d accounts", opt.Accounts)
	}
	// The sealer needs the index key, which a write may have to make: before
	// the writer connection is taken below.
	sealer, err := s.NewSealer(ctx)
	if err != nil {
		return sum, fmt.Errorf("demo: %w", err)
	}
	db, err := s.WriterDB()
	if err != nil {
		return sum, err
	}
	// Hold the writer connection throughout, so nothing else runs in
	// between the bulk settings and the transaction.
	conn, err := db.Conn(ctx)
	if err != nil {
		return sum, fmt.Errorf("demo: %w", err)
	}
	defer func() { _ = conn.Close() }()
	pg := s.Postgres()
	if !pg {
		restore, err := bulkSettings(ctx, conn)
		if err != nil {
			return sum, err
		}
		defer restore()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return sum, fmt.Errorf("demo: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := s.LockWrites(ctx, tx); err != nil {
		return sum, fmt.Errorf("demo: %w", err)
	}
	if err := checkEmpty(ctx, tx); err != nil {
		return sum, err
	}
	plats, err := loadPlatforms(ctx, tx)
	if err != nil {
		return sum, err
	}

	now := s.Now()
	anchor := now.Truncate(day)
	rng := rand.New(rand.NewPCG(uint64(opt.Seed), 0x686f7a7572)) //nolint:gosec // G404: demo data must follow from its seed

	ags := chooseAgencies(buildTree(rng), opt.Accounts/100)
	offs := newPeople(rng, anchor).makeOfficials(ags, (opt.Accounts+5)/10)

	// Building an index once over sorted rows is many times faster than
	// growing it row by row. The indexes come back, as they were, in the
	// same transaction: no one ever sees the tables without them.
	indexes, err := dropIndexes(ctx, tx, s.Driver(), "officials", "accounts")
	if err != nil {
		return sum, err
	}
	l := &loader{tx: tx, driver: s.Driver(), stmts: map[string]*sql.Stmt{}}
	defer l.close()
	if err := writeAgencies(ctx, l, rng, anchor, ags); err != nil {
		return sum, err
	}
	if err := writeOfficials(ctx, l, sealer, offs); err != nil {
		return sum, err
	}
	specs := (&planner{rng: rng, anchor: anchor, plats: plats}).plan(ags, offs, opt.Accounts)
	accounts, levels, err := withAncestry(ctx, tx, s.Driver(), accountTable)
	if err != nil {
		return sum, err
	}
	rw := &rower{rng: rng, anchor: anchor, plats: plats, ags: ags, offs: offs, stems: instStems(rng, ags), ancestry: ancestries(ags, levels), sealer: sealer}
	if err := writeAccounts(ctx, l, accounts, rw, specs, opt.Progress); err != nil {
		return sum, err
	}
	sum = Summary{Agencies: len(ags), Officials: len(offs), Accounts: len(specs)}
	for _, q := range indexes {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return Summary{}, fmt.Errorf("demo: rebuild index: %w", err)
		}
	}

	// The planner needs statistics to choose between the many indexes of
	// accounts; a sample of each index is enough and keeps this quick.
	analyze := "PRAGMA analysis_limit = 2000; ANALYZE; PRAGMA analysis_limit = 0;"
	if pg {
		analyze = "ANALYZE agencies, officials, accounts, data_keys"
		// The rows went in with ids of their own: the sequences move past.
		for _, t := range []string{"agencies", "officials", "accounts"} {
			// Table names are the constants above, never input.
			if _, err := tx.ExecContext(ctx, "SELECT setval(pg_get_serial_sequence('"+t+"', 'id'), MAX(id)) FROM "+t+" HAVING MAX(id) IS NOT NULL"); err != nil { //nolint:gosec // G202: see above
				return Summary{}, fmt.Errorf("demo: sequence of %s: %w", t, err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, analyze); err != nil {
		return Summary{}, fmt.Errorf("demo: analyze: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Summary{}, fmt.Errorf("demo: commit: %w", err)
	}
	if !pg {
		// Fold the write-ahead log, as large as the data, back into the file.
		_, _ = conn.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	}
	_ = conn.Close()
	// The rows went in raw; the load itself is one event of the audit
	// trail, written like every other so that the chain holds.
	if err := s.Record(ctx, registry.System, "demo", "registry", 0, map[string]any{"agencies": sum.Agencies, "officials": sum.Officials,
		"accounts": sum.Accounts, "seed": opt.Seed}); err != nil {
		return Summary{}, fmt.Errorf("demo: audit: %w", err)
	}
	if err := seedDirectives(ctx, s); err != nil {
		return Summary{}, err
	}
	if err := seedAssessments(ctx, s); err != nil {
		return Summary{}, err
	}
	return sum, nil
}

// seedDirectives records the two directives the product rests on: the
// presence rules (whose deadline starts the monitor's grace period) and the
// privacy directive of 27 Dey 1402, notified with a two-month window that
// was amended to four.
func seedDirectives(ctx context.Context, s *registry.Store) error {
	tz := s.Rules().Location
	day := func(y, m, d int) *time.Time { t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, tz); return &t }
	privacy, err := s.CreateDirective(ctx, registry.System, registry.DirectiveInput{
		Title: "دستورالعمل حفاظت از حریم خصوصی کاربران", Reference: "دبیر شورای عالی فضای مجازی، ۲۷ دی ۱۴۰۲",
		Kind: registry.DirectivePrivacy, NotifiedOn: day(2024, 1, 17), WindowMonths: 2})
	if err != nil {
		return fmt.Errorf("demo: directive: %w", err)
	}
	if _, err := s.AmendDirective(ctx, registry.System, privacy.ID, registry.AmendmentInput{Reference: "اصلاحیهٔ مهلت، بنا به درخواست سکوها",
		DatedOn: day(2024, 3, 5), WindowMonths: 4, Note: "مهلت «حداکثر ۲ ماه» به «حداکثر ۴ ماه» تمدید شد."}); err != nil {
		return fmt.Errorf("demo: directive: %w", err)
	}
	if _, err := s.CreateDirective(ctx, registry.System, registry.DirectiveInput{
		Title: "ضوابط و الزامات حضور و فعالیت مسئولان و دستگاه‌های اجرایی در شبکه‌های اجتماعی", Reference: "مرکز ملی فضای مجازی، ۱۴۰۴/۰۷/۰۱",
		Kind: registry.DirectivePresence, NotifiedOn: day(2025, 9, 23), WindowMonths: 6}); err != nil {
		return fmt.Errorf("demo: directive: %w", err)
	}
	return nil
}

// bulkSettings gives the connection a 64 MB page cache for the load (a
// million accounts go in twice as fast as with the usual 16 MB), and
// returns what puts the old size back.
func bulkSettings(ctx context.Context, conn *sql.Conn) (func(), error) {
	var old int64
	if err := conn.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&old); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA cache_size = -65536"); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	return func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA cache_size = %d", old))
	}, nil
}

// dropIndexes drops the secondary indexes of tables and returns the
// statements that create them again.
func dropIndexes(ctx context.Context, tx *sql.Tx, driver string, tables ...string) ([]string, error) {
	var names, create []string
	for _, t := range tables {
		n, c, err := indexesOf(ctx, tx, driver, t)
		if err != nil {
			return nil, err
		}
		names, create = append(names, n...), append(create, c...)
	}
	for _, name := range names {
		if _, err := tx.ExecContext(ctx, `DROP INDEX "`+strings.ReplaceAll(name, `"`, `""`)+`"`); err != nil {
			return nil, fmt.Errorf("demo: drop index %s: %w", name, err)
		}
	}
	return create, nil
}

// indexesOf lists the names and CREATE statements of a table's indexes,
// leaving out those the database makes for UNIQUE and PRIMARY KEY
// constraints.
func indexesOf(ctx context.Context, tx *sql.Tx, driver, table string) (names, create []string, err error) {
	q := "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name"
	if driver == registry.DriverPostgres {
		q = `SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() AND i.tablename = $1
AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = to_regclass(quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))) ORDER BY i.indexname`
	}
	rows, err := tx.QueryContext(ctx, q, table)
	if err != nil {
		return nil, nil, fmt.Errorf("demo: list indexes: %w", err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var name, q string
		if err := rows.Scan(&name, &q); err != nil {
			return nil, nil, fmt.Errorf("demo: list indexes: %w", err)
		}
		names, create = append(names, name), append(create, q)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("demo: list indexes: %w", err)
	}
	return names, create, nil
}

// checkEmpty refuses a registry that holds agencies, officials or accounts.
func checkEmpty(ctx context.Context, tx *sql.Tx) error {
	var na, no, nc int64
	err := tx.QueryRowContext(ctx, "SELECT (SELECT COUNT(*) FROM agencies), (SELECT COUNT(*) FROM officials), (SELECT COUNT(*) FROM accounts)").Scan(&na, &no, &nc)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	var has []string
	for _, c := range []struct {
		n    int64
		what string
	}{{na, "agencies"}, {no, "officials"}, {nc, "accounts"}} {
		if c.n > 0 {
			has = append(has, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	if len(has) > 0 {
		return fmt.Errorf("%w: it has %s", ErrNotEmpty, strings.Join(has, ", "))
	}
	return nil
}

// loadPlatforms reads the active platforms the demo knows how to use.
func loadPlatforms(ctx context.Context, tx *sql.Tx) ([]*platform, error) {
	rows, err := tx.QueryContext(ctx, "SELECT id, code, origin, hosts FROM platforms WHERE active ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("demo: platforms: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var out []*platform
	for rows.Next() {
		p := &platform{seen: map[uint64]struct{}{}, next: map[uint64]int{}}
		var origin, hosts string
		if err := rows.Scan(&p.id, &p.code, &origin, &hosts); err != nil {
			return nil, fmt.Errorf("demo: platforms: %w", err)
		}
		mix, ok := platformMix[p.code]
		if !ok || len(out) == 255 {
			continue
		}
		p.foreign = origin == registry.OriginForeign
		p.lp = link.Platform{Code: p.code, Hosts: strings.Fields(hosts)}
		p.wInst, p.wPerson, p.rule = mix.inst, mix.person, mix.rule
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("demo: platforms: %w", err)
	}
	if len(out) == 0 {
		return nil, errors.New("demo: none of the seeded platforms is active")
	}
	return out, nil
}

func writeAgencies(ctx context.Context, l *loader, rng *rand.Rand, anchor time.Time, ags []*agency) error {
	b := &batch{l: l, t: agencyTable}
	for _, a := range ags {
		var parent any
		if a.parentID != 0 {
			parent = a.parentID
		}
		created := between(rng, anchor.AddDate(-4, 0, 0), anchor.AddDate(-3, 0, 0))
		if err := b.add(ctx, a.id, a.code, a.fa, a.en, textnorm.Key(a.fa), a.kind, parent, a.path, a.depth, created, created); err != nil {
			return err
		}
	}
	return b.flush(ctx)
}

// writeOfficials writes the officials with their personal fields sealed
// under data keys of their own, as the registry writes them.
func writeOfficials(ctx context.Context, l *loader, sealer *registry.Sealer, offs []*official) error {
	b := &batch{l: l, t: officialTable}
	keys := &batch{l: l, t: dataKeyTable}
	for _, o := range offs {
		var end any
		if !o.termEnd.IsZero() {
			end = o.termEnd
		}
		v, err := sealer.Seal(o.id, o.email, o.phone, o.empCode)
		if err != nil {
			return fmt.Errorf("demo: seal: %w", err)
		}
		if err := b.add(ctx, o.id, o.ag.id, o.name, o.nameKey, o.position, o.rank, o.serving, o.termStart, end,
			v.Email, v.Phone, v.EmployeeCode, v.EmailIdx, v.EmployeeCodeIdx, o.created, o.created); err != nil {
			return err
		}
		if err := keys.add(ctx, "official", o.id, v.WrappedKey, v.MasterID, o.created); err != nil {
			return err
		}
	}
	if err := b.flush(ctx); err != nil {
		return err
	}
	return keys.flush(ctx)
}

// writeAccounts makes the rows in one goroutine while this one writes
// them, so that making handles and SQLite's work overlap.
func writeAccounts(ctx context.Context, l *loader, t table, rw *rower, specs []spec, progress func(done, total int)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	size := t.rows * len(t.cols)
	full := make(chan []any, 3)
	free := make(chan []any, 4)
	for range cap(free) {
		free <- make([]any, 0, size)
	}
	var genErr error
	go func() {
		defer close(full)
		buf := <-free
		for i, sp := range specs {
			var err error
			if buf, err = rw.row(int64(i+1), sp, buf); err != nil {
				genErr = err
				return
			}
			if len(buf) == size || i == len(specs)-1 {
				select {
				case full <- buf:
				case <-ctx.Done():
					return
				}
				select {
				case buf = <-free:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	done, reported := 0, 0
	var err error
	for buf := range full {
		if err == nil {
			err = l.exec(ctx, t, buf)
			if err != nil {
				cancel() // stop the maker; keep draining until it has
			}
		}
		done += len(buf) / len(t.cols)
		if progress != nil && err == nil && (done-reported >= progressEvery || done == len(specs)) {
			progress(done, len(specs))
			reported = done
		}
		free <- buf[:0]
	}
	if err != nil {
		return err
	}
	if genErr != nil {
		return genErr
	}
	return ctx.Err()
}
