//! A school's details and settings, once it is registered with its AB (seed 001; registration
//! and the AB's decision are in [`super::registration`]).

use chrono::NaiveDate;
use induct_domain::{SchoolId, TenantId};

use super::accounts::Actor;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::audit::{AuditEventKind, NewAuditEvent};
use crate::store::schools::SchoolDetails;

/// The school's own form in the AB plugin's questions.
pub const FORM: &str = "school-details";

/// Edits the school's details and its answers to the AB's questions (already checked by the
/// host and the plugin), with the audit event, in one transaction. `false`: no such school.
pub async fn edit_details(
    state: &AppState,
    tenant: TenantId,
    school: SchoolId,
    details: &SchoolDetails,
    answers: &[(String, String, String)],
    plugin_version: &str,
    actor: &Actor<'_>,
) -> Result<bool, StoreError> {
    let store = state.store();
    let now = state.clock().now();
    let mut tx = store.begin().await?;
    if !store.update_school(&mut tx, tenant, school, details).await? {
        return Ok(false);
    }
    store.save_form_answers(&mut tx, tenant, FORM, school.0, answers, plugin_version, actor.user, now).await?;
    let subject = school.0.to_string();
    let event = NewAuditEvent::by(tenant, AuditEventKind::SchoolUpdated, actor, Some(&subject), None);
    store.record_audit(&mut tx, &event, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// Pauses the school's reminder emails until a day, or resumes them (`None`), as DfE's service
/// lets schools opt out of reminder emails. `false`: no such school.
pub async fn pause_reminders(
    state: &AppState,
    tenant: TenantId,
    school: SchoolId,
    until: Option<NaiveDate>,
    actor: &Actor<'_>,
) -> Result<bool, StoreError> {
    let store = state.store();
    let now = state.clock().now();
    let mut tx = store.begin().await?;
    if !store.set_reminders_paused_until(&mut tx, tenant, school, until).await? {
        return Ok(false);
    }
    let subject = school.0.to_string();
    let detail = until.map_or_else(|| "resumed".to_owned(), |d| format!("until {d}"));
    let event = NewAuditEvent::by(tenant, AuditEventKind::SchoolRemindersPaused, actor, Some(&subject), Some(&detail));
    store.record_audit(&mut tx, &event, now).await?;
    tx.commit().await?;
    Ok(true)
}
