-- +goose Up
-- Where a user's e-mail goes (reports, reminders); optional.
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';

-- Platform privacy assessments (the privacy issue extends them); the
-- monitor's PLATFORM_PRIVACY rule reads the latest per platform.
CREATE TABLE platform_assessments (
    id           INTEGER PRIMARY KEY,
    platform_id  INTEGER NOT NULL REFERENCES platforms(id) ON DELETE CASCADE,
    directive_id INTEGER REFERENCES directives(id) ON DELETE SET NULL,
    assessed_on  DATETIME NOT NULL,
    overall      TEXT    NOT NULL,
    created_at   DATETIME NOT NULL
);
CREATE INDEX platform_assessments_platform ON platform_assessments(platform_id, assessed_on);

-- A flag is a rule's finding about a subject. It is open while the
-- condition holds and resolves itself when it no longer does; one flag per
-- rule and subject is unresolved at a time.
CREATE TABLE flags (
    id              INTEGER PRIMARY KEY,
    rule            TEXT    NOT NULL,
    severity        TEXT    NOT NULL,
    subject_type    TEXT    NOT NULL,
    subject_id      INTEGER NOT NULL,
    account_id      INTEGER,
    official_id     INTEGER,
    agency_id       INTEGER NOT NULL,
    args            TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL,
    opened_at       DATETIME NOT NULL,
    last_seen_at    DATETIME NOT NULL,
    resolved_at     DATETIME,
    acknowledged_at DATETIME,
    acknowledged_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    ack_note        TEXT    NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX flags_unresolved ON flags(rule, subject_type, subject_id) WHERE resolved_at IS NULL;
CREATE INDEX flags_status ON flags(status, id);
CREATE INDEX flags_rule ON flags(rule, status, id);
CREATE INDEX flags_severity ON flags(severity, status, id);
CREATE INDEX flags_agency ON flags(agency_id, status, id);
CREATE INDEX flags_account ON flags(account_id);
CREATE INDEX flags_official ON flags(official_id);
CREATE INDEX flags_resolved ON flags(resolved_at);

CREATE TABLE scans (
    id          INTEGER PRIMARY KEY,
    trigger     TEXT    NOT NULL,
    started_at  DATETIME NOT NULL,
    finished_at DATETIME,
    evaluated   INTEGER NOT NULL DEFAULT 0,
    opened      INTEGER NOT NULL DEFAULT 0,
    resolved    INTEGER NOT NULL DEFAULT 0,
    open_total  INTEGER NOT NULL DEFAULT 0,
    error       TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX scans_started ON scans(started_at);

CREATE TABLE job_runs (
    id          INTEGER PRIMARY KEY,
    job         TEXT    NOT NULL,
    trigger     TEXT    NOT NULL,
    started_at  DATETIME NOT NULL,
    finished_at DATETIME,
    outcome     TEXT    NOT NULL,
    error       TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX job_runs_job ON job_runs(job, id);

-- A weekly report, stored once and never changed: the national report
-- (agency_id NULL) and each agency's cut.
CREATE TABLE reports (
    id          INTEGER PRIMARY KEY,
    week_start  DATETIME NOT NULL,
    week_end    DATETIME NOT NULL,
    title       TEXT    NOT NULL,
    agency_id   INTEGER REFERENCES agencies(id) ON DELETE CASCADE,
    data        TEXT    NOT NULL,
    html        TEXT    NOT NULL,
    sha256      TEXT    NOT NULL,
    created_at  DATETIME NOT NULL
);
CREATE UNIQUE INDEX reports_week ON reports(week_start, COALESCE(agency_id, 0));

-- Every message sent, one row per recipient; the key makes a re-run send
-- nothing twice.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    key             TEXT    NOT NULL UNIQUE,
    kind            TEXT    NOT NULL,
    recipient       TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT '',
    next_attempt_at DATETIME,
    sent_at         DATETIME,
    created_at      DATETIME NOT NULL
);
CREATE INDEX deliveries_pending ON deliveries(status, next_attempt_at);

-- +goose Down
DROP TABLE deliveries;
DROP TABLE reports;
DROP TABLE job_runs;
DROP TABLE scans;
DROP TABLE flags;
DROP TABLE platform_assessments;
ALTER TABLE users DROP COLUMN email;
