//! CSRF defences and security headers on every route (docs/security.md S6, S7).

use reqwest::StatusCode;

use crate::helpers::{Options, PASSWORD, TestApp, spawn_app, spawn_app_with, users::*};

async fn audit_count(app: &TestApp) -> usize {
    app.audit_events(Some("fenland")).await.iter().filter(|e| e.event.starts_with("authn_")).count()
}

#[tokio::test]
async fn s6_a_post_without_a_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let c = app.fenland();
    c.get("/login").await;
    let r = c.post_raw("/login", &[("username", FEN_TUTOR), ("password", PASSWORD)], &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("This form has expired"), "a clear page");
    assert!(r.body.contains("Fenland Teaching School Hub"), "branded");
    assert!(c.cookie("__Host-session").is_none());
    assert_eq!(audit_count(&app).await, 0, "the login was never attempted");
}

#[tokio::test]
async fn s6_a_wrong_token_a_foreign_origin_or_a_cross_site_request_is_refused() {
    let app = spawn_app().await;
    let c = app.fenland();
    c.get("/login").await;
    let token = c.csrf_token().unwrap();
    let fields = [("csrf_token", token.as_str()), ("username", FEN_TUTOR), ("password", PASSWORD)];
    let northshire_origin = app.northshire().origin.clone();
    let cases: Vec<(&str, Vec<(&str, &str)>, Vec<(&str, &str)>)> = vec![
        (
            "wrong token",
            vec![
                ("csrf_token", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
                ("username", FEN_TUTOR),
                ("password", PASSWORD),
            ],
            vec![],
        ),
        ("foreign origin", fields.to_vec(), vec![("origin", "https://evil.example")]),
        ("another AB's origin", fields.to_vec(), vec![("origin", northshire_origin.as_str())]),
        ("cross-site", fields.to_vec(), vec![("sec-fetch-site", "cross-site")]),
        ("same-site (another AB)", fields.to_vec(), vec![("sec-fetch-site", "same-site")]),
    ];
    for (what, fields, headers) in cases {
        let r = c.post_raw("/login", &fields, &headers).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{what}");
    }
    // Without the CSRF cookie the token cannot be checked: refused too.
    c.remove_cookie("__Host-csrf");
    let r = c
        .post_raw("/login", &[("csrf_token", token.as_str()), ("username", FEN_TUTOR), ("password", PASSWORD)], &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(audit_count(&app).await, 0);
    // The page's own form, as a browser sends it, works.
    let c = app.fenland();
    c.get("/login").await;
    let t = c.csrf_token().unwrap();
    let r = c
        .post_raw(
            "/login",
            &[("csrf_token", t.as_str()), ("username", FEN_TUTOR), ("password", PASSWORD)],
            &[("origin", &c.origin.clone()), ("sec-fetch-site", "same-origin")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn s6_tokens_are_bound_to_the_session() {
    let app = spawn_app().await;
    let c = app.fenland();
    c.get("/login").await;
    let before_login = c.csrf_token().unwrap();
    c.login_ok(FEN_TUTOR).await;
    // A token from before login no longer works once signed in.
    let r = c.post_raw("/logout", &[("csrf_token", &before_login)], &[("origin", &c.origin.clone())]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    c.get("/dashboard").await;
    assert_ne!(c.csrf_token().unwrap(), before_login);
    assert_eq!(c.post_form("/logout", &[]).await.status, StatusCode::SEE_OTHER);
}

fn concrete(path: &str) -> String {
    path.replace("{school_id}", "mine")
        .replace("{ect_id}", "00000000-0000-0000-0000-000000000000")
        .replace("{user_id}", "00000000-0000-0000-0000-000000000000")
        .replace("{token}", "no-such-token")
        .replace("{plugin_id}", "00000000-0000-0000-0000-000000000000")
        .replace("{slug}", "fenland")
        .replace("{mail_id}", "00000000-0000-0000-0000-000000000000")
        .replace("{*path}", "app.css")
}

fn assert_security_headers(what: &str, r: &crate::helpers::Resp) -> String {
    let h = &r.headers;
    let get = |n: &str| h.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let hsts = get("strict-transport-security");
    assert!(hsts.contains("max-age=31536000") && hsts.contains("includeSubDomains"), "{what}: HSTS {hsts:?}");
    let csp = get("content-security-policy");
    for d in ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"] {
        assert!(csp.contains(d), "{what}: CSP lacks {d}: {csp}");
    }
    assert_eq!(get("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(get("x-frame-options"), "DENY", "{what}");
    assert!(!get("referrer-policy").is_empty(), "{what}");
    if !what.contains("/static/") {
        assert_eq!(get("cache-control"), "no-store", "{what}");
    }
    csp
}

#[tokio::test]
async fn s7_every_route_and_every_error_carries_the_security_headers() {
    let app = spawn_app_with(Options {
        extend: Box::new(|t| {
            t.get("/test/panic", induct::web::Sites::Any, induct::web::Access::Public, || async {
                if true {
                    panic!("boom");
                }
            })
        }),
        ..Default::default()
    })
    .await;
    let routes = app.state.routes();
    let signed_in = app.fenland();
    signed_in.login_ok(FEN_AB_ADMIN).await;
    let operator = app.platform();
    operator.login_ok(OPERATOR).await;
    let mut checked = 0;
    for route in routes.iter() {
        let path = concrete(route.path);
        for c in [&app.fenland(), &signed_in, &operator] {
            let r = if route.method == "GET" {
                c.get(&path).await
            } else {
                c.get("/login").await;
                c.post_form(&path, &[]).await
            };
            assert_security_headers(&format!("{} {path} ({})", route.method, r.status), &r);
            checked += 1;
        }
    }
    let nf = app.fenland().get("/no/such/page").await;
    assert_eq!(nf.status, StatusCode::NOT_FOUND);
    let csp1 = assert_security_headers("404", &nf);
    let boom = app.fenland().get("/test/panic").await;
    assert_eq!(boom.status, StatusCode::INTERNAL_SERVER_ERROR);
    let csp2 = assert_security_headers("500", &boom);
    assert_ne!(csp1, csp2, "the CSP nonce differs per response");
    println!("{checked} route responses checked for security headers");
}

#[tokio::test]
async fn s6_get_requests_never_change_state() {
    let app = spawn_app().await;
    let c = app.fenland();
    c.login_ok(FEN_AB_ADMIN).await;
    let o = app.platform();
    o.login_ok(OPERATOR).await;
    let snapshot = || async {
        let s = app.state.store();
        (
            s.list_audit(None, 10_000).await.unwrap().len(),
            app.audit_events(Some("fenland")).await.iter().filter(|e| e.event.starts_with("authn_")).count(),
            s.count_users().await.unwrap(),
            s.outbox_counts().await.unwrap(),
            s.list_tenants().await.unwrap().len(),
        )
    };
    let before = snapshot().await;
    for route in app.state.routes().iter().filter(|r| r.method == "GET") {
        let path = concrete(route.path);
        c.get(&path).await;
        o.get(&path).await;
        app.fenland().get(&path).await;
    }
    assert_eq!(before, snapshot().await);
}
