package web

// TODO(ui): the handlers below answer 501 until written.

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

func (s *Server) agencyList(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) agencyNew(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) agencyCreate(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) agencyShow(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) agencyEdit(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) agencyUpdate(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) agencyDelete(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) officialList(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) officialNew(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) officialCreate(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) officialShow(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) officialEdit(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) officialUpdate(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) officialDelete(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) platformList(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) platformNew(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) platformCreate(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) platformShow(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) platformEdit(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) platformUpdate(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) platformDelete(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) userList(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) userNew(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) userCreate(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) userShow(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) userEdit(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) userUpdate(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) userDelete(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) profile(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) tokenCreate(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) tokenDelete(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

