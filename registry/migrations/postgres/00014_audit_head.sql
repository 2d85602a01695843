-- The highest audit event id ever handed out, kept in the same transaction
-- as the events: the next event takes the one after it, so events cut from
-- the end of the trail leave a gap the next event shows, and a write rolled
-- back gives no id away (a sequence would, and verify would read the gap
-- as events deleted).

-- +goose Up
CREATE TABLE audit_head (
    id      BIGINT PRIMARY KEY CHECK (id = 1),
    last_id BIGINT NOT NULL
);
INSERT INTO audit_head (id, last_id) SELECT 1, GREATEST(
    COALESCE((SELECT MAX(id) FROM audit_events), 0),
    (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM audit_events_id_seq));

-- +goose Down
DROP TABLE audit_head;
