-- Authenticator-app second factor (RFC 6238) and the pending logins waiting for it. Mirrored in
-- migrations/postgres.
CREATE TABLE user_totp (
    user_id BLOB PRIMARY KEY NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    enabled_at TEXT,
    last_step INTEGER,
    created_at TEXT NOT NULL
);

-- A password was right; the session starts once the second factor is. Only the token's SHA-256
-- is stored; it lives five minutes and works once.
CREATE TABLE login_challenges (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    ip TEXT NOT NULL
);
