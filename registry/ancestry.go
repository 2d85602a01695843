package registry

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// MaxAgencyDepth is the deepest level of the agency tree (the root is 0):
// five levels hold a ministry's four management levels under it, and the
// accounts table keeps one ancestor column per level.
const MaxAgencyDepth = 4

// Ancestry is an agency path as ancestor ids by depth: Ancestry("/3/17/")
// is [3, 17, nil, nil, nil].
type Ancestry [MaxAgencyDepth + 1]*int64

// AncestryOf parses an agency path.
func AncestryOf(path string) Ancestry {
	var a Ancestry
	for i, p := range strings.Split(strings.Trim(path, "/"), "/") {
		if i > MaxAgencyDepth {
			break
		}
		if id, err := strconv.ParseInt(p, 10, 64); err == nil {
			a[i] = &id
		}
	}
	return a
}

// columns is the ancestry as account columns, for an update.
func (a Ancestry) columns() map[string]any {
	m := map[string]any{}
	for i, id := range a {
		m[fmt.Sprintf("agency_at%d", i)] = id
	}
	return m
}

func (a Ancestry) apply(acc *Account) {
	acc.AgencyAt0, acc.AgencyAt1, acc.AgencyAt2, acc.AgencyAt3, acc.AgencyAt4 = a[0], a[1], a[2], a[3], a[4]
}

// subtreeCondition is "the account's holder agency is in the subtree at
// path": an equality on one ancestor column, which its index answers in id
// order.
func subtreeCondition(path string) (string, int64) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	depth := len(parts) - 1
	id, _ := strconv.ParseInt(parts[depth], 10, 64)
	return fmt.Sprintf("accounts.agency_at%d = ?", depth), id
}

// onAccounts limits a query joined to accounts to the scope, and to the
// subtree at within if that is set: the one place account-based lists
// (accounts, justifications, exemptions, counts) apply who sees what.
func (sc Scope) onAccounts(q *gorm.DB, within string) *gorm.DB {
	if sc.AgencyPath != "" {
		q = q.Where(subtreeCondition(sc.AgencyPath))
	}
	if sc.OfficialID != 0 {
		q = q.Where("accounts.official_id = ?", sc.OfficialID)
	}
	if within != "" {
		q = q.Where(subtreeCondition(within))
	}
	return q
}

// reparentAccounts brings the ancestor columns of every account held in
// the subtree at path up to date after the subtree moved.
func (s *Store) reparentAccounts(ctx context.Context, path string) error {
	lo, hi := pathRange(path)
	var ags []Agency
	if err := s.db(ctx).Select("id, path").Where("path >= ? AND path < ?", lo, hi).Find(&ags).Error; err != nil {
		return fmt.Errorf("move accounts: %w", err)
	}
	for _, ag := range ags {
		if err := s.db(ctx).Model(&Account{}).Where("agency_id = ?", ag.ID).Updates(AncestryOf(ag.Path).columns()).Error; err != nil {
			return fmt.Errorf("move accounts: %w", err)
		}
	}
	return nil
}

// agencyHeight is how many levels the subtree at path reaches below it.
func (s *Store) agencyHeight(ctx context.Context, ag *Agency) (int, error) {
	lo, hi := pathRange(ag.Path)
	var maxDepth int
	err := s.db(ctx).Model(&Agency{}).Select("COALESCE(MAX(depth), 0)").Where("path >= ? AND path < ?", lo, hi).Scan(&maxDepth).Error
	return maxDepth - ag.Depth, err
}
