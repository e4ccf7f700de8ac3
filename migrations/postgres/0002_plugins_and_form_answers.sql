-- Installed plugins (one active version per AB) and answers to plugin questions.
-- Mirrored in migrations/sqlite/0002_plugins_and_form_answers.sql.

CREATE TABLE plugins (
    id UUID PRIMARY KEY,
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    wit_version TEXT NOT NULL,
    hooks TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    wasm BYTEA NOT NULL,
    active BOOLEAN NOT NULL DEFAULT FALSE,
    installed_at TIMESTAMPTZ NOT NULL,
    installed_by TEXT NOT NULL
);
CREATE INDEX plugins_tenant_idx ON plugins (tenant_id, installed_at);

-- Answers to an AB's extra questions, stored with the form and the record they belong to. Kept
-- when the plugin is upgraded: they are keyed by question id, not by plugin version.
CREATE TABLE form_answers (
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    form TEXT NOT NULL,
    subject_id UUID NOT NULL,
    question_id TEXT NOT NULL,
    question_label TEXT NOT NULL,
    value TEXT NOT NULL,
    plugin_version TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by UUID NOT NULL,
    PRIMARY KEY (tenant_id, form, subject_id, question_id)
);
