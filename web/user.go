package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"hozur/registry"
)

// userRow is a user with the names of the agency or official they are
// bound to.
type userRow struct {
	registry.User
	AgencyLabel   string
	OfficialLabel string
}

// userRows names each user's agency and official. A page holds at most 200
// users, and the names are read by key, once each.
func (s *Server) userRows(c echo.Context, p *Page, list []registry.User) ([]userRow, error) {
	ctx, a := c.Request().Context(), actorOf(c)
	agencies, officials := map[int64]string{}, map[int64]string{}
	out := make([]userRow, len(list))
	for i, u := range list {
		out[i].User = u
		if u.AgencyID != nil {
			label, ok := agencies[*u.AgencyID]
			if !ok {
				ag, err := s.store.Agency(ctx, *u.AgencyID)
				if err != nil && !errors.Is(err, registry.ErrNotFound) {
					return nil, err
				}
				if ag != nil {
					label = s.nameOf(p, ag.Name, ag.NameEn)
				}
				agencies[*u.AgencyID] = label
			}
			out[i].AgencyLabel = label
		}
		if u.OfficialID != nil {
			label, ok := officials[*u.OfficialID]
			if !ok {
				o, err := s.store.Official(ctx, a, *u.OfficialID)
				if err != nil && !errors.Is(err, registry.ErrNotFound) {
					return nil, err
				}
				if o != nil {
					label = o.Name
				}
				officials[*u.OfficialID] = label
			}
			out[i].OfficialLabel = label
		}
	}
	return out, nil
}

// userPage is a user's page: the user, and for an administrator while
// security.totp is on, their second factor.
type userPage struct {
	userRow
	TOTP *registry.FactorStatus
}

func roleValues() []string {
	out := make([]string, len(registry.Roles))
	for i, r := range registry.Roles {
		out[i] = string(r)
	}
	return out
}

func (s *Server) userList(c echo.Context) error {
	p := s.page(c, "users", "users.title")
	f := registry.UserFilter{Q: strings.TrimSpace(c.QueryParam("q")), Role: registry.Role(c.QueryParam("role"))}
	res, err := s.store.Users(c.Request().Context(), actorOf(c), f, pageParams(c))
	if err != nil && !formErrors(p, err, []string{"q", "role"}) {
		return err
	}
	rows, err := s.userRows(c, p, res.Items)
	if err != nil {
		return err
	}
	p.Data = map[string]any{"Items": rows, "Nav": listNav(p, res), "Filter": []Field{
		newField(p, "q", "users.search", "search", f.Q),
		withOptions(newField(p, "role", "user.role", "select", ""), options(p.L, "role.", roleValues(), string(f.Role), true)),
	}}
	status := http.StatusOK
	if p.Errors != nil {
		status = http.StatusUnprocessableEntity
	}
	return s.render(c, status, "users", p)
}

func (s *Server) userShow(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	u, err := s.store.User(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	p := s.page(c, "users", "")
	rows, err := s.userRows(c, p, []registry.User{*u})
	if err != nil {
		return err
	}
	p.Title = u.Username
	d := userPage{userRow: rows[0]}
	if s.cfg.Security.TOTP && p.Can("update", "user") {
		st, err := s.store.FactorStatus(c.Request().Context(), u.ID)
		if err != nil {
			return err
		}
		d.TOTP = &st
	}
	p.Data = d
	return s.render(c, http.StatusOK, "user", p)
}

// userForm is the user form as posted. A liaison's agency is given by its
// code, an official user's record by the official's number.
type userForm struct {
	ID         int64
	Username   string
	Password   string
	Role       string
	Agency     string
	OfficialID string
	Locale     string
	Email      string
	Active     bool
}

func (f *userForm) bind(c echo.Context) {
	f.Username, f.Password, f.Role = strings.TrimSpace(c.FormValue("username")), c.FormValue("password"), c.FormValue("role")
	f.Agency, f.OfficialID = strings.TrimSpace(c.FormValue("agency")), strings.TrimSpace(c.FormValue("official_id"))
	f.Locale, f.Active = c.FormValue("locale"), c.FormValue("active") != ""
	f.Email = strings.TrimSpace(c.FormValue("email"))
}

// input reads the agency code only for a liaison and the official number
// only for an official: the other roles are bound to neither, and a stale
// value left in a hidden-by-role field must not block the save.
func (s *Server) userInput(c echo.Context, f *userForm) (registry.UserInput, map[string]string) {
	in := registry.UserInput{Username: f.Username, Password: f.Password, Role: registry.Role(f.Role), Locale: f.Locale, Email: f.Email, Active: f.Active}
	bad := map[string]string{}
	switch in.Role {
	case registry.RoleLiaison:
		if f.Agency != "" {
			ag, err := s.store.AgencyByCode(c.Request().Context(), f.Agency)
			if err != nil {
				bad["agency"] = "error.agency_code_unknown"
			} else {
				in.AgencyID = ag.ID
			}
		}
	case registry.RoleOfficial:
		if f.OfficialID != "" {
			n, err := strconv.ParseInt(f.OfficialID, 10, 64)
			if err != nil || n <= 0 {
				bad["official_id"] = "error.invalid"
			}
			in.OfficialID = n
		}
	}
	return in, bad
}

var userFieldOrder = []string{"username", "password", "email", "role", "agency", "official_id", "locale", "active"}

var userFieldNames = map[string]string{"agency_id": "agency"}

func (s *Server) renderUserForm(c echo.Context, p *Page, f *userForm, status int) error {
	locales := []Option{{Value: "", Label: p.L.T("user.locale_default"), Selected: f.Locale == ""}}
	locales = append(locales, options(p.L, "user.locale.", []string{"fa", "en"}, f.Locale, false)...)
	fields := map[string]Field{
		"username":    newField(p, "username", "user.username", "text", f.Username),
		"password":    newField(p, "password", "user.password", "password", ""),
		"email":       newField(p, "email", "user.email", "email", f.Email),
		"role":        withOptions(newField(p, "role", "user.role", "select", ""), options(p.L, "role.", roleValues(), f.Role, false)),
		"agency":      newField(p, "agency", "user.agency_code", "text", f.Agency),
		"official_id": newField(p, "official_id", "user.official_id", "text", f.OfficialID),
		"locale":      withOptions(newField(p, "locale", "user.locale", "select", ""), locales),
		"active":      newField(p, "active", "user.active", "checkbox", "1"),
	}
	if f.ID != 0 {
		fields["password"] = hintOf(fields["password"], p.L.T("user.password_keep"))
	}
	p.Data = map[string]any{"Form": f, "F": fields}
	return s.render(c, status, "user_form", p)
}

func hintOf(f Field, h string) Field { f.Hint = h; return f }

func (s *Server) userNew(c echo.Context) error {
	if !actorOf(c).Can(registry.ActionCreate, registry.Target{Resource: registry.ResUser}) {
		return registry.ErrForbidden
	}
	f := &userForm{Role: string(registry.RoleLiaison), Active: true, Agency: c.QueryParam("agency"), OfficialID: c.QueryParam("official_id")}
	if f.OfficialID != "" {
		f.Role = string(registry.RoleOfficial)
	}
	return s.renderUserForm(c, s.page(c, "users", "user.new"), f, http.StatusOK)
}

func (s *Server) userCreate(c echo.Context) error {
	p := s.page(c, "users", "user.new")
	f := &userForm{}
	f.bind(c)
	in, bad := s.userInput(c, f)
	var err error
	if len(bad) > 0 {
		err = &registry.ValidationError{Fields: bad}
	} else {
		var u *registry.User
		u, err = s.store.CreateUser(c.Request().Context(), actorOf(c), in)
		if err == nil {
			s.flash(c, "success", "user.flash_created")
			return redirectTo(c, "/users/"+strconv.FormatInt(u.ID, 10))
		}
	}
	if !formErrors(p, renameFields(err, userFieldNames), userFieldOrder) {
		return err
	}
	return s.renderUserForm(c, p, f, http.StatusUnprocessableEntity)
}

func (s *Server) userEdit(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	a := actorOf(c)
	u, err := s.store.User(c.Request().Context(), a, id)
	if err != nil {
		return err
	}
	if !a.Can(registry.ActionUpdate, registry.Target{Resource: registry.ResUser, UserID: id}) {
		return registry.ErrForbidden
	}
	f := &userForm{ID: u.ID, Username: u.Username, Role: string(u.Role), Locale: u.Locale, Email: u.Email, Active: u.Active}
	if u.AgencyID != nil {
		if ag, err := s.store.Agency(c.Request().Context(), *u.AgencyID); err == nil {
			f.Agency = ag.Code
		}
	}
	if u.OfficialID != nil {
		f.OfficialID = strconv.FormatInt(*u.OfficialID, 10)
	}
	return s.renderUserForm(c, s.page(c, "users", "user.edit"), f, http.StatusOK)
}

func (s *Server) userUpdate(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	p := s.page(c, "users", "user.edit")
	f := &userForm{ID: id}
	f.bind(c)
	in, bad := s.userInput(c, f)
	if len(bad) > 0 {
		err = &registry.ValidationError{Fields: bad}
	} else if _, err = s.store.UpdateUser(c.Request().Context(), actorOf(c), id, in); err == nil {
		s.flash(c, "success", "user.flash_saved")
		return redirectTo(c, "/users/"+strconv.FormatInt(id, 10))
	}
	if !formErrors(p, renameFields(err, userFieldNames), userFieldOrder) {
		return err
	}
	return s.renderUserForm(c, p, f, http.StatusUnprocessableEntity)
}

func (s *Server) userDelete(c echo.Context) error {
	return s.deleteRecord(c, "user", s.store.DeleteUser, "/users")
}
