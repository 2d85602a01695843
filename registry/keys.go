package registry

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"

	"hozur/registry/vault"
)

// Data key purposes.
const (
	keyOfficial = "official"
	keyIndex    = "index"
	keyUpload   = "upload"
)

// DataKey is a row of data_keys: a data key wrapped by the master key.
type DataKey struct {
	ID          int64
	Purpose     string
	OfficialID  *int64
	Wrapped     string
	MasterID    string
	CreatedAt   time.Time
	DestroyedAt *time.Time
}

// MasterKeys gives the master key, and older ones by id while a rotation
// is under way or after it (see Store.RotateMasterKey). A server finds a
// data key wrapped under a master it does not hold when the key was
// rotated by another process: it asks Lookup, which may read the key
// files again.
type MasterKeys interface {
	Current() vault.Key
	Lookup(id string) (vault.Key, bool)
}

// fixedKeys is a single master key held in memory.
type fixedKeys struct{ k vault.Key }

func (f fixedKeys) Current() vault.Key { return f.k }
func (f fixedKeys) Lookup(id string) (vault.Key, bool) {
	return f.k, f.k.ID() == id
}

// FixedMasterKey holds one master key, e.g. from HOZUR_SECURITY_MASTER_KEY.
func FixedMasterKey(k vault.Key) MasterKeys { return fixedKeys{k: k} }

// keyring unwraps data keys and keeps them, so a page of fifty officials
// does not unwrap fifty keys twice.
type keyring struct {
	masters MasterKeys
	mu      sync.Mutex
	cache   map[int64]*vault.Key  // official id -> data key; nil: destroyed
	system  map[string]*vault.Key // Hozur's own keys by purpose (see systemKey)
}

// keyCacheSize bounds the cache: a hundred thousand officials' keys are
// 3 MB, but a long-running server need not hold them all.
const keyCacheSize = 20_000

func newKeyring(m MasterKeys) (*keyring, error) {
	if m == nil {
		// A key for this process only: tests, and nothing else, run so.
		k, err := vault.NewKey()
		if err != nil {
			return nil, err
		}
		m = FixedMasterKey(k)
	}
	return &keyring{masters: m, cache: map[int64]*vault.Key{}, system: map[string]*vault.Key{}}, nil
}

func (r *keyring) unwrap(row *DataKey) (vault.Key, error) {
	master, ok := r.masters.Lookup(row.MasterID)
	if !ok {
		return vault.Key{}, fmt.Errorf("data key %d is wrapped by master key %s, which this process does not hold", row.ID, row.MasterID)
	}
	aad := row.Purpose
	if row.OfficialID != nil {
		aad = fmt.Sprintf("%s:%d", row.Purpose, *row.OfficialID)
	}
	return master.Unwrap(row.Wrapped, aad)
}

func (r *keyring) wrap(dk vault.Key, purpose string, officialID int64) (string, string, error) {
	master := r.masters.Current()
	aad := purpose
	if officialID != 0 {
		aad = fmt.Sprintf("%s:%d", purpose, officialID)
	}
	w, err := master.Wrap(dk, aad)
	return w, master.ID(), err
}

func (r *keyring) remember(id int64, k *vault.Key) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.cache) >= keyCacheSize {
		clear(r.cache)
	}
	r.cache[id] = k
}

func (r *keyring) forget(id int64) {
	r.mu.Lock()
	delete(r.cache, id)
	r.mu.Unlock()
}

func (r *keyring) cached(id int64) (*vault.Key, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k, ok := r.cache[id]
	return k, ok
}

// indexKey is the key of the keyed hashes, made on first use.
func (s *Store) indexKey(ctx context.Context) (*vault.Key, error) { return s.systemKey(ctx, keyIndex) }

// systemKey is a data key of Hozur's own (not an official's): the index
// key, the uploads' key. Made on first use, kept wrapped like the others.
func (s *Store) systemKey(ctx context.Context, purpose string) (*vault.Key, error) {
	s.keys.mu.Lock()
	k := s.keys.system[purpose]
	s.keys.mu.Unlock()
	if k != nil {
		return k, nil
	}
	var row DataKey
	err := s.rdb(ctx).Where("purpose = ? AND official_id IS NULL", purpose).Order("id").Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		err = s.Tx(ctx, func(ctx context.Context) error {
			// Another write may have made it meanwhile.
			if err := s.db(ctx).Where("purpose = ? AND official_id IS NULL", purpose).Order("id").Take(&row).Error; err == nil {
				return nil
			} else if !errors.Is(err, gorm.ErrRecordNotFound) {
				return err
			}
			dk, err := vault.NewKey()
			if err != nil {
				return err
			}
			row = DataKey{Purpose: purpose, CreatedAt: s.Now()}
			if row.Wrapped, row.MasterID, err = s.keys.wrap(dk, purpose, 0); err != nil {
				return err
			}
			return s.db(ctx).Create(&row).Error
		})
	}
	if err != nil {
		return nil, fmt.Errorf("%s key: %w", purpose, err)
	}
	dk, err := s.keys.unwrap(&row)
	if err != nil {
		return nil, fmt.Errorf("%s key: %w", purpose, err)
	}
	s.keys.mu.Lock()
	s.keys.system[purpose] = &dk
	s.keys.mu.Unlock()
	return &dk, nil
}

// index is the keyed hash of a value of field, "" for "".
func (s *Store) index(ctx context.Context, field, value string) (string, error) {
	if value == "" {
		return "", nil
	}
	k, err := s.indexKey(ctx)
	if err != nil {
		return "", err
	}
	return k.Index(field, value), nil
}

// officialKeys returns the data keys of officials, unwrapped; an official
// whose key was destroyed maps to nil, one with no key yet is absent.
func (s *Store) officialKeys(ctx context.Context, ids []int64) (map[int64]*vault.Key, error) {
	out := make(map[int64]*vault.Key, len(ids))
	var missing []int64
	for _, id := range ids {
		if k, ok := s.keys.cached(id); ok {
			out[id] = k
		} else if _, dup := out[id]; !dup {
			missing = append(missing, id)
		}
	}
	for start := 0; start < len(missing); start += 500 {
		var rows []DataKey
		if err := s.rdb(ctx).Where("purpose = ? AND official_id IN ?", keyOfficial, missing[start:min(start+500, len(missing))]).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("data keys: %w", err)
		}
		for i := range rows {
			row := &rows[i]
			id := *row.OfficialID
			if row.Wrapped == "" {
				out[id] = nil
				if !s.inTx(ctx) {
					s.keys.remember(id, nil)
				}
				continue
			}
			dk, err := s.keys.unwrap(row)
			if err != nil {
				return nil, err
			}
			out[id] = &dk
			// Only keys read outside a write are cached: a write's may
			// still roll back.
			if !s.inTx(ctx) {
				s.keys.remember(id, &dk)
			}
		}
	}
	return out, nil
}

// officialKeyForWrite returns the official's data key, making one if they
// have none; ErrErased if it was destroyed. Call it inside a write.
func (s *Store) officialKeyForWrite(ctx context.Context, officialID int64) (*vault.Key, error) {
	keys, err := s.officialKeys(ctx, []int64{officialID})
	if err != nil {
		return nil, err
	}
	if k, ok := keys[officialID]; ok {
		if k == nil {
			return nil, ErrErased
		}
		return k, nil
	}
	dk, err := vault.NewKey()
	if err != nil {
		return nil, err
	}
	row := DataKey{Purpose: keyOfficial, OfficialID: &officialID, CreatedAt: s.Now()}
	if row.Wrapped, row.MasterID, err = s.keys.wrap(dk, keyOfficial, officialID); err != nil {
		return nil, err
	}
	if err := s.db(ctx).Create(&row).Error; err != nil {
		return nil, fmt.Errorf("data key: %w", err)
	}
	return &dk, nil
}

// ErrErased is returned when a write needs the data key of an official
// whose data was erased: nothing personal can be written for them again.
// It is a conflict with what is stored, so every caller's refusal reads
// "already erased" rather than failing as an internal error.
var ErrErased error = &ConflictError{Key: "erasure.already_erased"}

func (s *Store) inTx(ctx context.Context) bool {
	_, ok := ctx.Value(txKey{}).(*gorm.DB)
	return ok
}

// destroyOfficialKey destroys an official's data key (crypto-shredding):
// everything sealed with it, wherever a copy lives, can no longer be read.
// It runs inside the caller's write.
func (s *Store) destroyOfficialKey(ctx context.Context, officialID int64) error {
	now := s.Now()
	res := s.db(ctx).Model(&DataKey{}).Where("purpose = ? AND official_id = ?", keyOfficial, officialID).
		Updates(map[string]any{"wrapped": "", "destroyed_at": &now})
	if res.Error != nil {
		return fmt.Errorf("destroy data key: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		// No key yet: record a destroyed one, so none is made later.
		row := DataKey{Purpose: keyOfficial, OfficialID: &officialID, CreatedAt: now, DestroyedAt: &now}
		if err := s.db(ctx).Create(&row).Error; err != nil {
			return fmt.Errorf("destroy data key: %w", err)
		}
	}
	s.keys.forget(officialID)
	// The hashes that found the official by e-mail or code go too.
	err := s.db(ctx).Model(&Official{}).Where("id = ?", officialID).
		Updates(map[string]any{"email": "", "phone": "", "employee_code": "", "email_idx": "", "employee_code_idx": ""}).Error
	if err != nil {
		return fmt.Errorf("destroy data key: %w", err)
	}
	return nil
}
