-- Platform privacy assessments against the four provisions of the privacy
-- directive. An assessment is history: never edited or deleted, a newer one
-- supersedes it. overall stays (the monitor's PLATFORM_PRIVACY rule and the
-- weekly report read it) but is now derived from the provisions: pass when
-- all pass, fail when any fails, partial otherwise. eligible (licence
-- renewal) is true exactly when overall is pass.

-- +goose Up
ALTER TABLE platform_assessments ADD COLUMN assessor_id INTEGER REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE platform_assessments ADD COLUMN assessor_name TEXT NOT NULL DEFAULT '';
ALTER TABLE platform_assessments ADD COLUMN summary TEXT NOT NULL DEFAULT '';
ALTER TABLE platform_assessments ADD COLUMN eligible INTEGER NOT NULL DEFAULT 0 CHECK (eligible IN (0, 1));
-- Assessments recorded before the provisions were kept were a verdict only.
UPDATE platform_assessments SET eligible = (overall = 'pass');

CREATE TABLE assessment_provisions (
    assessment_id INTEGER NOT NULL REFERENCES platform_assessments(id) ON DELETE CASCADE,
    provision     TEXT    NOT NULL CHECK (provision IN ('data_minimisation', 'purpose_transparency', 'deletion_on_request', 'encryption')),
    result        TEXT    NOT NULL CHECK (result IN ('pass', 'partial', 'fail')),
    evidence      TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (assessment_id, provision)
);

-- At most one file per assessment (a report, a screenshot), kept in the
-- database so that a backup holds it; its type is what its content is,
-- whatever its name says.
CREATE TABLE assessment_attachments (
    assessment_id INTEGER PRIMARY KEY REFERENCES platform_assessments(id) ON DELETE CASCADE,
    file_name     TEXT    NOT NULL,
    content_type  TEXT    NOT NULL CHECK (content_type IN ('application/pdf', 'image/png', 'image/jpeg', 'text/plain; charset=utf-8')),
    data          BLOB    NOT NULL,
    size          INTEGER NOT NULL CHECK (size > 0 AND size <= 10485760),
    sha256        TEXT    NOT NULL,
    created_at    DATETIME NOT NULL
);

-- +goose Down
DROP TABLE assessment_attachments;
DROP TABLE assessment_provisions;
-- A column with a foreign key cannot be dropped: the table is rebuilt.
CREATE TABLE platform_assessments_v5 (
    id           INTEGER PRIMARY KEY,
    platform_id  INTEGER NOT NULL REFERENCES platforms(id) ON DELETE CASCADE,
    directive_id INTEGER REFERENCES directives(id) ON DELETE SET NULL,
    assessed_on  DATETIME NOT NULL,
    overall      TEXT    NOT NULL,
    created_at   DATETIME NOT NULL
);
INSERT INTO platform_assessments_v5 SELECT id, platform_id, directive_id, assessed_on, overall, created_at FROM platform_assessments;
DROP TABLE platform_assessments;
ALTER TABLE platform_assessments_v5 RENAME TO platform_assessments;
CREATE INDEX platform_assessments_platform ON platform_assessments(platform_id, assessed_on);
