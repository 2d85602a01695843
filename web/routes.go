package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// routes registers every route of the site, in one table.
func (s *Server) routes() {
	e := s.echo
	// Before routing, so that every answer, a redirect or a 404 too, has
	// its id, its headers, its log line and its count.
	e.Pre(requestID(), s.observe, s.securityHeaders,
		middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{RedirectCode: http.StatusMovedPermanently}))
	e.Use(middleware.Recover(), bodyLimit("8M", importBodyLimit, "/import", "/api/v1/imports",
		"/platforms/:id/assessments", "/api/v1/platforms/:id/assessments"))

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", s.metricsPage)
	e.GET("/static/:hash/*", s.assets.serve)

	// The JSON API: token auth, no cookies, so no CSRF.
	api := e.Group("/api/v1")
	api.GET("/openapi.json", s.openAPIDoc)
	ap := api.Group("", s.requireToken)
	ap.GET("/me", s.apiMe)
	ap.GET("/agencies", s.apiAgencyList)
	ap.POST("/agencies", s.apiAgencyCreate)
	ap.GET("/agencies/:id", s.apiAgencyGet)
	ap.PATCH("/agencies/:id", s.apiAgencyUpdate)
	ap.DELETE("/agencies/:id", s.apiAgencyDelete)
	ap.GET("/officials", s.apiOfficialList)
	ap.POST("/officials", s.apiOfficialCreate)
	ap.GET("/officials/:id", s.apiOfficialGet)
	ap.PATCH("/officials/:id", s.apiOfficialUpdate)
	ap.DELETE("/officials/:id", s.apiOfficialDelete)
	ap.GET("/platforms", s.apiPlatformList)
	ap.POST("/platforms", s.apiPlatformCreate)
	ap.GET("/platforms/:id", s.apiPlatformGet)
	ap.PATCH("/platforms/:id", s.apiPlatformUpdate)
	ap.DELETE("/platforms/:id", s.apiPlatformDelete)
	ap.GET("/platforms/:id/assessments", s.apiAssessmentList)
	ap.POST("/platforms/:id/assessments", s.apiAssessmentCreate)
	ap.GET("/assessments/:id", s.apiAssessmentGet)
	ap.GET("/assessments/:id/attachment", s.assessmentAttachment)
	ap.GET("/accounts", s.apiAccountList)
	ap.POST("/accounts", s.apiAccountCreate)
	ap.GET("/accounts/:id", s.apiAccountGet)
	ap.PATCH("/accounts/:id", s.apiAccountUpdate)
	ap.DELETE("/accounts/:id", s.apiAccountDelete)
	ap.GET("/users", s.apiUserList)
	ap.POST("/users", s.apiUserCreate)
	ap.GET("/users/:id", s.apiUserGet)
	ap.PATCH("/users/:id", s.apiUserUpdate)
	ap.DELETE("/users/:id", s.apiUserDelete)
	// The exemption workflow.
	ap.GET("/justifications", s.apiJustificationList)
	ap.POST("/justifications", s.apiJustificationCreate)
	ap.GET("/justifications/:id", s.apiJustificationGet)
	ap.PATCH("/justifications/:id", s.apiJustificationUpdate)
	ap.DELETE("/justifications/:id", s.apiJustificationDelete)
	ap.POST("/justifications/:id/transitions", s.apiJustificationTransition)
	ap.GET("/exemptions", s.apiExemptionList)
	ap.GET("/exemptions/:id", s.apiExemptionGet)
	ap.POST("/exemptions/:id/revoke", s.apiExemptionRevoke)
	ap.GET("/group-exemptions", s.apiGroupList)
	ap.POST("/group-exemptions", s.apiGroupCreate)
	ap.GET("/group-exemptions/:id", s.apiGroupGet)
	ap.PATCH("/group-exemptions/:id", s.apiGroupUpdate)
	ap.POST("/group-exemptions/:id/revoke", s.apiGroupRevoke)
	ap.GET("/group-exemptions/:id/accounts", s.apiGroupAccounts)
	ap.GET("/directives", s.apiDirectiveList)
	ap.POST("/directives", s.apiDirectiveCreate)
	ap.GET("/directives/:id", s.apiDirectiveGet)
	ap.POST("/directives/:id/amendments", s.apiDirectiveAmend)
	ap.GET("/notifications", s.apiNotificationList)
	ap.POST("/notifications/read", s.apiNotificationRead)
	ap.POST("/officials/:id/leave", s.apiOfficialLeave)
	ap.GET("/officials/:id/data-export", s.apiOfficialDataExport)
	ap.GET("/accounts/:id/coverage", s.apiAccountCoverage)
	ap.GET("/audit-events", s.apiAuditList)
	// Erasure on request.
	ap.GET("/erasure-requests", s.apiErasureList)
	ap.POST("/erasure-requests", s.apiErasureCreate)
	ap.GET("/erasure-requests/:id", s.apiErasureGet)
	ap.POST("/erasure-requests/:id/decision", s.apiErasureDecide)
	// Monitor: flags, scans, jobs.
	ap.GET("/flags", s.apiFlagList)
	ap.POST("/flags/:id/acknowledge", s.apiFlagAcknowledge)
	ap.GET("/scans", s.apiScanList)
	ap.POST("/scans", s.apiScanRun)
	ap.GET("/jobs", s.apiJobList)
	ap.GET("/jobs/:id/runs", s.apiJobRuns) // :id is the job's name
	ap.POST("/jobs/:id/run", s.apiJobRun)
	// Weekly reports.
	ap.GET("/reports", s.apiReportList)
	ap.GET("/reports/:id", s.apiReportGet)
	// Exports: a list as a CSV or XLSX file; :id is the kind.
	ap.GET("/exports/:id", s.apiExport)
	// Spreadsheet import.
	ap.POST("/imports", s.apiImport)
	// Public verification: no token; off with public.verify, limited per IP.
	pubPage, pubAPI := s.publicGuards()
	api.GET("/public/verify", s.apiPublicVerify, pubAPI)
	api.GET("/public/accounts", s.apiPublicAccounts, pubAPI)
	api.Any("/*", func(c echo.Context) error { return apiError(http.StatusNotFound, "not_found", "error.not_found_page") })

	// The pages: session cookie, CSRF token on every form.
	csrf := middleware.CSRFConfig{ //nolint:gosec // G101: names a cookie, holds no credential
		TokenLookup: "form:_csrf,header:X-CSRF-Token", CookieName: "hozur_csrf", CookiePath: "/",
		CookieHTTPOnly: true, CookieSameSite: http.SameSiteStrictMode, CookieMaxAge: 12 * 3600,
		CookieSecure: s.cfg.Session.SecureCookie == "always" ||
			(s.cfg.Session.SecureCookie == "auto" && (s.cfg.TLS.Enabled() || strings.HasPrefix(s.cfg.BaseURL, "https://"))),
	}
	ui := e.Group("", s.loadSession, middleware.CSRFWithConfig(csrf))
	ui.GET("/login", s.loginForm)
	ui.POST("/login", s.login)
	ui.GET("/login/code", s.codeForm, s.requireTOTP)
	ui.POST("/login/code", s.codeSubmit, s.requireTOTP)
	ui.POST("/lang", s.switchLang)
	ui.GET("/verify", s.verifyPage, pubPage)
	ui.GET("/privacy", s.privacyPage)

	in := ui.Group("", s.requireUser, s.requireSecondFactor)
	in.POST("/logout", s.logout)
	in.GET("/", s.dashboard)

	in.GET("/agencies", s.agencyList)
	in.GET("/agencies/new", s.agencyNew)
	in.GET("/agencies/export", s.agencyExport)
	in.POST("/agencies", s.agencyCreate)
	in.GET("/agencies/:id", s.agencyShow)
	in.GET("/agencies/:id/edit", s.agencyEdit)
	in.POST("/agencies/:id", s.agencyUpdate)
	in.POST("/agencies/:id/delete", s.agencyDelete)

	in.GET("/officials", s.officialList)
	in.GET("/officials/new", s.officialNew)
	in.GET("/officials/export", s.officialExport)
	in.POST("/officials", s.officialCreate)
	in.GET("/officials/:id", s.officialShow)
	in.GET("/officials/:id/edit", s.officialEdit)
	in.POST("/officials/:id", s.officialUpdate)
	in.POST("/officials/:id/delete", s.officialDelete)

	in.GET("/platforms", s.platformList)
	in.GET("/platforms/new", s.platformNew)
	in.POST("/platforms", s.platformCreate)
	in.GET("/platforms/:id", s.platformShow)
	in.GET("/platforms/:id/edit", s.platformEdit)
	in.POST("/platforms/:id", s.platformUpdate)
	in.POST("/platforms/:id/delete", s.platformDelete)
	in.GET("/platforms/:id/assessments/new", s.assessmentNew)
	in.POST("/platforms/:id/assessments", s.assessmentCreate)
	in.GET("/assessments/:id/attachment", s.assessmentAttachment)

	in.GET("/accounts", s.accountList)
	in.GET("/accounts/new", s.accountNew)
	in.GET("/accounts/export", s.accountExport)
	in.POST("/accounts", s.accountCreate)
	in.GET("/accounts/:id", s.accountShow)
	in.GET("/accounts/:id/edit", s.accountEdit)
	in.POST("/accounts/:id", s.accountUpdate)
	in.POST("/accounts/:id/delete", s.accountDelete)

	in.GET("/users", s.userList)
	in.GET("/users/new", s.userNew)
	in.POST("/users", s.userCreate)
	in.GET("/users/:id", s.userShow)
	in.GET("/users/:id/edit", s.userEdit)
	in.POST("/users/:id", s.userUpdate)
	in.POST("/users/:id/delete", s.userDelete)

	// The exemption workflow.
	in.GET("/review", s.reviewQueue)
	in.GET("/justifications", s.justificationList)
	in.GET("/justifications/new", s.justificationNew)
	in.POST("/justifications", s.justificationCreate)
	in.GET("/justifications/:id", s.justificationShow)
	in.GET("/justifications/:id/edit", s.justificationEdit)
	in.POST("/justifications/:id", s.justificationUpdate)
	in.POST("/justifications/:id/delete", s.justificationDelete)
	in.POST("/justifications/:id/transitions", s.justificationTransition)
	in.GET("/exemptions", s.exemptionList)
	in.GET("/exemptions/export", s.exemptionExport)
	in.GET("/exemptions/:id", s.exemptionShow)
	in.POST("/exemptions/:id/revoke", s.exemptionRevoke)
	in.GET("/group-exemptions", s.groupList)
	in.GET("/group-exemptions/new", s.groupNew)
	in.POST("/group-exemptions", s.groupCreate)
	in.GET("/group-exemptions/:id", s.groupShow)
	in.GET("/group-exemptions/:id/edit", s.groupEdit)
	in.POST("/group-exemptions/:id", s.groupUpdate)
	in.POST("/group-exemptions/:id/revoke", s.groupRevoke)
	in.GET("/directives", s.directiveList)
	in.GET("/directives/new", s.directiveNew)
	in.POST("/directives", s.directiveCreate)
	in.GET("/directives/:id", s.directiveShow)
	in.POST("/directives/:id/amendments", s.directiveAmend)
	in.GET("/officials/:id/leave", s.officialLeaveForm)
	in.POST("/officials/:id/leave", s.officialLeave)
	in.GET("/officials/:id/data-export", s.officialDataExport)
	in.GET("/notifications", s.notificationList)
	in.POST("/notifications/read", s.notificationRead)

	in.GET("/audit", s.auditList)

	// Erasure on request: officials and liaisons ask, the office decides.
	in.GET("/erasure-requests", s.erasureList)
	in.GET("/erasure-requests/new", s.erasureNew)
	in.POST("/erasure-requests", s.erasureCreate)
	in.GET("/erasure-requests/:id", s.erasureShow)
	in.POST("/erasure-requests/:id/decision", s.erasureDecide)

	// Monitor: flags, scans, jobs.
	in.GET("/flags", s.flagList)
	in.GET("/flags/export", s.flagExport)
	in.POST("/flags/acknowledge", s.flagAcknowledge)
	in.GET("/scans", s.scanList)
	in.POST("/scans", s.scanNow)
	in.GET("/jobs", s.jobList)
	in.GET("/jobs/:name", s.jobShow)
	in.POST("/jobs/:name/run", s.jobRun)
	// Weekly reports.
	in.GET("/reports", s.reportList)
	in.POST("/reports/generate", s.reportGenerate)
	in.GET("/reports/:id", s.reportShow)
	in.GET("/reports/:id/html", s.reportHTML)
	in.GET("/reports/:id/download", s.reportDownload)

	// Spreadsheet import: upload, check, apply in the background.
	in.GET("/import", s.importForm)
	in.POST("/import", s.importUpload)
	in.GET("/import/template", s.importTemplateDownload)
	in.GET("/import/:id", s.importShow)
	in.GET("/import/:id/progress", s.importProgress)
	in.POST("/import/:id/apply", s.importApply)

	in.GET("/profile", s.profile)
	in.POST("/profile/tokens", s.tokenCreate)
	in.POST("/profile/tokens/:id/delete", s.tokenDelete)
	// The second factor at sign-in, while security.totp is on.
	in.GET("/profile/totp", s.totpPage, s.requireTOTP)
	in.POST("/profile/totp/confirm", s.totpConfirm, s.requireTOTP)
	in.POST("/profile/totp/disable", s.totpDisable, s.requireTOTP)
	in.POST("/users/:id/totp/reset", s.userTOTPReset, s.requireTOTP)

	// Access on request: an official's own data.
	in.GET("/my-data", s.myDataPage)
	in.GET("/my-data/export", s.myDataExport)
}

func (s *Server) healthz(c echo.Context) error {
	if err := s.store.Ping(c.Request().Context()); err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz says whether this instance can serve: the database answers and its
// schema is the one this build expects (a load balancer keeps traffic away
// from an instance whose schema is behind, e.g. started with --no-migrate).
func (s *Server) readyz(c echo.Context) error {
	ctx := c.Request().Context()
	if err := s.store.Ping(ctx); err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "database"})
	}
	pending, err := s.store.Pending(ctx)
	if err != nil || pending {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "schema"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}
