//! An ECT's induction record: contracts, absences and leaving date, kept by the school's staff
//! and the AB. Each change is checked (days per week 0.5-5 in halves, dates in order, an absence
//! no larger than the ECT's days in its period) and saved in one transaction, or not at all; the
//! plan is then recomputed from what is stored (a second transaction: the engine reads committed
//! data, and recomputing again is always safe).

use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use induct_domain::calendar::BankHolidays;
use induct_domain::induction::{Contract, DaysPerWeek, HalfDays};
use induct_domain::{SchoolId, UserId};
use minijinja::context;
use serde::Deserialize;

use super::page::Page;
use crate::error::{AppError, AppResult};
use crate::services::induction::Engine;
use crate::store::induction::InductionRow;

/// The ECT's induction, if the user may see it: the AB's admin for any ECT of the AB, school
/// staff for ECTs employed now at one of their schools. Anything else is "not found". Also
/// returns the school where changes are recorded: the user's own school where the ECT is employed
/// now (for the AB: the ECT's latest contract's school).
pub(crate) async fn visible_induction(
    page: &Page,
    ect_id: &str,
) -> AppResult<(InductionRow, Vec<crate::store::induction::ContractRow>, SchoolId)> {
    let user = page.user()?.clone();
    let tenant = user.tenant.ok_or(AppError::NotFound)?;
    let ect: UserId = ect_id.parse().map_err(|_| AppError::NotFound)?;
    let store = page.state.store();
    let induction = store.induction_of_ect(tenant, ect).await?.ok_or(AppError::NotFound)?;
    let contracts = store.db().list_contracts(tenant, induction.id).await?;
    let own_schools = user.scope(store).schools().await?;
    // School staff reach an ECT through a contract that is current today at one of their schools;
    // a school the ECT has left keeps no access (its reports stay with the AB).
    let today = crate::clock_today(&page.state);
    let current =
        |c: &&crate::store::induction::ContractRow| c.start_date <= today && c.end_date.is_none_or(|e| e >= today);
    let school = if user.role == induct_domain::Role::AbAdmin {
        contracts.iter().max_by_key(|c| c.start_date).map(|c| SchoolId(c.school_id))
    } else {
        contracts
            .iter()
            .filter(current)
            .find(|c| own_schools.iter().any(|s| s.id == c.school_id))
            .map(|c| SchoolId(c.school_id))
    };
    let school = school.ok_or(AppError::NotFound)?;
    Ok((induction, contracts, school))
}

fn fmt(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

async fn render(
    page: &Page,
    ect_id: &str,
    errors: Vec<minijinja::Value>,
    typed: Typed,
    status: StatusCode,
) -> AppResult<Response> {
    let (induction, contracts, _) = visible_induction(page, ect_id).await?;
    let tenant = page.user()?.tenant.ok_or(AppError::NotFound)?;
    let store = page.state.store();
    let ect = store.get_user(UserId(induction.ect_user_id)).await?.ok_or(AppError::NotFound)?;
    let absences = store.db().list_absences(tenant, induction.id).await?;
    let schools = store.list_schools(tenant).await?;
    let school_name = |id| schools.iter().find(|s| s.id == id).map(|s| s.name.clone()).unwrap_or_default();
    let engine = Engine::load(page.state.store().db(), tenant, induction.clone()).await?;
    let today = crate::clock_today(&page.state);
    let body = page.render(
        "induction_record.html",
        context! {
            ect_id,
            ect_name => ect.display_name,
            start => fmt(induction.start_date),
            leaving => induction.leaving_date.map(fmt),
            fte_completed => engine.fte_served(today).min(engine.length()).to_one_decimal(),
            contracts => contracts.iter().map(|c| context! {
                school => school_name(c.school_id),
                start => fmt(c.start_date),
                end => c.end_date.map(fmt),
                days => format!("{}", c.days_per_week_halves as f64 / 2.0),
                kind => c.contract_type.clone(),
            }).collect::<Vec<_>>(),
            absences => absences.iter().map(|a| context! {
                on => fmt(a.absent_on),
                days => format!("{}", a.half_days as f64 / 2.0),
                family_leave => a.family_leave,
            }).collect::<Vec<_>>(),
            errors,
            typed => minijinja::value::Serde(&typed),
        },
    )?;
    Ok((status, body).into_response())
}

/// Contract types (seed 003; SG 2.33 counts permanent and long-term supply posts).
pub const CONTRACT_TYPES: [&str; 3] = ["permanent", "fixed_term", "long_term_supply"];

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
    render(&page, &ect_id, vec![], Typed::default(), StatusCode::OK).await
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

pub async fn view_induction_record_post(
    page: Page,
    meta: crate::auth::session::RequestMeta,
    Path(ect_id): Path<String>,
    Form(t): Form<Typed>,
) -> AppResult<Response> {
    let (induction, _, school) = visible_induction(&page, &ect_id).await?;
    let tenant = page.user()?.tenant.ok_or(AppError::NotFound)?;
    let store = page.state.store();
    let mut errors = vec![];
    let mut err = |field: &str, message: String| errors.push(context! { field, message });
    let mut tx_ops: Vec<Op> = vec![];
    match t.action.as_str() {
        "contract" => {
            let start = parse_date(&t.contract_start);
            let end = if t.contract_end.trim().is_empty() {
                Ok(None)
            } else {
                parse_date(&t.contract_end).map(Some).ok_or(())
            };
            let dpw = DaysPerWeek::parse(&t.days_per_week);
            match start {
                None => err("contract_start", "Enter the date the contract starts, like 2026-09-02".into()),
                Some(s) if s < induction.start_date => err(
                    "contract_start",
                    format!(
                        "The contract must start on or after the induction started ({})",
                        fmt(induction.start_date)
                    ),
                ),
                _ => {}
            }
            if end.is_err() {
                err("contract_end", "Enter the date the contract ends, like 2027-07-21, or leave it empty".into());
            }
            if let Err(e) = &dpw {
                err("days_per_week", e.to_string());
            }
            // Seed 003 "Contract Type: Permanent"; SG 2.33: permanent or long-term supply posts.
            if !CONTRACT_TYPES.contains(&t.contract_type.as_str()) {
                err("contract_type", "Choose the type of contract".into());
            }
            if let (Some(s), Ok(e), Ok(d)) = (start, end, dpw) {
                match Contract::new(s, e, d) {
                    Ok(_) if CONTRACT_TYPES.contains(&t.contract_type.as_str()) => tx_ops.push(Op::Contract {
                        start: s,
                        end: e,
                        halves: d.halves() as i32,
                        kind: t.contract_type.clone(),
                    }),
                    Ok(_) => {}
                    Err(p) => err("contract_end", p.to_string()),
                }
            }
        }
        "absence" => {
            let date = parse_date(&t.absence_date);
            let days = HalfDays::parse_days(&t.absence_days).filter(|d| d.0 > 0);
            if date.is_none() {
                err("absence_date", "Enter the date of the absence, like 2026-11-16".into());
            }
            if days.is_none() {
                err("absence_days", "Enter the days of absence, like 5 or 5.5".into());
            }
            if let (Some(d), Some(n)) = (date, days) {
                // No more absence than the ECT's days in the report period it falls in (seed 003:
                // "the number of days that the ECT should have been working but was absent").
                let engine = Engine::load(page.state.store().db(), tenant, induction.clone()).await?;
                let bh = BankHolidays::england_and_wales();
                let period =
                    engine.plan().ok().and_then(|p| p.into_iter().find(|r| r.period.contains(d)).map(|r| r.period));
                match period {
                    None => err("absence_date", "The date must fall within the ECT's induction".into()),
                    Some(p) => {
                        let recorded: u32 = store
                            .db()
                            .list_absences(tenant, induction.id)
                            .await?
                            .iter()
                            .filter(|a| p.contains(a.absent_on))
                            .map(|a| a.half_days.max(0) as u32)
                            .sum();
                        let served = induct_domain::timeline::days_served(&engine.calendar, bh, &engine.contracts, p);
                        if recorded + n.0 > served.0 {
                            err(
                                "absence_days",
                                format!(
                                    "That is more absence than the ECT's {} days in the period {} to {} ({} already recorded)",
                                    served.as_days(),
                                    fmt(p.start),
                                    fmt(p.end),
                                    recorded as f64 / 2.0
                                ),
                            );
                        } else {
                            tx_ops.push(Op::Absence {
                                on: d,
                                halves: n.0 as i32,
                                family_leave: !t.family_leave.is_empty(),
                            });
                        }
                    }
                }
            }
        }
        "leaving" => match parse_date(&t.leaving_date) {
            Some(d) if d >= induction.start_date => tx_ops.push(Op::Leaving(Some(d))),
            Some(_) => err(
                "leaving_date",
                format!("The leaving date must be on or after the induction started ({})", fmt(induction.start_date)),
            ),
            None if t.leaving_date.trim().is_empty() => tx_ops.push(Op::Leaving(None)),
            None => err("leaving_date", "Enter the last day of employment, like 2027-03-26".into()),
        },
        _ => return Err(AppError::BadRequest("unknown action")),
    }
    if !errors.is_empty() {
        return render(&page, &ect_id, errors, t, StatusCode::BAD_REQUEST).await;
    }
    let mut tx = store.begin().await?;
    // Every change to an ECT's record is audited: what kind of change, never its values.
    let subject = induction.ect_user_id.to_string();
    let user = page.user()?.clone();
    store
        .record_audit(
            &mut tx,
            &crate::store::audit::NewAuditEvent {
                tenant: Some(tenant),
                kind: crate::store::audit::AuditEventKind::EctInductionRecordChanged,
                actor: Some(user.id),
                subject: Some(&subject),
                ip: &meta.ip,
                user_agent: &meta.user_agent,
                factor: None,
                detail: Some(t.action.as_str()),
            },
            page.state.clock().now(),
        )
        .await?;
    for op in tx_ops {
        match op {
            Op::Contract { start, end, halves, kind } => {
                store.add_contract(&mut tx, tenant, induction.id, school, start, end, halves, &kind).await?
            }
            Op::Absence { on, halves, family_leave } => {
                store.add_absence(&mut tx, tenant, induction.id, on, halves, family_leave).await?
            }
            Op::Leaving(d) => store.set_leaving_date(&mut tx, tenant, induction.id, d).await?,
        }
    }
    // The plan is recomputed from what the transaction now holds; completed reports stay as they are.
    crate::services::induction::recompute(store, &mut tx, tenant, induction.id).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/ects/{ect_id}/induction")).into_response())
}

enum Op {
    Contract { start: NaiveDate, end: Option<NaiveDate>, halves: i32, kind: String },
    Absence { on: NaiveDate, halves: i32, family_leave: bool },
    Leaving(Option<NaiveDate>),
}
