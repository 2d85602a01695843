package registry

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"hozur/registry/vault"
)

// keyFiles is the master key kept in a file. A rotation writes the new key
// beside it (path + ".next"), rewraps every data key, keeps the old key as
// path + ".retired-<id>" (backups made before still need it) and moves the
// new one into place. A running server holding the old key finds a data key
// wrapped under a master it does not know and reads the files again, so a
// rotation needs no restart.
type keyFiles struct {
	path  string
	mu    sync.Mutex
	known map[string]vault.Key
	last  vault.Key
}

// KeyFileMasterKeys reads the master key at path, making one (mode 0600)
// when there is none; created says so, for a warning that a key kept
// beside the data is for trying Hozur out.
func KeyFileMasterKeys(path string) (MasterKeys, bool, error) {
	k, created, err := vault.LoadOrCreateKeyFile(path)
	if err != nil {
		return nil, false, err
	}
	return &keyFiles{path: path, known: map[string]vault.Key{k.ID(): k}, last: k}, created, nil
}

// Current reads the file again: a rotation may have replaced it. New data
// keys are rare (a new official), so the read costs nothing that matters.
func (f *keyFiles) Current() vault.Key {
	f.mu.Lock()
	defer f.mu.Unlock()
	if k, err := vault.LoadKeyFile(f.path); err == nil {
		f.known[k.ID()] = k
		f.last = k
	}
	return f.last
}

// Lookup finds a master key by id, reading the key files again when it is
// not one already known.
func (f *keyFiles) Lookup(id string) (vault.Key, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if k, ok := f.known[id]; ok {
		return k, true
	}
	candidates := []string{f.path, f.path + ".next"}
	if retired, err := filepath.Glob(f.path + ".retired-*"); err == nil {
		candidates = append(candidates, retired...)
	}
	for _, p := range candidates {
		if k, err := vault.LoadKeyFile(p); err == nil {
			f.known[k.ID()] = k
		}
	}
	k, ok := f.known[id]
	return k, ok
}

// rewrapBatch is how many data keys one transaction of a rotation rewraps:
// the server's writes wait for one batch at a time, not for all.
const rewrapBatch = 2000

// RewrapDataKeys wraps every data key not yet under to with to, reading
// the old ones through from, in batches of their own transactions. It
// returns how many it rewrapped.
func (s *Store) RewrapDataKeys(ctx context.Context, from MasterKeys, to vault.Key) (int, error) {
	toID := to.ID()
	total := 0
	for {
		n := 0
		err := s.Tx(ctx, func(ctx context.Context) error {
			var rows []DataKey
			if err := s.db(ctx).Where("wrapped <> '' AND master_id <> ?", toID).Order("id").Limit(rewrapBatch).Find(&rows).Error; err != nil {
				return fmt.Errorf("rewrap: %w", err)
			}
			for i := range rows {
				row := &rows[i]
				old, ok := from.Lookup(row.MasterID)
				if !ok {
					return fmt.Errorf("rewrap: data key %d is wrapped by master key %s, which is not at hand", row.ID, row.MasterID)
				}
				aad := row.Purpose
				if row.OfficialID != nil {
					aad = fmt.Sprintf("%s:%d", row.Purpose, *row.OfficialID)
				}
				dk, err := old.Unwrap(row.Wrapped, aad)
				if err != nil {
					return fmt.Errorf("rewrap: data key %d: %w", row.ID, err)
				}
				w, err := to.Wrap(dk, aad)
				if err != nil {
					return err
				}
				if err := s.db(ctx).Model(&DataKey{}).Where("id = ?", row.ID).Updates(map[string]any{"wrapped": w, "master_id": toID}).Error; err != nil {
					return fmt.Errorf("rewrap: %w", err)
				}
			}
			n = len(rows)
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < rewrapBatch {
			return total, nil
		}
	}
}

// RotateKeyFile replaces the master key in the file at path with a new
// one: the new key is written beside it first, every data key is rewrapped,
// the old key is kept as path.retired-<id> (backups made before need it)
// and the new one takes its place. A server using the file carries on.
func (s *Store) RotateKeyFile(ctx context.Context, path string) (newID string, rewrapped int, err error) {
	old, _, err := KeyFileMasterKeys(path)
	if err != nil {
		return "", 0, err
	}
	next := path + ".next"
	to, err := vault.CreateKeyFile(next)
	if errors.Is(err, fs.ErrExist) {
		// A rotation stopped half-way: finish it with the key it made.
		to, err = vault.LoadKeyFile(next)
	}
	if err != nil {
		return "", 0, err
	}
	if rewrapped, err = s.RewrapDataKeys(ctx, old, to); err != nil {
		return "", rewrapped, err
	}
	s.keys.mu.Lock()
	clear(s.keys.system)
	s.keys.mu.Unlock()
	cur, err := vault.LoadKeyFile(path)
	if err != nil {
		return "", rewrapped, err
	}
	if cur.ID() != to.ID() {
		retired := path + ".retired-" + cur.ID()
		if err := os.Link(path, retired); err != nil && !errors.Is(err, fs.ErrExist) {
			return "", rewrapped, fmt.Errorf("keep the old key: %w", err)
		}
	}
	if err := os.Rename(next, path); err != nil {
		return "", rewrapped, fmt.Errorf("put the new key in place: %w", err)
	}
	return to.ID(), rewrapped, nil
}
