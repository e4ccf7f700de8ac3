//! A real browser: headless Chromium through chromedriver (W3C WebDriver over HTTP), logging in on
//! a branded login page and reaching the dashboard. The test command installs Debian's chromium
//! and chromium-driver and sets INDUCT_REQUIRE_BROWSER=1, so there it cannot be skipped.

use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{PASSWORD, spawn_app, users::*};

struct Driver {
    child: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    /// The browser's own profile directory (unique per test).
    profile: std::path::PathBuf,
}

impl Drop for Driver {
    /// Ends the browser with the session, even when a test panics: killing chromedriver alone left
    /// Chromium running, and over many runs the browsers filled the machine's memory. The session
    /// is deleted over plain HTTP (no async here), then anything still running with this test's
    /// own profile directory is killed.
    fn drop(&mut self) {
        use std::io::{Read, Write};
        let addr = self.base.trim_start_matches("http://").to_owned();
        if let Ok(mut stream) = std::net::TcpStream::connect(&addr) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let request = format!(
                "DELETE /session/{} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                self.session
            );
            if stream.write_all(request.as_bytes()).is_ok() {
                let mut reply = Vec::new();
                let _ = stream.read_to_end(&mut reply);
            }
        }
        let _ = Command::new("pkill").arg("-KILL").arg("-f").arg(self.profile.display().to_string()).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn find(cands: &[&str]) -> Option<String> {
    cands.iter().find(|p| std::path::Path::new(p).exists()).map(|p| p.to_string())
}

impl Driver {
    async fn start() -> Option<Driver> {
        // The WebDriver client may be the first HTTP client of the test run (a browser test run
        // on its own): the TLS provider is installed here too, as spawn_app does.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let driver = find(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]);
        let browser = find(&["/usr/bin/chromium", "/usr/bin/chromium-browser"]);
        let (Some(driver), Some(browser)) = (driver, browser) else {
            assert!(
                std::env::var("INDUCT_REQUIRE_BROWSER").is_err(),
                "chromium and chromedriver are required (INDUCT_REQUIRE_BROWSER is set)"
            );
            eprintln!("skipping browser test: chromium or chromedriver is not installed");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while http.get(format!("{base}/status")).send().await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = std::env::temp_dir().join(format!("induct-chromium-{}", uuid::Uuid::new_v4().simple()));
        let caps = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": browser,
                    "args": [
                        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--disable-quic", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--window-size=1200,900",
                        format!("--user-data-dir={}", profile.display()),
                    ]
                }
            }}
        });
        let r: Value = http.post(format!("{base}/session")).json(&caps).send().await.unwrap().json().await.unwrap();
        let session = r["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {r}")).to_owned();
        Some(Driver { child, base, session, http, profile })
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let req = self.http.request(method.clone(), url);
        let req = if method == reqwest::Method::GET { req } else { req.json(&body) };
        let v: Value = req.send().await.unwrap().json().await.unwrap();
        assert!(v["value"].get("error").is_none(), "{path}: {v}");
        v["value"].clone()
    }

    async fn goto(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", json!({ "url": url })).await;
    }

    async fn element(&self, css: &str) -> String {
        let v = self.cmd(reqwest::Method::POST, "/element", json!({ "using": "css selector", "value": css })).await;
        v.as_object().unwrap().values().next().unwrap().as_str().unwrap().to_owned()
    }

    async fn type_into(&self, css: &str, text: &str) {
        let el = self.element(css).await;
        self.cmd(reqwest::Method::POST, &format!("/element/{el}/value"), json!({ "text": text })).await;
    }

    async fn click(&self, css: &str) {
        let el = self.element(css).await;
        self.cmd(reqwest::Method::POST, &format!("/element/{el}/click"), json!({})).await;
    }

    async fn attribute(&self, css: &str, name: &str) -> String {
        let el = self.element(css).await;
        self.cmd(reqwest::Method::GET, &format!("/element/{el}/property/{name}"), json!(null))
            .await
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    async fn url(&self) -> String {
        self.cmd(reqwest::Method::GET, "/url", json!(null)).await.as_str().unwrap().to_owned()
    }

    async fn source(&self) -> String {
        self.cmd(reqwest::Method::GET, "/source", json!(null)).await.as_str().unwrap().to_owned()
    }

    async fn screenshot(&self, name: &str) {
        use base64::Engine;
        let png = self.cmd(reqwest::Method::GET, "/screenshot", json!(null)).await;
        let bytes = base64::engine::general_purpose::STANDARD.decode(png.as_str().unwrap()).unwrap();
        let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

#[tokio::test]
async fn browser_logs_in_on_a_branded_login_page_and_sees_the_dashboard() {
    let Some(d) = Driver::start().await else {
        return;
    };
    let app = spawn_app().await;
    let origin = format!("http://fenland.localhost:{}", app.addr.port());
    d.goto(&format!("{origin}/login")).await;
    let page = d.source().await;
    assert!(page.contains("Fenland Teaching School Hub"));
    d.screenshot("fenland-login.png").await;

    // "Show password" works: the page's script runs under the nonce-based CSP.
    d.type_into("#username", FEN_TUTOR).await;
    d.type_into("#password", PASSWORD).await;
    assert_eq!(d.attribute("#password", "type").await, "password");
    d.click("#show-password").await;
    assert_eq!(d.attribute("#password", "type").await, "text");
    d.click("#login-button").await;

    let deadline = Instant::now() + Duration::from_secs(10);
    while !d.url().await.ends_with("/dashboard") {
        assert!(Instant::now() < deadline, "did not reach the dashboard: {}", d.url().await);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let dash = d.source().await;
    assert!(dash.contains("Welcome, Grace Okafor."));
    assert!(dash.contains("Marsh Lane Primary School"));
    d.screenshot("fenland-dashboard.png").await;

    // The browser kept the __Host- session cookie over http://*.localhost, and logging out works.
    d.click(".header-account button").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while !d.url().await.ends_with("/signed-out") {
        assert!(Instant::now() < deadline, "logout: {}", d.url().await);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    d.goto(&format!("{origin}/dashboard")).await;
    assert!(d.url().await.ends_with("/login"));
}

impl Driver {
    /// Sets a field's value as a user's typing would end up (date inputs take ISO dates this way
    /// whatever the browser's locale).
    async fn set_value(&self, css: &str, value: &str) {
        let script = "const e = document.querySelector(arguments[0]); e.value = arguments[1]; \
                      e.dispatchEvent(new Event('input', {bubbles: true})); return e.value;";
        let v =
            self.cmd(reqwest::Method::POST, "/execute/sync", json!({ "script": script, "args": [css, value] })).await;
        assert_eq!(v.as_str(), Some(value), "{css}");
    }

    async fn wait_for_url(&self, what: impl Fn(&str) -> bool, label: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let url = self.url().await;
            if what(&url) {
                return;
            }
            assert!(Instant::now() < deadline, "{label}: {url}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn log_in(&self, origin: &str, username: &str) {
        self.goto(&format!("{origin}/login")).await;
        self.type_into("#username", username).await;
        self.type_into("#password", PASSWORD).await;
        self.click("#login-button").await;
        self.wait_for_url(|u| u.ends_with("/dashboard"), "login").await;
    }

    /// Logs in an AB administrator, who also types the code of the demo's authenticator-app key
    /// (docs/security.md D9).
    async fn log_in_with_app(&self, app: &crate::helpers::TestApp, origin: &str, username: &str) {
        self.goto(&format!("{origin}/login")).await;
        self.type_into("#username", username).await;
        self.type_into("#password", PASSWORD).await;
        self.click("#login-button").await;
        self.wait_for_url(|u| u.ends_with("/login/verify"), "code page").await;
        let code = app.fenland().demo_totp_code(username);
        self.type_into("#code", &code).await;
        self.click("#verify-button").await;
        self.wait_for_url(|u| u.ends_with("/dashboard"), "login").await;
    }

    async fn log_out(&self) {
        self.click(".header-account button").await;
        self.wait_for_url(|u| u.ends_with("/signed-out"), "logout").await;
    }
}

#[tokio::test]
async fn browser_register_an_ect_head_signs_ab_authorises() {
    let Some(d) = Driver::start().await else {
        return;
    };
    let app = spawn_app().await;
    let origin = format!("http://fenland.localhost:{}", app.addr.port());
    let tenant = app.tenant("fenland").await;
    let marsh = app.state.store().list_schools(tenant).await.unwrap().into_iter().find(|s| s.urn == "900101").unwrap();

    // The induction tutor fills in the registration.
    d.log_in(&origin, FEN_TUTOR).await;
    d.goto(&format!("{origin}/schools/{}/ects/register", marsh.id)).await;
    for (field, value) in [
        ("#first_names", "Hana"),
        ("#last_name", "Okoro"),
        ("#trn", "4100001"),
        ("#email", "hana.okoro@example.test"),
        ("#home_address", "9 Wherry Lane, Ely"),
        ("#itt_provider", "University of Cambridge"),
        ("#subjects", "Primary"),
        ("#age_range", "5-11"),
        ("#mentor_name", "Pat Reed"),
        ("#mentor_email", "pat.reed@marshlane.example"),
        ("#mentor_start_term", "Spring 2027"),
    ] {
        d.type_into(field, value).await;
    }
    d.set_value("#date_of_birth", "1998-04-02").await;
    d.set_value("#qts_date", "2026-07-15").await;
    d.set_value("#contract_start", "2027-01-05").await;
    d.set_value("#induction_start", "2027-01-05").await;
    d.set_value("#mentor", "new").await;
    d.click("#training_programme-school_led").await;
    for (key, _) in induct_domain::registration::SUITABLE_POST {
        d.click(&format!("#suitable_post-{key}")).await;
    }
    d.screenshot("register-ect.png").await;
    d.click("#register-ect button[type=submit]").await;
    d.wait_for_url(|u| u.contains("/registrations/"), "registration submitted").await;
    let registration = d.url().await;
    assert!(d.source().await.contains("Waiting for the head teacher to sign"));
    d.log_out().await;

    // The head teacher ticks and signs.
    d.log_in(&origin, FEN_HEAD).await;
    d.goto(&registration).await;
    d.click("#confirm-yes").await;
    d.click("#sign button[type=submit]").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while !d.source().await.contains("Waiting for the appropriate body") {
        assert!(Instant::now() < deadline, "signing did not finish");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(d.source().await.contains("Signed by the head teacher, Priya Shah"));
    d.log_out().await;

    // The AB checks QTS and authorises.
    d.log_in_with_app(&app, &origin, FEN_AB_ADMIN).await;
    d.goto(&registration).await;
    d.click("#decision-authorise").await;
    d.click("#qts_checked-yes").await;
    d.click("#decide button[type=submit]").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while !d.source().await.contains("Authorised by Alex Morgan") {
        assert!(Instant::now() < deadline, "authorising did not finish");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    d.screenshot("registration-authorised.png").await;
    let profile = app.state.store().profile_by_trn(tenant, "4100001").await.unwrap().expect("the ECT exists");
    assert!(profile.verified_at.is_some());
}

impl Driver {
    async fn wait_for_text(&self, text: &str, label: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while !self.source().await.contains(text) {
            assert!(Instant::now() < deadline, "{label}: {text:?} never appeared");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn script(&self, script: &str, args: Value) -> Value {
        self.cmd(reqwest::Method::POST, "/execute/sync", json!({ "script": script, "args": args })).await
    }
}

#[tokio::test]
async fn browser_final_assessment_from_tutor_to_ab_acceptance() {
    let Some(d) = Driver::start().await else {
        return;
    };
    let app = spawn_app().await;
    let origin = format!("http://fenland.localhost:{}", app.addr.port());
    let (ect, number) = crate::report_forms::ect_at_final_assessment(&app, "199401").await;
    let base = format!("{origin}/ects/{ect}/reports/{number}");

    // The tutor: contract page, the form (autosaved as typed), then "ECT available".
    d.log_in(&origin, FEN_TUTOR).await;
    d.goto(&format!("{base}/fill")).await;
    d.click("#had_absences-no").await;
    d.click("#remaining-yes").await;
    d.click("#fill button[type=submit]").await;
    d.wait_for_url(|u| u.ends_with("/form"), "form").await;
    d.click("#recommendation-satisfactory").await;
    for (k, _) in induct_domain::report_flow::STANDARDS {
        d.set_value(&format!("[name='{k}']"), &format!("Browser evidence for {k}")).await;
    }
    d.set_value("[name='tutor.development']", "Questioning: mentor observes twice a half-term").await;
    d.set_value("[name='tutor.support_plan']", "no").await;
    d.script(
        "document.querySelector(\"[name='tutor.support_plan']\").dispatchEvent(new Event('change', {bubbles: true}))",
        json!([]),
    )
    .await;
    d.wait_for_text("Saved at", "autosave").await;
    d.click("button[name=next][value=finish]").await;
    d.wait_for_url(|u| u.ends_with("/finish"), "finish").await;
    d.click("#finished-release").await;
    d.click("#finish button[type=submit]").await;
    d.wait_for_text("What happens now?", "released").await;
    d.screenshot("report-released.png").await;
    d.log_out().await;

    // The ECT confirms, answers Fenland's questions, comments and signs.
    d.log_in(&origin, "199401").await;
    d.goto(&format!("{base}/comment")).await;
    d.click("#ect-confirmed").await;
    for id in [
        "discussed-report",
        "ecf-cpd",
        "mentor-support",
        "timetable-reduction",
        "observed-others",
        "formally-observed",
        "met-tutor-termly",
        "met-tutor-assessment",
    ] {
        d.click(&format!("[name='extra.ect.{id}'][value=yes]")).await;
    }
    for (k, _) in induct_domain::report_flow::ECT_COMMENTS {
        d.type_into(&format!("[name='{k}']"), "Written in the browser").await;
    }
    d.click("button[name=next][value=continue]").await;
    d.wait_for_url(|u| u.ends_with("#sign"), "to signing").await;
    d.click("#confirm-yes").await;
    d.click("#sign button[type=submit]").await;
    d.wait_for_text("Signed.", "ECT signed").await;
    d.log_out().await;

    // The tutor signs.
    d.log_in(&origin, FEN_TUTOR).await;
    d.goto(&base).await;
    d.click("#confirm-yes").await;
    d.click("#sign button[type=submit]").await;
    d.wait_for_text("Signed.", "tutor signed").await;
    d.log_out().await;

    // The head signs every ticked report at once.
    d.log_in(&origin, FEN_HEAD).await;
    d.goto(&format!("{origin}/signatures")).await;
    d.click("#report-1").await;
    d.click("#bulk-sign button[type=submit]").await;
    d.wait_for_text("1 report signed", "head signed").await;
    d.log_out().await;

    // The AB accepts.
    d.log_in_with_app(&app, &origin, FEN_AB_ADMIN).await;
    d.goto(&base).await;
    d.click("#decision-accept").await;
    d.click("#decide button[type=submit]").await;
    d.wait_for_url(|u| u.ends_with("/reports/review"), "review page").await;
    d.goto(&base).await;
    d.wait_for_text("Accepted", "accepted").await;
    d.screenshot("report-accepted.png").await;
}

#[tokio::test]
async fn browser_typing_survives_a_session_timeout() {
    let Some(d) = Driver::start().await else {
        return;
    };
    let app = spawn_app().await;
    let origin = format!("http://fenland.localhost:{}", app.addr.port());
    let tenant = app.tenant("fenland").await;
    let store = app.state.store();
    let jordan = store.find_user_for_login(Some(tenant), FEN_ECT).await.unwrap().unwrap();
    let form = format!("{origin}/ects/{}/reports/1/form", jordan.id);

    d.log_in(&origin, FEN_TUTOR).await;
    d.goto(&form).await;
    d.type_into("[name='tutor.ts1']", "Typed before the timeout").await;
    d.wait_for_text("Saved at", "first autosave").await;
    // Twenty-one idle minutes: the server has ended the session.
    app.clock.advance(chrono::Duration::minutes(21));
    d.type_into("[name='tutor.ts2']", "Typed after the timeout").await;
    d.wait_for_text("your session has ended", "refused autosave").await;
    d.screenshot("autosave-session-ended.png").await;

    // Log in again and come back: the text is there, and it reaches the server.
    d.goto(&format!("{origin}/login")).await;
    d.type_into("#username", FEN_TUTOR).await;
    d.type_into("#password", PASSWORD).await;
    d.click("#login-button").await;
    d.wait_for_url(|u| u.ends_with("/dashboard"), "login again").await;
    d.goto(&form).await;
    d.wait_for_text("Restored what you typed", "restored").await;
    assert_eq!(d.attribute("[name='tutor.ts1']", "value").await, "Typed before the timeout");
    assert_eq!(d.attribute("[name='tutor.ts2']", "value").await, "Typed after the timeout");
    let induction = store.induction_of_ect(tenant, jordan.user_id()).await.unwrap().unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let answers = store.form_answers(tenant, induction.id, 1).await.unwrap();
        if answers.iter().any(|(k, v)| k == "tutor.ts2" && v == "Typed after the timeout") {
            break;
        }
        assert!(Instant::now() < deadline, "the restored text was never saved: {answers:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn browser_turns_on_an_authenticator_app_and_logs_in_with_it() {
    let Some(d) = Driver::start().await else {
        return;
    };
    let app = spawn_app().await;
    let origin = format!("http://fenland.localhost:{}", app.addr.port());
    d.log_in(&origin, FEN_TUTOR).await;
    d.goto(&format!("{origin}/account/two-factor")).await;
    d.click("#start-two-factor button[type=submit]").await;
    d.wait_for_text("totp-secret", "setup key").await;
    let secret_b32 = d.script("return document.getElementById('totp-secret').textContent", json!([])).await;
    let secret = induct_domain::mfa::base32_decode(secret_b32.as_str().unwrap()).unwrap();
    let code = induct_domain::mfa::totp_code(&secret, app.clock.now().timestamp());
    d.type_into("#code", &code).await;
    d.click("#confirm-two-factor button[type=submit]").await;
    d.wait_for_text("On since", "enabled").await;
    d.screenshot("two-factor-on.png").await;
    d.log_out().await;
    // Next login: password, then the app's code (the next 30-second step: a code works once).
    d.goto(&format!("{origin}/login")).await;
    d.type_into("#username", FEN_TUTOR).await;
    d.type_into("#password", PASSWORD).await;
    d.click("#login-button").await;
    d.wait_for_url(|u| u.ends_with("/login/verify"), "code page").await;
    app.clock.advance(chrono::Duration::seconds(30));
    let code = induct_domain::mfa::totp_code(&secret, app.clock.now().timestamp());
    d.type_into("#code", &code).await;
    d.click("#verify-button").await;
    d.wait_for_url(|u| u.ends_with("/dashboard"), "dashboard").await;
    assert!(d.source().await.contains("Welcome, Grace Okafor."));
}
