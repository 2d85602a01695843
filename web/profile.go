package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"hozur/registry"
)

// profileData is the signed-in user's own page: who they are to the
// registry and their API tokens.
type profileData struct {
	User          *registry.User
	AgencyLabel   string
	OfficialLabel string
	Tokens        []registry.APIToken
	TokenName     Field
	// NewToken is the token just made. Only its hash is stored, so this
	// page is the one time it can be shown.
	NewToken string
	// TOTP is the second factor's state, nil while security.totp is off.
	TOTP *registry.FactorStatus
}

func (s *Server) renderProfile(c echo.Context, p *Page, name, newToken string, status int) error {
	u, _ := c.Get(ctxUser).(*registry.User)
	if u == nil {
		return registry.ErrUnauthenticated
	}
	rows, err := s.userRows(c, p, []registry.User{*u})
	if err != nil {
		return err
	}
	tokens, err := s.store.Tokens(c.Request().Context(), actorOf(c), u.ID)
	if err != nil {
		return err
	}
	d := profileData{User: u, AgencyLabel: rows[0].AgencyLabel, OfficialLabel: rows[0].OfficialLabel, Tokens: tokens,
		TokenName: newField(p, "name", "profile.token_name", "text", name), NewToken: newToken}
	if s.cfg.Security.TOTP {
		st, err := s.store.FactorStatus(c.Request().Context(), u.ID)
		if err != nil {
			return err
		}
		d.TOTP = &st
	}
	p.Data = d
	return s.render(c, status, "profile", p)
}

func (s *Server) profile(c echo.Context) error {
	return s.renderProfile(c, s.page(c, "profile", "profile.title"), "", "", http.StatusOK)
}

// tokenCreate makes a token and shows it on the page it renders, not after
// a redirect: the raw token must never travel in a cookie or a URL.
func (s *Server) tokenCreate(c echo.Context) error {
	p := s.page(c, "profile", "profile.title")
	u, _ := c.Get(ctxUser).(*registry.User)
	if u == nil {
		return registry.ErrUnauthenticated
	}
	name := c.FormValue("name")
	raw, _, err := s.store.CreateToken(c.Request().Context(), actorOf(c), u.ID, name)
	if err != nil {
		if !formErrors(p, err, []string{"name"}) {
			return err
		}
		return s.renderProfile(c, p, name, "", http.StatusUnprocessableEntity)
	}
	p.Flash = &Flash{Kind: "success", Text: p.L.T("profile.token_created")}
	return s.renderProfile(c, p, "", raw, http.StatusOK)
}

func (s *Server) tokenDelete(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.store.RevokeToken(c.Request().Context(), actorOf(c), id); err != nil {
		return err
	}
	s.flash(c, "success", "profile.token_revoked")
	return redirectTo(c, "/profile")
}
