//! Setting up the second step of logging in (seed 000 "Two Factor Authentication"): an
//! authenticator app (RFC 6238, the stronger choice, docs/security.md M5), codes by text message to a
//! mobile number proved with a code first (M5), or codes by email ("email verification", section
//! 3). Roles that see many ECTs must keep an app or a proved mobile (D9). The caller has checked
//! a recent password (S5).

use chrono::{DateTime, Utc};
use induct_domain::lockout::{Gate, LockEvent};
use induct_domain::throttle::{self, LockScope};
use induct_domain::{Role, UserId};

use crate::auth::codes;
use crate::auth::login::{CHALLENGE_VALID, CodeChannel};
use crate::mail::messages::LockCause;
use crate::services::ServiceError;
use crate::services::accounts::Actor;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::audit::{AuditEventKind, NewAuditEvent};
use crate::store::users::UserRow;
use crate::tenancy::Site;

#[derive(Debug, thiserror::Error)]
pub enum TwoFactorError {
    #[error("an authenticator app is already set up")]
    AlreadyOn,
    #[error("no set-up is waiting for a code")]
    NothingPending,
    #[error("the code is not right")]
    WrongCode,
    #[error("too many wrong codes")]
    Locked,
    #[error("no mobile number")]
    NoMobile,
    #[error("the sending budget is spent")]
    NotSent,
    /// D9: the role must keep an app or a proved mobile number.
    #[error("the role needs a strong second factor")]
    RoleNeedsIt,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Failed(#[from] ServiceError),
}

fn event<'a>(site: &Site, kind: AuditEventKind, actor: &'a Actor<'a>, factor: &'a str) -> NewAuditEvent<'a> {
    NewAuditEvent {
        tenant: site.tenant_id(),
        kind,
        actor: Some(actor.user),
        subject: None,
        ip: actor.ip,
        user_agent: actor.user_agent,
        factor: Some(factor),
        detail: Some(factor),
    }
}

/// A new app secret waiting for its first code (replaces an unconfirmed one). Kept encrypted.
pub async fn start_totp(state: &AppState, user: UserId, now: DateTime<Utc>) -> Result<(), TwoFactorError> {
    let store = state.store();
    if store.totp_of(user).await?.is_some_and(|t| t.enabled_at.is_some()) {
        return Err(TwoFactorError::AlreadyOn);
    }
    let mut secret = [0u8; 20];
    rand::fill(&mut secret);
    let mut tx = store.begin().await?;
    store.start_totp(&mut tx, user, &state.keys().seal_totp_secret(user, &secret), now).await?;
    tx.commit().await?;
    Ok(())
}

/// The base32 secret of an app set-up waiting for its first code, to show on the page.
pub async fn pending_totp_secret(state: &AppState, user: UserId) -> Result<Option<Vec<u8>>, ServiceError> {
    let totp = state.store().totp_of(user).await?;
    Ok(totp.filter(|t| t.enabled_at.is_none()).and_then(|t| state.keys().open_totp_secret(user, &t.secret)))
}

pub async fn confirm_totp(
    state: &AppState,
    site: &Site,
    actor: &Actor<'_>,
    code: &str,
    now: DateTime<Utc>,
) -> Result<(), TwoFactorError> {
    let store = state.store();
    let secret = pending_totp_secret(state, actor.user).await?.ok_or(TwoFactorError::NothingPending)?;
    let step =
        induct_domain::mfa::verify_totp(&secret, code, now.timestamp(), None).ok_or(TwoFactorError::WrongCode)?;
    let mut tx = store.begin().await?;
    if !store.enable_totp(&mut tx, actor.user, step, now).await? {
        return Err(TwoFactorError::NothingPending);
    }
    store.record_audit(&mut tx, &event(site, AuditEventKind::SecondFactorEnabled, actor, "totp"), now).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn disable_totp(
    state: &AppState,
    site: &Site,
    role: Role,
    actor: &Actor<'_>,
    now: DateTime<Utc>,
) -> Result<(), TwoFactorError> {
    let store = state.store();
    let sms = store.sms_of(actor.user).await?.is_some_and(|s| s.verified_at.is_some());
    if role.needs_strong_second_factor() && !sms {
        return Err(TwoFactorError::RoleNeedsIt);
    }
    let mut tx = store.begin().await?;
    store.remove_totp(&mut tx, actor.user).await?;
    store.record_audit(&mut tx, &event(site, AuditEventKind::SecondFactorDisabled, actor, "totp"), now).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_email_codes(
    state: &AppState,
    site: &Site,
    actor: &Actor<'_>,
    on: bool,
    now: DateTime<Utc>,
) -> Result<(), TwoFactorError> {
    let store = state.store();
    let mut tx = store.begin().await?;
    store.set_email_verification(&mut tx, actor.user, on, now).await?;
    let kind = if on { AuditEventKind::SecondFactorEnabled } else { AuditEventKind::SecondFactorDisabled };
    store.record_audit(&mut tx, &event(site, kind, actor, "email_code"), now).await?;
    tx.commit().await?;
    Ok(())
}

/// Sends a code to the account's mobile number to prove it (docs/security.md M5: "Enabling SMS
/// requires proving the number with a code"). Counts on the account's and the AB's text budgets.
pub async fn start_sms(
    state: &AppState,
    site: &Site,
    user: &UserRow,
    now: DateTime<Utc>,
) -> Result<String, TwoFactorError> {
    let store = state.store();
    let mobile = store.user_mobile(user.user_id()).await?.ok_or(TwoFactorError::NoMobile)?;
    let mut tx = store.begin().await?;
    if !crate::auth::login::spend_code_budget(state, &mut tx, site, &user.username, CodeChannel::Sms, now).await? {
        return Err(TwoFactorError::NotSent);
    }
    let code = codes::new_code();
    let salt = codes::new_salt();
    let expires = now + CHALLENGE_VALID;
    store
        .start_sms_enrolment(&mut tx, user.user_id(), &mobile, &codes::hash_code(&salt, &code), &salt, expires, now)
        .await?;
    let sms = crate::mail::messages::mobile_code_sms(state, site, user, &mobile, &code, expires)?;
    store.enqueue_sms(&mut tx, &sms, &state.config().server.base_domain, now).await?;
    tx.commit().await?;
    state.wake_mailer();
    Ok(mobile)
}

/// Checks the code sent to the mobile number. Wrong codes count on the second step's lock (5 wrong
/// codes: 30 minutes, docs/security.md M4), so the number cannot be "proved" by guessing.
pub async fn confirm_sms(
    state: &AppState,
    site: &Site,
    user: &UserRow,
    actor: &Actor<'_>,
    code: &str,
    now: DateTime<Utc>,
) -> Result<(), TwoFactorError> {
    let store = state.store();
    let scope = LockScope::SecondFactor;
    let key = throttle::account_key(&site.key(), &user.username);
    let pending = store.sms_of(user.user_id()).await?.filter(|s| s.verified_at.is_none());
    let Some(pending) = pending else { return Err(TwoFactorError::NothingPending) };
    let typed: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let mut tx = store.begin().await?;
    let counter = store.lock_counter_for_update(&mut tx, scope, &key, now).await?;
    if scope.policy().gate(&counter, now) == Gate::Locked {
        return Err(TwoFactorError::Locked);
    }
    let matches = match (&pending.code_hash, &pending.code_salt, pending.code_expires_at) {
        (Some(hash), Some(salt), Some(expires)) => expires > now && codes::hash_code(salt, &typed) == *hash,
        _ => false,
    };
    if matches && store.confirm_sms(&mut tx, user.user_id(), &pending.mobile, now).await? {
        store.clear_counter(&mut tx, scope, &key).await?;
        store.record_audit(&mut tx, &event(site, AuditEventKind::SecondFactorEnabled, actor, "sms_code"), now).await?;
        tx.commit().await?;
        return Ok(());
    }
    let (after, lock_event) = scope.policy().after_failure(&counter, now);
    store.save_counter(&mut tx, scope, &key, &after).await?;
    let outcome = match lock_event {
        None => TwoFactorError::WrongCode,
        Some(ev) => {
            let message = crate::mail::messages::account_locked(state, site, user, ev, LockCause::Codes, now)?;
            store.enqueue_mail(&mut tx, &message, &state.config().server.base_domain, now).await?;
            if ev == LockEvent::HardLocked {
                // M4: the third lock in a row locks the account itself.
                store.hard_lock(&mut tx, LockScope::Account, &key, now).await?;
            }
            TwoFactorError::Locked
        }
    };
    tx.commit().await?;
    state.wake_mailer();
    Err(outcome)
}

pub async fn disable_sms(
    state: &AppState,
    site: &Site,
    role: Role,
    actor: &Actor<'_>,
    now: DateTime<Utc>,
) -> Result<(), TwoFactorError> {
    let store = state.store();
    let totp = store.totp_of(actor.user).await?.is_some_and(|t| t.enabled_at.is_some());
    let sms_on = store.sms_of(actor.user).await?.is_some_and(|s| s.verified_at.is_some());
    if role.needs_strong_second_factor() && !totp && sms_on {
        return Err(TwoFactorError::RoleNeedsIt);
    }
    let mut tx = store.begin().await?;
    store.remove_sms(&mut tx, actor.user).await?;
    store.record_audit(&mut tx, &event(site, AuditEventKind::SecondFactorDisabled, actor, "sms_code"), now).await?;
    tx.commit().await?;
    Ok(())
}

/// Seed 000: "Dismiss this message for one month" on the banner inviting two-step verification.
pub async fn dismiss_banner(state: &AppState, user: UserId) -> Result<(), StoreError> {
    let store = state.store();
    let now = state.clock().now();
    let mut tx = store.begin().await?;
    store.dismiss_mfa_banner(&mut tx, user, now + chrono::Duration::days(30)).await?;
    tx.commit().await
}
