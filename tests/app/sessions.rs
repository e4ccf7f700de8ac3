//! Sessions: rotation, cookie attributes, idle and absolute timeouts, logout (docs/security.md S1-S4).

use chrono::Duration;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, spawn_app, users::*};

#[tokio::test]
async fn s1_re_entering_the_password_issues_a_new_session_id_and_the_page_keeps_working() {
    let app = spawn_app().await;
    let c = app.fenland();
    c.login_ok(FEN_LEAD).await;
    app.clock.advance(Duration::minutes(6));
    c.get("/account").await;
    let before = c.cookie("__Host-session").unwrap();
    let fields = [("email", "t.ellis@marshlane.example"), ("mobile", "07700900111")];
    let r = c.post_form("/account/contact", &[fields[0], fields[1], ("password", PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let after = c.cookie("__Host-session").unwrap();
    assert_ne!(before, after, "a new id at re-authentication");
    // The old id is dead; the page's forms carry a token for the new one.
    let old = app.fenland();
    old.set_cookie("__Host-session", &before);
    assert_eq!(old.get("/dashboard").await.location(), Some("/login"));
    let r = c.post_form("/account/contact", &[fields[0], ("mobile", "07700900222")]).await;
    assert_eq!(r.status, StatusCode::OK, "no password needed within five minutes: {}", r.body);
    assert_eq!(c.get("/dashboard").await.status, StatusCode::OK);
}

#[tokio::test]
async fn s1_login_issues_a_fresh_session_and_the_old_one_dies() {
    let app = spawn_app().await;
    let c = app.fenland();
    // A session id planted before login (fixation) is never adopted.
    c.set_cookie("__Host-session", "planted-by-an-attacker-0123456789abcdef");
    c.login_ok(FEN_TUTOR).await;
    let first = c.cookie("__Host-session").unwrap();
    assert_ne!(first, "planted-by-an-attacker-0123456789abcdef");
    assert!(first.len() >= 22);
    // The planted id is still no session.
    let planted = app.fenland();
    planted.set_cookie("__Host-session", "planted-by-an-attacker-0123456789abcdef");
    assert_eq!(planted.get("/dashboard").await.status, StatusCode::SEE_OTHER);
    // After the session times out, logging in again from the same browser issues another id;
    // the old one stays dead.
    app.clock.advance(chrono::Duration::minutes(21));
    c.login_ok(FEN_TUTOR).await;
    let second = c.cookie("__Host-session").unwrap();
    assert_ne!(first, second);
    let old = app.fenland();
    old.set_cookie("__Host-session", &first);
    let r = old.get("/dashboard").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/login"));
    // Another device's login is another session: both live.
    let other = app.fenland();
    other.login_ok(FEN_TUTOR).await;
    assert_ne!(other.cookie("__Host-session").unwrap(), second);
    assert_eq!(other.get("/dashboard").await.status, StatusCode::OK);
    assert_eq!(c.get("/dashboard").await.status, StatusCode::OK);
}

#[tokio::test]
async fn s2_session_cookie_attributes() {
    let app = spawn_app().await;
    let c = app.fenland();
    c.get("/login").await;
    let r = c.post_form("/login", &[("username", FEN_TUTOR), ("password", crate::helpers::PASSWORD)]).await;
    let cookies = r.set_cookies();
    let session = cookies.iter().find(|c| c.starts_with("__Host-session=")).expect("session cookie");
    let attrs: Vec<String> = session.split(';').skip(1).map(|a| a.trim().to_ascii_lowercase()).collect();
    for needed in ["secure", "httponly", "samesite=lax", "path=/"] {
        assert!(attrs.iter().any(|a| a == needed), "{needed} missing in {session}");
    }
    assert!(!attrs.iter().any(|a| a.starts_with("domain")), "no Domain: {session}");
    // The CSRF cookie rotates at login too, with the same attributes.
    let csrf = cookies.iter().find(|c| c.starts_with("__Host-csrf=")).expect("csrf cookie rotates");
    assert!(csrf.contains("Secure") && csrf.contains("HttpOnly") && csrf.contains("Path=/"));
}

#[tokio::test]
async fn s3_idle_timeout_is_twenty_minutes_and_activity_restarts_it() {
    let app = spawn_app().await;
    let c = app.fenland();
    c.login_ok(FEN_TUTOR).await;
    app.clock.advance(Duration::seconds(19 * 60 + 59));
    assert_eq!(c.get("/dashboard").await.status, StatusCode::OK, "19:59 idle");
    app.clock.advance(Duration::seconds(19 * 60 + 59));
    assert_eq!(c.get("/dashboard").await.status, StatusCode::OK, "the last request restarted the timer");
    app.clock.advance(Duration::seconds(20 * 60 + 1));
    let r = c.get("/dashboard").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/login?timeout=1"));
    let store = app.state.store();
    let tenant = store.find_tenant_by_slug("fenland").await.unwrap().unwrap().tenant_id();
    let user = store.find_user_for_login(Some(tenant), FEN_TUTOR).await.unwrap().unwrap();
    assert_eq!(store.count_sessions_of_user(user.user_id()).await.unwrap(), 0, "the expired session row is deleted");
    let login = c.get("/login?timeout=1").await;
    assert!(login.body.contains("inactive for 20 minutes"));
    assert!(app.audit_events(Some("fenland")).await.iter().any(|e| e.event == "session_expired"));
}

#[tokio::test]
async fn s3_sessions_end_after_twelve_hours_however_active() {
    let app = spawn_app().await;
    let c = app.fenland();
    c.login_ok(FEN_HEAD).await;
    for _ in 0..(12 * 12) {
        app.clock.advance(Duration::minutes(5));
        assert_eq!(c.get("/dashboard").await.status, StatusCode::OK);
    }
    app.clock.advance(Duration::seconds(1));
    assert_eq!(c.get("/dashboard").await.status, StatusCode::SEE_OTHER, "12:00:01 after login");
}

#[tokio::test]
async fn s3_the_page_warns_before_the_idle_timeout_and_keepalive_restarts_it() {
    let app = spawn_app().await;
    let c = app.fenland();
    c.login_ok(FEN_TUTOR).await;
    let r = c.get("/dashboard").await;
    let body_sel = scraper::Selector::parse("body").unwrap();
    let html = r.html();
    let body = html.select(&body_sel).next().unwrap();
    assert_eq!(body.value().attr("data-idle-timeout"), Some("1200"));
    assert_eq!(body.value().attr("data-idle-warning"), Some("120"));
    assert_eq!(r.texts("#idle-warning-title"), ["You will be signed out soon"]);
    let token = c.csrf_token().unwrap();
    app.clock.advance(Duration::minutes(19));
    let k = c.post_raw("/session/keepalive", &[], &[("x-csrf-token", &token), ("origin", &c.origin.clone())]).await;
    assert_eq!(k.status, StatusCode::NO_CONTENT);
    app.clock.advance(Duration::minutes(19));
    assert_eq!(c.get("/dashboard").await.status, StatusCode::OK);
}

#[tokio::test]
async fn s4_logout_destroys_the_session_on_the_server() {
    let app = spawn_app().await;
    let c = app.fenland();
    c.login_ok(FEN_AB_ADMIN).await;
    let cookie = c.cookie("__Host-session").unwrap();
    c.get("/dashboard").await;
    let r = c.post_form("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), Some("/signed-out"));
    assert!(c.cookie("__Host-session").is_none(), "the cookie is cleared");
    let replay = app.fenland();
    replay.set_cookie("__Host-session", &cookie);
    assert_eq!(replay.get("/dashboard").await.status, StatusCode::SEE_OTHER, "a replayed cookie is dead");
    assert!(app.audit_events(Some("fenland")).await.iter().any(|e| e.event == "session_logout"));
}
