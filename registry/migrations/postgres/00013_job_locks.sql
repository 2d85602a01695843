-- Several servers may share one database. Each job has one row here:
-- holder and expires_at are its lease, held (and renewed) by the server
-- running it, and let go at the end or left to expire if that server dies,
-- so two runs of a job never overlap anywhere; last_due is the last
-- scheduled time some server claimed, so each scheduled run happens once
-- however many servers' schedules fire.

-- +goose Up
CREATE TABLE job_locks (
    job        TEXT PRIMARY KEY,
    holder     TEXT NOT NULL DEFAULT '',
    expires_at TIMESTAMPTZ,
    last_due   TIMESTAMPTZ
);

-- +goose Down
DROP TABLE job_locks;
