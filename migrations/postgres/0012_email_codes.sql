-- Email verification codes as a second step (seed 000; docs/security.md M1-M3 and section 3: "email
-- verification", not multi-factor). Mirrored in migrations/sqlite.
CREATE TABLE email_verification (
    user_id UUID PRIMARY KEY NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    enabled_at TIMESTAMPTZ NOT NULL
);

-- The code sent for a pending login: only a salted SHA-256 of it is kept (M1). A resend replaces
-- it (M3), so each pending login has at most one code.
CREATE TABLE login_codes (
    challenge_hash TEXT PRIMARY KEY NOT NULL REFERENCES login_challenges(token_hash) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    salt TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ
);
