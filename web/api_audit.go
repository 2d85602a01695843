package web

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"hozur/registry"
)

// auditEventBody is an event of the audit trail as the API shows it.
type auditEventBody struct {
	ID       int64          `json:"id"`
	At       time.Time      `json:"at" doc:"when, UTC, to the microsecond"`
	ActorID  *int64         `json:"actor_id" doc:"the user who acted; null for jobs and the command line"`
	Actor    string         `json:"actor" doc:"their username as it was then; system for jobs and the command line"`
	Action   string         `json:"action" doc:"e.g. create, update, delete, login, transition"`
	Entity   string         `json:"entity" doc:"the kind of record, e.g. account"`
	EntityID int64          `json:"entity_id" doc:"the record's id; 0 when the event is about no single record"`
	Change   map[string]any `json:"change" doc:"what changed: {field: [old, new]} for an update, the record's fields for a create or delete; {} for none"`
	IP       string         `json:"ip" doc:"the address the request came from; empty for jobs and the command line"`
	PrevHash string         `json:"prev_hash" doc:"the hash of the event before, 64 hex digits; 64 zeros for the first; empty until chained"`
	Hash     string         `json:"hash" doc:"SHA-256 of 0x01, prev_hash and the leaf hash of the event (see the README), 64 hex digits"`
}

func auditEventBodyOf(e registry.AuditEvent) auditEventBody {
	b := auditEventBody{ID: e.ID, At: e.At.UTC(), ActorID: e.ActorID, Actor: e.Actor, Action: e.Action, Entity: e.Entity, EntityID: e.EntityID,
		Change: map[string]any{}, IP: e.IP, PrevHash: e.PrevHash, Hash: e.Hash}
	if e.Change != "" {
		dec := json.NewDecoder(strings.NewReader(e.Change))
		dec.UseNumber()
		if err := dec.Decode(&b.Change); err != nil || b.Change == nil {
			// Not an object: shown as it was stored.
			b.Change = map[string]any{"value": e.Change}
		}
	}
	return b
}

func (s *Server) apiAuditList(c echo.Context) error {
	a := actorOf(c)
	if !mayViewAudit(a) {
		return registry.ErrForbidden
	}
	q := s.apiQuery(c)
	f := registry.AuditFilter{ActorName: strings.ToLower(q.str("actor")), Entity: q.str("entity"), EntityID: q.id("entity_id"), Action: q.str("action"),
		From: q.day("from", s.tz)}
	if to := q.day("to", s.tz); to != nil {
		end := to.AddDate(0, 0, 1) // the whole of the last day
		f.To = &end
		if f.From != nil && to.Before(*f.From) {
			q.bad["to"] = "error.end_before_start"
		}
	}
	p := q.page()
	if err := q.err(); err != nil {
		return err
	}
	res, err := s.store.AuditEvents(c.Request().Context(), a, f, p)
	if err != nil {
		return err
	}
	return writeList(c, res, auditEventBodyOf)
}
