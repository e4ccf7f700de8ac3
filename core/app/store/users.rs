//! Users: everyone who logs in. Each belongs to one appropriate body, except platform operators.

use chrono::{DateTime, Utc};
use induct_domain::{Role, TenantId, UserId};
use uuid::Uuid;

use super::{Result, Store, StoreError, Tx, map_err, with_pool, with_tx};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRow {
    pub id: Uuid,
    pub tenant_id: Option<Uuid>,
    pub username: String,
    pub role: String,
    pub display_name: String,
    pub email: String,
    pub password_hash: Option<String>,
    pub password_changed_at: Option<DateTime<Utc>>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl UserRow {
    pub fn user_id(&self) -> UserId {
        UserId(self.id)
    }

    pub fn role(&self) -> Result<Role> {
        self.role.parse().map_err(|e: induct_domain::roles::UnknownRole| StoreError::Corrupt(e.to_string()))
    }
}

pub struct NewUser<'a> {
    pub tenant: Option<TenantId>,
    pub username: &'a str,
    pub role: Role,
    pub display_name: &'a str,
    pub email: &'a str,
    pub password_hash: Option<&'a str>,
}

macro_rules! columns {
    () => {
        "id, tenant_id, username, role, display_name, email, password_hash, password_changed_at, active, created_at"
    };
}

impl Store {
    pub async fn create_user(&self, tx: &mut Tx, u: &NewUser<'_>, now: DateTime<Utc>) -> Result<UserId> {
        let id = UserId::new();
        let changed = u.password_hash.map(|_| now);
        with_tx!(tx, c => sqlx::query(
            "INSERT INTO users (id, tenant_id, username, role, display_name, email, password_hash, password_changed_at, active, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(id.0).bind(u.tenant.map(|t| t.0)).bind(u.username).bind(u.role.as_str())
            .bind(u.display_name).bind(u.email).bind(u.password_hash).bind(changed).bind(true).bind(now)
            .execute(c).await.map(|r| r.rows_affected()))
            .map_err(map_err)?;
        Ok(id)
    }

    /// Finds the account a login names on a site: an AB's users on its site, platform operators
    /// on the platform site. A user of another AB is never found.
    pub async fn find_user_for_login(&self, tenant: Option<TenantId>, username: &str) -> Result<Option<UserRow>> {
        match tenant {
            Some(t) => {
                let sql = concat!("SELECT ", columns!(), " FROM users WHERE tenant_id = $1 AND username = $2");
                with_pool!(self, p => sqlx::query_as::<_, UserRow>(sql).bind(t.0).bind(username).fetch_optional(p).await)
            }
            None => {
                let sql = concat!("SELECT ", columns!(), " FROM users WHERE tenant_id IS NULL AND username = $1");
                with_pool!(self, p => sqlx::query_as::<_, UserRow>(sql).bind(username).fetch_optional(p).await)
            }
        }
        .map_err(map_err)
    }

    /// A person of one AB, or none (a platform operator or another AB's person is not found).
    pub async fn get_user_in(&self, tenant: TenantId, id: UserId) -> Result<Option<UserRow>> {
        let sql = concat!("SELECT ", columns!(), " FROM users WHERE id = $1 AND tenant_id = $2");
        with_pool!(self, p => sqlx::query_as::<_, UserRow>(sql).bind(id.0).bind(tenant.0).fetch_optional(p).await)
            .map_err(map_err)
    }

    pub async fn get_user(&self, id: UserId) -> Result<Option<UserRow>> {
        let sql = concat!("SELECT ", columns!(), " FROM users WHERE id = $1");
        with_pool!(self, p => sqlx::query_as::<_, UserRow>(sql).bind(id.0).fetch_optional(p).await).map_err(map_err)
    }

    pub async fn username_taken(&self, username: &str) -> Result<bool> {
        let n = with_pool!(self, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users WHERE username = $1")
            .bind(username).fetch_one(p).await)
        .map_err(map_err)?;
        Ok(n > 0)
    }

    /// Replaces a password hash (used to upgrade hashes made with weaker parameters, A1).
    /// docs/security.md A5: the next login must choose a new password (or no longer must).
    pub async fn set_must_change_password(&self, tx: &mut Tx, id: UserId, must: bool) -> Result<()> {
        with_tx!(tx, c => sqlx::query("UPDATE users SET must_change_password = $1 WHERE id = $2")
            .bind(must).bind(id.0).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(())
    }

    pub async fn set_password_hash(
        &self,
        tx: &mut Tx,
        id: UserId,
        hash: &str,
        changed_at: DateTime<Utc>,
    ) -> Result<()> {
        with_tx!(tx, c => sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
            .bind(hash).bind(changed_at).bind(id.0).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(())
    }

    pub async fn count_users(&self) -> Result<i64> {
        with_pool!(self, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users").fetch_one(p).await)
            .map_err(map_err)
    }

    /// Active accounts a recovery request names, on one site: by username, by email address
    /// (case-insensitive; one address can hold several accounts) or by mobile number (digits
    /// compared).
    pub async fn find_users_for_recovery(&self, tenant: Option<TenantId>, identifier: &str) -> Result<Vec<UserRow>> {
        let id = identifier.trim();
        // A UK mobile typed as 07... or +447...: compare the national form.
        let national = induct_domain::validate::uk_mobile(id).unwrap_or_default();
        let sql = concat!(
            "SELECT ",
            columns!(),
            " FROM users WHERE active = $2 AND ((tenant_id = $1) OR ($1 IS NULL AND tenant_id IS NULL))
              AND (username = $3 OR LOWER(email) = LOWER($3) OR (mobile IS NOT NULL AND mobile = $4 AND $4 <> ''))
             ORDER BY username"
        );
        with_pool!(self, p => sqlx::query_as::<_, UserRow>(sql)
            .bind(tenant.map(|t| t.0)).bind(true).bind(id).bind(&national).fetch_all(p).await)
        .map_err(map_err)
    }

    /// The AB's people with a role (its administrators, say).
    pub async fn list_users_with_role(&self, tenant: TenantId, role: induct_domain::Role) -> Result<Vec<UserRow>> {
        let sql = concat!("SELECT ", columns!(), " FROM users WHERE tenant_id = $1 AND role = $2 ORDER BY username");
        with_pool!(self, p => sqlx::query_as::<_, UserRow>(sql).bind(tenant.0).bind(role.as_str()).fetch_all(p).await)
            .map_err(map_err)
    }

    pub async fn user_mobile(&self, id: UserId) -> Result<Option<String>> {
        with_pool!(self, p => sqlx::query_scalar::<_, Option<String>>("SELECT mobile FROM users WHERE id = $1")
            .bind(id.0).fetch_optional(p).await)
        .map(Option::flatten)
        .map_err(map_err)
    }

    /// A person's email address and mobile number (their login details).
    pub async fn set_user_contact(&self, tx: &mut Tx, id: UserId, email: &str, mobile: Option<&str>) -> Result<bool> {
        let n = with_tx!(tx, c => sqlx::query("UPDATE users SET email = $2, mobile = $3 WHERE id = $1")
            .bind(id.0).bind(email).bind(mobile).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(n == 1)
    }
}
