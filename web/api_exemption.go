package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"hozur/registry"
)

// exemptionBody is an individual exemption as the API shows it.
type exemptionBody struct {
	ID              int64      `json:"id"`
	AccountID       int64      `json:"account_id"`
	JustificationID *int64     `json:"justification_id" doc:"the approved justification"`
	ValidFrom       jsonDate   `json:"valid_from" doc:"first covered day"`
	ValidUntil      jsonDate   `json:"valid_until" doc:"last covered day, to its end (midnight in the registry's time zone)"`
	Conditions      string     `json:"conditions"`
	DecisionNote    string     `json:"decision_note"`
	RevokedAt       *time.Time `json:"revoked_at"`
	RevokeReason    string     `json:"revoke_reason"`
	CreatedAt       time.Time  `json:"created_at"`
}

// dayOut is a day that is always there, in a response body.
func dayOut(t time.Time, tz *time.Location) jsonDate {
	return jsonDate(t.In(tz).Format(time.DateOnly))
}

func exemptionBodyOf(tz *time.Location) func(registry.ExemptionView) exemptionBody {
	return func(v registry.ExemptionView) exemptionBody {
		return exemptionBody{ID: v.ID, AccountID: v.AccountID, JustificationID: v.JustificationID, ValidFrom: dayOut(v.ValidFrom, tz),
			ValidUntil: dayOut(v.ValidUntil, tz), Conditions: v.Conditions, DecisionNote: v.DecisionNote, RevokedAt: timeOut(v.RevokedAt),
			RevokeReason: v.RevokeReason, CreatedAt: v.CreatedAt.UTC()}
	}
}

// revokeIn is the body of a revocation.
type revokeIn struct {
	Reason string `json:"reason" doc:"why the exemption ends now"`
}

// moment is an RFC 3339 time; absent is nil.
func (q *queryReader) moment(name string) *time.Time {
	s := q.str(name)
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		q.bad[name] = "api.moment"
		return nil
	}
	t = t.UTC()
	return &t
}

// day is a YYYY-MM-DD day, its midnight in tz; absent is nil.
func (q *queryReader) day(name string, tz *time.Location) *time.Time {
	s := q.str(name)
	if s == "" {
		return nil
	}
	t, err := time.ParseInLocation(time.DateOnly, s, tz)
	if err != nil {
		q.bad[name] = "api.date"
		return nil
	}
	return &t
}

// exemptionQuery reads the exemption list's filters; the list and its
// export share it.
func (s *Server) exemptionQuery(q *queryReader) registry.ExemptionFilter {
	return registry.ExemptionFilter{AccountID: q.id("account_id"), ValidAt: q.moment("valid_at"), EndsBy: q.day("ends_by", s.tz)}
}

func (s *Server) apiExemptionList(c echo.Context) error {
	q := s.apiQuery(c)
	f := s.exemptionQuery(q)
	p := q.page()
	if err := q.err(); err != nil {
		return err
	}
	res, err := s.store.Exemptions(c.Request().Context(), actorOf(c), f, p)
	if err != nil {
		return err
	}
	return writeList(c, res, exemptionBodyOf(s.tz))
}

func (s *Server) apiExemptionGet(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	v, err := s.store.Exemption(c.Request().Context(), actorOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, exemptionBodyOf(s.tz)(*v))
}

func (s *Server) apiExemptionRevoke(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var b revokeIn
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	v, err := s.store.RevokeExemption(c.Request().Context(), actorOf(c), id, b.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, exemptionBodyOf(s.tz)(*v))
}

// coverageBody says what covers an account at a moment, and until when:
// registry.Store.Coverage, the one rule for coverage.
type coverageBody struct {
	Kind             string    `json:"kind" enum:"cover_kind" doc:"individual: an exemption of its own; group: a group exemption; none: nothing"`
	Until            *jsonDate `json:"until" doc:"the last covered day; null with none or an open-ended group exemption"`
	ExemptionID      *int64    `json:"exemption_id" doc:"with individual"`
	GroupExemptionID *int64    `json:"group_exemption_id" doc:"with group"`
	GroupTitle       *string   `json:"group_title" doc:"with group"`
	At               time.Time `json:"at" doc:"the moment asked about"`
}

func coverageBodyOf(cv registry.Cover, at time.Time, tz *time.Location) coverageBody {
	b := coverageBody{Kind: cv.Kind, Until: dateOut(cv.Until, tz), At: at.UTC()}
	if cv.ExemptionID != 0 {
		b.ExemptionID = &cv.ExemptionID
	}
	if cv.GroupID != 0 {
		b.GroupExemptionID, b.GroupTitle = &cv.GroupID, &cv.GroupTitle
	}
	return b
}

// apiAccountCoverage answers what covers an account now, or at the moment
// of the at parameter.
func (s *Server) apiAccountCoverage(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	q := s.apiQuery(c)
	at := q.moment("at")
	if err := q.err(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := s.store.Account(ctx, actorOf(c), id); err != nil {
		return err
	}
	t := s.store.Now()
	if at != nil {
		t = *at
	}
	cv, err := s.store.Coverage(ctx, id, t)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, coverageBodyOf(cv, t, s.tz))
}
