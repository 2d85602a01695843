package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"hozur/registry"
)

// The JSON API's shared parts: reading bodies and queries, writing lists.
// Each resource's handlers live in api_RESOURCE.go; the OpenAPI document that
// describes them is built in openapi.go from the body types declared there.

// opt is a body field that may be absent (keep the current value), null
// (clear it) or set. PATCH bodies need the three cases apart; pointer fields
// cannot tell null from absent.
type opt[T any] struct {
	Set  bool // the field was in the body
	Null bool // it was null
	V    T
}

// UnmarshalJSON is called only for fields present in the body.
func (o *opt[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.V)
}

// or is the field's value: cur when absent, the zero value when null.
func (o opt[T]) or(cur T) T {
	var zero T
	switch {
	case !o.Set:
		return cur
	case o.Null:
		return zero
	}
	return o.V
}

// orPtr is or for an optional value.
func (o opt[T]) orPtr(cur *T) *T {
	switch {
	case !o.Set:
		return cur
	case o.Null:
		return nil
	}
	v := o.V
	return &v
}

// pick is a pointer field's value, or cur when it was absent or null.
func pick[T any](p *T, cur T) T {
	if p == nil {
		return cur
	}
	return *p
}

// jsonDate is a day in a response body, YYYY-MM-DD.
type jsonDate string

func dateOut(t *time.Time, tz *time.Location) *jsonDate {
	if t == nil || t.IsZero() {
		return nil
	}
	d := jsonDate(t.In(tz).Format(time.DateOnly))
	return &d
}

// timeOut is a moment in a response body: RFC 3339 in UTC.
func timeOut(t *time.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// dateIn reads a day field (YYYY-MM-DD, midnight in the server's time zone,
// as the pages store it): cur when absent, nil when null or "". A malformed
// day is recorded in bad under field.
func dateIn(o opt[string], cur *time.Time, field string, tz *time.Location, bad map[string]string) *time.Time {
	if !o.Set {
		return cur
	}
	s := strings.TrimSpace(o.V)
	if o.Null || s == "" {
		return nil
	}
	t, err := time.ParseInLocation(time.DateOnly, s, tz)
	if err != nil {
		bad[field] = "api.date"
		return nil
	}
	return &t
}

// fieldsErr is a validation error for the fields in bad, or nil.
func fieldsErr(bad map[string]string) error {
	if len(bad) == 0 {
		return nil
	}
	return &registry.ValidationError{Fields: bad}
}

// decodeJSON reads the request body into v. Unknown fields, wrong types,
// trailing data and an empty body are the client's mistake: 400, never 500.
func decodeJSON(c echo.Context, v any) error {
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errors.New("trailing data after the JSON value")
	}
	if err == nil {
		return nil
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return err // the body limit
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return echo.ErrStatusRequestEntityTooLarge
	}
	ae := &apiErr{Status: http.StatusBadRequest, Code: "bad_request", Key: "api.bad_json"}
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te) && te.Field != "":
		ae.Fields = map[string]string{te.Field: "api.bad_type"}
	case strings.HasPrefix(err.Error(), `json: unknown field "`):
		name := strings.TrimSuffix(strings.TrimPrefix(err.Error(), `json: unknown field "`), `"`)
		ae.Fields = map[string]string{name: "api.unknown_field"}
	}
	return ae
}

// listBody is every list response: one page and the cursor of the next.
type listBody[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// writeList answers one page of a list, each item turned into its body.
func writeList[R, B any](c echo.Context, res registry.Result[R], body func(R) B) error {
	out := listBody[B]{Items: make([]B, 0, len(res.Items)), NextCursor: res.Next}
	for _, r := range res.Items {
		out.Items = append(out.Items, body(r))
	}
	return c.JSON(http.StatusOK, out)
}

// apiCreated answers 201 with the new record's body and its address.
func apiCreated(c echo.Context, collection string, id int64, body any) error {
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/"+collection+"/"+strconv.FormatInt(id, 10))
	return c.JSON(http.StatusCreated, body)
}

// queryReader reads list filters from the query string, collecting every bad
// value as a field error so one answer names them all.
type queryReader struct {
	c     echo.Context
	ctx   context.Context
	store *registry.Store
	bad   map[string]string
	fail  error // a lookup failed for another reason than a bad value
}

func (s *Server) apiQuery(c echo.Context) *queryReader {
	return &queryReader{c: c, ctx: c.Request().Context(), store: s.store, bad: map[string]string{}}
}

func (q *queryReader) str(name string) string { return strings.TrimSpace(q.c.QueryParam(name)) }

// id is a positive record number; absent is 0.
func (q *queryReader) id(name string) int64 {
	s := q.str(name)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		q.bad[name] = "error.invalid"
		return 0
	}
	return n
}

// intIn is a whole number from lo to hi; absent is 0.
func (q *queryReader) intIn(name string, lo, hi int) int {
	s := q.str(name)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		q.bad[name] = "error.invalid"
		return 0
	}
	return n
}

// boolean is true or false; absent is nil.
func (q *queryReader) boolean(name string) *bool {
	s := q.str(name)
	if s == "" {
		return nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		q.bad[name] = "error.invalid"
		return nil
	}
	return &b
}

// oneOf is one of values; absent is "".
func (q *queryReader) oneOf(name string, values []string) string {
	s := q.str(name)
	if s != "" && !slices.Contains(values, s) {
		q.bad[name] = "error.choose"
		return ""
	}
	return s
}

// agency is the number of an existing agency; absent is 0.
func (q *queryReader) agency(name string) int64 {
	id := q.id(name)
	if id == 0 {
		return 0
	}
	if _, err := q.store.Agency(q.ctx, id); errors.Is(err, registry.ErrNotFound) {
		q.bad[name] = "error.not_found"
		return 0
	} else if err != nil {
		q.fail = err
	}
	return id
}

// platform is the code of an existing platform; absent is "".
func (q *queryReader) platform(name string) string {
	code := strings.ToLower(q.str(name))
	if code == "" {
		return ""
	}
	if _, err := q.store.PlatformByCode(q.ctx, code); errors.Is(err, registry.ErrNotFound) {
		q.bad[name] = "error.not_found"
		return ""
	} else if err != nil {
		q.fail = err
	}
	return code
}

// page is per_page (1..200), cursor and sort.
func (q *queryReader) page() registry.Page {
	return registry.Page{PerPage: q.intIn("per_page", 1, 200), Cursor: q.str("cursor"), Sort: q.str("sort")}
}

func (q *queryReader) err() error {
	if q.fail != nil {
		return q.fail
	}
	return fieldsErr(q.bad)
}
