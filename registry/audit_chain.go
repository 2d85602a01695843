package registry

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
)

// The audit trail is a hash chain. Each event stores the hash of the event
// before it (prev_hash) and its own hash, which covers its content and
// prev_hash, so changing, removing or slipping in an event breaks a link
// that VerifyAudit finds. Hashing is domain-separated as Certificate
// Transparency (RFC 6962, section 2.1) separates leaves from nodes, so an
// event's bytes can never be taken for a link's:
//
//	leaf = SHA-256(0x00 || canonical(event))
//	hash = SHA-256(0x01 || prev || leaf)
//
// prev is the 32 bytes of the previous event's hash; the first event's prev
// is 32 zero bytes (GenesisHash). Hashes are stored as 64 lowercase hex
// digits. Events are chained in id order.
//
// canonical(event), version 1, is nine fields in this order, each written as
// its length in bytes (4 bytes, big-endian, unsigned) followed by its bytes
// (UTF-8):
//
//  1. id: decimal, e.g. "42"
//  2. at: RFC 3339 in UTC with exactly six fractional digits,
//     e.g. "2026-11-22T09:00:00.000000Z" (the event's time truncated to the
//     microsecond)
//  3. actor_id: decimal, or empty (length 0) when null
//  4. actor: the username as recorded ("system" for jobs and the CLI)
//  5. action: e.g. "update"
//  6. entity: e.g. "account"
//  7. entity_id: decimal, "0" when the event is about no single record
//  8. change: the stored JSON text exactly as stored, byte for byte, or
//     empty
//  9. ip: as stored, or empty
//
// A verifier outside Hozur needs only this comment and the rows:
//
//	def field(b): return len(b).to_bytes(4, "big") + b
//	leaf = sha256(b"\x00" + b"".join(field(f.encode()) for f in fields)).digest()
//	hash = sha256(b"\x01" + bytes.fromhex(prev_hash) + leaf).hexdigest()
//
// The chain alone cannot tell that events were cut off its end, nor stop
// someone who rewrites it wholesale: a signed checkpoint of its head (see
// AuditCheckpoint), kept elsewhere, does.

// GenesisHash is the prev_hash of the first event.
var GenesisHash = strings.Repeat("0", 64)

// auditTimeLayout is the time in the canonical form.
const auditTimeLayout = "2006-01-02T15:04:05.000000Z"

// auditBatch is how many events a walk over the chain reads at a time.
const auditBatch = 5000

// appendField writes one length-prefixed field.
func appendField[T string | []byte](b []byte, v T) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(v))) //nolint:gosec // G115: fields are far below 4 GB
	return append(b, v...)
}

// canonicalEvent holds the nine fields of canonical(event), in order, as
// the bytes the form writes. Both ways of reading events (AuditEvent rows
// and VerifyAudit's packed rows) fill one, so the form is written in one
// place.
type canonicalEvent struct {
	id       []byte
	at       []byte // already in auditTimeLayout
	actorID  string
	actor    string
	action   string
	entity   string
	entityID string
	change   string
	ip       string
}

// append writes canonical(event), documented above.
func (c *canonicalEvent) append(b []byte) []byte {
	b = appendField(b, c.id)
	b = appendField(b, c.at)
	b = appendField(b, c.actorID)
	b = appendField(b, c.actor)
	b = appendField(b, c.action)
	b = appendField(b, c.entity)
	b = appendField(b, c.entityID)
	b = appendField(b, c.change)
	return appendField(b, c.ip)
}

// canonicalOf is the canonical fields of an event.
func canonicalOf(e *AuditEvent) canonicalEvent {
	c := canonicalEvent{id: strconv.AppendInt(nil, e.ID, 10), at: e.At.UTC().AppendFormat(nil, auditTimeLayout), actor: e.Actor, action: e.Action,
		entity: e.Entity, entityID: strconv.FormatInt(e.EntityID, 10), change: e.Change, ip: e.IP}
	if e.ActorID != nil {
		c.actorID = strconv.FormatInt(*e.ActorID, 10)
	}
	return c
}

// hasher computes event hashes, reusing its buffer.
type hasher struct{ buf []byte }

// hexHash is a hash as stored: 64 lowercase hex digits.
type hexHash [2 * sha256.Size]byte

// is reports whether the stored hash s is h, without allocating.
func (h *hexHash) is(s string) bool { return string(h[:]) == s }

func (h *hexHash) String() string { return string(h[:]) }

// sum is the hash of the event c after the event whose hash is prev.
func (h *hasher) sum(prev *[sha256.Size]byte, c *canonicalEvent) (raw [sha256.Size]byte, out hexHash) {
	var node [1 + 2*sha256.Size]byte
	node[0] = 0x01
	copy(node[1:], prev[:])
	h.buf = c.append(append(h.buf[:0], 0x00))
	leaf := sha256.Sum256(h.buf)
	copy(node[1+sha256.Size:], leaf[:])
	raw = sha256.Sum256(node[:])
	hex.Encode(out[:], raw[:])
	return raw, out
}

// hash is the event's hash given the stored hash of the one before it, or
// false when prev is not a well-formed hash.
func (h *hasher) hash(prev string, e *AuditEvent) (hexHash, bool) {
	var p [sha256.Size]byte
	if !decodeHash(p[:], prev) {
		return hexHash{}, false
	}
	c := canonicalOf(e)
	_, out := h.sum(&p, &c)
	return out, true
}

// decodeHash reads 64 lowercase hex digits into dst (32 bytes).
func decodeHash(dst []byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	for i := range dst {
		hi, ok1 := fromHex(s[2*i])
		lo, ok2 := fromHex(s[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

func fromHex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// HashAuditEvent is the hash e must carry when prev is the hash of the
// event before it (GenesisHash for the first): for tools and tests that
// build or check chains outside the store.
func HashAuditEvent(prev string, e AuditEvent) (string, error) {
	var h hasher
	sum, ok := h.hash(prev, &e)
	if !ok {
		return "", fmt.Errorf("audit: %q is not a hash", prev)
	}
	return sum.String(), nil
}

// auditColumns are the columns a walk over the chain reads, in scan order.
const auditColumns = "id, at, actor_id, actor, action, entity, entity_id, change, ip, prev_hash, hash"

// scanEvent reads one row of auditColumns.
func scanEvent(rows *sql.Rows, e *AuditEvent) error {
	var actor sql.NullInt64
	if err := rows.Scan(&e.ID, &e.At, &actor, &e.Actor, &e.Action, &e.Entity, &e.EntityID, &e.Change, &e.IP, &e.PrevHash, &e.Hash); err != nil {
		return err
	}
	e.ActorID = nil
	if actor.Valid {
		id := actor.Int64
		e.ActorID = &id
	}
	return nil
}

// sqlConn is what chaining needs of a connection: a *sql.Tx, or the pool of
// a gorm transaction.
type sqlConn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// chainTail chains the events at the end of the trail that have no hash
// yet and returns the id and hash of the last event (0 and GenesisHash for
// an empty trail). It must run inside a write transaction.
//
// Events without a hash are those recorded before the chain existed, and
// those a bulk load writes with plain SQL (the demo data). Only the events
// after the last chained one are chained: an event without a hash between
// chained ones stays as it is, for VerifyAudit to report.
func chainTail(ctx context.Context, db sqlConn) (int64, string, int, error) {
	lastID, lastHash, err := lastEvent(ctx, db)
	if err != nil || lastID == 0 || lastHash != "" {
		if lastID == 0 {
			lastHash = GenesisHash
		}
		return lastID, lastHash, 0, err
	}
	// The last event has no hash: find the last one that has, and chain
	// everything after it.
	prevID, prevHash, err := idAndHash(ctx, db, "SELECT id, hash FROM audit_events WHERE hash <> '' ORDER BY id DESC LIMIT 1")
	if err != nil {
		return 0, "", 0, fmt.Errorf("audit: chain: %w", err)
	}
	if prevID == 0 {
		prevHash = GenesisHash
	}
	var h hasher
	chained := 0
	batch := make([]AuditEvent, 0, auditBatch)
	for {
		batch, err = readEvents(ctx, db, prevID, batch[:0])
		if err != nil {
			return 0, "", 0, fmt.Errorf("audit: chain: %w", err)
		}
		if len(batch) == 0 {
			return prevID, prevHash, chained, nil
		}
		for i := range batch {
			e := &batch[i]
			sum, ok := h.hash(prevHash, e)
			if !ok {
				return 0, "", 0, fmt.Errorf("audit: chain: event %d follows a malformed hash", e.ID)
			}
			if _, err := db.ExecContext(ctx, "UPDATE audit_events SET prev_hash = ?, hash = ? WHERE id = ? AND hash = ''", prevHash, sum.String(), e.ID); err != nil {
				return 0, "", 0, fmt.Errorf("audit: chain event %d: %w", e.ID, err)
			}
			prevID, prevHash = e.ID, sum.String()
			chained++
		}
	}
}

// lastEvent is the id and stored hash of the newest event; 0 when none.
func lastEvent(ctx context.Context, db sqlConn) (int64, string, error) {
	id, hash, err := idAndHash(ctx, db, "SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1")
	if err != nil {
		return 0, "", fmt.Errorf("audit: %w", err)
	}
	return id, hash, nil
}

// idAndHash reads the id and hash of the one event query finds; 0 when
// none.
func idAndHash(ctx context.Context, db sqlConn, query string) (int64, string, error) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return 0, "", err
	}
	defer func() { _ = rows.Close() }()
	var id int64
	var hash string
	if rows.Next() {
		if err := rows.Scan(&id, &hash); err != nil {
			return 0, "", err
		}
	}
	return id, hash, rows.Err()
}

// readEvents reads the next batch of events after id, in id order.
func readEvents(ctx context.Context, db sqlConn, after int64, into []AuditEvent) ([]AuditEvent, error) {
	rows, err := db.QueryContext(ctx, "SELECT "+auditColumns+" FROM audit_events WHERE id > ? ORDER BY id LIMIT ?", after, auditBatch)
	if err != nil {
		return into, err
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var e AuditEvent
		if err := scanEvent(rows, &e); err != nil {
			return into, err
		}
		into = append(into, e)
	}
	return into, rows.Err()
}

// ChainAuditTx gives the events that a bulk load wrote with plain SQL in
// tx their hashes, so the trail verifies at once instead of after the next
// write. It returns how many it chained.
func ChainAuditTx(ctx context.Context, tx *sql.Tx) (int, error) {
	_, _, n, err := chainTail(ctx, tx)
	return n, err
}

// ChainAudit chains the events at the end of the trail that have no hash
// yet (recorded before the chain existed, or by a bulk load) and returns how
// many. Every write does this before it appends its own event, and so does
// AuditCheckpoint; this is for the command line.
func (s *Store) ChainAudit(ctx context.Context) (int, error) {
	var n int
	err := s.Tx(ctx, func(ctx context.Context) error {
		var err error
		_, _, n, err = chainTail(ctx, s.db(ctx).Statement.ConnPool)
		return err
	})
	return n, err
}

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

// packedQuery reads the batch of packed events after an id.
var packedQuery = "SELECT " + packedColumns + " FROM audit_events WHERE id > ? ORDER BY id LIMIT ?" //nolint:gosec // G202: made of constant column names, no input

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
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return AuditReport{}, fmt.Errorf("verify audit: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	w := newWalker()
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_events").Scan(&w.rep.Total); err != nil {
		return w.rep, fmt.Errorf("verify audit: %w", err)
	}
	stmt, err := tx.PrepareContext(ctx, packedQuery)
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

// Checkpoint is a signed statement of the chain's head: whoever keeps it
// can later show that the trail up to that event is still what it was, and
// that none of it was cut off its end.
type Checkpoint struct {
	Size      int64     `json:"size"`       // events up to and including the head
	HeadID    int64     `json:"head_id"`    // the last event; 0 for an empty trail
	HeadHash  string    `json:"head_hash"`  // its hash; GenesisHash for an empty trail
	At        time.Time `json:"at"`         // when the checkpoint was made, UTC, whole seconds
	PublicKey string    `json:"public_key"` // the ed25519 key that signed it, standard base64
	Signature string    `json:"signature"`  // ed25519 signature of Message(), standard base64
}

// Message is what a checkpoint's signature covers: five lines, each ended
// by "\n":
//
//	hozur-audit-checkpoint/v1
//	<size, decimal>
//	<head_id, decimal>
//	<head_hash, 64 lowercase hex digits>
//	<at, RFC 3339 in UTC, whole seconds, e.g. 2026-11-22T09:00:00Z>
func (c Checkpoint) Message() []byte {
	return fmt.Appendf(nil, "hozur-audit-checkpoint/v1\n%d\n%d\n%s\n%s\n", c.Size, c.HeadID, c.HeadHash, c.At.UTC().Format(time.RFC3339))
}

// ErrCheckpoint says a checkpoint does not match the trail, or is not
// genuine.
var ErrCheckpoint = errors.New("audit checkpoint does not hold")

// AuditCheckpoint chains any events still without a hash and signs the
// head of the chain with key.
func (s *Store) AuditCheckpoint(ctx context.Context, key ed25519.PrivateKey) (Checkpoint, error) {
	if len(key) != ed25519.PrivateKeySize {
		return Checkpoint{}, errors.New("audit checkpoint: not an ed25519 private key")
	}
	cp := Checkpoint{At: s.Now().Truncate(time.Second)}
	err := s.Tx(ctx, func(ctx context.Context) error {
		pool := s.db(ctx).Statement.ConnPool
		id, hash, _, err := chainTail(ctx, pool)
		if err != nil {
			return err
		}
		cp.HeadID, cp.HeadHash = id, hash
		return s.db(ctx).Raw("SELECT COUNT(*) FROM audit_events WHERE id <= ?", id).Scan(&cp.Size).Error
	})
	if err != nil {
		return Checkpoint{}, fmt.Errorf("audit checkpoint: %w", err)
	}
	pub, _ := key.Public().(ed25519.PublicKey)
	cp.PublicKey = base64.StdEncoding.EncodeToString(pub)
	cp.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(key, cp.Message()))
	return cp, nil
}

// VerifySignature checks that pub signed the checkpoint.
func (c Checkpoint) VerifySignature(pub ed25519.PublicKey) error {
	sig, err := base64.StdEncoding.DecodeString(c.Signature)
	if err != nil || len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, c.Message(), sig) {
		return fmt.Errorf("%w: the signature does not verify with this key: the checkpoint was altered or signed by another key", ErrCheckpoint)
	}
	if c.PublicKey != "" && c.PublicKey != base64.StdEncoding.EncodeToString(pub) {
		return fmt.Errorf("%w: it names another public key than the one it was checked with", ErrCheckpoint)
	}
	return nil
}

// CheckAuditCheckpoint checks a saved checkpoint against the trail: its
// signature, and that its head event is still there with the same hash and
// the same number of events up to it. With VerifyAudit, which shows every
// link up to the head intact, this proves the trail kept everything the
// checkpoint saw; events cut off the end, which the chain alone cannot
// show, are found here. The error wraps ErrCheckpoint when the checkpoint
// does not hold.
func (s *Store) CheckAuditCheckpoint(ctx context.Context, c Checkpoint, pub ed25519.PublicKey) error {
	if err := c.VerifySignature(pub); err != nil {
		return err
	}
	if c.Size == 0 {
		return nil
	}
	var row []AuditEvent
	if err := s.rdb(ctx).Raw("SELECT id, hash FROM audit_events WHERE id = ?", c.HeadID).Scan(&row).Error; err != nil {
		return fmt.Errorf("check audit checkpoint: %w", err)
	}
	if len(row) == 0 {
		return fmt.Errorf("%w: event %d, the head of the checkpoint of %s, is missing: the trail was cut short", ErrCheckpoint, c.HeadID, c.At.UTC().Format(time.RFC3339))
	}
	if row[0].Hash != c.HeadHash {
		return fmt.Errorf("%w: event %d no longer has the hash it had at the checkpoint of %s: the trail was rewritten", ErrCheckpoint, c.HeadID, c.At.UTC().Format(time.RFC3339))
	}
	var n int64
	if err := s.rdb(ctx).Raw("SELECT COUNT(*) FROM audit_events WHERE id <= ?", c.HeadID).Scan(&n).Error; err != nil {
		return fmt.Errorf("check audit checkpoint: %w", err)
	}
	if n != c.Size {
		return fmt.Errorf("%w: the checkpoint counted %d events up to event %d, the trail now has %d", ErrCheckpoint, c.Size, c.HeadID, n)
	}
	return nil
}
