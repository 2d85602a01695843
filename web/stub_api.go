package web

// TODO(api): the handlers below answer 501 until written.

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

func (s *Server) openAPIDoc(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) apiMe(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) apiAgencyList(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) apiAgencyCreate(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) apiAgencyGet(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) apiAgencyUpdate(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) apiAgencyDelete(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) apiOfficialList(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) apiOfficialCreate(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) apiOfficialGet(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) apiOfficialUpdate(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) apiOfficialDelete(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) apiPlatformList(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) apiPlatformCreate(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) apiPlatformGet(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) apiPlatformUpdate(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) apiPlatformDelete(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) apiAccountList(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) apiAccountCreate(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) apiAccountGet(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) apiAccountUpdate(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) apiAccountDelete(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) apiUserList(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) apiUserCreate(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) apiUserGet(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) apiUserUpdate(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

func (s *Server) apiUserDelete(c echo.Context) error { return echo.NewHTTPError(http.StatusNotImplemented) }

