//! My Account (seed 000 "Login Details"): username, email address, mobile number, changing the
//! password, recent sign-in activity; and "Can't access your account?" (password reset and
//! username reminder by username, email address or mobile number).

use crate::web::{Access, RouteTable, Sites};
use axum::Form;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use induct_domain::Permission;
use induct_domain::{Role, validate};
use minijinja::context;

use super::form::{Errors, Fields};
use super::page::Page;
use super::step_up::{is_recent, step_up};
use crate::auth::session::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::accounts::{self, ChangePasswordError};

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
        ("authn_mfa_challenge", _) => "Password accepted; a verification code asked for",
        ("authn_mfa_enabled", Some("sms_code")) => "Codes by text message turned on",
        ("authn_mfa_enabled", Some("email_code")) => "Codes by email turned on",
        ("authn_mfa_enabled", _) => "Authenticator app turned on",
        ("authn_mfa_disabled", Some("sms_code")) => "Codes by text message turned off",
        ("authn_mfa_disabled", Some("email_code")) => "Codes by email turned off",
        ("authn_mfa_disabled", _) => "Authenticator app turned off",
        ("authn_password_compromised", _) => "A password was marked as compromised",
        _ => "Account event",
    }
}

/// An empty field clears the mobile number; anything else must be a UK mobile.
fn mobile(input: &str) -> Result<Option<String>, String> {
    if input.trim().is_empty() {
        return Ok(None);
    }
    validate::uk_mobile(input).map(Some).map_err(|p| p.to_string())
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

/// docs/security.md A5: after an administrator marked the password compromised, this page comes before
/// every other; otherwise the password form is on My Account.
pub async fn view_change_password_get(page: Page) -> AppResult<Response> {
    if !page.user()?.must_change_password {
        return Ok(axum::response::Redirect::to("/account#password").into_response());
    }
    Ok(page.render("change_password.html", context! { errors => Vec::<minijinja::Value>::new() })?.into_response())
}

/// docs/security.md A4: the current and the new password.
pub async fn view_account_password_post(
    page: Page,
    meta: RequestMeta,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let f = Fields(pairs);
    let user = page.user()?.clone();
    let me = page.state.store().get_user(user.id).await?.ok_or(AppError::NotFound)?;
    let forced = user.must_change_password;
    let render = async |page: &Page, e: Errors, notice: Option<String>, status: StatusCode| {
        if forced && status != StatusCode::OK {
            let body = page.render("change_password.html", context! { errors => e.0 })?;
            return Ok((status, body).into_response());
        }
        render(page, e, None, notice, status).await
    };
    let mut e = Errors::default();
    if f.get("current_password").is_empty() {
        e.add("current_password", "Enter your current password");
    }
    if f.get("new_password").is_empty() {
        e.add("new_password", "Enter a new password");
    }
    if !e.is_empty() {
        return render(&page, e, None, StatusCode::BAD_REQUEST).await;
    }
    let actor = page.actor(&meta)?;
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
        Ok(()) if forced => Ok(axum::response::Redirect::to("/dashboard").into_response()),
        Ok(()) => {
            let notice = "Your password has been changed. Your other sessions have been signed out.".to_owned();
            render(&page, Errors::default(), Some(notice), StatusCode::OK).await
        }
        Err(ChangePasswordError::Locked) => {
            e.add("current_password", "Too many wrong passwords: wait 30 minutes and try again");
            render(&page, e, None, StatusCode::TOO_MANY_REQUESTS).await
        }
        Err(ChangePasswordError::WrongCurrent) => {
            e.add("current_password", "Your current password is not right");
            render(&page, e, None, StatusCode::BAD_REQUEST).await
        }
        Err(ChangePasswordError::Weak(p)) => {
            e.add("new_password", p.to_string());
            render(&page, e, None, StatusCode::BAD_REQUEST).await
        }
        Err(other @ (ChangePasswordError::Store(_) | ChangePasswordError::Failed(_))) => Err(other.into()),
    }
}

/// docs/security.md S5 and M5: a new email address or mobile number needs a password entered in the
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
    let actor = page.actor(&meta)?;
    let changed = accounts::change_contact(&page.state, &page.site, &me, &email, phone.as_deref(), &actor).await?;
    let notice = if changed.is_empty() {
        "Nothing changed.".to_owned()
    } else {
        format!("Your {} has been changed. We have told your previous email address.", changed.join(" and "))
    };
    render(&page, Errors::default(), None, Some(notice), StatusCode::OK).await
}

/// Security information (seed 000): the security question (ECTs; docs/security.md M7) and contact
/// preferences (seed 001).
async fn render_security(
    page: &Page,
    errors: Errors,
    typed: Option<std::collections::BTreeMap<String, String>>,
    notice: Option<&str>,
    status: StatusCode,
) -> AppResult<Response> {
    use crate::services::first_login::{QUESTIONS, asks_security_question, question_text};
    let user = page.user()?.clone();
    let setup = page.state.store().account_setup(user.id).await?;
    let body = page.render(
        "security_info.html",
        context! {
            ask_question => asks_security_question(user.role),
            question => setup.as_ref().and_then(|s| s.security_question.as_deref()).and_then(question_text),
            questions => QUESTIONS.to_vec(),
            remind_by_email => setup.as_ref().is_none_or(|s| s.remind_by_email),
            news_by_email => setup.as_ref().is_some_and(|s| s.news_by_email),
            needs_password => !is_recent(page)?,
            typed => typed.unwrap_or_default(),
            errors => errors.0,
            notice,
        },
    )?;
    Ok((status, body).into_response())
}

pub async fn view_security_get(page: Page) -> AppResult<Response> {
    render_security(&page, Errors::default(), None, None, StatusCode::OK).await
}

/// A new question and answer needs a recent password (docs/security.md M7: "Changing the answer
/// without a fresh password -> 403"); preferences do not.
pub async fn view_security_post(
    page: Page,
    meta: RequestMeta,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    use crate::services::first_login::{self, asks_security_question, question_text};
    let f = Fields(pairs);
    let user = page.user()?.clone();
    let tenant = page.tenant()?;
    let actor = page.actor(&meta)?;
    let mut e = Errors::default();
    match f.get("action") {
        "question" if asks_security_question(user.role) => {
            if question_text(f.get("security_question")).is_none() {
                e.add("security_question", "Choose a security question");
            }
            let answer = first_login::check_answer(f.get("security_answer")).map_err(|m| e.add("security_answer", m));
            let Ok(answer) = answer.map_err(|_| ()).and_then(|a| if e.is_empty() { Ok(a) } else { Err(()) }) else {
                return render_security(&page, e, Some(f.typed()), None, StatusCode::BAD_REQUEST).await;
            };
            if !step_up(&page, &meta, f.get("password")).await? {
                e.add("password", "Enter your password to change your security question (reauth_required)");
                return render_security(&page, e, Some(f.typed()), None, StatusCode::FORBIDDEN).await;
            }
            first_login::change_security_question(&page.state, tenant, &actor, f.get("security_question"), &answer)
                .await?;
            render_security(&page, e, None, Some("Your security question has been changed."), StatusCode::OK).await
        }
        "preferences" => {
            let (remind, news) = (f.get("remind_by_email") == "yes", f.get("news_by_email") == "yes");
            first_login::change_preferences(&page.state, tenant, &actor, remind, news).await?;
            render_security(&page, e, None, Some("Your contact preferences have been saved."), StatusCode::OK).await
        }
        _ => Err(AppError::BadRequest("unknown action")),
    }
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
/// answer is the same whether or not an account matched (docs/security.md M6).
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

/// Two-step verification (seed 000): an authenticator app (RFC 6238; docs/security.md M5: the stronger
/// choice), codes by text message to a proved mobile number, or codes by email. Every change
/// needs a recent password (S5). Roles that see many ECTs must keep an app or a mobile (D9); until
/// they have one, every page sends them here.
async fn render_two_factor(
    page: &Page,
    errors: Errors,
    notice: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let user = page.user()?.clone();
    let store = page.state.store();
    let totp = store.totp_of(user.id).await?;
    let pending = crate::services::two_factor::pending_totp_secret(&page.state, user.id).await?.map(|secret| {
        context! {
            secret => induct_domain::mfa::base32_encode(&secret),
            uri => induct_domain::mfa::otpauth_uri(page.site.name(), &user.username, &secret),
        }
    });
    let sms = store.sms_of(user.id).await?;
    let mobile = store.user_mobile(user.id).await?;
    let email_on = store.email_verification_on(user.id).await?;
    let enabled = totp.as_ref().and_then(|t| t.enabled_at);
    let sms_on = sms.as_ref().is_some_and(|s| s.verified_at.is_some());
    let body = page.render(
        "two_factor.html",
        context! {
            email_on,
            enabled => enabled.map(crate::mail::messages::uk_time),
            pending,
            sms_on,
            sms_pending => sms.as_ref().is_some_and(|s| s.verified_at.is_none()),
            sms_to => sms.as_ref().map(|s| validate::mask_mobile(&s.mobile)),
            mobile => mobile.as_deref().map(validate::mask_mobile),
            required => user.role.needs_strong_second_factor() && enabled.is_none() && !sms_on,
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
    use crate::services::two_factor::{self as tf, TwoFactorError as E};
    let f = Fields(pairs);
    let user = page.user()?.clone();
    let state = &page.state;
    let now = state.clock().now();
    let mut e = Errors::default();
    let action = f.get("action");
    let known = ["start", "confirm", "disable", "email_on", "email_off", "sms_start", "sms_confirm", "sms_off"];
    if !known.contains(&action) {
        return Err(AppError::BadRequest("unknown action"));
    }
    if !step_up(&page, &meta, f.get("password")).await? {
        e.add("password", "Enter your password to change two-step verification (reauth_required)");
        return render_two_factor(&page, e, None, StatusCode::FORBIDDEN).await;
    }
    let actor = page.actor(&meta)?;
    let me = state.store().get_user(user.id).await?.ok_or(AppError::NotFound)?;
    let result = match action {
        "start" => tf::start_totp(state, user.id, now).await.map(|()| None),
        "confirm" => tf::confirm_totp(state, &page.site, &actor, f.get("code"), now).await.map(|()| {
            Some("Two-step verification is on. You will be asked for a code from your app when you log in.".to_owned())
        }),
        "disable" => tf::disable_totp(state, &page.site, user.role, &actor, now)
            .await
            .map(|()| Some("Your authenticator app is no longer asked for.".to_owned())),
        "email_on" => tf::set_email_codes(state, &page.site, &actor, true, now)
            .await
            .map(|()| Some("We will email you a code each time you log in.".to_owned())),
        "email_off" => tf::set_email_codes(state, &page.site, &actor, false, now)
            .await
            .map(|()| Some("We will no longer email you a code when you log in.".to_owned())),
        "sms_start" => tf::start_sms(state, &page.site, &me, now).await.map(|mobile| {
            Some(format!(
                "We have sent a code to {}. Enter it below to confirm the number.",
                validate::mask_mobile(&mobile)
            ))
        }),
        "sms_confirm" => tf::confirm_sms(state, &page.site, &me, &actor, f.get("sms_code"), now)
            .await
            .map(|()| Some("Your mobile number is confirmed: you can now get codes by text message.".to_owned())),
        _ => tf::disable_sms(state, &page.site, user.role, &actor, now)
            .await
            .map(|()| Some("We will no longer text you codes.".to_owned())),
    };
    let (field, message, status) = match result {
        Ok(notice) => return render_two_factor(&page, Errors::default(), notice, StatusCode::OK).await,
        Err(other @ (E::Store(_) | E::Failed(_))) => return Err(other.into()),
        Err(E::AlreadyOn) => (
            "password",
            "Two-step verification is already on: turn it off first to set up a new app",
            StatusCode::CONFLICT,
        ),
        Err(E::NothingPending) => ("code", "Start again: there is nothing waiting for a code", StatusCode::CONFLICT),
        Err(E::WrongCode) if action == "confirm" => (
            "code",
            "That code is not right. Check the time on your phone and try the newest code.",
            StatusCode::BAD_REQUEST,
        ),
        Err(E::WrongCode) => ("sms_code", "That code is not right, or it has expired", StatusCode::BAD_REQUEST),
        Err(E::Locked) => {
            ("sms_code", "Too many wrong codes: wait 30 minutes and try again", StatusCode::TOO_MANY_REQUESTS)
        }
        Err(E::NoMobile) => {
            ("sms", "Add your mobile number on My Account first, then confirm it here", StatusCode::BAD_REQUEST)
        }
        Err(E::NotSent) => (
            "sms",
            "We cannot send another text message just now. Wait an hour and try again.",
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(E::RoleNeedsIt) => (
            if action == "disable" { "password" } else { "sms" },
            "Your role must keep an authenticator app or a confirmed mobile number: set up the other one first",
            StatusCode::CONFLICT,
        ),
    };
    e.add(field, message);
    render_two_factor(&page, e, None, status).await
}

/// This feature's routes, each declaring who may use it and on which site (docs/security.md T1).
pub(super) fn routes(t: RouteTable) -> RouteTable {
    use Access::*;
    use Permission::*;
    t.get("/account/two-factor", Sites::Any, Signed(ViewOwnDashboard), view_two_factor_get)
        .post("/account/two-factor", Sites::Any, Signed(ViewOwnDashboard), view_two_factor_post)
        .get("/account", Sites::Any, Signed(ViewOwnDashboard), view_account_get)
        .get("/account/password", Sites::Any, Signed(ViewOwnDashboard), view_change_password_get)
        .post("/account/password", Sites::Any, Signed(ViewOwnDashboard), view_account_password_post)
        .post("/account/contact", Sites::Any, Signed(ViewOwnDashboard), view_account_contact_post)
        .get("/account/security", Sites::Ab, Signed(ViewOwnDashboard), view_security_get)
        .post("/account/security", Sites::Ab, Signed(ViewOwnDashboard), view_security_post)
        // AB sites: platform operators recover through another operator (the link's page,
        // /set-password, is an AB-site page).
        .get("/account-recovery", Sites::Ab, Public, view_recovery_get)
        .post("/account-recovery", Sites::Ab, Public, view_recovery_post)
}
