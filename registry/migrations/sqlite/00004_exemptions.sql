-- +goose Up
ALTER TABLE accounts ADD COLUMN closure_deadline DATETIME;
ALTER TABLE officials ADD COLUMN successor_id INTEGER REFERENCES officials(id) ON DELETE SET NULL;

CREATE TABLE justifications (
    id                INTEGER PRIMARY KEY,
    account_id        INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    grounds           TEXT    NOT NULL,
    statement         TEXT    NOT NULL,
    requested_until   DATETIME,
    state             TEXT    NOT NULL,
    filed_by          INTEGER REFERENCES users(id) ON DELETE SET NULL,
    submitted_at      DATETIME,
    info_requested_at DATETIME,
    decided_at        DATETIME,
    decided_by        INTEGER REFERENCES users(id) ON DELETE SET NULL,
    decision_note     TEXT    NOT NULL DEFAULT '',
    renews_id         INTEGER REFERENCES exemptions(id) ON DELETE SET NULL,
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL
);
CREATE INDEX justifications_account ON justifications(account_id, id);
CREATE INDEX justifications_state ON justifications(state, submitted_at, id);
CREATE INDEX justifications_filed_by ON justifications(filed_by, id);

-- The conversation of a justification: questions, answers, decisions.
CREATE TABLE justification_notes (
    id               INTEGER PRIMARY KEY,
    justification_id INTEGER NOT NULL REFERENCES justifications(id) ON DELETE CASCADE,
    kind             TEXT    NOT NULL,
    body             TEXT    NOT NULL,
    author_id        INTEGER REFERENCES users(id) ON DELETE SET NULL,
    author           TEXT    NOT NULL DEFAULT '',
    at               DATETIME NOT NULL
);
CREATE INDEX justification_notes_j ON justification_notes(justification_id, id);

CREATE TABLE exemptions (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    justification_id INTEGER REFERENCES justifications(id) ON DELETE SET NULL,
    valid_from       DATETIME NOT NULL,
    valid_until      DATETIME NOT NULL,
    conditions       TEXT    NOT NULL DEFAULT '',
    decided_by       INTEGER REFERENCES users(id) ON DELETE SET NULL,
    decision_note    TEXT    NOT NULL DEFAULT '',
    snapshot         TEXT    NOT NULL DEFAULT '',
    revoked_at       DATETIME,
    revoked_by       INTEGER REFERENCES users(id) ON DELETE SET NULL,
    revoke_reason    TEXT    NOT NULL DEFAULT '',
    created_at       DATETIME NOT NULL
);
CREATE INDEX exemptions_account ON exemptions(account_id, valid_until);
CREATE INDEX exemptions_until ON exemptions(valid_until);

CREATE TABLE group_exemptions (
    id            INTEGER PRIMARY KEY,
    title         TEXT    NOT NULL,
    legal_ref     TEXT    NOT NULL,
    legal_date    DATETIME NOT NULL,
    scope         TEXT    NOT NULL,
    valid_from    DATETIME NOT NULL,
    valid_until   DATETIME,
    revoked_at    DATETIME,
    revoke_reason TEXT    NOT NULL DEFAULT '',
    created_by    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);

CREATE TABLE directives (
    id            INTEGER PRIMARY KEY,
    title         TEXT    NOT NULL,
    reference     TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    notified_on   DATETIME NOT NULL,
    window_months INTEGER NOT NULL,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);
CREATE INDEX directives_kind ON directives(kind, notified_on);

CREATE TABLE directive_amendments (
    id            INTEGER PRIMARY KEY,
    directive_id  INTEGER NOT NULL REFERENCES directives(id) ON DELETE CASCADE,
    reference     TEXT    NOT NULL,
    dated_on      DATETIME NOT NULL,
    window_months INTEGER NOT NULL,
    note          TEXT    NOT NULL DEFAULT '',
    created_at    DATETIME NOT NULL
);
CREATE INDEX directive_amendments_d ON directive_amendments(directive_id, dated_on);

CREATE TABLE handovers (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    from_official_id INTEGER REFERENCES officials(id) ON DELETE SET NULL,
    to_official_id   INTEGER REFERENCES officials(id) ON DELETE SET NULL,
    at               DATETIME NOT NULL,
    by_user          INTEGER REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX handovers_account ON handovers(account_id, id);

CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL,
    entity     TEXT    NOT NULL,
    entity_id  INTEGER NOT NULL,
    account_id INTEGER,
    created_at DATETIME NOT NULL,
    read_at    DATETIME
);
CREATE INDEX notifications_user ON notifications(user_id, id);
CREATE INDEX notifications_unread ON notifications(user_id, read_at);

-- +goose Down
DROP TABLE notifications;
DROP TABLE handovers;
DROP TABLE directive_amendments;
DROP TABLE directives;
DROP TABLE group_exemptions;
DROP TABLE exemptions;
DROP TABLE justification_notes;
DROP TABLE justifications;
ALTER TABLE officials DROP COLUMN successor_id;
ALTER TABLE accounts DROP COLUMN closure_deadline;
