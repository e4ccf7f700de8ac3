//! An ECT's induction record: contracts, absences and leaving date, kept by the school's staff
//! and the AB. The form is parsed here; `services::induction::change_record` checks the change
//! against the record (`induct_domain::record`) and saves it with its new plan in one
//! transaction, or not at all.

use crate::web::{Access, RouteTable, Sites};
use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use induct_domain::Permission;
use induct_domain::induction::{Contract, DaysPerWeek, HalfDays};
use induct_domain::record::{self, ContractType};
use induct_domain::{SchoolId, UserId};
use minijinja::context;
use serde::Deserialize;

use super::form::{Errors, input_date, uk_date};
use super::page::Page;
use crate::error::{AppError, AppResult};
use crate::services::induction::{self, Engine, RecordChange, RecordError};
use crate::store::induction::InductionRow;

/// The ECT's induction, if the user may see it (`access::Scope::induction`: the AB any of its
/// ECTs, school staff those their school employs today), with its contracts and the school where
/// changes are recorded. Anything else is "not found".
pub(crate) async fn visible_induction(
    page: &Page,
    ect_id: &str,
) -> AppResult<(InductionRow, Vec<crate::store::induction::ContractRow>, SchoolId)> {
    let ect: UserId = ect_id.parse().map_err(|_| AppError::NotFound)?;
    let store = page.state.store();
    let today = crate::clock_today(&page.state);
    let reached = page.user()?.scope(store).induction(ect, today).await?.ok_or(AppError::NotFound)?;
    let school = reached.school.ok_or(AppError::NotFound)?;
    let contracts = store.db().list_contracts(page.tenant()?, reached.induction.id).await?;
    Ok((reached.induction, contracts, school))
}

async fn render(page: &Page, ect_id: &str, errors: Errors, typed: Typed, status: StatusCode) -> AppResult<Response> {
    let (induction, contracts, _) = visible_induction(page, ect_id).await?;
    let tenant = page.tenant()?;
    let store = page.state.store();
    let ect = store.get_user_in(page.tenant()?, UserId(induction.ect_user_id)).await?.ok_or(AppError::NotFound)?;
    let schools = store.list_schools(tenant).await?;
    let school_name = |id| schools.iter().find(|s| s.id == id).map(|s| s.name.clone()).unwrap_or_default();
    let engine = Engine::load(store.db(), tenant, induction.clone()).await?;
    let today = crate::clock_today(&page.state);
    let ctx = context! {
        ect_id,
        ect_name => ect.display_name,
        start => uk_date(induction.start_date),
        leaving => induction.leaving_date.map(uk_date),
        fte_completed => engine.fte_served(today).min(engine.length()).to_one_decimal(),
        contracts => contracts.iter().map(|c| context! {
            school => school_name(c.school_id),
            start => uk_date(c.start_date),
            end => c.end_date.map(uk_date),
            days => HalfDays(c.days_per_week_halves.max(0) as u32).to_string(),
            kind => ContractType::parse(&c.contract_type).map_or("Other", ContractType::title),
        }).collect::<Vec<_>>(),
        absences => engine.absences.iter().map(|a| context! {
            on => uk_date(a.date),
            days => a.days.to_string(),
            family_leave => a.statutory_family_leave,
        }).collect::<Vec<_>>(),
        contract_types => ContractType::ALL.iter().map(|t| (t.as_str(), t.title())).collect::<Vec<_>>(),
        errors => errors.0,
        typed => minijinja::value::Serde(&typed),
    };
    page.respond(status, "induction_record.html", ctx)
}

/// What was typed, shown back when something is wrong.
#[derive(Deserialize, serde::Serialize, Default, Clone)]
pub struct Typed {
    #[serde(default)]
    action: String,
    #[serde(default)]
    contract_start: String,
    #[serde(default)]
    contract_end: String,
    #[serde(default)]
    days_per_week: String,
    #[serde(default)]
    contract_type: String,
    #[serde(default)]
    absence_date: String,
    #[serde(default)]
    absence_days: String,
    #[serde(default)]
    family_leave: String,
    #[serde(default)]
    leaving_date: String,
}

pub async fn view_induction_record_get(page: Page, Path(ect_id): Path<String>) -> AppResult<Response> {
    render(&page, &ect_id, Errors::default(), Typed::default(), StatusCode::OK).await
}

/// The form's change, or the errors of what was typed. The service checks the change against
/// the record; the contract's start is also checked here so that every problem of the form
/// shows at once.
fn parse_change(t: &Typed, induction_start: NaiveDate) -> Result<RecordChange, Errors> {
    let mut e = Errors::default();
    let change = match t.action.as_str() {
        "contract" => {
            let start = input_date(&t.contract_start);
            match start {
                None => e.add("contract_start", "Enter the date the contract starts, like 2026-09-02"),
                Some(s) => _ = e.check(record::check_contract_start(induction_start, s)),
            }
            let end = if t.contract_end.trim().is_empty() { Some(None) } else { input_date(&t.contract_end).map(Some) };
            if end.is_none() {
                e.add("contract_end", "Enter the date the contract ends, like 2027-07-21, or leave it empty");
            }
            let days = DaysPerWeek::parse(&t.days_per_week).map_err(|p| e.add("days_per_week", p.to_string())).ok();
            // Seed 003 "Contract Type: Permanent"; SG 2.33: permanent or long-term supply posts.
            let kind = ContractType::parse(&t.contract_type);
            if kind.is_none() {
                e.add("contract_type", "Choose the type of contract");
            }
            // The dates' order is checked whatever else is missing, so every problem shows at once.
            if let (Some(start), Some(end), Some(days)) = (start, end, days)
                && let Err(p) = Contract::new(start, end, days)
            {
                e.add("contract_end", p.to_string());
            }
            match (start, end, days, kind) {
                (Some(start), Some(end), Some(days_per_week), Some(kind)) => {
                    Some(RecordChange::Contract { start, end, days_per_week, kind })
                }
                _ => None,
            }
        }
        "absence" => {
            let on = input_date(&t.absence_date);
            if on.is_none() {
                e.add("absence_date", "Enter the date of the absence, like 2026-11-16");
            }
            let days = HalfDays::parse_days(&t.absence_days).filter(|d| d.0 > 0);
            if days.is_none() {
                e.add("absence_days", "Enter the days of absence, like 5 or 5.5");
            }
            on.zip(days).map(|(on, days)| RecordChange::Absence { on, days, family_leave: !t.family_leave.is_empty() })
        }
        "leaving" => match input_date(&t.leaving_date) {
            Some(d) => Some(RecordChange::Leaving(Some(d))),
            None if t.leaving_date.trim().is_empty() => Some(RecordChange::Leaving(None)),
            None => {
                e.add("leaving_date", "Enter the last day of employment, like 2027-03-26");
                None
            }
        },
        _ => None,
    };
    change.filter(|_| e.is_empty()).ok_or(e)
}

pub async fn view_induction_record_post(
    page: Page,
    meta: crate::auth::session::RequestMeta,
    Path(ect_id): Path<String>,
    Form(t): Form<Typed>,
) -> AppResult<Response> {
    let (induction, _, school) = visible_induction(&page, &ect_id).await?;
    if !["contract", "absence", "leaving"].contains(&t.action.as_str()) {
        return Err(AppError::BadRequest("unknown action"));
    }
    let change = match parse_change(&t, induction.start_date) {
        Ok(c) => c,
        Err(errors) => return render(&page, &ect_id, errors, t, StatusCode::BAD_REQUEST).await,
    };
    let tenant = page.tenant()?;
    match induction::change_record(&page.state, tenant, &induction, school, &change, &page.actor(&meta)?).await {
        Ok(()) => Ok(Redirect::to(&format!("/ects/{ect_id}/induction")).into_response()),
        Err(RecordError::Refused(p)) => {
            let mut errors = Errors::default();
            errors.refused(&p);
            render(&page, &ect_id, errors, t, StatusCode::BAD_REQUEST).await
        }
        Err(RecordError::Store(e)) => Err(e.into()),
    }
}

/// This feature's routes, each declaring who may use it and on which site (docs/security.md T1).
pub(super) fn routes(t: RouteTable) -> RouteTable {
    use Access::*;
    use Permission::*;
    t.get("/ects/{ect_id}/induction", Sites::Ab, Signed(EditInductionRecord), view_induction_record_get).post(
        "/ects/{ect_id}/induction",
        Sites::Ab,
        Signed(EditInductionRecord),
        view_induction_record_post,
    )
}
