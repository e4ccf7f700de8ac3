//! The AB's term dates and due-date policy (issue: induction engine). Terms are checked as a whole
//! (in order, no overlaps, closures inside their terms) before anything is saved; saving
//! recomputes every ECT's open reports.

use crate::web::{Access, RouteTable, Sites};
use axum::Form;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use induct_domain::Permission;
use induct_domain::calendar::{Calendar, DateRange, Term, TermKind};
use induct_domain::timeline::{self, DuePolicy};
use minijinja::context;

use super::page::Page;
use crate::auth::session::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::induction::{self, AB_SCOPE, DueDates, calendar, due_settings};

/// Blank rows offered for new terms.
const BLANK_ROWS: usize = 3;
const FIELDS: [&str; 8] = ["year", "kind", "start", "end", "c1_start", "c1_end", "c2_start", "c2_end"];

fn kind_name(k: TermKind) -> &'static str {
    match k {
        TermKind::Autumn => "autumn",
        TermKind::Spring => "spring",
        TermKind::Summer => "summer",
    }
}

/// One row of the form, as typed.
#[derive(serde::Serialize, Default, Clone)]
struct Row {
    values: Vec<String>,
    error: Option<String>,
}

fn rows_from_terms(terms: &[Term]) -> Vec<Row> {
    let mut rows: Vec<Row> = terms
        .iter()
        .map(|t| {
            let c = |i: usize, end: bool| {
                t.closures.get(i).map(|r| if end { r.end } else { r.start }.to_string()).unwrap_or_default()
            };
            Row {
                values: vec![
                    t.academic_year.to_string(),
                    kind_name(t.kind).into(),
                    t.start.to_string(),
                    t.end.to_string(),
                    c(0, false),
                    c(0, true),
                    c(1, false),
                    c(1, true),
                ],
                error: None,
            }
        })
        .collect();
    rows.extend((0..BLANK_ROWS).map(|_| Row { values: vec![String::new(); FIELDS.len()], error: None }));
    rows
}

struct Settings {
    mode: String,
    days: String,
    fixed: String,
    window: String,
}

/// Whose dates: the AB's (with the due-date policy) or one school's own.
struct Target {
    scope: String,
    action: String,
    school: Option<crate::store::schools::SchoolRow>,
}

async fn ab_target() -> Target {
    Target { scope: AB_SCOPE.into(), action: "/settings/term-dates".into(), school: None }
}

async fn school_target(page: &Page, school_id: &str) -> AppResult<Target> {
    let user = page.user()?.clone();
    let id: induct_domain::SchoolId = school_id.parse().map_err(|_| AppError::NotFound)?;
    let school = user.scope(page.state.store()).school(id).await?.ok_or(AppError::NotFound)?;
    Ok(Target {
        scope: school.id.to_string(),
        action: format!("/schools/{}/term-dates", school.id),
        school: Some(school),
    })
}

async fn render(
    page: &Page,
    target: &Target,
    rows: &[Row],
    s: &Settings,
    errors: Vec<minijinja::Value>,
    status: StatusCode,
) -> AppResult<Response> {
    page.respond(
        status,
        "term_dates.html",
        context! {
            action => target.action.clone(),
            school => target.school.as_ref().map(|s| s.name.clone()),
            rows => minijinja::value::Serde(rows),
            mode => s.mode.clone(), days => s.days.clone(), fixed => s.fixed.clone(), window => s.window.clone(),
            errors,
        },
    )
}

pub async fn view_term_dates_get(page: Page) -> AppResult<Response> {
    show(&page, ab_target().await).await
}

pub async fn view_school_term_dates_get(
    page: Page,
    axum::extract::Path(school_id): axum::extract::Path<String>,
) -> AppResult<Response> {
    let target = school_target(&page, &school_id).await?;
    show(&page, target).await
}

pub async fn view_school_term_dates_post(
    page: Page,
    meta: RequestMeta,
    axum::extract::Path(school_id): axum::extract::Path<String>,
    form: Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let target = school_target(&page, &school_id).await?;
    save(page, meta, target, form).await
}

/// The AB's due-date policy as the form shows it.
async fn current_settings(page: &Page, tenant: induct_domain::TenantId) -> AppResult<Settings> {
    let due = due_settings(page.state.store().db(), tenant).await?;
    Ok(match &due.policy {
        DuePolicy::SchoolDaysBeforeEnd(n) => {
            Settings { mode: "days".into(), days: n.to_string(), fixed: String::new(), window: due.window.to_string() }
        }
        DuePolicy::FixedDates(d) => Settings {
            mode: "fixed".into(),
            days: "10".into(),
            fixed: d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"),
            window: due.window.to_string(),
        },
    })
}

async fn show(page: &Page, target: Target) -> AppResult<Response> {
    let tenant = page.tenant()?;
    // A school without dates of its own starts from its AB's.
    let cal = calendar(page.state.store().db(), tenant, target.school.as_ref().map(|s| induct_domain::SchoolId(s.id)))
        .await?;
    let settings = current_settings(page, tenant).await?;
    render(page, &target, &rows_from_terms(cal.terms()), &settings, vec![], StatusCode::OK).await
}

fn date(s: &str) -> Option<Result<NaiveDate, ()>> {
    let s = s.trim();
    (!s.is_empty()).then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| ()))
}

pub async fn view_term_dates_post(
    page: Page,
    meta: RequestMeta,
    form: Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    save(page, meta, ab_target().await, form).await
}

async fn save(
    page: Page,
    meta: RequestMeta,
    target: Target,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let tenant = page.tenant()?;
    let get = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    let mut rows = vec![];
    let mut terms = vec![];
    let mut errors: Vec<minijinja::Value> = vec![];
    for i in 0..200 {
        let values: Vec<String> = FIELDS.iter().map(|f| get(&format!("term_{i}_{f}"))).collect();
        if values.iter().all(String::is_empty) {
            if fields.iter().any(|(k, _)| k.starts_with(&format!("term_{i}_"))) {
                continue; // an empty row of the form
            }
            break;
        }
        if !get(&format!("term_{i}_delete")).is_empty() {
            continue;
        }
        let mut row = Row { values: values.clone(), error: None };
        let year = values[0].parse::<i32>().ok().filter(|y| (2000..=2100).contains(y));
        let kind = match values[1].as_str() {
            "autumn" => Some(TermKind::Autumn),
            "spring" => Some(TermKind::Spring),
            "summer" => Some(TermKind::Summer),
            _ => None,
        };
        let dates: Vec<Option<Result<NaiveDate, ()>>> = values[2..].iter().map(|v| date(v)).collect();
        let problem = if year.is_none() {
            Some("Enter the year the academic year starts in, like 2026")
        } else if kind.is_none() {
            Some("Choose autumn, spring or summer")
        } else if dates.iter().any(|d| matches!(d, Some(Err(())))) {
            Some("Enter dates like 2026-09-02")
        } else if dates[0].is_none() || dates[1].is_none() {
            Some("Enter the term's first and last days")
        } else if dates[2].is_some() != dates[3].is_some() || dates[4].is_some() != dates[5].is_some() {
            Some("Enter both the first and last day of each closure")
        } else {
            None
        };
        if let Some(p) = problem {
            row.error = Some(p.into());
            errors.push(
                context! { field => format!("term_{i}_year"), message => format!("Term {}: {p}", rows.len() + 1) },
            );
        } else {
            let ok = |d: &Option<Result<NaiveDate, ()>>| d.and_then(Result::ok);
            let mut closures = vec![];
            for (a, b) in [(2, 3), (4, 5)] {
                if let (Some(s), Some(e)) = (ok(&dates[a]), ok(&dates[b])) {
                    closures.push(DateRange::new(s, e));
                }
            }
            terms.push(Term {
                kind: kind.expect("checked"),
                academic_year: year.expect("checked"),
                start: ok(&dates[0]).expect("checked"),
                end: ok(&dates[1]).expect("checked"),
                closures,
            });
        }
        rows.push(row);
    }
    // A school's page has dates only: the due-date policy stays the AB's.
    let settings = match &target.school {
        Some(_) => current_settings(&page, tenant).await?,
        None => Settings {
            mode: get("due_mode"),
            days: get("due_days"),
            fixed: get("fixed_dates"),
            window: get("due_window"),
        },
    };
    let days = settings.days.parse::<i32>().ok().filter(|n| (0..=60).contains(n));
    let window = settings.window.parse::<i32>().ok().filter(|n| (0..=60).contains(n));
    let fixed: Vec<Option<NaiveDate>> =
        settings.fixed.lines().filter(|l| !l.trim().is_empty()).map(|l| date(l).and_then(Result::ok)).collect();
    match settings.mode.as_str() {
        "days" if days.is_none() => {
            errors.push(context! { field => "due_days", message => "Enter a number of school days from 0 to 60" })
        }
        "fixed" if fixed.is_empty() || fixed.iter().any(Option::is_none) => {
            errors.push(context! { field => "fixed_dates", message => "Enter one date a line, like 2026-12-04" })
        }
        "days" | "fixed" => {}
        _ => errors.push(context! { field => "due_mode", message => "Choose how due dates are set" }),
    }
    if window.is_none() {
        errors.push(context! { field => "due_window", message => "Enter a number of school days from 0 to 60" });
    }
    if terms.is_empty() && errors.is_empty() && rows.is_empty() {
        errors.push(context! { field => "terms", message => "Enter at least one term" });
    }
    let calendar = if errors.is_empty() {
        match Calendar::new(terms) {
            Ok(c) => Some(c),
            Err(problems) => {
                for p in problems {
                    errors.push(context! { field => "terms", message => p.to_string() });
                }
                None
            }
        }
    } else {
        None
    };
    let Some(calendar) = calendar else {
        rows.extend((0..BLANK_ROWS).map(|_| Row { values: vec![String::new(); FIELDS.len()], error: None }));
        return render(&page, &target, &rows, &settings, errors, StatusCode::BAD_REQUEST).await;
    };

    // Everything is valid: the dates, the AB's policy and every ECT's new plan in one transaction.
    let due = target.school.is_none().then(|| DueDates {
        school_days_before_end: if settings.mode == "days" { days.map(|n| n as u32) } else { None },
        fixed: fixed.into_iter().flatten().collect(),
        window: window.map_or(timeline::DEFAULT_DUE_WINDOW_SCHOOL_DAYS, |w| w as u32),
    });
    let actor = page.actor(&meta)?;
    induction::save_term_dates(&page.state, tenant, &target.scope, &calendar, due.as_ref(), &actor).await?;
    Ok(Redirect::to(&target.action).into_response())
}

/// This feature's routes, each declaring who may use it and on which site (docs/security.md T1).
pub(super) fn routes(t: RouteTable) -> RouteTable {
    use Access::*;
    use Permission::*;
    t.get("/schools/{school_id}/term-dates", Sites::Ab, Signed(EditAbCalendar), view_school_term_dates_get)
        .post("/schools/{school_id}/term-dates", Sites::Ab, Signed(EditAbCalendar), view_school_term_dates_post)
        .get("/settings/term-dates", Sites::Ab, Signed(EditAbCalendar), view_term_dates_get)
        .post("/settings/term-dates", Sites::Ab, Signed(EditAbCalendar), view_term_dates_post)
}
