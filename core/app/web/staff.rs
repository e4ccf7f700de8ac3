//! A school's staff: the list (usernames for heads, leads and the AB), adding a head teacher,
//! induction lead, induction tutor or school administrator (seed 001 steps 3-4), sending a
//! set-password link, deactivating leavers (seed 000); and the public page where a link sets a
//! password.

use crate::web::{Access, RouteTable, Sites};
use axum::Form;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use induct_domain::validate;
use induct_domain::{Permission, Role, SchoolId, UserId};
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::page::Page;
use crate::auth::reauth::{self, SecretCheck};
use crate::auth::session::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::accounts::{self, Actor, SetPasswordError};
use crate::store::audit::AuditEventKind;
use crate::store::schools::SchoolRow;

/// The roles a school can add (ECTs are registered, not added: the registration journey).
const ADDABLE: [Role; 4] = [Role::HeadTeacher, Role::InductionLead, Role::InductionTutor, Role::SchoolAdmin];

/// Who may be added by whom: heads, leads and the AB add anyone in [`ADDABLE`]; a school
/// administrator adds tutors and administrators only, never a role with more rights than their own.
fn addable_by(actor: Role) -> Vec<Role> {
    if actor.allows(Permission::ManageStaffAccounts) {
        ADDABLE.to_vec()
    } else {
        vec![Role::InductionTutor, Role::SchoolAdmin]
    }
}

async fn school(page: &Page, school_id: &str) -> AppResult<SchoolRow> {
    let user = page.user()?.clone();
    let id: SchoolId = school_id.parse().map_err(|_| AppError::NotFound)?;
    user.scope(page.state.store()).school(id).await?.ok_or(AppError::NotFound)
}

#[derive(Deserialize, serde::Serialize, Default)]
pub struct AddForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

async fn render(
    page: &Page,
    school: &SchoolRow,
    typed: &AddForm,
    errors: Vec<minijinja::Value>,
    notice: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let user = page.user()?.clone();
    let tenant = page.tenant()?;
    let staff = page.state.store().list_staff(tenant, SchoolId(school.id)).await?;
    let staff: Vec<_> = staff
        .into_iter()
        .map(|s| {
            let role: Option<Role> = s.role.parse().ok();
            context! {
                id => s.id.to_string(),
                name => s.display_name,
                role => role.map(|r| r.title()).unwrap_or("Unknown"),
                username => s.username,
                email => s.email,
                active => s.active,
                has_password => s.has_password,
                is_me => s.id == user.id.0,
            }
        })
        .collect();
    page.respond(
        status,
        "staff.html",
        context! {
            school => Serde(school),
            staff,
            accounts => user.role.allows(Permission::ManageStaffAccounts),
            roles => addable_by(user.role).iter().map(|r| (r.as_str(), r.title())).collect::<Vec<_>>(),
            typed => Serde(typed),
            errors,
            notice,
        },
    )
}

pub async fn view_staff_get(page: Page, Path(school_id): Path<String>) -> AppResult<Response> {
    let s = school(&page, &school_id).await?;
    render(&page, &s, &AddForm::default(), vec![], None, StatusCode::OK).await
}

pub async fn view_staff_post(
    page: Page,
    meta: RequestMeta,
    Path(school_id): Path<String>,
    Form(form): Form<AddForm>,
) -> AppResult<Response> {
    let s = school(&page, &school_id).await?;
    let mut errors = vec![];
    let name = validate::text(&form.name, "the person's name", 100)
        .map_err(|p| errors.push(context! { field => "name", message => p.to_string() }))
        .ok();
    let email = validate::email(&form.email)
        .map_err(|p| errors.push(context! { field => "email", message => p.to_string() }))
        .ok();
    let actor_role = page.user()?.role;
    let role = addable_by(actor_role).into_iter().find(|r| r.as_str() == form.role);
    if role.is_none() {
        errors.push(context! { field => "role", message => "Choose the person's position" });
    }
    let (Some(name), Some(email), Some(role)) = (name, email, role) else {
        return render(&page, &s, &form, errors, None, StatusCode::BAD_REQUEST).await;
    };
    let me = page.user()?.clone();
    let actor = Actor { user: me.id, ip: &meta.ip, user_agent: &meta.user_agent };
    let added = accounts::add_to_school(&page.state, &page.site, SchoolId(s.id), role, &name, &email, &actor).await?;
    let notice = format!(
        "{} has been added as {} with the username {}. We have emailed them a link to set their password.",
        added.display_name,
        role.title().to_lowercase(),
        added.username
    );
    render(&page, &s, &AddForm::default(), vec![], Some(notice), StatusCode::OK).await
}

/// The person, if they are on this school's staff.
async fn member(page: &Page, school: &SchoolRow, user_id: &str) -> AppResult<crate::store::users::UserRow> {
    let id: UserId = user_id.parse().map_err(|_| AppError::NotFound)?;
    let scope = page.user()?.scope(page.state.store());
    scope.staff_member(SchoolId(school.id), id).await?.ok_or(AppError::NotFound)
}

pub async fn view_staff_send_link_post(
    page: Page,
    meta: RequestMeta,
    Path((school_id, user_id)): Path<(String, String)>,
) -> AppResult<Response> {
    let s = school(&page, &school_id).await?;
    let person = member(&page, &s, &user_id).await?;
    let me = page.user()?.clone();
    let actor = Actor { user: me.id, ip: &meta.ip, user_agent: &meta.user_agent };
    accounts::send_link(&page.state, &page.site, &person, &actor).await?;
    let notice = format!(
        "We have emailed {} a link to set their password. Any earlier link no longer works.",
        person.display_name
    );
    render(&page, &s, &AddForm::default(), vec![], Some(notice), StatusCode::OK).await
}

pub async fn view_staff_deactivate_post(
    page: Page,
    meta: RequestMeta,
    Path((school_id, user_id)): Path<(String, String)>,
) -> AppResult<Response> {
    let s = school(&page, &school_id).await?;
    let person = member(&page, &s, &user_id).await?;
    let me = page.user()?.clone();
    if person.id == me.id.0 {
        let errors = vec![context! { field => "staff", message => "You cannot deactivate your own account" }];
        return render(&page, &s, &AddForm::default(), errors, None, StatusCode::BAD_REQUEST).await;
    }
    let actor = Actor { user: me.id, ip: &meta.ip, user_agent: &meta.user_agent };
    accounts::deactivate(&page.state, &page.site, &person, &actor).await?;
    Ok(Redirect::to(&format!("/schools/{}/staff", s.id)).into_response())
}

#[derive(Deserialize, Default)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    security_answer: String,
}

/// docs/security.md M7: after a *reset* link (never instead of it), an ECT who set a security question
/// answers it. The question is the one they chose, so it stays the same until answered.
async fn security_question(
    page: &Page,
    token: &str,
    user: &crate::store::users::UserRow,
) -> AppResult<Option<&'static str>> {
    let purpose = page.state.store().password_token_purpose(&crate::auth::hash_token(token)).await?;
    if purpose.as_deref() != Some("reset") {
        return Ok(None);
    }
    let setup = page.state.store().account_setup(user.user_id()).await?;
    Ok(setup
        .filter(|s| s.security_answer_hash.is_some())
        .and_then(|s| s.security_question)
        .and_then(|q| crate::services::first_login::question_text(&q)))
}

/// Checks the answer; wrong answers count on the account's login lock (M7, A7). Ok(false) when
/// wrong or the account is locked (`auth::reauth` says in what order).
async fn check_answer(
    page: &Page,
    meta: &RequestMeta,
    user: &crate::store::users::UserRow,
    answer: &str,
) -> AppResult<bool> {
    let hash = page.state.store().account_setup(user.user_id()).await?.and_then(|s| s.security_answer_hash);
    let typed = induct_domain::password::normalise_answer(answer);
    let check = SecretCheck {
        tenant: page.site.tenant_id(),
        site_key: &page.site.key(),
        user,
        hash: hash.as_deref(),
        typed: &typed,
        factor: "security_question",
        on_right: None,
        on_wrong: Some((AuditEventKind::LoginFail, "wrong_answer")),
    };
    reauth::check_secret(&page.state, &check, meta).await
}

/// The link's page never sends a referrer (docs/security.md M6, S7): the token is in its address.
fn no_referrer(mut r: Response) -> Response {
    r.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    r
}

pub async fn view_set_password_get(page: Page, Path(token): Path<String>) -> AppResult<Response> {
    let ctx = match accounts::link_user(&page.state, &page.site, &token).await {
        Ok(user) => {
            let question = security_question(&page, &token, &user).await?;
            context! { username => user.username, name => user.display_name, valid => true, question }
        }
        Err(e @ (SetPasswordError::Store(_) | SetPasswordError::Failed(_))) => return Err(e.into()),
        Err(_) => context! { valid => false },
    };
    let status = if ctx.get_attr("valid").map(|v| v.is_true()).unwrap_or(false) {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    Ok(no_referrer((status, page.render("set_password.html", ctx)?).into_response()))
}

pub async fn view_set_password_post(
    page: Page,
    meta: RequestMeta,
    Path(token): Path<String>,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    if let Ok(user) = accounts::link_user(&page.state, &page.site, &token).await
        && let Some(question) = security_question(&page, &token, &user).await?
        && !check_answer(&page, &meta, &user, &form.security_answer).await?
    {
        let errors = vec![
            context! { field => "security_answer", message => "That answer is not right. Too many wrong answers lock the account for 30 minutes." },
        ];
        let ctx = context! { valid => true, username => user.username, name => user.display_name, question, errors };
        return Ok(no_referrer((StatusCode::BAD_REQUEST, page.render("set_password.html", ctx)?).into_response()));
    }
    let result =
        accounts::set_password(&page.state, &page.site, &token, &form.password, &meta.ip, &meta.user_agent).await;
    let response = match result {
        Ok(user) => (StatusCode::OK, page.render("set_password_done.html", context! { username => user.username })?)
            .into_response(),
        Err(SetPasswordError::InvalidLink) => {
            (StatusCode::NOT_FOUND, page.render("set_password.html", context! { valid => false })?).into_response()
        }
        Err(SetPasswordError::Weak(problem)) => {
            let user = accounts::link_user(&page.state, &page.site, &token).await.ok();
            let question = match &user {
                Some(u) => security_question(&page, &token, u).await?,
                None => None,
            };
            let errors = vec![context! { field => "password", message => problem.to_string() }];
            let ctx = context! {
                valid => true,
                username => user.as_ref().map(|u| u.username.clone()),
                name => user.map(|u| u.display_name),
                question,
                errors,
            };
            (StatusCode::BAD_REQUEST, page.render("set_password.html", ctx)?).into_response()
        }
        Err(e @ (SetPasswordError::Store(_) | SetPasswordError::Failed(_))) => return Err(e.into()),
    };
    Ok(no_referrer(response))
}

/// This feature's routes, each declaring who may use it and on which site (docs/security.md T1).
pub(super) fn routes(t: RouteTable) -> RouteTable {
    use Access::*;
    use Permission::*;
    t.get("/schools/{school_id}/staff", Sites::Ab, Signed(ManageSchoolStaff), view_staff_get)
        .post("/schools/{school_id}/staff", Sites::Ab, Signed(ManageSchoolStaff), view_staff_post)
        .post(
            "/schools/{school_id}/staff/{user_id}/send-link",
            Sites::Ab,
            Signed(ManageStaffAccounts),
            view_staff_send_link_post,
        )
        .post(
            "/schools/{school_id}/staff/{user_id}/deactivate",
            Sites::Ab,
            Signed(ManageStaffAccounts),
            view_staff_deactivate_post,
        )
        .get("/set-password/{token}", Sites::Ab, Public, view_set_password_get)
        .post("/set-password/{token}", Sites::Ab, Public, view_set_password_post)
}
