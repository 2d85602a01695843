package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"hozur/registry/vault"
)

// An official's e-mail, phone and employee code are sealed with their data
// key (see keys.go). The associated data names the column, so a sealed
// value copied into another column does not open; the key is the
// official's own, so one copied into another official's row does not
// either.
const (
	aadEmail    = "officials.email"
	aadPhone    = "officials.phone"
	aadEmpCode  = "officials.employee_code"
	idxEmail    = "officials.email"
	idxEmpCode  = "officials.employee_code"
	sealedBatch = 500
)

// sealedOfficial is what the officials table stores of the personal
// fields.
type sealedOfficial struct {
	Email, Phone, EmployeeCode string
	EmailIdx, EmployeeCodeIdx  string
}

func (v sealedOfficial) columns() map[string]any {
	return map[string]any{"email": v.Email, "phone": v.Phone, "employee_code": v.EmployeeCode, "email_idx": v.EmailIdx, "employee_code_idx": v.EmployeeCodeIdx}
}

// sealOfficial seals the personal fields with k and hashes the looked-up
// ones.
func (s *Store) sealOfficial(ctx context.Context, k *vault.Key, email, phone, code string) (sealedOfficial, error) {
	var v sealedOfficial
	var err error
	if v.Email, err = k.Seal(email, aadEmail); err != nil {
		return v, err
	}
	if v.Phone, err = k.Seal(phone, aadPhone); err != nil {
		return v, err
	}
	if v.EmployeeCode, err = k.Seal(code, aadEmpCode); err != nil {
		return v, err
	}
	if v.EmailIdx, err = s.index(ctx, idxEmail, email); err != nil {
		return v, err
	}
	v.EmployeeCodeIdx, err = s.index(ctx, idxEmpCode, code)
	return v, err
}

// newDataKey draws a data key for an official not yet inserted; saveDataKey
// stores it once the official has an id.
func newDataKey() (*vault.Key, error) {
	k, err := vault.NewKey()
	if err != nil {
		return nil, err
	}
	return &k, nil
}

func (s *Store) saveDataKey(ctx context.Context, officialID int64, k *vault.Key) error {
	row := DataKey{Purpose: keyOfficial, OfficialID: &officialID, CreatedAt: s.Now()}
	var err error
	if row.Wrapped, row.MasterID, err = s.keys.wrap(*k, keyOfficial, officialID); err != nil {
		return err
	}
	if err := s.db(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("data key: %w", err)
	}
	return nil
}

// openOfficials opens the personal fields of officials read from the
// table. An official whose key was destroyed reads as erased, with the
// fields empty.
func (s *Store) openOfficials(ctx context.Context, list []*Official) error {
	if len(list) == 0 {
		return nil
	}
	// Every official's key is asked for, sealed fields or not: an erased
	// official's fields are empty, and only the key says they were erased.
	ids := make([]int64, len(list))
	for i, o := range list {
		ids[i] = o.ID
	}
	keys, err := s.officialKeys(ctx, ids)
	if err != nil {
		return err
	}
	for _, o := range list {
		k, has := keys[o.ID]
		if !has {
			// Nothing sealed: nothing held, or not yet sealed (see
			// SealPending).
			continue
		}
		if k == nil {
			o.Email, o.Phone, o.EmployeeCode, o.Erased = "", "", "", true
			continue
		}
		if o.Email, err = k.Open(o.Email, aadEmail); err != nil {
			return fmt.Errorf("official %d: e-mail: %w", o.ID, err)
		}
		if o.Phone, err = k.Open(o.Phone, aadPhone); err != nil {
			return fmt.Errorf("official %d: phone: %w", o.ID, err)
		}
		if o.EmployeeCode, err = k.Open(o.EmployeeCode, aadEmpCode); err != nil {
			return fmt.Errorf("official %d: employee code: %w", o.ID, err)
		}
	}
	return nil
}

// openOfficialRows opens officials read as rows, in place.
func (s *Store) openOfficialRows(ctx context.Context, list []Official) error {
	ptrs := make([]*Official, len(list))
	for i := range list {
		ptrs[i] = &list[i]
	}
	return s.openOfficials(ctx, ptrs)
}

// openOfficialViews opens a list of views in place.
func (s *Store) openOfficialViews(ctx context.Context, list []OfficialView) error {
	ptrs := make([]*Official, len(list))
	for i := range list {
		ptrs[i] = &list[i].Official
	}
	return s.openOfficials(ctx, ptrs)
}

// SealPending seals personal data written in the clear before encryption
// came (or by a bulk load): officials' personal fields, hashed for lookups,
// and personal accounts' handles and links. It runs with the migrations;
// it returns how many officials and accounts it sealed.
func (s *Store) SealPending(ctx context.Context) (int, error) {
	n, err := s.sealPendingOfficials(ctx)
	if err != nil {
		return n, err
	}
	m, err := s.sealPendingAccounts(ctx)
	return n + m, err
}

func (s *Store) sealPendingOfficials(ctx context.Context) (int, error) {
	total := 0
	for {
		var list []Official
		err := s.rdb(ctx).Where(`(email <> '' AND email NOT LIKE 'v1.%') OR (phone <> '' AND phone NOT LIKE 'v1.%')
OR (employee_code <> '' AND employee_code NOT LIKE 'v1.%')`).Order("id").Limit(sealedBatch).Find(&list).Error
		if err != nil {
			return total, fmt.Errorf("seal officials: %w", err)
		}
		if len(list) == 0 {
			return total, nil
		}
		err = s.Tx(ctx, func(ctx context.Context) error {
			for i := range list {
				o := &list[i]
				k, err := s.officialKeyForWrite(ctx, o.ID)
				if errors.Is(err, ErrErased) {
					// Erased: what is left in the clear goes.
					o.Email, o.Phone, o.EmployeeCode = "", "", ""
					k, err = newDataKey()
				}
				if err != nil {
					return err
				}
				v, err := s.sealOfficial(ctx, k, plainOf(o.Email), plainOf(o.Phone), plainOf(o.EmployeeCode))
				if err != nil {
					return err
				}
				// A field already sealed stays as it is.
				cols := v.columns()
				if vault.IsSealed(o.Email) {
					delete(cols, "email")
					delete(cols, "email_idx")
				}
				if vault.IsSealed(o.Phone) {
					delete(cols, "phone")
				}
				if vault.IsSealed(o.EmployeeCode) {
					delete(cols, "employee_code")
					delete(cols, "employee_code_idx")
				}
				if err := s.db(ctx).Model(&Official{}).Where("id = ?", o.ID).Updates(cols).Error; err != nil {
					return fmt.Errorf("seal official %d: %w", o.ID, err)
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += len(list)
	}
}

func plainOf(v string) string {
	if vault.IsSealed(v) {
		return ""
	}
	return v
}

// Sealer seals new officials' personal fields for a bulk loader that
// writes rows itself (the demo generator): no database access per row. It
// keeps each official's data key, so that SealAccount seals their personal
// accounts with it.
type Sealer struct {
	s     *Store
	index *vault.Key
	mu    sync.Mutex
	keys  map[int64]vault.Key
}

// SealedOfficial is what a bulk loader writes for a new official: the
// officials columns, and the data_keys row (purpose "official").
type SealedOfficial struct {
	Email, Phone, EmployeeCode string
	EmailIdx, EmployeeCodeIdx  string
	WrappedKey, MasterID       string
}

// NewSealer readies a Sealer; call it before the loader's own transaction.
func (s *Store) NewSealer(ctx context.Context) (*Sealer, error) {
	k, err := s.indexKey(ctx)
	if err != nil {
		return nil, err
	}
	return &Sealer{s: s, index: k, keys: map[int64]vault.Key{}}, nil
}

// Seal seals one new official's fields under a fresh data key.
func (z *Sealer) Seal(officialID int64, email, phone, code string) (SealedOfficial, error) {
	var out SealedOfficial
	k, err := vault.NewKey()
	if err != nil {
		return out, err
	}
	if out.Email, err = k.Seal(email, aadEmail); err != nil {
		return out, err
	}
	if out.Phone, err = k.Seal(phone, aadPhone); err != nil {
		return out, err
	}
	if out.EmployeeCode, err = k.Seal(code, aadEmpCode); err != nil {
		return out, err
	}
	out.EmailIdx, out.EmployeeCodeIdx = z.index.Index(idxEmail, email), z.index.Index(idxEmpCode, code)
	out.WrappedKey, out.MasterID, err = z.s.keys.wrap(k, keyOfficial, officialID)
	z.mu.Lock()
	z.keys[officialID] = k
	z.mu.Unlock()
	return out, err
}

// OfficialEmails returns the contact e-mail of each official that has
// one, opened; erased officials have none.
func (s *Store) OfficialEmails(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	for start := 0; start < len(ids); start += sealedBatch {
		var list []Official
		if err := s.rdb(ctx).Select("id, email, phone, employee_code").Where("id IN ? AND email <> ''", ids[start:min(start+sealedBatch, len(ids))]).Find(&list).Error; err != nil {
			return nil, fmt.Errorf("officials' e-mail: %w", err)
		}
		if err := s.openOfficialRows(ctx, list); err != nil {
			return nil, err
		}
		for _, o := range list {
			if o.Email != "" {
				out[o.ID] = o.Email
			}
		}
	}
	return out, nil
}

// aadAuditName binds a name sealed in an audit event's change.
const aadAuditName = "audit.name"

// sealAuditName seals the official's name wherever it appears in an audit
// change (a value, or an old/new pair): the trail keeps a name only as
// long as the official's key lives, so an erasure reaches the trail too
// while the chain, which hashes the stored text, still verifies.
func sealAuditName(k *vault.Key, change map[string]any) (map[string]any, error) {
	if k == nil {
		return change, nil
	}
	seal := func(v any) (any, error) {
		s, ok := v.(string)
		if !ok || s == "" {
			return v, nil
		}
		return k.Seal(s, aadAuditName)
	}
	var err error
	switch v := change["name"].(type) {
	case string:
		change["name"], err = seal(v)
	case [2]any:
		if v[0], err = seal(v[0]); err == nil {
			v[1], err = seal(v[1])
		}
		change["name"] = v
	}
	return change, err
}

// sealedToken finds sealed values in an audit change's JSON text.
var sealedToken = regexp.MustCompile(`"v1\.[A-Za-z0-9_-]+"`)

// openAuditChanges opens the sealed names in official events' changes for
// display; an erased official's name reads as erased. The stored text, and
// so the chain, is untouched.
func (s *Store) openAuditChanges(ctx context.Context, events []AuditEvent) error {
	var ids []int64
	for _, e := range events {
		if e.Entity == "official" && strings.Contains(e.Change, `"v1.`) {
			ids = append(ids, e.EntityID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	keys, err := s.officialKeys(ctx, ids)
	if err != nil {
		return err
	}
	for i := range events {
		e := &events[i]
		if e.Entity != "official" || !strings.Contains(e.Change, `"v1.`) {
			continue
		}
		e.Change = openSealedNames(e.Change, keys[e.EntityID])
	}
	return nil
}

// openSealedNames opens the names sealed in a JSON text (an audit change,
// an exemption's snapshot) for display; without the key they read as
// erased.
func openSealedNames(text string, k *vault.Key) string {
	return sealedToken.ReplaceAllStringFunc(text, func(tok string) string {
		if k == nil {
			return `"` + ErasedMark + `"`
		}
		plain, err := k.Open(strings.Trim(tok, `"`), aadAuditName)
		if err != nil {
			return `"` + ErasedMark + `"`
		}
		b, _ := json.Marshal(plain)
		return string(b)
	})
}

// ErasedMark stands where erased data was, in texts the registry hands
// out already formatted (audit changes); pages translate it.
const ErasedMark = "⟨erased⟩"
