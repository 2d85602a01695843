package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// record appends an audit event inside the current write transaction (on
// its own, in one of its own). Writes are serialised (one writer; on
// PostgreSQL one lock across servers), so the event it reads as the last is
// the last: no other write can slip in between. The event gets the next id
// (nextAuditID), then its hash (see audit_chain.go).
func (s *Store) record(ctx context.Context, a Actor, action, entity string, id int64, change any) error {
	ev := AuditEvent{At: s.Now().Truncate(time.Microsecond), Actor: a.Username, Action: action, Entity: entity, EntityID: id, IP: a.IP}
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
	return s.Tx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		lastID, prev, _, err := chainTail(ctx, db)
		if err != nil {
			return err
		}
		if ev.ID, err = s.nextAuditID(ctx, lastID, 1); err != nil {
			return err
		}
		ev.PrevHash = prev
		if _, err := db.ExecContext(ctx, "INSERT INTO audit_events (id, at, actor_id, actor, action, entity, entity_id, change, ip, prev_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			ev.ID, ev.At, ev.ActorID, ev.Actor, ev.Action, ev.Entity, ev.EntityID, ev.Change, ev.IP, ev.PrevHash); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		var h hasher
		sum, _ := h.hash(prev, &ev) // prev is the genesis hash or one the chain holds
		if _, err := db.ExecContext(ctx, "UPDATE audit_events SET hash = ? WHERE id = ?", sum.String(), ev.ID); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		return nil
	})
}

// AuditFilter narrows the audit trail. From and To bound the time of the
// events: From included, To excluded.
type AuditFilter struct {
	Entity    string
	EntityID  int64
	ActorID   int64
	ActorName string // the username recorded with the event
	Action    string
	From, To  *time.Time
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
	if f.ActorName != "" {
		q = q.Where("actor = ?", f.ActorName)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	// Times are stored as text in UTC; compared as UTC text they sort as
	// the moments do.
	if f.From != nil {
		q = q.Where("at >= ?", f.From.UTC())
	}
	if f.To != nil {
		q = q.Where("at < ?", f.To.UTC())
	}
	var err error
	res.Counted = p.WithTotal
	if res.Total, res.TotalCapped, err = boundedCount(p, q.Session(&gorm.Session{})); err != nil {
		return res, fmt.Errorf("count audit events: %w", err)
	}
	q, _, _, err = keyset(q, p, map[string]sortSpec{"id": {column: "id"}}, "-id", "id")
	if err != nil {
		return res, err
	}
	if err := q.Find(&res.Items).Error; err != nil {
		return res, fmt.Errorf("list audit events: %w", err)
	}
	res.Items, res.Next = trim(res.Items, p, func(e AuditEvent) string { return encodeCursor(nil, e.ID) })
	if err := s.openAuditChanges(ctx, res.Items); err != nil {
		return res, err
	}
	return res, nil
}

// recordLabels say how to name the records an audit event can be about:
// the table, and the columns of the name in Persian and English. Accounts
// are named by handle unless personal: the trail keeps personal handles out.
var recordLabels = map[string]struct{ table, name, nameEn string }{
	"account":         {"accounts", "CASE WHEN capacity = 'personal' THEN '' ELSE display END", "''"},
	"official":        {"officials", "name", "''"},
	"agency":          {"agencies", "name", "name_en"},
	"platform":        {"platforms", "name", "name_en"},
	"user":            {"users", "username", "''"},
	"justification":   {"justifications", "''", "''"},
	"exemption":       {"exemptions", "''", "''"},
	"group_exemption": {"group_exemptions", "title", "''"},
	"directive":       {"directives", "title", "''"},
}

// RecordLabel names a record an audit event is about; empty names when it
// has none to show.
type RecordLabel struct {
	Name, NameEn string
}

// RecordLabels names those of ids that still exist as records of entity,
// so an audit page links to the records that are there, by name. Entities
// without records of their own have none.
func (s *Store) RecordLabels(ctx context.Context, entity string, ids []int64) (map[int64]RecordLabel, error) {
	out := map[int64]RecordLabel{}
	l, ok := recordLabels[entity]
	if !ok || len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID           int64
		Name, NameEn string
	}
	q := fmt.Sprintf("SELECT id, %s AS name, %s AS name_en FROM %s WHERE id IN ?", l.name, l.nameEn, l.table)
	if err := s.rdb(ctx).Raw(q, ids).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("audit: %s records: %w", entity, err)
	}
	for _, r := range rows {
		out[r.ID] = RecordLabel{Name: r.Name, NameEn: r.NameEn}
	}
	return out, nil
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

// pendingEvent is one event of a bulk write, before it joins the chain.
type pendingEvent struct {
	action, entity string
	id             int64
	change         any
}

// recordMany appends many events in the current write transaction, with
// multi-row inserts: an import of a hundred thousand records writes a
// hundred thousand events in a fraction of the time one call each would
// take. Ids are given, not taken from the database, because each event's
// hash covers its id: writes are serialised, so the next ids are the
// chain's tail's successors.
func (s *Store) recordMany(ctx context.Context, a Actor, evs []pendingEvent) error {
	if len(evs) == 0 {
		return nil
	}
	return s.Tx(ctx, func(ctx context.Context) error {
		lastID, prev, _, err := chainTail(ctx, s.conn(ctx))
		if err != nil {
			return err
		}
		first, err := s.nextAuditID(ctx, lastID, len(evs))
		if err != nil {
			return err
		}
		lastID = first - 1
		at := s.Now().Truncate(time.Microsecond)
		var actorID *int64
		if a.UserID != 0 {
			uid := a.UserID
			actorID = &uid
		}
		const perInsert = 500
		var h hasher
		args := make([]any, 0, perInsert*11)
		ins := s.inserter(ctx, "audit_events", []string{"id", "at", "actor_id", "actor", "action", "entity", "entity_id", "change", "ip", "prev_hash", "hash"}, "")
		defer ins.close()
		flush := func(n int) error {
			if n == 0 {
				return nil
			}
			if err := ins.exec(ctx, n, args); err != nil {
				return fmt.Errorf("audit: %w", err)
			}
			args = args[:0]
			return nil
		}
		n := 0
		for i, pe := range evs {
			ev := AuditEvent{ID: lastID + int64(i) + 1, At: at, ActorID: actorID, Actor: a.Username, Action: pe.action, Entity: pe.entity, EntityID: pe.id, IP: a.IP, PrevHash: prev}
			if pe.change != nil {
				b, err := json.Marshal(pe.change)
				if err != nil {
					return fmt.Errorf("audit: %w", err)
				}
				ev.Change = string(b)
			}
			sum, _ := h.hash(prev, &ev) // prev is the genesis hash or one the chain holds
			ev.Hash = sum.String()
			args = append(args, ev.ID, ev.At, ev.ActorID, ev.Actor, ev.Action, ev.Entity, ev.EntityID, ev.Change, ev.IP, ev.PrevHash, ev.Hash)
			prev = ev.Hash
			if n++; n == perInsert {
				if err := flush(n); err != nil {
					return err
				}
				n = 0
			}
		}
		if err := flush(n); err != nil {
			return err
		}
		return nil
	})
}

// nextAuditID hands out n event ids and returns the first: past the
// highest ever given (audit_head, written in the same transaction), not
// the highest left, so events cut from the end of the trail leave the gap
// that verify reports; a write rolled back gives none away. tail is the
// last event's id, which a bulk load may have put past the head.
func (s *Store) nextAuditID(ctx context.Context, tail int64, n int) (int64, error) {
	db := s.conn(ctx)
	var issued int64
	if err := db.QueryRowContext(ctx, "SELECT last_id FROM audit_head WHERE id = 1").Scan(&issued); err != nil {
		return 0, fmt.Errorf("audit: head: %w", err)
	}
	first := max(issued, tail) + 1
	if _, err := db.ExecContext(ctx, "UPDATE audit_head SET last_id = ? WHERE id = 1", first+int64(n)-1); err != nil {
		return 0, fmt.Errorf("audit: head: %w", err)
	}
	if err := s.bumpSequence(ctx, "audit_events", first+int64(n)-1); err != nil {
		return 0, fmt.Errorf("audit: %w", err)
	}
	return first, nil
}
