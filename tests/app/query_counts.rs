//! What a page costs in database statements does not grow with the AB (issue 13). The store
//! counts every statement it runs; each page is measured for the same user, then the AB gets
//! more ECTs, reports and reports waiting for signatures (at the user's own school and at
//! another), and the page is measured again: the counts must be the same.

use induct_domain::report_flow::FormStatus;
use reqwest::StatusCode;

use crate::helpers::{Client, TestApp, spawn_app, users::*};

/// `n` more ECTs at a school, each with an open report whose ECT has signed (waiting for the
/// tutor's signature).
async fn add_ects(app: &TestApp, school: &str, first_username: u32, n: u32) {
    let tenant = app.tenant("fenland").await;
    let store = app.state.store();
    let start = chrono::NaiveDate::from_ymd_opt(2026, 9, 2).unwrap();
    for i in 0..n {
        let username = (first_username + i).to_string();
        let (_, induction) =
            app.create_ect_at("fenland", &username, &format!("Load Ect {username}"), school, start).await;
        let mut tx = store.begin().await.unwrap();
        induct::services::induction::recompute(store, &mut tx, tenant, induction).await.unwrap();
        let report = tx.db().list_reports(tenant, induction).await.unwrap().remove(0);
        let mut form =
            store.lock_form(&mut tx, tenant, induction, report.number, &report.kind, app.clock.now()).await.unwrap();
        form.status = FormStatus::EctSigned;
        store.save_form(&mut tx, tenant, &form).await.unwrap();
        tx.commit().await.unwrap();
    }
}

/// The statements one request costs.
async fn cost(app: &TestApp, c: &Client, path: &str) -> u64 {
    let before = app.state.store().query_count();
    let r = c.get(path).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    app.state.store().query_count() - before
}

#[tokio::test]
async fn pages_cost_the_same_whatever_the_size_of_the_ab() {
    let app = spawn_app().await;
    let tenant = app.tenant("fenland").await;
    let jordan = app.state.store().find_user_for_login(Some(tenant), FEN_ECT).await.unwrap().unwrap().id;
    let report = format!("/ects/{jordan}/reports/1");
    let tutor = app.fenland();
    tutor.login_ok(FEN_TUTOR).await;
    let head = app.fenland();
    head.login_ok(FEN_HEAD).await;
    let ab = app.fenland();
    ab.login_ok(FEN_AB_ADMIN).await;
    let pages: [(&str, &Client, &str); 6] = [
        ("the tutor's dashboard", &tutor, "/dashboard"),
        ("a report page", &tutor, &report),
        ("the tutor's Sign page", &tutor, "/signatures"),
        ("the head's Sign page", &head, "/signatures"),
        ("the AB's dashboard", &ab, "/dashboard"),
        ("the AB's review page", &ab, "/reports/review"),
    ];
    let mut measured = vec![];
    let mut added = 0;
    for (first, n) in [(199100, 3), (199200, 12)] {
        add_ects(&app, "Marsh Lane Primary School", first, n).await;
        add_ects(&app, "Ouse Valley Academy", first + 50, n).await;
        added += 2 * n;
        let mut counts = vec![];
        for (_, c, path) in &pages {
            cost(&app, c, path).await; // the first request of a session may do one-off work
            counts.push(cost(&app, c, path).await);
        }
        println!("statements per page with {added} more ECTs: {counts:?}");
        measured.push(counts);
    }
    let signing = tutor.get("/signatures").await;
    assert!(signing.body.matches("Load Ect").count() >= 15, "the reports to sign are listed");
    for (i, (what, _, _)) in pages.iter().enumerate() {
        assert_eq!(measured[0][i], measured[1][i], "{what} costs more statements in a bigger AB: {measured:?}");
    }
}
