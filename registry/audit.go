package registry

import (
	"context"
	"encoding/json"
	"fmt"
)

// record appends an audit event inside the current write transaction.
func (s *Store) record(ctx context.Context, a Actor, action, entity string, id int64, change any) error {
	ev := AuditEvent{At: s.Now(), Actor: a.Username, Action: action, Entity: entity, EntityID: id, IP: a.IP}
	if a.UserID != 0 {
		uid := a.UserID
		ev.ActorID = &uid
	}
	if change != nil {
		b, err := json.Marshal(change)
		if err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		ev.Change = string(b)
	}
	if err := s.db(ctx).Create(&ev).Error; err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// AuditFilter narrows the audit trail.
type AuditFilter struct {
	Entity   string
	EntityID int64
	ActorID  int64
}

// AuditEvents lists audit events, newest first.
func (s *Store) AuditEvents(ctx context.Context, a Actor, f AuditFilter, p Page) (Result[AuditEvent], error) {
	var res Result[AuditEvent]
	if !a.Can(ActionView, Target{Resource: ResAudit}) {
		return res, ErrForbidden
	}
	q := s.rdb(ctx).Model(&AuditEvent{})
	if f.Entity != "" {
		q = q.Where("entity = ?", f.Entity)
	}
	if f.EntityID != 0 {
		q = q.Where("entity_id = ?", f.EntityID)
	}
	if f.ActorID != 0 {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	q, _, _, err := keyset(q, p, map[string]sortSpec{"id": {column: "id"}}, "-id", "id")
	if err != nil {
		return res, err
	}
	if err := q.Find(&res.Items).Error; err != nil {
		return res, fmt.Errorf("list audit events: %w", err)
	}
	res.Items, res.Next = trim(res.Items, p, func(e AuditEvent) string { return encodeCursor(nil, e.ID) })
	return res, nil
}

// trim cuts the look-ahead row and makes the next cursor from the last item.
func trim[T any](items []T, p Page, cur func(T) string) ([]T, string) {
	n := p.perPage()
	if len(items) <= n {
		return items, ""
	}
	items = items[:n]
	return items, cur(items[n-1])
}

// diff lists the fields that change from before to after, for the audit
// trail: {"field": [old, new]}.
func diff(before, after map[string]any) map[string][2]any {
	out := map[string][2]any{}
	for k, v := range after {
		if fmt.Sprint(before[k]) != fmt.Sprint(v) {
			out[k] = [2]any{before[k], v}
		}
	}
	return out
}
