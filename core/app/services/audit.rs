//! Events that are the whole of what happened: nothing else changes, so the event is its own
//! transaction (an export downloaded, a refused request: docs/security.md D2).

use induct_domain::{Role, TenantId};

use super::accounts::Actor;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::audit::{AuditEventKind, NewAuditEvent};

pub async fn record(state: &AppState, event: &NewAuditEvent<'_>) -> Result<(), StoreError> {
    let store = state.store();
    let mut tx = store.begin().await?;
    store.record_audit(&mut tx, event, state.clock().now()).await?;
    tx.commit().await
}

/// docs/security.md D2: a refused request is an `authz_fail` event, with the role that was refused.
pub async fn denied(
    state: &AppState,
    tenant: Option<TenantId>,
    actor: &Actor<'_>,
    role: Role,
    what: &str,
) -> Result<(), StoreError> {
    let event = NewAuditEvent {
        tenant,
        kind: AuditEventKind::AuthzFail,
        actor: Some(actor.user),
        subject: Some(what),
        ip: actor.ip,
        user_agent: actor.user_agent,
        factor: None,
        detail: Some(role.as_str()),
    };
    record(state, &event).await
}
