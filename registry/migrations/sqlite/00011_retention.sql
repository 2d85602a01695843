-- A job run keeps what it did, e.g. how many records the nightly
-- retention erased.

-- +goose Up
ALTER TABLE job_runs ADD COLUMN detail TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE job_runs DROP COLUMN detail;
