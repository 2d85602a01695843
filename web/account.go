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

type accountListData struct {
	Rows   []accountRow
	Nav    ListNav
	Q      string
	Agency *registry.Agency
	Filter []Field
}

func (s *Server) accountFilter(c echo.Context, p *Page) (registry.AccountFilter, *registry.Agency, error) {
	q := c.QueryParams()
	f := registry.AccountFilter{Q: q.Get("q"), Platform: q.Get("platform"), Origin: q.Get("origin"), Capacity: q.Get("capacity"),
		Status: q.Get("status"), Verification: q.Get("verification")}
	f.OfficialID, _ = strconv.ParseInt(q.Get("official"), 10, 64)
	var ag *registry.Agency
	if code := strings.TrimSpace(q.Get("agency")); code != "" {
		a, err := s.store.AgencyByCode(c.Request().Context(), code)
		if errors.Is(err, registry.ErrNotFound) {
			return f, nil, &registry.ValidationError{Fields: map[string]string{"agency": "error.agency_code_unknown"}}
		} else if err != nil {
			return f, nil, err
		}
		ag, f.AgencyID = a, a.ID
	}
	return f, ag, nil
}

func (s *Server) platformOptions(c echo.Context, p *Page, selected string, empty bool) ([]Option, error) {
	list, err := s.store.Platforms(c.Request().Context())
	if err != nil {
		return nil, err
	}
	var out []Option
	if empty {
		out = append(out, Option{Value: "", Label: p.L.T("filter.any"), Selected: selected == ""})
	}
	for _, pl := range list {
		out = append(out, Option{Value: pl.Code, Label: s.nameOf(p, pl.Name, pl.NameEn), Selected: pl.Code == selected})
	}
	return out, nil
}

// nameOf picks the name for the reader's language.
func (s *Server) nameOf(p *Page, fa, en string) string {
	if p.L.Lang == "en" && en != "" {
		return en
	}
	return fa
}

func (s *Server) accountList(c echo.Context) error {
	p := s.page(c, "accounts", "accounts.title")
	f, ag, err := s.accountFilter(c, p)
	d := accountListData{Q: f.Q, Agency: ag, Nav: ListNav{L: p.L, Query: p.Query}}
	if err == nil {
		var res registry.Result[registry.AccountView]
		res, err = s.store.Accounts(c.Request().Context(), actorOf(c), f, pageParams(c))
		d.Rows, d.Nav = accountRows(p, res.Items), listNav(p, res)
	}
	if err != nil && !formErrors(p, err, []string{"agency"}) {
		return err
	}
	platforms, perr := s.platformOptions(c, p, f.Platform, true)
	if perr != nil {
		return perr
	}
	agencyCode := ""
	if ag != nil {
		agencyCode = ag.Code
	} else {
		agencyCode = c.QueryParam("agency")
	}
	d.Filter = []Field{
		newField(p, "q", "accounts.search", "search", f.Q),
		newField(p, "agency", "accounts.agency_code", "text", agencyCode),
		withOptions(newField(p, "platform", "accounts.platform", "select", ""), platforms),
		withOptions(newField(p, "origin", "accounts.origin", "select", ""), options(p.L, "origin.", registry.Origins, f.Origin, true)),
		withOptions(newField(p, "capacity", "accounts.capacity", "select", ""), options(p.L, "capacity.", registry.Capacities, f.Capacity, true)),
		withOptions(newField(p, "status", "accounts.status", "select", ""), options(p.L, "status.", registry.Statuses, f.Status, true)),
		withOptions(newField(p, "verification", "accounts.verification", "select", ""), options(p.L, "verification.", registry.Verifications, f.Verification, true)),
	}
	p.Data = d
	status := http.StatusOK
	if p.Errors != nil {
		status = http.StatusUnprocessableEntity
	}
	return s.render(c, status, "accounts", p)
}

func withOptions(f Field, o []Option) Field { f.Options = o; return f }

// accountRow is one line of the accounts table, formatted in Go: a table
// of 50 rows would otherwise make hundreds of reflective template calls.
type accountRow struct {
	ID                                 int64
	Display, Platform, Holder, Created string
	Foreign                            bool
	Capacity                           string
	Status, Verification               Tag
}

// Tag is a status shown as a coloured tag with its text.
type Tag struct{ Class, Label string }

var statusColours = map[string]string{registry.StatusActive: "tag-green", registry.StatusDormant: "tag-grey",
	registry.StatusClosureRequested: "tag-orange", registry.StatusClosed: "tag-purple"}

var verificationColours = map[string]string{registry.VerificationVerified: "tag-blue", registry.VerificationDisputed: "tag-red",
	registry.VerificationUnverified: "tag-grey"}

func accountRows(p *Page, items []registry.AccountView) []accountRow {
	rows := make([]accountRow, len(items))
	en := p.L.Lang == "en"
	for i, a := range items {
		r := accountRow{ID: a.ID, Display: a.Display, Platform: a.PlatformName, Foreign: a.Origin == registry.OriginForeign,
			Capacity: p.L.T("capacity." + a.Capacity), Created: p.L.Date(a.CreatedAt),
			Status:       Tag{statusColours[a.Status], p.L.T("status." + a.Status)},
			Verification: Tag{verificationColours[a.Verification], p.L.T("verification." + a.Verification)}}
		if en && a.PlatformNameEn != "" {
			r.Platform = a.PlatformNameEn
		}
		switch {
		case a.OfficialName != "":
			r.Holder = a.OfficialName
		case en && a.AgencyNameEn != "":
			r.Holder = a.AgencyNameEn
		default:
			r.Holder = a.AgencyName
		}
		rows[i] = r
	}
	return rows
}

func (s *Server) accountShow(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	a, err := s.store.Account(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	p := s.page(c, "accounts", "")
	p.Title = a.Display
	d, err := s.accountWorkflow(c, p, a)
	if err != nil {
		return err
	}
	h, err := s.history(c, "account", a.ID)
	if err != nil {
		return err
	}
	alt, err := s.alternatives(c.Request().Context(), p, a, false)
	if err != nil {
		return err
	}
	p.Data = struct {
		*accountShowData
		History      []auditRow
		Flags        holderFlagsData
		Alternatives *alternativesView
	}{d, h, s.holderFlags(c, p, monitor.FlagFilter{AccountID: a.ID}), alt}
	return s.render(c, http.StatusOK, "account", p)
}

// accountForm is the account form as posted.
type accountForm struct {
	ID           int64
	URL          string
	Platform     string
	Handle       string
	Capacity     string
	AgencyCode   string
	OfficialID   string
	Status       string
	Verification string
	OpenedOn     string
	Official     *registry.OfficialView // the holder, shown by name
}

func (f *accountForm) bind(c echo.Context) {
	f.URL, f.Platform, f.Handle = strings.TrimSpace(c.FormValue("url")), c.FormValue("platform"), strings.TrimSpace(c.FormValue("handle"))
	f.Capacity, f.AgencyCode, f.OfficialID = c.FormValue("capacity"), strings.TrimSpace(c.FormValue("agency")), strings.TrimSpace(c.FormValue("official_id"))
	f.Status, f.Verification, f.OpenedOn = c.FormValue("status"), c.FormValue("verification"), c.FormValue("opened_on")
}

// input turns the form into the domain's input; problems with the form's
// own fields (an unknown agency code, a malformed date) come back as field
// errors.
func (s *Server) accountInput(c echo.Context, p *Page, f *accountForm) (registry.AccountInput, map[string]string) {
	in := registry.AccountInput{URL: f.URL, Handle: f.Handle, Capacity: f.Capacity, Status: f.Status, Verification: f.Verification}
	if f.URL == "" {
		in.PlatformCode = f.Platform
	}
	bad := map[string]string{}
	a := actorOf(c)
	if a.Role == registry.RoleOfficial {
		in.OfficialID = a.OfficialID
	} else if f.OfficialID != "" {
		n, err := strconv.ParseInt(strings.TrimSpace(f.OfficialID), 10, 64)
		if err != nil || n <= 0 {
			bad["official_id"] = "error.invalid"
		}
		in.OfficialID = n
	}
	if f.Capacity == registry.CapacityInstitutional {
		in.OfficialID = 0
		if f.AgencyCode != "" {
			ag, err := s.store.AgencyByCode(c.Request().Context(), f.AgencyCode)
			if err != nil {
				bad["agency"] = "error.agency_code_unknown"
			} else {
				in.AgencyID = ag.ID
			}
		}
	}
	d, err := p.L.ParseDate(f.OpenedOn)
	if err != nil {
		bad["opened_on"] = "error.date"
	}
	in.OpenedOn = d
	return in, bad
}

func (s *Server) renderAccountForm(c echo.Context, p *Page, f *accountForm, status int) error {
	if f.Official == nil && f.OfficialID != "" {
		if id, err := strconv.ParseInt(f.OfficialID, 10, 64); err == nil {
			f.Official, _ = s.store.Official(c.Request().Context(), actorOf(c), id)
		}
	}
	platforms, err := s.platformOptions(c, p, f.Platform, true)
	if err != nil {
		return err
	}
	fields := map[string]Field{
		"url":          newField(p, "url", "account.url", "text", f.URL),
		"platform":     withOptions(newField(p, "platform", "account.platform", "select", ""), platforms),
		"handle":       newField(p, "handle", "account.handle", "text", f.Handle),
		"capacity":     withOptions(newField(p, "capacity", "account.capacity", "select", ""), options(p.L, "capacity.", registry.Capacities, f.Capacity, false)),
		"agency":       newField(p, "agency", "account.agency_code", "text", f.AgencyCode),
		"official_id":  newField(p, "official_id", "account.official_id", "text", f.OfficialID),
		"status":       withOptions(newField(p, "status", "account.status", "select", ""), options(p.L, "status.", registry.Statuses, f.Status, false)),
		"verification": withOptions(newField(p, "verification", "account.verification", "select", ""), options(p.L, "verification.", registry.Verifications, f.Verification, false)),
		"opened_on":    newField(p, "opened_on", "account.opened_on", "text", f.OpenedOn),
	}
	p.Data = map[string]any{"Form": f, "F": fields, "CanVerify": p.Actor.Role == registry.RoleAdmin || p.Actor.Role == registry.RoleReviewer,
		"IsOfficial": p.Actor.Role == registry.RoleOfficial}
	return s.render(c, status, "account_form", p)
}

var accountFieldOrder = []string{"url", "platform", "handle", "capacity", "agency", "agency_id", "official_id", "status", "verification", "opened_on"}

func (s *Server) accountNew(c echo.Context) error {
	p := s.page(c, "accounts", "account.new")
	f := &accountForm{Capacity: registry.CapacityOffice, Status: registry.StatusActive, Verification: registry.VerificationUnverified,
		AgencyCode: c.QueryParam("agency"), OfficialID: c.QueryParam("official_id")}
	if f.AgencyCode != "" && f.OfficialID == "" {
		f.Capacity = registry.CapacityInstitutional
	}
	return s.renderAccountForm(c, p, f, http.StatusOK)
}

func (s *Server) accountCreate(c echo.Context) error {
	p := s.page(c, "accounts", "account.new")
	f := &accountForm{}
	f.bind(c)
	in, bad := s.accountInput(c, p, f)
	var err error
	if len(bad) > 0 {
		err = &registry.ValidationError{Fields: bad}
	} else {
		var a *registry.AccountView
		a, err = s.store.CreateAccount(c.Request().Context(), actorOf(c), in)
		if err == nil {
			s.flash(c, "success", "account.flash_created")
			return redirectTo(c, "/accounts/"+strconv.FormatInt(a.ID, 10))
		}
	}
	if !formErrors(p, err, accountFieldOrder) {
		return err
	}
	return s.renderAccountForm(c, p, f, http.StatusUnprocessableEntity)
}

func (s *Server) accountEdit(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	a, err := s.store.Account(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	if !actorOf(c).Can(registry.ActionUpdate, registry.Target{Resource: registry.ResAccount, AgencyPath: a.AgencyPath, OfficialID: derefID(a.OfficialID)}) {
		return registry.ErrForbidden
	}
	p := s.page(c, "accounts", "account.edit")
	f := &accountForm{ID: a.ID, URL: a.URL, Capacity: a.Capacity, Status: a.Status, Verification: a.Verification, OpenedOn: p.L.NumericDate(a.OpenedOn)}
	if a.OfficialID != nil {
		f.OfficialID = strconv.FormatInt(*a.OfficialID, 10)
	} else if ag, err := s.store.Agency(c.Request().Context(), a.AgencyID); err == nil {
		f.AgencyCode = ag.Code
	}
	return s.renderAccountForm(c, p, f, http.StatusOK)
}

func derefID(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func (s *Server) accountUpdate(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	p := s.page(c, "accounts", "account.edit")
	f := &accountForm{ID: id}
	f.bind(c)
	in, bad := s.accountInput(c, p, f)
	if len(bad) > 0 {
		err = &registry.ValidationError{Fields: bad}
	} else if _, err = s.store.UpdateAccount(c.Request().Context(), actorOf(c), id, in); err == nil {
		s.flash(c, "success", "account.flash_saved")
		return redirectTo(c, "/accounts/"+strconv.FormatInt(id, 10))
	}
	if !formErrors(p, err, accountFieldOrder) {
		return err
	}
	return s.renderAccountForm(c, p, f, http.StatusUnprocessableEntity)
}

func (s *Server) accountDelete(c echo.Context) error {
	return s.deleteRecord(c, "account", s.store.DeleteAccount, "/accounts")
}
