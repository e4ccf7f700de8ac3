//! A secret asked again of someone already signed in: the password before a signature or a
//! change of login details (docs/security.md S5, D1), the security answer after a reset link (M7).
//! Wrong answers count on the account's login lock (A7), so a stolen session cannot guess either.
//!
//! One order for both: the lock is read first and a locked account is refused without checking
//! anything; the slow Argon2id check runs holding no lock (on SQLite a held write lock would stop
//! every other writer for its length); then the counter is taken for update, and a failure is
//! counted against it, one by one however many guesses run at once. A right answer that arrives
//! after parallel wrong ones have locked the account is refused too.

use chrono::Duration;
use induct_domain::TenantId;
use induct_domain::lockout::Gate;
use induct_domain::throttle::{self, LockScope};

use crate::auth::password::Verified;
use crate::auth::session::RequestMeta;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::audit::{AuditEventKind, NewAuditEvent};
use crate::store::users::UserRow;

/// How long a login or password re-entry counts as recent.
pub const STEP_UP_AFTER: Duration = Duration::minutes(5);

/// What is checked, and what is recorded of it.
pub struct SecretCheck<'a> {
    pub tenant: Option<TenantId>,
    /// The site's key for the account's lock (`Site::key`).
    pub site_key: &'a str,
    pub user: &'a UserRow,
    /// The stored Argon2id hash (none: nothing can match).
    pub hash: Option<&'a str>,
    /// What was typed, normalised as the secret is stored.
    pub typed: &'a str,
    /// The factor named in the audit event (`password`, `security_question`).
    pub factor: &'static str,
    /// The events recorded on a right and on a wrong answer, with their detail.
    pub on_right: Option<(AuditEventKind, &'static str)>,
    pub on_wrong: Option<(AuditEventKind, &'static str)>,
}

/// Checks the secret. `Ok(false)` when it is wrong or the account is locked.
pub async fn check_secret(state: &AppState, c: &SecretCheck<'_>, meta: &RequestMeta) -> Result<bool, AppError> {
    let store = state.store();
    let now = state.clock().now();
    let scope = LockScope::Account;
    let policy = scope.policy();
    let key = throttle::account_key(c.site_key, &c.user.username);
    if policy.gate(&store.get_lock(scope, &key, now).await?, now) == Gate::Locked {
        return Ok(false);
    }
    let verified = state.hasher().verify(c.typed, c.hash).await.map_err(|e| AppError::Internal(e.to_string()))?;
    let mut tx = store.begin().await?;
    let counter = store.lock_counter_for_update(&mut tx, scope, &key, now).await?;
    let right = matches!(verified, Verified::Yes { .. }) && policy.gate(&counter, now) != Gate::Locked;
    if !right {
        let (next, _) = policy.after_failure(&counter, now);
        store.save_counter(&mut tx, scope, &key, &next).await?;
    }
    if let Some((kind, detail)) = if right { c.on_right } else { c.on_wrong } {
        let event = NewAuditEvent {
            tenant: c.tenant,
            kind,
            actor: Some(c.user.user_id()),
            subject: Some(&c.user.username),
            ip: &meta.ip,
            user_agent: &meta.user_agent,
            factor: Some(c.factor),
            detail: Some(detail),
        };
        store.record_audit(&mut tx, &event, now).await?;
    }
    tx.commit().await?;
    Ok(right)
}

/// S1: a new session id at re-authentication; the old one stops working now. Returns the new
/// token for the cookie.
pub async fn rotate_session(state: &AppState, session_hash: &str) -> Result<String, AppError> {
    let token = crate::auth::new_token();
    state.store().rotate_session(session_hash, &crate::auth::hash_token(&token), state.clock().now()).await?;
    Ok(token)
}
