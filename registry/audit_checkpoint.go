package registry

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
)

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
		pool := s.conn(ctx)
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
