//! Login, logout and the idle-timeout keepalive.

use crate::web::{Access, RouteTable, Sites};
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use induct_domain::Permission;
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

#[derive(Deserialize, Default)]
pub struct SendForm {
    #[serde(default)]
    channel: String,
}

/// What the second-step page shows for a live pending login.
struct Verify {
    /// `app`, `choose` (no code sent yet: by text or by email?), `email` or `sms`.
    mode: &'static str,
    /// Where codes can go, partly hidden: "j***@marshlane.example", "07*** ***123".
    email: Option<String>,
    mobile: Option<String>,
}

impl Verify {
    fn context(&self, errors: Vec<minijinja::Value>, notice: Option<&str>) -> minijinja::Value {
        context! {
            errors,
            notice,
            mode => self.mode,
            email => self.email.clone(),
            mobile => self.mobile.clone(),
            sent_to => match self.mode { "sms" => self.mobile.clone(), "email" => self.email.clone(), _ => None },
            both => self.email.is_some() && self.mobile.is_some(),
        }
    }
}

/// "j.lee@marshlane.example" -> "j***@marshlane.example"
fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => format!("{}***@{domain}", local.chars().next().unwrap_or('*')),
        None => "your email address".into(),
    }
}

/// For the code page: `None` when there is no live pending login.
async fn verify_context(page: &Page, headers: &HeaderMap) -> AppResult<Option<Verify>> {
    use crate::auth::login::{CodeChannel, second_factors_of};
    let names = page.state.cookies();
    let Some(pending) = read_cookie(headers, names.mfa) else { return Ok(None) };
    let now = page.state.clock().now();
    let challenge = crate::auth::hash_token(&pending);
    let Some(user) = page.state.store().challenge_user(&challenge, now).await? else {
        return Ok(None);
    };
    let Some(row) = page.state.store().get_user(user).await? else { return Ok(None) };
    // A pending login belongs to its own AB's site.
    if row.tenant_id != page.site.tenant_id().map(|t| t.0) {
        return Ok(None);
    }
    let factors = second_factors_of(&page.state, user).await?;
    let email = factors.email.then(|| mask_email(&row.email));
    let mobile = factors.sms.as_deref().map(induct_domain::validate::mask_mobile);
    let mode = if factors.totp {
        "app"
    } else {
        match page.state.store().login_code_channel(&challenge).await?.as_deref().and_then(CodeChannel::parse) {
            Some(CodeChannel::Sms) => "sms",
            Some(CodeChannel::Email) => "email",
            None => "choose",
        }
    };
    Ok(Some(Verify { mode, email, mobile }))
}

/// The second step of logging in: a code from the authenticator app, or one sent by text
/// message or email (seed 000), after choosing how when both are set up.
pub async fn view_verify_get(page: Page, headers: HeaderMap) -> AppResult<Response> {
    let Some(v) = verify_context(&page, &headers).await? else { return Ok(Redirect::to("/login").into_response()) };
    Ok(page.render("login_verify.html", v.context(vec![], None))?.into_response())
}

/// "Send Verification Code" with the chosen way, and "Resend Code" (seed 000): a new code; the
/// earlier one stops working.
pub async fn view_verify_resend_post(
    State(state): State<AppState>,
    page: Page,
    headers: HeaderMap,
    Form(form): Form<SendForm>,
) -> AppResult<Response> {
    use crate::auth::login::{CodeChannel, SendOutcome, resend_code};
    let names = state.cookies();
    let Some(pending) = read_cookie(&headers, names.mfa) else { return Ok(Redirect::to("/login").into_response()) };
    let chosen = CodeChannel::parse(&form.channel);
    if !form.channel.is_empty() && chosen.is_none() {
        return Err(AppError::BadRequest("unknown channel"));
    }
    let Some(before) = verify_context(&page, &headers).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    if before.mode == "choose" && chosen.is_none() {
        let errors = vec![context! { field => "channel", message => "Choose how you want to receive your code" }];
        return Ok(
            (StatusCode::BAD_REQUEST, page.render("login_verify.html", before.context(errors, None))?).into_response()
        );
    }
    let outcome = resend_code(&state, &page.site, &pending, chosen).await?;
    let Some(v) = verify_context(&page, &headers).await? else { return Ok(Redirect::to("/login").into_response()) };
    let notice = match outcome {
        SendOutcome::Sent(_) if before.mode == "choose" => "We have sent your code.",
        SendOutcome::Sent(_) => "We have sent a new code. The earlier one no longer works.",
        SendOutcome::NotSent => {
            "We cannot send another code just now. Use the last one we sent, or wait and log in again."
        }
        SendOutcome::Expired => return Ok(Redirect::to("/login").into_response()),
    };
    Ok(page.render("login_verify.html", v.context(vec![], Some(notice)))?.into_response())
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
    let Some(v) = verify_context(&page, &headers).await? else {
        let mut response = Redirect::to("/login").into_response();
        response.headers_mut().append(header::SET_COOKIE, names.clear(names.mfa));
        return Ok(response);
    };
    if form.code.trim().is_empty() {
        let message = match v.mode {
            "app" => "Enter the 6-digit code from your authenticator app",
            _ => "Enter the 6-digit code we sent you",
        };
        let errors = vec![context! { field => "code", message => message }];
        return Ok(
            (StatusCode::BAD_REQUEST, page.render("login_verify.html", v.context(errors, None))?).into_response()
        );
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
        SecondFactorOutcome::WrongCode => (
            StatusCode::UNAUTHORIZED,
            match v.mode {
                "app" => "That code is not right. Check your app and try again.",
                _ => "That code is not right, or it has expired. Check it, or send a new code.",
            },
        ),
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
    Ok((status, page.render("login_verify.html", v.context(errors, None))?).into_response())
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

/// This feature's routes, each declaring who may use it and on which site (docs/security.md T1).
pub(super) fn routes(t: RouteTable) -> RouteTable {
    use Access::*;
    use Permission::*;
    t.get("/login", Sites::Any, Public, view_login_get)
        .post("/login", Sites::Any, Public, view_login_post)
        .post("/logout", Sites::Any, Public, view_logout_post)
        .get("/login/verify", Sites::Any, Public, view_verify_get)
        .post("/login/verify", Sites::Any, Public, view_verify_post)
        .post("/login/verify/resend", Sites::Any, Public, view_verify_resend_post)
        .get("/signed-out", Sites::Any, Public, view_signed_out_get)
        .post("/session/keepalive", Sites::Any, Signed(ViewOwnDashboard), view_keepalive_post)
}
