package registry

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
)

// Kinds of broken link.
const (
	BreakEdited   = "edited"   // an event's hash does not match its content
	BreakDeleted  = "deleted"  // events are missing before this one
	BreakInserted = "inserted" // an event that does not belong in the chain
)

// AuditBreak is the first broken link of the chain.
type AuditBreak struct {
	EventID int64  // the event where the chain breaks
	Kind    string // BreakEdited, BreakDeleted or BreakInserted
	Reason  string // in English, for the operator
}

// AuditReport is what VerifyAudit found.
type AuditReport struct {
	Events   int    // events checked, in chain order
	Total    int    // events in the trail
	HeadID   int64  // the last chained event checked; 0 for an empty trail
	HeadHash string // its hash; GenesisHash for an empty trail
	// Unchained counts the events at the end of the trail written without
	// a hash (by a bulk load, or before the chain existed); the next write,
	// or a checkpoint, chains them. They are not a break.
	Unchained      int
	FirstUnchained int64
	Break          *AuditBreak // nil when every link holds
}

// OK reports whether the chain holds.
func (r AuditReport) OK() bool { return r.Break == nil }

// packedColumns read an event as two columns: its id, and the fields the
// chain needs packed into one text, each as "<length in bytes>:<bytes>". A
// row then crosses from SQLite into Go in a handful of calls instead of a
// few per column, which is most of what a walk over a million events costs.
var packedColumns = "id, " + packed("at", "COALESCE(actor_id, '')", "actor", "action", "entity", "entity_id", "change", "ip", "prev_hash", "hash")

// packedColumnsPG are packedColumns on PostgreSQL, which keeps times and
// numbers as themselves: they are written as SQLite stores them.
var packedColumnsPG = "id, " + packed("(to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00:00')", "COALESCE(CAST(actor_id AS TEXT), '')",
	"actor", "action", "entity", "CAST(entity_id AS TEXT)", "change", "ip", "prev_hash", "hash")

// packedQuery reads the batch of packed events after an id.
func (s *Store) packedQuery() string {
	cols := packedColumns
	if s.Postgres() {
		cols = packedColumnsPG
	}
	return s.Rebind("SELECT " + cols + " FROM audit_events WHERE id > ? ORDER BY id LIMIT ?")
}

// The packed fields, in order.
const (
	pkAt = iota
	pkActorID
	pkActor
	pkAction
	pkEntity
	pkEntityID
	pkChange
	pkIP
	pkPrevHash
	pkHash
	pkFields
)

func packed(cols ...string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = fmt.Sprintf("octet_length(%[1]s) || ':' || %[1]s", c)
	}
	return strings.Join(parts, " || ")
}

// unpack splits a packed text into its fields, without copying.
func unpack(s string, out *[pkFields]string) bool {
	for i := range out {
		j := strings.IndexByte(s, ':')
		if j <= 0 {
			return false
		}
		n, err := strconv.Atoi(s[:j])
		if err != nil || n < 0 || n > len(s)-j-1 {
			return false
		}
		out[i], s = s[j+1:j+1+n], s[j+1+n:]
	}
	return s == ""
}

// storedTime reads a stored time as the SQLite driver reads it for the
// rest of the store: its layouts in turn, UTC unless the text says
// otherwise, the zero time when none fits.
func storedTime(s string) time.Time {
	s = strings.TrimSuffix(s, "Z")
	for _, layout := range sqlite3.SQLiteTimestampFormats {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t
		}
	}
	return time.Time{}
}

// appendStoredTime writes a stored time in auditTimeLayout. Times the
// store writes ("2026-11-22 09:00:00.123456+00:00") are rewritten as text,
// which is most of the walk's time saved; anything else is parsed.
func appendStoredTime(b []byte, s string) []byte {
	const head = len("2006-01-02 15:04:05")
	rest, ok := strings.CutSuffix(s, "+00:00")
	if !ok || len(rest) < head || !plainUTC(rest[:head]) {
		return storedTime(s).UTC().AppendFormat(b, auditTimeLayout)
	}
	frac := rest[head:]
	if frac != "" {
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 || !digits(frac[1:]) {
			return storedTime(s).UTC().AppendFormat(b, auditTimeLayout)
		}
		frac = frac[1:]
	}
	b = append(b, rest[:10]...)
	b = append(b, 'T')
	b = append(b, rest[11:head]...)
	b = append(b, '.')
	for i := range 6 {
		if i < len(frac) {
			b = append(b, frac[i])
		} else {
			b = append(b, '0')
		}
	}
	return append(b, 'Z')
}

// plainUTC reports whether s is a valid "2006-01-02 15:04:05".
func plainUTC(s string) bool {
	if s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' ||
		!digits(s[0:4]) || !digits(s[5:7]) || !digits(s[8:10]) || !digits(s[11:13]) || !digits(s[14:16]) || !digits(s[17:19]) {
		return false
	}
	num := func(a, b int) int { n, _ := strconv.Atoi(s[a:b]); return n }
	y, m, d := num(0, 4), num(5, 7), num(8, 10)
	if m < 1 || m > 12 || d < 1 || d > time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return false
	}
	return num(11, 13) < 24 && num(14, 16) < 60 && num(17, 19) < 60
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// walker checks the chain one event at a time.
type walker struct {
	h        hasher
	prevID   int64
	prevHash string
	prevRaw  [sha256.Size]byte // prevHash as bytes
	f        [pkFields]string
	idBuf    []byte
	atBuf    []byte
	rep      AuditReport
	// suspect is an event that follows nothing and matches nothing: the
	// next event tells whether it was changed (the next follows it) or
	// slipped in (the next does not).
	suspect     int64
	suspectHash string
}

func newWalker() *walker {
	return &walker{prevHash: GenesisHash, rep: AuditReport{HeadHash: GenesisHash}}
}

// step checks one packed event against the one before it; false once
// broken.
func (w *walker) step(id int64, packed string) bool {
	if !unpack(packed, &w.f) {
		w.fail(id, BreakEdited, fmt.Sprintf("event %d was changed: its fields cannot be read", id))
		return false
	}
	prevHash, hash := w.f[pkPrevHash], w.f[pkHash]
	if w.suspect != 0 {
		if prevHash == w.suspectHash {
			w.fail(w.suspect, BreakEdited, fmt.Sprintf("event %d was changed: its prev_hash does not match the hash of %s", w.suspect, w.prevLabel()))
		} else {
			w.finish()
		}
		return false
	}
	if hash == "" {
		if w.rep.Unchained == 0 {
			w.rep.FirstUnchained = id
		}
		w.rep.Unchained++
		return true
	}
	if w.rep.Unchained > 0 {
		w.fail(w.rep.FirstUnchained, BreakInserted, fmt.Sprintf("event %d has no hash, yet event %d after it is chained: it was written outside the application", w.rep.FirstUnchained, id))
		return false
	}
	c := canonicalEvent{id: strconv.AppendInt(w.idBuf[:0], id, 10), at: appendStoredTime(w.atBuf[:0], w.f[pkAt]),
		actorID: w.f[pkActorID], actor: w.f[pkActor], action: w.f[pkAction], entity: w.f[pkEntity], entityID: w.f[pkEntityID],
		change: w.f[pkChange], ip: w.f[pkIP]}
	w.idBuf, w.atBuf = c.id, c.at
	linked := prevHash == w.prevHash
	var raw [sha256.Size]byte
	var sum hexHash
	ok := true
	if linked {
		raw, sum = w.h.sum(&w.prevRaw, &c)
	} else {
		var p [sha256.Size]byte
		if ok = decodeHash(p[:], prevHash); ok {
			raw, sum = w.h.sum(&p, &c)
		}
	}
	contiguous := id == w.prevID+1
	switch {
	case !linked && !contiguous:
		w.fail(id, BreakDeleted, fmt.Sprintf("%s missing: the prev_hash of event %d does not match the hash of %s", missing(w.prevID, id), id, w.prevLabel()))
	case !linked && ok && sum.is(hash):
		w.fail(id, BreakInserted, fmt.Sprintf("event %d does not follow %s: its prev_hash points at another event (it was inserted, or the event before it was rewritten)", id, w.prevLabel()))
	case !linked:
		w.suspect, w.suspectHash = id, hash
		return true
	case !contiguous:
		w.fail(id, BreakDeleted, fmt.Sprintf("%s missing: ids jump from %d to %d", missing(w.prevID, id), w.prevID, id))
	case !sum.is(hash):
		w.fail(id, BreakEdited, fmt.Sprintf("event %d was changed: its hash does not match its content", id))
	default:
		w.prevID, w.prevHash, w.prevRaw = id, hash, raw
		w.rep.Events++
		w.rep.HeadID, w.rep.HeadHash = id, hash
		return true
	}
	return false
}

// finish settles a suspect the trail ends with, or that the next event
// does not follow: it does not belong in the chain.
func (w *walker) finish() {
	if w.suspect != 0 {
		w.fail(w.suspect, BreakInserted, fmt.Sprintf("event %d does not belong in the chain: its prev_hash does not match the hash of %s, and its hash does not match its content", w.suspect, w.prevLabel()))
	}
}

func (w *walker) fail(id int64, kind, reason string) {
	w.rep.Break = &AuditBreak{EventID: id, Kind: kind, Reason: reason}
}

func (w *walker) prevLabel() string {
	if w.prevID == 0 {
		return "the start of the trail"
	}
	return "event " + strconv.FormatInt(w.prevID, 10)
}

// missing names the ids between two events.
func missing(from, to int64) string {
	switch {
	case to <= from:
		return fmt.Sprintf("events are out of order (%d after %d), so some are", to, from)
	case to == from+2:
		return fmt.Sprintf("event %d is", from+1)
	}
	return fmt.Sprintf("events %d to %d are", from+1, to-1)
}

// VerifyAudit walks the whole chain in id order, a batch at a time, and
// reports the first broken link: an event whose content no longer matches
// its hash (edited), a gap in the ids or a prev_hash that matches nothing
// before it (deleted), an event hanging off another chain (inserted).
// progress, if not nil, is called after every batch. The walk reads one
// snapshot of the trail; writes go on meanwhile.
func (s *Store) VerifyAudit(ctx context.Context, progress func(done, total int)) (AuditReport, error) {
	db, err := s.read.DB()
	if err != nil {
		return AuditReport{}, err
	}
	var opts *sql.TxOptions
	if s.Postgres() {
		// One snapshot for the whole walk, as a SQLite read transaction.
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return AuditReport{}, fmt.Errorf("verify audit: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	w := newWalker()
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_events").Scan(&w.rep.Total); err != nil {
		return w.rep, fmt.Errorf("verify audit: %w", err)
	}
	stmt, err := tx.PrepareContext(ctx, s.packedQuery())
	if err != nil {
		return w.rep, fmt.Errorf("verify audit: %w", err)
	}
	defer func() { _ = stmt.Close() }()
	// One goroutine reads while this one hashes: on two cores the walk
	// takes about as long as the reading alone.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan packedBatch, 2)
	errc := make(chan error, 1)
	go func() { errc <- readPacked(ctx, stmt, batches) }()
	done, broken := 0, false
	for b := range batches {
		if broken {
			continue // drain, so the reader is not left blocked
		}
		for i, id := range b.ids {
			if !w.step(id, b.packs[i]) {
				broken = true
				cancel()
				break
			}
		}
		done += len(b.ids)
		if progress != nil && !broken {
			progress(min(done, w.rep.Total), w.rep.Total)
		}
	}
	if err := <-errc; err != nil && !broken {
		return w.rep, fmt.Errorf("verify audit: %w", err)
	}
	if !broken {
		w.finish()
	}
	return w.rep, nil
}

// packedBatch is a batch of events read as packedColumns.
type packedBatch struct {
	ids   []int64
	packs []string
}

// readPacked sends the trail in batches, in id order, then closes out.
func readPacked(ctx context.Context, stmt *sql.Stmt, out chan<- packedBatch) error {
	defer close(out)
	// The SQLite driver steps each row in a goroutine of its own when the
	// query's context can be cancelled, which would double the cost of the
	// walk; the context is checked between batches instead.
	bg := context.WithoutCancel(ctx)
	after := int64(0)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		b, err := readBatch(bg, stmt, after)
		if err != nil {
			return err
		}
		if len(b.ids) > 0 {
			after = b.ids[len(b.ids)-1]
			select {
			case out <- b:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if len(b.ids) < auditBatch {
			return nil
		}
	}
}

// readBatch reads the batch of packed events after an id.
func readBatch(ctx context.Context, stmt *sql.Stmt, after int64) (packedBatch, error) {
	b := packedBatch{ids: make([]int64, 0, auditBatch), packs: make([]string, 0, auditBatch)}
	rows, err := stmt.QueryContext(ctx, after, auditBatch)
	if err != nil {
		return b, err
	}
	defer func() { _ = rows.Close() }()
	var id int64
	var pk sql.NullString
	for rows.Next() {
		if err := rows.Scan(&id, &pk); err != nil {
			return b, err
		}
		b.ids, b.packs = append(b.ids, id), append(b.packs, pk.String)
	}
	return b, rows.Err()
}
