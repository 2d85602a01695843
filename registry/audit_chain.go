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

// appendCanonical writes canonical(e), documented above.
func appendCanonical(b []byte, e *AuditEvent) []byte {
	var num [24]byte
	b = appendField(b, strconv.AppendInt(num[:0], e.ID, 10))
	b = appendField(b, e.At.UTC().AppendFormat(num[:0], auditTimeLayout))
	if e.ActorID != nil {
		b = appendField(b, strconv.AppendInt(num[:0], *e.ActorID, 10))
	} else {
		b = appendField(b, "")
	}
	b = appendField(b, e.Actor)
	b = appendField(b, e.Action)
	b = appendField(b, e.Entity)
	b = appendField(b, strconv.AppendInt(num[:0], e.EntityID, 10))
	b = appendField(b, e.Change)
	return appendField(b, e.IP)
}

// hasher computes event hashes, reusing its buffer.
type hasher struct{ buf []byte }

// hexHash is a hash as stored: 64 lowercase hex digits.
type hexHash [2 * sha256.Size]byte

// is reports whether the stored hash s is h, without allocating.
func (h *hexHash) is(s string) bool { return string(h[:]) == s }

func (h *hexHash) String() string { return string(h[:]) }

// hash is the event's hash given the hash of the one before it, or false
// when prev is not a well-formed hash.
func (h *hasher) hash(prev string, e *AuditEvent) (hexHash, bool) {
	var node [1 + 2*sha256.Size]byte
	var out hexHash
	node[0] = 0x01
	if !decodeHash(node[1:1+sha256.Size], prev) {
		return out, false
	}
	h.buf = appendCanonical(append(h.buf[:0], 0x00), e)
	leaf := sha256.Sum256(h.buf)
	copy(node[1+sha256.Size:], leaf[:])
	sum := sha256.Sum256(node[:])
	hex.Encode(out[:], sum[:])
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
	prevID, prevHash := int64(0), GenesisHash
	rows, err := db.QueryContext(ctx, "SELECT id, hash FROM audit_events WHERE hash <> '' ORDER BY id DESC LIMIT 1")
	if err != nil {
		return 0, "", 0, fmt.Errorf("audit: chain: %w", err)
	}
	if rows.Next() {
		err = rows.Scan(&prevID, &prevHash)
	}
	err = errors.Join(err, rows.Err(), rows.Close())
	if err != nil {
		return 0, "", 0, fmt.Errorf("audit: chain: %w", err)
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
	rows, err := db.QueryContext(ctx, "SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1")
	if err != nil {
		return 0, "", fmt.Errorf("audit: %w", err)
	}
	var id int64
	var hash string
	if rows.Next() {
		err = rows.Scan(&id, &hash)
	}
	if err = errors.Join(err, rows.Err(), rows.Close()); err != nil {
		return 0, "", fmt.Errorf("audit: %w", err)
	}
	return id, hash, nil
}

// readEvents reads the next batch of events after id, in id order.
func readEvents(ctx context.Context, db sqlConn, after int64, into []AuditEvent) ([]AuditEvent, error) {
	rows, err := db.QueryContext(ctx, "SELECT "+auditColumns+" FROM audit_events WHERE id > ? ORDER BY id LIMIT ?", after, auditBatch)
	if err != nil {
		return into, err
	}
	for rows.Next() {
		var e AuditEvent
		if err := scanEvent(rows, &e); err != nil {
			_ = rows.Close()
			return into, err
		}
		into = append(into, e)
	}
	return into, errors.Join(rows.Err(), rows.Close())
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

// walker checks the chain one event at a time.
type walker struct {
	h        hasher
	prevID   int64
	prevHash string
	rep      AuditReport
}

func newWalker() *walker {
	return &walker{prevHash: GenesisHash, rep: AuditReport{HeadHash: GenesisHash}}
}

// step checks one event against the one before it; false once broken.
func (w *walker) step(e *AuditEvent) bool {
	if e.Hash == "" {
		if w.rep.Unchained == 0 {
			w.rep.FirstUnchained = e.ID
		}
		w.rep.Unchained++
		return true
	}
	if w.rep.Unchained > 0 {
		w.fail(w.rep.FirstUnchained, BreakInserted, fmt.Sprintf("event %d has no hash, yet event %d after it is chained: it was written outside the application", w.rep.FirstUnchained, e.ID))
		return false
	}
	sum, ok := w.h.hash(e.PrevHash, e)
	contiguous := e.ID == w.prevID+1
	switch {
	case e.PrevHash != w.prevHash && !contiguous:
		w.fail(e.ID, BreakDeleted, fmt.Sprintf("%s missing: the prev_hash of event %d does not match the hash of %s", missing(w.prevID, e.ID), e.ID, w.prevLabel()))
	case e.PrevHash != w.prevHash && ok && sum.is(e.Hash):
		w.fail(e.ID, BreakInserted, fmt.Sprintf("event %d does not follow %s: its prev_hash points at another event (it was inserted, or the event before it was rewritten)", e.ID, w.prevLabel()))
	case e.PrevHash != w.prevHash:
		w.fail(e.ID, BreakEdited, fmt.Sprintf("event %d was changed: its prev_hash does not match the hash of %s, and its hash does not match its content", e.ID, w.prevLabel()))
	case !contiguous:
		w.fail(e.ID, BreakDeleted, fmt.Sprintf("%s missing: ids jump from %d to %d", missing(w.prevID, e.ID), w.prevID, e.ID))
	case !ok || !sum.is(e.Hash):
		w.fail(e.ID, BreakEdited, fmt.Sprintf("event %d was changed: its hash does not match its content", e.ID))
	default:
		w.prevID, w.prevHash = e.ID, e.Hash
		w.rep.Events++
		w.rep.HeadID, w.rep.HeadHash = e.ID, e.Hash
		return true
	}
	return false
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
	stmt, err := tx.PrepareContext(ctx, "SELECT "+auditColumns+" FROM audit_events WHERE id > ? ORDER BY id LIMIT ?")
	if err != nil {
		return w.rep, fmt.Errorf("verify audit: %w", err)
	}
	defer func() { _ = stmt.Close() }()
	var e AuditEvent
	after, done := int64(0), 0
	for {
		rows, err := stmt.QueryContext(ctx, after, auditBatch)
		if err != nil {
			return w.rep, fmt.Errorf("verify audit: %w", err)
		}
		n, broken := 0, false
		for rows.Next() {
			if err := scanEvent(rows, &e); err != nil {
				_ = rows.Close()
				return w.rep, fmt.Errorf("verify audit: %w", err)
			}
			n++
			after = e.ID
			if !w.step(&e) {
				broken = true
				break
			}
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return w.rep, fmt.Errorf("verify audit: %w", err)
		}
		done += n
		if progress != nil {
			progress(min(done, w.rep.Total), w.rep.Total)
		}
		if broken || n < auditBatch {
			return w.rep, nil
		}
	}
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
