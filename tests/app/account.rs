//! Account security lifecycle (issue 7), first part: "Can't access your account?" (password reset
//! and username reminder, docs/security.md M6), changing the password (A4), changing email or mobile
//! with re-authentication and a notice to the old address (S5, M5), and sign-in activity.

use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp, spawn_app, users::*};

fn reset_link(text: &str) -> String {
    regex::Regex::new(r"(http://[^\s]+/set-password/[A-Za-z0-9_-]+)").unwrap().captures(text).unwrap()[1].to_owned()
}

async fn mails_to(app: &TestApp, address: &str) -> Vec<String> {
    app.deliver_mail().await;
    app.smtp.to(address).iter().map(|m| m.text()).collect()
}

#[tokio::test]
async fn m6_recovery_by_username_email_or_mobile_never_says_which_accounts_exist() {
    let app = spawn_app().await;
    let c = app.fenland();
    let page = c.get("/account-recovery").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.headers["referrer-policy"], "no-referrer");
    let r = c.post_form("/account-recovery", &[("identifier", "")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(!r.texts("#identifier-error").is_empty());

    // Known and unknown identifiers get the same page.
    let known = c.post_form("/account-recovery", &[("identifier", FEN_TUTOR)]).await;
    let unknown = c.post_form("/account-recovery", &[("identifier", "no-such-person@example.test")]).await;
    assert_eq!((known.status, unknown.status), (StatusCode::OK, StatusCode::OK));
    assert_eq!(known.texts(".recovery-sent"), unknown.texts(".recovery-sent"));
    let mails = mails_to(&app, "g.okafor@marshlane.example").await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains(&format!("Your username is: {FEN_TUTOR}")), "username reminder");
    // The link is built from the configured origin, never from the request (M6 1).
    let link = reset_link(&mails[0]);
    assert!(link.starts_with(&app.state.config().origin_for(Some("fenland"))), "{link}");
    // Another AB's site does not reach Fenland's accounts.
    let n = app.northshire();
    n.get("/account-recovery").await;
    n.post_form("/account-recovery", &[("identifier", FEN_TUTOR)]).await;
    assert_eq!(mails_to(&app, "g.okafor@marshlane.example").await.len(), 1);

    // By email address (any case) and by mobile number once one is recorded.
    c.post_form("/account-recovery", &[("identifier", "T.Ellis@MarshLane.example")]).await;
    assert_eq!(mails_to(&app, "t.ellis@marshlane.example").await.len(), 1);
    let tenant = app.tenant("fenland").await;
    let lead = app.state.store().find_user_for_login(Some(tenant), FEN_LEAD).await.unwrap().unwrap();
    let mut tx = app.state.store().begin().await.unwrap();
    app.state.store().set_user_contact(&mut tx, lead.user_id(), &lead.email, Some("07700900123")).await.unwrap();
    tx.commit().await.unwrap();
    c.post_form("/account-recovery", &[("identifier", "+44 7700 900123")]).await;
    assert_eq!(mails_to(&app, "t.ellis@marshlane.example").await.len(), 2);

    // The fourth request for one account in an hour sends nothing, with the same answer (M6 6).
    c.post_form("/account-recovery", &[("identifier", FEN_TUTOR)]).await;
    c.post_form("/account-recovery", &[("identifier", FEN_TUTOR)]).await;
    let fourth = c.post_form("/account-recovery", &[("identifier", FEN_TUTOR)]).await;
    assert_eq!(fourth.texts(".recovery-sent"), unknown.texts(".recovery-sent"));
    assert_eq!(mails_to(&app, "g.okafor@marshlane.example").await.len(), 3);
    let events = app.audit_events(Some("fenland")).await;
    assert!(
        events
            .iter()
            .any(|e| e.event == "authn_password_reset_requested" && e.detail.as_deref() == Some("over_budget"))
    );
    assert!(
        events.iter().any(|e| e.event == "authn_password_reset_requested" && e.detail.as_deref() == Some("no_match"))
    );
}

#[tokio::test]
async fn m6_a_reset_link_works_once_within_the_hour_and_ends_other_sessions() {
    let app = spawn_app().await;
    let old = app.fenland();
    old.login_ok(FEN_TUTOR).await;
    let c = app.fenland();
    c.get("/account-recovery").await;
    c.post_form("/account-recovery", &[("identifier", FEN_TUTOR)]).await;
    let link = reset_link(&mails_to(&app, "g.okafor@marshlane.example").await[0]);
    let path = link.splitn(4, '/').nth(3).map(|p| format!("/{p}")).unwrap();
    let page = c.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.headers["referrer-policy"], "no-referrer");
    let r = c.post_form(&path, &[("password", "kestrel lantern orchard nine")]).await;
    assert_eq!(r.status, StatusCode::OK);
    // No automatic login; the old session is gone; the owner is told.
    assert_eq!(c.get("/dashboard").await.status, StatusCode::SEE_OTHER);
    assert_eq!(old.get("/dashboard").await.status, StatusCode::SEE_OTHER, "other sessions end (M6 4)");
    assert!(mails_to(&app, "g.okafor@marshlane.example").await.iter().any(|m| m.contains("password of your")));
    // Used once only (M6 2); the new password works, the old does not.
    c.get(&path).await;
    assert_eq!(c.post_form(&path, &[("password", "another new passphrase here")]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.login(FEN_TUTOR, PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    c.login_ok_with(FEN_TUTOR, "kestrel lantern orchard nine").await;

    // A link is good for 60 minutes: refused at 60:01 (M6 3).
    let h = app.fenland();
    h.get("/account-recovery").await;
    h.post_form("/account-recovery", &[("identifier", FEN_HEAD)]).await;
    let link = reset_link(&mails_to(&app, "head@marshlane.example").await[0]);
    let path = link.splitn(4, '/').nth(3).map(|p| format!("/{p}")).unwrap();
    app.clock.advance(chrono::Duration::seconds(60 * 60 + 1));
    assert_eq!(h.get(&path).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a4_changing_the_password_needs_the_current_one() {
    let app = spawn_app().await;
    let other = app.fenland();
    other.login_ok(FEN_LEAD).await;
    let c = app.fenland();
    c.login_ok(FEN_LEAD).await;
    let page = c.get("/account").await;
    // Password fields are password fields; pasting and managers are not blocked.
    assert_eq!(
        page.html().select(&scraper::Selector::parse("#password-form input[type=password]").unwrap()).count(),
        2
    );
    assert!(!page.body.contains("onpaste") && !page.body.contains("autocomplete=\"off\""));
    let r = c
        .post_form("/account/password", &[("current_password", ""), ("new_password", "river otter lantern dawn")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = c
        .post_form(
            "/account/password",
            &[("current_password", "wrong one"), ("new_password", "river otter lantern dawn")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.texts("#current_password-error")[0].contains("not right"));
    let r = c.post_form("/account/password", &[("current_password", PASSWORD), ("new_password", "password")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(!r.texts("#new_password-error").is_empty());
    let r = c
        .post_form("/account/password", &[("current_password", PASSWORD), ("new_password", "river otter lantern dawn")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // This session stays; the other one ends; the owner is told.
    assert_eq!(c.get("/dashboard").await.status, StatusCode::OK);
    assert_eq!(other.get("/dashboard").await.status, StatusCode::SEE_OTHER);
    assert!(mails_to(&app, "t.ellis@marshlane.example").await.iter().any(|m| m.contains("password of your")));
    // Sign-in activity shows what happened.
    let activity = c.get("/account").await.texts(".activity td");
    assert!(
        activity.contains(&"Password changed".to_owned()) && activity.contains(&"Signed in".to_owned()),
        "{activity:?}"
    );
}

#[tokio::test]
async fn s5_m5_email_and_mobile_changes_need_a_recent_password_and_tell_the_old_address() {
    let app = spawn_app().await;
    let c = app.fenland();
    c.login_ok(FEN_TUTOR).await;
    c.get("/account").await;
    let r = c.post_form("/account/contact", &[("email", "grace@new.example"), ("mobile", "12345")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.texts("#mobile-error")[0].contains("UK mobile"));
    // Six minutes after logging in, a change needs the password (403 otherwise).
    app.clock.advance(chrono::Duration::minutes(6));
    c.get("/account").await;
    let r = c.post_form("/account/contact", &[("email", "grace@new.example"), ("mobile", "07700 900456")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("reauth_required"));
    let tenant = app.tenant("fenland").await;
    let before = app.state.store().find_user_for_login(Some(tenant), FEN_TUTOR).await.unwrap().unwrap();
    assert_eq!(before.email, "g.okafor@marshlane.example", "nothing changed");
    let r = c
        .post_form(
            "/account/contact",
            &[("email", "grace@new.example"), ("mobile", "07700 900456"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let after = app.state.store().find_user_for_login(Some(tenant), FEN_TUTOR).await.unwrap().unwrap();
    assert_eq!(after.email, "grace@new.example");
    assert_eq!(app.state.store().user_mobile(after.user_id()).await.unwrap().as_deref(), Some("07700900456"));
    let old = mails_to(&app, "g.okafor@marshlane.example").await;
    assert!(old.iter().any(|m| m.contains("email address of your")), "{old:?}");
    assert!(old.iter().any(|m| m.contains("mobile number of your")));
    // Within five minutes of that password, no need to type it again.
    c.get("/account").await;
    let r = c.post_form("/account/contact", &[("email", "grace@newer.example"), ("mobile", "07700 900456")]).await;
    assert_eq!(r.status, StatusCode::OK);
    let events = app.audit_events(Some("fenland")).await;
    let changes: Vec<_> = events.iter().filter(|e| e.event == "user_contact_changed").collect();
    assert_eq!(changes.len(), 2);
    assert!(changes.iter().all(|e| !format!("{:?}", e.detail).contains("grace@")), "no values in the audit log");
}

#[tokio::test]
async fn a7_guessing_the_current_password_on_my_account_meets_the_account_lock() {
    let app = spawn_app().await;
    let c = app.fenland();
    c.login_ok(FEN_HEAD).await;
    c.get("/account").await;
    for _ in 0..5 {
        let r = c
            .post_form(
                "/account/password",
                &[("current_password", "a guess"), ("new_password", "river otter lantern dawn")],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
    }
    // Locked now: even the right current password is refused, and so is logging in.
    let r = c
        .post_form("/account/password", &[("current_password", PASSWORD), ("new_password", "river otter lantern dawn")])
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.fenland().login(FEN_HEAD, PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a8_a_locked_account_is_cleared_by_the_ab_or_by_a_password_reset() {
    use induct_domain::lockout::LockState;
    use induct_domain::throttle::{LockScope, account_key};
    let app = spawn_app().await;
    let c = app.fenland();
    for _ in 0..5 {
        c.login(FEN_TUTOR, "not my password").await;
    }
    assert_eq!(c.login(FEN_TUTOR, PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
    // The AB's administrator unlocks the account.
    let ab = app.fenland();
    ab.login_ok(FEN_AB_ADMIN).await;
    ab.get("/staff?q=grace").await;
    let tenant = app.tenant("fenland").await;
    let grace = app.state.store().find_user_for_login(Some(tenant), FEN_TUTOR).await.unwrap().unwrap();
    let r = ab.post_form(&format!("/users/{}/unlock", grace.id), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    app.fenland().login_ok(FEN_TUTOR).await;
    assert!(app.audit_events(Some("fenland")).await.iter().any(|e| e.event == "authn_login_unlock"));
    // Another AB's administrator cannot.
    let n = app.northshire();
    n.login_ok(NOR_AB_ADMIN).await;
    n.get("/staff").await;
    assert_eq!(n.post_form(&format!("/users/{}/unlock", grace.id), &[]).await.status, StatusCode::NOT_FOUND);

    // A hard lock (100 failures) is cleared by a password reset from the emailed link.
    let key = account_key("fenland", FEN_LEAD);
    let mut tx = app.state.store().begin().await.unwrap();
    let now = app.clock.now();
    app.state.store().lock_counter_for_update(&mut tx, LockScope::Account, &key, now).await.unwrap();
    let hard = LockState { failures: 100, window_start: now, locked_until: None, hard_locked: true };
    app.state.store().save_counter(&mut tx, LockScope::Account, &key, &hard).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(app.fenland().login(FEN_LEAD, PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
    let r = app.fenland();
    r.get("/account-recovery").await;
    r.post_form("/account-recovery", &[("identifier", FEN_LEAD)]).await;
    let link = reset_link(&mails_to(&app, "t.ellis@marshlane.example").await.pop().unwrap());
    let path = link.splitn(4, '/').nth(3).map(|p| format!("/{p}")).unwrap();
    r.get(&path).await;
    assert_eq!(r.post_form(&path, &[("password", "willow heron lantern ten")]).await.status, StatusCode::OK);
    app.fenland().login_ok_with(FEN_LEAD, "willow heron lantern ten").await;
}
