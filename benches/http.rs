//! Request benchmarks through the whole middleware stack (no network): the branded login page,
//! a signed-in dashboard, and a report form's autosave (one field, the whole save path with its
//! transaction and audit rules). Run with `cargo bench --bench http`; figures go in the notes.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use criterion::{Criterion, criterion_group, criterion_main};
use induct::{Clock, Config};
use secrecy::SecretString;
use tower::ServiceExt;

fn setup(rt: &tokio::runtime::Runtime) -> (axum::Router, String, std::path::PathBuf, induct::AppState) {
    rt.block_on(async {
        let dir = std::env::temp_dir().join(format!("induct-bench-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let mut c = Config::default();
        c.demo = true;
        c.themes_dir = root.join("themes");
        c.abs_dir = root.join("config/abs");
        c.data_dir = dir.clone();
        c.database.url = SecretString::from(
            std::env::var("INDUCT_BENCH_DATABASE_URL")
                .unwrap_or_else(|_| format!("sqlite://{}", dir.join("bench.db").display())),
        );
        c.security.secret_key = Some(SecretString::from("bench-secret-key-0123456789-0123456789-abcdef"));
        c.mail.worker = false;
        let app = induct::build(c, Clock::System).await.unwrap();
        let state = app.state.clone();
        // Sign in once through the real login form to get a session cookie.
        let router = app.router;
        let login = router
            .clone()
            .oneshot(Request::get("/login").header(header::HOST, "fenland.localhost:8080").body(Body::empty()).unwrap())
            .await
            .unwrap();
        let csrf_cookie = cookie(&login, "__Host-csrf");
        let body = axum::body::to_bytes(login.into_body(), 1 << 20).await.unwrap();
        let html = String::from_utf8(body.to_vec()).unwrap();
        let token = html.split("name=\"csrf_token\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let form = format!("csrf_token={token}&username=110004&password={}", induct::demo::DEMO_PASSWORD);
        let r = router
            .clone()
            .oneshot(
                Request::post("/login")
                    .header(header::HOST, "fenland.localhost:8080")
                    .header(header::COOKIE, format!("__Host-csrf={csrf_cookie}"))
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(form))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let session = cookie(&r, "__Host-session");
        (router, format!("__Host-session={session}; __Host-csrf={csrf_cookie}"), dir, state)
    })
}

fn cookie(r: &axum::response::Response, name: &str) -> String {
    r.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.starts_with(name))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let (router, cookies, dir, state) = setup(&rt);
    c.bench_function("GET /login (branded, anonymous)", |b| {
        b.to_async(&rt).iter(|| async {
            let r = router
                .clone()
                .oneshot(
                    Request::get("/login").header(header::HOST, "fenland.localhost:8080").body(Body::empty()).unwrap(),
                )
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap()
        })
    });
    c.bench_function("GET /dashboard (signed-in tutor)", |b| {
        b.to_async(&rt).iter(|| async {
            let r = router
                .clone()
                .oneshot(
                    Request::get("/dashboard")
                        .header(header::HOST, "fenland.localhost:8080")
                        .header(header::COOKIE, cookies.as_str())
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap()
        })
    });
    // The tutor's form for Jordan Lee's first report: its page gives the session's CSRF token.
    let (form_path, token) = rt.block_on(async {
        let tenant = state.store().find_tenant_by_slug("fenland").await.unwrap().unwrap().tenant_id();
        let jordan = state.store().find_user_for_login(Some(tenant), "110006").await.unwrap().unwrap();
        let base = format!("/ects/{}/reports/1", jordan.id);
        let r = router
            .clone()
            .oneshot(
                Request::get(format!("{base}/form"))
                    .header(header::HOST, "fenland.localhost:8080")
                    .header(header::COOKIE, cookies.as_str())
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let html = String::from_utf8(axum::body::to_bytes(r.into_body(), 1 << 22).await.unwrap().to_vec()).unwrap();
        let token = html.split("name=\"csrf_token\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
        (format!("{base}/autosave"), token)
    });
    let mut n = 0u64;
    c.bench_function("POST autosave (one field of a report form)", |b| {
        b.to_async(&rt).iter(|| {
            n += 1;
            let body = format!("tutor.ts1=Evidence+draft+{n}");
            let router = router.clone();
            let (path, cookies, token) = (form_path.clone(), cookies.clone(), token.clone());
            async move {
                let r = router
                    .oneshot(
                        Request::post(path)
                            .header(header::HOST, "fenland.localhost:8080")
                            .header(header::ORIGIN, "http://fenland.localhost:8080")
                            .header(header::COOKIE, cookies)
                            .header("x-csrf-token", token)
                            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                            .body(Body::from(body))
                            .unwrap(),
                    )
                    .await
                    .unwrap();
                assert_eq!(r.status(), StatusCode::OK);
                axum::body::to_bytes(r.into_body(), 1 << 20).await.unwrap()
            }
        })
    });
    let _ = std::fs::remove_dir_all(dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
