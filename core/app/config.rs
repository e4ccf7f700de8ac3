//! Configuration: defaults in code, then `config/default.toml`, then `config/{INDUCT_ENV}.toml`,
//! then `INDUCT__SECTION__KEY` environment variables; `DATABASE_URL` overrides `database.url`.
//! Secrets can come from files (`INDUCT__SECURITY__SECRET_KEY_FILE`), and `Debug` never prints them.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub mail: MailConfig,
    #[serde(default)]
    pub sms: SmsConfig,
    #[serde(default)]
    pub notifications: NotificationsConfig,
    pub security: SecurityConfig,
    /// Fill an empty database with the demo appropriate bodies, schools and users.
    pub demo: bool,
    pub themes_dir: PathBuf,
    pub data_dir: PathBuf,
    /// Directory of `<slug>.toml` files describing the demo appropriate bodies.
    pub abs_dir: PathBuf,
    pub log_format: LogFormat,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Json,
    Pretty,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Appropriate bodies are served at `<slug>.<base_domain>`; the bare domain is the platform site.
    pub base_domain: String,
    /// Scheme and port used in links the app builds (emails): never taken from the request.
    pub public_scheme: String,
    pub public_port: Option<u16>,
    /// Peers whose `X-Forwarded-For` header is believed (docs/security.md A9). Empty: the header is ignored.
    pub trusted_proxies: Vec<IpAddr>,
    /// Largest form body accepted, in bytes.
    pub body_limit: usize,
    /// Largest file upload (multipart body) accepted, in bytes: plugins are up to 32 MiB.
    pub upload_limit: usize,
    /// `Secure` cookies with the `__Host-` prefix. Browsers accept them on http://*.localhost too.
    pub secure_cookies: bool,
    /// Send HSTS (docs/security.md S7).
    pub hsts: bool,
    pub request_timeout_secs: u64,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct DatabaseConfig {
    /// `sqlite://path` or `postgres://...`.
    #[serde(serialize_with = "expose_secret")]
    pub url: SecretString,
    pub max_connections: u32,
    pub acquire_timeout_secs: u64,
}

impl std::fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &redact_url(self.url.expose_secret()))
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout_secs", &self.acquire_timeout_secs)
            .finish()
    }
}

/// Shows a database URL without its password.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{user}:***@{}", &url[..scheme_end], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MailTransportKind {
    /// Store messages in the database for the platform operator to read (demo and development).
    Demo,
    /// Deliver over SMTP.
    Smtp,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    None,
    Starttls,
    Tls,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MailConfig {
    pub transport: MailTransportKind,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_security: SmtpSecurity,
    pub smtp_username: Option<String>,
    #[serde(serialize_with = "expose_optional_secret")]
    pub smtp_password: Option<SecretString>,
    /// Sender used for platform mail (appropriate bodies have their own).
    pub from_address: String,
    pub from_name: String,
    /// How often the outbox worker looks for work when nothing wakes it.
    pub poll_interval_ms: u64,
    /// How long a worker holds a claimed message before another may take it.
    pub lease_secs: i64,
    /// Attempts before a message is marked failed.
    pub max_attempts: i32,
    pub batch_size: i64,
    /// Run the delivery worker inside `serve`.
    pub worker: bool,
    pub smtp_timeout_secs: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SmsProviderKind {
    /// Text messages land in the demo mailbox, beside the demo's mail (development).
    Demo,
    /// GOV.UK Notify's API (the public sector's text message service).
    Notify,
}

/// Text messages (login codes by SMS). They go through the outbox like mail.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SmsConfig {
    pub provider: SmsProviderKind,
    /// GOV.UK Notify's API origin (tests point it at a loopback server).
    pub notify_base_url: String,
    /// The Notify API key, `{name}-{service id}-{secret}`.
    #[serde(serialize_with = "expose_optional_secret")]
    pub notify_api_key: Option<SecretString>,
    /// A Notify text message template whose whole content is `((body))`.
    pub notify_template_id: String,
    pub timeout_secs: u64,
}

impl Default for SmsConfig {
    fn default() -> Self {
        Self {
            provider: SmsProviderKind::Demo,
            notify_base_url: "https://api.notifications.service.gov.uk".into(),
            notify_api_key: None,
            notify_template_id: String::new(),
            timeout_secs: 10,
        }
    }
}

impl std::fmt::Debug for SmsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsConfig")
            .field("provider", &self.provider)
            .field("notify_base_url", &self.notify_base_url)
            .field("notify_api_key", &self.notify_api_key.as_ref().map(|_| "***"))
            .field("notify_template_id", &self.notify_template_id)
            .finish()
    }
}

/// Reminders and notifications (seed 003; docs/induction-rules.md 2.12).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct NotificationsConfig {
    /// A day's reminders go from this hour, UK time (nobody wants one at midnight).
    pub send_from_hour: u32,
    /// After a gap in which no process ran, reminders of this many past days are caught up (only
    /// the newest of each report is sent).
    pub catch_up_days: i64,
    /// How often each process runs the reminder scan (it is idempotent: any number may run it).
    pub scan_interval_secs: u64,
    /// How long a worker holds a claimed notification.
    pub lease_secs: i64,
    pub batch_size: i64,
}

impl Default for NotificationsConfig {
    fn default() -> Self {
        Self { send_from_hour: 7, catch_up_days: 2, scan_interval_secs: 300, lease_secs: 300, batch_size: 50 }
    }
}

#[derive(Clone, Serialize, Deserialize)]
pub struct SecurityConfig {
    /// Key for CSRF tokens and other MACs. If unset, a random key is created in `data_dir/secret.key`.
    #[serde(serialize_with = "expose_optional_secret")]
    pub secret_key: Option<SecretString>,
    /// Password hashes computed at once (each needs about 19 MiB; docs/security.md A1).
    pub hashing_concurrency: usize,
}

impl std::fmt::Debug for SecurityConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecurityConfig")
            .field("secret_key", &self.secret_key.as_ref().map(|_| "***"))
            .field("hashing_concurrency", &self.hashing_concurrency)
            .finish()
    }
}

impl Default for Config {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        Self {
            server: ServerConfig {
                listen: "127.0.0.1:8080".parse().expect("valid address"),
                base_domain: "localhost".into(),
                public_scheme: "http".into(),
                public_port: Some(8080),
                trusted_proxies: vec![],
                body_limit: 256 * 1024,
                upload_limit: 34 * 1024 * 1024,
                secure_cookies: true,
                hsts: true,
                request_timeout_secs: 30,
            },
            database: DatabaseConfig {
                url: SecretString::from("sqlite://data/induct.db"),
                max_connections: 8,
                acquire_timeout_secs: 5,
            },
            mail: MailConfig {
                transport: MailTransportKind::Demo,
                smtp_host: "127.0.0.1".into(),
                smtp_port: 25,
                smtp_security: SmtpSecurity::Starttls,
                smtp_username: None,
                smtp_password: None,
                from_address: "do-not-reply@induct.localhost".into(),
                from_name: "Induct".into(),
                poll_interval_ms: 2000,
                lease_secs: 300,
                max_attempts: 10,
                batch_size: 20,
                worker: true,
                smtp_timeout_secs: 20,
            },
            sms: SmsConfig::default(),
            notifications: NotificationsConfig::default(),
            security: SecurityConfig { secret_key: None, hashing_concurrency: (2 * cores).max(2) },
            demo: false,
            themes_dir: "themes".into(),
            data_dir: "data".into(),
            abs_dir: "config/abs".into(),
            log_format: LogFormat::Pretty,
        }
    }
}

// Serialising is only for figment's layering of defaults, in memory; `Debug` stays redacted.
fn expose_secret<S: serde::Serializer>(s: &SecretString, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(s.expose_secret())
}

fn expose_optional_secret<S: serde::Serializer>(s: &Option<SecretString>, ser: S) -> Result<S::Ok, S::Error> {
    match s {
        Some(s) => ser.serialize_some(s.expose_secret()),
        None => ser.serialize_none(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration is invalid: {0}")]
    Invalid(#[from] Box<figment::Error>),
    #[error("{0}")]
    Rule(String),
}

impl Config {
    /// Loads the layered configuration from `dir` (normally `config/`).
    pub fn load(dir: &Path) -> Result<Self, ConfigError> {
        let env_name = std::env::var("INDUCT_ENV").unwrap_or_else(|_| "development".into());
        let mut figment = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(dir.join("default.toml")))
            .merge(Toml::file(dir.join(format!("{env_name}.toml"))))
            .merge(Env::prefixed("INDUCT__").split("__").lowercase(true));
        if let Ok(url) = std::env::var("DATABASE_URL") {
            figment = figment.merge(Serialized::default("database.url", url));
        }
        // `_FILE` variants for secrets (lldap's pattern): the file's contents become the value.
        for (key, var) in [
            ("security.secret_key", "INDUCT__SECURITY__SECRET_KEY_FILE"),
            ("mail.smtp_password", "INDUCT__MAIL__SMTP_PASSWORD_FILE"),
            ("sms.notify_api_key", "INDUCT__SMS__NOTIFY_API_KEY_FILE"),
            ("database.url", "INDUCT__DATABASE__URL_FILE"),
        ] {
            if let Ok(path) = std::env::var(var) {
                let value = std::fs::read_to_string(&path)
                    .map_err(|e| ConfigError::Rule(format!("cannot read {var} ({path}): {e}")))?;
                figment = figment.merge(Serialized::default(key, value.trim().to_owned()));
            }
        }
        let config: Config = figment.extract().map_err(Box::new)?;
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let url = self.database.url.expose_secret();
        if !(url.starts_with("sqlite:") || url.starts_with("postgres:") || url.starts_with("postgresql:")) {
            return Err(ConfigError::Rule("database.url must start with sqlite: or postgres:".into()));
        }
        if self.security.hashing_concurrency == 0 {
            return Err(ConfigError::Rule("security.hashing_concurrency must be at least 1".into()));
        }
        if self.server.base_domain.is_empty() || self.server.base_domain.contains('/') {
            return Err(ConfigError::Rule("server.base_domain must be a host name".into()));
        }
        if self.notifications.send_from_hour > 23 || self.notifications.catch_up_days < 0 {
            return Err(ConfigError::Rule("notifications.send_from_hour is 0-23 and catch_up_days 0 or more".into()));
        }
        if self.sms.provider == SmsProviderKind::Notify {
            let key = self.sms.notify_api_key.as_ref().map(|k| k.expose_secret().to_owned()).unwrap_or_default();
            crate::sms::NotifyKey::parse(&key).map_err(|e| ConfigError::Rule(format!("sms.notify_api_key: {e}")))?;
            if self.sms.notify_template_id.trim().is_empty() {
                return Err(ConfigError::Rule("sms.notify_template_id must be set for the notify provider".into()));
            }
        }
        Ok(())
    }

    /// The public origin of a site: `None` for the platform (bare domain), or an AB's slug.
    pub fn origin_for(&self, slug: Option<&str>) -> String {
        let host = match slug {
            Some(slug) => format!("{slug}.{}", self.server.base_domain),
            None => self.server.base_domain.clone(),
        };
        let default_port = match self.server.public_scheme.as_str() {
            "https" => 443,
            _ => 80,
        };
        match self.server.public_port {
            Some(port) if port != default_port => {
                format!("{}://{host}:{port}", self.server.public_scheme)
            }
            _ => format!("{}://{host}", self.server.public_scheme),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://induct:s3cret@127.0.0.1:5432/induct"),
            "postgres://induct:***@127.0.0.1:5432/induct"
        );
        assert_eq!(redact_url("sqlite://data/induct.db"), "sqlite://data/induct.db");
    }

    #[test]
    fn origins_follow_configuration_not_requests() {
        let c = Config::default();
        assert_eq!(c.origin_for(Some("fenland")), "http://fenland.localhost:8080");
        assert_eq!(c.origin_for(None), "http://localhost:8080");
    }
}
