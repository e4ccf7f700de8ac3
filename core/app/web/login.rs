//! Login, logout and the idle-timeout keepalive.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::page::Page;
use crate::auth::login::{LoginAttempt, LoginOutcome, attempt_login, sign_out};
use crate::auth::new_token;
use crate::auth::session::{CurrentUser, MaybeUser, RequestMeta, read_cookie};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    #[serde(default)]
    timeout: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

pub async fn view_login_get(
    page: Page,
    MaybeUser(user): MaybeUser,
    Query(q): Query<LoginQuery>,
) -> AppResult<Response> {
    if user.is_some() {
        return Ok(Redirect::to("/dashboard").into_response());
    }
    let notice = q.timeout.is_some().then_some("You were signed out because you were inactive for 20 minutes.");
    Ok(page.render("login.html", context! { notice => notice, username => "" })?.into_response())
}

pub async fn view_login_post(
    State(state): State<AppState>,
    page: Page,
    meta: RequestMeta,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let username = form.username.trim();
    let mut field_errors = vec![];
    if username.is_empty() {
        field_errors.push(("username", "Enter your username"));
    }
    if form.password.is_empty() {
        field_errors.push(("password", "Enter your password"));
    }
    if !field_errors.is_empty() {
        let errors: Vec<_> =
            field_errors.iter().map(|(field, message)| context! { field => *field, message => *message }).collect();
        let body = page.render("login.html", context! { errors, username })?;
        return Ok((StatusCode::BAD_REQUEST, body).into_response());
    }
    let outcome = attempt_login(
        &state,
        &LoginAttempt {
            site: &page.site,
            username,
            password: &form.password,
            ip: &meta.ip,
            user_agent: &meta.user_agent,
        },
    )
    .await?;
    let (status, message) = match outcome {
        LoginOutcome::SignedIn { session_token, setup_required, .. } => {
            let names = state.cookies();
            // S1: the old session, if the browser had one, ends here; the new id is fresh.
            if let Some(old) = read_cookie(&headers, names.session) {
                state.store().delete_session(&crate::auth::hash_token(&old)).await?;
            }
            let mut response = Redirect::to(if setup_required { "/welcome" } else { "/dashboard" }).into_response();
            let h = response.headers_mut();
            h.append(header::SET_COOKIE, names.build(names.session, session_token));
            h.append(header::SET_COOKIE, names.build(names.csrf, new_token()));
            return Ok(response);
        }
        LoginOutcome::SecondFactor { challenge_token } => {
            let names = state.cookies();
            let mut response = Redirect::to("/login/verify").into_response();
            response.headers_mut().append(header::SET_COOKIE, names.build(names.mfa, challenge_token));
            return Ok(response);
        }
        LoginOutcome::BadCredentials => {
            (StatusCode::UNAUTHORIZED, "The username or password is not right. Check them and try again.")
        }
        LoginOutcome::TooManyAttempts => (
            StatusCode::TOO_MANY_REQUESTS,
            "Too many attempts to sign in. For your security, wait 30 minutes and try again.",
        ),
    };
    let errors = vec![context! { field => "username", message => message }];
    let body = page.render("login.html", context! { errors, username, failed => true })?;
    Ok((status, body).into_response())
}

#[derive(Deserialize, Default)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// The second step of logging in: the code from the authenticator app (RFC 6238).
pub async fn view_verify_get(page: Page, headers: HeaderMap) -> AppResult<Response> {
    let ctx = verify_context(&page, &headers).await?;
    let Some(email) = ctx else { return Ok(Redirect::to("/login").into_response()) };
    Ok(page.render("login_verify.html", context! { errors => Vec::<minijinja::Value>::new(), email })?.into_response())
}

/// For the code page: `None` when there is no live pending login; else whether the code comes by
/// email (and to which address, partly hidden) or from an app.
async fn verify_context(page: &Page, headers: &HeaderMap) -> AppResult<Option<Option<String>>> {
    use crate::auth::login::{SecondFactor, second_factor_of};
    let names = page.state.cookies();
    let Some(pending) = read_cookie(headers, names.mfa) else { return Ok(None) };
    let now = page.state.clock().now();
    let Some(user) = page.state.store().challenge_user(&crate::auth::hash_token(&pending), now).await? else {
        return Ok(None);
    };
    let Some(row) = page.state.store().get_user(user).await? else { return Ok(None) };
    // A pending login belongs to its own AB's site.
    if row.tenant_id != page.site.tenant_id().map(|t| t.0) {
        return Ok(None);
    }
    if second_factor_of(&page.state, user).await? != Some(SecondFactor::EmailCode) {
        return Ok(Some(None));
    }
    let email = row.email;
    // "j.lee@marshlane.example" -> "j***@marshlane.example"
    let masked = match email.split_once('@') {
        Some((local, domain)) => format!("{}***@{domain}", local.chars().next().unwrap_or('*')),
        None => "your email address".into(),
    };
    Ok(Some(Some(masked)))
}

/// "Resend Code" (seed 000): a new code; the earlier one stops working.
pub async fn view_verify_resend_post(
    State(state): State<AppState>,
    page: Page,
    headers: HeaderMap,
) -> AppResult<Response> {
    let names = state.cookies();
    let Some(pending) = read_cookie(&headers, names.mfa) else { return Ok(Redirect::to("/login").into_response()) };
    let sent = crate::auth::login::resend_code(&state, &page.site, &pending).await?;
    let Some(email) = verify_context(&page, &headers).await? else { return Ok(Redirect::to("/login").into_response()) };
    let notice = if sent {
        "We have sent a new code. The earlier one no longer works."
    } else {
        "We cannot send another code just now. Use the last one we sent, or wait and log in again."
    };
    Ok(page
        .render("login_verify.html", context! { errors => Vec::<minijinja::Value>::new(), email, notice })?
        .into_response())
}

pub async fn view_verify_post(
    State(state): State<AppState>,
    page: Page,
    meta: RequestMeta,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> AppResult<Response> {
    use crate::auth::login::{SecondFactorOutcome, finish_second_factor};
    let names = state.cookies();
    let Some(pending) = read_cookie(&headers, names.mfa) else { return Ok(Redirect::to("/login").into_response()) };
    if form.code.trim().is_empty() {
        let errors =
            vec![context! { field => "code", message => "Enter the 6-digit code from your authenticator app" }];
        return Ok((StatusCode::BAD_REQUEST, page.render("login_verify.html", context! { errors })?).into_response());
    }
    let outcome = finish_second_factor(&state, &page.site, &pending, &form.code, &meta.ip, &meta.user_agent).await?;
    let (status, message) = match outcome {
        SecondFactorOutcome::SignedIn { session_token, setup_required } => {
            if let Some(old) = read_cookie(&headers, names.session) {
                state.store().delete_session(&crate::auth::hash_token(&old)).await?;
            }
            let mut response = Redirect::to(if setup_required { "/welcome" } else { "/dashboard" }).into_response();
            let h = response.headers_mut();
            h.append(header::SET_COOKIE, names.build(names.session, session_token));
            h.append(header::SET_COOKIE, names.build(names.csrf, new_token()));
            h.append(header::SET_COOKIE, names.clear(names.mfa));
            return Ok(response);
        }
        SecondFactorOutcome::WrongCode => {
            (StatusCode::UNAUTHORIZED, "That code is not right. Check your app and try again.")
        }
        SecondFactorOutcome::Locked => (
            StatusCode::TOO_MANY_REQUESTS,
            "Too many wrong codes. For your security, wait 30 minutes and log in again.",
        ),
        SecondFactorOutcome::Expired => {
            let mut response = Redirect::to("/login").into_response();
            response.headers_mut().append(header::SET_COOKIE, names.clear(names.mfa));
            return Ok(response);
        }
    };
    let errors = vec![context! { field => "code", message => message }];
    let email = verify_context(&page, &headers).await?.flatten();
    Ok((status, page.render("login_verify.html", context! { errors, email })?).into_response())
}

pub async fn view_logout_post(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    meta: RequestMeta,
) -> AppResult<Response> {
    if let Some(user) = user {
        sign_out(&state, &user.session_hash, user.id, user.tenant, &meta.ip, &meta.user_agent).await?;
    }
    let names = state.cookies();
    let mut response = Redirect::to("/signed-out").into_response();
    let h = response.headers_mut();
    h.append(header::SET_COOKIE, names.clear(names.session));
    h.append(header::SET_COOKIE, names.build(names.csrf, new_token()));
    Ok(response)
}

pub async fn view_signed_out_get(page: Page) -> AppResult<Response> {
    Ok(page.render("signed_out.html", context! {})?.into_response())
}

/// "Stay signed in" on the idle warning: restarts the idle timer.
pub async fn view_keepalive_post(State(state): State<AppState>, user: CurrentUser) -> Result<StatusCode, AppError> {
    state.store().touch_session(&user.session_hash, state.clock().now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
