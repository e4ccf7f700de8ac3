//! The web edge: routers by feature, middleware, page rendering.
//!
//! Every route is added through [`RouteTable`], which makes it declare who may use it
//! ([`Access`]) and on which site ([`Sites`]); the declaration is enforced by a guard on the route
//! and kept in an inventory that the tests walk (docs/security.md T1: deny by default).

pub mod ab;
pub mod account;
pub mod assets;
pub mod dashboard;
pub mod ects;
pub mod errors;
pub mod form;
pub mod headers;
pub mod induction_record;
pub mod login;
pub mod menu;
pub mod my_details;
pub mod notifications;
pub mod page;
pub mod platform;
pub mod plugins;
pub mod register_school;
pub mod reports;
pub mod schools;
pub mod staff;
pub mod step_up;
pub mod term_dates;
pub mod welcome;

use axum::Router;
use axum::extract::{Request, State};
use axum::handler::Handler;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::auth::session::{CurrentUser, RequestMeta, SessionTimedOut};
use crate::error::AppError;
use crate::state::AppState;
use crate::tenancy::Site;

pub use crate::routes::{Access, RouteInfo, Sites};

pub struct RouteTable {
    router: Router<AppState>,
    routes: Vec<RouteInfo>,
    state: AppState,
}

impl RouteTable {
    fn new(state: AppState) -> Self {
        Self { router: Router::new(), routes: vec![], state }
    }

    fn add(mut self, info: RouteInfo, method_router: MethodRouter<AppState>) -> Self {
        let guard = Guard { state: self.state.clone(), info };
        self.router =
            self.router.route(info.path, method_router.route_layer(middleware::from_fn_with_state(guard, enforce)));
        self.routes.push(info);
        self
    }

    pub fn get<H, T>(self, path: &'static str, sites: Sites, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(RouteInfo { method: "GET", path, sites, access }, get(handler))
    }

    pub fn post<H, T>(self, path: &'static str, sites: Sites, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(RouteInfo { method: "POST", path, sites, access }, post(handler))
    }
}

#[derive(Clone)]
struct Guard {
    state: AppState,
    info: RouteInfo,
}

/// Enforces a route's declaration before its handler runs.
async fn enforce(State(guard): State<Guard>, req: Request, next: Next) -> Response {
    let Some(site) = req.extensions().get::<Site>().cloned() else {
        return AppError::NotFound.into_response();
    };
    if !guard.info.sites.allows(&site) {
        return AppError::NotFound.into_response();
    }
    let Access::Signed(permission) = guard.info.access else {
        return next.run(req).await;
    };
    let Some(user) = req.extensions().get::<CurrentUser>().cloned() else {
        if req.extensions().get::<SessionTimedOut>().is_some() {
            return axum::response::Redirect::to("/login?timeout=1").into_response();
        }
        return AppError::Unauthenticated.into_response();
    };
    // Before anything else, in this order: a password marked compromised is changed (docs/security.md
    // A5); staff who see many ECTs set up a strong second factor (D9); the first-login steps are
    // done (seed 001).
    if let Some(to) = gate(&user, guard.info.path) {
        return axum::response::Redirect::to(to).into_response();
    }
    if !user.role.allows(permission) {
        let meta = RequestMeta::from_extensions(req.extensions());
        if let Err(e) = audit_denied(&guard.state, &site, &user, &meta, guard.info.path).await {
            return e.into_response();
        }
        return AppError::Forbidden.into_response();
    }
    next.run(req).await
}

/// What a signed-in user may reach before finishing the first-login steps.
const SETUP_ROUTES: [&str; 4] = ["/welcome", "/session/keepalive", "/help", "/account/two-factor"];

/// What a user whose password was marked compromised may reach: changing it.
const PASSWORD_ROUTES: [&str; 4] = ["/account/password", "/session/keepalive", "/help", "/logout"];

/// What staff without a strong second factor may reach: setting one up (and the mobile number it
/// needs, on My Account).
const ENROL_ROUTES: [&str; 6] =
    ["/account/two-factor", "/account", "/account/contact", "/session/keepalive", "/help", "/logout"];

/// Where a signed-in user must go first, if anywhere.
fn gate(user: &CurrentUser, path: &str) -> Option<&'static str> {
    if user.must_change_password && !PASSWORD_ROUTES.contains(&path) {
        return Some("/account/password");
    }
    if user.role.needs_strong_second_factor() && !user.strong_second_factor && !ENROL_ROUTES.contains(&path) {
        return Some("/account/two-factor");
    }
    if user.setup_required && !SETUP_ROUTES.contains(&path) {
        return Some("/welcome");
    }
    None
}

/// docs/security.md D2: a refused request is an `authz_fail` event.
pub async fn audit_denied(
    state: &AppState,
    site: &Site,
    user: &CurrentUser,
    meta: &RequestMeta,
    what: &str,
) -> Result<(), AppError> {
    let actor = crate::services::accounts::Actor { user: user.id, ip: &meta.ip, user_agent: &meta.user_agent };
    crate::services::audit::denied(state, site.tenant_id(), &actor, user.role, what).await?;
    Ok(())
}

fn routes(state: AppState) -> RouteTable {
    let t = RouteTable::new(state);
    let t = dashboard::routes(t);
    let t = login::routes(t);
    let t = account::routes(t);
    let t = assets::routes(t);
    let t = welcome::routes(t);
    let t = schools::routes(t);
    let t = staff::routes(t);
    let t = register_school::routes(t);
    let t = term_dates::routes(t);
    let t = induction_record::routes(t);
    let t = reports::routes(t);
    let t = plugins::routes(t);
    let t = platform::routes(t);
    let t = ects::routes(t);
    let t = ab::routes(t);
    let t = notifications::routes(t);
    let t = my_details::routes(t);
    t
}

/// The path as logs may show it: the token of a set-password link is a secret (D3).
pub fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    match path.strip_prefix("/set-password/") {
        Some(_) => "/set-password/{token}".into(),
        None => path.into(),
    }
}

/// Builds the whole application router with its middleware.
///
/// Outermost first: security headers (with the CSP nonce) -> site from Host -> error pages ->
/// timeout -> body limit -> session -> CSRF -> panic catcher -> the route's guard -> handler.
pub fn router(state: AppState) -> Router {
    router_with(state, |table| table)
}

/// The router with extra routes behind the same middleware and guards (tests use this to add a
/// handler that panics, proving the panic is caught and branded).
pub fn router_with(state: AppState, extend: impl FnOnce(RouteTable) -> RouteTable) -> Router {
    let table = extend(routes(state.clone()));
    state.set_routes(table.routes);
    let cfg = state.config().server.clone();
    table
        .router
        .fallback(|| async { AppError::NotFound })
        .layer(CatchPanicLayer::custom(errors::panic_response))
        .layer(middleware::from_fn_with_state(state.clone(), crate::auth::csrf::csrf_guard))
        .layer(middleware::from_fn_with_state(state.clone(), crate::auth::session::resolve_session))
        .layer(RequestBodyLimitLayer::new(cfg.body_limit.max(cfg.upload_limit)))
        // axum's own extractors stop at 2 MiB by default; plugin uploads may be 32 MiB. Forms are
        // still held to `body_limit` by the CSRF layer, which reads them first.
        .layer(axum::extract::DefaultBodyLimit::max(cfg.body_limit.max(cfg.upload_limit)))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(cfg.request_timeout_secs),
        ))
        .layer(middleware::from_fn_with_state(state.clone(), errors::render_error_pages))
        .layer(middleware::from_fn_with_state(state.clone(), crate::tenancy::resolve_site))
        .layer(middleware::from_fn_with_state(state.clone(), headers::security_headers))
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(|req: &Request| {
            // The path only: never the query string, which could carry tokens (D3).
            tracing::info_span!("request", method = %req.method(), path = %loggable_path(req.uri().path()))
        }))
        .with_state(state)
}
