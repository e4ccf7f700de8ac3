//! Report pages (seed 003): the tutor's contract page and form with autosave, the read-only
//! preview, "Have you finished?" and "What happens now?", the ECT's confirmation and comments,
//! reading and signing (one or many), the AB's review, support plans, PDFs, and alerts.

use crate::web::{Access, RouteTable, Sites};
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

use crate::auth::session::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::ServiceError;
use crate::services::forms::QuestionView;
use crate::services::report_forms::{self as rf, FormError, ReportCtx, ReportRole, Side};
use crate::web::ects::contract_title;
use crate::web::form::{Errors, Fields, uk_date as fmt_date};
use crate::web::form::{Ids, parse_id};
use crate::web::page::Page;
use crate::web::step_up::{STEP_UP_AFTER, step_up};

async fn ctx(page: &Page, ect: UserId, number: i32) -> AppResult<ReportCtx> {
    Ok(rf::load(&page.state, page.user()?, ect, number).await?)
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
        // The AB's comments matter while the tutor works on a returned report.
        show_ab_comment => status == FormStatus::Draft && c.form.as_ref().is_some_and(|f| f.ab_comment.is_some()),
        is_draft => status == FormStatus::Draft,
        version => c.form.as_ref().map(|f| f.version).unwrap_or(1),
    }
}

async fn ect_name(page: &Page, c: &ReportCtx) -> AppResult<String> {
    Ok(page
        .state
        .store()
        .get_user_in(page.tenant()?, UserId(c.induction.ect_user_id))
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default())
}

fn form_error_response(e: FormError) -> AppResult<(StatusCode, String)> {
    match e {
        FormError::Flow(p) => Ok((StatusCode::CONFLICT, p.to_string())),
        FormError::NotYours => Err(AppError::Forbidden),
        FormError::Changed => Ok((StatusCode::CONFLICT, FormError::Changed.to_string())),
        FormError::TooEarly(d) => Ok((StatusCode::CONFLICT, FormError::TooEarly(d).to_string())),
        FormError::Missing(m) => Ok((StatusCode::BAD_REQUEST, format!("Complete: {}", m.join(", ")))),
        other @ (FormError::Store(_) | FormError::Failed(_)) => Err(other.into()),
    }
}

/// One answer as the read page and the PDF show it.
#[derive(serde::Serialize)]
pub(super) struct Shown {
    pub key: String,
    pub label: String,
    pub value: Option<String>,
}

/// A signature as the read page and the PDF show it.
#[derive(serde::Serialize)]
pub(super) struct SignatureShown {
    pub signer: &'static str,
    pub name: String,
    pub at: String,
    /// The first 16 hex digits of the SHA-256 of what was signed.
    pub hash: String,
    pub version: i32,
    pub cleared: bool,
}

/// What a report says, worded once for the read page and the PDF (so the two cannot drift).
#[derive(serde::Serialize)]
pub(super) struct ReportView {
    /// The AB reads a report once the school has sent it.
    pub visible: bool,
    pub days_served: Option<String>,
    pub days_absent: Option<String>,
    pub remaining: Option<String>,
    pub recommendation: Option<String>,
    pub standards: Vec<Shown>,
    pub development: Option<String>,
    pub support_plan: Option<String>,
    pub tutor_extra: Vec<Shown>,
    pub confirmed: bool,
    pub ect_extra: Vec<Shown>,
    pub comments: Vec<Shown>,
    pub signatures: Vec<SignatureShown>,
    pub ab_comment: Option<String>,
}

pub(super) async fn report_view(page: &Page, c: &ReportCtx) -> AppResult<ReportView> {
    let visible = c.content_visible();
    let a = |k: &str| if visible { c.answer(k).filter(|v| !v.is_empty()) } else { None };
    let shown = |list: &[(&str, &str)]| -> Vec<Shown> {
        list.iter().map(|(k, l)| Shown { key: k.to_string(), label: l.to_string(), value: a(k) }).collect()
    };
    let extra = |qs: Vec<QuestionView>| -> Vec<Shown> {
        qs.iter()
            .map(|q| Shown {
                key: q.field.clone(),
                label: q.label.clone(),
                value: Some(display(q)).filter(|v| visible && !v.is_empty()),
            })
            .collect()
    };
    let remaining = match a("contract.remaining").as_deref() {
        Some("yes") => Some(format!(
            "Yes: {} days a week, {}",
            a("contract.next_days_per_week").unwrap_or_default(),
            contract_title(&a("contract.next_contract_type").unwrap_or_default())
        )),
        Some("no") => Some(format!(
            "No: leaving on {} ({})",
            a("contract.leaving_date").unwrap_or_default(),
            a("contract.leaving_reason").unwrap_or_default()
        )),
        _ => None,
    };
    let recommendation = a("tutor.recommendation").and_then(|v| {
        report_flow::recommendation_options(c.kind()).iter().find(|(k, _)| *k == v).map(|(_, l)| l.to_string())
    });
    let support_plan = a("tutor.support_plan").map(|v| match v.as_str() {
        "yes" => "Yes".to_owned(),
        "no" => "No".to_owned(),
        other => other.to_owned(),
    });
    let (tutor_extra, _) = extra_views(page, c, "tutor").await?;
    let (ect_extra, _) = extra_views(page, c, "ect").await?;
    let signatures = page.state.store().signatures(c.tenant, c.induction.id, c.report.number).await?;
    Ok(ReportView {
        visible,
        days_served: a("contract.days_served"),
        days_absent: a("contract.days_absent"),
        remaining,
        recommendation,
        standards: shown(&STANDARDS),
        development: a("tutor.development"),
        support_plan,
        tutor_extra: extra(tutor_extra),
        confirmed: a("ect.confirmed").as_deref() == Some("yes"),
        ect_extra: extra(ect_extra),
        comments: shown(&ECT_COMMENTS),
        signatures: signatures
            .iter()
            .map(|s| SignatureShown {
                signer: Signer::parse(&s.signer).map_or("Signature", |x| x.title()),
                name: s.signer_name.clone(),
                at: crate::mail::messages::uk_time(s.signed_at),
                hash: s.content_hash.chars().take(16).collect(),
                version: s.version,
                cleared: s.cleared_at.is_some(),
            })
            .collect(),
        ab_comment: c.form.as_ref().and_then(|f| f.ab_comment.clone()),
    })
}

/// Saves one side's answers from a form post: what the service saved, or the page's error
/// (next to the form) with its status.
async fn save_side(
    page: &Page,
    meta: &RequestMeta,
    c: &ReportCtx,
    side: Side,
    f: &Fields,
) -> AppResult<Result<rf::Saved, (StatusCode, Errors)>> {
    match rf::save(&page.state, c, side, &collect_answers(f, side), &page.actor(meta)?).await {
        Ok(saved) => Ok(Ok(saved)),
        Err(err) => {
            let (status, message) = form_error_response(err)?;
            Ok(Err((status, Errors::one("form", message))))
        }
    }
}

mod alerts;
mod comment;
mod contract;
mod finish;
mod form;
mod lists;
mod pdf;
mod read_sign;
mod signatures;

pub use alerts::*;
pub use comment::*;
pub use contract::*;
pub use finish::*;
pub use form::*;
pub use lists::*;
pub use pdf::*;
pub use read_sign::*;
pub use signatures::*;

/// This feature's routes, each declaring who may use it and on which site (docs/security.md T1).
pub(super) fn routes(t: RouteTable) -> RouteTable {
    use Access::*;
    use Permission::*;
    t.get("/reports", Sites::Ab, Signed(ListAbReports), view_ab_reports_get)
        .get("/ects/{ect_id}/reports/{number}", Sites::Ab, Signed(ReadReports), view_report_get)
        .get("/ects/{ect_id}/reports/{number}/fill", Sites::Ab, Signed(FillReports), view_report_fill_get)
        .post("/ects/{ect_id}/reports/{number}/fill", Sites::Ab, Signed(FillReports), view_report_fill_post)
        .get("/ects/{ect_id}/reports/{number}/form", Sites::Ab, Signed(FillReports), view_report_form_get)
        .post("/ects/{ect_id}/reports/{number}/form", Sites::Ab, Signed(FillReports), view_report_form_post)
        .post("/ects/{ect_id}/reports/{number}/autosave", Sites::Ab, Signed(DraftReports), view_report_autosave_post)
        .post(
            "/ects/{ect_id}/reports/{number}/support-plan",
            Sites::Ab,
            Signed(FillReports),
            view_report_support_plan_post,
        )
        .get("/ects/{ect_id}/reports/{number}/files/{file_id}", Sites::Ab, Signed(ReadReports), view_report_file_get)
        .get("/ects/{ect_id}/reports/{number}/preview", Sites::Ab, Signed(ReadReports), view_report_preview_get)
        .get("/ects/{ect_id}/reports/{number}/finish", Sites::Ab, Signed(FillReports), view_report_finish_get)
        .post("/ects/{ect_id}/reports/{number}/finish", Sites::Ab, Signed(FillReports), view_report_finish_post)
        .post(
            "/ects/{ect_id}/reports/{number}/send-login/{who}",
            Sites::Ab,
            Signed(FillReports),
            view_report_send_login_post,
        )
        .get("/ects/{ect_id}/reports/{number}/comment", Sites::Ab, Signed(CommentOnReports), view_report_comment_get)
        .post("/ects/{ect_id}/reports/{number}/comment", Sites::Ab, Signed(CommentOnReports), view_report_comment_post)
        .post("/ects/{ect_id}/reports/{number}/sign", Sites::Ab, Signed(SignReports), view_report_sign_post)
        .post("/ects/{ect_id}/reports/{number}/decision", Sites::Ab, Signed(ReviewReports), view_report_decision_post)
        .get("/ects/{ect_id}/reports/{number}/pdf", Sites::Ab, Signed(ReadReports), view_report_pdf_get)
        .get("/schools/{school_id}/reports.pdf", Sites::Ab, Signed(PrintSchoolReports), view_school_reports_pdf_get)
        .get("/signatures", Sites::Ab, Signed(SignReports), view_signatures_get)
        .post("/signatures", Sites::Ab, Signed(SignReports), view_signatures_post)
        .get("/reports/review", Sites::Ab, Signed(ReviewReports), view_review_get)
        .get("/alerts", Sites::Ab, Signed(ViewAlerts), view_alerts_get)
        .get("/alerts/new", Sites::Ab, Signed(RaiseAlerts), view_alert_new_get)
        .post("/alerts/new", Sites::Ab, Signed(RaiseAlerts), view_alert_new_post)
        .get("/alerts/{alert_id}", Sites::Ab, Signed(ViewAlerts), view_alert_get)
        .post("/alerts/{alert_id}/status", Sites::Ab, Signed(ReviewReports), view_alert_status_post)
}
