//! Reminders and notifications: what to tell whom, one row per thing to tell, unique per subject,
//! kind and occasion (a report's reminder on a day; news of a version; the AB's week). Workers
//! lease pending rows like the outbox's; finishing a row and queueing its mail is one transaction.

use chrono::{DateTime, NaiveDate, Utc};
use induct_domain::notices::NoticeKind;
use induct_domain::{SchoolId, TenantId};
use uuid::Uuid;

use super::{Result, Store, Tx, dialect, map_err, with_pool, with_tx};

/// What a notification is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// A report: the induction and the report's number (numbers survive re-planning; ids do not).
    Report {
        induction: Uuid,
        number: i32,
    },
    Registration(Uuid),
    /// The AB itself (the weekly digest).
    Ab,
}

pub struct NewNotification {
    pub tenant: TenantId,
    pub subject: Subject,
    pub kind: NoticeKind,
    /// The day of a reminder or digest (`YYYY-MM-DD`), or what happened (`v3`, `signed`).
    pub occasion: String,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct NotificationRow {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub subject_kind: String,
    pub subject_id: Uuid,
    pub report_number: i32,
    pub kind: String,
    pub occasion: String,
    pub status: String,
    pub detail: Option<String>,
    pub created_at: DateTime<Utc>,
    pub processed_at: Option<DateTime<Utc>>,
}

impl NotificationRow {
    pub fn subject(&self) -> Subject {
        match self.subject_kind.as_str() {
            "report" => Subject::Report { induction: self.subject_id, number: self.report_number },
            "registration" => Subject::Registration(self.subject_id),
            _ => Subject::Ab,
        }
    }
}

/// A listed notification with the name it concerns, for the AB's page.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct NotificationListRow {
    pub id: Uuid,
    pub subject_kind: String,
    pub report_number: i32,
    pub kind: String,
    pub occasion: String,
    pub status: String,
    pub detail: Option<String>,
    pub created_at: DateTime<Utc>,
    pub processed_at: Option<DateTime<Utc>>,
    pub ect_name: Option<String>,
}

/// An open report with a due date, and its form's stage, for the reminder scan.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ReminderCandidate {
    pub tenant_id: Uuid,
    pub induction_id: Uuid,
    pub number: i32,
    pub due_date: NaiveDate,
    pub status: Option<String>,
}

/// A school an induction has a current contract at, and the school's reminder pause.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CurrentSchoolRow {
    pub induction_id: Uuid,
    pub school_id: Uuid,
    pub reminders_paused_until: Option<NaiveDate>,
}

fn subject_columns(s: Subject, tenant: TenantId) -> (&'static str, Uuid, i32) {
    match s {
        Subject::Report { induction, number } => ("report", induction, number),
        Subject::Registration(id) => ("registration", id, 0),
        Subject::Ab => ("ab", tenant.0, 0),
    }
}

impl Store {
    /// Records something to tell, once: false when it was recorded already (the scan runs again
    /// and again; an event may be retried).
    pub async fn add_notification(&self, tx: &mut Tx, n: &NewNotification, now: DateTime<Utc>) -> Result<bool> {
        let (subject_kind, subject_id, number) = subject_columns(n.subject, n.tenant);
        let added = with_tx!(tx, c => sqlx::query(
            "INSERT INTO notifications (id, tenant_id, subject_kind, subject_id, report_number, kind, occasion, status, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8)
             ON CONFLICT (tenant_id, subject_kind, subject_id, report_number, kind, occasion) DO NOTHING")
            .bind(Uuid::now_v7()).bind(n.tenant.0).bind(subject_kind).bind(subject_id).bind(number)
            .bind(n.kind.as_str()).bind(&n.occasion).bind(now)
            .execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(added == 1)
    }

    /// The reminders already written for days from `from` on, as (induction, number, kind, day):
    /// the scan skips them without a write each (it runs every few minutes in every process).
    pub async fn reminder_keys_since(
        &self,
        from: NaiveDate,
    ) -> Result<std::collections::HashSet<(Uuid, i32, String, String)>> {
        let rows: Vec<(Uuid, i32, String, String)> =
            with_pool!(self, p => sqlx::query_as::<_, (Uuid, i32, String, String)>(
            "SELECT subject_id, report_number, kind, occasion FROM notifications
             WHERE subject_kind = 'report' AND occasion >= $1
               AND kind IN ('due_in_a_week', 'due_tomorrow', 'due_today', 'overdue', 'overdue_weekly')")
            .bind(from.to_string()).fetch_all(p).await)
            .map_err(map_err)?;
        Ok(rows.into_iter().collect())
    }

    /// Open reports due on or before `horizon`, with their form's stage (none: not started).
    pub async fn reminder_candidates(&self, horizon: NaiveDate) -> Result<Vec<ReminderCandidate>> {
        with_pool!(self, p => sqlx::query_as::<_, ReminderCandidate>(
            "SELECT r.tenant_id, r.induction_id, r.number, r.due_date, f.status
             FROM reports r
             LEFT JOIN report_forms f ON f.tenant_id = r.tenant_id AND f.induction_id = r.induction_id AND f.number = r.number
             WHERE r.completed_at IS NULL AND r.due_date IS NOT NULL AND r.due_date <= $1")
            .bind(horizon).fetch_all(p).await)
        .map_err(map_err)
    }

    /// Every induction's schools with a contract on `today`, with their pauses.
    pub async fn current_schools(&self, today: NaiveDate) -> Result<Vec<CurrentSchoolRow>> {
        with_pool!(self, p => sqlx::query_as::<_, CurrentSchoolRow>(
            "SELECT c.induction_id, c.school_id, s.reminders_paused_until
             FROM contracts c JOIN schools s ON s.id = c.school_id AND s.tenant_id = c.tenant_id
             WHERE c.start_date <= $1 AND (c.end_date IS NULL OR c.end_date >= $1)")
            .bind(today).fetch_all(p).await)
        .map_err(map_err)
    }

    /// Leases up to `limit` pending notifications to the worker holding `token`, oldest first.
    pub async fn claim_notifications(
        &self,
        token: Uuid,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<NotificationRow>> {
        let ids = self.claim_ids(dialect::claim_notifications(self.backend()), token, now, lease_until, limit).await?;
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut rows = with_pool!(self, p => sqlx::query_as::<_, NotificationRow>(
            "SELECT id, tenant_id, subject_kind, subject_id, report_number, kind, occasion, status, detail, created_at, processed_at
             FROM notifications WHERE lease_token = $1 AND status = 'pending' ORDER BY created_at, id")
            .bind(token).fetch_all(p).await)
        .map_err(map_err)?;
        rows.retain(|r| ids.contains(&r.id));
        Ok(rows)
    }

    /// Finishes a leased notification (`sent` or `skipped`, with why). False if the lease was lost
    /// or another worker finished it: the caller then queues nothing.
    pub async fn finish_notification(
        &self,
        tx: &mut Tx,
        id: Uuid,
        token: Uuid,
        status: &str,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let n = with_tx!(tx, c => sqlx::query(
            "UPDATE notifications SET status = $1, detail = $2, processed_at = $3, locked_until = NULL
             WHERE id = $4 AND lease_token = $5 AND status = 'pending'")
            .bind(status).bind(detail).bind(now).bind(id).bind(token).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(n == 1)
    }

    /// Whether a later reminder of the same report waits too (after a gap, only the newest goes).
    pub async fn newer_reminder_pending(&self, row: &NotificationRow) -> Result<bool> {
        let n = with_pool!(self, p => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM notifications
             WHERE tenant_id = $1 AND subject_kind = 'report' AND subject_id = $2 AND report_number = $3
               AND status = 'pending' AND occasion > $4
               AND kind IN ('due_in_a_week', 'due_tomorrow', 'due_today', 'overdue', 'overdue_weekly')")
            .bind(row.tenant_id).bind(row.subject_id).bind(row.report_number).bind(&row.occasion).fetch_one(p).await)
        .map_err(map_err)?;
        Ok(n > 0)
    }

    /// The AB's notifications, newest first, with the ECT each report notice is about.
    pub async fn list_notifications(&self, tenant: TenantId, limit: i64) -> Result<Vec<NotificationListRow>> {
        with_pool!(self, p => sqlx::query_as::<_, NotificationListRow>(
            "SELECT n.id, n.subject_kind, n.report_number, n.kind, n.occasion, n.status, n.detail, n.created_at, n.processed_at,
                    COALESCE(u.display_name, g.ect_name) AS ect_name
             FROM notifications n
             LEFT JOIN inductions i ON n.subject_kind = 'report' AND i.id = n.subject_id AND i.tenant_id = n.tenant_id
             LEFT JOIN users u ON u.id = i.ect_user_id
             LEFT JOIN ect_registrations g ON n.subject_kind = 'registration' AND g.id = n.subject_id AND g.tenant_id = n.tenant_id
             WHERE n.tenant_id = $1
             ORDER BY n.created_at DESC, n.id LIMIT $2")
            .bind(tenant.0).bind(limit).fetch_all(p).await)
        .map_err(map_err)
    }

    /// A school's reminder pause (seed: DfE's `opted_out_of_reminder_emails_until`).
    pub async fn set_reminders_paused_until(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        school: SchoolId,
        until: Option<NaiveDate>,
    ) -> Result<bool> {
        let n = with_tx!(tx, c => sqlx::query("UPDATE schools SET reminders_paused_until = $3 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0).bind(school.0).bind(until).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(n == 1)
    }

    pub async fn reminders_paused_until(&self, tenant: TenantId, school: SchoolId) -> Result<Option<NaiveDate>> {
        with_pool!(self, p => sqlx::query_scalar::<_, Option<NaiveDate>>(
            "SELECT reminders_paused_until FROM schools WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0).bind(school.0).fetch_optional(p).await)
        .map(Option::flatten)
        .map_err(map_err)
    }
}
