package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"hozur/registry"
)

// directiveRow is a directive as its list and page show it.
type directiveRow struct {
	ID                                 int64
	Title, Reference, Kind, NotifiedOn string
	Window, Deadline                   string
	Passed                             bool
	Amended                            int
}

// amendmentRow is one step of a directive's history: the original notice
// or an amendment, with the deadline it set.
type amendmentRow struct {
	Reference, DatedOn, Window, Deadline, Note string
	Original, Current                          bool
}

func (s *Server) directiveRow(p *Page, d *registry.Directive) directiveRow {
	dl := d.Deadline()
	return directiveRow{ID: d.ID, Title: d.Title, Reference: d.Reference, Kind: p.L.T("directive_kind." + d.Kind),
		NotifiedOn: p.L.Date(d.NotifiedOn), Window: p.L.T("directive.months", "n", d.Window()), Deadline: p.L.Date(dl),
		Passed: !s.store.Now().Before(dl), Amended: len(d.Amendments)}
}

func (s *Server) directiveList(c echo.Context) error {
	a := actorOf(c)
	list, err := s.store.Directives(c.Request().Context(), a)
	if err != nil {
		return err
	}
	p := s.page(c, "directives", "directives.title")
	rows := make([]directiveRow, len(list))
	for i := range list {
		rows[i] = s.directiveRow(p, &list[i])
	}
	p.Data = map[string]any{"Rows": rows, "CanCreate": a.MayEver(registry.ActionCreate, registry.ResDirective)}
	return s.render(c, http.StatusOK, "directives", p)
}

// directiveForm is the directive form, or the amendment form, as posted.
type directiveForm struct {
	Title, Reference, Kind, NotifiedOn, Window string
	DatedOn, Note                              string
}

var directiveFieldOrder = []string{"title", "reference", "kind", "notified_on", "window_months"}

func (s *Server) renderDirectiveForm(c echo.Context, p *Page, f *directiveForm, status int) error {
	p.Data = map[string]any{
		"Title":      newField(p, "title", "directive.title", "text", f.Title),
		"Reference":  newField(p, "reference", "directive.reference", "text", f.Reference),
		"Kind":       withOptions(newField(p, "kind", "directive.kind", "select", ""), options(p.L, "directive_kind.", registry.DirectiveKinds, f.Kind, false)),
		"NotifiedOn": newField(p, "notified_on", "directive.notified_on", "text", f.NotifiedOn),
		"Window":     newField(p, "window_months", "directive.window_months", "text", f.Window),
	}
	return s.render(c, status, "directive_form", p)
}

func (s *Server) directiveNew(c echo.Context) error {
	if !actorOf(c).MayEver(registry.ActionCreate, registry.ResDirective) {
		return registry.ErrForbidden
	}
	return s.renderDirectiveForm(c, s.page(c, "directives", "directive.new"), &directiveForm{Kind: registry.DirectiveOther}, http.StatusOK)
}

// months reads a window typed in any digits; a bad number is 0, which the
// store refuses with its range message.
func months(s string) int {
	n, err := strconv.Atoi(asciiDigits(s))
	if err != nil {
		return 0
	}
	return n
}

func (s *Server) directiveCreate(c echo.Context) error {
	a := actorOf(c)
	if !a.MayEver(registry.ActionCreate, registry.ResDirective) {
		return registry.ErrForbidden
	}
	p := s.page(c, "directives", "directive.new")
	f := &directiveForm{Title: c.FormValue("title"), Reference: c.FormValue("reference"), Kind: c.FormValue("kind"),
		NotifiedOn: strings.TrimSpace(c.FormValue("notified_on")), Window: strings.TrimSpace(c.FormValue("window_months"))}
	in := registry.DirectiveInput{Title: f.Title, Reference: f.Reference, Kind: f.Kind, WindowMonths: months(f.Window)}
	bad := map[string]string{}
	var err error
	if in.NotifiedOn, err = p.L.ParseDate(f.NotifiedOn); err != nil {
		bad["notified_on"] = "error.date"
	}
	d, err := s.store.CreateDirective(c.Request().Context(), a, in)
	if err == nil {
		s.flash(c, "success", "directive.flash_created")
		return redirectTo(c, "/directives/"+strconv.FormatInt(d.ID, 10))
	}
	if err = overlayFieldErrors(err, bad); !formErrors(p, err, directiveFieldOrder) {
		return err
	}
	return s.renderDirectiveForm(c, p, f, http.StatusUnprocessableEntity)
}

type directiveShowData struct {
	D        *registry.Directive
	Row      directiveRow
	History  []amendmentRow
	CanAmend bool
	In       map[string]Field
}

func (s *Server) directiveShow(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	d, err := s.store.Directive(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	return s.renderDirective(c, s.page(c, "directives", ""), d, &directiveForm{}, http.StatusOK)
}

func (s *Server) renderDirective(c echo.Context, p *Page, d *registry.Directive, f *directiveForm, status int) error {
	p.Title = d.Title
	data := directiveShowData{D: d, Row: s.directiveRow(p, d), CanAmend: actorOf(c).MayEver(registry.ActionUpdate, registry.ResDirective)}
	data.History = append(data.History, amendmentRow{Reference: d.Reference, DatedOn: p.L.Date(d.NotifiedOn), Original: true,
		Window: p.L.T("directive.months", "n", d.WindowMonths), Deadline: p.L.Date(d.NotifiedOn.AddDate(0, d.WindowMonths, 0))})
	for _, am := range d.Amendments {
		data.History = append(data.History, amendmentRow{Reference: am.Reference, DatedOn: p.L.Date(am.DatedOn), Note: am.Note,
			Window: p.L.T("directive.months", "n", am.WindowMonths), Deadline: p.L.Date(d.NotifiedOn.AddDate(0, am.WindowMonths, 0))})
	}
	// The window in force is the latest amendment's (Directive.Window);
	// amendments come oldest first.
	data.History[len(data.History)-1].Current = true
	data.In = map[string]Field{
		"reference":     newField(p, "reference", "directive.amend_reference", "text", f.Reference),
		"dated_on":      newField(p, "dated_on", "directive.dated_on", "text", f.DatedOn),
		"window_months": newField(p, "window_months", "directive.new_window", "text", f.Window),
		"note":          newField(p, "note", "directive.note", "textarea", f.Note),
	}
	p.Data = data
	return s.render(c, status, "directive", p)
}

func (s *Server) directiveAmend(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	ctx, a := c.Request().Context(), actorOf(c)
	if !a.MayEver(registry.ActionUpdate, registry.ResDirective) {
		return registry.ErrForbidden
	}
	p := s.page(c, "directives", "")
	f := &directiveForm{Reference: c.FormValue("reference"), DatedOn: strings.TrimSpace(c.FormValue("dated_on")),
		Window: strings.TrimSpace(c.FormValue("window_months")), Note: c.FormValue("note")}
	in := registry.AmendmentInput{Reference: f.Reference, WindowMonths: months(f.Window), Note: f.Note}
	bad := map[string]string{}
	if in.DatedOn, err = p.L.ParseDate(f.DatedOn); err != nil {
		bad["dated_on"] = "error.date"
	}
	if _, err = s.store.AmendDirective(ctx, a, id, in); err == nil {
		s.flash(c, "success", "directive.flash_amended")
		return redirectTo(c, "/directives/"+strconv.FormatInt(id, 10))
	}
	if err = overlayFieldErrors(err, bad); !formErrors(p, err, []string{"reference", "dated_on", "window_months", "note"}) {
		return err
	}
	d, err := s.store.Directive(ctx, a, id)
	if err != nil {
		return err
	}
	return s.renderDirective(c, p, d, f, http.StatusUnprocessableEntity)
}

// overlayFieldErrors lays the form's own field errors (a malformed date)
// over the store's, so that one round shows every problem. It is only for
// required dates: the store refuses the missing value, so nothing is saved.
func overlayFieldErrors(err error, bad map[string]string) error {
	if len(bad) == 0 {
		return err
	}
	var ve *registry.ValidationError
	out := map[string]string{}
	switch {
	case errors.As(err, &ve):
		for k, v := range ve.Fields {
			out[k] = v
		}
	case errors.Is(err, registry.ErrForbidden), errors.Is(err, registry.ErrNotFound):
		return err
	}
	for k, v := range bad {
		out[k] = v
	}
	return &registry.ValidationError{Fields: out}
}
