package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"hozur/registry"
)

// waitingStates are the states of a justification on the reviewers' desk
// or waiting for the official's answer.
var waitingStates = []string{registry.StateSubmitted, registry.StateInfoRequested}

type reviewData struct {
	Rows   []justificationRow
	Nav    ListNav
	Filter []Field
}

// reviewQueue lists the justifications waiting for the oversight office,
// oldest first, with how long each has waited.
func (s *Server) reviewQueue(c echo.Context) error {
	ctx, a := c.Request().Context(), actorOf(c)
	if !a.MayEver(registry.ActionDecide, registry.ResJustification) {
		return registry.ErrForbidden
	}
	p := s.page(c, "review", "review.title")
	q := c.QueryParams()
	f := registry.JustificationFilter{States: waitingStates, Platform: q.Get("platform"), Grounds: q.Get("grounds")}
	bad := map[string]string{}
	if st := q.Get("state"); st != "" {
		if !contains(waitingStates, st) {
			bad["state"] = "error.choose"
		}
		f.States = []string{st}
	}
	if g := f.Grounds; g != "" && !contains(registry.Grounds, g) {
		bad["grounds"] = "error.choose"
	}
	if age := strings.TrimSpace(q.Get("age")); age != "" {
		n, err := strconv.Atoi(asciiDigits(age))
		if err != nil || n < 0 || n > 3650 {
			bad["age"] = "review.age_invalid"
		}
		f.OlderThan = n
	}
	if code := strings.TrimSpace(q.Get("agency")); code != "" {
		ag, err := s.store.AgencyByCode(ctx, code)
		switch {
		case errors.Is(err, registry.ErrNotFound):
			bad["agency"] = "error.agency_code_unknown"
		case err != nil:
			return err
		default:
			f.AgencyID = ag.ID
		}
	}
	d := reviewData{Nav: listNav(p, registry.Result[registry.JustificationView]{})}
	var err error
	if len(bad) > 0 {
		err = &registry.ValidationError{Fields: bad}
	} else {
		pg := pageParams(c)
		pg.Sort = "id" // oldest first
		var res registry.Result[registry.JustificationView]
		if res, err = s.store.Justifications(ctx, a, f, pg); err == nil {
			d.Rows, d.Nav = s.justificationRows(p, res.Items), listNav(p, res)
		}
	}
	if err != nil && !formErrors(p, err, []string{"agency", "platform", "grounds", "age", "state"}) {
		return err
	}
	platforms, err := s.platformOptions(c, p, f.Platform, true)
	if err != nil {
		return err
	}
	d.Filter = []Field{
		newField(p, "agency", "accounts.agency_code", "text", q.Get("agency")),
		withOptions(newField(p, "platform", "account.platform", "select", ""), platforms),
		withOptions(newField(p, "grounds", "justification.grounds", "select", ""), options(p.L, "grounds.", registry.Grounds, f.Grounds, true)),
		newField(p, "age", "review.age", "text", q.Get("age")),
		withOptions(newField(p, "state", "justification.state", "select", ""), options(p.L, "state.", waitingStates, q.Get("state"), true)),
	}
	p.Data = d
	status := http.StatusOK
	if p.Errors != nil {
		status = http.StatusUnprocessableEntity
	}
	return s.render(c, status, "review", p)
}
