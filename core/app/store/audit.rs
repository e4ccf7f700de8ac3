//! The audit log (docs/security.md A10). Append-only from the app's point of view: there is no
//! update or delete here.

use chrono::{DateTime, Utc};
use induct_domain::{TenantId, UserId};
use uuid::Uuid;

use super::{Result, Store, Tx, map_err, with_pool, with_tx};

/// Event names follow the OWASP Logging Vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditEventKind {
    LoginSuccess,
    LoginSuccessAfterFail,
    LoginFail,
    LoginLock,
    LoginUnlock,
    Logout,
    SessionExpired,
    AuthzFail,
    PluginInstalled,
    PluginActivated,
    SchoolUpdated,
    UserCreated,
    PasswordLinkSent,
    PasswordSet,
    /// docs/security.md A5: an administrator marked a password compromised.
    PasswordCompromised,
    UserDeactivated,
    SchoolRegistered,
    SchoolAuthorised,
    SchoolRejected,
    EctRegistered,
    EctRegistrationSigned,
    EctRegistrationAuthorised,
    EctRegistrationRejected,
    EctTutorMentorChanged,
    EctLeaverRecorded,
    LeaverAcknowledged,
    EctDetailsChanged,
    ExportDownloaded,
    /// The AB sent a message again from its Emails page (issue 8).
    MailResent,
    /// A school paused or resumed reminders (issue 8).
    SchoolRemindersPaused,
    EctInductionRecordChanged,
    TermDatesChanged,
    ReportReleased,
    ReportSigned,
    ReportSubmitted,
    ReportAccepted,
    ReportReturned,
    ReportSignaturesCleared,
    ReportFileUploaded,
    AlertRaised,
    AlertStatusChanged,
    StepUpPassword,
    PasswordResetRequested,
    ContactDetailsChanged,
    SecondFactorRequested,
    SecondFactorEnabled,
    SecondFactorDisabled,
    FirstLoginCompleted,
    /// A new security question and answer (docs/security.md M7).
    SecurityQuestionChanged,
    /// Email reminders or news switched on or off.
    ContactPreferencesChanged,
}

impl AuditEventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditEventKind::LoginSuccess => "authn_login_success",
            AuditEventKind::LoginSuccessAfterFail => "authn_login_successafterfail",
            AuditEventKind::LoginFail => "authn_login_fail",
            AuditEventKind::LoginLock => "authn_login_lock",
            AuditEventKind::LoginUnlock => "authn_login_unlock",
            AuditEventKind::Logout => "session_logout",
            AuditEventKind::SessionExpired => "session_expired",
            AuditEventKind::AuthzFail => "authz_fail",
            AuditEventKind::PluginInstalled => "plugin_installed",
            AuditEventKind::PluginActivated => "plugin_activated",
            AuditEventKind::SchoolUpdated => "school_updated",
            AuditEventKind::UserCreated => "user_created",
            AuditEventKind::PasswordLinkSent => "user_password_link_sent",
            AuditEventKind::PasswordSet => "authn_password_change",
            AuditEventKind::PasswordCompromised => "authn_password_compromised",
            AuditEventKind::UserDeactivated => "user_deactivated",
            AuditEventKind::SchoolRegistered => "school_registered",
            AuditEventKind::SchoolAuthorised => "school_authorised",
            AuditEventKind::SchoolRejected => "school_rejected",
            AuditEventKind::EctRegistered => "ect_registered",
            AuditEventKind::EctRegistrationSigned => "ect_registration_signed",
            AuditEventKind::EctRegistrationAuthorised => "ect_registration_authorised",
            AuditEventKind::EctRegistrationRejected => "ect_registration_rejected",
            AuditEventKind::EctTutorMentorChanged => "ect_tutor_mentor_changed",
            AuditEventKind::EctLeaverRecorded => "ect_leaver_recorded",
            AuditEventKind::LeaverAcknowledged => "leaver_acknowledged",
            AuditEventKind::EctDetailsChanged => "ect_details_changed",
            AuditEventKind::ExportDownloaded => "export_downloaded",
            AuditEventKind::MailResent => "mail_resent",
            AuditEventKind::SchoolRemindersPaused => "school_reminders_paused",
            AuditEventKind::EctInductionRecordChanged => "ect_induction_record_changed",
            AuditEventKind::TermDatesChanged => "term_dates_changed",
            AuditEventKind::ReportReleased => "report_released",
            AuditEventKind::ReportSigned => "report_signed",
            AuditEventKind::ReportSubmitted => "report_submitted",
            AuditEventKind::ReportAccepted => "report_accepted",
            AuditEventKind::ReportReturned => "report_returned",
            AuditEventKind::ReportSignaturesCleared => "report_signatures_cleared",
            AuditEventKind::ReportFileUploaded => "report_file_uploaded",
            AuditEventKind::AlertRaised => "alert_raised",
            AuditEventKind::AlertStatusChanged => "alert_status_changed",
            AuditEventKind::StepUpPassword => "authn_step_up",
            AuditEventKind::PasswordResetRequested => "authn_password_reset_requested",
            AuditEventKind::ContactDetailsChanged => "user_contact_changed",
            AuditEventKind::SecondFactorRequested => "authn_mfa_challenge",
            AuditEventKind::SecondFactorEnabled => "authn_mfa_enabled",
            AuditEventKind::SecondFactorDisabled => "authn_mfa_disabled",
            AuditEventKind::FirstLoginCompleted => "user_first_login_completed",
            AuditEventKind::SecurityQuestionChanged => "authn_security_question_change",
            AuditEventKind::ContactPreferencesChanged => "user_contact_preferences_changed",
        }
    }
}

pub struct NewAuditEvent<'a> {
    pub tenant: Option<TenantId>,
    pub kind: AuditEventKind,
    pub actor: Option<UserId>,
    /// What the event is about, by id or username: never content.
    pub subject: Option<&'a str>,
    pub ip: &'a str,
    pub user_agent: &'a str,
    /// The authentication factor used, for login events.
    pub factor: Option<&'a str>,
    pub detail: Option<&'a str>,
}

impl<'a> NewAuditEvent<'a> {
    /// Something a signed-in person did in an AB (no factor: not a login event).
    pub fn by(
        tenant: TenantId,
        kind: AuditEventKind,
        actor: &'a crate::services::accounts::Actor<'a>,
        subject: Option<&'a str>,
        detail: Option<&'a str>,
    ) -> Self {
        NewAuditEvent {
            tenant: Some(tenant),
            kind,
            actor: Some(actor.user),
            subject,
            ip: actor.ip,
            user_agent: actor.user_agent,
            factor: None,
            detail,
        }
    }
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct AuditRow {
    pub id: Uuid,
    pub tenant_id: Option<Uuid>,
    pub occurred_at: DateTime<Utc>,
    pub event: String,
    pub actor_user_id: Option<Uuid>,
    pub subject: Option<String>,
    pub ip: String,
    pub user_agent: String,
    pub factor: Option<String>,
    pub detail: Option<String>,
}

impl Store {
    pub async fn record_audit(&self, tx: &mut Tx, e: &NewAuditEvent<'_>, now: DateTime<Utc>) -> Result<()> {
        with_tx!(tx, c => sqlx::query(
            "INSERT INTO audit_events (id, tenant_id, occurred_at, event, actor_user_id, subject, ip, user_agent, factor, detail)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(Uuid::new_v4()).bind(e.tenant.map(|t| t.0)).bind(now).bind(e.kind.as_str())
            .bind(e.actor.map(|a| a.0)).bind(e.subject).bind(e.ip).bind(super::audit_truncate(e.user_agent, 512))
            .bind(e.factor).bind(e.detail)
            .execute(c).await.map(|r| r.rows_affected()))
            .map_err(map_err)?;
        Ok(())
    }

    /// The newest events, optionally for one tenant (None: platform events only).
    /// A user's own recent sign-in and account events (My Account: "recent sign-in activity").
    pub async fn sign_in_activity(&self, user: UserId, limit: i64) -> Result<Vec<AuditRow>> {
        with_pool!(self, p => sqlx::query_as::<_, AuditRow>(
            "SELECT id, tenant_id, occurred_at, event, actor_user_id, subject, ip, user_agent, factor, detail
             FROM audit_events WHERE actor_user_id = $1
               AND (event LIKE 'authn_%' OR event LIKE 'session_%' OR event = 'user_contact_changed')
             ORDER BY occurred_at DESC, id LIMIT $2")
            .bind(user.0).bind(limit).fetch_all(p).await)
        .map_err(map_err)
    }

    pub async fn list_audit(&self, tenant: Option<TenantId>, limit: i64) -> Result<Vec<AuditRow>> {
        match tenant {
            Some(t) => with_pool!(self, p => sqlx::query_as::<_, AuditRow>(
                "SELECT id, tenant_id, occurred_at, event, actor_user_id, subject, ip, user_agent, factor, detail
                 FROM audit_events WHERE tenant_id = $1 ORDER BY occurred_at DESC, id LIMIT $2")
                .bind(t.0).bind(limit).fetch_all(p).await),
            None => with_pool!(self, p => sqlx::query_as::<_, AuditRow>(
                "SELECT id, tenant_id, occurred_at, event, actor_user_id, subject, ip, user_agent, factor, detail
                 FROM audit_events WHERE tenant_id IS NULL ORDER BY occurred_at DESC, id LIMIT $1")
                .bind(limit).fetch_all(p).await),
        }
        .map_err(map_err)
    }
}
