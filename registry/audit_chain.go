package registry

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
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
func (s *Store) ChainAuditTx(ctx context.Context, tx *sql.Tx) (int, error) {
	_, _, n, err := chainTail(ctx, boundConn{c: tx, driver: s.driver})
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
		_, _, n, err = chainTail(ctx, s.conn(ctx))
		return err
	})
	return n, err
}
