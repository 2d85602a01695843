-- Spreadsheet imports: an upload is checked (a dry run), shown, then
-- applied. The file is kept between the two steps and dropped once applied
-- or after a day (see Store.PurgeImports); the record of what an import did
-- stays.

-- +goose Up
CREATE TABLE imports (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL,
    file_name  TEXT    NOT NULL DEFAULT '',
    encoding   TEXT    NOT NULL DEFAULT 'auto',
    data       BLOB,
    state      TEXT    NOT NULL DEFAULT 'checked',
    rows       INTEGER NOT NULL DEFAULT 0,
    bad_rows   INTEGER NOT NULL DEFAULT 0,
    result     TEXT    NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    applied_at DATETIME
);
CREATE INDEX imports_user ON imports(user_id, id);

-- Accounts name their holder by employee code, with or without the agency.
CREATE INDEX officials_employee_code_only ON officials(employee_code) WHERE employee_code <> '';

-- +goose Down
DROP INDEX officials_employee_code_only;
DROP TABLE imports;
