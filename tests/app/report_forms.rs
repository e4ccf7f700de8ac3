//! Report forms end to end (issue 6; seed 003; docs/induction-rules.md 2.7): the tutor fills in and releases,
//! the ECT comments and signs, the tutor and head sign, the AB accepts or returns; out-of-order
//! actions are refused and change nothing; PDFs read back as text.

use induct_domain::report_flow::STANDARDS;
use induct_domain::{SchoolId, UserId};
use reqwest::StatusCode;

use crate::helpers::{Client, PASSWORD, TestApp, pdf_text, spawn_app, users::*};

const OUSE_HEAD: &str = "110007";
const FEN_ECT_2: &str = "110008";

async fn jordan(app: &TestApp) -> String {
    let tenant = app.tenant("fenland").await;
    app.state.store().find_user_for_login(Some(tenant), FEN_ECT).await.unwrap().unwrap().id.to_string()
}

fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// The tutor's contract page: days (as the engine has them), staying next term.
async fn contract_page(t: &Client, base: &str) {
    let page = t.get(&format!("{base}/fill")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let r = t
        .post_form(
            &format!("{base}/fill"),
            &[
                ("days_served", ""),
                ("days_absent", "0"),
                ("had_absences", "no"),
                ("remaining", "yes"),
                ("next_days_per_week", "5"),
                ("next_contract_type", "permanent"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

fn tutor_answers(recommendation: &str) -> Vec<(String, String)> {
    let mut v = vec![
        ("tutor.recommendation".to_owned(), recommendation.to_owned()),
        ("tutor.development".to_owned(), "TS7: consistent routines for lesson starts, checked in drop-ins".to_owned()),
        ("tutor.support_plan".to_owned(), "no".to_owned()),
    ];
    for (k, label) in STANDARDS {
        v.push((k.to_owned(), format!("Evidence for {}", &label[..3])));
    }
    v
}

/// The ECT's confirmation, Fenland's plugin questions (seed 003 entitlements) and comments.
fn ect_answers() -> Vec<(String, String)> {
    let mut v = vec![("ect.confirmed".to_owned(), "yes".to_owned())];
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
        v.push((format!("extra.ect.{id}"), "yes".to_owned()));
    }
    v.push(("ect.comment1".into(), "Behaviour routines with Year 4 went well".into()));
    v.push(("ect.comment2".into(), "Marking load; I batch it by learning objective now".into()));
    v.push(("ect.comment3".into(), "Questioning for the quieter pupils; my mentor will observe".into()));
    v
}

async fn form_status(app: &TestApp, ect: &str, number: i32) -> String {
    let tenant = app.tenant("fenland").await;
    let store = app.state.store();
    let induction = store.induction_of_ect(tenant, UserId(ect.parse().unwrap())).await.unwrap().unwrap();
    store
        .get_form(tenant, induction.id, number)
        .await
        .unwrap()
        .map(|f| f.status.as_str().to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_progress_review_from_first_words_to_acceptance_seed_003() {
    let app = spawn_app().await;
    let ect = jordan(&app).await;
    let base = format!("/ects/{ect}/reports/1");
    let tutor = app.fenland();
    tutor.login_ok(FEN_TUTOR).await;
    let dash = tutor.get("/dashboard").await;
    let sel = scraper::Selector::parse("a.fill-in").unwrap();
    let hrefs: Vec<String> =
        dash.html().select(&sel).filter_map(|a| a.value().attr("href").map(str::to_owned)).collect();
    assert!(hrefs.contains(&format!("{base}/fill")), "Fill in from the dashboard: {hrefs:?}");
    contract_page(&tutor, &base).await;

    // Autosave: one field at a time; the ECT and head read it at once, the AB not yet.
    tutor.get(&format!("{base}/form")).await;
    let r = tutor.post_form(&format!("{base}/autosave"), &[("tutor.ts1", "Sets high expectations in Year 4")]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("\"changed\":1"), "{}", r.body);
    // Fields of the ECT's side are ignored when the tutor sends them.
    tutor.post_form(&format!("{base}/autosave"), &[("ect.comment1", "forged")]).await;
    let ect_client = app.fenland();
    ect_client.login_ok(FEN_ECT).await;
    assert!(ect_client.get(&base).await.body.contains("Sets high expectations in Year 4"));
    let head = app.fenland();
    head.login_ok(FEN_HEAD).await;
    assert!(head.get(&base).await.body.contains("Sets high expectations in Year 4"));
    let ab = app.fenland();
    ab.login_ok(FEN_AB_ADMIN).await;
    let r = ab.get(&base).await;
    assert!(!r.body.contains("Sets high expectations") && r.body.contains("The report is with the school"));
    // The ECT cannot comment or sign before release; the tutor cannot sign before the ECT.
    assert_eq!(ect_client.get(&format!("{base}/comment")).await.status, StatusCode::NOT_FOUND);
    ect_client.get(&base).await;
    let r = ect_client.post_form(&format!("{base}/autosave"), &[("ect.comment1", "early")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    tutor.get(&base).await;
    let r = tutor.post_form(&format!("{base}/sign"), &[("confirm", "yes")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("Report cannot be signed until comments are completed by the tutor and ECT"));

    // Have you finished? Missing answers are listed and the release is refused.
    let r = tutor.get(&format!("{base}/finish")).await;
    assert!(r.texts(".missing-fields li").iter().any(|m| m.starts_with("TS2")), "{:?}", r.texts(".missing-fields li"));
    let r = tutor.post_form(&format!("{base}/finish"), &[("finished", "release")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(form_status(&app, &ect, 1).await, "draft");
    // Save the whole form, then release.
    tutor.get(&format!("{base}/form")).await;
    let r = tutor.post_form(&format!("{base}/form"), &pairs(&tutor_answers("on_track"))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Saved at"));
    tutor.get(&format!("{base}/finish")).await;
    let r = tutor.post_form(&format!("{base}/finish"), &[("finished", "release")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("What happens now?"));
    assert_eq!(form_status(&app, &ect, 1).await, "awaiting_ect");
    // "Send Login Details" to the ECT.
    let r = tutor.post_form(&format!("{base}/send-login/ect"), &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    app.deliver_mail().await;
    assert!(app.smtp.to("j.lee@marshlane.example").iter().any(|m| m.text().contains("/set-password/")));

    // The ECT: signing before commenting is refused; comments, then signs.
    ect_client.get(&base).await;
    let r = ect_client.post_form(&format!("{base}/sign"), &[("confirm", "yes")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("Add your comments before signing"));
    let page = ect_client.get(&format!("{base}/comment")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Have you discussed this report"), "Fenland's plugin questions");
    let mut fields = ect_answers();
    fields.push(("next".into(), "continue".into()));
    let r = ect_client.post_form(&format!("{base}/comment"), &pairs(&fields)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    ect_client.get(&base).await;
    let r = ect_client.post_form(&format!("{base}/sign"), &[("confirm", "yes")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(form_status(&app, &ect, 1).await, "ect_signed");

    // The tutor signs: a progress review needs no head signature here, so it is submitted.
    let r = tutor.get("/signatures").await;
    assert!(r.texts(".to-sign td").contains(&"Jordan Lee".to_owned()));
    tutor.get(&base).await;
    let r = tutor.post_form(&format!("{base}/sign"), &[("confirm", "yes")]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("submitted to the appropriate body"));
    assert_eq!(form_status(&app, &ect, 1).await, "submitted");
    // Locked for the school now.
    tutor.get(&format!("{base}/form")).await;
    let r = tutor.post_form(&format!("{base}/form"), &[("tutor.ts1", "changed after submission")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = tutor.post_form(&format!("{base}/autosave"), &[("tutor.ts1", "changed after submission")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // The AB reviews: returns it with comments; signatures are cleared, the tutor edits.
    let r = ab.get("/reports/review").await;
    assert!(r.texts(".to-review td").contains(&"Jordan Lee".to_owned()));
    ab.get(&base).await;
    let r = ab.post_form(&format!("{base}/decision"), &[("decision", "return")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "a return needs comments");
    let r = ab.post_form(&format!("{base}/decision"), &[("decision", "return"), ("comment", "Add TS5 evidence")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(form_status(&app, &ect, 1).await, "draft");
    let r = tutor.get(&format!("{base}/form")).await;
    assert!(r.body.contains("Add TS5 evidence"));
    let tenant = app.tenant("fenland").await;
    let induction = app.state.store().induction_of_ect(tenant, UserId(ect.parse().unwrap())).await.unwrap().unwrap();
    let sigs = app.state.store().signatures(tenant, induction.id, 1).await.unwrap();
    assert_eq!(sigs.len(), 2);
    assert!(sigs.iter().all(|s| s.cleared_at.is_some()), "everyone signs again");
    tutor.post_form(&format!("{base}/form"), &[("tutor.ts5", "Adapts tasks with scaffolds for EAL pupils")]).await;
    tutor.get(&format!("{base}/finish")).await;
    assert_eq!(tutor.post_form(&format!("{base}/finish"), &[("finished", "release")]).await.status, StatusCode::OK);
    ect_client.get(&base).await;
    assert_eq!(ect_client.post_form(&format!("{base}/sign"), &[("confirm", "yes")]).await.status, StatusCode::OK);
    // An edit after the ECT signed clears the signature again (a new version).
    tutor.get(&format!("{base}/form")).await;
    let r = tutor
        .post_form(&format!("{base}/autosave"), &[("tutor.ts5", "Adapts tasks for EAL pupils, with scaffolds")])
        .await;
    assert!(r.body.contains("\"signatures_cleared\":true"), "{}", r.body);
    assert_eq!(form_status(&app, &ect, 1).await, "awaiting_ect");
    ect_client.get(&base).await;
    assert_eq!(ect_client.post_form(&format!("{base}/sign"), &[("confirm", "yes")]).await.status, StatusCode::OK);
    tutor.get(&base).await;
    assert_eq!(tutor.post_form(&format!("{base}/sign"), &[("confirm", "yes")]).await.status, StatusCode::OK);
    ab.get(&base).await;
    let r = ab.post_form(&format!("{base}/decision"), &[("decision", "accept")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(form_status(&app, &ect, 1).await, "accepted");

    // Accepted: the report is complete, the next one planned; edits are refused.
    let reports = app.state.store().db().list_reports(tenant, induction.id).await.unwrap();
    assert!(reports.iter().find(|r| r.number == 1).unwrap().completed_at.is_some());
    assert!(reports.iter().any(|r| r.number == 2 && r.completed_at.is_none()), "the next report appears");
    tutor.get(&format!("{base}/form")).await;
    let r = tutor.post_form(&format!("{base}/form"), &[("tutor.ts1", "late edit")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    ab.get(&base).await;
    assert_eq!(
        ab.post_form(&format!("{base}/decision"), &[("decision", "return"), ("comment", "x")]).await.status,
        StatusCode::CONFLICT
    );

    // Signatures record signer, time, IP and the hash of exactly what was signed (D1).
    let sigs = app.state.store().signatures(tenant, induction.id, 1).await.unwrap();
    let live: Vec<_> = sigs.iter().filter(|s| s.cleared_at.is_none()).collect();
    assert_eq!(live.iter().map(|s| s.signer.as_str()).collect::<Vec<_>>(), ["ect", "tutor"]);
    assert!(live.iter().all(|s| s.content_hash.len() == 64 && s.ip == "127.0.0.1"));
    assert_eq!(live[0].content_hash, live[1].content_hash, "both signed the same content");

    // The PDF: branded header, the answers, the signatures, page numbers.
    let (status, headers, bytes) = ab.get_bytes(&format!("{base}/pdf")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/pdf");
    let text = pdf_text(&bytes);
    for needle in [
        "Fenland Teaching School Hub",
        "Progress review",
        "Jordan Lee",
        "Evidence for TS1",
        "Adapts tasks for EAL pupils, with scaffolds",
        "Marking load; I batch it by learning objective now",
        "Have you discussed this report",
        "Induction tutor",
        "Grace Okafor",
        "Page 1 of",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    assert!(!text.contains("forged"));
    let events = app.audit_events(Some("fenland")).await;
    for kind in [
        "report_released",
        "report_signed",
        "report_submitted",
        "report_returned",
        "report_accepted",
        "report_signatures_cleared",
    ] {
        assert!(events.iter().any(|e| e.event == kind), "{kind}");
    }
}

/// Takes the ECT's first report to the AB: the tutor's contract page and form, release, the
/// ECT's comments and signature, the tutor's signature. Returns its number.
pub(crate) async fn submit_first_report(app: &TestApp, username: &str) -> i32 {
    let tenant = app.tenant("fenland").await;
    let ect = app.state.store().find_user_for_login(Some(tenant), username).await.unwrap().unwrap().id;
    let base = format!("/ects/{ect}/reports/1");
    let tutor = app.fenland();
    tutor.login_ok(FEN_TUTOR).await;
    contract_page(&tutor, &base).await;
    tutor.get(&format!("{base}/form")).await;
    assert_eq!(
        tutor.post_form(&format!("{base}/form"), &pairs(&tutor_answers("on_track"))).await.status,
        StatusCode::OK
    );
    tutor.get(&format!("{base}/finish")).await;
    assert_eq!(tutor.post_form(&format!("{base}/finish"), &[("finished", "release")]).await.status, StatusCode::OK);
    let e = app.fenland();
    e.login_ok(username).await;
    e.get(&format!("{base}/comment")).await;
    let mut fields = ect_answers();
    fields.push(("next".into(), "continue".into()));
    assert_eq!(e.post_form(&format!("{base}/comment"), &pairs(&fields)).await.status, StatusCode::SEE_OTHER);
    e.get(&base).await;
    assert_eq!(e.post_form(&format!("{base}/sign"), &[("confirm", "yes")]).await.status, StatusCode::OK);
    tutor.get(&base).await;
    assert_eq!(tutor.post_form(&format!("{base}/sign"), &[("confirm", "yes")]).await.status, StatusCode::OK);
    assert_eq!(form_status(app, &ect.to_string(), 1).await, "submitted");
    1
}

/// An ECT whose open report is the final assessment: started at the start of spring 2025, full
/// time, with the earlier reports completed.
pub(crate) async fn ect_at_final_assessment(app: &TestApp, username: &str) -> (String, i32) {
    let tenant = app.tenant("fenland").await;
    let store = app.state.store();
    let cal = induct::services::induction::calendar(app.state.store().db(), tenant, None).await.unwrap();
    let start = cal
        .terms()
        .iter()
        .find(|t| t.academic_year == 2024 && t.kind == induct_domain::calendar::TermKind::Spring)
        .unwrap()
        .start;
    let (user, induction) =
        app.create_ect_at("fenland", username, "Fay Final", "Marsh Lane Primary School", start).await;
    loop {
        let mut tx = store.begin().await.unwrap();
        induct::services::induction::recompute(app.state.store(), &mut tx, tenant, induction).await.unwrap();
        tx.commit().await.unwrap();
        let open = store
            .db()
            .list_reports(tenant, induction)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.completed_at.is_none())
            .unwrap();
        if open.kind == "final_assessment" {
            return (user.0.to_string(), open.number);
        }
        let mut tx = store.begin().await.unwrap();
        store.complete_report(&mut tx, tenant, open.id, app.clock.now()).await.unwrap();
        tx.commit().await.unwrap();
    }
}

#[tokio::test]
async fn a_final_assessment_needs_the_head_who_signs_in_bulk() {
    let app = spawn_app().await;
    let (ect, number) = ect_at_final_assessment(&app, "199201").await;
    let base = format!("/ects/{ect}/reports/{number}");
    let tutor = app.fenland();
    tutor.login_ok(FEN_TUTOR).await;
    contract_page(&tutor, &base).await;
    let page = tutor.get(&format!("{base}/form")).await;
    assert!(page.body.contains("This is the final assessment"));
    assert!(page.body.contains("An extension is recommended"), "final recommendation options");
    tutor.post_form(&format!("{base}/form"), &pairs(&tutor_answers("satisfactory"))).await;
    tutor.get(&format!("{base}/finish")).await;
    assert_eq!(tutor.post_form(&format!("{base}/finish"), &[("finished", "release")]).await.status, StatusCode::OK);
    let ect_client = app.fenland();
    ect_client.login("199201", PASSWORD).await;
    ect_client.get(&format!("{base}/comment")).await;
    let mut fields = ect_answers();
    fields.push(("next".into(), "continue".into()));
    assert_eq!(ect_client.post_form(&format!("{base}/comment"), &pairs(&fields)).await.status, StatusCode::SEE_OTHER);
    ect_client.get(&base).await;
    assert_eq!(ect_client.post_form(&format!("{base}/sign"), &[("confirm", "yes")]).await.status, StatusCode::OK);
    // The head cannot sign before the tutor.
    let head = app.fenland();
    head.login_ok(FEN_HEAD).await;
    head.get(&base).await;
    let r = head.post_form(&format!("{base}/sign"), &[("confirm", "yes")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    tutor.get(&base).await;
    assert_eq!(tutor.post_form(&format!("{base}/sign"), &[("confirm", "yes")]).await.status, StatusCode::OK);
    assert_eq!(form_status(&app, &ect, number).await, "awaiting_head");
    // Another school's head sees nothing of it.
    let other = app.fenland();
    other.login_ok(OUSE_HEAD).await;
    assert_eq!(other.get(&base).await.status, StatusCode::NOT_FOUND);
    assert!(other.get("/signatures").await.texts(".to-sign td").is_empty());
    other.get("/signatures").await;
    let key = format!("{ect}:{number}");
    let r = other.post_form("/signatures", &[("report", &key)]).await;
    assert!(r.body.contains("0 reports signed"), "{}", r.body);
    // The head signs all ticked reports; it goes to the AB.
    let r = head.get("/signatures").await;
    assert!(r.texts(".to-sign td").contains(&"Fay Final".to_owned()));
    let r = head.post_form("/signatures", &[("report", &key)]).await;
    assert!(r.body.contains("1 report signed"), "{}", r.body);
    assert_eq!(form_status(&app, &ect, number).await, "submitted");
    let ab = app.fenland();
    ab.login_ok(FEN_AB_ADMIN).await;
    ab.get(&base).await;
    assert_eq!(
        ab.post_form(&format!("{base}/decision"), &[("decision", "accept")]).await.status,
        StatusCode::SEE_OTHER
    );
    let (_, _, bytes) = ab.get_bytes(&format!("{base}/pdf")).await;
    let text = pdf_text(&bytes);
    assert!(
        text.contains("Final assessment") && text.contains("Head teacher") && text.contains("Priya Shah"),
        "{text}"
    );
    assert!(text.contains("Satisfactory: meets the Teachers' Standards"));
}

#[tokio::test]
async fn strangers_and_out_of_order_actions_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let ect = jordan(&app).await;
    let base = format!("/ects/{ect}/reports/1");
    let tenant = app.tenant("fenland").await;
    let induction = app.state.store().induction_of_ect(tenant, UserId(ect.parse().unwrap())).await.unwrap().unwrap();
    let before = app.state.store().form_answers(tenant, induction.id, 1).await.unwrap();
    // Another ECT cannot read, comment on or sign Jordan's report.
    let maya = app.fenland();
    maya.login_ok(FEN_ECT_2).await;
    assert_eq!(maya.get(&base).await.status, StatusCode::NOT_FOUND);
    maya.get("/dashboard").await;
    assert_eq!(maya.post_form(&format!("{base}/sign"), &[("confirm", "yes")]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        maya.post_form(&format!("{base}/autosave"), &[("ect.comment1", "x")]).await.status,
        StatusCode::NOT_FOUND
    );
    // A tutor of another AB, and the school administrator, are kept out.
    let nor = app.northshire();
    nor.login_ok(NOR_TUTOR).await;
    assert_eq!(nor.get(&base).await.status, StatusCode::NOT_FOUND);
    let admin = app.fenland();
    admin.login_ok(FEN_SCHOOL_ADMIN).await;
    assert_eq!(admin.get(&base).await.status, StatusCode::FORBIDDEN);
    // The head teacher reads but does not fill in.
    let head = app.fenland();
    head.login_ok(FEN_HEAD).await;
    assert_eq!(head.get(&format!("{base}/form")).await.status, StatusCode::FORBIDDEN);
    head.get(&base).await;
    assert_eq!(head.post_form(&format!("{base}/autosave"), &[("tutor.ts1", "x")]).await.status, StatusCode::FORBIDDEN);
    // None of it stored anything.
    assert_eq!(app.state.store().form_answers(tenant, induction.id, 1).await.unwrap(), before);
}

#[tokio::test]
async fn not_on_track_needs_a_support_plan_and_can_raise_an_alert() {
    let app = spawn_app().await;
    let ect = jordan(&app).await;
    let base = format!("/ects/{ect}/reports/1");
    let tutor = app.fenland();
    tutor.login_ok(FEN_TUTOR).await;
    contract_page(&tutor, &base).await;
    tutor.get(&format!("{base}/form")).await;
    let r = tutor.post_form(&format!("{base}/form"), &pairs(&tutor_answers("not_on_track"))).await;
    assert!(r.body.contains("Raise an alert with Fenland Teaching School Hub"));
    let r = tutor.get(&format!("{base}/finish")).await;
    assert!(r.texts(".missing-fields li").iter().any(|m| m.contains("Support plan in place")));
    tutor.get(&format!("{base}/form")).await;
    tutor.post_form(&format!("{base}/form"), &[("tutor.support_plan", "yes")]).await;
    let r = tutor.get(&format!("{base}/finish")).await;
    assert!(r.texts(".missing-fields li").iter().any(|m| m.contains("support plan document")));
    // A file that is not a document is refused; a PDF is kept.
    let r = tutor.post_file(&format!("{base}/support-plan"), "support_plan", b"#!/bin/sh\necho hi".to_vec()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("as a PDF, Word"));
    let r = tutor.post_file(&format!("{base}/support-plan"), "support_plan", b"%PDF-1.4\n% plan\n".to_vec()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = tutor.get(&format!("{base}/finish")).await;
    assert!(r.texts(".missing-fields li").is_empty(), "{:?}", r.texts(".missing-fields li"));
    let form = tutor.get(&format!("{base}/form")).await;
    let sel = scraper::Selector::parse(".support-plans a").unwrap();
    let file = form.html().select(&sel).next().unwrap().value().attr("href").unwrap().to_owned();
    let (status, headers, bytes) = tutor.get_bytes(&file).await;
    assert_eq!((status, bytes.starts_with(b"%PDF-")), (StatusCode::OK, true));
    assert!(headers["content-disposition"].to_str().unwrap().starts_with("attachment"));
    // The alert reaches the AB, who acknowledges it.
    tutor.get(&format!("/alerts/new?ect={ect}")).await;
    let r = tutor.post_form("/alerts/new", &[("ect", &ect), ("message", "")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = tutor.post_form("/alerts/new", &[("ect", &ect), ("message", "Not on track: support plan attached")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let alert = r.location().unwrap().to_owned();
    let ab = app.fenland();
    ab.login_ok(FEN_AB_ADMIN).await;
    assert!(ab.get("/alerts").await.texts(".alerts td").contains(&"Not on track: support plan attached".to_owned()));
    ab.get(&alert).await;
    assert_eq!(
        ab.post_form(&format!("{alert}/status"), &[("status", "acknowledged")]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(tutor.get(&alert).await.texts(".alert-status"), ["Acknowledged"]);
    // Another school's head does not see it.
    let other = app.fenland();
    other.login_ok(OUSE_HEAD).await;
    assert_eq!(other.get(&alert).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_absence_extension_holds_the_report_until_its_date_seed_003() {
    let app = spawn_app().await;
    let tenant = app.tenant("fenland").await;
    let store = app.state.store();
    let cal = induct::services::induction::calendar(app.state.store().db(), tenant, None).await.unwrap();
    let start = cal
        .terms()
        .iter()
        .find(|t| t.academic_year == 2025 && t.kind == induct_domain::calendar::TermKind::Spring)
        .unwrap()
        .start;
    let (user, induction) =
        app.create_ect_at("fenland", "199301", "Abe Absent", "Marsh Lane Primary School", start).await;
    let mut tx = store.begin().await.unwrap();
    store.add_absence(&mut tx, tenant, induction, start + chrono::Days::new(30), 70, false).await.unwrap();
    tx.commit().await.unwrap();
    let number = loop {
        let mut tx = store.begin().await.unwrap();
        induct::services::induction::recompute(app.state.store(), &mut tx, tenant, induction).await.unwrap();
        tx.commit().await.unwrap();
        let open = store
            .db()
            .list_reports(tenant, induction)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.completed_at.is_none())
            .unwrap();
        if open.absence_extension {
            break open.number;
        }
        let mut tx = store.begin().await.unwrap();
        store.complete_report(&mut tx, tenant, open.id, app.clock.now()).await.unwrap();
        tx.commit().await.unwrap();
    };
    let base = format!("/ects/{}/reports/{number}", user.0);
    let tutor = app.fenland();
    tutor.login_ok(FEN_TUTOR).await;
    let r = tutor.get(&format!("{base}/fill")).await;
    assert!(r.texts(".days-locked").iter().any(|t| t.contains("cannot be updated until")), "days locked until due");
    let r = tutor.get(&format!("{base}/finish")).await;
    assert!(r.texts(".too-early").iter().any(|t| t.contains("because of the number of absences")));
    let r = tutor.post_form(&format!("{base}/finish"), &[("finished", "release")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("cannot be made available until"));
}

#[tokio::test]
async fn signing_asks_for_the_password_after_five_minutes() {
    let app = spawn_app().await;
    let ect = jordan(&app).await;
    let base = format!("/ects/{ect}/reports/1");
    let tutor = app.fenland();
    tutor.login_ok(FEN_TUTOR).await;
    contract_page(&tutor, &base).await;
    tutor.get(&format!("{base}/form")).await;
    tutor.post_form(&format!("{base}/form"), &pairs(&tutor_answers("on_track"))).await;
    tutor.get(&format!("{base}/finish")).await;
    tutor.post_form(&format!("{base}/finish"), &[("finished", "release")]).await;
    let ect_client = app.fenland();
    ect_client.login_ok(FEN_ECT).await;
    ect_client.get(&format!("{base}/comment")).await;
    ect_client.post_form(&format!("{base}/comment"), &pairs(&ect_answers())).await;
    // Six minutes later (the session is still alive: it was used a minute ago).
    app.clock.advance(chrono::Duration::minutes(6));
    let page = ect_client.get(&base).await;
    assert!(page.body.contains("It has been more than 5 minutes"));
    let r = ect_client.post_form(&format!("{base}/sign"), &[("confirm", "yes"), ("password", "wrong password")]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(form_status(&app, &ect, 1).await, "awaiting_ect");
    let r = ect_client.post_form(&format!("{base}/sign"), &[("confirm", "yes"), ("password", PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(form_status(&app, &ect, 1).await, "ect_signed");
    let events = app.audit_events(Some("fenland")).await;
    let steps: Vec<_> = events.iter().filter(|e| e.event == "authn_step_up").collect();
    assert_eq!(steps.len(), 2);
}

#[tokio::test]
async fn registration_details_and_a_whole_school_print_as_pdf() {
    let app = spawn_app().await;
    let ect = app.fenland();
    ect.login_ok(FEN_ECT).await;
    let (status, headers, bytes) = ect.get_bytes("/my-details/pdf").await;
    assert_eq!((status, headers["content-type"].to_str().unwrap()), (StatusCode::OK, "application/pdf"));
    let text = pdf_text(&bytes);
    for needle in
        ["Registration details: Jordan Lee", "2110006", "Marsh Lane Primary School", "Fenland Teaching School Hub"]
    {
        assert!(text.contains(needle), "{needle}:\n{text}");
    }
    let tenant = app.tenant("fenland").await;
    let marsh = app.state.store().list_schools(tenant).await.unwrap().into_iter().find(|s| s.urn == "900101").unwrap();
    // Start a few reports so the school's PDF has content.
    let tutor = app.fenland();
    tutor.login_ok(FEN_TUTOR).await;
    for username in [FEN_ECT, "110010", "110011"] {
        let id = app.state.store().find_user_for_login(Some(tenant), username).await.unwrap().unwrap();
        let induction = app.state.store().induction_of_ect(tenant, id.user_id()).await.unwrap().unwrap();
        let open = app
            .state
            .store()
            .db()
            .list_reports(tenant, induction.id)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.completed_at.is_none())
            .unwrap();
        let base = format!("/ects/{}/reports/{}", id.id, open.number);
        tutor.get(&format!("{base}/form")).await;
        tutor.post_form(&format!("{base}/autosave"), &[("tutor.ts1", &format!("Evidence for {username}"))]).await;
    }
    let (status, _, bytes) = tutor.get_bytes(&format!("/schools/{}/reports.pdf", marsh.id)).await;
    assert_eq!(status, StatusCode::OK);
    let text = pdf_text(&bytes);
    for needle in
        ["Evidence for 110006", "Evidence for 110010", "Evidence for 110011", "Reports: Marsh Lane Primary School"]
    {
        assert!(text.contains(needle), "{needle}:\n{text}");
    }
    let _ = SchoolId(marsh.id);
}

#[tokio::test]
async fn a_signature_covers_what_the_signer_read_including_files() {
    let app = spawn_app().await;
    let ect = jordan(&app).await;
    let base = format!("/ects/{ect}/reports/1");
    let tutor = app.fenland();
    tutor.login_ok(FEN_TUTOR).await;
    contract_page(&tutor, &base).await;
    tutor.get(&format!("{base}/form")).await;
    tutor.post_form(&format!("{base}/form"), &pairs(&tutor_answers("on_track"))).await;
    // Contract fields cannot be written past the contract page's checks.
    let r = tutor.post_form(&format!("{base}/autosave"), &[("contract.days_served", "abc")]).await;
    assert!(r.body.contains("\"changed\":0"), "{}", r.body);
    tutor.get(&format!("{base}/finish")).await;
    tutor.post_form(&format!("{base}/finish"), &[("finished", "release")]).await;
    let ect_client = app.fenland();
    ect_client.login_ok(FEN_ECT).await;
    ect_client.get(&format!("{base}/comment")).await;
    ect_client.post_form(&format!("{base}/comment"), &pairs(&ect_answers())).await;
    // The ECT opens the report; the tutor changes it; the ECT's signature of the old page fails.
    let page = ect_client.get(&base).await;
    let read_hash = page.form_fields("#sign").into_iter().find(|(k, _)| k == "hash").unwrap().1;
    tutor.get(&format!("{base}/form")).await;
    tutor.post_form(&format!("{base}/autosave"), &[("tutor.ts3", "Changed while the ECT was reading")]).await;
    let r = ect_client.post_form(&format!("{base}/sign"), &[("confirm", "yes"), ("hash", &read_hash)]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("changed since you opened it"));
    assert_eq!(form_status(&app, &ect, 1).await, "awaiting_ect");
    let page = ect_client.get(&base).await;
    assert!(page.body.contains("Changed while the ECT was reading"));
    let fresh = page.form_fields("#sign").into_iter().find(|(k, _)| k == "hash").unwrap().1;
    assert_ne!(fresh, read_hash);
    assert_eq!(
        ect_client.post_form(&format!("{base}/sign"), &[("confirm", "yes"), ("hash", &fresh)]).await.status,
        StatusCode::OK
    );
    // A document added after the ECT signed is a change: the signature is cleared.
    let r = tutor.post_file(&format!("{base}/support-plan"), "support_plan", b"%PDF-1.4\n% notes\n".to_vec()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(form_status(&app, &ect, 1).await, "awaiting_ect");
    let tenant = app.tenant("fenland").await;
    let induction = app.state.store().induction_of_ect(tenant, UserId(ect.parse().unwrap())).await.unwrap().unwrap();
    let sigs = app.state.store().signatures(tenant, induction.id, 1).await.unwrap();
    assert!(sigs.iter().all(|s| s.cleared_at.is_some()));
    // Signing again covers the file: its SHA-256 is in the signed content.
    ect_client.get(&base).await;
    assert_eq!(ect_client.post_form(&format!("{base}/sign"), &[("confirm", "yes")]).await.status, StatusCode::OK);
    let files = app.state.store().files_of(tenant, induction.id, 1).await.unwrap();
    let content: String = match app.state.store().pool() {
        induct::store::Pool::Sqlite(p) => {
            sqlx::query_scalar("SELECT content FROM report_signatures WHERE cleared_at IS NULL")
                .fetch_one(p)
                .await
                .unwrap()
        }
        induct::store::Pool::Postgres(p) => {
            sqlx::query_scalar("SELECT content FROM report_signatures WHERE cleared_at IS NULL")
                .fetch_one(p)
                .await
                .unwrap()
        }
    };
    assert!(content.contains(&files[0].sha256), "{content}");
}
