//! Codes by text message (issue 7; seed 000 "via email or text"; docs/security.md M1-M5, section 3):
//! the real GOV.UK Notify client talks HTTP to a loopback server that records each request and
//! checks its signed token; the mobile number is proved before codes go to it; at login the person
//! chooses email or text; provider failures are retried or recorded, never lost or sent stale.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use sha2::Sha256;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use crate::helpers::{Options, PASSWORD, TestApp, captured_logs, spawn_app_with, users::*};

const SERVICE_ID: &str = "26785a09-ab16-4eb0-8407-a37497a57506";
const SECRET: &str = "3d844edf-8d35-48ac-975b-e847b4f122b0";
const TEMPLATE: &str = "f33517ff-2a88-4f6e-b855-c550268ce08a";

/// One request the fake Notify received.
#[derive(Clone, Debug)]
struct Received {
    bearer: String,
    body: serde_json::Value,
}

type Shared = (Arc<Mutex<Vec<Received>>>, Arc<AtomicU16>);

/// A stand-in for GOV.UK Notify on loopback: records requests, answers with the status set.
#[derive(Clone)]
struct FakeNotify {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
    status: Arc<AtomicU16>,
}

impl FakeNotify {
    async fn start() -> Self {
        use axum::extract::State;
        use axum::http::HeaderMap;
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let status = Arc::new(AtomicU16::new(201));
        let state = (received.clone(), status.clone());
        let app = axum::Router::new()
            .route(
                "/v2/notifications/sms",
                axum::routing::post(
                    async |State((received, status)): State<Shared>, headers: HeaderMap, body: String| {
                        let bearer = headers
                            .get("authorization")
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| v.strip_prefix("Bearer "))
                            .unwrap_or("")
                            .to_owned();
                        let body: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                        received.lock().unwrap().push(Received { bearer, body });
                        let code = status.load(Ordering::SeqCst);
                        let reply = if code == 201 {
                            serde_json::json!({ "id": uuid::Uuid::new_v4(), "content": { "body": "..." } })
                        } else {
                            serde_json::json!({
                                "status_code": code,
                                "errors": [{ "error": "BadRequestError", "message": "Not a UK mobile number" }]
                            })
                        };
                        (axum::http::StatusCode::from_u16(code).unwrap(), axum::Json(reply))
                    },
                ),
            )
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FakeNotify { url, received, status }
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The code in the newest text message to a number.
    fn last_code_to(&self, e164: &str) -> String {
        let r = self.received().into_iter().rfind(|r| r.body["phone_number"] == e164).expect("a text message");
        let body = r.body["personalisation"]["body"].as_str().unwrap().to_owned();
        regex::Regex::new(r"\b(\d{6})\b").unwrap().captures(&body).unwrap()[1].to_owned()
    }
}

async fn spawn_with_notify() -> (TestApp, FakeNotify) {
    let notify = FakeNotify::start().await;
    let url = notify.url.clone();
    let app = spawn_app_with(Options {
        configure: Box::new(move |c| {
            c.sms.provider = induct::config::SmsProviderKind::Notify;
            c.sms.notify_base_url = url;
            c.sms.notify_api_key = Some(format!("induct_test-{SERVICE_ID}-{SECRET}").into());
            c.sms.notify_template_id = TEMPLATE.into();
        }),
        ..Options::default()
    })
    .await;
    (app, notify)
}

/// Checks the bearer token like Notify does: HS256 over the header and claims with the key's
/// secret, issued by the service, at the app's time.
fn assert_signed(r: &Received, now: i64) {
    let parts: Vec<&str> = r.bearer.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWT");
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{}.{}", parts[0], parts[1]).as_bytes());
    mac.verify_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap()).expect("signature");
    let claims: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(claims["iss"], SERVICE_ID);
    assert_eq!(claims["iat"], now);
}

async fn set_mobile(c: &crate::helpers::Client, email: &str, mobile: &str) {
    c.get("/account").await;
    let r = c.post_form("/account/contact", &[("email", email), ("mobile", mobile), ("password", PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn m5_a_mobile_is_proved_with_a_code_before_login_codes_go_to_it() {
    let (app, notify) = spawn_with_notify().await;
    let c = app.fenland();
    c.login_ok(FEN_ECT).await;
    // No mobile number yet: the page says where to add one, and starting is refused.
    let page = c.get("/account/two-factor").await;
    assert!(page.texts(".sms-code-status")[0].contains("Add your mobile number"));
    // The stronger choice is listed (M5).
    assert!(page.body.contains("Set up an authenticator app"));
    let r = c.post_form("/account/two-factor", &[("action", "sms_start")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.texts("#sms-error"), ["Error: Add your mobile number on My Account first, then confirm it here"]);
    assert!(notify.received().is_empty());

    set_mobile(&c, "j.lee@marshlane.example", "07700 900123").await;
    c.get("/account/two-factor").await;
    let r = c.post_form("/account/two-factor", &[("action", "sms_start")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.texts(".notice")[0].contains("07*** ***123"));
    app.deliver_mail().await;
    let sent = notify.received();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].body["phone_number"], "+447700900123");
    assert_eq!(sent[0].body["template_id"], TEMPLATE);
    assert!(sent[0].body["reference"].as_str().is_some_and(|r| uuid::Uuid::parse_str(r).is_ok()));
    assert_signed(&sent[0], app.clock.now().timestamp());
    let code = notify.last_code_to("+447700900123");

    // Not proved yet: logging in asks for nothing more (M5: "Enrol SMS without verifying the
    // number -> impossible").
    assert_eq!(app.fenland().login(FEN_ECT, PASSWORD).await.location(), Some("/dashboard"));
    // A wrong code is refused next to the field; the right one turns codes by text on.
    let r = c.post_form("/account/two-factor", &[("action", "sms_confirm"), ("sms_code", "000000")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.texts("#sms_code-error"), ["Error: That code is not right, or it has expired"]);
    let r = c.post_form("/account/two-factor", &[("action", "sms_confirm"), ("sms_code", &code)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.texts(".sms-code-status")[0].starts_with("On: we text a code to 07*** ***123"));

    // Logging in now texts a code at once (the only way set up) ...
    let d = app.fenland();
    assert_eq!(d.login(FEN_ECT, PASSWORD).await.location(), Some("/login/verify"));
    let page = d.get("/login/verify").await;
    assert_eq!(page.texts("h1"), ["Enter the code we sent by text message"]);
    assert_eq!(page.texts(".code-sent-to"), ["07*** ***123"]);
    app.deliver_mail().await;
    let login_code = notify.last_code_to("+447700900123");
    let body = notify.received().last().unwrap().body["personalisation"]["body"].as_str().unwrap().to_owned();
    assert!(body.contains("Fenland Teaching School Hub verification code"), "{body}");
    assert_eq!(d.post_form("/login/verify", &[("code", "999999")]).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(d.post_form("/login/verify", &[("code", &login_code)]).await.location(), Some("/dashboard"));
    let events = app.audit_events(Some("fenland")).await;
    assert!(events.iter().any(|e| e.event == "authn_login_success" && e.factor.as_deref() == Some("sms_code")));
    assert!(events.iter().any(|e| e.event == "authn_mfa_enabled" && e.detail.as_deref() == Some("sms_code")));
    // M1/D3: no code in the logs, none stored in plain text (the body is removed once sent).
    for code in [&code, &login_code] {
        assert!(!captured_logs().contains(&format!("{code} is your")), "a code reached the logs");
    }
    let bodies: Vec<String> = match app.state.store().pool() {
        induct::store::Pool::Sqlite(p) => {
            sqlx::query_scalar("SELECT body_text FROM outbox WHERE channel = 'sms'").fetch_all(p).await.unwrap()
        }
        induct::store::Pool::Postgres(p) => {
            sqlx::query_scalar("SELECT body_text FROM outbox WHERE channel = 'sms'").fetch_all(p).await.unwrap()
        }
    };
    assert!(bodies.iter().all(|b| !b.contains(&login_code) && !b.contains(&code)), "{bodies:?}");

    // A new mobile number turns codes by text off until it is proved, and the old address hears.
    set_mobile(&c, "j.lee@marshlane.example", "07700 900456").await;
    assert!(c.get("/account/two-factor").await.texts(".sms-code-status")[0].starts_with("Off."));
    assert_eq!(app.fenland().login(FEN_ECT, PASSWORD).await.location(), Some("/dashboard"));
}

#[tokio::test]
async fn seed_000_with_email_and_text_the_person_chooses_and_a_switch_replaces_the_code() {
    let (app, notify) = spawn_with_notify().await;
    let c = app.fenland();
    c.login_ok(FEN_TUTOR).await;
    set_mobile(&c, "g.okafor@marshlane.example", "07700900777").await;
    c.get("/account/two-factor").await;
    c.post_form("/account/two-factor", &[("action", "sms_start")]).await;
    app.deliver_mail().await;
    let code = notify.last_code_to("+447700900777");
    c.post_form("/account/two-factor", &[("action", "sms_confirm"), ("sms_code", &code)]).await;
    c.post_form("/account/two-factor", &[("action", "email_on")]).await;

    let d = app.fenland();
    assert_eq!(d.login(FEN_TUTOR, PASSWORD).await.location(), Some("/login/verify"));
    let page = d.get("/login/verify").await;
    assert_eq!(page.texts("h1"), ["How do you want to receive your verification code?"]);
    assert_eq!(
        page.texts("#choose-channel label"),
        ["By text message to 07*** ***777", "By email to g***@marshlane.example"]
    );
    // Nothing has been sent before the choice.
    app.deliver_mail().await;
    assert_eq!(notify.received().len(), 1);
    assert!(app.smtp.to("g.okafor@marshlane.example").iter().all(|m| !m.text().contains("verification code")));
    // No choice: a message next to the field.
    let r = d.post_form("/login/verify/resend", &[]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.texts("#channel-error"), ["Error: Choose how you want to receive your code"]);
    // By email ...
    let r = d.post_form("/login/verify/resend", &[("channel", "email")]).await;
    assert_eq!(r.texts(".code-sent-to"), ["g***@marshlane.example"]);
    app.deliver_mail().await;
    let mail = app.smtp.to("g.okafor@marshlane.example").into_iter().rfind(|m| m.text().contains("verification code"));
    let emailed = regex::Regex::new(r"\b(\d{6})\b").unwrap().captures(&mail.unwrap().text()).unwrap()[1].to_owned();
    // ... then "send it by text message instead": the emailed code stops working (M3).
    let r = d.post_form("/login/verify/resend", &[("channel", "sms")]).await;
    assert_eq!(r.texts(".code-sent-to"), ["07*** ***777"]);
    app.deliver_mail().await;
    let texted = notify.last_code_to("+447700900777");
    if emailed != texted {
        assert_eq!(d.post_form("/login/verify", &[("code", &emailed)]).await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(d.post_form("/login/verify", &[("code", &texted)]).await.location(), Some("/dashboard"));
}

#[tokio::test]
async fn provider_failures_are_retried_or_recorded_and_stale_codes_are_never_sent() {
    let (app, notify) = spawn_with_notify().await;
    let c = app.fenland();
    c.login_ok(FEN_LEAD).await;
    set_mobile(&c, "t.ellis@marshlane.example", "07700900888").await;
    app.deliver_mail().await; // the notice to the email address on record
    c.get("/account/two-factor").await;

    // Notify has trouble (500): the message stays queued and is retried after a minute.
    notify.status.store(500, Ordering::SeqCst);
    c.post_form("/account/two-factor", &[("action", "sms_start")]).await;
    let r = app.deliver_mail().await;
    assert_eq!((r.sent, r.retrying), (0, 1));
    notify.status.store(201, Ordering::SeqCst);
    app.clock.advance(chrono::Duration::seconds(61));
    let r = app.deliver_mail().await;
    assert_eq!(r.sent, 1);
    assert_eq!(notify.received().len(), 2, "the same message, sent again");
    assert_eq!(notify.received()[0].body["reference"], notify.received()[1].body["reference"]);

    // A code that could not go out within its five minutes is dropped, not sent stale.
    notify.status.store(503, Ordering::SeqCst);
    c.post_form("/account/two-factor", &[("action", "sms_start")]).await;
    app.deliver_mail().await;
    notify.status.store(201, Ordering::SeqCst);
    app.clock.advance(chrono::Duration::minutes(6));
    let before = notify.received().len();
    let r = app.deliver_mail().await;
    assert_eq!((r.sent, r.failed), (0, 1));
    assert_eq!(notify.received().len(), before);

    // A refusal (400: a bad number, key or template) will not get better: failed at once, with
    // Notify's reason for the operator.
    notify.status.store(400, Ordering::SeqCst);
    app.clock.advance(chrono::Duration::hours(1)); // a fresh sending budget
    c.login_ok(FEN_LEAD).await;
    c.get("/account/two-factor").await;
    c.post_form("/account/two-factor", &[("action", "sms_start")]).await;
    let r = app.deliver_mail().await;
    assert_eq!(r.failed, 1);
    let outbox = app.state.store().list_outbox(10).await.unwrap();
    assert!(outbox.iter().any(|m| m.status == "failed"
        && m.last_error.as_deref().is_some_and(|e| e.contains("notify 400: BadRequestError: Not a UK mobile number"))));
}

#[tokio::test]
async fn section_3_text_messages_have_a_budget_per_account() {
    let (app, notify) = spawn_with_notify().await;
    let c = app.fenland();
    c.login_ok(FEN_HEAD).await;
    set_mobile(&c, "head@marshlane.example", "07700900999").await;
    c.get("/account/two-factor").await;
    for _ in 0..5 {
        assert_eq!(c.post_form("/account/two-factor", &[("action", "sms_start")]).await.status, StatusCode::OK);
    }
    let r = c.post_form("/account/two-factor", &[("action", "sms_start")]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.texts("#sms-error")[0].contains("cannot send another text message"));
    app.deliver_mail().await;
    assert_eq!(notify.received().len(), 5);
    // An hour later the budget is back.
    app.clock.advance(chrono::Duration::minutes(61));
    c.login_ok(FEN_HEAD).await;
    c.get("/account/two-factor").await;
    assert_eq!(c.post_form("/account/two-factor", &[("action", "sms_start")]).await.status, StatusCode::OK);
}

#[tokio::test]
async fn m2_m4_a_texted_code_expires_after_five_minutes_and_five_wrong_codes_lock() {
    let (app, notify) = spawn_with_notify().await;
    let c = app.fenland();
    c.login_ok(FEN_SCHOOL_ADMIN).await;
    set_mobile(&c, "office.admin@marshlane.example", "07700900321").await;
    c.get("/account/two-factor").await;
    c.post_form("/account/two-factor", &[("action", "sms_start"), ("password", PASSWORD)]).await;
    app.deliver_mail().await;
    let code = notify.last_code_to("+447700900321");
    // M2: refused at 5:01.
    app.clock.advance(chrono::Duration::seconds(5 * 60 + 1));
    let confirm =
        |code: String| [("action", "sms_confirm".to_owned()), ("sms_code", code), ("password", PASSWORD.into())];
    let fields = confirm(code.clone());
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = c.post_form("/account/two-factor", &pairs).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // A new code; five wrong ones lock for 30 minutes, even the right one (M4) ...
    c.post_form("/account/two-factor", &[("action", "sms_start"), ("password", PASSWORD)]).await;
    app.deliver_mail().await;
    let code = notify.last_code_to("+447700900321");
    let wrong = confirm("000000".into());
    let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for _ in 0..3 {
        assert_eq!(c.post_form("/account/two-factor", &wrong).await.status, StatusCode::BAD_REQUEST);
    }
    assert_eq!(c.post_form("/account/two-factor", &wrong).await.status, StatusCode::TOO_MANY_REQUESTS);
    let right = confirm(code.clone());
    let right: Vec<(&str, &str)> = right.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(c.post_form("/account/two-factor", &right).await.status, StatusCode::TOO_MANY_REQUESTS);
    // ... the owner is told, and nothing was turned on.
    app.deliver_mail().await;
    assert!(app.smtp.to("office.admin@marshlane.example").iter().any(|m| m.text().contains("wrong verification code")));
    assert!(c.get("/account/two-factor").await.texts(".sms-code-status")[0].starts_with("We have sent a code"));
}
