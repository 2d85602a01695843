package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"hozur/registry"
	"hozur/web/locale"
)

// verifyData is the public verification page: the question, and the
// answer once there is one.
type verifyData struct {
	Q         string
	Platform  string
	Platforms []Option
	// Account is the registered account the question named.
	Account *registry.PublicAccount
	// NotRegistered is the one answer for personal, closed and unknown accounts.
	NotRegistered bool
}

// verifyPage answers GET /verify: the form, and with q the answer.
func (s *Server) verifyPage(c echo.Context) error {
	ctx := c.Request().Context()
	p := s.page(c, "verify", "verify.title")
	d := &verifyData{Q: strings.TrimSpace(c.QueryParam("q"))}
	p.Data = d
	platform, ok, err := s.publicPlatform(c, c.QueryParam("platform"))
	if err != nil {
		return err
	}
	if d.Platforms, err = s.verifyPlatforms(c, p.L, platform); err != nil {
		return err
	}
	if !ok {
		p.Errors, p.ErrorOrder = map[string]string{"platform": p.L.T("error.choose")}, []string{"platform"}
		return s.render(c, http.StatusUnprocessableEntity, "verify", p)
	}
	d.Platform = platform
	if d.Q == "" {
		return s.render(c, http.StatusOK, "verify", p)
	}
	pa, err := s.store.PublicVerify(ctx, publicText(d.Q, platform))
	var ve *registry.ValidationError
	switch {
	case errors.Is(err, registry.ErrNotFound):
		// The answer repeats nothing of the question, so it is the same page,
		// byte for byte, for a personal, a closed and an unknown account.
		d.Q, d.Platform, d.NotRegistered, p.Path = "", "", true, "/verify"
		if d.Platforms, err = s.verifyPlatforms(c, p.L, ""); err != nil {
			return err
		}
		return s.render(c, http.StatusOK, "verify", p)
	case errors.As(err, &ve):
		p.Errors, p.ErrorOrder = map[string]string{"q": p.L.T(publicErrorKey(ve.Fields["url"]))}, []string{"q"}
		return s.render(c, http.StatusUnprocessableEntity, "verify", p)
	case err != nil:
		return err
	}
	d.Account = pa
	return s.render(c, http.StatusOK, "verify", p)
}

// verifyPlatforms are the platform choices for a bare handle.
func (s *Server) verifyPlatforms(c echo.Context, l *locale.Locale, selected string) ([]Option, error) {
	list, err := s.store.Platforms(c.Request().Context())
	if err != nil {
		return nil, err
	}
	out := []Option{{Value: "", Label: l.T("verify.platform_from_link"), Selected: selected == ""}}
	for _, pl := range list {
		name := pl.Name
		if l.Lang == "en" && pl.NameEn != "" {
			name = pl.NameEn
		}
		out = append(out, Option{Value: pl.Code, Label: name, Selected: pl.Code == selected})
	}
	return out, nil
}

// verifyRateLimited answers a client over the limit with the page and the
// reason, in the reader's language.
func (s *Server) verifyRateLimited(c echo.Context) error {
	p := s.page(c, "verify", "verify.title")
	d := &verifyData{}
	var err error
	if d.Platforms, err = s.verifyPlatforms(c, p.L, ""); err != nil {
		return err
	}
	p.Data, p.Path = d, "/verify"
	p.Errors, p.ErrorOrder = map[string]string{"_form": p.L.T("verify.rate_limited")}, []string{"_form"}
	return s.render(c, http.StatusTooManyRequests, "verify", p)
}
