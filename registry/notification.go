package registry

import (
	"context"
	"fmt"
	"time"
)

// Notification tells a user that something changed for them: a decision, a
// question, an exemption ending soon.
type Notification struct {
	ID        int64
	UserID    int64
	Kind      string // info_requested, approved, rejected, revoked, expiring, handover
	Entity    string
	EntityID  int64
	AccountID *int64
	CreatedAt time.Time
	ReadAt    *time.Time
}

// notify tells the people responsible for an account: the users of its
// official, and the liaisons of its agency and the agencies above it.
func (s *Store) notify(ctx context.Context, accountID int64, kind, entity string, entityID int64) error {
	acc, err := s.account(ctx, accountID)
	if err != nil {
		return err
	}
	anc := AncestryOf(acc.AgencyPath)
	var agencyIDs []int64
	for _, id := range anc {
		if id != nil {
			agencyIDs = append(agencyIDs, *id)
		}
	}
	q := s.db(ctx).Model(&User{}).Select("id").Where("active AND role = ? AND agency_id IN ?", RoleLiaison, agencyIDs)
	if acc.OfficialID != nil {
		q = q.Or("active AND role = ? AND official_id = ?", RoleOfficial, *acc.OfficialID)
	}
	var users []int64
	if err := q.Pluck("id", &users).Error; err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	now := s.Now()
	for _, u := range users {
		n := Notification{UserID: u, Kind: kind, Entity: entity, EntityID: entityID, AccountID: &accountID, CreatedAt: now}
		if err := s.db(ctx).Create(&n).Error; err != nil {
			return fmt.Errorf("notify: %w", err)
		}
	}
	return nil
}

// Notifications lists the actor's notifications, newest first.
func (s *Store) Notifications(ctx context.Context, a Actor, unreadOnly bool, p Page) (Result[Notification], error) {
	var res Result[Notification]
	q := s.rdb(ctx).Model(&Notification{}).Where("user_id = ?", a.UserID)
	if unreadOnly {
		q = q.Where("read_at IS NULL")
	}
	q, _, _, err := keyset(q, p, map[string]sortSpec{"id": {column: "id"}}, "-id", "id")
	if err != nil {
		return res, err
	}
	if err := q.Find(&res.Items).Error; err != nil {
		return res, fmt.Errorf("notifications: %w", err)
	}
	res.Items, res.Next = trim(res.Items, p, func(x Notification) string { return encodeCursor(nil, x.ID) })
	return res, nil
}

// UnreadCount is how many notifications the actor has not read.
func (s *Store) UnreadCount(ctx context.Context, a Actor) (int64, error) {
	var n int64
	err := s.rdb(ctx).Model(&Notification{}).Where("user_id = ? AND read_at IS NULL", a.UserID).Count(&n).Error
	return n, err
}

// MarkRead marks one notification (id > 0) or all of the actor's as read.
func (s *Store) MarkRead(ctx context.Context, a Actor, id int64) error {
	q := s.db(ctx).Model(&Notification{}).Where("user_id = ? AND read_at IS NULL", a.UserID)
	if id > 0 {
		q = q.Where("id = ?", id)
	}
	return q.Update("read_at", s.Now()).Error
}
