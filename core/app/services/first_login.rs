//! First login (seed 001: "You will first be asked to answer security questions, update your
//! contact preferences and agree to your Appropriate Bodies privacy policy if they have one").
//!
//! Security questions follow docs/security.md M7 and section 3: never a way in on their own, only an
//! extra check after the emailed reset link; answers normalised and Argon2id-hashed; asked of ECTs
//! only (off for staff roles by default). The privacy policy comes from the AB's plugin; a new
//! version is asked for at the next login.

use induct_domain::{Role, TenantId, UserId};
use induct_plugin_host::{ConsentItem, Policy};

use crate::services::ServiceError;
use crate::services::accounts::Actor;
use crate::state::AppState;
use crate::store::audit::{AuditEventKind, NewAuditEvent};

/// The questions offered (none of them guessable from the induction record).
pub const QUESTIONS: [(&str, &str); 5] = [
    ("first_school", "The name of the first school you went to"),
    ("childhood_street", "The street you lived on as a child"),
    ("first_pet", "The name of your first pet"),
    ("favourite_book", "A favourite book from your childhood"),
    ("first_concert", "The first concert or show you went to"),
];

pub fn question_text(id: &str) -> Option<&'static str> {
    QUESTIONS.iter().find(|(k, _)| *k == id).map(|(_, t)| *t)
}

/// A security answer as stored before hashing: normalised (trim, lowercase, NFKC; M7), 3 to 100
/// characters, no control characters; else the message for the field.
pub fn check_answer(typed: &str) -> Result<String, &'static str> {
    let answer = induct_domain::password::normalise_answer(typed);
    let n = answer.chars().count();
    if !(3..=100).contains(&n) || answer.chars().any(char::is_control) {
        return Err("Enter an answer of 3 to 100 characters that you will remember");
    }
    Ok(answer)
}

/// docs/security.md section 3: "default it to off for staff roles".
pub fn asks_security_question(role: Role) -> bool {
    role == Role::Ect
}

/// The AB's privacy policy for a role and its consent items, from the plugin. If the plugin
/// cannot say, nobody is held up (the next login asks again).
pub async fn privacy_policy(
    state: &AppState,
    tenant: TenantId,
    role: Role,
) -> Result<Option<(Policy, Vec<ConsentItem>)>, ServiceError> {
    let role_name = role.as_str().replace('_', "-");
    let r = role_name.clone();
    let policy =
        state.plugins().call(state, tenant, "privacy.get-policy", move |host, p| host.privacy_policy(p, &r)).await?;
    let Some(Ok(Some(policy))) = policy.map(|c| c.value) else { return Ok(None) };
    let items = state
        .plugins()
        .call(state, tenant, "privacy.consent-items", move |host, p| host.consent_items(p, &role_name))
        .await?
        .and_then(|c| c.value.ok())
        .unwrap_or_default();
    Ok(Some((policy, items)))
}

/// Whether a user must go through the first-login steps before anything else.
pub async fn setup_required(
    state: &AppState,
    user: UserId,
    tenant: Option<TenantId>,
    role: Role,
) -> Result<bool, ServiceError> {
    let Some(tenant) = tenant else { return Ok(false) };
    let store = state.store();
    if store.account_setup(user).await?.is_none() {
        return Ok(true);
    }
    Ok(match privacy_policy(state, tenant, role).await? {
        Some((policy, _)) => !store.has_accepted(user, &policy.version).await?,
        None => false,
    })
}

/// Records an existing account as set up, with the AB's current policy accepted (the demo's
/// people, who have used the service before).
pub async fn mark_existing_done(
    state: &AppState,
    user: UserId,
    tenant: TenantId,
    role: Role,
) -> Result<(), ServiceError> {
    let now = state.clock().now();
    let policy = privacy_policy(state, tenant, role).await?;
    let mut tx = state.store().begin().await?;
    state.store().save_account_setup(&mut tx, user, None, None, true, false, now).await?;
    if let Some((policy, items)) = policy {
        let consents: Vec<&str> = items.iter().filter(|i| i.required).map(|i| i.id.as_str()).collect();
        let json = serde_json::to_string(&consents).map_err(|e| ServiceError::Internal(e.to_string()))?;
        state.store().accept_policy(&mut tx, user, tenant, &policy.version, &json, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Security information (seed 000: "Select the type of security questions you want on your
/// account ... and enter an answer"): a new question and answer, hashed (the caller has checked a
/// recent password: docs/security.md M7 "Changing answers needs re-auth"). `question` is one of
/// [`QUESTIONS`]; `answer` has passed [`check_answer`].
pub async fn change_security_question(
    state: &AppState,
    tenant: TenantId,
    actor: &Actor<'_>,
    question: &str,
    answer: &str,
) -> Result<(), ServiceError> {
    let hash = state.hasher().hash(answer).await.map_err(|e| ServiceError::Internal(e.to_string()))?;
    let now = state.clock().now();
    let store = state.store();
    let setup = store.account_setup(actor.user).await?;
    let (remind, news) = setup.map_or((true, false), |s| (s.remind_by_email, s.news_by_email));
    let mut tx = store.begin().await?;
    store.save_account_setup(&mut tx, actor.user, Some(question), Some(&hash), remind, news, now).await?;
    store
        .record_audit(
            &mut tx,
            &NewAuditEvent::by(tenant, AuditEventKind::SecurityQuestionChanged, actor, None, None),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Contact preferences (seed 001): reminders of reports due by email, and news of courses.
pub async fn change_preferences(
    state: &AppState,
    tenant: TenantId,
    actor: &Actor<'_>,
    remind_by_email: bool,
    news_by_email: bool,
) -> Result<(), ServiceError> {
    let now = state.clock().now();
    let store = state.store();
    let mut tx = store.begin().await?;
    store.save_account_setup(&mut tx, actor.user, None, None, remind_by_email, news_by_email, now).await?;
    let detail = format!("reminders={remind_by_email},news={news_by_email}");
    let event = NewAuditEvent::by(tenant, AuditEventKind::ContactPreferencesChanged, actor, None, Some(&detail));
    store.record_audit(&mut tx, &event, now).await?;
    tx.commit().await?;
    Ok(())
}

/// What the person gave on the first-login page (seed 001).
pub struct FirstLogin {
    /// The security question chosen and its answer (checked by [`check_answer`]), for ECTs.
    pub security: Option<(String, String)>,
    pub remind_by_email: bool,
    pub news_by_email: bool,
    /// The privacy notice version accepted and the consents ticked (JSON list of ids).
    pub policy: Option<(String, String)>,
}

/// Finishes the first login: the security answer hashed, the preferences, the privacy notice
/// accepted, and the session let through to the rest of the site, with the audit event, in one
/// transaction.
pub async fn complete(
    state: &AppState,
    tenant: TenantId,
    session_hash: &str,
    actor: &Actor<'_>,
    f: &FirstLogin,
) -> Result<(), ServiceError> {
    let answer_hash = match &f.security {
        Some((_, answer)) => {
            Some(state.hasher().hash(answer).await.map_err(|e| ServiceError::Internal(e.to_string()))?)
        }
        None => None,
    };
    let question = f.security.as_ref().map(|(q, _)| q.as_str());
    let store = state.store();
    let now = state.clock().now();
    let mut tx = store.begin().await?;
    let (remind, news) = (f.remind_by_email, f.news_by_email);
    store.save_account_setup(&mut tx, actor.user, question, answer_hash.as_deref(), remind, news, now).await?;
    if let Some((version, consents)) = &f.policy {
        store.accept_policy(&mut tx, actor.user, tenant, version, consents, now).await?;
    }
    store.set_setup_required(&mut tx, session_hash, false).await?;
    let detail = f.policy.as_ref().map(|(v, _)| format!("privacy_policy {v}"));
    let event = NewAuditEvent::by(tenant, AuditEventKind::FirstLoginCompleted, actor, None, detail.as_deref());
    store.record_audit(&mut tx, &event, now).await?;
    tx.commit().await?;
    Ok(())
}
