//! Authorisation and tenant isolation (docs/security.md T1-T3): a checked-in matrix of route x role x
//! ownership drives one test over every cell; the route inventory must match it exactly.

use reqwest::StatusCode;
use std::collections::BTreeSet;

use crate::helpers::{Client, TestApp, repo_path, spawn_app, users::*};

struct Row {
    method: String,
    path: String,
    ownership: String,
    expected: Vec<u16>,
}

const COLUMNS: [&str; 9] = [
    "anon_ab",
    "anon_platform",
    "platform_operator",
    "ab_admin",
    "head_teacher",
    "induction_lead",
    "induction_tutor",
    "school_admin",
    "ect",
];

fn matrix() -> Vec<Row> {
    let text = std::fs::read_to_string(repo_path("tests/app/authz_matrix.csv")).unwrap();
    let mut lines = text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty());
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(&header[3..], &COLUMNS, "matrix columns");
    lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            assert_eq!(cells.len(), 3 + COLUMNS.len(), "{l}");
            Row {
                method: cells[0].into(),
                path: cells[1].into(),
                ownership: cells[2].into(),
                expected: cells[3..].iter().map(|c| c.parse().unwrap()).collect(),
            }
        })
        .collect()
}

async fn school_id(app: &TestApp, ab: &str, name: &str) -> String {
    let store = app.state.store();
    let tenant = store.find_tenant_by_slug(ab).await.unwrap().unwrap().tenant_id();
    store.list_schools(tenant).await.unwrap().into_iter().find(|s| s.name == name).unwrap().id.to_string()
}

async fn ect_id(app: &TestApp, ab: &str, username: &str) -> String {
    let tenant = app.tenant(ab).await;
    app.state.store().find_user_for_login(Some(tenant), username).await.unwrap().unwrap().id.to_string()
}

/// An ECT of Fenland whose contract is at Ouse Valley, not at the demo staff's school.
async fn ect_at_other_school(app: &TestApp) -> String {
    let start = chrono::NaiveDate::from_ymd_opt(2026, 9, 2).unwrap();
    app.create_ect_at("fenland", "199001", "Olly Other", "Ouse Valley Academy", start).await.0.to_string()
}

/// Demo registrations: one awaiting the head at Marsh Lane, the transfer to Ouse Valley, and one
/// of Northshire's.
async fn registrations(app: &TestApp) -> (String, String, String) {
    let store = app.state.store();
    let fen = store.list_registrations(app.tenant("fenland").await).await.unwrap();
    let marsh = school_id(app, "fenland", "Marsh Lane Primary School").await;
    let own = fen
        .iter()
        .find(|r| r.school_id.to_string() == marsh && r.status.as_str() == "awaiting_head_signature")
        .unwrap();
    let other = fen.iter().find(|r| r.kind.as_str() == "transfer").unwrap();
    let nor = store.list_registrations(app.tenant("northshire").await).await.unwrap();
    (own.id.to_string(), other.id.to_string(), nor[0].id.to_string())
}

#[tokio::test]
async fn t1_every_route_is_in_the_matrix_and_anonymous_users_are_turned_away() {
    let app = spawn_app().await;
    let inventory: BTreeSet<(String, String)> =
        app.state.routes().iter().map(|r| (r.method.to_owned(), r.path.to_owned())).collect();
    let in_matrix: BTreeSet<(String, String)> = matrix().into_iter().map(|r| (r.method, r.path)).collect();
    assert_eq!(inventory, in_matrix, "the authorisation matrix must list exactly the routes that exist");
    let mut checked = 0;
    for r in app.state.routes().iter() {
        if let induct::web::Access::Signed(_) = r.access {
            let path = r
                .path
                .replace("{school_id}", "mine")
                .replace("{ect_id}", "x")
                .replace("{user_id}", "x")
                .replace("{token}", "x")
                .replace("{mail_id}", "x")
                .replace("{plugin_id}", "x")
                .replace("{slug}", "fenland");
            let c = match r.sites {
                induct::web::Sites::Platform => app.platform(),
                _ => app.fenland(),
            };
            let resp = if r.method == "GET" {
                c.get(&path).await
            } else {
                c.get("/login").await;
                c.post_form(&path, &[]).await
            };
            assert_eq!(resp.status, StatusCode::SEE_OTHER, "{} {path}", r.method);
            assert_eq!(resp.location(), Some("/login"), "{} {path}", r.method);
            checked += 1;
        }
    }
    println!("{checked} protected routes checked");
}

#[tokio::test]
async fn t2_authorisation_matrix_route_x_role_x_ownership() {
    let app = spawn_app().await;
    let own = school_id(&app, "fenland", "Marsh Lane Primary School").await;
    let other_school = school_id(&app, "fenland", "Ouse Valley Academy").await;
    let other_ab = school_id(&app, "northshire", "Heathfield High School").await;
    let ect_own = ect_id(&app, "fenland", FEN_ECT).await;
    let ect_other_ab = ect_id(&app, "northshire", NOR_ECT).await;
    let ect_other_school = ect_at_other_school(&app).await;
    let (reg_own, reg_other_school, reg_other_ab) = registrations(&app).await;

    let clients: Vec<Client> = vec![
        app.fenland(),
        app.platform(),
        app.platform(),
        app.fenland(),
        app.fenland(),
        app.fenland(),
        app.fenland(),
        app.fenland(),
        app.fenland(),
    ];
    let logins = [
        None,
        None,
        Some(OPERATOR),
        Some(FEN_AB_ADMIN),
        Some(FEN_HEAD),
        Some(FEN_LEAD),
        Some(FEN_TUTOR),
        Some(FEN_SCHOOL_ADMIN),
        Some(FEN_ECT),
    ];
    for (c, login) in clients.iter().zip(logins) {
        if let Some(u) = login {
            c.login_ok(u).await;
        }
    }
    let rows = matrix();
    let mut cells = 0;
    for row in &rows {
        let id = match row.ownership.as_str() {
            "own" => own.clone(),
            "other_school" => other_school.clone(),
            "other_ab" => other_ab.clone(),
            "malformed" => "not-a-uuid".into(),
            _ => uuid::Uuid::new_v4().to_string(),
        };
        let ect = match row.ownership.as_str() {
            "own" => ect_own.clone(),
            "other_school" => ect_other_school.clone(),
            "other_ab" => ect_other_ab.clone(),
            _ => id.clone(),
        };
        let registration = match row.ownership.as_str() {
            "own" => reg_own.clone(),
            "other_school" => reg_other_school.clone(),
            "other_ab" => reg_other_ab.clone(),
            _ => id.clone(),
        };
        let path = row
            .path
            .replace("{registration_id}", &registration)
            .replace("{leaver_id}", &id)
            .replace("{previous_school_id}", &id)
            .replace("{file_id}", &uuid::Uuid::new_v4().to_string())
            .replace("{alert_id}", &uuid::Uuid::new_v4().to_string())
            .replace("{number}", "1")
            .replace("{who}", "ect")
            .replace("{ect_id}", &ect)
            .replace("{user_id}", &uuid::Uuid::new_v4().to_string())
            .replace("{token}", "no-such-token")
            .replace("{school_id}", &id)
            .replace("{mail_id}", &id)
            .replace("{plugin_id}", &id)
            .replace("{slug}", "fenland")
            .replace("{*path}", "app.css");
        for (i, c) in clients.iter().enumerate() {
            let resp = if row.method == "GET" {
                c.get(&path).await
            } else {
                c.get("/account").await; // a page with a form, for its token (or the login page)
                if c.csrf_token().is_none() {
                    c.get("/login").await;
                }
                c.post_form(&path, &[]).await
            };
            assert_eq!(
                resp.status.as_u16(),
                row.expected[i],
                "{} {} ({}) as {}: {}",
                row.method,
                row.path,
                row.ownership,
                COLUMNS[i],
                resp.location().unwrap_or("")
            );
            cells += 1;
        }
    }
    println!("authorisation matrix: {} rows x {} columns = {cells} cases", rows.len(), COLUMNS.len());
}

#[tokio::test]
async fn t3_nothing_of_one_ab_reaches_another_abs_users() {
    let app = spawn_app().await;
    let store = app.state.store();
    let nor = store.find_tenant_by_slug("northshire").await.unwrap().unwrap().tenant_id();
    let mut secrets: Vec<String> = vec!["Northshire".into(), "northshire".into()];
    for s in store.list_schools(nor).await.unwrap() {
        secrets.extend([
            s.id.to_string(),
            s.name.replace('\'', "&#x27;"),
            s.urn.clone(),
            s.postcode.clone(),
            s.contact_email.clone(),
        ]);
    }
    for u in [NOR_AB_ADMIN, NOR_HEAD, NOR_LEAD, NOR_TUTOR, NOR_SCHOOL_ADMIN, NOR_ECT, NOR_TUTOR_2] {
        let row = store.find_user_for_login(Some(nor), u).await.unwrap().unwrap();
        secrets.extend([row.id.to_string(), row.email.clone(), row.display_name.clone(), row.username.clone()]);
    }
    let nor_school_ids: Vec<String> = store.list_schools(nor).await.unwrap().iter().map(|s| s.id.to_string()).collect();
    for u in [FEN_AB_ADMIN, FEN_HEAD, FEN_LEAD, FEN_TUTOR, FEN_SCHOOL_ADMIN, FEN_ECT] {
        let c = app.fenland();
        c.login_ok(u).await;
        let mut pages = vec![];
        for path in ["/", "/dashboard", "/account", "/schools", "/schools/mine", "/login"] {
            pages.push(c.get(path).await);
        }
        for id in &nor_school_ids {
            let r = c.get(&format!("/schools/{id}")).await;
            assert!(matches!(r.status.as_u16(), 403 | 404), "{u} reading a Northshire school: {}", r.status);
            pages.push(r);
        }
        for page in pages {
            for s in &secrets {
                assert!(!page.body.contains(s.as_str()), "{u} saw {s:?} of Northshire");
            }
        }
        // The Fenland session used on Northshire's site is no session at all.
        let cross = app.northshire();
        cross.set_cookie("__Host-session", &c.cookie("__Host-session").unwrap());
        let r = cross.get("/dashboard").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{u}");
        assert_eq!(r.location(), Some("/login"));
    }
}

#[tokio::test]
async fn refused_requests_are_audited_as_authz_fail() {
    let app = spawn_app().await;
    let c = app.fenland();
    c.login_ok(FEN_ECT).await;
    assert_eq!(c.get("/schools").await.status, StatusCode::FORBIDDEN);
    let events = app.audit_events(Some("fenland")).await;
    let fails: Vec<_> = events.iter().filter(|e| e.event == "authz_fail").collect();
    assert_eq!(fails.len(), 1);
    assert_eq!(fails[0].subject.as_deref(), Some("/schools"));
    assert_eq!(fails[0].detail.as_deref(), Some("ect"));
}
