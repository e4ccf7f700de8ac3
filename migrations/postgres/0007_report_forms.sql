-- Report forms (seed 003): the form of each planned report, keyed by induction and report number
-- (report rows are re-planned; the form stays with its number), its answers one row per field
-- (autosave writes one field at a time), signatures with the exact content signed, uploaded
-- support plans, and the alerts schools raise with the AB. Mirrored in migrations/sqlite.

CREATE TABLE report_forms (
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    induction_id UUID NOT NULL REFERENCES inductions(id),
    number INTEGER NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    version INTEGER NOT NULL,
    released_at TIMESTAMPTZ,
    submitted_at TIMESTAMPTZ,
    accepted_at TIMESTAMPTZ,
    decided_by UUID REFERENCES users(id),
    returned_at TIMESTAMPTZ,
    ab_comment TEXT,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, induction_id, number)
);
CREATE INDEX report_forms_status_idx ON report_forms (tenant_id, status);

CREATE TABLE report_answers (
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    induction_id UUID NOT NULL REFERENCES inductions(id),
    number INTEGER NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_by UUID NOT NULL REFERENCES users(id),
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, induction_id, number, field)
);

CREATE TABLE report_signatures (
    id UUID PRIMARY KEY NOT NULL,
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    induction_id UUID NOT NULL REFERENCES inductions(id),
    number INTEGER NOT NULL,
    version INTEGER NOT NULL,
    signer TEXT NOT NULL,
    user_id UUID NOT NULL REFERENCES users(id),
    signed_at TIMESTAMPTZ NOT NULL,
    ip TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    content TEXT NOT NULL,
    cleared_at TIMESTAMPTZ
);
CREATE INDEX report_signatures_report_idx ON report_signatures (tenant_id, induction_id, number);

CREATE TABLE report_files (
    id UUID PRIMARY KEY NOT NULL,
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    induction_id UUID NOT NULL REFERENCES inductions(id),
    number INTEGER NOT NULL,
    purpose TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BYTEA NOT NULL,
    uploaded_by UUID NOT NULL REFERENCES users(id),
    uploaded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX report_files_report_idx ON report_files (tenant_id, induction_id, number);

-- Seed 003 "ECT Alerts": a school tells the AB of a concern.
CREATE TABLE alerts (
    id UUID PRIMARY KEY NOT NULL,
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    school_id UUID NOT NULL REFERENCES schools(id),
    ect_user_id UUID NOT NULL REFERENCES users(id),
    raised_by UUID NOT NULL REFERENCES users(id),
    message TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX alerts_tenant_idx ON alerts (tenant_id, status);

-- When the session's user last proved who they are (login or re-entering the password to sign).
ALTER TABLE sessions ADD COLUMN authenticated_at TIMESTAMPTZ;

-- docs/induction-rules.md 2.7: some ABs want the head teacher to sign progress reviews too.
ALTER TABLE ab_settings ADD COLUMN head_signs_progress_reviews BOOLEAN NOT NULL DEFAULT FALSE;
