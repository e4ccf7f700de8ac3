//! First login (seed 001; issue 7): a security question for ECTs (SECURITY.md M7: hashed with
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
