package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/labstack/echo/v4"

	"hozur/registry"
	"hozur/web/locale"
)

// The audit trail's page, /audit, and the "history" section that record
// pages show: the same rows, formatted here rather than in templates.

// auditRow is one event of the audit trail as a page shows it.
type auditRow struct {
	ID       int64
	When     string // date and time in the reader's calendar
	Actor    string
	Action   string // translated
	Entity   string // translated
	Kind     string // the entity as recorded, e.g. "account"
	EntityID int64
	Name     string // the record's name, else its number
	Link     string // the record's page, when it still exists
	Changes  []changeLine
	IP       string
}

// changeLine is one field of an event's change: old -> new for an update,
// the value alone for a created or deleted record.
type changeLine struct {
	Field    string
	Old, New string
	Diff     bool
	// Arrow points from old to new in the reading direction; ArrowText
	// says it to screen readers.
	Arrow, ArrowText string
}

// auditEntities are the kinds of record the trail speaks of, for the filter.
var auditEntities = []string{"account", "official", "agency", "platform", "user", "api_token", "justification", "exemption",
	"group_exemption", "directive", "erasure", "registry"}

// auditActions are the actions recorded, for the filter.
var auditActions = []string{"create", "update", "delete", "login", "transition", "revoke", "amend", "leave_office", "request", "erase", "hold", "demo",
	"totp_enrol", "totp_disable", "totp_reset", "totp_recovery_used"}

// recordPaths are the pages of records, by entity.
var recordPaths = map[string]string{"account": "/accounts/", "official": "/officials/", "agency": "/agencies/", "platform": "/platforms/",
	"user": "/users/", "justification": "/justifications/", "exemption": "/exemptions/", "group_exemption": "/group-exemptions/",
	"directive": "/directives/"}

// historySize is how many events a record's page shows.
const historySize = 20

type auditListData struct {
	Rows   []auditRow
	Nav    ListNav
	Filter []Field
}

var auditFieldOrder = []string{"actor", "entity", "entity_id", "action", "from", "to"}

func mayViewAudit(a registry.Actor) bool {
	return a.Can(registry.ActionView, registry.Target{Resource: registry.ResAudit})
}

func (s *Server) auditList(c echo.Context) error {
	a := actorOf(c)
	if !mayViewAudit(a) {
		return registry.ErrForbidden
	}
	p := s.page(c, "audit", "audit.title")
	q := c.QueryParams()
	f := registry.AuditFilter{ActorName: strings.ToLower(strings.TrimSpace(q.Get("actor"))), Entity: q.Get("entity"), Action: q.Get("action")}
	bad := map[string]string{}
	if v := strings.TrimSpace(q.Get("entity_id")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			bad["entity_id"] = "error.invalid"
		}
		f.EntityID = n
	}
	var err error
	if f.From, err = p.L.ParseDate(q.Get("from")); err != nil {
		bad["from"] = "error.date"
	}
	to, err := p.L.ParseDate(q.Get("to"))
	if err != nil {
		bad["to"] = "error.date"
	}
	if to != nil {
		end := to.AddDate(0, 0, 1) // the whole of the last day
		f.To = &end
		if f.From != nil && to.Before(*f.From) {
			bad["to"] = "error.end_before_start"
		}
	}
	d := auditListData{Nav: ListNav{L: p.L, Query: p.Query}}
	err = fieldsErr(bad)
	if err == nil {
		var res registry.Result[registry.AuditEvent]
		if res, err = s.store.AuditEvents(c.Request().Context(), a, f, pageParams(c)); err == nil {
			d.Nav = listNav(p, res)
			d.Rows, err = s.auditRows(c.Request().Context(), p.L, res.Items)
		}
	}
	if err != nil && !formErrors(p, err, auditFieldOrder) {
		return err
	}
	d.Filter = []Field{
		newField(p, "actor", "audit.actor", "text", q.Get("actor")),
		withOptions(newField(p, "entity", "audit.entity", "select", ""), auditOptions(p.L, "audit.entity.", auditEntities, f.Entity)),
		newField(p, "entity_id", "audit.entity_id", "text", q.Get("entity_id")),
		withOptions(newField(p, "action", "audit.action", "select", ""), auditOptions(p.L, "audit.action.", auditActions, f.Action)),
		newField(p, "from", "audit.from", "text", q.Get("from")),
		newField(p, "to", "audit.to", "text", q.Get("to")),
	}
	p.Data = d
	status := http.StatusOK
	if p.Errors != nil {
		status = http.StatusUnprocessableEntity
	}
	return s.render(c, status, "audit", p)
}

// auditOptions are a filter's choices; a value recorded but not listed
// (a newer kind of event) is kept as chosen.
func auditOptions(l *locale.Locale, prefix string, values []string, selected string) []Option {
	if selected != "" && !contains(values, selected) {
		values = append(append([]string(nil), values...), selected)
	}
	out := []Option{{Value: "", Label: l.T("filter.any"), Selected: selected == ""}}
	for _, v := range values {
		out = append(out, Option{Value: v, Label: auditLabel(l, prefix, v), Selected: v == selected})
	}
	return out
}

// auditLabel translates a recorded name, or shows it as it is.
func auditLabel(l *locale.Locale, prefix, v string) string {
	if l.Has(prefix + v) {
		return l.T(prefix + v)
	}
	return v
}

// history is the last events of one record, newest first, for its page;
// nothing for those who may not read the audit trail.
func (s *Server) history(c echo.Context, entity string, id int64) ([]auditRow, error) {
	a := actorOf(c)
	if !mayViewAudit(a) {
		return nil, nil
	}
	ctx := c.Request().Context()
	res, err := s.store.AuditEvents(ctx, a, registry.AuditFilter{Entity: entity, EntityID: id}, registry.Page{PerPage: historySize})
	if err != nil {
		return nil, err
	}
	return s.auditRows(ctx, s.localeOf(c), res.Items)
}

// auditRows formats events, linking each to its record when the record is
// still there (one query per kind of record on the page).
func (s *Server) auditRows(ctx context.Context, l *locale.Locale, events []registry.AuditEvent) ([]auditRow, error) {
	ids := map[string][]int64{}
	for _, e := range events {
		if _, ok := recordPaths[e.Entity]; ok && e.EntityID > 0 {
			ids[e.Entity] = append(ids[e.Entity], e.EntityID)
		}
	}
	labels := map[string]map[int64]registry.RecordLabel{}
	for entity, list := range ids {
		m, err := s.store.RecordLabels(ctx, entity, list)
		if err != nil {
			return nil, err
		}
		labels[entity] = m
	}
	rows := make([]auditRow, len(events))
	for i, e := range events {
		r := auditRow{ID: e.ID, When: l.DateTime(e.At), Actor: e.Actor, Action: auditLabel(l, "audit.action.", e.Action),
			Entity: auditLabel(l, "audit.entity.", e.Entity), Kind: e.Entity, EntityID: e.EntityID, IP: e.IP,
			Changes: changeLines(l, e.Action, e.Change)}
		if e.EntityID > 0 {
			r.Name = l.T("audit.number", "n", e.EntityID)
			if lb, ok := labels[e.Entity][e.EntityID]; ok {
				r.Link = recordPaths[e.Entity] + strconv.FormatInt(e.EntityID, 10)
				if l.Lang == "en" && lb.NameEn != "" {
					r.Name = lb.NameEn
				} else if lb.Name != "" {
					r.Name = lb.Name
				}
			}
		}
		rows[i] = r
	}
	return rows, nil
}

// changeLines reads an event's change: {"field": [old, new], …} for an
// update (any action but create and delete), {"from": a, "to": b, …} for a
// move between states, or the record's fields for a create or delete.
// Anything else is shown as it is.
func changeLines(l *locale.Locale, action, change string) []changeLine {
	if change == "" {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(change))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return []changeLine{{New: change}}
	}
	pairs := action != "create" && action != "delete"
	var out []changeLine
	if from, ok := m["from"].(string); ok && pairs {
		if to, ok := m["to"].(string); ok {
			out = append(out, changeLine{Field: auditLabel(l, "audit.field.", "state"), Old: auditLabel(l, "state.", from),
				New: auditLabel(l, "state.", to), Diff: true})
			delete(m, "from")
			delete(m, "to")
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		line := changeLine{Field: auditLabel(l, "audit.field.", snake(k))}
		if pair, ok := m[k].([]any); ok && pairs && len(pair) == 2 {
			line.Old, line.New, line.Diff = auditValue(l, pair[0]), auditValue(l, pair[1]), true
		} else {
			line.New = auditValue(l, m[k])
		}
		out = append(out, line)
	}
	for i := range out {
		if out[i].Diff {
			out[i].Arrow, out[i].ArrowText = l.T("audit.arrow"), l.T("audit.changed_to")
		}
	}
	return out
}

// auditValue shows one recorded value: numbers in the reader's digits,
// yes and no, a dash for nothing.
func auditValue(l *locale.Locale, v any) string {
	switch x := v.(type) {
	case nil:
		return "—"
	case string:
		if x == "" {
			return "—"
		}
		if x == registry.ErasedMark {
			return l.T("erasure.erased")
		}
		return x
	case bool:
		if x {
			return l.T("audit.yes")
		}
		return l.T("audit.no")
	case json.Number:
		return l.Digits(x.String())
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSpace(b.String())
}

// snake turns a Go field name ("NameEn", "ParentID") into the JSON style
// of the other changes ("name_en", "parent_id").
func snake(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		if unicode.IsUpper(r) {
			if i > 0 && (unicode.IsLower(rs[i-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]))) {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
