package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"hozur/registry"
	"hozur/web/locale"
)

const (
	ctxUser    = "user"
	ctxActor   = "actor"
	ctxSession = "session"

	sessionCookie = "hozur_session"
	langCookie    = "hozur_lang"
	flashCookie   = "hozur_flash"
)

func actorOf(c echo.Context) registry.Actor {
	a, _ := c.Get(ctxActor).(registry.Actor)
	a.IP = c.RealIP()
	return a
}

// secure reports whether cookies must be Secure for this request.
func (s *Server) secure(c echo.Context) bool {
	switch s.cfg.Session.SecureCookie {
	case "always":
		return true
	case "never":
		return false
	}
	return c.IsTLS() || strings.HasPrefix(s.cfg.BaseURL, "https://")
}

func (s *Server) setCookie(c echo.Context, name, value string, maxAge int) {
	c.SetCookie(&http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true, //nolint:gosec // Secure follows the request, see secure
		Secure: s.secure(c), SameSite: http.SameSiteLaxMode})
}

// loadSession signs in the browser's session, if any; it never refuses.
func (s *Server) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(sessionCookie)
		if err != nil || ck.Value == "" {
			return next(c)
		}
		sess, u, err := s.store.SessionUser(c.Request().Context(), s.policy, ck.Value)
		if errors.Is(err, registry.ErrUnauthenticated) {
			s.setCookie(c, sessionCookie, "", -1)
			return next(c)
		}
		if err != nil {
			return err
		}
		a, err := s.store.ActorFor(c.Request().Context(), u)
		if err != nil {
			return err
		}
		c.Set(ctxUser, u)
		c.Set(ctxActor, a)
		c.Set(ctxSession, sess)
		return next(c)
	}
}

// requireUser sends anonymous visitors to the sign-in page.
func (s *Server) requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, ok := c.Get(ctxUser).(*registry.User); !ok {
			target := "/login"
			if c.Request().Method == http.MethodGet && c.Request().URL.Path != "/" {
				target += "?next=" + urlQueryEscape(c.Request().URL.RequestURI())
			}
			return c.Redirect(http.StatusSeeOther, target)
		}
		return next(c)
	}
}

// requireToken authenticates API calls by a personal token.
func (s *Server) requireToken(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get("Authorization")
		raw, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || raw == "" {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="hozur"`)
			return apiError(http.StatusUnauthorized, "unauthenticated", "api.unauthenticated")
		}
		u, err := s.store.TokenUser(c.Request().Context(), strings.TrimSpace(raw))
		if errors.Is(err, registry.ErrUnauthenticated) {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="hozur", error="invalid_token"`)
			return apiError(http.StatusUnauthorized, "unauthenticated", "api.unauthenticated")
		}
		if err != nil {
			return err
		}
		a, err := s.store.ActorFor(c.Request().Context(), u)
		if err != nil {
			return err
		}
		c.Set(ctxUser, u)
		c.Set(ctxActor, a)
		return next(c)
	}
}

// securityHeaders keeps pages from being framed or sniffed, and allows only
// our own scripts and styles. It runs before routing, so redirects, errors,
// static files, the API and /metrics carry the headers too. HSTS is sent
// when the site is served over TLS, here or by a proxy in front (an https
// base_url).
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	httpsBase := strings.HasPrefix(s.cfg.BaseURL, "https://")
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		if httpsBase || c.IsTLS() {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		return next(c)
	}
}

// localeOf picks the reader's language: the signed-in user's choice, else
// the language cookie, else the configured default.
func (s *Server) localeOf(c echo.Context) *locale.Locale {
	if l, ok := c.Get("locale").(*locale.Locale); ok {
		return l
	}
	lang := ""
	if u, ok := c.Get(ctxUser).(*registry.User); ok {
		lang = locale.Supported(u.Locale)
	}
	if lang == "" {
		if ck, err := c.Cookie(langCookie); err == nil {
			lang = locale.Supported(ck.Value)
		}
	}
	if lang == "" {
		lang = s.cfg.Locale
	}
	l := s.catalog.For(lang, s.tz)
	c.Set("locale", l)
	return l
}

type requestIDKey struct{}

// maxRequestID bounds an X-Request-Id taken from the client or a proxy.
const maxRequestID = 64

// requestID gives each request an id, sent back in X-Request-Id and added
// to every log line written with the request's context. An id from a
// proxy in front is kept when it is short and printable ASCII, so one id
// follows the request through both logs; anything else is replaced.
func requestID() echo.MiddlewareFunc {
	return middleware.RequestIDWithConfig(middleware.RequestIDConfig{
		Generator: newRequestID,
		RequestIDHandler: func(c echo.Context, id string) {
			if !validRequestID(id) {
				id = newRequestID()
				c.Response().Header().Set(echo.HeaderXRequestID, id)
			}
			r := c.Request()
			c.SetRequest(r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
		},
	})
}

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestID {
		return false
	}
	for i := range len(id) {
		if id[i] < 0x21 || id[i] > 0x7e || id[i] == '"' || id[i] == '\\' || id[i] == '<' || id[i] == '>' {
			return false
		}
	}
	return true
}

// requestIDOf is the request's id; "" outside a request.
func requestIDOf(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// requestLogHandler adds the request's id to every record logged with the
// request's context (s.log.ErrorContext(ctx, ...)), also from work the
// request started in the background with context.WithoutCancel.
type requestLogHandler struct{ slog.Handler }

func (h requestLogHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := requestIDOf(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestLogHandler) WithAttrs(a []slog.Attr) slog.Handler {
	return requestLogHandler{h.Handler.WithAttrs(a)}
}

func (h requestLogHandler) WithGroup(name string) slog.Handler {
	return requestLogHandler{h.Handler.WithGroup(name)}
}

// observe measures and logs each request once it is answered: errors are
// rendered here, so the status counted is the one sent. The access log
// line has the method, the route and the path (never the query, which may
// carry a search for a person's name), the status, the duration, the size
// and the request id; not the client's address or user agent, which the
// privacy directive's minimal data leaves out of logs kept for operations.
// Static files, probes and scrapes are logged at debug level only.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		start := time.Now()
		done := false
		defer func() {
			if done {
				return
			}
			// A handler that aborts its response (http.ErrAbortHandler) is
			// counted before the panic goes on to net/http.
			r := recover()
			s.record(c, time.Since(start))
			if r != nil {
				panic(r)
			}
		}()
		if err := next(c); err != nil {
			c.Error(err)
		}
		done = true
		s.record(c, time.Since(start))
		return nil
	}
}

func (s *Server) record(c echo.Context, took time.Duration) {
	s.metrics.observe(c, took)
	route := c.Path()
	if !s.metrics.routes[route] {
		route = routeUnknown
	}
	level := slog.LevelInfo
	if strings.HasPrefix(route, "/static/") || route == "/healthz" || route == "/readyz" || route == "/metrics" {
		level = slog.LevelDebug
	}
	res := c.Response()
	s.log.LogAttrs(c.Request().Context(), level, "request", slog.String("method", c.Request().Method), slog.String("route", route),
		slog.String("path", c.Request().URL.Path), slog.Int("status", res.Status), slog.Duration("duration", took), slog.Int64("bytes", res.Size))
}
