package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"hozur/registry"
)

// agencyRow is an agency with what a list shows beside it: its name in the
// reader's language, how many sub-agencies it has, and its parent.
type agencyRow struct {
	registry.Agency
	Label       string
	Children    int64
	ParentLabel string
}

type agencyListData struct {
	Flat      bool // a search or filter: a flat table instead of the tree
	Items     []agencyRow
	Parent    *agencyRow  // the level shown, nil at the top
	Ancestors []agencyRow // root first, the parent itself last
	Nav       ListNav
	Filter    []Field
}

func (s *Server) agencyRows(p *Page, list []registry.Agency) []agencyRow {
	out := make([]agencyRow, len(list))
	for i, a := range list {
		out[i] = agencyRow{Agency: a, Label: s.nameOf(p, a.Name, a.NameEn)}
	}
	return out
}

// withChildCounts fills in how many sub-agencies each row has.
func (s *Server) withChildCounts(c echo.Context, rows []agencyRow) error {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	counts, err := s.store.AgencyChildCounts(c.Request().Context(), ids)
	if err != nil {
		return err
	}
	for i := range rows {
		rows[i].Children = counts[rows[i].ID]
	}
	return nil
}

// withParentLabels names each row's parent, for the flat list where the
// tree does not show it. A page holds at most 200 rows, read by key.
func (s *Server) withParentLabels(c echo.Context, p *Page, rows []agencyRow) error {
	seen := map[int64]string{}
	for i, r := range rows {
		if r.ParentID == nil {
			continue
		}
		label, ok := seen[*r.ParentID]
		if !ok {
			ag, err := s.store.Agency(c.Request().Context(), *r.ParentID)
			if err != nil && !errors.Is(err, registry.ErrNotFound) {
				return err
			}
			if ag != nil {
				label = s.nameOf(p, ag.Name, ag.NameEn)
			}
			seen[*r.ParentID] = label
		}
		rows[i].ParentLabel = label
	}
	return nil
}

// agencyLevel reads ?parent=ID: the agency whose children are shown, and
// the chain above it.
func (s *Server) agencyLevel(c echo.Context, p *Page, raw string) (*agencyRow, []agencyRow, error) {
	if raw == "" {
		return nil, nil, nil
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return nil, nil, registry.ErrNotFound
	}
	ag, err := s.store.Agency(c.Request().Context(), id)
	if err != nil {
		return nil, nil, err
	}
	chain, err := s.store.AgencyAncestors(c.Request().Context(), ag)
	if err != nil {
		return nil, nil, err
	}
	rows := s.agencyRows(p, chain)
	self := agencyRow{Agency: *ag, Label: s.nameOf(p, ag.Name, ag.NameEn)}
	return &self, rows, nil
}

func (s *Server) agencyList(c echo.Context) error {
	p := s.page(c, "agencies", "agencies.title")
	q := c.QueryParams()
	f := registry.AgencyFilter{Q: strings.TrimSpace(q.Get("q")), Kind: q.Get("kind")}
	parent, ancestors, err := s.agencyLevel(c, p, q.Get("parent"))
	if err != nil {
		return err
	}
	d := agencyListData{Flat: f.Q != "" || f.Kind != "", Parent: parent, Ancestors: ancestors}
	if parent != nil {
		p.Title = p.L.T("agencies.level_title", "name", parent.Label)
	}
	switch {
	case d.Flat && parent != nil:
		f.Within = parent.ID // search inside the level shown
	case !d.Flat:
		var level int64
		if parent != nil {
			level = parent.ID
		}
		f.ParentID = &level
	}
	res, err := s.store.Agencies(c.Request().Context(), actorOf(c), f, pageParams(c))
	if err != nil && !formErrors(p, err, []string{"q", "kind"}) {
		return err
	}
	d.Items, d.Nav = s.agencyRows(p, res.Items), listNav(p, res)
	if err := s.withChildCounts(c, d.Items); err != nil {
		return err
	}
	if d.Flat {
		if err := s.withParentLabels(c, p, d.Items); err != nil {
			return err
		}
	}
	d.Filter = []Field{
		newField(p, "q", "agencies.search", "search", f.Q),
		withOptions(newField(p, "kind", "agency.kind", "select", ""), options(p.L, "kind.", registry.AgencyKinds, f.Kind, true)),
	}
	p.Data = d
	status := http.StatusOK
	if p.Errors != nil {
		status = http.StatusUnprocessableEntity
	}
	return s.render(c, status, "agencies", p)
}

type agencyShowData struct {
	Agency       agencyRow
	Ancestors    []agencyRow // root first, without the agency itself
	Parent       *agencyRow
	Children     []agencyRow
	ChildTotal   int64
	MoreChildren bool
	CanEdit      bool
	CanDelete    bool
	CanAddChild  bool
	CanDeclare   bool
}

func (s *Server) agencyShow(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	// The children are asked for first: the list is where the store
	// decides who may read agencies.
	res, err := s.store.Agencies(c.Request().Context(), actorOf(c), registry.AgencyFilter{ParentID: &id}, registry.Page{PerPage: 50})
	if err != nil {
		return err
	}
	p := s.page(c, "agencies", "")
	self, chain, err := s.agencyLevel(c, p, strconv.FormatInt(id, 10))
	if err != nil {
		return err
	}
	d := agencyShowData{Agency: *self, Children: s.agencyRows(p, res.Items), ChildTotal: res.Total, MoreChildren: res.Next != ""}
	if n := len(chain); n > 1 {
		d.Ancestors = chain[:n-1]
		d.Parent = &d.Ancestors[n-2]
	}
	if err := s.withChildCounts(c, d.Children); err != nil {
		return err
	}
	d.CanEdit = p.CanOn("update", "agency", self.Path, nil)
	d.CanDelete = p.CanOn("delete", "agency", self.Path, nil)
	d.CanAddChild = p.CanOn("create", "agency", self.Path, nil)
	d.CanDeclare = p.CanOn("create", "account", self.Path, nil)
	p.Title = self.Label
	h, err := s.history(c, "agency", self.ID)
	if err != nil {
		return err
	}
	p.Data = struct {
		agencyShowData
		History []auditRow
	}{d, h}
	return s.render(c, http.StatusOK, "agency", p)
}

// agencyForm is the agency form as posted. The parent is given by its code:
// a select of ten thousand agencies helps no one.
type agencyForm struct {
	ID     int64
	Code   string
	Name   string
	NameEn string
	Kind   string
	Parent string
}

func (f *agencyForm) bind(c echo.Context) {
	f.Code, f.Name, f.NameEn = strings.TrimSpace(c.FormValue("code")), c.FormValue("name"), c.FormValue("name_en")
	f.Kind, f.Parent = c.FormValue("kind"), strings.TrimSpace(c.FormValue("parent"))
}

func (s *Server) agencyInput(c echo.Context, f *agencyForm) (registry.AgencyInput, map[string]string) {
	in := registry.AgencyInput{Code: f.Code, Name: f.Name, NameEn: f.NameEn, Kind: f.Kind}
	bad := map[string]string{}
	if f.Parent != "" {
		ag, err := s.store.AgencyByCode(c.Request().Context(), f.Parent)
		if err != nil {
			bad["parent"] = "error.agency_code_unknown"
		} else {
			in.ParentID = &ag.ID
		}
	}
	return in, bad
}

var agencyFieldOrder = []string{"code", "name", "name_en", "kind", "parent"}

// agencyFieldNames maps the store's field names to the form's inputs.
var agencyFieldNames = map[string]string{"parent_id": "parent"}

func (s *Server) renderAgencyForm(c echo.Context, p *Page, f *agencyForm, status int) error {
	fields := map[string]Field{
		"code":    newField(p, "code", "agency.code", "text", f.Code),
		"name":    newField(p, "name", "agency.name", "text", f.Name),
		"name_en": newField(p, "name_en", "agency.name_en", "text", f.NameEn),
		"kind":    withOptions(newField(p, "kind", "agency.kind", "select", ""), options(p.L, "kind.", registry.AgencyKinds, f.Kind, false)),
		"parent":  newField(p, "parent", "agency.parent_code", "text", f.Parent),
	}
	p.Data = map[string]any{"Form": f, "F": fields}
	return s.render(c, status, "agency_form", p)
}

func (s *Server) agencyNew(c echo.Context) error {
	f := &agencyForm{Kind: registry.KindOrganisation}
	path := ""
	if raw := c.QueryParam("parent"); raw != "" {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return registry.ErrNotFound
		}
		parent, err := s.store.Agency(c.Request().Context(), id)
		if err != nil {
			return err
		}
		f.Parent, path = parent.Code, parent.Path
	} else {
		f.Kind = registry.KindMinistry
	}
	if !actorOf(c).Can(registry.ActionCreate, registry.Target{Resource: registry.ResAgency, AgencyPath: path}) {
		return registry.ErrForbidden
	}
	return s.renderAgencyForm(c, s.page(c, "agencies", "agency.new"), f, http.StatusOK)
}

func (s *Server) agencyCreate(c echo.Context) error {
	p := s.page(c, "agencies", "agency.new")
	f := &agencyForm{}
	f.bind(c)
	in, bad := s.agencyInput(c, f)
	var err error
	if len(bad) > 0 {
		err = &registry.ValidationError{Fields: bad}
	} else {
		var ag *registry.Agency
		ag, err = s.store.CreateAgency(c.Request().Context(), actorOf(c), in)
		if err == nil {
			s.flash(c, "success", "agency.flash_created")
			return redirectTo(c, "/agencies/"+strconv.FormatInt(ag.ID, 10))
		}
	}
	if !formErrors(p, renameFields(err, agencyFieldNames), agencyFieldOrder) {
		return err
	}
	return s.renderAgencyForm(c, p, f, http.StatusUnprocessableEntity)
}

func (s *Server) agencyEdit(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ag, err := s.store.Agency(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if !actorOf(c).Can(registry.ActionUpdate, registry.Target{Resource: registry.ResAgency, AgencyPath: ag.Path}) {
		return registry.ErrForbidden
	}
	f := &agencyForm{ID: ag.ID, Code: ag.Code, Name: ag.Name, NameEn: ag.NameEn, Kind: ag.Kind}
	if ag.ParentID != nil {
		parent, err := s.store.Agency(c.Request().Context(), *ag.ParentID)
		if err != nil {
			return err
		}
		f.Parent = parent.Code
	}
	return s.renderAgencyForm(c, s.page(c, "agencies", "agency.edit"), f, http.StatusOK)
}

func (s *Server) agencyUpdate(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	p := s.page(c, "agencies", "agency.edit")
	f := &agencyForm{ID: id}
	f.bind(c)
	in, bad := s.agencyInput(c, f)
	if len(bad) > 0 {
		err = &registry.ValidationError{Fields: bad}
	} else if _, err = s.store.UpdateAgency(c.Request().Context(), actorOf(c), id, in); err == nil {
		s.flash(c, "success", "agency.flash_saved")
		return redirectTo(c, "/agencies/"+strconv.FormatInt(id, 10))
	}
	if !formErrors(p, renameFields(err, agencyFieldNames), agencyFieldOrder) {
		return err
	}
	return s.renderAgencyForm(c, p, f, http.StatusUnprocessableEntity)
}

func (s *Server) agencyDelete(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	// The parent is read first so that the list can open at its level.
	ag, err := s.store.Agency(c.Request().Context(), id)
	if err != nil {
		return err
	}
	err = s.store.DeleteAgency(c.Request().Context(), actorOf(c), id)
	var ce *registry.ConflictError
	if errors.As(err, &ce) {
		s.flash(c, "error", ce.Key)
		return redirectTo(c, "/agencies/"+strconv.FormatInt(id, 10))
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", "agency.flash_deleted")
	if ag.ParentID != nil {
		return redirectTo(c, "/agencies?parent="+strconv.FormatInt(*ag.ParentID, 10))
	}
	return redirectTo(c, "/agencies")
}

// renameFields maps the field names of a domain error to the names of the
// form's inputs (the store speaks of parent_id, the form asks for a code).
func renameFields(err error, names map[string]string) error {
	var ve *registry.ValidationError
	var ce *registry.ConflictError
	switch {
	case errors.As(err, &ve):
		out := make(map[string]string, len(ve.Fields))
		for f, k := range ve.Fields {
			if n, ok := names[f]; ok {
				f = n
			}
			if _, dup := out[f]; !dup {
				out[f] = k
			}
		}
		return &registry.ValidationError{Fields: out}
	case errors.As(err, &ce):
		if n, ok := names[ce.Field]; ok {
			cp := *ce
			cp.Field = n
			return &cp
		}
	}
	return err
}
