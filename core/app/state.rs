//! Shared application state: configuration, store, clock, themes, keys and the mail worker's bell.

use induct_domain::session::SessionPolicy;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

use crate::auth::Keys;
use crate::auth::password::PasswordHasher;
use crate::auth::session::CookieNames;
use crate::clock::Clock;
use crate::config::Config;
use crate::error::AppError;
use crate::mail::MailTransport;
use crate::routes::RouteInfo;
use crate::store::Store;
use crate::store::tenants::TenantRow;
use crate::themes::Themes;

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    store: Store,
    clock: Clock,
    themes: Themes,
    hasher: Arc<PasswordHasher>,
    keys: Keys,
    cookies: CookieNames,
    session_policy: SessionPolicy,
    mail_transport: MailTransport,
    sms_transport: crate::sms::SmsTransport,
    plugins: crate::plugins::Plugins,
    mail_bell: Notify,
    routes: RwLock<Arc<Vec<RouteInfo>>>,
    tenant_cache: RwLock<HashMap<String, (Instant, Option<Arc<TenantRow>>)>>,
}

/// How long a Host -> AB lookup is remembered. Short, so a new AB appears within seconds on
/// every process without any cross-process invalidation.
const TENANT_CACHE_TTL: Duration = Duration::from_secs(10);

pub struct StateParts {
    pub config: Config,
    pub store: Store,
    pub clock: Clock,
    pub themes: Themes,
    pub secret: Vec<u8>,
    pub mail_transport: MailTransport,
    pub sms_transport: crate::sms::SmsTransport,
    pub plugins: crate::plugins::Plugins,
}

impl AppState {
    pub fn new(p: StateParts) -> Self {
        let hasher = PasswordHasher::new(p.config.security.hashing_concurrency);
        let cookies = CookieNames::new(p.config.server.secure_cookies);
        Self {
            inner: Arc::new(Inner {
                keys: Keys::derive(&p.secret),
                config: p.config,
                store: p.store,
                clock: p.clock,
                themes: p.themes,
                hasher,
                cookies,
                session_policy: SessionPolicy::default(),
                mail_transport: p.mail_transport,
                sms_transport: p.sms_transport,
                plugins: p.plugins,
                mail_bell: Notify::new(),
                routes: RwLock::new(Arc::new(vec![])),
                tenant_cache: RwLock::new(HashMap::new()),
            }),
        }
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }
    pub fn store(&self) -> &Store {
        &self.inner.store
    }
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }
    pub fn themes(&self) -> &Themes {
        &self.inner.themes
    }
    pub fn hasher(&self) -> &PasswordHasher {
        &self.inner.hasher
    }
    pub fn keys(&self) -> &Keys {
        &self.inner.keys
    }
    pub fn cookies(&self) -> CookieNames {
        self.inner.cookies
    }
    pub fn session_policy(&self) -> &SessionPolicy {
        &self.inner.session_policy
    }
    pub fn mail_transport(&self) -> &MailTransport {
        &self.inner.mail_transport
    }

    pub fn sms_transport(&self) -> &crate::sms::SmsTransport {
        &self.inner.sms_transport
    }

    pub fn plugins(&self) -> &crate::plugins::Plugins {
        &self.inner.plugins
    }

    /// Wakes the outbox worker after a transaction that queued mail has committed.
    pub fn wake_mailer(&self) {
        self.inner.mail_bell.notify_one();
    }

    pub async fn mailer_woken(&self) {
        self.inner.mail_bell.notified().await
    }

    /// The route inventory (docs/security.md T1), filled in when the router is built.
    pub fn routes(&self) -> Arc<Vec<RouteInfo>> {
        self.inner.routes.read().expect("routes lock").clone()
    }

    pub(crate) fn set_routes(&self, routes: Vec<RouteInfo>) {
        *self.inner.routes.write().expect("routes lock") = Arc::new(routes);
    }

    pub async fn tenant_by_slug(&self, slug: &str) -> Result<Option<Arc<TenantRow>>, AppError> {
        if let Some((at, found)) = self.inner.tenant_cache.read().expect("tenant cache").get(slug)
            && at.elapsed() < TENANT_CACHE_TTL
        {
            return Ok(found.clone());
        }
        let found = self.store().find_tenant_by_slug(slug).await?.map(Arc::new);
        let mut cache = self.inner.tenant_cache.write().expect("tenant cache");
        if cache.len() > 10_000 {
            cache.clear(); // unknown slugs must not grow the cache without bound
        }
        cache.insert(slug.to_owned(), (Instant::now(), found.clone()));
        Ok(found)
    }
}
