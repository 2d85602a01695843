package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Exemption is an approved justification: the account may stay on its
// foreign platform from ValidFrom to the end of ValidUntil (both days in
// the rules' calendar), unless revoked.
type Exemption struct {
	ID              int64
	AccountID       int64
	JustificationID *int64
	ValidFrom       time.Time
	ValidUntil      time.Time
	Conditions      string
	DecidedBy       *int64
	DecisionNote    string
	Snapshot        string // the account's facts at decision time, JSON
	RevokedAt       *time.Time
	RevokedBy       *int64
	RevokeReason    string
	CreatedAt       time.Time
}

// ValidAt reports whether the exemption covers the moment t: from the start
// of its first day to the end of its last, in tz, and before any revocation.
func (e Exemption) ValidAt(t time.Time, tz *time.Location) bool {
	return !t.Before(e.ValidFrom) && t.Before(dayAfter(e.ValidUntil, tz)) && (e.RevokedAt == nil || t.Before(*e.RevokedAt))
}

// dayAfter is the midnight after the day d, in tz.
func dayAfter(d time.Time, tz *time.Location) time.Time {
	d = d.In(tz)
	return time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, tz)
}

// validExemption is the account's individual exemption valid at t, the one
// lasting longest if several are.
func (s *Store) validExemption(ctx context.Context, accountID int64, t time.Time) (*Exemption, error) {
	var list []Exemption
	if err := s.db(ctx).Where("account_id = ? AND revoked_at IS NULL", accountID).Order("valid_until DESC").Find(&list).Error; err != nil {
		return nil, fmt.Errorf("exemptions: %w", err)
	}
	for i := range list {
		if list[i].ValidAt(t, s.rules.Location) {
			return &list[i], nil
		}
	}
	return nil, nil //nolint:nilnil // "no exemption" is an answer, not an error
}

// planExemption builds the exemption an approval grants. A renewal starts the
// day after the current exemption ends, so coverage has no gap.
func (s *Store) planExemption(ctx context.Context, cur *JustificationView, in TransitionInput, fe fieldErrors) (*Exemption, error) {
	now := s.Now()
	from := s.Day(now)
	if prev, err := s.validExemption(ctx, cur.AccountID, now); err != nil {
		return nil, err
	} else if prev != nil {
		from = dayAfter(prev.ValidUntil, s.rules.Location)
	}
	if in.ValidUntil == nil {
		fe.add("valid_until", "justification.until_required")
		return nil, nil
	}
	until := s.Day(*in.ValidUntil)
	limit := from.AddDate(0, s.rules.MaxExemptionMonths, 0)
	switch {
	case until.Before(from):
		fe.add("valid_until", "justification.until_before_start")
	case until.After(limit):
		fe.add("valid_until", "justification.until_too_late")
	}
	if len([]rune(in.Conditions)) > 2000 {
		fe.add("conditions", "error.too_long")
	}
	facts := map[string]any{"platform": cur.PlatformCode, "handle": cur.AccountDisplay, "url": cur.AccountURL,
		"capacity": cur.Capacity, "agency_id": cur.AgencyID, "agency": cur.AgencyName, "official_id": ptrVal(cur.OfficialID), "official": cur.OfficialName,
		"grounds": cur.Grounds}
	if cur.Capacity == CapacityPersonal {
		// A personal handle is sealed in the account and would be in the
		// clear here; the account itself says which it is.
		delete(facts, "handle")
		delete(facts, "url")
	}
	if cur.OfficialID != nil && cur.OfficialName != "" {
		// The holder's name is personal data: sealed with their key, it
		// goes with an erasure like the rest.
		k, err := s.officialKeyForWrite(ctx, *cur.OfficialID)
		if err != nil {
			return nil, err
		}
		if facts["official"], err = k.Seal(cur.OfficialName, aadAuditName); err != nil {
			return nil, err
		}
	}
	snap, err := json.Marshal(facts)
	if err != nil {
		return nil, err
	}
	jid := cur.ID
	return &Exemption{AccountID: cur.AccountID, JustificationID: &jid, ValidFrom: from, ValidUntil: until, Conditions: in.Conditions,
		DecisionNote: in.Note, Snapshot: string(snap), CreatedAt: now}, nil
}

// ExemptionView is an exemption with its account.
type ExemptionView struct {
	Exemption
	AccountDisplay  string
	AccountCapacity string
	// AccountErased: the personal account's handle was erased.
	AccountErased bool `gorm:"-"`
	PlatformCode  string
	AgencyPath    string
	OfficialID    *int64
	OfficialName  string
	AgencyName    string
}

const exemptionColumns = `exemptions.*, accounts.display AS account_display, accounts.capacity AS account_capacity, platforms.code AS platform_code, agencies.path AS agency_path,
agencies.name AS agency_name, accounts.official_id AS official_id, COALESCE(officials.name, '') AS official_name`

const exemptionJoins = `CROSS JOIN accounts ON accounts.id = exemptions.account_id CROSS JOIN platforms ON platforms.id = accounts.platform_id
CROSS JOIN agencies ON agencies.id = accounts.agency_id LEFT JOIN officials ON officials.id = accounts.official_id`

func (v *ExemptionView) target() Target {
	return Target{Resource: ResJustification, AgencyPath: v.AgencyPath, OfficialID: derefInt(v.OfficialID)}
}

// ExemptionFilter narrows the exemption list.
type ExemptionFilter struct {
	AccountID int64
	ValidAt   *time.Time // only those valid at this moment
	EndsBy    *time.Time // only unrevoked ones ending on or before this day
}

// Exemptions lists exemptions the actor may see, newest first.
func (s *Store) Exemptions(ctx context.Context, a Actor, f ExemptionFilter, p Page) (Result[ExemptionView], error) {
	var res Result[ExemptionView]
	sc := a.ScopeFor(ResJustification)
	if sc.None {
		return res, ErrForbidden
	}
	q := s.rdb(ctx).Table("exemptions").Joins(s.joins(exemptionJoins))
	q = sc.onAccounts(q, "")
	if f.AccountID != 0 {
		q = q.Where("exemptions.account_id = ?", f.AccountID)
	}
	if f.ValidAt != nil {
		// Exact: valid until the midnight after the last day, which is
		// 24 hours after that day's start (Iran keeps no summer time).
		at := f.ValidAt.UTC()
		q = q.Where("exemptions.valid_from <= ? AND exemptions.valid_until > ? AND (exemptions.revoked_at IS NULL OR exemptions.revoked_at > ?)",
			at, at.Add(-24*time.Hour), at)
	}
	if f.EndsBy != nil {
		q = q.Where("exemptions.revoked_at IS NULL AND exemptions.valid_until <= ?", f.EndsBy.UTC())
	}
	q, _, _, err := keyset(q.Select(exemptionColumns), p, map[string]sortSpec{"id": {column: "exemptions.id"}}, "-id", "exemptions.id")
	if err != nil {
		return res, err
	}
	if err := q.Scan(&res.Items).Error; err != nil {
		return res, fmt.Errorf("list exemptions: %w", err)
	}
	res.Items, res.Next = trim(res.Items, p, func(x ExemptionView) string { return encodeCursor(nil, x.ID) })
	if err := s.openExemptions(ctx, res.Items); err != nil {
		return res, err
	}
	return res, nil
}

// openExemptions opens the handles of personal accounts in a list.
func (s *Store) openExemptions(ctx context.Context, list []ExemptionView) error {
	texts := make([]AccountText, 0, len(list))
	for i := range list {
		v := &list[i]
		texts = append(texts, AccountText{Capacity: v.AccountCapacity, OfficialID: v.OfficialID, Display: &v.AccountDisplay, Erased: &v.AccountErased})
	}
	return s.OpenAccounts(ctx, texts)
}

// Exemption returns one exemption.
func (s *Store) Exemption(ctx context.Context, a Actor, id int64) (*ExemptionView, error) {
	var v ExemptionView
	err := s.rdb(ctx).Table("exemptions").Select(exemptionColumns).Joins(s.joins(exemptionJoins)).Where("exemptions.id = ?", id).Take(&v).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get exemption: %w", err)
	}
	if !a.Can(ActionView, v.target()) {
		return nil, ErrForbidden
	}
	list := []ExemptionView{v}
	if err := s.openExemptions(ctx, list); err != nil {
		return nil, err
	}
	if v.OfficialID != nil && strings.Contains(list[0].Snapshot, `"v1.`) {
		keys, err := s.officialKeys(ctx, []int64{*v.OfficialID})
		if err != nil {
			return nil, err
		}
		list[0].Snapshot = openSealedNames(list[0].Snapshot, keys[*v.OfficialID])
	}
	return &list[0], nil
}

// RevokeExemption ends an exemption now, with a reason; the account gets a
// closure deadline.
func (s *Store) RevokeExemption(ctx context.Context, a Actor, id int64, reason string) (*ExemptionView, error) {
	reason = strings.TrimSpace(reason)
	err := s.Tx(ctx, func(ctx context.Context) error {
		cur, err := s.Exemption(ctx, a, id)
		if err != nil {
			return err
		}
		if !a.Can(ActionDecide, cur.target()) {
			return ErrForbidden
		}
		if cur.RevokedAt != nil {
			return &ConflictError{Key: "exemption.already_revoked"}
		}
		if reason == "" {
			return &ValidationError{Fields: map[string]string{"reason": "exemption.reason_required"}}
		}
		now := s.Now()
		// A renewal already granted to follow it goes too: revoking means
		// the account is no longer exempt.
		if err := s.db(ctx).Model(&Exemption{}).Where("(id = ? OR (account_id = ? AND valid_from > ?)) AND revoked_at IS NULL", id, cur.AccountID, cur.ValidFrom).
			Updates(map[string]any{"revoked_at": now, "revoked_by": idPtr(a.UserID), "revoke_reason": reason}).Error; err != nil {
			return fmt.Errorf("revoke exemption: %w", err)
		}
		deadline, err := s.setClosureDeadline(ctx, cur.AccountID)
		if err != nil {
			return err
		}
		s.touch(ctx, cur.AccountID)
		if err := s.notify(ctx, cur.AccountID, "revoked", "exemption", id); err != nil {
			return err
		}
		return s.record(ctx, a, "revoke", "exemption", id, map[string]any{"reason": reason, "closure_deadline": deadline.Format(time.DateOnly)})
	})
	if err != nil {
		return nil, err
	}
	return s.Exemption(ctx, a, id)
}
