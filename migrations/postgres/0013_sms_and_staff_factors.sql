-- Codes by text message (seed 000 "via email or text"), a password marked compromised (docs/security.md
-- A5) and the channel of each outbox row. Mirrored in migrations/sqlite.

-- The outbox carries text messages too: same leases, retries and expiry as mail.
ALTER TABLE outbox ADD COLUMN channel TEXT NOT NULL DEFAULT 'email';

-- A mobile number proved with a code before text messages can carry login codes (docs/security.md M5).
-- While `verified_at` is NULL the row is an enrolment waiting for its code (salted SHA-256 only).
CREATE TABLE user_sms (
    user_id UUID PRIMARY KEY NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    mobile TEXT NOT NULL,
    verified_at TIMESTAMPTZ,
    code_hash TEXT,
    code_salt TEXT,
    code_expires_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);

-- Where a pending login's code went.
ALTER TABLE login_codes ADD COLUMN channel TEXT NOT NULL DEFAULT 'email';

-- An administrator marked the password compromised: the next login must change it (A5).
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
