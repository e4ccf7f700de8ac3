-- Report forms (seed 003): the form of each planned report, keyed by induction and report number
-- (report rows are re-planned; the form stays with its number), its answers one row per field
-- (autosave writes one field at a time), signatures with the exact content signed, uploaded
-- support plans, and the alerts schools raise with the AB. Mirrored in migrations/postgres.

CREATE TABLE report_forms (
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    induction_id BLOB NOT NULL REFERENCES inductions(id),
    number INTEGER NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    version INTEGER NOT NULL,
    released_at TEXT,
    submitted_at TEXT,
    accepted_at TEXT,
    decided_by BLOB REFERENCES users(id),
    returned_at TEXT,
    ab_comment TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, induction_id, number)
);
CREATE INDEX report_forms_status_idx ON report_forms (tenant_id, status);

CREATE TABLE report_answers (
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    induction_id BLOB NOT NULL REFERENCES inductions(id),
    number INTEGER NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_by BLOB NOT NULL REFERENCES users(id),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, induction_id, number, field)
);

CREATE TABLE report_signatures (
    id BLOB PRIMARY KEY NOT NULL,
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    induction_id BLOB NOT NULL REFERENCES inductions(id),
    number INTEGER NOT NULL,
    version INTEGER NOT NULL,
    signer TEXT NOT NULL,
    user_id BLOB NOT NULL REFERENCES users(id),
    signed_at TEXT NOT NULL,
    ip TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    content TEXT NOT NULL,
    cleared_at TEXT
);
CREATE INDEX report_signatures_report_idx ON report_signatures (tenant_id, induction_id, number);

CREATE TABLE report_files (
    id BLOB PRIMARY KEY NOT NULL,
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    induction_id BLOB NOT NULL REFERENCES inductions(id),
    number INTEGER NOT NULL,
    purpose TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BLOB NOT NULL,
    uploaded_by BLOB NOT NULL REFERENCES users(id),
    uploaded_at TEXT NOT NULL
);
CREATE INDEX report_files_report_idx ON report_files (tenant_id, induction_id, number);

-- Seed 003 "ECT Alerts": a school tells the AB of a concern.
CREATE TABLE alerts (
    id BLOB PRIMARY KEY NOT NULL,
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    school_id BLOB NOT NULL REFERENCES schools(id),
    ect_user_id BLOB NOT NULL REFERENCES users(id),
    raised_by BLOB NOT NULL REFERENCES users(id),
    message TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX alerts_tenant_idx ON alerts (tenant_id, status);

-- When the session's user last proved who they are (login or re-entering the password to sign).
ALTER TABLE sessions ADD COLUMN authenticated_at TEXT;

-- docs/induction-rules.md 2.7: some ABs want the head teacher to sign progress reviews too.
ALTER TABLE ab_settings ADD COLUMN head_signs_progress_reviews INTEGER NOT NULL DEFAULT 0;
