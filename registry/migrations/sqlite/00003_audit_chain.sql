-- The audit trail becomes a hash chain (see registry/audit_chain.go).
--
-- The table is rebuilt rather than altered so that its ids come from
-- AUTOINCREMENT: an id is then never handed out twice, so events deleted at
-- the end of the trail leave a gap the next event shows, instead of their
-- ids being quietly reused. Events already recorded keep their ids and get
-- their hashes from the application (Store.record chains every event that
-- has none before it appends; so does AuditCheckpoint).

-- +goose Up
CREATE TABLE audit_events_chain (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        DATETIME NOT NULL,
    actor_id  INTEGER,
    actor     TEXT    NOT NULL DEFAULT '',
    action    TEXT    NOT NULL,
    entity    TEXT    NOT NULL,
    entity_id INTEGER NOT NULL DEFAULT 0,
    change    TEXT    NOT NULL DEFAULT '',
    ip        TEXT    NOT NULL DEFAULT '',
    prev_hash TEXT    NOT NULL DEFAULT '',
    hash      TEXT    NOT NULL DEFAULT ''
);
INSERT INTO audit_events_chain (id, at, actor_id, actor, action, entity, entity_id, change, ip)
    SELECT id, at, actor_id, actor, action, entity, entity_id, change, ip FROM audit_events ORDER BY id;
DROP TABLE audit_events;
ALTER TABLE audit_events_chain RENAME TO audit_events;

CREATE INDEX audit_events_entity ON audit_events(entity, entity_id, id);
CREATE INDEX audit_events_actor ON audit_events(actor_id, id);
-- The audit page's filters, each newest first.
CREATE INDEX audit_events_actor_name ON audit_events(actor, id);
CREATE INDEX audit_events_action ON audit_events(action, id);
CREATE INDEX audit_events_at ON audit_events(at);

-- Append-only: the application never changes or removes an event. The one
-- update allowed gives an event written without a hash (before this
-- migration, or by a bulk load) its place in the chain. Anyone who can drop
-- these triggers can still tamper; `hozur audit verify` then finds it.
-- +goose StatementBegin
CREATE TRIGGER audit_events_append_only_update BEFORE UPDATE ON audit_events
WHEN OLD.hash <> ''
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_events_append_only_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_events_append_only_delete;
DROP TRIGGER audit_events_append_only_update;
DROP INDEX audit_events_at;
DROP INDEX audit_events_action;
DROP INDEX audit_events_actor_name;
ALTER TABLE audit_events DROP COLUMN hash;
ALTER TABLE audit_events DROP COLUMN prev_hash;
