//! The statements that differ between SQLite and PostgreSQL.

use super::Backend;

/// Claims due outbox rows for one worker. PostgreSQL skips rows another worker has locked
/// (`FOR UPDATE SKIP LOCKED`, as River and Oban do); SQLite has one writer at a time, so the
/// `UPDATE ... WHERE id IN (SELECT ...)` is atomic already.
pub fn claim_outbox(backend: Backend) -> &'static str {
    macro_rules! claim {
        ($lock:literal) => {
            concat!(
                "UPDATE outbox SET locked_until = $1, lease_token = $2
                 WHERE id IN (
                     SELECT id FROM outbox
                     WHERE status = 'pending' AND next_attempt_at <= $3
                       AND (locked_until IS NULL OR locked_until <= $3)
                     ORDER BY created_at, id
                     LIMIT $4 ",
                $lock,
                ") RETURNING id"
            )
        };
    }
    match backend {
        Backend::Postgres => claim!("FOR UPDATE SKIP LOCKED"),
        Backend::Sqlite => claim!(""),
    }
}

/// Claims pending notifications for one worker, like [`claim_outbox`].
pub fn claim_notifications(backend: Backend) -> &'static str {
    macro_rules! claim {
        ($lock:literal) => {
            concat!(
                "UPDATE notifications SET locked_until = $1, lease_token = $2
                 WHERE id IN (
                     SELECT id FROM notifications
                     WHERE status = 'pending' AND (locked_until IS NULL OR locked_until <= $3)
                     ORDER BY created_at, id
                     LIMIT $4 ",
                $lock,
                ") RETURNING id"
            )
        };
    }
    match backend {
        Backend::Postgres => claim!("FOR UPDATE SKIP LOCKED"),
        Backend::Sqlite => claim!(""),
    }
}
