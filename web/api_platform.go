package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"hozur/registry"
)

// platformBody is a platform as the API shows it.
type platformBody struct {
	ID       int64    `json:"id"`
	Code     string   `json:"code" doc:"e.g. x, eitaa"`
	Name     string   `json:"name"`
	NameEn   string   `json:"name_en"`
	Origin   string   `json:"origin"`
	Category string   `json:"category"`
	Hosts    []string `json:"hosts" doc:"host names whose links belong to the platform"`
	Active   bool     `json:"active"`
}

func platformBodyOf(p registry.Platform) platformBody {
	return platformBody{ID: p.ID, Code: p.Code, Name: p.Name, NameEn: p.NameEn, Origin: p.Origin, Category: p.Category,
		Hosts: strings.Fields(p.Hosts), Active: p.Active}
}

// platformIn is the body of POST and PATCH on platforms.
type platformIn struct {
	Code     *string   `json:"code"`
	Name     *string   `json:"name"`
	NameEn   *string   `json:"name_en"`
	Origin   *string   `json:"origin"`
	Category *string   `json:"category"`
	Hosts    *[]string `json:"hosts"`
	Active   *bool     `json:"active" doc:"default true"`
}

func (b platformIn) input(cur registry.Platform) registry.PlatformInput {
	return registry.PlatformInput{Code: pick(b.Code, cur.Code), Name: pick(b.Name, cur.Name), NameEn: pick(b.NameEn, cur.NameEn),
		Origin: pick(b.Origin, cur.Origin), Category: pick(b.Category, cur.Category),
		Hosts: strings.Join(pick(b.Hosts, strings.Fields(cur.Hosts)), " "), Active: pick(b.Active, cur.Active)}
}

// apiPlatformList answers every platform in one page: there are a few dozen
// at most, and the store keeps them in memory. compliance keeps the
// domestic platforms of one privacy standing.
func (s *Server) apiPlatformList(c echo.Context) error {
	if !actorOf(c).Can(registry.ActionView, registry.Target{Resource: registry.ResPlatform}) {
		return registry.ErrForbidden
	}
	q := s.apiQuery(c)
	want := q.oneOf("compliance", registry.Compliances)
	if err := q.err(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	list, err := s.store.Platforms(ctx)
	if err != nil {
		return err
	}
	if want != "" {
		standing, err := s.platformCompliance(ctx, list)
		if err != nil {
			return err
		}
		var kept []registry.Platform
		for _, p := range list {
			if standing[p.ID] == want {
				kept = append(kept, p)
			}
		}
		list = kept
	}
	return writeList(c, registry.Result[registry.Platform]{Items: list}, platformBodyOf)
}

func (s *Server) apiPlatformCreate(c echo.Context) error {
	var b platformIn
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	p, err := s.store.CreatePlatform(c.Request().Context(), actorOf(c), b.input(registry.Platform{Active: true}))
	if err != nil {
		return err
	}
	return apiCreated(c, "platforms", p.ID, platformBodyOf(*p))
}

func (s *Server) apiPlatformGet(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if !actorOf(c).Can(registry.ActionView, registry.Target{Resource: registry.ResPlatform}) {
		return registry.ErrForbidden
	}
	p, err := s.store.Platform(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, platformBodyOf(*p))
}

func (s *Server) apiPlatformUpdate(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var b platformIn
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	cur, err := s.store.Platform(c.Request().Context(), id)
	if err != nil {
		return err
	}
	p, err := s.store.UpdatePlatform(c.Request().Context(), actorOf(c), id, b.input(*cur))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, platformBodyOf(*p))
}

func (s *Server) apiPlatformDelete(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.store.DeletePlatform(c.Request().Context(), actorOf(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
