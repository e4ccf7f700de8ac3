//! `spawn_app()`: the real app on port 0 with a fresh database (SQLite, or PostgreSQL when
//! `INDUCT_TEST_PG_URL` is set), a capturing SMTP listener and a fixed clock; and a small
//! browser-like client that keeps cookies and CSRF tokens the way a browser's form would.

use chrono::{DateTime, TimeZone, Utc};
use induct::web::RouteTable;
use induct::{AppState, Clock, Config};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Mutex;

use crate::smtp::SmtpCapture;

pub const PASSWORD: &str = induct::demo::DEMO_PASSWORD;

/// Demo usernames (config/abs/*.toml).
pub mod users {
    pub const OPERATOR: &str = "100001";
    pub const FEN_AB_ADMIN: &str = "110001";
    pub const FEN_HEAD: &str = "110002";
    pub const FEN_LEAD: &str = "110003";
    pub const FEN_TUTOR: &str = "110004";
    pub const FEN_SCHOOL_ADMIN: &str = "110005";
    pub const FEN_ECT: &str = "110006";
    pub const NOR_AB_ADMIN: &str = "120001";
    pub const NOR_HEAD: &str = "120002";
    pub const NOR_LEAD: &str = "120003";
    pub const NOR_TUTOR: &str = "120004";
    pub const NOR_SCHOOL_ADMIN: &str = "120005";
    pub const NOR_ECT: &str = "120006";
    pub const NOR_TUTOR_2: &str = "120007";
}

pub fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap()
}

pub fn repo_path(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(p)
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub state: AppState,
    pub clock: Clock,
    pub smtp: SmtpCapture,
    pub config: Config,
    /// The last authenticator-app step used per demo username (a step works once).
    totp_steps: std::sync::Arc<Mutex<std::collections::HashMap<String, i64>>>,
    dir: PathBuf,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A fresh database URL: a new SQLite file, or a new PostgreSQL database.
async fn fresh_database(dir: &std::path::Path) -> String {
    match std::env::var("INDUCT_TEST_PG_URL") {
        Ok(admin_url) => {
            use sqlx::Connection;
            let name = format!("induct_t_{}", uuid::Uuid::new_v4().simple());
            let mut conn = sqlx::PgConnection::connect(&admin_url).await.expect("connect to test PostgreSQL");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .expect("create database");
            let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin_url);
            format!("{base}/{name}")
        }
        Err(_) => format!("sqlite://{}", dir.join("induct.db").display()),
    }
}

pub fn test_config(dir: &std::path::Path, db_url: String, smtp: &SmtpCapture) -> Config {
    let mut c = Config::default();
    c.demo = true;
    c.themes_dir = repo_path("themes");
    c.abs_dir = repo_path("config/abs");
    c.data_dir = dir.to_path_buf();
    c.database.url = SecretString::from(db_url);
    c.database.max_connections = 5;
    c.security.secret_key = Some(SecretString::from("test-secret-key-that-is-long-enough-0123456789"));
    c.security.hashing_concurrency = 2;
    c.mail.transport = induct::config::MailTransportKind::Smtp;
    c.mail.smtp_host = "127.0.0.1".into();
    c.mail.smtp_port = smtp.addr.port();
    c.mail.smtp_security = induct::config::SmtpSecurity::None;
    c.mail.smtp_timeout_secs = 5;
    c.mail.worker = false; // tests deliver explicitly, so what was sent is exact
    c.server.listen = "127.0.0.1:0".parse().unwrap();
    c
}

pub struct Options {
    pub extend: Box<dyn FnOnce(RouteTable) -> RouteTable + Send>,
    pub configure: Box<dyn FnOnce(&mut Config) + Send>,
}

impl Default for Options {
    fn default() -> Self {
        Self { extend: Box::new(|t| t), configure: Box::new(|_| {}) }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

/// Everything the app logs during the test run, as JSON lines (docs/security.md D3, I7).
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned()
}

static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct LogWriter;

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_env_filter(tracing_subscriber::EnvFilter::new("info,induct=debug,tower_http=debug"))
            .with_writer(|| LogWriter)
            .try_init();
    });
}

pub async fn spawn_app_with(opts: Options) -> TestApp {
    capture_logs();
    // The test clients' TLS (never used on loopback, but reqwest builds it): the ring provider
    // the app uses too.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = std::env::temp_dir().join(format!("induct-test-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let smtp = SmtpCapture::start().await;
    let db_url = fresh_database(&dir).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut config = test_config(&dir, db_url, &smtp);
    config.server.public_port = Some(addr.port());
    (opts.configure)(&mut config);
    let clock = Clock::fixed(start_time());
    let app = induct::build_with_routes(config.clone(), clock.clone(), opts.extend).await.expect("build app");
    let state = app.state.clone();
    // The demo data's own registrations queue mail (the AB's decisions, the new ECT's link). Each
    // test sees only the mail it causes.
    // So do its notifications (registrations waiting, reports made available).
    for sql in ["DELETE FROM outbox", "DELETE FROM notifications"] {
        match state.store().pool() {
            induct::store::Pool::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
            induct::store::Pool::Postgres(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
        }
        .unwrap();
    }
    let server = tokio::spawn(async move {
        induct::serve(app, listener, std::future::pending()).await.unwrap();
    });
    TestApp { addr, state, clock, smtp, config, totp_steps: Default::default(), dir, server }
}

impl TestApp {
    /// A second app instance on the same database (another process behind the load balancer).
    pub async fn another_instance(&self) -> AppState {
        let app = induct::build(self.config.clone(), self.clock.clone()).await.expect("build second instance");
        app.state
    }

    pub fn client(&self, site: Option<&str>) -> Client {
        let host = match site {
            Some(slug) => format!("{slug}.localhost"),
            None => "localhost".into(),
        };
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .resolve(&host, self.addr)
            .build()
            .unwrap();
        Client {
            http,
            origin: format!("http://{host}:{}", self.addr.port()),
            cookies: Mutex::new(BTreeMap::new()),
            csrf: Mutex::new(None),
            clock: self.clock.clone(),
            totp_steps: self.totp_steps.clone(),
        }
    }

    pub fn fenland(&self) -> Client {
        self.client(Some("fenland"))
    }

    pub fn northshire(&self) -> Client {
        self.client(Some("northshire"))
    }

    pub fn platform(&self) -> Client {
        self.client(None)
    }

    /// What the worker does each turn: the reminder scan, pending notifications into mail, and
    /// delivery of every queued message.
    pub async fn run_notifications(&self) -> induct::services::notify::PassReport {
        let (_, pass) = induct::services::notify::run_once(&self.state).await.unwrap();
        self.deliver_mail().await;
        pass
    }

    /// Runs a statement on either database (test set-up only).
    pub async fn sql(&self, sql: &'static str) {
        match self.state.store().pool() {
            induct::store::Pool::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
            induct::store::Pool::Postgres(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
        }
        .unwrap();
    }

    /// Makes every insert into `table` fail from now on, as a full disk or a dropped connection
    /// would in the middle of a change (a trigger: the app's own code is not touched).
    pub async fn fail_inserts_into(&self, table: &str) {
        assert!(table.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "a table name");
        let result = match self.state.store().pool() {
            induct::store::Pool::Sqlite(p) => sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "CREATE TRIGGER test_fail_{table} BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
            )))
            .execute(p)
            .await
            .map(|_| ()),
            induct::store::Pool::Postgres(p) => sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "CREATE OR REPLACE FUNCTION test_fail() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN RAISE EXCEPTION 'injected failure'; END $$;
                 CREATE TRIGGER test_fail_{table} BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION test_fail();"
            )))
            .execute(p)
            .await
            .map(|_| ()),
        };
        result.unwrap();
    }

    /// Delivers every queued message now.
    pub async fn deliver_mail(&self) -> induct::mail::worker::PassReport {
        induct::mail::worker::deliver_until_idle(&self.state).await.unwrap()
    }

    /// Adds a user to an AB directly in the store (for inputs the forms would refuse).
    pub async fn create_user(
        &self,
        ab: &str,
        username: &str,
        role: induct_domain::Role,
        name: &str,
        email: &str,
    ) -> induct_domain::UserId {
        let store = self.state.store();
        let tenant = store.find_tenant_by_slug(ab).await.unwrap().unwrap().tenant_id();
        let hash = self.state.hasher().hash(PASSWORD).await.unwrap();
        let mut tx = store.begin().await.unwrap();
        let user = store
            .create_user(
                &mut tx,
                &induct::store::users::NewUser {
                    tenant: Some(tenant),
                    username,
                    role,
                    display_name: name,
                    email,
                    password_hash: Some(&hash),
                },
                self.clock.now(),
            )
            .await
            .unwrap();
        if role.is_school_role() {
            let school = store.list_schools(tenant).await.unwrap()[0].id;
            store
                .add_school_membership(&mut tx, tenant, user, induct_domain::SchoolId(school), self.clock.now())
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        // Like the demo's people, test accounts have done their first-login steps.
        induct::services::first_login::mark_existing_done(&self.state, user, tenant, role).await.unwrap();
        user
    }

    /// An ECT of an AB with an induction from `start`, full time at the named school.
    pub async fn create_ect_at(
        &self,
        ab: &str,
        username: &str,
        name: &str,
        school: &str,
        start: chrono::NaiveDate,
    ) -> (induct_domain::UserId, uuid::Uuid) {
        let tenant = self.tenant(ab).await;
        let store = self.state.store();
        let user =
            self.create_user(ab, username, induct_domain::Role::Ect, name, &format!("{username}@example.test")).await;
        let school = store.list_schools(tenant).await.unwrap().into_iter().find(|s| s.name == school).unwrap();
        let mut tx = store.begin().await.unwrap();
        let id = store
            .create_induction(&mut tx, tenant, user, "two_year", start, "0/1", "0/1", self.clock.now())
            .await
            .unwrap();
        store
            .add_contract(&mut tx, tenant, id, induct_domain::SchoolId(school.id), start, None, 10, "permanent")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        (user, id)
    }

    pub async fn tenant(&self, ab: &str) -> induct_domain::TenantId {
        self.state.store().find_tenant_by_slug(ab).await.unwrap().unwrap().tenant_id()
    }

    /// Installs a plugin for an AB as the platform team would.
    pub async fn install_plugin(&self, ab: &str, wasm: Vec<u8>) -> uuid::Uuid {
        let tenant = self.tenant(ab).await;
        let actor = induct::plugins::Actor { user: None, label: "test", ip: "127.0.0.1", user_agent: "test" };
        self.state.plugins().install(&self.state, tenant, wasm, &actor).await.unwrap()
    }

    pub async fn audit_events(&self, tenant_slug: Option<&str>) -> Vec<induct::store::audit::AuditRow> {
        let tenant = match tenant_slug {
            Some(s) => Some(self.state.store().find_tenant_by_slug(s).await.unwrap().unwrap().tenant_id()),
            None => None,
        };
        self.state.store().list_audit(tenant, 10_000).await.unwrap()
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect()
    }

    pub fn html(&self) -> scraper::Html {
        scraper::Html::parse_document(&self.body)
    }

    pub fn texts(&self, selector: &str) -> Vec<String> {
        let sel = scraper::Selector::parse(selector).unwrap();
        self.html()
            .select(&sel)
            .map(|e| e.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    }

    /// The fields a browser would send for the page's form `selector`: inputs (checked ones only
    /// for radios and checkboxes), selected options and text areas, in document order.
    pub fn form_fields(&self, selector: &str) -> Vec<(String, String)> {
        let html = self.html();
        let form = html.select(&scraper::Selector::parse(selector).unwrap()).next().expect("form");
        let mut out = vec![];
        for el in form.select(&scraper::Selector::parse("input, select, textarea").unwrap()) {
            let v = el.value();
            let Some(name) = v.attr("name") else { continue };
            match v.name() {
                "input" => {
                    let kind = v.attr("type").unwrap_or("text");
                    if matches!(kind, "radio" | "checkbox") && v.attr("checked").is_none() {
                        continue;
                    }
                    out.push((name.to_owned(), v.attr("value").unwrap_or("").to_owned()));
                }
                "select" => {
                    let sel = scraper::Selector::parse("option[selected]").unwrap();
                    let value = el.select(&sel).next().and_then(|o| o.value().attr("value")).unwrap_or("");
                    out.push((name.to_owned(), value.to_owned()));
                }
                _ => out.push((name.to_owned(), el.text().collect())),
            }
        }
        out
    }

    /// The body with per-response values (CSP nonce, CSRF token) blanked, for byte comparisons.
    pub fn body_without_nonces(&self) -> String {
        let re = regex::Regex::new(r#"(nonce="|content="|value=")[A-Za-z0-9_\-]{20,}"#).unwrap();
        re.replace_all(&self.body, "${1}X").into_owned()
    }
}

pub struct Client {
    http: reqwest::Client,
    pub origin: String,
    cookies: Mutex<BTreeMap<String, String>>,
    csrf: Mutex<Option<String>>,
    clock: Clock,
    totp_steps: std::sync::Arc<Mutex<std::collections::HashMap<String, i64>>>,
}

impl Client {
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies.lock().unwrap().insert(name.into(), value.into());
    }

    pub fn remove_cookie(&self, name: &str) {
        self.cookies.lock().unwrap().remove(name);
    }

    pub fn csrf_token(&self) -> Option<String> {
        self.csrf.lock().unwrap().clone()
    }

    fn cookie_header(&self) -> String {
        self.cookies.lock().unwrap().iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn finish(&self, r: reqwest::Response) -> Resp {
        let status = r.status();
        let headers = r.headers().clone();
        for sc in headers.get_all("set-cookie").iter() {
            let sc = sc.to_str().unwrap();
            let (pair, attrs) = sc.split_once(';').unwrap_or((sc, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attrs.to_ascii_lowercase().contains("max-age=0") {
                self.cookies.lock().unwrap().remove(name);
            } else {
                self.cookies.lock().unwrap().insert(name.to_owned(), value.to_owned());
            }
        }
        let body = r.text().await.unwrap();
        let re = regex::Regex::new(r#"name="csrf_token" value="([^"]+)""#).unwrap();
        if let Some(c) = re.captures(&body) {
            *self.csrf.lock().unwrap() = Some(c[1].to_owned());
        }
        Resp { status, headers, body }
    }

    pub async fn get(&self, path: &str) -> Resp {
        let r = self
            .http
            .get(format!("{}{path}", self.origin))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.finish(r).await
    }

    /// A download's bytes (PDFs, files), with its status and headers.
    pub async fn get_bytes(&self, path: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
        let r = self
            .http
            .get(format!("{}{path}", self.origin))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        let status = r.status();
        let headers = r.headers().clone();
        (status, headers, r.bytes().await.unwrap().to_vec())
    }

    /// Posts a form as this site's own page would: with its CSRF token and the site's Origin.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let token = self.csrf_token().unwrap_or_default();
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", &token)];
        all.extend_from_slice(fields);
        self.post_raw(path, &all, &[("origin", &self.origin.clone())]).await
    }

    /// Posts exactly these fields and headers.
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)], headers: &[(&str, &str)]) -> Resp {
        let mut req =
            self.http.post(format!("{}{path}", self.origin)).header("cookie", self.cookie_header()).form(fields);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.finish(req.send().await.unwrap()).await
    }

    pub async fn post_body(&self, path: &str, content_type: &str, body: Vec<u8>, headers: &[(&str, &str)]) -> Resp {
        let mut req = self
            .http
            .post(format!("{}{path}", self.origin))
            .header("cookie", self.cookie_header())
            .header("content-type", content_type)
            .body(body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.finish(req.send().await.unwrap()).await
    }

    /// Uploads a file the way the page's form does: the CSRF token first, then the file.
    pub async fn post_file(&self, path: &str, field: &str, bytes: Vec<u8>) -> Resp {
        let token = self.csrf_token().unwrap_or_default();
        let form = reqwest::multipart::Form::new()
            .text("csrf_token", token)
            .part(field.to_owned(), reqwest::multipart::Part::bytes(bytes).file_name("plugin.wasm"));
        let r = self
            .http
            .post(format!("{}{path}", self.origin))
            .header("cookie", self.cookie_header())
            .header("origin", self.origin.clone())
            .multipart(form)
            .send()
            .await
            .unwrap();
        self.finish(r).await
    }

    /// Fetches the login page and signs in; returns the login POST's response.
    pub async fn login(&self, username: &str, password: &str) -> Resp {
        self.get("/login").await;
        self.post_form("/login", &[("username", username), ("password", password)]).await
    }

    /// The first-login page (seed 001), answered: a security question when asked, preferences,
    /// every consent of the AB's privacy notice.
    pub async fn complete_first_login(&self) {
        let page = self.get("/welcome").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let mut fields: Vec<(String, String)> = vec![];
        if page.body.contains("id=\"security_question\"") {
            fields.push(("security_question".into(), "first_pet".into()));
            fields.push(("security_answer".into(), "Biscuit".into()));
        }
        let sel = scraper::Selector::parse("input[name=consent]").unwrap();
        for c in page.html().select(&sel) {
            fields.push(("consent".into(), c.value().attr("value").unwrap().to_owned()));
        }
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let r = self.post_form("/welcome", &pairs).await;
        assert_eq!(r.location(), Some("/dashboard"), "{}", r.body);
    }

    /// Signs in and asserts it worked.
    pub async fn login_ok(&self, username: &str) {
        self.login_ok_with(username, PASSWORD).await
    }

    /// Signs in with this password and asserts it worked. The demo's AB administrators and
    /// operator must also give a code from their authenticator app (docs/security.md D9): the code for
    /// the demo key is worked out here like an app would.
    pub async fn login_ok_with(&self, username: &str, password: &str) {
        let r = self.login(username, password).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "login of {username} failed: {}", r.body);
        if r.location() == Some("/login/verify") {
            let code = self.demo_totp_code(username);
            self.get("/login/verify").await;
            let r = self.post_form("/login/verify", &[("code", &code)]).await;
            assert_eq!(r.location(), Some("/dashboard"), "code step of {username} failed: {}", r.body);
            return;
        }
        assert_eq!(r.location(), Some("/dashboard"));
    }

    /// The demo key's code for a step this user has not used yet: the app accepts the step
    /// either side of now, so up to three logins share one moment of the fixed clock; after that
    /// the clock moves on 30 seconds, as it would while a person types.
    pub fn demo_totp_code(&self, username: &str) -> String {
        use induct_domain::mfa;
        let secret = mfa::base32_decode(induct::demo::DEMO_TOTP_KEY).unwrap();
        let mut steps = self.totp_steps.lock().unwrap();
        let last = steps.get(username).copied();
        let step = loop {
            let now = mfa::step_of(self.clock.now().timestamp());
            if let Some(s) = [now - 1, now, now + 1].into_iter().find(|s| last.is_none_or(|l| *s > l)) {
                break s;
            }
            self.clock.advance(chrono::Duration::seconds(mfa::STEP_SECS));
        };
        steps.insert(username.to_owned(), step);
        format!("{:06}", mfa::hotp(&secret, step as u64))
    }
}

/// A PDF's text as poppler's pdftotext reads it (the test command installs poppler-utils).
pub fn pdf_text(bytes: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("induct-{}.pdf", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdftotext").arg("-layout").arg(&path).arg("-").output().expect("pdftotext");
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}
