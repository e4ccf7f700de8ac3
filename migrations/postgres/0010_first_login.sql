-- First login (seed 001): "You will first be asked to answer security questions, update your
-- contact preferences and agree to your Appropriate Bodies privacy policy if they have one."
-- Mirrored in migrations/sqlite.
CREATE TABLE account_setup (
    user_id UUID PRIMARY KEY NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    security_question TEXT,
    security_answer_hash TEXT,
    remind_by_email BOOLEAN NOT NULL,
    news_by_email BOOLEAN NOT NULL,
    completed_at TIMESTAMPTZ NOT NULL
);

-- Which version of the AB's privacy policy each person accepted, and their consents.
CREATE TABLE privacy_acceptances (
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    policy_version TEXT NOT NULL,
    consents TEXT NOT NULL,
    accepted_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, policy_version)
);

-- A session that must finish the first-login steps before anything else.
ALTER TABLE sessions ADD COLUMN setup_required BOOLEAN NOT NULL DEFAULT FALSE;
