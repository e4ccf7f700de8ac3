//! Failed-login counters (see `induct_domain::lockout`). They live in the database so that every
//! app process sees the same counts.

use chrono::{DateTime, Utc};
use induct_domain::lockout::LockState;
use induct_domain::throttle::LockScope;

use super::{Result, Store, Tx, map_err, with_pool, with_tx};

#[derive(sqlx::FromRow)]
struct LockRow {
    failures: i32,
    window_start: DateTime<Utc>,
    locked_until: Option<DateTime<Utc>>,
    hard_locked: bool,
}

impl From<LockRow> for LockState {
    fn from(r: LockRow) -> Self {
        LockState {
            failures: r.failures.max(0) as u32,
            window_start: r.window_start,
            locked_until: r.locked_until,
            hard_locked: r.hard_locked,
        }
    }
}

impl Store {
    /// Reads a counter without locking it.
    pub async fn get_lock(&self, scope: LockScope, key: &str, now: DateTime<Utc>) -> Result<LockState> {
        let row = with_pool!(self, p => sqlx::query_as::<_, LockRow>(
            "SELECT failures, window_start, locked_until, hard_locked FROM login_locks WHERE scope = $1 AND lock_key = $2")
            .bind(scope.as_str()).bind(key).fetch_optional(p).await)
            .map_err(map_err)?;
        Ok(row.map(LockState::from).unwrap_or_else(|| LockState::fresh(now)))
    }

    /// Reads a counter and holds its row until the transaction ends: the upsert takes the row
    /// lock (PostgreSQL) or the write lock (SQLite), so concurrent failures are counted one by one.
    pub async fn lock_counter_for_update(
        &self,
        tx: &mut Tx,
        scope: LockScope,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<LockState> {
        let row = with_tx!(tx, c => sqlx::query_as::<_, LockRow>(
            "INSERT INTO login_locks (scope, lock_key, failures, window_start, locked_until, hard_locked)
             VALUES ($1, $2, 0, $3, NULL, $4)
             ON CONFLICT (scope, lock_key) DO UPDATE SET failures = login_locks.failures
             RETURNING failures, window_start, locked_until, hard_locked")
            .bind(scope.as_str()).bind(key).bind(now).bind(false).fetch_one(c).await)
        .map_err(map_err)?;
        Ok(row.into())
    }

    pub async fn save_counter(&self, tx: &mut Tx, scope: LockScope, key: &str, state: &LockState) -> Result<()> {
        with_tx!(tx, c => sqlx::query(
            "UPDATE login_locks SET failures = $3, window_start = $4, locked_until = $5, hard_locked = $6
             WHERE scope = $1 AND lock_key = $2")
            .bind(scope.as_str()).bind(key).bind(state.failures as i32).bind(state.window_start)
            .bind(state.locked_until).bind(state.hard_locked).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(())
    }

    /// Clears a counter (a success, a reset or an administrator's unlock).
    /// Locks a counter until it is cleared by hand (an emailed reset or an administrator's unlock).
    pub async fn hard_lock(&self, tx: &mut Tx, scope: LockScope, key: &str, now: DateTime<Utc>) -> Result<()> {
        let current = self.lock_counter_for_update(tx, scope, key, now).await?;
        self.save_counter(tx, scope, key, &LockState { hard_locked: true, locked_until: None, ..current }).await
    }

    pub async fn clear_counter(&self, tx: &mut Tx, scope: LockScope, key: &str) -> Result<bool> {
        let done = with_tx!(tx, c => sqlx::query("DELETE FROM login_locks WHERE scope = $1 AND lock_key = $2")
            .bind(scope.as_str()).bind(key).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(done > 0)
    }

    /// Clears every counter of a scope whose key ends with `suffix` (an account's
    /// address-and-username counters, whatever the address).
    pub async fn clear_counters_ending(&self, tx: &mut Tx, scope: LockScope, suffix: &str) -> Result<u64> {
        with_tx!(tx, c => sqlx::query(
            "DELETE FROM login_locks WHERE scope = $1 AND length(lock_key) >= length($2)
               AND substr(lock_key, length(lock_key) - length($2) + 1) = $2")
            .bind(scope.as_str()).bind(suffix).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)
    }
}
