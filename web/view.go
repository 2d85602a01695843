package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"path"
	"strings"

	"github.com/labstack/echo/v4"

	"hozur/registry"
	"hozur/web/locale"
)

//go:embed templates
var templateFS embed.FS

// views holds one parsed template set per page, each with the layout and
// partials, parsed at start-up.
type views struct {
	pages map[string]*template.Template
}

func loadViews(as *assets) (*views, error) {
	funcs := template.FuncMap{
		"static": as.URL,
		"add":    func(a, b int) int { return a + b },
		"deref": func(p *int64) int64 {
			if p == nil {
				return 0
			}
			return *p
		},
		"eq64":  func(a int64, b *int64) bool { return b != nil && *b == a },
		"query": func(u url.Values, kv ...string) string { return withQuery(u, kv...) },
		"field": newField,
		"has":   func(list []string, v string) bool { return contains(list, v) },
		"lower": strings.ToLower,
		"dict2": func(l *locale.Locale, v string) map[string]any { return map[string]any{"L": l, "V": v} },
		"req":   func(f Field) Field { f.Required = true; return f },
		"opts":  func(f Field, o []Option) Field { f.Options = o; return f },
		"hint":  func(f Field, h string) Field { f.Hint = h; return f },
	}
	base, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/layout/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	v := &views{pages: map[string]*template.Template{}}
	pages, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, p := range pages {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, p)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", p, err)
		}
		v.pages[strings.TrimSuffix(path.Base(p), ".html")] = t
	}
	return v, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// withQuery copies u and sets the given key, value pairs; an empty value
// removes the key. Used for sort links and pagination that keep filters.
func withQuery(u url.Values, kv ...string) string {
	q := url.Values{}
	for k, v := range u {
		q[k] = append([]string(nil), v...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			q.Del(kv[i])
		} else {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return "?"
	}
	return "?" + q.Encode()
}

// Flash is a one-time message shown after a redirect.
type Flash struct {
	Kind string // success, error, info
	Text string
}

// Page is what every template receives.
type Page struct {
	L      *locale.Locale
	User   *registry.User
	Actor  registry.Actor
	CSRF   string
	Nav    string
	Title  string
	Flash  *Flash
	Path   string
	Query  url.Values
	Errors map[string]string // field -> translated message
	// ErrorOrder keeps the error summary in the form's order.
	ErrorOrder []string
	Data       any
	// Unread counts the signed-in user's unread notifications.
	Unread int64
}

// Can lets a template ask whether to show an action.
func (p *Page) Can(act, res string) bool {
	return p.User != nil && p.Actor.Can(registry.Action(act), registry.Target{Resource: registry.Resource(res), AgencyPath: p.Actor.AgencyPath, OfficialID: p.Actor.OfficialID, UserID: p.Actor.UserID})
}

// CanOn asks about a specific record.
func (p *Page) CanOn(act, res, agencyPath string, officialID *int64) bool {
	t := registry.Target{Resource: registry.Resource(res), AgencyPath: agencyPath}
	if officialID != nil {
		t.OfficialID = *officialID
	}
	return p.User != nil && p.Actor.Can(registry.Action(act), t)
}

// Field is one form input with its label and error.
type Field struct {
	Name, Label, Type, Value, Hint, Error string
	Required                              bool
	Options                               []Option
	Page                                  *Page
}

// Option is one choice of a select.
type Option struct {
	Value, Label string
	Selected     bool
}

func newField(p *Page, name, labelKey, typ string, value any) Field {
	f := Field{Name: name, Label: p.L.T(labelKey), Type: typ, Value: fmt.Sprint(value), Page: p}
	if value == nil {
		f.Value = ""
	}
	if p.Errors != nil {
		f.Error = p.Errors[name]
	}
	if p.L.Has(labelKey + ".hint") {
		f.Hint = p.L.T(labelKey + ".hint")
	}
	return f
}

// render executes a page inside the layout.
func (s *Server) render(c echo.Context, status int, name string, p *Page) error {
	t, ok := s.views.pages[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, buf.Bytes())
}

// page builds the common part of a page for this request.
func (s *Server) page(c echo.Context, nav, titleKey string) *Page {
	p := &Page{L: s.localeOf(c), Nav: nav, Path: c.Request().URL.RequestURI(), Query: c.QueryParams()}
	if u, ok := c.Get(ctxUser).(*registry.User); ok {
		p.User = u
		p.Actor = actorOf(c)
		p.Unread, _ = s.store.UnreadCount(c.Request().Context(), p.Actor)
	}
	if tok, ok := c.Get("csrf").(string); ok {
		p.CSRF = tok
	}
	p.Flash = s.takeFlash(c)
	if titleKey != "" {
		p.Title = p.L.T(titleKey)
	}
	return p
}

// options builds select options from values with translated labels
// (prefix+value), marking the selected one.
func options(l *locale.Locale, prefix string, values []string, selected string, empty bool) []Option {
	var out []Option
	if empty {
		out = append(out, Option{Value: "", Label: l.T("filter.any"), Selected: selected == ""})
	}
	for _, v := range values {
		out = append(out, Option{Value: v, Label: l.T(prefix + v), Selected: v == selected})
	}
	return out
}
