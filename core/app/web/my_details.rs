//! The ECT's own pages (seed 000): personal details (name and email; date of birth and TRN
//! read-only once the AB has verified them), training and qualification details, associated
//! schools, previous schools (add and remove) and a printable copy of it all.

use crate::web::{Access, RouteTable, Sites};
use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use induct_domain::Permission;
use induct_domain::UserId;
use induct_domain::induction::Fraction;
use induct_domain::registration as reg;
use induct_domain::validate;
use minijinja::context;
use uuid::Uuid;

use super::ects::{contract_title, parse_previous_school};
use super::form::{Errors, Fields, uk_date as fmt_date};
use super::page::Page;
use crate::auth::session::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::ects::{OwnDetails, OwnDetailsError};
use crate::store::induction::InductionRow;

async fn own_induction(page: &Page) -> AppResult<InductionRow> {
    let user = page.user()?.clone();
    let tenant = page.tenant()?;
    page.state.store().induction_of_ect(tenant, user.id).await?.ok_or(AppError::NotFound)
}

async fn details_context(page: &Page) -> AppResult<minijinja::Value> {
    let user = page.user()?.clone();
    let tenant = page.tenant()?;
    let store = page.state.store();
    let induction = own_induction(page).await?;
    let me = store.get_user(user.id).await?.ok_or(AppError::NotFound)?;
    let profile = store.get_profile(tenant, user.id).await?;
    let schools = store.list_schools(tenant).await?;
    let school = |id: Uuid| schools.iter().find(|s| s.id == id);
    let today = crate::clock_today(&page.state);
    let contracts = store.db().list_contracts(tenant, induction.id).await?;
    let associated: Vec<_> = contracts
        .iter()
        .map(|c| {
            let s = school(c.school_id);
            context! {
                name => s.map(|s| s.name.clone()),
                address => s.map(|s| format!("{}, {}", s.address, s.postcode)),
                start => fmt_date(c.start_date),
                end => c.end_date.map(fmt_date),
                current => c.is_current_on(today),
                days => format!("{}", c.days_per_week_halves as f64 / 2.0),
                kind => contract_title(&c.contract_type),
            }
        })
        .collect();
    let previous: Vec<_> = store
        .list_previous_schools(tenant, induction.id)
        .await?
        .into_iter()
        .map(|p| {
            context! {
                id => p.id.to_string(), name => p.name, address => p.address, ab => p.appropriate_body,
                start => fmt_date(p.start_date),
                fte => Fraction::parse_exact(&p.fte_terms).map(|f| f.to_one_decimal()),
                absence => format!("{}", p.absence_half_days as f64 / 2.0),
            }
        })
        .collect();
    Ok(context! {
        needs_password => !super::step_up::is_recent(page)?,
        name => me.display_name,
        email => me.email,
        username => me.username,
        profile => profile.as_ref().map(|p| context! {
            trn => p.trn.clone(),
            date_of_birth => p.date_of_birth.format("%Y-%m-%d").to_string(),
            date_of_birth_shown => fmt_date(p.date_of_birth),
            verified => p.verified_at.is_some(),
            home_address => p.home_address.clone(),
            itt_provider => p.itt_provider.clone(),
            qts_date => p.qts_date.map(|d| d.format("%Y-%m-%d").to_string()),
            qts_date_shown => p.qts_date.map(fmt_date),
            subjects => p.subjects.clone(),
            age_range => p.age_range.clone(),
        }),
        induction_start => fmt_date(induction.start_date),
        induction_type => if induction.induction_type == "legacy_one_year" { "One year (started before September 2021)" } else { "Two years" },
        associated,
        previous,
    })
}

async fn render(
    page: &Page,
    errors: Errors,
    typed: Option<std::collections::BTreeMap<String, String>>,
    notice: Option<&str>,
    status: StatusCode,
) -> AppResult<Response> {
    let ctx = details_context(page).await?;
    page.respond(
        status,
        "my_details.html",
        context! { errors => errors.0, typed, notice => notice.map(str::to_owned), ..ctx },
    )
}

pub async fn view_my_details_get(page: Page) -> AppResult<Response> {
    render(&page, Errors::default(), None, None, StatusCode::OK).await
}

pub async fn view_my_details_post(
    page: Page,
    meta: RequestMeta,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let user = page.user()?.clone();
    let tenant = page.tenant()?;
    let f = Fields(pairs);
    let today = crate::clock_today(&page.state);
    let profile = page.state.store().get_profile(tenant, user.id).await?;
    let mut e = Errors::default();
    let name = e.take("name", validate::text(f.get("name"), "the person's name", 100));
    let email = e.take("email", validate::email(f.get("email")));
    // The TRN and date of birth count only while unverified; once verified they are shown, not sent.
    let identity = match &profile {
        Some(p) if p.verified_at.is_none() => {
            let trn = e.take("trn", validate::trn(f.get("trn")));
            let dob = e.take("date_of_birth", validate::date_of_birth(f.get("date_of_birth"), today));
            trn.zip(dob)
        }
        _ => None,
    };
    let mut rest = None;
    if profile.is_some() {
        let home = e.take("home_address", validate::text(f.get("home_address"), "the home address", 300));
        let itt = e.take("itt_provider", validate::text(f.get("itt_provider"), "the ITT provider", 200));
        // The QTS date is locked with the TRN once the AB has verified them; before that it may
        // be left empty, and a date given is awarded and not after the induction's start
        // (SG 2.10-2.11).
        let verified = profile.as_ref().is_some_and(|p| p.verified_at.is_some());
        let mut qts = if verified {
            Some(profile.as_ref().and_then(|p| p.qts_date))
        } else {
            e.take("qts_date", validate::optional_date(f.get("qts_date"), "the date QTS was awarded"))
        };
        if !verified && let Some(Some(q)) = qts {
            let start = own_induction(&page).await?.start_date;
            if let Err(p) = reg::check_qts(Some(q), start, today) {
                e.add("qts_date", p.to_string());
                qts = None;
            }
        }
        let subjects = e.take("subjects", validate::text(f.get("subjects"), "the subjects", 200));
        let ages = e.take("age_range", validate::age_range(f.get("age_range")));
        rest = match (home, itt, qts, subjects, ages) {
            (Some(h), Some(i), Some(q), Some(s), Some(a)) => Some((h, i, q, s, a)),
            _ => None,
        };
    }
    if let Some(em) = &email
        && page.state.store().ect_email_in_use(tenant, em, Some(user.id)).await?
    {
        e.add("email", "Another ECT registered with this appropriate body uses this email address");
    }
    let (Some(name), Some(email)) = (name, email) else {
        return render(&page, e, Some(f.typed()), None, StatusCode::BAD_REQUEST).await;
    };
    if !e.is_empty() {
        return render(&page, e, Some(f.typed()), None, StatusCode::BAD_REQUEST).await;
    }
    // docs/security.md S5: a new email address needs a password entered in the last five minutes, and
    // the old address is told (it is where reset links go).
    let me = page.state.store().get_user(user.id).await?.ok_or(AppError::NotFound)?;
    let email_changed = !email.eq_ignore_ascii_case(&me.email);
    if email_changed && !super::step_up::step_up(&page, &meta, f.get("password")).await? {
        let mut e = Errors::default();
        e.add("password", "Enter your password to change your email address (reauth_required)");
        return render(&page, e, Some(f.typed()), None, StatusCode::FORBIDDEN).await;
    }
    let (home_address, itt_provider, qts_date, subjects, age_range) = rest.unwrap_or_default();
    let d = OwnDetails { name, email, identity, home_address, itt_provider, qts_date, subjects, age_range };
    let actor = page.actor(&meta)?;
    match crate::services::ects::update_own_details(&page.state, &page.site, user.id, &d, &actor).await {
        Ok(()) => render(&page, Errors::default(), None, Some("Your details have been saved."), StatusCode::OK).await,
        Err(other @ (OwnDetailsError::Store(_) | OwnDetailsError::Failed(_))) => Err(other.into()),
        Err(other) => {
            let mut e = Errors::default();
            e.add("trn", other.to_string());
            render(&page, e, Some(f.typed()), None, StatusCode::CONFLICT).await
        }
    }
}

pub async fn view_previous_school_add_post(
    page: Page,
    meta: RequestMeta,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let user = page.user()?.clone();
    let induction = own_induction(&page).await?;
    let f = Fields(pairs);
    let mut e = Errors::default();
    let k = |s: &str| format!("ps_{s}");
    let parsed = parse_previous_school(&f, &k, &mut e);
    if let Some(p) = &parsed
        && p.start_date >= induction.start_date
    {
        e.add("ps_start", "A previous school is one before this induction started here");
    }
    let Some(p) = parsed.filter(|_| e.is_empty()) else {
        return render(&page, e, Some(f.typed()), None, StatusCode::BAD_REQUEST).await;
    };
    let actor = page.actor(&meta)?;
    crate::services::ects::change_previous_schools(
        &page.state,
        &page.site,
        induction.id,
        user.id,
        Some(&p),
        None,
        &actor,
    )
    .await?;
    Ok(Redirect::to("/my-details#previous-schools").into_response())
}

pub async fn view_previous_school_remove_post(
    page: Page,
    meta: RequestMeta,
    Path(previous_school_id): Path<String>,
) -> AppResult<Response> {
    let user = page.user()?.clone();
    let induction = own_induction(&page).await?;
    let id: Uuid = previous_school_id.parse().map_err(|_| AppError::NotFound)?;
    let actor = page.actor(&meta)?;
    if !crate::services::ects::change_previous_schools(
        &page.state,
        &page.site,
        induction.id,
        UserId(user.id.0),
        None,
        Some(id),
        &actor,
    )
    .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/my-details#previous-schools").into_response())
}

/// Seed 000 "Print details": the registration details on one printable page.
pub async fn view_my_details_print_get(page: Page) -> AppResult<Response> {
    let ctx = details_context(&page).await?;
    Ok(page.render("my_details_print.html", ctx)?.into_response())
}

/// Seed 000 "Print details" as a PDF: the ECT's registration details.
pub async fn view_my_details_pdf_get(page: Page) -> AppResult<Response> {
    let user = page.user()?.clone();
    let tenant = page.tenant()?;
    let store = page.state.store();
    let me = store.get_user(user.id).await?.ok_or(AppError::NotFound)?;
    let induction = store.induction_of_ect(tenant, user.id).await?.ok_or(AppError::NotFound)?;
    let profile = store.get_profile(tenant, user.id).await?;
    let mut doc = crate::pdf::Document::new(
        page.site.name(),
        &format!("Registration details: {}", me.display_name),
        crate::web::reports::brand(&page),
    );
    doc.field("Name", &me.display_name).field("Username", &me.username).field("Email address", &me.email);
    if let Some(p) = &profile {
        doc.field("Teacher reference number (TRN)", &p.trn)
            .field("Date of birth", &fmt_date(p.date_of_birth))
            .field("Home address", &p.home_address)
            .field("ITT provider", &p.itt_provider)
            .field("QTS awarded", &p.qts_date.map(fmt_date).unwrap_or_else(|| "Not recorded".into()))
            .field("Qualified subjects", &p.subjects)
            .field("Qualified age range", &p.age_range);
    }
    doc.field("Induction started", &fmt_date(induction.start_date));
    doc.heading("Associated schools");
    let schools = store.list_schools(tenant).await?;
    for k in store.db().list_contracts(tenant, induction.id).await? {
        let s = schools.iter().find(|s| s.id == k.school_id);
        doc.field(
            &s.map(|s| s.name.clone()).unwrap_or_default(),
            &format!(
                "From {}{}, {} days a week, {}",
                fmt_date(k.start_date),
                k.end_date.map(|d| format!(" to {}", fmt_date(d))).unwrap_or_default(),
                induct_domain::induction::HalfDays(k.days_per_week_halves.max(0) as u32),
                contract_title(&k.contract_type)
            ),
        );
    }
    doc.heading("Previous schools");
    let previous = store.list_previous_schools(tenant, induction.id).await?;
    if previous.is_empty() {
        doc.paragraph("None.");
    }
    for p in previous {
        doc.field(
            &p.name,
            &format!(
                "{} ({}), from {}, {} FTE terms, {} days absent",
                p.address,
                p.appropriate_body,
                fmt_date(p.start_date),
                induct_domain::induction::Fraction::parse_exact(&p.fte_terms)
                    .map(|f| f.to_one_decimal())
                    .unwrap_or_default(),
                induct_domain::induction::HalfDays(p.absence_half_days.max(0) as u32)
            ),
        );
    }
    Ok(crate::web::reports::pdf_response("registration-details.pdf", doc.render()))
}

/// This feature's routes, each declaring who may use it and on which site (docs/security.md T1).
pub(super) fn routes(t: RouteTable) -> RouteTable {
    use Access::*;
    use Permission::*;
    t.get("/my-details", Sites::Ab, Signed(EditOwnDetails), view_my_details_get)
        .post("/my-details", Sites::Ab, Signed(EditOwnDetails), view_my_details_post)
        .get("/my-details/print", Sites::Ab, Signed(EditOwnDetails), view_my_details_print_get)
        .post("/my-details/previous-schools", Sites::Ab, Signed(EditOwnDetails), view_previous_school_add_post)
        .post(
            "/my-details/previous-schools/{previous_school_id}/remove",
            Sites::Ab,
            Signed(EditOwnDetails),
            view_previous_school_remove_post,
        )
        .get("/my-details/pdf", Sites::Ab, Signed(EditOwnDetails), view_my_details_pdf_get)
}
