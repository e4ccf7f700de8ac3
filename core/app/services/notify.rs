//! Reminders and notifications (issue 8; seed 003; docs/induction-rules.md 2.12).
//!
//! Three steps, each safe to run in any number of app processes at any time:
//! 1. [`materialise`]: the scan writes each report's reminders that fall today (and a couple of
//!    days back, after a gap) and the AB's weekly digest into the notifications table, whose
//!    unique key makes running it again harmless. Events (a report made available, signed,
//!    returned, accepted; a registration waiting) are written by the transaction that causes them.
//! 2. [`process_pending`]: a worker leases pending notifications, works out who receives each
//!    and what it asks of them, and in one transaction marks it done and queues the mail in the
//!    outbox, so each notification becomes mail exactly once.
//! 3. The outbox worker delivers the mail with leases and retries (a process killed mid-send
//!    means at worst one resend, with the same Message-ID).
//!
//! Days are UK days (Europe/London), so reminders keep their dates across the clock changes.

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use chrono_tz::Europe::London;
use induct_domain::notices::{self, Ask, Audience, NoticeKind};
use induct_domain::report_flow::FormStatus;
use induct_domain::timeline::ReportKind;
use induct_domain::{Role, SchoolId, TenantId, UserId};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use uuid::Uuid;

use crate::mail::messages::{self, NoticeMail};
use crate::services::ServiceError;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::audit::{AuditEventKind, NewAuditEvent};
use crate::store::notifications::{NewNotification, NotificationRow, Subject};
use crate::store::outbox::NewMail;
use crate::store::users::UserRow;
use crate::tenancy::Site;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ScanReport {
    /// Open reports looked at.
    pub candidates: usize,
    /// Notifications written (already written ones are not counted).
    pub added: u64,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PassReport {
    pub claimed: usize,
    pub sent: usize,
    pub skipped: usize,
    pub failed: usize,
    /// Emails queued.
    pub mails: usize,
}

/// The UK day and hour now.
fn uk_today(now: DateTime<Utc>) -> (NaiveDate, u32) {
    let local = now.with_timezone(&London);
    (local.date_naive(), local.hour())
}

/// Writes the reminders due today (and in the catch-up days) and this week's digest for every
/// AB. Nothing before `send_from_hour` UK time: the day's reminders wait for the morning.
pub async fn materialise(state: &AppState) -> Result<ScanReport, ServiceError> {
    let cfg = &state.config().notifications;
    let now = state.clock().now();
    let (today, hour) = uk_today(now);
    if hour < cfg.send_from_hour {
        return Ok(ScanReport::default());
    }
    let store = state.store();
    let from = today - Duration::days(cfg.catch_up_days);
    let candidates = store.reminder_candidates(today + Duration::days(7)).await?;
    let mut pauses: HashMap<Uuid, Vec<Option<NaiveDate>>> = HashMap::new();
    for s in store.current_schools(today).await? {
        pauses.entry(s.induction_id).or_default().push(s.reminders_paused_until);
    }
    let written = store.reminder_keys_since(from).await?;
    let mut new = vec![];
    for c in &candidates {
        // No form yet is a draft; a stored status the domain does not know is corrupt data.
        let status = match c.status.as_deref() {
            None => FormStatus::Draft,
            Some(s) => FormStatus::parse(s).ok_or_else(|| StoreError::Corrupt(format!("report status {s:?}")))?,
        };
        if !notices::still_chased(status) {
            continue;
        }
        // Every school employing the ECT has paused reminders: none for this report.
        if pauses.get(&c.induction_id).is_some_and(|p| p.iter().all(|until| notices::paused(*until, today))) {
            continue;
        }
        for (day, kind) in notices::reminders_between(c.due_date, from, today) {
            let key = (c.induction_id, c.number, kind.as_str().to_owned(), day.to_string());
            if written.contains(&key) {
                continue;
            }
            new.push(NewNotification {
                tenant: TenantId(c.tenant_id),
                subject: Subject::Report { induction: c.induction_id, number: c.number },
                kind,
                occasion: day.to_string(),
            });
        }
    }
    for tenant in store.list_tenants().await? {
        new.push(NewNotification {
            tenant: tenant.tenant_id(),
            subject: Subject::Ab,
            kind: NoticeKind::AbWeeklyDigest,
            occasion: notices::digest_week(today).to_string(),
        });
    }
    // Short transactions: SQLite has one writer, and other requests should not wait long.
    let mut added = 0;
    for chunk in new.chunks(500) {
        let mut tx = store.begin().await?;
        for n in chunk {
            added += u64::from(store.add_notification(&mut tx, n, now).await?);
        }
        tx.commit().await?;
    }
    if added > 0 {
        state.wake_mailer();
    }
    Ok(ScanReport { candidates: candidates.len(), added })
}

/// Records news of a report for the people it concerns (inside the caller's transaction, so it
/// is told exactly when the change commits).
pub async fn report_event(
    state: &AppState,
    tx: &mut crate::store::Tx,
    tenant: TenantId,
    induction: Uuid,
    number: i32,
    kind: NoticeKind,
    occasion: &str,
) -> Result<(), ServiceError> {
    let n =
        NewNotification { tenant, subject: Subject::Report { induction, number }, kind, occasion: occasion.to_owned() };
    state.store().add_notification(tx, &n, state.clock().now()).await?;
    Ok(())
}

/// Records news of a registration (waiting for the head's signature or the AB's decision).
pub async fn registration_event(
    state: &AppState,
    tx: &mut crate::store::Tx,
    tenant: TenantId,
    registration: Uuid,
    kind: NoticeKind,
) -> Result<(), ServiceError> {
    let n = NewNotification {
        tenant,
        subject: Subject::Registration(registration),
        kind,
        occasion: kind.as_str().to_owned(),
    };
    state.store().add_notification(tx, &n, state.clock().now()).await?;
    Ok(())
}

/// What one notification comes to.
enum Prepared {
    Send { mails: Vec<NewMail>, detail: String },
    Skip(String),
}

/// Turns leased notifications into outbox mail, one transaction each.
pub async fn process_pending(state: &AppState) -> Result<PassReport, ServiceError> {
    let cfg = &state.config().notifications;
    let store = state.store();
    let now = state.clock().now();
    let token = Uuid::new_v4();
    let rows = store.claim_notifications(token, now, now + Duration::seconds(cfg.lease_secs), cfg.batch_size).await?;
    let mut report = PassReport { claimed: rows.len(), ..Default::default() };
    for row in rows {
        // Everything is read before the transaction; the transaction only writes.
        let prepared = match prepare(state, &row).await {
            Ok(p) => p,
            // The database is away: leave it leased; it is retried when the lease runs out.
            Err(ServiceError::Store(e)) if e.is_unavailable() => return Err(e.into()),
            Err(e) => {
                tracing::error!(notification = %row.id, kind = %row.kind, error = %e, "notification could not be prepared");
                let mut tx = store.begin().await?;
                if store.finish_notification(&mut tx, row.id, token, "failed", &e.to_string(), now).await? {
                    tx.commit().await?;
                    report.failed += 1;
                }
                continue;
            }
        };
        let (status, detail) = match &prepared {
            Prepared::Send { detail, .. } => ("sent", detail.clone()),
            Prepared::Skip(why) => ("skipped", why.clone()),
        };
        let mut tx = store.begin().await?;
        if !store.finish_notification(&mut tx, row.id, token, status, &detail, now).await? {
            // Another worker finished it (our lease ran out): queue nothing.
            continue;
        }
        match prepared {
            Prepared::Send { mails, .. } => {
                for m in &mails {
                    store.enqueue_mail(&mut tx, m, &state.config().server.base_domain, now).await?;
                }
                report.sent += 1;
                report.mails += mails.len();
            }
            Prepared::Skip(_) => report.skipped += 1,
        }
        tx.commit().await?;
    }
    if report.mails > 0 {
        state.wake_mailer();
    }
    Ok(report)
}

/// The scan when it is due in this process, then every pending notification. Called by the
/// outbox worker's loop; tests call it with the clock where they want it.
pub async fn run_once(state: &AppState) -> Result<(ScanReport, PassReport), ServiceError> {
    let scan = materialise(state).await?;
    let mut total = PassReport::default();
    loop {
        let r = process_pending(state).await?;
        total.claimed += r.claimed;
        total.sent += r.sent;
        total.skipped += r.skipped;
        total.failed += r.failed;
        total.mails += r.mails;
        if r.claimed == 0 {
            return Ok((scan, total));
        }
    }
}

async fn prepare(state: &AppState, row: &NotificationRow) -> Result<Prepared, ServiceError> {
    let Some(kind) = NoticeKind::parse(&row.kind) else { return Ok(Prepared::Skip("unknown kind".into())) };
    let tenant = TenantId(row.tenant_id);
    let Some(ab) = state.store().get_tenant(tenant).await? else { return Ok(Prepared::Skip("no such AB".into())) };
    let site = Site::Ab(Arc::new(ab));
    match row.subject() {
        Subject::Report { induction, number } => prepare_report(state, &site, row, kind, induction, number).await,
        Subject::Registration(id) => prepare_registration(state, &site, kind, id).await,
        Subject::Ab => prepare_digest(state, &site, row).await,
    }
}

/// Someone a notification goes to, and why.
struct Recipient {
    user: UserRow,
    audience: Audience,
}

async fn prepare_report(
    state: &AppState,
    site: &Site,
    row: &NotificationRow,
    kind: NoticeKind,
    induction_id: Uuid,
    number: i32,
) -> Result<Prepared, ServiceError> {
    let store = state.store();
    let tenant = TenantId(row.tenant_id);
    let today = crate::clock_today(state);
    let Some(induction) = store.db().get_induction(tenant, induction_id).await? else {
        return Ok(Prepared::Skip("no such induction".into()));
    };
    let Some(report) = store.db().list_reports(tenant, induction_id).await?.into_iter().find(|r| r.number == number)
    else {
        return Ok(Prepared::Skip("report re-planned".into()));
    };
    let status = store.get_form(tenant, induction_id, number).await?.map(|f| f.status).unwrap_or(FormStatus::Draft);
    if kind.is_reminder() {
        let occasion: NaiveDate = row.occasion.parse().map_err(|_| ServiceError::Internal("reminder day".into()))?;
        if report.completed_at.is_some() || !notices::still_chased(status) {
            return Ok(Prepared::Skip("moved on".into()));
        }
        // The plan changed (an absence extension, a new contract): this day is no longer one of
        // its reminders; the scan writes the new ones.
        if report.due_date.is_none_or(|due| notices::reminder_on(due, occasion) != Some(kind)) {
            return Ok(Prepared::Skip("due date changed".into()));
        }
        if occasion < today - Duration::days(state.config().notifications.catch_up_days) {
            return Ok(Prepared::Skip("too late to be useful".into()));
        }
        if store.newer_reminder_pending(row).await? {
            return Ok(Prepared::Skip("a newer reminder goes instead".into()));
        }
    } else if kind.news_of_stage().is_some_and(|s| s != status) {
        return Ok(Prepared::Skip("moved on".into()));
    }
    let Some(ect) = store.get_user_in(tenant, UserId(induction.ect_user_id)).await? else {
        return Ok(Prepared::Skip("no such ECT".into()));
    };
    let (recipients, opted_out) = report_recipients(state, tenant, &induction, kind, today).await?;
    if recipients.is_empty() {
        return Ok(Prepared::Skip(format!("nobody to tell ({opted_out} opted out)")));
    }
    let report_kind =
        ReportKind::parse(&report.kind).ok_or_else(|| StoreError::Corrupt(format!("report kind {:?}", report.kind)))?;
    let mut mails = vec![];
    for r in &recipients {
        let ask = notices::ask_in(kind, r.audience, status);
        let base = format!("/ects/{}/reports/{number}", induction.ect_user_id);
        let link = match ask {
            Ask::CompleteForm => format!("{base}/fill"),
            Ask::CommentAndSign => format!("{base}/comment"),
            Ask::HeadSigns => "/signatures".to_owned(),
            _ if r.audience == Audience::Ect && status == FormStatus::Draft => "/dashboard".to_owned(),
            _ => base,
        };
        mails.push(messages::report_notice(
            state,
            site,
            &r.user,
            &NoticeMail {
                kind,
                ask,
                to_ect: r.audience == Audience::Ect,
                ect_name: &ect.display_name,
                report_title: report_kind.title(),
                due: report.due_date,
                today,
                link_path: &link,
            },
        )?);
    }
    let roles: Vec<&str> = recipients.iter().map(|r| r.audience.as_str()).collect();
    let detail = format!("{} emails: {}{}", mails.len(), roles.join(", "), opted_out_note(opted_out));
    Ok(Prepared::Send { mails, detail })
}

fn opted_out_note(n: usize) -> String {
    if n == 0 { String::new() } else { format!(" ({n} opted out)") }
}

/// The people a report notification goes to: for each school employing the ECT today, its head
/// teachers and induction leads and the ECT's tutor there (leads stand in when no tutor is
/// assigned), and the ECT; each once, active, and without those who asked for no such email.
async fn report_recipients(
    state: &AppState,
    tenant: TenantId,
    induction: &crate::store::induction::InductionRow,
    kind: NoticeKind,
    today: NaiveDate,
) -> Result<(Vec<Recipient>, usize), ServiceError> {
    let store = state.store();
    let wanted = kind.audience();
    let contracts = store.db().list_contracts(tenant, induction.id).await?;
    let assignments = store.list_assignments(tenant, induction.id).await?;
    let mut schools: Vec<Uuid> = contracts.iter().filter(|c| c.is_current_on(today)).map(|c| c.school_id).collect();
    schools.sort();
    schools.dedup();
    let mut candidates: Vec<(UserId, Audience)> = vec![];
    let mut all_paused = !schools.is_empty();
    for school in &schools {
        let school = SchoolId(*school);
        let paused = notices::paused(store.reminders_paused_until(tenant, school).await?, today);
        all_paused &= paused;
        if paused && kind.paused_with_school() {
            continue;
        }
        let staff = store.list_staff(tenant, school).await?;
        let tutor = assignments.iter().find(|a| a.school_id == school.0).and_then(|a| a.tutor_user_id);
        let tutor_active = match tutor {
            Some(t) => staff.iter().any(|s| s.id == t && s.active),
            None => false,
        };
        if wanted.contains(&Audience::Tutor) {
            if let (Some(t), true) = (tutor, tutor_active) {
                candidates.push((UserId(t), Audience::Tutor));
            } else {
                let leads = staff.iter().filter(|s| s.role == Role::InductionLead.as_str() && s.active);
                candidates.extend(leads.map(|s| (UserId(s.id), Audience::Tutor)));
            }
        }
        for s in staff.iter().filter(|s| s.active) {
            let audience = if s.role == Role::HeadTeacher.as_str() {
                Audience::Head
            } else if s.role == Role::InductionLead.as_str() {
                Audience::Lead
            } else {
                continue;
            };
            if wanted.contains(&audience) {
                candidates.push((UserId(s.id), audience));
            }
        }
    }
    if wanted.contains(&Audience::Ect) && !(all_paused && kind.paused_with_school()) {
        candidates.push((UserId(induction.ect_user_id), Audience::Ect));
    }
    let mut seen = vec![];
    let mut out = vec![];
    let mut opted_out = 0;
    for (id, audience) in candidates {
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        let Some(user) = store.get_user_in(tenant, id).await? else { continue };
        if !user.active {
            continue;
        }
        if kind.honours_opt_out() && store.account_setup(id).await?.is_some_and(|s| !s.remind_by_email) {
            opted_out += 1;
            continue;
        }
        out.push(Recipient { user, audience });
    }
    Ok((out, opted_out))
}

async fn prepare_registration(
    state: &AppState,
    site: &Site,
    kind: NoticeKind,
    id: Uuid,
) -> Result<Prepared, ServiceError> {
    let store = state.store();
    let tenant = site.tenant_id().ok_or(ServiceError::NotFound)?;
    let Some(reg) = store.get_registration(tenant, id).await? else {
        return Ok(Prepared::Skip("no such registration".into()));
    };
    use induct_domain::registration::RegistrationStatus;
    let expected = match kind {
        NoticeKind::RegistrationAwaitingHead => RegistrationStatus::AwaitingHeadSignature,
        _ => RegistrationStatus::AwaitingAb,
    };
    if reg.status != expected {
        return Ok(Prepared::Skip("moved on".into()));
    }
    let school = store.get_school(tenant, SchoolId(reg.school_id)).await?.ok_or(ServiceError::NotFound)?;
    let recipients: Vec<UserRow> = match kind {
        NoticeKind::RegistrationAwaitingHead => {
            let mut heads = vec![];
            for s in store.list_staff(tenant, SchoolId(reg.school_id)).await? {
                if s.role == Role::HeadTeacher.as_str() && s.active {
                    heads.extend(store.get_user_in(tenant, UserId(s.id)).await?);
                }
            }
            heads
        }
        _ => ab_admins(state, tenant).await?,
    };
    if recipients.is_empty() {
        return Ok(Prepared::Skip("nobody to tell".into()));
    }
    let mut mails = vec![];
    for to in &recipients {
        mails.push(messages::registration_notice(
            state,
            site,
            to,
            kind,
            &reg.ect_name,
            &school.name,
            &format!("/registrations/{id}"),
        )?);
    }
    Ok(Prepared::Send { detail: format!("{} emails", mails.len()), mails })
}

async fn ab_admins(state: &AppState, tenant: TenantId) -> Result<Vec<UserRow>, ServiceError> {
    Ok(state.store().list_users_with_role(tenant, Role::AbAdmin).await?.into_iter().filter(|u| u.active).collect())
}

/// One overdue report in the AB's digest.
#[derive(serde::Serialize)]
pub struct OverdueLine {
    pub ect_name: String,
    pub report_title: &'static str,
    pub due: String,
    pub days_overdue: i64,
    pub stage: &'static str,
}

/// The AB's Monday list of overdue reports by school (docs/induction-rules.md 2.12; SG 2.74: the AB chases late
/// and unsigned reports). Skipped when nothing is overdue.
async fn prepare_digest(state: &AppState, site: &Site, row: &NotificationRow) -> Result<Prepared, ServiceError> {
    let store = state.store();
    let tenant = site.tenant_id().ok_or(ServiceError::NotFound)?;
    let today = crate::clock_today(state);
    let week: NaiveDate = row.occasion.parse().map_err(|_| ServiceError::Internal("digest week".into()))?;
    if today - week > Duration::days(6) {
        return Ok(Prepared::Skip("that week is over".into()));
    }
    let forms: HashMap<(Uuid, i32), FormStatus> =
        store.list_forms(tenant).await?.into_iter().map(|f| ((f.induction_id, f.number), f.status)).collect();
    let mut by_school: BTreeMap<String, Vec<OverdueLine>> = BTreeMap::new();
    for r in store.reports_of_ab(tenant).await? {
        let Some(due) = r.due_date else { continue };
        let stage = forms.get(&(r.induction_id, r.number)).copied().unwrap_or(FormStatus::Draft);
        if r.completed_at.is_some() || due >= today || !notices::still_chased(stage) {
            continue;
        }
        by_school.entry(r.school_name.clone()).or_default().push(OverdueLine {
            ect_name: r.ect_name.clone(),
            report_title: ReportKind::parse(&r.kind)
                .ok_or_else(|| StoreError::Corrupt(format!("report kind {:?}", r.kind)))?
                .title(),
            due: messages::uk_date(due),
            days_overdue: (today - due).num_days(),
            stage: stage.title(),
        });
    }
    if by_school.is_empty() {
        return Ok(Prepared::Skip("nothing overdue".into()));
    }
    let admins = ab_admins(state, tenant).await?;
    if admins.is_empty() {
        return Ok(Prepared::Skip("nobody to tell".into()));
    }
    let total: usize = by_school.values().map(Vec::len).sum();
    let mut mails = vec![];
    for to in &admins {
        mails.push(messages::ab_digest(state, site, to, week, &by_school)?);
    }
    Ok(Prepared::Send { detail: format!("{} emails: {total} overdue reports", mails.len()), mails })
}

/// "Send again" on the AB's Emails page: a copy of one of the AB's messages with a new
/// Message-ID, audited (`mail_resent`). Links and codes are never sent again (they expire):
/// `None` then, and for a message that is not the AB's.
pub async fn resend_mail(
    state: &AppState,
    tenant: TenantId,
    id: Uuid,
    actor: &crate::services::accounts::Actor<'_>,
) -> Result<Option<Uuid>, StoreError> {
    let store = state.store();
    let now = state.clock().now();
    let mut tx = store.begin().await?;
    let Some(copy) = store.resend_mail(&mut tx, tenant, id, &state.config().server.base_domain, now).await? else {
        return Ok(None);
    };
    let subject = id.to_string();
    let detail = copy.to_string();
    let event = NewAuditEvent::by(tenant, AuditEventKind::MailResent, actor, Some(&subject), Some(&detail));
    store.record_audit(&mut tx, &event, now).await?;
    tx.commit().await?;
    state.wake_mailer();
    Ok(Some(copy))
}
