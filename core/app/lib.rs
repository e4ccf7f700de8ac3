//! Induct: statutory induction of Early Career Teachers in England, hosted for many appropriate
//! bodies. This crate is the application: configuration, storage, authentication, the web edge,
//! themes and mail, around the pure rules in `induct-domain`.

pub mod access;
pub mod auth;
pub mod clock;
pub mod config;
pub mod demo;
pub mod error;
pub mod mail;
pub mod pdf;
pub mod plugins;
pub mod routes;
pub mod services;
pub mod sms;
pub mod state;
pub mod store;
pub mod tenancy;
pub mod themes;
pub mod web;

use anyhow::Context;
use axum::Router;
use secrecy::ExposeSecret;
use std::net::SocketAddr;
use std::path::Path;

pub use clock::Clock;
pub use config::Config;
pub use state::AppState;

/// A built application: its state (for tests and workers) and its router.
pub struct App {
    pub state: AppState,
    pub router: Router,
}

/// Connects to the database, migrates it, loads themes and keys, and seeds the demo when asked.
pub async fn build(config: Config, clock: Clock) -> anyhow::Result<App> {
    build_with_routes(config, clock, |table| table).await
}

/// [`build`] with extra routes (for tests).
pub async fn build_with_routes(
    config: Config,
    clock: Clock,
    extend: impl FnOnce(web::RouteTable) -> web::RouteTable,
) -> anyhow::Result<App> {
    let store = store::Store::connect(&config.database).await.context("connecting to the database")?;
    store.migrate().await.context("migrating the database")?;
    let themes = themes::Themes::load(&config.themes_dir)
        .with_context(|| format!("loading themes from {}", config.themes_dir.display()))?;
    let secret = load_secret(&config)?;
    let mail_transport = mail::MailTransport::from_config(&config.mail).context("configuring mail")?;
    let sms_transport = sms::SmsTransport::from_config(&config.sms)
        .map_err(|e| anyhow::anyhow!(e))
        .context("configuring text messages")?;
    let plugins = plugins::Plugins::new(plugins::Limits::default()).context("starting the plugin host")?;
    let state = AppState::new(state::StateParts {
        config,
        store,
        clock,
        themes,
        secret,
        mail_transport,
        sms_transport,
        plugins,
    });
    if state.config().demo {
        demo::seed_if_empty(&state).await.context("seeding demo data")?;
    }
    let router = web::router_with(state.clone(), extend);
    Ok(App { state, router })
}

/// Serves until `shutdown` resolves, running the outbox worker alongside when configured.
pub async fn serve(
    app: App,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let worker = app.state.config().mail.worker.then(|| tokio::spawn(mail::worker::run(app.state.clone())));
    let sweeper = tokio::spawn(sweep_sessions(app.state.clone()));
    let result = axum::serve(listener, app.router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await;
    if let Some(w) = worker {
        w.abort();
    }
    sweeper.abort();
    result
}

/// Deletes expired sessions now and then (requests also refuse and delete them as they come).
async fn sweep_sessions(state: AppState) {
    loop {
        let now = state.clock().now();
        let policy = state.session_policy();
        if let Err(e) = state.store().delete_expired_sessions(now - policy.idle, now - policy.absolute).await {
            tracing::warn!(error = %e, "session sweep failed");
        }
        tokio::time::sleep(std::time::Duration::from_secs(300)).await;
    }
}

/// Today in England (UK time), from the app's clock: what induction dates are compared with.
pub fn clock_today(state: &AppState) -> chrono::NaiveDate {
    state.clock().now().with_timezone(&chrono_tz::Europe::London).date_naive()
}

/// The key behind CSRF tokens: configured, or created once in the data directory.
pub fn load_secret(config: &Config) -> anyhow::Result<Vec<u8>> {
    if let Some(key) = &config.security.secret_key {
        let key = key.expose_secret().as_bytes().to_vec();
        anyhow::ensure!(key.len() >= 32, "security.secret_key must be at least 32 characters");
        return Ok(key);
    }
    let path = config.data_dir.join("secret.key");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        return hex::decode(existing.trim()).context("data/secret.key is not hex");
    }
    std::fs::create_dir_all(&config.data_dir).with_context(|| format!("creating {}", config.data_dir.display()))?;
    let mut key = [0u8; 32];
    rand::fill(&mut key);
    write_private(&path, hex::encode(key).as_bytes())?;
    Ok(key.to_vec())
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path).with_context(|| format!("creating {}", path.display()))?;
    f.write_all(bytes)?;
    Ok(())
}

/// Structured logs: JSON lines in production (docs/security.md I7), readable lines in development.
pub fn init_tracing(format: config::LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = match format {
        config::LogFormat::Json => builder.json().flatten_event(true).try_init(),
        config::LogFormat::Pretty => builder.try_init(),
    };
}
