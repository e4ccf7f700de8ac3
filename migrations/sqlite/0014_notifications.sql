-- Reminders and notifications (issue 8; seed 003; docs/induction-rules.md 2.12). Mirrored in migrations/postgres.
--
-- One row per thing to tell: a report's reminder on a day (subject = the induction, with the
-- report's number; occasion = the day), news of a report or registration (occasion = what
-- happened, e.g. the form's version), or the AB's weekly digest (occasion = the week's Monday).
-- The unique key makes the scan that writes reminders idempotent: any process may run it at any
-- time. Workers lease pending rows; turning a row into outbox mail and marking it done is one
-- transaction, so each is sent exactly once.
CREATE TABLE notifications (
    id BLOB PRIMARY KEY NOT NULL,
    tenant_id BLOB NOT NULL REFERENCES tenants(id),
    subject_kind TEXT NOT NULL,
    subject_id BLOB NOT NULL,
    report_number INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL,
    occasion TEXT NOT NULL,
    status TEXT NOT NULL,
    detail TEXT,
    locked_until TEXT,
    lease_token BLOB,
    created_at TEXT NOT NULL,
    processed_at TEXT,
    CONSTRAINT notifications_key UNIQUE (tenant_id, subject_kind, subject_id, report_number, kind, occasion)
);
CREATE INDEX notifications_pending_idx ON notifications (status, created_at);
CREATE INDEX notifications_tenant_idx ON notifications (tenant_id, created_at);

-- A school may pause reminders (DfE's service: `opted_out_of_reminder_emails_until`): none are
-- sent to its people for its ECTs until the end of this date.
ALTER TABLE schools ADD COLUMN reminders_paused_until TEXT;
