package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"hozur/registry"
)

// officialBody is an official as the API shows them.
type officialBody struct {
	ID           int64              `json:"id"`
	Name         string             `json:"name"`
	AgencyID     int64              `json:"agency_id"`
	Agency       officialAgencyBody `json:"agency"`
	Position     string             `json:"position" doc:"position title"`
	Rank         int                `json:"rank" doc:"rank level, 1 (minister level) to 5"`
	Serving      bool               `json:"serving" doc:"false once they left office"`
	TermStart    *jsonDate          `json:"term_start"`
	TermEnd      *jsonDate          `json:"term_end"`
	Email        string             `json:"email"`
	Phone        string             `json:"phone"`
	EmployeeCode string             `json:"employee_code"`
	SuccessorID  *int64             `json:"successor_id" doc:"who took over the office when they left"`
	CreatedAt    time.Time          `json:"created_at"`
	UpdatedAt    time.Time          `json:"updated_at"`
}

// officialAgencyBody names the official's agency.
type officialAgencyBody struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	NameEn string `json:"name_en"`
}

func officialBodyOf(tz *time.Location) func(registry.OfficialView) officialBody {
	return func(o registry.OfficialView) officialBody {
		return officialBody{ID: o.ID, Name: o.Name, AgencyID: o.AgencyID, Agency: officialAgencyBody{ID: o.AgencyID, Name: o.AgencyName, NameEn: o.AgencyNameEn},
			Position: o.Position, Rank: o.Rank, Serving: o.Serving, TermStart: dateOut(o.TermStart, tz), TermEnd: dateOut(o.TermEnd, tz),
			Email: o.Email, Phone: o.Phone, EmployeeCode: o.EmployeeCode, SuccessorID: o.SuccessorID, CreatedAt: o.CreatedAt.UTC(), UpdatedAt: o.UpdatedAt.UTC()}
	}
}

// officialIn is the body of POST and PATCH on officials.
type officialIn struct {
	Name         *string     `json:"name"`
	AgencyID     *int64      `json:"agency_id"`
	Position     *string     `json:"position"`
	Rank         *int        `json:"rank" doc:"1 (minister level) to 5"`
	Serving      *bool       `json:"serving" doc:"default true"`
	TermStart    opt[string] `json:"term_start" doc:"YYYY-MM-DD" format:"date"`
	TermEnd      opt[string] `json:"term_end" doc:"YYYY-MM-DD" format:"date"`
	Email        opt[string] `json:"email"`
	Phone        opt[string] `json:"phone"`
	EmployeeCode opt[string] `json:"employee_code"`
}

// input merges the body onto the current official; malformed dates are
// field errors.
func (b officialIn) input(cur registry.Official, tz *time.Location) (registry.OfficialInput, error) {
	bad := map[string]string{}
	in := registry.OfficialInput{AgencyID: pick(b.AgencyID, cur.AgencyID), Name: pick(b.Name, cur.Name), Position: pick(b.Position, cur.Position),
		Rank: pick(b.Rank, cur.Rank), Serving: pick(b.Serving, cur.Serving),
		TermStart: dateIn(b.TermStart, cur.TermStart, "term_start", tz, bad), TermEnd: dateIn(b.TermEnd, cur.TermEnd, "term_end", tz, bad),
		Email: b.Email.or(cur.Email), Phone: b.Phone.or(cur.Phone), EmployeeCode: b.EmployeeCode.or(cur.EmployeeCode)}
	return in, fieldsErr(bad)
}

// visibleOfficial is the official the actor asked for. The store answers
// "not found" for officials outside the actor's scope; the API answers 403
// for those, as it does for accounts, and 404 only for a missing record.
func (s *Server) visibleOfficial(ctx context.Context, a registry.Actor, id int64) (*registry.OfficialView, error) {
	o, err := s.store.Official(ctx, a, id)
	if errors.Is(err, registry.ErrNotFound) {
		if _, err := s.store.Official(ctx, registry.System, id); err == nil {
			return nil, registry.ErrForbidden
		}
	}
	return o, err
}

// officialQuery reads the official list's filters; the list and its export
// share it.
func officialQuery(q *queryReader) registry.OfficialFilter {
	return registry.OfficialFilter{Q: q.str("q"), AgencyID: q.agency("agency_id"), Rank: q.intIn("rank", 1, 5), Serving: q.boolean("serving")}
}

func (s *Server) apiOfficialList(c echo.Context) error {
	q := s.apiQuery(c)
	f := officialQuery(q)
	p := q.page()
	if err := q.err(); err != nil {
		return err
	}
	res, err := s.store.Officials(c.Request().Context(), actorOf(c), f, p)
	if err != nil {
		return err
	}
	return writeList(c, res, officialBodyOf(s.tz))
}

func (s *Server) apiOfficialCreate(c echo.Context) error {
	var b officialIn
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	in, err := b.input(registry.Official{Serving: true}, s.tz)
	if err != nil {
		return err
	}
	o, err := s.store.CreateOfficial(c.Request().Context(), actorOf(c), in)
	if err != nil {
		return err
	}
	return apiCreated(c, "officials", o.ID, officialBodyOf(s.tz)(*o))
}

func (s *Server) apiOfficialGet(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	o, err := s.visibleOfficial(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, officialBodyOf(s.tz)(*o))
}

func (s *Server) apiOfficialUpdate(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var b officialIn
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	cur, err := s.visibleOfficial(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	in, err := b.input(cur.Official, s.tz)
	if err != nil {
		return err
	}
	o, err := s.store.UpdateOfficial(c.Request().Context(), actorOf(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, officialBodyOf(s.tz)(*o))
}

func (s *Server) apiOfficialDelete(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteOfficial(c.Request().Context(), actorOf(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
