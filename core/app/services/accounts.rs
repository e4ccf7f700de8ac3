//! People's accounts: adding staff to a school with a username and a set-password link (seed 001:
//! "they will receive an email ... containing their username"; never a password by email), sending
//! a new link, setting a password from a link, and deactivating staff who leave (seed 000).

use chrono::{DateTime, Duration, Utc};
use induct_domain::password::{PasswordProblem, check_new_password};
use induct_domain::username::Username;
use induct_domain::{Role, SchoolId, UserId};

use crate::auth::{hash_token, new_token};
use crate::services::ServiceError;
use crate::state::AppState;
use crate::store::audit::{AuditEventKind, NewAuditEvent};
use crate::store::users::{NewUser, UserRow};
use crate::store::{StoreError, Unique};
use crate::tenancy::Site;

/// How long a set-password link works. New staff may not read their email for days; a new link
/// invalidates the previous one, and the link works once (docs/security.md M6 asks at most 60 minutes
/// for password *resets*, which come with the account-recovery issue).
pub const SET_PASSWORD_LINK_VALID: Duration = Duration::days(7);

pub struct Actor<'a> {
    pub user: UserId,
    pub ip: &'a str,
    pub user_agent: &'a str,
}

fn audit<'a>(
    site: &Site,
    kind: AuditEventKind,
    actor: &'a Actor<'a>,
    subject: &'a str,
    detail: Option<&'a str>,
) -> NewAuditEvent<'a> {
    NewAuditEvent {
        tenant: site.tenant_id(),
        kind,
        actor: Some(actor.user),
        subject: Some(subject),
        ip: actor.ip,
        user_agent: actor.user_agent,
        factor: None,
        detail,
    }
}

/// A new 6-digit username not yet taken (seed 001: "your username (a 6 digit number)").
async fn fresh_username(state: &AppState) -> Result<String, ServiceError> {
    for _ in 0..50 {
        let n: u32 = 100_000 + rand::random_range(0..900_000);
        let name = Username::from_number(n).expect("in range").to_string();
        if !state.store().username_taken(&name).await? {
            return Ok(name);
        }
    }
    Err(ServiceError::Internal("no free username found".into()))
}

/// Creates an account at a school inside the caller's transaction: a fresh username, no password.
/// `None` when the username was taken meanwhile (the caller tries again in a new transaction).
pub(crate) async fn create_account(
    state: &AppState,
    tx: &mut crate::store::Tx,
    site: &Site,
    school: SchoolId,
    role: Role,
    name: &str,
    email: &str,
) -> Result<Option<UserRow>, ServiceError> {
    let tenant = site.tenant_id().ok_or(ServiceError::NotFound)?;
    let store = state.store();
    let now = state.clock().now();
    let username = fresh_username(state).await?;
    let created = store
        .create_user(
            tx,
            &NewUser {
                tenant: Some(tenant),
                username: &username,
                role,
                display_name: name,
                email,
                password_hash: None,
            },
            now,
        )
        .await;
    let id = match created {
        Ok(id) => id,
        // The username was taken meanwhile: the caller draws another.
        Err(e) if e.violates(Unique::Username) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    store.add_school_membership(tx, tenant, id, school, now).await?;
    Ok(Some(UserRow {
        id: id.0,
        tenant_id: Some(tenant.0),
        username,
        role: role.as_str().into(),
        display_name: name.into(),
        email: email.into(),
        password_hash: None,
        password_changed_at: None,
        active: true,
        created_at: now,
    }))
}

/// Adds a person to a school and emails them their username and a set-password link.
pub async fn add_to_school(
    state: &AppState,
    site: &Site,
    school: SchoolId,
    role: Role,
    name: &str,
    email: &str,
    actor: &Actor<'_>,
) -> Result<UserRow, ServiceError> {
    let store = state.store();
    let now = state.clock().now();
    // Two people can be given the same fresh username at once; the unique constraint decides.
    for _ in 0..3 {
        let mut tx = store.begin().await?;
        let Some(user) = create_account(state, &mut tx, site, school, role, name, email).await? else { continue };
        queue_link(state, &mut tx, site, &user, true, now).await?;
        let subject = user.id.to_string();
        store
            .record_audit(&mut tx, &audit(site, AuditEventKind::UserCreated, actor, &subject, Some(role.as_str())), now)
            .await?;
        tx.commit().await?;
        state.wake_mailer();
        return Ok(user);
    }
    Err(ServiceError::Internal("could not allocate a username".into()))
}

pub(crate) async fn queue_link(
    state: &AppState,
    tx: &mut crate::store::Tx,
    site: &Site,
    user: &UserRow,
    new_account: bool,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let token = new_token();
    let expires = now + SET_PASSWORD_LINK_VALID;
    state.store().create_password_token(tx, user.user_id(), &hash_token(&token), "set_password", now, expires).await?;
    let mail = crate::mail::messages::set_password_link(state, site, user, &token, expires, new_account)?;
    state.store().enqueue_mail(tx, &mail, &state.config().server.base_domain, now).await?;
    Ok(())
}

/// Emails a new set-password link (seed 000: heads and leads can "change the password" of a
/// tutor or ECT; we never show or send a password, only a link).
pub async fn send_link(state: &AppState, site: &Site, user: &UserRow, actor: &Actor<'_>) -> Result<(), ServiceError> {
    let now = state.clock().now();
    let mut tx = state.store().begin().await?;
    queue_link(state, &mut tx, site, user, user.password_hash.is_none(), now).await?;
    let subject = user.id.to_string();
    state
        .store()
        .record_audit(&mut tx, &audit(site, AuditEventKind::PasswordLinkSent, actor, &subject, None), now)
        .await?;
    tx.commit().await?;
    state.wake_mailer();
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum SetPasswordError {
    #[error("This link has expired or has already been used. Ask for a new one.")]
    InvalidLink,
    #[error(transparent)]
    Weak(#[from] PasswordProblem),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Failed(#[from] ServiceError),
}

/// The user a link is for, if it still works.
pub async fn link_user(state: &AppState, site: &Site, token: &str) -> Result<UserRow, SetPasswordError> {
    let now = state.clock().now();
    let id = state.store().valid_password_token(&hash_token(token), now).await?.ok_or(SetPasswordError::InvalidLink)?;
    let user = state.store().get_user(id).await?.ok_or(SetPasswordError::InvalidLink)?;
    // A link works only on its own AB's site.
    if user.tenant_id != site.tenant_id().map(|t| t.0) || !user.active {
        return Err(SetPasswordError::InvalidLink);
    }
    Ok(user)
}

/// Sets a password from a link: policy first (docs/security.md A2, A3), then one transaction that
/// uses the link (once only), stores the hash and ends the user's other sessions.
pub async fn set_password(
    state: &AppState,
    site: &Site,
    token: &str,
    password: &str,
    ip: &str,
    ua: &str,
) -> Result<UserRow, SetPasswordError> {
    let user = link_user(state, site, token).await?;
    check_new_password(password, &[site.name(), &user.username, &user.email, &user.display_name])?;
    let hash = state.hasher().hash(password).await.map_err(|e| ServiceError::Internal(e.to_string()))?;
    let now = state.clock().now();
    let store = state.store();
    let mut tx = store.begin().await?;
    if !store.use_password_token(&mut tx, &hash_token(token), now).await? {
        return Err(SetPasswordError::InvalidLink);
    }
    store.set_password_hash(&mut tx, user.user_id(), &hash, now).await?;
    // A password chosen by its owner ends a "compromised" mark (docs/security.md A5).
    store.set_must_change_password(&mut tx, user.user_id(), false).await?;
    store.delete_sessions_of_user(&mut tx, user.user_id()).await?;
    store.end_challenges_of_user(&mut tx, user.user_id(), now).await?;
    // A password set from the emailed link clears the account's login lock, the hard lock too
    // (README: "until an administrator or a password reset clears it"). The second factor's lock
    // stays: a reset never bypasses it (docs/security.md M6).
    let key = induct_domain::throttle::account_key(&site.key(), &user.username);
    store.clear_counter(&mut tx, induct_domain::throttle::LockScope::Account, &key).await?;
    let any_address = induct_domain::throttle::address_and_username_key("", &site.key(), &user.username);
    store.clear_counters_ending(&mut tx, induct_domain::throttle::LockScope::AddressAndUsername, &any_address).await?;
    // A reset of an existing password is news to the owner (docs/security.md M6: notification mail).
    if user.password_hash.is_some() {
        let mail = crate::mail::messages::account_changed(state, site, &user, &user.email, "password", now)?;
        store.enqueue_mail(&mut tx, &mail, &state.config().server.base_domain, now).await?;
    }
    let subject = user.id.to_string();
    let actor = Actor { user: user.user_id(), ip, user_agent: ua };
    store
        .record_audit(
            &mut tx,
            &audit(site, AuditEventKind::PasswordSet, &actor, &subject, Some("set_password_link")),
            now,
        )
        .await?;
    tx.commit().await?;
    state.wake_mailer();
    Ok(user)
}

/// How long a password-reset link works (docs/security.md M6: at most 60 minutes).
pub const RESET_LINK_VALID: Duration = Duration::minutes(60);

/// Counts one use of a budget; false when it is spent (the counter machine of the login locks).
pub(crate) async fn within_budget(
    state: &AppState,
    scope: induct_domain::throttle::LockScope,
    key: &str,
    now: DateTime<Utc>,
) -> Result<bool, ServiceError> {
    use induct_domain::lockout::Gate;
    let policy = scope.policy();
    let mut tx = state.store().begin().await?;
    let current = state.store().lock_counter_for_update(&mut tx, scope, key, now).await?;
    if policy.gate(&current, now) == Gate::Locked {
        return Ok(false);
    }
    let (next, _) = policy.after_failure(&current, now);
    state.store().save_counter(&mut tx, scope, key, &next).await?;
    tx.commit().await?;
    Ok(true)
}

/// Seed 000 "Can't access your account": the username, email address or mobile number names the
/// account(s); each gets its username and a single-use reset link by email (docs/security.md M6). The
/// caller shows the same answer whatever happened, so nothing reveals whether an account exists.
/// Budgets: 3 emails per account per hour, 10 requests per address per hour.
pub async fn request_recovery(
    state: &AppState,
    site: &Site,
    identifier: &str,
    ip: &str,
    user_agent: &str,
) -> Result<(), ServiceError> {
    use induct_domain::throttle::LockScope;
    let now = state.clock().now();
    let store = state.store();
    if !within_budget(state, LockScope::RecoveryAddress, &format!("{}|{ip}", site.key()), now).await? {
        return Ok(());
    }
    let users = store.find_users_for_recovery(site.tenant_id(), identifier).await?;
    // Budgets first: each is its own short transaction (SQLite has one writer at a time).
    let mut budgets = vec![];
    for user in &users {
        let key = format!("{}|{}", site.key(), user.id);
        budgets.push(within_budget(state, LockScope::PasswordReset, &key, now).await?);
    }
    if users.is_empty() {
        // The same work as a match, so that the answer takes the same time whether or not an
        // account exists (docs/security.md A6, M6), as login verifies a dummy hash: a budget kept for
        // the identifier as typed, and a reset message rendered and thrown away.
        let key = format!("{}|?{}", site.key(), identifier.to_lowercase());
        within_budget(state, LockScope::PasswordReset, &key, now).await?;
        let nobody = UserRow {
            id: uuid::Uuid::nil(),
            tenant_id: site.tenant_id().map(|t| t.0),
            username: String::new(),
            role: Role::Ect.as_str().into(),
            display_name: String::new(),
            email: String::new(),
            password_hash: None,
            password_changed_at: None,
            active: false,
            created_at: now,
        };
        let _ = crate::mail::messages::password_reset(state, site, &nobody, &new_token(), now + RESET_LINK_VALID)?;
    }
    let mut tx = store.begin().await?;
    let mut sent = 0;
    for (user, allowed) in users.iter().zip(budgets) {
        let subject = user.id.to_string();
        store
            .record_audit(
                &mut tx,
                &NewAuditEvent {
                    tenant: site.tenant_id(),
                    kind: AuditEventKind::PasswordResetRequested,
                    actor: Some(user.user_id()),
                    subject: Some(&subject),
                    ip,
                    user_agent,
                    factor: None,
                    detail: Some(if allowed { "sent" } else { "over_budget" }),
                },
                now,
            )
            .await?;
        if !allowed {
            continue;
        }
        let token = new_token();
        let expires = now + RESET_LINK_VALID;
        store.create_password_token(&mut tx, user.user_id(), &hash_token(&token), "reset", now, expires).await?;
        let mail = crate::mail::messages::password_reset(state, site, user, &token, expires)?;
        store.enqueue_mail(&mut tx, &mail, &state.config().server.base_domain, now).await?;
        sent += 1;
    }
    if users.is_empty() {
        store
            .record_audit(
                &mut tx,
                &NewAuditEvent {
                    tenant: site.tenant_id(),
                    kind: AuditEventKind::PasswordResetRequested,
                    actor: None,
                    subject: None,
                    ip,
                    user_agent,
                    factor: None,
                    detail: Some("no_match"),
                },
                now,
            )
            .await?;
    }
    tx.commit().await?;
    if sent > 0 {
        state.wake_mailer();
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum ChangePasswordError {
    #[error("Your current password is not right")]
    WrongCurrent,
    #[error("Too many wrong passwords: wait 30 minutes and try again")]
    Locked,
    #[error(transparent)]
    Weak(#[from] PasswordProblem),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Failed(#[from] ServiceError),
}

/// docs/security.md A4: a new password needs the current one. Other sessions end; this one stays. The
/// owner is told by email.
pub async fn change_password(
    state: &AppState,
    site: &Site,
    user: &UserRow,
    session_hash: &str,
    current: &str,
    new: &str,
    actor: &Actor<'_>,
) -> Result<(), ChangePasswordError> {
    // The current password is a login in all but name: wrong guesses count on the account's lock
    // (docs/security.md A7), so a stolen session cannot guess it and take the account over.
    use induct_domain::lockout::Gate;
    use induct_domain::throttle::{self, LockScope};
    let scope = LockScope::Account;
    let key = throttle::account_key(&site.key(), &user.username);
    let now = state.clock().now();
    if scope.policy().gate(&state.store().get_lock(scope, &key, now).await?, now) == Gate::Locked {
        return Err(ChangePasswordError::Locked);
    }
    let verified = state
        .hasher()
        .verify(current, user.password_hash.as_deref())
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
    if !matches!(verified, crate::auth::password::Verified::Yes { .. }) {
        let mut tx = state.store().begin().await?;
        let counter = state.store().lock_counter_for_update(&mut tx, scope, &key, now).await?;
        let (next, _) = scope.policy().after_failure(&counter, now);
        state.store().save_counter(&mut tx, scope, &key, &next).await?;
        tx.commit().await?;
        return Err(ChangePasswordError::WrongCurrent);
    }
    check_new_password(new, &[site.name(), &user.username, &user.email, &user.display_name])?;
    if new == current {
        return Err(ChangePasswordError::Weak(PasswordProblem::Unchanged));
    }
    let hash = state.hasher().hash(new).await.map_err(|e| ServiceError::Internal(e.to_string()))?;
    let store = state.store();
    let mut tx = store.begin().await?;
    store.set_password_hash(&mut tx, user.user_id(), &hash, now).await?;
    // A password chosen by its owner ends a "compromised" mark (docs/security.md A5).
    store.set_must_change_password(&mut tx, user.user_id(), false).await?;
    store.delete_other_sessions(&mut tx, user.user_id(), session_hash).await?;
    store.end_challenges_of_user(&mut tx, user.user_id(), now).await?;
    let subject = user.id.to_string();
    store
        .record_audit(&mut tx, &audit(site, AuditEventKind::PasswordSet, actor, &subject, Some("account_page")), now)
        .await?;
    let mail = crate::mail::messages::account_changed(state, site, user, &user.email, "password", now)?;
    store.enqueue_mail(&mut tx, &mail, &state.config().server.base_domain, now).await?;
    tx.commit().await?;
    state.wake_mailer();
    Ok(())
}

/// docs/security.md M5/S5: a new email address or mobile number (the caller has checked a recent
/// password); the old address hears of it.
pub async fn change_contact(
    state: &AppState,
    site: &Site,
    user: &UserRow,
    email: &str,
    mobile: Option<&str>,
    actor: &Actor<'_>,
) -> Result<Vec<&'static str>, ServiceError> {
    let store = state.store();
    let now = state.clock().now();
    let old_mobile = store.user_mobile(user.user_id()).await?;
    let mut changed = vec![];
    if !email.eq_ignore_ascii_case(&user.email) {
        changed.push("email address");
    }
    if old_mobile.as_deref() != mobile {
        changed.push("mobile number");
    }
    if changed.is_empty() {
        return Ok(changed);
    }
    let mut tx = store.begin().await?;
    store.set_user_contact(&mut tx, user.user_id(), email, mobile).await?;
    if old_mobile.as_deref() != mobile {
        // Codes by text went to the old number: a new one must be proved first (M5).
        store.remove_sms(&mut tx, user.user_id()).await?;
    }
    let subject = user.id.to_string();
    let detail = changed.join(",");
    store
        .record_audit(&mut tx, &audit(site, AuditEventKind::ContactDetailsChanged, actor, &subject, Some(&detail)), now)
        .await?;
    for what in &changed {
        // Always to the address on record before the change (ASVS 6.3.7).
        let mail = crate::mail::messages::account_changed(state, site, user, &user.email, what, now)?;
        store.enqueue_mail(&mut tx, &mail, &state.config().server.base_domain, now).await?;
    }
    tx.commit().await?;
    state.wake_mailer();
    Ok(changed)
}

/// The AB's administrator unlocks an account: its login lock (hard lock included) and its second
/// factor's lock are cleared, and the owner can log in again.
pub async fn unlock(state: &AppState, site: &Site, user: &UserRow, actor: &Actor<'_>) -> Result<(), ServiceError> {
    use induct_domain::throttle::{self, LockScope};
    let now = state.clock().now();
    let store = state.store();
    let key = throttle::account_key(&site.key(), &user.username);
    let mut tx = store.begin().await?;
    store.clear_counter(&mut tx, LockScope::Account, &key).await?;
    store.clear_counter(&mut tx, LockScope::SecondFactor, &key).await?;
    // The (address, username) counters of this account, from any address.
    let any_address = throttle::address_and_username_key("", &site.key(), &user.username);
    store.clear_counters_ending(&mut tx, LockScope::AddressAndUsername, &any_address).await?;
    let subject = user.id.to_string();
    store
        .record_audit(&mut tx, &audit(site, AuditEventKind::LoginUnlock, actor, &subject, Some("administrator")), now)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// docs/security.md A5: the AB's administrator has evidence that a password is known to someone else.
/// Every session and pending login of the person ends, and their next login goes to "choose a new
/// password" before anything else. The person is told by email.
pub async fn mark_compromised(
    state: &AppState,
    site: &Site,
    user: &UserRow,
    actor: &Actor<'_>,
) -> Result<(), ServiceError> {
    let now = state.clock().now();
    let store = state.store();
    let mut tx = store.begin().await?;
    store.set_must_change_password(&mut tx, user.user_id(), true).await?;
    store.delete_sessions_of_user(&mut tx, user.user_id()).await?;
    store.end_challenges_of_user(&mut tx, user.user_id(), now).await?;
    let subject = user.id.to_string();
    store.record_audit(&mut tx, &audit(site, AuditEventKind::PasswordCompromised, actor, &subject, None), now).await?;
    let mail = crate::mail::messages::password_compromised(state, site, user, now)?;
    store.enqueue_mail(&mut tx, &mail, &state.config().server.base_domain, now).await?;
    tx.commit().await?;
    state.wake_mailer();
    Ok(())
}

/// Deactivates someone who has left: they cannot log in, and their sessions end (docs/security.md S4).
pub async fn deactivate(state: &AppState, site: &Site, user: &UserRow, actor: &Actor<'_>) -> Result<(), ServiceError> {
    let tenant = site.tenant_id().ok_or(ServiceError::NotFound)?;
    let now = state.clock().now();
    let store = state.store();
    let mut tx = store.begin().await?;
    if !store.set_user_active(&mut tx, tenant, user.user_id(), false).await? {
        return Err(ServiceError::NotFound);
    }
    store.delete_sessions_of_user(&mut tx, user.user_id()).await?;
    let subject = user.id.to_string();
    store.record_audit(&mut tx, &audit(site, AuditEventKind::UserDeactivated, actor, &subject, None), now).await?;
    tx.commit().await?;
    Ok(())
}
