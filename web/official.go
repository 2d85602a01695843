package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"hozur/monitor"
	"hozur/registry"
)

// rankLevels are the official rank levels, 1 (minister level) to 5.
var rankLevels = []string{"1", "2", "3", "4", "5"}

// officialRow is an official with their agency's name in the reader's
// language.
type officialRow struct {
	registry.OfficialView
	AgencyLabel string
}

type officialListData struct {
	Items  []officialRow
	Nav    ListNav
	Agency *agencyRow
	Filter []Field
}

func (s *Server) officialRows(p *Page, list []registry.OfficialView) []officialRow {
	out := make([]officialRow, len(list))
	for i, o := range list {
		if o.Erased || o.Name == "" {
			o.Name = erasedOr(p, o.Name, true)
		}
		out[i] = officialRow{OfficialView: o, AgencyLabel: s.nameOf(p, o.AgencyName, o.AgencyNameEn)}
	}
	return out
}

// officialFilter reads the list's filters: q, agency (a code, sub-agencies
// included), rank (1..5) and serving (yes, no or empty for any).
func (s *Server) officialFilter(c echo.Context) (registry.OfficialFilter, *registry.Agency, error) {
	q := c.QueryParams()
	f := registry.OfficialFilter{Q: q.Get("q")}
	if r, err := strconv.Atoi(q.Get("rank")); err == nil && r >= 1 && r <= 5 {
		f.Rank = r
	}
	switch q.Get("serving") {
	case "yes":
		f.Serving = ptrTo(true)
	case "no":
		f.Serving = ptrTo(false)
	}
	if code := strings.TrimSpace(q.Get("agency")); code != "" {
		ag, err := s.store.AgencyByCode(c.Request().Context(), code)
		if errors.Is(err, registry.ErrNotFound) {
			return f, nil, &registry.ValidationError{Fields: map[string]string{"agency": "error.agency_code_unknown"}}
		} else if err != nil {
			return f, nil, err
		}
		f.AgencyID = ag.ID
		return f, ag, nil
	}
	return f, nil, nil
}

func ptrTo[T any](v T) *T { return &v }

// rankOptions are the rank levels for a select; long labels name example
// positions, short ones ("Level 2") fit a filter bar.
func rankOptions(p *Page, selected string, long bool) []Option {
	first := "filter.any"
	if long {
		first = "official.rank_choose"
	}
	out := []Option{{Value: "", Label: p.L.T(first), Selected: selected == ""}}
	for _, r := range rankLevels {
		label := p.L.T("rank.short", "n", p.L.Digits(r))
		if long {
			label = p.L.T("rank." + r)
		}
		out = append(out, Option{Value: r, Label: label, Selected: r == selected})
	}
	return out
}

func (s *Server) officialList(c echo.Context) error {
	p := s.page(c, "officials", "officials.title")
	f, ag, err := s.officialFilter(c)
	d := officialListData{}
	if ag != nil {
		d.Agency = &agencyRow{Agency: *ag, Label: s.nameOf(p, ag.Name, ag.NameEn)}
	}
	if err == nil {
		var res registry.Result[registry.OfficialView]
		res, err = s.store.Officials(c.Request().Context(), actorOf(c), f, pageParams(c))
		d.Items, d.Nav = s.officialRows(p, res.Items), listNav(p, res)
	}
	if err != nil && !formErrors(p, err, []string{"q", "agency", "rank", "serving"}) {
		return err
	}
	if d.Nav.L == nil {
		d.Nav = listNav(p, registry.Result[registry.OfficialView]{})
	}
	serving := []Option{
		{Value: "", Label: p.L.T("filter.any"), Selected: c.QueryParam("serving") == ""},
		{Value: "yes", Label: p.L.T("official.serving_yes"), Selected: c.QueryParam("serving") == "yes"},
		{Value: "no", Label: p.L.T("official.serving_no"), Selected: c.QueryParam("serving") == "no"},
	}
	rank := ""
	if f.Rank != 0 {
		rank = strconv.Itoa(f.Rank)
	}
	d.Filter = []Field{
		newField(p, "q", "officials.search", "search", f.Q),
		newField(p, "agency", "officials.agency_code", "text", c.QueryParam("agency")),
		withOptions(newField(p, "rank", "officials.rank", "select", ""), rankOptions(p, rank, false)),
		withOptions(newField(p, "serving", "officials.serving", "select", ""), serving),
	}
	p.Data = d
	status := http.StatusOK
	if p.Errors != nil {
		status = http.StatusUnprocessableEntity
	}
	return s.render(c, status, "officials", p)
}

type officialShowData struct {
	Official     *registry.OfficialView
	AgencyLabel  string
	Number       string
	Accounts     []registry.AccountView
	AccountTotal int64
	MoreAccounts bool
	CanEdit      bool
	CanDelete    bool
	CanDeclare   bool
	// CanErase: the reader may ask for this official's data to be erased.
	CanErase bool
}

func (s *Server) officialShow(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx, a := c.Request().Context(), actorOf(c)
	o, err := s.store.Official(ctx, a, id)
	if err != nil {
		return err
	}
	accs, err := s.store.Accounts(ctx, a, registry.AccountFilter{OfficialID: id}, registry.Page{PerPage: 50})
	if err != nil {
		return err
	}
	p := s.page(c, "officials", "")
	if o.Erased || o.Name == "" {
		o.Name = erasedOr(p, o.Name, true)
	}
	p.Title = o.Name
	d := officialShowData{Official: o, AgencyLabel: s.nameOf(p, o.AgencyName, o.AgencyNameEn), Number: p.L.Digits(strconv.FormatInt(o.ID, 10)),
		Accounts: accs.Items, AccountTotal: accs.Total, MoreAccounts: accs.Next != ""}
	d.CanEdit = p.CanOn("update", "official", o.AgencyPath, &o.ID)
	d.CanDelete = p.CanOn("delete", "official", o.AgencyPath, &o.ID)
	d.CanDeclare = p.CanOn("create", "account", o.AgencyPath, &o.ID)
	d.CanErase = !o.Erased && a.Can(registry.ActionFile, officialErasureTarget(o))
	h, err := s.history(c, "official", o.ID)
	if err != nil {
		return err
	}
	p.Data = struct {
		officialShowData
		History []auditRow
		Flags   holderFlagsData
	}{d, h, s.holderFlags(c, p, monitor.FlagFilter{OfficialID: o.ID})}
	return s.render(c, http.StatusOK, "official", p)
}

// officialForm is the official form as posted. The agency is given by its
// code, the rank as 1..5, dates as the reader types them.
type officialForm struct {
	ID           int64
	Name         string
	Agency       string
	Position     string
	Rank         string
	Serving      bool
	TermStart    string
	TermEnd      string
	Email        string
	Phone        string
	EmployeeCode string
}

func (f *officialForm) bind(c echo.Context) {
	f.Name, f.Agency, f.Position = c.FormValue("name"), strings.TrimSpace(c.FormValue("agency")), c.FormValue("position")
	f.Rank, f.Serving = strings.TrimSpace(c.FormValue("rank")), c.FormValue("serving") != ""
	f.TermStart, f.TermEnd = strings.TrimSpace(c.FormValue("term_start")), strings.TrimSpace(c.FormValue("term_end"))
	f.Email, f.Phone, f.EmployeeCode = c.FormValue("email"), c.FormValue("phone"), c.FormValue("employee_code")
}

func (s *Server) officialInput(c echo.Context, p *Page, f *officialForm) (registry.OfficialInput, map[string]string) {
	in := registry.OfficialInput{Name: f.Name, Position: f.Position, Serving: f.Serving, Email: f.Email, Phone: f.Phone, EmployeeCode: f.EmployeeCode}
	in.Rank, _ = strconv.Atoi(f.Rank)
	bad := map[string]string{}
	if f.Agency != "" {
		ag, err := s.store.AgencyByCode(c.Request().Context(), f.Agency)
		if err != nil {
			bad["agency"] = "error.agency_code_unknown"
		} else {
			in.AgencyID = ag.ID
		}
	}
	var err error
	if in.TermStart, err = p.L.ParseDate(f.TermStart); err != nil {
		bad["term_start"] = "error.date"
	}
	if in.TermEnd, err = p.L.ParseDate(f.TermEnd); err != nil {
		bad["term_end"] = "error.date"
	}
	return in, bad
}

var officialFieldOrder = []string{"name", "agency", "position", "rank", "serving", "term_start", "term_end", "email", "phone", "employee_code"}

var officialFieldNames = map[string]string{"agency_id": "agency"}

func (s *Server) renderOfficialForm(c echo.Context, p *Page, f *officialForm, status int) error {
	fields := map[string]Field{
		"name":          newField(p, "name", "official.name", "text", f.Name),
		"agency":        newField(p, "agency", "official.agency_code", "text", f.Agency),
		"position":      newField(p, "position", "official.position", "text", f.Position),
		"rank":          withOptions(newField(p, "rank", "official.rank", "select", ""), rankOptions(p, f.Rank, true)),
		"serving":       newField(p, "serving", "official.serving", "checkbox", "1"),
		"term_start":    newField(p, "term_start", "official.term_start", "text", f.TermStart),
		"term_end":      newField(p, "term_end", "official.term_end", "text", f.TermEnd),
		"email":         newField(p, "email", "official.email", "email", f.Email),
		"phone":         newField(p, "phone", "official.phone", "tel", f.Phone),
		"employee_code": newField(p, "employee_code", "official.employee_code", "text", f.EmployeeCode),
	}
	p.Data = map[string]any{"Form": f, "F": fields}
	return s.render(c, status, "official_form", p)
}

func (s *Server) officialNew(c echo.Context) error {
	a := actorOf(c)
	if !a.Can(registry.ActionCreate, registry.Target{Resource: registry.ResOfficial, AgencyPath: a.AgencyPath, OfficialID: a.OfficialID}) {
		return registry.ErrForbidden
	}
	f := &officialForm{Serving: true, Agency: strings.TrimSpace(c.QueryParam("agency"))}
	if f.Agency == "" && a.AgencyID != 0 {
		if ag, err := s.store.Agency(c.Request().Context(), a.AgencyID); err == nil {
			f.Agency = ag.Code
		}
	}
	return s.renderOfficialForm(c, s.page(c, "officials", "official.new"), f, http.StatusOK)
}

func (s *Server) officialCreate(c echo.Context) error {
	p := s.page(c, "officials", "official.new")
	f := &officialForm{}
	f.bind(c)
	in, bad := s.officialInput(c, p, f)
	var err error
	if len(bad) > 0 {
		err = &registry.ValidationError{Fields: bad}
	} else {
		var o *registry.OfficialView
		o, err = s.store.CreateOfficial(c.Request().Context(), actorOf(c), in)
		if err == nil {
			s.flash(c, "success", "official.flash_created")
			return redirectTo(c, "/officials/"+strconv.FormatInt(o.ID, 10))
		}
	}
	if !formErrors(p, renameFields(err, officialFieldNames), officialFieldOrder) {
		return err
	}
	return s.renderOfficialForm(c, p, f, http.StatusUnprocessableEntity)
}

func (s *Server) officialEdit(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx, a := c.Request().Context(), actorOf(c)
	o, err := s.store.Official(ctx, a, id)
	if err != nil {
		return err
	}
	if !a.Can(registry.ActionUpdate, registry.Target{Resource: registry.ResOfficial, AgencyPath: o.AgencyPath, OfficialID: o.ID}) {
		return registry.ErrForbidden
	}
	ag, err := s.store.Agency(ctx, o.AgencyID)
	if err != nil {
		return err
	}
	p := s.page(c, "officials", "official.edit")
	f := &officialForm{ID: o.ID, Name: o.Name, Agency: ag.Code, Position: o.Position, Rank: strconv.Itoa(o.Rank), Serving: o.Serving,
		TermStart: p.L.NumericDate(o.TermStart), TermEnd: p.L.NumericDate(o.TermEnd), Email: o.Email, Phone: o.Phone, EmployeeCode: o.EmployeeCode}
	return s.renderOfficialForm(c, p, f, http.StatusOK)
}

func (s *Server) officialUpdate(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	p := s.page(c, "officials", "official.edit")
	f := &officialForm{ID: id}
	f.bind(c)
	in, bad := s.officialInput(c, p, f)
	if len(bad) > 0 {
		err = &registry.ValidationError{Fields: bad}
	} else if _, err = s.store.UpdateOfficial(c.Request().Context(), actorOf(c), id, in); err == nil {
		s.flash(c, "success", "official.flash_saved")
		return redirectTo(c, "/officials/"+strconv.FormatInt(id, 10))
	}
	if !formErrors(p, renameFields(err, officialFieldNames), officialFieldOrder) {
		return err
	}
	return s.renderOfficialForm(c, p, f, http.StatusUnprocessableEntity)
}

func (s *Server) officialDelete(c echo.Context) error {
	return s.deleteRecord(c, "official", s.store.DeleteOfficial, "/officials")
}
