//! The login service: username and password against three failure counters, with an audit event
//! for every attempt and an email at the first lock.

use chrono::{DateTime, Utc};
use induct_domain::lockout::{Gate, LockEvent, LockState};
use induct_domain::throttle::{self, LockScope};
use induct_domain::username::Username;
use induct_domain::{TenantId, UserId};

use super::password::Verified;
use super::{hash_token, new_token};
use crate::error::AppError;
use crate::mail;
use crate::state::AppState;
use crate::store::audit::{AuditEventKind, NewAuditEvent};
use crate::store::sessions::NewSession;
use crate::store::users::UserRow;
use crate::tenancy::Site;

pub struct LoginAttempt<'a> {
    pub site: &'a Site,
    pub username: &'a str,
    pub password: &'a str,
    pub ip: &'a str,
    pub user_agent: &'a str,
}

#[derive(Debug)]
pub enum LoginOutcome {
    /// Signed in: the new session's token goes into the cookie.
    SignedIn { session_token: String, user_id: UserId, setup_required: bool },
    /// Wrong username or password: one message for both (A6).
    BadCredentials,
    /// Locked by one of the counters: one message whichever it was, and whether or not the
    /// account exists (A7).
    TooManyAttempts,
    /// The password was right; the account has a second factor. The token goes into a short-lived
    /// cookie for the code page.
    SecondFactor { challenge_token: String },
}

/// How long a pending login waits for its code (SECURITY.md M2: five minutes).
pub const CHALLENGE_VALID: chrono::Duration = chrono::Duration::minutes(5);

/// The counters one attempt touches, with their keys.
fn counters(site: &Site, username: &str, ip: &str) -> [(LockScope, String); 3] {
    let site_key = site.key();
    // Long junk in the username field must not make long keys.
    let name: String = username.trim().chars().take(64).collect();
    [
        (LockScope::Account, throttle::account_key(&site_key, &name)),
        (LockScope::AddressAndUsername, throttle::address_and_username_key(ip, &site_key, &name)),
        (LockScope::Address, throttle::address_key(ip)),
    ]
}

pub async fn attempt_login(state: &AppState, a: &LoginAttempt<'_>) -> Result<LoginOutcome, AppError> {
    let store = state.store();
    let tenant = a.site.tenant_id();
    let keys = counters(a.site, a.username, a.ip);
    let now = state.clock().now();

    // 1. Any counter locked: refuse without checking the password, even a correct one (A7).
    for (scope, key) in &keys {
        let lock = store.get_lock(*scope, key, now).await?;
        if scope.policy().gate(&lock, now) == Gate::Locked {
            audit_only(state, tenant, AuditEventKind::LoginFail, None, a, Some("locked")).await?;
            return Ok(LoginOutcome::TooManyAttempts);
        }
    }

    // 2. Check the password. Unknown, inactive or password-less accounts verify a dummy hash so
    //    that every refusal takes the same time (A6).
    let user = match Username::parse(a.username) {
        Ok(u) => store.find_user_for_login(tenant, u.as_str()).await?,
        Err(_) => None,
    };
    let usable = user.as_ref().filter(|u| u.active && u.password_hash.is_some());
    let verified = state
        .hasher()
        .verify(a.password, usable.and_then(|u| u.password_hash.as_deref()))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;

    match (verified, usable) {
        (Verified::Yes { .. }, Some(user)) if second_factor_of(state, user.user_id()).await?.is_some() => {
            // The second factor's own counter (SECURITY.md M4): while it is locked, no new
            // challenge is issued.
            let key = throttle::account_key(&a.site.key(), user.username.as_str());
            let lock = store.get_lock(LockScope::SecondFactor, &key, now).await?;
            if LockScope::SecondFactor.policy().gate(&lock, now) == Gate::Locked {
                audit_only(
                    state,
                    tenant,
                    AuditEventKind::LoginFail,
                    Some(user.user_id()),
                    a,
                    Some("second_factor_locked"),
                )
                .await?;
                return Ok(LoginOutcome::TooManyAttempts);
            }
            let token = new_token();
            let mut tx = store.begin().await?;
            for (scope, key) in keys.iter().filter(|(s, _)| *s != LockScope::Address) {
                store.lock_counter_for_update(&mut tx, *scope, key, now).await?;
                store.clear_counter(&mut tx, *scope, key).await?;
            }
            store
                .create_challenge(&mut tx, &hash_token(&token), user.user_id(), a.ip, now, now + CHALLENGE_VALID)
                .await?;
            if second_factor_of(state, user.user_id()).await? == Some(SecondFactor::EmailCode) {
                // Codes sent at login count on the same budget as resends (no mail-bombing by
                // logging in again and again with a known password).
                let scope = LockScope::CodeSend;
                let counter = store.lock_counter_for_update(&mut tx, scope, &key, now).await?;
                if scope.policy().gate(&counter, now) == Gate::Locked {
                    return Ok(LoginOutcome::TooManyAttempts);
                }
                let (next, _) = scope.policy().after_failure(&counter, now);
                store.save_counter(&mut tx, scope, &key, &next).await?;
                send_code(state, &mut tx, a.site, user, &hash_token(&token), now).await?;
            }
            store
                .record_audit(
                    &mut tx,
                    &event(tenant, AuditEventKind::SecondFactorRequested, Some(user.user_id()), a, None),
                    now,
                )
                .await?;
            tx.commit().await?;
            state.wake_mailer();
            Ok(LoginOutcome::SecondFactor { challenge_token: token })
        }
        (Verified::Yes { needs_rehash }, Some(user)) => {
            let (token, setup_required) = sign_in(state, a, user, needs_rehash, &keys, now).await?;
            Ok(LoginOutcome::SignedIn { session_token: token, user_id: user.user_id(), setup_required })
        }
        _ => record_failure(state, a, user.as_ref(), &keys, now).await,
    }
}

async fn sign_in(
    state: &AppState,
    a: &LoginAttempt<'_>,
    user: &UserRow,
    needs_rehash: bool,
    keys: &[(LockScope, String); 3],
    now: DateTime<Utc>,
) -> Result<(String, bool), AppError> {
    let store = state.store();
    // Asked before the transaction: it may call the AB's plugin.
    let setup =
        crate::first_login::setup_required(state, user.user_id(), user.tenant_id.map(TenantId), user.role()?).await?;
    let new_hash = if needs_rehash {
        Some(state.hasher().hash(a.password).await.map_err(|e| AppError::Internal(e.to_string()))?)
    } else {
        None
    };
    let token = new_token();
    let mut tx = store.begin().await?;
    // A success clears the account's and this address's counters for it; the address budget
    // across usernames stays, so one good account cannot launder a spraying run (A9).
    let mut had_failures = false;
    for (scope, key) in keys.iter().filter(|(s, _)| *s != LockScope::Address) {
        let state_before = store.lock_counter_for_update(&mut tx, *scope, key, now).await?;
        had_failures |= state_before.failures > 0;
        store.clear_counter(&mut tx, *scope, key).await?;
    }
    if let Some(hash) = &new_hash {
        store.set_password_hash(&mut tx, user.user_id(), hash, now).await?;
    }
    store
        .create_session(
            &mut tx,
            &NewSession {
                id_hash: &hash_token(&token),
                user: user.user_id(),
                tenant: user.tenant_id.map(TenantId),
                ip: a.ip,
                user_agent: a.user_agent,
            },
            now,
        )
        .await?;
    if setup {
        store.set_setup_required(&mut tx, &hash_token(&token), true).await?;
    }
    let kind = if had_failures { AuditEventKind::LoginSuccessAfterFail } else { AuditEventKind::LoginSuccess };
    store.record_audit(&mut tx, &event(a.site.tenant_id(), kind, Some(user.user_id()), a, None), now).await?;
    tx.commit().await?;
    Ok((token, setup))
}

async fn record_failure(
    state: &AppState,
    a: &LoginAttempt<'_>,
    user: Option<&UserRow>,
    keys: &[(LockScope, String); 3],
    now: DateTime<Utc>,
) -> Result<LoginOutcome, AppError> {
    let store = state.store();
    let tenant = a.site.tenant_id();
    let actor = user.map(UserRow::user_id);
    let mut tx = store.begin().await?;
    store
        .record_audit(&mut tx, &event(tenant, AuditEventKind::LoginFail, actor, a, Some("bad_credentials")), now)
        .await?;
    let mut raced_lock = false;
    let mut locked_scopes = vec![];
    for (scope, key) in keys {
        let before: LockState = store.lock_counter_for_update(&mut tx, *scope, key, now).await?;
        let policy = scope.policy();
        if policy.gate(&before, now) == Gate::Locked {
            // Another process locked it while this password was being checked.
            raced_lock = true;
            continue;
        }
        let (after, lock_event) = policy.after_failure(&before, now);
        store.save_counter(&mut tx, *scope, key, &after).await?;
        let Some(lock_event) = lock_event else {
            continue;
        };
        locked_scopes.push(match lock_event {
            LockEvent::HardLocked => format!("{}_hard", scope.as_str()),
            LockEvent::Locked { .. } => scope.as_str().to_owned(),
        });
        // Tell the account's owner at the first lock of a run and at the hard lock (A8).
        let notify = matches!(lock_event, LockEvent::Locked { first: true, .. } | LockEvent::HardLocked);
        if *scope == LockScope::Account
            && notify
            && let Some(user) = user
        {
            let message = mail::messages::account_locked(state, a.site, user, lock_event, now)?;
            store.enqueue_mail(&mut tx, &message, &state.config().server.base_domain, now).await?;
        }
    }
    // One lock event per attempt that locked, naming every counter it locked (A10).
    if !locked_scopes.is_empty() {
        let detail = locked_scopes.join(",");
        store.record_audit(&mut tx, &event(tenant, AuditEventKind::LoginLock, actor, a, Some(&detail)), now).await?;
    }
    tx.commit().await?;
    state.wake_mailer();
    // The attempt that reaches the limit is told its password was wrong, like the four before it
    // (SECURITY.md A7: failures 1-5 answer alike); the next attempt meets the lock.
    Ok(if raced_lock { LoginOutcome::TooManyAttempts } else { LoginOutcome::BadCredentials })
}

fn event<'a>(
    tenant: Option<TenantId>,
    kind: AuditEventKind,
    actor: Option<UserId>,
    a: &'a LoginAttempt<'a>,
    detail: Option<&'a str>,
) -> NewAuditEvent<'a> {
    NewAuditEvent {
        tenant,
        kind,
        actor,
        // Only a well-formed username is kept: people type passwords into the username field.
        subject: Some(a.username.trim()).filter(|u| Username::parse(u).is_ok()),
        ip: a.ip,
        user_agent: a.user_agent,
        factor: Some("password"),
        detail,
    }
}

async fn audit_only(
    state: &AppState,
    tenant: Option<TenantId>,
    kind: AuditEventKind,
    actor: Option<UserId>,
    a: &LoginAttempt<'_>,
    detail: Option<&str>,
) -> Result<(), AppError> {
    let now = state.clock().now();
    let mut tx = state.store().begin().await?;
    state.store().record_audit(&mut tx, &event(tenant, kind, actor, a, detail), now).await?;
    tx.commit().await?;
    Ok(())
}

/// The second step a user has: an authenticator app (preferred, the stronger) or codes by email.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecondFactor {
    Totp,
    EmailCode,
}

pub async fn second_factor_of(state: &AppState, user: UserId) -> Result<Option<SecondFactor>, AppError> {
    if state.store().totp_of(user).await?.is_some_and(|t| t.enabled_at.is_some()) {
        return Ok(Some(SecondFactor::Totp));
    }
    Ok(state.store().email_verification_on(user).await?.then_some(SecondFactor::EmailCode))
}

/// A new code for a pending login, by email; any earlier code of it stops working (M3).
pub async fn send_code(
    state: &AppState,
    tx: &mut crate::store::Tx,
    site: &Site,
    user: &UserRow,
    challenge_hash: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let code = super::codes::new_code();
    let salt = super::codes::new_salt();
    let expires = now + CHALLENGE_VALID;
    state.store().put_login_code(tx, challenge_hash, &super::codes::hash_code(&salt, &code), &salt, expires).await?;
    let mail = mail::messages::login_code(state, site, user, &code, expires)?;
    state.store().enqueue_mail(tx, &mail, &state.config().server.base_domain, now).await?;
    Ok(())
}

/// "Resend Code" (seed 000): a new code replaces the old, within a budget of 5 sends an hour per
/// account. False when the pending login is over or the budget spent.
pub async fn resend_code(state: &AppState, site: &Site, challenge_token: &str) -> Result<bool, AppError> {
    let store = state.store();
    let now = state.clock().now();
    let challenge = hash_token(challenge_token);
    let Some(user_id) = store.challenge_user(&challenge, now).await? else { return Ok(false) };
    if second_factor_of(state, user_id).await? != Some(SecondFactor::EmailCode) {
        return Ok(false);
    }
    let user = store.get_user(user_id).await?.ok_or(AppError::NotFound)?;
    // A pending login belongs to its own AB's site.
    if user.tenant_id != site.tenant_id().map(|t| t.0) || !user.active {
        return Ok(false);
    }
    let scope = LockScope::CodeSend;
    let key = throttle::account_key(&site.key(), &user.username);
    let mut tx = store.begin().await?;
    let counter = store.lock_counter_for_update(&mut tx, scope, &key, now).await?;
    if scope.policy().gate(&counter, now) == Gate::Locked {
        return Ok(false);
    }
    let (next, _) = scope.policy().after_failure(&counter, now);
    store.save_counter(&mut tx, scope, &key, &next).await?;
    send_code(state, &mut tx, site, &user, &challenge, now).await?;
    tx.commit().await?;
    state.wake_mailer();
    Ok(true)
}

/// What a code typed on the second-factor page did.
#[derive(Debug)]
pub enum SecondFactorOutcome {
    SignedIn {
        session_token: String,
        setup_required: bool,
    },
    /// Wrong (or already used) code: try again.
    WrongCode,
    /// Five wrong codes: the factor is locked for 30 minutes and the pending login cancelled
    /// (SECURITY.md M4).
    Locked,
    /// The pending login has expired or ended: start again.
    Expired,
}

/// Checks an authenticator-app code for a pending login (RFC 6238, one step either side, never
/// the same step twice) and starts the session when it is right.
pub async fn finish_second_factor(
    state: &AppState,
    site: &Site,
    challenge_token: &str,
    code: &str,
    ip: &str,
    user_agent: &str,
) -> Result<SecondFactorOutcome, AppError> {
    let store = state.store();
    let now = state.clock().now();
    let challenge = hash_token(challenge_token);
    let Some(user_id) = store.challenge_user(&challenge, now).await? else { return Ok(SecondFactorOutcome::Expired) };
    let user = store.get_user(user_id).await?.ok_or(AppError::NotFound)?;
    if user.tenant_id != site.tenant_id().map(|t| t.0) || !user.active {
        return Ok(SecondFactorOutcome::Expired);
    }
    let a = LoginAttempt { site, username: &user.username, password: "", ip, user_agent };
    let setup = crate::first_login::setup_required(state, user_id, user.tenant_id.map(TenantId), user.role()?).await?;
    let scope = LockScope::SecondFactor;
    let key = throttle::account_key(&site.key(), &user.username);
    let policy = scope.policy();
    // What the code is checked against is read before the transaction (no pool reads while it
    // holds a connection); using the step or code is a conditional write inside it, so a replay
    // racing this request loses.
    let method = second_factor_of(state, user_id).await?;
    let totp = store.totp_of(user_id).await?.filter(|t| t.enabled_at.is_some());
    let emailed = store.login_code(&challenge, now).await?;
    let mut tx = store.begin().await?;
    let counter = store.lock_counter_for_update(&mut tx, scope, &key, now).await?;
    if policy.gate(&counter, now) == Gate::Locked {
        store.end_challenge(&mut tx, &challenge, now).await?;
        tx.commit().await?;
        return Ok(SecondFactorOutcome::Locked);
    }
    let right = match method {
        Some(SecondFactor::Totp) => {
            let step = totp.as_ref().and_then(|t| {
                let secret = induct_domain::mfa::base32_decode(&t.secret)?;
                induct_domain::mfa::verify_totp(&secret, code, now.timestamp(), t.last_step)
            });
            match step {
                Some(step) => store.use_totp_step(&mut tx, user_id, step).await?,
                None => false,
            }
        }
        Some(SecondFactor::EmailCode) => {
            let typed: String = code.chars().filter(|c| !c.is_whitespace()).collect();
            match emailed {
                Some((hash, salt)) if super::codes::hash_code(&salt, &typed) == hash => {
                    store.use_login_code(&mut tx, &challenge, now).await?
                }
                _ => false,
            }
        }
        None => false,
    };
    let mut factor_event = event(site.tenant_id(), AuditEventKind::LoginSuccess, Some(user_id), &a, None);
    factor_event.factor = Some(match method {
        Some(SecondFactor::EmailCode) => "email_code",
        _ => "totp",
    });
    if right {
        if !store.end_challenge(&mut tx, &challenge, now).await? {
            return Ok(SecondFactorOutcome::Expired);
        }
        store.clear_counter(&mut tx, scope, &key).await?;
        let token = new_token();
        store
            .create_session(
                &mut tx,
                &NewSession {
                    id_hash: &hash_token(&token),
                    user: user_id,
                    tenant: user.tenant_id.map(TenantId),
                    ip,
                    user_agent,
                },
                now,
            )
            .await?;
        if setup {
            store.set_setup_required(&mut tx, &hash_token(&token), true).await?;
        }
        store.record_audit(&mut tx, &factor_event, now).await?;
        tx.commit().await?;
        return Ok(SecondFactorOutcome::SignedIn { session_token: token, setup_required: setup });
    }
    let (after, lock_event) = policy.after_failure(&counter, now);
    store.save_counter(&mut tx, scope, &key, &after).await?;
    factor_event.kind = AuditEventKind::LoginFail;
    factor_event.detail = Some("wrong_code");
    store.record_audit(&mut tx, &factor_event, now).await?;
    let outcome = match lock_event {
        None => SecondFactorOutcome::WrongCode,
        Some(ev) => {
            store.end_challenge(&mut tx, &challenge, now).await?;
            factor_event.kind = AuditEventKind::LoginLock;
            factor_event.detail =
                Some(if matches!(ev, LockEvent::HardLocked) { "second_factor_hard" } else { "second_factor" });
            store.record_audit(&mut tx, &factor_event, now).await?;
            // SECURITY.md M4: the owner hears of every second-factor lock.
            let message = mail::messages::account_locked(state, site, &user, ev, now)?;
            store.enqueue_mail(&mut tx, &message, &state.config().server.base_domain, now).await?;
            SecondFactorOutcome::Locked
        }
    };
    tx.commit().await?;
    state.wake_mailer();
    Ok(outcome)
}

/// Ends a session (logout).
pub async fn sign_out(
    state: &AppState,
    session_hash: &str,
    user: UserId,
    tenant: Option<TenantId>,
    ip: &str,
    ua: &str,
) -> Result<(), AppError> {
    let now = state.clock().now();
    let mut tx = state.store().begin().await?;
    state.store().delete_session_in(&mut tx, session_hash).await?;
    state
        .store()
        .record_audit(
            &mut tx,
            &NewAuditEvent {
                tenant,
                kind: AuditEventKind::Logout,
                actor: Some(user),
                subject: None,
                ip,
                user_agent: ua,
                factor: None,
                detail: None,
            },
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(())
}
