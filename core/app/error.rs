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
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        if e.is_unavailable() { AppError::Unavailable(e.to_string()) } else { AppError::Internal(e.to_string()) }
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
