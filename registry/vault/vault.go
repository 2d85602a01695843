// Package vault encrypts personal data at rest. Each official's data is
// sealed with a data key of their own (AES-256-GCM); data keys are stored
// wrapped (sealed) by a master key that never enters the database. Losing
// a data key on purpose (crypto-shredding) makes everything sealed with it
// unreadable, in the database, in its backups and in the audit trail alike.
// Exact-match lookups over sealed values (a duplicate personal handle, a
// search by e-mail) go through a keyed hash, Index, whose key is itself a
// wrapped data key.
//
// Sealed values are text: "v1." followed by the unpadded base64url of
// nonce (12 bytes) || ciphertext || tag. The associated data binds a
// value to where it is stored (e.g. "officials.email:42"), so a sealed
// value copied into another row or column does not open.
package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the size of master and data keys: AES-256.
const KeySize = 32

const sealedPrefix = "v1."

// ErrDestroyed is returned when a value is opened with no key: the key was
// destroyed (erasure) and the value can never be read again.
var ErrDestroyed = errors.New("vault: key destroyed")

// ErrTampered is returned when a sealed value does not open under its key
// and associated data: it was changed, moved, or sealed under another key.
var ErrTampered = errors.New("vault: value does not open")

// Key is a 256-bit key.
type Key [KeySize]byte

// NewKey draws a random key.
func NewKey() (Key, error) {
	var k Key
	if _, err := rand.Read(k[:]); err != nil {
		return k, fmt.Errorf("vault: new key: %w", err)
	}
	return k, nil
}

// ID names a key without revealing it: the first 8 bytes of SHA-256 over a
// domain label and the key, in hex. Wrapped keys record their master's ID,
// so rotation knows what to rewrap.
func (k *Key) ID() string {
	h := sha256.New()
	h.Write([]byte("hozur key id v1\x00"))
	h.Write(k[:])
	return hex.EncodeToString(h.Sum(nil)[:8])
}

func (k *Key) aead() (cipher.AEAD, error) {
	block, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	g, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	return g, nil
}

// Seal encrypts plain under k, bound to aad. The empty string stays empty:
// "no value" is not a secret, and keeping it empty keeps NOT NULL DEFAULT
// ” columns meaningful.
func (k *Key) Seal(plain, aad string) (string, error) {
	if plain == "" {
		return "", nil
	}
	g, err := k.aead()
	if err != nil {
		return "", err
	}
	nonce := make([]byte, g.NonceSize(), g.NonceSize()+len(plain)+g.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("vault: nonce: %w", err)
	}
	out := g.Seal(nonce, nonce, []byte(plain), []byte(aad))
	return sealedPrefix + base64.RawURLEncoding.EncodeToString(out), nil
}

// Open decrypts a value Seal made with k and the same aad.
func (k *Key) Open(sealed, aad string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	raw, ok := strings.CutPrefix(sealed, sealedPrefix)
	if !ok {
		return "", ErrTampered
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return "", ErrTampered
	}
	g, err := k.aead()
	if err != nil {
		return "", err
	}
	if len(b) < g.NonceSize()+g.Overhead() {
		return "", ErrTampered
	}
	plain, err := g.Open(nil, b[:g.NonceSize()], b[g.NonceSize():], []byte(aad))
	if err != nil {
		return "", ErrTampered
	}
	return string(plain), nil
}

// IsSealed reports whether s looks like a sealed value.
func IsSealed(s string) bool { return strings.HasPrefix(s, sealedPrefix) }

// Wrap seals a data key under the master key k.
func (k *Key) Wrap(dk Key, aad string) (string, error) {
	return k.Seal(string(dk[:]), "wrap:"+aad)
}

// Unwrap opens a data key Wrap sealed.
func (k *Key) Unwrap(wrapped, aad string) (Key, error) {
	var dk Key
	s, err := k.Open(wrapped, "wrap:"+aad)
	if err != nil {
		return dk, err
	}
	if len(s) != KeySize {
		return dk, ErrTampered
	}
	copy(dk[:], s)
	return dk, nil
}

// Index is the keyed hash of a value for exact-match lookups: HMAC-SHA-256
// under k over a field label and the value, in hex. The label keeps equal
// values in different fields from sharing an index entry.
func (k *Key) Index(field, value string) string {
	if value == "" {
		return ""
	}
	m := hmac.New(sha256.New, k[:])
	m.Write([]byte(field))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil))
}

// Indexer computes Index values under one key with one HMAC state, reset
// between values rather than keyed anew: for bulk work (an import's
// hundred thousand handles). It is not safe for concurrent use.
type Indexer struct {
	m   hash.Hash
	sum []byte
}

// Indexer returns an Indexer for k.
func (k *Key) Indexer() *Indexer {
	return &Indexer{m: hmac.New(sha256.New, k[:]), sum: make([]byte, 0, sha256.Size)}
}

// Index is k.Index(field, value).
func (x *Indexer) Index(field, value string) string {
	if value == "" {
		return ""
	}
	x.m.Reset()
	x.m.Write([]byte(field))
	x.m.Write([]byte{0})
	x.m.Write([]byte(value))
	x.sum = x.m.Sum(x.sum[:0])
	return hex.EncodeToString(x.sum)
}

// ParseKey reads a key written as 64 hex digits (surrounding space
// ignored), as key files and HOZUR_MASTER_KEY hold it.
func ParseKey(text string) (Key, error) {
	var k Key
	b, err := hex.DecodeString(strings.TrimSpace(text))
	if err != nil || len(b) != KeySize {
		return k, errors.New("vault: a key is 64 hexadecimal digits")
	}
	copy(k[:], b)
	return k, nil
}

// String writes the key as 64 hex digits, for a key file. Never log it.
func (k *Key) String() string { return hex.EncodeToString(k[:]) }

// LoadKeyFile reads a master key file. It refuses a file others may read:
// a key anyone on the machine can copy protects nothing.
func LoadKeyFile(path string) (Key, error) {
	var k Key
	fi, err := os.Stat(path)
	if err != nil {
		return k, fmt.Errorf("vault: key file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return k, fmt.Errorf("vault: key file %s is readable by others (mode %04o): chmod 600 it", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path) //nolint:gosec // G304: the configured key file
	if err != nil {
		return k, fmt.Errorf("vault: key file: %w", err)
	}
	return ParseKey(string(b))
}

// CreateKeyFile writes a new random master key to path with mode 0600; it
// fails if the file exists, so a key is never overwritten.
func CreateKeyFile(path string) (Key, error) {
	k, err := NewKey()
	if err != nil {
		return k, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return k, fmt.Errorf("vault: key file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) //nolint:gosec // G304: the configured key file
	if err != nil {
		return k, fmt.Errorf("vault: key file: %w", err)
	}
	if _, err := f.WriteString(k.String() + "\n"); err != nil {
		_ = f.Close()
		return k, fmt.Errorf("vault: key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return k, fmt.Errorf("vault: key file: %w", err)
	}
	return k, nil
}

// LoadOrCreateKeyFile loads the key at path, or creates it when there is
// none; created says which, so the caller can warn that a key beside the
// data is for trying Hozur out, not for production.
func LoadOrCreateKeyFile(path string) (k Key, created bool, err error) {
	k, err = LoadKeyFile(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, false, err
	}
	k, err = CreateKeyFile(path)
	return k, err == nil, err
}
