//! The outbox worker: mail and text messages alike.

use chrono::{DateTime, Duration, Utc};
use std::time::Duration as StdDuration;
use uuid::Uuid;

use super::DeliveryError;
use crate::state::AppState;
use crate::store::StoreError;

/// Delay before attempt `attempts + 1`: 1, 2, 4, 8, 16 then 30 minutes (docs/security.md 7.2).
pub fn backoff(attempts_so_far: i32) -> Duration {
    let minutes = 1i64 << attempts_so_far.clamp(0, 5);
    Duration::minutes(minutes.min(30))
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PassReport {
    pub claimed: usize,
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

/// Claims one batch of due messages and tries each once.
pub async fn deliver_batch(state: &AppState) -> Result<PassReport, StoreError> {
    let cfg = &state.config().mail;
    let store = state.store();
    let now = state.clock().now();
    let token = Uuid::new_v4();
    let rows = store.claim_due_mail(token, now, now + Duration::seconds(cfg.lease_secs), cfg.batch_size).await?;
    let mut report = PassReport { claimed: rows.len(), ..Default::default() };
    for row in rows {
        let now = state.clock().now();
        if row.expires_at.is_some_and(|at| at <= now) {
            store.mark_mail_expired(row.id, token).await?;
            report.failed += 1;
            continue;
        }
        let delivered = if row.channel == "sms" {
            crate::sms::deliver(state, &row, now).await
        } else {
            state.mail_transport().deliver(store, &row, now).await
        };
        match delivered {
            Ok(()) => {
                if !store.mark_mail_sent(row.id, token, now).await? {
                    tracing::warn!(outbox_id = %row.id, "lease lost before the message was marked sent");
                }
                tracing::info!(outbox_id = %row.id, kind = %row.kind, "mail delivered");
                report.sent += 1;
            }
            Err(DeliveryError::Transient(e)) if row.attempts + 1 < cfg.max_attempts => {
                let retry_at = now + backoff(row.attempts);
                tracing::warn!(outbox_id = %row.id, attempts = row.attempts + 1, error = %e, "mail delivery will be retried");
                store.mark_mail_attempt_failed(row.id, token, &e, Some(retry_at)).await?;
                report.retrying += 1;
            }
            Err(e) => {
                tracing::error!(outbox_id = %row.id, error = %e, "mail delivery failed for good");
                store.mark_mail_attempt_failed(row.id, token, &e.to_string(), None).await?;
                report.failed += 1;
            }
        }
    }
    Ok(report)
}

/// Delivers batches until nothing more is due now.
pub async fn deliver_until_idle(state: &AppState) -> Result<PassReport, StoreError> {
    let mut total = PassReport::default();
    loop {
        let r = deliver_batch(state).await?;
        total.claimed += r.claimed;
        total.sent += r.sent;
        total.retrying += r.retrying;
        total.failed += r.failed;
        if r.claimed == 0 {
            return Ok(total);
        }
    }
}

/// The worker loop run by `serve`: wakes when a request queues mail, and polls as a fallback
/// (for mail queued by other processes and for retries coming due). Each turn it also runs the
/// reminder scan when due in this process and turns pending notifications into mail (issue 8):
/// both are safe in any number of processes at once.
pub async fn run(state: AppState) {
    let poll = StdDuration::from_millis(state.config().mail.poll_interval_ms);
    let scan_every = StdDuration::from_secs(state.config().notifications.scan_interval_secs);
    let mut last_scan: Option<std::time::Instant> = None;
    loop {
        if last_scan.is_none_or(|at| at.elapsed() >= scan_every) {
            match crate::services::notify::materialise(&state).await {
                Ok(r) if r.added > 0 => tracing::info!(added = r.added, "reminders written"),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "reminder scan failed"),
            }
            last_scan = Some(std::time::Instant::now());
        }
        loop {
            match crate::services::notify::process_pending(&state).await {
                Ok(r) if r.claimed > 0 => tracing::debug!(?r, "notifications pass"),
                Ok(_) => break,
                Err(e) => {
                    tracing::error!(error = %e, "notifications pass failed");
                    break;
                }
            }
        }
        match deliver_until_idle(&state).await {
            Ok(r) if r.claimed > 0 => tracing::debug!(?r, "outbox pass"),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "outbox pass failed"),
        }
        tokio::select! {
            _ = state.mailer_woken() => {}
            _ = tokio::time::sleep(poll) => {}
        }
    }
}

/// When the next retry is due, for the operator's page.
pub async fn next_due(state: &AppState) -> Result<Option<DateTime<Utc>>, StoreError> {
    state.store().next_mail_due_at().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_then_caps_at_thirty_minutes() {
        let got: Vec<i64> = (0..9).map(|a| backoff(a).num_minutes()).collect();
        assert_eq!(got, [1, 2, 4, 8, 16, 30, 30, 30, 30]);
    }
}
