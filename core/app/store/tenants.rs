//! Appropriate bodies (tenants).

use chrono::{DateTime, Utc};
use induct_domain::TenantId;
use uuid::Uuid;

use super::{Result, Store, Tx, map_err, with_pool, with_tx};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TenantRow {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub theme: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub mail_from_address: String,
    pub mail_from_name: String,
    pub created_at: DateTime<Utc>,
}

impl TenantRow {
    pub fn tenant_id(&self) -> TenantId {
        TenantId(self.id)
    }
}

pub struct NewTenant<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub theme: &'a str,
    pub contact_email: &'a str,
    pub contact_phone: &'a str,
    pub mail_from_address: &'a str,
    pub mail_from_name: &'a str,
}

macro_rules! columns {
    () => {
        "id, slug, name, theme, contact_email, contact_phone, mail_from_address, mail_from_name, created_at"
    };
}

impl Store {
    pub async fn find_tenant_by_slug(&self, slug: &str) -> Result<Option<TenantRow>> {
        let sql = concat!("SELECT ", columns!(), " FROM tenants WHERE slug = $1");
        with_pool!(self, p => sqlx::query_as::<_, TenantRow>(sql).bind(slug).fetch_optional(p).await).map_err(map_err)
    }

    pub async fn get_tenant(&self, id: TenantId) -> Result<Option<TenantRow>> {
        let sql = concat!("SELECT ", columns!(), " FROM tenants WHERE id = $1");
        with_pool!(self, p => sqlx::query_as::<_, TenantRow>(sql).bind(id.0).fetch_optional(p).await).map_err(map_err)
    }

    pub async fn list_tenants(&self) -> Result<Vec<TenantRow>> {
        let sql = concat!("SELECT ", columns!(), " FROM tenants ORDER BY name");
        with_pool!(self, p => sqlx::query_as::<_, TenantRow>(sql).fetch_all(p).await).map_err(map_err)
    }

    /// Points an AB at another installed theme.
    pub async fn set_tenant_theme(&self, id: TenantId, theme: &str) -> Result<bool> {
        let n = with_pool!(self, p => sqlx::query("UPDATE tenants SET theme = $1 WHERE id = $2")
            .bind(theme).bind(id.0).execute(p).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(n == 1)
    }

    pub async fn create_tenant(&self, tx: &mut Tx, t: &NewTenant<'_>, now: DateTime<Utc>) -> Result<TenantId> {
        let id = TenantId::new();
        with_tx!(tx, c => sqlx::query(
            "INSERT INTO tenants (id, slug, name, theme, contact_email, contact_phone, mail_from_address, mail_from_name, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(id.0).bind(t.slug).bind(t.name).bind(t.theme).bind(t.contact_email)
            .bind(t.contact_phone).bind(t.mail_from_address).bind(t.mail_from_name).bind(now)
            .execute(c).await.map(|r| r.rows_affected()))
            .map_err(map_err)?;
        Ok(id)
    }
}
