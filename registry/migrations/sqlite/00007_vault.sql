-- Encryption at rest (see registry/vault and registry/keys.go).
--
-- Each official's personal data is sealed with a data key of their own;
-- data keys are kept here wrapped by the master key, which never enters the
-- database. Destroying an official's key (erasure) empties `wrapped`: the
-- row stays as the record that the key existed and when it was destroyed.
-- The one key with purpose 'index' keys the hashes that exact-match
-- lookups over sealed values use.
--
-- Officials' e-mail, phone and employee code hold sealed text from here
-- on; email_idx and employee_code_idx hold the keyed hashes that find and
-- keep unique what can no longer be compared in the clear. Values written
-- before this migration are sealed by the application at its next start
-- (Store.SealPending), which needs the master key.

-- +goose Up
CREATE TABLE data_keys (
    id           INTEGER PRIMARY KEY,
    purpose      TEXT    NOT NULL,
    official_id  INTEGER UNIQUE REFERENCES officials(id) ON DELETE SET NULL,
    wrapped      TEXT    NOT NULL DEFAULT '',
    master_id    TEXT    NOT NULL DEFAULT '',
    created_at   DATETIME NOT NULL,
    destroyed_at DATETIME
);
CREATE UNIQUE INDEX data_keys_index ON data_keys(purpose) WHERE purpose = 'index';
CREATE INDEX data_keys_master ON data_keys(master_id);

ALTER TABLE officials ADD COLUMN email_idx TEXT NOT NULL DEFAULT '';
ALTER TABLE officials ADD COLUMN employee_code_idx TEXT NOT NULL DEFAULT '';
DROP INDEX officials_employee_code;
DROP INDEX officials_employee_code_only;
CREATE UNIQUE INDEX officials_employee_code ON officials(agency_id, employee_code_idx) WHERE employee_code_idx <> '';
CREATE INDEX officials_employee_code_only ON officials(employee_code_idx) WHERE employee_code_idx <> '';
CREATE INDEX officials_email ON officials(email_idx) WHERE email_idx <> '';

-- +goose Down
DROP INDEX officials_email;
DROP INDEX officials_employee_code_only;
DROP INDEX officials_employee_code;
CREATE UNIQUE INDEX officials_employee_code ON officials(agency_id, employee_code) WHERE employee_code <> '';
CREATE INDEX officials_employee_code_only ON officials(employee_code) WHERE employee_code <> '';
ALTER TABLE officials DROP COLUMN employee_code_idx;
ALTER TABLE officials DROP COLUMN email_idx;
DROP TABLE data_keys;
