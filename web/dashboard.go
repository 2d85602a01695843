package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

func (s *Server) dashboard(c echo.Context) error {
	counts, err := s.store.Counts(c.Request().Context(), actorOf(c))
	if err != nil {
		return err
	}
	p := s.page(c, "dashboard", "dashboard.title")
	p.Data = counts
	return s.render(c, http.StatusOK, "dashboard", p)
}
