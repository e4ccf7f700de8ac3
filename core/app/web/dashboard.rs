//! Home, dashboards and the account page.

use crate::web::{Access, RouteTable, Sites};
use axum::Json;
use axum::response::{IntoResponse, Redirect, Response};
use induct_domain::Permission;
use induct_domain::record::EctStatus;
use induct_domain::registration::{RegistrationKind, RegistrationStatus, SchoolStatus};
use induct_domain::{Role, SchoolId};
use minijinja::context;
use minijinja::value::Serde;

use super::form::uk_date;
use super::page::Page;
use crate::auth::session::MaybeUser;
use crate::error::AppResult;
use crate::tenancy::Site;

/// `/`: an AB's site sends people to their dashboard or the login page; the platform site lists
/// the appropriate bodies hosted here (for the demo) and links to the operators' login.
pub async fn view_home_get(page: Page, MaybeUser(user): MaybeUser) -> AppResult<Response> {
    match (&page.site, user) {
        (Site::Ab(_), Some(_)) => Ok(Redirect::to("/dashboard").into_response()),
        (Site::Ab(_), None) => Ok(Redirect::to("/login").into_response()),
        (Site::Platform, _) => {
            let abs: Vec<_> = page
                .state
                .store()
                .list_tenants()
                .await?
                .into_iter()
                .map(|t| context! { name => t.name, url => page.state.config().origin_for(Some(&t.slug)) })
                .collect();
            Ok(page.render("platform_home.html", context! { abs })?.into_response())
        }
    }
}

pub async fn view_health_get(page: Page) -> AppResult<Json<serde_json::Value>> {
    page.state.store().ping().await?;
    Ok(Json(serde_json::json!({ "status": "ok" })))
}

pub async fn view_dashboard_get(page: Page) -> AppResult<Response> {
    let user = page.user()?.clone();
    let store = page.state.store();
    let scope = user.scope(store);
    let schools = scope.schools().await?;
    let ctx = match user.role {
        Role::PlatformOperator => {
            let abs = store.list_tenants().await?.len();
            let mail = store.outbox_counts().await?;
            context! { dashboard => "platform", ab_count => abs, mail => Serde(mail) }
        }
        Role::AbAdmin => {
            let tenant = page.tenant()?;
            let regs = store.list_registrations(tenant).await?;
            let awaiting =
                |kind| regs.iter().filter(|r| r.status == RegistrationStatus::AwaitingAb && r.kind == kind).count();
            let leavers = store.list_leavers(tenant).await?.iter().filter(|l| l.acknowledged_at.is_none()).count();
            let pending = schools.iter().filter(|s| s.status == SchoolStatus::Pending).count();
            context! {
                dashboard => "ab",
                schools => schools.iter().map(super::schools::school_view).collect::<Vec<_>>(),
                tasks => context! {
                    registrations => awaiting(RegistrationKind::New),
                    transfers => awaiting(RegistrationKind::Transfer),
                    schools => pending,
                    leavers,
                },
            }
        }
        Role::Ect => {
            let tenant = page.tenant()?;
            let induction = ect_overview(&page, tenant, user.id).await?;
            context! { dashboard => "ect", schools => Serde(&schools), induction }
        }
        _ => {
            // Seed 001 step 3: a red banner until the school has a head teacher.
            let mut without_head = vec![];
            if let Some(tenant) = user.tenant {
                for s in &schools {
                    if store.count_school_users_with_role(tenant, SchoolId(s.id), Role::HeadTeacher.as_str()).await?
                        == 0
                    {
                        without_head.push(context! { name => s.name.clone(), id => s.id.to_string() });
                    }
                }
            }
            // School administrators register people but never see reports (docs/induction-rules.md 2.1).
            let reports =
                if user.role.allows(Permission::ReadReports) { Some(staff_reports(&page, &user).await?) } else { None };
            // Seed 001: registrations go to the head teacher to sign.
            let mut to_sign = vec![];
            if let Some(tenant) = user.tenant {
                let own: Vec<_> = schools.iter().map(|s| s.id).collect();
                for r in store.list_registrations(tenant).await? {
                    if own.contains(&r.school_id) && r.status == RegistrationStatus::AwaitingHeadSignature {
                        to_sign.push(context! { id => r.id.to_string(), name => r.ect_name });
                    }
                }
            }
            context! {
                dashboard => "school",
                schools => Serde(&schools),
                schools_without_head => without_head,
                reports => reports,
                to_sign,
                can_sign => user.role.allows(induct_domain::Permission::SignEctRegistrations),
            }
        }
    };
    // Seed 000: the blue banner inviting two-step verification, until it is on or dismissed.
    let now = page.state.clock().now();
    let factors = crate::auth::login::second_factors_of(&page.state, user.id).await?;
    let dismissed = store.mfa_banner_dismissed_until(user.id).await?.is_some_and(|until| until > now);
    let ctx = context! { mfa_banner => !factors.any() && !dismissed, ..ctx };
    Ok(page.render("dashboard.html", ctx)?.into_response())
}

/// "Dismiss this message for one month" (seed 000).
pub async fn view_mfa_banner_dismiss_post(page: Page) -> AppResult<Response> {
    crate::services::two_factor::dismiss_banner(&page.state, page.user()?.id).await?;
    Ok(Redirect::to("/dashboard").into_response())
}

/// Help & Support (seed 001: "Here you will find the telephone number and/or email address of
/// your Appropriate body").
pub async fn view_help_get(page: Page) -> AppResult<Response> {
    Ok(page.render("help.html", context! {})?.into_response())
}

/// Seed 000 "Overview Page": status, FTE completed and remaining, and the list of reports.
async fn ect_overview(
    page: &Page,
    tenant: induct_domain::TenantId,
    ect: induct_domain::UserId,
) -> AppResult<Option<minijinja::Value>> {
    let Some(row) = page.state.store().induction_of_ect(tenant, ect).await? else { return Ok(None) };
    let stored = page.state.store().db().list_reports(tenant, row.id).await?;
    let completed = stored.iter().filter(|r| r.completed_at.is_some()).count() as u32;
    let mut forms = std::collections::HashMap::new();
    for r in &stored {
        if let Some(f) = page.state.store().get_form(tenant, row.id, r.number).await? {
            forms.insert(r.number as u32, f.status);
        }
    }
    let engine = crate::services::induction::Engine::load(page.state.store().db(), tenant, row).await?;
    let today = crate::clock_today(&page.state);
    let bh = induct_domain::calendar::BankHolidays::england_and_wales();
    let served = engine.fte_served(today).min(engine.length());
    let remaining = engine.length().sub(served);
    let (reports, problem) = match engine.plan() {
        Ok(plan) => (
            plan.iter()
                .map(|r| {
                    let status = if r.number <= completed {
                        "Completed"
                    } else {
                        r.time_status(&engine.calendar, bh, engine.due.window, today).title()
                    };
                    context! {
                        number => r.number,
                        letter => r.kind.letter().to_string(),
                        title => r.kind.title(),
                        start => uk_date(r.period.start),
                        end => uk_date(r.period.end),
                        due => r.due.map(uk_date),
                        submittable_from => (r.number > completed).then(|| r.submittable_from().map(uk_date)).flatten(),
                        status => status,
                        form_status => forms.get(&r.number).filter(|_| r.number > completed).map(|f| f.title()),
                        absence_extension => r.absence_extension,
                        url => stored.iter().any(|s| s.number as u32 == r.number).then(|| format!("/ects/{}/reports/{}", ect, r.number)),
                        can_comment => forms.get(&r.number).is_some_and(|s| s.after_ect_edit().is_ok()),
                    }
                })
                .collect::<Vec<_>>(),
            None,
        ),
        Err(e) => (vec![], Some(e.to_string())),
    };
    Ok(Some(context! {
        status => EctStatus::on(Some(engine.induction.start_date), engine.induction.leaving_date, today).title(),
        start => uk_date(engine.induction.start_date),
        fte_completed => served.to_one_decimal(),
        fte_remaining => remaining.to_one_decimal(),
        reports,
        problem,
    }))
}

/// Seed 003 dashboard: "ECT Reports that Need Completing" (due or overdue) and what is coming.
async fn staff_reports(page: &Page, user: &crate::auth::session::CurrentUser) -> AppResult<minijinja::Value> {
    let mut need = vec![];
    let mut upcoming = vec![];
    let tenant = page.tenant()?;
    let today = crate::clock_today(&page.state);
    for open in crate::services::induction::open_reports_for_staff(&page.state, tenant, user.id, today).await? {
        let (r, planned, status, form) = (open.row, open.planned, open.time, open.form);
        let form_status = form.unwrap_or(induct_domain::report_flow::FormStatus::Draft);
        let row = context! {
            url => format!("/ects/{}/reports/{}", r.ect_user_id, r.number),
            can_fill => user.role.allows(induct_domain::Permission::FillReports) && form_status.after_tutor_edit().is_ok(),
            form_status => form.map(|_| form_status.title()),
            ect_id => r.ect_user_id.to_string(),
            ect => r.ect_name,
            kind => if planned.kind.letter() == 'P' { "Progress review" } else { "Assessment" },
            number => r.number,
            end => uk_date(r.period_end),
            due => r.due_date.map(uk_date),
            status => status.title(),
            absence_extension => r.absence_extension,
        };
        match status {
            induct_domain::timeline::TimeStatus::Due | induct_domain::timeline::TimeStatus::Overdue => need.push(row),
            _ => upcoming.push(row),
        }
    }
    Ok(context! { need, upcoming })
}

/// Seed 003: "Upcoming Assessments: see assessment status and due dates for one year ECTs" and
/// "Upcoming Reports: ... for two year ECTs".
pub async fn view_upcoming_get(page: Page) -> AppResult<Response> {
    let user = page.user()?.clone();
    let mut one_year = vec![];
    let mut two_year = vec![];
    let (tenant, today) = (page.tenant()?, crate::clock_today(&page.state));
    for open in crate::services::induction::open_reports_for_staff(&page.state, tenant, user.id, today).await? {
        let (r, planned, status) = (open.row, open.planned, open.time);
        let row = context! {
            ect_id => r.ect_user_id.to_string(),
            ect => r.ect_name,
            title => planned.kind.title(),
            start => uk_date(r.period_start),
            end => uk_date(r.period_end),
            due => r.due_date.map(uk_date),
            status => status.title(),
            absence_extension => r.absence_extension,
        };
        if r.induction_type == induct_domain::induction::InductionType::LegacyOneYear.as_str() {
            one_year.push(row);
        } else {
            two_year.push(row);
        }
    }
    Ok(page.render("upcoming.html", context! { one_year, two_year })?.into_response())
}

/// This feature's routes, each declaring who may use it and on which site (docs/security.md T1).
pub(super) fn routes(t: RouteTable) -> RouteTable {
    use Access::*;
    use Permission::*;
    t.get("/", Sites::Any, Public, view_home_get)
        .post("/account/two-factor/dismiss", Sites::Any, Signed(ViewOwnDashboard), view_mfa_banner_dismiss_post)
        .get("/health", Sites::Any, Public, view_health_get)
        .get("/help", Sites::Any, Public, view_help_get)
        .get("/dashboard", Sites::Any, Signed(ViewOwnDashboard), view_dashboard_get)
        .get("/reports/upcoming", Sites::Ab, Signed(ViewUpcomingReports), view_upcoming_get)
}
