//! What a signed-in user can reach, as handles that carry the tenant and the user's reach.
//!
//! Handlers ask a [`Scope`] for records instead of calling the store with ids they were sent:
//! the scope adds the tenant from the session (never from the request) and the user's own schools
//! where the role is limited to them. A record outside the scope is simply not found (docs/security.md
//! T3: 404, not 403, for foreign ids).

use induct_domain::roles::Reach;
use induct_domain::{SchoolId, TenantId, UserId};

use crate::auth::session::CurrentUser;
use crate::store::schools::SchoolRow;
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
