package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"hozur/registry"
)

// userBody is a user as the API shows them: never the password hash.
type userBody struct {
	ID          int64      `json:"id"`
	Username    string     `json:"username"`
	Role        string     `json:"role"`
	AgencyID    *int64     `json:"agency_id" doc:"a liaison's agency"`
	OfficialID  *int64     `json:"official_id" doc:"an official's own record"`
	Locale      string     `json:"locale" doc:"fa, en, or empty for the site's default"`
	Email       string     `json:"email" doc:"where reports, reminders and decisions are mailed; empty for none"`
	Active      bool       `json:"active"`
	LastLoginAt *time.Time `json:"last_login_at"`
	CreatedAt   time.Time  `json:"created_at"`
}

func userBodyOf(u registry.User) userBody {
	return userBody{ID: u.ID, Username: u.Username, Role: string(u.Role), AgencyID: u.AgencyID, OfficialID: u.OfficialID, Locale: u.Locale,
		Email: u.Email, Active: u.Active, LastLoginAt: timeOut(u.LastLoginAt), CreatedAt: u.CreatedAt.UTC()}
}

// userIn is the body of POST and PATCH on users.
type userIn struct {
	Username   *string    `json:"username"`
	Password   *string    `json:"password" doc:"at least 10 characters; on PATCH, omit to keep the current one" writeOnly:"true"`
	Role       *string    `json:"role"`
	AgencyID   opt[int64] `json:"agency_id" doc:"required for a liaison"`
	OfficialID opt[int64] `json:"official_id" doc:"required for an official"`
	Locale     *string    `json:"locale" doc:"fa, en, or empty for the site's default"`
	Email      *string    `json:"email" doc:"where reports, reminders and decisions are mailed; empty for none; on PATCH, omit to keep the current one"`
	Active     *bool      `json:"active" doc:"default true"`
}

func (b userIn) input(cur registry.User) registry.UserInput {
	return registry.UserInput{Username: pick(b.Username, cur.Username), Password: pick(b.Password, ""), Role: registry.Role(pick(b.Role, string(cur.Role))),
		AgencyID: b.AgencyID.or(int64Of(cur.AgencyID)), OfficialID: b.OfficialID.or(int64Of(cur.OfficialID)), Locale: pick(b.Locale, cur.Locale),
		Email: pick(b.Email, cur.Email), Active: pick(b.Active, cur.Active)}
}

func int64Of(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// apiMe answers the token's own user, whatever their role.
func (s *Server) apiMe(c echo.Context) error {
	u, ok := c.Get(ctxUser).(*registry.User)
	if !ok {
		return registry.ErrUnauthenticated
	}
	return c.JSON(http.StatusOK, userBodyOf(*u))
}

func (s *Server) apiUserList(c echo.Context) error {
	q := s.apiQuery(c)
	roles := make([]string, len(registry.Roles))
	for i, r := range registry.Roles {
		roles[i] = string(r)
	}
	f := registry.UserFilter{Q: q.str("q"), Role: registry.Role(q.oneOf("role", roles))}
	p := q.page()
	if err := q.err(); err != nil {
		return err
	}
	res, err := s.store.Users(c.Request().Context(), actorOf(c), f, p)
	if err != nil {
		return err
	}
	return writeList(c, res, userBodyOf)
}

func (s *Server) apiUserCreate(c echo.Context) error {
	var b userIn
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	u, err := s.store.CreateUser(c.Request().Context(), actorOf(c), b.input(registry.User{Active: true}))
	if err != nil {
		return err
	}
	return apiCreated(c, "users", u.ID, userBodyOf(*u))
}

func (s *Server) apiUserGet(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	u, err := s.store.User(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, userBodyOf(*u))
}

func (s *Server) apiUserUpdate(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var b userIn
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	cur, err := s.store.User(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	u, err := s.store.UpdateUser(c.Request().Context(), actorOf(c), id, b.input(*cur))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, userBodyOf(*u))
}

func (s *Server) apiUserDelete(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteUser(c.Request().Context(), actorOf(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
