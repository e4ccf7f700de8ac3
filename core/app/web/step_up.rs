//! Step-up authentication: the password again when the last login or re-entry is older than five
//! minutes, before signing a report and before changing login details (SECURITY.md S5, D1, M5).

use chrono::Duration;

use super::page::Page;
use crate::auth::session::RequestMeta;
use crate::error::{AppError, AppResult};

/// How long a login or password re-entry counts as recent.
pub const STEP_UP_AFTER: Duration = Duration::minutes(5);

/// Whether the session's last authentication is recent.
pub fn is_recent(page: &Page) -> AppResult<bool> {
    Ok(page.state.clock().now() - page.user()?.authenticated_at <= STEP_UP_AFTER)
}

/// Re-enters the password when the last authentication is older than [`STEP_UP_AFTER`]. Returns
/// false when it is wrong or the account is locked. Wrong passwords count on the account's login
/// counter (SECURITY.md A7), so a stolen session cannot guess the password here either.
pub async fn step_up(page: &Page, meta: &RequestMeta, password: &str) -> AppResult<bool> {
    use induct_domain::lockout::Gate;
    use induct_domain::throttle::{self, LockScope};
    let user = page.user()?.clone();
    let now = page.state.clock().now();
    if now - user.authenticated_at <= STEP_UP_AFTER {
        return Ok(true);
    }
    let scope = LockScope::Account;
    let key = throttle::account_key(&page.site.key(), &user.username);
    if scope.policy().gate(&page.state.store().get_lock(scope, &key, now).await?, now) == Gate::Locked {
        return Ok(false);
    }
    let row = page.state.store().get_user(user.id).await?.ok_or(AppError::NotFound)?;
    let ok = matches!(
        page.state
            .hasher()
            .verify(password, row.password_hash.as_deref())
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?,
        crate::auth::password::Verified::Yes { .. }
    );
    let mut tx = page.state.store().begin().await?;
    if !ok {
        let current = page.state.store().lock_counter_for_update(&mut tx, scope, &key, now).await?;
        let (next, _) = scope.policy().after_failure(&current, now);
        page.state.store().save_counter(&mut tx, scope, &key, &next).await?;
    }
    page.state
        .store()
        .record_audit(
            &mut tx,
            &crate::store::audit::NewAuditEvent {
                tenant: user.tenant,
                kind: crate::store::audit::AuditEventKind::StepUpPassword,
                actor: Some(user.id),
                subject: Some(&user.username),
                ip: &meta.ip,
                user_agent: &meta.user_agent,
                factor: Some("password"),
                detail: Some(if ok { "success" } else { "fail" }),
            },
            now,
        )
        .await?;
    tx.commit().await?;
    if ok {
        // S1: a new session id at re-authentication; the old one stops working now.
        let token = crate::auth::new_token();
        page.state.store().rotate_session(&user.session_hash, &crate::auth::hash_token(&token), now).await?;
        if let Some(rotation) = &page.rotation {
            rotation.set(token);
        }
    }
    Ok(ok)
}
