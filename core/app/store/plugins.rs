//! Installed plugins and the answers to their questions. Every method takes the tenant first.

use chrono::{DateTime, Utc};
use induct_domain::{TenantId, UserId};
use uuid::Uuid;

use super::{Result, Store, Tx, map_err, with_pool, with_tx};

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct PluginSummary {
    pub id: Uuid,
    pub name: String,
    pub version: String,
    pub wit_version: String,
    pub hooks: String,
    pub sha256: String,
    pub active: bool,
    pub installed_at: DateTime<Utc>,
    pub installed_by: String,
}

#[derive(sqlx::FromRow)]
pub struct PluginWasm {
    pub id: Uuid,
    pub sha256: String,
    pub wasm: Vec<u8>,
}

pub struct NewPlugin<'a> {
    pub name: &'a str,
    pub version: &'a str,
    pub wit_version: &'a str,
    pub hooks: &'a str,
    pub sha256: &'a str,
    pub wasm: &'a [u8],
    pub installed_by: &'a str,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct FormAnswerRow {
    pub question_id: String,
    pub question_label: String,
    pub value: String,
    pub plugin_version: String,
    pub updated_at: DateTime<Utc>,
}

impl Store {
    /// Stores a plugin version, not yet active.
    pub async fn create_plugin(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        p: &NewPlugin<'_>,
        now: DateTime<Utc>,
    ) -> Result<Uuid> {
        let id = Uuid::now_v7();
        with_tx!(tx, c => sqlx::query(
            "INSERT INTO plugins (id, tenant_id, name, version, wit_version, hooks, sha256, wasm, active, installed_at, installed_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
            .bind(id).bind(tenant.0).bind(p.name).bind(p.version).bind(p.wit_version).bind(p.hooks)
            .bind(p.sha256).bind(p.wasm).bind(false).bind(now).bind(p.installed_by)
            .execute(c).await.map(|r| r.rows_affected()))
            .map_err(map_err)?;
        Ok(id)
    }

    /// Makes one version the AB's active plugin (and no other). False if it is not the AB's.
    pub async fn activate_plugin(&self, tx: &mut Tx, tenant: TenantId, id: Uuid) -> Result<bool> {
        let exists = with_tx!(tx, c => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM plugins WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0).bind(id).fetch_one(c).await)
            .map_err(map_err)?;
        if exists == 0 {
            return Ok(false);
        }
        with_tx!(tx, c => sqlx::query("UPDATE plugins SET active = (id = $2) WHERE tenant_id = $1")
            .bind(tenant.0).bind(id).execute(c).await.map(|r| r.rows_affected()))
        .map_err(map_err)?;
        Ok(true)
    }

    pub async fn list_plugins(&self, tenant: TenantId) -> Result<Vec<PluginSummary>> {
        with_pool!(self, p => sqlx::query_as::<_, PluginSummary>(
            "SELECT id, name, version, wit_version, hooks, sha256, active, installed_at, installed_by
             FROM plugins WHERE tenant_id = $1 ORDER BY installed_at DESC, id DESC")
            .bind(tenant.0).fetch_all(p).await)
        .map_err(map_err)
    }

    /// The id and hash of the AB's active plugin: a cheap check for hot swaps.
    pub async fn active_plugin_id(&self, tenant: TenantId) -> Result<Option<Uuid>> {
        with_pool!(self, p => sqlx::query_scalar::<_, Uuid>("SELECT id FROM plugins WHERE tenant_id = $1 AND active = $2")
            .bind(tenant.0).bind(true).fetch_optional(p).await)
            .map_err(map_err)
    }

    pub async fn plugin_wasm(&self, tenant: TenantId, id: Uuid) -> Result<Option<PluginWasm>> {
        with_pool!(self, p => sqlx::query_as::<_, PluginWasm>("SELECT id, sha256, wasm FROM plugins WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0).bind(id).fetch_optional(p).await)
            .map_err(map_err)
    }

    /// Saves the answers given on one form for one record. Answers to questions the plugin no
    /// longer asks are kept.
    #[allow(clippy::too_many_arguments)]
    pub async fn save_form_answers(
        &self,
        tx: &mut Tx,
        tenant: TenantId,
        form: &str,
        subject: Uuid,
        answers: &[(String, String, String)],
        plugin_version: &str,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<()> {
        for (question_id, label, value) in answers {
            with_tx!(tx, c => sqlx::query(
                "INSERT INTO form_answers (tenant_id, form, subject_id, question_id, question_label, value, plugin_version, updated_at, updated_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (tenant_id, form, subject_id, question_id) DO UPDATE SET
                    question_label = excluded.question_label, value = excluded.value,
                    plugin_version = excluded.plugin_version, updated_at = excluded.updated_at, updated_by = excluded.updated_by")
                .bind(tenant.0).bind(form).bind(subject).bind(question_id).bind(label).bind(value)
                .bind(plugin_version).bind(now).bind(by.0)
                .execute(c).await.map(|r| r.rows_affected()))
                .map_err(map_err)?;
        }
        Ok(())
    }

    pub async fn list_form_answers(&self, tenant: TenantId, form: &str, subject: Uuid) -> Result<Vec<FormAnswerRow>> {
        with_pool!(self, p => sqlx::query_as::<_, FormAnswerRow>(
            "SELECT question_id, question_label, value, plugin_version, updated_at FROM form_answers
             WHERE tenant_id = $1 AND form = $2 AND subject_id = $3 ORDER BY question_id")
            .bind(tenant.0).bind(form).bind(subject).fetch_all(p).await)
        .map_err(map_err)
    }
}
