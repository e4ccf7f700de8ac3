//! A school registers under its AB and the AB authorises or rejects it (seed 001 step 1).

use reqwest::StatusCode;

use crate::helpers::{spawn_app, users::*};

fn school_form<'a>(name: &'a str, urn: &'a str, person_email: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("urn", urn),
        ("address", "1 Fen Road, March"),
        ("postcode", "pe15 8aa"),
        ("contact_email", "office@fenroad.example"),
        ("contact_phone", "01354 000 300"),
        ("person_name", "Rita Fenn"),
        ("person_email", person_email),
        ("person_role", "induction_lead"),
    ]
}

#[tokio::test]
async fn a_school_registers_and_the_ab_authorises_it_seed_001() {
    let app = spawn_app().await;
    let c = app.fenland();
    // Search first: an existing school is found.
    let r = c.get("/register-school?q=marsh").await;
    assert_eq!(r.texts(".found-schools li")[0].split(',').next(), Some("Marsh Lane Primary School"));
    assert!(!c.get("/register-school?q=PE13 1AA").await.texts(".found-schools li").is_empty(), "by postcode too");
    assert!(c.get("/register-school?q=zzzz").await.body.contains("No school matches"));

    // Bad input and a duplicate URN: messages next to the fields, nothing stored.
    let tenant = app.tenant("fenland").await;
    let before = app.state.store().list_schools(tenant).await.unwrap().len();
    let mut bad = school_form("", "12345", "nope");
    bad[8] = ("person_role", "ect");
    let r = c.post_form("/register-school", &bad).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.texts("#urn-error")[0].contains("6-digit URN"));
    assert!(r.texts("#person_role-error")[0].contains("head teacher or induction lead"));
    let r = c.post_form("/register-school", &school_form("Fen Road School", "900101", "rita@fenroad.example")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.texts("#urn-error")[0].contains("Marsh Lane Primary School (URN 900101) is already registered"));
    assert_eq!(app.state.store().list_schools(tenant).await.unwrap().len(), before);

    let r = c.post_form("/register-school", &school_form("Fen Road School", "900199", "rita@fenroad.example")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Fen Road School is registered"));
    app.deliver_mail().await;
    assert!(app.smtp.to("rita@fenroad.example").is_empty(), "no access until the AB authorises");

    // The AB sees it on its task list and authorises it.
    let ab = app.fenland();
    ab.login_ok(FEN_AB_ADMIN).await;
    assert_eq!(ab.get("/dashboard").await.texts("[data-task=schools]"), ["1"]);
    let schools = app.state.store().list_schools(tenant).await.unwrap();
    let fen_road = schools.iter().find(|s| s.name == "Fen Road School").unwrap();
    assert_eq!(fen_road.status.as_str(), "pending");
    assert_eq!(fen_road.postcode, "PE15 8AA");
    ab.get("/schools").await;
    let r = ab.post_form(&format!("/schools/{}/decision", fen_road.id), &[("decision", "authorise")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(ab.get("/dashboard").await.texts("[data-task=schools]"), ["0"]);
    // A second, late decision changes nothing.
    ab.get("/schools").await;
    ab.post_form(&format!("/schools/{}/decision", fen_road.id), &[("decision", "reject")]).await;
    let again = app.state.store().get_school(tenant, induct_domain::SchoolId(fen_road.id)).await.unwrap().unwrap();
    assert_eq!(again.status.as_str(), "authorised");

    // The registrant gets their username and a link; sets a password; logs in to their school.
    app.deliver_mail().await;
    let mail = app.smtp.to("rita@fenroad.example").pop().expect("the authorisation email");
    let text = mail.text();
    let username = regex::Regex::new(r"Your username is: (\d{6})").unwrap().captures(&text).unwrap()[1].to_owned();
    let link = regex::Regex::new(r"(/set-password/[A-Za-z0-9_-]+)").unwrap().captures(&text).unwrap()[1].to_owned();
    let rita = app.fenland();
    rita.get(&link).await;
    assert_eq!(rita.post_form(&link, &[("password", "marsh heron kettle dawn")]).await.status, StatusCode::OK);
    let r = rita.login(&username, "marsh heron kettle dawn").await;
    // Seed 001: the first login asks for the first-login steps before anything else.
    assert_eq!(r.location(), Some("/welcome"));
    assert_eq!(rita.get("/dashboard").await.location(), Some("/welcome"));
    rita.complete_first_login().await;
    let dash = rita.get("/dashboard").await;
    assert!(dash.body.contains("Fen Road School"));
    assert!(dash.body.contains("has no head teacher on Induct yet"), "the lead is asked to add the head teacher");
    let events = app.audit_events(Some("fenland")).await;
    assert!(
        events.iter().any(|e| e.event == "school_registered") && events.iter().any(|e| e.event == "school_authorised")
    );
}

#[tokio::test]
async fn a_rejected_school_gets_no_access() {
    let app = spawn_app().await;
    let c = app.fenland();
    c.get("/register-school").await;
    c.post_form("/register-school", &school_form("Bogus School", "900188", "bogus@example.test")).await;
    let tenant = app.tenant("fenland").await;
    let bogus =
        app.state.store().list_schools(tenant).await.unwrap().into_iter().find(|s| s.name == "Bogus School").unwrap();
    let ab = app.fenland();
    ab.login_ok(FEN_AB_ADMIN).await;
    ab.get("/schools").await;
    let r = ab
        .post_form(&format!("/schools/{}/decision", bogus.id), &[("decision", "reject"), ("reason", "Not in our area")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let bogus = app.state.store().get_school(tenant, induct_domain::SchoolId(bogus.id)).await.unwrap().unwrap();
    assert_eq!(bogus.status.as_str(), "rejected");
    app.deliver_mail().await;
    assert!(app.smtp.to("bogus@example.test").is_empty());
    // Another AB's admin cannot decide Fenland's schools.
    let n = app.northshire();
    n.login_ok(NOR_AB_ADMIN).await;
    n.get("/schools").await;
    let r = n.post_form(&format!("/schools/{}/decision", bogus.id), &[("decision", "authorise")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_public_form_has_a_budget_per_address() {
    let app = spawn_app().await;
    let c = app.fenland();
    c.get("/register-school").await;
    let tenant = app.tenant("fenland").await;
    let before = app.state.store().list_schools(tenant).await.unwrap().len();
    for _ in 0..10 {
        assert_eq!(c.post_form("/register-school", &school_form("", "1", "x")).await.status, StatusCode::BAD_REQUEST);
    }
    let r = c.post_form("/register-school", &school_form("Eleventh School", "900177", "e@example.test")).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.texts("#name-error")[0].contains("Wait an hour"));
    assert_eq!(app.state.store().list_schools(tenant).await.unwrap().len(), before, "nothing stored");
    // Another AB's form has its own budget; after the hour the address may register again.
    let n = app.northshire();
    n.get("/register-school").await;
    assert_eq!(n.post_form("/register-school", &school_form("", "1", "x")).await.status, StatusCode::BAD_REQUEST);
    app.clock.advance(chrono::Duration::minutes(61));
    let r = c.post_form("/register-school", &school_form("Eleventh School", "900177", "e@example.test")).await;
    assert_eq!(r.status, StatusCode::OK);
}
