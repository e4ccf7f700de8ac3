//! A school registers under its AB, and the AB authorises or rejects it (seed 001 step 1: "Either
//! the Head Teacher or the Induction Lead will first need to register your school ... After you
//! have registered the Appropriate Body will authorise you to have access to the system. At this
//! point you will receive an email ... containing your username").

use induct_domain::registration::SchoolStatus;
use induct_domain::{Role, SchoolId};

use crate::services::ServiceError;
use crate::services::accounts::{create_account, queue_link};
use crate::state::AppState;
use crate::store::audit::{AuditEventKind, NewAuditEvent};
use crate::store::schools::{NewSchool, SchoolDetails};
use crate::store::{StoreError, Unique};
use crate::tenancy::Site;

pub struct Registrant<'a> {
    pub name: &'a str,
    pub email: &'a str,
    /// Head teacher or induction lead (seed 001).
    pub role: Role,
}

#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error("A school with this URN is already registered with this appropriate body: {0}")]
    DuplicateUrn(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Failed(#[from] ServiceError),
}

/// Counts one submission of the public form from an address; false once the address has used its
/// budget (`LockPolicy::public_registration`), until the hour is over.
pub async fn within_budget(state: &AppState, site: &Site, ip: &str) -> Result<bool, ServiceError> {
    let key = format!("{}|{ip}", site.key());
    crate::services::accounts::within_budget(
        state,
        induct_domain::throttle::LockScope::SchoolRegistration,
        &key,
        state.clock().now(),
    )
    .await
}

/// Records a school as pending with its registrant, whose account stays inactive until the AB
/// authorises the school.
pub async fn register_school(
    state: &AppState,
    site: &Site,
    school: &SchoolDetails,
    urn: &str,
    who: &Registrant<'_>,
    ip: &str,
    user_agent: &str,
) -> Result<SchoolId, RegisterError> {
    let tenant = site.tenant_id().ok_or(ServiceError::NotFound)?;
    let store = state.store();
    let now = state.clock().now();
    for _ in 0..3 {
        let mut tx = store.begin().await?;
        let created = store
            .create_school(
                &mut tx,
                tenant,
                &NewSchool {
                    name: &school.name,
                    urn,
                    address: &school.address,
                    postcode: &school.postcode,
                    contact_email: &school.contact_email,
                    contact_phone: &school.contact_phone,
                    status: SchoolStatus::Pending,
                },
                now,
            )
            .await;
        let id = match created {
            Ok(id) => id,
            Err(e) if e.violates(Unique::SchoolUrn) => {
                let existing = store.search_schools(tenant, urn).await?;
                let name = existing.into_iter().find(|s| s.urn == urn).map(|s| s.name).unwrap_or_default();
                return Err(RegisterError::DuplicateUrn(name));
            }
            Err(e) => return Err(e.into()),
        };
        let Some(user) = create_account(state, &mut tx, site, id, who.role, who.name, who.email).await? else {
            continue;
        };
        store.set_user_active(&mut tx, tenant, user.user_id(), false).await?;
        let subject = id.to_string();
        store
            .record_audit(
                &mut tx,
                &NewAuditEvent {
                    tenant: Some(tenant),
                    kind: AuditEventKind::SchoolRegistered,
                    actor: Some(user.user_id()),
                    subject: Some(&subject),
                    ip,
                    user_agent,
                    factor: None,
                    detail: Some(urn),
                },
                now,
            )
            .await?;
        tx.commit().await?;
        return Ok(id);
    }
    Err(ServiceError::Internal("could not allocate a username".into()).into())
}

/// The AB's decision. Authorising activates the registrant and emails their username and a
/// set-password link; rejecting leaves them without access.
pub async fn decide(
    state: &AppState,
    site: &Site,
    school: SchoolId,
    authorise: bool,
    reason: Option<&str>,
    actor: &crate::services::accounts::Actor<'_>,
) -> Result<bool, ServiceError> {
    let tenant = site.tenant_id().ok_or(ServiceError::NotFound)?;
    let store = state.store();
    let now = state.clock().now();
    let Some(row) = store.get_school(tenant, school).await? else { return Err(ServiceError::NotFound) };
    if row.status != SchoolStatus::Pending {
        return Ok(false);
    }
    let mut tx = store.begin().await?;
    if !store
        .change_school_status(&mut tx, tenant, school, SchoolStatus::Pending, SchoolStatus::decided(authorise))
        .await?
    {
        return Ok(false); // decided meanwhile by someone else
    }
    if authorise {
        for member in store.list_staff(tenant, school).await? {
            if !member.active && !member.has_password {
                let user_id = induct_domain::UserId(member.id);
                store.set_user_active(&mut tx, tenant, user_id, true).await?;
                let user = store.get_user_in(tenant, user_id).await?.ok_or(ServiceError::NotFound)?;
                queue_link(state, &mut tx, site, &user, true, now).await?;
            }
        }
    }
    let subject = school.to_string();
    store
        .record_audit(
            &mut tx,
            &NewAuditEvent {
                tenant: Some(tenant),
                kind: if authorise { AuditEventKind::SchoolAuthorised } else { AuditEventKind::SchoolRejected },
                actor: Some(actor.user),
                subject: Some(&subject),
                ip: actor.ip,
                user_agent: actor.user_agent,
                factor: None,
                detail: reason,
            },
            now,
        )
        .await?;
    tx.commit().await?;
    state.wake_mailer();
    Ok(true)
}
