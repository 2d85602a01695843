package registry

import (
	"context"
	"fmt"

	"hozur/registry/vault"
)

// A justification's statement and the official's answers to the office's
// questions are the official's personal data: they are sealed with the data
// key of the account's holder. A justification for an institutional account
// speaks for the agency, holds nothing personal and stays in the clear.
const (
	aadStatement = "justifications.statement"
	aadNote      = "justification_notes.body"
)

// sealForHolder seals text with the holder's key; without a holder it is
// left as it is.
func (s *Store) sealForHolder(ctx context.Context, officialID *int64, text, aad string) (string, error) {
	if officialID == nil || text == "" {
		return text, nil
	}
	k, err := s.officialKeyForWrite(ctx, *officialID)
	if err != nil {
		return "", err
	}
	return k.Seal(text, aad)
}

// openJustifications opens the statements (and, given, the notes) of
// justifications read from the table, and their personal accounts. The
// holder's key gone, they read as erased.
func (s *Store) openJustifications(ctx context.Context, list []*JustificationView) error {
	var ids []int64
	texts := make([]AccountText, 0, len(list))
	for _, v := range list {
		if v.OfficialID != nil {
			ids = append(ids, *v.OfficialID)
		}
		texts = append(texts, AccountText{Capacity: v.Capacity, OfficialID: v.OfficialID, PlatformCode: v.PlatformCode,
			Display: &v.AccountDisplay, URL: &v.AccountURL, Erased: &v.AccountErased})
	}
	if err := s.OpenAccounts(ctx, texts); err != nil {
		return err
	}
	keys, err := s.officialKeys(ctx, ids)
	if err != nil {
		return err
	}
	for _, v := range list {
		if v.OfficialID == nil {
			continue
		}
		k, has := keys[*v.OfficialID]
		if !has {
			continue
		}
		open := func(text, aad string) (string, error) {
			if !vault.IsSealed(text) {
				return text, nil
			}
			if k == nil {
				v.Erased = true
				return "", nil
			}
			return k.Open(text, aad)
		}
		if v.Statement, err = open(v.Statement, aadStatement); err != nil {
			return fmt.Errorf("justification %d: statement: %w", v.ID, err)
		}
		for i := range v.Notes {
			n := &v.Notes[i]
			if n.Body, err = open(n.Body, aadNote); err != nil {
				return fmt.Errorf("justification %d: note %d: %w", v.ID, n.ID, err)
			}
		}
	}
	return nil
}
