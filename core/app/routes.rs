//! What a route declares about itself: who may use it and on which site. The web edge enforces
//! the declaration on every route; the app's state keeps the inventory for the tests
//! (docs/security.md T1). It sits below the web layer so that the state need not import it.

use induct_domain::Permission;

use crate::tenancy::Site;

/// Who may use a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (login page, static files).
    Public,
    /// A signed-in user whose role has the permission.
    Signed(Permission),
}

/// Which sites serve a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sites {
    Any,
    /// Only an appropriate body's site.
    Ab,
    /// Only the platform (bare domain) site.
    Platform,
}

impl Sites {
    pub fn allows(self, site: &Site) -> bool {
        matches!((self, site), (Sites::Any, _) | (Sites::Ab, Site::Ab(_)) | (Sites::Platform, Site::Platform))
    }
}

#[derive(Clone, Copy, Debug)]
pub struct RouteInfo {
    pub method: &'static str,
    pub path: &'static str,
    pub sites: Sites,
    pub access: Access,
}
