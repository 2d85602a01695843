package web

import (
	"sync"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// importRuns keeps, in memory, the progress of the imports being applied,
// by import id. An entry lives from the apply until its outcome is stored;
// then the stored state speaks. A run that failed for a reason of the
// server's stays, marked, so its page can say so.
type importRuns struct {
	mu   sync.Mutex
	runs map[int64]importRun
	wg   sync.WaitGroup
}

// importRun is one apply's progress.
type importRun struct {
	UserID int64
	Stage  string // registry.StageCheck, StageWrite, or "" before the first row
	Done   int
	Total  int
	Failed bool
}

func newImportRuns() *importRuns { return &importRuns{runs: map[int64]importRun{}} }

// start claims import id for a run; false when one is already going.
func (r *importRuns) start(id, userID int64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if cur, ok := r.runs[id]; ok && !cur.Failed {
		return false
	}
	r.runs[id] = importRun{UserID: userID}
	r.wg.Add(1)
	return true
}

// progress records how far a run is.
func (r *importRuns) progress(id int64, stage string, done, total int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if cur, ok := r.runs[id]; ok {
		cur.Stage, cur.Done, cur.Total = stage, done, total
		r.runs[id] = cur
	}
}

// end closes a run: forgotten when its outcome is stored, kept and marked
// when it failed.
func (r *importRuns) end(id int64, failed bool) {
	r.mu.Lock()
	if failed {
		cur := r.runs[id]
		cur.Failed = true
		r.runs[id] = cur
	} else {
		delete(r.runs, id)
	}
	r.mu.Unlock()
	r.wg.Done()
}

// get returns import id's run, if one is going or failed, for its user.
func (r *importRuns) get(id, userID int64) (importRun, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cur, ok := r.runs[id]
	if !ok || cur.UserID != userID {
		return importRun{}, false
	}
	return cur, true
}

// wait blocks until no run is going: a shutdown lets them finish.
func (r *importRuns) wait() { r.wg.Wait() }

// bodyLimit limits request bodies to limit, and to upload on the routes
// that take spreadsheets. It runs before the groups' middleware, which
// already reads the form (the CSRF check), so a route's own limit would
// come too late.
func bodyLimit(limit, upload string, uploadRoutes ...string) echo.MiddlewareFunc {
	small, large := middleware.BodyLimit(limit), middleware.BodyLimit(upload)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		s, l := small(next), large(next)
		return func(c echo.Context) error {
			if contains(uploadRoutes, c.Path()) {
				return l(c)
			}
			return s(c)
		}
	}
}
