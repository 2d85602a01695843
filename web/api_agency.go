package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"hozur/registry"
)

// agencyBody is an agency as the API shows it.
type agencyBody struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name" doc:"Persian name"`
	NameEn    string    `json:"name_en" doc:"English name"`
	Code      string    `json:"code" doc:"unique code, e.g. MIN-HEALTH"`
	ParentID  *int64    `json:"parent_id" doc:"parent agency; null for a top-level agency"`
	Kind      string    `json:"kind"`
	Path      string    `json:"path" doc:"ids from the root down, e.g. /1/7/"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func agencyBodyOf(a registry.Agency) agencyBody {
	return agencyBody{ID: a.ID, Name: a.Name, NameEn: a.NameEn, Code: a.Code, ParentID: a.ParentID, Kind: a.Kind, Path: a.Path,
		CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC()}
}

// agencyIn is the body of POST (every required field) and PATCH (only the
// fields to change) on agencies.
type agencyIn struct {
	Name     *string    `json:"name"`
	NameEn   *string    `json:"name_en"`
	Code     *string    `json:"code"`
	ParentID opt[int64] `json:"parent_id" doc:"parent agency; null or 0 for top level"`
	Kind     *string    `json:"kind"`
}

// input merges the body onto the current agency (the zero agency on create).
func (b agencyIn) input(cur registry.Agency) registry.AgencyInput {
	return registry.AgencyInput{Code: pick(b.Code, cur.Code), Name: pick(b.Name, cur.Name), NameEn: pick(b.NameEn, cur.NameEn),
		Kind: pick(b.Kind, cur.Kind), ParentID: b.ParentID.orPtr(cur.ParentID)}
}

// agencyQuery reads the agency list's filters; the list and its export
// share it.
func agencyQuery(q *queryReader) registry.AgencyFilter {
	f := registry.AgencyFilter{Q: q.str("q"), Kind: q.oneOf("kind", registry.AgencyKinds), Within: q.agency("within")}
	if q.str("parent_id") == "0" {
		f.ParentID = new(int64)
	} else if id := q.agency("parent_id"); id != 0 {
		f.ParentID = &id
	}
	return f
}

func (s *Server) apiAgencyList(c echo.Context) error {
	q := s.apiQuery(c)
	f := agencyQuery(q)
	p := q.page()
	if err := q.err(); err != nil {
		return err
	}
	res, err := s.store.Agencies(c.Request().Context(), actorOf(c), f, p)
	if err != nil {
		return err
	}
	return writeList(c, res, agencyBodyOf)
}

func (s *Server) apiAgencyCreate(c echo.Context) error {
	var b agencyIn
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	ag, err := s.store.CreateAgency(c.Request().Context(), actorOf(c), b.input(registry.Agency{}))
	if err != nil {
		return err
	}
	return apiCreated(c, "agencies", ag.ID, agencyBodyOf(*ag))
}

func (s *Server) apiAgencyGet(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if !actorOf(c).Can(registry.ActionView, registry.Target{Resource: registry.ResAgency}) {
		return registry.ErrForbidden
	}
	ag, err := s.store.Agency(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, agencyBodyOf(*ag))
}

func (s *Server) apiAgencyUpdate(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var b agencyIn
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	cur, err := s.store.Agency(c.Request().Context(), id)
	if err != nil {
		return err
	}
	ag, err := s.store.UpdateAgency(c.Request().Context(), actorOf(c), id, b.input(*cur))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, agencyBodyOf(*ag))
}

func (s *Server) apiAgencyDelete(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteAgency(c.Request().Context(), actorOf(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
