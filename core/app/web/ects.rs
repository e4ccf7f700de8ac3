//! ECT pages for schools and the AB: registering an ECT or a transfer in, the registration with its
//! signatures, the list of ECTs, one ECT's record, tutor and mentor, and the leaver form.

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

use super::induction_record::visible_induction;
use super::page::Page;
use crate::auth::session::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::ects::{
    self, Decision, DecisionError, EctDetails, MentorChoice, PreviousSchool, RegisterEctError,
};
use crate::store::accounts::StaffRow;
use crate::store::ects::{MentorRow, RegistrationRow};
use crate::store::schools::SchoolRow;

pub use super::form::{Errors, Fields};

pub use super::form::uk_date as fmt_date;

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

async fn render_register(
    page: &Page,
    school: &SchoolRow,
    f: &Fields,
    errors: Errors,
    status: StatusCode,
    transfer: bool,
) -> AppResult<Response> {
    let t = tutors(page, school).await?;
    let m = mentors(page, school).await?;
    let body = page.render(
        if transfer { "ect_transfer.html" } else { "ect_register.html" },
        context! {
            school => minijinja::value::Serde(school),
            typed => f.typed(),
            ticked => f.all("suitable_post"),
            errors => errors.0,
            ..choice_lists(&t, &m)
        },
    )?;
    Ok((status, body).into_response())
}

pub async fn view_register_ect_get(page: Page, Path(school_id): Path<String>) -> AppResult<Response> {
    let school = own_school(&page, &school_id).await?;
    let mut defaults = Fields(vec![("induction_type".into(), "two_year".into()), ("days_per_week".into(), "5".into())]);
    defaults.0.push(("contract_type".into(), "permanent".into()));
    render_register(&page, &school, &defaults, Errors::default(), StatusCode::OK, false).await
}

pub async fn view_register_ect_post(
    page: Page,
    meta: RequestMeta,
    Path(school_id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let school = own_school(&page, &school_id).await?;
    let f = Fields(pairs);
    let today = crate::clock_today(&page.state);
    let mut e = Errors::default();
    let first_names = e.take("first_names", validate::text(f.get("first_names"), "the first names", 100));
    let last_name = e.take("last_name", validate::text(f.get("last_name"), "the last name", 100));
    let trn = e.take("trn", validate::trn(f.get("trn")));
    let dob = e.take("date_of_birth", validate::date_of_birth(f.get("date_of_birth"), today));
    let email = e.take("email", validate::email(f.get("email")));
    let home_address = e.take("home_address", validate::text(f.get("home_address"), "the home address", 300));
    let itt = e.take("itt_provider", validate::text(f.get("itt_provider"), "the ITT provider", 200));
    let qts = e.take("qts_date", validate::optional_date(f.get("qts_date"), "the date QTS was awarded"));
    let subjects = e.take("subjects", validate::text(f.get("subjects"), "the subjects", 200));
    let age_range = e.take("age_range", validate::age_range(f.get("age_range")));
    let programme = TrainingProgramme::parse(f.get("training_programme"));
    if programme.is_none() {
        e.add("training_programme", "Choose the training programme: provider-led or school-led");
    }
    let kind = InductionType::parse(f.get("induction_type"));
    if kind.is_none() {
        e.add("induction_type", "Choose the induction type");
    }
    let contract = parse_contract(&f, &mut e);
    let start = e.take("induction_start", validate::date(f.get("induction_start"), "the induction start date"));
    let previous = parse_previous_schools(&f, &mut e);
    let facts = reg::RegistrationFacts {
        first_names: first_names.as_deref(),
        last_name: last_name.as_deref(),
        kind,
        induction_start: start,
        qts,
        contract_start: contract.as_ref().map(|c| c.start),
        previous_school_starts: previous.iter().map(|p| p.start_date).collect(),
    };
    for p in reg::check_registration(&facts, today) {
        e.add(&p.field(), p.to_string());
    }
    let tenant = page.tenant()?;
    if let Some(em) = &email
        && page.state.store().ect_email_in_use(tenant, em, None).await?
    {
        e.add("email", "Another ECT registered with this appropriate body uses this email address");
    }
    let t = tutors(&page, &school).await?;
    let m = mentors(&page, &school).await?;
    let (tutor, mentor) = parse_people(&f, &t, &m, &mut e);
    let checklist = parse_checklist(&f, &mut e);
    let details = match (first_names, last_name, trn, dob, email, home_address, itt, qts, subjects, age_range) {
        (Some(a), Some(b), Some(c), Some(d), Some(em), Some(h), Some(i), Some(q), Some(s), Some(ar))
            if e.is_empty() =>
        {
            let contract = contract.expect("checked");
            EctDetails {
                first_names: a,
                last_name: b,
                trn: c,
                date_of_birth: d,
                email: em,
                home_address: h,
                itt_provider: i,
                qts_date: q,
                subjects: s,
                age_range: ar,
                training_programme: programme.expect("checked"),
                induction_type: kind.expect("checked").as_str().into(),
                contract_type: contract.contract_type,
                days_per_week_halves: contract.halves,
                contract_start: contract.start,
                induction_start: start.expect("checked"),
                previous_schools: previous,
                tutor: tutor.as_ref().map(|t| t.0),
                tutor_name: tutor.map(|t| t.1),
                mentor,
                suitable_post: checklist,
                leaves_other_schools: false,
            }
        }
        _ => return render_register(&page, &school, &f, e, StatusCode::BAD_REQUEST, false).await,
    };
    let a = page.actor(&meta)?;
    match ects::register(&page.state, &page.site, SchoolId(school.id), RegistrationKind::New, None, &details, &a).await
    {
        Ok(id) => Ok(Redirect::to(&format!("/registrations/{id}")).into_response()),
        Err(RegisterEctError::DuplicateEct { user, name }) => {
            // Name and record only for an ECT the user can already see: a TRN alone must not
            // reveal who holds it elsewhere in the AB (the transfer form asks for the date of
            // birth too).
            let visible = visible_induction(&page, &user.to_string()).await.is_ok();
            let message = if visible {
                format!("{name} is already registered with this TRN: see /ects/{user}.")
            } else {
                format!(
                    "An ECT with this TRN is already registered with {}. If they are joining your school, register a transfer instead.",
                    page.site.name()
                )
            };
            let mut e = Errors::default();
            e.add("trn", message);
            render_register(&page, &school, &f, e, StatusCode::CONFLICT, false).await
        }
        Err(RegisterEctError::DuplicateRegistration { registration, name }) => {
            let visible = visible_registration(&page, &registration.to_string()).await.is_ok();
            let message = if visible {
                format!(
                    "A registration of {name} with this TRN is already in progress: see /registrations/{registration}."
                )
            } else {
                format!("A registration with this TRN is already in progress with {}.", page.site.name())
            };
            let mut e = Errors::default();
            e.add("trn", message);
            render_register(&page, &school, &f, e, StatusCode::CONFLICT, false).await
        }
        Err(RegisterEctError::App(err)) => Err(err),
    }
}

pub async fn view_transfer_ect_get(page: Page, Path(school_id): Path<String>) -> AppResult<Response> {
    let school = own_school(&page, &school_id).await?;
    let defaults = Fields(vec![("days_per_week".into(), "5".into()), ("contract_type".into(), "permanent".into())]);
    render_register(&page, &school, &defaults, Errors::default(), StatusCode::OK, true).await
}

/// Seed 002: "new school registers them with a start date"; the ECT is found by TRN and date of
/// birth (docs/induction-rules.md 1.5: TRN + DOB must match).
pub async fn view_transfer_ect_post(
    page: Page,
    meta: RequestMeta,
    Path(school_id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let school = own_school(&page, &school_id).await?;
    let f = Fields(pairs);
    let tenant = page.tenant()?;
    let today = crate::clock_today(&page.state);
    let store = page.state.store();
    let mut e = Errors::default();
    let trn = e.take("trn", validate::trn(f.get("trn")));
    let dob = e.take("date_of_birth", validate::date_of_birth(f.get("date_of_birth"), today));
    let contract = parse_contract(&f, &mut e);
    let t = tutors(&page, &school).await?;
    let m = mentors(&page, &school).await?;
    let (tutor, mentor) = parse_people(&f, &t, &m, &mut e);
    let checklist = parse_checklist(&f, &mut e);
    let mut found = None;
    if let (Some(trn), Some(dob)) = (&trn, dob) {
        match store.profile_by_trn(tenant, trn).await?.filter(|p| p.date_of_birth == dob) {
            None => e.add(
                "trn",
                format!(
                    "No ECT with this TRN and date of birth is registered with {}. Register them as a new ECT instead.",
                    page.site.name()
                ),
            ),
            Some(p) => {
                let user = store.get_user(UserId(p.user_id)).await?.ok_or(AppError::NotFound)?;
                let induction = store.induction_of_ect(tenant, UserId(p.user_id)).await?.ok_or(AppError::NotFound)?;
                if let Some(c) = &contract {
                    e.check(record::check_contract_start(induction.start_date, c.start));
                }
                found = Some((p, user, induction));
            }
        }
    }
    let Some((profile, user, induction)) = found.filter(|_| e.is_empty()) else {
        return render_register(&page, &school, &f, e, StatusCode::BAD_REQUEST, true).await;
    };
    let contract = contract.expect("checked");
    let (first_names, last_name) = match user.display_name.rsplit_once(' ') {
        Some((a, b)) => (a.to_owned(), b.to_owned()),
        None => (String::new(), user.display_name.clone()),
    };
    let details = EctDetails {
        first_names,
        last_name,
        trn: profile.trn.clone(),
        date_of_birth: profile.date_of_birth,
        email: user.email.clone(),
        home_address: profile.home_address.clone(),
        itt_provider: profile.itt_provider.clone(),
        qts_date: profile.qts_date,
        subjects: profile.subjects.clone(),
        age_range: profile.age_range.clone(),
        training_programme: TrainingProgramme::parse(&profile.training_programme)
            .unwrap_or(TrainingProgramme::SchoolLed),
        induction_type: induction.induction_type.clone(),
        contract_type: contract.contract_type,
        days_per_week_halves: contract.halves,
        contract_start: contract.start,
        induction_start: induction.start_date,
        previous_schools: vec![],
        tutor: tutor.as_ref().map(|t| t.0),
        tutor_name: tutor.map(|t| t.1),
        mentor,
        suitable_post: checklist,
        leaves_other_schools: f.get("leaves_other_schools") == "yes",
    };
    let a = page.actor(&meta)?;
    let result = ects::register(
        &page.state,
        &page.site,
        SchoolId(school.id),
        RegistrationKind::Transfer,
        Some(user.user_id()),
        &details,
        &a,
    )
    .await;
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/registrations/{id}")).into_response()),
        Err(RegisterEctError::DuplicateRegistration { registration, name }) => {
            let mut e = Errors::default();
            e.add(
                "trn",
                format!(
                    "A registration of {name} with this TRN is already in progress (/registrations/{registration})."
                ),
            );
            render_register(&page, &school, &f, e, StatusCode::CONFLICT, true).await
        }
        Err(RegisterEctError::DuplicateEct { .. }) => Err(AppError::Internal("transfer refused as duplicate".into())),
        Err(RegisterEctError::App(err)) => Err(err),
    }
}

/// The registration, if the user may see it: the AB, or staff of its school.
async fn visible_registration(page: &Page, id: &str) -> AppResult<RegistrationRow> {
    let id: Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    page.user()?.scope(page.state.store()).registration(id).await?.ok_or(AppError::NotFound)
}

async fn render_registration(
    page: &Page,
    row: &RegistrationRow,
    errors: Errors,
    typed: BTreeMap<String, String>,
    status: StatusCode,
) -> AppResult<Response> {
    let user = page.user()?.clone();
    let tenant = page.tenant()?;
    let store = page.state.store();
    let d = ects::details_of(row)?;
    let st = row.status;
    let school = store.get_school(tenant, SchoolId(row.school_id)).await?.ok_or(AppError::NotFound)?;
    let name_of = async |id: Option<Uuid>| -> AppResult<Option<String>> {
        Ok(match id {
            Some(id) => store.get_user(UserId(id)).await?.map(|u| u.display_name),
            None => None,
        })
    };
    let today = crate::clock_today(&page.state);
    let hash_now = ects::signature_hash(row);
    let body = page.render(
        "ect_registration.html",
        context! {
            id => row.id.to_string(),
            kind => row.kind.as_str(),
            status => st.as_str(),
            status_title => st.title(),
            school => school.name,
            ect_name => d.full_name(),
            ect_user_id => row.ect_user_id.map(|u| u.to_string()),
            d => context! {
                trn => d.trn.clone(),
                date_of_birth => fmt_date(d.date_of_birth),
                email => d.email.clone(),
                home_address => d.home_address.clone(),
                itt_provider => d.itt_provider.clone(),
                qts_date => d.qts_date.map(fmt_date),
                qts_iso => d.qts_date.map(|q| q.format("%Y-%m-%d").to_string()),
                subjects => d.subjects.clone(),
                age_range => d.age_range.clone(),
                programme => d.training_programme.title(),
                induction_type => if d.induction_type == "legacy_one_year" { "One year (started before September 2021)" } else { "Two years" },
                contract_type => contract_title(&d.contract_type),
                days_per_week => format!("{}", d.days_per_week_halves as f64 / 2.0),
                contract_start => fmt_date(d.contract_start),
                induction_start => fmt_date(d.induction_start),
                previous_schools => d.previous_schools.iter().map(|p| context! {
                    name => p.name.clone(), address => p.address.clone(), ab => p.appropriate_body.clone(),
                    start => fmt_date(p.start_date),
                    fte => induct_domain::induction::Fraction::parse_exact(&p.fte_terms).map(|f| f.to_one_decimal()),
                    absence => format!("{}", p.absence_half_days as f64 / 2.0),
                }).collect::<Vec<_>>(),
                tutor => d.tutor_name.clone(),
                mentor => match &d.mentor {
                    Some(MentorChoice::Existing { name, .. }) => Some(name.clone()),
                    Some(MentorChoice::New { name, start_term, .. }) => Some(format!("{name} (new mentor from {start_term})")),
                    None => None,
                },
                leaves_other_schools => d.leaves_other_schools,
            },
            checklist => SUITABLE_POST.iter().map(|(k, t)| context! { text => *t, ticked => d.suitable_post.iter().any(|x| x == k) }).collect::<Vec<_>>(),
            registered_by => name_of(Some(row.registered_by)).await?,
            registered_at => crate::mail::messages::uk_time(row.registered_at),
            signed_by => name_of(row.head_signed_by).await?,
            signed_at => row.head_signed_at.map(crate::mail::messages::uk_time),
            signature_hash => row.signature_hash.clone(),
            signature_intact => row.signature_hash.as_deref().map(|h| h == hash_now),
            decided_by => name_of(row.decided_by).await?,
            decided_at => row.decided_at.map(crate::mail::messages::uk_time),
            rejection_reason => row.rejection_reason.as_deref().and_then(RejectionReason::parse).map(|r| r.title()),
            decision_note => row.decision_note.clone(),
            can_sign => st == RegistrationStatus::AwaitingHeadSignature && user.role.allows(Permission::SignEctRegistrations),
            can_decide => st == RegistrationStatus::AwaitingAb && user.role.allows(Permission::AuthoriseEctRegistrations),
            warnings => reg::eligibility_warnings(d.qts_date, d.induction_start, today).iter().map(|w| w.title()).collect::<Vec<_>>(),
            reasons => RejectionReason::ALL.iter().map(|r| (r.as_str(), r.title())).collect::<Vec<_>>(),
            errors => errors.0,
            typed,
        },
    )?;
    Ok((status, body).into_response())
}

pub async fn view_registration_get(page: Page, Path(id): Path<String>) -> AppResult<Response> {
    let row = visible_registration(&page, &id).await?;
    render_registration(&page, &row, Errors::default(), BTreeMap::new(), StatusCode::OK).await
}

fn order_problem(e: DecisionError) -> AppResult<(String, StatusCode)> {
    match e {
        DecisionError::Order(p) => Ok((p.to_string(), StatusCode::CONFLICT)),
        DecisionError::TrnTaken => Ok((e.to_string(), StatusCode::CONFLICT)),
        DecisionError::App(a) => Err(a),
    }
}

pub async fn view_registration_sign_post(
    page: Page,
    meta: RequestMeta,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let row = visible_registration(&page, &id).await?;
    let f = Fields(pairs);
    let mut e = Errors::default();
    if f.get("confirm") != "yes" {
        e.add("confirm", "Tick to confirm the details are correct and the post is suitable for induction");
        return render_registration(&page, &row, e, f.typed(), StatusCode::BAD_REQUEST).await;
    }
    let a = page.actor(&meta)?;
    match ects::sign(&page.state, &page.site, &row, &a).await {
        Ok(()) => Ok(Redirect::to(&format!("/registrations/{}", row.id)).into_response()),
        Err(err) => {
            let (message, status) = order_problem(err)?;
            e.add("confirm", message);
            let row = visible_registration(&page, &id).await?;
            render_registration(&page, &row, e, f.typed(), status).await
        }
    }
}

pub async fn view_registration_decision_post(
    page: Page,
    meta: RequestMeta,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let row = visible_registration(&page, &id).await?;
    let f = Fields(pairs);
    let mut e = Errors::default();
    let note = f.get("note").trim().to_owned();
    let mut qts = None;
    let decision = match f.get("decision") {
        "authorise" => {
            if f.get("qts_checked") != "yes" {
                e.add("qts_checked", "Confirm you have checked the ECT's QTS and eligibility on the teacher record");
            }
            if row.kind == RegistrationKind::New {
                // docs/induction-rules.md 2.10: no QTS blocks the claim; SG 2.10-2.11 and docs/security.md I5:
                // induction does not start before QTS.
                let d = ects::details_of(&row)?;
                let today = crate::clock_today(&page.state);
                let typed = e.take("qts_date", validate::optional_date(f.get("qts_date"), "the date QTS was awarded"));
                if let Some(typed) = typed {
                    match reg::check_qts(typed.or(d.qts_date), d.induction_start, today) {
                        Ok(q) => qts = Some(q),
                        Err(p) => e.add("qts_date", p.to_string()),
                    }
                }
            }
            Some(Decision::Authorise { qts })
        }
        "reject" => match RejectionReason::parse(f.get("reason")) {
            None => {
                e.add("reason", "Choose why the registration is rejected");
                None
            }
            Some(RejectionReason::Other) if note.is_empty() => {
                e.add("note", "Explain why the registration is rejected");
                None
            }
            Some(reason) => {
                if !note.is_empty() {
                    e.take("note", validate::text(&note, "the reason", 500));
                }
                Some(Decision::Reject { reason, note: (!note.is_empty()).then_some(note.as_str()) })
            }
        },
        _ => {
            e.add("decision", "Choose to authorise or reject the registration");
            None
        }
    };
    let Some(decision) = decision.filter(|_| e.is_empty()) else {
        return render_registration(&page, &row, e, f.typed(), StatusCode::BAD_REQUEST).await;
    };
    let a = page.actor(&meta)?;
    match ects::decide(&page.state, &page.site, &row, decision, &a).await {
        Ok(()) => Ok(Redirect::to(&format!("/registrations/{}", row.id)).into_response()),
        Err(err) => {
            let (message, status) = order_problem(err)?;
            e.add("decision", message);
            let row = visible_registration(&page, &id).await?;
            render_registration(&page, &row, e, f.typed(), status).await
        }
    }
}

#[derive(serde::Deserialize, Default)]
pub struct Search {
    #[serde(default)]
    pub q: String,
}

/// Whether a name or TRN matches a search (case-insensitive on the name; the TRN from its start).
pub fn matches(q: &str, name: &str, trn: Option<&str>) -> bool {
    let q = q.trim();
    q.is_empty() || name.to_lowercase().contains(&q.to_lowercase()) || trn.is_some_and(|t| t.starts_with(q))
}

/// `/ects`: the ECTs the user may see (the AB: all; school staff: those employed at their schools
/// now) and the registrations in progress or rejected, searchable by name or TRN.
pub async fn view_ects_get(page: Page, Query(s): Query<Search>) -> AppResult<Response> {
    let user = page.user()?.clone();
    let tenant = page.tenant()?;
    let store = page.state.store();
    let today = crate::clock_today(&page.state);
    let own: Vec<Uuid> = user.scope(store).schools().await?.iter().map(|s| s.id).collect();
    let whole_ab = user.role == Role::AbAdmin;
    let contracts = store.list_contract_schools(tenant).await?;
    let mut ects = vec![];
    for e in store.list_ects(tenant).await? {
        let Some(induction) = e.induction_id else { continue };
        let mine: Vec<_> = contracts.iter().filter(|c| c.induction_id == induction).collect();
        let current: Vec<_> = mine.iter().filter(|c| c.is_current_on(today)).collect();
        let visible = whole_ab || current.iter().any(|c| own.contains(&c.school_id));
        if !visible || !matches(&s.q, &e.display_name, e.trn.as_deref()) {
            continue;
        }
        let mut schools: Vec<String> = current.iter().map(|c| c.school_name.clone()).collect();
        schools.dedup();
        let status = EctStatus::on(e.start_date, e.leaving_date, today).title();
        ects.push(context! {
            id => e.user_id.to_string(),
            name => e.display_name,
            trn => e.trn,
            schools => schools.join(", "),
            start => e.start_date.map(fmt_date),
            status,
            can_open => user.role.allows(Permission::ViewEctRecord),
        });
    }
    let schools = store.list_schools(tenant).await?;
    let school_name = |id: Uuid| schools.iter().find(|s| s.id == id).map(|s| s.name.clone()).unwrap_or_default();
    let registrations: Vec<_> = store
        .list_registrations(tenant)
        .await?
        .into_iter()
        .filter(|r| r.status != RegistrationStatus::Authorised)
        .filter(|r| whole_ab || own.contains(&r.school_id))
        .filter(|r| matches(&s.q, &r.ect_name, Some(&r.trn)))
        .map(|r| {
            let st = Some(r.status);
            context! {
                id => r.id.to_string(),
                name => r.ect_name,
                trn => r.trn,
                school => school_name(r.school_id),
                kind => if r.kind == RegistrationKind::Transfer { "Transfer" } else { "New ECT" },
                status => st.map(|s| s.title()).unwrap_or("Unknown"),
                registered => fmt_date(r.registered_at.date_naive()),
            }
        })
        .collect();
    let register_at: Vec<_> = if user.role.allows(Permission::RegisterEcts) {
        schools
            .iter()
            .filter(|s| own.contains(&s.id) && s.status == SchoolStatus::Authorised)
            .map(|s| context! { id => s.id.to_string(), name => s.name.clone() })
            .collect()
    } else {
        vec![]
    };
    Ok(page.render("ects.html", context! { ects, registrations, q => s.q, register_at })?.into_response())
}

/// `/ects/{id}`: the ECT's record for the AB and the school's staff.
pub async fn view_ect_get(page: Page, Path(ect_id): Path<String>) -> AppResult<Response> {
    render_ect(&page, &ect_id, None).await
}

async fn render_ect(page: &Page, ect_id: &str, notice: Option<String>) -> AppResult<Response> {
    let (induction, contracts, school) = visible_induction(page, ect_id).await?;
    let user = page.user()?.clone();
    let tenant = page.tenant()?;
    let store = page.state.store();
    let ect = store.get_user(UserId(induction.ect_user_id)).await?.ok_or(AppError::NotFound)?;
    let profile = store.get_profile(tenant, ect.user_id()).await?;
    let schools = store.list_schools(tenant).await?;
    let school_name = |id: Uuid| schools.iter().find(|s| s.id == id).map(|s| s.name.clone()).unwrap_or_default();
    let assignments = store.list_assignments(tenant, induction.id).await?;
    let mentors = store.list_all_mentors(tenant).await?;
    let mut people = vec![];
    for a in &assignments {
        let tutor = match a.tutor_user_id {
            Some(t) => store.get_user(UserId(t)).await?.map(|u| u.display_name),
            None => None,
        };
        let mentor = a.mentor_id.and_then(|m| mentors.iter().find(|x| x.id == m));
        people.push(context! {
            school => school_name(a.school_id),
            tutor,
            mentor => mentor.map(|m| m.name.clone()),
            mentor_from => mentor.map(|m| m.start_term.clone()),
        });
    }
    let leavers: Vec<_> = store
        .list_leavers(tenant)
        .await?
        .into_iter()
        .filter(|l| l.induction_id == induction.id)
        .map(|l| context! { school => school_name(l.school_id), date => fmt_date(l.leaving_date), reason => l.reason, moving => l.moving })
        .collect();
    let previous: Vec<_> = store
        .list_previous_schools(tenant, induction.id)
        .await?
        .into_iter()
        .map(|p| {
            context! {
                name => p.name, ab => p.appropriate_body, start => fmt_date(p.start_date),
                fte => induct_domain::induction::Fraction::parse_exact(&p.fte_terms).map(|f| f.to_one_decimal()),
            }
        })
        .collect();
    let body = page.render(
        "ect.html",
        context! {
            ect_id,
            name => ect.display_name.clone(),
            email => ect.email.clone(),
            username => user.role.allows(Permission::ManageStaffAccounts).then(|| ect.username.clone()),
            has_password => ect.password_hash.is_some(),
            active => ect.active,
            trn => profile.as_ref().map(|p| p.trn.clone()),
            date_of_birth => profile.as_ref().map(|p| fmt_date(p.date_of_birth)),
            qts => profile.as_ref().and_then(|p| p.qts_date).map(fmt_date),
            itt => profile.as_ref().map(|p| p.itt_provider.clone()),
            subjects => profile.as_ref().map(|p| p.subjects.clone()),
            age_range => profile.as_ref().map(|p| p.age_range.clone()),
            start => fmt_date(induction.start_date),
            leaving => induction.leaving_date.map(fmt_date),
            contracts => contracts.iter().map(|c| context! {
                school => school_name(c.school_id), start => fmt_date(c.start_date), end => c.end_date.map(fmt_date),
                days => format!("{}", c.days_per_week_halves as f64 / 2.0), kind => contract_title(&c.contract_type),
            }).collect::<Vec<_>>(),
            people,
            previous,
            leavers,
            here => school_name(school.0),
            can_assign => user.role.allows(Permission::AssignTutorsAndMentors),
            can_leave => user.role.allows(Permission::RecordLeavers),
            can_send_link => user.role.allows(Permission::ManageStaffAccounts) && ect.active,
            can_unlock => user.role.allows(Permission::UnlockAccounts),
            ect_user_id => ect.id.to_string(),
            notice,
        },
    )?;
    Ok(body.into_response())
}

/// Seed 000: heads and leads send an ECT a new set-password link (never a password).
pub async fn view_ect_send_link_post(page: Page, meta: RequestMeta, Path(ect_id): Path<String>) -> AppResult<Response> {
    let (induction, _, _) = visible_induction(&page, &ect_id).await?;
    let ect = page.state.store().get_user(UserId(induction.ect_user_id)).await?.ok_or(AppError::NotFound)?;
    if !ect.active {
        return Err(AppError::NotFound);
    }
    let a = page.actor(&meta)?;
    crate::services::accounts::send_link(&page.state, &page.site, &ect, &a).await?;
    let notice =
        format!("We have emailed {} a link to set their password. Any earlier link no longer works.", ect.display_name);
    render_ect(&page, &ect_id, Some(notice)).await
}

async fn render_people(
    page: &Page,
    ect_id: &str,
    f: &Fields,
    errors: Errors,
    status: StatusCode,
) -> AppResult<Response> {
    let (induction, _, school) = visible_induction(page, ect_id).await?;
    let tenant = page.tenant()?;
    let store = page.state.store();
    let school = store.get_school(tenant, school).await?.ok_or(AppError::NotFound)?;
    let ect = store.get_user(UserId(induction.ect_user_id)).await?.ok_or(AppError::NotFound)?;
    let t = tutors(page, &school).await?;
    let m = mentors(page, &school).await?;
    let current = store.list_assignments(tenant, induction.id).await?.into_iter().find(|a| a.school_id == school.id);
    let mut typed = f.typed();
    if f.0.is_empty()
        && let Some(c) = &current
    {
        typed.insert("tutor".into(), c.tutor_user_id.map(|u| u.to_string()).unwrap_or_default());
        typed.insert("mentor".into(), c.mentor_id.map(|u| u.to_string()).unwrap_or_default());
    }
    let body = page.render(
        "ect_people.html",
        context! { ect_id, name => ect.display_name, school => school.name, typed, errors => errors.0, ..choice_lists(&t, &m) },
    )?;
    Ok((status, body).into_response())
}

pub async fn view_ect_people_get(page: Page, Path(ect_id): Path<String>) -> AppResult<Response> {
    render_people(&page, &ect_id, &Fields(vec![]), Errors::default(), StatusCode::OK).await
}

pub async fn view_ect_people_post(
    page: Page,
    meta: RequestMeta,
    Path(ect_id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (induction, _, school_id) = visible_induction(&page, &ect_id).await?;
    let tenant = page.tenant()?;
    let school = page.state.store().get_school(tenant, school_id).await?.ok_or(AppError::NotFound)?;
    let f = Fields(pairs);
    let mut e = Errors::default();
    let t = tutors(&page, &school).await?;
    let m = mentors(&page, &school).await?;
    let (tutor, mentor) = parse_people(&f, &t, &m, &mut e);
    if !e.is_empty() {
        return render_people(&page, &ect_id, &f, e, StatusCode::BAD_REQUEST).await;
    }
    let a = page.actor(&meta)?;
    ects::change_assignment(
        &page.state,
        &page.site,
        induction.id,
        UserId(induction.ect_user_id),
        school_id,
        tutor.map(|t| UserId(t.0)),
        mentor,
        &a,
    )
    .await?;
    Ok(Redirect::to(&format!("/ects/{ect_id}")).into_response())
}

const MOVING: [(&str, &str); 3] = [("yes", "Yes"), ("no", "No"), ("unknown", "Not known")];

async fn render_leaving(
    page: &Page,
    ect_id: &str,
    f: &Fields,
    errors: Errors,
    status: StatusCode,
) -> AppResult<Response> {
    let (induction, _, school) = visible_induction(page, ect_id).await?;
    let tenant = page.tenant()?;
    let store = page.state.store();
    let school = store.get_school(tenant, school).await?.ok_or(AppError::NotFound)?;
    let ect = store.get_user(UserId(induction.ect_user_id)).await?.ok_or(AppError::NotFound)?;
    let body = page.render(
        "ect_leaving.html",
        context! { ect_id, name => ect.display_name, school => school.name, typed => f.typed(), errors => errors.0, moving => MOVING.to_vec() },
    )?;
    Ok((status, body).into_response())
}

pub async fn view_ect_leaving_get(page: Page, Path(ect_id): Path<String>) -> AppResult<Response> {
    render_leaving(&page, &ect_id, &Fields(vec![]), Errors::default(), StatusCode::OK).await
}

/// The leaver form (seed 003; docs/induction-rules.md 2.13 "Leaver form").
pub async fn view_ect_leaving_post(
    page: Page,
    meta: RequestMeta,
    Path(ect_id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (induction, contracts, school) = visible_induction(&page, &ect_id).await?;
    let f = Fields(pairs);
    let mut e = Errors::default();
    let date = e.take("leaving_date", validate::date(f.get("leaving_date"), "the leaving date"));
    let started_here = contracts.iter().filter(|c| c.school_id == school.0).map(|c| c.start_date).min();
    if let Some(d) = date {
        e.check(record::check_leaving_date(induction.start_date, started_here, d));
    }
    let reason = e.take("reason", validate::text(f.get("reason"), "the reason", 500));
    let moving = f.get("moving");
    if !MOVING.iter().any(|(v, _)| *v == moving) {
        e.add("moving", "Say whether the ECT is moving to another school");
    }
    let optional = |name: &str, e: &mut Errors| -> String {
        let v = f.get(name).trim();
        if v.is_empty() {
            String::new()
        } else {
            e.take(name, validate::text(v, "the answer", 300)).unwrap_or_default()
        }
    };
    let new_school = optional("new_school", &mut e);
    let new_school_address = optional("new_school_address", &mut e);
    let new_ab = optional("new_ab", &mut e);
    let (Some(date), Some(reason)) = (date, reason) else {
        return render_leaving(&page, &ect_id, &f, e, StatusCode::BAD_REQUEST).await;
    };
    if !e.is_empty() {
        return render_leaving(&page, &ect_id, &f, e, StatusCode::BAD_REQUEST).await;
    }
    let a = page.actor(&meta)?;
    let leaver = ects::Leaver {
        leaving_date: date,
        reason: &reason,
        moving,
        new_school: &new_school,
        new_school_address: &new_school_address,
        new_ab: &new_ab,
    };
    let ect = UserId(induction.ect_user_id);
    match ects::record_leaver(&page.state, &page.site, induction.id, ect, school, &leaver, &a).await? {
        true => Ok(Redirect::to("/ects").into_response()),
        false => {
            let e = Errors::one("leaving_date", "This school has already told the appropriate body the ECT is leaving");
            render_leaving(&page, &ect_id, &f, e, StatusCode::CONFLICT).await
        }
    }
}
