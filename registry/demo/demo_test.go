package demo

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"hozur/registry"
	"hozur/registry/link"
	"hozur/registry/storetest"
	"hozur/registry/textnorm"
	"hozur/registry/vault"
)

var fixedNow = time.Date(2026, 3, 15, 10, 30, 0, 0, time.UTC)

func openStore(t testing.TB) *registry.Store {
	t.Helper()
	dbPath := filepath.Join(t.TempDir(), "hozur.db")
	s, err := registry.Open(registry.Options{Driver: storetest.Driver(), DSN: storetest.DSN(t, dbPath), Path: dbPath, Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func writer(t testing.TB, s *registry.Store) *sql.DB {
	t.Helper()
	db, err := s.WriterDB()
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func count(t testing.TB, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(registry.Rebind(storetest.Driver(), q), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// generated is one shared 3000-account registry for the read-only checks.
func generated(t *testing.T) (*registry.Store, Summary) {
	t.Helper()
	s := openStore(t)
	var calls, last int
	sum, err := Generate(context.Background(), s, Options{Accounts: 3000, Seed: 7, Progress: func(done, total int) {
		calls++
		if total != 3000 || done < last || done > total {
			t.Errorf("progress(%d, %d) after %d", done, total, last)
		}
		last = done
	}})
	if err != nil {
		t.Fatal(err)
	}
	if calls == 0 || last != 3000 {
		t.Errorf("progress called %d times, last with %d", calls, last)
	}
	return s, sum
}

func TestGenerate3000(t *testing.T) {
	s, sum := generated(t)
	db := writer(t, s)
	ctx := context.Background()

	t.Run("counts", func(t *testing.T) {
		if sum.Accounts != 3000 || sum.Officials != 300 || sum.Agencies < 100 || sum.Agencies > 300 {
			t.Fatalf("summary %+v", sum)
		}
		for table, want := range map[string]int{"agencies": sum.Agencies, "officials": sum.Officials, "accounts": sum.Accounts} {
			if n := count(t, db, "SELECT COUNT(*) FROM "+table); n != want {
				t.Errorf("%s: %d rows, summary says %d", table, n, want)
			}
		}
		if n := count(t, db, "SELECT COUNT(*) FROM audit_events WHERE action = 'demo' AND entity = 'registry' AND change LIKE '%\"accounts\":3000%'"); n != 1 {
			t.Errorf("%d demo audit events", n)
		}
		// The demo load, then the two directives and the amendment, then
		// the platforms' assessments.
		if n := count(t, db, "SELECT COUNT(*) FROM audit_events"); n != 4+len(demoAssessments) {
			t.Errorf("%d audit events in all, want the demo one, three for the directives and %d for the assessments", n, len(demoAssessments))
		}
		if n := count(t, db, "SELECT COUNT(*) FROM directives"); n != 2 {
			t.Errorf("%d directives, want the privacy and presence ones", n)
		}
	})

	t.Run("accounts are what link makes of them", func(t *testing.T) {
		lp := link.DefaultPlatforms()
		rows, err := db.Query(`SELECT a.id, p.code, a.handle, a.display, a.url, a.capacity, a.official_id, a.agency_id, COALESCE(o.agency_id, 0)
			FROM accounts a JOIN platforms p ON p.id = a.platform_id LEFT JOIN officials o ON o.id = a.official_id ORDER BY a.id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		n, personal := 0, 0
		for rows.Next() {
			var id, agency, offAgency int64
			var code, handle, display, url, capacity string
			var official sql.NullInt64
			if err := rows.Scan(&id, &code, &handle, &display, &url, &capacity, &official, &agency, &offAgency); err != nil {
				t.Fatal(err)
			}
			n++
			if capacity == registry.CapacityPersonal {
				// Sealed with the holder's data key, as the registry
				// stores them, and opened by it.
				personal++
				if !strings.HasPrefix(handle, "p.") || len(handle) != 66 || !vault.IsSealed(display) || !vault.IsSealed(url) {
					t.Errorf("account %d: personal account stored as %q %q %q", id, handle, display, url)
				}
				oid := official.Int64
				if err := s.OpenAccounts(ctx, []registry.AccountText{{Capacity: capacity, OfficialID: &oid, PlatformCode: code,
					Handle: &handle, Display: &display, URL: &url}}); err != nil {
					t.Errorf("account %d: open: %v", id, err)
					continue
				}
			}
			acc, err := link.FromHandle(code, display, lp)
			if err != nil {
				t.Errorf("account %d: %s %q: %v", id, code, display, err)
				continue
			}
			if acc.Handle != handle || acc.Display != display || acc.URL != url || acc.Platform != code {
				t.Errorf("account %d: stored %s %q %q %q, link makes %+v", id, code, handle, display, url, acc)
			}
			if back, err := link.Recognize(url, lp); err != nil || back.Handle != handle || back.Platform != code {
				t.Errorf("account %d: URL %s is recognised as %+v, %v", id, url, back, err)
			}
			switch capacity {
			case registry.CapacityInstitutional:
				if official.Valid {
					t.Errorf("account %d: institutional with an official", id)
				}
			case registry.CapacityOffice, registry.CapacityPersonal:
				if !official.Valid || agency != offAgency {
					t.Errorf("account %d: %s account of official %v in agency %d, official's agency %d", id, capacity, official, agency, offAgency)
				}
			default:
				t.Errorf("account %d: capacity %q", id, capacity)
			}
			checkHandleRule(t, id, code, display)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if n != 3000 || personal < 300 {
			t.Fatalf("checked %d accounts, %d personal", n, personal)
		}
		if d := count(t, db, "SELECT COUNT(*) FROM (SELECT 1 FROM accounts GROUP BY platform_id, handle HAVING COUNT(*) > 1) AS dup"); d != 0 {
			t.Errorf("%d duplicate (platform, handle) pairs", d)
		}
	})

	t.Run("agency tree", func(t *testing.T) {
		type ag struct {
			parent     sql.NullInt64
			path, kind string
			code, name string
			nameKey    string
			depth      int
		}
		all := map[int64]ag{}
		func() {
			rows, err := db.Query("SELECT id, parent_id, path, depth, kind, code, name, name_key FROM agencies")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var id int64
				var a ag
				if err := rows.Scan(&id, &a.parent, &a.path, &a.depth, &a.kind, &a.code, &a.name, &a.nameKey); err != nil {
					t.Fatal(err)
				}
				all[id] = a
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
		}()
		codes := map[string]bool{}
		codeRE := regexp.MustCompile(`^[A-Z0-9][A-Z0-9._-]{0,39}$`)
		kinds := map[string]int{}
		for id, a := range all {
			want := strconv.FormatInt(id, 10) + "/"
			depth := 0
			rootKind := a.kind
			for p := a.parent; p.Valid; p = all[p.Int64].parent {
				parent, ok := all[p.Int64]
				if !ok {
					t.Fatalf("agency %d: parent %d missing", id, p.Int64)
				}
				if p.Int64 >= id {
					t.Errorf("agency %d: parent %d has a larger id", id, p.Int64)
				}
				want = strconv.FormatInt(p.Int64, 10) + "/" + want
				depth++
				rootKind = parent.kind
			}
			if a.path != "/"+want || a.depth != depth {
				t.Errorf("agency %d: path %q depth %d, parent chain gives /%s depth %d", id, a.path, a.depth, want, depth)
			}
			limit := map[string]int{registry.KindMinistry: 3, registry.KindProvince: 2, registry.KindOrganisation: 2, registry.KindCompany: 0}[rootKind]
			if depth > limit {
				t.Errorf("agency %d (%s) at depth %d under a %s", id, a.code, depth, rootKind)
			}
			if !slices.Contains(registry.AgencyKinds, a.kind) {
				t.Errorf("agency %d: kind %q", id, a.kind)
			}
			kinds[a.kind]++
			if !codeRE.MatchString(a.code) || codes[a.code] {
				t.Errorf("agency %d: code %q bad or repeated", id, a.code)
			}
			codes[a.code] = true
			if a.nameKey != textnorm.Key(a.name) || a.name != textnorm.Display(a.name) {
				t.Errorf("agency %d: name %q key %q", id, a.name, a.nameKey)
			}
		}
		for _, k := range registry.AgencyKinds {
			if kinds[k] == 0 {
				t.Errorf("no agency of kind %s: %v", k, kinds)
			}
		}
		if n := count(t, db, "SELECT COUNT(*) FROM agencies WHERE parent_id IS NULL AND kind = 'ministry'"); n != 19 {
			t.Errorf("%d ministries", n)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM agencies WHERE kind = 'province'  AND parent_id IS NULL"); n != 31 {
			t.Errorf("%d provinces", n)
		}
	})

	t.Run("officials", func(t *testing.T) {
		rows, err := db.Query(`SELECT o.id, o.name, o.name_key, o.position, o.rank, o.serving, o.term_start, o.term_end, o.email, o.phone, o.employee_code, a.kind, a.parent_id IS NULL
			FROM officials o JOIN agencies a ON a.id = o.agency_id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		// The personal fields are stored sealed; the store opens them.
		plain := map[int64]registry.OfficialView{}
		page := registry.Page{PerPage: 200}
		for {
			res, err := s.Officials(context.Background(), registry.System, registry.OfficialFilter{}, page)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range res.Items {
				plain[o.ID] = o
			}
			if res.Next == "" {
				break
			}
			page.Cursor = res.Next
		}
		var serving, arabic, zwnj, emails, codes, n int
		servingHeads := map[string]int{}
		for rows.Next() {
			var id int64
			var name, key, pos, email, phone, code, kind string
			var rank int
			var isServing, root bool
			var start, end sql.NullTime
			if err := rows.Scan(&id, &name, &key, &pos, &rank, &isServing, &start, &end, &email, &phone, &code, &kind, &root); err != nil {
				t.Fatal(err)
			}
			n++
			for _, v := range []string{email, phone, code} {
				if v != "" && !vault.IsSealed(v) {
					t.Errorf("official %d: %q stored in the clear", id, v)
				}
			}
			email, phone, code = plain[id].Email, plain[id].Phone, plain[id].EmployeeCode
			if rank < 1 || rank > 5 || ranks[pos] != rank {
				t.Errorf("official %d: %s rank %d", id, pos, rank)
			}
			if key != textnorm.Key(name) {
				t.Errorf("official %d: key %q of %q", id, key, name)
			}
			if !start.Valid || start.Time.After(fixedNow) || start.Time.Before(fixedNow.AddDate(-8, 0, -1)) {
				t.Errorf("official %d: term start %v", id, start)
			}
			if isServing == end.Valid || (end.Valid && end.Time.Before(start.Time)) {
				t.Errorf("official %d: serving %v, term %v to %v", id, isServing, start, end)
			}
			if isServing {
				serving++
				switch pos {
				case posMinister, posGovernor, posCountyGov:
					servingHeads[pos]++
				}
			}
			if want := map[string]string{posMinister: registry.KindMinistry, posGovernor: registry.KindProvince, posCountyGov: registry.KindCounty}[pos]; want != "" && (kind != want || (pos != posCountyGov && !root)) {
				t.Errorf("official %d: %s of a %s (root %v)", id, pos, kind, root)
			}
			if strings.ContainsAny(name, "يك") {
				arabic++
			}
			if strings.ContainsRune(name, '\u200c') {
				zwnj++
			}
			if email != "" {
				emails++
				if a, err := mail.ParseAddress(email); err != nil || a.Address != email || email != strings.ToLower(email) {
					t.Errorf("official %d: e-mail %q", id, email)
				}
			}
			if code != "" {
				codes++
			}
			if phone != "" && !regexp.MustCompile(`^\+?[0-9]{7,15}$`).MatchString(phone) {
				t.Errorf("official %d: phone %q", id, phone)
			}
		}
		if n != 300 {
			t.Fatalf("%d officials", n)
		}
		if serving < n*80/100 || serving > n*96/100 {
			t.Errorf("%d of %d serving", serving, n)
		}
		if arabic == 0 || zwnj == 0 {
			t.Errorf("%d names typed with Arabic letters, %d with ZWNJ: the normalisation is not exercised", arabic, zwnj)
		}
		if emails < n/5 || emails > n*2/5 || codes < n*2/5 || codes > n*3/5 {
			t.Errorf("%d e-mails, %d employee codes of %d", emails, codes, n)
		}
		if servingHeads[posMinister] != 19 || servingHeads[posGovernor] != 31 {
			t.Errorf("serving heads %v", servingHeads)
		}
		if d := count(t, db, "SELECT COUNT(*) FROM (SELECT 1 FROM officials WHERE position IN (?, ?) AND serving GROUP BY agency_id, position HAVING COUNT(*) > 1) AS dup", posMinister, posGovernor); d != 0 {
			t.Errorf("%d agencies with two serving heads", d)
		}
	})

	t.Run("mix", func(t *testing.T) {
		share := func(q string) float64 { return float64(count(t, db, q)) / 3000 }
		for _, c := range []struct {
			name   string
			q      string
			lo, hi float64
		}{
			{"foreign", "SELECT COUNT(*) FROM accounts a JOIN platforms p ON p.id = a.platform_id WHERE p.origin = 'foreign'", 0.25, 0.42},
			{"active", "SELECT COUNT(*) FROM accounts WHERE status = 'active'", 0.78, 0.92},
			{"verified", "SELECT COUNT(*) FROM accounts WHERE verification = 'verified'", 0.52, 0.68},
			{"institutional", "SELECT COUNT(*) FROM accounts WHERE capacity = 'institutional'", 0.05, 0.35},
			{"closed with a date", "SELECT COUNT(*) FROM accounts WHERE (status = 'closed') = (closed_at IS NULL)", 0, 0},
			{"verified with a date", "SELECT COUNT(*) FROM accounts WHERE (verification = 'verified') = (verified_at IS NULL)", 0, 0},
			{"created in the last 3 years", "SELECT COUNT(*) FROM accounts WHERE created_at < '2023-03-15' OR created_at > '2026-03-16' OR updated_at < created_at", 0, 0},
		} {
			if got := share(c.q); got < c.lo || got > c.hi {
				t.Errorf("%s: %.3f, want %.2f-%.2f", c.name, got, c.lo, c.hi)
			}
		}
		if n := count(t, db, "SELECT COUNT(DISTINCT platform_id) FROM accounts"); n != 15 {
			t.Errorf("accounts on %d platforms", n)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM agencies WHERE id NOT IN (SELECT agency_id FROM accounts WHERE capacity = 'institutional')"); n != 0 {
			t.Errorf("%d agencies without an institutional account", n)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM officials WHERE id NOT IN (SELECT official_id FROM accounts WHERE official_id IS NOT NULL)"); n != 0 {
			t.Errorf("%d officials without an account", n)
		}
	})

	t.Run("the store reads the rows", func(t *testing.T) {
		res, err := s.Accounts(ctx, registry.System, registry.AccountFilter{Platform: "telegram"}, registry.Page{PerPage: 50})
		if err != nil || len(res.Items) == 0 {
			t.Fatalf("%v, %d items", err, len(res.Items))
		}
		a := res.Items[0]
		if a.PlatformCode != "telegram" || a.CreatedAt.IsZero() || a.AgencyPath == "" {
			t.Errorf("account %+v", a)
		}
		offs, err := s.Officials(ctx, registry.System, registry.OfficialFilter{Q: "علي"}, registry.Page{PerPage: 10})
		if err != nil || len(offs.Items) == 0 {
			t.Fatalf("search for an Arabic-keyboard name: %v, %d items", err, len(offs.Items))
		}
		o, err := s.Official(ctx, registry.System, offs.Items[0].ID)
		if err != nil || o.TermStart == nil {
			t.Fatalf("official: %v %+v", err, o)
		}
	})

	t.Run("ancestor columns", func(t *testing.T) {
		columns := "SELECT COUNT(*) FROM pragma_table_info('accounts') WHERE name LIKE 'agency_at%'"
		if storetest.Postgres() {
			columns = "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'accounts' AND column_name LIKE 'agency_at%'"
		}
		levels := count(t, db, columns)
		if levels == 0 {
			t.Skip("the schema has no ancestor columns")
		}
		cols := make([]string, levels)
		for i := range cols {
			cols[i] = fmt.Sprintf("COALESCE(CAST(a.agency_at%d AS TEXT), '')", i)
		}
		rows, err := db.Query("SELECT a.id, g.path, " + strings.Join(cols, " || '/' || ") + " FROM accounts a JOIN agencies g ON g.id = a.agency_id")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var path, got string
			if err := rows.Scan(&id, &path, &got); err != nil {
				t.Fatal(err)
			}
			want := strings.Split(strings.Trim(path, "/"), "/")
			for len(want) < levels {
				want = append(want, "")
			}
			if got != strings.Join(want, "/") {
				t.Errorf("account %d: ancestors %q, agency path %s", id, got, path)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		// The store lists a ministry's subtree through these columns.
		var ministry int64
		if err := db.QueryRow("SELECT id FROM agencies WHERE code = 'MIN-HEALTH'").Scan(&ministry); err != nil {
			t.Fatal(err)
		}
		want := count(t, db, "SELECT COUNT(*) FROM accounts WHERE agency_id IN (SELECT id FROM agencies WHERE path LIKE ?)", fmt.Sprintf("/%d/%%", ministry))
		got := 0
		for p := (registry.Page{PerPage: 100}); ; {
			res, err := s.Accounts(ctx, registry.System, registry.AccountFilter{AgencyID: ministry}, p)
			if err != nil {
				t.Fatal(err)
			}
			got += len(res.Items)
			if res.Next == "" {
				break
			}
			p.Cursor = res.Next
		}
		if got != want || want == 0 {
			t.Errorf("the store lists %d accounts in the Health subtree, the table has %d", got, want)
		}
	})

	t.Run("statistics", func(t *testing.T) {
		stats := "SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'accounts'"
		if storetest.Postgres() {
			stats = "SELECT COUNT(*) FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'accounts'"
		}
		if n := count(t, db, stats); n == 0 {
			t.Error("ANALYZE has not run: no statistics for accounts")
		}
	})
}

// checkHandleRule holds the demo to the documented rules, stricter than
// what link accepts.
func checkHandleRule(t *testing.T, id int64, code, display string) {
	t.Helper()
	var re *regexp.Regexp
	switch code {
	case "x":
		re = regexp.MustCompile(`^[A-Za-z0-9_]{1,15}$`)
	case "telegram", "eitaa", "bale", "soroush", "igap", "aparat", "virasty":
		re = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{4,31}$`)
	case "rubika":
		re = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{4,29}$`)
	case "instagram", "threads":
		re = regexp.MustCompile(`^[A-Za-z0-9_.]{1,30}$`)
	case "facebook":
		re = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9.]{4,49}$`)
	case "whatsapp":
		re = regexp.MustCompile(`^(\+989[0-9]{9}|channel/0029[A-Za-z0-9]{20})$`)
	case "youtube":
		re = regexp.MustCompile(`^(@[A-Za-z0-9_.]{3,30}|UC[A-Za-z0-9_-]{22})$`)
	case "linkedin":
		re = regexp.MustCompile(`^(in|company)/[a-z0-9-]{3,100}$`)
	}
	if re == nil || !re.MatchString(display) || strings.Contains(display, "__") || strings.Contains(display, "..") {
		t.Errorf("account %d: %s handle %q breaks the platform's rule", id, code, display)
	}
}

// digest hashes every row of the demo tables.
func digest(t *testing.T, s *registry.Store) string {
	t.Helper()
	h := sha256.New()
	db := writer(t, s)
	for _, q := range []string{"SELECT * FROM agencies ORDER BY id",
		// Sealed fields differ from run to run (fresh keys and nonces),
		// and so do personal handles' tokens (a fresh index key).
		"SELECT id, agency_id, name, name_key, position, rank, serving, term_start, term_end, created_at, updated_at FROM officials ORDER BY id",
		`SELECT id, platform_id, CASE WHEN capacity = 'personal' THEN '' ELSE handle END, CASE WHEN capacity = 'personal' THEN '' ELSE display END,
		CASE WHEN capacity = 'personal' THEN '' ELSE url END, agency_id, official_id, capacity, status, source, verification, opened_on,
		verified_at, closed_at, created_at, updated_at FROM accounts ORDER BY id`} {
		digestTable(t, db, q, h)
	}
	// Personal accounts as the registry reads them.
	for cursor := ""; ; {
		page, err := s.Accounts(context.Background(), registry.System, registry.AccountFilter{Capacity: registry.CapacityPersonal},
			registry.Page{PerPage: 200, Cursor: cursor, Sort: "id"})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page.Items {
			fmt.Fprintf(h, "%d\x1f%s\x1f%s\x1f%s\n", a.ID, a.Handle, a.Display, a.URL)
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func digestTable(t *testing.T, db *sql.DB, query string, h io.Writer) {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			fmt.Fprintf(h, "%v\x1f", v)
		}
		h.Write([]byte{'\n'})
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestSameSeedSameData(t *testing.T) {
	gen := func(seed int64) string {
		s := openStore(t)
		if _, err := Generate(context.Background(), s, Options{Accounts: 3000, Seed: seed}); err != nil {
			t.Fatal(err)
		}
		return digest(t, s)
	}
	a, b, c := gen(42), gen(42), gen(43)
	if a != b {
		t.Error("the same seed gave different data")
	}
	if a == c {
		t.Error("different seeds gave the same data")
	}
}

func TestRefusesNonEmpty(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	if _, err := s.CreateAgency(ctx, registry.System, registry.AgencyInput{Code: "MIN-X", Name: "وزارت آزمایش", Kind: registry.KindMinistry}); err != nil {
		t.Fatal(err)
	}
	_, err := Generate(ctx, s, Options{Accounts: 100, Seed: 1})
	if !errors.Is(err, ErrNotEmpty) || !strings.Contains(err.Error(), "1 agencies") {
		t.Fatalf("got %v, want ErrNotEmpty naming the agencies", err)
	}
	db := writer(t, s)
	if n := count(t, db, "SELECT COUNT(*) FROM agencies"); n != 1 {
		t.Errorf("%d agencies after a refused load", n)
	}

	s2 := openStore(t)
	if _, err := Generate(ctx, s2, Options{Accounts: 500, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	_, err = Generate(ctx, s2, Options{Accounts: 500, Seed: 1})
	if !errors.Is(err, ErrNotEmpty) || !strings.Contains(err.Error(), "officials") || !strings.Contains(err.Error(), "500 accounts") {
		t.Fatalf("second load: %v", err)
	}
}

func TestSmallAndOddSizes(t *testing.T) {
	for _, n := range []int{0, 1, 9, 10, 57, 1234} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			s := openStore(t)
			sum, err := Generate(context.Background(), s, Options{Accounts: n, Seed: int64(n)})
			if err != nil {
				t.Fatal(err)
			}
			db := writer(t, s)
			if sum.Accounts != n || count(t, db, "SELECT COUNT(*) FROM accounts") != n {
				t.Errorf("summary %+v", sum)
			}
			if sum.Officials != (n+5)/10 || sum.Agencies < 100 {
				t.Errorf("summary %+v", sum)
			}
		})
	}
	if _, err := Generate(context.Background(), openStore(t), Options{Accounts: -1}); err == nil {
		t.Error("negative size accepted")
	}
}

func TestFit(t *testing.T) {
	for _, c := range []struct {
		code  string
		stems []string
		k     int
		want  string
	}{
		{"x", []string{"ali.mohammadi_1402", "ali.mohammadi", "a_mohammadi"}, 0, "ali_mohammadi"},
		{"x", []string{"farmandari_torbatejam"}, 0, "farmandaritorba"},
		{"x", []string{"farmandari_torbatejam"}, 12, "farmandarito_12"},
		{"linkedin", []string{"Medu_Fars"}, 2, "medu-fars-2"},
		{"telegram", []string{"mop"}, 0, "mop_ir"},
		{"facebook", []string{"ali_mohammadi"}, 3, "ali.mohammadi3"},
		{"instagram", []string{"dr.mohammadi"}, 2, "dr.mohammadi_2"},
		{"linkedin", []string{"medu_fars"}, 0, "medu-fars"},
		{"eitaa", []string{"_.ali..x_"}, 0, "ali_x"},
	} {
		if got := fit(platformMix[c.code].rule, c.stems, c.k); got != c.want {
			t.Errorf("fit(%s, %q, %d) = %q, want %q", c.code, c.stems, c.k, got, c.want)
		}
	}
}

// TestGenerateMillion times the full benchmark size. It takes a minute or
// so and a few hundred megabytes of disk: run it with HOZUR_DEMO_1M=1.
func TestGenerateMillion(t *testing.T) {
	if os.Getenv("HOZUR_DEMO_1M") != "1" {
		t.Skip("set HOZUR_DEMO_1M=1 to load a million accounts")
	}
	s := openStore(t)
	start := time.Now()
	sum, err := Generate(context.Background(), s, Options{Accounts: 1_000_000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	var size int64
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if fi, err := os.Stat(s.Path() + suffix); err == nil {
			size += fi.Size()
		}
	}
	t.Logf("%+v in %s; database %.0f MB", sum, took.Round(time.Millisecond), float64(size)/(1<<20))
	db := writer(t, s)
	if n := count(t, db, "SELECT COUNT(*) FROM accounts"); n != 1_000_000 {
		t.Errorf("%d accounts", n)
	}
	if d := count(t, db, "SELECT COUNT(*) FROM (SELECT 1 FROM accounts GROUP BY platform_id, handle HAVING COUNT(*) > 1) AS dup"); d != 0 {
		t.Errorf("%d duplicate handles", d)
	}
	// A sample of the fast path against link.
	rows, err := db.Query("SELECT p.code, a.handle, a.display, a.url FROM accounts a JOIN platforms p ON p.id = a.platform_id WHERE a.id % 997 = 0")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var code, handle, display, url string
		if err := rows.Scan(&code, &handle, &display, &url); err != nil {
			t.Fatal(err)
		}
		if acc, err := link.FromHandle(code, display, nil); err != nil || acc.Handle != handle || acc.URL != url {
			t.Errorf("%s %q: %+v %v", code, display, acc, err)
		}
	}
}

func BenchmarkGenerate100k(b *testing.B) {
	for range b.N {
		b.StopTimer()
		s := openStore(b)
		b.StartTimer()
		if _, err := Generate(context.Background(), s, Options{Accounts: 100_000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
