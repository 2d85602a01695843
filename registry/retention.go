package registry

import (
	"context"
	"fmt"
	"time"
)

// RetentionPolicy says how long personal data is kept.
type RetentionPolicy struct {
	LeftOfficeMonths    int // after an official's term ended
	ClosedAccountMonths int // after a personal account was closed
}

// RetentionCounts is what a retention run erased.
type RetentionCounts struct {
	Officials int `json:"officials"`
	Accounts  int `json:"accounts"`
}

// retentionBatch is how many records one transaction of a retention run
// erases: the server's writes wait for one batch at a time.
const retentionBatch = 200

// PurgeRetained erases what has been kept long enough: the personal data of
// officials whose term ended LeftOfficeMonths before now (as an erasure of
// everything: their key is destroyed), and the handles of personal
// accounts closed ClosedAccountMonths before now. Each erasure is audited,
// by the system.
func (s *Store) PurgeRetained(ctx context.Context, now time.Time, p RetentionPolicy) (RetentionCounts, error) {
	var out RetentionCounts
	officialsBefore := now.AddDate(0, -p.LeftOfficeMonths, 0).UTC()
	accountsBefore := now.AddDate(0, -p.ClosedAccountMonths, 0).UTC()
	for {
		var ids []int64
		// Officials already erased have no live key: the anti-join skips
		// them.
		err := s.rdb(ctx).Model(&Official{}).Where(`NOT serving AND term_end IS NOT NULL AND term_end < ?
AND NOT EXISTS (SELECT 1 FROM data_keys WHERE data_keys.official_id = officials.id AND data_keys.purpose = ? AND data_keys.wrapped = '')`,
			officialsBefore, keyOfficial).Order("id").Limit(retentionBatch).Pluck("id", &ids).Error
		if err != nil {
			return out, fmt.Errorf("retention: officials: %w", err)
		}
		if len(ids) == 0 {
			break
		}
		err = s.Tx(ctx, func(ctx context.Context) error {
			for _, id := range ids {
				if err := s.erase(ctx, id, ErasureAll); err != nil {
					return err
				}
				if err := s.record(ctx, System, "retention_erase", "official", id, map[string]any{"left_office_months": p.LeftOfficeMonths}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return out, err
		}
		out.Officials += len(ids)
	}
	for {
		var ids []int64
		err := s.rdb(ctx).Model(&Account{}).Where("status = ? AND capacity = ? AND closed_at < ? AND handle NOT LIKE 'erased-%'",
			StatusClosed, CapacityPersonal, accountsBefore).Order("id").Limit(retentionBatch).Pluck("id", &ids).Error
		if err != nil {
			return out, fmt.Errorf("retention: accounts: %w", err)
		}
		if len(ids) == 0 {
			break
		}
		err = s.Tx(ctx, func(ctx context.Context) error {
			for _, id := range ids {
				if err := s.eraseAccountHandle(ctx, id); err != nil {
					return err
				}
				if err := s.record(ctx, System, "retention_erase", "account", id, map[string]any{"closed_account_months": p.ClosedAccountMonths}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return out, err
		}
		out.Accounts += len(ids)
	}
	return out, nil
}

// eraseAccountHandle replaces a personal account's handle with a
// placeholder that keeps the row unique.
func (s *Store) eraseAccountHandle(ctx context.Context, id int64) error {
	err := s.db(ctx).Model(&Account{}).Where("id = ?", id).
		Updates(map[string]any{"handle": fmt.Sprintf("erased-%d", id), "display": "", "url": "", "verification": VerificationUnverified}).Error
	if err != nil {
		return fmt.Errorf("erase account %d: %w", id, err)
	}
	s.touch(ctx, id)
	return nil
}
