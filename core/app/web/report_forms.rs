//! Report pages (seed 003): the tutor's contract page and form with autosave, the read-only
//! preview, "Have you finished?" and "What happens now?", the ECT's confirmation and comments,
//! reading and signing (one or many), the AB's review, support plans, PDFs, and alerts.

use axum::Form;
use axum::extract::{Multipart, Path};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use induct_domain::alerts::AlertStatus;
use induct_domain::record::{self, ContractType};
use induct_domain::report_flow::{self, ECT_COMMENTS, FormStatus, STANDARDS, Signer};
use induct_domain::timeline::ReportKind;
use induct_domain::{Permission, Role, SchoolId, UserId, validate};
use minijinja::{Value, context};
use std::collections::BTreeMap;
use uuid::Uuid;

use super::ects::{Errors, Fields, contract_title, fmt_date};
use super::page::Page;
use super::step_up::{STEP_UP_AFTER, step_up};
use crate::auth::session::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::forms::QuestionView;
use crate::services::report_forms::{self as rf, FormError, ReportCtx, ReportRole, Side};

async fn ctx(page: &Page, ect_id: &str, number: &str) -> AppResult<ReportCtx> {
    let ect: UserId = ect_id.parse().map_err(|_| AppError::NotFound)?;
    let number: i32 = number.parse().map_err(|_| AppError::NotFound)?;
    rf::load(&page.state, page.user()?, ect, number).await
}

fn base(ect_id: &str, number: i32) -> String {
    format!("/ects/{ect_id}/reports/{number}")
}

/// Labels of the fields, for "missing" lists.
pub fn field_label(field: &str) -> String {
    let fixed = match field {
        "contract.days_served" => Some("Days served in the period"),
        "contract.days_absent" => Some("Days absent in the period"),
        "contract.remaining" => Some("Whether the ECT remains at the school next term"),
        "tutor.recommendation" => Some("Recommendation"),
        "tutor.development" => Some("Areas for development"),
        "tutor.support_plan" => {
            Some("Support plan in place (required when the ECT is not making satisfactory progress)")
        }
        "tutor.support_plan_file" => Some("The support plan document"),
        "ect.confirmed" => Some("Confirm the report's dates, days served and absence"),
        _ => None,
    };
    if let Some(f) = fixed {
        return f.to_owned();
    }
    if let Some((_, label)) = STANDARDS.iter().chain(ECT_COMMENTS.iter()).find(|(k, _)| *k == field) {
        return label.to_string();
    }
    field.rsplit('.').next().unwrap_or(field).replace('-', " ")
}

fn fmt_days(halves: u32) -> String {
    format!("{}", halves as f64 / 2.0)
}

/// The engine's days served and absent in the report's period, as the form shows them.
fn engine_days(c: &ReportCtx) -> (String, String) {
    let (served, absent) = c.engine_days();
    (served.to_string(), absent.to_string())
}

/// Plugin questions for a side, as template views, with the stored answers.
async fn extra_views(page: &Page, c: &ReportCtx, side: &str) -> AppResult<(Vec<QuestionView>, bool)> {
    let extra = crate::services::forms::extra_questions(&page.state, c.tenant, rf::form_context(c, side)).await?;
    let views = extra
        .questions
        .iter()
        .map(|q| {
            let field = format!("extra.{side}.{}", q.id);
            let stored = c.answer(&field).unwrap_or_default();
            QuestionView {
                id: q.id.clone(),
                field: field.clone(),
                label: q.label.clone(),
                hint: q.hint.clone(),
                kind: crate::services::forms::kind_name(q.kind),
                options: q.options.iter().map(|o| (o.value.clone(), o.label.clone())).collect(),
                required: q.required,
                values: stored.lines().filter(|l| !l.is_empty()).map(str::to_owned).collect(),
                error: None,
            }
        })
        .collect();
    Ok((views, extra.unavailable))
}

/// What every report page shows about the report.
fn header(c: &ReportCtx, ect_name: &str, ect_id: &str) -> Value {
    let status = c.status();
    context! {
        base => base(ect_id, c.report.number),
        ect_id,
        ect_name,
        number => c.report.number,
        kind => c.kind().as_str(),
        kind_title => c.kind().title(),
        letter => c.kind().letter().to_string(),
        is_assessment => c.kind() != ReportKind::ProgressReview,
        is_final => c.kind() == ReportKind::FinalAssessment,
        start => fmt_date(c.planned.period.start),
        end => fmt_date(c.planned.period.end),
        due => c.planned.due.map(fmt_date),
        status => status.as_str(),
        status_title => status.title(),
        role => minijinja::value::Serde(c.role),
        absence_extension => c.planned.absence_extension,
        ab_comment => c.form.as_ref().and_then(|f| f.ab_comment.clone()),
        version => c.form.as_ref().map(|f| f.version).unwrap_or(1),
    }
}

async fn ect_name(page: &Page, c: &ReportCtx) -> AppResult<String> {
    Ok(page.state.store().get_user(UserId(c.induction.ect_user_id)).await?.map(|u| u.display_name).unwrap_or_default())
}

fn form_error_response(e: FormError) -> AppResult<(StatusCode, String)> {
    match e {
        FormError::Flow(p) => Ok((StatusCode::CONFLICT, p.to_string())),
        FormError::NotYours => Err(AppError::Forbidden),
        FormError::Changed => Ok((StatusCode::CONFLICT, FormError::Changed.to_string())),
        FormError::TooEarly(d) => Ok((StatusCode::CONFLICT, FormError::TooEarly(d).to_string())),
        FormError::Missing(m) => Ok((StatusCode::BAD_REQUEST, format!("Complete: {}", m.join(", ")))),
        FormError::App(a) => Err(a),
    }
}

// ---- The tutor's first page: this term's contract, days, next term -------------------------

async fn render_fill(
    page: &Page,
    c: &ReportCtx,
    ect_id: &str,
    f: &Fields,
    errors: Errors,
    status: StatusCode,
) -> AppResult<Response> {
    let name = ect_name(page, c).await?;
    let today = crate::clock_today(&page.state);
    let becomes_due = c.becomes_due();
    let days_editable = becomes_due.is_none_or(|d| today >= d);
    let (served, absent) = engine_days(c);
    let current = c.engine.contracts.iter().rev().find(|k| k.start <= today).or(c.engine.contracts.last());
    let contracts = page.state.store().db().list_contracts(c.tenant, c.induction.id).await?;
    let current_type = contracts.iter().rev().find(|k| k.start_date <= today).map(|k| k.contract_type.clone());
    let value = |k: &str, default: String| -> String {
        f.0.iter().rev().find(|(n, _)| n == k).map(|(_, v)| v.clone()).or_else(|| c.answer(k)).unwrap_or(default)
    };
    let year_absence: u32 = c
        .engine
        .absences
        .iter()
        .filter(|a| a.date < c.planned.period.start && !a.statutory_family_leave)
        .map(|a| a.days.0)
        .sum();
    let body = page.render(
        "report_fill.html",
        context! {
            r => header(c, &name, ect_id),
            contract_type => current_type.map(|t| contract_title(&t)),
            days_per_week => current.map(|k| format!("{}", k.days_per_week.halves() as f64 / 2.0)),
            days_editable,
            becomes_due => becomes_due.map(fmt_date),
            days_served => value("contract.days_served", served),
            days_absent => value("contract.days_absent", absent),
            had_absences => value("contract.had_absences", String::new()),
            absences_before => fmt_days(year_absence),
            remaining => value("contract.remaining", String::new()),
            next_days => value("contract.next_days_per_week", current.map(|k| format!("{}", k.days_per_week.halves() as f64 / 2.0)).unwrap_or_default()),
            next_type => value("contract.next_contract_type", "permanent".into()),
            leaving_reason => value("contract.leaving_reason", String::new()),
            leaving_date => value("contract.leaving_date", String::new()),
            contract_types => ContractType::ALL.iter().map(|t| (t.as_str(), t.title())).collect::<Vec<_>>(),
            errors => errors.0,
            locked => c.status().after_tutor_edit().is_err(),
        },
    )?;
    Ok((status, body).into_response())
}

pub async fn view_report_fill_get(page: Page, Path((ect_id, number)): Path<(String, String)>) -> AppResult<Response> {
    let c = ctx(&page, &ect_id, &number).await?;
    if c.role != ReportRole::Tutor {
        return Err(AppError::Forbidden);
    }
    render_fill(&page, &c, &ect_id, &Fields(vec![]), Errors::default(), StatusCode::OK).await
}

pub async fn view_report_fill_post(
    page: Page,
    meta: RequestMeta,
    Path((ect_id, number)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let c = ctx(&page, &ect_id, &number).await?;
    if c.role != ReportRole::Tutor {
        return Err(AppError::Forbidden);
    }
    let f = Fields(pairs);
    let today = crate::clock_today(&page.state);
    let days_editable = c.becomes_due().is_none_or(|d| today >= d);
    let mut e = Errors::default();
    let mut save: Vec<(String, String)> = vec![];
    if days_editable {
        let (served_default, absent_default) = engine_days(&c);
        let served = if f.get("days_served").trim().is_empty() {
            served_default
        } else {
            f.get("days_served").trim().to_owned()
        };
        let absent = if f.get("days_absent").trim().is_empty() {
            absent_default
        } else {
            f.get("days_absent").trim().to_owned()
        };
        let served_n = induct_domain::induction::HalfDays::parse_days(&served);
        let absent_n = induct_domain::induction::HalfDays::parse_days(&absent);
        match served_n {
            None => e.add("days_served", "Enter the days served, like 73 or 72.5"),
            Some(s) => save.push(("contract.days_served".into(), fmt_days(s.0))),
        }
        match (absent_n, served_n) {
            (None, _) => e.add("days_absent", "Enter the days of absence, like 0, 5 or 5.5"),
            (Some(a), Some(s)) if e.check(record::check_report_days(s, a)).is_none() => {}
            (Some(a), _) => save.push(("contract.days_absent".into(), a.to_string())),
        }
        match f.get("had_absences") {
            "yes" | "no" => save.push(("contract.had_absences".into(), f.get("had_absences").into())),
            _ => e.add("had_absences", "Say whether the ECT has had any absences in this period"),
        }
    }
    let remaining = f.get("remaining");
    let mut leaving = None;
    match remaining {
        "yes" => {
            match induct_domain::induction::DaysPerWeek::parse(f.get("next_days_per_week")) {
                Ok(d) => save.push(("contract.next_days_per_week".into(), format!("{}", d.halves() as f64 / 2.0))),
                Err(p) => e.add("next_days_per_week", p.to_string()),
            }
            if ContractType::parse(f.get("next_contract_type")).is_some() {
                save.push(("contract.next_contract_type".into(), f.get("next_contract_type").into()));
            } else {
                e.add("next_contract_type", "Choose next term's contract type");
            }
            save.push(("contract.remaining".into(), "yes".into()));
        }
        "no" => {
            let reason = e.take("leaving_reason", validate::text(f.get("leaving_reason"), "the reason", 500));
            let date = e.take("leaving_date", validate::date(f.get("leaving_date"), "the date of leaving"));
            if let Some(d) = date {
                e.check(record::check_leaving_date(c.induction.start_date, None, d));
            }
            if let (Some(r), Some(d)) = (reason, date) {
                save.push(("contract.remaining".into(), "no".into()));
                save.push(("contract.leaving_reason".into(), r.clone()));
                save.push(("contract.leaving_date".into(), d.to_string()));
                leaving = Some(rf::Leaving { date: d, reason: r });
            }
        }
        _ => e.add("remaining", "Say whether the ECT will remain at this school next term"),
    }
    if !e.is_empty() {
        return render_fill(&page, &c, &ect_id, &f, e, StatusCode::BAD_REQUEST).await;
    }
    let a = page.actor(&meta)?;
    // Leaving: the report becomes an interim assessment and the AB gets the leaver task (seed 003),
    // in the same transaction as the page's answers.
    if let Err(err) = rf::save_contract_page(&page.state, &c, &save, leaving.as_ref(), &a).await {
        let (status, message) = form_error_response(err)?;
        let mut e = Errors::default();
        e.add("remaining", message);
        return render_fill(&page, &c, &ect_id, &f, e, status).await;
    }
    Ok(Redirect::to(&format!("{}/form", base(&ect_id, c.report.number))).into_response())
}

// ---- The tutor's form ---------------------------------------------------------------------

async fn render_form(
    page: &Page,
    c: &ReportCtx,
    ect_id: &str,
    errors: Errors,
    notice: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let name = ect_name(page, c).await?;
    let (extra, extra_unavailable) = extra_views(page, c, "tutor").await?;
    let files = page.state.store().files_of(c.tenant, c.induction.id, c.report.number).await?;
    let body = page.render(
        "report_form.html",
        context! {
            r => header(c, &name, ect_id),
            a => c.answers.clone(),
            recommendations => report_flow::recommendation_options(c.kind()).to_vec(),
            standards => STANDARDS.to_vec(),
            extra => minijinja::value::Serde(&extra),
            extra_unavailable,
            files => files.iter().map(|f| context! { id => f.id.to_string(), name => f.filename.clone(), at => crate::mail::messages::uk_time(f.uploaded_at) }).collect::<Vec<_>>(),
            concern => c.answer("tutor.recommendation").is_some_and(|r| report_flow::is_concern(&r)),
            locked => c.status().after_tutor_edit().is_err(),
            errors => errors.0,
            notice,
        },
    )?;
    Ok((status, body).into_response())
}

pub async fn view_report_form_get(page: Page, Path((ect_id, number)): Path<(String, String)>) -> AppResult<Response> {
    let c = ctx(&page, &ect_id, &number).await?;
    if c.role != ReportRole::Tutor {
        return Err(AppError::Forbidden);
    }
    render_form(&page, &c, &ect_id, Errors::default(), None, StatusCode::OK).await
}

/// Multiple-choice answers arrive as repeated fields; they are stored one per line. The
/// contract page's fields are written only by that page, with its checks (never by the form or
/// autosave).
fn collect_answers(f: &Fields, side: Side) -> Vec<(String, String)> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in &f.0 {
        if rf::side_of(k) == Some(side) && !k.starts_with("contract.") {
            out.entry(k.clone()).or_default().push(v.clone());
        }
    }
    out.into_iter().map(|(k, v)| (k, v.join("\n"))).collect()
}

/// "Save" on a section or the whole form: what was typed is stored as it is (a draft); the
/// checks come when the tutor makes the report available.
pub async fn view_report_form_post(
    page: Page,
    meta: RequestMeta,
    Path((ect_id, number)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let c = ctx(&page, &ect_id, &number).await?;
    let f = Fields(pairs);
    let a = page.actor(&meta)?;
    match rf::save(&page.state, &c, Side::Tutor, &collect_answers(&f, Side::Tutor), &a).await {
        Ok(saved) => {
            if f.get("next") == "finish" {
                return Ok(Redirect::to(&format!("{}/finish", base(&ect_id, c.report.number))).into_response());
            }
            let c = ctx(&page, &ect_id, &number).await?;
            let mut notice = format!("Saved at {}.", saved.saved_at);
            if saved.signatures_cleared {
                notice.push_str(" The report had been signed: it needs signing again.");
            }
            render_form(&page, &c, &ect_id, Errors::default(), Some(notice), StatusCode::OK).await
        }
        Err(err) => {
            let (status, message) = form_error_response(err)?;
            let mut e = Errors::default();
            e.add("form", message);
            render_form(&page, &c, &ect_id, e, None, status).await
        }
    }
}

/// Autosave from the page's script: the fields typed since the last save, as a form post. Works
/// for the tutor's and the ECT's pages alike (the role decides the side).
pub async fn view_report_autosave_post(
    page: Page,
    meta: RequestMeta,
    Path((ect_id, number)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let c = ctx(&page, &ect_id, &number).await?;
    let side = match c.role {
        ReportRole::Tutor => Side::Tutor,
        ReportRole::Ect => Side::Ect,
        _ => return Err(AppError::Forbidden),
    };
    let f = Fields(pairs);
    let a = page.actor(&meta)?;
    match rf::save(&page.state, &c, side, &collect_answers(&f, side), &a).await {
        Ok(saved) => Ok(axum::Json(saved).into_response()),
        Err(err) => {
            let (status, message) = form_error_response(err)?;
            Ok((status, axum::Json(serde_json::json!({ "error": message }))).into_response())
        }
    }
}

pub async fn view_report_support_plan_post(
    page: Page,
    meta: RequestMeta,
    Path((ect_id, number)): Path<(String, String)>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let c = ctx(&page, &ect_id, &number).await?;
    if c.role != ReportRole::Tutor {
        return Err(AppError::Forbidden);
    }
    let mut file = None;
    while let Some(field) = multipart.next_field().await.map_err(|_| AppError::BadRequest("unreadable upload"))? {
        if field.name() == Some("support_plan") {
            let name = field.file_name().unwrap_or("support-plan").to_owned();
            let data = field.bytes().await.map_err(|_| AppError::PayloadTooLarge)?;
            file = Some((name, data.to_vec()));
        }
    }
    let mut e = Errors::default();
    let file = match file {
        Some((_, b)) if b.is_empty() => None,
        other => other,
    };
    match file {
        None => e.add("support_plan_file", "Choose the support plan document to upload"),
        Some((_, ref b)) if b.len() > rf::MAX_UPLOAD_BYTES => {
            e.add("support_plan_file", "The file must be 10 MB or smaller")
        }
        Some((_, ref b)) if rf::sniff_document(b).is_none() => e.add(
            "support_plan_file",
            "Upload the support plan as a PDF, Word (.docx or .doc) or OpenDocument (.odt) file",
        ),
        _ => {}
    }
    let Some((name, bytes)) = file.filter(|_| e.is_empty()) else {
        return render_form(&page, &c, &ect_id, e, None, StatusCode::BAD_REQUEST).await;
    };
    let a = page.actor(&meta)?;
    match rf::upload_support_plan(&page.state, &c, &name, &bytes, &a).await {
        Ok(_) => {
            let c = ctx(&page, &ect_id, &number).await?;
            render_form(&page, &c, &ect_id, Errors::default(), Some(format!("{name} uploaded.")), StatusCode::OK).await
        }
        Err(err) => {
            let (status, message) = form_error_response(err)?;
            let mut e = Errors::default();
            e.add("support_plan_file", message);
            render_form(&page, &c, &ect_id, e, None, status).await
        }
    }
}

pub async fn view_report_file_get(
    page: Page,
    Path((ect_id, number, file_id)): Path<(String, String, String)>,
) -> AppResult<Response> {
    let c = ctx(&page, &ect_id, &number).await?;
    if c.role == ReportRole::Ab && !matches!(c.status(), FormStatus::Submitted | FormStatus::Accepted) {
        return Err(AppError::NotFound);
    }
    let id: Uuid = file_id.parse().map_err(|_| AppError::NotFound)?;
    let f =
        page.state.store().get_file(c.tenant, c.induction.id, c.report.number, id).await?.ok_or(AppError::NotFound)?;
    let mut r = (StatusCode::OK, f.bytes).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_str(&f.content_type).map_err(|_| AppError::NotFound)?);
    let disposition = format!("attachment; filename=\"{}\"", f.filename.replace('"', ""));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

/// Seed 003: "Click here to view a read only version of this form ... to help you gather the
/// information".
pub async fn view_report_preview_get(
    page: Page,
    Path((ect_id, number)): Path<(String, String)>,
) -> AppResult<Response> {
    let c = ctx(&page, &ect_id, &number).await?;
    let name = ect_name(&page, &c).await?;
    let (tutor_extra, _) = extra_views(&page, &c, "tutor").await?;
    let (ect_extra, _) = extra_views(&page, &c, "ect").await?;
    let body = page.render(
        "report_preview.html",
        context! {
            r => header(&c, &name, &ect_id),
            recommendations => report_flow::recommendation_options(c.kind()).to_vec(),
            standards => STANDARDS.to_vec(),
            comments => ECT_COMMENTS.to_vec(),
            tutor_extra => minijinja::value::Serde(&tutor_extra),
            ect_extra => minijinja::value::Serde(&ect_extra),
        },
    )?;
    Ok(body.into_response())
}

// ---- Have you finished? / What happens now? -----------------------------------------------

async fn render_finish(
    page: &Page,
    c: &ReportCtx,
    ect_id: &str,
    errors: Errors,
    status: StatusCode,
) -> AppResult<Response> {
    let name = ect_name(page, c).await?;
    let today = crate::clock_today(&page.state);
    let missing = rf::tutor_missing(&page.state, c).await?;
    let body = page.render(
        "report_finish.html",
        context! {
            r => header(c, &name, ect_id),
            missing => missing.iter().map(|m| field_label(m)).collect::<Vec<_>>(),
            too_early => (today < c.release_from()).then(|| fmt_date(c.release_from())),
            released => c.status() != FormStatus::Draft,
            errors => errors.0,
        },
    )?;
    Ok((status, body).into_response())
}

pub async fn view_report_finish_get(page: Page, Path((ect_id, number)): Path<(String, String)>) -> AppResult<Response> {
    let c = ctx(&page, &ect_id, &number).await?;
    if c.role != ReportRole::Tutor {
        return Err(AppError::Forbidden);
    }
    render_finish(&page, &c, &ect_id, Errors::default(), StatusCode::OK).await
}

pub async fn view_report_finish_post(
    page: Page,
    meta: RequestMeta,
    Path((ect_id, number)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let c = ctx(&page, &ect_id, &number).await?;
    let f = Fields(pairs);
    match f.get("finished") {
        "later" => return Ok(Redirect::to("/dashboard").into_response()),
        "release" => {}
        _ => {
            let mut e = Errors::default();
            e.add("finished", "Choose whether you have finished");
            return render_finish(&page, &c, &ect_id, e, StatusCode::BAD_REQUEST).await;
        }
    }
    let a = page.actor(&meta)?;
    match rf::release(&page.state, &c, &a).await {
        Ok(()) => {
            let name = ect_name(&page, &c).await?;
            let c = ctx(&page, &ect_id, &number).await?;
            let body = page.render("report_released.html", context! { r => header(&c, &name, &ect_id) })?;
            Ok(body.into_response())
        }
        Err(FormError::Missing(_)) => {
            let mut e = Errors::default();
            e.add("finished", "Complete every required answer before making the report available to the ECT");
            render_finish(&page, &c, &ect_id, e, StatusCode::BAD_REQUEST).await
        }
        Err(err) => {
            let (status, message) = form_error_response(err)?;
            let mut e = Errors::default();
            e.add("finished", message);
            render_finish(&page, &c, &ect_id, e, status).await
        }
    }
}

/// "Send Login Details" on "What happens now?" (seed 003): a set-password link to the ECT or the
/// school's head teacher.
pub async fn view_report_send_login_post(
    page: Page,
    meta: RequestMeta,
    Path((ect_id, number, who)): Path<(String, String, String)>,
) -> AppResult<Response> {
    let c = ctx(&page, &ect_id, &number).await?;
    if c.role != ReportRole::Tutor {
        return Err(AppError::Forbidden);
    }
    let store = page.state.store();
    let person = match who.as_str() {
        "ect" => store.get_user(UserId(c.induction.ect_user_id)).await?,
        "head" => {
            let school = c.school.ok_or(AppError::NotFound)?;
            let staff = store.list_staff(c.tenant, school).await?;
            match staff.iter().find(|s| s.role == Role::HeadTeacher.as_str() && s.active) {
                Some(h) => store.get_user(UserId(h.id)).await?,
                None => None,
            }
        }
        _ => return Err(AppError::NotFound),
    };
    let person = person.filter(|p| p.active).ok_or(AppError::NotFound)?;
    let a = page.actor(&meta)?;
    crate::services::accounts::send_link(&page.state, &page.site, &person, &a).await?;
    let name = ect_name(&page, &c).await?;
    let body = page.render(
        "report_released.html",
        context! { r => header(&c, &name, &ect_id), notice => format!("We have emailed {} their login details.", person.display_name) },
    )?;
    Ok(body.into_response())
}

// ---- The ECT's confirmation and comments ----------------------------------------------------

async fn render_comment(
    page: &Page,
    c: &ReportCtx,
    ect_id: &str,
    errors: Errors,
    notice: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let name = ect_name(page, c).await?;
    let (extra, extra_unavailable) = extra_views(page, c, "ect").await?;
    let body = page.render(
        "report_comment.html",
        context! {
            r => header(c, &name, ect_id),
            a => c.answers.clone(),
            comments => ECT_COMMENTS.to_vec(),
            extra => minijinja::value::Serde(&extra),
            extra_unavailable,
            days_served => c.answer("contract.days_served"),
            days_absent => c.answer("contract.days_absent"),
            locked => c.status().after_ect_edit().is_err(),
            errors => errors.0,
            notice,
        },
    )?;
    Ok((status, body).into_response())
}

pub async fn view_report_comment_get(
    page: Page,
    Path((ect_id, number)): Path<(String, String)>,
) -> AppResult<Response> {
    let c = ctx(&page, &ect_id, &number).await?;
    if c.role != ReportRole::Ect {
        return Err(AppError::Forbidden);
    }
    if c.status() == FormStatus::Draft {
        return Err(AppError::NotFound);
    }
    render_comment(&page, &c, &ect_id, Errors::default(), None, StatusCode::OK).await
}

pub async fn view_report_comment_post(
    page: Page,
    meta: RequestMeta,
    Path((ect_id, number)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let c = ctx(&page, &ect_id, &number).await?;
    let f = Fields(pairs);
    let a = page.actor(&meta)?;
    match rf::save(&page.state, &c, Side::Ect, &collect_answers(&f, Side::Ect), &a).await {
        Ok(saved) => {
            let c = ctx(&page, &ect_id, &number).await?;
            if f.get("next") == "continue" {
                let missing = rf::ect_missing(&page.state, &c).await?;
                if missing.is_empty() {
                    return Ok(Redirect::to(&format!("{}#sign", base(&ect_id, c.report.number))).into_response());
                }
                let mut e = Errors::default();
                for m in &missing {
                    e.add(m, format!("Answer: {}", field_label(m)));
                }
                return render_comment(&page, &c, &ect_id, e, None, StatusCode::BAD_REQUEST).await;
            }
            render_comment(
                &page,
                &c,
                &ect_id,
                Errors::default(),
                Some(format!("Saved at {}.", saved.saved_at)),
                StatusCode::OK,
            )
            .await
        }
        Err(err) => {
            let (status, message) = form_error_response(err)?;
            let mut e = Errors::default();
            e.add("form", message);
            render_comment(&page, &c, &ect_id, e, None, status).await
        }
    }
}

// ---- Reading, signing, the AB's decision -----------------------------------------------------

async fn render_read(
    page: &Page,
    c: &ReportCtx,
    ect_id: &str,
    errors: Errors,
    notice: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let user = page.user()?.clone();
    let name = ect_name(page, c).await?;
    let st = c.status();
    // The AB reads a report once it is submitted (issue 6: "the AB sees it once submitted").
    let visible = c.role != ReportRole::Ab || matches!(st, FormStatus::Submitted | FormStatus::Accepted);
    let (tutor_extra, _) = extra_views(page, c, "tutor").await?;
    let (ect_extra, _) = extra_views(page, c, "ect").await?;
    let store = page.state.store();
    let signatures = store.signatures(c.tenant, c.induction.id, c.report.number).await?;
    let files = store.files_of(c.tenant, c.induction.id, c.report.number).await?;
    let signer = rf::signer_for(c.role);
    let can_sign = signer.is_some_and(|s| st.next(report_flow::FlowAction::Sign(s), c.kind(), c.policy).is_ok());
    let now = page.state.clock().now();
    let body = page.render(
        "report_read.html",
        context! {
            r => header(c, &name, ect_id),
            visible,
            a => if visible { c.answers.clone() } else { BTreeMap::new() },
            recommendation => c.answer("tutor.recommendation").and_then(|v| report_flow::recommendation_options(c.kind()).iter().find(|(k, _)| *k == v).map(|(_, l)| l.to_string())),
            standards => STANDARDS.to_vec(),
            comments => ECT_COMMENTS.to_vec(),
            tutor_extra => tutor_extra.iter().map(|q| (q.label.clone(), display(q))).collect::<Vec<_>>(),
            ect_extra => ect_extra.iter().map(|q| (q.label.clone(), display(q))).collect::<Vec<_>>(),
            files => files.iter().map(|f| context! { id => f.id.to_string(), name => f.filename.clone() }).collect::<Vec<_>>(),
            signatures => signatures.iter().map(|s| context! {
                signer => Signer::parse(&s.signer).map(|x| x.title()),
                name => s.signer_name.clone(),
                at => crate::mail::messages::uk_time(s.signed_at),
                hash => s.content_hash[..16].to_owned(),
                version => s.version,
                cleared => s.cleared_at.is_some(),
            }).collect::<Vec<_>>(),
            signers => c.policy.signers(c.kind()).iter().map(|s| s.title()).collect::<Vec<_>>(),
            can_sign,
            content_hash => rf::current_hash(&page.state, c).await?,
            needs_password => now - user.authenticated_at > STEP_UP_AFTER,
            can_fill => c.role == ReportRole::Tutor && st.after_tutor_edit().is_ok(),
            can_comment => c.role == ReportRole::Ect && st.after_ect_edit().is_ok(),
            can_decide => c.role == ReportRole::Ab && st == FormStatus::Submitted,
            can_alert => matches!(c.role, ReportRole::Tutor | ReportRole::Head),
            errors => errors.0,
            notice,
        },
    )?;
    Ok((status, body).into_response())
}

pub async fn view_report_get(page: Page, Path((ect_id, number)): Path<(String, String)>) -> AppResult<Response> {
    let c = ctx(&page, &ect_id, &number).await?;
    render_read(&page, &c, &ect_id, Errors::default(), None, StatusCode::OK).await
}

pub async fn view_report_sign_post(
    page: Page,
    meta: RequestMeta,
    Path((ect_id, number)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let c = ctx(&page, &ect_id, &number).await?;
    if rf::signer_for(c.role).is_none() {
        return Err(AppError::Forbidden);
    }
    let f = Fields(pairs);
    let mut e = Errors::default();
    if f.get("confirm") != "yes" {
        e.add("confirm", "Tick to confirm you have read the report and are signing it");
        return render_read(&page, &c, &ect_id, e, None, StatusCode::BAD_REQUEST).await;
    }
    if !step_up(&page, &meta, f.get("password")).await? {
        e.add("password", "Enter your password to sign: it has been more than 5 minutes since you logged in");
        return render_read(&page, &c, &ect_id, e, None, StatusCode::UNAUTHORIZED).await;
    }
    let a = page.actor(&meta)?;
    let expected = Some(f.get("hash")).filter(|h| !h.is_empty());
    match rf::sign(&page.state, &c, expected, &a).await {
        Ok(next) => {
            let c = ctx(&page, &ect_id, &number).await?;
            let notice = if next == FormStatus::Submitted {
                "Signed. The report has been submitted to the appropriate body.".to_owned()
            } else {
                "Signed.".to_owned()
            };
            render_read(&page, &c, &ect_id, Errors::default(), Some(notice), StatusCode::OK).await
        }
        Err(FormError::Missing(m)) => {
            let mut e = Errors::default();
            e.add(
                "confirm",
                format!(
                    "Add your comments before signing: {}",
                    m.iter().map(|x| field_label(x)).collect::<Vec<_>>().join("; ")
                ),
            );
            render_read(&page, &c, &ect_id, e, None, StatusCode::CONFLICT).await
        }
        Err(err) => {
            let (status, message) = form_error_response(err)?;
            e.add("confirm", message);
            render_read(&page, &c, &ect_id, e, None, status).await
        }
    }
}

pub async fn view_report_decision_post(
    page: Page,
    meta: RequestMeta,
    Path((ect_id, number)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let c = ctx(&page, &ect_id, &number).await?;
    let f = Fields(pairs);
    let mut e = Errors::default();
    let comment = f.get("comment").trim().to_owned();
    let accept = match f.get("decision") {
        "accept" => true,
        "return" => {
            if comment.is_empty() {
                e.add("comment", "Say what needs changing");
            } else {
                e.take("comment", validate::text(&comment, "the reason", 2000));
            }
            false
        }
        _ => {
            e.add("decision", "Choose to accept the report or return it");
            false
        }
    };
    if !e.is_empty() {
        return render_read(&page, &c, &ect_id, e, None, StatusCode::BAD_REQUEST).await;
    }
    let a = page.actor(&meta)?;
    let comment = (!comment.is_empty()).then_some(comment.as_str());
    match rf::decide(&page.state, &c, accept, comment, &a).await {
        Ok(()) => Ok(Redirect::to("/reports/review").into_response()),
        Err(err) => {
            let (status, message) = form_error_response(err)?;
            e.add("decision", message);
            render_read(&page, &c, &ect_id, e, None, status).await
        }
    }
}

// ---- Signature list (bulk) and the AB's review page -----------------------------------------

/// Reports waiting for this user's signature (seed 003 "Reports that Require Your Digital
/// Signature").
async fn waiting_for_me(page: &Page) -> AppResult<Vec<(ReportCtx, String)>> {
    let user = page.user()?.clone();
    let tenant = page.tenant()?;
    let Some(me) = Signer::for_role(user.role) else { return Ok(vec![]) };
    let policy = rf::signing_policy(&page.state, tenant).await?;
    let mut out = vec![];
    for f in page.state.store().list_forms(tenant).await? {
        let (st, kind) = (f.status, f.kind);
        if st.awaiting_signature_of(kind, policy) != Some(me) || (me == Signer::Ect && f.ect_user_id != user.id.0) {
            continue;
        }
        // Only reports the user can reach (their schools' ECTs now).
        if let Ok(c) = rf::load(&page.state, &user, UserId(f.ect_user_id), f.number).await {
            out.push((c, f.ect_name));
        }
    }
    Ok(out)
}

async fn render_signatures(
    page: &Page,
    errors: Errors,
    notice: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let user = page.user()?.clone();
    let list = waiting_for_me(page).await?;
    let mut hashes = vec![];
    for (c, _) in &list {
        hashes.push(rf::current_hash(&page.state, c).await?);
    }
    let rows: Vec<Value> = list
        .iter()
        .zip(&hashes)
        .map(|((c, name), hash)| {
            context! {
                key => format!("{}:{}:{}", c.induction.ect_user_id, c.report.number, hash),
                url => base(&c.induction.ect_user_id.to_string(), c.report.number),
                name => name.clone(),
                kind => if c.kind() == ReportKind::ProgressReview { "Progress review" } else { "Assessment" },
                period => format!("{} to {}", fmt_date(c.planned.period.start), fmt_date(c.planned.period.end)),
            }
        })
        .collect();
    let now = page.state.clock().now();
    let body = page.render(
        "signatures.html",
        context! {
            rows,
            needs_password => now - user.authenticated_at > STEP_UP_AFTER,
            bulk => user.role != Role::Ect,
            errors => errors.0,
            notice,
        },
    )?;
    Ok((status, body).into_response())
}

pub async fn view_signatures_get(page: Page) -> AppResult<Response> {
    render_signatures(&page, Errors::default(), None, StatusCode::OK).await
}

/// "Digitally Sign All Ticked Reports": each ticked report is signed on its own; one refusal
/// does not stop the others, and the page says which were signed.
pub async fn view_signatures_post(
    page: Page,
    meta: RequestMeta,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let f = Fields(pairs);
    let ticked = f.all("report");
    let mut e = Errors::default();
    if ticked.is_empty() {
        e.add("reports", "Tick the reports you have read and want to sign");
        return render_signatures(&page, e, None, StatusCode::BAD_REQUEST).await;
    }
    if !step_up(&page, &meta, f.get("password")).await? {
        e.add("password", "Enter your password to sign: it has been more than 5 minutes since you logged in");
        return render_signatures(&page, e, None, StatusCode::UNAUTHORIZED).await;
    }
    let user = page.user()?.clone();
    let a = page.actor(&meta)?;
    let mut signed = 0;
    let mut refused = vec![];
    for key in ticked {
        let mut parts = key.splitn(3, ':');
        let (Some(ect), Some(number), hash) = (parts.next(), parts.next(), parts.next()) else { continue };
        let (Ok(ect), Ok(number)) = (ect.parse::<Uuid>(), number.parse::<i32>()) else { continue };
        match rf::load(&page.state, &user, UserId(ect), number).await {
            Ok(c) => match rf::sign(&page.state, &c, hash, &a).await {
                Ok(_) => signed += 1,
                Err(FormError::App(err)) => return Err(err),
                Err(err) => refused.push(err.to_string()),
            },
            Err(AppError::NotFound) => refused.push("A report you cannot reach".into()),
            Err(err) => return Err(err),
        }
    }
    let mut notice = format!("{signed} report{} signed.", if signed == 1 { "" } else { "s" });
    if !refused.is_empty() {
        notice.push_str(&format!(" Not signed: {}.", refused.join("; ")));
    }
    render_signatures(&page, Errors::default(), Some(notice), StatusCode::OK).await
}

/// The AB's view: submitted reports to review, overdue and unsigned reports by school, alerts.
pub async fn view_review_get(page: Page) -> AppResult<Response> {
    let tenant = page.tenant()?;
    let store = page.state.store();
    let today = crate::clock_today(&page.state);
    let forms = store.list_forms(tenant).await?;
    let to_review: Vec<Value> = forms
        .iter()
        .filter(|f| f.status == FormStatus::Submitted)
        .map(|f| {
            context! {
                url => base(&f.ect_user_id.to_string(), f.number),
                name => f.ect_name.clone(),
                kind => f.kind.title(),
                submitted => f.submitted_at.map(crate::mail::messages::uk_time),
            }
        })
        .collect();
    // Overdue (past due, not yet with the AB) and waiting for signatures, by school.
    let mut by_school: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for r in store.reports_of_ab(tenant).await?.into_iter().filter(|r| r.completed_at.is_none()) {
        let form = forms.iter().find(|f| f.induction_id == r.induction_id && f.number == r.number);
        let st = form.map_or(FormStatus::Draft, |f| f.status);
        if !induct_domain::notices::still_chased(st) {
            continue;
        }
        let overdue = report_flow::is_overdue(r.due_date, st, today);
        if !overdue && !st.awaits_school_signatures() {
            continue;
        }
        by_school.entry(r.school_name.clone()).or_default().push(context! {
            name => r.ect_name,
            kind => ReportKind::parse(&r.kind).map(|k| k.title()),
            due => r.due_date.map(fmt_date),
            overdue,
            status => st.title(),
        });
    }
    let alerts = store.list_alerts(tenant).await?;
    let open_alerts = alerts.iter().filter(|a| a.status.is_open()).count();
    Ok(page
        .render(
            "review.html",
            context! {
                to_review,
                by_school => by_school.into_iter().map(|(school, rows)| context! { school, rows }).collect::<Vec<_>>(),
                open_alerts,
            },
        )?
        .into_response())
}

// ---- PDFs --------------------------------------------------------------------------------

fn brand(page: &Page) -> (f32, f32, f32) {
    let theme = page.state.themes().get(page.site.theme());
    crate::pdf::parse_colour(&theme.manifest.colours.brand)
}

fn pdf_response(name: &str, bytes: Vec<u8>) -> Response {
    let mut r = (StatusCode::OK, bytes).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{name}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// Adds one report to a PDF: header facts, every answer and extra question, signatures.
async fn report_into_pdf(page: &Page, c: &ReportCtx, doc: &mut crate::pdf::Document, first: bool) -> AppResult<()> {
    let name = ect_name(page, c).await?;
    if !first {
        doc.heading(&format!("{} {}: {}", c.kind().title(), c.report.number, name));
    }
    let visible = c.role != ReportRole::Ab || matches!(c.status(), FormStatus::Submitted | FormStatus::Accepted);
    let store = page.state.store();
    let school = match c.school {
        Some(s) => store.get_school(c.tenant, s).await?.map(|s| s.name),
        None => None,
    };
    doc.field("Early career teacher", &name)
        .field("School", &school.unwrap_or_default())
        .field("Report", &format!("{} (number {})", c.kind().title(), c.report.number))
        .field("Period", &format!("{} to {}", fmt_date(c.planned.period.start), fmt_date(c.planned.period.end)))
        .field("Due", &c.planned.due.map(fmt_date).unwrap_or_default())
        .field("Status", c.status().title());
    if !visible {
        doc.paragraph("The report is still with the school.");
        return Ok(());
    }
    let a = |k: &str| c.answer(k).unwrap_or_default();
    doc.heading("Contract and attendance");
    doc.field("Days served in the period (including absences)", &a("contract.days_served"))
        .field("Days absent in the period", &a("contract.days_absent"))
        .field(
            "Remaining at the school next term",
            &match a("contract.remaining").as_str() {
                "yes" => format!(
                    "Yes: {} days a week, {}",
                    a("contract.next_days_per_week"),
                    contract_title(&a("contract.next_contract_type"))
                ),
                "no" => format!("No: leaving on {} ({})", a("contract.leaving_date"), a("contract.leaving_reason")),
                _ => String::new(),
            },
        );
    doc.heading("The induction tutor's report");
    let rec = c.answer("tutor.recommendation").and_then(|v| {
        report_flow::recommendation_options(c.kind()).iter().find(|(k, _)| *k == v).map(|(_, l)| l.to_string())
    });
    doc.field("Recommendation", &rec.unwrap_or_default());
    for (k, label) in STANDARDS {
        doc.field(label, &a(k));
    }
    doc.field("Areas for development", &a("tutor.development"));
    doc.field(
        "Support plan in place",
        &match a("tutor.support_plan").as_str() {
            "yes" => "Yes".into(),
            "no" => "No".into(),
            v => v.to_owned(),
        },
    );
    let (tutor_extra, _) = extra_views(page, c, "tutor").await?;
    for q in &tutor_extra {
        doc.field(&q.label, &display(q));
    }
    doc.heading("The ECT's comments");
    doc.field(
        "Report dates, days served and absence confirmed",
        if a("ect.confirmed") == "yes" { "Yes" } else { "No" },
    );
    let (ect_extra, _) = extra_views(page, c, "ect").await?;
    for q in &ect_extra {
        doc.field(&q.label, &display(q));
    }
    for (k, label) in ECT_COMMENTS {
        doc.field(label, &a(k));
    }
    doc.heading("Signatures");
    let sigs = store.signatures(c.tenant, c.induction.id, c.report.number).await?;
    let live: Vec<_> = sigs.iter().filter(|s| s.cleared_at.is_none()).collect();
    if live.is_empty() {
        doc.paragraph("Not signed yet.");
    }
    for s in live {
        doc.field(
            Signer::parse(&s.signer).map(|x| x.title()).unwrap_or("Signature"),
            &format!(
                "{}, {} (content SHA-256 {})",
                s.signer_name,
                crate::mail::messages::uk_time(s.signed_at),
                &s.content_hash[..16]
            ),
        );
    }
    if let Some(comment) = c.form.as_ref().and_then(|f| f.ab_comment.clone()) {
        doc.field("Appropriate body's comments", &comment);
    }
    Ok(())
}

fn display(q: &QuestionView) -> String {
    q.values
        .iter()
        .map(|v| match (q.kind, v.as_str()) {
            ("yes-no", "yes") => "Yes".to_owned(),
            ("yes-no", "no") => "No".to_owned(),
            _ => q.options.iter().find(|(k, _)| k == v).map(|(_, l)| l.clone()).unwrap_or_else(|| v.clone()),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn view_report_pdf_get(page: Page, Path((ect_id, number)): Path<(String, String)>) -> AppResult<Response> {
    let c = ctx(&page, &ect_id, &number).await?;
    let title = format!("{} {}", c.kind().title(), c.report.number);
    let mut doc = crate::pdf::Document::new(page.site.name(), &title, brand(&page));
    report_into_pdf(&page, &c, &mut doc, true).await?;
    Ok(pdf_response(&format!("report-{}.pdf", c.report.number), doc.render()))
}

/// Every report with a form at a school, in one PDF (issue 6: "print a whole school's reports in
/// one download").
pub async fn view_school_reports_pdf_get(page: Page, Path(school_id): Path<String>) -> AppResult<Response> {
    let user = page.user()?.clone();
    let tenant = page.tenant()?;
    let school: SchoolId = school_id.parse().map_err(|_| AppError::NotFound)?;
    let school = user.scope(page.state.store()).school(school).await?.ok_or(AppError::NotFound)?;
    let title = format!("Reports: {}", school.name);
    let mut doc = crate::pdf::Document::new(page.site.name(), &title, brand(&page));
    let mut n = 0;
    for f in page.state.store().list_forms(tenant).await? {
        let Ok(c) = rf::load(&page.state, &user, UserId(f.ect_user_id), f.number).await else { continue };
        if c.school != Some(SchoolId(school.id)) {
            continue;
        }
        report_into_pdf(&page, &c, &mut doc, false).await?;
        n += 1;
    }
    if n == 0 {
        doc.paragraph("No reports have been started at this school yet.");
    }
    Ok(pdf_response("school-reports.pdf", doc.render()))
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
        brand(&page),
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
                k.days_per_week_halves as f64 / 2.0,
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
                p.absence_half_days as f64 / 2.0
            ),
        );
    }
    Ok(pdf_response("registration-details.pdf", doc.render()))
}

// ---- Alerts (seed 003 "ECT Alerts") ---------------------------------------------------------

/// Alerts the user may see: the AB all of them; school staff their schools'.
async fn visible_alerts(page: &Page) -> AppResult<Vec<crate::store::report_forms::AlertRow>> {
    Ok(page.user()?.scope(page.state.store()).alerts().await?)
}

pub async fn view_alerts_get(page: Page) -> AppResult<Response> {
    let alerts: Vec<Value> = visible_alerts(&page)
        .await?
        .into_iter()
        .map(|a| {
            context! {
                id => a.id.to_string(), name => a.ect_name, status => a.status.title(),
                message => a.message, raised => crate::mail::messages::uk_time(a.created_at),
            }
        })
        .collect();
    let can_raise = page.user()?.role.allows(Permission::RaiseAlerts);
    Ok(page.render("alerts.html", context! { alerts, can_raise })?.into_response())
}

async fn alert_ects(page: &Page) -> AppResult<Vec<(String, String, Uuid)>> {
    let user = page.user()?.clone();
    let tenant = page.tenant()?;
    let store = page.state.store();
    let today = crate::clock_today(&page.state);
    let own: Vec<Uuid> = user.scope(store).schools().await?.iter().map(|s| s.id).collect();
    let contracts = store.list_contract_schools(tenant).await?;
    let mut out = vec![];
    for e in store.list_ects(tenant).await? {
        let Some(ind) = e.induction_id else { continue };
        if let Some(c) =
            contracts.iter().find(|c| c.induction_id == ind && own.contains(&c.school_id) && c.is_current_on(today))
        {
            out.push((e.user_id.to_string(), e.display_name, c.school_id));
        }
    }
    Ok(out)
}

async fn render_new_alert(page: &Page, f: &Fields, errors: Errors, status: StatusCode) -> AppResult<Response> {
    let ects = alert_ects(page).await?;
    let body = page.render(
        "alert_new.html",
        context! {
            ects => ects.iter().map(|(id, name, _)| (id.clone(), name.clone())).collect::<Vec<_>>(),
            typed => f.typed(),
            errors => errors.0,
        },
    )?;
    Ok((status, body).into_response())
}

pub async fn view_alert_new_get(
    page: Page,
    axum::extract::Query(q): axum::extract::Query<BTreeMap<String, String>>,
) -> AppResult<Response> {
    let pre = q.get("ect").map(|e| vec![("ect".to_owned(), e.clone())]).unwrap_or_default();
    render_new_alert(&page, &Fields(pre), Errors::default(), StatusCode::OK).await
}

pub async fn view_alert_new_post(
    page: Page,
    meta: RequestMeta,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let f = Fields(pairs);
    let mut e = Errors::default();
    let ects = alert_ects(&page).await?;
    let chosen = ects.iter().find(|(id, _, _)| id == f.get("ect"));
    if chosen.is_none() {
        e.add("ect", "Choose the ECT the alert is about");
    }
    let message = e.take("message", validate::text(f.get("message"), "the reason", 2000));
    let (Some((ect, _, school)), Some(message)) = (chosen, message) else {
        return render_new_alert(&page, &f, e, StatusCode::BAD_REQUEST).await;
    };
    let tenant = page.tenant()?;
    let ect: Uuid = ect.parse().map_err(|_| AppError::NotFound)?;
    let a = page.actor(&meta)?;
    let id = rf::raise_alert(&page.state, tenant, SchoolId(*school), UserId(ect), &message, &a).await?;
    Ok(Redirect::to(&format!("/alerts/{id}")).into_response())
}

async fn visible_alert(page: &Page, id: &str) -> AppResult<crate::store::report_forms::AlertRow> {
    let id: Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    page.user()?.scope(page.state.store()).alert(id).await?.ok_or(AppError::NotFound)
}

pub async fn view_alert_get(page: Page, Path(alert_id): Path<String>) -> AppResult<Response> {
    let a = visible_alert(&page, &alert_id).await?;
    let can_update = page.user()?.role == Role::AbAdmin;
    Ok(page
        .render(
            "alert.html",
            context! {
                id => a.id.to_string(), name => a.ect_name, ect_id => a.ect_user_id.to_string(), status => a.status.as_str(),
                status_title => a.status.title(), message => a.message, raised_by => a.raised_by_name,
                raised => crate::mail::messages::uk_time(a.created_at), updated => crate::mail::messages::uk_time(a.updated_at),
                statuses => AlertStatus::ALL.iter().map(|s| (s.as_str(), s.title())).collect::<Vec<_>>(), can_update,
            },
        )?
        .into_response())
}

pub async fn view_alert_status_post(
    page: Page,
    meta: RequestMeta,
    Path(alert_id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let a = visible_alert(&page, &alert_id).await?;
    let f = Fields(pairs);
    let status = AlertStatus::parse(f.get("status")).ok_or(AppError::BadRequest("unknown status"))?;
    rf::set_alert_status(&page.state, page.tenant()?, a.id, status, &page.actor(&meta)?).await?;
    Ok(Redirect::to(&format!("/alerts/{}", a.id)).into_response())
}
