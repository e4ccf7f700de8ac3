//! Mail through the outbox to a real SMTP listener on loopback: delivery, retries with backoff
//! while SMTP is down, permanent failures, leases across app instances, header injection.

use chrono::Duration;
use induct::store::outbox::NewMail;
use reqwest::StatusCode;
use std::collections::HashSet;

use crate::helpers::{TestApp, spawn_app, users::*};
use crate::smtp::Mode;

async fn lock_out(app: &TestApp, username: &str) {
    let c = app.fenland();
    for _ in 0..5 {
        assert_eq!(c.login(username, "not my password").await.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn a8_the_lock_email_arrives_over_smtp_from_the_ab() {
    let app = spawn_app().await;
    lock_out(&app, FEN_TUTOR).await;
    assert!(app.smtp.messages().is_empty(), "queued, not yet sent");
    let report = app.deliver_mail().await;
    assert_eq!(report.sent, 1);
    let mails = app.smtp.to("g.okafor@marshlane.example");
    assert_eq!(mails.len(), 1);
    let m = &mails[0];
    assert_eq!(m.mail_from, "do-not-reply@fenland.induct.localhost");
    assert!(m.header("From").unwrap().contains("Fenland Teaching School Hub"));
    assert_eq!(m.header("Subject").unwrap(), "Fenland Teaching School Hub: your account has been locked");
    let text = m.text();
    assert!(text.contains("Dear Grace Okafor"));
    assert!(text.contains("username 110004"));
    assert!(text.contains("You can try again after 9:30am on Tuesday 24 November 2026"), "{text}");
    assert!(text.contains(&format!("http://fenland.localhost:{}/login", app.addr.port())));
    assert!(!text.contains("not my password"), "never the password typed");
    // The Message-ID is the outbox row's, so a resend would be recognisable.
    let row = &app.state.store().list_outbox(10).await.unwrap()[0];
    assert_eq!(m.header("Message-ID").unwrap(), row.message_id);
    assert_eq!(row.status, "sent");
    assert_eq!(app.deliver_mail().await.claimed, 0, "nothing is sent twice");
}

#[tokio::test]
async fn smtp_down_then_back_loses_nothing_and_sends_once() {
    let app = spawn_app().await;
    app.smtp.set_mode(Mode::Unavailable);
    lock_out(&app, FEN_LEAD).await;
    lock_out(&app, FEN_HEAD).await;
    let r = app.deliver_mail().await;
    assert_eq!((r.claimed, r.retrying), (2, 2));
    let rows = app.state.store().list_outbox(10).await.unwrap();
    assert!(rows.iter().all(|r| r.status == "pending" && r.attempts == 1 && r.last_error.is_some()));
    // Not due again until the backoff has passed.
    assert_eq!(app.deliver_mail().await.claimed, 0);
    app.clock.advance(Duration::minutes(1));
    assert_eq!(app.deliver_mail().await.retrying, 2, "still down");
    app.smtp.set_mode(Mode::Accept);
    app.clock.advance(Duration::minutes(1));
    assert_eq!(app.deliver_mail().await.claimed, 0, "second backoff is two minutes");
    app.clock.advance(Duration::minutes(1));
    assert_eq!(app.deliver_mail().await.sent, 2);
    let msgs = app.smtp.messages();
    assert_eq!(msgs.len(), 2);
    // In the order they were queued.
    assert_eq!(msgs[0].rcpt_to, ["t.ellis@marshlane.example"]);
    assert_eq!(msgs[1].rcpt_to, ["head@marshlane.example"]);
    let counts = app.state.store().outbox_counts().await.unwrap();
    assert_eq!((counts.pending, counts.sent, counts.failed), (0, 2, 0));
}

#[tokio::test]
async fn a_permanent_refusal_is_failed_at_once_and_shown_to_the_operator() {
    let app = spawn_app().await;
    app.smtp.set_mode(Mode::RejectRecipients);
    lock_out(&app, FEN_SCHOOL_ADMIN).await;
    let r = app.deliver_mail().await;
    assert_eq!((r.claimed, r.failed), (1, 1));
    let row = &app.state.store().list_outbox(10).await.unwrap()[0];
    assert_eq!((row.status.as_str(), row.attempts), ("failed", 1));
    let o = app.platform();
    o.login_ok(OPERATOR).await;
    let page = o.get("/platform/mail").await;
    assert!(page.body.contains("office.admin@marshlane.example"));
    assert!(page.texts("td .tag").iter().any(|t| t == "failed"));
    assert!(page.body.contains("550"), "the SMTP reply is shown");
}

async fn queue(app: &TestApp, n: usize) {
    let store = app.state.store();
    let now = app.clock.now();
    let mut tx = store.begin().await.unwrap();
    for i in 0..n {
        let m = NewMail {
            tenant: None,
            kind: "test".into(),
            to_address: format!("person{i}@example.test"),
            to_name: format!("Person {i}"),
            from_address: "do-not-reply@induct.localhost".into(),
            from_name: "Induct".into(),
            subject: format!("Message {i}"),
            body_text: format!("Hello {i}"),
            body_html: None,
            expires_at: None,
        };
        store.enqueue_mail(&mut tx, &m, "induct.localhost", now).await.unwrap();
    }
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn two_app_instances_never_send_the_same_message_twice() {
    let app = spawn_app().await;
    let second = app.another_instance().await;
    queue(&app, 200).await;
    let (a, b) = tokio::join!(
        induct::mail::worker::deliver_until_idle(&app.state),
        induct::mail::worker::deliver_until_idle(&second),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.sent + b.sent, 200, "{a:?} {b:?}");
    let ids: Vec<String> = app.smtp.messages().iter().map(|m| m.header("Message-ID").unwrap()).collect();
    assert_eq!(ids.len(), 200);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 200, "no duplicates");
    let counts = app.state.store().outbox_counts().await.unwrap();
    assert_eq!((counts.pending, counts.sent, counts.failed), (0, 200, 0));
}

#[tokio::test]
async fn a_worker_that_dies_mid_send_leaves_the_message_to_another_after_its_lease() {
    let app = spawn_app().await;
    let second = app.another_instance().await;
    queue(&app, 1).await;
    let now = app.clock.now();
    // Instance one claims the message and "dies" (never reports back).
    let claimed =
        app.state.store().claim_due_mail(uuid::Uuid::new_v4(), now, now + Duration::minutes(5), 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(induct::mail::worker::deliver_until_idle(&second).await.unwrap().claimed, 0, "leased");
    app.clock.advance(Duration::minutes(5));
    assert_eq!(induct::mail::worker::deliver_until_idle(&second).await.unwrap().sent, 1, "lease expired");
    assert_eq!(app.smtp.messages().len(), 1);
}

#[tokio::test]
async fn i4_names_cannot_inject_mail_headers() {
    let app = spawn_app().await;
    app.create_user(
        "fenland",
        "188888",
        induct_domain::Role::AbAdmin,
        "Bob\r\nBcc: x@evil.example",
        "bob@example.test",
    )
    .await;
    lock_out(&app, "188888").await;
    app.deliver_mail().await;
    let msgs = app.smtp.messages();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].rcpt_to, ["bob@example.test"], "one recipient");
    assert!(msgs[0].header("Bcc").is_none());
    let headers = msgs[0].data.split("\r\n\r\n").next().unwrap();
    assert!(!headers.lines().any(|l| l.to_ascii_lowercase().starts_with("bcc")), "{headers}");
}
