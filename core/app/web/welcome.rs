//! The first-login page (seed 001): a security question (ECTs; docs/security.md M7), contact
//! preferences, and the AB's privacy policy with its consents (from the AB's plugin). Also shown
//! alone when the AB publishes a new version of its policy.

use crate::web::{Access, RouteTable, Sites};
use axum::Form;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use induct_domain::Permission;
use minijinja::context;

use super::form::{Errors, Fields};
use super::page::Page;
use crate::auth::session::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::first_login::{self, QUESTIONS};

/// The policy text as paragraphs and lists (the plugin's plain-text format: blank lines between
/// paragraphs, "- " list items).
fn blocks(body: &str) -> Vec<minijinja::Value> {
    body.split("\n\n")
        .map(|para| {
            let lines: Vec<&str> = para.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
            let items: Vec<String> = lines.iter().filter_map(|l| l.strip_prefix("- ").map(str::to_owned)).collect();
            let text: Vec<&str> = lines.iter().filter(|l| !l.starts_with("- ")).copied().collect();
            context! { text => text.join(" "), items }
        })
        .collect()
}

async fn render(page: &Page, f: &Fields, errors: Errors, status: StatusCode) -> AppResult<Response> {
    let user = page.user()?.clone();
    let tenant = page.tenant()?;
    let setup = page.state.store().account_setup(user.id).await?;
    let policy = first_login::privacy_policy(&page.state, tenant, user.role).await?;
    let policy = match policy {
        Some((p, items)) if !page.state.store().has_accepted(user.id, &p.version).await? => Some((p, items)),
        _ => None,
    };
    page.respond(status, "welcome.html", context! {
            first_time => setup.is_none(),
            ask_question => setup.is_none() && first_login::asks_security_question(user.role),
            questions => QUESTIONS.to_vec(),
            policy => policy.as_ref().map(|(p, items)| context! {
                title => p.title.clone(),
                version => p.version.clone(),
                blocks => blocks(&p.body),
                consents => items.iter().map(|i| context! { id => i.id.clone(), label => i.label.clone(), required => i.required }).collect::<Vec<_>>(),
            }),
            typed => f.typed(),
            ticked => f.all("consent"),
            errors => errors.0,
        })
}

pub async fn view_welcome_get(page: Page) -> AppResult<Response> {
    if !page.user()?.setup_required {
        return Ok(Redirect::to("/dashboard").into_response());
    }
    render(&page, &Fields(vec![]), Errors::default(), StatusCode::OK).await
}

pub async fn view_welcome_post(
    page: Page,
    meta: RequestMeta,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let user = page.user()?.clone();
    if !user.setup_required {
        return Ok(Redirect::to("/dashboard").into_response());
    }
    let tenant = page.tenant()?;
    let f = Fields(pairs);
    let store = page.state.store();
    let setup = store.account_setup(user.id).await?;
    let mut e = Errors::default();
    let mut security_answer = None;
    let mut question = None;
    if setup.is_none() && first_login::asks_security_question(user.role) {
        match first_login::question_text(f.get("security_question")) {
            None => e.add("security_question", "Choose a security question"),
            Some(_) => question = Some(f.get("security_question").to_owned()),
        }
        match first_login::check_answer(f.get("security_answer")) {
            Err(message) => e.add("security_answer", message),
            Ok(answer) => security_answer = Some(answer),
        }
    }
    let policy = first_login::privacy_policy(&page.state, tenant, user.role).await?;
    let ticked = f.all("consent");
    let mut accepting = None;
    if let Some((p, items)) = &policy
        && !store.has_accepted(user.id, &p.version).await?
    {
        let missing: Vec<_> = items.iter().filter(|i| i.required && !ticked.contains(&i.id)).collect();
        if !missing.is_empty() {
            e.add(
                "consent",
                format!("Tick to agree: {}", missing.iter().map(|i| i.label.as_str()).collect::<Vec<_>>().join("; ")),
            );
        }
        let known: Vec<&str> =
            items.iter().map(|i| i.id.as_str()).filter(|id| ticked.iter().any(|t| t == id)).collect();
        accepting =
            Some((p.version.clone(), serde_json::to_string(&known).map_err(|e| AppError::Internal(e.to_string()))?));
    }
    if !e.is_empty() {
        return render(&page, &f, e, StatusCode::BAD_REQUEST).await;
    }
    let answers = first_login::FirstLogin {
        security: question.zip(security_answer),
        remind_by_email: setup.as_ref().map_or(f.get("remind_by_email") == "yes", |s| s.remind_by_email),
        news_by_email: setup.as_ref().map_or(f.get("news_by_email") == "yes", |s| s.news_by_email),
        policy: accepting,
    };
    let actor = page.actor(&meta)?;
    first_login::complete(&page.state, tenant, &user.session_hash, &actor, &answers).await?;
    Ok(Redirect::to("/dashboard").into_response())
}

/// This feature's routes, each declaring who may use it and on which site (docs/security.md T1).
pub(super) fn routes(t: RouteTable) -> RouteTable {
    use Access::*;
    use Permission::*;
    t.get("/welcome", Sites::Ab, Signed(ViewOwnDashboard), view_welcome_get).post(
        "/welcome",
        Sites::Ab,
        Signed(ViewOwnDashboard),
        view_welcome_post,
    )
}
