package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"hozur/registry/textnorm"
)

// GroupScope says which accounts a group exemption covers. Every list that
// is not empty must match; an empty list matches anything.
type GroupScope struct {
	Agencies   []ScopeAgency `json:"agencies,omitempty"`
	Ranks      []int         `json:"ranks,omitempty"`
	Positions  []string      `json:"positions,omitempty"` // position titles, compared by textnorm.Key
	Platforms  []string      `json:"platforms,omitempty"` // platform codes
	Categories []string      `json:"categories,omitempty"`
	Capacities []string      `json:"capacities,omitempty"`
}

// ScopeAgency is an agency in a scope, with or without its sub-agencies.
type ScopeAgency struct {
	ID         int64 `json:"id"`
	IncludeSub bool  `json:"include_sub"`
}

// GroupExemption covers, by a legal rule, every account in its scope: e.g.
// public relations officers monitoring platforms.
type GroupExemption struct {
	ID           int64
	Title        string
	LegalRef     string
	LegalDate    time.Time
	Scope        string // GroupScope as JSON
	ValidFrom    time.Time
	ValidUntil   *time.Time // nil: until revoked
	RevokedAt    *time.Time
	RevokeReason string
	CreatedBy    *int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// ParsedScope decodes the scope.
func (g GroupExemption) ParsedScope() GroupScope {
	var sc GroupScope
	_ = json.Unmarshal([]byte(g.Scope), &sc)
	return sc
}

// ValidAt reports whether the group exemption is in force at t.
func (g GroupExemption) ValidAt(t time.Time, tz *time.Location) bool {
	return !t.Before(g.ValidFrom) && (g.ValidUntil == nil || t.Before(dayAfter(*g.ValidUntil, tz))) && (g.RevokedAt == nil || t.Before(*g.RevokedAt))
}

// AccountFacts are what coverage looks at.
type AccountFacts struct {
	AccountID  int64
	AgencyPath string // the holder agency's path
	Rank       int    // the holding official's rank; 0 for institutional accounts
	Position   string
	Platform   string
	Category   string
	Capacity   string
}

// Matches reports whether the scope covers an account. paths maps scope
// agency ids to their current tree paths.
func (sc GroupScope) Matches(f AccountFacts, paths map[int64]string) bool {
	if len(sc.Agencies) > 0 {
		ok := false
		for _, ag := range sc.Agencies {
			p := paths[ag.ID]
			if p != "" && (f.AgencyPath == p || (ag.IncludeSub && strings.HasPrefix(f.AgencyPath, p))) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if len(sc.Ranks) > 0 && !slices.Contains(sc.Ranks, f.Rank) {
		return false
	}
	if len(sc.Positions) > 0 {
		key := textnorm.Key(f.Position)
		ok := false
		for _, p := range sc.Positions {
			ok = ok || (key != "" && textnorm.Key(p) == key)
		}
		if !ok {
			return false
		}
	}
	if len(sc.Platforms) > 0 && !slices.Contains(sc.Platforms, f.Platform) {
		return false
	}
	if len(sc.Categories) > 0 && !slices.Contains(sc.Categories, f.Category) {
		return false
	}
	if len(sc.Capacities) > 0 && !slices.Contains(sc.Capacities, f.Capacity) {
		return false
	}
	return true
}

// Cover kinds.
const (
	CoverIndividual = "individual"
	CoverGroup      = "group"
	CoverNone       = "none"
)

// Cover says what covers an account at a moment, and until when.
type Cover struct {
	Kind        string
	Until       *time.Time // last covered day; nil with CoverNone or an open-ended group exemption
	ExemptionID int64
	GroupID     int64
	GroupTitle  string
}

// CoverOf is the one rule for coverage: of the individual and group
// exemptions valid at t, the one lasting longest covers the account (an
// open-ended group exemption lasts longest; an individual one wins a tie).
func CoverOf(f AccountFacts, exemptions []Exemption, groups []GroupExemption, paths map[int64]string, t time.Time, tz *time.Location) Cover {
	best := Cover{Kind: CoverNone}
	later := func(u *time.Time) bool {
		switch {
		case best.Kind == CoverNone:
			return true
		case best.Until == nil:
			return false
		case u == nil:
			return true
		}
		return u.After(*best.Until)
	}
	for _, e := range exemptions {
		if e.AccountID == f.AccountID && e.ValidAt(t, tz) {
			u := e.ValidUntil
			if later(&u) {
				best = Cover{Kind: CoverIndividual, Until: &u, ExemptionID: e.ID}
			}
		}
	}
	for _, g := range groups {
		if g.ValidAt(t, tz) && g.ParsedScope().Matches(f, paths) && later(g.ValidUntil) {
			best = Cover{Kind: CoverGroup, Until: g.ValidUntil, GroupID: g.ID, GroupTitle: g.Title}
		}
	}
	return best
}

const factsColumns = `accounts.id AS account_id, agencies.path AS agency_path, COALESCE(officials.rank, 0) AS rank,
COALESCE(officials.position, '') AS position, platforms.code AS platform, platforms.category AS category, accounts.capacity AS capacity`

// facts loads what coverage needs of an account.
func (s *Store) facts(ctx context.Context, accountID int64) (AccountFacts, error) {
	var f AccountFacts
	err := s.rdb(ctx).Table("accounts").Select(factsColumns).Joins(s.joins(accountJoins)).Where("accounts.id = ?", accountID).Take(&f).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return f, ErrNotFound
	}
	return f, err
}

// factsOf loads the facts of many accounts in one query.
func (s *Store) factsOf(ctx context.Context, ids []int64) (map[int64]AccountFacts, error) {
	var list []AccountFacts
	if err := s.rdb(ctx).Table("accounts").Select(factsColumns).Joins(s.joins(accountJoins)).Where("accounts.id IN ?", ids).Scan(&list).Error; err != nil {
		return nil, fmt.Errorf("account facts: %w", err)
	}
	out := make(map[int64]AccountFacts, len(list))
	for _, f := range list {
		out[f.AccountID] = f
	}
	return out, nil
}

// groupsInForce loads the group exemptions valid at t and the paths of the
// agencies their scopes name.
func (s *Store) groupsInForce(ctx context.Context, t time.Time) ([]GroupExemption, map[int64]string, error) {
	var groups []GroupExemption
	t = t.UTC()
	if err := s.rdb(ctx).Where("valid_from <= ? AND (revoked_at IS NULL OR revoked_at > ?)", t, t).Find(&groups).Error; err != nil {
		return nil, nil, fmt.Errorf("group exemptions: %w", err)
	}
	var ids []int64
	for _, g := range groups {
		for _, ag := range g.ParsedScope().Agencies {
			ids = append(ids, ag.ID)
		}
	}
	paths := map[int64]string{}
	if len(ids) > 0 {
		var ags []Agency
		if err := s.rdb(ctx).Select("id, path").Where("id IN ?", ids).Find(&ags).Error; err != nil {
			return nil, nil, fmt.Errorf("group exemptions: %w", err)
		}
		for _, a := range ags {
			paths[a.ID] = a.Path
		}
	}
	return groups, paths, nil
}

// GroupsInForce returns the group exemptions in force at t and the current
// paths of the agencies their scopes name, for set-based coverage checks.
func (s *Store) GroupsInForce(ctx context.Context, t time.Time) ([]GroupExemption, map[int64]string, error) {
	return s.groupsInForce(ctx, t)
}

// Coverage says what covers an account at t.
func (s *Store) Coverage(ctx context.Context, accountID int64, t time.Time) (Cover, error) {
	f, err := s.facts(ctx, accountID)
	if err != nil {
		return Cover{}, err
	}
	var exs []Exemption
	if err := s.rdb(ctx).Where("account_id = ?", accountID).Find(&exs).Error; err != nil {
		return Cover{}, fmt.Errorf("coverage: %w", err)
	}
	groups, paths, err := s.groupsInForce(ctx, t)
	if err != nil {
		return Cover{}, err
	}
	return CoverOf(f, exs, groups, paths, t, s.rules.Location), nil
}

// Coverages says what covers each of many accounts at t, in four queries
// whatever their number (for lists and dashboards).
func (s *Store) Coverages(ctx context.Context, ids []int64, t time.Time) (map[int64]Cover, error) {
	out := make(map[int64]Cover, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	facts, err := s.factsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	var exs []Exemption
	if err := s.rdb(ctx).Where("account_id IN ? AND revoked_at IS NULL OR (account_id IN ? AND revoked_at > ?)", ids, ids, t.UTC()).Find(&exs).Error; err != nil {
		return nil, fmt.Errorf("coverage: %w", err)
	}
	byAccount := map[int64][]Exemption{}
	for _, e := range exs {
		byAccount[e.AccountID] = append(byAccount[e.AccountID], e)
	}
	groups, paths, err := s.groupsInForce(ctx, t)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if f, ok := facts[id]; ok {
			out[id] = CoverOf(f, byAccount[id], groups, paths, t, s.rules.Location)
		}
	}
	return out, nil
}

// GroupExemptionInput is what the oversight office writes.
type GroupExemptionInput struct {
	Title      string
	LegalRef   string
	LegalDate  *time.Time
	Scope      GroupScope
	ValidFrom  *time.Time
	ValidUntil *time.Time
}

func (s *Store) checkGroupInput(ctx context.Context, in *GroupExemptionInput) error {
	in.Title, in.LegalRef = textnorm.Display(in.Title), strings.TrimSpace(in.LegalRef)
	fe := fieldErrors{}
	checkText(fe, "title", in.Title, true, 300)
	checkText(fe, "legal_ref", in.LegalRef, true, 100)
	if in.LegalDate == nil {
		fe.add("legal_date", "error.required")
	}
	if in.ValidFrom == nil {
		fe.add("valid_from", "error.required")
	}
	if in.ValidFrom != nil && in.ValidUntil != nil && in.ValidUntil.Before(*in.ValidFrom) {
		fe.add("valid_until", "error.end_before_start")
	}
	for _, ag := range in.Scope.Agencies {
		if _, err := s.Agency(ctx, ag.ID); err != nil {
			fe.add("scope.agencies", "error.not_found")
		}
	}
	for _, r := range in.Scope.Ranks {
		if r < 1 || r > 5 {
			fe.add("scope.ranks", "error.rank_range")
		}
	}
	for _, p := range in.Scope.Platforms {
		if _, err := s.PlatformByCode(ctx, p); err != nil {
			fe.add("scope.platforms", "error.not_found")
		}
	}
	for _, c := range in.Scope.Categories {
		if !slices.Contains(PlatformCategories, c) {
			fe.add("scope.categories", "error.choose")
		}
	}
	for _, c := range in.Scope.Capacities {
		if !slices.Contains(Capacities, c) {
			fe.add("scope.capacities", "error.choose")
		}
	}
	return fe.err()
}

// CreateGroupExemption records a group exemption.
func (s *Store) CreateGroupExemption(ctx context.Context, a Actor, in GroupExemptionInput) (*GroupExemption, error) {
	if !a.MayEver(ActionCreate, ResGroupExemption) {
		return nil, ErrForbidden
	}
	if err := s.checkGroupInput(ctx, &in); err != nil {
		return nil, err
	}
	scope, err := json.Marshal(in.Scope)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	g := &GroupExemption{Title: in.Title, LegalRef: in.LegalRef, LegalDate: *in.LegalDate, Scope: string(scope), ValidFrom: *in.ValidFrom,
		ValidUntil: in.ValidUntil, CreatedBy: idPtr(a.UserID), CreatedAt: now, UpdatedAt: now}
	err = s.Tx(ctx, func(ctx context.Context) error {
		if err := s.db(ctx).Create(g).Error; err != nil {
			return fmt.Errorf("create group exemption: %w", err)
		}
		s.touchAll(ctx)
		return s.record(ctx, a, "create", "group_exemption", g.ID, map[string]any{"title": g.Title, "legal_ref": g.LegalRef, "scope": in.Scope})
	})
	return g, err
}

// UpdateGroupExemption changes a group exemption.
func (s *Store) UpdateGroupExemption(ctx context.Context, a Actor, id int64, in GroupExemptionInput) (*GroupExemption, error) {
	if !a.MayEver(ActionUpdate, ResGroupExemption) {
		return nil, ErrForbidden
	}
	if err := s.checkGroupInput(ctx, &in); err != nil {
		return nil, err
	}
	scope, err := json.Marshal(in.Scope)
	if err != nil {
		return nil, err
	}
	err = s.Tx(ctx, func(ctx context.Context) error {
		cur, err := s.GroupExemption(ctx, a, id)
		if err != nil {
			return err
		}
		upd := map[string]any{"title": in.Title, "legal_ref": in.LegalRef, "legal_date": *in.LegalDate, "scope": string(scope),
			"valid_from": *in.ValidFrom, "valid_until": in.ValidUntil, "updated_at": s.Now()}
		if err := s.db(ctx).Model(&GroupExemption{}).Where("id = ?", id).Updates(upd).Error; err != nil {
			return fmt.Errorf("update group exemption: %w", err)
		}
		s.touchAll(ctx)
		return s.record(ctx, a, "update", "group_exemption", id, diff(map[string]any{"title": cur.Title, "legal_ref": cur.LegalRef, "scope": cur.Scope},
			map[string]any{"title": in.Title, "legal_ref": in.LegalRef, "scope": string(scope)}))
	})
	if err != nil {
		return nil, err
	}
	return s.GroupExemption(ctx, a, id)
}

// RevokeGroupExemption ends a group exemption now.
func (s *Store) RevokeGroupExemption(ctx context.Context, a Actor, id int64, reason string) (*GroupExemption, error) {
	if !a.MayEver(ActionUpdate, ResGroupExemption) {
		return nil, ErrForbidden
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, &ValidationError{Fields: map[string]string{"reason": "exemption.reason_required"}}
	}
	err := s.Tx(ctx, func(ctx context.Context) error {
		cur, err := s.GroupExemption(ctx, a, id)
		if err != nil {
			return err
		}
		if cur.RevokedAt != nil {
			return &ConflictError{Key: "exemption.already_revoked"}
		}
		if err := s.db(ctx).Model(&GroupExemption{}).Where("id = ?", id).Updates(map[string]any{"revoked_at": s.Now(), "revoke_reason": reason}).Error; err != nil {
			return fmt.Errorf("revoke group exemption: %w", err)
		}
		s.touchAll(ctx)
		return s.record(ctx, a, "revoke", "group_exemption", id, map[string]any{"reason": reason})
	})
	if err != nil {
		return nil, err
	}
	return s.GroupExemption(ctx, a, id)
}

// GroupExemption returns one group exemption.
func (s *Store) GroupExemption(ctx context.Context, a Actor, id int64) (*GroupExemption, error) {
	if !a.MayEver(ActionView, ResGroupExemption) {
		return nil, ErrForbidden
	}
	var g GroupExemption
	err := s.rdb(ctx).Where("id = ?", id).Take(&g).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get group exemption: %w", err)
	}
	return &g, nil
}

// GroupExemptions lists group exemptions, newest first.
func (s *Store) GroupExemptions(ctx context.Context, a Actor, p Page) (Result[GroupExemption], error) {
	var res Result[GroupExemption]
	if !a.MayEver(ActionView, ResGroupExemption) {
		return res, ErrForbidden
	}
	q, _, _, err := keyset(s.rdb(ctx).Model(&GroupExemption{}), p, map[string]sortSpec{"id": {column: "id"}}, "-id", "id")
	if err != nil {
		return res, err
	}
	if err := q.Find(&res.Items).Error; err != nil {
		return res, fmt.Errorf("list group exemptions: %w", err)
	}
	res.Items, res.Next = trim(res.Items, p, func(x GroupExemption) string { return encodeCursor(nil, x.ID) })
	return res, nil
}

// GroupCoveredAccounts lists the accounts a group exemption covers now,
// within what the actor may see. The scope's agencies, platforms and
// capacities narrow the query; ranks and positions are checked per row.
func (s *Store) GroupCoveredAccounts(ctx context.Context, a Actor, id int64, p Page) (Result[AccountView], error) {
	var res Result[AccountView]
	g, err := s.GroupExemption(ctx, a, id)
	if err != nil {
		return res, err
	}
	if !g.ValidAt(s.Now(), s.rules.Location) {
		// Out of force, it covers nothing: no need to walk the registry.
		return res, nil
	}
	sc := g.ParsedScope()
	_, paths, err := s.groupsInForce(ctx, s.Now())
	if err != nil {
		return res, err
	}
	for _, ag := range sc.Agencies {
		if _, ok := paths[ag.ID]; !ok {
			if x, err := s.Agency(ctx, ag.ID); err == nil {
				paths[ag.ID] = x.Path
			}
		}
	}
	f := AccountFilter{}
	if len(sc.Capacities) == 1 {
		f.Capacity = sc.Capacities[0]
	}
	if len(sc.Platforms) == 1 {
		f.Platform = sc.Platforms[0]
	}
	if len(sc.Agencies) == 1 {
		f.AgencyID = sc.Agencies[0].ID
	}
	// Walk the candidate pages until a page of covered accounts is full.
	want := p.perPage()
	cur := Page{PerPage: 200, Cursor: p.Cursor}
	for len(res.Items) < want {
		page, err := s.Accounts(ctx, a, f, cur)
		if err != nil {
			return res, err
		}
		ids := make([]int64, len(page.Items))
		for i, acc := range page.Items {
			ids[i] = acc.ID
		}
		facts, err := s.factsOf(ctx, ids)
		if err != nil {
			return res, err
		}
		for _, acc := range page.Items {
			if sc.Matches(facts[acc.ID], paths) {
				res.Items = append(res.Items, acc)
				if len(res.Items) == want {
					res.Next = encodeCursor(nil, acc.ID)
					return res, nil
				}
			}
		}
		if page.Next == "" {
			return res, nil
		}
		cur.Cursor = page.Next
	}
	return res, nil
}
