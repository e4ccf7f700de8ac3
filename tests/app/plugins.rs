//! AB plugins through real pages: extra questions on a form, their validation next to the field,
//! storage and display; misbehaving plugins failing cleanly while another AB carries on; install,
//! refusal and rollback by the people allowed to (issue: plugins and themes; docs/security.md P3-P5).

use reqwest::StatusCode;
use std::time::Instant;

use crate::helpers::{Client, TestApp, spawn_app, users::*};

async fn edit_page(app: &TestApp, c: &Client) -> (String, crate::helpers::Resp) {
    let r = c.get("/schools/mine").await;
    let school = r.location().unwrap().to_owned();
    let page = c.get(&format!("{school}/edit")).await;
    let _ = app;
    (school, page)
}

fn school_fields<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("name", "Marsh Lane Primary School"),
        ("address", "Marsh Lane, Wisbech"),
        ("postcode", "pe13 1aa"),
        ("contact_email", "office@marshlane.example"),
        ("contact_phone", "01945 000 201"),
    ];
    f.extend_from_slice(extra);
    f
}

#[tokio::test]
async fn an_abs_extra_questions_appear_are_validated_stored_and_shown_back() {
    let app = spawn_app().await;
    let c = app.fenland();
    c.login_ok(FEN_HEAD).await;
    let (school, page) = edit_page(&app, &c).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.texts(".extra-question legend"),
        ["Has the school signed the Fenland Teaching School Hub service level agreement?"]
    );
    assert!(page.body.contains("Induction coordinator&#x27;s direct phone number (optional)"));

    // Another AB's form has its own questions, not Fenland's.
    let n = app.northshire();
    n.login_ok(NOR_HEAD).await;
    let (_, npage) = edit_page(&app, &n).await;
    assert_eq!(npage.texts(".extra-question legend"), ["What type of school is it?"]);
    assert!(!npage.body.contains("Fenland"));

    // The host's required check, and the plugin's own check, each next to its field.
    let r = c.post_form(&format!("{school}/edit"), &school_fields(&[("extra.coordinator-phone", "call me")])).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.texts("#extra\\.sla-status-error"), ["Error: Select an answer"]);
    let r = c
        .post_form(
            &format!("{school}/edit"),
            &school_fields(&[("extra.sla-status", "sent"), ("extra.coordinator-phone", "call me")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.texts("#extra\\.coordinator-phone-error"), ["Error: Enter a UK phone number, like 01354 000 100"]);
    assert_eq!(r.texts(".error-summary li"), ["Enter a UK phone number, like 01354 000 100"]);
    // Nothing was half-saved, and what was typed is still in the form.
    assert!(r.body.contains(r#"value="call me""#));
    let checked = scraper::Selector::parse("input[name='extra.sla-status'][checked]").unwrap();
    assert_eq!(r.html().select(&checked).next().unwrap().value().attr("value"), Some("sent"));
    let tenant = app.tenant("fenland").await;
    let school_id: uuid::Uuid = school.rsplit('/').next().unwrap().parse().unwrap();
    assert!(app.state.store().list_form_answers(tenant, "school-details", school_id).await.unwrap().is_empty());

    // Valid answers are stored with the form and shown on the school's page.
    let r = c
        .post_form(
            &format!("{school}/edit"),
            &school_fields(&[("extra.sla-status", "signed"), ("extra.coordinator-phone", "01354 000 123")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let shown = c.get(&school).await;
    assert!(
        shown.texts(".extra-answer").contains(
            &"Has the school signed the Fenland Teaching School Hub service level agreement?Yes, it is signed"
                .to_owned()
        ),
        "{:?}",
        shown.texts(".extra-answer")
    );
    assert!(shown.texts("dd").contains(&"PE13 1AA".to_owned()), "the postcode is normalised");
    // Editing again shows the stored answers.
    let (_, again) = edit_page(&app, &c).await;
    assert!(again.body.contains(r#"value="01354 000 123""#));

    // A new plugin version keeps the answers (they belong to the form, not the plugin).
    app.install_plugin("fenland", induct_plugin_host::demo::FENLAND.to_vec()).await;
    let shown = c.get(&school).await;
    assert_eq!(shown.texts(".extra-answer").len(), 2);
    assert_eq!(app.state.store().list_plugins(tenant).await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_looping_hogging_or_crashing_plugin_fails_cleanly_and_other_abs_carry_on() {
    let app = spawn_app().await;
    app.install_plugin("fenland", induct_plugin_host::fixtures::bytes("misbehave")).await;
    let north = app.northshire();
    north.login_ok(NOR_LEAD).await;
    // head teacher: endless loop; induction lead: memory hog (see the plugin).
    for who in [FEN_HEAD, FEN_LEAD] {
        let c = app.fenland();
        c.login_ok(who).await;
        let school = c.get("/schools/mine").await.location().unwrap().to_owned();
        let started = Instant::now();
        let edit = format!("{school}/edit");
        let (fen, nor) = tokio::join!(c.get(&edit), async {
            let (_, page) = edit_page(&app, &north).await;
            page
        });
        assert_eq!(fen.status, StatusCode::OK, "{who}: the core form still works");
        assert!(fen.body.contains("extra questions could not be loaded just now"), "{who}");
        assert!(started.elapsed().as_secs() < 5, "{who}: bounded");
        assert_eq!(nor.status, StatusCode::OK);
        assert_eq!(nor.texts(".extra-question legend"), ["What type of school is it?"], "Northshire is unaffected");
        // The school's details can still be saved (fail open: the questions are left off).
        let r = c.post_form(&format!("{school}/edit"), &school_fields(&[])).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{who}: {}", r.body);
    }
    // AB admin: the plugin crashes while checking answers. Nothing is saved, what was typed stays
    // in the form, and the user is told to try again (fail closed).
    let c = app.fenland();
    c.login_ok(FEN_AB_ADMIN).await;
    let id = app.state.store().list_schools(app.tenant("fenland").await).await.unwrap()[0].id;
    let page = c.get(&format!("/schools/{id}/edit")).await;
    assert_eq!(page.texts(".extra-question legend"), ["Is this fine?"]);
    let mut fields = school_fields(&[("extra.ok", "yes")]);
    fields[0] = ("name", "Renamed Primary School");
    let r = c.post_form(&format!("/schools/{id}/edit"), &fields).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.body.contains("Nothing has been saved"));
    assert!(r.body.contains(r#"value="Renamed Primary School""#), "what was typed is kept");
    let school =
        app.state.store().get_school(app.tenant("fenland").await, induct_domain::SchoolId(id)).await.unwrap().unwrap();
    assert_ne!(school.name, "Renamed Primary School", "nothing half-saved");
    assert_eq!(north.get("/dashboard").await.status, StatusCode::OK);
    let logs = crate::helpers::captured_logs();
    assert!(logs.contains("the plugin took too long and was stopped"));
    assert!(logs.contains("the plugin ran out of memory"));
    assert!(logs.contains("plugin bug on purpose in validate"), "the plugin's panic message reaches the log");
}

#[tokio::test]
async fn plugins_are_installed_checked_and_rolled_back_by_those_allowed() {
    let app = spawn_app().await;
    let tenant = app.tenant("fenland").await;
    let admin = app.fenland();
    admin.login_ok(FEN_AB_ADMIN).await;
    let page = admin.get("/plugins").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.texts("dd").contains(&"fenland".to_owned()));

    // A component that imports WASI is refused, with the reason next to the file field.
    let r = admin.post_file("/plugins", "plugin", induct_plugin_host::fixtures::bytes("misbehave-wasi")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let msg = r.texts("#plugin-error");
    assert!(msg[0].contains("imports wasi:"), "{msg:?}");
    // A large upload (over axum's default 2 MiB) reaches the check and is refused for what it is.
    let r = admin.post_file("/plugins", "plugin", vec![0u8; 3 << 20]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.status);
    let r = admin.post_file("/plugins", "plugin", b"definitely not wasm".to_vec()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.state.store().list_plugins(tenant).await.unwrap().len(), 1, "nothing stored");

    // A good one is installed and active at once (hot swap, no restart).
    let r = admin.post_file("/plugins", "plugin", induct_plugin_host::demo::NORTHSHIRE.to_vec()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let head = app.fenland();
    head.login_ok(FEN_HEAD).await;
    let (_, page) = edit_page(&app, &head).await;
    assert_eq!(page.texts(".extra-question legend"), ["What type of school is it?"]);

    // Roll back to the first version from the list.
    let versions = app.state.store().list_plugins(tenant).await.unwrap();
    let first = versions.iter().find(|v| !v.active).unwrap();
    admin.get("/plugins").await;
    let r = admin.post_form(&format!("/plugins/{}/activate", first.id), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let (_, page) = edit_page(&app, &head).await;
    assert_eq!(
        page.texts(".extra-question legend"),
        ["Has the school signed the Fenland Teaching School Hub service level agreement?"]
    );

    // Another AB's admin cannot reach Fenland's versions; the operator can manage any AB's.
    let other = app.northshire();
    other.login_ok(NOR_AB_ADMIN).await;
    other.get("/plugins").await;
    assert_eq!(other.post_form(&format!("/plugins/{}/activate", first.id), &[]).await.status, StatusCode::NOT_FOUND);
    let op = app.platform();
    op.login_ok(OPERATOR).await;
    let p = op.get("/platform/appropriate-bodies/northshire/plugins").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.texts("dd").contains(&"northshire".to_owned()));
    let events = app.audit_events(Some("fenland")).await;
    assert!(events.iter().any(|e| e.event == "plugin_installed"));
    assert!(events.iter().any(|e| e.event == "plugin_activated"));
}
