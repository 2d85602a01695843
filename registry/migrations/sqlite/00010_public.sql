-- Public verification looks an account up only among the public ones
-- (institutional and office, not closed). On this index a personal or a
-- closed account is not there at all, exactly as an unknown one is not:
-- the lookup costs the same, so its time tells nothing.

-- +goose Up
CREATE INDEX accounts_public ON accounts(platform_id, handle) WHERE capacity IN ('institutional', 'office') AND status <> 'closed';

-- +goose Down
DROP INDEX accounts_public;
