//! The mail outbox and the demo mailbox.
//!
//! A message is written in the same transaction as the change that causes it. Workers lease rows
//! (`locked_until`, `lease_token`) and only the lease holder may mark a row sent or failed, so two
//! processes never both send a message, and a process that dies mid-send leaves a row that another
//! takes once the lease runs out (at worst one resend, with the same Message-ID).

use chrono::{DateTime, Utc};
use induct_domain::TenantId;
use uuid::Uuid;

use super::{Result, Store, Tx, dialect, map_err, with_pool, with_tx};

#[derive(Clone, Debug)]
pub struct NewMail {
    pub tenant: Option<TenantId>,
    /// What caused it, e.g. `account_locked` (for the operator's view; never content).
    pub kind: String,
    pub to_address: String,
    pub to_name: String,
    pub from_address: String,
    pub from_name: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    /// After this the message is dropped, not sent stale (codes and links that have expired).
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct OutboxRow {
    pub id: Uuid,
    pub tenant_id: Option<Uuid>,
    pub message_id: String,
    pub kind: String,
    pub to_address: String,
    pub to_name: String,
    pub from_address: String,
    pub from_name: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    /// `email` or `sms`.
    pub channel: String,
}

/// A text message to queue (the outbox carries them beside mail: same leases, retries, expiry).
#[derive(Clone, Debug)]
pub struct NewSms {
    pub tenant: Option<TenantId>,
    pub kind: String,
    /// The number in national form (`07700900123`).
    pub to_mobile: String,
    pub to_name: String,
    /// Who it says it is from (the AB's name), for the operator's view and the demo mailbox.
    pub from_name: String,
    pub body: String,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct DemoMailRow {
    pub id: Uuid,
    pub outbox_id: Uuid,
    pub message_id: String,
    pub tenant_id: Option<Uuid>,
    pub to_address: String,
    pub subject: String,
    pub body_text: String,
    pub delivered_at: DateTime<Utc>,
}

macro_rules! columns {
    () => {
        "id, tenant_id, message_id, kind, to_address, to_name, from_address, from_name, subject, body_text,
         body_html, status, attempts, next_attempt_at, last_error, created_at, sent_at, expires_at, channel"
    };
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct OutboxCounts {
    pub pending: i64,
    pub sent: i64,
    pub failed: i64,
}

impl Store {
    /// Queues a message inside the caller's transaction. Returns its Message-ID.
    pub async fn enqueue_mail(
        &self,
        tx: &mut Tx,
        m: &NewMail,
        message_domain: &str,
        now: DateTime<Utc>,
    ) -> Result<String> {
        // Time-ordered (v7) ids, so that `ORDER BY created_at, id` is the order messages were
        // queued in, even within one second.
        let id = Uuid::now_v7();
        let message_id = format!("<{id}@{message_domain}>");
        with_tx!(tx, c => sqlx::query(
            "INSERT INTO outbox (id, tenant_id, message_id, kind, to_address, to_name, from_address, from_name, subject,
                                 body_text, body_html, status, attempts, next_attempt_at, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending', 0, $12, $12, $13)")
            .bind(id).bind(m.tenant.map(|t| t.0)).bind(&message_id).bind(&m.kind).bind(&m.to_address)
            .bind(&m.to_name).bind(&m.from_address).bind(&m.from_name).bind(&m.subject).bind(&m.body_text)
            .bind(&m.body_html).bind(now).bind(m.expires_at)
            .execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(message_id)
    }

    /// Queues a text message inside the caller's transaction. Returns its id (the provider's
    /// reference).
    pub async fn enqueue_sms(&self, tx: &mut Tx, m: &NewSms, message_domain: &str, now: DateTime<Utc>) -> Result<Uuid> {
        let id = Uuid::now_v7();
        let message_id = format!("<{id}@{message_domain}>");
        with_tx!(tx, c => sqlx::query(
            "INSERT INTO outbox (id, tenant_id, message_id, kind, to_address, to_name, from_address, from_name, subject,
                                 body_text, body_html, status, attempts, next_attempt_at, created_at, expires_at, channel)
             VALUES ($1, $2, $3, $4, $5, $6, '', $7, $8, $9, NULL, 'pending', 0, $10, $10, $11, 'sms')")
            .bind(id).bind(m.tenant.map(|t| t.0)).bind(&message_id).bind(&m.kind).bind(&m.to_mobile)
            .bind(&m.to_name).bind(&m.from_name).bind(format!("Text message from {}", m.from_name)).bind(&m.body)
            .bind(now).bind(m.expires_at)
            .execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(id)
    }

    /// Leases up to `limit` due messages to the worker holding `token`, oldest first.
    pub async fn claim_due_mail(
        &self,
        token: Uuid,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<OutboxRow>> {
        let ids = self.claim_ids(dialect::claim_outbox(self.backend()), token, now, lease_until, limit).await?;
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let sql = concat!(
            "SELECT ",
            columns!(),
            " FROM outbox WHERE lease_token = $1 AND status = 'pending' ORDER BY created_at, id"
        );
        let mut rows = with_pool!(self, p => sqlx::query_as::<_, OutboxRow>(sql).bind(token).fetch_all(p).await)
            .map_err(map_err)?;
        rows.retain(|r| ids.contains(&r.id));
        Ok(rows)
    }

    /// Marks a leased message sent. False if the lease was lost (another worker owns it now).
    pub async fn mark_mail_sent(&self, id: Uuid, token: Uuid, now: DateTime<Utc>) -> Result<bool> {
        let done = with_pool!(self, p => sqlx::query(
            "UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1, locked_until = NULL, last_error = NULL,
                body_text = CASE WHEN kind IN ('password_reset', 'set_password', 'login_code', 'mobile_code') THEN '[removed after delivery: it held a secret]' ELSE body_text END,
                body_html = CASE WHEN kind IN ('password_reset', 'set_password', 'login_code', 'mobile_code') THEN NULL ELSE body_html END
             WHERE id = $2 AND lease_token = $3 AND status = 'pending'")
            .bind(now).bind(id).bind(token).execute(p).await.map(|r| r.rows_affected()))
            .map_err(map_err)?;
        Ok(done == 1)
    }

    /// Records a failed attempt: tried again at `retry_at`, or failed for good when `retry_at` is None.
    pub async fn mark_mail_attempt_failed(
        &self,
        id: Uuid,
        token: Uuid,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<bool> {
        let error = super::audit_truncate(error, 500);
        let done = match retry_at {
            Some(at) => with_pool!(self, p => sqlx::query(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, locked_until = NULL, last_error = $2
                 WHERE id = $3 AND lease_token = $4 AND status = 'pending'")
                .bind(at).bind(error).bind(id).bind(token).execute(p).await.map(|r| r.rows_affected())),
            None => with_pool!(self, p => sqlx::query(
                "UPDATE outbox SET status = 'failed', attempts = attempts + 1, locked_until = NULL, last_error = $1
                 WHERE id = $2 AND lease_token = $3 AND status = 'pending'")
                .bind(error).bind(id).bind(token).execute(p).await.map(|r| r.rows_affected())),
        }
        .map_err(map_err)?;
        Ok(done == 1)
    }

    /// Marks a message that expired before it could be sent (never sent stale).
    pub async fn mark_mail_expired(&self, id: Uuid, token: Uuid) -> Result<bool> {
        let done = with_pool!(self, p => sqlx::query(
            "UPDATE outbox SET status = 'failed', locked_until = NULL, last_error = 'expired before delivery'
             WHERE id = $1 AND lease_token = $2 AND status = 'pending'")
            .bind(id).bind(token).execute(p).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(done == 1)
    }

    pub async fn list_outbox(&self, limit: i64) -> Result<Vec<OutboxRow>> {
        let sql = concat!("SELECT ", columns!(), " FROM outbox ORDER BY created_at DESC, id LIMIT $1");
        with_pool!(self, p => sqlx::query_as::<_, OutboxRow>(sql).bind(limit).fetch_all(p).await).map_err(map_err)
    }

    /// An AB's mail, newest first (its page: what was sent to whom and when, and what failed).
    pub async fn list_outbox_of_tenant(
        &self,
        tenant: TenantId,
        failed_only: bool,
        limit: i64,
    ) -> Result<Vec<OutboxRow>> {
        let sql = concat!(
            "SELECT ",
            columns!(),
            " FROM outbox WHERE tenant_id = $1 AND ($2 = FALSE OR status = 'failed') ORDER BY created_at DESC, id LIMIT $3"
        );
        with_pool!(self, p => sqlx::query_as::<_, OutboxRow>(sql).bind(tenant.0).bind(failed_only).bind(limit).fetch_all(p).await)
            .map_err(map_err)
    }

    /// Queues a copy of one of an AB's messages to go again (a new Message-ID: it is a new
    /// message). Messages that held a link or a code are never copied: the person asks for a
    /// new one. Returns the new row's id, or None when there is nothing that may be resent.
    pub async fn resend_mail(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        id: Uuid,
        message_domain: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Uuid>> {
        let new_id = Uuid::now_v7();
        let message_id = format!("<{new_id}@{message_domain}>");
        let n = with_tx!(tx, c => sqlx::query(
            "INSERT INTO outbox (id, tenant_id, message_id, kind, to_address, to_name, from_address, from_name, subject,
                                 body_text, body_html, status, attempts, next_attempt_at, created_at, expires_at, channel)
             SELECT $1, tenant_id, $2, kind, to_address, to_name, from_address, from_name, subject, body_text, body_html,
                    'pending', 0, $3, $3, NULL, channel
             FROM outbox
             WHERE id = $4 AND tenant_id = $5 AND status IN ('sent', 'failed')
               AND kind NOT IN ('password_reset', 'set_password', 'login_code', 'mobile_code')")
            .bind(new_id).bind(&message_id).bind(now).bind(id).bind(tenant.0)
            .execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok((n == 1).then_some(new_id))
    }

    pub async fn outbox_counts(&self) -> Result<OutboxCounts> {
        let rows: Vec<(String, i64)> = with_pool!(self, p => sqlx::query_as::<_, (String, i64)>(
            "SELECT status, COUNT(*) FROM outbox GROUP BY status").fetch_all(p).await)
        .map_err(map_err)?;
        let mut c = OutboxCounts::default();
        for (status, n) in rows {
            match status.as_str() {
                "pending" => c.pending = n,
                "sent" => c.sent = n,
                "failed" => c.failed = n,
                _ => {}
            }
        }
        Ok(c)
    }

    /// The next time a pending message becomes due (so an idle worker knows when to look again).
    pub async fn next_mail_due_at(&self) -> Result<Option<DateTime<Utc>>> {
        with_pool!(self, p => sqlx::query_scalar::<_, Option<DateTime<Utc>>>(
            "SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending'").fetch_one(p).await)
        .map_err(map_err)
    }

    /// The demo transport's delivery: idempotent per outbox row, so a resend after a lost lease
    /// does not show the message twice.
    pub async fn deliver_to_demo_mailbox(&self, row: &OutboxRow, now: DateTime<Utc>) -> Result<()> {
        with_pool!(self, p => sqlx::query(
            "INSERT INTO demo_mailbox (id, outbox_id, message_id, tenant_id, to_address, subject, body_text, delivered_at)
             SELECT $1, $2, $3, $4, $5, $6, $7, $8
             WHERE NOT EXISTS (SELECT 1 FROM demo_mailbox WHERE outbox_id = $2)")
            .bind(Uuid::new_v4()).bind(row.id).bind(&row.message_id).bind(row.tenant_id).bind(&row.to_address)
            .bind(&row.subject).bind(&row.body_text).bind(now)
            .execute(p).await.map(|r| r.rows_affected()))
            .map_err(map_err)?;
        Ok(())
    }

    pub async fn list_demo_mailbox(&self, limit: i64) -> Result<Vec<DemoMailRow>> {
        with_pool!(self, p => sqlx::query_as::<_, DemoMailRow>(
            "SELECT id, outbox_id, message_id, tenant_id, to_address, subject, body_text, delivered_at
             FROM demo_mailbox ORDER BY delivered_at DESC, id LIMIT $1")
            .bind(limit).fetch_all(p).await)
        .map_err(map_err)
    }

    pub async fn get_demo_mail(&self, id: Uuid) -> Result<Option<DemoMailRow>> {
        with_pool!(self, p => sqlx::query_as::<_, DemoMailRow>(
            "SELECT id, outbox_id, message_id, tenant_id, to_address, subject, body_text, delivered_at
             FROM demo_mailbox WHERE id = $1")
            .bind(id).fetch_optional(p).await)
        .map_err(map_err)
    }
}
