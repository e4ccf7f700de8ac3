//! The AB's own pages: the task list (like DfE's service: registrations to check, schools to
//! authorise, leavers, transfers), the staff of every school with search, and the exports for the
//! national service (docs/induction-rules.md 2.11).

use crate::web::{Access, RouteTable, Sites};
use axum::extract::{Path, Query};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use induct_domain::Permission;
use induct_domain::export::{self, Action, Claim, Outcome};
use induct_domain::record::EctStatus;
use induct_domain::registration::{RegistrationKind, RegistrationStatus, SchoolStatus, TrainingProgramme};
use induct_domain::{Role, UserId};
use minijinja::context;
use uuid::Uuid;

use super::ects::{Search, matches};
use super::form::uk_date as fmt_date;
use super::page::Page;
use crate::auth::session::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::store::audit::{AuditEventKind, NewAuditEvent};

pub async fn view_tasks_get(page: Page) -> AppResult<Response> {
    let tenant = page.tenant()?;
    let store = page.state.store();
    let schools = store.list_schools(tenant).await?;
    let school_name = |id: Uuid| schools.iter().find(|s| s.id == id).map(|s| s.name.clone()).unwrap_or_default();
    let pending: Vec<_> = schools
        .iter()
        .filter(|s| s.status == SchoolStatus::Pending)
        .map(|s| context! { id => s.id.to_string(), name => s.name.clone(), urn => s.urn.clone() })
        .collect();
    let registrations = store.list_registrations(tenant).await?;
    let row = |r: &crate::store::ects::RegistrationRow| {
        context! {
            id => r.id.to_string(), name => r.ect_name.clone(), trn => r.trn.clone(),
            school => school_name(r.school_id), registered => fmt_date(r.registered_at.date_naive()),
        }
    };
    let awaiting = RegistrationStatus::AwaitingAb;
    let to_check: Vec<_> =
        registrations.iter().filter(|r| r.status == awaiting && r.kind == RegistrationKind::New).map(row).collect();
    let transfers: Vec<_> = registrations
        .iter()
        .filter(|r| r.status == awaiting && r.kind == RegistrationKind::Transfer)
        .map(row)
        .collect();
    let unsigned: Vec<_> =
        registrations.iter().filter(|r| r.status == RegistrationStatus::AwaitingHeadSignature).map(row).collect();
    let mut leavers = vec![];
    for l in store.list_leavers(tenant).await?.into_iter().filter(|l| l.acknowledged_at.is_none()) {
        let Some(induction) = store.db().get_induction(tenant, l.induction_id).await? else { continue };
        let ect = store.get_user_in(page.tenant()?, UserId(induction.ect_user_id)).await?;
        leavers.push(context! {
            id => l.id.to_string(),
            ect_id => induction.ect_user_id.to_string(),
            name => ect.map(|u| u.display_name),
            school => school_name(l.school_id),
            date => fmt_date(l.leaving_date),
            reason => l.reason,
            moving => l.moving,
            new_school => l.new_school,
            new_ab => l.new_ab,
        });
    }
    Ok(page.render("tasks.html", context! { pending, to_check, transfers, unsigned, leavers })?.into_response())
}

pub async fn view_leaver_acknowledge_post(
    page: Page,
    meta: RequestMeta,
    Path(leaver_id): Path<String>,
) -> AppResult<Response> {
    let id: Uuid = leaver_id.parse().map_err(|_| AppError::NotFound)?;
    let actor = page.actor(&meta)?;
    if !crate::services::ects::acknowledge_leaver(&page.state, &page.site, id, &actor).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/tasks").into_response())
}

/// `/staff`: everyone working at the AB's schools, by name, username or email.
pub async fn view_ab_staff_get(page: Page, Query(s): Query<Search>) -> AppResult<Response> {
    let tenant = page.tenant()?;
    let staff: Vec<_> = page
        .state
        .store()
        .list_ab_staff(tenant)
        .await?
        .into_iter()
        .filter(|p| matches(&s.q, &p.display_name, Some(&p.username)) || p.email.eq_ignore_ascii_case(s.q.trim()))
        .map(|p| {
            context! {
                id => p.id.to_string(),
                name => p.display_name,
                username => p.username,
                role => p.role.parse::<Role>().map(|r| r.title()).unwrap_or("Unknown"),
                email => p.email,
                active => p.active,
                school => p.school_name,
                school_id => p.school_id.to_string(),
            }
        })
        .collect();
    Ok(page.render("ab_staff.html", context! { staff, q => s.q })?.into_response())
}

/// Every claim and action the AB's records give, before the rules are applied.
async fn export_rows(page: &Page) -> AppResult<(Vec<Claim>, Vec<Action>)> {
    let tenant = page.tenant()?;
    let store = page.state.store();
    let today = crate::clock_today(&page.state);
    let profiles = store.list_profiles(tenant).await?;
    let mut claims = vec![];
    let mut actions = vec![];
    for p in profiles {
        let Some(induction) = store.induction_of_ect(tenant, UserId(p.user_id)).await? else { continue };
        claims.push(Claim {
            trn: p.trn.clone(),
            date_of_birth: p.date_of_birth,
            programme: TrainingProgramme::parse(&p.training_programme).unwrap_or(TrainingProgramme::SchoolLed),
            start: induction.start_date,
            qts: p.qts_date,
        });
        // A release: the ECT has left the AB's schools (docs/induction-rules.md 2.8 InProgress -> Released).
        if let Some(end) = induction.leaving_date.filter(|d| *d <= today) {
            let engine =
                crate::services::induction::Engine::load(page.state.store().db(), tenant, induction.clone()).await?;
            actions.push(Action {
                trn: p.trn,
                date_of_birth: p.date_of_birth,
                end,
                terms: engine.fte_served(end).min(engine.length()),
                outcome: Outcome::Release,
            });
        }
    }
    Ok((claims, actions))
}

pub async fn view_exports_get(page: Page) -> AppResult<Response> {
    let today = crate::clock_today(&page.state);
    let (claims, actions) = export_rows(&page).await?;
    let (ok_claims, bad_claims) = export::split_valid(claims, |c| &c.trn, |c| export::claim_problems(c, today));
    let (ok_actions, bad_actions) = export::split_valid(actions, |a| &a.trn, |a| export::action_problems(a, today));
    let problems = |trn: &str, p: &[export::RowProblem]| {
        context! { trn, problems => p.iter().map(|x| x.to_string()).collect::<Vec<_>>() }
    };
    Ok(page
        .render(
            "exports.html",
            context! {
                claims => ok_claims.len(),
                claim_parts => ok_claims.len().div_ceil(export::MAX_ROWS).max(1),
                actions => ok_actions.len(),
                action_parts => ok_actions.len().div_ceil(export::MAX_ROWS).max(1),
                bad_claims => bad_claims.iter().map(|(c, p)| problems(&c.trn, p)).collect::<Vec<_>>(),
                bad_actions => bad_actions.iter().map(|(a, p)| problems(&a.trn, p)).collect::<Vec<_>>(),
            },
        )?
        .into_response())
}

#[derive(serde::Deserialize, Default)]
pub struct Part {
    #[serde(default)]
    part: Option<usize>,
}

fn csv_response(name: &str, body: String) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

async fn audit_export(page: &Page, meta: &RequestMeta, what: &str) -> AppResult<()> {
    let _user = page.user()?.clone();
    let tenant = page.tenant()?;
    let actor = page.actor(&meta)?;
    let event = NewAuditEvent::by(tenant, AuditEventKind::ExportDownloaded, &actor, Some(what), None);
    crate::services::audit::record(&page.state, &event).await?;
    Ok(())
}

/// One file of at most [`export::MAX_ROWS`] rows (docs/induction-rules.md 2.11: "1-1000 rows"); `part` picks
/// which thousand.
fn page_of<T>(rows: Vec<T>, part: Option<usize>) -> AppResult<Vec<T>> {
    let part = part.unwrap_or(1);
    if part == 0 {
        return Err(AppError::NotFound);
    }
    let out: Vec<T> = rows.into_iter().skip((part - 1) * export::MAX_ROWS).take(export::MAX_ROWS).collect();
    Ok(out)
}

pub async fn view_claims_csv_get(page: Page, meta: RequestMeta, Query(p): Query<Part>) -> AppResult<Response> {
    let today = crate::clock_today(&page.state);
    let (claims, _) = export_rows(&page).await?;
    let (ok, _) = export::split_valid(claims, |c| &c.trn, |c| export::claim_problems(c, today));
    let rows: Vec<Vec<String>> = page_of(ok, p.part)?.iter().map(export::claim_cells).collect();
    audit_export(&page, &meta, "claims").await?;
    Ok(csv_response("claims.csv", export::write_csv(&export::CLAIMS_HEADER, &rows)))
}

pub async fn view_outcomes_csv_get(page: Page, meta: RequestMeta, Query(p): Query<Part>) -> AppResult<Response> {
    let today = crate::clock_today(&page.state);
    let (_, actions) = export_rows(&page).await?;
    let (ok, _) = export::split_valid(actions, |a| &a.trn, |a| export::action_problems(a, today));
    let rows: Vec<Vec<String>> = page_of(ok, p.part)?.iter().map(export::action_cells).collect();
    audit_export(&page, &meta, "outcomes").await?;
    Ok(csv_response("outcomes.csv", export::write_csv(&export::ACTIONS_HEADER, &rows)))
}

/// The AB's own list of ECTs as a spreadsheet (names included, so every cell goes through the
/// injection rule, docs/security.md I3).
pub async fn view_ects_csv_get(page: Page, meta: RequestMeta) -> AppResult<Response> {
    let tenant = page.tenant()?;
    let store = page.state.store();
    let today = crate::clock_today(&page.state);
    let contracts = store.list_contract_schools(tenant).await?;
    let mut rows = vec![];
    for e in store.list_ects(tenant).await? {
        let Some(induction) = e.induction_id else { continue };
        let mut schools: Vec<String> = contracts
            .iter()
            .filter(|c| c.induction_id == induction && c.is_current_on(today))
            .map(|c| c.school_name.clone())
            .collect();
        schools.dedup();
        let status = EctStatus::on(e.start_date, e.leaving_date, today).title();
        rows.push(vec![
            e.display_name,
            e.trn.unwrap_or_default(),
            schools.join("; "),
            e.start_date.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
            status,
        ]);
    }
    audit_export(&page, &meta, "ects").await?;
    Ok(csv_response(
        "ects.csv",
        export::write_csv(&["Name", "TRN", "Schools", "Induction start date", "Status"], &rows),
    ))
}

/// The AB unlocks one of its people (staff or ECT).
/// The person an AB administrator acts on: someone of the same AB, else 404 (docs/security.md T3).
async fn person_of_ab(page: &Page, user_id: &str) -> AppResult<crate::store::users::UserRow> {
    let id: UserId = user_id.parse().map_err(|_| AppError::NotFound)?;
    page.user()?.scope(page.state.store()).person(id).await?.ok_or(AppError::NotFound)
}

/// Back to where the button was: the ECT's page, or the staff list.
fn back_to(person: &crate::store::users::UserRow) -> Response {
    let back = if matches!(person.role(), Ok(Role::Ect)) {
        format!("/ects/{}", person.id)
    } else {
        format!("/staff?q={}", person.username)
    };
    Redirect::to(&back).into_response()
}

pub async fn view_user_unlock_post(page: Page, meta: RequestMeta, Path(user_id): Path<String>) -> AppResult<Response> {
    let person = person_of_ab(&page, &user_id).await?;
    let actor = page.actor(&meta)?;
    crate::services::accounts::unlock(&page.state, &page.site, &person, &actor).await?;
    Ok(back_to(&person))
}

/// docs/security.md A5: "Force a change only on evidence of compromise": the person's sessions end and
/// their next login must choose a new password.
pub async fn view_user_compromised_post(
    page: Page,
    meta: RequestMeta,
    Path(user_id): Path<String>,
) -> AppResult<Response> {
    let person = person_of_ab(&page, &user_id).await?;
    if person.id == page.user()?.id.0 {
        return Err(AppError::BadRequest("mark your own password as compromised by changing it"));
    }
    let actor = page.actor(&meta)?;
    crate::services::accounts::mark_compromised(&page.state, &page.site, &person, &actor).await?;
    Ok(back_to(&person))
}

/// This feature's routes, each declaring who may use it and on which site (docs/security.md T1).
pub(super) fn routes(t: RouteTable) -> RouteTable {
    use Access::*;
    use Permission::*;
    t.get("/tasks", Sites::Ab, Signed(ViewAbTasks), view_tasks_get)
        .post("/leavers/{leaver_id}/acknowledge", Sites::Ab, Signed(ViewAbTasks), view_leaver_acknowledge_post)
        .get("/staff", Sites::Ab, Signed(ListAbStaff), view_ab_staff_get)
        .post("/users/{user_id}/unlock", Sites::Ab, Signed(UnlockAccounts), view_user_unlock_post)
        .post("/users/{user_id}/compromised", Sites::Ab, Signed(UnlockAccounts), view_user_compromised_post)
        .get("/exports", Sites::Ab, Signed(ExportForNationalService), view_exports_get)
        .get("/exports/claims.csv", Sites::Ab, Signed(ExportForNationalService), view_claims_csv_get)
        .get("/exports/outcomes.csv", Sites::Ab, Signed(ExportForNationalService), view_outcomes_csv_get)
        .get("/exports/ects.csv", Sites::Ab, Signed(ExportForNationalService), view_ects_csv_get)
}
