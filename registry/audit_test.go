package registry

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"hozur/registry/storetest"
)

// trail is a store with a few audited writes: five creates (newWorld), two
// updates and a delete.
func trail(t *testing.T) (*Store, *clock) {
	t.Helper()
	c := newClock()
	w := newWorld(t, c)
	c.advance(time.Hour)
	must[*Agency](t)(w.s.UpdateAgency(ctxb(), Actor{UserID: 3, Username: "sara", Role: RoleAdmin, IP: "10.0.0.7"}, w.b.ID,
		AgencyInput{Code: "MIN-OIL", Name: "وزارت نفت", NameEn: "Ministry of Petroleum", Kind: KindMinistry}))
	c.advance(time.Hour)
	must[*OfficialView](t)(w.s.UpdateOfficial(ctxb(), System, w.outside.ID, OfficialInput{AgencyID: w.b.ID, Name: "حسین کریمی", Position: "وزیر", Rank: 1, Serving: true}))
	if err := w.s.DeleteOfficial(ctxb(), System, w.outside.ID); err != nil {
		t.Fatal(err)
	}
	return w.s, c
}

// raw opens a second connection to the store's file, as someone with the
// file in hand would, and runs the statements after dropping the triggers
// that keep the application's own hands off the trail.
func raw(t *testing.T, s *Store, stmts ...string) {
	t.Helper()
	driver, dsn := "sqlite3", "file:"+s.Path()+"?_busy_timeout=5000"
	unguard := []string{"DROP TRIGGER IF EXISTS audit_events_append_only_update", "DROP TRIGGER IF EXISTS audit_events_append_only_delete"}
	var after []string
	if s.Postgres() {
		driver, dsn = "pgx", storetest.DSN(t, s.Path())
		unguard = []string{"ALTER TABLE audit_events DISABLE TRIGGER USER"}
		// Rows put in with ids of their own leave the sequence behind, as
		// SQLite's AUTOINCREMENT never is.
		after = []string{"SELECT setval(pg_get_serial_sequence('audit_events', 'id'), GREATEST((SELECT MAX(id) FROM audit_events), " +
			"(SELECT last_value FROM audit_events_id_seq)))"}
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range append(append(unguard, stmts...), after...) {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func verify(t *testing.T, s *Store) AuditReport {
	t.Helper()
	r, err := s.VerifyAudit(ctxb(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func events(t *testing.T, s *Store) []AuditEvent {
	t.Helper()
	var out []AuditEvent
	if err := s.read.Raw("SELECT * FROM audit_events ORDER BY id").Scan(&out).Error; err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAuditCanonicalForm rebuilds the documented format byte by byte, as
// an outside verifier would, and checks the store hashes the same.
func TestAuditCanonicalForm(t *testing.T) {
	field := func(s string) []byte {
		return append([]byte{byte(len(s) >> 24), byte(len(s) >> 16), byte(len(s) >> 8), byte(len(s))}, s...)
	}
	chain := func(prev string, fields ...string) string {
		var canon []byte
		for _, f := range fields {
			canon = append(canon, field(f)...)
		}
		leaf := sha256.Sum256(append([]byte{0x00}, canon...))
		p, _ := hex.DecodeString(prev)
		node := sha256.Sum256(append(append([]byte{0x01}, p...), leaf[:]...))
		return hex.EncodeToString(node[:])
	}
	uid := int64(7)
	tehran := time.FixedZone("IRST", 3*3600+1800)
	ev := AuditEvent{ID: 42, At: time.Date(2026, 11, 22, 12, 30, 0, 123456789, tehran), ActorID: &uid, Actor: "sara", Action: "update",
		Entity: "account", EntityID: 9, Change: `{"status":["active","closed"]}`, IP: "10.0.0.1"}
	want := chain(GenesisHash, "42", "2026-11-22T09:00:00.123456Z", "7", "sara", "update", "account", "9", `{"status":["active","closed"]}`, "10.0.0.1")
	got, err := HashAuditEvent(GenesisHash, ev)
	if err != nil || got != want {
		t.Fatalf("hash %s %v, want %s", got, err, want)
	}
	// A fixed vector (also got with the Python lines of audit_chain.go), so
	// a change of format cannot pass unnoticed.
	if want != "41aad2f6223a7302a2db031b57be75686c47d2ce81b19ec981797e6b32d0b180" {
		t.Errorf("vector %s", want)
	}
	// No actor id is an empty field; the job's event follows the first.
	sys := AuditEvent{ID: 43, At: time.Date(2026, 11, 22, 9, 0, 1, 0, time.UTC), Actor: "system", Action: "demo", Entity: "registry"}
	want2 := chain(want, "43", "2026-11-22T09:00:01.000000Z", "", "system", "demo", "registry", "0", "", "")
	if got, _ := HashAuditEvent(want, sys); got != want2 {
		t.Errorf("second hash %s, want %s", got, want2)
	}
	if _, err := HashAuditEvent("not a hash", sys); err == nil {
		t.Error("a malformed prev hash was accepted")
	}
	if _, err := HashAuditEvent(strings.ToUpper(want), sys); err == nil {
		t.Error("an upper-case prev hash was accepted")
	}
}

func TestAuditChainVerifies(t *testing.T) {
	s, _ := trail(t)
	evs := events(t, s)
	if len(evs) != 8 {
		t.Fatalf("%d events, want 8", len(evs))
	}
	prev := GenesisHash
	for i, e := range evs {
		if e.ID != int64(i+1) || e.PrevHash != prev || len(e.Hash) != 64 {
			t.Fatalf("event %d: id %d prev %s hash %s, want prev %s", i, e.ID, e.PrevHash, e.Hash, prev)
		}
		if e.At.Nanosecond()%1000 != 0 {
			t.Errorf("event %d: time %v is finer than a microsecond", e.ID, e.At)
		}
		prev = e.Hash
	}
	var calls int
	r, err := s.VerifyAudit(ctxb(), func(done, total int) {
		calls++
		if done != 8 || total != 8 {
			t.Errorf("progress %d/%d", done, total)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() || r.Events != 8 || r.Total != 8 || r.HeadID != 8 || r.HeadHash != prev || r.Unchained != 0 || calls != 1 {
		t.Errorf("report %+v (break %+v), %d progress calls", r, r.Break, calls)
	}
	// An empty trail verifies, at the genesis hash.
	empty := openTest(t, nil)
	if r := verify(t, empty); !r.OK() || r.Events != 0 || r.HeadHash != GenesisHash {
		t.Errorf("empty trail: %+v", r)
	}
}

func TestAuditIsAppendOnly(t *testing.T) {
	s, _ := trail(t)
	for _, q := range []string{"UPDATE audit_events SET change = '{}' WHERE id = 2", "DELETE FROM audit_events WHERE id = 2"} {
		err := s.write.Exec(q).Error
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", q, err)
		}
	}
}

func TestAuditVerifyFindsTampering(t *testing.T) {
	forged := func(s *Store, id int64, prev string) string {
		e := AuditEvent{ID: id, At: s.Now(), Actor: "sara", Action: "delete", Entity: "account", EntityID: 1, Change: `{"handle":"x"}`}
		h, _ := HashAuditEvent(prev, e)
		return fmt.Sprintf(`INSERT INTO audit_events (id, at, actor, action, entity, entity_id, change, ip, prev_hash, hash) VALUES (%d, '%s', 'sara', 'delete', 'account', 1, '{"handle":"x"}', '', '%s', '%s')`,
			id, e.At.Format("2006-01-02 15:04:05.999999999-07:00"), prev, h)
	}
	cases := []struct {
		name   string
		tamper func(t *testing.T, s *Store, evs []AuditEvent)
		id     int64
		kind   string
		reason string
	}{
		{"edited change", func(t *testing.T, s *Store, _ []AuditEvent) {
			raw(t, s, `UPDATE audit_events SET change = '{"name":"forged"}' WHERE id = 3`)
		}, 3, BreakEdited, "event 3 was changed: its hash does not match its content"},
		{"edited time", func(t *testing.T, s *Store, _ []AuditEvent) {
			raw(t, s, `UPDATE audit_events SET at = '2020-01-01 00:00:00+00:00' WHERE id = 6`)
		}, 6, BreakEdited, "event 6 was changed"},
		{"edited actor of the first", func(t *testing.T, s *Store, _ []AuditEvent) {
			raw(t, s, `UPDATE audit_events SET actor = 'someone' WHERE id = 1`)
		}, 1, BreakEdited, "event 1 was changed"},
		{"edited and rehashed", func(t *testing.T, s *Store, evs []AuditEvent) {
			e := evs[3]
			e.Change = `{"name":"forged"}`
			h, _ := HashAuditEvent(e.PrevHash, e)
			raw(t, s, fmt.Sprintf(`UPDATE audit_events SET change = '{"name":"forged"}', hash = '%s' WHERE id = 4`, h))
		}, 5, BreakInserted, "event 5 does not follow event 4"},
		{"edited prev_hash", func(t *testing.T, s *Store, _ []AuditEvent) {
			raw(t, s, `UPDATE audit_events SET prev_hash = '`+strings.Repeat("ab", 32)+`' WHERE id = 5`)
		}, 5, BreakEdited, "its prev_hash does not match the hash of event 4"},
		{"deleted in the middle", func(t *testing.T, s *Store, _ []AuditEvent) {
			raw(t, s, `DELETE FROM audit_events WHERE id = 4`)
		}, 5, BreakDeleted, "event 4 is missing: the prev_hash of event 5 does not match the hash of event 3"},
		{"deleted several", func(t *testing.T, s *Store, _ []AuditEvent) {
			raw(t, s, `DELETE FROM audit_events WHERE id BETWEEN 2 AND 4`)
		}, 5, BreakDeleted, "events 2 to 4 are missing"},
		{"deleted the first", func(t *testing.T, s *Store, _ []AuditEvent) {
			raw(t, s, `DELETE FROM audit_events WHERE id = 1`)
		}, 2, BreakDeleted, "does not match the hash of the start of the trail"},
		{"deleted the last, then a write", func(t *testing.T, s *Store, _ []AuditEvent) {
			raw(t, s, `DELETE FROM audit_events WHERE id = 8`)
			// The chain alone cannot tell a cut end...
			if r := verify(t, s); !r.OK() || r.Events != 7 {
				t.Fatalf("cut end: %+v", r)
			}
			// ...but the next event shows the gap, ids are never reused.
			must[*Agency](t)(s.CreateAgency(ctxb(), System, AgencyInput{Code: "MIN-X", Name: "وزارت ایکس", Kind: KindMinistry}))
		}, 9, BreakDeleted, "event 8 is missing: ids jump from 7 to 9"},
		{"inserted at the end", func(t *testing.T, s *Store, evs []AuditEvent) {
			raw(t, s, forged(s, 9, evs[1].Hash))
		}, 9, BreakInserted, "event 9 does not follow event 8: its prev_hash points at another event"},
		{"inserted a copy at the end", func(t *testing.T, s *Store, _ []AuditEvent) {
			raw(t, s, `INSERT INTO audit_events (id, at, actor, action, entity, entity_id, change, ip, prev_hash, hash)
				SELECT 9, at, actor, action, entity, entity_id, change, ip, prev_hash, hash FROM audit_events WHERE id = 2`)
		}, 9, BreakInserted, "event 9 does not belong in the chain"},
		{"inserted a copy in a gap", func(t *testing.T, s *Store, _ []AuditEvent) {
			raw(t, s, `DELETE FROM audit_events WHERE id = 4`, `INSERT INTO audit_events (id, at, actor, action, entity, entity_id, change, ip, prev_hash, hash)
				SELECT 4, at, actor, action, entity, entity_id, change, ip, prev_hash, hash FROM audit_events WHERE id = 2`)
		}, 4, BreakInserted, "event 4 does not belong in the chain"},
		{"inserted from the genesis", func(t *testing.T, s *Store, _ []AuditEvent) {
			raw(t, s, forged(s, 9, GenesisHash))
		}, 9, BreakInserted, "event 9 does not follow event 8"},
		{"inserted in a gap", func(t *testing.T, s *Store, evs []AuditEvent) {
			raw(t, s, `DELETE FROM audit_events WHERE id = 4`, forged(s, 4, evs[1].Hash))
		}, 4, BreakInserted, "event 4 does not follow event 3"},
		{"inserted without a hash before chained events", func(t *testing.T, s *Store, evs []AuditEvent) {
			raw(t, s, `INSERT INTO audit_events (id, at, actor, action, entity, entity_id) VALUES (9, '2026-11-22 12:00:00+00:00', 'x', 'delete', 'account', 1)`,
				forged(s, 10, evs[7].Hash))
		}, 9, BreakInserted, "event 9 has no hash, yet event 10 after it is chained"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := trail(t)
			if r := verify(t, s); !r.OK() {
				t.Fatalf("untouched trail broken: %+v", r.Break)
			}
			tc.tamper(t, s, events(t, s))
			r := verify(t, s)
			if r.OK() {
				t.Fatalf("tampering not found: %+v", r)
			}
			if b := r.Break; b.EventID != tc.id || b.Kind != tc.kind || !strings.Contains(b.Reason, tc.reason) {
				t.Errorf("break at %d (%s): %s\nwant at %d (%s): %s", b.EventID, b.Kind, b.Reason, tc.id, tc.kind, tc.reason)
			}
		})
	}
}

func TestAuditChainsEventsWrittenWithoutHash(t *testing.T) {
	t.Run("before the migration", func(t *testing.T) {
		if storetest.Postgres() {
			t.Skip("the PostgreSQL schema begins at version 11, with the chain")
		}
		dbPath := t.TempDir() + "/hozur.db"
		s, err := Open(Options{Driver: storetest.Driver(), DSN: storetest.DSN(t, dbPath), Path: dbPath})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		p, err := s.migrations()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.UpTo(ctxb(), 2); err != nil {
			t.Fatal(err)
		}
		// What the schema of version 2 held: events of the old record()
		// and of a demo load, with nanoseconds in their times.
		for i, q := range []string{
			`INSERT INTO audit_events (at, actor, action, entity, entity_id, change, ip) VALUES ('2025-01-02 03:04:05.123456789+00:00', 'system', 'demo', 'registry', 0, '{"accounts":3000}', '')`,
			`INSERT INTO audit_events (at, actor_id, actor, action, entity, entity_id, change, ip) VALUES ('2025-01-03 10:00:00+00:00', 1, 'admin', 'login', 'user', 1, '', '127.0.0.1')`,
			`INSERT INTO audit_events (at, actor_id, actor, action, entity, entity_id, change, ip) VALUES ('2025-01-03 10:01:00+00:00', 1, 'admin', 'update', 'agency', 4, '{"name":["a","b"]}', '127.0.0.1')`,
		} {
			if err := s.write.Exec(q).Error; err != nil {
				t.Fatalf("event %d: %v", i, err)
			}
		}
		if _, err := s.Migrate(ctxb()); err != nil {
			t.Fatal(err)
		}
		if r := verify(t, s); !r.OK() || r.Events != 0 || r.Unchained != 3 || r.FirstUnchained != 1 {
			t.Fatalf("after migrating: %+v", r)
		}
		n, err := s.ChainAudit(ctxb())
		if err != nil || n != 3 {
			t.Fatalf("chained %d: %v", n, err)
		}
		if r := verify(t, s); !r.OK() || r.Events != 3 || r.Unchained != 0 {
			t.Fatalf("after chaining: %+v %+v", r, r.Break)
		}
		must[*Agency](t)(s.CreateAgency(ctxb(), System, AgencyInput{Code: "MIN-X", Name: "وزارت ایکس", Kind: KindMinistry}))
		if r := verify(t, s); !r.OK() || r.Events != 4 || r.HeadID != 4 {
			t.Fatalf("after a write: %+v %+v", r, r.Break)
		}
		if n, _ := s.ChainAudit(ctxb()); n != 0 {
			t.Errorf("chained %d events twice", n)
		}
	})
	t.Run("by a bulk load", func(t *testing.T) {
		s, _ := trail(t)
		raw(t, s, `INSERT INTO audit_events (at, actor, action, entity, entity_id, change, ip) VALUES ('2026-11-22 12:00:00.5+00:00', 'system', 'demo', 'registry', 0, '{"accounts":300}', '')`)
		r := verify(t, s)
		if !r.OK() || r.Events != 8 || r.Unchained != 1 || r.FirstUnchained != 9 {
			t.Fatalf("with a loaded event: %+v", r)
		}
		// The next write chains the loaded event before its own.
		must[*Agency](t)(s.CreateAgency(ctxb(), System, AgencyInput{Code: "MIN-X", Name: "وزارت ایکس", Kind: KindMinistry}))
		if r := verify(t, s); !r.OK() || r.Events != 10 || r.Unchained != 0 {
			t.Fatalf("after a write: %+v %+v", r, r.Break)
		}
	})
	t.Run("in the bulk load's own transaction", func(t *testing.T) {
		s, _ := trail(t)
		db, _ := s.WriterDB()
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(s.Rebind(`INSERT INTO audit_events (at, actor, action, entity, entity_id, change, ip) VALUES (?, 'system', 'demo', 'registry', 0, '{}', '')`), s.Now()); err != nil {
			t.Fatal(err)
		}
		if n, err := s.ChainAuditTx(ctxb(), tx); err != nil || n != 1 {
			t.Fatalf("chained %d: %v", n, err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if r := verify(t, s); !r.OK() || r.Events != 9 || r.Unchained != 0 {
			t.Fatalf("%+v", r)
		}
	})
}

func TestAuditCheckpoint(t *testing.T) {
	s, c := trail(t)
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	pub, _ := key.Public().(ed25519.PublicKey)
	cp, err := s.AuditCheckpoint(ctxb(), key)
	if err != nil {
		t.Fatal(err)
	}
	evs := events(t, s)
	if cp.Size != 8 || cp.HeadID != 8 || cp.HeadHash != evs[7].Hash || !cp.At.Equal(c.t.Truncate(time.Second)) {
		t.Errorf("checkpoint %+v", cp)
	}
	wantMsg := fmt.Sprintf("hozur-audit-checkpoint/v1\n8\n8\n%s\n%s\n", evs[7].Hash, c.t.UTC().Format(time.RFC3339))
	if string(cp.Message()) != wantMsg {
		t.Errorf("message %q, want %q", cp.Message(), wantMsg)
	}
	if err := s.CheckAuditCheckpoint(ctxb(), cp, pub); err != nil {
		t.Fatal(err)
	}
	// Later events do not unsettle an earlier checkpoint.
	must[*Agency](t)(s.CreateAgency(ctxb(), System, AgencyInput{Code: "MIN-X", Name: "وزارت ایکس", Kind: KindMinistry}))
	if err := s.CheckAuditCheckpoint(ctxb(), cp, pub); err != nil {
		t.Errorf("after a write: %v", err)
	}
	// A checkpoint altered, or checked with another key, does not hold.
	other := ed25519.NewKeyFromSeed([]byte(strings.Repeat("k", ed25519.SeedSize)))
	bigger := cp
	bigger.Size = 9
	for name, err := range map[string]error{
		"altered":     s.CheckAuditCheckpoint(ctxb(), bigger, pub),
		"another key": s.CheckAuditCheckpoint(ctxb(), cp, other.Public().(ed25519.PublicKey)),
	} {
		if !errors.Is(err, ErrCheckpoint) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Cutting the end off the trail passes the chain but not the checkpoint.
	raw(t, s, "DELETE FROM audit_events WHERE id >= 7")
	if r := verify(t, s); !r.OK() {
		t.Fatalf("cut trail: %+v", r.Break)
	}
	if err := s.CheckAuditCheckpoint(ctxb(), cp, pub); !errors.Is(err, ErrCheckpoint) || !strings.Contains(err.Error(), "event 8, the head of the checkpoint") {
		t.Errorf("cut trail: %v", err)
	}
	// A rewritten head does not hold either.
	raw(t, s, "INSERT INTO audit_events (id, at, actor, action, entity, entity_id, prev_hash, hash) VALUES (8, '2026-11-22 12:00:00+00:00', 'x', 'x', 'x', 0, '', '"+strings.Repeat("0", 63)+"1')")
	if err := s.CheckAuditCheckpoint(ctxb(), cp, pub); !errors.Is(err, ErrCheckpoint) || !strings.Contains(err.Error(), "rewritten") {
		t.Errorf("rewritten head: %v", err)
	}
}

func TestAuditCheckpointChainsPendingEvents(t *testing.T) {
	s, _ := trail(t)
	raw(t, s, `INSERT INTO audit_events (at, actor, action, entity, entity_id) VALUES ('2026-11-22 12:00:00+00:00', 'system', 'demo', 'registry', 0)`)
	cp, err := s.AuditCheckpoint(ctxb(), ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)))
	if err != nil {
		t.Fatal(err)
	}
	if cp.Size != 9 || cp.HeadID != 9 {
		t.Errorf("checkpoint %+v", cp)
	}
	if r := verify(t, s); !r.OK() || r.Events != 9 || r.HeadHash != cp.HeadHash {
		t.Errorf("%+v", r)
	}
	// An empty trail has a checkpoint too.
	e := openTest(t, nil)
	cp, err = e.AuditCheckpoint(ctxb(), ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)))
	if err != nil || cp.Size != 0 || cp.HeadHash != GenesisHash {
		t.Errorf("empty: %+v %v", cp, err)
	}
}

func TestAuditEventsFilters(t *testing.T) {
	s, c := trail(t)
	day := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	next := day.Add(24 * time.Hour)
	c.advance(48 * time.Hour)
	must[*Agency](t)(s.CreateAgency(ctxb(), Actor{UserID: 3, Username: "sara", Role: RoleAdmin}, AgencyInput{Code: "MIN-X", Name: "وزارت ایکس", Kind: KindMinistry}))
	auditor := Actor{UserID: 9, Username: "a", Role: RoleAuditor}
	for _, tc := range []struct {
		name string
		f    AuditFilter
		want int
	}{
		{"all", AuditFilter{}, 9},
		{"by actor name", AuditFilter{ActorName: "sara"}, 2},
		{"by action", AuditFilter{Action: "update"}, 2},
		{"by entity", AuditFilter{Entity: "official"}, 4},
		{"by entity and id", AuditFilter{Entity: "agency", EntityID: 3}, 2},
		{"from a day", AuditFilter{From: &next}, 1},
		{"up to a day", AuditFilter{To: &next}, 8},
		{"within a day", AuditFilter{From: &day, To: &next, Action: "create"}, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := s.AuditEvents(ctxb(), auditor, tc.f, Page{PerPage: 100})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Items) != tc.want {
				t.Errorf("%d events, want %d", len(res.Items), tc.want)
			}
			counted, err := s.AuditEvents(ctxb(), auditor, tc.f, Page{PerPage: 1, WithTotal: true})
			if err != nil || !counted.Counted || counted.Total != int64(tc.want) || len(counted.Items) != 1 || counted.Items[0].ID != res.Items[0].ID {
				t.Errorf("counted: %d of %d, %v", counted.Total, tc.want, err)
			}
		})
	}
	// Keyset paging: newest first, each event once.
	var seen []int64
	p := Page{PerPage: 4}
	for {
		res, err := s.AuditEvents(ctxb(), auditor, AuditFilter{}, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range res.Items {
			seen = append(seen, e.ID)
		}
		if res.Next == "" {
			break
		}
		p.Cursor = res.Next
	}
	if fmt.Sprint(seen) != "[9 8 7 6 5 4 3 2 1]" {
		t.Errorf("pages gave %v", seen)
	}
	for _, a := range []Actor{{Role: RoleLiaison, UserID: 4}, {Role: RoleOfficial, UserID: 5}} {
		if _, err := s.AuditEvents(ctxb(), a, AuditFilter{}, Page{}); !errors.Is(err, ErrForbidden) {
			t.Errorf("%s: %v", a.Role, err)
		}
	}
	ex, err := s.RecordLabels(ctxb(), "official", []int64{1, 2, 99})
	if err != nil || len(ex) != 1 || ex[1].Name != "ملیکا رضایی" {
		t.Errorf("existing officials %v %v", ex, err)
	}
	ag, err := s.RecordLabels(ctxb(), "agency", []int64{3})
	if err != nil || ag[3].NameEn != "Ministry of Petroleum" {
		t.Errorf("agencies %v %v", ag, err)
	}
	if none, err := s.RecordLabels(ctxb(), "registry", []int64{0}); err != nil || len(none) != 0 {
		t.Errorf("registry %v %v", none, err)
	}
}

var benchAuditEvents = flag.Int("audit-events", 100_000, "events in the trail BenchmarkVerifyAudit walks")

// fillAudit writes n chained events straight into the table, as fast as
// one transaction of prepared inserts goes.
func fillAudit(tb testing.TB, s *Store, n int) {
	tb.Helper()
	db, _ := s.WriterDB()
	tx, err := db.Begin()
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	st, err := tx.Prepare("INSERT INTO audit_events (id, at, actor_id, actor, action, entity, entity_id, change, ip, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = st.Close() }()
	var h hasher
	prev := GenesisHash
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	uid := int64(12)
	for i := 1; i <= n; i++ {
		e := AuditEvent{ID: int64(i), At: at.Add(time.Duration(i) * 1537 * time.Millisecond), ActorID: &uid, Actor: "reviewer", Action: "update",
			Entity: "account", EntityID: int64(i % 9973), Change: `{"status":["active","closure_requested"],"verification":["unverified","verified"]}`, IP: "10.20.30.40"}
		sum, _ := h.hash(prev, &e)
		if _, err := st.Exec(e.ID, e.At, e.ActorID, e.Actor, e.Action, e.Entity, e.EntityID, e.Change, e.IP, prev, sum.String()); err != nil {
			tb.Fatal(err)
		}
		prev = sum.String()
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkVerifyAudit walks a trail of -audit-events events (100,000 by
// default; the target is a million in 3 s).
func BenchmarkVerifyAudit(b *testing.B) {
	s, err := Open(Options{Path: b.TempDir() + "/hozur.db"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctxb()); err != nil {
		b.Fatal(err)
	}
	fillAudit(b, s, *benchAuditEvents)
	b.ResetTimer()
	for b.Loop() {
		r, err := s.VerifyAudit(ctxb(), nil)
		if err != nil || !r.OK() || r.Events != *benchAuditEvents {
			b.Fatalf("%+v %v", r, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(*benchAuditEvents), "ns/event")
}

// TestRolledBackWriteLeavesNoGap: a write that records its event and then
// fails gives no id away, so the trail stays whole (a database sequence
// would skip the id, and verify would report events deleted).
func TestRolledBackWriteLeavesNoGap(t *testing.T) {
	s := openTest(t, nil)
	if err := s.Record(ctxb(), System, "test", "registry", 0, nil); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("a later step fails")
	err := s.Tx(ctxb(), func(ctx context.Context) error {
		if err := s.record(ctx, System, "test", "registry", 0, map[string]int{"n": 2}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("the failing write: %v", err)
	}
	if err := s.Record(ctxb(), System, "test", "registry", 0, nil); err != nil {
		t.Fatal(err)
	}
	if r := verify(t, s); !r.OK() || r.Events != 2 {
		t.Fatalf("after a rolled-back write: %+v %+v", r, r.Break)
	}
	got := events(t, s)
	if len(got) != 2 || got[0].ID != 1 || got[1].ID != 2 {
		t.Fatalf("ids %+v", got)
	}
}
