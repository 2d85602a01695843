package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"hozur/registry"
	"hozur/web/locale"
)

// ListNav is the count and paging of a list page.
type ListNav struct {
	L        *locale.Locale
	Total    int64
	Capped   bool
	Counted  bool
	Next     string
	HasPrev  bool
	FirstURL string
	NextURL  string
	Query    url.Values
}

func listNav[T any](p *Page, r registry.Result[T]) ListNav {
	return ListNav{L: p.L, Total: r.Total, Capped: r.TotalCapped, Counted: r.Counted, Next: r.Next, HasPrev: p.Query.Get("cursor") != "",
		FirstURL: withQuery(p.Query, "cursor", ""), NextURL: withQuery(p.Query, "cursor", r.Next), Query: p.Query}
}

// SortURL is the link of a sortable column header: ascending first, and
// descending when already sorted ascending.
func (n ListNav) SortURL(key string) string {
	cur := n.Query.Get("sort")
	next := key
	if cur == key {
		next = "-" + key
	}
	return withQuery(n.Query, "sort", next, "cursor", "")
}

// SortClass marks the column the list is sorted by.
func (n ListNav) SortClass(key string) string {
	switch n.Query.Get("sort") {
	case key:
		return "sort sort-asc"
	case "-" + key:
		return "sort sort-desc"
	}
	return "sort"
}

// pageParams reads paging from a query: per_page, cursor, sort.
func pageParams(c echo.Context) registry.Page {
	n, _ := strconv.Atoi(c.QueryParam("per_page"))
	return registry.Page{PerPage: n, Cursor: c.QueryParam("cursor"), Sort: c.QueryParam("sort"), WithTotal: true}
}

// pathID reads the :id of a route; a malformed id is a missing record.
func pathID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, registry.ErrNotFound
	}
	return id, nil
}

func redirectTo(c echo.Context, path string) error { return c.Redirect(http.StatusSeeOther, path) }

// deleteRecord is every delete button's handler: delete through the store,
// and on a refusal with a reason (records depend on it) go back to the
// record with that reason as a flash; on success, to the list.
func (s *Server) deleteRecord(c echo.Context, kind string, del func(ctx context.Context, a registry.Actor, id int64) error, done string) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	err = del(c.Request().Context(), actorOf(c), id)
	var ce *registry.ConflictError
	if errors.As(err, &ce) {
		s.flash(c, "error", ce.Key)
		return redirectTo(c, "/"+kind+"s/"+strconv.FormatInt(id, 10))
	}
	if err != nil {
		return err
	}
	s.flash(c, "success", kind+".flash_deleted")
	return redirectTo(c, done)
}
