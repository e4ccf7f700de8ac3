//! Text messages: login codes and mobile-number checks by SMS (seed 000: "we will send you a
//! unique 6 digit code via email or text"; docs/security.md M5 and section 3).
//!
//! A text message is queued in the outbox (channel `sms`) inside the transaction that causes it,
//! exactly like mail, so it shares the leases, retries, backoff and "never sent stale" expiry of
//! the mail worker. Delivery goes through an [`SmsProvider`]; [`NotifySms`] is the real one, a
//! client for GOV.UK Notify's API (the text message service the public sector uses; ABs are local
//! authorities and school hubs). The demo transport puts messages in the demo mailbox instead.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::config::{SmsConfig, SmsProviderKind};
use crate::mail::DeliveryError;

/// A provider's answer, boxed so that providers can sit behind `dyn`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One text message to send.
pub struct TextMessage<'a> {
    /// The number in international form (`+447700900123`).
    pub to: &'a str,
    pub body: &'a str,
    /// Our own id for the message (the outbox row), so the provider's records can be matched.
    pub reference: &'a str,
}

/// A company or service that delivers text messages. Implementations decide which failures are
/// worth trying again ([`DeliveryError::Transient`]) and which never will succeed.
pub trait SmsProvider: Send + Sync {
    fn name(&self) -> &'static str;
    fn send<'a>(&'a self, message: TextMessage<'a>, now: DateTime<Utc>) -> BoxFuture<'a, Result<(), DeliveryError>>;
}

/// Where text messages go.
#[derive(Clone)]
pub enum SmsTransport {
    /// Into the demo mailbox (development and the demo).
    Demo,
    Provider(Arc<dyn SmsProvider>),
}

impl SmsTransport {
    pub fn from_config(c: &SmsConfig) -> Result<Self, String> {
        match c.provider {
            SmsProviderKind::Demo => Ok(SmsTransport::Demo),
            SmsProviderKind::Notify => Ok(SmsTransport::Provider(Arc::new(NotifySms::new(c)?))),
        }
    }
}

/// Delivers a text message from the outbox (called by the outbox worker, which holds its lease).
pub async fn deliver(
    state: &crate::state::AppState,
    row: &crate::store::outbox::OutboxRow,
    now: DateTime<Utc>,
) -> Result<(), DeliveryError> {
    match state.sms_transport() {
        SmsTransport::Demo => {
            state.store().deliver_to_demo_mailbox(row, now).await.map_err(|e| DeliveryError::Transient(e.to_string()))
        }
        SmsTransport::Provider(provider) => {
            let to = induct_domain::validate::mobile_e164(&row.to_address);
            let reference = row.id.to_string();
            provider.send(TextMessage { to: &to, body: &row.body_text, reference: &reference }, now).await
        }
    }
}

/// A GOV.UK Notify API key: `{key name}-{service id}-{secret}`, both ids UUIDs.
pub struct NotifyKey {
    pub service_id: String,
    secret: SecretString,
}

impl NotifyKey {
    pub fn parse(key: &str) -> Result<Self, &'static str> {
        let key = key.trim();
        // The name may itself contain hyphens, so the two UUIDs are taken from the end.
        let uuid_like = |s: &str| s.len() == 36 && uuid::Uuid::parse_str(s).is_ok();
        if key.len() < 36 * 2 + 2 {
            return Err("expected {key name}-{service id}-{secret key}");
        }
        let (rest, secret) = key.split_at(key.len() - 36);
        let rest = rest.strip_suffix('-').ok_or("expected {key name}-{service id}-{secret key}")?;
        if rest.len() < 36 {
            return Err("expected {key name}-{service id}-{secret key}");
        }
        let service = &rest[rest.len() - 36..];
        if !uuid_like(secret) || !uuid_like(service) {
            return Err("the service id and secret key must be UUIDs");
        }
        Ok(Self { service_id: service.to_owned(), secret: SecretString::from(secret.to_owned()) })
    }

    /// The bearer token Notify expects: a JWT signed with HS256 over `{"iss": service id, "iat":
    /// now}`. Notify refuses tokens more than 30 seconds from its own clock, so one is made per
    /// request. Written here rather than with a JWT crate: one fixed header and two claims.
    pub fn bearer_token(&self, now: DateTime<Utc>) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"HS256"}"#);
        let claims = serde_json::json!({ "iss": self.service_id, "iat": now.timestamp() });
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signing_input = format!("{header}.{payload}");
        let mut mac =
            Hmac::<Sha256>::new_from_slice(self.secret.expose_secret().as_bytes()).expect("HMAC takes any key length");
        mac.update(signing_input.as_bytes());
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
    }
}

/// GOV.UK Notify: `POST /v2/notifications/sms` with a template whose content is `((body))`.
pub struct NotifySms {
    http: reqwest::Client,
    base_url: String,
    key: NotifyKey,
    template_id: String,
}

impl NotifySms {
    pub fn new(c: &SmsConfig) -> Result<Self, String> {
        let key = c.notify_api_key.as_ref().map(|k| k.expose_secret().to_owned()).unwrap_or_default();
        let key = NotifyKey::parse(&key).map_err(|e| format!("sms.notify_api_key: {e}"))?;
        // rustls with the ring provider lettre already brings, and the Mozilla roots compiled in
        // (nothing read from the machine, nothing fetched).
        let roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .timeout(Duration::from_secs(c.timeout_secs.max(1)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("induct/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            http,
            base_url: c.notify_base_url.trim_end_matches('/').to_owned(),
            key,
            template_id: c.notify_template_id.clone(),
        })
    }

    async fn post(&self, message: TextMessage<'_>, now: DateTime<Utc>) -> Result<(), DeliveryError> {
        let body = serde_json::json!({
            "phone_number": message.to,
            "template_id": self.template_id,
            "personalisation": { "body": message.body },
            "reference": message.reference,
        });
        let response = self
            .http
            .post(format!("{}/v2/notifications/sms", self.base_url))
            .bearer_auth(self.key.bearer_token(now))
            .json(&body)
            .send()
            .await
            // Connection refused, timeouts, TLS trouble: try again later.
            .map_err(|e| DeliveryError::Transient(format!("notify: {}", without_url(&e))))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let detail = notify_error(&response.text().await.unwrap_or_default());
        let message = format!("notify {}: {detail}", status.as_u16());
        // Notify: 429 is its rate limit and 5xx its own trouble; 400 and 403 (bad number, key or
        // template) will not get better by waiting.
        if status.as_u16() == 429 || status.is_server_error() {
            Err(DeliveryError::Transient(message))
        } else {
            Err(DeliveryError::Permanent(message))
        }
    }
}

impl SmsProvider for NotifySms {
    fn name(&self) -> &'static str {
        "notify"
    }

    fn send<'a>(&'a self, message: TextMessage<'a>, now: DateTime<Utc>) -> BoxFuture<'a, Result<(), DeliveryError>> {
        Box::pin(self.post(message, now))
    }
}

/// reqwest's errors name the URL; ours has no secrets in it, but the message is clearer without.
fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    kind.to_owned()
}

/// The messages of Notify's error body (`{"errors": [{"error": ..., "message": ...}]}`).
fn notify_error(body: &str) -> String {
    let parsed: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let messages: Vec<String> = parsed["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| format!("{}: {}", e["error"].as_str().unwrap_or("Error"), e["message"].as_str().unwrap_or("")))
                .collect()
        })
        .unwrap_or_default();
    if messages.is_empty() { "no error detail".into() } else { messages.join("; ") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const KEY: &str = "induct_live-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0";

    #[test]
    fn notify_keys_split_from_the_end() {
        let k = NotifyKey::parse(KEY).unwrap();
        assert_eq!(k.service_id, "26785a09-ab16-4eb0-8407-a37497a57506");
        assert_eq!(k.secret.expose_secret(), "3d844edf-8d35-48ac-975b-e847b4f122b0");
        assert!(NotifyKey::parse("short").is_err());
        assert!(NotifyKey::parse(&KEY.replace("26785a09", "zzzzzzzz")).is_err());
    }

    #[test]
    fn bearer_tokens_are_hs256_jwts_over_iss_and_iat() {
        let k = NotifyKey::parse(KEY).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap();
        let token = k.bearer_token(now);
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "HS256");
        let claims: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["iss"], "26785a09-ab16-4eb0-8407-a37497a57506");
        assert_eq!(claims["iat"], now.timestamp());
        let mut mac = Hmac::<Sha256>::new_from_slice(b"3d844edf-8d35-48ac-975b-e847b4f122b0").unwrap();
        mac.update(format!("{}.{}", parts[0], parts[1]).as_bytes());
        assert_eq!(URL_SAFE_NO_PAD.decode(parts[2]).unwrap(), mac.finalize().into_bytes().to_vec());
    }

    #[test]
    fn notify_error_bodies_are_summarised() {
        let body = r#"{"errors":[{"error":"BadRequestError","message":"Not a UK mobile number"}],"status_code":400}"#;
        assert_eq!(notify_error(body), "BadRequestError: Not a UK mobile number");
        assert_eq!(notify_error("<html>"), "no error detail");
    }
}
