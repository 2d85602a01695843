package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"hozur/monitor"
	"hozur/registry"
)

// scanRow is one scan of the history.
type scanRow struct {
	ID                                     int64
	Trigger, Started, Duration             string
	Evaluated, Opened, Resolved, OpenTotal string
	Error                                  string
	Finished                               bool
}

func scanRows(p *Page, items []monitor.Scan) []scanRow {
	rows := make([]scanRow, len(items))
	for i, sc := range items {
		r := scanRow{ID: sc.ID, Trigger: p.L.T("trigger." + sc.Trigger), Started: p.L.DateTime(sc.StartedAt),
			Evaluated: p.L.Num(sc.Evaluated), Opened: p.L.Num(sc.Opened), Resolved: p.L.Num(sc.Resolved), OpenTotal: p.L.Num(sc.OpenTotal),
			Error: sc.Error, Finished: sc.FinishedAt != nil}
		if sc.FinishedAt != nil {
			r.Duration = durationText(p, sc.FinishedAt.Sub(sc.StartedAt))
		}
		rows[i] = r
	}
	return rows
}

// durationText is a run's length in the reader's digits: "2.1 s", "3 min 5 s".
func durationText(p *Page, d time.Duration) string {
	switch {
	case d < time.Second:
		return p.L.T("duration.ms", "n", d.Milliseconds())
	case d < time.Minute:
		return p.L.T("duration.s", "n", p.L.Digits(formatTenths(d.Seconds())))
	}
	d = d.Round(time.Second)
	return p.L.T("duration.min", "m", int64(d/time.Minute), "s", int64((d%time.Minute)/time.Second))
}

func formatTenths(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

func (s *Server) scanList(c echo.Context) error {
	a := actorOf(c)
	if !a.MayEver(registry.ActionView, registry.ResJob) {
		return registry.ErrForbidden
	}
	p := s.page(c, "jobs", "scans.title")
	pg := pageParams(c)
	res, err := s.mon.Scans(c.Request().Context(), a, pg)
	if err != nil {
		return err
	}
	p.Data = map[string]any{"Rows": scanRows(p, res.Items), "Nav": listNav(p, res), "CanRun": p.Can("create", "job")}
	return s.render(c, http.StatusOK, "scans", p)
}

// runScan runs a full scan now, as a run of the scan job: it never overlaps
// the scheduled one. The scan goes on if the client goes away.
func (s *Server) runScan(ctx context.Context) (monitor.Scan, monitor.JobRun, error) {
	var sc monitor.Scan
	run, err := s.jobs.RunFunc(context.WithoutCancel(ctx), monitor.JobScan, monitor.TriggerManual, func(ctx context.Context, now time.Time) error {
		var err error
		sc, err = s.mon.Scan(ctx, now, monitor.TriggerManual, nil)
		return err
	})
	return sc, run, err
}

// scanNow runs a scan and shows the history.
func (s *Server) scanNow(c echo.Context) error {
	if !actorOf(c).MayEver(registry.ActionCreate, registry.ResJob) {
		return registry.ErrForbidden
	}
	_, run, err := s.runScan(c.Request().Context())
	if err != nil {
		return err
	}
	switch run.Outcome {
	case monitor.OutcomeOK:
		s.flash(c, "success", "scans.flash_done")
	case monitor.OutcomeSkipped:
		s.flash(c, "info", "scans.flash_running")
	default:
		s.flash(c, "error", "scans.flash_failed")
	}
	return redirectTo(c, "/scans")
}
