//! The AB's list of reports across its schools, with filters (school, status, due before) and the
//! "ABSENCE EXTENSION" flag (seed 003).

use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use induct_domain::SchoolId;
use induct_domain::calendar::BankHolidays;
use induct_domain::timeline::ReportKind;
use minijinja::context;
use minijinja::value::Serde;
use serde::Deserialize;
use uuid::Uuid;

use crate::error::AppResult;
use crate::web::form::uk_date as fmt_date;
use crate::web::page::Page;

#[derive(Deserialize, Default)]
pub struct Filters {
    #[serde(default)]
    school: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    due_before: String,
}

pub async fn view_ab_reports_get(page: Page, Query(f): Query<Filters>) -> AppResult<Response> {
    let _user = page.user()?.clone();
    let tenant = page.tenant()?;
    let today = crate::clock_today(&page.state);
    let bh = BankHolidays::england_and_wales();
    let due = crate::services::induction::due_settings(page.state.store().db(), tenant).await?;
    let schools = page.state.store().list_schools(tenant).await?;
    // Bad filter values are reported next to the filter, and the list shows unfiltered.
    let mut errors = vec![];
    let school: Option<Uuid> = match f.school.as_str() {
        "" => None,
        s => match s.parse::<Uuid>().ok().filter(|id| schools.iter().any(|x| x.id == *id)) {
            Some(id) => Some(id),
            None => {
                errors.push(context! { field => "school", message => "Choose a school from the list" });
                None
            }
        },
    };
    let due_before: Option<NaiveDate> = match f.due_before.trim() {
        "" => None,
        s => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errors.push(context! { field => "due_before", message => "Enter a real date, like 2026-12-04" });
                None
            }
        },
    };
    let status_filter = match f.status.as_str() {
        "" | "completed" | "upcoming" | "available" | "due" | "overdue" => f.status.clone(),
        _ => {
            errors.push(context! { field => "status", message => "Choose a status from the list" });
            String::new()
        }
    };
    let mut rows = vec![];
    let mut calendars = std::collections::HashMap::new();
    for r in page.state.store().reports_of_ab(tenant).await? {
        if school.is_some_and(|s| s != r.school_id) || due_before.is_some_and(|d| r.due_date.is_none_or(|due| due >= d))
        {
            continue;
        }
        let status = if r.completed_at.is_some() {
            "Completed"
        } else {
            let Some(planned) = crate::services::induction::planned_report(
                r.number,
                &r.kind,
                r.period_start,
                r.period_end,
                r.due_date,
                r.absence_extension,
            ) else {
                continue;
            };
            if !calendars.contains_key(&r.school_id) {
                let cal =
                    crate::services::induction::calendar(page.state.store().db(), tenant, Some(SchoolId(r.school_id)))
                        .await?;
                calendars.insert(r.school_id, cal);
            }
            planned.time_status(&calendars[&r.school_id], bh, due.window, today).title()
        };
        if !status_filter.is_empty() && status.to_lowercase() != status_filter {
            continue;
        }
        rows.push(context! {
            ect => r.ect_name,
            school => r.school_name,
            number => r.number,
            letter => ReportKind::parse(&r.kind).map(|k| k.letter().to_string()),
            start => fmt_date(r.period_start),
            end => fmt_date(r.period_end),
            due => r.due_date.map(fmt_date),
            status,
            absence_extension => r.absence_extension,
        });
    }
    Ok(page
        .render(
            "ab_reports.html",
            context! {
                reports => rows,
                schools => Serde(&schools),
                filters => context! { school => f.school, status => status_filter, due_before => f.due_before },
                errors,
            },
        )?
        .into_response())
}
