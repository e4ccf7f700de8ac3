//! ECT pages for schools and the AB: registering an ECT or a transfer in, the registration with its
//! signatures, the list of ECTs, one ECT's record, tutor and mentor, and the leaver form.

use crate::web::{Access, RouteTable, Sites};
use axum::Form;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use induct_domain::induction::{DaysPerWeek, HalfDays, InductionType};
use induct_domain::record::{self, ContractType, EctStatus};
use induct_domain::registration::{
    self as reg, RegistrationKind, RegistrationStatus, RejectionReason, SUITABLE_POST, SchoolStatus, TrainingProgramme,
};
use induct_domain::validate::{self};
use induct_domain::{Permission, Role, SchoolId, UserId};
use minijinja::{Value, context};
use std::collections::BTreeMap;
use uuid::Uuid;

use crate::auth::session::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::ects::{
    self, Decision, DecisionError, EctDetails, MentorChoice, PreviousSchool, RegisterEctError,
};
use crate::store::accounts::StaffRow;
use crate::store::ects::{MentorRow, RegistrationRow};
use crate::store::induction::InductionRow;
use crate::store::schools::SchoolRow;
use crate::store::users::UserRow;
use crate::web::induction_record::visible_induction;
use crate::web::page::Page;

pub use crate::web::form::{Errors, Fields};

pub use crate::web::form::uk_date as fmt_date;

async fn own_school(page: &Page, school_id: &str) -> AppResult<SchoolRow> {
    let id: SchoolId = school_id.parse().map_err(|_| AppError::NotFound)?;
    let user = page.user()?.clone();
    let school = user.scope(page.state.store()).school(id).await?.ok_or(AppError::NotFound)?;
    if school.status != SchoolStatus::Authorised {
        return Err(AppError::NotFound);
    }
    Ok(school)
}

/// Staff who can tutor (seed 003: induction tutors; leads and heads tutor in small schools).
async fn tutors(page: &Page, school: &SchoolRow) -> AppResult<Vec<StaffRow>> {
    let tenant = page.tenant()?;
    Ok(page
        .state
        .store()
        .list_staff(tenant, SchoolId(school.id))
        .await?
        .into_iter()
        .filter(|s| s.active && s.role.parse::<Role>().is_ok_and(Role::can_tutor))
        .collect())
}

async fn mentors(page: &Page, school: &SchoolRow) -> AppResult<Vec<MentorRow>> {
    let tenant = page.tenant()?;
    Ok(page.state.store().list_mentors(tenant, SchoolId(school.id)).await?)
}

fn choice_lists(tutors: &[StaffRow], mentors: &[MentorRow]) -> Value {
    context! {
        tutors => tutors.iter().map(|t| context! { id => t.id.to_string(), name => t.display_name.clone() }).collect::<Vec<_>>(),
        mentors => mentors.iter().map(|m| context! { id => m.id.to_string(), name => m.name.clone(), start_term => m.start_term.clone() }).collect::<Vec<_>>(),
        contract_types => ContractType::ALL.iter().map(|t| (t.as_str(), t.title())).collect::<Vec<_>>(),
        checklist => SUITABLE_POST.iter().map(|(k, t)| (k.to_string(), t.to_string())).collect::<Vec<_>>(),
    }
}

/// A stored contract type's title (seed 003), or "Other" for one the domain does not know.
pub fn contract_title(c: &str) -> &'static str {
    ContractType::parse(c).map_or("Other", ContractType::title)
}

/// Tutor and mentor as chosen on a form.
fn parse_people(
    f: &Fields,
    tutors: &[StaffRow],
    mentors: &[MentorRow],
    errors: &mut Errors,
) -> (Option<(Uuid, String)>, Option<MentorChoice>) {
    let tutor = match f.get("tutor") {
        "" => None,
        id => match tutors.iter().find(|t| t.id.to_string() == id) {
            Some(t) => Some((t.id, t.display_name.clone())),
            None => {
                errors.add("tutor", "Choose an induction tutor from the list");
                None
            }
        },
    };
    let mentor = match f.get("mentor") {
        "" => None,
        "new" => {
            let name = errors.take("mentor_name", validate::text(f.get("mentor_name"), "the mentor's name", 100));
            let email = errors.take("mentor_email", validate::email(f.get("mentor_email")));
            let term = errors.take("mentor_start_term", validate::text(f.get("mentor_start_term"), "the term", 40));
            match (name, email, term) {
                (Some(name), Some(email), Some(start_term)) => Some(MentorChoice::New { name, email, start_term }),
                _ => None,
            }
        }
        id => match mentors.iter().find(|m| m.id.to_string() == id) {
            Some(m) => Some(MentorChoice::Existing { id: m.id, name: m.name.clone() }),
            None => {
                errors.add("mentor", "Choose a mentor from the list, or add a new one");
                None
            }
        },
    };
    (tutor, mentor)
}

struct ContractPart {
    contract_type: String,
    halves: u32,
    start: NaiveDate,
}

fn parse_contract(f: &Fields, errors: &mut Errors) -> Option<ContractPart> {
    let kind = ContractType::parse(f.get("contract_type"));
    if kind.is_none() {
        errors.add("contract_type", "Choose the type of contract");
    }
    let dpw = match DaysPerWeek::parse(f.get("days_per_week")) {
        Ok(d) => Some(d),
        Err(e) => {
            errors.add("days_per_week", e.to_string());
            None
        }
    };
    let start = errors.take("contract_start", validate::date(f.get("contract_start"), "the date the contract starts"));
    Some(ContractPart { contract_type: kind?.as_str().to_owned(), halves: u32::from(dpw?.halves()), start: start? })
}

fn parse_checklist(f: &Fields, errors: &mut Errors) -> Vec<String> {
    let ticked = f.all("suitable_post");
    if !reg::unconfirmed_items(&ticked).is_empty() {
        errors.add(
            "suitable_post",
            "Confirm every item of the suitable-post checklist: induction can only be served in a suitable post",
        );
    }
    ticked
}

/// Up to two previous schools on the registration form (more can be added on the ECT's page).
fn parse_previous_schools(f: &Fields, errors: &mut Errors) -> Vec<PreviousSchool> {
    let mut out = vec![];
    for i in 0..2 {
        let k = |s: &str| format!("ps{i}_{s}");
        let names = ["name", "address", "ab", "start", "fte", "absence"];
        if names.iter().all(|n| f.get(&k(n)).trim().is_empty()) {
            continue;
        }
        if let Some(p) = parse_previous_school(f, &k, errors) {
            out.push(p);
        }
    }
    out
}

pub fn parse_previous_school(f: &Fields, k: &dyn Fn(&str) -> String, errors: &mut Errors) -> Option<PreviousSchool> {
    let name = errors.take(&k("name"), validate::text(f.get(&k("name")), "the school's name", 100));
    let address = errors.take(&k("address"), validate::text(f.get(&k("address")), "the school's address", 300));
    let ab = errors.take(&k("ab"), validate::text(f.get(&k("ab")), "the appropriate body", 100));
    let start = errors.take(&k("start"), validate::date(f.get(&k("start")), "the date they started there"));
    let fte = reg::parse_fte_terms(f.get(&k("fte")), 6);
    if fte.is_none() {
        errors.add(
            &k("fte"),
            "Enter the FTE terms completed there, from 0 to 6 with at most one decimal place, like 1.5",
        );
    }
    let absence = HalfDays::parse_days(f.get(&k("absence")));
    if absence.is_none() {
        errors.add(&k("absence"), "Enter the days of absence there, like 0, 3 or 3.5");
    }
    Some(PreviousSchool {
        name: name?,
        address: address?,
        appropriate_body: ab?,
        start_date: start?,
        fte_terms: fte?.to_exact(),
        absence_half_days: absence?.0,
    })
}

/// The school where the user acts for an ECT they reach, and the ECT (the leaver and tutor
/// pages).
async fn ect_at_school(page: &Page, ect_id: &str) -> AppResult<(InductionRow, SchoolRow, UserRow)> {
    let (induction, _, school) = visible_induction(page, ect_id).await?;
    let tenant = page.tenant()?;
    let store = page.state.store();
    let school = store.get_school(tenant, school).await?.ok_or(AppError::NotFound)?;
    let ect = store.get_user_in(tenant, UserId(induction.ect_user_id)).await?.ok_or(AppError::NotFound)?;
    Ok((induction, school, ect))
}

mod details;
mod leaving;
mod list;
mod people;
mod register;
mod registration;
mod transfer;

pub use details::*;
pub use leaving::*;
pub use list::*;
pub use people::*;
pub use register::*;
pub use registration::*;
pub use transfer::*;

/// This feature's routes, each declaring who may use it and on which site (docs/security.md T1).
pub(super) fn routes(t: RouteTable) -> RouteTable {
    use Access::*;
    use Permission::*;
    t.get("/schools/{school_id}/ects/register", Sites::Ab, Signed(RegisterEcts), view_register_ect_get)
        .post("/schools/{school_id}/ects/register", Sites::Ab, Signed(RegisterEcts), view_register_ect_post)
        .get("/schools/{school_id}/ects/transfer", Sites::Ab, Signed(RegisterEcts), view_transfer_ect_get)
        .post("/schools/{school_id}/ects/transfer", Sites::Ab, Signed(RegisterEcts), view_transfer_ect_post)
        .get("/registrations/{registration_id}", Sites::Ab, Signed(ViewEctRegistrations), view_registration_get)
        .post(
            "/registrations/{registration_id}/sign",
            Sites::Ab,
            Signed(SignEctRegistrations),
            view_registration_sign_post,
        )
        .post(
            "/registrations/{registration_id}/decision",
            Sites::Ab,
            Signed(AuthoriseEctRegistrations),
            view_registration_decision_post,
        )
        .get("/ects", Sites::Ab, Signed(ListEcts), view_ects_get)
        .get("/ects/{ect_id}", Sites::Ab, Signed(ViewEctRecord), view_ect_get)
        .post("/ects/{ect_id}/send-link", Sites::Ab, Signed(ManageStaffAccounts), view_ect_send_link_post)
        .get("/ects/{ect_id}/tutor-and-mentor", Sites::Ab, Signed(AssignTutorsAndMentors), view_ect_people_get)
        .post("/ects/{ect_id}/tutor-and-mentor", Sites::Ab, Signed(AssignTutorsAndMentors), view_ect_people_post)
        .get("/ects/{ect_id}/leaving", Sites::Ab, Signed(RecordLeavers), view_ect_leaving_get)
        .post("/ects/{ect_id}/leaving", Sites::Ab, Signed(RecordLeavers), view_ect_leaving_post)
}
