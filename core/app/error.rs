//! The one error type at the HTTP edge. Causes are logged, never shown: the response carries only
//! a status and a stable code, and `web::errors` turns it into the site's branded error page.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not signed in: sent to the login page.
    #[error("authentication required")]
    Unauthenticated,
    /// Signed in, but the role may not do this.
    #[error("forbidden")]
    Forbidden,
    /// Does not exist, or belongs to someone the caller may not see (docs/security.md T3: 404, not 403).
    #[error("not found")]
    NotFound,
    /// The request itself is malformed (not a form the page sent).
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// The form's security token is missing or wrong, or the request came from another site.
    #[error("csrf check failed: {0}")]
    Csrf(&'static str),
    #[error("request body too large")]
    PayloadTooLarge,
    /// A dependency (database) is unavailable: try again later.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
    /// A rule refused the command and the page has no field to show it next to: the stable
    /// code of the refusal (`registration_moved_on`, ...), shown by the theme's error page.
    #[error("refused: {0}")]
    Refused(&'static str),
}

/// Marks a response as an error page still to be rendered, with its stable code.
#[derive(Clone, Copy, Debug)]
pub struct ErrorPage {
    pub code: &'static str,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf(_) => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::Refused(_) => StatusCode::CONFLICT,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::BadRequest(_) => "bad_request",
            AppError::Csrf(_) => "csrf",
            AppError::PayloadTooLarge => "payload_too_large",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal",
            AppError::Refused(code) => code,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        if e.is_unavailable() { AppError::Unavailable(e.to_string()) } else { AppError::Internal(e.to_string()) }
    }
}

impl From<crate::services::ServiceError> for AppError {
    fn from(e: crate::services::ServiceError) -> Self {
        use crate::services::ServiceError::*;
        match e {
            NotFound => AppError::NotFound,
            Store(e) => e.into(),
            Render(e) => e.into(),
            Internal(cause) => AppError::Internal(cause),
        }
    }
}

impl From<crate::themes::RenderError> for AppError {
    fn from(e: crate::themes::RenderError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match &self {
            AppError::Internal(cause) | AppError::Unavailable(cause) => {
                tracing::error!(code = self.code(), cause = %cause, "request failed");
            }
            AppError::Csrf(why) => tracing::warn!(code = "csrf", why, "request refused"),
            AppError::BadRequest(why) => {
                tracing::info!(code = "bad_request", why, "request refused")
            }
            _ => {}
        }
        if let AppError::Unauthenticated = self {
            return axum::response::Redirect::to("/login").into_response();
        }
        let mut response = self.status().into_response();
        response.extensions_mut().insert(ErrorPage { code: self.code() });
        response
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// A service's refusals at the edge: its failures become error pages like any other, and a
/// refusal that the page did not show next to a field becomes 409 with the refusal's stable
/// code (or 403/404 where the refusal is about who may act).
macro_rules! refusals {
    ($t:ty { $($p:pat => $app:expr),* $(,)? }) => {
        impl From<$t> for AppError {
            fn from(e: $t) -> Self {
                type E = $t;
                match e {
                    E::Store(e) => e.into(),
                    E::Failed(e) => e.into(),
                    $($p => $app,)*
                }
            }
        }
    };
}

use crate::services::{accounts, ects, registration, report_forms, two_factor};

refusals!(accounts::SetPasswordError {
    E::InvalidLink => AppError::Refused("link_invalid"),
    E::Weak(_) => AppError::Refused("password_weak"),
});
refusals!(accounts::ChangePasswordError {
    E::WrongCurrent => AppError::Refused("password_wrong"),
    E::Locked => AppError::Refused("account_locked"),
    E::Weak(_) => AppError::Refused("password_weak"),
});
refusals!(ects::RegisterEctError {
    E::DuplicateEct { .. } => AppError::Refused("trn_registered"),
    E::DuplicateRegistration { .. } => AppError::Refused("registration_in_progress"),
});
refusals!(ects::DecisionError {
    E::Order(_) => AppError::Refused("registration_moved_on"),
    E::TrnTaken => AppError::Refused("trn_registered"),
});
refusals!(ects::OwnDetailsError {
    E::Verified => AppError::Refused("identity_verified"),
    E::TrnTaken => AppError::Refused("trn_registered"),
});
refusals!(registration::RegisterError { E::DuplicateUrn(_) => AppError::Refused("urn_registered") });
refusals!(report_forms::FormError {
    E::Flow(_) => AppError::Refused("report_moved_on"),
    E::Missing(_) => AppError::Refused("answers_missing"),
    E::TooEarly(_) => AppError::Refused("report_not_due"),
    E::NotYours => AppError::Forbidden,
    E::Changed => AppError::Refused("report_changed"),
});
refusals!(two_factor::TwoFactorError {
    E::AlreadyOn => AppError::Refused("two_factor_already_on"),
    E::NothingPending => AppError::Refused("two_factor_not_started"),
    E::WrongCode => AppError::Refused("code_wrong"),
    E::Locked => AppError::Refused("code_locked"),
    E::NoMobile => AppError::Refused("mobile_missing"),
    E::NotSent => AppError::Refused("code_budget_spent"),
    E::RoleNeedsIt => AppError::Refused("strong_factor_required"),
});
refusals!(crate::plugins::InstallError {
    E::Refused(_) => AppError::Refused("plugin_refused"),
    E::UnknownVersion => AppError::NotFound,
});
