//! What the app logs: structured JSON lines, and never a secret (SECURITY.md D3, I7).

use reqwest::StatusCode;

use crate::helpers::{PASSWORD, captured_logs, spawn_app, users::*};

#[tokio::test]
async fn d3_no_password_token_or_session_id_reaches_the_logs_and_i7_lines_are_json() {
    let app = spawn_app().await;
    let typed = "Typed-Secret-Passphrase-9137";
    let c = app.fenland();
    assert_eq!(c.login(FEN_LEAD, typed).await.status, StatusCode::UNAUTHORIZED);
    let odd = "12\n{\"level\":\"ERROR\"}";
    assert_eq!(c.login(odd, typed).await.status, StatusCode::UNAUTHORIZED);
    c.login_ok(FEN_LEAD).await;
    c.get("/dashboard").await;
    let session = c.cookie("__Host-session").unwrap();
    let csrf_cookie = c.cookie("__Host-csrf").unwrap();
    let token = c.csrf_token().unwrap();
    // A refused form and an error page are logged; their secrets must not be.
    c.post_raw("/logout", &[("csrf_token", "forged")], &[]).await;
    c.get("/schools").await;
    for _ in 0..5 {
        c.login(FEN_HEAD, typed).await;
    }
    app.deliver_mail().await;

    let logs = captured_logs();
    assert!(logs.contains("\"path\":\"/login\""), "request logs are captured");
    for secret in [typed, PASSWORD, &session, &csrf_cookie, &token, &induct::auth::hash_token(&session)] {
        assert!(!logs.contains(secret), "a secret reached the logs");
    }
    for line in logs.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(v.get("level").is_some(), "{line}");
    }
}
