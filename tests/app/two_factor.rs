//! Two-step verification with an authenticator app (issue 7; RFC 6238; docs/security.md M2-M5, S5):
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
async fn the_operator_has_an_app_so_no_banner_and_others_can_dismiss_it() {
    let app = spawn_app().await;
    let c = app.platform();
    c.login_ok(OPERATOR).await;
    assert!(c.get("/dashboard").await.texts(".mfa-banner").is_empty(), "D9: the operator has an app");
    let c = app.fenland();
    c.login_ok(FEN_HEAD).await;
    assert_eq!(c.get("/dashboard").await.texts(".mfa-banner").len(), 1);
    c.post_form("/account/two-factor/dismiss", &[]).await;
    assert!(c.get("/dashboard").await.texts(".mfa-banner").is_empty());
}

/// Every signed-in GET page of a site, with made-up ids (the gate comes before any handler).
fn signed_get_paths(app: &TestApp, platform: bool) -> Vec<String> {
    let id = uuid::Uuid::new_v4().to_string();
    app.state
        .routes()
        .iter()
        .filter(|r| r.method == "GET" && matches!(r.access, induct::web::Access::Signed(_)))
        .filter(|r| match r.sites {
            induct::web::Sites::Any => true,
            induct::web::Sites::Ab => !platform,
            induct::web::Sites::Platform => platform,
        })
        .map(|r| regex::Regex::new(r"\{[a-z_*]+\}").unwrap().replace_all(r.path, id.as_str()).replace("{number}", "1"))
        .collect()
}

#[tokio::test]
async fn d9_ab_administrators_and_operators_set_up_an_app_or_mobile_before_any_page() {
    let app = spawn_app().await;
    app.create_user("fenland", "119901", induct_domain::Role::AbAdmin, "Nia Newadmin", "nia@fenland.example").await;
    let c = app.fenland();
    assert_eq!(c.login("119901", PASSWORD).await.location(), Some("/dashboard"));
    // Every page but setting up two-step verification (and the mobile number it may need) sends
    // them there first.
    let allowed = ["/account/two-factor", "/account", "/help"];
    let mut checked = 0;
    for path in signed_get_paths(&app, false) {
        let r = c.get(&path).await;
        if allowed.contains(&path.as_str()) {
            assert_eq!(r.status, StatusCode::OK, "{path}");
        } else {
            assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, Some("/account/two-factor")), "{path}");
            checked += 1;
        }
    }
    assert!(checked > 30, "{checked} pages checked");
    let page = c.get("/account/two-factor").await;
    assert_eq!(page.texts("#two-factor-required").len(), 1);
    // Codes by email are not enough for this role (section 3).
    c.post_form("/account/two-factor", &[("action", "email_on")]).await;
    assert_eq!(c.get("/schools").await.location(), Some("/account/two-factor"));
    // An app is.
    let secret = enrol(&app, &c).await;
    assert_eq!(c.get("/schools").await.status, StatusCode::OK);
    // And it cannot be turned off while it is the only strong one.
    c.get("/account/two-factor").await;
    let r = c.post_form("/account/two-factor", &[("action", "disable")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.texts("#password-error")[0].contains("must keep an authenticator app"));
    // The next login asks for the app's code (the app wins over email).
    let d = app.fenland();
    assert_eq!(d.login("119901", PASSWORD).await.location(), Some("/login/verify"));
    app.clock.advance(chrono::Duration::seconds(30));
    d.get("/login/verify").await;
    let code = mfa::totp_code(&secret, app.clock.now().timestamp());
    assert_eq!(d.post_form("/login/verify", &[("code", &code)]).await.location(), Some("/dashboard"));

    // The platform operator too (the demo's has an app; take it away).
    let store = app.state.store();
    let op = store.find_user_for_login(None, OPERATOR).await.unwrap().unwrap();
    let mut tx = store.begin().await.unwrap();
    store.remove_totp(&mut tx, op.user_id()).await.unwrap();
    tx.commit().await.unwrap();
    let p = app.platform();
    assert_eq!(p.login(OPERATOR, PASSWORD).await.location(), Some("/dashboard"));
    for path in signed_get_paths(&app, true) {
        let r = p.get(&path).await;
        if !["/account/two-factor", "/account", "/help"].contains(&path.as_str()) {
            assert_eq!(r.location(), Some("/account/two-factor"), "{path}");
        }
    }
    // Other roles are not held up.
    let t = app.fenland();
    t.login_ok(FEN_TUTOR).await;
    assert_eq!(t.get("/dashboard").await.status, StatusCode::OK);
}

#[tokio::test]
async fn m4_the_third_lock_of_the_second_step_in_a_row_locks_the_account() {
    let app = spawn_app().await;
    let c = app.fenland();
    c.login_ok(FEN_LEAD).await;
    let secret = enrol(&app, &c).await;
    let d = app.fenland();
    for cycle in 1..=3 {
        assert_eq!(d.login(FEN_LEAD, PASSWORD).await.location(), Some("/login/verify"), "cycle {cycle}");
        d.get("/login/verify").await;
        for _ in 0..4 {
            d.post_form("/login/verify", &[("code", "000001")]).await;
        }
        assert_eq!(d.post_form("/login/verify", &[("code", "000001")]).await.status, StatusCode::TOO_MANY_REQUESTS);
        app.clock.advance(chrono::Duration::seconds(30 * 60 + 1));
    }
    // Even the right password is refused now, long after the 30 minutes.
    app.clock.advance(chrono::Duration::hours(2));
    assert_eq!(d.login(FEN_LEAD, PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
    // The owner heard of each lock, and that the account is locked until it is unlocked.
    app.deliver_mail().await;
    let mails: Vec<String> = app.smtp.to("t.ellis@marshlane.example").iter().map(|m| m.text()).collect();
    let about_codes: Vec<&String> = mails.iter().filter(|m| m.contains("wrong verification code")).collect();
    assert_eq!(about_codes.len(), 3, "{mails:?}");
    assert!(about_codes[2].contains("stays locked until it is unlocked for you"));
    let events = app.audit_events(Some("fenland")).await;
    assert!(events.iter().any(|e| e.event == "authn_login_lock" && e.detail.as_deref() == Some("second_factor_hard")));
    // The AB's administrator unlocks it; the app's code works again.
    let tenant = app.tenant("fenland").await;
    let lead = app.state.store().find_user_for_login(Some(tenant), FEN_LEAD).await.unwrap().unwrap();
    let admin = app.fenland();
    admin.login_ok(FEN_AB_ADMIN).await;
    admin.get("/staff").await;
    admin.post_form(&format!("/users/{}/unlock", lead.id), &[]).await;
    assert_eq!(d.login(FEN_LEAD, PASSWORD).await.location(), Some("/login/verify"));
    d.get("/login/verify").await;
    let code = mfa::totp_code(&secret, app.clock.now().timestamp());
    assert_eq!(d.post_form("/login/verify", &[("code", &code)]).await.location(), Some("/dashboard"));
}

#[tokio::test]
async fn a5_a_password_marked_compromised_is_changed_at_the_next_login_and_old_ones_never_expire() {
    let app = spawn_app().await;
    // No forced expiry: 400 days later the password still just works.
    app.clock.advance(chrono::Duration::days(400));
    let c = app.fenland();
    c.login_ok(FEN_TUTOR).await;
    assert_eq!(c.get("/dashboard").await.status, StatusCode::OK);

    let tenant = app.tenant("fenland").await;
    let tutor = app.state.store().find_user_for_login(Some(tenant), FEN_TUTOR).await.unwrap().unwrap();
    // Another AB's administrator cannot reach Fenland's people.
    let other = app.northshire();
    other.login_ok(NOR_AB_ADMIN).await;
    other.get("/staff").await;
    assert_eq!(other.post_form(&format!("/users/{}/compromised", tutor.id), &[]).await.status, StatusCode::NOT_FOUND);
    let admin = app.fenland();
    admin.login_ok(FEN_AB_ADMIN).await;
    let staff = admin.get(&format!("/staff?q={FEN_TUTOR}")).await;
    assert!(staff.body.contains(&format!("/users/{}/compromised", tutor.id)));
    let r = admin.post_form(&format!("/users/{}/compromised", tutor.id), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // The tutor's session ended, and they were told.
    assert_eq!(c.get("/dashboard").await.location(), Some("/login"));
    app.deliver_mail().await;
    assert!(app.smtp.to("g.okafor@marshlane.example").iter().any(|m| m.text().contains("choose a new password")));
    // The next login leads to "choose a new password" before anything else.
    c.login_ok(FEN_TUTOR).await;
    assert_eq!(c.get("/dashboard").await.location(), Some("/account/password"));
    assert_eq!(c.get("/ects").await.location(), Some("/account/password"));
    let page = c.get("/account/password").await;
    assert_eq!(page.texts("#password-compromised").len(), 1);
    let r = c.post_form("/account/password", &[("current_password", PASSWORD), ("new_password", PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.texts("#new_password-error"), ["Error: Choose a password that is different from your current one"]);
    let r = c
        .post_form("/account/password", &[("current_password", PASSWORD), ("new_password", "heron willow quarry 82")])
        .await;
    assert_eq!(r.location(), Some("/dashboard"));
    assert_eq!(c.get("/dashboard").await.status, StatusCode::OK);
    assert!(app.audit_events(Some("fenland")).await.iter().any(|e| e.event == "authn_password_compromised"), "audited");
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
