//! My Account (seed 000 "Login Details"): username, email address, mobile number, changing the
//! password, recent sign-in activity; and "Can't access your account?" (password reset and
//! username reminder by username, email address or mobile number).

use axum::Form;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use induct_domain::{Role, validate};
use minijinja::context;

use super::ects::{Errors, Fields};
use super::page::Page;
use super::step_up::{is_recent, step_up};
use crate::accounts::{self, Actor, ChangePasswordError};
use crate::auth::session::RequestMeta;
use crate::error::{AppError, AppResult};

/// What each audited event means to the person it happened to.
fn activity_title(event: &str, detail: Option<&str>) -> &'static str {
    match (event, detail) {
        ("authn_login_success" | "authn_login_successafterfail", _) => "Signed in",
        ("authn_login_fail", _) => "Failed sign-in attempt",
        ("authn_login_lock", _) => "Account locked after failed attempts",
        ("authn_login_unlock", _) => "Account unlocked",
        ("session_logout", _) => "Signed out",
        ("session_expired", _) => "Signed out after inactivity",
        ("authn_password_change", _) => "Password changed",
        ("authn_password_reset_requested", _) => "Password reset requested",
        ("authn_step_up", Some("fail")) => "Wrong password when confirming an action",
        ("authn_step_up", _) => "Password confirmed for an action",
        ("user_contact_changed", _) => "Email address or mobile number changed",
        ("authn_mfa_challenge", _) => "Password accepted; code from the app asked for",
        ("authn_mfa_enabled", _) => "Two-step verification turned on",
        ("authn_mfa_disabled", _) => "Two-step verification turned off",
        _ => "Account event",
    }
}

/// A UK mobile number in its national form (07xxx xxxxxx), or a field problem.
fn mobile(input: &str) -> Result<Option<String>, &'static str> {
    let s = input.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let allowed = s.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || c == ' ' || (c == '+' && i == 0));
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    let national = match digits.strip_prefix("44") {
        Some(rest) if s.starts_with('+') => format!("0{rest}"),
        _ => digits,
    };
    if allowed && national.len() == 11 && national.starts_with("07") {
        Ok(Some(national))
    } else {
        Err("Enter a UK mobile number, like 07700 900123, or leave it empty")
    }
}

async fn render(
    page: &Page,
    errors: Errors,
    typed: Option<std::collections::BTreeMap<String, String>>,
    notice: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let user = page.user()?.clone();
    let store = page.state.store();
    let schools = user.scope(store).schools().await?;
    let school_names: Vec<String> = match user.role {
        Role::AbAdmin | Role::PlatformOperator => vec![],
        _ => schools.into_iter().map(|s| s.name).collect(),
    };
    let me = store.get_user(user.id).await?.ok_or(AppError::NotFound)?;
    let mobile = store.user_mobile(user.id).await?;
    let activity: Vec<_> = store
        .sign_in_activity(user.id, 20)
        .await?
        .into_iter()
        .map(|e| {
            context! {
                what => activity_title(&e.event, e.detail.as_deref()),
                at => crate::mail::messages::uk_time(e.occurred_at),
                ip => e.ip,
            }
        })
        .collect();
    let body = page.render(
        "account.html",
        context! {
            school_names,
            email => me.email,
            mobile,
            password_changed => me.password_changed_at.map(crate::mail::messages::uk_time),
            needs_password => !is_recent(page)?,
            activity,
            typed => typed.unwrap_or_default(),
            errors => errors.0,
            notice,
        },
    )?;
    Ok((status, body).into_response())
}

pub async fn view_account_get(page: Page) -> AppResult<Response> {
    render(&page, Errors::default(), None, None, StatusCode::OK).await
}

/// SECURITY.md A4: the current and the new password.
pub async fn view_account_password_post(
    page: Page,
    meta: RequestMeta,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let f = Fields(pairs);
    let user = page.user()?.clone();
    let me = page.state.store().get_user(user.id).await?.ok_or(AppError::NotFound)?;
    let mut e = Errors::default();
    if f.get("current_password").is_empty() {
        e.add("current_password", "Enter your current password");
    }
    if f.get("new_password").is_empty() {
        e.add("new_password", "Enter a new password");
    }
    if !e.is_empty() {
        return render(&page, e, None, None, StatusCode::BAD_REQUEST).await;
    }
    let actor = Actor { user: user.id, ip: &meta.ip, user_agent: &meta.user_agent };
    let result = accounts::change_password(
        &page.state,
        &page.site,
        &me,
        &user.session_hash,
        f.get("current_password"),
        f.get("new_password"),
        &actor,
    )
    .await;
    match result {
        Ok(()) => {
            let notice = "Your password has been changed. Your other sessions have been signed out.".to_owned();
            render(&page, Errors::default(), None, Some(notice), StatusCode::OK).await
        }
        Err(ChangePasswordError::Locked) => {
            e.add("current_password", "Too many wrong passwords: wait 30 minutes and try again");
            render(&page, e, None, None, StatusCode::TOO_MANY_REQUESTS).await
        }
        Err(ChangePasswordError::WrongCurrent) => {
            e.add("current_password", "Your current password is not right");
            render(&page, e, None, None, StatusCode::BAD_REQUEST).await
        }
        Err(ChangePasswordError::Weak(p)) => {
            e.add("new_password", p.to_string());
            render(&page, e, None, None, StatusCode::BAD_REQUEST).await
        }
        Err(ChangePasswordError::App(a)) => Err(a),
    }
}

/// SECURITY.md S5 and M5: a new email address or mobile number needs a password entered in the
/// last five minutes (403 otherwise), and the old address is told.
pub async fn view_account_contact_post(
    page: Page,
    meta: RequestMeta,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let f = Fields(pairs);
    let user = page.user()?.clone();
    let me = page.state.store().get_user(user.id).await?.ok_or(AppError::NotFound)?;
    let mut e = Errors::default();
    let email = e.take("email", validate::email(f.get("email")));
    let phone = match mobile(f.get("mobile")) {
        Ok(m) => m,
        Err(message) => {
            e.add("mobile", message);
            None
        }
    };
    let Some(email) = email.filter(|_| e.is_empty()) else {
        return render(&page, e, Some(f.typed()), None, StatusCode::BAD_REQUEST).await;
    };
    if !step_up(&page, &meta, f.get("password")).await? {
        e.add("password", "Enter your password to change your login details (reauth_required)");
        return render(&page, e, Some(f.typed()), None, StatusCode::FORBIDDEN).await;
    }
    let actor = Actor { user: user.id, ip: &meta.ip, user_agent: &meta.user_agent };
    let changed = accounts::change_contact(&page.state, &page.site, &me, &email, phone.as_deref(), &actor).await?;
    let notice = if changed.is_empty() {
        "Nothing changed.".to_owned()
    } else {
        format!("Your {} has been changed. We have told your previous email address.", changed.join(" and "))
    };
    render(&page, Errors::default(), None, Some(notice), StatusCode::OK).await
}

/// The recovery pages carry no referrer either way (their answers name accounts).
fn no_referrer(mut r: Response) -> Response {
    r.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    r
}

pub async fn view_recovery_get(page: Page) -> AppResult<Response> {
    let body = page.render("recovery.html", context! { errors => Vec::<minijinja::Value>::new() })?;
    Ok(no_referrer(body.into_response()))
}

/// Seed 000 "Can't access your account": one of username, email address or mobile number. The
/// answer is the same whether or not an account matched (SECURITY.md M6).
pub async fn view_recovery_post(
    page: Page,
    meta: RequestMeta,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let f = Fields(pairs);
    let identifier = f.get("identifier").trim();
    if identifier.is_empty() || identifier.chars().count() > 254 || identifier.chars().any(char::is_control) {
        let errors =
            vec![context! { field => "identifier", message => "Enter your username, email address or mobile number" }];
        let body = page.render("recovery.html", context! { errors })?;
        return Ok(no_referrer((StatusCode::BAD_REQUEST, body).into_response()));
    }
    accounts::request_recovery(&page.state, &page.site, identifier, &meta.ip, &meta.user_agent).await?;
    let body = page.render("recovery_sent.html", context! {})?;
    Ok(no_referrer(body.into_response()))
}

/// Two-step verification with an authenticator app (RFC 6238; SECURITY.md M5: the stronger choice
/// than codes by email or SMS). Setting it up shows a new secret to scan or type; a code from the
/// app confirms it. Turning it on or off needs a recent password (S5).
async fn render_two_factor(
    page: &Page,
    errors: Errors,
    notice: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let user = page.user()?.clone();
    let totp = page.state.store().totp_of(user.id).await?;
    let pending = totp.as_ref().filter(|t| t.enabled_at.is_none()).and_then(|t| {
        let secret = induct_domain::mfa::base32_decode(&t.secret)?;
        Some(context! {
            secret => t.secret.clone(),
            uri => induct_domain::mfa::otpauth_uri(page.site.name(), &user.username, &secret),
        })
    });
    let email_on = page.state.store().email_verification_on(user.id).await?;
    let body = page.render(
        "two_factor.html",
        context! {
            email_on,
            enabled => totp.as_ref().and_then(|t| t.enabled_at).map(crate::mail::messages::uk_time),
            pending,
            needs_password => !is_recent(page)?,
            errors => errors.0,
            notice,
        },
    )?;
    Ok((status, body).into_response())
}

pub async fn view_two_factor_get(page: Page) -> AppResult<Response> {
    render_two_factor(&page, Errors::default(), None, StatusCode::OK).await
}

pub async fn view_two_factor_post(
    page: Page,
    meta: RequestMeta,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    use crate::store::audit::{AuditEventKind, NewAuditEvent};
    let f = Fields(pairs);
    let user = page.user()?.clone();
    let store = page.state.store();
    let now = page.state.clock().now();
    let mut e = Errors::default();
    let action = f.get("action");
    if !matches!(action, "start" | "confirm" | "disable" | "email_on" | "email_off") {
        return Err(AppError::BadRequest("unknown action"));
    }
    if !step_up(&page, &meta, f.get("password")).await? {
        e.add("password", "Enter your password to change two-step verification (reauth_required)");
        return render_two_factor(&page, e, None, StatusCode::FORBIDDEN).await;
    }
    let audit = |kind, detail| NewAuditEvent {
        tenant: user.tenant,
        kind,
        actor: Some(user.id),
        subject: None,
        ip: &meta.ip,
        user_agent: &meta.user_agent,
        factor: Some("totp"),
        detail,
    };
    let mut tx = store.begin().await?;
    let notice = match action {
        "start" if store.totp_of(user.id).await?.is_some_and(|t| t.enabled_at.is_some()) => {
            drop(tx);
            e.add("password", "Two-step verification is already on: turn it off first to set up a new app");
            return render_two_factor(&page, e, None, StatusCode::CONFLICT).await;
        }
        "start" => {
            let mut secret = [0u8; 20];
            rand::fill(&mut secret);
            store.start_totp(&mut tx, user.id, &induct_domain::mfa::base32_encode(&secret), now).await?;
            None
        }
        "confirm" => {
            let totp = store.totp_of(user.id).await?.filter(|t| t.enabled_at.is_none()).ok_or(AppError::NotFound)?;
            let secret =
                induct_domain::mfa::base32_decode(&totp.secret).ok_or_else(|| AppError::Internal("secret".into()))?;
            match induct_domain::mfa::verify_totp(&secret, f.get("code"), now.timestamp(), None) {
                Some(step) => {
                    store.enable_totp(&mut tx, user.id, step, now).await?;
                    store.record_audit(&mut tx, &audit(AuditEventKind::SecondFactorEnabled, None), now).await?;
                    Some(
                        "Two-step verification is on. You will be asked for a code from your app when you log in."
                            .to_owned(),
                    )
                }
                None => {
                    drop(tx);
                    e.add("code", "That code is not right. Check the time on your phone and try the newest code.");
                    return render_two_factor(&page, e, None, StatusCode::BAD_REQUEST).await;
                }
            }
        }
        "email_on" => {
            store.set_email_verification(&mut tx, user.id, true, now).await?;
            store.record_audit(&mut tx, &audit(AuditEventKind::SecondFactorEnabled, Some("email_code")), now).await?;
            Some("We will email you a code each time you log in.".to_owned())
        }
        "email_off" => {
            store.set_email_verification(&mut tx, user.id, false, now).await?;
            store.record_audit(&mut tx, &audit(AuditEventKind::SecondFactorDisabled, Some("email_code")), now).await?;
            Some("We will no longer email you a code when you log in.".to_owned())
        }
        _ => {
            store.remove_totp(&mut tx, user.id).await?;
            store.record_audit(&mut tx, &audit(AuditEventKind::SecondFactorDisabled, None), now).await?;
            Some("Two-step verification is off.".to_owned())
        }
    };
    tx.commit().await?;
    render_two_factor(&page, Errors::default(), notice, StatusCode::OK).await
}
