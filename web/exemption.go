package web

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"hozur/registry"
)

// expiringDays is how close to its end a cover shows as expiring.
const expiringDays = 30

// daysLeft counts the whole days from today to the last covered day (0 on
// the last day itself).
func (s *Server) daysLeft(until time.Time) int {
	return int(math.Round(s.store.Day(until).Sub(s.store.Day(s.store.Now())).Hours() / 24))
}

// exemptionRow is one line of a table of exemptions.
type exemptionRow struct {
	ID, AccountID             int64
	JustificationID           int64
	Account, Platform, Holder string
	From, Until, Revoked      string
	State                     Tag
	Expiring                  bool
}

// exemptionState tags an exemption: valid, expiring, not yet valid,
// expired or revoked.
func (s *Server) exemptionState(p *Page, e registry.Exemption) (Tag, bool) {
	now := s.store.Now()
	tz := s.store.Rules().Location
	switch {
	case e.RevokedAt != nil && !now.Before(*e.RevokedAt):
		return Tag{"tag-red", p.L.T("exemption.state_revoked")}, false
	case e.ValidAt(now, tz):
		if s.daysLeft(e.ValidUntil) <= expiringDays {
			return Tag{"tag-orange", p.L.T("cover.tag_expiring")}, true
		}
		return Tag{"tag-green", p.L.T("exemption.state_valid")}, false
	case now.Before(e.ValidFrom):
		return Tag{"tag-blue", p.L.T("exemption.state_upcoming")}, false
	}
	return Tag{"tag-grey", p.L.T("exemption.state_expired")}, false
}

func (s *Server) exemptionRows(ctx context.Context, p *Page, items []registry.ExemptionView) []exemptionRow {
	names := s.platformNames(ctx, p)
	rows := make([]exemptionRow, len(items))
	for i, e := range items {
		r := exemptionRow{ID: e.ID, AccountID: e.AccountID, Account: e.AccountDisplay, Platform: names[e.PlatformCode],
			From: p.L.Date(e.ValidFrom), Until: p.L.Date(e.ValidUntil), Holder: e.OfficialName}
		if r.Holder == "" {
			r.Holder = e.AgencyName
		}
		if e.JustificationID != nil {
			r.JustificationID = *e.JustificationID
		}
		if e.RevokedAt != nil {
			r.Revoked = p.L.Date(*e.RevokedAt)
		}
		r.State, r.Expiring = s.exemptionState(p, e.Exemption)
		rows[i] = r
	}
	return rows
}

// platformNames maps platform codes to their names in the reader's
// language.
func (s *Server) platformNames(ctx context.Context, p *Page) map[string]string {
	out := map[string]string{}
	list, err := s.store.Platforms(ctx)
	if err != nil {
		return out
	}
	for _, pl := range list {
		out[pl.Code] = s.nameOf(p, pl.Name, pl.NameEn)
	}
	return out
}

// coverView says, in words and tags, what covers an account now.
type coverView struct {
	Kind    string // individual, group, none, domestic, closed
	Text    string
	Tags    []Tag
	Link    string
	Closure string // the closure deadline, if one runs
	// Expiring: 30 days or fewer left; Overdue: the closure deadline has
	// passed.
	Expiring, Overdue bool
}

// coverOf describes the account's cover now: by an individual or a group
// exemption and until when, or none; expiring when 30 days or fewer are
// left; the closure deadline and whether it has passed.
func (s *Server) coverOf(ctx context.Context, p *Page, a *registry.AccountView) (coverView, error) {
	return s.describeCover(ctx, p, a, nil)
}

// describeCover is coverOf with the cover already known (cv != nil), as
// lists get it for all their accounts at once.
func (s *Server) describeCover(ctx context.Context, p *Page, a *registry.AccountView, known *registry.Cover) (coverView, error) {
	var v coverView
	now := s.store.Now()
	switch {
	case a.Status == registry.StatusClosed:
		v.Kind, v.Text = "closed", p.L.T("cover.closed")
		v.Tags = append(v.Tags, Tag{"tag-grey", p.L.T("cover.tag_closed")})
		return v, nil
	case a.Origin != registry.OriginForeign:
		v.Kind, v.Text = "domestic", p.L.T("cover.domestic")
		v.Tags = append(v.Tags, Tag{"tag-grey", p.L.T("cover.tag_not_needed")})
		return v, nil
	}
	var cv registry.Cover
	if known != nil {
		cv = *known
	} else {
		var err error
		if cv, err = s.store.Coverage(ctx, a.ID, now); err != nil {
			return v, err
		}
	}
	v.Kind = cv.Kind
	until := ""
	if cv.Until != nil {
		until = p.L.Date(*cv.Until)
	}
	switch cv.Kind {
	case registry.CoverIndividual:
		v.Text = p.L.T("cover.individual_until", "date", until)
		v.Link = "/exemptions/" + strconv.FormatInt(cv.ExemptionID, 10)
	case registry.CoverGroup:
		if cv.Until != nil {
			v.Text = p.L.T("cover.group_until", "title", isolate(cv.GroupTitle), "date", until)
		} else {
			v.Text = p.L.T("cover.group_open", "title", isolate(cv.GroupTitle))
		}
		v.Link = "/group-exemptions/" + strconv.FormatInt(cv.GroupID, 10)
	default:
		v.Text = p.L.T("cover.none")
	}
	if cv.Kind == registry.CoverNone {
		v.Tags = append(v.Tags, Tag{"tag-red", p.L.T("cover.tag_uncovered")})
	} else {
		v.Tags = append(v.Tags, Tag{"tag-green", p.L.T("cover.tag_covered")})
		if cv.Until != nil {
			if n := s.daysLeft(*cv.Until); n <= expiringDays {
				v.Expiring = true
				v.Tags = append(v.Tags, Tag{"tag-orange", p.L.T("cover.tag_expiring")})
				v.Text += " " + p.L.T("cover.days_left", "n", n)
			}
		}
	}
	if a.ClosureDeadline != nil {
		v.Closure = p.L.Date(*a.ClosureDeadline)
		if !now.Before(s.store.Day(*a.ClosureDeadline).AddDate(0, 0, 1)) {
			v.Overdue = true
			v.Tags = append(v.Tags, Tag{"tag-red", p.L.T("cover.tag_closure_overdue")})
		}
	}
	return v, nil
}

type exemptionListData struct {
	Rows  []exemptionRow
	Nav   ListNav
	Valid bool
}

func (s *Server) exemptionList(c echo.Context) error {
	ctx := c.Request().Context()
	p := s.page(c, "exemptions", "exemptions.title")
	f := registry.ExemptionFilter{}
	valid := c.QueryParam("valid") == "1"
	if valid {
		now := s.store.Now()
		f.ValidAt = &now
	}
	pg := pageParams(c)
	pg.WithTotal = false
	res, err := s.store.Exemptions(ctx, actorOf(c), f, pg)
	if err != nil {
		return err
	}
	p.Data = exemptionListData{Rows: s.exemptionRows(ctx, p, res.Items), Nav: listNav(p, res), Valid: valid}
	return s.render(c, http.StatusOK, "exemptions", p)
}

// snapshotRow is one fact about the account as it was when the exemption
// was granted.
type snapshotRow struct{ Label, Value string }

type exemptionShowData struct {
	E                  *registry.ExemptionView
	Row                exemptionRow
	Snapshot           []snapshotRow
	CanRevoke          bool
	Reason             input
	RevokedAt, Created string
}

func (s *Server) exemptionShow(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	e, err := s.store.Exemption(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	return s.renderExemption(c, s.page(c, "exemptions", ""), e, "", http.StatusOK)
}

func (s *Server) renderExemption(c echo.Context, p *Page, e *registry.ExemptionView, reason string, status int) error {
	ctx := c.Request().Context()
	p.Title = p.L.T("exemption.title_for", "account", e.AccountDisplay)
	d := exemptionShowData{E: e, Row: s.exemptionRows(ctx, p, []registry.ExemptionView{*e})[0], Created: p.L.DateTime(e.CreatedAt)}
	if e.RevokedAt != nil {
		d.RevokedAt = p.L.DateTime(*e.RevokedAt)
	}
	d.CanRevoke = e.RevokedAt == nil && actorOf(c).Can(registry.ActionDecide,
		registry.Target{Resource: registry.ResJustification, AgencyPath: e.AgencyPath, OfficialID: derefID(e.OfficialID)})
	d.Reason = input{ID: "f-reason", Name: "reason", Label: p.L.T("exemption.reason"), Type: "textarea", Value: reason, Required: true}
	if p.Errors != nil {
		d.Reason.Error = p.Errors["reason"]
	}
	var snap map[string]any
	if json.Unmarshal([]byte(e.Snapshot), &snap) == nil {
		str := func(k string) string {
			v, _ := snap[k].(string)
			if v == registry.ErasedMark {
				return p.L.T("erasure.erased")
			}
			return v
		}
		add := func(label, value string) {
			if value != "" {
				d.Snapshot = append(d.Snapshot, snapshotRow{p.L.T(label), value})
			}
		}
		add("account.handle", str("handle"))
		add("account.platform", s.platformNames(ctx, p)[str("platform")])
		if cp := str("capacity"); cp != "" {
			add("account.capacity", p.L.T("capacity."+cp))
		}
		add("account.holder_official", str("official"))
		add("official.agency", str("agency"))
		if g := str("grounds"); g != "" {
			add("justification.grounds", p.L.T("grounds."+g))
		}
	}
	p.Data = d
	return s.render(c, status, "exemption", p)
}

func (s *Server) exemptionRevoke(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx, a := c.Request().Context(), actorOf(c)
	reason := c.FormValue("reason")
	_, err = s.store.RevokeExemption(ctx, a, id, reason)
	if err == nil {
		s.flash(c, "success", "exemption.flash_revoked")
		return redirectTo(c, "/exemptions/"+strconv.FormatInt(id, 10))
	}
	var ce *registry.ConflictError
	if errors.As(err, &ce) {
		s.flash(c, "error", ce.Key)
		return redirectTo(c, "/exemptions/"+strconv.FormatInt(id, 10))
	}
	p := s.page(c, "exemptions", "")
	if !formErrors(p, err, []string{"reason"}) {
		return err
	}
	e, err := s.store.Exemption(ctx, a, id)
	if err != nil {
		return err
	}
	return s.renderExemption(c, p, e, reason, http.StatusUnprocessableEntity)
}

// handoverRow is one passing of an office account to a successor.
type handoverRow struct {
	At               string
	FromID, ToID     int64
	FromName, ToName string
}

// accountShowData is the account page: the account, with what covers it
// and its workflow history.
type accountShowData struct {
	*registry.AccountView
	Cover          coverView
	Justifications []justificationRow
	Exemptions     []exemptionRow
	Handovers      []handoverRow
	CanFile        bool
	Open           *justificationRow // a justification in progress
}

// accountWorkflow adds cover, justifications, exemptions and handovers to
// the account page.
func (s *Server) accountWorkflow(c echo.Context, p *Page, a *registry.AccountView) (*accountShowData, error) {
	ctx, act := c.Request().Context(), actorOf(c)
	d := &accountShowData{AccountView: a}
	var err error
	if d.Cover, err = s.coverOf(ctx, p, a); err != nil {
		return nil, err
	}
	t := registry.Target{Resource: registry.ResJustification, AgencyPath: a.AgencyPath, OfficialID: derefID(a.OfficialID)}
	if act.Can(registry.ActionView, t) {
		js, err := s.store.Justifications(ctx, act, registry.JustificationFilter{AccountID: a.ID}, registry.Page{PerPage: 50})
		if err != nil {
			return nil, err
		}
		d.Justifications = s.justificationRows(p, js.Items)
		for i, j := range js.Items {
			if j.State == registry.StateDraft || j.State == registry.StateSubmitted || j.State == registry.StateInfoRequested {
				d.Open = &d.Justifications[i]
				break
			}
		}
		exs, err := s.store.Exemptions(ctx, act, registry.ExemptionFilter{AccountID: a.ID}, registry.Page{PerPage: 50})
		if err != nil {
			return nil, err
		}
		d.Exemptions = s.exemptionRows(ctx, p, exs.Items)
	}
	d.CanFile = a.Origin == registry.OriginForeign && a.Status != registry.StatusClosed && act.Can(registry.ActionFile, t)
	hs, err := s.store.Handovers(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	name := func(id *int64) string {
		if id == nil {
			return ""
		}
		if n, ok := names[*id]; ok {
			return n
		}
		o, err := s.store.Official(ctx, act, *id)
		if err == nil {
			names[*id] = o.Name
		} else {
			names[*id] = ""
		}
		return names[*id]
	}
	for _, h := range hs {
		d.Handovers = append(d.Handovers, handoverRow{At: p.L.Date(h.At), FromID: derefID(h.FromOfficialID), ToID: derefID(h.ToOfficialID),
			FromName: name(h.FromOfficialID), ToName: name(h.ToOfficialID)})
	}
	return d, nil
}
