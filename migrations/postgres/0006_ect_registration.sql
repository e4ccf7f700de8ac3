-- ECT registration (seed 001 step 5), transfers (seed 002), the ECT's own details (seed 000),
-- tutors and mentors, and leaver notices (seed 003). Mirrored in migrations/sqlite.

-- What the school submitted, as the JSON the head teacher signed; the TRN and name are copied out
-- for the duplicate rule and for search. One open registration per TRN in an AB.
CREATE TABLE ect_registrations (
    id UUID PRIMARY KEY NOT NULL,
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    school_id UUID NOT NULL REFERENCES schools(id),
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    trn TEXT NOT NULL,
    ect_name TEXT NOT NULL,
    details TEXT NOT NULL,
    ect_user_id UUID REFERENCES users(id),
    registered_by UUID NOT NULL REFERENCES users(id),
    registered_at TIMESTAMPTZ NOT NULL,
    head_signed_by UUID REFERENCES users(id),
    head_signed_at TIMESTAMPTZ,
    signature_hash TEXT,
    decided_by UUID REFERENCES users(id),
    decided_at TIMESTAMPTZ,
    rejection_reason TEXT,
    decision_note TEXT
);
CREATE INDEX ect_registrations_tenant_idx ON ect_registrations (tenant_id, status);
CREATE UNIQUE INDEX ect_registrations_open_trn_key ON ect_registrations (tenant_id, trn)
    WHERE status IN ('awaiting_head_signature', 'awaiting_ab');

-- An ECT's personal, training and qualification details. DOB and TRN are locked once verified.
CREATE TABLE ect_profiles (
    user_id UUID PRIMARY KEY NOT NULL REFERENCES users(id),
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    trn TEXT NOT NULL,
    date_of_birth DATE NOT NULL,
    home_address TEXT NOT NULL,
    itt_provider TEXT NOT NULL,
    qts_date DATE,
    subjects TEXT NOT NULL,
    age_range TEXT NOT NULL,
    training_programme TEXT NOT NULL,
    verified_at TIMESTAMPTZ,
    CONSTRAINT ect_profiles_trn_key UNIQUE (tenant_id, trn)
);

-- Mentors are recorded, never given logins (seed 001).
CREATE TABLE mentors (
    id UUID PRIMARY KEY NOT NULL,
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    school_id UUID NOT NULL REFERENCES schools(id),
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    start_term TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX mentors_school_idx ON mentors (tenant_id, school_id);

-- Who tutors and mentors an ECT at each school they work at.
CREATE TABLE ect_assignments (
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    induction_id UUID NOT NULL REFERENCES inductions(id),
    school_id UUID NOT NULL REFERENCES schools(id),
    tutor_user_id UUID REFERENCES users(id),
    mentor_id UUID REFERENCES mentors(id),
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (induction_id, school_id)
);

-- The leaver form (seed 003 / docs/induction-rules.md 2.13), on the AB's task list until dealt with.
CREATE TABLE leaver_notices (
    id UUID PRIMARY KEY NOT NULL,
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    induction_id UUID NOT NULL REFERENCES inductions(id),
    school_id UUID NOT NULL REFERENCES schools(id),
    leaving_date DATE NOT NULL,
    reason TEXT NOT NULL,
    moving TEXT NOT NULL,
    new_school TEXT NOT NULL,
    new_school_address TEXT NOT NULL,
    new_ab TEXT NOT NULL,
    recorded_by UUID NOT NULL REFERENCES users(id),
    recorded_at TIMESTAMPTZ NOT NULL,
    acknowledged_by UUID REFERENCES users(id),
    acknowledged_at TIMESTAMPTZ
);
CREATE INDEX leaver_notices_tenant_idx ON leaver_notices (tenant_id, acknowledged_at);
