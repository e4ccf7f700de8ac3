-- Single-use links to set a password (new accounts) or reset one. Only a SHA-256 of the token is
-- stored. Mirrored in migrations/sqlite.
CREATE TABLE password_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ
);
CREATE INDEX password_tokens_user_idx ON password_tokens (user_id);
