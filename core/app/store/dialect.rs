//! The statements that differ between SQLite and PostgreSQL.

use super::Backend;

/// `UPDATE <table> SET locked_until = $1, lease_token = $2` on up to `$4` rows that are pending,
/// unleased or whose lease ran out by `$3`, and match `$extra`, oldest first; then the row lock
/// clause (`FOR UPDATE SKIP LOCKED` on PostgreSQL, as River and Oban do; nothing on SQLite, which
/// has one writer at a time, so the `UPDATE ... WHERE id IN (SELECT ...)` is atomic already).
macro_rules! claim {
    ($table:literal, $extra:literal, $lock:literal) => {
        concat!(
            "UPDATE ",
            $table,
            " SET locked_until = $1, lease_token = $2
             WHERE id IN (
                 SELECT id FROM ",
            $table,
            "
                 WHERE status = 'pending' ",
            $extra,
            "
                   AND (locked_until IS NULL OR locked_until <= $3)
                 ORDER BY created_at, id
                 LIMIT $4 ",
            $lock,
            ") RETURNING id"
        )
    };
}

/// Claims due outbox rows for one worker.
pub fn claim_outbox(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => claim!("outbox", "AND next_attempt_at <= $3", "FOR UPDATE SKIP LOCKED"),
        Backend::Sqlite => claim!("outbox", "AND next_attempt_at <= $3", ""),
    }
}

/// Claims pending notifications for one worker.
pub fn claim_notifications(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => claim!("notifications", "", "FOR UPDATE SKIP LOCKED"),
        Backend::Sqlite => claim!("notifications", "", ""),
    }
}

impl super::Store {
    /// Leases up to `limit` rows to the worker holding `token` with one of the claim statements
    /// above, and returns their ids (the outbox and the notifications lease alike).
    pub(crate) async fn claim_ids(
        &self,
        claim: &'static str,
        token: uuid::Uuid,
        now: chrono::DateTime<chrono::Utc>,
        lease_until: chrono::DateTime<chrono::Utc>,
        limit: i64,
    ) -> super::Result<Vec<uuid::Uuid>> {
        super::with_pool!(self, p => sqlx::query_scalar::<_, uuid::Uuid>(claim)
            .bind(lease_until).bind(token).bind(now).bind(limit).fetch_all(p).await)
        .map_err(super::map_err)
    }
}
