//! Mail: messages are queued in the outbox table inside the transaction that causes them, and a
//! worker delivers them with retries and backoff. Any number of app processes may run workers:
//! rows are leased, and only the lease holder marks a row done.

pub mod messages;
pub mod worker;

use lettre::message::{Mailbox, MultiPart, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use std::time::Duration;

use crate::config::{MailConfig, MailTransportKind, SmtpSecurity};
use crate::store::Store;
use crate::store::outbox::OutboxRow;

pub enum MailTransport {
    /// Delivers into the `demo_mailbox` table, which the platform operator reads in the app.
    Demo,
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// Worth trying again later (connection refused, 4xx).
    #[error("temporary failure: {0}")]
    Transient(String),
    /// Will never succeed (5xx, malformed address).
    #[error("permanent failure: {0}")]
    Permanent(String),
}

impl MailTransport {
    pub fn from_config(c: &MailConfig) -> Result<Self, DeliveryError> {
        match c.transport {
            MailTransportKind::Demo => Ok(MailTransport::Demo),
            MailTransportKind::Smtp => {
                let builder = match c.smtp_security {
                    SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&c.smtp_host),
                    SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&c.smtp_host)
                        .map_err(|e| DeliveryError::Permanent(e.to_string()))?,
                    SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&c.smtp_host)
                        .map_err(|e| DeliveryError::Permanent(e.to_string()))?,
                };
                let mut builder = builder.port(c.smtp_port).timeout(Some(Duration::from_secs(c.smtp_timeout_secs)));
                if let (Some(user), Some(password)) = (&c.smtp_username, &c.smtp_password) {
                    builder = builder.credentials(Credentials::new(user.clone(), password.expose_secret().to_owned()));
                }
                Ok(MailTransport::Smtp(builder.build()))
            }
        }
    }

    pub async fn deliver(
        &self,
        store: &Store,
        row: &OutboxRow,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), DeliveryError> {
        match self {
            MailTransport::Demo => {
                store.deliver_to_demo_mailbox(row, now).await.map_err(|e| DeliveryError::Transient(e.to_string()))
            }
            MailTransport::Smtp(smtp) => {
                let message = build_message(row)?;
                smtp.send(message).await.map(|_| ()).map_err(|e| {
                    if e.is_permanent() {
                        DeliveryError::Permanent(e.to_string())
                    } else {
                        DeliveryError::Transient(e.to_string())
                    }
                })
            }
        }
    }
}

/// Names go into headers: control characters (CR, LF) are replaced so that no value can add a
/// header or a recipient (docs/security.md I4).
pub fn header_safe(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect::<String>().trim().to_owned()
}

fn mailbox(name: &str, address: &str) -> Result<Mailbox, DeliveryError> {
    let address = address.parse().map_err(|e| DeliveryError::Permanent(format!("invalid address: {e}")))?;
    let name = header_safe(name);
    Ok(Mailbox::new((!name.is_empty()).then_some(name), address))
}

pub fn build_message(row: &OutboxRow) -> Result<Message, DeliveryError> {
    let builder = Message::builder()
        .message_id(Some(row.message_id.clone()))
        .from(mailbox(&row.from_name, &row.from_address)?)
        .to(mailbox(&row.to_name, &row.to_address)?)
        .subject(header_safe(&row.subject))
        .date(row.created_at.into());
    let message = match &row.body_html {
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(row.body_text.clone(), html.clone())),
        None => builder.header(ContentType::TEXT_PLAIN).body(row.body_text.clone()),
    };
    message.map_err(|e| DeliveryError::Permanent(e.to_string()))
}
