//! Registering a school under this AB (seed 001 step 1), and the AB's decision.

use crate::web::{Access, RouteTable, Sites};
use axum::Form;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use induct_domain::Permission;
use induct_domain::validate::{self, FieldProblem};
use induct_domain::{Role, SchoolId};
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;

use super::page::Page;
use crate::auth::session::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::registration::{self, RegisterError, Registrant};
use crate::store::schools::SchoolDetails;

#[derive(Deserialize, serde::Serialize, Default)]
pub struct RegisterForm {
    #[serde(default)]
    q: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    urn: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    postcode: String,
    #[serde(default)]
    contact_email: String,
    #[serde(default)]
    contact_phone: String,
    #[serde(default)]
    person_name: String,
    #[serde(default)]
    person_email: String,
    #[serde(default)]
    person_role: String,
}

async fn render(
    page: &Page,
    typed: &RegisterForm,
    errors: Vec<minijinja::Value>,
    status: StatusCode,
) -> AppResult<Response> {
    let tenant = page.site.tenant_id().ok_or(AppError::NotFound)?;
    // Seed 001 / docs/induction-rules.md 1.4: search for the school first; it may be registered already.
    let found = if typed.q.trim().len() >= 3 {
        Some(
            page.state
                .store()
                .search_schools(tenant, &typed.q)
                .await?
                .into_iter()
                .map(|s| context! { name => s.name, postcode => s.postcode, status => s.status.as_str() })
                .collect::<Vec<_>>(),
        )
    } else {
        None
    };
    page.respond(status, "register_school.html", context! { typed => Serde(typed), found, errors })
}

pub async fn view_register_school_get(page: Page, Query(q): Query<RegisterForm>) -> AppResult<Response> {
    render(&page, &q, vec![], StatusCode::OK).await
}

pub async fn view_register_school_post(
    page: Page,
    meta: RequestMeta,
    Form(f): Form<RegisterForm>,
) -> AppResult<Response> {
    if !registration::within_budget(&page.state, &page.site, &meta.ip).await? {
        let message = "Too many registrations have come from your network. Wait an hour and try again, or contact us.";
        return render(&page, &f, vec![context! { field => "name", message }], StatusCode::TOO_MANY_REQUESTS).await;
    }
    let mut errors = vec![];
    let mut take = |field: &'static str, r: Result<String, FieldProblem>| {
        r.map_err(|p| errors.push(context! { field, message => p.to_string() })).unwrap_or_default()
    };
    let details = SchoolDetails {
        name: take("name", validate::text(&f.name, "the school's name", 100)),
        address: take("address", validate::text(&f.address, "the address", 300)),
        postcode: take("postcode", validate::postcode(&f.postcode)),
        contact_email: take("contact_email", validate::email(&f.contact_email)),
        contact_phone: take("contact_phone", validate::phone(&f.contact_phone)),
    };
    let urn = take("urn", validate::urn(&f.urn));
    let person = take("person_name", validate::text(&f.person_name, "the person's name", 100));
    let person_email = take("person_email", validate::email(&f.person_email));
    let role = match f.person_role.as_str() {
        "head_teacher" => Some(Role::HeadTeacher),
        "induction_lead" => Some(Role::InductionLead),
        _ => {
            errors.push(context! { field => "person_role", message => "Choose head teacher or induction lead" });
            None
        }
    };
    let Some(role) = role.filter(|_| errors.is_empty()) else {
        return render(&page, &f, errors, StatusCode::BAD_REQUEST).await;
    };
    let who = Registrant { name: &person, email: &person_email, role };
    match registration::register_school(&page.state, &page.site, &details, &urn, &who, &meta.ip, &meta.user_agent).await
    {
        Ok(_) => Ok(page.render("register_school_done.html", context! { school => details.name })?.into_response()),
        Err(RegisterError::DuplicateUrn(name)) => {
            let message = format!(
                "{name} (URN {urn}) is already registered with {}. Ask its head teacher or induction lead to add you.",
                page.site.name()
            );
            render(&page, &f, vec![context! { field => "urn", message }], StatusCode::BAD_REQUEST).await
        }
        Err(other @ (RegisterError::Store(_) | RegisterError::Failed(_))) => Err(other.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct Decision {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

pub async fn view_school_decision_post(
    page: Page,
    meta: RequestMeta,
    Path(school_id): Path<String>,
    Form(d): Form<Decision>,
) -> AppResult<Response> {
    let id: SchoolId = school_id.parse().map_err(|_| AppError::NotFound)?;
    let authorise = match d.decision.as_str() {
        "authorise" => true,
        "reject" => false,
        _ => return Err(AppError::BadRequest("unknown decision")),
    };
    let reason = validate::text(&d.reason, "the reason", 500).ok();
    let _user = page.user()?.clone();
    let actor = page.actor(&meta)?;
    registration::decide(&page.state, &page.site, id, authorise, reason.as_deref(), &actor).await?;
    Ok(Redirect::to("/schools").into_response())
}

/// This feature's routes, each declaring who may use it and on which site (docs/security.md T1).
pub(super) fn routes(t: RouteTable) -> RouteTable {
    use Access::*;
    use Permission::*;
    t.get("/register-school", Sites::Ab, Public, view_register_school_get)
        .post("/register-school", Sites::Ab, Public, view_register_school_post)
        .post("/schools/{school_id}/decision", Sites::Ab, Signed(AuthoriseSchools), view_school_decision_post)
}
