package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"hozur/registry"
	"hozur/web/locale"
)

// apiErr is an error the API reports as it is.
type apiErr struct {
	Status int
	Code   string
	Key    string
	Fields map[string]string // field -> message key
	Args   map[string]any    // fill the message in
}

func (e *apiErr) Error() string { return e.Code }

func apiError(status int, code, key string) error {
	return &apiErr{Status: status, Code: code, Key: key}
}

// classify maps a domain error to a status, a code and a message key: the
// one place where domain errors meet HTTP.
func classify(err error) (*apiErr, bool) {
	var ae *apiErr
	var ve *registry.ValidationError
	var ce *registry.ConflictError
	var he *echo.HTTPError
	var fe *registry.ForbiddenError
	var te *registry.TransitionError
	switch {
	case errors.As(err, &ae):
		return ae, true
	case errors.Is(err, registry.ErrNotFound):
		return &apiErr{Status: http.StatusNotFound, Code: "not_found", Key: "error.not_found_page"}, true
	case errors.As(err, &fe):
		return &apiErr{Status: http.StatusForbidden, Code: "forbidden", Key: fe.Key}, true
	case errors.As(err, &te):
		return &apiErr{Status: http.StatusConflict, Code: "illegal_transition", Key: "justification.illegal_transition"}, true
	case errors.Is(err, registry.ErrForbidden):
		return &apiErr{Status: http.StatusForbidden, Code: "forbidden", Key: "error.forbidden"}, true
	case errors.Is(err, registry.ErrUnauthenticated):
		return &apiErr{Status: http.StatusUnauthorized, Code: "unauthenticated", Key: "api.unauthenticated"}, true
	case errors.As(err, &ve):
		return &apiErr{Status: http.StatusUnprocessableEntity, Code: "validation_failed", Key: "error.validation", Fields: ve.Fields}, true
	case errors.As(err, &ce):
		r := &apiErr{Status: http.StatusConflict, Code: "conflict", Key: ce.Key, Args: ce.Args}
		if ce.Field != "" {
			r.Fields = map[string]string{ce.Field: ce.Key}
		}
		return r, true
	case errors.As(err, &he):
		switch he.Code {
		case http.StatusNotFound:
			return &apiErr{Status: he.Code, Code: "not_found", Key: "error.not_found_page"}, true
		case http.StatusMethodNotAllowed:
			return &apiErr{Status: he.Code, Code: "method_not_allowed", Key: "error.method"}, true
		case http.StatusForbidden:
			// echo's CSRF middleware refuses a missing or stale token.
			return &apiErr{Status: he.Code, Code: "forbidden", Key: "error.csrf"}, true
		case http.StatusBadRequest:
			return &apiErr{Status: he.Code, Code: "bad_request", Key: "error.bad_request"}, true
		case http.StatusRequestEntityTooLarge:
			return &apiErr{Status: he.Code, Code: "too_large", Key: "error.too_large"}, true
		}
		if he.Code < 500 {
			return &apiErr{Status: he.Code, Code: strings.ToLower(strings.ReplaceAll(http.StatusText(he.Code), " ", "_")), Key: "error.bad_request"}, true
		}
	}
	return &apiErr{Status: http.StatusInternalServerError, Code: "internal", Key: "error.internal"}, false
}

// errorBody is the API's error shape.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	e, known := classify(err)
	if !known {
		s.log.ErrorContext(c.Request().Context(), "request failed", slog.String("method", c.Request().Method), slog.String("path", c.Request().URL.Path),
			slog.Any("error", err))
	}
	if strings.HasPrefix(c.Request().URL.Path, "/api/") {
		l := s.apiLocale(c)
		body := errorBody{Error: errorDetail{Code: e.Code, Message: l.TArgs(e.Key, e.Args)}}
		if len(e.Fields) > 0 {
			body.Error.Fields = map[string]string{}
			for f, k := range e.Fields {
				body.Error.Fields[f] = l.TArgs(k, e.Args)
			}
		}
		_ = c.JSON(e.Status, body)
		return
	}
	p := s.page(c, "", "")
	p.Title = p.L.T(fmt.Sprintf("error.title.%d", e.Status))
	if strings.HasPrefix(p.Title, "error.title.") {
		p.Title = p.L.T("error.title.other")
	}
	data := map[string]any{"Message": p.L.T(e.Key), "Status": e.Status}
	if e.Status >= 500 {
		// The reader can quote it; the log line of the failure has it too.
		data["RequestID"] = requestIDOf(c.Request().Context())
	}
	p.Data = data
	if rerr := s.render(c, e.Status, "error", p); rerr != nil {
		s.log.ErrorContext(c.Request().Context(), "render error page", slog.Any("error", rerr))
		_ = c.String(e.Status, http.StatusText(e.Status))
	}
}

// apiLocale is the language of API messages: the Accept-Language header if
// it names one we have, else English.
func (s *Server) apiLocale(c echo.Context) *locale.Locale {
	lang := "en"
	if h := c.Request().Header.Get("Accept-Language"); strings.HasPrefix(strings.ToLower(strings.TrimSpace(h)), "fa") {
		lang = "fa"
	}
	return s.catalog.For(lang, s.tz)
}

// formErrors turns a domain error from a form's save into field messages
// for the page. It returns false for errors that are not about the input.
func formErrors(p *Page, err error, order []string) bool {
	var ve *registry.ValidationError
	var ce *registry.ConflictError
	p.Errors = map[string]string{}
	switch {
	case errors.As(err, &ve):
		for f, k := range ve.Fields {
			p.Errors[f] = p.L.T(k)
		}
	case errors.As(err, &ce):
		field := ce.Field
		if field == "" {
			field = "_form"
		}
		p.Errors[field] = p.L.TArgs(ce.Key, ce.Args)
	default:
		p.Errors = nil
		return false
	}
	p.ErrorOrder = nil
	for _, f := range append(order, "_form") {
		if _, ok := p.Errors[f]; ok {
			p.ErrorOrder = append(p.ErrorOrder, f)
		}
	}
	for f := range p.Errors {
		if !contains(p.ErrorOrder, f) {
			p.ErrorOrder = append(p.ErrorOrder, f)
		}
	}
	return true
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
