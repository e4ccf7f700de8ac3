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
use crate::mail::messages::LockCause;
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

/// How long a pending login waits for its code (docs/security.md M2: five minutes).
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

    // What second steps the account has is read only for a right password (an unknown user's
    // refusal must not take longer for it).
    let factors = match (&verified, usable) {
        (Verified::Yes { .. }, Some(user)) => second_factors_of(state, user.user_id()).await?,
        _ => SecondFactors::default(),
    };
    match (verified, usable) {
        (Verified::Yes { .. }, Some(user)) if factors.any() => {
            // The second factor's own counter (docs/security.md M4): while it is locked, no new
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
            // With one way to receive codes, the code goes at once; with two, the person chooses
            // on the next page (seed 000: "you will be asked how you wish to receive your
            // verification code"). An app needs nothing sent.
            if let [channel] = factors.code_channels()[..]
                && !factors.totp
                && !issue_code(state, &mut tx, a.site, user, &factors, &hash_token(&token), channel, now).await?
            {
                return Ok(LoginOutcome::TooManyAttempts);
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
        crate::services::first_login::setup_required(state, user.user_id(), user.tenant_id.map(TenantId), user.role()?)
            .await?;
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
            let message = mail::messages::account_locked(state, a.site, user, lock_event, LockCause::Passwords, now)?;
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
    // (docs/security.md A7: failures 1-5 answer alike); the next attempt meets the lock.
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

/// How a code reaches its owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeChannel {
    Email,
    Sms,
}

impl CodeChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            CodeChannel::Email => "email",
            CodeChannel::Sms => "sms",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "email" => Some(CodeChannel::Email),
            "sms" => Some(CodeChannel::Sms),
            _ => None,
        }
    }

    /// The audit log's name of the factor (docs/security.md A10: "the factor used").
    pub fn factor(self) -> &'static str {
        match self {
            CodeChannel::Email => "email_code",
            CodeChannel::Sms => "sms_code",
        }
    }
}

/// The second steps a person has set up. An authenticator app is the stronger and is asked for
/// when it is on (docs/security.md M5); otherwise codes go by email or by text message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecondFactors {
    pub totp: bool,
    pub email: bool,
    /// A verified mobile number (national form).
    pub sms: Option<String>,
}

impl SecondFactors {
    pub fn any(&self) -> bool {
        self.totp || self.email || self.sms.is_some()
    }

    /// An app or a verified mobile: what D9 asks of staff who see many ECTs (email is not enough:
    /// docs/security.md section 3).
    pub fn strong(&self) -> bool {
        self.totp || self.sms.is_some()
    }

    /// The ways codes can be sent, text message first (the seed's order: "via email or text" is
    /// offered as a choice; a phone is the stronger of the two).
    pub fn code_channels(&self) -> Vec<CodeChannel> {
        let mut out = vec![];
        if self.sms.is_some() {
            out.push(CodeChannel::Sms);
        }
        if self.email {
            out.push(CodeChannel::Email);
        }
        out
    }
}

pub async fn second_factors_of(state: &AppState, user: UserId) -> Result<SecondFactors, AppError> {
    let store = state.store();
    Ok(SecondFactors {
        totp: store.totp_of(user).await?.is_some_and(|t| t.enabled_at.is_some()),
        email: store.email_verification_on(user).await?,
        sms: store.sms_of(user).await?.filter(|s| s.verified_at.is_some()).map(|s| s.mobile),
    })
}

/// Sends a new code for a pending login by `channel`; any earlier code of it stops working (M3).
/// Every code counts on the account's send budget (5 an hour), and text messages also on the
/// AB's (200 an hour; docs/security.md section 3). False when a budget is spent: nothing is sent.
#[allow(clippy::too_many_arguments)]
pub async fn issue_code(
    state: &AppState,
    tx: &mut crate::store::Tx,
    site: &Site,
    user: &UserRow,
    factors: &SecondFactors,
    challenge_hash: &str,
    channel: CodeChannel,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let store = state.store();
    let mobile = match channel {
        CodeChannel::Sms => Some(factors.sms.clone().ok_or(AppError::BadRequest("no verified mobile number"))?),
        CodeChannel::Email if factors.email => None,
        CodeChannel::Email => return Err(AppError::BadRequest("codes by email are off")),
    };
    if !spend_code_budget(state, tx, site, &user.username, channel, now).await? {
        return Ok(false);
    }
    let code = super::codes::new_code();
    let salt = super::codes::new_salt();
    let expires = now + CHALLENGE_VALID;
    store
        .put_login_code(tx, challenge_hash, &super::codes::hash_code(&salt, &code), &salt, channel.as_str(), expires)
        .await?;
    let domain = &state.config().server.base_domain;
    match mobile {
        Some(mobile) => {
            let sms = crate::mail::messages::login_code_sms(state, site, user, &mobile, &code, expires)?;
            store.enqueue_sms(tx, &sms, domain, now).await?;
        }
        None => {
            let mail = mail::messages::login_code(state, site, user, &code, expires)?;
            store.enqueue_mail(tx, &mail, domain, now).await?;
        }
    }
    Ok(true)
}

/// Counts one code sent to an account on its budget (5 an hour, both kinds), and a text message on
/// its AB's too (200 an hour; docs/security.md section 3: "Rate-limit SMS sends (cost and DoS)").
/// False when a budget is spent: the caller sends nothing.
pub(crate) async fn spend_code_budget(
    state: &AppState,
    tx: &mut crate::store::Tx,
    site: &Site,
    username: &str,
    channel: CodeChannel,
    now: DateTime<Utc>,
) -> Result<bool, crate::store::StoreError> {
    let store = state.store();
    let mut budgets = vec![(LockScope::CodeSend, throttle::account_key(&site.key(), username))];
    if channel == CodeChannel::Sms {
        budgets.push((LockScope::SmsTenant, site.key()));
    }
    for (scope, key) in &budgets {
        let counter = store.lock_counter_for_update(tx, *scope, key, now).await?;
        if scope.policy().gate(&counter, now) == Gate::Locked {
            return Ok(false);
        }
        let (next, _) = scope.policy().after_failure(&counter, now);
        store.save_counter(tx, *scope, key, &next).await?;
    }
    Ok(true)
}

/// What "Send verification code" or "Resend code" did.
#[derive(Debug, PartialEq, Eq)]
pub enum SendOutcome {
    Sent(CodeChannel),
    /// A budget is spent (or the chosen way is not set up): nothing sent.
    NotSent,
    /// The pending login is over.
    Expired,
}

/// "Send Verification Code" and "Resend Code" (seed 000): a new code by the chosen way (or the
/// way the last one went) replaces the old.
pub async fn resend_code(
    state: &AppState,
    site: &Site,
    challenge_token: &str,
    channel: Option<CodeChannel>,
) -> Result<SendOutcome, AppError> {
    let store = state.store();
    let now = state.clock().now();
    let challenge = hash_token(challenge_token);
    let Some(user_id) = store.challenge_user(&challenge, now).await? else { return Ok(SendOutcome::Expired) };
    let user = store.get_user(user_id).await?.ok_or(AppError::NotFound)?;
    // A pending login belongs to its own AB's site.
    if user.tenant_id != site.tenant_id().map(|t| t.0) || !user.active {
        return Ok(SendOutcome::Expired);
    }
    let factors = second_factors_of(state, user_id).await?;
    let last = store.login_code_channel(&challenge).await?.and_then(|c| CodeChannel::parse(&c));
    let channels = factors.code_channels();
    let Some(channel) = channel.or(last).or(channels.first().copied()).filter(|c| channels.contains(c)) else {
        return Ok(SendOutcome::NotSent);
    };
    if factors.totp {
        return Ok(SendOutcome::NotSent);
    }
    let mut tx = store.begin().await?;
    if !issue_code(state, &mut tx, site, &user, &factors, &challenge, channel, now).await? {
        return Ok(SendOutcome::NotSent);
    }
    tx.commit().await?;
    state.wake_mailer();
    Ok(SendOutcome::Sent(channel))
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
    /// (docs/security.md M4).
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
    let setup =
        crate::services::first_login::setup_required(state, user_id, user.tenant_id.map(TenantId), user.role()?)
            .await?;
    let scope = LockScope::SecondFactor;
    let key = throttle::account_key(&site.key(), &user.username);
    let policy = scope.policy();
    // What the code is checked against is read before the transaction (no pool reads while it
    // holds a connection); using the step or code is a conditional write inside it, so a replay
    // racing this request loses.
    let factors = second_factors_of(state, user_id).await?;
    let totp = store.totp_of(user_id).await?.filter(|t| t.enabled_at.is_some());
    let sent = store.login_code(&challenge, now).await?;
    let mut tx = store.begin().await?;
    let counter = store.lock_counter_for_update(&mut tx, scope, &key, now).await?;
    if policy.gate(&counter, now) == Gate::Locked {
        store.end_challenge(&mut tx, &challenge, now).await?;
        tx.commit().await?;
        return Ok(SecondFactorOutcome::Locked);
    }
    let (right, factor) = if factors.totp {
        let step = totp.as_ref().and_then(|t| {
            let secret = state.keys().open_totp_secret(user_id, &t.secret)?;
            induct_domain::mfa::verify_totp(&secret, code, now.timestamp(), t.last_step)
        });
        let right = match step {
            Some(step) => store.use_totp_step(&mut tx, user_id, step).await?,
            None => false,
        };
        (right, "totp")
    } else {
        let typed: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        match sent {
            Some((hash, salt, channel)) => {
                let factor = CodeChannel::parse(&channel).unwrap_or(CodeChannel::Email).factor();
                let right = super::codes::hash_code(&salt, &typed) == hash
                    && store.use_login_code(&mut tx, &challenge, now).await?;
                (right, factor)
            }
            None => (false, "code"),
        }
    };
    let mut factor_event = event(site.tenant_id(), AuditEventKind::LoginSuccess, Some(user_id), &a, None);
    factor_event.factor = Some(factor);
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
            if ev == LockEvent::HardLocked {
                // docs/security.md M4: "hard-lock after 3 consecutive OTP lock cycles": the account
                // itself, until an emailed reset or the AB's administrator clears it.
                store.hard_lock(&mut tx, LockScope::Account, &key, now).await?;
            }
            // docs/security.md M4: the owner hears of every second-factor lock.
            let message = mail::messages::account_locked(state, site, &user, ev, LockCause::Codes, now)?;
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
