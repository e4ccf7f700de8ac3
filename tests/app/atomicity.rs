//! A change that spans several records commits whole or not at all (issue 13). Each test makes
//! the last step of a change fail (a trigger refuses inserts into one table, as a full disk or a
//! lost connection would) and checks that nothing of the change is left behind; without the
//! failure, the same request does every step.

use induct_domain::UserId;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp, spawn_app, users::*};

async fn ect_of(app: &TestApp, username: &str) -> (induct_domain::TenantId, UserId) {
    let tenant = app.tenant("fenland").await;
    let user = app.state.store().find_user_for_login(Some(tenant), username).await.unwrap().unwrap();
    (tenant, user.user_id())
}

/// docs/security.md S5: the new email address and the notice to the old one are one change.
#[tokio::test]
async fn a_new_email_address_and_the_notice_to_the_old_one_commit_together() {
    let app = spawn_app().await;
    let (_, ect_id) = ect_of(&app, FEN_ECT).await;
    let ect = app.fenland();
    ect.login_ok(FEN_ECT).await;
    let page = ect.get("/my-details").await;
    let mut fields = page.form_fields("#details");
    fields.iter_mut().find(|(k, _)| k == "email").unwrap().1 = "jordan@elsewhere.example".into();
    fields.retain(|(k, _)| k != "password");
    fields.push(("password".into(), PASSWORD.into()));
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();

    app.fail_inserts_into("outbox").await;
    let r = ect.post_form("/my-details", &pairs).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.body);
    let me = app.state.store().get_user(ect_id).await.unwrap().unwrap();
    assert_eq!(me.email, "j.lee@marshlane.example", "the address is unchanged when its notice cannot be queued");
    assert!(
        !app.audit_events(Some("fenland")).await.iter().any(|e| e.event == "ect_details_changed"),
        "no audit of a change that did not happen"
    );
}

/// Seed 003: "no" to "remaining next term" on the report's contract page records the leaver,
/// ends the contract and turns the report into an interim assessment, with the page's answers.
#[tokio::test]
async fn the_contract_pages_answers_and_the_leaver_notice_commit_together() {
    for fail in [true, false] {
        let app = spawn_app().await;
        let (tenant, ect) = ect_of(&app, FEN_ECT).await;
        let store = app.state.store();
        let induction = store.induction_of_ect(tenant, ect).await.unwrap().unwrap();
        let report = store.db().list_reports(tenant, induction.id).await.unwrap();
        let open = report.iter().find(|r| r.completed_at.is_none()).unwrap().clone();
        let t = app.fenland();
        t.login_ok(FEN_TUTOR).await;
        let base = format!("/ects/{}/reports/{}", ect.0, open.number);
        assert_eq!(t.get(&format!("{base}/fill")).await.status, StatusCode::OK);
        let remaining_of = async || {
            let answers = store.form_answers(tenant, induction.id, open.number).await.unwrap();
            answers.into_iter().find(|(k, _)| k == "contract.remaining").map(|(_, v)| v)
        };
        let remaining_before = remaining_of().await;
        assert_ne!(remaining_before.as_deref(), Some("no"));
        if fail {
            app.fail_inserts_into("leaver_notices").await;
        }
        let r = t
            .post_form(
                &format!("{base}/fill"),
                &[
                    ("days_served", ""),
                    ("days_absent", "0"),
                    ("had_absences", "no"),
                    ("remaining", "no"),
                    ("leaving_reason", "Moving to a school in another county"),
                    ("leaving_date", "2026-12-18"),
                ],
            )
            .await;
        let remaining = remaining_of().await;
        let leavers: Vec<_> =
            store.list_leavers(tenant).await.unwrap().into_iter().filter(|l| l.induction_id == induction.id).collect();
        let after = store.db().list_reports(tenant, induction.id).await.unwrap();
        let current = after.iter().find(|r| r.completed_at.is_none()).unwrap();
        if fail {
            assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.body);
            assert_eq!(remaining, remaining_before, "the page's answers are not kept without the leaver notice");
            assert!(leavers.is_empty());
            assert_eq!(current.kind, open.kind, "the plan is as it was");
            assert_eq!(store.db().get_induction(tenant, induction.id).await.unwrap().unwrap().leaving_date, None);
        } else {
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
            assert_eq!(remaining.as_deref(), Some("no"));
            assert_eq!(leavers.len(), 1, "the AB has the leaver task");
            assert_eq!(current.kind, "interim_assessment", "the report becomes an interim assessment");
            assert_eq!(current.period_end.to_string(), "2026-12-18");
        }
    }
}

/// The plan is recomputed in the transaction of the change that moves it: an absence that
/// cannot be planned for is not recorded either.
#[tokio::test]
async fn a_change_to_the_induction_record_and_its_new_plan_commit_together() {
    let app = spawn_app().await;
    let (tenant, ect) = ect_of(&app, FEN_ECT).await;
    let store = app.state.store();
    let induction = store.induction_of_ect(tenant, ect).await.unwrap().unwrap();
    let before = store.db().list_reports(tenant, induction.id).await.unwrap();
    let path = format!("/ects/{}/induction", ect.0);
    let t = app.fenland();
    t.login_ok(FEN_TUTOR).await;
    t.get(&path).await;
    app.fail_inserts_into("reports").await;
    let r = t.post_form(&path, &[("action", "absence"), ("absence_date", "2026-11-02"), ("absence_days", "30")]).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.body);
    assert!(store.db().list_absences(tenant, induction.id).await.unwrap().is_empty(), "no absence without its plan");
    let after = store.db().list_reports(tenant, induction.id).await.unwrap();
    let ids = |v: &[induct::store::induction::ReportRow]| v.iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(ids(&after), ids(&before), "the reports are as they were");
    assert!(
        !app.audit_events(Some("fenland")).await.iter().any(|e| e.event == "ect_induction_record_changed"),
        "no audit of a change that did not happen"
    );
}

/// The AB's acceptance and the next report of the plan are one change (seed 003: "The next
/// progress review is generated as the last one is completed").
#[tokio::test]
async fn accepting_a_report_and_planning_the_next_commit_together() {
    let app = spawn_app().await;
    let (tenant, ect) = ect_of(&app, FEN_ECT).await;
    let store = app.state.store();
    let induction = store.induction_of_ect(tenant, ect).await.unwrap().unwrap();
    let number = crate::report_forms::submit_first_report(&app, FEN_ECT).await;
    let ab = app.fenland();
    ab.login_ok(FEN_AB_ADMIN).await;
    let base = format!("/ects/{}/reports/{number}", ect.0);
    let page = ab.get(&base).await;
    assert_eq!(page.status, StatusCode::OK);
    app.fail_inserts_into("reports").await;
    let r = ab.post_form(&format!("{base}/decision"), &[("decision", "accept")]).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.body);
    let form = store.get_form(tenant, induction.id, number).await.unwrap().unwrap();
    assert_eq!(form.status.as_str(), "submitted", "not accepted without the next report");
    let reports = store.db().list_reports(tenant, induction.id).await.unwrap();
    assert!(reports.iter().all(|r| r.completed_at.is_none() || r.number != number), "the report is not completed");
}
