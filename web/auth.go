package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"hozur/registry"
	"hozur/web/locale"
)

type loginData struct {
	Username string
	Next     string
	// Verify links to public verification, when it is on.
	Verify bool
}

func (s *Server) loginForm(c echo.Context) error {
	if _, ok := c.Get(ctxUser).(*registry.User); ok {
		return c.Redirect(http.StatusSeeOther, safeNext(c.QueryParam("next")))
	}
	p := s.page(c, "login", "login.title")
	p.Data = loginData{Next: safeNext(c.QueryParam("next")), Verify: s.cfg.Public.Verify}
	return s.render(c, http.StatusOK, "login", p)
}

func (s *Server) login(c echo.Context) error {
	username := strings.TrimSpace(c.FormValue("username"))
	password := c.FormValue("password")
	next := safeNext(c.FormValue("next"))
	p := s.page(c, "login", "login.title")
	p.Data = loginData{Username: username, Next: next, Verify: s.cfg.Public.Verify}
	p.Errors = map[string]string{}
	if username == "" {
		p.Errors["username"] = p.L.T("error.required")
	}
	if password == "" {
		p.Errors["password"] = p.L.T("error.required")
	}
	if len(p.Errors) > 0 {
		p.ErrorOrder = []string{"username", "password"}
		return s.render(c, http.StatusUnprocessableEntity, "login", p)
	}
	raw, _, u, err := s.store.Login(c.Request().Context(), s.signInPolicy(), username, password, c.RealIP())
	switch {
	case errors.Is(err, registry.ErrSecondFactor):
		// The password was right; the code comes next, on its own page.
		s.setCookie(c, pendingCookie, raw, int(registry.ChallengeLifetime.Seconds()))
		if u.Locale != "" {
			s.setCookie(c, langCookie, u.Locale, 365*24*3600)
		}
		return c.Redirect(http.StatusSeeOther, "/login/code?next="+urlQueryEscape(next))
	case errors.Is(err, registry.ErrRateLimited):
		p.Errors["_form"] = p.L.T("login.rate_limited")
		p.ErrorOrder = []string{"_form"}
		return s.render(c, http.StatusTooManyRequests, "login", p)
	case errors.Is(err, registry.ErrUnauthenticated):
		p.Errors["_form"] = p.L.T("login.failed")
		p.ErrorOrder = []string{"_form"}
		return s.render(c, http.StatusUnauthorized, "login", p)
	case err != nil:
		return err
	}
	// The session id is new at every sign-in, so a session fixed before
	// sign-in is worth nothing after it.
	s.setCookie(c, sessionCookie, raw, int(s.cfg.Session.Lifetime.Seconds()))
	if u.Locale != "" {
		s.setCookie(c, langCookie, u.Locale, 365*24*3600)
	}
	return c.Redirect(http.StatusSeeOther, next)
}

func (s *Server) logout(c echo.Context) error {
	if ck, err := c.Cookie(sessionCookie); err == nil {
		if err := s.store.Logout(c.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	s.setCookie(c, sessionCookie, "", -1)
	return c.Redirect(http.StatusSeeOther, "/login")
}

// switchLang changes the interface language, remembered for the user and in
// a cookie for the sign-in page.
func (s *Server) switchLang(c echo.Context) error {
	lang := locale.Supported(c.FormValue("lang"))
	if lang == "" {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	if u, ok := c.Get(ctxUser).(*registry.User); ok {
		if err := s.store.SetLocale(c.Request().Context(), u.ID, lang); err != nil {
			return err
		}
	}
	s.setCookie(c, langCookie, lang, 365*24*3600)
	return c.Redirect(http.StatusSeeOther, safeNext(c.FormValue("next")))
}

// safeNext keeps redirects on this site: a path, never "//host" or a URL.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsRune(next, '\\') {
		return "/"
	}
	// Browsers drop tabs and newlines from URLs, so "/\t/evil" would
	// become "//evil": no control character may pass.
	for _, r := range next {
		if r < 0x20 || r == 0x7f {
			return "/"
		}
	}
	return next
}

// flash stores a one-time message key for the next page.
func (s *Server) flash(c echo.Context, kind, key string) {
	s.setCookie(c, flashCookie, kind+":"+key, 60)
}

func (s *Server) takeFlash(c echo.Context) *Flash {
	ck, err := c.Cookie(flashCookie)
	if err != nil || ck.Value == "" {
		return nil
	}
	s.setCookie(c, flashCookie, "", -1)
	kind, key, ok := strings.Cut(ck.Value, ":")
	l := s.localeOf(c)
	// Only known keys are shown: the cookie is not trusted to carry text.
	if !ok || (kind != "success" && kind != "error" && kind != "info") || !l.Has(key) {
		return nil
	}
	return &Flash{Kind: kind, Text: l.T(key)}
}
