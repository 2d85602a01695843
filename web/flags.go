package web

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"hozur/monitor"
	"hozur/registry"
	"hozur/web/locale"
)

// Severities and statuses as tags: a colour and always the word too.
var severityColours = map[string]string{monitor.SeverityHigh: "tag-red", monitor.SeverityWarning: "tag-orange",
	monitor.SeverityNotice: "tag-blue", monitor.SeverityLow: "tag-grey"}

var flagStatusColours = map[string]string{monitor.FlagOpen: "tag-purple", monitor.FlagAcknowledged: "tag-grey",
	monitor.FlagResolved: "tag-green"}

var severities = []string{monitor.SeverityHigh, monitor.SeverityWarning, monitor.SeverityNotice, monitor.SeverityLow}

var flagStatuses = []string{monitor.FlagOpen, monitor.FlagAcknowledged, monitor.FlagResolved}

// flagRow is one flag in words, formatted in Go.
type flagRow struct {
	ID                         int64
	Severity, Status           Tag
	Title, Message             string
	Subject, SubjectLink       string
	SubjectLTR                 bool
	Holder, HolderLink         string
	Opened, LastSeen, Resolved string
	Acknowledged, AckNote      string
	Open                       bool // may be acknowledged
}

// flagArgs reads a flag's Args for its message: whole numbers as numbers,
// days as dates in the reader's calendar, an assessment in words.
func flagArgs(l *locale.Locale, raw string, tz *time.Location) map[string]any {
	out := map[string]any{}
	if raw == "" {
		return out
	}
	var m map[string]any
	if json.Unmarshal([]byte(raw), &m) != nil {
		return out
	}
	for k, v := range m {
		switch x := v.(type) {
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1e15 {
				out[k] = int64(x)
			} else {
				out[k] = x
			}
		case string:
			if d, err := time.ParseInLocation(time.DateOnly, x, tz); err == nil {
				out[k] = l.Date(d)
			} else if key := "flag.assessment." + x; l.Has(key) {
				out[k] = l.T(key)
			} else {
				out[k] = x
			}
		default:
			out[k] = v
		}
	}
	return out
}

// flagMessage is what is wrong and what to do. FOREIGN_NO_EXEMPTION before
// the directive's deadline says how many days are left.
func flagMessage(l *locale.Locale, rule, raw string, tz *time.Location) string {
	args := flagArgs(l, raw, tz)
	key := "rule." + rule + ".message"
	if _, ok := args["days_left"]; ok && l.Has(key+"_before") {
		key += "_before"
	}
	return l.TArgs(key, args)
}

// flagRows formats flags; platform names are looked up once.
func (s *Server) flagRows(ctx context.Context, p *Page, items []monitor.FlagView) []flagRow {
	rows := make([]flagRow, len(items))
	var platforms map[int64]string
	for i, f := range items {
		r := flagRow{ID: f.ID, Severity: Tag{severityColours[f.Severity], p.L.T("severity." + f.Severity)},
			Status: Tag{flagStatusColours[f.Status], p.L.T("flag.status." + f.Status)},
			Title:  p.L.T("rule." + f.Rule), Message: flagMessage(p.L, f.Rule, f.Args, s.tz),
			Opened: p.L.DateTime(f.OpenedAt), LastSeen: p.L.DateTime(f.LastSeenAt), Resolved: p.L.DateTimePtr(f.ResolvedAt),
			Acknowledged: p.L.DateTimePtr(f.AcknowledgedAt), AckNote: f.AckNote, Open: f.Status == monitor.FlagOpen}
		agency := s.nameOf(p, f.AgencyName, f.AgencyNameEn)
		id := strconv.FormatInt(f.SubjectID, 10)
		switch f.SubjectType {
		case monitor.SubjectAccount:
			r.Subject, r.SubjectLink, r.SubjectLTR = f.AccountDisplay, "/accounts/"+id, true
		case monitor.SubjectJustification:
			r.Subject, r.SubjectLink = p.L.T("flag.subject.justification", "account", isolate(f.AccountDisplay)), "/justifications/"+id
		case monitor.SubjectOfficial:
			r.Subject, r.SubjectLink = f.OfficialName, "/officials/"+id
		case monitor.SubjectAgency:
			r.Subject, r.SubjectLink = agency, "/agencies/"+id
		case monitor.SubjectPlatform:
			if platforms == nil {
				platforms = map[int64]string{}
				if list, err := s.store.Platforms(ctx); err == nil {
					for _, pl := range list {
						platforms[pl.ID] = s.nameOf(p, pl.Name, pl.NameEn)
					}
				}
			}
			r.Subject, r.SubjectLink = platforms[f.SubjectID], "/platforms/"+id
		}
		switch {
		case f.SubjectType == monitor.SubjectPlatform:
		case f.OfficialID != nil && f.SubjectType != monitor.SubjectOfficial:
			r.Holder, r.HolderLink = f.OfficialName, "/officials/"+strconv.FormatInt(*f.OfficialID, 10)
		case f.SubjectType != monitor.SubjectAgency && f.OfficialID == nil:
			r.Holder, r.HolderLink = agency, "/agencies/"+strconv.FormatInt(f.AgencyID, 10)
		}
		rows[i] = r
	}
	return rows
}

type flagListData struct {
	Rows      []flagRow
	Nav       ListNav
	Filter    []Field
	CanDecide bool
	CanScans  bool
	Next      string // where the bulk form returns
	Note      Field
}

func (s *Server) flagFilter(c echo.Context) (monitor.FlagFilter, string, error) {
	q := c.QueryParams()
	f := monitor.FlagFilter{Rule: q.Get("rule"), Severity: q.Get("severity"), Status: q.Get("status")}
	f.AccountID, _ = strconv.ParseInt(q.Get("account_id"), 10, 64)
	f.OfficialID, _ = strconv.ParseInt(q.Get("official_id"), 10, 64)
	code := strings.TrimSpace(q.Get("agency"))
	if code != "" {
		ag, err := s.store.AgencyByCode(c.Request().Context(), code)
		if errors.Is(err, registry.ErrNotFound) {
			return f, code, &registry.ValidationError{Fields: map[string]string{"agency": "error.agency_code_unknown"}}
		} else if err != nil {
			return f, code, err
		}
		f.AgencyID = ag.ID
	}
	return f, code, nil
}

func (s *Server) flagList(c echo.Context) error {
	a := actorOf(c)
	if !a.MayEver(registry.ActionView, registry.ResFlag) {
		return registry.ErrForbidden
	}
	p := s.page(c, "flags", "flags.title")
	f, code, err := s.flagFilter(c)
	d := flagListData{Nav: ListNav{L: p.L, Query: p.Query}, CanDecide: p.Can("decide", "flag"), CanScans: p.Can("view", "job"),
		Next: p.Path, Note: newField(p, "note", "flags.note", "textarea", "")}
	if err == nil {
		var res registry.Result[monitor.FlagView]
		res, err = s.mon.Flags(c.Request().Context(), a, f, pageParams(c))
		d.Rows, d.Nav = s.flagRows(c.Request().Context(), p, res.Items), listNav(p, res)
	}
	if err != nil && !formErrors(p, err, []string{"agency", "rule", "severity", "status"}) {
		return err
	}
	rules := make([]Option, 0, len(monitor.Rules)+1)
	rules = append(rules, Option{Value: "", Label: p.L.T("filter.any"), Selected: f.Rule == ""})
	for _, r := range monitor.Rules {
		rules = append(rules, Option{Value: r.Code, Label: p.L.T("rule." + r.Code), Selected: r.Code == f.Rule})
	}
	status := []Option{{Value: "", Label: p.L.T("flags.unresolved"), Selected: f.Status == ""}}
	status = append(status, options(p.L, "flag.status.", flagStatuses, f.Status, false)...)
	d.Filter = []Field{
		withOptions(newField(p, "rule", "flags.rule", "select", ""), rules),
		withOptions(newField(p, "severity", "flags.severity", "select", ""), options(p.L, "severity.", severities, f.Severity, true)),
		withOptions(newField(p, "status", "flags.status", "select", ""), status),
		newField(p, "agency", "flags.agency_code", "text", code),
	}
	p.Data = d
	st := http.StatusOK
	if p.Errors != nil {
		st = http.StatusUnprocessableEntity
	}
	return s.render(c, st, "flags", p)
}

// flagAcknowledge acknowledges the flags ticked on the list, with a note.
func (s *Server) flagAcknowledge(c echo.Context) error {
	a := actorOf(c)
	if !a.MayEver(registry.ActionDecide, registry.ResFlag) {
		return registry.ErrForbidden
	}
	back := c.FormValue("next")
	if !strings.HasPrefix(back, "/flags") && !strings.HasPrefix(back, "/accounts/") && !strings.HasPrefix(back, "/officials/") {
		back = "/flags"
	}
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	var ids []int64
	for _, v := range form["id"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return registry.ErrNotFound
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		s.flash(c, "error", "flags.flash_none")
		return redirectTo(c, back)
	}
	n, err := s.mon.Acknowledge(c.Request().Context(), a, ids, c.FormValue("note"))
	var ve *registry.ValidationError
	if errors.As(err, &ve) {
		s.flash(c, "error", "flags.flash_note_too_long")
		return redirectTo(c, back)
	}
	if err != nil {
		return err
	}
	if n == 0 {
		s.flash(c, "info", "flags.flash_nothing")
	} else {
		s.flash(c, "success", "flags.flash_acknowledged")
	}
	return redirectTo(c, back)
}

// holderFlags are the unresolved flags about an account or an official, for
// their page. A reader who may see no flags gets none.
func (s *Server) holderFlags(c echo.Context, p *Page, f monitor.FlagFilter) holderFlagsData {
	res, err := s.mon.Flags(c.Request().Context(), actorOf(c), f, registry.Page{PerPage: 20})
	if err != nil {
		return holderFlagsData{}
	}
	q := "?account_id=" + strconv.FormatInt(f.AccountID, 10)
	if f.OfficialID != 0 {
		q = "?official_id=" + strconv.FormatInt(f.OfficialID, 10)
	}
	return holderFlagsData{Rows: s.flagRows(c.Request().Context(), p, res.Items), More: res.Next != "", Link: "/flags" + q}
}

// holderFlagsData is the flags section of an account's or official's page.
type holderFlagsData struct {
	Rows []flagRow
	More bool
	Link string // the full list, resolved ones too
}
