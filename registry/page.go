package registry

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// Page asks for one page of a list: keyset paging, so page 20,000 costs what
// page 1 costs.
type Page struct {
	PerPage int    // 1..200, default 50
	Cursor  string // opaque, from the previous page's Next
	Sort    string // a sort key the list knows, "-" prefix for descending
	// WithTotal asks for Result.Total; it costs a second query, so lists
	// that show no count (the API) leave it off.
	WithTotal bool
	// batch, set only by an export, reads more rows a page than a person
	// would: an export walks a whole list, and fewer round trips cost less.
	batch int
}

// Result is one page of a list.
type Result[T any] struct {
	Items []T
	Next  string // cursor of the next page, "" on the last
	// Total counts the matching records up to CountCap; TotalCapped says
	// there are more than that (counting all of a million rows per page
	// view would cost more than the page).
	Total       int64
	TotalCapped bool
	Counted     bool // Total was asked for and counted
}

// CountCap bounds the count shown above a list.
const CountCap = 10000

// ErrBadCursor says a cursor was not made by this list.
var errBadCursor = &ValidationError{Fields: map[string]string{"cursor": "error.invalid"}}

type cursor struct {
	V any   `json:"v"`
	I int64 `json:"i"`
}

func encodeCursor(v any, id int64) string {
	b, _ := json.Marshal(cursor{V: v, I: id})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil || c.I <= 0 {
		return c, errBadCursor
	}
	return c, nil
}

// sortSpec is a sortable column of a list.
type sortSpec struct {
	column string // SQL column (qualified)
	text   bool   // the value is a string (else a number)
}

func (p Page) perPage() int {
	switch {
	case p.batch > 0:
		return p.batch
	case p.PerPage <= 0:
		return 50
	case p.PerPage > 200:
		return 200
	}
	return p.PerPage
}

// keyset applies sort, cursor and limit. idCol is the qualified id column.
// It returns the chosen sort spec and whether it is descending.
func keyset(q *gorm.DB, p Page, sorts map[string]sortSpec, def string, idCol string) (*gorm.DB, sortSpec, bool, error) {
	key := p.Sort
	if key == "" {
		key = def
	}
	desc := strings.HasPrefix(key, "-")
	spec, ok := sorts[strings.TrimPrefix(key, "-")]
	if !ok {
		return nil, spec, false, &ValidationError{Fields: map[string]string{"sort": "error.invalid"}}
	}
	dir, op := "ASC", ">"
	if desc {
		dir, op = "DESC", "<"
	}
	if p.Cursor != "" {
		c, err := decodeCursor(p.Cursor)
		if err != nil {
			return nil, spec, false, err
		}
		if spec.column == idCol {
			q = q.Where(fmt.Sprintf("%s %s ?", idCol, op), c.I)
		} else {
			v := c.V
			if !spec.text {
				f, _ := v.(float64)
				v = int64(f)
			} else if _, isStr := v.(string); !isStr {
				return nil, spec, false, errBadCursor
			}
			q = q.Where(fmt.Sprintf("(%s, %s) %s (?, ?)", spec.column, idCol, op), v, c.I)
		}
	}
	if spec.column == idCol {
		q = q.Order(idCol + " " + dir)
	} else {
		q = q.Order(spec.column + " " + dir).Order(idCol + " " + dir)
	}
	return q.Limit(p.perPage() + 1), spec, desc, nil
}

// boundedCount counts at most CountCap+1 matching rows, if the page asks.
func boundedCount(p Page, q *gorm.DB) (int64, bool, error) {
	if !p.WithTotal {
		return 0, false, nil
	}
	var n int64
	err := q.Session(&gorm.Session{}).Raw("SELECT COUNT(*) FROM (?) AS c", q.Select("1").Limit(CountCap+1)).Scan(&n).Error
	if n > CountCap {
		return CountCap, true, err
	}
	return n, false, err
}
