package registry

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"time"

	"gorm.io/gorm/schema"
)

// Access on request: everything Hozur holds about one official, in one
// record, for them to download (the privacy directive's right of access) or
// for the oversight office to hand over. An official's data is small, so
// the record is built in memory; only the audit trail, which can grow with
// every change, is capped.

// AccessAuditCap is how many audit events an access record carries at most:
// the newest ones. The full trail stays available from the oversight office.
const AccessAuditCap = 10000

// Row is one stored record as its columns, named as the database names
// them, so that an export shows every field there is, new ones included.
type Row map[string]any

// AccessRecord is everything held about one official.
type AccessRecord struct {
	GeneratedAt time.Time
	OfficialID  int64
	Official    Row
	// Users are the official's user accounts, without password hashes.
	Users    []Row
	Accounts []Row // every account they hold, of any capacity
	// Justifications are those about their accounts or filed by their
	// users, each with its conversation under "notes".
	Justifications []Row
	Exemptions     []Row
	// GroupExemptions are those in force now whose scope covers one of
	// their accounts; "account_ids" names which.
	GroupExemptions []Row
	Handovers       []Row // office accounts passed to or from them
	Flags           []Row // the monitor's findings about them or their accounts
	Notifications   []Row // addressed to their users
	// ErasureRequests are the requests to erase their data, with what
	// they said (unless their data was erased).
	ErasureRequests []Row
	// AuditEvents are the events about their records and those their users
	// caused, oldest first; AuditCapped says the oldest were left out.
	AuditEvents []Row
	AuditCapped bool
	Declaration []PersonalField
}

// AccessCount is how many records of a kind an access record holds.
type AccessCount struct {
	Kind string
	N    int
}

// Counts are the record's sizes by kind, in display order.
func (r *AccessRecord) Counts() []AccessCount {
	notes := 0
	for _, j := range r.Justifications {
		if n, ok := j["notes"].([]Row); ok {
			notes += len(n)
		}
	}
	return []AccessCount{{"official", 1}, {"users", len(r.Users)}, {"accounts", len(r.Accounts)},
		{"justifications", len(r.Justifications)}, {"notes", notes}, {"exemptions", len(r.Exemptions)},
		{"group_exemptions", len(r.GroupExemptions)}, {"handovers", len(r.Handovers)}, {"flags", len(r.Flags)},
		{"notifications", len(r.Notifications)}, {"erasure_requests", len(r.ErasureRequests)}, {"audit_events", len(r.AuditEvents)}}
}

// AccessExport builds everything held about an official, with the
// declaration (its retention texts filled from terms), and records in the
// audit trail that it was exported. The official themselves, reviewers,
// admins and auditors may; see Can.
func (s *Store) AccessExport(ctx context.Context, a Actor, officialID int64, terms PrivacyTerms) (*AccessRecord, error) {
	r, err := s.accessRecord(ctx, a, officialID)
	if err != nil {
		return nil, err
	}
	r.Declaration = Declaration(terms)
	if err := s.Record(ctx, a, "access_export", "official", officialID, nil); err != nil {
		return nil, err
	}
	return r, nil
}

// AccessSummary counts what is held about an official by kind, for the page
// that offers the download; it is not an export and is not recorded.
func (s *Store) AccessSummary(ctx context.Context, a Actor, officialID int64) ([]AccessCount, error) {
	r, err := s.accessRecord(ctx, a, officialID)
	if err != nil {
		return nil, err
	}
	return r.Counts(), nil
}

func (s *Store) accessRecord(ctx context.Context, a Actor, officialID int64) (*AccessRecord, error) {
	o, err := s.official(ctx, officialID)
	if err != nil {
		return nil, err
	}
	if !a.Can(ActionView, Target{Resource: ResPersonalData, AgencyPath: o.AgencyPath, OfficialID: o.ID}) {
		return nil, ErrForbidden
	}
	r := &AccessRecord{GeneratedAt: s.Now(), OfficialID: o.ID, Official: rowOf(o)}
	// Erased: their data key is gone, and what it sealed with it.
	r.Official["erased"] = o.Erased
	ids, err := s.accessIDs(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	if err := s.accessUsers(ctx, r, ids); err != nil {
		return nil, err
	}
	for _, id := range ids.accounts {
		acc, err := s.account(ctx, id)
		if err != nil {
			return nil, err
		}
		row := rowOf(acc)
		row["erased"] = acc.Erased
		r.Accounts = append(r.Accounts, row)
	}
	for _, id := range ids.justifications {
		j, err := s.justification(ctx, id)
		if err != nil {
			return nil, err
		}
		row := rowOf(j)
		row["notes"] = rowsOf(j.Notes)
		row["erased"], row["account_erased"] = j.Erased, j.AccountErased
		r.Justifications = append(r.Justifications, row)
	}
	if err := s.accessCover(ctx, r, ids); err != nil {
		return nil, err
	}
	if err := s.accessFlags(ctx, r, ids); err != nil {
		return nil, err
	}
	if err := s.accessErasures(ctx, r, ids); err != nil {
		return nil, err
	}
	if err := s.accessAudit(ctx, r, ids); err != nil {
		return nil, err
	}
	for _, list := range []*[]Row{&r.Users, &r.Accounts, &r.Justifications, &r.Exemptions, &r.GroupExemptions, &r.Handovers,
		&r.Flags, &r.Notifications, &r.ErasureRequests, &r.AuditEvents} {
		if *list == nil {
			*list = []Row{}
		}
	}
	return r, nil
}

// accessKeys are the ids of the records about one official, gathered as
// the record is built.
type accessKeys struct {
	official                                int64
	users, accounts, justifications, tokens []int64
	exemptions, flags, erasures             []int64
}

func (s *Store) accessIDs(ctx context.Context, officialID int64) (*accessKeys, error) {
	k := &accessKeys{official: officialID}
	db := s.rdb(ctx)
	if err := db.Table("users").Where("official_id = ?", officialID).Order("id").Pluck("id", &k.users).Error; err != nil {
		return nil, fmt.Errorf("access export: users: %w", err)
	}
	if err := db.Table("accounts").Where("official_id = ?", officialID).Order("id").Pluck("id", &k.accounts).Error; err != nil {
		return nil, fmt.Errorf("access export: accounts: %w", err)
	}
	err := db.Table("justifications").Where("account_id IN ? OR filed_by IN ?", k.accounts, k.users).Order("id").Pluck("id", &k.justifications).Error
	if err != nil {
		return nil, fmt.Errorf("access export: justifications: %w", err)
	}
	if err := db.Table("api_tokens").Where("user_id IN ?", k.users).Order("id").Pluck("id", &k.tokens).Error; err != nil {
		return nil, fmt.Errorf("access export: api tokens: %w", err)
	}
	return k, nil
}

// accessUsers adds the official's users, their notifications and the
// handovers of their office accounts.
func (s *Store) accessUsers(ctx context.Context, r *AccessRecord, k *accessKeys) error {
	db := s.rdb(ctx)
	var users []User
	if err := db.Where("id IN ?", k.users).Order("id").Find(&users).Error; err != nil {
		return fmt.Errorf("access export: users: %w", err)
	}
	for i := range users {
		row := rowOf(&users[i])
		delete(row, "password_hash")
		r.Users = append(r.Users, row)
	}
	var notes []Notification
	if err := db.Where("user_id IN ?", k.users).Order("id").Find(&notes).Error; err != nil {
		return fmt.Errorf("access export: notifications: %w", err)
	}
	r.Notifications = rowsOf(notes)
	var hs []Handover
	if err := db.Where("from_official_id = ? OR to_official_id = ?", k.official, k.official).Order("id").Find(&hs).Error; err != nil {
		return fmt.Errorf("access export: handovers: %w", err)
	}
	r.Handovers = rowsOf(hs)
	return nil
}

// accessCover adds the exemptions of their accounts and justifications,
// and the group exemptions in force whose scope takes in their accounts.
func (s *Store) accessCover(ctx context.Context, r *AccessRecord, k *accessKeys) error {
	var exs []Exemption
	if err := s.rdb(ctx).Where("account_id IN ? OR justification_id IN ?", k.accounts, k.justifications).Order("id").Find(&exs).Error; err != nil {
		return fmt.Errorf("access export: exemptions: %w", err)
	}
	r.Exemptions = rowsOf(exs)
	for _, e := range exs {
		k.exemptions = append(k.exemptions, e.ID)
	}
	if len(k.accounts) == 0 {
		return nil
	}
	facts, err := s.factsOf(ctx, k.accounts)
	if err != nil {
		return err
	}
	now := s.Now()
	groups, paths, err := s.groupsInForce(ctx, now)
	if err != nil {
		return err
	}
	for i := range groups {
		g := &groups[i]
		if !g.ValidAt(now, s.rules.Location) {
			continue
		}
		sc := g.ParsedScope()
		var covered []int64
		for _, id := range k.accounts {
			if f, ok := facts[id]; ok && sc.Matches(f, paths) {
				covered = append(covered, id)
			}
		}
		if len(covered) > 0 {
			row := rowOf(g)
			row["account_ids"] = covered
			r.GroupExemptions = append(r.GroupExemptions, row)
		}
	}
	return nil
}

// accessFlags adds the monitor's flags about them, their accounts or their
// justifications. The monitor owns the flags table; the registry reads it
// as plain rows.
func (s *Store) accessFlags(ctx context.Context, r *AccessRecord, k *accessKeys) error {
	var rows []map[string]any
	err := s.rdb(ctx).Table("flags").
		Where("official_id = ? OR account_id IN ?", k.official, k.accounts).
		Or("subject_type = 'official' AND subject_id = ?", k.official).
		Or("subject_type = 'account' AND subject_id IN ?", k.accounts).
		Or("subject_type = 'justification' AND subject_id IN ?", k.justifications).
		Order("id").Find(&rows).Error
	if err != nil {
		return fmt.Errorf("access export: flags: %w", err)
	}
	for _, m := range rows {
		r.Flags = append(r.Flags, Row(m))
		if id, ok := m["id"].(int64); ok {
			k.flags = append(k.flags, id)
		}
	}
	return nil
}

// accessErasures adds their erasure requests, opened as the store shows
// them.
func (s *Store) accessErasures(ctx context.Context, r *AccessRecord, k *accessKeys) error {
	if err := s.rdb(ctx).Table("erasure_requests").Where("official_id = ?", k.official).Order("id").Pluck("id", &k.erasures).Error; err != nil {
		return fmt.Errorf("access export: erasure requests: %w", err)
	}
	for _, id := range k.erasures {
		v, err := s.erasure(ctx, id)
		if err != nil {
			return err
		}
		row := rowOf(v)
		row["erased"] = v.Erased
		r.ErasureRequests = append(r.ErasureRequests, row)
	}
	return nil
}

// accessAudit adds the audit events about their records and those their
// users caused: the newest AccessAuditCap, oldest first.
func (s *Store) accessAudit(ctx context.Context, r *AccessRecord, k *accessKeys) error {
	q := s.rdb(ctx).Where("entity = 'official' AND entity_id = ?", k.official)
	for _, e := range []struct {
		entity string
		ids    []int64
	}{{"account", k.accounts}, {"justification", k.justifications}, {"exemption", k.exemptions}, {"user", k.users},
		{"api_token", k.tokens}, {"flag", k.flags}, {"erasure", k.erasures}} {
		if len(e.ids) > 0 {
			q = q.Or("entity = ? AND entity_id IN ?", e.entity, e.ids)
		}
	}
	if len(k.users) > 0 {
		q = q.Or("actor_id IN ?", k.users)
	}
	var evs []AuditEvent
	if err := q.Order("id DESC").Limit(AccessAuditCap + 1).Find(&evs).Error; err != nil {
		return fmt.Errorf("access export: audit events: %w", err)
	}
	if len(evs) > AccessAuditCap {
		evs, r.AuditCapped = evs[:AccessAuditCap], true
	}
	slices.Reverse(evs)
	// Officials' names in the trail are sealed: open them as the audit page
	// does (an erased official's read as erased).
	if err := s.openAuditChanges(ctx, evs); err != nil {
		return err
	}
	r.AuditEvents = rowsOf(evs)
	return nil
}

// rowSchemas caches the parsed shapes of the records rowOf turns into rows.
var rowSchemas sync.Map

// rowOf is a record as its stored columns (gorm's names for its fields);
// fields that are not stored are left out.
func rowOf(v any) Row {
	sch, err := schema.Parse(v, &rowSchemas, schema.NamingStrategy{})
	if err != nil {
		// Only the registry's own model types come here: a type gorm cannot
		// parse is a programming error.
		panic(fmt.Sprintf("access export: %T: %v", v, err))
	}
	rv := reflect.Indirect(reflect.ValueOf(v))
	out := make(Row, len(sch.Fields))
	for _, f := range sch.Fields {
		if f.DBName == "" {
			continue
		}
		val, _ := f.ValueOf(context.Background(), rv)
		out[f.DBName] = val
	}
	return out
}

// rowsOf is rowOf over a list.
func rowsOf[T any](list []T) []Row {
	out := make([]Row, len(list))
	for i := range list {
		out[i] = rowOf(&list[i])
	}
	return out
}
