-- The induction engine's records: term calendars, AB settings, inductions with their contracts and
-- absences, and reports (the engine's plan, materialised). Mirrored in migrations/postgres.

-- An AB's term dates (scope 'ab'), or a school's own (scope = the school's id), as JSON terms.
CREATE TABLE term_calendars (
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    scope TEXT NOT NULL,
    terms TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, scope)
);

CREATE TABLE ab_settings (
    tenant_id BLOB PRIMARY KEY NOT NULL REFERENCES tenants(id),
    due_school_days_before_end INTEGER,
    fixed_due_dates TEXT NOT NULL,
    due_window_school_days INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE inductions (
    id BLOB PRIMARY KEY NOT NULL,
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    ect_user_id BLOB NOT NULL REFERENCES users(id),
    induction_type TEXT NOT NULL,
    start_date TEXT NOT NULL,
    reduction_terms TEXT NOT NULL,
    previous_fte_terms TEXT NOT NULL,
    leaving_date TEXT,
    created_at TEXT NOT NULL,
    CONSTRAINT inductions_ect_key UNIQUE (tenant_id, ect_user_id)
);

CREATE TABLE contracts (
    id BLOB PRIMARY KEY NOT NULL,
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    induction_id BLOB NOT NULL REFERENCES inductions(id),
    school_id BLOB NOT NULL REFERENCES schools(id),
    start_date TEXT NOT NULL,
    end_date TEXT,
    days_per_week_halves INTEGER NOT NULL,
    contract_type TEXT NOT NULL
);
CREATE INDEX contracts_induction_idx ON contracts (tenant_id, induction_id);

CREATE TABLE absences (
    id BLOB PRIMARY KEY NOT NULL,
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    induction_id BLOB NOT NULL REFERENCES inductions(id),
    absent_on TEXT NOT NULL,
    half_days INTEGER NOT NULL,
    family_leave INTEGER NOT NULL
);
CREATE INDEX absences_induction_idx ON absences (tenant_id, induction_id);

-- Reports as the engine planned them. Completed reports are never rewritten; the rest are
-- replaced whenever the plan is recomputed.
CREATE TABLE reports (
    id BLOB PRIMARY KEY NOT NULL,
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    induction_id BLOB NOT NULL REFERENCES inductions(id),
    number INTEGER NOT NULL,
    kind TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    due_date TEXT,
    absence_extension INTEGER NOT NULL,
    completed_at TEXT,
    CONSTRAINT reports_number_key UNIQUE (tenant_id, induction_id, number)
);
CREATE INDEX reports_due_idx ON reports (tenant_id, due_date);
