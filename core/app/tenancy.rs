//! Tenancy: which site a request is for, from its Host header.
//!
//! `<slug>.<base_domain>` is an appropriate body's site; the bare `base_domain` (and loopback
//! addresses, for `cargo run`) is the platform site where operators sign in and the demo lists the
//! ABs. Any other host gets a plain not-found page and nothing else runs.

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use induct_domain::TenantId;
use std::sync::Arc;

use crate::state::AppState;
use crate::store::tenants::TenantRow;

#[derive(Clone, Debug)]
pub enum Site {
    Platform,
    Ab(Arc<TenantRow>),
}

impl Site {
    pub fn tenant_id(&self) -> Option<TenantId> {
        match self {
            Site::Platform => None,
            Site::Ab(t) => Some(t.tenant_id()),
        }
    }

    pub fn tenant(&self) -> Option<&TenantRow> {
        match self {
            Site::Platform => None,
            Site::Ab(t) => Some(t),
        }
    }

    /// A stable key for counters and logs: the AB's slug, or `platform`.
    pub fn key(&self) -> String {
        match self {
            Site::Platform => "platform".into(),
            Site::Ab(t) => t.slug.clone(),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Site::Platform => "Induct",
            Site::Ab(t) => &t.name,
        }
    }

    pub fn theme(&self) -> &str {
        match self {
            Site::Platform => crate::themes::DEFAULT_THEME,
            Site::Ab(t) => &t.theme,
        }
    }
}

/// What a Host header names.
#[derive(Debug, PartialEq, Eq)]
pub enum HostKind<'a> {
    Platform,
    Ab(&'a str),
    Unknown,
}

/// Classifies a Host header value (port ignored, case-insensitive per RFC 9110).
pub fn classify_host<'a>(host: &'a str, base_domain: &str) -> HostKind<'a> {
    let name = if host.starts_with('[') {
        host.split_inclusive(']').next().unwrap_or(host)
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => host,
        }
    };
    if name.eq_ignore_ascii_case(base_domain) || name == "127.0.0.1" || name == "[::1]" {
        return HostKind::Platform;
    }
    let suffix_len = base_domain.len() + 1;
    if name.len() > suffix_len {
        let (slug, rest) = name.split_at(name.len() - suffix_len);
        if rest.starts_with('.')
            && rest[1..].eq_ignore_ascii_case(base_domain)
            && !slug.is_empty()
            && slug.len() <= 63
            && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return HostKind::Ab(slug);
        }
    }
    HostKind::Unknown
}

pub async fn resolve_site(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
        .unwrap_or("")
        .to_owned();
    let site = match classify_host(&host, &state.config().server.base_domain) {
        HostKind::Platform => Some(Site::Platform),
        HostKind::Ab(slug) => match state.tenant_by_slug(slug).await {
            Ok(found) => found.map(Site::Ab),
            Err(e) => return e.into_response(),
        },
        HostKind::Unknown => None,
    };
    match site {
        Some(site) => {
            req.extensions_mut().insert(site);
            next.run(req).await
        }
        None => unknown_site(&state),
    }
}

fn unknown_site(state: &AppState) -> Response {
    let body = state
        .themes()
        .get(crate::themes::DEFAULT_THEME)
        .render("unknown_site.html", minijinja::context! { base_url => state.config().origin_for(None) })
        .unwrap_or_else(|_| {
            "<!doctype html><title>Not found</title><h1>This address is not an Induct site</h1>".into()
        });
    (StatusCode::NOT_FOUND, Html(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_name_sites() {
        let cases = [
            ("localhost", HostKind::Platform),
            ("localhost:8080", HostKind::Platform),
            ("LOCALHOST:8080", HostKind::Platform),
            ("127.0.0.1:8080", HostKind::Platform),
            ("fenland.localhost:8080", HostKind::Ab("fenland")),
            ("fenland.localhost", HostKind::Ab("fenland")),
            ("a.b.localhost", HostKind::Unknown),
            ("evil.example", HostKind::Unknown),
            ("fenland.localhost.evil.example", HostKind::Unknown),
            ("xlocalhost", HostKind::Unknown),
            (".localhost", HostKind::Unknown),
            ("", HostKind::Unknown),
            ("[::1]:8080", HostKind::Platform),
        ];
        for (host, expected) in cases {
            assert_eq!(classify_host(host, "localhost"), expected, "{host}");
        }
    }
}
