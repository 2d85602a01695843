package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"hozur/registry"
)

// groupRow is one line of the group exemptions table.
type groupRow struct {
	ID                         int64
	Title, LegalRef, LegalDate string
	Scope                      []string
	From, Until                string
	State                      []Tag
	InForce                    bool
}

// groupState tags a group exemption: in force (and expiring), not yet in
// force, ended, revoked.
func (s *Server) groupState(p *Page, g *registry.GroupExemption) ([]Tag, bool) {
	now := s.store.Now()
	switch {
	case g.RevokedAt != nil && !now.Before(*g.RevokedAt):
		return []Tag{{"tag-red", p.L.T("group.state_revoked")}}, false
	case g.ValidAt(now, s.store.Rules().Location):
		tags := []Tag{{"tag-green", p.L.T("group.state_in_force")}}
		if g.ValidUntil != nil && s.daysLeft(*g.ValidUntil) <= expiringDays {
			tags = append(tags, Tag{"tag-orange", p.L.T("cover.tag_expiring")})
		}
		return tags, true
	case now.Before(g.ValidFrom):
		return []Tag{{"tag-blue", p.L.T("group.state_upcoming")}}, false
	}
	return []Tag{{"tag-grey", p.L.T("group.state_ended")}}, false
}

// scopeWords says in words which accounts a scope covers, one line per
// condition.
func (s *Server) scopeWords(ctx context.Context, p *Page, sc registry.GroupScope) []string {
	sep := p.L.T("scope.list_sep")
	var out []string
	if len(sc.Agencies) > 0 {
		var names []string
		for _, sa := range sc.Agencies {
			name := "#" + strconv.FormatInt(sa.ID, 10)
			if ag, err := s.store.Agency(ctx, sa.ID); err == nil {
				name = s.nameOf(p, ag.Name, ag.NameEn)
			}
			if sa.IncludeSub {
				name = p.L.T("scope.with_sub", "name", name)
			}
			names = append(names, name)
		}
		out = append(out, p.L.T("scope.agencies_are", "list", strings.Join(names, sep)))
	}
	if len(sc.Ranks) > 0 {
		var r []string
		for _, n := range sc.Ranks {
			r = append(r, p.L.Digits(strconv.Itoa(n)))
		}
		out = append(out, p.L.T("scope.ranks_are", "list", strings.Join(r, sep)))
	}
	if len(sc.Positions) > 0 {
		out = append(out, p.L.T("scope.positions_are", "list", strings.Join(sc.Positions, sep)))
	}
	if len(sc.Platforms) > 0 {
		names := s.platformNames(ctx, p)
		var r []string
		for _, c := range sc.Platforms {
			if n := names[c]; n != "" {
				r = append(r, n)
			} else {
				r = append(r, c)
			}
		}
		out = append(out, p.L.T("scope.platforms_are", "list", strings.Join(r, sep)))
	}
	if len(sc.Categories) > 0 {
		var r []string
		for _, c := range sc.Categories {
			r = append(r, p.L.T("category."+c))
		}
		out = append(out, p.L.T("scope.categories_are", "list", strings.Join(r, sep)))
	}
	if len(sc.Capacities) > 0 {
		var r []string
		for _, c := range sc.Capacities {
			r = append(r, p.L.T("capacity."+c))
		}
		out = append(out, p.L.T("scope.capacities_are", "list", strings.Join(r, sep)))
	}
	if len(out) == 0 {
		out = append(out, p.L.T("scope.everyone"))
	}
	return out
}

func (s *Server) groupRow(ctx context.Context, p *Page, g *registry.GroupExemption) groupRow {
	r := groupRow{ID: g.ID, Title: g.Title, LegalRef: g.LegalRef, LegalDate: p.L.Date(g.LegalDate), Scope: s.scopeWords(ctx, p, g.ParsedScope()),
		From: p.L.Date(g.ValidFrom)}
	if g.ValidUntil != nil {
		r.Until = p.L.Date(*g.ValidUntil)
	}
	r.State, r.InForce = s.groupState(p, g)
	return r
}

type groupListData struct {
	Rows      []groupRow
	Nav       ListNav
	CanCreate bool
}

func (s *Server) groupList(c echo.Context) error {
	ctx, a := c.Request().Context(), actorOf(c)
	p := s.page(c, "group_exemptions", "groups.title")
	pg := pageParams(c)
	pg.WithTotal = false
	res, err := s.store.GroupExemptions(ctx, a, pg)
	if err != nil {
		return err
	}
	d := groupListData{Nav: listNav(p, res), CanCreate: a.MayEver(registry.ActionCreate, registry.ResGroupExemption)}
	for i := range res.Items {
		d.Rows = append(d.Rows, s.groupRow(ctx, p, &res.Items[i]))
	}
	p.Data = d
	return s.render(c, http.StatusOK, "group_exemptions", p)
}

type groupShowData struct {
	G         *registry.GroupExemption
	Row       groupRow
	Accounts  []accountRow
	Nav       ListNav
	CanUpdate bool
	Reason    input
	RevokedAt string
}

func (s *Server) groupShow(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	g, err := s.store.GroupExemption(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	return s.renderGroup(c, s.page(c, "group_exemptions", ""), g, "", http.StatusOK)
}

func (s *Server) renderGroup(c echo.Context, p *Page, g *registry.GroupExemption, reason string, status int) error {
	ctx, a := c.Request().Context(), actorOf(c)
	p.Title = g.Title
	d := groupShowData{G: g, Row: s.groupRow(ctx, p, g), CanUpdate: a.MayEver(registry.ActionUpdate, registry.ResGroupExemption)}
	if g.RevokedAt != nil {
		d.RevokedAt = p.L.DateTime(*g.RevokedAt)
	}
	d.Reason = input{ID: "f-reason", Name: "reason", Label: p.L.T("group.revoke_reason"), Type: "textarea", Value: reason, Required: true}
	if p.Errors != nil {
		d.Reason.Error = p.Errors["reason"]
	}
	d.Nav = listNav(p, registry.Result[registry.AccountView]{})
	// A group exemption out of force covers nothing: no need to walk the
	// registry to find that out.
	if d.Row.InForce {
		pg := pageParams(c)
		pg.WithTotal = false
		res, err := s.store.GroupCoveredAccounts(ctx, a, g.ID, pg)
		if err != nil {
			return err
		}
		d.Accounts, d.Nav = accountRows(p, res.Items), listNav(p, res)
	}
	p.Data = d
	return s.render(c, status, "group_exemption", p)
}

// checkGroup is a set of checkboxes of one scope condition.
type checkGroup struct {
	Name, Legend, Err string
	Items             []choice
}

// groupForm is the group exemption form as posted: agencies as codes,
// positions one a line, dates as the reader types them.
type groupForm struct {
	ID                                       int64
	Title, LegalRef, LegalDate               string
	ValidFrom, ValidUntil                    string
	Agencies                                 string
	IncludeSub                               bool
	Ranks, Platforms, Categories, Capacities []string
	Positions                                string
}

func (f *groupForm) bind(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	f.Title, f.LegalRef, f.LegalDate = form.Get("title"), form.Get("legal_ref"), strings.TrimSpace(form.Get("legal_date"))
	f.ValidFrom, f.ValidUntil = strings.TrimSpace(form.Get("valid_from")), strings.TrimSpace(form.Get("valid_until"))
	f.Agencies, f.IncludeSub = form.Get("agencies"), form.Get("include_sub") != ""
	f.Ranks, f.Platforms, f.Categories, f.Capacities = form["ranks"], form["platforms"], form["categories"], form["capacities"]
	f.Positions = form.Get("positions")
	return nil
}

func (s *Server) groupInput(ctx context.Context, p *Page, f *groupForm) (registry.GroupExemptionInput, map[string]string) {
	in := registry.GroupExemptionInput{Title: f.Title, LegalRef: f.LegalRef}
	bad := map[string]string{}
	var err error
	if in.LegalDate, err = p.L.ParseDate(f.LegalDate); err != nil {
		bad["legal_date"] = "error.date"
	}
	if in.ValidFrom, err = p.L.ParseDate(f.ValidFrom); err != nil {
		bad["valid_from"] = "error.date"
	}
	if in.ValidUntil, err = p.L.ParseDate(f.ValidUntil); err != nil {
		bad["valid_until"] = "error.date"
	}
	for _, code := range strings.FieldsFunc(f.Agencies, func(r rune) bool { return r == ',' || r == '،' || r == ' ' || r == '\n' || r == '\r' }) {
		ag, err := s.store.AgencyByCode(ctx, code)
		if err != nil {
			bad["scope.agencies"] = "error.agency_code_unknown"
			continue
		}
		in.Scope.Agencies = append(in.Scope.Agencies, registry.ScopeAgency{ID: ag.ID, IncludeSub: f.IncludeSub})
	}
	for _, r := range f.Ranks {
		n, err := strconv.Atoi(r)
		if err != nil {
			bad["scope.ranks"] = "error.rank_range"
			continue
		}
		in.Scope.Ranks = append(in.Scope.Ranks, n)
	}
	for _, line := range strings.Split(f.Positions, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			in.Scope.Positions = append(in.Scope.Positions, line)
		}
	}
	in.Scope.Platforms, in.Scope.Categories, in.Scope.Capacities = f.Platforms, f.Categories, f.Capacities
	return in, bad
}

var groupFieldOrder = []string{"title", "legal_ref", "legal_date", "scope.agencies", "scope.ranks", "scope.positions", "scope.platforms",
	"scope.categories", "scope.capacities", "valid_from", "valid_until"}

func (s *Server) renderGroupForm(c echo.Context, p *Page, f *groupForm, status int) error {
	ctx := c.Request().Context()
	errOf := func(k string) string {
		if p.Errors == nil {
			return ""
		}
		return p.Errors[k]
	}
	checks := func(name string, values []string, labels func(string) string, chosen []string) checkGroup {
		g := checkGroup{Name: name, Legend: p.L.T("group." + name), Err: errOf("scope." + name)}
		for _, v := range values {
			g.Items = append(g.Items, choice{Value: v, Label: labels(v), Checked: contains(chosen, v)})
		}
		return g
	}
	plist, err := s.store.Platforms(ctx)
	if err != nil {
		return err
	}
	var codes []string
	pnames := map[string]string{}
	for _, pl := range plist {
		codes = append(codes, pl.Code)
		pnames[pl.Code] = s.nameOf(p, pl.Name, pl.NameEn)
		if pl.Origin == registry.OriginForeign {
			pnames[pl.Code] += " (" + p.L.T("origin.foreign") + ")"
		}
	}
	d := map[string]any{
		"Form":       f,
		"Title":      newField(p, "title", "group.title", "text", f.Title),
		"LegalRef":   newField(p, "legal_ref", "group.legal_ref", "text", f.LegalRef),
		"LegalDate":  newField(p, "legal_date", "group.legal_date", "text", f.LegalDate),
		"ValidFrom":  newField(p, "valid_from", "group.valid_from", "text", f.ValidFrom),
		"ValidUntil": newField(p, "valid_until", "group.valid_until", "text", f.ValidUntil),
		"Agencies":   input{ID: "f-scope.agencies", Name: "agencies", Label: p.L.T("group.agencies"), Hint: p.L.T("group.agencies.hint"), Type: "text", Value: f.Agencies, Error: errOf("scope.agencies")},
		"Positions":  input{ID: "f-scope.positions", Name: "positions", Label: p.L.T("group.positions"), Hint: p.L.T("group.positions.hint"), Type: "textarea", Value: f.Positions, Error: errOf("scope.positions")},
		"Ranks":      checks("ranks", rankLevels, func(v string) string { return p.L.T("rank." + v) }, f.Ranks),
		"Platforms":  checks("platforms", codes, func(v string) string { return pnames[v] }, f.Platforms),
		"Categories": checks("categories", registry.PlatformCategories, func(v string) string { return p.L.T("category." + v) }, f.Categories),
		"Capacities": checks("capacities", registry.Capacities, func(v string) string { return p.L.T("capacity." + v) }, f.Capacities),
	}
	p.Data = d
	return s.render(c, status, "group_exemption_form", p)
}

func (s *Server) groupNew(c echo.Context) error {
	if !actorOf(c).MayEver(registry.ActionCreate, registry.ResGroupExemption) {
		return registry.ErrForbidden
	}
	p := s.page(c, "group_exemptions", "group.new")
	today := s.store.Day(s.store.Now())
	return s.renderGroupForm(c, p, &groupForm{ValidFrom: p.L.NumericDate(&today), IncludeSub: true}, http.StatusOK)
}

func (s *Server) groupCreate(c echo.Context) error {
	a := actorOf(c)
	if !a.MayEver(registry.ActionCreate, registry.ResGroupExemption) {
		return registry.ErrForbidden
	}
	p := s.page(c, "group_exemptions", "group.new")
	f := &groupForm{}
	if err := f.bind(c); err != nil {
		return err
	}
	in, bad := s.groupInput(c.Request().Context(), p, f)
	var err error
	if len(bad) > 0 {
		err = &registry.ValidationError{Fields: bad}
	} else {
		var g *registry.GroupExemption
		if g, err = s.store.CreateGroupExemption(c.Request().Context(), a, in); err == nil {
			s.flash(c, "success", "group.flash_created")
			return redirectTo(c, "/group-exemptions/"+strconv.FormatInt(g.ID, 10))
		}
	}
	if !formErrors(p, err, groupFieldOrder) {
		return err
	}
	return s.renderGroupForm(c, p, f, http.StatusUnprocessableEntity)
}

func (s *Server) groupEdit(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx, a := c.Request().Context(), actorOf(c)
	if !a.MayEver(registry.ActionUpdate, registry.ResGroupExemption) {
		return registry.ErrForbidden
	}
	g, err := s.store.GroupExemption(ctx, a, id)
	if err != nil {
		return err
	}
	p := s.page(c, "group_exemptions", "group.edit")
	sc := g.ParsedScope()
	f := &groupForm{ID: g.ID, Title: g.Title, LegalRef: g.LegalRef, LegalDate: p.L.NumericDate(&g.LegalDate), ValidFrom: p.L.NumericDate(&g.ValidFrom),
		ValidUntil: p.L.NumericDate(g.ValidUntil), Platforms: sc.Platforms, Categories: sc.Categories, Capacities: sc.Capacities,
		Positions: strings.Join(sc.Positions, "\n")}
	var codes []string
	for _, sa := range sc.Agencies {
		if ag, err := s.store.Agency(ctx, sa.ID); err == nil {
			codes = append(codes, ag.Code)
		}
		f.IncludeSub = f.IncludeSub || sa.IncludeSub
	}
	f.Agencies = strings.Join(codes, ", ")
	for _, r := range sc.Ranks {
		f.Ranks = append(f.Ranks, strconv.Itoa(r))
	}
	return s.renderGroupForm(c, p, f, http.StatusOK)
}

func (s *Server) groupUpdate(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	a := actorOf(c)
	if !a.MayEver(registry.ActionUpdate, registry.ResGroupExemption) {
		return registry.ErrForbidden
	}
	p := s.page(c, "group_exemptions", "group.edit")
	f := &groupForm{ID: id}
	if err := f.bind(c); err != nil {
		return err
	}
	in, bad := s.groupInput(c.Request().Context(), p, f)
	if len(bad) > 0 {
		err = &registry.ValidationError{Fields: bad}
	} else if _, err = s.store.UpdateGroupExemption(c.Request().Context(), a, id, in); err == nil {
		s.flash(c, "success", "group.flash_saved")
		return redirectTo(c, "/group-exemptions/"+strconv.FormatInt(id, 10))
	}
	if !formErrors(p, err, groupFieldOrder) {
		return err
	}
	return s.renderGroupForm(c, p, f, http.StatusUnprocessableEntity)
}

func (s *Server) groupRevoke(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx, a := c.Request().Context(), actorOf(c)
	reason := c.FormValue("reason")
	_, err = s.store.RevokeGroupExemption(ctx, a, id, reason)
	if err == nil {
		s.flash(c, "success", "group.flash_revoked")
		return redirectTo(c, "/group-exemptions/"+strconv.FormatInt(id, 10))
	}
	var ce *registry.ConflictError
	if errors.As(err, &ce) {
		s.flash(c, "error", ce.Key)
		return redirectTo(c, "/group-exemptions/"+strconv.FormatInt(id, 10))
	}
	p := s.page(c, "group_exemptions", "")
	if !formErrors(p, err, []string{"reason"}) {
		return err
	}
	g, err := s.store.GroupExemption(ctx, a, id)
	if err != nil {
		return err
	}
	return s.renderGroup(c, p, g, reason, http.StatusUnprocessableEntity)
}
