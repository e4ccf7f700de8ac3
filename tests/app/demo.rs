//! The demo data that `cargo run` starts with, and the shipped configuration.

use induct_domain::Role;

use crate::helpers::{repo_path, spawn_app};

#[tokio::test]
async fn demo_has_two_branded_abs_with_two_schools_and_every_role() {
    let app = spawn_app().await;
    let store = app.state.store();
    let tenants = store.list_tenants().await.unwrap();
    assert_eq!(tenants.iter().map(|t| t.slug.as_str()).collect::<Vec<_>>(), ["fenland", "northshire"]);
    assert_ne!(tenants[0].theme, tenants[1].theme);
    let abs = induct::demo::load_abs(&repo_path("config/abs")).unwrap();
    for (t, ab) in tenants.iter().zip(&abs) {
        assert_eq!(store.list_schools(t.tenant_id()).await.unwrap().len(), 2);
        for role in Role::ALL.into_iter().filter(|r| r.is_tenant_role()) {
            let p = ab.people.iter().find(|p| p.role == role).unwrap_or_else(|| panic!("{} has no {role}", ab.slug));
            let u = store.find_user_for_login(Some(t.tenant_id()), &p.username).await.unwrap().unwrap();
            assert_eq!(u.role().unwrap(), role);
        }
    }
    let op = store.find_user_for_login(None, induct::demo::OPERATOR_USERNAME).await.unwrap().unwrap();
    assert_eq!(op.role().unwrap(), Role::PlatformOperator);
    // The demo password obeys the same policy as everyone's.
    induct_domain::password::check_new_password(induct::demo::DEMO_PASSWORD, &["Fenland Teaching School Hub"]).unwrap();
}

#[tokio::test]
async fn a_second_start_keeps_the_data() {
    let app = spawn_app().await;
    let users = app.state.store().count_users().await.unwrap();
    app.fenland().login_ok(crate::helpers::users::FEN_TUTOR).await;
    let again = app.another_instance().await; // builds (and would seed) again on the same database
    assert_eq!(again.store().count_users().await.unwrap(), users);
    assert_eq!(again.store().list_tenants().await.unwrap().len(), 2);
}

#[test]
fn the_shipped_configuration_loads_and_runs_on_sqlite() {
    let config = induct::Config::load(&repo_path("config")).unwrap();
    assert!(config.demo);
    assert_eq!(config.server.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(config.origin_for(Some("fenland")), "http://fenland.localhost:8080");
    let url = format!("{:?}", config.database);
    assert!(url.contains("sqlite://data/induct.db"), "{url}");
    let example = std::fs::read_to_string(repo_path("config/production.example.toml")).unwrap();
    let _: toml::Value = toml::from_str(&example).unwrap();
}
