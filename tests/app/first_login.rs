//! First login (seed 001; issue 7): a security question for ECTs (docs/security.md M7: hashed with
//! Argon2id, normalised), contact preferences and the AB's privacy notice from its plugin, before
//! anything else; a new notice version is asked for at the next login.

use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp, spawn_app};

/// A new ECT account with a password, as the registration journey leaves it.
async fn new_ect(app: &TestApp) -> String {
    let tenant = app.tenant("fenland").await;
    let store = app.state.store();
    let hash = app.state.hasher().hash(PASSWORD).await.unwrap();
    let mut tx = store.begin().await.unwrap();
    let user = store
        .create_user(
            &mut tx,
            &induct::store::users::NewUser {
                tenant: Some(tenant),
                username: "199501",
                role: induct_domain::Role::Ect,
                display_name: "Nell New",
                email: "nell@example.test",
                password_hash: Some(&hash),
            },
            app.clock.now(),
        )
        .await
        .unwrap();
    let school = store.list_schools(tenant).await.unwrap()[0].id;
    store.add_school_membership(&mut tx, tenant, user, induct_domain::SchoolId(school), app.clock.now()).await.unwrap();
    tx.commit().await.unwrap();
    "199501".into()
}

#[tokio::test]
async fn the_first_login_asks_the_question_preferences_and_privacy_notice_first() {
    let app = spawn_app().await;
    let username = new_ect(&app).await;
    let c = app.fenland();
    let r = c.login(&username, PASSWORD).await;
    assert_eq!(r.location(), Some("/welcome"));
    // Nothing else is reachable.
    for path in ["/dashboard", "/my-details", "/account", "/ects"] {
        assert_eq!(c.get(path).await.location(), Some("/welcome"), "{path}");
    }
    let page = c.get("/welcome").await;
    assert!(page.body.contains("Fenland Teaching School Hub privacy notice"));
    assert!(page.html().select(&scraper::Selector::parse("#security_question").unwrap()).next().is_some());
    // Missing answers and an unticked required consent are refused, with messages.
    let r = c.post_form("/welcome", &[("security_question", "first_pet"), ("security_answer", "x")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(!r.texts("#security_answer-error").is_empty());
    assert!(r.texts("#consent-error")[0].contains("I have read the privacy notice"));
    let r = c
        .post_form(
            "/welcome",
            &[
                ("security_question", "first_pet"),
                ("security_answer", "  Biscuit "),
                ("consent", "read-notice"),
                ("remind_by_email", "yes"),
            ],
        )
        .await;
    assert_eq!(r.location(), Some("/dashboard"));
    assert_eq!(c.get("/dashboard").await.status, StatusCode::OK);
    // The answer is stored Argon2id-hashed, normalised (M7).
    let tenant = app.tenant("fenland").await;
    let user = app.state.store().find_user_for_login(Some(tenant), &username).await.unwrap().unwrap();
    let setup = app.state.store().account_setup(user.user_id()).await.unwrap().unwrap();
    let hash = setup.security_answer_hash.unwrap();
    assert!(hash.starts_with("$argon2id$"));
    assert!(matches!(
        app.state.hasher().verify("biscuit", Some(&hash)).await.unwrap(),
        induct::auth::password::Verified::Yes { .. }
    ));
    assert!(app.state.store().has_accepted(user.user_id(), "2026-09").await.unwrap());
    // The next login goes straight in.
    let d = app.fenland();
    assert_eq!(d.login(&username, PASSWORD).await.location(), Some("/dashboard"));
    assert!(app.audit_events(Some("fenland")).await.iter().any(|e| e.event == "user_first_login_completed"));
}

#[tokio::test]
async fn staff_are_not_asked_security_questions() {
    let app = spawn_app().await;
    let tenant = app.tenant("fenland").await;
    let store = app.state.store();
    let hash = app.state.hasher().hash(PASSWORD).await.unwrap();
    let mut tx = store.begin().await.unwrap();
    let user = store
        .create_user(
            &mut tx,
            &induct::store::users::NewUser {
                tenant: Some(tenant),
                username: "199502",
                role: induct_domain::Role::InductionTutor,
                display_name: "Tom Tutor",
                email: "tom@example.test",
                password_hash: Some(&hash),
            },
            app.clock.now(),
        )
        .await
        .unwrap();
    let school = store.list_schools(tenant).await.unwrap()[0].id;
    store.add_school_membership(&mut tx, tenant, user, induct_domain::SchoolId(school), app.clock.now()).await.unwrap();
    tx.commit().await.unwrap();
    let c = app.fenland();
    assert_eq!(c.login("199502", PASSWORD).await.location(), Some("/welcome"));
    let page = c.get("/welcome").await;
    assert!(page.html().select(&scraper::Selector::parse("#security_question").unwrap()).next().is_none());
    c.complete_first_login().await;
    assert_eq!(c.get("/dashboard").await.status, StatusCode::OK);
}

/// Finishes the first login of `new_ect` with the question "first pet" answered "Biscuit".
async fn set_up(app: &TestApp, username: &str) {
    let c = app.fenland();
    c.login(username, PASSWORD).await;
    c.get("/welcome").await;
    let r = c
        .post_form(
            "/welcome",
            &[("security_question", "first_pet"), ("security_answer", "Biscuit"), ("consent", "read-notice")],
        )
        .await;
    assert_eq!(r.location(), Some("/dashboard"));
}

#[tokio::test]
async fn m7_the_question_comes_only_after_the_emailed_link_and_counts_towards_the_lock() {
    let app = spawn_app().await;
    let username = new_ect(&app).await;
    set_up(&app, &username).await;
    let c = app.fenland();
    c.get("/account-recovery").await;
    c.post_form("/account-recovery", &[("identifier", &username)]).await;
    app.deliver_mail().await;
    let mail = app.smtp.to("nell@example.test").pop().unwrap().text();
    let link = regex::Regex::new(r"(/set-password/[A-Za-z0-9_-]+)").unwrap().captures(&mail).unwrap()[1].to_owned();
    let page = c.get(&link).await;
    assert!(page.body.contains("The name of your first pet"), "asked after the link");
    // A wrong answer changes nothing and counts.
    let r = c.post_form(&link, &[("security_answer", "Rex"), ("password", "gannet harbour lantern six")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(!r.texts("#security_answer-error").is_empty());
    // The same question again (it stays until answered); the answer is compared normalised.
    assert!(c.get(&link).await.body.contains("The name of your first pet"));
    let r = c.post_form(&link, &[("security_answer", "  BISCUIT "), ("password", "gannet harbour lantern six")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(app.fenland().login(&username, "gannet harbour lantern six").await.location(), Some("/dashboard"));
    // Five wrong answers lock the account like five wrong passwords (A7 counter shared).
    c.get("/account-recovery").await;
    c.post_form("/account-recovery", &[("identifier", &username)]).await;
    app.deliver_mail().await;
    let mail = app.smtp.to("nell@example.test").pop().unwrap().text();
    let link = regex::Regex::new(r"(/set-password/[A-Za-z0-9_-]+)").unwrap().captures(&mail).unwrap()[1].to_owned();
    c.get(&link).await;
    for _ in 0..5 {
        c.post_form(&link, &[("security_answer", "wrong"), ("password", "another harbour lantern")]).await;
    }
    assert_eq!(
        app.fenland().login(&username, "gannet harbour lantern six").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Without the emailed link there is no way to the question at all.
    assert_eq!(c.get("/set-password/not-a-real-token").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_new_privacy_notice_version_is_asked_for_at_the_next_login() {
    let app = spawn_app().await;
    let username = new_ect(&app).await;
    set_up(&app, &username).await;
    // The AB publishes a new version: here, the record of accepting the current one is removed,
    // which is how a new version looks to a person who accepted only the old one.
    let tenant = app.tenant("fenland").await;
    let user = app.state.store().find_user_for_login(Some(tenant), &username).await.unwrap().unwrap();
    match app.state.store().pool() {
        induct::store::Pool::Sqlite(p) => {
            sqlx::query("UPDATE privacy_acceptances SET policy_version = '2025-01' WHERE user_id = $1")
                .bind(user.id)
                .execute(p)
                .await
                .unwrap();
        }
        induct::store::Pool::Postgres(p) => {
            sqlx::query("UPDATE privacy_acceptances SET policy_version = '2025-01' WHERE user_id = $1")
                .bind(user.id)
                .execute(p)
                .await
                .unwrap();
        }
    }
    let c = app.fenland();
    assert_eq!(c.login(&username, PASSWORD).await.location(), Some("/welcome"));
    let page = c.get("/welcome").await;
    assert!(page.body.contains("has updated its privacy notice"));
    assert!(
        page.html().select(&scraper::Selector::parse("#security_question").unwrap()).next().is_none(),
        "only the notice"
    );
    let r = c.post_form("/welcome", &[("consent", "read-notice")]).await;
    assert_eq!(r.location(), Some("/dashboard"));
    assert!(app.state.store().has_accepted(user.user_id(), "2026-09").await.unwrap());
}

#[tokio::test]
async fn m7_security_information_changes_the_question_only_with_a_fresh_password_and_keeps_preferences() {
    let app = spawn_app().await;
    let username = new_ect(&app).await;
    set_up(&app, &username).await;
    let c = app.fenland();
    c.login_ok(&username).await;
    let page = c.get("/account/security").await;
    assert_eq!(page.texts(".security-question"), ["Your question: The name of your first pet"]);
    // Bad input: messages next to the fields, nothing changed.
    let r = c.post_form("/account/security", &[("action", "question"), ("security_answer", "x")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.texts("#security_question-error"), ["Error: Choose a security question"]);
    assert!(!r.texts("#security_answer-error").is_empty());
    // M7 (6): more than five minutes after logging in, the password is asked for: 403 without it.
    app.clock.advance(chrono::Duration::minutes(6));
    c.get("/account/security").await;
    let change = [("action", "question"), ("security_question", "first_school"), ("security_answer", " Fen Road ")];
    let r = c.post_form("/account/security", &change).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("reauth_required"));
    assert_eq!(r.texts(".security-question"), ["Your question: The name of your first pet"]);
    let mut with_password = change.to_vec();
    with_password.push(("password", PASSWORD));
    let r = c.post_form("/account/security", &with_password).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.texts(".security-question"), ["Your question: The name of the first school you went to"]);
    // Stored as an Argon2id hash of the normalised answer (M7 2, 3).
    let tenant = app.tenant("fenland").await;
    let user = app.state.store().find_user_for_login(Some(tenant), &username).await.unwrap().unwrap();
    let setup = app.state.store().account_setup(user.user_id()).await.unwrap().unwrap();
    let hash = setup.security_answer_hash.unwrap();
    assert!(hash.starts_with("$argon2id$"));
    assert!(
        app.state
            .hasher()
            .verify("fen road", Some(&hash))
            .await
            .is_ok_and(|v| matches!(v, induct::auth::password::Verified::Yes { .. }))
    );
    // Contact preferences (seed 001) are saved and shown back.
    let r = c.post_form("/account/security", &[("action", "preferences"), ("news_by_email", "yes")]).await;
    assert_eq!(r.status, StatusCode::OK);
    let setup = app.state.store().account_setup(user.user_id()).await.unwrap().unwrap();
    assert!(!setup.remind_by_email && setup.news_by_email);
    let events = app.audit_events(Some("fenland")).await;
    assert!(events.iter().any(|e| e.event == "authn_security_question_change"));
    assert!(events.iter().any(|e| e.event == "user_contact_preferences_changed"));
}
