package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"hozur/registry"
)

// leaveForm is the "left office" form as posted.
type leaveForm struct {
	LeftOn, Successor string
}

// leavingOfficial loads an official the actor may record as having left.
func (s *Server) leavingOfficial(c echo.Context) (*registry.OfficialView, error) {
	id, err := pathID(c)
	if err != nil {
		return nil, err
	}
	a := actorOf(c)
	o, err := s.store.Official(c.Request().Context(), a, id)
	if err != nil {
		return nil, err
	}
	if !a.Can(registry.ActionUpdate, registry.Target{Resource: registry.ResOfficial, AgencyPath: o.AgencyPath, OfficialID: o.ID}) {
		return nil, registry.ErrForbidden
	}
	return o, nil
}

func (s *Server) renderLeaveForm(c echo.Context, p *Page, o *registry.OfficialView, f *leaveForm, status int) error {
	// The office accounts that will pass to the successor.
	accs, err := s.store.Accounts(c.Request().Context(), actorOf(c), registry.AccountFilter{OfficialID: o.ID, Capacity: registry.CapacityOffice},
		registry.Page{PerPage: 50})
	if err != nil {
		return err
	}
	p.Data = map[string]any{
		"Official":  o,
		"Accounts":  accountRows(p, accs.Items),
		"LeftOn":    newField(p, "left_on", "leave.left_on", "text", f.LeftOn),
		"Successor": newField(p, "successor_id", "leave.successor", "text", f.Successor),
	}
	return s.render(c, status, "official_leave", p)
}

func (s *Server) officialLeaveForm(c echo.Context) error {
	o, err := s.leavingOfficial(c)
	if err != nil {
		return err
	}
	p := s.page(c, "officials", "leave.title")
	if !o.Serving {
		s.flash(c, "error", "succession.not_serving")
		return redirectTo(c, "/officials/"+strconv.FormatInt(o.ID, 10))
	}
	today := s.store.Day(s.store.Now())
	return s.renderLeaveForm(c, p, o, &leaveForm{LeftOn: p.L.NumericDate(&today)}, http.StatusOK)
}

func (s *Server) officialLeave(c echo.Context) error {
	o, err := s.leavingOfficial(c)
	if err != nil {
		return err
	}
	p := s.page(c, "officials", "leave.title")
	f := &leaveForm{LeftOn: strings.TrimSpace(c.FormValue("left_on")), Successor: strings.TrimSpace(c.FormValue("successor_id"))}
	in := registry.LeaveInput{}
	bad := map[string]string{}
	if in.LeftOn, err = p.L.ParseDate(f.LeftOn); err != nil {
		bad["left_on"] = "error.date"
	}
	if f.Successor != "" {
		n, err := strconv.ParseInt(asciiDigits(f.Successor), 10, 64)
		if err != nil || n <= 0 {
			bad["successor_id"] = "error.invalid"
		}
		in.SuccessorID = n
	}
	if len(bad) > 0 {
		err = &registry.ValidationError{Fields: bad}
	} else if _, err = s.store.LeaveOffice(c.Request().Context(), actorOf(c), o.ID, in); err == nil {
		key := "leave.flash_done"
		if in.SuccessorID == 0 {
			key = "leave.flash_no_successor"
		}
		s.flash(c, "success", key)
		return redirectTo(c, "/officials/"+strconv.FormatInt(o.ID, 10))
	}
	if errors.Is(err, registry.ErrForbidden) && in.SuccessorID != 0 {
		// The actor may record the leaving, so the refusal is about the
		// successor: one outside the actor's agency.
		err = &registry.ValidationError{Fields: map[string]string{"successor_id": "leave.successor_out_of_reach"}}
	}
	if !formErrors(p, err, []string{"left_on", "successor_id"}) {
		return err
	}
	return s.renderLeaveForm(c, p, o, f, http.StatusUnprocessableEntity)
}
