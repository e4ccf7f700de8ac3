-- Foundation: tenants (appropriate bodies), schools, users, sessions, login counters, audit log, mail outbox.
-- Mirrored in migrations/sqlite/0001_foundation.sql. Timestamps are stored at whole seconds and
-- always compared with values the app passes in (never the database's own clock).

CREATE TABLE tenants (
    id UUID PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    theme TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    mail_from_address TEXT NOT NULL,
    mail_from_name TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE schools (
    id UUID PRIMARY KEY,
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    name TEXT NOT NULL,
    urn TEXT NOT NULL,
    address TEXT NOT NULL,
    postcode TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT schools_tenant_urn_key UNIQUE (tenant_id, urn)
);
CREATE INDEX schools_tenant_idx ON schools (tenant_id, name);

CREATE TABLE users (
    id UUID PRIMARY KEY,
    tenant_id UUID REFERENCES tenants(id),
    username TEXT NOT NULL,
    role TEXT NOT NULL,
    display_name TEXT NOT NULL,
    email TEXT NOT NULL,
    password_hash TEXT,
    password_changed_at TIMESTAMPTZ,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT users_username_key UNIQUE (username)
);
CREATE INDEX users_tenant_idx ON users (tenant_id);

CREATE TABLE school_memberships (
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    school_id UUID NOT NULL REFERENCES schools(id),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, school_id)
);
CREATE INDEX school_memberships_school_idx ON school_memberships (tenant_id, school_id);

-- The session id itself is never stored: only its SHA-256.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY NOT NULL,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    tenant_id UUID REFERENCES tenants(id),
    created_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_last_seen_idx ON sessions (last_seen_at);

-- Failed-login counters: per account (whether or not it exists), per address and username, per address.
CREATE TABLE login_locks (
    scope TEXT NOT NULL,
    lock_key TEXT NOT NULL,
    failures INTEGER NOT NULL,
    window_start TIMESTAMPTZ NOT NULL,
    locked_until TIMESTAMPTZ,
    hard_locked BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (scope, lock_key)
);

-- Append-only from the app's point of view: the store has no update or delete for it.
CREATE TABLE audit_events (
    id UUID PRIMARY KEY,
    tenant_id UUID REFERENCES tenants(id),
    occurred_at TIMESTAMPTZ NOT NULL,
    event TEXT NOT NULL,
    actor_user_id UUID,
    subject TEXT,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    factor TEXT,
    detail TEXT
);
CREATE INDEX audit_events_tenant_idx ON audit_events (tenant_id, occurred_at);

-- Transactional outbox: rows are written in the same transaction as the change that causes them.
CREATE TABLE outbox (
    id UUID PRIMARY KEY,
    tenant_id UUID REFERENCES tenants(id),
    message_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    to_address TEXT NOT NULL,
    to_name TEXT NOT NULL,
    from_address TEXT NOT NULL,
    from_name TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    locked_until TIMESTAMPTZ,
    lease_token UUID,
    last_error TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    sent_at TIMESTAMPTZ,
    expires_at TIMESTAMPTZ
);
CREATE INDEX outbox_due_idx ON outbox (status, next_attempt_at);

-- Where the demo transport delivers: the platform operator reads these in the app.
CREATE TABLE demo_mailbox (
    id UUID PRIMARY KEY,
    outbox_id UUID NOT NULL,
    message_id TEXT NOT NULL,
    tenant_id UUID,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    delivered_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX demo_mailbox_delivered_idx ON demo_mailbox (delivered_at);
