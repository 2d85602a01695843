-- +goose Up
CREATE TABLE agencies (
    id          INTEGER PRIMARY KEY,
    code        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    name_en     TEXT    NOT NULL DEFAULT '',
    name_key    TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    parent_id   INTEGER REFERENCES agencies(id) ON DELETE RESTRICT,
    path        TEXT    NOT NULL DEFAULT '',
    depth       INTEGER NOT NULL DEFAULT 0,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL
);
CREATE INDEX agencies_parent ON agencies(parent_id, name_key);
CREATE INDEX agencies_path ON agencies(path);
CREATE INDEX agencies_kind ON agencies(kind, id);

CREATE TABLE officials (
    id            INTEGER PRIMARY KEY,
    agency_id     INTEGER NOT NULL REFERENCES agencies(id) ON DELETE RESTRICT,
    name          TEXT    NOT NULL,
    name_key      TEXT    NOT NULL,
    position      TEXT    NOT NULL,
    rank          INTEGER NOT NULL,
    serving       BOOLEAN NOT NULL DEFAULT 1,
    term_start    DATE,
    term_end      DATE,
    email         TEXT    NOT NULL DEFAULT '',
    phone         TEXT    NOT NULL DEFAULT '',
    employee_code TEXT    NOT NULL DEFAULT '',
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);
CREATE INDEX officials_agency ON officials(agency_id, id);
CREATE INDEX officials_rank ON officials(rank, id);
CREATE INDEX officials_serving ON officials(serving, id);
CREATE INDEX officials_name ON officials(name_key);
CREATE UNIQUE INDEX officials_employee_code ON officials(agency_id, employee_code) WHERE employee_code <> '';

CREATE TABLE platforms (
    id         INTEGER PRIMARY KEY,
    code       TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    name_en    TEXT    NOT NULL,
    origin     TEXT    NOT NULL,
    category   TEXT    NOT NULL,
    hosts      TEXT    NOT NULL DEFAULT '',
    active     BOOLEAN NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);

CREATE TABLE accounts (
    id           INTEGER PRIMARY KEY,
    platform_id  INTEGER NOT NULL REFERENCES platforms(id) ON DELETE RESTRICT,
    handle       TEXT    NOT NULL,
    display      TEXT    NOT NULL,
    url          TEXT    NOT NULL,
    agency_id    INTEGER NOT NULL REFERENCES agencies(id) ON DELETE RESTRICT,
    official_id  INTEGER REFERENCES officials(id) ON DELETE RESTRICT,
    -- The holder agency's ancestors by depth (agency_at0 is the root), so
    -- that "this agency and its sub-agencies, newest first" is one ordered
    -- index range whatever the size of the subtree.
    agency_at0   INTEGER,
    agency_at1   INTEGER,
    agency_at2   INTEGER,
    agency_at3   INTEGER,
    agency_at4   INTEGER,
    capacity     TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    source       TEXT    NOT NULL,
    verification TEXT    NOT NULL,
    opened_on    DATE,
    verified_at  DATETIME,
    closed_at    DATETIME,
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL
);
CREATE UNIQUE INDEX accounts_platform_handle ON accounts(platform_id, handle);
CREATE INDEX accounts_handle ON accounts(handle);
CREATE INDEX accounts_agency ON accounts(agency_id, id);
CREATE INDEX accounts_official ON accounts(official_id, id);
CREATE INDEX accounts_agency_at0 ON accounts(agency_at0, id);
CREATE INDEX accounts_agency_at1 ON accounts(agency_at1, id) WHERE agency_at1 IS NOT NULL;
CREATE INDEX accounts_agency_at2 ON accounts(agency_at2, id) WHERE agency_at2 IS NOT NULL;
CREATE INDEX accounts_agency_at3 ON accounts(agency_at3, id) WHERE agency_at3 IS NOT NULL;
CREATE INDEX accounts_agency_at4 ON accounts(agency_at4, id) WHERE agency_at4 IS NOT NULL;
CREATE INDEX accounts_platform ON accounts(platform_id, id);
CREATE INDEX accounts_capacity ON accounts(capacity, id);
CREATE INDEX accounts_status ON accounts(status, id);
CREATE INDEX accounts_verification ON accounts(verification, id);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    agency_id     INTEGER REFERENCES agencies(id) ON DELETE RESTRICT,
    official_id   INTEGER REFERENCES officials(id) ON DELETE RESTRICT,
    locale        TEXT    NOT NULL DEFAULT '',
    active        BOOLEAN NOT NULL DEFAULT 1,
    last_login_at DATETIME,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);
CREATE INDEX users_role ON users(role, id);
CREATE INDEX users_agency ON users(agency_id);
CREATE INDEX users_official ON users(official_id);

CREATE TABLE sessions (
    id           TEXT    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   DATETIME NOT NULL,
    last_seen_at DATETIME NOT NULL,
    expires_at   DATETIME NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expires ON sessions(expires_at);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    prefix       TEXT    NOT NULL,
    last_used_at DATETIME,
    created_at   DATETIME NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE login_failures (
    id         INTEGER PRIMARY KEY,
    username   TEXT    NOT NULL,
    ip         TEXT    NOT NULL,
    at         DATETIME NOT NULL
);
CREATE INDEX login_failures_username ON login_failures(username, at);
CREATE INDEX login_failures_ip ON login_failures(ip, at);

CREATE TABLE audit_events (
    id        INTEGER PRIMARY KEY,
    at        DATETIME NOT NULL,
    actor_id  INTEGER,
    actor     TEXT    NOT NULL DEFAULT '',
    action    TEXT    NOT NULL,
    entity    TEXT    NOT NULL,
    entity_id INTEGER NOT NULL DEFAULT 0,
    change    TEXT    NOT NULL DEFAULT '',
    ip        TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_entity ON audit_events(entity, entity_id, id);
CREATE INDEX audit_events_actor ON audit_events(actor_id, id);

-- +goose Down
DROP TABLE audit_events;
DROP TABLE login_failures;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE accounts;
DROP TABLE platforms;
DROP TABLE officials;
DROP TABLE agencies;
