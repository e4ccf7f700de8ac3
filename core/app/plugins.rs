//! Each AB's plugin: installation, activation (hot swap, rollback) and calls.
//!
//! Plugins are stored in the database with their hash; every process keeps the active version of
//! each AB compiled in memory and checks every few seconds whether another version became active,
//! so an install or rollback reaches every process without a restart. Calls run on the blocking
//! pool (a plugin is CPU work), at most `per_tenant_concurrency` at once per AB, so one AB's
//! misbehaving plugin cannot occupy every worker (docs/security.md P4).

use induct_domain::TenantId;
use induct_plugin_host::{Called, LoadError, LoadedPlugin, PluginHost};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use uuid::Uuid;

use crate::services::ServiceError;
use crate::state::AppState;
use crate::store::audit::{AuditEventKind, NewAuditEvent};
use crate::store::plugins::NewPlugin;

pub use induct_plugin_host::{Hook, Limits};

/// How long a process trusts its idea of an AB's active plugin before asking the database.
const RECHECK: Duration = Duration::from_secs(5);

pub struct ActivePlugin {
    pub id: Uuid,
    pub loaded: LoadedPlugin,
}

struct Cached {
    checked: Instant,
    active: Option<Arc<ActivePlugin>>,
}

pub struct Plugins {
    host: Arc<PluginHost>,
    cache: RwLock<HashMap<TenantId, Cached>>,
    permits: Mutex<HashMap<TenantId, Arc<Semaphore>>>,
}

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error(transparent)]
    Refused(#[from] LoadError),
    #[error("the plugin version was not found")]
    UnknownVersion,
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Failed(#[from] ServiceError),
}

/// Who did it, for the audit log.
pub struct Actor<'a> {
    pub user: Option<induct_domain::UserId>,
    pub label: &'a str,
    pub ip: &'a str,
    pub user_agent: &'a str,
}

impl Plugins {
    pub fn new(limits: Limits) -> anyhow::Result<Self> {
        Ok(Self {
            host: Arc::new(PluginHost::new(limits).map_err(|e| anyhow::anyhow!("{e:#}"))?),
            cache: RwLock::new(HashMap::new()),
            permits: Mutex::new(HashMap::new()),
        })
    }

    pub fn host(&self) -> &PluginHost {
        &self.host
    }

    /// Compiles and checks a plugin off the async runtime.
    pub async fn check(&self, bytes: Vec<u8>) -> Result<LoadedPlugin, LoadError> {
        let host = self.host.clone();
        tokio::task::spawn_blocking(move || host.load(&bytes))
            .await
            .unwrap_or_else(|e| Err(LoadError::NotAComponent(format!("compilation task failed: {e}"))))
    }

    /// The AB's active plugin, if it has one.
    pub async fn active(&self, state: &AppState, tenant: TenantId) -> Result<Option<Arc<ActivePlugin>>, ServiceError> {
        if let Some(c) = self.cache.read().expect("plugin cache").get(&tenant)
            && c.checked.elapsed() < RECHECK
        {
            return Ok(c.active.clone());
        }
        let id = state.store().active_plugin_id(tenant).await?;
        let current = self.cache.read().expect("plugin cache").get(&tenant).and_then(|c| c.active.clone());
        let active = match (id, current) {
            (None, _) => None,
            (Some(id), Some(cur)) if cur.id == id => Some(cur),
            (Some(id), _) => {
                let row = state
                    .store()
                    .plugin_wasm(tenant, id)
                    .await?
                    .ok_or(ServiceError::Internal("active plugin vanished".into()))?;
                let loaded = self
                    .check(row.wasm)
                    .await
                    .map_err(|e| ServiceError::Internal(format!("stored plugin no longer loads: {e}")))?;
                if loaded.sha256 != row.sha256 {
                    return Err(ServiceError::Internal("stored plugin does not match its hash".into()));
                }
                Some(Arc::new(ActivePlugin { id, loaded }))
            }
        };
        self.cache
            .write()
            .expect("plugin cache")
            .insert(tenant, Cached { checked: Instant::now(), active: active.clone() });
        Ok(active)
    }

    /// Validates, stores and activates a plugin for an AB.
    pub async fn install(
        &self,
        state: &AppState,
        tenant: TenantId,
        bytes: Vec<u8>,
        actor: &Actor<'_>,
    ) -> Result<Uuid, InstallError> {
        let loaded = self.check(bytes.clone()).await?;
        let now = state.clock().now();
        let store = state.store();
        let hooks: Vec<&str> = loaded.manifest.hooks.iter().map(|h| induct_plugin_host::hook_name(*h)).collect();
        let mut tx = store.begin().await?;
        let id = store
            .create_plugin(
                &mut tx,
                tenant,
                &NewPlugin {
                    name: &loaded.manifest.name,
                    version: &loaded.manifest.version,
                    wit_version: &loaded.manifest.wit_version,
                    hooks: &hooks.join(","),
                    sha256: &loaded.sha256,
                    wasm: &bytes,
                    installed_by: actor.label,
                },
                now,
            )
            .await?;
        store.activate_plugin(&mut tx, tenant, id).await?;
        let detail = format!("{} {} sha256:{}", loaded.manifest.name, loaded.manifest.version, loaded.sha256);
        audit(state, &mut tx, tenant, AuditEventKind::PluginInstalled, actor, &id.to_string(), &detail).await?;
        tx.commit().await?;
        self.cache
            .write()
            .expect("plugin cache")
            .insert(tenant, Cached { checked: Instant::now(), active: Some(Arc::new(ActivePlugin { id, loaded })) });
        tracing::info!(tenant = %tenant, plugin_id = %id, "plugin installed");
        Ok(id)
    }

    /// Makes an earlier version active again (rollback) or a later one (roll forward).
    pub async fn activate(
        &self,
        state: &AppState,
        tenant: TenantId,
        id: Uuid,
        actor: &Actor<'_>,
    ) -> Result<(), InstallError> {
        let store = state.store();
        let mut tx = store.begin().await?;
        if !store.activate_plugin(&mut tx, tenant, id).await? {
            return Err(InstallError::UnknownVersion);
        }
        audit(state, &mut tx, tenant, AuditEventKind::PluginActivated, actor, &id.to_string(), "").await?;
        tx.commit().await?;
        self.cache.write().expect("plugin cache").remove(&tenant);
        Ok(())
    }

    /// Runs a hook of the AB's plugin on the blocking pool, at most a few at once per AB. `None`
    /// when the AB has no plugin. The plugin's log lines and failures go to the log here.
    pub async fn call<T: Send + 'static>(
        &self,
        state: &AppState,
        tenant: TenantId,
        hook: &'static str,
        f: impl FnOnce(&PluginHost, &LoadedPlugin) -> Called<T> + Send + 'static,
    ) -> Result<Option<Called<T>>, ServiceError> {
        let Some(active) = self.active(state, tenant).await? else { return Ok(None) };
        let permits = self
            .permits
            .lock()
            .expect("plugin permits")
            .entry(tenant)
            .or_insert_with(|| Arc::new(Semaphore::new(self.host.limits().per_tenant_concurrency)))
            .clone();
        let _permit =
            permits.acquire_owned().await.map_err(|_| ServiceError::Internal("plugin permits closed".into()))?;
        let host = self.host.clone();
        let plugin = active.clone();
        let called = tokio::task::spawn_blocking(move || f(&host, &plugin.loaded))
            .await
            .map_err(|e| ServiceError::Internal(format!("plugin call task failed: {e}")))?;
        let name = &active.loaded.manifest.name;
        for line in &called.logs {
            tracing::info!(tenant = %tenant, plugin = %name, hook, level = ?line.level, message = %line.message, "plugin log");
        }
        if let Err(e) = &called.value {
            tracing::error!(tenant = %tenant, plugin = %name, hook, error = %e, elapsed_ms = called.elapsed.as_millis() as u64, "plugin call failed");
        }
        Ok(Some(called))
    }
}

async fn audit(
    state: &AppState,
    tx: &mut crate::store::Tx,
    tenant: TenantId,
    kind: AuditEventKind,
    actor: &Actor<'_>,
    subject: &str,
    detail: &str,
) -> Result<(), ServiceError> {
    state
        .store()
        .record_audit(
            tx,
            &NewAuditEvent {
                tenant: Some(tenant),
                kind,
                actor: actor.user,
                subject: Some(subject),
                ip: actor.ip,
                user_agent: actor.user_agent,
                factor: None,
                detail: (!detail.is_empty()).then_some(detail),
            },
            state.clock().now(),
        )
        .await?;
    Ok(())
}
