//! Rendering a page in the site's theme with what every page needs: the AB's branding, the
//! signed-in user and menu, the CSRF token, the CSP nonce and the idle-timeout settings.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Html;
use minijinja::value::Serde;
use minijinja::{Value, context};

use super::headers::CspNonce;
use super::menu;
use crate::auth::csrf::CsrfToken;
use induct_domain::{Permission, TenantId};

use crate::auth::session::{CurrentUser, RequestMeta, SessionRotation};
use crate::error::{AppError, AppResult};
use crate::services::accounts::Actor;
use crate::state::AppState;
use crate::tenancy::Site;

pub struct Page {
    pub state: AppState,
    pub site: Site,
    pub user: Option<CurrentUser>,
    pub csrf: String,
    /// The random cookie the CSRF token is bound to.
    csrf_binding: String,
    /// Where a new session id goes when the password is re-entered (docs/security.md S1).
    pub rotation: Option<SessionRotation>,
    pub nonce: String,
}

impl FromRequestParts<AppState> for Page {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let site = parts.extensions.get::<Site>().cloned().ok_or(AppError::NotFound)?;
        Ok(Page {
            state: state.clone(),
            site,
            user: parts.extensions.get::<CurrentUser>().cloned(),
            csrf: parts.extensions.get::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default(),
            csrf_binding: parts.extensions.get::<CsrfToken>().map(|t| t.1.clone()).unwrap_or_default(),
            rotation: parts.extensions.get::<SessionRotation>().cloned(),
            nonce: parts.extensions.get::<CspNonce>().map(|n| n.0.clone()).unwrap_or_default(),
        })
    }
}

/// The branding and chrome of a site, for templates (also used by error pages).
pub fn site_context(state: &AppState, site: &Site) -> Value {
    let theme = state.themes().get(site.theme());
    let tenant = site.tenant();
    // The theme's contact details win (theme authors keep them current); else the AB's record.
    let contact = theme.manifest.contact.as_ref();
    let email = contact.and_then(|c| c.email.clone()).or_else(|| tenant.map(|t| t.contact_email.clone()));
    let phone = contact.and_then(|c| c.phone.clone()).or_else(|| tenant.map(|t| t.contact_phone.clone()));
    context! {
        name => site.name(),
        slug => tenant.map(|t| t.slug.clone()),
        is_platform => tenant.is_none(),
        contact_email => email,
        contact_phone => phone,
        contact_hours => contact.and_then(|c| c.hours.clone()),
        contact_note => contact.and_then(|c| c.note.clone()),
        logo_url => theme.manifest.logo.as_ref().map(|l| format!("/static/{}", l.file)),
        logo_alt => theme.manifest.logo.as_ref().map(|l| l.alt.clone()),
        theme_css => theme.css_variables(),
    }
}

impl Page {
    pub fn base_context(&self) -> Value {
        let policy = self.state.session_policy();
        let user = self.user.as_ref().map(|u| {
            context! {
                display_name => u.display_name.clone(),
                username => u.username.clone(),
                role => u.role.as_str(),
                role_title => u.role.title(),
                email => u.email.clone(),
            }
        });
        // What the user may do, for templates to show or hide links: the permission table's
        // answer for the role (`Role::allows`), never a rule of the template's own.
        let can: std::collections::BTreeMap<&str, bool> = match &self.user {
            Some(u) => Permission::ALL.iter().map(|p| (p.key(), u.role.allows(*p))).collect(),
            None => Default::default(),
        };
        context! {
            site => site_context(&self.state, &self.site),
            user => user,
            can,
            menu => self.user.as_ref().map(|u| Serde(menu::for_role(u.role))),
            csrf_token => self.csrf_token(),
            csp_nonce => self.nonce.clone(),
            idle_timeout_secs => policy.idle.num_seconds(),
            idle_warning_secs => policy.warn_before.num_seconds(),
        }
    }

    /// The token for this page's forms: bound to the session id the browser will hold after this
    /// response (a new one if the password was re-entered during the request).
    pub fn csrf_token(&self) -> String {
        match self.rotation.as_ref().and_then(SessionRotation::get) {
            Some(session) => crate::auth::csrf::token_for(&self.state, &self.csrf_binding, &session),
            None => self.csrf.clone(),
        }
    }

    pub fn render(&self, template: &str, ctx: Value) -> AppResult<Html<String>> {
        let theme = self.state.themes().get(self.site.theme());
        let merged = context! { ..ctx, ..self.base_context() };
        Ok(Html(theme.render_page(template, merged)?))
    }

    /// The signed-in user (pages behind a `Signed` route always have one).
    pub fn user(&self) -> AppResult<&CurrentUser> {
        self.user.as_ref().ok_or(AppError::Unauthenticated)
    }

    /// The signed-in user's AB, from the session (never from the request). The platform
    /// operator has none: AB pages are "not found" for them.
    pub fn tenant(&self) -> AppResult<TenantId> {
        self.user()?.tenant.ok_or(AppError::NotFound)
    }

    /// The signed-in user as the actor of a change, with the request's address and browser.
    pub fn actor<'a>(&self, meta: &'a RequestMeta) -> AppResult<Actor<'a>> {
        Ok(Actor { user: self.user()?.id, ip: &meta.ip, user_agent: &meta.user_agent })
    }
}
