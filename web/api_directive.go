package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"hozur/registry"
)

// directiveBody is a directive as the API shows it, with its deadline in
// force and the amendments that moved it.
type directiveBody struct {
	ID            int64           `json:"id"`
	Title         string          `json:"title"`
	Reference     string          `json:"reference"`
	Kind          string          `json:"kind" enum:"directive_kind" doc:"presence: sets the grace deadline for foreign accounts; privacy: the deadline of platform assessments"`
	NotifiedOn    jsonDate        `json:"notified_on"`
	WindowMonths  int             `json:"window_months" doc:"the original compliance window, in months"`
	WindowInForce int             `json:"window_in_force" doc:"the window of the latest amendment, or the original"`
	Deadline      jsonDate        `json:"deadline" doc:"notified_on plus window_in_force"`
	Amendments    []amendmentBody `json:"amendments" doc:"oldest first"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
}

// amendmentBody is one amendment of a directive's window.
type amendmentBody struct {
	ID           int64    `json:"id"`
	Reference    string   `json:"reference"`
	DatedOn      jsonDate `json:"dated_on"`
	WindowMonths int      `json:"window_months" doc:"the new window, in months from the directive's notice"`
	Note         string   `json:"note"`
}

func directiveBodyOf(tz *time.Location) func(registry.Directive) directiveBody {
	return func(d registry.Directive) directiveBody {
		ams := make([]amendmentBody, 0, len(d.Amendments))
		for _, a := range d.Amendments {
			ams = append(ams, amendmentBody{ID: a.ID, Reference: a.Reference, DatedOn: dayOut(a.DatedOn, tz), WindowMonths: a.WindowMonths, Note: a.Note})
		}
		return directiveBody{ID: d.ID, Title: d.Title, Reference: d.Reference, Kind: d.Kind, NotifiedOn: dayOut(d.NotifiedOn, tz),
			WindowMonths: d.WindowMonths, WindowInForce: d.Window(), Deadline: dayOut(d.Deadline(), tz), Amendments: ams,
			CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
	}
}

// directiveIn is the body of POST on directives.
type directiveIn struct {
	Title        *string     `json:"title"`
	Reference    *string     `json:"reference"`
	Kind         *string     `json:"kind" enum:"directive_kind"`
	NotifiedOn   opt[string] `json:"notified_on" doc:"YYYY-MM-DD" format:"date"`
	WindowMonths *int        `json:"window_months" doc:"the compliance window, 1 to 120 months"`
}

// amendmentIn is the body of an amendment.
type amendmentIn struct {
	Reference    string      `json:"reference"`
	DatedOn      opt[string] `json:"dated_on" doc:"YYYY-MM-DD, not before the directive's notice" format:"date"`
	WindowMonths int         `json:"window_months" doc:"the new window, 1 to 120 months from the directive's notice"`
	Note         string      `json:"note"`
}

func (s *Server) apiDirectiveList(c echo.Context) error {
	list, err := s.store.Directives(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	return writeList(c, registry.Result[registry.Directive]{Items: list}, directiveBodyOf(s.tz))
}

func (s *Server) apiDirectiveCreate(c echo.Context) error {
	var b directiveIn
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	a := actorOf(c)
	if !a.MayEver(registry.ActionCreate, registry.ResDirective) {
		return registry.ErrForbidden
	}
	bad := map[string]string{}
	in := registry.DirectiveInput{Title: pick(b.Title, ""), Reference: pick(b.Reference, ""), Kind: pick(b.Kind, ""),
		NotifiedOn: dateIn(b.NotifiedOn, nil, "notified_on", s.tz, bad), WindowMonths: pick(b.WindowMonths, 0)}
	if err := fieldsErr(bad); err != nil {
		return err
	}
	d, err := s.store.CreateDirective(c.Request().Context(), a, in)
	if err != nil {
		return err
	}
	return apiCreated(c, "directives", d.ID, directiveBodyOf(s.tz)(*d))
}

func (s *Server) apiDirectiveGet(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	d, err := s.store.Directive(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, directiveBodyOf(s.tz)(*d))
}

func (s *Server) apiDirectiveAmend(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var b amendmentIn
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	a := actorOf(c)
	if !a.MayEver(registry.ActionUpdate, registry.ResDirective) {
		return registry.ErrForbidden
	}
	bad := map[string]string{}
	in := registry.AmendmentInput{Reference: b.Reference, DatedOn: dateIn(b.DatedOn, nil, "dated_on", s.tz, bad), WindowMonths: b.WindowMonths, Note: b.Note}
	if err := fieldsErr(bad); err != nil {
		return err
	}
	d, err := s.store.AmendDirective(c.Request().Context(), a, id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, directiveBodyOf(s.tz)(*d))
}
