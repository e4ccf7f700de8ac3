-- Induction served before this AB (seed 000 "Previous Schools") and extensions the AB decided
-- (SG 3.8-3.10). Mirrored in migrations/postgres.

CREATE TABLE previous_schools (
    id BLOB PRIMARY KEY NOT NULL,
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    induction_id BLOB NOT NULL REFERENCES inductions(id),
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    appropriate_body TEXT NOT NULL,
    start_date TEXT NOT NULL,
    fte_terms TEXT NOT NULL,
    absence_half_days INTEGER NOT NULL
);
CREATE INDEX previous_schools_induction_idx ON previous_schools (tenant_id, induction_id);

CREATE TABLE induction_extensions (
    id BLOB PRIMARY KEY NOT NULL,
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    induction_id BLOB NOT NULL REFERENCES inductions(id),
    fte_terms TEXT NOT NULL,
    reason TEXT NOT NULL,
    decided_at TEXT NOT NULL
);
CREATE INDEX induction_extensions_induction_idx ON induction_extensions (tenant_id, induction_id);
