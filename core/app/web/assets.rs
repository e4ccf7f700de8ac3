//! Static files of the site's theme (falling back to the default theme's).

use crate::web::{Access, RouteTable, Sites};
use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::page::Page;
use crate::error::AppError;

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or("") {
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

pub async fn view_asset_get(page: Page, Path(path): Path<String>) -> Result<Response, AppError> {
    let theme = page.state.themes().get(page.site.theme());
    let bytes = theme.asset(&path).ok_or(AppError::NotFound)?;
    let mut response = (*bytes).clone().into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(&path)));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    if path.ends_with(".svg") {
        // An SVG opened on its own must not run script.
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
        );
    }
    Ok(response)
}

/// This feature's routes, each declaring who may use it and on which site (docs/security.md T1).
pub(super) fn routes(t: RouteTable) -> RouteTable {
    use Access::*;
    t.get("/static/{*path}", Sites::Any, Public, view_asset_get)
}
