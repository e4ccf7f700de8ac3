//! What a signed-in user can reach, as handles that carry the tenant and the user's reach.
//!
//! Handlers ask a [`Scope`] for records instead of calling the store with ids they were sent:
//! the scope adds the tenant from the session (never from the request) and the user's own schools
//! where the role is limited to them. A record outside the scope is simply not found (docs/security.md
//! T3: 404, not 403, for foreign ids).

use chrono::NaiveDate;
use induct_domain::roles::Reach;
use induct_domain::{SchoolId, TenantId, UserId};
use uuid::Uuid;

use crate::auth::session::CurrentUser;
use crate::store::ects::RegistrationRow;
use crate::store::induction::InductionRow;
use crate::store::report_forms::AlertRow;
use crate::store::schools::SchoolRow;
use crate::store::users::UserRow;
use crate::store::{Result, Store};

pub enum Scope<'a> {
    /// The platform operator: no AB's records.
    Platform,
    /// Everything in one AB.
    WholeAb { store: &'a Store, tenant: TenantId },
    /// The user's own schools in one AB.
    OwnSchools { store: &'a Store, tenant: TenantId, user: UserId },
    /// The user's own induction record (ECT).
    OwnRecord { store: &'a Store, tenant: TenantId, user: UserId },
}

impl CurrentUser {
    pub fn scope<'a>(&self, store: &'a Store) -> Scope<'a> {
        let Some(tenant) = self.tenant else {
            return Scope::Platform;
        };
        match self.role.reach() {
            Reach::Platform => Scope::Platform,
            Reach::WholeAb => Scope::WholeAb { store, tenant },
            Reach::OwnSchools => Scope::OwnSchools { store, tenant, user: self.id },
            Reach::OwnRecord => Scope::OwnRecord { store, tenant, user: self.id },
        }
    }
}

impl Scope<'_> {
    /// Schools the user may see.
    pub async fn schools(&self) -> Result<Vec<SchoolRow>> {
        match self {
            Scope::Platform => Ok(vec![]),
            Scope::WholeAb { store, tenant } => store.list_schools(*tenant).await,
            Scope::OwnSchools { store, tenant, user } | Scope::OwnRecord { store, tenant, user } => {
                store.list_schools_of_user(*tenant, *user).await
            }
        }
    }

    /// One school, if the user may see it.
    pub async fn school(&self, id: SchoolId) -> Result<Option<SchoolRow>> {
        match self {
            Scope::Platform => Ok(None),
            Scope::WholeAb { store, tenant } => store.get_school(*tenant, id).await,
            Scope::OwnSchools { .. } | Scope::OwnRecord { .. } => {
                Ok(self.schools().await?.into_iter().find(|s| s.id == id.0))
            }
        }
    }
}

/// An ECT's induction as a user reaches it, with the school the user acts for: their own school
/// employing the ECT today (school staff), or the ECT's latest school (the ECT, the AB).
pub struct Reached {
    pub induction: InductionRow,
    pub school: Option<SchoolId>,
}

impl Scope<'_> {
    /// The ECT's induction, if the user may see it: the AB any of its ECTs, school staff an ECT
    /// their school employs today (a school the ECT has left keeps no access; its reports stay
    /// with the AB), the ECT their own. Applied in SQL.
    pub async fn induction(&self, ect: UserId, today: NaiveDate) -> Result<Option<Reached>> {
        match self {
            Scope::Platform => Ok(None),
            Scope::WholeAb { store, tenant } => match store.induction_of_ect(*tenant, ect).await? {
                Some(i) => latest_school(store, *tenant, i).await.map(Some),
                None => Ok(None),
            },
            Scope::OwnRecord { store, tenant, user } => match store.induction_of_ect(*tenant, ect).await? {
                Some(i) if *user == ect => latest_school(store, *tenant, i).await.map(Some),
                _ => Ok(None),
            },
            Scope::OwnSchools { store, tenant, user } => {
                let found = store.db().induction_at_schools_of(*tenant, ect, *user, today).await?;
                Ok(found.map(|(induction, school)| Reached { induction, school: Some(SchoolId(school)) }))
            }
        }
    }

    /// A registration, if it is at one of the user's schools (the AB: any of its own).
    pub async fn registration(&self, id: Uuid) -> Result<Option<RegistrationRow>> {
        match self {
            Scope::WholeAb { store, tenant } => store.get_registration(*tenant, id).await,
            Scope::OwnSchools { store, tenant, user } => store.get_registration_at_schools_of(*tenant, id, *user).await,
            Scope::Platform | Scope::OwnRecord { .. } => Ok(None),
        }
    }

    /// The alerts the user may see: the AB all of its own, school staff their schools'.
    pub async fn alerts(&self) -> Result<Vec<AlertRow>> {
        match self {
            Scope::WholeAb { store, tenant } => store.list_alerts(*tenant).await,
            Scope::OwnSchools { store, tenant, user } => store.list_alerts_at_schools_of(*tenant, *user).await,
            Scope::Platform | Scope::OwnRecord { .. } => Ok(vec![]),
        }
    }

    pub async fn alert(&self, id: Uuid) -> Result<Option<AlertRow>> {
        match self {
            Scope::WholeAb { store, tenant } => store.get_alert(*tenant, id).await,
            Scope::OwnSchools { .. } => Ok(self.alerts().await?.into_iter().find(|a| a.id == id)),
            Scope::Platform | Scope::OwnRecord { .. } => Ok(None),
        }
    }

    /// A person of the AB that its administrator acts on (unlock, password compromised).
    pub async fn person(&self, id: UserId) -> Result<Option<UserRow>> {
        match self {
            Scope::WholeAb { store, tenant } => store.get_user_in(*tenant, id).await,
            _ => Ok(None),
        }
    }

    /// A member of staff of a school the user reaches.
    pub async fn staff_member(&self, school: SchoolId, id: UserId) -> Result<Option<UserRow>> {
        let (store, tenant) = match self {
            Scope::WholeAb { store, tenant } | Scope::OwnSchools { store, tenant, .. } => (*store, *tenant),
            Scope::Platform | Scope::OwnRecord { .. } => return Ok(None),
        };
        if self.school(school).await?.is_none() || !store.list_staff(tenant, school).await?.iter().any(|s| s.id == id.0)
        {
            return Ok(None);
        }
        store.get_user_in(tenant, id).await
    }
}

/// The induction with the ECT's latest school (by contract start).
async fn latest_school(store: &Store, tenant: TenantId, induction: InductionRow) -> Result<Reached> {
    let contracts = store.db().list_contracts(tenant, induction.id).await?;
    let school = contracts.iter().max_by_key(|c| c.start_date).map(|c| SchoolId(c.school_id));
    Ok(Reached { induction, school })
}
