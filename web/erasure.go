package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"hozur/registry"
)

// Erasure on request: an official (or a liaison for them) asks, the office
// erases or records a legal hold with its reason.

// erasureStates are the states of a request, in display order.
var erasureStates = []string{registry.ErasurePending, registry.ErasureHeld, registry.ErasureCompleted}

var erasureColours = map[string]string{registry.ErasurePending: "tag-blue", registry.ErasureHeld: "tag-orange",
	registry.ErasureCompleted: "tag-green"}

func erasureTag(p *Page, state string) Tag {
	return Tag{erasureColours[state], p.L.T("erasure.state." + state)}
}

// erasureTarget is what the permission rules need of a request.
func erasureTarget(v *registry.ErasureView) registry.Target {
	return registry.Target{Resource: registry.ResErasure, AgencyPath: v.AgencyPath, OfficialID: v.OfficialID}
}

// erasedOr is an official's name, or "erased" where the name was erased.
func erasedOr(p *Page, name string, erased bool) string {
	if erased || name == "" {
		return p.L.T("erasure.erased")
	}
	return name
}

// erasureRow is one request as a table or a page shows it.
type erasureRow struct {
	ID, OfficialID                 int64
	Official, Position, Agency     string
	NameErased                     bool
	Scope, Requester               string
	Requested, Decided, DecidedBy  string
	State                          Tag
	Pending, Held, Completed, Open bool
}

func (s *Server) erasureRows(p *Page, items []registry.ErasureView) []erasureRow {
	rows := make([]erasureRow, len(items))
	for i, v := range items {
		r := erasureRow{ID: v.ID, OfficialID: v.OfficialID, Official: erasedOr(p, v.OfficialName, v.Erased), Position: v.Position,
			Agency: s.nameOf(p, v.AgencyName, v.AgencyNameEn), NameErased: v.OfficialName == "", Scope: p.L.T("erasure.scope." + v.Scope),
			Requester: v.Requester, Requested: p.L.DateTime(v.RequestedAt), DecidedBy: v.Decider, State: erasureTag(p, v.State),
			Pending: v.State == registry.ErasurePending, Held: v.State == registry.ErasureHeld, Completed: v.State == registry.ErasureCompleted}
		r.Open = r.Pending || r.Held
		if v.DecidedAt != nil {
			r.Decided = p.L.DateTime(*v.DecidedAt)
		}
		rows[i] = r
	}
	return rows
}

type erasureListData struct {
	Rows    []erasureRow
	Nav     ListNav
	Filter  []Field
	CanFile bool
}

// erasureList answers GET /erasure-requests: the requests the reader may
// see, newest first; an official sees their own.
func (s *Server) erasureList(c echo.Context) error {
	a := actorOf(c)
	p := s.page(c, "erasure", "erasure.title")
	q := c.QueryParams()
	f := registry.ErasureFilter{State: q.Get("state")}
	bad := map[string]string{}
	if f.State != "" && !slices.Contains(erasureStates, f.State) {
		bad["state"], f.State = "error.choose", ""
	}
	if v := strings.TrimSpace(q.Get("official_id")); v != "" {
		n, err := strconv.ParseInt(asciiDigits(v), 10, 64)
		if err != nil || n <= 0 {
			bad["official_id"] = "error.invalid"
		}
		f.OfficialID = n
	}
	d := erasureListData{CanFile: a.MayEver(registry.ActionFile, registry.ResErasure)}
	err := fieldsErr(bad)
	if err == nil {
		var res registry.Result[registry.ErasureView]
		if res, err = s.store.ErasureRequests(c.Request().Context(), a, f, pageParams(c)); err == nil {
			d.Rows, d.Nav = s.erasureRows(p, res.Items), listNav(p, res)
		}
	}
	if err != nil && !formErrors(p, err, []string{"state", "official_id"}) {
		return err
	}
	if d.Nav.L == nil {
		d.Nav = listNav(p, registry.Result[registry.ErasureView]{})
	}
	d.Filter = []Field{
		withOptions(newField(p, "state", "erasure.state", "select", ""), options(p.L, "erasure.state.", erasureStates, f.State, true)),
		newField(p, "official_id", "erasure.official_number", "text", q.Get("official_id")),
	}
	p.Data = d
	status := http.StatusOK
	if p.Errors != nil {
		status = http.StatusUnprocessableEntity
	}
	return s.render(c, status, "erasures", p)
}

// erasureForm is the request form as posted.
type erasureForm struct {
	OfficialID, Scope, Details string
}

// scopeChoice is one scope with, in plain words, what goes and what stays.
type scopeChoice struct {
	Value, Label, Goes, Stays string
	Checked                   bool
}

type erasureFormData struct {
	Form *erasureForm
	// Fixed is the official the request is about, when it is settled: the
	// reader's own record, or the one the link named.
	Fixed      *registry.OfficialView
	FixedName  string
	Official   Field
	ScopeField Field
	Scopes     []scopeChoice
	Details    Field
}

var erasureFieldOrder = []string{"official_id", "scope", "details"}

func (s *Server) renderErasureForm(c echo.Context, p *Page, f *erasureForm, status int) error {
	ctx, a := c.Request().Context(), actorOf(c)
	d := erasureFormData{Form: f}
	id := a.OfficialID
	if a.Role != registry.RoleOfficial {
		id, _ = strconv.ParseInt(asciiDigits(f.OfficialID), 10, 64)
	}
	if id > 0 {
		if o, err := s.store.Official(ctx, a, id); err == nil && a.Can(registry.ActionFile, officialErasureTarget(o)) {
			d.Fixed, d.FixedName = o, erasedOr(p, o.Name, o.Erased)
		}
	}
	d.Official = newField(p, "official_id", "erasure.official_number", "text", f.OfficialID)
	d.ScopeField = newField(p, "scope", "erasure.scope", "radio", f.Scope)
	for _, sc := range registry.ErasureScopes {
		d.Scopes = append(d.Scopes, scopeChoice{Value: sc, Label: p.L.T("erasure.scope." + sc), Goes: p.L.T("erasure.scope." + sc + ".goes"),
			Stays: p.L.T("erasure.scope." + sc + ".stays"), Checked: sc == f.Scope})
	}
	d.Details = newField(p, "details", "erasure.details", "textarea", f.Details)
	p.Data = d
	return s.render(c, status, "erasure_form", p)
}

// officialErasureTarget is a request about an official, before it exists.
func officialErasureTarget(o *registry.OfficialView) registry.Target {
	return registry.Target{Resource: registry.ResErasure, AgencyPath: o.AgencyPath, OfficialID: o.ID}
}

// erasureNew answers GET /erasure-requests/new (?official_id= for a
// liaison or the office).
func (s *Server) erasureNew(c echo.Context) error {
	a := actorOf(c)
	if !a.MayEver(registry.ActionFile, registry.ResErasure) {
		return registry.ErrForbidden
	}
	f := &erasureForm{OfficialID: strings.TrimSpace(c.QueryParam("official_id"))}
	if id, err := strconv.ParseInt(asciiDigits(f.OfficialID), 10, 64); err == nil && id > 0 && a.Role != registry.RoleOfficial {
		// A link from an official's page: the reader must be able to ask
		// for that official.
		o, err := s.store.Official(c.Request().Context(), a, id)
		if err != nil {
			return err
		}
		if !a.Can(registry.ActionFile, officialErasureTarget(o)) {
			return registry.ErrForbidden
		}
	}
	return s.renderErasureForm(c, s.page(c, "erasure", "erasure.new"), f, http.StatusOK)
}

// erasureCreate answers POST /erasure-requests.
func (s *Server) erasureCreate(c echo.Context) error {
	a := actorOf(c)
	if !a.MayEver(registry.ActionFile, registry.ResErasure) {
		return registry.ErrForbidden
	}
	p := s.page(c, "erasure", "erasure.new")
	f := &erasureForm{OfficialID: strings.TrimSpace(c.FormValue("official_id")), Scope: c.FormValue("scope"), Details: c.FormValue("details")}
	in := registry.ErasureInput{Scope: f.Scope, Details: f.Details}
	bad := map[string]string{}
	if a.Role != registry.RoleOfficial {
		n, err := strconv.ParseInt(asciiDigits(f.OfficialID), 10, 64)
		switch {
		case f.OfficialID == "":
			bad["official_id"] = "erasure.official_required"
		case err != nil || n <= 0:
			bad["official_id"] = "error.invalid"
		}
		in.OfficialID = n
	}
	if !slices.Contains(registry.ErasureScopes, f.Scope) {
		bad["scope"] = "error.choose"
	}
	err := fieldsErr(bad)
	if err == nil {
		var v *registry.ErasureView
		if v, err = s.store.RequestErasure(c.Request().Context(), a, in); err == nil {
			s.flash(c, "success", "erasure.flash_requested")
			return redirectTo(c, "/erasure-requests/"+strconv.FormatInt(v.ID, 10))
		}
	}
	if !formErrors(p, err, erasureFieldOrder) {
		return err
	}
	return s.renderErasureForm(c, p, f, http.StatusUnprocessableEntity)
}

type erasureShowData struct {
	R   *registry.ErasureView
	Row erasureRow
	// Decide: the reader may erase or hold it now; Blocked says why a
	// reviewer may not (a request about themselves).
	Decide   bool
	Blocked  string
	Blockers []string // what argues for a hold, translated
	Confirm  string   // what erasing will do, in one sentence
	Reason   Field
}

// erasureShow answers GET /erasure-requests/:id.
func (s *Server) erasureShow(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	v, err := s.store.ErasureRequestOf(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	return s.renderErasure(c, s.page(c, "erasure", ""), v, "", http.StatusOK)
}

func (s *Server) renderErasure(c echo.Context, p *Page, v *registry.ErasureView, reason string, status int) error {
	a := actorOf(c)
	p.Title = p.L.T("erasure.number", "n", v.ID)
	d := erasureShowData{R: v, Row: s.erasureRows(p, []registry.ErasureView{*v})[0]}
	if d.Row.Open && a.Can(registry.ActionDecide, erasureTarget(v)) {
		if a.OfficialID != 0 && a.OfficialID == v.OfficialID {
			d.Blocked = p.L.T("erasure.own_request")
		} else {
			d.Decide = true
			keys, err := s.store.ErasureBlockers(c.Request().Context(), v.OfficialID)
			if err != nil {
				return err
			}
			for _, k := range keys {
				d.Blockers = append(d.Blockers, p.L.T(k))
			}
			d.Confirm = p.L.T("erasure.confirm."+v.Scope, "name", isolate(d.Row.Official))
			d.Reason = newField(p, "reason", "erasure.reason", "textarea", reason)
		}
	}
	p.Data = d
	return s.render(c, status, "erasure", p)
}

// erasureDecide answers POST /erasure-requests/:id/decision: decision
// erase or hold, and for a hold its reason.
func (s *Server) erasureDecide(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx, a := c.Request().Context(), actorOf(c)
	v, err := s.store.ErasureRequestOf(ctx, a, id)
	if err != nil {
		return err
	}
	p := s.page(c, "erasure", "")
	reason := c.FormValue("reason")
	var d registry.ErasureDecision
	switch c.FormValue("decision") {
	case "erase":
		d.Erase = true
	case "hold":
		d.Reason = reason
	default:
		err = &registry.ValidationError{Fields: map[string]string{"decision": "error.choose"}}
	}
	if err == nil {
		if _, err = s.store.DecideErasure(ctx, a, id, d); err == nil {
			key := "erasure.flash_held"
			if d.Erase {
				key = "erasure.flash_completed"
			}
			s.flash(c, "success", key)
			return redirectTo(c, "/erasure-requests/"+strconv.FormatInt(id, 10))
		}
	}
	var fe *registry.ForbiddenError
	var ce *registry.ConflictError
	switch {
	case errors.As(err, &fe):
		s.flash(c, "error", fe.Key)
		return redirectTo(c, "/erasure-requests/"+strconv.FormatInt(id, 10))
	case errors.As(err, &ce):
		s.flash(c, "error", ce.Key)
		return redirectTo(c, "/erasure-requests/"+strconv.FormatInt(id, 10))
	}
	if !formErrors(p, err, []string{"decision", "reason"}) {
		return err
	}
	return s.renderErasure(c, p, v, reason, http.StatusUnprocessableEntity)
}
