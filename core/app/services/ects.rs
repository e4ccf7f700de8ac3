//! ECTs joining the AB and moving between its schools: registration (seed 001 step 5), the head
//! teacher's signature, the AB's check and decision (docs/induction-rules.md 1.5, 2.8, 2.10), transfers (seed
//! 002), tutors and mentors, leavers (seed 003), and the ECT's own details (seed 000).
//!
//! Every change is one transaction with its audit event; the audit names what changed and whom
//! it concerns, never the values of a date of birth or TRN.

use chrono::{DateTime, NaiveDate, Utc};
use induct_domain::induction::{Fraction, InductionType};
use induct_domain::notices::NoticeKind;
use induct_domain::registration::{
    RegistrationAction, RegistrationKind, RejectionReason, TrainingProgramme, TransitionProblem,
};
use induct_domain::{Role, SchoolId, TenantId, UserId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::services::ServiceError;
use crate::services::accounts::{Actor, create_account, queue_link};
use crate::state::AppState;
use crate::store::audit::{AuditEventKind, NewAuditEvent};
use crate::store::ects::{NewLeaver, NewRegistration, ProfileRow, RegistrationRow};
use crate::store::{OnConstraint, StoreError, Tx, Unique};
use crate::tenancy::Site;

/// A previous school outside the AB (seed 000 "Previous Schools": name, address, AB, start date,
/// FTE completed, days of absence).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PreviousSchool {
    pub name: String,
    pub address: String,
    pub appropriate_body: String,
    pub start_date: NaiveDate,
    /// Exact fraction, as the engine stores FTE terms.
    pub fte_terms: String,
    pub absence_half_days: u32,
}

/// A mentor for the ECT: one already recorded at the school, or a new one (seed 002: name,
/// email and the term they start).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum MentorChoice {
    Existing { id: Uuid, name: String },
    New { name: String, email: String, start_term: String },
}

/// What the school submits and the head teacher signs. Stored as JSON; the signature's hash is
/// taken over exactly these bytes.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct EctDetails {
    pub first_names: String,
    pub last_name: String,
    pub trn: String,
    pub date_of_birth: NaiveDate,
    pub email: String,
    pub home_address: String,
    pub itt_provider: String,
    pub qts_date: Option<NaiveDate>,
    pub subjects: String,
    pub age_range: String,
    pub training_programme: TrainingProgramme,
    /// `two_year` or `legacy_one_year`.
    pub induction_type: String,
    pub contract_type: String,
    pub days_per_week_halves: u32,
    pub contract_start: NaiveDate,
    pub induction_start: NaiveDate,
    pub previous_schools: Vec<PreviousSchool>,
    pub tutor: Option<Uuid>,
    pub tutor_name: Option<String>,
    pub mentor: Option<MentorChoice>,
    /// The keys of `registration::SUITABLE_POST` confirmed.
    pub suitable_post: Vec<String>,
    /// Transfers: the ECT leaves their other schools, whose contracts end the day before the new
    /// one starts. Otherwise they work at both (seed 000: "ECTs can be at more than one school").
    pub leaves_other_schools: bool,
}

impl EctDetails {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_names, self.last_name)
    }
}

/// The hash the head teacher's signature records: SHA-256 over the registration's id, school,
/// kind and the exact details JSON. Recomputed on every view, so a change after signing shows.
pub fn signature_hash(row: &RegistrationRow) -> String {
    let mut h = Sha256::new();
    h.update(row.id.as_bytes());
    h.update(row.school_id.as_bytes());
    h.update(row.kind.as_str().as_bytes());
    h.update([0]);
    h.update(row.details.as_bytes());
    hex::encode(h.finalize())
}

pub fn details_of(row: &RegistrationRow) -> Result<EctDetails, ServiceError> {
    serde_json::from_str(&row.details).map_err(|e| ServiceError::Internal(format!("registration details: {e}")))
}

#[derive(Debug, thiserror::Error)]
pub enum RegisterEctError {
    /// docs/induction-rules.md 2.10: same TRN in the same AB is refused, pointing to the existing record.
    #[error("An ECT with this TRN is already registered with this appropriate body")]
    DuplicateEct { user: Uuid, name: String },
    #[error("A registration for this TRN is already in progress")]
    DuplicateRegistration { registration: Uuid, name: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Failed(#[from] ServiceError),
}

fn audit<'a>(
    tenant: TenantId,
    kind: AuditEventKind,
    actor: &'a Actor<'a>,
    subject: &'a str,
    detail: Option<&'a str>,
) -> NewAuditEvent<'a> {
    NewAuditEvent {
        tenant: Some(tenant),
        kind,
        actor: Some(actor.user),
        subject: Some(subject),
        ip: actor.ip,
        user_agent: actor.user_agent,
        factor: None,
        detail,
    }
}

fn tenant_of(site: &Site) -> Result<TenantId, ServiceError> {
    site.tenant_id().ok_or(ServiceError::NotFound)
}

/// Records a registration awaiting the head teacher's signature. For a transfer, `ect` is the ECT
/// already registered with the AB.
pub async fn register(
    state: &AppState,
    site: &Site,
    school: SchoolId,
    kind: RegistrationKind,
    ect: Option<UserId>,
    details: &EctDetails,
    actor: &Actor<'_>,
) -> Result<Uuid, RegisterEctError> {
    let tenant = tenant_of(site)?;
    let store = state.store();
    let now = state.clock().now();
    if kind == RegistrationKind::New
        && let Some(p) = store.profile_by_trn(tenant, &details.trn).await?
    {
        let name = store.get_user_in(tenant, UserId(p.user_id)).await?.map(|u| u.display_name);
        return Err(RegisterEctError::DuplicateEct { user: p.user_id, name: name.unwrap_or_default() });
    }
    let json = serde_json::to_string(details).map_err(|e| ServiceError::Internal(e.to_string()))?;
    let name = details.full_name();
    let mut tx = store.begin().await?;
    let created = store
        .create_registration(
            &mut tx,
            tenant,
            &NewRegistration {
                school,
                kind: kind.as_str(),
                trn: &details.trn,
                ect_name: &name,
                details: &json,
                ect_user: ect,
                registered_by: actor.user,
            },
            now,
        )
        .await;
    let id = match created {
        Ok(id) => id,
        Err(e) if e.violates(Unique::OpenRegistrationTrn) => {
            let open = store.open_registration_for_trn(tenant, &details.trn).await?;
            let open = open.ok_or_else(|| ServiceError::Internal("conflict without an open registration".into()))?;
            return Err(RegisterEctError::DuplicateRegistration { registration: open.id, name: open.ect_name });
        }
        Err(e) => return Err(e.into()),
    };
    let subject = id.to_string();
    store
        .record_audit(&mut tx, &audit(tenant, AuditEventKind::EctRegistered, actor, &subject, Some(kind.as_str())), now)
        .await?;
    // Seed 001: "it will go to your Head Teacher to sign": the head hears of it (issue 8).
    crate::services::notify::registration_event(state, &mut tx, tenant, id, NoticeKind::RegistrationAwaitingHead)
        .await?;
    tx.commit().await?;
    state.wake_mailer();
    Ok(id)
}

#[derive(Debug, thiserror::Error)]
pub enum DecisionError {
    #[error(transparent)]
    Order(#[from] TransitionProblem),
    #[error("Another ECT with this TRN was registered with this appropriate body meanwhile")]
    TrnTaken,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Failed(#[from] ServiceError),
}

/// The head teacher signs (seed 001: "it will go to your Head Teacher to sign"): who, when and
/// the hash of what was signed.
pub async fn sign(
    state: &AppState,
    site: &Site,
    row: &RegistrationRow,
    actor: &Actor<'_>,
) -> Result<(), DecisionError> {
    let tenant = tenant_of(site)?;
    let status = row.status;
    status.next(RegistrationAction::HeadSigns)?;
    let store = state.store();
    let now = state.clock().now();
    let hash = signature_hash(row);
    let mut tx = store.begin().await?;
    if !store.sign_registration(&mut tx, tenant, row.id, actor.user, &hash, now).await? {
        return Err(TransitionProblem::AlreadySigned.into()); // signed meanwhile
    }
    let subject = row.id.to_string();
    store
        .record_audit(&mut tx, &audit(tenant, AuditEventKind::EctRegistrationSigned, actor, &subject, Some(&hash)), now)
        .await?;
    // Seed 001: the AB then completes its checks: its administrators hear of it (issue 8).
    crate::services::notify::registration_event(state, &mut tx, tenant, row.id, NoticeKind::RegistrationAwaitingAb)
        .await?;
    tx.commit().await?;
    state.wake_mailer();
    Ok(())
}

pub enum Decision<'a> {
    /// `qts`: the date QTS was awarded as the AB found it on the teacher record (new ECTs).
    Authorise {
        qts: Option<NaiveDate>,
    },
    Reject {
        reason: RejectionReason,
        note: Option<&'a str>,
    },
}

/// The AB's decision (docs/induction-rules.md 2.8 PendingAB -> InProgress | Rejected). Authorising a new ECT
/// creates their account (username and set-password link by email), their verified profile, the
/// induction with its contract, previous schools, tutor and mentor; authorising a transfer adds
/// the new school's contract and ends the one at the school left. Either way the registrant hears.
///
/// The status change comes first in the transaction: a second decision (a double click, two AB
/// admins at once) finds nothing to change and creates nothing.
pub async fn decide(
    state: &AppState,
    site: &Site,
    row: &RegistrationRow,
    decision: Decision<'_>,
    actor: &Actor<'_>,
) -> Result<(), DecisionError> {
    let tenant = tenant_of(site)?;
    let status = row.status;
    let action = match decision {
        Decision::Authorise { .. } => RegistrationAction::Authorise,
        Decision::Reject { .. } => RegistrationAction::Reject,
    };
    let new_status = status.next(action)?;
    let mut details = details_of(row)?;
    let store = state.store();
    let now = state.clock().now();
    let kind = row.kind;
    if let (Decision::Authorise { qts: Some(q) }, RegistrationKind::New) = (&decision, kind) {
        details.qts_date = Some(*q);
    }
    let school = SchoolId(row.school_id);
    let school_row = store.get_school(tenant, school).await?.ok_or(ServiceError::NotFound)?;
    let registrant = store.get_user_in(tenant, UserId(row.registered_by)).await?;
    let (reason, note) = match &decision {
        Decision::Reject { reason, note } => (Some(reason.as_str()), *note),
        Decision::Authorise { .. } => (None, None),
    };
    // A new username can collide with one given out at the same moment: try again.
    for _ in 0..3 {
        let mut tx = store.begin().await?;
        if !store
            .decide_registration(&mut tx, tenant, row.id, new_status.as_str(), actor.user, reason, note, now)
            .await?
        {
            return Err(TransitionProblem::AlreadyDecided.into());
        }
        let (ect_user, induction) = match (&decision, kind) {
            (Decision::Reject { .. }, _) => (None, None),
            (Decision::Authorise { .. }, RegistrationKind::New) => {
                if store.profile_by_trn(tenant, &details.trn).await?.is_some() {
                    return Err(DecisionError::TrnTaken);
                }
                let Some(user) =
                    create_account(state, &mut tx, site, school, Role::Ect, &details.full_name(), &details.email)
                        .await?
                else {
                    continue;
                };
                let induction =
                    create_induction(state, &mut tx, tenant, &user.user_id(), &details, school, now).await?;
                queue_link(state, &mut tx, site, &user, true, now).await?;
                (Some(user.user_id()), Some(induction))
            }
            (Decision::Authorise { .. }, RegistrationKind::Transfer) => {
                let ect = UserId(row.ect_user_id.ok_or_else(|| ServiceError::Internal("transfer without ECT".into()))?);
                let induction = transfer_in(state, &mut tx, tenant, ect, &details, school, now).await?;
                (Some(ect), Some(induction))
            }
        };
        if let Some(user) = ect_user {
            store.set_registration_ect(&mut tx, tenant, row.id, user).await?;
        }
        if let Some(to) = &registrant {
            let title = match &decision {
                Decision::Reject { reason, .. } => Some(reason.title()),
                Decision::Authorise { .. } => None,
            };
            let mail = crate::mail::messages::registration_decided(
                state,
                site,
                to,
                &details.full_name(),
                &school_row.name,
                matches!(decision, Decision::Authorise { .. }),
                title,
                note,
                &format!("/registrations/{}", row.id),
            )?;
            store.enqueue_mail(&mut tx, &mail, &state.config().server.base_domain, now).await?;
        }
        let subject = row.id.to_string();
        let event = match decision {
            Decision::Authorise { .. } => AuditEventKind::EctRegistrationAuthorised,
            Decision::Reject { .. } => AuditEventKind::EctRegistrationRejected,
        };
        store.record_audit(&mut tx, &audit(tenant, event, actor, &subject, reason), now).await?;
        if let Some(id) = induction {
            crate::services::induction::recompute(store, &mut tx, tenant, id).await?;
        }
        match tx.commit().await {
            Ok(()) => {}
            // Another ECT took the TRN between the check and the commit (PostgreSQL).
            Err(e) if e.violates(Unique::EctTrn) => return Err(DecisionError::TrnTaken),
            Err(e) => return Err(e.into()),
        }
        state.wake_mailer();
        return Ok(());
    }
    Err(ServiceError::Internal("could not allocate a username".into()).into())
}

async fn create_induction(
    state: &AppState,
    tx: &mut Tx,
    tenant: TenantId,
    ect: &UserId,
    d: &EctDetails,
    school: SchoolId,
    now: DateTime<Utc>,
) -> Result<Uuid, DecisionError> {
    let store = state.store();
    let profile = ProfileRow {
        user_id: ect.0,
        trn: d.trn.clone(),
        date_of_birth: d.date_of_birth,
        home_address: d.home_address.clone(),
        itt_provider: d.itt_provider.clone(),
        qts_date: d.qts_date,
        subjects: d.subjects.clone(),
        age_range: d.age_range.clone(),
        training_programme: d.training_programme.as_str().into(),
        // The AB has checked the TRN and date of birth: the ECT can no longer change them (seed 000).
        verified_at: Some(now),
    };
    store.create_profile(tx, tenant, &profile).await.on_constraint(Unique::EctTrn, || DecisionError::TrnTaken)?;
    let kind =
        InductionType::parse(&d.induction_type).ok_or_else(|| ServiceError::Internal("induction type".into()))?;
    let zero = Fraction::ZERO.to_exact();
    let id = store.create_induction(tx, tenant, *ect, kind.as_str(), d.induction_start, &zero, &zero, now).await?;
    // Employment before the induction starts does not count towards it (SG 2.12-2.13: the start
    // date may differ from the contract's).
    let counted_from = d.contract_start.max(d.induction_start);
    store
        .add_contract(tx, tenant, id, school, counted_from, None, d.days_per_week_halves as i32, &d.contract_type)
        .await?;
    for p in &d.previous_schools {
        store
            .add_previous_school(
                tx,
                tenant,
                id,
                &p.name,
                &p.address,
                &p.appropriate_body,
                p.start_date,
                &p.fte_terms,
                p.absence_half_days as i32,
            )
            .await?;
    }
    assign(state, tx, tenant, id, school, d, now).await?;
    Ok(id)
}

async fn transfer_in(
    state: &AppState,
    tx: &mut Tx,
    tenant: TenantId,
    ect: UserId,
    d: &EctDetails,
    school: SchoolId,
    now: DateTime<Utc>,
) -> Result<Uuid, ServiceError> {
    let store = state.store();
    let induction = store.induction_of_ect(tenant, ect).await?.ok_or(ServiceError::NotFound)?;
    if d.leaves_other_schools {
        let end = d.contract_start.pred_opt().unwrap_or(d.contract_start);
        let others: std::collections::BTreeSet<Uuid> = store
            .db()
            .list_contracts(tenant, induction.id)
            .await?
            .iter()
            .filter(|c| c.school_id != school.0)
            .map(|c| c.school_id)
            .collect();
        for other in others {
            store.end_contracts_at_school(tx, tenant, induction.id, SchoolId(other), end).await?;
        }
    }
    store
        .add_contract(
            tx,
            tenant,
            induction.id,
            school,
            d.contract_start,
            None,
            d.days_per_week_halves as i32,
            &d.contract_type,
        )
        .await?;
    if !store.list_schools_of_user(tenant, ect).await?.iter().any(|s| s.id == school.0) {
        store.add_school_membership(tx, tenant, ect, school, now).await?;
    }
    // A returning ECT is no longer leaving.
    if induction.leaving_date.is_some() {
        store.set_leaving_date(tx, tenant, induction.id, None).await?;
    }
    assign(state, tx, tenant, induction.id, school, d, now).await?;
    Ok(induction.id)
}

async fn assign(
    state: &AppState,
    tx: &mut Tx,
    tenant: TenantId,
    induction: Uuid,
    school: SchoolId,
    d: &EctDetails,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let store = state.store();
    let mentor = match &d.mentor {
        None => None,
        Some(MentorChoice::Existing { id, .. }) => Some(*id),
        Some(MentorChoice::New { name, email, start_term }) => {
            Some(store.create_mentor(tx, tenant, school, name, email, start_term, now).await?)
        }
    };
    store.save_assignment(tx, tenant, induction, school, d.tutor.map(UserId), mentor, now).await?;
    Ok(())
}

/// Changes an ECT's tutor and mentor at a school (seed 002), recording a new mentor if given.
#[allow(clippy::too_many_arguments)]
pub async fn change_assignment(
    state: &AppState,
    site: &Site,
    induction: Uuid,
    ect: UserId,
    school: SchoolId,
    tutor: Option<UserId>,
    mentor: Option<MentorChoice>,
    actor: &Actor<'_>,
) -> Result<(), ServiceError> {
    let tenant = tenant_of(site)?;
    let store = state.store();
    let now = state.clock().now();
    let mut tx = store.begin().await?;
    let mentor_id = match mentor {
        None => None,
        Some(MentorChoice::Existing { id, .. }) => Some(id),
        Some(MentorChoice::New { name, email, start_term }) => {
            Some(store.create_mentor(&mut tx, tenant, school, &name, &email, &start_term, now).await?)
        }
    };
    store.save_assignment(&mut tx, tenant, induction, school, tutor, mentor_id, now).await?;
    let subject = ect.0.to_string();
    store
        .record_audit(&mut tx, &audit(tenant, AuditEventKind::EctTutorMentorChanged, actor, &subject, None), now)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub struct Leaver<'a> {
    pub leaving_date: NaiveDate,
    pub reason: &'a str,
    /// `yes`, `no` or `unknown` (seed 003 leaver form).
    pub moving: &'a str,
    pub new_school: &'a str,
    pub new_school_address: &'a str,
    pub new_ab: &'a str,
}

/// The leaver form (seed 003; SG 5.3-5.4: the head teacher notifies the AB when the ECT leaves).
/// The contract at the school ends on the leaving date; when no other school employs the ECT
/// after it, the induction's leaving date is set too. The AB sees the notice on its task list.
/// `false`: the school has told the AB already and the AB has not dealt with it yet.
pub async fn record_leaver(
    state: &AppState,
    site: &Site,
    induction: Uuid,
    ect: UserId,
    school: SchoolId,
    l: &Leaver<'_>,
    actor: &Actor<'_>,
) -> Result<bool, ServiceError> {
    let tenant = tenant_of(site)?;
    let store = state.store();
    let mut tx = store.begin().await?;
    if tx.db().open_leaver_notice(tenant, induction, school).await? {
        return Ok(false);
    }
    record_leaver_in(store, &mut tx, tenant, induction, ect, school, l, actor, state.clock().now()).await?;
    tx.commit().await?;
    Ok(true)
}

/// [`record_leaver`] inside the caller's transaction (the report's contract page records a
/// leaver with the report's answers, in one transaction). The plan is recomputed in it too.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record_leaver_in(
    store: &crate::store::Store,
    tx: &mut Tx,
    tenant: TenantId,
    induction: Uuid,
    ect: UserId,
    school: SchoolId,
    l: &Leaver<'_>,
    actor: &Actor<'_>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let contracts = tx.db().list_contracts(tenant, induction).await?;
    let employed_elsewhere =
        contracts.iter().any(|c| c.school_id != school.0 && c.end_date.is_none_or(|e| e > l.leaving_date));
    store
        .create_leaver(
            tx,
            tenant,
            &NewLeaver {
                induction,
                school,
                leaving_date: l.leaving_date,
                reason: l.reason,
                moving: l.moving,
                new_school: l.new_school,
                new_school_address: l.new_school_address,
                new_ab: l.new_ab,
                recorded_by: actor.user,
            },
            now,
        )
        .await?;
    store.end_contracts_at_school(tx, tenant, induction, school, l.leaving_date).await?;
    if !employed_elsewhere {
        store.set_leaving_date(tx, tenant, induction, Some(l.leaving_date)).await?;
    }
    let subject = ect.0.to_string();
    store.record_audit(tx, &audit(tenant, AuditEventKind::EctLeaverRecorded, actor, &subject, None), now).await?;
    crate::services::induction::recompute(store, tx, tenant, induction).await
}

pub async fn acknowledge_leaver(
    state: &AppState,
    site: &Site,
    id: Uuid,
    actor: &Actor<'_>,
) -> Result<bool, ServiceError> {
    let tenant = tenant_of(site)?;
    let store = state.store();
    let now = state.clock().now();
    let mut tx = store.begin().await?;
    if !store.acknowledge_leaver(&mut tx, tenant, id, actor.user, now).await? {
        return Ok(false);
    }
    let subject = id.to_string();
    store.record_audit(&mut tx, &audit(tenant, AuditEventKind::LeaverAcknowledged, actor, &subject, None), now).await?;
    tx.commit().await?;
    Ok(true)
}

/// The ECT's own changes to their details (seed 000: name and email; DOB and TRN only until the
/// AB has verified them; training and qualification details).
pub struct OwnDetails {
    pub name: String,
    pub email: String,
    pub identity: Option<(String, NaiveDate)>,
    pub home_address: String,
    pub itt_provider: String,
    pub qts_date: Option<NaiveDate>,
    pub subjects: String,
    pub age_range: String,
}

#[derive(Debug, thiserror::Error)]
pub enum OwnDetailsError {
    #[error("Your TRN and date of birth have been verified by your appropriate body and cannot be changed")]
    Verified,
    #[error("Another ECT with this TRN is registered with this appropriate body")]
    TrnTaken,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Failed(#[from] ServiceError),
}

pub async fn update_own_details(
    state: &AppState,
    site: &Site,
    ect: UserId,
    d: &OwnDetails,
    actor: &Actor<'_>,
) -> Result<(), OwnDetailsError> {
    let tenant = tenant_of(site)?;
    let store = state.store();
    let now = state.clock().now();
    let before = store.get_profile(tenant, ect).await?;
    let me = store.get_user_in(tenant, ect).await?;
    let me = me.ok_or(ServiceError::NotFound)?;
    let mut changed = vec![];
    let mut tx = store.begin().await?;
    store.update_user_contact(&mut tx, tenant, ect, &d.name, &d.email).await?;
    changed.push("name_email");
    // docs/security.md S5: the old address is told of a new one (it is where reset links went), in the
    // same transaction as the change.
    if !d.email.eq_ignore_ascii_case(&me.email) {
        let mail = crate::mail::messages::account_changed(state, site, &me, &me.email, "email address", now)?;
        store.enqueue_mail(&mut tx, &mail, &state.config().server.base_domain, now).await?;
    }
    if let Some(before) = &before {
        if let Some((trn, dob)) = &d.identity
            && (trn != &before.trn || *dob != before.date_of_birth)
        {
            match store.update_unverified_identity(&mut tx, tenant, ect, trn, *dob).await {
                Ok(true) => changed.push("identity"),
                Ok(false) => return Err(OwnDetailsError::Verified),
                Err(e) if e.violates(Unique::EctTrn) => return Err(OwnDetailsError::TrnTaken),
                Err(e) => return Err(e.into()),
            }
        }
        store
            .update_profile_details(
                &mut tx,
                tenant,
                ect,
                &d.home_address,
                &d.itt_provider,
                d.qts_date,
                &d.subjects,
                &d.age_range,
            )
            .await?;
        changed.push("training_qualifications");
    }
    let subject = ect.0.to_string();
    let detail = changed.join(",");
    store
        .record_audit(&mut tx, &audit(tenant, AuditEventKind::EctDetailsChanged, actor, &subject, Some(&detail)), now)
        .await?;
    match tx.commit().await {
        Ok(()) => {
            state.wake_mailer();
            Ok(())
        }
        Err(e) if e.violates(Unique::EctTrn) => Err(OwnDetailsError::TrnTaken),
        Err(e) => Err(e.into()),
    }
}

/// Adds or removes a previous school (seed 000 "Previous Schools"); the plan is recomputed since
/// FTE served elsewhere counts towards the induction.
pub async fn change_previous_schools(
    state: &AppState,
    site: &Site,
    induction: Uuid,
    ect: UserId,
    add: Option<&PreviousSchool>,
    remove: Option<Uuid>,
    actor: &Actor<'_>,
) -> Result<bool, ServiceError> {
    let tenant = tenant_of(site)?;
    let store = state.store();
    let now = state.clock().now();
    let mut tx = store.begin().await?;
    if let Some(p) = add {
        store
            .add_previous_school(
                &mut tx,
                tenant,
                induction,
                &p.name,
                &p.address,
                &p.appropriate_body,
                p.start_date,
                &p.fte_terms,
                p.absence_half_days as i32,
            )
            .await?;
    }
    if let Some(id) = remove
        && !store.delete_previous_school(&mut tx, tenant, induction, id).await?
    {
        return Ok(false);
    }
    let subject = ect.0.to_string();
    let detail = if add.is_some() { "previous_school_added" } else { "previous_school_removed" };
    store
        .record_audit(&mut tx, &audit(tenant, AuditEventKind::EctDetailsChanged, actor, &subject, Some(detail)), now)
        .await?;
    crate::services::induction::recompute(store, &mut tx, tenant, induction).await?;
    tx.commit().await?;
    Ok(true)
}
