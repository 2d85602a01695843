package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"hozur/registry"
)

// groupBody is a group exemption as the API shows it.
type groupBody struct {
	ID           int64      `json:"id"`
	Title        string     `json:"title"`
	LegalRef     string     `json:"legal_ref" doc:"the legal basis: its reference number"`
	LegalDate    jsonDate   `json:"legal_date" doc:"the legal basis: its date"`
	Scope        scopeBody  `json:"scope"`
	ValidFrom    jsonDate   `json:"valid_from"`
	ValidUntil   *jsonDate  `json:"valid_until" doc:"last covered day; null: until revoked"`
	RevokedAt    *time.Time `json:"revoked_at"`
	RevokeReason string     `json:"revoke_reason"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// scopeBody says which accounts a group exemption covers: every list that
// is not empty must match; an empty list matches anything.
type scopeBody struct {
	Agencies   []scopeAgencyBody `json:"agencies" doc:"holder agencies, each with or without its sub-agencies"`
	Ranks      []int             `json:"ranks" doc:"the holding official's rank levels, 1 to 5"`
	Positions  []string          `json:"positions" doc:"the holding official's position titles, compared after Persian normalisation"`
	Platforms  []string          `json:"platforms" doc:"platform codes"`
	Categories []string          `json:"categories" doc:"platform categories"`
	Capacities []string          `json:"capacities" doc:"account capacities"`
}

// scopeAgencyBody is an agency of a scope.
type scopeAgencyBody struct {
	ID         int64 `json:"id"`
	IncludeSub bool  `json:"include_sub" doc:"its sub-agencies too"`
}

func orEmpty[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}

func scopeBodyOf(sc registry.GroupScope) scopeBody {
	ags := make([]scopeAgencyBody, 0, len(sc.Agencies))
	for _, a := range sc.Agencies {
		ags = append(ags, scopeAgencyBody{ID: a.ID, IncludeSub: a.IncludeSub})
	}
	return scopeBody{Agencies: ags, Ranks: orEmpty(sc.Ranks), Positions: orEmpty(sc.Positions), Platforms: orEmpty(sc.Platforms),
		Categories: orEmpty(sc.Categories), Capacities: orEmpty(sc.Capacities)}
}

func (b scopeBody) scope() registry.GroupScope {
	sc := registry.GroupScope{Ranks: b.Ranks, Positions: b.Positions, Platforms: b.Platforms, Categories: b.Categories, Capacities: b.Capacities}
	for _, a := range b.Agencies {
		sc.Agencies = append(sc.Agencies, registry.ScopeAgency{ID: a.ID, IncludeSub: a.IncludeSub})
	}
	return sc
}

func groupBodyOf(tz *time.Location) func(registry.GroupExemption) groupBody {
	return func(g registry.GroupExemption) groupBody {
		return groupBody{ID: g.ID, Title: g.Title, LegalRef: g.LegalRef, LegalDate: dayOut(g.LegalDate, tz), Scope: scopeBodyOf(g.ParsedScope()),
			ValidFrom: dayOut(g.ValidFrom, tz), ValidUntil: dateOut(g.ValidUntil, tz), RevokedAt: timeOut(g.RevokedAt), RevokeReason: g.RevokeReason,
			CreatedAt: g.CreatedAt.UTC(), UpdatedAt: g.UpdatedAt.UTC()}
	}
}

// groupIn is the body of POST and PATCH on group exemptions. On PATCH a
// scope, when given, replaces the whole scope.
type groupIn struct {
	Title      *string     `json:"title"`
	LegalRef   *string     `json:"legal_ref" doc:"the legal basis: its reference number"`
	LegalDate  opt[string] `json:"legal_date" doc:"the legal basis: its date, YYYY-MM-DD" format:"date"`
	Scope      *scopeBody  `json:"scope" doc:"lists left out or empty match anything"`
	ValidFrom  opt[string] `json:"valid_from" doc:"first covered day, YYYY-MM-DD" format:"date"`
	ValidUntil opt[string] `json:"valid_until" doc:"last covered day, YYYY-MM-DD; null or left out: until revoked" format:"date"`
}

func (b groupIn) input(cur registry.GroupExemption, tz *time.Location) (registry.GroupExemptionInput, error) {
	bad := map[string]string{}
	var legal, from *time.Time
	if cur.ID != 0 {
		legal, from = &cur.LegalDate, &cur.ValidFrom
	}
	in := registry.GroupExemptionInput{Title: pick(b.Title, cur.Title), LegalRef: pick(b.LegalRef, cur.LegalRef),
		LegalDate: dateIn(b.LegalDate, legal, "legal_date", tz, bad), ValidFrom: dateIn(b.ValidFrom, from, "valid_from", tz, bad),
		ValidUntil: dateIn(b.ValidUntil, cur.ValidUntil, "valid_until", tz, bad), Scope: cur.ParsedScope()}
	if b.Scope != nil {
		in.Scope = b.Scope.scope()
	}
	return in, fieldsErr(bad)
}

func (s *Server) apiGroupList(c echo.Context) error {
	q := s.apiQuery(c)
	p := q.page()
	if err := q.err(); err != nil {
		return err
	}
	res, err := s.store.GroupExemptions(c.Request().Context(), actorOf(c), p)
	if err != nil {
		return err
	}
	return writeList(c, res, groupBodyOf(s.tz))
}

func (s *Server) apiGroupCreate(c echo.Context) error {
	var b groupIn
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	a := actorOf(c)
	if !a.MayEver(registry.ActionCreate, registry.ResGroupExemption) {
		return registry.ErrForbidden
	}
	in, err := b.input(registry.GroupExemption{}, s.tz)
	if err != nil {
		return err
	}
	g, err := s.store.CreateGroupExemption(c.Request().Context(), a, in)
	if err != nil {
		return err
	}
	return apiCreated(c, "group-exemptions", g.ID, groupBodyOf(s.tz)(*g))
}

func (s *Server) apiGroupGet(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	g, err := s.store.GroupExemption(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, groupBodyOf(s.tz)(*g))
}

func (s *Server) apiGroupUpdate(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var b groupIn
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	a := actorOf(c)
	if !a.MayEver(registry.ActionUpdate, registry.ResGroupExemption) {
		return registry.ErrForbidden
	}
	cur, err := s.store.GroupExemption(c.Request().Context(), a, id)
	if err != nil {
		return err
	}
	in, err := b.input(*cur, s.tz)
	if err != nil {
		return err
	}
	g, err := s.store.UpdateGroupExemption(c.Request().Context(), a, id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, groupBodyOf(s.tz)(*g))
}

func (s *Server) apiGroupRevoke(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var b revokeIn
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	g, err := s.store.RevokeGroupExemption(c.Request().Context(), actorOf(c), id, b.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, groupBodyOf(s.tz)(*g))
}

// apiGroupAccounts lists the accounts a group exemption covers now, within
// what the token's user may see.
func (s *Server) apiGroupAccounts(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	q := s.apiQuery(c)
	p := registry.Page{PerPage: q.intIn("per_page", 1, 200), Cursor: q.str("cursor")} // in account id order
	if err := q.err(); err != nil {
		return err
	}
	res, err := s.store.GroupCoveredAccounts(c.Request().Context(), actorOf(c), id, p)
	if err != nil {
		return err
	}
	return writeList(c, res, accountBodyOf(s.tz))
}
