//! Cross-site request forgery defence (docs/security.md S6), in three layers:
//! 1. Fetch Metadata: a state-changing request marked `Sec-Fetch-Site: cross-site` or `same-site`
//!    is refused (another AB's site is "same-site" with this one under one parent domain);
//! 2. `Origin`, when sent, must be this site's own origin;
//! 3. a token in every form (`csrf_token`) or the `X-CSRF-Token` header: an HMAC of a random
//!    cookie and the session cookie, so it changes at login and cannot be forged without the key.
//!
//! GET and HEAD never change state, so they are not checked.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::session::read_cookie;
use super::{constant_time_eq, new_token};
use crate::error::AppError;
use crate::state::AppState;

pub const FORM_FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";

/// The token for forms on this page (a request extension), and the random cookie it is bound to
/// (a page whose session id changed during the request makes its token again from it).
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String, pub String);

pub fn token_for(state: &AppState, csrf_cookie: &str, session_cookie: &str) -> String {
    state.keys().csrf_mac(format!("{csrf_cookie}|{session_cookie}").as_bytes())
}

pub async fn csrf_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let names = state.cookies();
    let existing = read_cookie(req.headers(), names.csrf);
    let fresh = existing.is_none().then(new_token);
    let binding = existing.clone().or_else(|| fresh.clone()).expect("one of them is set");
    let session = read_cookie(req.headers(), names.session).unwrap_or_default();
    let expected = token_for(&state, &binding, &session);

    let req = if is_state_changing(req.method()) {
        match check(&state, req, existing.is_some(), &expected).await {
            Ok(req) => req,
            Err(e) => return e.into_response(),
        }
    } else {
        req
    };
    let mut req = req;
    req.extensions_mut().insert(CsrfToken(expected, binding.clone()));
    let mut response = next.run(req).await;
    if let Some(value) = fresh {
        response.headers_mut().append(header::SET_COOKIE, names.build(names.csrf, value));
    }
    response
}

/// The `csrf_token` field of a multipart form. Forms put it first, so only the fields before it
/// are read (a file part after it is never buffered twice).
async fn multipart_token(bytes: axum::body::Bytes, boundary: String) -> String {
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(bytes) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some(FORM_FIELD) {
            return field.text().await.unwrap_or_default();
        }
    }
    String::new()
}

fn is_state_changing(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

async fn check(state: &AppState, req: Request, had_cookie: bool, expected: &str) -> Result<Request, AppError> {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return Err(AppError::Csrf("cross-site request"));
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
        let own = format!("{}://{host}", state.config().server.public_scheme);
        if origin.to_str().ok() != Some(own.as_str()) {
            return Err(AppError::Csrf("foreign origin"));
        }
    }
    if !had_cookie {
        return Err(AppError::Csrf("no csrf cookie"));
    }
    if let Some(token) = headers.get(HEADER).and_then(|v| v.to_str().ok()) {
        return if constant_time_eq(token, expected) { Ok(req) } else { Err(AppError::Csrf("bad token")) };
    }
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let limits = &state.config().server;
    let (limit, multipart_boundary) = if content_type.starts_with("application/x-www-form-urlencoded") {
        (limits.body_limit, None)
    } else if content_type.starts_with("multipart/form-data") {
        let boundary =
            multer::parse_boundary(&content_type).map_err(|_| AppError::BadRequest("multipart without boundary"))?;
        (limits.upload_limit, Some(boundary))
    } else {
        return Err(AppError::Csrf("no token"));
    };
    // Read the form to find the token, then hand the same bytes on to the handler.
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| AppError::PayloadTooLarge)?;
    let provided = match multipart_boundary {
        None => form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == FORM_FIELD)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default(),
        Some(boundary) => multipart_token(bytes.clone(), boundary).await,
    };
    if !constant_time_eq(&provided, expected) {
        return Err(AppError::Csrf("bad token"));
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}
