-- The induction engine's records: term calendars, AB settings, inductions with their contracts and
-- absences, and reports (the engine's plan, materialised). Mirrored in migrations/sqlite.

-- An AB's term dates (scope 'ab'), or a school's own (scope = the school's id), as JSON terms.
CREATE TABLE term_calendars (
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    scope TEXT NOT NULL,
    terms TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, scope)
);

CREATE TABLE ab_settings (
    tenant_id UUID PRIMARY KEY REFERENCES tenants(id),
    due_school_days_before_end INTEGER,
    fixed_due_dates TEXT NOT NULL,
    due_window_school_days INTEGER NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE inductions (
    id UUID PRIMARY KEY,
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    ect_user_id UUID NOT NULL REFERENCES users(id),
    induction_type TEXT NOT NULL,
    start_date DATE NOT NULL,
    reduction_terms TEXT NOT NULL,
    previous_fte_terms TEXT NOT NULL,
    leaving_date DATE,
    created_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT inductions_ect_key UNIQUE (tenant_id, ect_user_id)
);

CREATE TABLE contracts (
    id UUID PRIMARY KEY,
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    induction_id UUID NOT NULL REFERENCES inductions(id),
    school_id UUID NOT NULL REFERENCES schools(id),
    start_date DATE NOT NULL,
    end_date DATE,
    days_per_week_halves INTEGER NOT NULL,
    contract_type TEXT NOT NULL
);
CREATE INDEX contracts_induction_idx ON contracts (tenant_id, induction_id);

CREATE TABLE absences (
    id UUID PRIMARY KEY,
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    induction_id UUID NOT NULL REFERENCES inductions(id),
    absent_on DATE NOT NULL,
    half_days INTEGER NOT NULL,
    family_leave BOOLEAN NOT NULL
);
CREATE INDEX absences_induction_idx ON absences (tenant_id, induction_id);

-- Reports as the engine planned them. Completed reports are never rewritten; the rest are
-- replaced whenever the plan is recomputed.
CREATE TABLE reports (
    id UUID PRIMARY KEY,
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    induction_id UUID NOT NULL REFERENCES inductions(id),
    number INTEGER NOT NULL,
    kind TEXT NOT NULL,
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    due_date DATE,
    absence_extension BOOLEAN NOT NULL,
    completed_at TIMESTAMPTZ,
    CONSTRAINT reports_number_key UNIQUE (tenant_id, induction_id, number)
);
CREATE INDEX reports_due_idx ON reports (tenant_id, due_date);
