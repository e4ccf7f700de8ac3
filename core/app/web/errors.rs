//! Branded error pages (docs/security.md D5): every 4xx and 5xx that is not already a page becomes one
//! in the site's theme, with a plain message and no internal detail.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use minijinja::context;

use super::headers::CspNonce;
use super::page::site_context;
use crate::error::ErrorPage;
use crate::state::AppState;
use crate::tenancy::Site;

/// What users are told, by status and code.
fn message(status: StatusCode, code: Option<&str>) -> (&'static str, &'static str) {
    match (status.as_u16(), code) {
        (403, Some("csrf")) => (
            "This form has expired",
            "For your security, forms can only be sent from the page that showed them. Go back, reload the page and try again.",
        ),
        (400, _) => {
            ("There is a problem with that request", "The information sent could not be read. Go back and try again.")
        }
        (401, _) => ("Sign in to continue", "You need to sign in to see this page."),
        (403, _) => {
            ("You do not have permission to see this page", "If you think you should, contact your appropriate body.")
        }
        (404, _) => (
            "Page not found",
            "If you typed the web address, check it is correct. If you pasted it, check you copied all of it.",
        ),
        (405, _) => ("Page not found", "That action is not available at this address."),
        (408, _) => ("The request took too long", "Try again. If it keeps happening, contact support."),
        (413, _) => ("What you sent is too large", "Go back and send less, or a smaller file."),
        (415 | 422, _) => {
            ("There is a problem with that form", "The form could not be read. Go back, reload the page and try again.")
        }
        (409, _) => (
            "That cannot be done now",
            "Someone may have changed this meanwhile. Go back, reload the page to see where it stands and try again.",
        ),
        (429, _) => ("Too many requests", "Wait a few minutes and try again."),
        (503, _) => ("Sorry, the service is busy", "Try again in a few minutes. Nothing you saved has been lost."),
        _ => ("Sorry, there is a problem with the service", "Try again later. Nothing you saved has been lost."),
    }
}

pub async fn render_error_pages(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let site = req.extensions().get::<Site>().cloned();
    let nonce = req.extensions().get::<CspNonce>().map(|n| n.0.clone()).unwrap_or_default();
    let response = next.run(req).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let marker = response.extensions().get::<ErrorPage>().copied();
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"));
    if marker.is_none() && is_html {
        return response; // already a page (e.g. a form shown again with its errors)
    }
    let (title, detail) = message(status, marker.map(|m| m.code));
    let site = site.unwrap_or(Site::Platform);
    let theme = state.themes().get(site.theme());
    let body = theme
        .render_page(
            "error.html",
            context! {
                site => site_context(&state, &site),
                csp_nonce => nonce,
                status => status.as_u16(),
                title => title,
                detail => detail,
            },
        )
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "error page failed to render");
            format!("<!doctype html><meta charset=utf-8><title>{title}</title><h1>{title}</h1><p>{detail}</p>")
        });
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    Response::from_parts(parts, Body::from(body))
}

/// A handler panicked: log it and answer 500; the error-page layer brands it (D5).
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = err
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| err.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    tracing::error!(panic = %what, "a handler panicked");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}
