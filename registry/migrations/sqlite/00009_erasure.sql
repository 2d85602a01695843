-- Erasure on request: an official (or a liaison for them) asks; the office
-- erases, or records a legal hold with its reason. The details the
-- requester writes are sealed with the official's key.

-- +goose Up
CREATE TABLE erasure_requests (
    id              INTEGER PRIMARY KEY,
    official_id     INTEGER NOT NULL REFERENCES officials(id) ON DELETE CASCADE,
    scope           TEXT    NOT NULL,
    details         TEXT    NOT NULL DEFAULT '',
    state           TEXT    NOT NULL,
    requested_by    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    requester       TEXT    NOT NULL DEFAULT '',
    requested_at    DATETIME NOT NULL,
    decided_by      INTEGER REFERENCES users(id) ON DELETE SET NULL,
    decider         TEXT    NOT NULL DEFAULT '',
    decided_at      DATETIME,
    decision_reason TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX erasure_requests_official ON erasure_requests(official_id, id);
CREATE INDEX erasure_requests_state ON erasure_requests(state, id);

-- +goose Down
DROP TABLE erasure_requests;
