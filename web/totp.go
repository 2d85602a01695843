package web

import (
	"bytes"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"html/template"
	"image/png"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"hozur/registry"
)

// pendingCookie carries a sign-in waiting for its code (see
// registry.LoginCode); the server keeps only its hash, for five minutes.
const pendingCookie = "hozur_signin"

// signInPolicy is the login policy with the second factor as configured.
func (s *Server) signInPolicy() registry.LoginPolicy {
	p := s.policy
	p.SecondFactor = s.cfg.Security.TOTP
	return p
}

// enrolmentRoutes are what an administrator without a second factor may
// reach while it is required: setting it up, and signing out.
var enrolmentRoutes = map[string]bool{"/profile/totp": true, "/profile/totp/confirm": true, "/logout": true}

// requireSecondFactor sends an administrator who has not enrolled a second
// factor to enrolment, from every page, while security.totp is on.
func (s *Server) requireSecondFactor(next echo.HandlerFunc) echo.HandlerFunc {
	if !s.cfg.Security.TOTP {
		return next
	}
	return func(c echo.Context) error {
		u, ok := c.Get(ctxUser).(*registry.User)
		if !ok || u.Role != registry.RoleAdmin || enrolmentRoutes[c.Path()] {
			return next(c)
		}
		has, err := s.store.HasFactor(c.Request().Context(), u.ID)
		if err != nil {
			return err
		}
		if !has {
			return c.Redirect(http.StatusSeeOther, "/profile/totp")
		}
		return next(c)
	}
}

// requireTOTP answers 404 for the second factor's pages while it is off.
func (s *Server) requireTOTP(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !s.cfg.Security.TOTP {
			return registry.ErrNotFound
		}
		return next(c)
	}
}

type codePageData struct {
	Next   string
	Intro  string
	Code   Field
	Issuer string
}

func (s *Server) renderCodePage(c echo.Context, p *Page, next string, status int) error {
	p.Data = codePageData{Next: next, Intro: p.L.T("totp.code_intro", "issuer", s.cfg.Security.TOTPIssuer),
		Code: requiredField(newField(p, "code", "totp.code_label", "text", ""))}
	return s.render(c, status, "totp_code", p)
}

func requiredField(f Field) Field { f.Required = true; return f }

// pendingSignIn is the cookie of a sign-in waiting for its code.
func pendingSignIn(c echo.Context) string {
	if ck, err := c.Cookie(pendingCookie); err == nil {
		return ck.Value
	}
	return ""
}

// signInAgain ends a pending sign-in that is gone or past its time.
func (s *Server) signInAgain(c echo.Context, next string) error {
	s.setCookie(c, pendingCookie, "", -1)
	s.flash(c, "error", "totp.expired")
	target := "/login"
	if next != "/" {
		target += "?next=" + urlQueryEscape(next)
	}
	return c.Redirect(http.StatusSeeOther, target)
}

// codeForm asks for the code after a right password.
func (s *Server) codeForm(c echo.Context) error {
	next := safeNext(c.QueryParam("next"))
	if _, err := s.store.Challenge(c.Request().Context(), pendingSignIn(c)); errors.Is(err, registry.ErrUnauthenticated) {
		return s.signInAgain(c, next)
	} else if err != nil {
		return err
	}
	return s.renderCodePage(c, s.page(c, "login", "totp.code_title"), next, http.StatusOK)
}

// codeSubmit finishes the sign-in with a code or a recovery code.
func (s *Server) codeSubmit(c echo.Context) error {
	next := safeNext(c.FormValue("next"))
	p := s.page(c, "login", "totp.code_title")
	raw, _, u, err := s.store.LoginCode(c.Request().Context(), s.signInPolicy(), pendingSignIn(c), c.FormValue("code"), c.RealIP())
	switch {
	case errors.Is(err, registry.ErrUnauthenticated):
		return s.signInAgain(c, next)
	case errors.Is(err, registry.ErrRateLimited):
		p.Errors = map[string]string{"_form": p.L.T("login.rate_limited")}
		p.ErrorOrder = []string{"_form"}
		return s.renderCodePage(c, p, next, http.StatusTooManyRequests)
	case err != nil:
		if !formErrors(p, err, []string{"code"}) {
			return err
		}
		return s.renderCodePage(c, p, next, http.StatusUnprocessableEntity)
	}
	s.setCookie(c, pendingCookie, "", -1)
	s.setCookie(c, sessionCookie, raw, int(s.cfg.Session.Lifetime.Seconds()))
	if u.Locale != "" {
		s.setCookie(c, langCookie, u.Locale, 365*24*3600)
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// totpData is the second factor's page: setting it up, the recovery codes
// just made, or what is on and the way to turn it off.
type totpData struct {
	Status registry.FactorStatus
	// Required: an administrator, who may not do without it.
	Required bool
	// Setting up: the QR code (a PNG data URL), the key in groups of
	// four for typing, and the name it is filed under in the app.
	QR      template.URL
	Secret  string
	Account string
	Code    Field
	// Recovery are the codes just made, shown this once.
	Recovery []string
}

func (s *Server) renderTOTP(c echo.Context, p *Page, recovery []string, status int) error {
	// The page may show the shared secret or the recovery codes: no copy
	// of it is to be kept by the browser or anything in between.
	c.Response().Header().Set("Cache-Control", "no-store")
	u, _ := c.Get(ctxUser).(*registry.User)
	if u == nil {
		return registry.ErrUnauthenticated
	}
	ctx := c.Request().Context()
	st, err := s.store.FactorStatus(ctx, u.ID)
	if err != nil {
		return err
	}
	d := totpData{Status: st, Required: u.Role == registry.RoleAdmin, Recovery: recovery, Account: u.Username}
	if !st.Enrolled {
		secret, err := s.store.BeginTOTP(ctx, actorOf(c))
		if err != nil {
			return err
		}
		if d.QR, err = s.qrCode(u.Username, secret); err != nil {
			return err
		}
		d.Secret = groupSecret(secret)
	}
	d.Code = requiredField(newField(p, "code", "totp.code", "text", ""))
	p.Data = d
	return s.render(c, status, "totp", p)
}

// qrCode is the otpauth:// URL of the key as a QR code, a PNG data URL the
// page's image shows (the CSP allows data: images, no other origin).
func (s *Server) qrCode(username, secret string) (template.URL, error) {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		return "", err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: strings.TrimSpace(s.cfg.Security.TOTPIssuer), AccountName: username, Secret: raw,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return "", err
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", err
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())), nil //nolint:gosec // G203: a PNG we encoded ourselves
}

// groupSecret writes a key in groups of four, as authenticator apps accept
// it typed with or without the spaces.
func groupSecret(secret string) string {
	var parts []string
	for i := 0; i < len(secret); i += 4 {
		parts = append(parts, secret[i:min(i+4, len(secret))])
	}
	return strings.Join(parts, " ")
}

func (s *Server) totpPage(c echo.Context) error {
	return s.renderTOTP(c, s.page(c, "profile", "totp.title"), nil, http.StatusOK)
}

// totpConfirm turns the second factor on and shows the recovery codes on
// the page it renders, never after a redirect: they must not travel in a
// cookie or a URL.
func (s *Server) totpConfirm(c echo.Context) error {
	p := s.page(c, "profile", "totp.title")
	codes, err := s.store.ConfirmTOTP(c.Request().Context(), actorOf(c), c.FormValue("code"))
	var ce *registry.ConflictError
	switch {
	case errors.As(err, &ce):
		s.flash(c, "info", ce.Key)
		return redirectTo(c, "/profile/totp")
	case err != nil:
		if !formErrors(p, err, []string{"code"}) {
			return err
		}
		return s.renderTOTP(c, p, nil, http.StatusUnprocessableEntity)
	}
	p.Flash = &Flash{Kind: "success", Text: p.L.T("totp.enabled")}
	return s.renderTOTP(c, p, codes, http.StatusOK)
}

// totpDisable turns the second factor off, on a code.
func (s *Server) totpDisable(c echo.Context) error {
	p := s.page(c, "profile", "totp.title")
	err := s.store.DisableTOTP(c.Request().Context(), actorOf(c), s.signInPolicy(), c.FormValue("code"))
	switch {
	case errors.Is(err, registry.ErrRateLimited):
		p.Errors = map[string]string{"_form": p.L.T("login.rate_limited")}
		p.ErrorOrder = []string{"_form"}
		return s.renderTOTP(c, p, nil, http.StatusTooManyRequests)
	case err != nil:
		if !formErrors(p, err, []string{"code"}) {
			return err
		}
		status := http.StatusUnprocessableEntity
		if _, ok := p.Errors["_form"]; ok {
			status = http.StatusConflict
		}
		return s.renderTOTP(c, p, nil, status)
	}
	s.flash(c, "success", "totp.disabled")
	return redirectTo(c, "/profile")
}

// userTOTPReset removes another user's second factor: an administrator's
// way to let back in someone who lost their phone and recovery codes.
func (s *Server) userTOTPReset(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	err = s.store.ResetTOTP(c.Request().Context(), actorOf(c), id)
	var ce *registry.ConflictError
	switch {
	case errors.As(err, &ce):
		s.flash(c, "error", ce.Key)
	case err != nil:
		return err
	default:
		s.flash(c, "success", "totp.reset_done")
	}
	return redirectTo(c, "/users/"+c.Param("id"))
}
