-- A second factor at sign-in: a time-based one-time password (TOTP,
-- RFC 6238) from an authenticator app, with single-use recovery codes.
--
-- user_factors.secret is the shared secret, sealed with a key of Hozur's
-- own (purpose 'totp') and bound to the user's id; a raw look at the file
-- shows none of it. confirmed_at is empty while the user has not yet
-- proved, with a code, that their app holds the secret; only then does
-- sign-in ask for a code. last_step is the last 30-second step a code was
-- accepted for, so the same code is not accepted twice.
--
-- user_recovery_codes keeps HMAC-SHA-256 hashes of the recovery codes
-- (random 60-bit values, so a fast hash under a key of Hozur's own is
-- enough), each usable once.
--
-- signin_challenges are sign-ins half done: the password was right and a
-- code is awaited. Each lives five minutes; only the hash of the value in
-- the browser's cookie is kept.

-- +goose Up
CREATE TABLE user_factors (
    user_id      INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    secret       TEXT     NOT NULL,
    confirmed_at DATETIME,
    last_step    INTEGER  NOT NULL DEFAULT 0,
    created_at   DATETIME NOT NULL
);

CREATE TABLE user_recovery_codes (
    id        INTEGER PRIMARY KEY,
    user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT    NOT NULL,
    used_at   DATETIME
);
CREATE UNIQUE INDEX user_recovery_codes_hash ON user_recovery_codes(user_id, code_hash);

CREATE TABLE signin_challenges (
    id         TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL
);
CREATE INDEX signin_challenges_user ON signin_challenges(user_id);
CREATE INDEX signin_challenges_expires ON signin_challenges(expires_at);

-- +goose Down
DROP TABLE signin_challenges;
DROP TABLE user_recovery_codes;
DROP TABLE user_factors;
