//! Login, lockouts and the audit trail of logins (docs/security.md A1, A6-A10).

use chrono::Duration;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, spawn_app, users::*};

#[tokio::test]
async fn each_role_lands_on_its_own_dashboard_with_its_menu() {
    let app = spawn_app().await;
    // site, username, role title shown, a menu item the seeds name, the user's school or AB
    let table = [
        (None, OPERATOR, "Platform operator", "Appropriate bodies", "Pat Operator"),
        (Some("fenland"), FEN_AB_ADMIN, "Appropriate body administrator", "Schools", "Fenland Teaching School Hub"),
        (Some("fenland"), FEN_HEAD, "Head teacher", "Assessments", "Marsh Lane Primary School"),
        (Some("fenland"), FEN_LEAD, "Induction lead", "Tutors", "Marsh Lane Primary School"),
        (Some("fenland"), FEN_TUTOR, "Induction tutor", "Your ECTs", "Marsh Lane Primary School"),
        (Some("fenland"), FEN_SCHOOL_ADMIN, "School administrator", "ECTs", "Marsh Lane Primary School"),
        (Some("fenland"), FEN_ECT, "Early career teacher", "Previous Schools", "Marsh Lane Primary School"),
        (Some("northshire"), NOR_TUTOR_2, "Induction tutor", "Your ECTs", "St Aidan's CE Primary School"),
    ];
    for (site, username, role, menu_item, place) in table {
        let c = app.client(site);
        c.login_ok(username).await;
        let r = c.get("/dashboard").await;
        assert_eq!(r.status, StatusCode::OK, "{username}");
        assert!(r.texts(".caption")[0].starts_with(role), "{username}: {:?}", r.texts(".caption"));
        assert!(
            r.texts(".site-nav li").iter().any(|t| t == menu_item),
            "{username} menu: {:?}",
            r.texts(".site-nav li")
        );
        assert!(r.body.contains(&place.replace('\'', "&#x27;")), "{username} should see {place}");
    }
}

#[tokio::test]
async fn head_teacher_banner_shows_until_the_school_has_one_seed_001() {
    let app = spawn_app().await;
    let c = app.northshire();
    c.login_ok(NOR_TUTOR_2).await;
    let r = c.get("/dashboard").await;
    assert_eq!(r.texts(".banner-warning strong"), ["St Aidan's CE Primary School has no head teacher on Induct yet."]);
    let c = app.northshire();
    c.login_ok(NOR_TUTOR).await;
    assert!(c.get("/dashboard").await.texts(".banner-warning").is_empty());
}

#[tokio::test]
async fn a6_unknown_and_known_usernames_are_refused_identically() {
    let app = spawn_app().await;
    let known = app.fenland().login(FEN_TUTOR, "wrong password here").await;
    let unknown = app.fenland().login("654321", "wrong password here").await;
    assert_eq!(known.status, StatusCode::UNAUTHORIZED);
    assert_eq!(known.status, unknown.status);
    assert_eq!(
        known.body_without_nonces().replace(FEN_TUTOR, "U"),
        unknown.body_without_nonces().replace("654321", "U")
    );
    assert!(known.body.contains("The username or password is not right"));
}

#[tokio::test]
async fn a7_five_failures_lock_the_account_for_thirty_minutes() {
    let app = spawn_app().await;
    for username in [FEN_TUTOR, "654321"] {
        let c = app.fenland();
        let mut statuses = vec![];
        for _ in 0..5 {
            statuses.push(c.login(username, "not the password").await.status);
        }
        assert_eq!(statuses, [StatusCode::UNAUTHORIZED; 5], "{username}");
        // Locked: even the right password is refused, with a generic message.
        let r = c.login(username, PASSWORD).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{username}");
        assert!(r.body.contains("Too many attempts"));
        app.clock.advance(Duration::seconds(29 * 60 + 58));
        assert_eq!(c.login(username, PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS, "{username} at 29:59");
        app.clock.advance(Duration::seconds(3));
        let r = c.login(username, PASSWORD).await;
        if username == FEN_TUTOR {
            assert_eq!(r.status, StatusCode::SEE_OTHER, "at 30:01 the right password works");
            // The counter was reset by the success: one more failure does not lock.
            let c2 = app.fenland();
            assert_eq!(c2.login(username, "wrong again").await.status, StatusCode::UNAUTHORIZED);
            assert_eq!(c2.login(username, PASSWORD).await.status, StatusCode::SEE_OTHER);
        } else {
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "an unknown user is simply refused again");
        }
    }
}

#[tokio::test]
async fn a8_hundred_failures_lock_until_reset_and_the_first_lock_is_mailed() {
    let app = spawn_app().await;
    let c = app.fenland();
    for cycle in 0..20 {
        for _ in 0..5 {
            let r = c.login(FEN_HEAD, "guess").await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "cycle {cycle}");
        }
        app.clock.advance(Duration::minutes(30) + Duration::seconds(1));
    }
    app.clock.advance(Duration::hours(24));
    assert_eq!(c.login(FEN_HEAD, PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS, "hard locked");
    app.deliver_mail().await;
    let mails = app.smtp.to("head@marshlane.example");
    assert_eq!(mails.len(), 2, "the first lock and the hard lock are mailed, not every cycle");
    assert!(mails[0].text().contains("You can try again after"));
    assert!(mails[1].text().contains("stays locked until it is unlocked for you"));
}

#[tokio::test]
async fn a9_forwarded_for_from_an_untrusted_peer_is_ignored() {
    let app = spawn_app().await;
    let c = app.fenland();
    for i in 0..5 {
        c.get("/login").await;
        let token = c.csrf_token().unwrap();
        let ip = format!("203.0.113.{i}");
        let r = c
            .post_raw(
                "/login",
                &[("csrf_token", &token), ("username", FEN_LEAD), ("password", "nope")],
                &[("origin", &c.origin.clone()), ("x-forwarded-for", &ip)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    c.get("/login").await;
    let token = c.csrf_token().unwrap();
    let r = c
        .post_raw(
            "/login",
            &[("csrf_token", &token), ("username", FEN_LEAD), ("password", PASSWORD)],
            &[("origin", &c.origin.clone()), ("x-forwarded-for", "198.51.100.77")],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a9_a_colleague_on_the_same_address_can_still_log_in() {
    let app = spawn_app().await;
    for _ in 0..5 {
        app.fenland().login(FEN_TUTOR, "nope nope").await;
    }
    assert_eq!(app.fenland().login(FEN_TUTOR, PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
    // Same school, same NAT address (127.0.0.1 here): the lock is per (address, username).
    app.fenland().login_ok(FEN_LEAD).await;
}

#[tokio::test]
async fn a9_the_address_budget_stops_password_spraying_at_fifty() {
    let app = spawn_app().await;
    let c = app.fenland();
    for i in 0..50 {
        let username = format!("{}", 500_000 + i);
        assert_eq!(c.login(&username, "Summer2026!").await.status, StatusCode::UNAUTHORIZED, "{i}");
    }
    assert_eq!(c.login(FEN_TUTOR, PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS, "the 51st attempt");
    app.clock.advance(Duration::minutes(31));
    app.fenland().login_ok(FEN_TUTOR).await;
}

#[tokio::test]
async fn a10_every_login_attempt_is_audited_once() {
    let app = spawn_app().await;
    let c = app.fenland();
    for _ in 0..5 {
        c.login(FEN_ECT, "wrong").await;
    }
    c.login(FEN_ECT, PASSWORD).await; // refused: locked
    app.clock.advance(Duration::minutes(31));
    for _ in 0..3 {
        app.fenland().login_ok(FEN_ECT).await;
    }
    let events = app.audit_events(Some("fenland")).await;
    let count = |name: &str| events.iter().filter(|e| e.event == name).count();
    assert_eq!(count("authn_login_fail"), 6);
    assert_eq!(count("authn_login_lock"), 1);
    assert_eq!(count("authn_login_successafterfail"), 1);
    assert_eq!(count("authn_login_success"), 2);
    for e in events.iter().filter(|e| e.event.starts_with("authn_")) {
        assert_eq!(e.subject.as_deref(), Some(FEN_ECT));
        assert_eq!(e.ip, "127.0.0.1");
        assert_eq!(e.factor.as_deref(), Some("password"));
        assert!(e.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true).ends_with('Z'));
    }
    // The lock event names the counters that locked: the account's and this address's for it.
    assert!(
        events.iter().any(|e| e.event == "authn_login_lock" && e.detail.as_deref() == Some("account,address_username"))
    );
}

#[tokio::test]
async fn a1_weak_hashes_are_upgraded_at_login() {
    let app = spawn_app().await;
    let store = app.state.store();
    let tenant = store.find_tenant_by_slug("fenland").await.unwrap().unwrap().tenant_id();
    let user = store.find_user_for_login(Some(tenant), FEN_TUTOR).await.unwrap().unwrap();
    let weak = induct::auth::password::hash_with_params(PASSWORD, 4096, 2).unwrap();
    let mut tx = store.begin().await.unwrap();
    store.set_password_hash(&mut tx, user.user_id(), &weak, app.clock.now()).await.unwrap();
    tx.commit().await.unwrap();
    app.fenland().login_ok(FEN_TUTOR).await;
    let after = store.find_user_for_login(Some(tenant), FEN_TUTOR).await.unwrap().unwrap();
    let hash = after.password_hash.unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
}

#[tokio::test]
async fn a1_fifty_concurrent_logins_all_succeed() {
    let app = spawn_app().await;
    let clients: Vec<_> = (0..50).map(|_| app.fenland()).collect();
    let results = futures_util::future::join_all(clients.iter().map(|c| c.login(FEN_AB_ADMIN, PASSWORD))).await;
    for r in results {
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
}

#[tokio::test]
async fn missing_username_or_password_gets_a_message_next_to_the_field() {
    let app = spawn_app().await;
    let c = app.fenland();
    c.get("/login").await;
    let r = c.post_form("/login", &[("username", ""), ("password", "")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.texts(".error-summary li"), ["Enter your username", "Enter your password"]);
    assert_eq!(r.texts("#username-error"), ["Error: Enter your username"]);
    assert_eq!(r.texts("#password-error"), ["Error: Enter your password"]);
    let r = c.post_form("/login", &[("username", FEN_TUTOR), ("password", "")]).await;
    assert_eq!(r.texts(".error-summary li"), ["Enter your password"]);
    // The username is kept; the password never comes back.
    let sel = scraper::Selector::parse("#username").unwrap();
    assert_eq!(r.html().select(&sel).next().unwrap().value().attr("value"), Some(FEN_TUTOR));
    // Nothing was counted or audited for an incomplete form.
    assert!(!app.audit_events(Some("fenland")).await.iter().any(|e| e.event.starts_with("authn_")));
}

#[tokio::test]
async fn a_user_of_one_ab_cannot_log_in_on_another_abs_site() {
    let app = spawn_app().await;
    let r = app.northshire().login(FEN_TUTOR, PASSWORD).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = app.platform().login(FEN_AB_ADMIN, PASSWORD).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "AB staff do not log in on the platform site");
}
