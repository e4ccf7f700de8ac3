//! A school's staff: adding people with a username and a set-password link by email (seed 001),
//! setting the password from the link, sending a new link, deactivating leavers (seed 000).

use chrono::Duration;
use reqwest::StatusCode;

use crate::helpers::{Client, TestApp, spawn_app, users::*};

/// The set-password link in the last email to `address`, as a path.
async fn link_for(app: &TestApp, address: &str) -> String {
    app.deliver_mail().await;
    let mails = app.smtp.to(address);
    let text = mails.last().expect("an email").text();
    let re =
        regex::Regex::new(&format!(r"http://fenland\.localhost:{}(/set-password/[A-Za-z0-9_-]+)", app.addr.port()))
            .unwrap();
    re.captures(&text).unwrap_or_else(|| panic!("no link in {text}"))[1].to_owned()
}

async fn staff_page(c: &Client) -> String {
    let school = c.get("/schools/mine").await.location().unwrap().to_owned();
    format!("{school}/staff")
}

#[tokio::test]
async fn a_lead_adds_a_tutor_who_sets_a_password_from_the_emailed_link() {
    let app = spawn_app().await;
    let lead = app.fenland();
    lead.login_ok(FEN_LEAD).await;
    let staff = staff_page(&lead).await;
    let page = lead.get(&staff).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.texts("table.staff td").contains(&FEN_TUTOR.to_owned()), "leads see usernames (seed 000)");

    // Bad input: messages next to the fields, nobody created.
    let users_before = app.state.store().count_users().await.unwrap();
    let r = lead.post_form(&staff, &[("name", ""), ("email", "not-an-email"), ("role", "ect")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.texts(".error-summary li").len(), 3);
    assert!(r.texts("#email-error")[0].contains("Enter an email address in the correct format"));
    assert_eq!(app.state.store().count_users().await.unwrap(), users_before);

    let r = lead
        .post_form(
            &staff,
            &[("name", "Nina Novak"), ("email", "n.novak@marshlane.example"), ("role", "induction_tutor")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let notice = r.texts(".notice")[0].clone();
    let username = regex::Regex::new(r"username (\d{6})").unwrap().captures(&notice).unwrap()[1].to_owned();
    assert!(r.texts("table.staff td").contains(&"Waiting to set a password".to_owned()));

    // The email: username and a link built from the configured origin, never a password.
    let link = link_for(&app, "n.novak@marshlane.example").await;
    let mail = app.smtp.to("n.novak@marshlane.example").pop().unwrap();
    assert!(mail.text().contains(&format!("Your username is: {username}")));
    assert_eq!(
        mail.header("Subject").unwrap(),
        "Fenland Teaching School Hub: your username and how to set your password"
    );

    let nina = app.fenland();
    let page = nina.get(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.headers["referrer-policy"], "no-referrer");
    assert!(page.body.contains(&username));
    for (weak, message) in
        [("password123", "too common"), ("Fenland2026!", "must not be based on"), ("short", "8 characters or more")]
    {
        let r = nina.post_form(&link, &[("password", weak)]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{weak}");
        assert!(r.texts("#password-error")[0].contains(message), "{weak}: {:?}", r.texts("#password-error"));
    }
    let r = nina.post_form(&link, &[("password", "heron orchard lantern fog")]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Your password is set"));
    // The link works once.
    assert_eq!(nina.get(&link).await.status, StatusCode::NOT_FOUND);
    let r = app.fenland().login(&username, "heron orchard lantern fog").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // The link's token never reaches the logs (D3): request logs show the route, not the token.
    let token = link.rsplit('/').next().unwrap();
    assert!(!crate::helpers::captured_logs().contains(token));
    let events = app.audit_events(Some("fenland")).await;
    for name in ["user_created", "authn_password_change"] {
        assert!(events.iter().any(|e| e.event == name), "{name}");
    }
}

#[tokio::test]
async fn a_new_link_replaces_the_old_one_and_links_expire() {
    let app = spawn_app().await;
    let lead = app.fenland();
    lead.login_ok(FEN_LEAD).await;
    let staff = staff_page(&lead).await;
    lead.get(&staff).await;
    lead.post_form(
        &staff,
        &[("name", "Omar Aziz"), ("email", "o.aziz@marshlane.example"), ("role", "induction_tutor")],
    )
    .await;
    let first = link_for(&app, "o.aziz@marshlane.example").await;
    let omar = app
        .state
        .store()
        .list_staff(
            app.tenant("fenland").await,
            induct_domain::SchoolId(app.state.store().list_schools(app.tenant("fenland").await).await.unwrap()[0].id),
        )
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.display_name == "Omar Aziz")
        .unwrap();
    lead.get(&staff).await;
    let r = lead.post_form(&format!("{staff}/{}/send-link", omar.id), &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    let second = link_for(&app, "o.aziz@marshlane.example").await;
    assert_ne!(first, second);
    assert_eq!(app.fenland().get(&first).await.status, StatusCode::NOT_FOUND, "a resend invalidates the earlier link");
    assert_eq!(app.fenland().get(&second).await.status, StatusCode::OK);
    // Seven days later the link has expired.
    app.clock.advance(Duration::days(7) + Duration::seconds(1));
    assert_eq!(app.fenland().get(&second).await.status, StatusCode::NOT_FOUND);
    // A link is no good on another AB's site.
    assert_eq!(app.northshire().get(&second).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn leavers_are_deactivated_and_school_admins_see_no_usernames() {
    let app = spawn_app().await;
    let tutor = app.fenland();
    tutor.login_ok(FEN_TUTOR).await;
    let head = app.fenland();
    head.login_ok(FEN_HEAD).await;
    let staff = staff_page(&head).await;
    head.get(&staff).await;
    let tutor_row =
        app.state.store().find_user_for_login(Some(app.tenant("fenland").await), FEN_TUTOR).await.unwrap().unwrap();
    let r = head.post_form(&format!("{staff}/{}/deactivate", tutor_row.id), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(tutor.get("/dashboard").await.status, StatusCode::SEE_OTHER, "their sessions end");
    assert_eq!(app.fenland().login(FEN_TUTOR, crate::helpers::PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    assert!(head.get(&staff).await.texts("table.staff td").contains(&"Left".to_owned()));
    // Nobody deactivates themselves.
    let me = app.state.store().find_user_for_login(Some(app.tenant("fenland").await), FEN_HEAD).await.unwrap().unwrap();
    head.get(&staff).await;
    assert_eq!(head.post_form(&format!("{staff}/{}/deactivate", me.id), &[]).await.status, StatusCode::BAD_REQUEST);

    // School administrators add people but see no usernames and manage no accounts.
    let admin = app.fenland();
    admin.login_ok(FEN_SCHOOL_ADMIN).await;
    let page = admin.get(&staff).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.texts("table.staff td").contains(&FEN_LEAD.to_owned()));
    let r = admin.post_form(&format!("{staff}/{}/send-link", me.id), &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // ... and cannot add anyone with more rights than their own (a head teacher, a lead).
    let page = admin.get(&staff).await;
    assert!(!page.body.contains(r#"value="head_teacher""#));
    let r = admin
        .post_form(&staff, &[("name", "Sam Again"), ("email", "sam2@example.test"), ("role", "head_teacher")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.texts("#role-error"), ["Error: Choose the person's position"]);
    assert!(app.audit_events(Some("fenland")).await.iter().any(|e| e.event == "user_deactivated"));
}
