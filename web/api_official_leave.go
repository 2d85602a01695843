package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"hozur/registry"
)

// leaveIn records that an official left office.
type leaveIn struct {
	LeftOn      opt[string] `json:"left_on" doc:"the day they left, YYYY-MM-DD" format:"date"`
	SuccessorID opt[int64]  `json:"successor_id" doc:"the serving official who takes over; their office accounts pass to them. Left out or null: none yet, the office accounts stay and show as orphaned"`
}

// apiOfficialLeave records that an official left office and answers the
// official. Their office accounts, and the exemptions tied to the office,
// pass to the successor; personal accounts stay with the person.
func (s *Server) apiOfficialLeave(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var b leaveIn
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	bad := map[string]string{}
	in := registry.LeaveInput{LeftOn: dateIn(b.LeftOn, nil, "left_on", s.tz, bad), SuccessorID: b.SuccessorID.or(0)}
	if err := fieldsErr(bad); err != nil {
		return err
	}
	o, err := s.store.LeaveOffice(c.Request().Context(), actorOf(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, officialBodyOf(s.tz)(*o))
}
