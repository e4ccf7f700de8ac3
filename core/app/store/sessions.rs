//! Server-side sessions. Only a SHA-256 of the session id is stored, so a copy of the table
//! cannot be replayed as cookies.

use chrono::{DateTime, Utc};
use induct_domain::{TenantId, UserId};
use uuid::Uuid;

use super::{Result, Store, Tx, map_err, with_pool, with_tx};

/// A session joined with the user it belongs to.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub id_hash: String,
    pub user_id: Uuid,
    pub tenant_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// The last login or password re-entry in this session.
    pub authenticated_at: DateTime<Utc>,
    pub setup_required: bool,
    /// An administrator marked the password compromised (docs/security.md A5).
    pub must_change_password: bool,
    /// The user has an authenticator app or a verified mobile number (docs/security.md D9).
    pub strong_second_factor: bool,
    pub username: String,
    pub role: String,
    pub display_name: String,
    pub email: String,
    pub active: bool,
}

pub struct NewSession<'a> {
    pub id_hash: &'a str,
    pub user: UserId,
    pub tenant: Option<TenantId>,
    pub ip: &'a str,
    pub user_agent: &'a str,
}

impl Store {
    pub async fn create_session(&self, tx: &mut Tx, s: &NewSession<'_>, now: DateTime<Utc>) -> Result<()> {
        with_tx!(tx, c => sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, tenant_id, created_at, last_seen_at, ip, user_agent)
             VALUES ($1, $2, $3, $4, $4, $5, $6)")
            .bind(s.id_hash).bind(s.user.0).bind(s.tenant.map(|t| t.0)).bind(now).bind(s.ip).bind(s.user_agent)
            .execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(())
    }

    pub async fn find_session(&self, id_hash: &str) -> Result<Option<SessionRow>> {
        let sql = "SELECT s.id_hash, s.user_id, s.tenant_id, s.created_at, s.last_seen_at,
                          COALESCE(s.authenticated_at, s.created_at) AS authenticated_at, s.setup_required,
                          u.must_change_password,
                          (EXISTS (SELECT 1 FROM user_totp t WHERE t.user_id = u.id AND t.enabled_at IS NOT NULL)
                           OR EXISTS (SELECT 1 FROM user_sms m WHERE m.user_id = u.id AND m.verified_at IS NOT NULL))
                            AS strong_second_factor,
                          u.username, u.role, u.display_name, u.email, u.active
                   FROM sessions s JOIN users u ON u.id = s.user_id
                   WHERE s.id_hash = $1";
        with_pool!(self, p => sqlx::query_as::<_, SessionRow>(sql).bind(id_hash).fetch_optional(p).await)
            .map_err(map_err)
    }

    /// The user re-entered their password (step-up before a signature): the session gets a new
    /// id (docs/security.md S1) and counts as freshly authenticated.
    pub async fn rotate_session(&self, old_hash: &str, new_hash: &str, now: DateTime<Utc>) -> Result<()> {
        with_pool!(self, p => sqlx::query("UPDATE sessions SET id_hash = $1, authenticated_at = $2 WHERE id_hash = $3")
            .bind(new_hash).bind(now).bind(old_hash).execute(p).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(())
    }

    pub async fn touch_session(&self, id_hash: &str, now: DateTime<Utc>) -> Result<()> {
        with_pool!(self, p => sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2 AND last_seen_at < $1")
            .bind(now).bind(id_hash).execute(p).await.map(|r| r.rows_affected()))
            .map_err(map_err)?;
        Ok(())
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<bool> {
        let done = with_pool!(self, p => sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(p).await.map(|r| r.rows_affected()))
            .map_err(map_err)?;
        Ok(done > 0)
    }

    pub async fn delete_session_in(&self, tx: &mut Tx, id_hash: &str) -> Result<()> {
        with_tx!(tx, c => sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(c).await.map(|r| r.rows_affected()))
            .map_err(map_err)?;
        Ok(())
    }

    /// Ends every session of a user (docs/security.md S4: disabling a user ends all of them).
    pub async fn delete_sessions_of_user(&self, tx: &mut Tx, user: UserId) -> Result<u64> {
        let done = with_tx!(tx, c => sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user.0).execute(c).await.map(|r| r.rows_affected()))
            .map_err(map_err)?;
        Ok(done)
    }

    /// Removes sessions past their idle or absolute limit.
    pub async fn delete_expired_sessions(
        &self,
        idle_before: DateTime<Utc>,
        created_before: DateTime<Utc>,
    ) -> Result<u64> {
        let done = with_pool!(self, p => sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
            .bind(idle_before).bind(created_before).execute(p).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(done)
    }

    /// Ends a user's sessions except one (a password change keeps the session it was made in).
    pub async fn delete_other_sessions(&self, tx: &mut Tx, user: UserId, keep: &str) -> Result<u64> {
        with_tx!(tx, c => sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
            .bind(user.0).bind(keep).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)
    }

    pub async fn count_sessions_of_user(&self, user: UserId) -> Result<i64> {
        with_pool!(self, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sessions WHERE user_id = $1")
            .bind(user.0).fetch_one(p).await)
        .map_err(map_err)
    }
}
