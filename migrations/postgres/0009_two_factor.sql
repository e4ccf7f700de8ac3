-- Authenticator-app second factor (RFC 6238) and the pending logins waiting for it. Mirrored in
-- migrations/sqlite.
CREATE TABLE user_totp (
    user_id UUID PRIMARY KEY NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    enabled_at TIMESTAMPTZ,
    last_step BIGINT,
    created_at TIMESTAMPTZ NOT NULL
);

-- A password was right; the session starts once the second factor is. Only the token's SHA-256
-- is stored; it lives five minutes and works once.
CREATE TABLE login_challenges (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ,
    ip TEXT NOT NULL
);
