//! The induction engine through the app: stored term dates and inductions, reports materialised
//! by the engine, the ECT's overview and the staff dashboard (seed 000 overview, seed 003
//! dashboard). Runs on both databases.

use reqwest::StatusCode;

use crate::helpers::{spawn_app, users::*};

/// Each row of a table, its cells' texts joined by single spaces.
fn rows(r: &crate::helpers::Resp, table: &str) -> Vec<String> {
    let html = r.html();
    let tr = scraper::Selector::parse(&format!("table.{table} tbody tr")).unwrap();
    let td = scraper::Selector::parse("td").unwrap();
    html.select(&tr)
        .map(|row| {
            row.select(&td)
                .map(|c| c.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" "))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[tokio::test]
async fn the_ects_overview_shows_status_fte_and_reports_seed_000() {
    let app = spawn_app().await;
    // Liam Carter: full time since 3 September 2025, 32 days absent in year 1 (demo data).
    let c = app.fenland();
    c.login_ok("110009").await;
    let r = c.get("/dashboard").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.texts(".fte-completed"), ["3.8 terms"]);
    assert_eq!(r.texts(".fte-remaining"), ["2.2 terms"]);
    let reports = rows(&r, "reports");
    assert_eq!(reports.len(), 7, "{reports:?}");
    assert!(reports[0].starts_with("1 P Start: 03/09/2025 End: 19/12/2025 05/12/2025 Completed"), "{}", reports[0]);
    // SG 3.6: 30+ days of absence move the first-year assessment on by all of them, into the autumn.
    assert!(reports[3].starts_with("4 A Start: 02/09/2026 End: 15/10/2026"), "{}", reports[3]);
    assert!(reports[3].contains("Absence extension"));
    assert!(reports[4].contains("Available"));
    assert!(reports[6].starts_with("7 A"));

    // Jordan Lee: in the first term since 2 September 2026; the review is due now.
    let j = app.fenland();
    j.login_ok(FEN_ECT).await;
    let r = j.get("/dashboard").await;
    assert_eq!(r.texts(".fte-completed"), ["0.8 terms"]);
    let reports = rows(&r, "reports");
    assert_eq!(reports.len(), 6, "a full-time two-year induction: P P A P P A");
    assert!(reports[0].contains("End: 18/12/2026 04/12/2026 Due"), "{}", reports[0]);
    assert_eq!(reports.iter().map(|r| r.split(' ').nth(1).unwrap().to_owned()).collect::<String>(), "PPAPPA");
}

#[tokio::test]
async fn staff_see_the_reports_that_need_completing_at_their_school_seed_003() {
    let app = spawn_app().await;
    let t = app.fenland();
    t.login_ok(FEN_TUTOR).await;
    let r = t.get("/dashboard").await;
    let need = rows(&r, "reports-need");
    assert_eq!(need.len(), 4, "{need:?}");
    assert!(need.iter().all(|row| row.contains("Progress review Due 04/12/2026")));
    assert!(need.iter().any(|row| row.starts_with("Jordan Lee")));
    let upcoming = rows(&r, "reports-upcoming");
    assert_eq!(
        upcoming,
        ["Liam Carter Progress review Available 12/03/2027 Being filled in by the tutor Fill in Read"]
    );
    // The head teacher of another school, and another AB's tutor, see none of them.
    let other = app.fenland();
    other.login_ok("110007").await;
    let r = other.get("/dashboard").await;
    assert_eq!(rows(&r, "reports-need"), ["None."]);
    let n = app.northshire();
    n.login_ok(NOR_TUTOR).await;
    let r = n.get("/dashboard").await;
    assert!(!r.body.contains("Jordan Lee") && !r.body.contains("Liam Carter"));
    assert!(rows(&r, "reports-need").iter().any(|row| row.starts_with("Aisha Khan")));
    // School administrators never see reports (docs/induction-rules.md 2.1).
    let a = app.fenland();
    a.login_ok(FEN_SCHOOL_ADMIN).await;
    let r = a.get("/dashboard").await;
    assert!(r.texts("table.reports-need").is_empty());
}

#[tokio::test]
async fn recomputing_keeps_completed_reports_and_is_idempotent() {
    let app = spawn_app().await;
    let store = app.state.store();
    let tenant = app.tenant("fenland").await;
    let ect = store.find_user_for_login(Some(tenant), "110009").await.unwrap().unwrap();
    let induction = store.induction_of_ect(tenant, ect.user_id()).await.unwrap().unwrap();
    let before = store.db().list_reports(tenant, induction.id).await.unwrap();
    assert_eq!(before.iter().filter(|r| r.completed_at.is_some()).count(), 4);
    assert_eq!(before.iter().filter(|r| r.completed_at.is_none()).count(), 1, "only the next report is materialised");
    for _ in 0..2 {
        let mut tx = store.begin().await.unwrap();
        induct::services::induction::recompute(app.state.store(), &mut tx, tenant, induction.id).await.unwrap();
        tx.commit().await.unwrap();
    }
    let after = store.db().list_reports(tenant, induction.id).await.unwrap();
    let key = |r: &induct::store::induction::ReportRow| {
        (r.number, r.kind.clone(), r.period_start, r.period_end, r.due_date, r.completed_at)
    };
    assert_eq!(before.iter().map(key).collect::<Vec<_>>(), after.iter().map(key).collect::<Vec<_>>());
    // A new absence changes the open report, never the completed ones.
    let mut tx = store.begin().await.unwrap();
    store
        .add_absence(&mut tx, tenant, induction.id, chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(), 80, false)
        .await
        .unwrap();
    induct::services::induction::recompute(app.state.store(), &mut tx, tenant, induction.id).await.unwrap();
    tx.commit().await.unwrap();
    let changed = store.db().list_reports(tenant, induction.id).await.unwrap();
    assert_eq!(changed[..4].iter().map(key).collect::<Vec<_>>(), before[..4].iter().map(key).collect::<Vec<_>>());
}

#[tokio::test]
async fn the_ab_lists_reports_across_its_schools_with_filters() {
    let app = spawn_app().await;
    let c = app.fenland();
    c.login_ok(FEN_AB_ADMIN).await;
    let all = rows(&c.get("/reports").await, "ab-reports");
    assert!(all.len() >= 10, "{all:?}");
    assert!(
        all.iter()
            .any(|r| r.starts_with("Liam Carter Marsh Lane Primary School 4 A") && r.contains("Absence extension"))
    );
    let due = rows(&c.get("/reports?status=due").await, "ab-reports");
    assert_eq!(due.len(), 4, "{due:?}");
    assert!(due.iter().all(|r| r.ends_with("Due")));
    let before = rows(&c.get("/reports?due_before=2026-01-01").await, "ab-reports");
    assert!(before.iter().all(|r| r.contains("/2025 ") && r.contains("Completed")), "{before:?}");
    let other_school = app.state.store().list_schools(app.tenant("fenland").await).await.unwrap()[1].id;
    assert_eq!(rows(&c.get(&format!("/reports?school={other_school}")).await, "ab-reports"), ["No reports match."]);
    // Bad filters get a message next to the filter; nothing breaks.
    let r = c.get("/reports?due_before=31/12/2026&status=lost&school=nope").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.texts(".error-summary li").len(), 3);
    // Northshire's reports are not Fenland's business.
    assert!(!c.get("/reports").await.body.contains("Ella Thompson"));
}

fn set(fields: &mut [(String, String)], name: &str, value: &str) {
    fields.iter_mut().find(|(k, _)| k == name).unwrap_or_else(|| panic!("no field {name}")).1 = value.to_owned();
}

#[tokio::test]
async fn the_ab_edits_its_term_dates_and_due_policy_with_checks() {
    let app = spawn_app().await;
    let c = app.fenland();
    c.login_ok(FEN_AB_ADMIN).await;
    let page = c.get("/settings/term-dates").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(rows(&page, "term-dates").len(), 21 + 3, "seven years of terms and three blank rows");
    let fields = page.form_fields("form[action='/settings/term-dates']");
    let tenant = app.tenant("fenland").await;
    let stored = app.state.store().db().term_calendar(tenant, "ab").await.unwrap();

    // Overlapping terms: refused with the reason, nothing saved.
    let mut bad = fields.clone();
    set(&mut bad, "term_1_start", "2024-12-10");
    let r = c.post_raw("/settings/term-dates", &pairs(&bad), &[("origin", &c.origin.clone())]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.texts(".error-summary li").iter().any(|e| e.contains("overlaps")), "{:?}", r.texts(".error-summary li"));
    // A malformed date and a bad policy: messages next to the fields.
    let mut bad = fields.clone();
    set(&mut bad, "term_2_end", "tomorrow");
    set(&mut bad, "due_days", "ninety");
    let r = c.post_raw("/settings/term-dates", &pairs(&bad), &[("origin", &c.origin.clone())]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.texts(".row-error .field-error"), ["Enter dates like 2026-09-02"]);
    assert!(r.body.contains("Enter a number of school days from 0 to 60"));
    assert_eq!(app.state.store().db().term_calendar(tenant, "ab").await.unwrap(), stored, "nothing saved");

    // A valid change: reports due 5 school days before the end; open reports are recomputed.
    let mut good = fields.clone();
    set(&mut good, "due_days", "5");
    let r = c.post_raw("/settings/term-dates", &pairs(&good), &[("origin", &c.origin.clone())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let j = app.fenland();
    j.login_ok(FEN_ECT).await;
    let reports = rows(&j.get("/dashboard").await, "reports");
    assert!(reports[0].contains("End: 18/12/2026 11/12/2026"), "{}", reports[0]);
    let t = app.fenland();
    t.login_ok(FEN_TUTOR).await;
    assert!(rows(&t.get("/dashboard").await, "reports-need").iter().any(|r| r.contains("Due 11/12/2026")));
}

fn pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[tokio::test]
async fn staff_record_contracts_absences_and_leaving_with_checks() {
    let app = spawn_app().await;
    let tenant = app.tenant("fenland").await;
    let store = app.state.store();
    let ect = store.find_user_for_login(Some(tenant), FEN_ECT).await.unwrap().unwrap();
    let induction = store.induction_of_ect(tenant, ect.user_id()).await.unwrap().unwrap();
    let path = format!("/ects/{}/induction", ect.id);
    let t = app.fenland();
    t.login_ok(FEN_TUTOR).await;
    let dash = t.get("/dashboard").await;
    assert!(dash.body.contains(&path), "the dashboard links to the ECT's record");
    let page = t.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(rows(&page, "contracts"), ["Marsh Lane Primary School 02/09/2026 Continuing 5 Permanent"]);

    // Bad input: a clear message next to each field, nothing stored.
    let cases: Vec<(Vec<(&str, &str)>, &str, &str)> = vec![
        (
            vec![("action", "contract"), ("contract_start", "2027-01-04"), ("days_per_week", "6")],
            "days_per_week",
            "Days per week must be a number from 0.5 to 5",
        ),
        (
            vec![("action", "contract"), ("contract_start", "2027-01-04"), ("days_per_week", "2.25")],
            "days_per_week",
            "in halves",
        ),
        (
            vec![
                ("action", "contract"),
                ("contract_start", "2027-01-04"),
                ("contract_end", "2026-12-01"),
                ("days_per_week", "3"),
            ],
            "contract_end",
            "end date must be on or after",
        ),
        (
            vec![("action", "contract"), ("contract_start", "2026-08-01"), ("days_per_week", "3")],
            "contract_start",
            "on or after the induction started",
        ),
        (
            vec![("action", "absence"), ("absence_date", "2026-11-16"), ("absence_days", "99")],
            "absence_days",
            "more absence than the ECT's",
        ),
        (
            vec![("action", "absence"), ("absence_date", "16/11/2026"), ("absence_days", "2")],
            "absence_date",
            "Enter the date of the absence",
        ),
        (
            vec![("action", "absence"), ("absence_date", "2026-11-16"), ("absence_days", "1.25")],
            "absence_days",
            "like 5 or 5.5",
        ),
        (
            vec![("action", "leaving"), ("leaving_date", "2026-01-01")],
            "leaving_date",
            "on or after the induction started",
        ),
    ];
    for (fields, field, message) in cases {
        t.get(&path).await;
        let r = t.post_form(&path, &fields).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{fields:?}");
        let shown = r.texts(&format!("#{field}-error"));
        assert!(shown.first().is_some_and(|m| m.contains(message)), "{field}: {shown:?}");
    }
    assert_eq!(store.db().list_contracts(tenant, induction.id).await.unwrap().len(), 1);
    assert!(store.db().list_absences(tenant, induction.id).await.unwrap().is_empty());

    // 30 days of absence in year 1 extend it (SG 3.6): the plan moves and is flagged.
    t.get(&path).await;
    let r = t.post_form(&path, &[("action", "absence"), ("absence_date", "2026-11-02"), ("absence_days", "30")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let j = app.fenland();
    j.login_ok(FEN_ECT).await;
    let reports = rows(&j.get("/dashboard").await, "reports");
    assert!(reports.iter().any(|r| r.contains("Absence extension")), "{reports:?}");
    // Going part time from January: the overview's plan stretches.
    t.get(&path).await;
    let fields = [
        ("action", "contract"),
        ("contract_start", "2027-01-11"),
        ("days_per_week", "2.5"),
        ("contract_type", "fixed_term"),
    ];
    let r = t.post_form(&path, &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Leaving at Easter: the current period becomes an interim assessment.
    t.get(&path).await;
    let r = t.post_form(&path, &[("action", "leaving"), ("leaving_date", "2027-03-26")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let reports = rows(&j.get("/dashboard").await, "reports");
    assert_eq!(reports.last().unwrap().split(' ').nth(1), Some("A"), "{reports:?}");
    assert!(reports.last().unwrap().contains("End: 26/03/2027"), "{reports:?}");
    // Each change to the record is audited, with what kind of change only.
    let events = app.audit_events(Some("fenland")).await;
    let changes: Vec<_> = events.iter().filter(|e| e.event == "ect_induction_record_changed").collect();
    assert!(changes.iter().any(|e| e.detail.as_deref() == Some("contract")));
    assert!(changes.iter().any(|e| e.detail.as_deref() == Some("leaving")));
}

#[tokio::test]
async fn upcoming_assessments_and_reports_are_split_by_induction_type_seed_003() {
    let app = spawn_app().await;
    let n = app.northshire();
    n.login_ok(NOR_TUTOR).await;
    let r = n.get("/reports/upcoming").await;
    assert_eq!(r.status, StatusCode::OK);
    let one = rows(&r, "upcoming-one-year");
    assert_eq!(one.len(), 1, "{one:?}");
    assert!(one[0].starts_with("Ruth Evans Termly assessment"), "{one:?}");
    let two = rows(&r, "upcoming-two-year");
    assert!(two.iter().any(|r| r.starts_with("Aisha Khan Progress review")), "{two:?}");
    assert!(!r.body.contains("Jordan Lee"));
}

#[tokio::test]
async fn a_school_with_its_own_term_dates_and_an_ab_extension_move_the_plan() {
    let app = spawn_app().await;
    let tenant = app.tenant("fenland").await;
    let store = app.state.store();
    // An ECT at Ouse Valley Academy, which sets its own dates.
    let start = chrono::NaiveDate::from_ymd_opt(2026, 9, 2).unwrap();
    let (_, id) = app.create_ect_at("fenland", "199002", "Ada Own", "Ouse Valley Academy", start).await;
    let ouse = store.list_schools(tenant).await.unwrap().into_iter().find(|s| s.name == "Ouse Valley Academy").unwrap();
    let a = app.fenland();
    a.login_ok(FEN_AB_ADMIN).await;
    let path = format!("/schools/{}/term-dates", ouse.id);
    let page = a.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.texts(".caption").contains(&"Ouse Valley Academy".to_owned()));
    let mut fields = page.form_fields(&format!("form[action='{path}']"));
    assert!(!fields.iter().any(|(k, _)| k == "due_mode"), "a school's page has dates only");
    // Autumn 2026 is the 7th term row (2024/25, 2025/26, then autumn 2026/27).
    set(&mut fields, "term_6_end", "2026-12-11");
    let r = a.post_raw(&path, &pairs(&fields), &[("origin", &a.origin.clone())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let c = app.fenland();
    c.login_ok("199002").await;
    let reports = rows(&c.get("/dashboard").await, "reports");
    assert!(reports[0].contains("End: 11/12/2026"), "{}", reports[0]);
    // The AB's own dates are unchanged for Marsh Lane's ECTs.
    let j = app.fenland();
    j.login_ok(FEN_ECT).await;
    assert!(rows(&j.get("/dashboard").await, "reports")[0].contains("End: 18/12/2026"));

    // The AB extends the induction by a term (SG 3.8): one more report, more remaining.
    let mut tx = store.begin().await.unwrap();
    store.add_extension(&mut tx, tenant, id, "1/1", "insufficient evidence", app.clock.now()).await.unwrap();
    induct::services::induction::recompute(app.state.store(), &mut tx, tenant, id).await.unwrap();
    tx.commit().await.unwrap();
    let r = c.get("/dashboard").await;
    assert_eq!(rows(&r, "reports").len(), 7);
    assert_eq!(r.texts(".fte-remaining"), ["6.2 terms"]);
    // Previous schools' FTE counts towards what is completed.
    let mut tx = store.begin().await.unwrap();
    store
        .add_previous_school(&mut tx, tenant, id, "Old School", "Somewhere", "Another AB", start, "1/1", 0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(c.get("/dashboard").await.texts(".fte-completed"), ["1.8 terms"]);
}

#[tokio::test]
async fn a_school_the_ect_has_left_no_longer_reaches_their_record() {
    let app = spawn_app().await;
    let tenant = app.tenant("fenland").await;
    let store = app.state.store();
    let user = app.create_user("fenland", "199003", induct_domain::Role::Ect, "Lee Left", "lee@example.test").await;
    let marsh = store.list_schools(tenant).await.unwrap()[0].id;
    let start = chrono::NaiveDate::from_ymd_opt(2025, 9, 3).unwrap();
    let end = chrono::NaiveDate::from_ymd_opt(2026, 7, 17).unwrap();
    let mut tx = store.begin().await.unwrap();
    let id =
        store.create_induction(&mut tx, tenant, user, "two_year", start, "0/1", "0/1", app.clock.now()).await.unwrap();
    store
        .add_contract(&mut tx, tenant, id, induct_domain::SchoolId(marsh), start, Some(end), 10, "permanent")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let path = format!("/ects/{user}/induction");
    let t = app.fenland();
    t.login_ok(FEN_TUTOR).await;
    assert_eq!(t.get(&path).await.status, StatusCode::NOT_FOUND, "the contract ended in July");
    let a = app.fenland();
    a.login_ok(FEN_AB_ADMIN).await;
    assert_eq!(a.get(&path).await.status, StatusCode::OK, "the AB keeps the record");
}
