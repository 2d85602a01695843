package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"hozur/registry/link"
	"hozur/registry/vault"
)

// A personal-capacity account is its holder's own presence, so its handle
// and link are personal data: display and url are sealed with the holder's
// data key, and handle, which must stay unique per platform and be found by
// exact match, holds a keyed-hash token of the platform and the normalised
// handle. Institutional and office accounts are public presences and stay
// in the clear, as public verification needs them.
//
// A read opens the three again: handle is recomputed from the opened
// display (checked against the token), so pages, the API and exports see
// what they saw before. An account whose holder's key was destroyed reads
// with empty display and URL and Erased set.
const (
	aadAccountDisplay = "accounts.display"
	aadAccountURL     = "accounts.url"
	idxAccountHandle  = "accounts.handle"
	// handleTokenPrefix starts a personal account's stored handle: "p."
	// and 64 hex digits, longer than any platform's handle.
	handleTokenPrefix = "p."
	handleTokenLen    = len(handleTokenPrefix) + 64
	// erasedHandlePrefix starts the placeholder an erasure leaves.
	erasedHandlePrefix = "erased-"
)

// indexer is a keyed hash: the index key, or an Indexer of it for bulk
// work.
type indexer interface {
	Index(field, value string) string
}

// handleToken is the stored handle of a personal account with the
// normalised handle on the platform with code platformCode.
func handleToken(index indexer, platformCode, handle string) string {
	return handleTokenPrefix + index.Index(idxAccountHandle, platformCode+":"+handle)
}

// isHandleToken tells a stored token from a handle.
func isHandleToken(h string) bool {
	return len(h) == handleTokenLen && strings.HasPrefix(h, handleTokenPrefix)
}

// handleForms are the two forms the account (platform, normalised handle)
// may be stored in: the handle itself (institutional and office) and its
// token (personal). A duplicate check looks for both, so the same account
// is never registered twice under two capacities.
func (s *Store) handleForms(ctx context.Context, platformCode, handle string) ([]string, error) {
	index, err := s.indexKey(ctx)
	if err != nil {
		return nil, err
	}
	return []string{handle, handleToken(index, platformCode, handle)}, nil
}

// storedText is what the accounts table holds of an account's handle,
// display and URL.
type storedText struct{ Handle, Display, URL string }

// sealAccountText gives the stored form of a recognised account held in
// capacity by officialID: sealed for a personal account, as it is
// otherwise. Call it inside the write; a holder whose data was erased can
// hold no new personal account.
func (s *Store) sealAccountText(ctx context.Context, capacity string, officialID *int64, acct link.Account) (storedText, error) {
	out := storedText{Handle: acct.Handle, Display: acct.Display, URL: acct.URL}
	if capacity != CapacityPersonal || officialID == nil {
		return out, nil
	}
	k, err := s.officialKeyForWrite(ctx, *officialID)
	if errors.Is(err, ErrErased) {
		return out, &ValidationError{Fields: map[string]string{"official_id": "account.holder_erased"}}
	}
	if err != nil {
		return out, err
	}
	index, err := s.indexKey(ctx)
	if err != nil {
		return out, err
	}
	return sealText(k, index, acct)
}

func sealText(k, index *vault.Key, acct link.Account) (storedText, error) {
	return sealTextAs(k, handleToken(index, acct.Platform, acct.Handle), acct)
}

// sealTextAs seals display and URL with k, the token already made.
func sealTextAs(k *vault.Key, token string, acct link.Account) (storedText, error) {
	out := storedText{Handle: token}
	var err error
	if out.Display, err = k.Seal(acct.Display, aadAccountDisplay); err != nil {
		return out, err
	}
	out.URL, err = k.Seal(acct.URL, aadAccountURL)
	return out, err
}

// AccountText points at the handle, display and URL of an account read
// from the table (any of the three may be nil), with what opening them
// needs: Store.OpenAccounts opens a batch of them in place.
type AccountText struct {
	Capacity     string
	OfficialID   *int64
	PlatformCode string // needed with Handle
	Handle       *string
	Display      *string
	URL          *string
	// Erased, if not nil, is set for a personal account whose handle and
	// link are gone for good (its holder's data, or the account's own,
	// was erased).
	Erased *bool
}

func (t *AccountText) personal() bool { return t.Capacity == CapacityPersonal && t.OfficialID != nil }

func (t *AccountText) sealed() bool {
	return (t.Handle != nil && isHandleToken(*t.Handle)) || (t.Display != nil && vault.IsSealed(*t.Display)) ||
		(t.URL != nil && vault.IsSealed(*t.URL))
}

// OpenAccounts opens the personal accounts among list in place, with one
// look-up of their holders' keys: other accounts are not touched, so a
// page of institutional accounts costs nothing.
func (s *Store) OpenAccounts(ctx context.Context, list []AccountText) error {
	var ids []int64
	for i := range list {
		if t := &list[i]; t.personal() && t.sealed() {
			ids = append(ids, *t.OfficialID)
		}
	}
	var keys map[int64]*vault.Key
	var lp []link.Platform
	var index *vault.Key
	if len(ids) > 0 {
		var err error
		if keys, err = s.officialKeys(ctx, ids); err != nil {
			return err
		}
		plist, err := s.Platforms(ctx)
		if err != nil {
			return err
		}
		lp = linkPlatforms(plist)
		if index, err = s.indexKey(ctx); err != nil {
			return err
		}
	}
	for i := range list {
		t := &list[i]
		if !t.personal() {
			continue
		}
		if t.sealed() {
			if err := t.open(keys, lp, index); err != nil {
				return err
			}
		}
		if t.Erased != nil && ((t.Display != nil && *t.Display == "") || (t.Handle != nil && strings.HasPrefix(*t.Handle, erasedHandlePrefix))) {
			// A live account always has a display: an empty one was erased.
			*t.Erased = true
		}
	}
	return nil
}

func (t *AccountText) open(keys map[int64]*vault.Key, lp []link.Platform, index *vault.Key) error {
	k := keys[*t.OfficialID]
	if k == nil {
		// The key was destroyed (or never was): nothing can be read.
		for _, p := range []*string{t.Handle, t.Display, t.URL} {
			if p != nil {
				*p = ""
			}
		}
		if t.Erased != nil {
			*t.Erased = true
		}
		return nil
	}
	var display, url string
	var err error
	if t.Display != nil {
		if display, err = k.Open(*t.Display, aadAccountDisplay); err != nil {
			return fmt.Errorf("account of official %d: display: %w", *t.OfficialID, err)
		}
		*t.Display = display
	}
	if t.URL != nil {
		if url, err = k.Open(*t.URL, aadAccountURL); err != nil {
			return fmt.Errorf("account of official %d: url: %w", *t.OfficialID, err)
		}
		*t.URL = url
	}
	if t.Handle != nil && isHandleToken(*t.Handle) {
		*t.Handle = plainHandle(t.PlatformCode, *t.Handle, display, url, lp, index)
	}
	return nil
}

// plainHandle recovers the normalised handle a token stands for from the
// opened display, or else the URL, whichever recognises to a handle with
// that very token.
func plainHandle(platformCode, token, display, url string, lp []link.Platform, index *vault.Key) string {
	for _, in := range []string{display, url} {
		if in == "" {
			continue
		}
		if acct, err := link.FromHandle(platformCode, in, lp); err == nil && handleToken(index, platformCode, acct.Handle) == token {
			return acct.Handle
		}
	}
	// The platform's rules changed since: the display is the best left.
	return display
}

// accountTexts points at the accounts of a list of views.
func accountTexts(list []AccountView) []AccountText {
	out := make([]AccountText, 0, len(list))
	for i := range list {
		v := &list[i]
		if v.Capacity == CapacityPersonal {
			out = append(out, AccountText{Capacity: v.Capacity, OfficialID: v.OfficialID, PlatformCode: v.PlatformCode,
				Handle: &v.Handle, Display: &v.Display, URL: &v.URL, Erased: &v.Erased})
		}
	}
	return out
}

// openAccountViews opens the personal accounts of a list of views.
func (s *Store) openAccountViews(ctx context.Context, list []AccountView) error {
	return s.OpenAccounts(ctx, accountTexts(list))
}

// searchTokens are the tokens a free-text search for q would match if q
// were a personal account's exact handle on some platform (on the one with
// code only, if given): personal handles are not stored, so they are found
// by exact handle only.
func (s *Store) searchTokens(ctx context.Context, q, only string) ([]string, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, nil
	}
	plist, err := s.Platforms(ctx)
	if err != nil {
		return nil, err
	}
	index, err := s.indexKey(ctx)
	if err != nil {
		return nil, err
	}
	lp := linkPlatforms(plist)
	var out []string
	for _, p := range plist {
		if only != "" && p.Code != only {
			continue
		}
		if acct, err := link.FromHandle(p.Code, q, lp); err == nil {
			out = append(out, handleToken(index, p.Code, acct.Handle))
		}
	}
	return out, nil
}

// sealPendingAccounts seals personal accounts written in the clear before
// their encryption came, and returns how many it sealed. An account whose
// holder was erased loses what is left of its handle instead.
func (s *Store) sealPendingAccounts(ctx context.Context) (int, error) {
	plist, err := s.Platforms(ctx)
	if err != nil {
		return 0, err
	}
	codes := make(map[int64]string, len(plist))
	for _, p := range plist {
		codes[p.ID] = p.Code
	}
	total := 0
	for {
		var list []Account
		err := s.rdb(ctx).Select("id, platform_id, handle, display, url, official_id").
			Where("capacity = ? AND official_id IS NOT NULL AND handle NOT LIKE ? AND NOT (length(handle) = ? AND handle LIKE ?)",
				CapacityPersonal, erasedHandlePrefix+"%", handleTokenLen, handleTokenPrefix+"%").
			Order("id").Limit(sealedBatch).Find(&list).Error
		if err != nil {
			return total, fmt.Errorf("seal accounts: %w", err)
		}
		if len(list) == 0 {
			return total, nil
		}
		err = s.Tx(ctx, func(ctx context.Context) error {
			for i := range list {
				acc := &list[i]
				acct := link.Account{Platform: codes[acc.PlatformID], Handle: acc.Handle, Display: plainOf(acc.Display), URL: plainOf(acc.URL)}
				v, err := s.sealAccountText(ctx, CapacityPersonal, acc.OfficialID, acct)
				var ve *ValidationError
				if errors.As(err, &ve) {
					// The holder was erased: the handle goes too.
					if err := s.eraseAccountHandle(ctx, acc.ID); err != nil {
						return err
					}
					continue
				}
				if err != nil {
					return err
				}
				if err := s.db(ctx).Model(&Account{}).Where("id = ?", acc.ID).
					Updates(map[string]any{"handle": v.Handle, "display": v.Display, "url": v.URL}).Error; err != nil {
					return fmt.Errorf("seal account %d: %w", acc.ID, err)
				}
				s.touch(ctx, acc.ID)
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += len(list)
	}
}

// SealedAccount is what a bulk loader writes for a personal account: the
// handle's token, and display and URL sealed with the holder's key.
type SealedAccount struct{ Handle, Display, URL string }

// SealAccount seals a personal account of an official whose fields Seal
// sealed, with the same data key.
func (z *Sealer) SealAccount(officialID int64, acct link.Account) (SealedAccount, error) {
	z.mu.Lock()
	k, ok := z.keys[officialID]
	z.mu.Unlock()
	if !ok {
		return SealedAccount{}, fmt.Errorf("seal account: official %d was not sealed first", officialID)
	}
	v, err := sealText(&k, z.index, acct)
	return SealedAccount(v), err
}
