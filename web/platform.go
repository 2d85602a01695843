package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"hozur/registry"
)

// platformRow is a platform with its name in the reader's language and its
// host names one by one.
type platformRow struct {
	registry.Platform
	Label      string
	Hosts      []string
	Compliance Tag // privacy standing, for domestic platforms in the list
}

func (s *Server) platformRow(p *Page, pl registry.Platform) platformRow {
	return platformRow{Platform: pl, Label: s.nameOf(p, pl.Name, pl.NameEn), Hosts: strings.Fields(pl.Hosts)}
}

// platformList shows every platform: there are tens, not thousands, so the
// list is not paged; it can be filtered by privacy compliance.
func (s *Server) platformList(c echo.Context) error {
	ctx := c.Request().Context()
	list, err := s.store.Platforms(ctx)
	if err != nil {
		return err
	}
	standing, err := s.platformCompliance(ctx, list)
	if err != nil {
		return err
	}
	p := s.page(c, "platforms", "platforms.title")
	want := c.QueryParam("compliance")
	status := http.StatusOK
	if want != "" && !contains(registry.Compliances, want) {
		p.Errors, p.ErrorOrder, status = map[string]string{"compliance": p.L.T("error.choose")}, []string{"compliance"}, http.StatusUnprocessableEntity
		want = ""
	}
	rows := make([]platformRow, 0, len(list))
	for _, pl := range list {
		if want == "" || standing[pl.ID] == want {
			r := s.platformRow(p, pl)
			if st := standing[pl.ID]; st != "" {
				r.Compliance = complianceTag(p.L, st)
			}
			rows = append(rows, r)
		}
	}
	filter := withOptions(newField(p, "compliance", "assessment.compliance", "select", ""), options(p.L, "assessment.compliance.", registry.Compliances, want, true))
	p.Data = map[string]any{"Items": rows, "Total": int64(len(rows)), "Filter": filter}
	return s.render(c, status, "platforms", p)
}

func (s *Server) platformShow(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	pl, err := s.store.Platform(c.Request().Context(), id)
	if err != nil {
		return err
	}
	p := s.page(c, "platforms", "")
	row := s.platformRow(p, *pl)
	p.Title = row.Label
	assess, err := s.platformAssessments(c, p, pl)
	if err != nil {
		return err
	}
	p.Data = struct {
		platformRow
		Assess platformAssessments
	}{row, assess}
	return s.render(c, http.StatusOK, "platform", p)
}

// platformForm is the platform form as posted.
type platformForm struct {
	ID       int64
	Code     string
	Name     string
	NameEn   string
	Origin   string
	Category string
	Hosts    string
	Active   bool
}

func (f *platformForm) bind(c echo.Context) {
	f.Code, f.Name, f.NameEn = strings.TrimSpace(c.FormValue("code")), c.FormValue("name"), c.FormValue("name_en")
	f.Origin, f.Category, f.Hosts, f.Active = c.FormValue("origin"), c.FormValue("category"), c.FormValue("hosts"), c.FormValue("active") != ""
}

func (f *platformForm) input() registry.PlatformInput {
	return registry.PlatformInput{Code: f.Code, Name: f.Name, NameEn: f.NameEn, Origin: f.Origin, Category: f.Category, Hosts: f.Hosts, Active: f.Active}
}

var platformFieldOrder = []string{"code", "name", "name_en", "origin", "category", "hosts", "active"}

func (s *Server) renderPlatformForm(c echo.Context, p *Page, f *platformForm, status int) error {
	fields := map[string]Field{
		"code":     newField(p, "code", "platform.code", "text", f.Code),
		"name":     newField(p, "name", "platform.name", "text", f.Name),
		"name_en":  newField(p, "name_en", "platform.name_en", "text", f.NameEn),
		"origin":   withOptions(newField(p, "origin", "platform.origin", "select", ""), options(p.L, "origin.", registry.Origins, f.Origin, false)),
		"category": withOptions(newField(p, "category", "platform.category", "select", ""), options(p.L, "category.", registry.PlatformCategories, f.Category, false)),
		"hosts":    newField(p, "hosts", "platform.hosts", "textarea", f.Hosts),
		"active":   newField(p, "active", "platform.active", "checkbox", "1"),
	}
	p.Data = map[string]any{"Form": f, "F": fields}
	return s.render(c, status, "platform_form", p)
}

func (s *Server) platformNew(c echo.Context) error {
	if !actorOf(c).Can(registry.ActionCreate, registry.Target{Resource: registry.ResPlatform}) {
		return registry.ErrForbidden
	}
	f := &platformForm{Origin: registry.OriginDomestic, Category: "messenger", Active: true}
	return s.renderPlatformForm(c, s.page(c, "platforms", "platform.new"), f, http.StatusOK)
}

func (s *Server) platformCreate(c echo.Context) error {
	p := s.page(c, "platforms", "platform.new")
	f := &platformForm{}
	f.bind(c)
	pl, err := s.store.CreatePlatform(c.Request().Context(), actorOf(c), f.input())
	if err == nil {
		s.flash(c, "success", "platform.flash_created")
		return redirectTo(c, "/platforms/"+strconv.FormatInt(pl.ID, 10))
	}
	if !formErrors(p, err, platformFieldOrder) {
		return err
	}
	return s.renderPlatformForm(c, p, f, http.StatusUnprocessableEntity)
}

func (s *Server) platformEdit(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	pl, err := s.store.Platform(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if !actorOf(c).Can(registry.ActionUpdate, registry.Target{Resource: registry.ResPlatform}) {
		return registry.ErrForbidden
	}
	// One host a line reads better in the text area than one long line.
	f := &platformForm{ID: pl.ID, Code: pl.Code, Name: pl.Name, NameEn: pl.NameEn, Origin: pl.Origin, Category: pl.Category,
		Hosts: strings.Join(strings.Fields(pl.Hosts), "\n"), Active: pl.Active}
	return s.renderPlatformForm(c, s.page(c, "platforms", "platform.edit"), f, http.StatusOK)
}

func (s *Server) platformUpdate(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	p := s.page(c, "platforms", "platform.edit")
	f := &platformForm{ID: id}
	f.bind(c)
	if _, err = s.store.UpdatePlatform(c.Request().Context(), actorOf(c), id, f.input()); err == nil {
		s.flash(c, "success", "platform.flash_saved")
		return redirectTo(c, "/platforms/"+strconv.FormatInt(id, 10))
	}
	if !formErrors(p, err, platformFieldOrder) {
		return err
	}
	return s.renderPlatformForm(c, p, f, http.StatusUnprocessableEntity)
}

func (s *Server) platformDelete(c echo.Context) error {
	return s.deleteRecord(c, "platform", s.store.DeletePlatform, "/platforms")
}
