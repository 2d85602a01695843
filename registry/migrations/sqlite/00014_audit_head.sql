-- The highest audit event id ever handed out, kept in the same transaction
-- as the events: the next event takes the one after it, so events cut from
-- the end of the trail leave a gap the next event shows, and a write rolled
-- back gives no id away (PostgreSQL's sequences would, and verify would
-- read the gap as events deleted).

-- +goose Up
CREATE TABLE audit_head (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    last_id INTEGER NOT NULL
);
INSERT INTO audit_head (id, last_id) SELECT 1, MAX(
    COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'audit_events'), 0),
    COALESCE((SELECT MAX(id) FROM audit_events), 0));

-- +goose Down
DROP TABLE audit_head;
