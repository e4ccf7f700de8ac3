-- Single-use links to set a password (new accounts) or reset one. Only a SHA-256 of the token is
-- stored. Mirrored in migrations/postgres.
CREATE TABLE password_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX password_tokens_user_idx ON password_tokens (user_id);
