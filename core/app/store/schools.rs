//! Schools registered under an appropriate body. Every method takes the tenant first.

use chrono::{DateTime, Utc};
use induct_domain::registration::SchoolStatus;
use induct_domain::{SchoolId, TenantId, UserId};
use uuid::Uuid;

use super::{Result, Store, Tx, map_err, with_pool, with_tx};

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct SchoolRow {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub name: String,
    pub urn: String,
    pub address: String,
    pub postcode: String,
    pub contact_email: String,
    pub contact_phone: String,
    #[sqlx(try_from = "String")]
    pub status: SchoolStatus,
    pub created_at: DateTime<Utc>,
}

/// The details a school keeps up to date itself.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct SchoolDetails {
    pub name: String,
    pub address: String,
    pub postcode: String,
    pub contact_email: String,
    pub contact_phone: String,
}

pub struct NewSchool<'a> {
    pub name: &'a str,
    pub urn: &'a str,
    pub address: &'a str,
    pub postcode: &'a str,
    pub contact_email: &'a str,
    pub contact_phone: &'a str,
    pub status: SchoolStatus,
}

macro_rules! columns {
    () => {
        "id, tenant_id, name, urn, address, postcode, contact_email, contact_phone, status, created_at"
    };
}

impl Store {
    pub async fn create_school(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        s: &NewSchool<'_>,
        now: DateTime<Utc>,
    ) -> Result<SchoolId> {
        let id = SchoolId::new();
        with_tx!(tx, c => sqlx::query(
            "INSERT INTO schools (id, tenant_id, name, urn, address, postcode, contact_email, contact_phone, status, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(id.0).bind(tenant.0).bind(s.name).bind(s.urn).bind(s.address).bind(s.postcode)
            .bind(s.contact_email).bind(s.contact_phone).bind(s.status.as_str()).bind(now)
            .execute(c).await.map(|r| r.rows_affected()))
            .map_err(map_err)?;
        Ok(id)
    }

    pub async fn list_schools(&self, tenant: TenantId) -> Result<Vec<SchoolRow>> {
        let sql = concat!("SELECT ", columns!(), " FROM schools WHERE tenant_id = $1 ORDER BY name");
        with_pool!(self, p => sqlx::query_as::<_, SchoolRow>(sql).bind(tenant.0).fetch_all(p).await).map_err(map_err)
    }

    pub async fn get_school(&self, tenant: TenantId, id: SchoolId) -> Result<Option<SchoolRow>> {
        let sql = concat!("SELECT ", columns!(), " FROM schools WHERE tenant_id = $1 AND id = $2");
        with_pool!(self, p => sqlx::query_as::<_, SchoolRow>(sql).bind(tenant.0).bind(id.0).fetch_optional(p).await)
            .map_err(map_err)
    }

    /// Saves a school's editable details. False if the school is not in the tenant.
    pub async fn update_school(&self, tx: &mut Tx, tenant: TenantId, id: SchoolId, s: &SchoolDetails) -> Result<bool> {
        let n = with_tx!(tx, c => sqlx::query(
            "UPDATE schools SET name = $3, address = $4, postcode = $5, contact_email = $6, contact_phone = $7
             WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0).bind(id.0).bind(&s.name).bind(&s.address).bind(&s.postcode)
            .bind(&s.contact_email).bind(&s.contact_phone)
            .execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(n == 1)
    }

    /// Moves a school from one status to another; false if it was not in `from` (someone else
    /// decided first).
    pub async fn change_school_status(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        id: SchoolId,
        from: SchoolStatus,
        to: SchoolStatus,
    ) -> Result<bool> {
        let n = with_tx!(tx, c => sqlx::query("UPDATE schools SET status = $4 WHERE tenant_id = $1 AND id = $2 AND status = $3")
            .bind(tenant.0).bind(id.0).bind(from.as_str()).bind(to.as_str()).execute(c).await.map(|r| r.rows_affected()))
            .map_err(map_err)?;
        Ok(n == 1)
    }

    /// Schools of the AB whose name, postcode or URN contains the words (case-insensitive).
    pub async fn search_schools(&self, tenant: TenantId, query: &str) -> Result<Vec<SchoolRow>> {
        let like = format!("%{}%", query.trim().to_lowercase().replace(['%', '_'], ""));
        let sql = concat!(
            "SELECT ",
            columns!(),
            " FROM schools WHERE tenant_id = $1 AND (LOWER(name) LIKE $2 OR LOWER(REPLACE(postcode, ' ', '')) LIKE REPLACE($2, ' ', '') OR urn LIKE $2) ORDER BY name LIMIT 20"
        );
        with_pool!(self, p => sqlx::query_as::<_, SchoolRow>(sql).bind(tenant.0).bind(&like).fetch_all(p).await)
            .map_err(map_err)
    }

    /// The schools a user belongs to, inside the tenant.
    pub async fn list_schools_of_user(&self, tenant: TenantId, user: UserId) -> Result<Vec<SchoolRow>> {
        let sql = "SELECT s.id, s.tenant_id, s.name, s.urn, s.address, s.postcode, s.contact_email,
                          s.contact_phone, s.status, s.created_at
                   FROM schools s JOIN school_memberships m ON m.school_id = s.id
                   WHERE m.tenant_id = $1 AND s.tenant_id = $1 AND m.user_id = $2 ORDER BY s.name";
        with_pool!(self, p => sqlx::query_as::<_, SchoolRow>(sql).bind(tenant.0).bind(user.0).fetch_all(p).await)
            .map_err(map_err)
    }

    pub async fn add_school_membership(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        user: UserId,
        school: SchoolId,
        now: DateTime<Utc>,
    ) -> Result<()> {
        // The school must be in the same tenant: the INSERT selects it by both ids.
        let done = with_tx!(tx, c => sqlx::query(
            "INSERT INTO school_memberships (user_id, school_id, tenant_id, created_at)
             SELECT $1, s.id, s.tenant_id, $4 FROM schools s WHERE s.id = $2 AND s.tenant_id = $3")
            .bind(user.0).bind(school.0).bind(tenant.0).bind(now)
            .execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        if done != 1 {
            return Err(super::StoreError::Corrupt("school not in tenant".into()));
        }
        Ok(())
    }

    /// Counts users of a school by role (dashboards show whether a head teacher exists).
    pub async fn count_school_users_with_role(&self, tenant: TenantId, school: SchoolId, role: &str) -> Result<i64> {
        with_pool!(self, p => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM users u JOIN school_memberships m ON m.user_id = u.id
             WHERE m.tenant_id = $1 AND m.school_id = $2 AND u.role = $3 AND u.active = $4")
            .bind(tenant.0).bind(school.0).bind(role).bind(true).fetch_one(p).await)
        .map_err(map_err)
    }

    pub async fn count_schools(&self, tenant: TenantId) -> Result<i64> {
        with_pool!(self, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM schools WHERE tenant_id = $1")
            .bind(tenant.0).fetch_one(p).await)
        .map_err(map_err)
    }
}
