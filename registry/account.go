package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"hozur/registry/link"
)

// AccountInput is what a person supplies to declare or change an account:
// a pasted URL, or a platform and a handle; the capacity; and the holder, an
// agency for institutional accounts or an official for office and personal
// ones.
type AccountInput struct {
	URL          string
	PlatformCode string
	Handle       string
	Capacity     string
	AgencyID     int64
	OfficialID   int64
	Status       string
	Source       string
	Verification string
	OpenedOn     *time.Time
}

// resolved is an input checked against the store.
type resolved struct {
	platform *Platform
	acct     link.Account
	agency   *Agency
	official *OfficialView
}

// canVerify: only the oversight office vouches for an account.
func canVerify(a Actor) bool { return a.Role == RoleAdmin || a.Role == RoleReviewer }

func defaultSource(a Actor) string {
	switch a.Role {
	case RoleOfficial:
		return SourceSelf
	case RoleLiaison:
		return SourceAgency
	}
	return SourceOversight
}

// linkErrorKey turns a recognition error into a message key.
func linkErrorKey(err error) string {
	var le *link.Error
	if errors.As(err, &le) {
		if le.Code == "link.not_account" && le.Kind != "" {
			return le.Code + "." + le.Kind
		}
		return le.Code
	}
	return "error.invalid"
}

func (s *Store) resolveAccount(ctx context.Context, a Actor, in *AccountInput, fe fieldErrors) (*resolved, error) {
	if a.Role == RoleOfficial && in.OfficialID == 0 && in.Capacity != CapacityInstitutional {
		// An official declares their own accounts.
		in.OfficialID = a.OfficialID
	}
	in.URL = strings.TrimSpace(in.URL)
	in.Handle = strings.TrimSpace(in.Handle)
	in.PlatformCode = strings.TrimSpace(in.PlatformCode)
	r := &resolved{}
	plist, err := s.Platforms(ctx)
	if err != nil {
		return nil, err
	}
	lp := linkPlatforms(plist)
	switch {
	case in.URL != "" && in.PlatformCode != "":
		r.acct, err = link.FromHandle(in.PlatformCode, in.URL, lp)
		if err != nil {
			fe.add("url", linkErrorKey(err))
		}
	case in.URL != "":
		r.acct, err = link.Recognize(in.URL, lp)
		if err != nil {
			fe.add("url", linkErrorKey(err))
		}
	case in.Handle != "":
		if in.PlatformCode == "" {
			fe.add("platform", "error.required")
			break
		}
		r.acct, err = link.FromHandle(in.PlatformCode, in.Handle, lp)
		if err != nil {
			fe.add("handle", linkErrorKey(err))
		}
	default:
		fe.add("url", "account.url_or_handle")
	}
	if r.acct.Platform != "" {
		for i := range plist {
			if plist[i].Code == r.acct.Platform {
				r.platform = &plist[i]
			}
		}
		if r.platform == nil {
			fe.add("platform", "error.not_found")
		}
	}
	if !slices.Contains(Capacities, in.Capacity) {
		fe.add("capacity", "error.choose")
	}
	if in.Status == "" {
		in.Status = StatusActive
	}
	if !slices.Contains(Statuses, in.Status) {
		fe.add("status", "error.choose")
	}
	if in.Source != "" && !slices.Contains(Sources, in.Source) {
		fe.add("source", "error.choose")
	}
	if in.Verification == "" {
		in.Verification = VerificationUnverified
	}
	if !slices.Contains(Verifications, in.Verification) {
		fe.add("verification", "error.choose")
	}
	if in.Capacity == CapacityInstitutional {
		if in.OfficialID != 0 {
			fe.add("official_id", "account.institutional_no_official")
		}
		if in.AgencyID == 0 {
			fe.add("agency_id", "account.agency_required")
		} else if r.agency, err = s.Agency(ctx, in.AgencyID); errors.Is(err, ErrNotFound) {
			fe.add("agency_id", "error.not_found")
		} else if err != nil {
			return nil, err
		}
	} else if in.Capacity != "" {
		if in.OfficialID == 0 {
			fe.add("official_id", "account.official_required")
		} else if r.official, err = s.official(ctx, in.OfficialID); errors.Is(err, ErrNotFound) {
			fe.add("official_id", "error.not_found")
		} else if err != nil {
			return nil, err
		} else {
			in.AgencyID = r.official.AgencyID
			r.agency = &Agency{ID: r.official.AgencyID, Path: r.official.AgencyPath}
		}
	}
	return r, nil
}

func (r *resolved) target() Target {
	t := Target{Resource: ResAccount}
	if r.agency != nil {
		t.AgencyPath = r.agency.Path
	}
	if r.official != nil {
		t.OfficialID = r.official.ID
	}
	return t
}

// duplicateAccount looks for the account in both the forms it may be
// stored in (see handleForms).
func (s *Store) duplicateAccount(ctx context.Context, a Actor, p *Platform, handle string, self int64) error {
	forms, err := s.handleForms(ctx, p.Code, handle)
	if err != nil {
		return err
	}
	var id int64
	if err := s.db(ctx).Model(&Account{}).Select("id").Where("platform_id = ? AND handle IN ? AND id <> ?", p.ID, forms, self).Limit(1).Scan(&id).Error; err != nil {
		return fmt.Errorf("check duplicate account: %w", err)
	}
	if id == 0 {
		return nil
	}
	// The refusal is owed to everyone; the record's number only to those
	// who may see it (another agency's personal account stays private).
	if v, err := s.account(ctx, id); err == nil && a.Can(ActionView, accountTarget(v)) {
		return &ConflictError{Key: "account.duplicate", Field: "url", Args: map[string]any{"ID": id}}
	}
	return &ConflictError{Key: "account.duplicate_hidden", Field: "url"}
}

// CreateAccount declares an account. The same account (platform and
// normalised handle) can be registered once.
func (s *Store) CreateAccount(ctx context.Context, a Actor, in AccountInput) (*AccountView, error) {
	if !a.MayEver(ActionCreate, ResAccount) {
		return nil, ErrForbidden
	}
	var id int64
	err := s.Tx(ctx, func(ctx context.Context) error {
		fe := fieldErrors{}
		r, err := s.resolveAccount(ctx, a, &in, fe)
		if err != nil {
			return err
		}
		if err := fe.err(); err != nil {
			return err
		}
		if !a.Can(ActionCreate, r.target()) {
			return ErrForbidden
		}
		if err := s.duplicateAccount(ctx, a, r.platform, r.acct.Handle, 0); err != nil {
			return err
		}
		now := s.Now()
		acc := Account{PlatformID: r.platform.ID, AgencyID: in.AgencyID,
			Capacity: in.Capacity, Status: in.Status, Source: in.Source, Verification: in.Verification, OpenedOn: in.OpenedOn, CreatedAt: now, UpdatedAt: now}
		if r.official != nil {
			acc.OfficialID = &r.official.ID
		}
		v, err := s.sealAccountText(ctx, acc.Capacity, acc.OfficialID, r.acct)
		if err != nil {
			return err
		}
		acc.Handle, acc.Display, acc.URL = v.Handle, v.Display, v.URL
		AncestryOf(r.agency.Path).apply(&acc)
		if acc.Source == "" || !canVerify(a) {
			acc.Source = defaultSource(a)
		}
		if !canVerify(a) {
			acc.Verification = VerificationUnverified
		}
		if acc.Verification == VerificationVerified {
			acc.VerifiedAt = &now
		}
		if acc.Status == StatusClosed {
			acc.ClosedAt = &now
		}
		if err := s.db(ctx).Create(&acc).Error; err != nil {
			return fmt.Errorf("create account: %w", err)
		}
		id = acc.ID
		s.touch(ctx, acc.ID)
		return s.record(ctx, a, "create", "account", acc.ID, accountAudit(acc))
	})
	if err != nil {
		return nil, err
	}
	return s.account(ctx, id)
}

// accountAudit keeps personal handles out of the audit trail: a personal
// account is personal data of its holder.
func accountAudit(acc Account) map[string]any {
	m := map[string]any{"platform_id": acc.PlatformID, "capacity": acc.Capacity, "status": acc.Status, "source": acc.Source,
		"verification": acc.Verification, "agency_id": acc.AgencyID, "official_id": ptrVal(acc.OfficialID), "handle": acc.Display}
	if acc.Capacity == CapacityPersonal {
		m["handle"] = "(personal)"
	}
	return m
}

// UpdateAccount changes an account.
func (s *Store) UpdateAccount(ctx context.Context, a Actor, id int64, in AccountInput) (*AccountView, error) {
	if !a.MayEver(ActionUpdate, ResAccount) {
		return nil, ErrForbidden
	}
	err := s.Tx(ctx, func(ctx context.Context) error {
		cur, err := s.account(ctx, id)
		if err != nil {
			return err
		}
		if !a.Can(ActionUpdate, accountTarget(cur)) {
			return ErrForbidden
		}
		fe := fieldErrors{}
		r, err := s.resolveAccount(ctx, a, &in, fe)
		if err != nil {
			return err
		}
		if err := fe.err(); err != nil {
			return err
		}
		if !a.Can(ActionUpdate, r.target()) {
			return ErrForbidden
		}
		if err := s.duplicateAccount(ctx, a, r.platform, r.acct.Handle, id); err != nil {
			return err
		}
		if r.platform.ID != cur.PlatformID || r.acct.Handle != cur.Handle {
			// Another handle is another account: what the office verified
			// and exempted stays with the old one.
			if n, err := s.workflowRecords(ctx, id); err != nil {
				return err
			} else if n > 0 {
				return &ConflictError{Key: "account.handle_locked", Field: "url"}
			}
			if !canVerify(a) {
				in.Verification = VerificationUnverified
			}
		}
		now := s.Now()
		next := cur.Account
		next.PlatformID, next.Handle, next.Display, next.URL = r.platform.ID, r.acct.Handle, r.acct.Display, r.acct.URL
		next.AgencyID, next.OfficialID, next.Capacity, next.Status, next.OpenedOn = in.AgencyID, nil, in.Capacity, in.Status, in.OpenedOn
		if r.official != nil {
			next.OfficialID = &r.official.ID
		}
		if canVerify(a) {
			if in.Source != "" {
				next.Source = in.Source
			}
			next.Verification = in.Verification
		} else if in.Verification == VerificationUnverified && next.Handle != cur.Handle {
			next.Verification, next.VerifiedAt = VerificationUnverified, nil
		}
		if next.Verification == VerificationVerified && cur.Verification != VerificationVerified {
			next.VerifiedAt = &now
		}
		if next.Status == StatusClosed && cur.Status != StatusClosed {
			next.ClosedAt = &now
		} else if next.Status != StatusClosed {
			next.ClosedAt = nil
		}
		next.UpdatedAt = now
		// Stored sealed or not by the new capacity: a change of capacity
		// or of holder converts it.
		v, err := s.sealAccountText(ctx, next.Capacity, next.OfficialID, r.acct)
		if err != nil {
			return err
		}
		upd := map[string]any{"platform_id": next.PlatformID, "handle": v.Handle, "display": v.Display, "url": v.URL, "agency_id": next.AgencyID,
			"official_id": next.OfficialID, "capacity": next.Capacity, "status": next.Status, "source": next.Source, "verification": next.Verification,
			"opened_on": next.OpenedOn, "verified_at": next.VerifiedAt, "closed_at": next.ClosedAt, "updated_at": now}
		for k, v := range AncestryOf(r.agency.Path).columns() {
			upd[k] = v
		}
		if err := s.db(ctx).Model(&Account{}).Where("id = ?", id).Updates(upd).Error; err != nil {
			return fmt.Errorf("update account: %w", err)
		}
		s.touch(ctx, id)
		return s.record(ctx, a, "update", "account", id, diff(accountAudit(cur.Account), accountAudit(next)))
	})
	if err != nil {
		return nil, err
	}
	return s.account(ctx, id)
}

// DeleteAccount removes an account from the registry.
func (s *Store) DeleteAccount(ctx context.Context, a Actor, id int64) error {
	return s.Tx(ctx, func(ctx context.Context) error {
		cur, err := s.account(ctx, id)
		if err != nil {
			return err
		}
		if !a.Can(ActionDelete, accountTarget(cur)) {
			return ErrForbidden
		}
		// An account with a justification, an exemption or a closure
		// deadline is on the record: it is closed, not deleted.
		if n, err := s.workflowRecords(ctx, id); err != nil {
			return err
		} else if n > 0 || cur.ClosureDeadline != nil {
			return &ConflictError{Key: "account.in_use_workflow"}
		}
		if err := s.db(ctx).Delete(&Account{}, id).Error; err != nil {
			return fmt.Errorf("delete account: %w", err)
		}
		s.touch(ctx, id)
		return s.record(ctx, a, "delete", "account", id, accountAudit(cur.Account))
	})
}

// workflowRecords counts an account's justifications and exemptions.
func (s *Store) workflowRecords(ctx context.Context, id int64) (int64, error) {
	var n int64
	err := s.db(ctx).Raw("SELECT (SELECT COUNT(*) FROM justifications WHERE account_id = ?) + (SELECT COUNT(*) FROM exemptions WHERE account_id = ?)", id, id).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("account records: %w", err)
	}
	return n, nil
}

func accountTarget(v *AccountView) Target {
	t := Target{Resource: ResAccount, AgencyPath: v.AgencyPath}
	if v.OfficialID != nil {
		t.OfficialID = *v.OfficialID
	}
	return t
}
