//! Sites, branding, error pages and bad input (seed 001; docs/security.md D5, I1).

use reqwest::StatusCode;

use crate::helpers::{Options, spawn_app, spawn_app_with, users::*};

#[tokio::test]
async fn each_ab_login_page_is_branded_and_names_the_ab_seed_001() {
    let app = spawn_app().await;
    let cases = [
        (app.fenland(), "Fenland Teaching School Hub", "/static/fenland-logo.svg", "--brand:#14532d"),
        (app.northshire(), "Northshire Appropriate Body Service", "/static/northshire-logo.svg", "--brand:#4c1d95"),
    ];
    for (c, name, logo, colour) in cases {
        let r = c.get("/login").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.texts("h1.site-check-name"), [name]);
        let sel = scraper::Selector::parse("img.site-check-logo").unwrap();
        assert_eq!(r.html().select(&sel).next().unwrap().value().attr("src"), Some(logo), "{name} logo");
        assert!(r.body.contains(colour), "{name} colours");
        assert!(r.body.contains("Check this is your appropriate body's name and logo"));
        assert_eq!(c.get(logo).await.status, StatusCode::OK);
        let svg = c.get(logo).await;
        assert_eq!(svg.headers["content-type"], "image/svg+xml");
    }
    // The theme's logo is the AB's own: one AB's file is not served on the other's site.
    assert_eq!(app.fenland().get("/static/northshire-logo.svg").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_bare_host_lists_the_abs_and_unknown_hosts_get_a_plain_not_found() {
    let app = spawn_app().await;
    let r = app.platform().get("/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.texts(".ab-list li"), ["Fenland Teaching School Hub", "Northshire Appropriate Body Service"]);
    for host in ["nosuchab", "a-b-c"] {
        let r = app.client(Some(host)).get("/login").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{host}");
        assert!(r.body.contains("This address is not an Induct site"));
        assert!(r.headers.contains_key("content-security-policy"));
    }
    // Any other Host header at all.
    let raw = reqwest::Client::new();
    let r = raw.get(format!("http://{}/login", app.addr)).header("host", "evil.example").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn error_pages_are_branded_and_show_no_internals() {
    let app = spawn_app().await;
    let r = app.fenland().get("/no/such/page").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.texts("h1"), ["Page not found"]);
    assert!(r.body.contains("--brand:#14532d"), "Fenland's colours");
    let c = app.fenland();
    c.login_ok(FEN_TUTOR).await;
    let r = c.get("/schools").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.texts("h1"), ["You do not have permission to see this page"]);
    assert!(r.body.contains("Fenland Teaching School Hub"));
}

#[tokio::test]
async fn d5_a_panicking_handler_gets_a_generic_500_and_the_app_keeps_serving() {
    let app = spawn_app_with(Options {
        extend: Box::new(|t| {
            t.get("/test/panic", induct::web::Sites::Any, induct::web::Access::Public, || async {
                let v: Vec<u8> = vec![];
                // An index out of bounds, as a real bug would be.
                format!("{}", v[std::hint::black_box(3)])
            })
        }),
        ..Default::default()
    })
    .await;
    let r = app.fenland().get("/test/panic").await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(r.texts("h1"), ["Sorry, there is a problem with the service"]);
    for leak in ["panicked", "src/", "index out of bounds", ".rs:"] {
        assert!(!r.body.contains(leak), "500 page leaks {leak:?}");
    }
    assert!(r.body.contains("Fenland Teaching School Hub"));
    assert_eq!(app.fenland().get("/login").await.status, StatusCode::OK, "still serving");
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_and_changes_nothing() {
    let app = spawn_app().await;
    let c = app.fenland();
    c.get("/login").await;
    let token = c.csrf_token().unwrap();
    let origin = c.origin.clone();
    let events_before = app.audit_events(Some("fenland")).await.len();

    // A body larger than the limit.
    let big = format!("csrf_token={token}&username=110004&password={}", "x".repeat(300 * 1024));
    let r = c.post_body("/login", "application/x-www-form-urlencoded", big.into_bytes(), &[("origin", &origin)]).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.contains("What you sent is too large"));

    // Not a form at all (JSON), with a valid token in the header.
    let r = c
        .post_body(
            "/login",
            "application/json",
            br#"{"username":"110004"}"#.to_vec(),
            &[("origin", &origin), ("x-csrf-token", &token)],
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    assert!(r.body.contains("There is a problem with that form"), "{}", r.body);

    // Broken percent-encoding and duplicate fields.
    let r = c
        .post_body(
            "/login",
            "application/x-www-form-urlencoded",
            format!("csrf_token={token}&username=%ZZ&username=1&password=%").into_bytes(),
            &[("origin", &origin)],
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    assert!(!r.status.is_server_error());

    // Garbage cookies are ignored, not an error.
    let g = app.fenland();
    g.set_cookie("__Host-session", "%%%<script>");
    g.set_cookie("__Host-csrf", "");
    assert_eq!(g.get("/login").await.status, StatusCode::OK);
    assert_eq!(g.get("/dashboard").await.status, StatusCode::SEE_OTHER);

    // A non-numeric school id and a wrong method.
    let a = app.fenland();
    a.login_ok(FEN_AB_ADMIN).await;
    assert_eq!(a.get("/schools/%00%00").await.status, StatusCode::NOT_FOUND);
    a.get("/dashboard").await;
    let r = a.post_form("/dashboard", &[]).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(r.body.contains("Fenland Teaching School Hub"));

    // Only the AB admin's one login was recorded: the password step, then the app's code (D9).
    let events = app.audit_events(Some("fenland")).await;
    assert_eq!(events.len(), events_before + 2);
    assert_eq!(events.iter().filter(|e| e.event.starts_with("authn_")).count(), 2);
    assert!(events.iter().any(|e| e.event == "authn_mfa_challenge"));
    assert!(events.iter().any(|e| e.event == "authn_login_success" && e.factor.as_deref() == Some("totp")));
}

#[tokio::test]
async fn i1_names_are_escaped_on_every_page() {
    let app = spawn_app().await;
    app.create_user(
        "fenland",
        "199999",
        induct_domain::Role::InductionTutor,
        "<script>alert(1)</script>\"'&",
        "xss@example.test",
    )
    .await;
    let c = app.fenland();
    c.login_ok("199999").await;
    for path in ["/dashboard", "/account", "/schools/mine"] {
        let r = c.get(path).await;
        let r = if r.status == StatusCode::SEE_OTHER { c.get(r.location().unwrap()).await } else { r };
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(!r.body.contains("<script>alert"), "{path} shows the name unescaped");
        assert!(r.body.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"), "{path}");
    }
}
