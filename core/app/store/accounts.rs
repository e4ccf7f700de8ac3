//! Set-password links and the staff of a school.

use chrono::{DateTime, Utc};
use induct_domain::{SchoolId, TenantId, UserId};
use uuid::Uuid;

use super::{Result, Store, Tx, map_err, with_pool, with_tx};

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct StaffRow {
    pub id: Uuid,
    pub username: String,
    pub role: String,
    pub display_name: String,
    pub email: String,
    pub active: bool,
    pub has_password: bool,
}

impl Store {
    /// Stores a new link's hash; earlier unused links of the user stop working (a resend
    /// invalidates the previous link).
    pub async fn create_password_token(
        &self,
        tx: &mut Tx,
        user: UserId,
        token_hash: &str,
        purpose: &str,
        now: DateTime<Utc>,
        expires: DateTime<Utc>,
    ) -> Result<()> {
        with_tx!(tx, c => sqlx::query("UPDATE password_tokens SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL")
            .bind(user.0).bind(now).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        with_tx!(tx, c => sqlx::query(
            "INSERT INTO password_tokens (token_hash, user_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(token_hash).bind(user.0).bind(purpose).bind(now).bind(expires)
            .execute(c).await.map(|r| r.rows_affected()))
            .map_err(map_err)?;
        Ok(())
    }

    /// The user a link is for, if it is unused and unexpired.
    pub async fn valid_password_token(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<UserId>> {
        let id = with_pool!(self, p => sqlx::query_scalar::<_, Uuid>(
            "SELECT user_id FROM password_tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2")
            .bind(token_hash).bind(now).fetch_optional(p).await)
        .map_err(map_err)?;
        Ok(id.map(UserId))
    }

    /// What a link is for (`set_password` for new accounts and resends, `reset` from recovery).
    pub async fn password_token_purpose(&self, token_hash: &str) -> Result<Option<String>> {
        with_pool!(self, p => sqlx::query_scalar::<_, String>("SELECT purpose FROM password_tokens WHERE token_hash = $1")
            .bind(token_hash).fetch_optional(p).await)
        .map_err(map_err)
    }

    /// Uses a link: false if it was used or expired meanwhile (so it works once only).
    pub async fn use_password_token(&self, tx: &mut Tx, token_hash: &str, now: DateTime<Utc>) -> Result<bool> {
        let n = with_tx!(tx, c => sqlx::query(
            "UPDATE password_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2")
            .bind(token_hash).bind(now).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(n == 1)
    }

    pub async fn list_staff(&self, tenant: TenantId, school: SchoolId) -> Result<Vec<StaffRow>> {
        with_pool!(self, p => sqlx::query_as::<_, StaffRow>(
            "SELECT u.id, u.username, u.role, u.display_name, u.email, u.active, (u.password_hash IS NOT NULL) AS has_password
             FROM users u JOIN school_memberships m ON m.user_id = u.id
             WHERE m.tenant_id = $1 AND m.school_id = $2 ORDER BY u.role, u.display_name")
            .bind(tenant.0).bind(school.0).fetch_all(p).await)
            .map_err(map_err)
    }

    /// Activates or deactivates a user of the tenant.
    pub async fn set_user_active(&self, tx: &mut Tx, tenant: TenantId, user: UserId, active: bool) -> Result<bool> {
        let n = with_tx!(tx, c => sqlx::query("UPDATE users SET active = $3 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0).bind(user.0).bind(active).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(n == 1)
    }
}
