//! Step-up authentication: the password again when the last login or re-entry is older than five
//! minutes, before signing a report and before changing login details (docs/security.md S5, D1, M5).

use super::page::Page;
use crate::auth::reauth::{self, SecretCheck};
use crate::auth::session::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::store::audit::AuditEventKind;

pub use crate::auth::reauth::STEP_UP_AFTER;

/// Whether the session's last authentication is recent.
pub fn is_recent(page: &Page) -> AppResult<bool> {
    Ok(page.state.clock().now() - page.user()?.authenticated_at <= STEP_UP_AFTER)
}

/// Re-enters the password when the last authentication is older than [`STEP_UP_AFTER`]. Returns
/// false when it is wrong or the account is locked (docs/security.md A7: wrong ones count on the
/// account's lock).
pub async fn step_up(page: &Page, meta: &RequestMeta, password: &str) -> AppResult<bool> {
    if is_recent(page)? {
        return Ok(true);
    }
    let user = page.user()?.clone();
    let row = page.state.store().get_user(user.id).await?.ok_or(AppError::NotFound)?;
    let check = SecretCheck {
        tenant: user.tenant,
        site_key: &page.site.key(),
        user: &row,
        hash: row.password_hash.as_deref(),
        typed: password,
        factor: "password",
        on_right: Some((AuditEventKind::StepUpPassword, "success")),
        on_wrong: Some((AuditEventKind::StepUpPassword, "fail")),
    };
    let ok = reauth::check_secret(&page.state, &check, meta).await?;
    if ok {
        let token = reauth::rotate_session(&page.state, &user.session_hash).await?;
        if let Some(rotation) = &page.rotation {
            rotation.set(token);
        }
    }
    Ok(ok)
}
