//! The report workflow (seed 003; docs/induction-rules.md 2.7): saving answers (drafts save as people type and
//! are never lost), making the report available to the ECT, signatures in order with a hash of
//! the exact content signed (docs/security.md D1), submission to the AB and its decision.
//!
//! Every change is one transaction that first takes the form's row, so two people acting on the
//! same report at once are applied one after the other against the status the first left.

use chrono::{DateTime, NaiveDate, Utc};
use induct_domain::alerts::AlertStatus;
use induct_domain::calendar::{BankHolidays, DateRange};
use induct_domain::induction::HalfDays;
use induct_domain::notices::NoticeKind;
use induct_domain::report_flow::{self, FlowAction, FlowProblem, FormStatus, Signer, SigningPolicy};
use induct_domain::timeline::{PlannedReport, ReportKind};
use induct_domain::{Role, SchoolId, TenantId, UserId};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use uuid::Uuid;

use crate::services::ServiceError;
use crate::services::induction::Engine;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::audit::{AuditEventKind, NewAuditEvent};
use crate::store::induction::{InductionRow, ReportRow};
use crate::store::report_forms::{FileMeta, FormRow, NewSignature, SignatureReach};

/// The most a single answer may hold (a long evidence paragraph is a few thousand characters).
pub const MAX_ANSWER_CHARS: usize = 20_000;

/// A support plan upload's limit and the kinds accepted.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// How someone relates to a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportRole {
    /// The ECT it is about.
    Ect,
    /// An induction tutor or lead at a school employing the ECT now (docs/induction-rules.md 2.1: leads
    /// complete assessments too).
    Tutor,
    /// The head teacher of such a school.
    Head,
    /// The AB.
    Ab,
}

/// Everything about one report that pages and actions need.
pub struct ReportCtx {
    pub tenant: TenantId,
    pub induction: InductionRow,
    pub report: ReportRow,
    pub planned: PlannedReport,
    pub form: Option<FormRow>,
    pub answers: BTreeMap<String, String>,
    pub role: ReportRole,
    /// The school the user acts for (staff), or the ECT's latest school (ECT, AB).
    pub school: Option<SchoolId>,
    pub policy: SigningPolicy,
    pub engine: Engine,
}

impl ReportCtx {
    pub fn status(&self) -> FormStatus {
        self.form.as_ref().map_or(FormStatus::Draft, |f| f.status)
    }

    pub fn kind(&self) -> ReportKind {
        self.planned.kind
    }

    pub fn answer(&self, key: &str) -> Option<String> {
        self.answers.get(key).cloned()
    }

    /// The day days served and absence can be entered (seed 003: "cannot be updated until this
    /// report becomes due on ...").
    pub fn becomes_due(&self) -> Option<NaiveDate> {
        self.planned.becomes_due(&self.engine.calendar, BankHolidays::england_and_wales(), self.engine.due.window)
    }

    /// Refuses a page of another side of the report (the tutor's form for the ECT, ...).
    pub fn must_be(&self, role: ReportRole) -> Result<(), FormError> {
        if self.role == role { Ok(()) } else { Err(FormError::NotYours) }
    }

    /// The report's answers show to the school's people and the ECT always, and to the AB once
    /// the school has sent it.
    pub fn content_visible(&self) -> bool {
        self.role != ReportRole::Ab || self.status().with_ab()
    }

    /// The tutor may still change their side.
    pub fn can_fill(&self) -> bool {
        self.role == ReportRole::Tutor && self.status().after_tutor_edit().is_ok()
    }

    /// The ECT may still add or change their comments.
    pub fn can_comment(&self) -> bool {
        self.role == ReportRole::Ect && self.status().after_ect_edit().is_ok()
    }

    /// The AB may accept or return it now.
    pub fn can_decide(&self) -> bool {
        self.role == ReportRole::Ab && self.status() == FormStatus::Submitted
    }

    /// The engine's figures for the report's period: days served (seed 003, "including
    /// absences") and days of absence recorded in it.
    pub fn engine_days(&self) -> (HalfDays, HalfDays) {
        let bh = BankHolidays::england_and_wales();
        let period = self.planned.period;
        let served = induct_domain::timeline::days_served(&self.engine.calendar, bh, &self.engine.contracts, period);
        let absent = self.engine.absences.iter().filter(|a| period.contains(a.date)).map(|a| a.days.0).sum();
        (served, HalfDays(absent))
    }

    /// The first day the tutor may make the report available: once it is due, and not before
    /// an absence extension's end (seed 003 "Can't Submit Assessment Yet").
    pub fn release_from(&self) -> NaiveDate {
        let due = self.becomes_due().unwrap_or(self.planned.period.start);
        self.planned.submittable_from().map_or(due, |s| s.max(due))
    }
}

/// Loads a report for a user, or "not found" if they may not see it (docs/security.md T3).
pub async fn load(
    state: &AppState,
    user: &crate::auth::session::CurrentUser,
    ect: UserId,
    number: i32,
) -> Result<ReportCtx, ServiceError> {
    let tenant = user.tenant.ok_or(ServiceError::NotFound)?;
    let store = state.store();
    let today = crate::clock_today(state);
    // Who the user is on this report follows from their role; whether they reach it at all
    // (and for school staff, through which school) from their scope (docs/security.md T3).
    let role = match user.role {
        Role::Ect => ReportRole::Ect,
        Role::AbAdmin => ReportRole::Ab,
        Role::InductionTutor | Role::InductionLead => ReportRole::Tutor,
        Role::HeadTeacher => ReportRole::Head,
        Role::SchoolAdmin | Role::PlatformOperator => return Err(ServiceError::NotFound),
    };
    let reached = user.scope(store).induction(ect, today).await?.ok_or(ServiceError::NotFound)?;
    let (induction, school) = (reached.induction, reached.school);
    let report = store
        .db()
        .list_reports(tenant, induction.id)
        .await?
        .into_iter()
        .find(|r| r.number == number)
        .ok_or(ServiceError::NotFound)?;
    let planned = crate::services::induction::planned_report(
        report.number,
        &report.kind,
        report.period_start,
        report.period_end,
        report.due_date,
        report.absence_extension,
    )
    .ok_or_else(|| ServiceError::Internal("stored report kind".into()))?;
    let form = store.get_form(tenant, induction.id, number).await?;
    let answers = store.form_answers(tenant, induction.id, number).await?.into_iter().collect();
    let policy = signing_policy(state, tenant).await?;
    let engine = Engine::load(state.store().db(), tenant, induction.clone()).await?;
    Ok(ReportCtx { tenant, induction, report, planned, form, answers, role, school, policy, engine })
}

/// The AB's signing order setting (does the head sign progress reviews too?).
pub async fn signing_policy(state: &AppState, tenant: TenantId) -> Result<SigningPolicy, StoreError> {
    let settings = state.store().db().ab_settings(tenant).await?;
    Ok(SigningPolicy { head_signs_progress_reviews: settings.is_some_and(|s| s.head_signs_progress_reviews) })
}

#[derive(Debug, thiserror::Error)]
pub enum FormError {
    #[error(transparent)]
    Flow(#[from] FlowProblem),
    /// Fields still to complete, by name.
    #[error("Some answers are missing")]
    Missing(Vec<String>),
    #[error("This report cannot be made available until {}", .0.format("%d/%m/%Y"))]
    TooEarly(NaiveDate),
    #[error("You cannot change this part of the report")]
    NotYours,
    #[error("The report has changed since you opened it: read it again before signing")]
    Changed,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Failed(#[from] ServiceError),
}

/// Which side of the form an edit is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Tutor,
    Ect,
}

/// The fields each side may write: the tutor's contract page and form (and the AB plugin's
/// questions on it), the ECT's confirmation and comments (and the plugin's questions on those).
pub fn side_of(field: &str) -> Option<Side> {
    let allowed = |f: &str| f.len() <= 80 && f.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if !allowed(field) {
        return None;
    }
    if field.starts_with("contract.") || field.starts_with("tutor.") || field.starts_with("extra.tutor.") {
        Some(Side::Tutor)
    } else if field.starts_with("ect.") || field.starts_with("extra.ect.") {
        Some(Side::Ect)
    } else {
        None
    }
}

/// Answers as stored: newlines kept, other control characters removed, length capped.
pub fn clean(value: &str) -> String {
    let v: String = value.chars().filter(|c| !c.is_control() || *c == '\n' || *c == '\t').collect();
    let v = v.replace("\r\n", "\n");
    v.chars().take(MAX_ANSWER_CHARS).collect()
}

/// Who acts: the same record as for account changes.
pub use crate::services::accounts::Actor;

async fn audit(
    state: &AppState,
    tx: &mut crate::store::Tx,
    ctx: &ReportCtx,
    kind: AuditEventKind,
    actor: &Actor<'_>,
    detail: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let subject = format!("{}/{}", ctx.induction.id, ctx.report.number);
    state
        .store()
        .record_audit(
            tx,
            &NewAuditEvent {
                tenant: Some(ctx.tenant),
                kind,
                actor: Some(actor.user),
                subject: Some(&subject),
                ip: actor.ip,
                user_agent: actor.user_agent,
                factor: None,
                detail,
            },
            now,
        )
        .await?;
    Ok(())
}

/// What a save did.
#[derive(Debug, Default, Serialize)]
pub struct Saved {
    pub changed: usize,
    /// Signatures were cleared: the report needs signing again.
    pub signatures_cleared: bool,
    pub status: &'static str,
    /// The form's version after the save (the page keeps its drafts against it).
    pub version: i32,
    pub saved_at: String,
}

/// Saves answers from one side. Only the fields of that side are taken; an edit after a
/// signature makes a new version and clears the signatures (docs/induction-rules.md 2.7).
pub async fn save(
    state: &AppState,
    ctx: &ReportCtx,
    side: Side,
    fields: &[(String, String)],
    actor: &Actor<'_>,
) -> Result<Saved, FormError> {
    let now = state.clock().now();
    let mut tx = state.store().begin().await?;
    let saved = save_in(state, &mut tx, ctx, side, fields, actor, now).await?;
    tx.commit().await?;
    Ok(saved)
}

/// The ECT is leaving this school, as the tutor says on the report's contract page (seed 003).
pub struct Leaving {
    pub date: NaiveDate,
    pub reason: String,
}

/// The tutor's contract page: its answers and, when the ECT is leaving, the leaver notice to the
/// AB with the contract's end and the plan recomputed (the report becomes an interim assessment),
/// all in one transaction. A leaver notice the school has already sent is not sent twice.
pub async fn save_contract_page(
    state: &AppState,
    ctx: &ReportCtx,
    fields: &[(String, String)],
    leaving: Option<&Leaving>,
    actor: &Actor<'_>,
) -> Result<Saved, FormError> {
    let store = state.store();
    let now = state.clock().now();
    let mut tx = store.begin().await?;
    let saved = save_in(state, &mut tx, ctx, Side::Tutor, fields, actor, now).await?;
    if let (Some(l), Some(school)) = (leaving, ctx.school)
        && !tx.db().open_leaver_notice(ctx.tenant, ctx.induction.id, school).await?
    {
        let leaver = crate::services::ects::Leaver {
            leaving_date: l.date,
            reason: &l.reason,
            moving: "unknown",
            new_school: "",
            new_school_address: "",
            new_ab: "",
        };
        let ect = UserId(ctx.induction.ect_user_id);
        crate::services::ects::record_leaver_in(
            store,
            &mut tx,
            ctx.tenant,
            ctx.induction.id,
            ect,
            school,
            &leaver,
            actor,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(saved)
}

async fn save_in(
    state: &AppState,
    tx: &mut crate::store::Tx,
    ctx: &ReportCtx,
    side: Side,
    fields: &[(String, String)],
    actor: &Actor<'_>,
    now: DateTime<Utc>,
) -> Result<Saved, FormError> {
    let ok_role = match side {
        Side::Tutor => ctx.role == ReportRole::Tutor,
        Side::Ect => ctx.role == ReportRole::Ect,
    };
    if !ok_role {
        return Err(FormError::NotYours);
    }
    let store = state.store();
    let mut form =
        store.lock_form(tx, ctx.tenant, ctx.induction.id, ctx.report.number, ctx.kind().as_str(), now).await?;
    let status = form.status;
    let (after, clears) = match side {
        Side::Tutor => status.after_tutor_edit()?,
        Side::Ect => status.after_ect_edit()?,
    };
    let mut changed = 0;
    for (field, value) in fields {
        if side_of(field) != Some(side) {
            continue;
        }
        if store
            .save_answer(tx, ctx.tenant, ctx.induction.id, ctx.report.number, field, &clean(value), actor.user, now)
            .await?
        {
            changed += 1;
        }
    }
    let mut cleared = false;
    if changed > 0 {
        // Once others can read it, every change is a new version (a signer signs one version).
        if status != FormStatus::Draft {
            form.version += 1;
        }
        if clears {
            cleared = store.clear_signatures(tx, ctx.tenant, ctx.induction.id, ctx.report.number, now).await? > 0;
            form.status = after;
            audit(state, tx, ctx, AuditEventKind::ReportSignaturesCleared, actor, Some(&form.version.to_string()), now)
                .await?;
        }
        form.updated_at = now;
        store.save_form(tx, ctx.tenant, &form).await?;
    }
    let status = form.status;
    Ok(Saved {
        changed,
        signatures_cleared: cleared,
        status: status.as_str(),
        version: form.version,
        saved_at: crate::mail::messages::uk_time(now),
    })
}

/// What a side still has to complete, from the given answers and files: for the tutor, the
/// required answers, the support plan document when one is said to be in place, and the AB's
/// required extra questions; for the ECT, the confirmation, comments and the AB's questions.
pub async fn missing_for(
    state: &AppState,
    ctx: &ReportCtx,
    side: Side,
    answers: &BTreeMap<String, String>,
    files: &[FileMeta],
) -> Result<Vec<String>, ServiceError> {
    let get = |k: &str| answers.get(k).cloned();
    let (mut missing, form_side): (Vec<String>, &str) = match side {
        Side::Tutor => {
            let mut m: Vec<String> =
                report_flow::tutor_missing(ctx.kind(), get).into_iter().map(str::to_owned).collect();
            if answers.get("tutor.support_plan").map(String::as_str) == Some("yes")
                && !files.iter().any(|f| f.purpose == "support_plan")
            {
                m.push("tutor.support_plan_file".into());
            }
            (m, "tutor")
        }
        Side::Ect => (report_flow::ect_missing(get).into_iter().map(str::to_owned).collect(), "ect"),
    };
    let extra = crate::services::forms::extra_questions(state, ctx.tenant, form_context(ctx, form_side)).await?;
    for q in extra.questions.iter().filter(|q| q.required) {
        let key = format!("extra.{form_side}.{}", q.id);
        if answers.get(&key).is_none_or(|v| v.trim().is_empty()) {
            missing.push(key);
        }
    }
    missing.dedup();
    Ok(missing)
}

/// The tutor's fields still to complete before release (for the "Have you finished?" page).
pub async fn tutor_missing(state: &AppState, ctx: &ReportCtx) -> Result<Vec<String>, ServiceError> {
    let files = state.store().files_of(ctx.tenant, ctx.induction.id, ctx.report.number).await?;
    missing_for(state, ctx, Side::Tutor, &ctx.answers, &files).await
}

pub async fn ect_missing(state: &AppState, ctx: &ReportCtx) -> Result<Vec<String>, ServiceError> {
    missing_for(state, ctx, Side::Ect, &ctx.answers, &[]).await
}

/// The plugin form a side fills in (plugins/wit: `progress-review-tutor`, `assessment-tutor`,
/// `ect-comments`).
pub fn form_context(ctx: &ReportCtx, side: &str) -> induct_plugin_host::FormContext {
    let form = match (side, ctx.kind()) {
        ("ect", _) => "ect-comments",
        (_, ReportKind::ProgressReview) => "progress-review-tutor",
        _ => "assessment-tutor",
    };
    induct_plugin_host::FormContext {
        form: form.into(),
        role: if side == "ect" { "ect".into() } else { "induction-tutor".into() },
        induction_type: Some(ctx.induction.induction_type.replace('_', "-")),
    }
}

/// Seed 003 "ECT Available": the tutor has completed their part. The check runs on what is
/// stored once the form is held, so an autosave landing meanwhile cannot slip past it.
pub async fn release(state: &AppState, ctx: &ReportCtx, actor: &Actor<'_>) -> Result<(), FormError> {
    if ctx.role != ReportRole::Tutor {
        return Err(FormError::NotYours);
    }
    let today = crate::clock_today(state);
    if today < ctx.release_from() {
        return Err(FormError::TooEarly(ctx.release_from()));
    }
    let store = state.store();
    let now = state.clock().now();
    let mut tx = store.begin().await?;
    let mut form =
        store.lock_form(&mut tx, ctx.tenant, ctx.induction.id, ctx.report.number, ctx.kind().as_str(), now).await?;
    let status = form.status;
    let next = status.next(FlowAction::Release, ctx.kind(), ctx.policy)?;
    let answers: BTreeMap<String, String> =
        store.form_answers_in(&mut tx, ctx.tenant, ctx.induction.id, ctx.report.number).await?.into_iter().collect();
    let files = store.files_of(ctx.tenant, ctx.induction.id, ctx.report.number).await?;
    let missing = missing_for(state, ctx, Side::Tutor, &answers, &files).await?;
    if !missing.is_empty() {
        return Err(FormError::Missing(missing));
    }
    form.status = next;
    form.released_at = Some(now);
    form.updated_at = now;
    store.save_form(&mut tx, ctx.tenant, &form).await?;
    audit(state, &mut tx, ctx, AuditEventKind::ReportReleased, actor, None, now).await?;
    // Issue 8: the ECT hears the report is ready for their comments.
    let occasion = format!("v{}", form.version);
    notice(state, &mut tx, ctx, NoticeKind::ReadyForComments, &occasion).await?;
    tx.commit().await?;
    state.wake_mailer();
    Ok(())
}

/// The exact content a signature covers: the report's identity, period, version, every answer
/// and every uploaded file (by its SHA-256), as canonical JSON (keys sorted). Its SHA-256 is what
/// the signature records.
pub fn content(ctx: &ReportCtx, version: i32, answers: &BTreeMap<String, String>, files: &[FileMeta]) -> String {
    let which = Which {
        ect: ctx.induction.ect_user_id,
        induction: ctx.induction.id,
        number: ctx.report.number,
        kind: ctx.kind(),
        period: ctx.planned.period,
    };
    content_of(&which, version, answers, files)
}

/// Which report a signature is about.
pub struct Which {
    pub ect: Uuid,
    pub induction: Uuid,
    pub number: i32,
    pub kind: ReportKind,
    pub period: DateRange,
}

fn content_of(w: &Which, version: i32, answers: &BTreeMap<String, String>, files: &[FileMeta]) -> String {
    let files: Vec<_> = files
        .iter()
        .map(|f| serde_json::json!({ "id": f.id, "name": f.filename, "purpose": f.purpose, "sha256": f.sha256 }))
        .collect();
    let doc = serde_json::json!({
        "ect": w.ect,
        "induction": w.induction,
        "number": w.number,
        "kind": w.kind.as_str(),
        "period": [w.period.start, w.period.end],
        "version": version,
        "answers": answers,
        "files": files,
    });
    doc.to_string()
}

/// A report waiting for the user's signature, as the Sign page lists it.
pub struct ToSign {
    pub which: Which,
    pub ect_name: String,
    /// The hash of its content now: a signature given from the list must still match it.
    pub hash: String,
}

/// The reports waiting for this user's signature (seed 003 "Reports that Require Your Digital
/// Signature"): the ECT's own, or those of the ECTs the user's schools employ today, each with
/// the hash of what it holds now. Three reads, however many reports there are.
pub async fn awaiting_signature(
    state: &AppState,
    user: &crate::auth::session::CurrentUser,
) -> Result<Vec<ToSign>, ServiceError> {
    let (Some(tenant), Some(signer)) = (user.tenant, Signer::for_role(user.role)) else { return Ok(vec![]) };
    let reach = SignatureReach {
        user: user.id,
        at_schools: user.role.reach() == induct_domain::roles::Reach::OwnSchools,
        today: crate::clock_today(state),
    };
    let (store, status) = (state.store(), signer.awaited_in());
    let rows = store.awaiting_signature(tenant, status, reach).await?;
    let mut answers: BTreeMap<(Uuid, i32), BTreeMap<String, String>> = BTreeMap::new();
    for (induction, number, field, value) in store.answers_awaiting_signature(tenant, status, reach).await? {
        answers.entry((induction, number)).or_default().insert(field, value);
    }
    let mut files: BTreeMap<(Uuid, i32), Vec<FileMeta>> = BTreeMap::new();
    for (induction, number, file) in store.files_awaiting_signature(tenant, status, reach).await? {
        files.entry((induction, number)).or_default().push(file);
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let key = (r.induction_id, r.number);
            let which = Which {
                ect: r.ect_user_id,
                induction: r.induction_id,
                number: r.number,
                kind: r.kind,
                period: DateRange::new(r.period_start, r.period_end),
            };
            let empty = BTreeMap::new();
            let content =
                content_of(&which, r.version, answers.get(&key).unwrap_or(&empty), files.get(&key).map_or(&[], |f| f));
            ToSign { which, ect_name: r.ect_name, hash: hash(&content) }
        })
        .collect())
}

/// The hash of the report as a page shows it now: a signature given from that page must match
/// it (the signer signs what they read).
pub async fn current_hash(state: &AppState, ctx: &ReportCtx) -> Result<String, ServiceError> {
    let files = state.store().files_of(ctx.tenant, ctx.induction.id, ctx.report.number).await?;
    let version = ctx.form.as_ref().map(|f| f.version).unwrap_or(1);
    Ok(hash(&content(ctx, version, &ctx.answers, &files)))
}

pub fn hash(content: &str) -> String {
    hex::encode(Sha256::digest(content.as_bytes()))
}

/// The signer a user is on this report.
pub fn signer_for(role: ReportRole) -> Option<Signer> {
    match role {
        ReportRole::Ect => Some(Signer::Ect),
        ReportRole::Tutor => Some(Signer::Tutor),
        ReportRole::Head => Some(Signer::Head),
        ReportRole::Ab => None,
    }
}

/// A signature (tick and confirm; the caller has checked the password if due). What is signed
/// is what is stored once the form is held: every required answer must be there (the tutor's
/// side for the tutor and head, the ECT's for the ECT), and when the page's hash is given it must
/// still match, so nobody signs text changed after they read it. The last signature submits the
/// report to the AB.
pub async fn sign(
    state: &AppState,
    ctx: &ReportCtx,
    expected_hash: Option<&str>,
    actor: &Actor<'_>,
) -> Result<FormStatus, FormError> {
    let signer = signer_for(ctx.role).ok_or(FormError::NotYours)?;
    let store = state.store();
    let now = state.clock().now();
    let mut tx = store.begin().await?;
    let mut form =
        store.lock_form(&mut tx, ctx.tenant, ctx.induction.id, ctx.report.number, ctx.kind().as_str(), now).await?;
    let status = form.status;
    let next = status.next(FlowAction::Sign(signer), ctx.kind(), ctx.policy)?;
    let answers: BTreeMap<String, String> =
        store.form_answers_in(&mut tx, ctx.tenant, ctx.induction.id, ctx.report.number).await?.into_iter().collect();
    let files = store.files_of(ctx.tenant, ctx.induction.id, ctx.report.number).await?;
    let side = if signer == Signer::Ect { Side::Ect } else { Side::Tutor };
    let missing = missing_for(state, ctx, side, &answers, &files).await?;
    if !missing.is_empty() {
        return Err(FormError::Missing(missing));
    }
    let signed = content(ctx, form.version, &answers, &files);
    let digest = hash(&signed);
    if expected_hash.is_some_and(|h| h != digest) {
        return Err(FormError::Changed);
    }
    store
        .add_signature(
            &mut tx,
            ctx.tenant,
            &NewSignature {
                induction: ctx.induction.id,
                number: ctx.report.number,
                version: form.version,
                signer: signer.as_str(),
                user: actor.user,
                ip: actor.ip,
                content_hash: &digest,
                content: &signed,
            },
            now,
        )
        .await?;
    form.status = next;
    form.updated_at = now;
    if next == FormStatus::Submitted {
        form.submitted_at = Some(now);
    }
    store.save_form(&mut tx, ctx.tenant, &form).await?;
    audit(state, &mut tx, ctx, AuditEventKind::ReportSigned, actor, Some(signer.as_str()), now).await?;
    if next == FormStatus::Submitted {
        audit(state, &mut tx, ctx, AuditEventKind::ReportSubmitted, actor, None, now).await?;
    }
    // Issue 8: whoever signs next hears of it.
    let next_signer = match next {
        FormStatus::EctSigned => Some(NoticeKind::ReadyForTutorSignature),
        FormStatus::AwaitingHead => Some(NoticeKind::ReadyForHeadSignature),
        _ => None,
    };
    if let Some(kind) = next_signer {
        notice(state, &mut tx, ctx, kind, &format!("v{}", form.version)).await?;
    }
    tx.commit().await?;
    state.wake_mailer();
    Ok(next)
}

/// The AB accepts (locked for ever; the report is complete and the engine plans the next) or
/// returns it with comments (back to the tutor; every signature again).
pub async fn decide(
    state: &AppState,
    ctx: &ReportCtx,
    accept: bool,
    comment: Option<&str>,
    actor: &Actor<'_>,
) -> Result<(), FormError> {
    if ctx.role != ReportRole::Ab {
        return Err(FormError::NotYours);
    }
    let store = state.store();
    let now = state.clock().now();
    let mut tx = store.begin().await?;
    let mut form =
        store.lock_form(&mut tx, ctx.tenant, ctx.induction.id, ctx.report.number, ctx.kind().as_str(), now).await?;
    let status = form.status;
    let action = if accept { FlowAction::Accept } else { FlowAction::Return };
    let next = status.next(action, ctx.kind(), ctx.policy)?;
    form.status = next;
    form.updated_at = now;
    form.decided_by = Some(actor.user.0);
    form.ab_comment = comment.map(str::to_owned);
    if accept {
        form.accepted_at = Some(now);
        if !store.complete_report_number(&mut tx, ctx.tenant, ctx.induction.id, ctx.report.number, now).await? {
            return Err(ServiceError::Internal("the accepted report is not an open report".into()).into());
        }
    } else {
        form.returned_at = Some(now);
        form.released_at = None;
        form.submitted_at = None;
        form.version += 1;
        store.clear_signatures(&mut tx, ctx.tenant, ctx.induction.id, ctx.report.number, now).await?;
    }
    store.save_form(&mut tx, ctx.tenant, &form).await?;
    let kind = if accept { AuditEventKind::ReportAccepted } else { AuditEventKind::ReportReturned };
    audit(state, &mut tx, ctx, kind, actor, None, now).await?;
    // Issue 8: the school (and the ECT, when accepted) hear the AB's decision. A returned report
    // comes back as a new version, so each return is news once.
    let (notice_kind, occasion) = if accept {
        (NoticeKind::Accepted, "accepted".to_owned())
    } else {
        (NoticeKind::Returned, format!("v{}", form.version - 1))
    };
    notice(state, &mut tx, ctx, notice_kind, &occasion).await?;
    if accept {
        // The next report of the plan appears (seed 003: "The next progress review is generated
        // as the last one is completed"), in the same transaction as the acceptance.
        crate::services::induction::recompute(store, &mut tx, ctx.tenant, ctx.induction.id).await?;
    }
    tx.commit().await?;
    state.wake_mailer();
    Ok(())
}

/// News of this report for the people it concerns, told once the transaction commits.
async fn notice(
    state: &AppState,
    tx: &mut crate::store::Tx,
    ctx: &ReportCtx,
    kind: NoticeKind,
    occasion: &str,
) -> Result<(), ServiceError> {
    crate::services::notify::report_event(state, tx, ctx.tenant, ctx.induction.id, ctx.report.number, kind, occasion)
        .await
}

/// A support plan upload: PDF, Word or OpenDocument text, checked by content, not name.
pub fn sniff_document(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"PK\x03\x04") {
        // DOCX and ODT are zip files; the content types below are what we serve them as.
        let head = &bytes[..bytes.len().min(4096)];
        if head.windows(19).any(|w| w == b"[Content_Types].xml") || head.windows(5).any(|w| w == b"word/") {
            Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        } else if head.windows(39).any(|w| w == b"application/vnd.oasis.opendocument.text") {
            Some("application/vnd.oasis.opendocument.text")
        } else {
            None
        }
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Some("application/msword")
    } else {
        None
    }
}

pub async fn upload_support_plan(
    state: &AppState,
    ctx: &ReportCtx,
    filename: &str,
    bytes: &[u8],
    actor: &Actor<'_>,
) -> Result<Uuid, FormError> {
    if ctx.role != ReportRole::Tutor {
        return Err(FormError::NotYours);
    }
    let content_type = sniff_document(bytes).ok_or(FormError::Missing(vec!["tutor.support_plan_file".into()]))?;
    let store = state.store();
    let now = state.clock().now();
    let mut tx = store.begin().await?;
    let mut form =
        store.lock_form(&mut tx, ctx.tenant, ctx.induction.id, ctx.report.number, ctx.kind().as_str(), now).await?;
    let status = form.status;
    let (after, clears) = status.after_tutor_edit()?;
    // A new document is a change to the report like any edit (signatures cover files too).
    if status != FormStatus::Draft {
        form.version += 1;
    }
    if clears {
        store.clear_signatures(&mut tx, ctx.tenant, ctx.induction.id, ctx.report.number, now).await?;
        form.status = after;
    }
    form.updated_at = now;
    store.save_form(&mut tx, ctx.tenant, &form).await?;
    let name: String = filename
        .chars()
        .filter(|c| c.is_alphanumeric() || " ._-()".contains(*c))
        .take(120)
        .collect::<String>()
        .trim()
        .to_owned();
    let name = if name.is_empty() { "support-plan".to_owned() } else { name };
    let id = store
        .add_file(
            &mut tx,
            ctx.tenant,
            ctx.induction.id,
            ctx.report.number,
            "support_plan",
            &name,
            content_type,
            bytes,
            actor.user,
            now,
        )
        .await?;
    audit(state, &mut tx, ctx, AuditEventKind::ReportFileUploaded, actor, None, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Seed 003 "ECT Alerts": a school raises a concern with the AB.
pub async fn raise_alert(
    state: &AppState,
    tenant: TenantId,
    school: SchoolId,
    ect: UserId,
    message: &str,
    actor: &Actor<'_>,
) -> Result<Uuid, ServiceError> {
    let store = state.store();
    let now = state.clock().now();
    let mut tx = store.begin().await?;
    let id = store.create_alert(&mut tx, tenant, school, ect, actor.user, message, now).await?;
    let subject = id.to_string();
    let event = NewAuditEvent::by(tenant, AuditEventKind::AlertRaised, actor, Some(&subject), None);
    store.record_audit(&mut tx, &event, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// The AB moves an alert along (new, acknowledged, closed), audited with the new status.
pub async fn set_alert_status(
    state: &AppState,
    tenant: TenantId,
    alert: Uuid,
    status: AlertStatus,
    actor: &Actor<'_>,
) -> Result<bool, StoreError> {
    let store = state.store();
    let now = state.clock().now();
    let mut tx = store.begin().await?;
    if !store.set_alert_status(&mut tx, tenant, alert, status, now).await? {
        return Ok(false);
    }
    let subject = alert.to_string();
    let event =
        NewAuditEvent::by(tenant, AuditEventKind::AlertStatusChanged, actor, Some(&subject), Some(status.as_str()));
    store.record_audit(&mut tx, &event, now).await?;
    tx.commit().await?;
    Ok(true)
}
