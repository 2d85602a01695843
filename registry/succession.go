package registry

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Handover records an office account passing from an official to their
// successor.
type Handover struct {
	ID             int64
	AccountID      int64
	FromOfficialID *int64
	ToOfficialID   *int64
	At             time.Time
	ByUser         *int64
}

// LeaveInput says when an official left office and who succeeds them.
type LeaveInput struct {
	LeftOn      *time.Time
	SuccessorID int64 // 0: no successor yet; their office accounts stay, orphaned
}

// LeaveOffice records that an official left office. Their office accounts,
// and the exemptions that go with the office, pass to the successor; their
// personal accounts stay with the person. Without a successor the office
// accounts stay where they are and show as orphaned.
func (s *Store) LeaveOffice(ctx context.Context, a Actor, officialID int64, in LeaveInput) (*OfficialView, error) {
	err := s.Tx(ctx, func(ctx context.Context) error {
		cur, err := s.official(ctx, officialID)
		if err != nil {
			return err
		}
		if !a.Can(ActionUpdate, Target{Resource: ResOfficial, AgencyPath: cur.AgencyPath, OfficialID: officialID}) {
			return ErrForbidden
		}
		fe := fieldErrors{}
		// Someone who left with no successor may be given one later: their
		// orphaned office accounts are handed over then.
		late := !cur.Serving && cur.SuccessorID == nil && in.SuccessorID != 0
		if late && in.LeftOn == nil {
			in.LeftOn = cur.TermEnd
		}
		if !cur.Serving && !late {
			fe.add("left_on", "succession.not_serving")
		}
		if in.LeftOn == nil {
			fe.add("left_on", "error.required")
		} else if cur.TermStart != nil && in.LeftOn.Before(*cur.TermStart) {
			fe.add("left_on", "error.end_before_start")
		}
		var succ *OfficialView
		if in.SuccessorID != 0 {
			succ, err = s.official(ctx, in.SuccessorID)
			switch {
			case errors.Is(err, ErrNotFound):
				fe.add("successor_id", "error.not_found")
			case err != nil:
				return err
			case succ.ID == officialID:
				fe.add("successor_id", "succession.self")
			case !succ.Serving:
				fe.add("successor_id", "succession.successor_not_serving")
			case !a.Can(ActionUpdate, Target{Resource: ResOfficial, AgencyPath: succ.AgencyPath, OfficialID: succ.ID}):
				return ErrForbidden
			}
		}
		if err := fe.err(); err != nil {
			return err
		}
		upd := map[string]any{"serving": false, "term_end": in.LeftOn, "successor_id": idPtr(in.SuccessorID), "updated_at": s.Now()}
		if err := s.db(ctx).Model(&Official{}).Where("id = ?", officialID).Updates(upd).Error; err != nil {
			return fmt.Errorf("leave office: %w", err)
		}
		moved := []int64{}
		if succ != nil {
			if err := s.db(ctx).Model(&Account{}).Where("official_id = ? AND capacity = ?", officialID, CapacityOffice).Pluck("id", &moved).Error; err != nil {
				return fmt.Errorf("leave office: %w", err)
			}
			cols := AncestryOf(succ.AgencyPath).columns()
			cols["official_id"], cols["agency_id"], cols["updated_at"] = succ.ID, succ.AgencyID, s.Now()
			if len(moved) > 0 {
				if err := s.db(ctx).Model(&Account{}).Where("id IN ?", moved).Updates(cols).Error; err != nil {
					return fmt.Errorf("hand over accounts: %w", err)
				}
			}
			now := s.Now()
			for _, id := range moved {
				h := Handover{AccountID: id, FromOfficialID: &officialID, ToOfficialID: &succ.ID, At: now, ByUser: idPtr(a.UserID)}
				if err := s.db(ctx).Create(&h).Error; err != nil {
					return fmt.Errorf("hand over accounts: %w", err)
				}
				if err := s.notify(ctx, id, "handover", "account", id); err != nil {
					return err
				}
			}
		}
		var held []int64
		if err := s.db(ctx).Model(&Account{}).Where("official_id IN ?", []int64{officialID, in.SuccessorID}).Pluck("id", &held).Error; err != nil {
			return fmt.Errorf("leave office: %w", err)
		}
		s.touch(ctx, held...)
		return s.record(ctx, a, "leave_office", "official", officialID, map[string]any{"left_on": datePtr(in.LeftOn),
			"successor_id": in.SuccessorID, "accounts_handed_over": moved})
	})
	if err != nil {
		return nil, err
	}
	return s.official(ctx, officialID)
}

// Handovers lists an account's handovers, oldest first.
func (s *Store) Handovers(ctx context.Context, accountID int64) ([]Handover, error) {
	var out []Handover
	if err := s.rdb(ctx).Where("account_id = ?", accountID).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("handovers: %w", err)
	}
	return out, nil
}

// Orphaned reports whether an office account's official has left with no
// successor.
func (v *AccountView) Orphaned() bool {
	return v.Capacity == CapacityOffice && v.OfficialID != nil && !v.OfficialServing
}
