//! Two-step verification with an authenticator app (issue 7; RFC 6238; SECURITY.md M2-M5, S5):
//! enrolment behind a recent password, the code step at login, replay refused, five wrong codes
//! lock the factor for 30 minutes, pending logins expire after five minutes. Fixed clock, no
//! sleeps.

use induct_domain::mfa;
use reqwest::StatusCode;

use crate::helpers::{Client, PASSWORD, TestApp, captured_logs, spawn_app, users::*};

/// Turns on TOTP for the signed-in client; returns the secret.
async fn enrol(app: &TestApp, c: &Client) -> Vec<u8> {
    c.get("/account/two-factor").await;
    let r = c.post_form("/account/two-factor", &[("action", "start")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let secret_b32 = r.texts("#totp-secret")[0].clone();
    let secret = mfa::base32_decode(&secret_b32).unwrap();
    let wrong = c.post_form("/account/two-factor", &[("action", "confirm"), ("code", "000000")]).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    let code = mfa::totp_code(&secret, app.clock.now().timestamp());
    let r = c.post_form("/account/two-factor", &[("action", "confirm"), ("code", &code)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.texts(".two-factor-status")[0].starts_with("On since"));
    secret
}

#[tokio::test]
async fn totp_enrolment_needs_a_recent_password_and_then_guards_every_login() {
    let app = spawn_app().await;
    let c = app.fenland();
    c.login_ok(FEN_TUTOR).await;
    // S5: more than five minutes after logging in, the password is asked for.
    app.clock.advance(chrono::Duration::minutes(6));
    c.get("/account/two-factor").await;
    let r = c.post_form("/account/two-factor", &[("action", "start")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("reauth_required"));
    let r = c.post_form("/account/two-factor", &[("action", "start"), ("password", PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::OK);
    let secret = enrol(&app, &c).await;

    // Logging in now takes the password, then a code.
    let d = app.fenland();
    let r = d.login(FEN_TUTOR, PASSWORD).await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, Some("/login/verify")));
    assert_eq!(d.get("/dashboard").await.status, StatusCode::SEE_OTHER, "no session before the code");
    d.get("/login/verify").await;
    let r = d.post_form("/login/verify", &[("code", "123456")]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    app.clock.advance(chrono::Duration::seconds(31));
    let code = mfa::totp_code(&secret, app.clock.now().timestamp());
    let r = d.post_form("/login/verify", &[("code", &code)]).await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, Some("/dashboard")));
    assert_eq!(d.get("/dashboard").await.status, StatusCode::OK);
    // The same code cannot be used twice (RFC 6238 5.2).
    let e = app.fenland();
    e.login(FEN_TUTOR, PASSWORD).await;
    e.get("/login/verify").await;
    assert_eq!(e.post_form("/login/verify", &[("code", &code)]).await.status, StatusCode::UNAUTHORIZED);
    // Codes never reach the logs (M1).
    assert!(!captured_logs().contains(&code));
    let events = app.audit_events(Some("fenland")).await;
    assert!(events.iter().any(|e| e.event == "authn_mfa_enabled"));
    assert!(events.iter().any(|e| e.event == "authn_login_success" && e.factor.as_deref() == Some("totp")));
    // Turning it off (with the password, recent here) returns to password-only logins.
    c.get("/account/two-factor").await;
    let r = c.post_form("/account/two-factor", &[("action", "disable"), ("password", PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::OK);
    app.fenland().login_ok(FEN_TUTOR).await;
}

#[tokio::test]
async fn m4_five_wrong_codes_lock_the_factor_for_thirty_minutes() {
    let app = spawn_app().await;
    let c = app.fenland();
    c.login_ok(FEN_LEAD).await;
    let secret = enrol(&app, &c).await;
    let d = app.fenland();
    d.login(FEN_LEAD, PASSWORD).await;
    d.get("/login/verify").await;
    for i in 0..4 {
        assert_eq!(d.post_form("/login/verify", &[("code", "000001")]).await.status, StatusCode::UNAUTHORIZED, "{i}");
    }
    let r = d.post_form("/login/verify", &[("code", "000001")]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // The pending login is cancelled: even the right code does not sign in.
    app.clock.advance(chrono::Duration::seconds(31));
    let code = mfa::totp_code(&secret, app.clock.now().timestamp());
    let r = d.post_form("/login/verify", &[("code", &code)]).await;
    assert_eq!(r.location(), Some("/login"));
    // A new login meets the lock until 30:00 ...
    let r = d.login(FEN_LEAD, PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // ... and works after it.
    app.clock.advance(chrono::Duration::minutes(30));
    let r = d.login(FEN_LEAD, PASSWORD).await;
    assert_eq!(r.location(), Some("/login/verify"));
    d.get("/login/verify").await;
    let code = mfa::totp_code(&secret, app.clock.now().timestamp());
    assert_eq!(d.post_form("/login/verify", &[("code", &code)]).await.location(), Some("/dashboard"));
    // The owner was told of the lock.
    app.deliver_mail().await;
    assert!(app.smtp.to("t.ellis@marshlane.example").iter().any(|m| m.text().contains("locked")));
}

#[tokio::test]
async fn m2_a_pending_login_lasts_five_minutes() {
    let app = spawn_app().await;
    let c = app.fenland();
    c.login_ok(FEN_HEAD).await;
    let secret = enrol(&app, &c).await;
    let d = app.fenland();
    d.login(FEN_HEAD, PASSWORD).await;
    assert_eq!(d.get("/login/verify").await.status, StatusCode::OK);
    app.clock.advance(chrono::Duration::seconds(5 * 60 + 1));
    assert_eq!(d.get("/login/verify").await.location(), Some("/login"));
    let code = mfa::totp_code(&secret, app.clock.now().timestamp());
    d.get("/login").await;
    let r = d.post_form("/login/verify", &[("code", &code)]).await;
    assert_eq!(r.location(), Some("/login"));
    assert_eq!(d.get("/dashboard").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_blue_banner_invites_two_step_verification_until_on_or_dismissed_seed_000() {
    let app = spawn_app().await;
    let c = app.fenland();
    c.login_ok(FEN_ECT).await;
    assert_eq!(c.get("/dashboard").await.texts(".mfa-banner").len(), 1);
    let r = c.post_form("/account/two-factor/dismiss", &[]).await;
    assert_eq!(r.location(), Some("/dashboard"));
    assert!(c.get("/dashboard").await.texts(".mfa-banner").is_empty());
    // A month later it is back.
    app.clock.advance(chrono::Duration::days(31));
    let c = app.fenland();
    c.login_ok(FEN_ECT).await;
    assert_eq!(c.get("/dashboard").await.texts(".mfa-banner").len(), 1);
    // Turning two-step verification on removes it for good.
    enrol(&app, &c).await;
    assert!(c.get("/dashboard").await.texts(".mfa-banner").is_empty());
}

#[tokio::test]
async fn the_operator_can_dismiss_the_banner_too() {
    let app = spawn_app().await;
    let c = app.platform();
    c.login_ok(OPERATOR).await;
    assert_eq!(c.get("/dashboard").await.texts(".mfa-banner").len(), 1);
    c.post_form("/account/two-factor/dismiss", &[]).await;
    assert!(c.get("/dashboard").await.texts(".mfa-banner").is_empty());
}

/// The newest code emailed to an address.
async fn emailed_code(app: &TestApp, address: &str) -> String {
    app.deliver_mail().await;
    let mail = app.smtp.to(address).into_iter().rfind(|m| m.text().contains("verification code")).unwrap();
    regex::Regex::new(r"\b(\d{6})\b").unwrap().captures(&mail.text()).unwrap()[1].to_owned()
}

#[tokio::test]
async fn m1_m3_email_codes_are_single_use_bound_to_their_login_and_replaced_by_a_resend() {
    let app = spawn_app().await;
    let c = app.fenland();
    c.login_ok(FEN_ECT).await;
    c.get("/account/two-factor").await;
    let r = c.post_form("/account/two-factor", &[("action", "email_on")]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.texts(".email-code-status")[0].starts_with("On"));

    let a = app.fenland();
    assert_eq!(a.login(FEN_ECT, PASSWORD).await.location(), Some("/login/verify"));
    let page = a.get("/login/verify").await;
    assert_eq!(page.texts(".code-sent-to"), ["j***@marshlane.example"]);
    let first = emailed_code(&app, "j.lee@marshlane.example").await;
    // Stored only hashed (M1), and never logged.
    let stored: Vec<String> = match app.state.store().pool() {
        induct::store::Pool::Sqlite(p) => {
            sqlx::query_scalar("SELECT code_hash FROM login_codes").fetch_all(p).await.unwrap()
        }
        induct::store::Pool::Postgres(p) => {
            sqlx::query_scalar("SELECT code_hash FROM login_codes").fetch_all(p).await.unwrap()
        }
    };
    assert!(!stored.is_empty() && stored.iter().all(|h| h != &first));
    // A resend replaces the code: the first no longer works (M3).
    a.post_form("/login/verify/resend", &[]).await;
    let second = emailed_code(&app, "j.lee@marshlane.example").await;
    if first != second {
        assert_eq!(a.post_form("/login/verify", &[("code", &first)]).await.status, StatusCode::UNAUTHORIZED);
    }
    // A code issued to one login does not work in another (M3).
    let b = app.fenland();
    b.login(FEN_ECT, PASSWORD).await;
    b.get("/login/verify").await;
    let for_b = emailed_code(&app, "j.lee@marshlane.example").await;
    if second != for_b {
        assert_eq!(b.post_form("/login/verify", &[("code", &second)]).await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(a.post_form("/login/verify", &[("code", &second)]).await.location(), Some("/dashboard"));
    // Used once only.
    assert_eq!(b.post_form("/login/verify", &[("code", &for_b)]).await.location(), Some("/dashboard"));
    let c2 = app.fenland();
    c2.login(FEN_ECT, PASSWORD).await;
    c2.get("/login/verify").await;
    assert_eq!(c2.post_form("/login/verify", &[("code", &for_b)]).await.status, StatusCode::UNAUTHORIZED);
    for code in [&first, &second, &for_b] {
        assert!(!captured_logs().contains(&format!("\"{code}\"")), "a code reached the logs");
    }
    let events = app.audit_events(Some("fenland")).await;
    assert!(events.iter().any(|e| e.event == "authn_login_success" && e.factor.as_deref() == Some("email_code")));
}

#[tokio::test]
async fn m2_an_email_code_works_at_4_59_and_not_at_5_01() {
    let app = spawn_app().await;
    let c = app.fenland();
    c.login_ok(FEN_ECT).await;
    c.get("/account/two-factor").await;
    c.post_form("/account/two-factor", &[("action", "email_on")]).await;
    let a = app.fenland();
    a.login(FEN_ECT, PASSWORD).await;
    a.get("/login/verify").await;
    let code = emailed_code(&app, "j.lee@marshlane.example").await;
    app.clock.advance(chrono::Duration::seconds(4 * 60 + 59));
    assert_eq!(a.post_form("/login/verify", &[("code", &code)]).await.location(), Some("/dashboard"));
    let b = app.fenland();
    b.login(FEN_ECT, PASSWORD).await;
    b.get("/login/verify").await;
    let code = emailed_code(&app, "j.lee@marshlane.example").await;
    app.clock.advance(chrono::Duration::seconds(5 * 60 + 1));
    let r = b.post_form("/login/verify", &[("code", &code)]).await;
    assert_eq!(r.location(), Some("/login"));
    assert_eq!(b.get("/dashboard").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn setting_up_again_while_on_is_refused() {
    let app = spawn_app().await;
    let c = app.fenland();
    c.login_ok(FEN_TUTOR).await;
    enrol(&app, &c).await;
    c.get("/account/two-factor").await;
    let r = c.post_form("/account/two-factor", &[("action", "start")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(c.get("/account/two-factor").await.texts(".two-factor-status")[0].starts_with("On since"));
}
