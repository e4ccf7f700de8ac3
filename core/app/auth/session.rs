//! Sessions: cookies, the signed-in user, and the middleware that resolves them per request.

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use chrono::{DateTime, Utc};
use cookie::{Cookie, SameSite};
use induct_domain::session::SessionState;
use induct_domain::{Role, TenantId, UserId};
use std::net::{IpAddr, SocketAddr};

use crate::error::AppError;
use crate::state::AppState;
use crate::store::audit::{AuditEventKind, NewAuditEvent};
use crate::tenancy::Site;

/// Cookie names. With secure cookies on (the default) they carry the `__Host-` prefix, which
/// browsers accept only with `Secure`, `Path=/` and no `Domain` (docs/security.md S2).
#[derive(Clone, Copy)]
pub struct CookieNames {
    pub session: &'static str,
    pub csrf: &'static str,
    /// The pending login waiting for its second factor.
    pub mfa: &'static str,
    pub secure: bool,
}

impl CookieNames {
    pub fn new(secure: bool) -> Self {
        if secure {
            Self { session: "__Host-session", csrf: "__Host-csrf", mfa: "__Host-mfa", secure }
        } else {
            Self { session: "induct_session", csrf: "induct_csrf", mfa: "induct_mfa", secure }
        }
    }

    pub fn build(&self, name: &'static str, value: String) -> HeaderValue {
        let cookie =
            Cookie::build((name, value)).path("/").http_only(true).secure(self.secure).same_site(SameSite::Lax).build();
        HeaderValue::from_str(&cookie.to_string()).expect("cookie values are base64url")
    }

    pub fn clear(&self, name: &'static str) -> HeaderValue {
        let cookie = Cookie::build((name, ""))
            .path("/")
            .http_only(true)
            .secure(self.secure)
            .same_site(SameSite::Lax)
            .max_age(cookie::time::Duration::ZERO)
            .build();
        HeaderValue::from_str(&cookie.to_string()).expect("empty cookie")
    }
}

/// Reads one cookie from the request headers. Malformed cookies are ignored, never an error.
pub fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then(|| v.trim().to_owned())
        })
        .find(|v| {
            !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// The signed-in user of this request.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub id: UserId,
    pub tenant: Option<TenantId>,
    pub role: Role,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub session_hash: String,
    pub session_created_at: DateTime<Utc>,
    /// The last login or password re-entry (signatures ask again after 5 minutes).
    pub authenticated_at: DateTime<Utc>,
    /// The first-login steps are still to do (seed 001): nothing else is reachable.
    pub setup_required: bool,
    /// An administrator marked the password compromised: it must be changed first (A5).
    pub must_change_password: bool,
    /// An authenticator app or a verified mobile number is set up (D9).
    pub strong_second_factor: bool,
}

/// A new session id issued during this request (docs/security.md S1: at re-authentication); the
/// session middleware sends it as the cookie with the response.
#[derive(Clone, Debug, Default)]
pub struct SessionRotation(pub std::sync::Arc<std::sync::Mutex<Option<String>>>);

impl SessionRotation {
    pub fn set(&self, token: String) {
        *self.0.lock().expect("rotation lock") = Some(token);
    }

    pub fn get(&self) -> Option<String> {
        self.0.lock().expect("rotation lock").clone()
    }
}

/// Set when the request carried a session that has just expired.
#[derive(Clone, Copy, Debug)]
pub struct SessionTimedOut;

/// The client's address: the peer, or the last untrusted hop of `X-Forwarded-For` when the peer is
/// a configured proxy (docs/security.md A9: never believe the header from anyone else).
#[derive(Clone, Debug)]
pub struct ClientIp(pub String);

#[derive(Clone, Debug)]
pub struct UserAgent(pub String);

pub fn client_ip(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpAddr]) -> String {
    let Some(peer) = peer else {
        return "unknown".into();
    };
    if !trusted.contains(&peer) {
        return peer.to_string();
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    forwarded.iter().rev().find(|ip| !trusted.contains(ip)).copied().unwrap_or(peer).to_string()
}

/// Resolves the session cookie into a [`CurrentUser`] (request extension) and keeps the idle
/// timer going. Expired sessions are deleted here (docs/security.md S3).
pub async fn resolve_session(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let ip = client_ip(peer, req.headers(), &state.config().server.trusted_proxies);
    let agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(512)
        .collect::<String>();
    req.extensions_mut().insert(ClientIp(ip.clone()));
    req.extensions_mut().insert(UserAgent(agent.clone()));

    let is_static = req.uri().path().starts_with("/static/");
    let cookie = read_cookie(req.headers(), state.cookies().session);
    let rotation = SessionRotation::default();
    if let (false, Some(token)) = (is_static, cookie) {
        let site = req.extensions().get::<Site>().cloned();
        match lookup(&state, &token, site.as_ref(), &ip, &agent).await {
            Ok(Lookup::Live(user)) => {
                req.extensions_mut().insert(user);
                req.extensions_mut().insert(rotation.clone());
            }
            Ok(Lookup::Expired) => {
                req.extensions_mut().insert(SessionTimedOut);
            }
            Ok(Lookup::None) => {}
            Err(e) => return axum::response::IntoResponse::into_response(e),
        }
    }
    let mut response = next.run(req).await;
    if let Some(token) = rotation.get() {
        let names = state.cookies();
        response.headers_mut().append(header::SET_COOKIE, names.build(names.session, token));
    }
    response
}

enum Lookup {
    Live(CurrentUser),
    Expired,
    None,
}

async fn lookup(state: &AppState, token: &str, site: Option<&Site>, ip: &str, agent: &str) -> Result<Lookup, AppError> {
    let hash = super::hash_token(token);
    let Some(row) = state.store().find_session(&hash).await? else {
        return Ok(Lookup::None);
    };
    let now = state.clock().now();
    // A session belongs to the site it was created on; elsewhere it does not exist.
    let site_tenant = site.and_then(Site::tenant_id);
    if row.tenant_id != site_tenant.map(|t| t.0) {
        return Ok(Lookup::None);
    }
    match state.session_policy().state(row.created_at, row.last_seen_at, now) {
        SessionState::Live if row.active => {}
        _ => {
            if state.store().delete_session(&hash).await? {
                let mut tx = state.store().begin().await?;
                state
                    .store()
                    .record_audit(
                        &mut tx,
                        &NewAuditEvent {
                            tenant: site_tenant,
                            kind: AuditEventKind::SessionExpired,
                            actor: Some(UserId(row.user_id)),
                            subject: None,
                            ip,
                            user_agent: agent,
                            factor: None,
                            detail: None,
                        },
                        now,
                    )
                    .await?;
                tx.commit().await?;
            }
            return Ok(Lookup::Expired);
        }
    }
    let role: Role = row.role.parse().map_err(|_| AppError::Internal("stored role is invalid".into()))?;
    // Writing on every request would make each page view a write; half a minute of slack on a
    // twenty-minute timer is invisible.
    if now - row.last_seen_at >= chrono::Duration::seconds(30) {
        state.store().touch_session(&hash, now).await?;
    }
    Ok(Lookup::Live(CurrentUser {
        id: UserId(row.user_id),
        tenant: row.tenant_id.map(TenantId),
        role,
        username: row.username,
        display_name: row.display_name,
        email: row.email,
        session_hash: hash,
        session_created_at: row.created_at,
        authenticated_at: row.authenticated_at,
        setup_required: row.setup_required,
        must_change_password: row.must_change_password,
        strong_second_factor: row.strong_second_factor,
    }))
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<CurrentUser>().cloned().ok_or(AppError::Unauthenticated)
    }
}

/// The signed-in user if there is one.
pub struct MaybeUser(pub Option<CurrentUser>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(parts.extensions.get::<CurrentUser>().cloned()))
    }
}

/// Who is asking and from where: for audit events.
#[derive(Clone, Debug)]
pub struct RequestMeta {
    pub ip: String,
    pub user_agent: String,
}

impl RequestMeta {
    pub fn from_extensions(ext: &axum::http::Extensions) -> Self {
        RequestMeta {
            ip: ext.get::<ClientIp>().map(|c| c.0.clone()).unwrap_or_else(|| "unknown".into()),
            user_agent: ext.get::<UserAgent>().map(|u| u.0.clone()).unwrap_or_default(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestMeta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(RequestMeta::from_extensions(&parts.extensions))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies_a9() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "203.0.113.9, 10.0.0.2".parse().unwrap());
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let stranger: IpAddr = "198.51.100.7".parse().unwrap();
        assert_eq!(client_ip(Some(stranger), &h, &[proxy]), "198.51.100.7");
        assert_eq!(client_ip(Some(proxy), &h, &[proxy]), "203.0.113.9");
        assert_eq!(client_ip(Some(stranger), &h, &[]), "198.51.100.7");
    }

    #[test]
    fn malformed_cookies_are_ignored() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=1; __Host-session=abc_DEF-12; junk".parse().unwrap());
        assert_eq!(read_cookie(&h, "__Host-session").as_deref(), Some("abc_DEF-12"));
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "__Host-session=<script>".parse().unwrap());
        assert_eq!(read_cookie(&h, "__Host-session"), None);
    }
}
