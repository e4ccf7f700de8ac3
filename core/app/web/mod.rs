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
pub mod report_forms;
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
use induct_domain::Permission;
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
    use Access::*;
    use Permission::*;
    RouteTable::new(state)
        .get("/", Sites::Any, Public, dashboard::view_home_get)
        .get("/login", Sites::Any, Public, login::view_login_get)
        .post("/login", Sites::Any, Public, login::view_login_post)
        .post("/logout", Sites::Any, Public, login::view_logout_post)
        .get("/login/verify", Sites::Any, Public, login::view_verify_get)
        .post("/login/verify", Sites::Any, Public, login::view_verify_post)
        .post("/login/verify/resend", Sites::Any, Public, login::view_verify_resend_post)
        .get("/account/two-factor", Sites::Any, Signed(ViewOwnDashboard), account::view_two_factor_get)
        .post("/account/two-factor", Sites::Any, Signed(ViewOwnDashboard), account::view_two_factor_post)
        .post(
            "/account/two-factor/dismiss",
            Sites::Any,
            Signed(ViewOwnDashboard),
            dashboard::view_mfa_banner_dismiss_post,
        )
        .get("/signed-out", Sites::Any, Public, login::view_signed_out_get)
        .get("/static/{*path}", Sites::Any, Public, assets::view_asset_get)
        .get("/health", Sites::Any, Public, dashboard::view_health_get)
        .get("/help", Sites::Any, Public, dashboard::view_help_get)
        .get("/dashboard", Sites::Any, Signed(ViewOwnDashboard), dashboard::view_dashboard_get)
        .get("/welcome", Sites::Ab, Signed(ViewOwnDashboard), welcome::view_welcome_get)
        .post("/welcome", Sites::Ab, Signed(ViewOwnDashboard), welcome::view_welcome_post)
        .get("/account", Sites::Any, Signed(ViewOwnDashboard), account::view_account_get)
        .get("/account/password", Sites::Any, Signed(ViewOwnDashboard), account::view_change_password_get)
        .post("/account/password", Sites::Any, Signed(ViewOwnDashboard), account::view_account_password_post)
        .post("/account/contact", Sites::Any, Signed(ViewOwnDashboard), account::view_account_contact_post)
        .get("/account/security", Sites::Ab, Signed(ViewOwnDashboard), account::view_security_get)
        .post("/account/security", Sites::Ab, Signed(ViewOwnDashboard), account::view_security_post)
        // AB sites: platform operators recover through another operator (the link's page,
        // /set-password, is an AB-site page).
        .get("/account-recovery", Sites::Ab, Public, account::view_recovery_get)
        .post("/account-recovery", Sites::Ab, Public, account::view_recovery_post)
        .post("/session/keepalive", Sites::Any, Signed(ViewOwnDashboard), login::view_keepalive_post)
        .get("/schools", Sites::Ab, Signed(ListSchools), schools::view_schools_get)
        .get("/schools/{school_id}", Sites::Ab, Signed(ViewSchool), schools::view_school_get)
        .get("/schools/{school_id}/edit", Sites::Ab, Signed(EditSchool), schools::view_school_edit_get)
        .post("/schools/{school_id}/edit", Sites::Ab, Signed(EditSchool), schools::view_school_edit_post)
        .get("/schools/{school_id}/staff", Sites::Ab, Signed(ManageSchoolStaff), staff::view_staff_get)
        .post("/schools/{school_id}/staff", Sites::Ab, Signed(ManageSchoolStaff), staff::view_staff_post)
        .post(
            "/schools/{school_id}/staff/{user_id}/send-link",
            Sites::Ab,
            Signed(ManageStaffAccounts),
            staff::view_staff_send_link_post,
        )
        .post(
            "/schools/{school_id}/staff/{user_id}/deactivate",
            Sites::Ab,
            Signed(ManageStaffAccounts),
            staff::view_staff_deactivate_post,
        )
        .get("/register-school", Sites::Ab, Public, register_school::view_register_school_get)
        .post("/register-school", Sites::Ab, Public, register_school::view_register_school_post)
        .post(
            "/schools/{school_id}/decision",
            Sites::Ab,
            Signed(AuthoriseSchools),
            register_school::view_school_decision_post,
        )
        .get("/set-password/{token}", Sites::Ab, Public, staff::view_set_password_get)
        .post("/set-password/{token}", Sites::Ab, Public, staff::view_set_password_post)
        .get(
            "/schools/{school_id}/term-dates",
            Sites::Ab,
            Signed(EditAbCalendar),
            term_dates::view_school_term_dates_get,
        )
        .post(
            "/schools/{school_id}/term-dates",
            Sites::Ab,
            Signed(EditAbCalendar),
            term_dates::view_school_term_dates_post,
        )
        .get(
            "/ects/{ect_id}/induction",
            Sites::Ab,
            Signed(EditInductionRecord),
            induction_record::view_induction_record_get,
        )
        .post(
            "/ects/{ect_id}/induction",
            Sites::Ab,
            Signed(EditInductionRecord),
            induction_record::view_induction_record_post,
        )
        .get("/reports/upcoming", Sites::Ab, Signed(ViewUpcomingReports), dashboard::view_upcoming_get)
        .get("/reports", Sites::Ab, Signed(ListAbReports), reports::view_ab_reports_get)
        .get("/settings/term-dates", Sites::Ab, Signed(EditAbCalendar), term_dates::view_term_dates_get)
        .post("/settings/term-dates", Sites::Ab, Signed(EditAbCalendar), term_dates::view_term_dates_post)
        .get("/plugins", Sites::Ab, Signed(ManageAbPlugins), plugins::view_plugins_get)
        .post("/plugins", Sites::Ab, Signed(ManageAbPlugins), plugins::view_plugins_post)
        .post("/plugins/{plugin_id}/activate", Sites::Ab, Signed(ManageAbPlugins), plugins::view_plugin_activate_post)
        .get("/platform/appropriate-bodies", Sites::Platform, Signed(ListAppropriateBodies), platform::view_abs_get)
        .get(
            "/platform/appropriate-bodies/{slug}/plugins",
            Sites::Platform,
            Signed(ManageAnyAbPlugins),
            plugins::view_ab_plugins_get,
        )
        .post(
            "/platform/appropriate-bodies/{slug}/plugins",
            Sites::Platform,
            Signed(ManageAnyAbPlugins),
            plugins::view_ab_plugins_post,
        )
        .post(
            "/platform/appropriate-bodies/{slug}/plugins/{plugin_id}/activate",
            Sites::Platform,
            Signed(ManageAnyAbPlugins),
            plugins::view_ab_plugin_activate_post,
        )
        .get("/schools/{school_id}/ects/register", Sites::Ab, Signed(RegisterEcts), ects::view_register_ect_get)
        .post("/schools/{school_id}/ects/register", Sites::Ab, Signed(RegisterEcts), ects::view_register_ect_post)
        .get("/schools/{school_id}/ects/transfer", Sites::Ab, Signed(RegisterEcts), ects::view_transfer_ect_get)
        .post("/schools/{school_id}/ects/transfer", Sites::Ab, Signed(RegisterEcts), ects::view_transfer_ect_post)
        .get("/registrations/{registration_id}", Sites::Ab, Signed(ViewEctRegistrations), ects::view_registration_get)
        .post(
            "/registrations/{registration_id}/sign",
            Sites::Ab,
            Signed(SignEctRegistrations),
            ects::view_registration_sign_post,
        )
        .post(
            "/registrations/{registration_id}/decision",
            Sites::Ab,
            Signed(AuthoriseEctRegistrations),
            ects::view_registration_decision_post,
        )
        .get("/ects", Sites::Ab, Signed(ListEcts), ects::view_ects_get)
        .get("/ects/{ect_id}", Sites::Ab, Signed(ViewEctRecord), ects::view_ect_get)
        .post("/ects/{ect_id}/send-link", Sites::Ab, Signed(ManageStaffAccounts), ects::view_ect_send_link_post)
        .get("/ects/{ect_id}/tutor-and-mentor", Sites::Ab, Signed(AssignTutorsAndMentors), ects::view_ect_people_get)
        .post("/ects/{ect_id}/tutor-and-mentor", Sites::Ab, Signed(AssignTutorsAndMentors), ects::view_ect_people_post)
        .get("/ects/{ect_id}/leaving", Sites::Ab, Signed(RecordLeavers), ects::view_ect_leaving_get)
        .post("/ects/{ect_id}/leaving", Sites::Ab, Signed(RecordLeavers), ects::view_ect_leaving_post)
        .get("/tasks", Sites::Ab, Signed(ViewAbTasks), ab::view_tasks_get)
        .post("/leavers/{leaver_id}/acknowledge", Sites::Ab, Signed(ViewAbTasks), ab::view_leaver_acknowledge_post)
        .get("/staff", Sites::Ab, Signed(ListAbStaff), ab::view_ab_staff_get)
        .post("/users/{user_id}/unlock", Sites::Ab, Signed(UnlockAccounts), ab::view_user_unlock_post)
        .post("/users/{user_id}/compromised", Sites::Ab, Signed(UnlockAccounts), ab::view_user_compromised_post)
        .get("/notifications", Sites::Ab, Signed(ViewAbNotifications), notifications::view_notifications_get)
        .post(
            "/notifications/mail/{mail_id}/resend",
            Sites::Ab,
            Signed(ViewAbNotifications),
            notifications::view_mail_resend_post,
        )
        .post("/schools/{school_id}/reminders", Sites::Ab, Signed(EditSchool), schools::view_school_reminders_post)
        .get("/exports", Sites::Ab, Signed(ExportForNationalService), ab::view_exports_get)
        .get("/exports/claims.csv", Sites::Ab, Signed(ExportForNationalService), ab::view_claims_csv_get)
        .get("/exports/outcomes.csv", Sites::Ab, Signed(ExportForNationalService), ab::view_outcomes_csv_get)
        .get("/exports/ects.csv", Sites::Ab, Signed(ExportForNationalService), ab::view_ects_csv_get)
        .get("/my-details", Sites::Ab, Signed(EditOwnDetails), my_details::view_my_details_get)
        .post("/my-details", Sites::Ab, Signed(EditOwnDetails), my_details::view_my_details_post)
        .get("/my-details/print", Sites::Ab, Signed(EditOwnDetails), my_details::view_my_details_print_get)
        .post(
            "/my-details/previous-schools",
            Sites::Ab,
            Signed(EditOwnDetails),
            my_details::view_previous_school_add_post,
        )
        .post(
            "/my-details/previous-schools/{previous_school_id}/remove",
            Sites::Ab,
            Signed(EditOwnDetails),
            my_details::view_previous_school_remove_post,
        )
        .get("/ects/{ect_id}/reports/{number}", Sites::Ab, Signed(ReadReports), report_forms::view_report_get)
        .get("/ects/{ect_id}/reports/{number}/fill", Sites::Ab, Signed(FillReports), report_forms::view_report_fill_get)
        .post(
            "/ects/{ect_id}/reports/{number}/fill",
            Sites::Ab,
            Signed(FillReports),
            report_forms::view_report_fill_post,
        )
        .get("/ects/{ect_id}/reports/{number}/form", Sites::Ab, Signed(FillReports), report_forms::view_report_form_get)
        .post(
            "/ects/{ect_id}/reports/{number}/form",
            Sites::Ab,
            Signed(FillReports),
            report_forms::view_report_form_post,
        )
        .post(
            "/ects/{ect_id}/reports/{number}/autosave",
            Sites::Ab,
            Signed(DraftReports),
            report_forms::view_report_autosave_post,
        )
        .post(
            "/ects/{ect_id}/reports/{number}/support-plan",
            Sites::Ab,
            Signed(FillReports),
            report_forms::view_report_support_plan_post,
        )
        .get(
            "/ects/{ect_id}/reports/{number}/files/{file_id}",
            Sites::Ab,
            Signed(ReadReports),
            report_forms::view_report_file_get,
        )
        .get(
            "/ects/{ect_id}/reports/{number}/preview",
            Sites::Ab,
            Signed(ReadReports),
            report_forms::view_report_preview_get,
        )
        .get(
            "/ects/{ect_id}/reports/{number}/finish",
            Sites::Ab,
            Signed(FillReports),
            report_forms::view_report_finish_get,
        )
        .post(
            "/ects/{ect_id}/reports/{number}/finish",
            Sites::Ab,
            Signed(FillReports),
            report_forms::view_report_finish_post,
        )
        .post(
            "/ects/{ect_id}/reports/{number}/send-login/{who}",
            Sites::Ab,
            Signed(FillReports),
            report_forms::view_report_send_login_post,
        )
        .get(
            "/ects/{ect_id}/reports/{number}/comment",
            Sites::Ab,
            Signed(CommentOnReports),
            report_forms::view_report_comment_get,
        )
        .post(
            "/ects/{ect_id}/reports/{number}/comment",
            Sites::Ab,
            Signed(CommentOnReports),
            report_forms::view_report_comment_post,
        )
        .post(
            "/ects/{ect_id}/reports/{number}/sign",
            Sites::Ab,
            Signed(SignReports),
            report_forms::view_report_sign_post,
        )
        .post(
            "/ects/{ect_id}/reports/{number}/decision",
            Sites::Ab,
            Signed(ReviewReports),
            report_forms::view_report_decision_post,
        )
        .get("/ects/{ect_id}/reports/{number}/pdf", Sites::Ab, Signed(ReadReports), report_forms::view_report_pdf_get)
        .get(
            "/schools/{school_id}/reports.pdf",
            Sites::Ab,
            Signed(PrintSchoolReports),
            report_forms::view_school_reports_pdf_get,
        )
        .get("/signatures", Sites::Ab, Signed(SignReports), report_forms::view_signatures_get)
        .post("/signatures", Sites::Ab, Signed(SignReports), report_forms::view_signatures_post)
        .get("/reports/review", Sites::Ab, Signed(ReviewReports), report_forms::view_review_get)
        .get("/my-details/pdf", Sites::Ab, Signed(EditOwnDetails), report_forms::view_my_details_pdf_get)
        .get("/alerts", Sites::Ab, Signed(ViewAlerts), report_forms::view_alerts_get)
        .get("/alerts/new", Sites::Ab, Signed(RaiseAlerts), report_forms::view_alert_new_get)
        .post("/alerts/new", Sites::Ab, Signed(RaiseAlerts), report_forms::view_alert_new_post)
        .get("/alerts/{alert_id}", Sites::Ab, Signed(ViewAlerts), report_forms::view_alert_get)
        .post("/alerts/{alert_id}/status", Sites::Ab, Signed(ReviewReports), report_forms::view_alert_status_post)
        .get("/platform/mail", Sites::Platform, Signed(ReadDemoMailbox), platform::view_mail_get)
        .get("/platform/mail/{mail_id}", Sites::Platform, Signed(ReadDemoMailbox), platform::view_mail_item_get)
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
