//! Schools: the AB's list, one school's details page, and editing them (seed 001 step 2), with
//! the AB's extra questions from its plugin (form `school-details`).

use crate::web::{Access, RouteTable, Sites};
use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use induct_domain::validate::{self, FieldProblem};
use induct_domain::{Permission, SchoolId};
use minijinja::context;
use minijinja::value::Serde;

use super::page::Page;
use crate::auth::session::RequestMeta;
use crate::error::{AppError, AppResult};
use induct_domain::registration::SchoolStatus;

use crate::services::forms;
use crate::services::schools::{self, FORM};
use crate::store::schools::{SchoolDetails, SchoolRow};

/// A school as templates show it: its row, its status's title, and whether it waits for the AB.
pub(crate) fn school_view(s: &SchoolRow) -> minijinja::Value {
    context! {
        status_title => s.status.title(),
        pending => s.status == SchoolStatus::Pending,
        ..minijinja::Value::from(minijinja::value::Serde(s))
    }
}

/// The AB's schools, searchable by name, URN or postcode.
pub async fn view_schools_get(
    page: Page,
    axum::extract::Query(s): axum::extract::Query<super::ects::Search>,
) -> AppResult<Response> {
    let user = page.user()?.clone();
    let q = s.q.trim().to_lowercase();
    let compact = |x: &str| x.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase();
    let schools: Vec<_> = user
        .scope(page.state.store())
        .schools()
        .await?
        .into_iter()
        .filter(|s| {
            q.is_empty()
                || s.name.to_lowercase().contains(&q)
                || s.urn == q
                || compact(&s.postcode).starts_with(&compact(&q))
        })
        .collect();
    let schools: Vec<_> = schools.iter().map(school_view).collect();
    Ok(page.render("schools.html", context! { schools, q => s.q })?.into_response())
}

/// The school the path names, if the user may see it (`mine`: the user's own first school).
async fn visible_school(page: &Page, school_id: &str) -> AppResult<Result<SchoolRow, Response>> {
    let user = page.user()?.clone();
    let scope = user.scope(page.state.store());
    if school_id == "mine" {
        let first = scope.schools().await?.into_iter().next().ok_or(AppError::NotFound)?;
        return Ok(Err(Redirect::to(&format!("/schools/{}", first.id)).into_response()));
    }
    // A malformed id is as unknown as a foreign one.
    let id: SchoolId = school_id.parse().map_err(|_| AppError::NotFound)?;
    Ok(Ok(scope.school(id).await?.ok_or(AppError::NotFound)?))
}

/// `/schools/{id}`; `/schools/mine` goes to the user's own school.
pub async fn view_school_get(page: Page, Path(school_id): Path<String>) -> AppResult<Response> {
    let school = match visible_school(&page, &school_id).await? {
        Ok(s) => s,
        Err(redirect) => return Ok(redirect),
    };
    render_school(&page, school, None, super::form::Errors::default(), StatusCode::OK).await
}

async fn render_school(
    page: &Page,
    school: SchoolRow,
    typed: Option<String>,
    errors: super::form::Errors,
    status: StatusCode,
) -> AppResult<Response> {
    let user = page.user()?.clone();
    let tenant = page.tenant()?;
    let extra = forms::extra_questions(&page.state, tenant, forms::context(FORM, user.role.as_str())).await?;
    let answers: Vec<_> = page
        .state
        .store()
        .list_form_answers(tenant, FORM, school.id)
        .await?
        .into_iter()
        .map(|a| context! { label => a.question_label, value => forms::display_value(&extra.questions, &a.question_id, &a.value) })
        .collect();
    let can_edit = user.role.allows(Permission::EditSchool);
    // ECTs are registered at an authorised school only (seed 001 step 5).
    let can_register_ects = school.status == SchoolStatus::Authorised && user.role.allows(Permission::RegisterEcts);
    let paused_until = page.state.store().reminders_paused_until(tenant, SchoolId(school.id)).await?;
    let today = crate::clock_today(&page.state);
    page.respond(
        status,
        "school.html",
        context! {
            school => school_view(&school),
            answers,
            can_edit,
            can_register_ects,
            paused_until => paused_until.filter(|d| *d >= today).map(crate::mail::messages::uk_date),
            typed => typed,
            errors => errors.0,
        },
    )
}

/// Pausing reminders (DfE's service lets a school opt out of reminder emails until a date):
/// none are sent to the school's people for its ECTs until the end of that date; an empty date
/// sends them again. Head teachers, induction leads and the AB.
pub async fn view_school_reminders_post(
    page: Page,
    meta: RequestMeta,
    Path(school_id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let Ok(school) = visible_school(&page, &school_id).await? else { return Err(AppError::NotFound) };
    let _user = page.user()?.clone();
    let tenant = page.tenant()?;
    let f = super::form::Fields(pairs);
    let typed = f.get("paused_until").trim().to_owned();
    let today = crate::clock_today(&page.state);
    let mut e = super::form::Errors::default();
    let until = match validate::optional_date(&typed, "the date to pause reminders until") {
        Ok(Some(d)) if d < today => {
            e.add("paused_until", "The date must be today or later");
            None
        }
        Ok(Some(d)) if d > today + chrono::Duration::days(366) => {
            e.add("paused_until", "Reminders can be paused for a year at most");
            None
        }
        Ok(d) => d,
        Err(p) => {
            e.add("paused_until", p.to_string());
            None
        }
    };
    if !e.is_empty() {
        return render_school(&page, school, Some(typed), e, StatusCode::BAD_REQUEST).await;
    }
    let actor = page.actor(&meta)?;
    if !schools::pause_reminders(&page.state, tenant, SchoolId(school.id), until, &actor).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&format!("/schools/{}#reminders", school.id)).into_response())
}

pub async fn view_school_edit_get(page: Page, Path(school_id): Path<String>) -> AppResult<Response> {
    let school = match visible_school(&page, &school_id).await? {
        Ok(s) => s,
        Err(_) => return Err(AppError::NotFound),
    };
    let user = page.user()?.clone();
    let tenant = page.tenant()?;
    let extra = forms::extra_questions(&page.state, tenant, forms::context(FORM, user.role.as_str())).await?;
    let stored = page.state.store().list_form_answers(tenant, FORM, school.id).await?;
    let answers: Vec<(String, Vec<String>)> =
        stored.into_iter().map(|a| (a.question_id, a.value.lines().map(str::to_owned).collect())).collect();
    let details = SchoolDetails {
        name: school.name.clone(),
        address: school.address.clone(),
        postcode: school.postcode.clone(),
        contact_email: school.contact_email.clone(),
        contact_phone: school.contact_phone.clone(),
    };
    let form = EditForm {
        school: &school,
        details: &details,
        extra: &extra,
        answers: &answers,
        core_errors: &[],
        extra_errors: &[],
    };
    render_edit(&page, &form, None, StatusCode::OK)
}

/// The edit form as shown: what is stored or was typed, and what is wrong with it.
struct EditForm<'a> {
    school: &'a SchoolRow,
    details: &'a SchoolDetails,
    extra: &'a forms::ExtraQuestions,
    answers: &'a [(String, Vec<String>)],
    core_errors: &'a [(&'static str, String)],
    extra_errors: &'a [induct_plugin_host::FieldError],
}

fn render_edit(page: &Page, form: &EditForm<'_>, notice: Option<&str>, status: StatusCode) -> AppResult<Response> {
    let EditForm { school, details, extra, answers, core_errors, extra_errors } = *form;
    let questions = forms::views(&extra.questions, answers, extra_errors);
    let mut errors: Vec<minijinja::Value> =
        core_errors.iter().map(|(f, m)| context! { field => *f, message => m }).collect();
    errors.extend(
        questions.iter().filter_map(|q| q.error.as_ref().map(|m| context! { field => q.field.clone(), message => m })),
    );
    page.respond(
        status,
        "school_edit.html",
        context! {
            school => Serde(school),
            details => Serde(details),
            questions => Serde(&questions),
            errors,
            extra_unavailable => extra.unavailable,
            notice,
        },
    )
}

fn field(fields: &[(String, String)], name: &str) -> String {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
}

pub async fn view_school_edit_post(
    page: Page,
    meta: RequestMeta,
    Path(school_id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let school = match visible_school(&page, &school_id).await? {
        Ok(s) => s,
        Err(_) => return Err(AppError::NotFound),
    };
    let user = page.user()?.clone();
    let tenant = page.tenant()?;

    // The core fields, checked by the domain's field rules.
    let mut core_errors: Vec<(&'static str, String)> = vec![];
    let mut take = |name: &'static str, r: Result<String, FieldProblem>| match r {
        Ok(v) => v,
        Err(p) => {
            core_errors.push((name, p.to_string()));
            field(&fields, name)
        }
    };
    let details = SchoolDetails {
        name: take("name", validate::text(&field(&fields, "name"), "the school's name", 100)),
        address: take("address", validate::text(&field(&fields, "address"), "the address", 300)),
        postcode: take("postcode", validate::postcode(&field(&fields, "postcode"))),
        contact_email: take("contact_email", validate::email(&field(&fields, "contact_email"))),
        contact_phone: take("contact_phone", validate::phone(&field(&fields, "contact_phone"))),
    };

    // The AB's extra questions: the host's checks, then the plugin's.
    let ctx = forms::context(FORM, user.role.as_str());
    let extra = forms::extra_questions(&page.state, tenant, ctx.clone()).await?;
    let answers = forms::answers_from_form(&extra.questions, &fields);
    let mut extra_errors = forms::check_answers(&extra.questions, &answers);
    let form = |core_errors, extra_errors| EditForm {
        school: &school,
        details: &details,
        extra: &extra,
        answers: &answers,
        core_errors,
        extra_errors,
    };
    if extra_errors.is_empty() && !extra.questions.is_empty() {
        match forms::plugin_check(&page.state, tenant, ctx, &extra.questions, &answers).await? {
            Ok(errors) => extra_errors = errors,
            Err(()) => {
                let notice = "We could not check your answers to the appropriate body's questions just now. Nothing has been saved: try again in a few minutes. Your answers are still here.";
                return render_edit(&page, &form(&core_errors, &[]), Some(notice), StatusCode::SERVICE_UNAVAILABLE);
            }
        }
    }
    if !core_errors.is_empty() || !extra_errors.is_empty() {
        return render_edit(&page, &form(&core_errors, &extra_errors), None, StatusCode::BAD_REQUEST);
    }

    // One transaction: the details, the answers and the audit event, or nothing.
    let to_store = forms::to_store(&extra.questions, &answers);
    let actor = page.actor(&meta)?;
    let school_id = SchoolId(school.id);
    if !schools::edit_details(&page.state, tenant, school_id, &details, &to_store, &extra.plugin_version, &actor)
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&format!("/schools/{}", school.id)).into_response())
}

/// This feature's routes, each declaring who may use it and on which site (docs/security.md T1).
pub(super) fn routes(t: RouteTable) -> RouteTable {
    use Access::*;
    use Permission::*;
    t.get("/schools", Sites::Ab, Signed(ListSchools), view_schools_get)
        .get("/schools/{school_id}", Sites::Ab, Signed(ViewSchool), view_school_get)
        .get("/schools/{school_id}/edit", Sites::Ab, Signed(EditSchool), view_school_edit_get)
        .post("/schools/{school_id}/edit", Sites::Ab, Signed(EditSchool), view_school_edit_post)
        .post("/schools/{school_id}/reminders", Sites::Ab, Signed(EditSchool), view_school_reminders_post)
}
