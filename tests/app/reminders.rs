//! Reminders and notifications (issue 8; seed 003: "reminded by email ... a week ... the day
//! before ... the day it is due ... overdue and then a weekly overdue reminder ... also sent to the
//! Head Teacher, the Induction Tutor and the ECT"). A fixed clock steps day by day; what a real
//! SMTP listener on loopback receives is compared exactly.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use induct_domain::{Role, SchoolId, TenantId, UserId};
use reqwest::StatusCode;
use std::collections::{BTreeMap, BTreeSet};

use crate::helpers::{TestApp, spawn_app, users::*};
use crate::smtp::Mode;

const HEAD: &str = "head@marshlane.example";
const LEAD: &str = "t.ellis@marshlane.example";
const TUTOR: &str = "g.okafor@marshlane.example";
const ECT: &str = "199301@example.test";
const ADMIN: &str = "alex.morgan@fenland-tsh.example";

/// A new ECT at Marsh Lane from 2 September 2026 with Grace Okafor as tutor, and their plan.
/// Returns the induction and the first report's due date.
async fn rhea(app: &TestApp) -> (uuid::Uuid, NaiveDate) {
    let start = NaiveDate::from_ymd_opt(2026, 9, 2).unwrap();
    let (_, induction) =
        app.create_ect_at("fenland", "199301", "Rhea Reminder", "Marsh Lane Primary School", start).await;
    let tenant = app.tenant("fenland").await;
    let store = app.state.store();
    let marsh = store.list_schools(tenant).await.unwrap().into_iter().find(|s| s.urn == "900101").unwrap();
    let tutor = store.find_user_for_login(Some(tenant), FEN_TUTOR).await.unwrap().unwrap();
    let mut tx = store.begin().await.unwrap();
    store
        .save_assignment(&mut tx, tenant, induction, SchoolId(marsh.id), Some(tutor.user_id()), None, app.clock.now())
        .await
        .unwrap();
    induct::services::induction::recompute(app.state.store(), &mut tx, tenant, induction).await.unwrap();
    tx.commit().await.unwrap();
    let due = store.db().list_reports(tenant, induction).await.unwrap()[0].due_date.unwrap();
    (induction, due)
}

/// The messages received since `from` that are about Rhea, as (recipient, subject).
fn about_rhea(app: &TestApp, from: usize) -> BTreeSet<(String, String)> {
    app.smtp.messages()[from..]
        .iter()
        .filter(|m| m.text().contains("Rhea Reminder"))
        .map(|m| (m.rcpt_to.join(","), m.header("subject").unwrap_or_default()))
        .collect()
}

fn uk_date(d: NaiveDate) -> String {
    d.format("%A %-d %B %Y").to_string()
}

#[tokio::test]
async fn seed_003_a_term_day_by_day_each_reminder_once_to_the_head_lead_tutor_and_ect_until_submitted() {
    let app = spawn_app().await;
    let (induction, due) = rhea(&app).await;
    let tenant = app.tenant("fenland").await;
    let s = |what: &str| format!("Fenland Teaching School Hub: Rhea Reminder's progress review {what}");
    let mine = |what: &str| format!("Fenland Teaching School Hub: Your progress review {what}");
    let everyone = |what: &str| {
        let (a, b) = (s(what), mine(what));
        BTreeSet::from([
            (HEAD.to_owned(), a.clone()),
            (LEAD.to_owned(), a.clone()),
            (TUTOR.to_owned(), a),
            (ECT.to_owned(), b),
        ])
    };
    let mut expected: BTreeMap<NaiveDate, BTreeSet<(String, String)>> = BTreeMap::new();
    expected.insert(due - Duration::days(7), everyone("is due in a week"));
    expected.insert(due - Duration::days(1), everyone("is due tomorrow"));
    expected.insert(due, everyone("is due today"));
    expected.insert(due + Duration::days(1), everyone("is overdue"));
    expected.insert(due + Duration::days(8), everyone("is overdue"));

    // Step through every day from now to three weeks after the due date, twice a day (before
    // and after 07:00 UK time, when the day's reminders go).
    let mut day = app.clock.now().with_timezone(&chrono_tz::Europe::London).date_naive();
    let end = due + Duration::days(22);
    let mut first_mail_text = None;
    let mut digests = vec![];
    while day <= end {
        if day == due + Duration::days(10) {
            // The school sends it to the AB: the chasing stops at once.
            let store = app.state.store();
            let mut tx = store.begin().await.unwrap();
            let mut form =
                store.lock_form(&mut tx, tenant, induction, 1, "progress_review", app.clock.now()).await.unwrap();
            form.status = induct_domain::report_flow::FormStatus::Submitted;
            store.save_form(&mut tx, tenant, &form).await.unwrap();
            tx.commit().await.unwrap();
        }
        let mut got = BTreeSet::new();
        for hour in [6, 9] {
            app.clock.set(Utc.from_utc_datetime(&day.and_hms_opt(hour, 30, 0).unwrap()));
            let before = app.smtp.messages().len();
            app.run_notifications().await;
            let batch = about_rhea(&app, before);
            if hour == 6 {
                assert!(batch.is_empty(), "nothing before 07:00 UK time on {day}: {batch:?}");
            }
            for (to, subject) in batch {
                if to == ADMIN {
                    digests.push((day, subject));
                } else {
                    got.insert((to, subject));
                }
            }
        }
        let want = expected.get(&day).cloned().unwrap_or_default();
        assert_eq!(got, want, "on {day} (due {due})");
        if !got.is_empty() && first_mail_text.is_none() {
            first_mail_text =
                Some(app.smtp.messages().into_iter().rev().find(|m| m.rcpt_to == [TUTOR]).unwrap().text());
        }
        day += Duration::days(1);
    }
    // The AB's Monday digest listed Rhea's report once, on the first Monday it was overdue (the
    // next Monday it was with the AB).
    let monday = due + Duration::days(7 - i64::from(chrono::Datelike::weekday(&due).num_days_from_monday()));
    assert_eq!(digests.iter().map(|(d, _)| *d).collect::<Vec<_>>(), [monday], "{digests:?}");
    assert!(digests[0].1.contains("overdue report"));
    let digest = app.smtp.to(ADMIN).into_iter().find(|m| m.text().contains("Rhea Reminder")).unwrap().text();
    assert!(digest.contains("Marsh Lane Primary School"), "by school: {digest}");
    // What the tutor is asked, with the date in UK form and a link on the AB's site.
    let text = first_mail_text.unwrap();
    assert!(text.contains(&format!("(due {})", uk_date(due))), "{text}");
    assert!(
        text.contains("As the induction tutor, please log in to Fenland Teaching School Hub and complete the form")
    );
    assert!(text.contains("http://fenland.localhost:"), "{text}");
    // The head and the ECT are told something else.
    let head = app.smtp.to(HEAD).into_iter().rfind(|m| m.text().contains("Rhea Reminder")).unwrap().text();
    assert!(head.contains("Please make sure the induction tutor logs in and completes the form"), "{head}");
    let ect = app.smtp.to(ECT).pop().unwrap().text();
    assert!(ect.contains("Your induction tutor is completing it"), "{ect}");
    // Nothing personal beyond the report: no TRN, no date of birth.
    assert!(!text.contains("TRN") && !text.contains("birth"));
    // Every message is unique by Message-ID.
    let ids: BTreeSet<String> = app.smtp.messages().iter().filter_map(|m| m.header("message-id")).collect();
    assert_eq!(ids.len(), app.smtp.messages().len());
}

#[tokio::test]
async fn reminders_keep_uk_days_across_the_spring_clock_change_and_fire_once_each() {
    let app = spawn_app().await;
    let (_, _) = rhea(&app).await;
    // The report falls due on Friday 26 March 2027; the clocks go forward on Sunday 28 March.
    let due = NaiveDate::from_ymd_opt(2027, 3, 26).unwrap();
    app.sql("UPDATE reports SET due_date = '2027-03-26' WHERE completed_at IS NULL AND number = 1 AND induction_id IN (SELECT i.id FROM inductions i JOIN users u ON u.id = i.ect_user_id WHERE u.username = '199301')").await;
    let mut received: Vec<(NaiveDate, u32, String)> = vec![];
    let mut day = NaiveDate::from_ymd_opt(2027, 3, 15).unwrap();
    while day <= NaiveDate::from_ymd_opt(2027, 4, 12).unwrap() {
        // 06:30 UTC is 06:30 in winter (too early) and 07:30 in summer time (time to send).
        for hour in [6, 12] {
            app.clock.set(Utc.from_utc_datetime(&day.and_hms_opt(hour, 30, 0).unwrap()));
            let before = app.smtp.messages().len();
            app.run_notifications().await;
            for m in &app.smtp.messages()[before..] {
                if m.rcpt_to == [ECT] {
                    received.push((day, hour, m.header("subject").unwrap()));
                }
            }
        }
        day += Duration::days(1);
    }
    let d = |m: u32, day: u32| NaiveDate::from_ymd_opt(2027, m, day).unwrap();
    let subject = |what: &str| format!("Fenland Teaching School Hub: Your progress review {what}");
    assert_eq!(
        received,
        [
            (due - Duration::days(7), 12, subject("is due in a week")),
            (d(3, 25), 12, subject("is due tomorrow")),
            (d(3, 26), 12, subject("is due today")),
            (d(3, 27), 12, subject("is overdue")),
            // British Summer Time from here: 06:30 UTC is 07:30 in the UK.
            (d(4, 3), 6, subject("is overdue")),
            (d(4, 10), 6, subject("is overdue")),
        ]
    );
}

/// `n` ECTs at a school with no staff, each with a report due today.
async fn ects_due_today(app: &TestApp, n: usize) -> Vec<String> {
    let tenant = app.tenant("fenland").await;
    let store = app.state.store();
    let now = app.clock.now();
    let today = induct::clock_today(&app.state);
    let mut tx = store.begin().await.unwrap();
    let school = store
        .create_school(
            &mut tx,
            tenant,
            &induct::store::schools::NewSchool {
                name: "Quiet Fen School",
                urn: "900999",
                address: "1 Fen Lane",
                postcode: "PE15 0AA",
                contact_email: "office@quietfen.example",
                contact_phone: "01354 000999",
                status: induct_domain::registration::SchoolStatus::Authorised,
            },
            now,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut addresses = vec![];
    for chunk in (0..n).collect::<Vec<_>>().chunks(100) {
        let mut tx = store.begin().await.unwrap();
        for i in chunk {
            let email = format!("ect{i:04}@quietfen.example");
            let user = store
                .create_user(
                    &mut tx,
                    &induct::store::users::NewUser {
                        tenant: Some(tenant),
                        username: &format!("5{i:05}"),
                        role: Role::Ect,
                        display_name: &format!("Quiet ECT {i:04}"),
                        email: &email,
                        password_hash: None,
                    },
                    now,
                )
                .await
                .unwrap();
            let start = today - Duration::days(60);
            let induction =
                store.create_induction(&mut tx, tenant, user, "two_year", start, "0/1", "0/1", now).await.unwrap();
            store.add_contract(&mut tx, tenant, induction, school, start, None, 10, "permanent").await.unwrap();
            store
                .replace_open_reports(
                    &mut tx,
                    tenant,
                    induction,
                    &[induct::store::induction::NewReport {
                        number: 1,
                        kind: "progress_review",
                        period_start: start,
                        period_end: today + Duration::days(10),
                        due_date: Some(today),
                        absence_extension: false,
                    }],
                )
                .await
                .unwrap();
            addresses.push(email);
        }
        tx.commit().await.unwrap();
    }
    addresses
}

#[tokio::test]
async fn two_app_instances_on_one_database_send_each_of_1000_reminders_exactly_once() {
    let app = spawn_app().await;
    let addresses = ects_due_today(&app, 1000).await;
    let other = app.another_instance().await;
    let work = |state: induct::AppState| async move {
        loop {
            let (_, pass) = induct::services::notify::run_once(&state).await.unwrap();
            let sent = induct::mail::worker::deliver_until_idle(&state).await.unwrap();
            if pass.claimed == 0 && sent.claimed == 0 {
                return;
            }
        }
    };
    tokio::join!(work(app.state.clone()), work(other.clone()), work(app.state.clone()), work(other));
    let to_them: Vec<_> =
        app.smtp.messages().into_iter().filter(|m| m.rcpt_to[0].ends_with("@quietfen.example")).collect();
    let recipients: BTreeSet<String> = to_them.iter().map(|m| m.rcpt_to[0].clone()).collect();
    let ids: BTreeSet<String> = to_them.iter().map(|m| m.header("message-id").unwrap()).collect();
    assert_eq!(to_them.len(), 1000, "each reminder exactly once");
    assert_eq!(recipients, addresses.into_iter().collect::<BTreeSet<_>>());
    assert_eq!(ids.len(), 1000);
    assert!(to_them.iter().all(|m| m.header("subject").unwrap().ends_with("Your progress review is due today")));
}

#[tokio::test]
async fn smtp_refusing_for_a_while_loses_no_reminder_and_all_go_in_order_when_it_returns() {
    let app = spawn_app().await;
    let addresses = ects_due_today(&app, 20).await;
    app.smtp.set_mode(Mode::Unavailable);
    for _ in 0..3 {
        app.run_notifications().await;
        app.clock.advance(Duration::minutes(5));
    }
    assert!(app.smtp.messages().is_empty());
    let counts = app.state.store().outbox_counts().await.unwrap();
    assert!(counts.pending >= 20 && counts.failed == 0, "{counts:?}");
    app.smtp.set_mode(Mode::Accept);
    app.clock.advance(Duration::minutes(30));
    app.run_notifications().await;
    let to_them: Vec<String> = app
        .smtp
        .messages()
        .into_iter()
        .map(|m| m.rcpt_to[0].clone())
        .filter(|r| r.ends_with("@quietfen.example"))
        .collect();
    assert_eq!(to_them, addresses, "all of them, once each, in the order they were queued");
}

#[tokio::test]
async fn a_paused_school_gets_no_reminders_until_the_date_and_opted_out_people_none_at_all() {
    let app = spawn_app().await;
    let (_, due) = rhea(&app).await;
    let tenant = app.tenant("fenland").await;
    let store = app.state.store();
    let marsh = store.list_schools(tenant).await.unwrap().into_iter().find(|s| s.urn == "900101").unwrap();
    // The head pauses reminders until the day before the report is due (from its page).
    let head = app.fenland();
    head.login_ok(FEN_HEAD).await;
    let page = head.get(&format!("/schools/{}", marsh.id)).await;
    assert!(page.texts(".reminders-status")[0].starts_with("On:"));
    let bad = head.post_form(&format!("/schools/{}/reminders", marsh.id), &[("paused_until", "2020-01-01")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.texts("#paused_until-error"), ["Error: The date must be today or later"]);
    let until = due - Duration::days(1);
    let r = head.post_form(&format!("/schools/{}/reminders", marsh.id), &[("paused_until", &until.to_string())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = head.get(&format!("/schools/{}", marsh.id)).await;
    assert!(page.texts(".reminders-status")[0].contains(&uk_date(until)));
    // The tutor does not want these emails (seed 001's contact preferences).
    let tutor = store.find_user_for_login(Some(tenant), FEN_TUTOR).await.unwrap().unwrap();
    let mut tx = store.begin().await.unwrap();
    store.save_account_setup(&mut tx, tutor.user_id(), None, None, false, false, app.clock.now()).await.unwrap();
    tx.commit().await.unwrap();

    let mut got: BTreeMap<NaiveDate, BTreeSet<String>> = BTreeMap::new();
    let mut day = due - Duration::days(8);
    while day <= due + Duration::days(1) {
        app.clock.set(Utc.from_utc_datetime(&day.and_hms_opt(9, 0, 0).unwrap()));
        let before = app.smtp.messages().len();
        app.run_notifications().await;
        for (to, _) in about_rhea(&app, before) {
            got.entry(day).or_default().insert(to);
        }
        day += Duration::days(1);
    }
    let without_tutor = BTreeSet::from([HEAD.to_owned(), LEAD.to_owned(), ECT.to_owned()]);
    assert_eq!(
        got,
        BTreeMap::from([(due, without_tutor.clone()), (due + Duration::days(1), without_tutor)]),
        "paused through {until}; the tutor opted out"
    );
    let events = app.audit_events(Some("fenland")).await;
    assert!(events.iter().any(|e| e.event == "school_reminders_paused"));
}

#[tokio::test]
async fn news_of_a_report_and_of_registrations_goes_to_whoever_must_act() {
    let app = spawn_app().await;
    let (induction, due) = rhea(&app).await;
    let tenant = app.tenant("fenland").await;
    // On the due date the tutor makes it available: the ECT hears it is ready for comments.
    app.clock.set(Utc.from_utc_datetime(&due.and_hms_opt(10, 0, 0).unwrap()));
    let store = app.state.store();
    let mut tx = store.begin().await.unwrap();
    induct::services::notify::report_event(
        &app.state,
        &mut tx,
        tenant,
        induction,
        1,
        induct_domain::notices::NoticeKind::ReadyForComments,
        "v1",
    )
    .await
    .unwrap();
    let mut form = store.lock_form(&mut tx, tenant, induction, 1, "progress_review", app.clock.now()).await.unwrap();
    form.status = induct_domain::report_flow::FormStatus::AwaitingEct;
    store.save_form(&mut tx, tenant, &form).await.unwrap();
    tx.commit().await.unwrap();
    let before = app.smtp.messages().len();
    app.run_notifications().await;
    let news: Vec<_> = app.smtp.messages()[before..]
        .iter()
        .filter(|m| m.header("subject").unwrap().contains("ready for your comments"))
        .map(|m| m.rcpt_to[0].clone())
        .collect();
    assert_eq!(news, [ECT]);
    let ect_mail = app.smtp.to(ECT).into_iter().rfind(|m| m.text().contains("ready for your comments")).unwrap();
    assert!(ect_mail.text().contains("add your comments and sign"));
    assert!(ect_mail.text().contains(&format!("/ects/{}/reports/1/comment", induct_ect_id(&app).await)));
    // Today's reminder asks each of them for the stage the report is at now.
    let tutor_mail = app.smtp.to(TUTOR).into_iter().rfind(|m| m.text().contains("Rhea Reminder")).unwrap().text();
    assert!(tutor_mail.contains("waiting for the ECT's comments"), "{tutor_mail}");
    // The same event again is not news twice.
    let mut tx = store.begin().await.unwrap();
    induct::services::notify::report_event(
        &app.state,
        &mut tx,
        tenant,
        induction,
        1,
        induct_domain::notices::NoticeKind::ReadyForComments,
        "v1",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(app.run_notifications().await.claimed, 0);

    // A registration: the head hears it waits for their signature; once signed, the AB.
    let tutor = app.fenland();
    tutor.login_ok(FEN_TUTOR).await;
    let marsh = store.list_schools(tenant).await.unwrap().into_iter().find(|s| s.urn == "900101").unwrap();
    let regs_before = store.list_registrations(tenant).await.unwrap().len();
    let fields = crate::ects::form(
        "7777771",
        &[("first_names", "Nia"), ("last_name", "New"), ("email", "nia.new@example.test")],
    );
    let id = crate::ects::register(&tutor, &marsh.id.to_string(), &fields).await;
    assert_eq!(store.list_registrations(tenant).await.unwrap().len(), regs_before + 1);
    let before = app.smtp.messages().len();
    app.run_notifications().await;
    let sent: Vec<(String, String)> = app.smtp.messages()[before..]
        .iter()
        .filter(|m| m.text().contains("Nia New"))
        .map(|m| (m.rcpt_to[0].clone(), m.header("subject").unwrap()))
        .collect();
    assert_eq!(
        sent,
        [(
            HEAD.to_owned(),
            "Fenland Teaching School Hub: the registration of Nia New is waiting for your signature".to_owned()
        )]
    );
    let head = app.fenland();
    head.login_ok(FEN_HEAD).await;
    head.get(&format!("/registrations/{id}")).await;
    let r = head.post_form(&format!("/registrations/{id}/sign"), &[("confirm", "yes")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let before = app.smtp.messages().len();
    app.run_notifications().await;
    let to_ab: Vec<String> = app.smtp.messages()[before..]
        .iter()
        .filter(|m| m.text().contains("Nia New"))
        .map(|m| m.rcpt_to[0].clone())
        .collect();
    let admin = store.find_user_for_login(Some(tenant), FEN_AB_ADMIN).await.unwrap().unwrap();
    assert_eq!(to_ab, [admin.email]);
}

async fn induct_ect_id(app: &TestApp) -> UserId {
    let tenant: TenantId = app.tenant("fenland").await;
    app.state.store().find_user_for_login(Some(tenant), "199301").await.unwrap().unwrap().user_id()
}

#[tokio::test]
async fn the_abs_emails_page_shows_what_went_to_whom_and_what_failed_and_sends_again() {
    let app = spawn_app().await;
    let addresses = ects_due_today(&app, 3).await;
    app.smtp.set_mode(Mode::RejectRecipients);
    app.run_notifications().await;
    app.smtp.set_mode(Mode::Accept);
    let admin = app.fenland();
    admin.login_ok(FEN_AB_ADMIN).await;
    let page = admin.get("/notifications?status=failed").await;
    assert_eq!(page.status, StatusCode::OK);
    let failed = page.texts("#mail-table .mail-row");
    assert_eq!(failed.len(), 3, "{failed:?}");
    assert!(failed.iter().all(|r| r.contains("failed") && r.contains("550")), "{failed:?}");
    assert!(page.body.contains(&addresses[0]));
    // The reminders behind them, and what became of each.
    let all = admin.get("/notifications").await;
    assert!(
        all.texts("#notice-table .notice-row").iter().any(|r| r.contains("Due today") && r.contains("Quiet ECT 0000"))
    );
    // Send again: a new message with a new Message-ID reaches the person.
    let sel = scraper::Selector::parse("#mail-table form").unwrap();
    let action = page.html().select(&sel).next().unwrap().value().attr("action").unwrap().to_owned();
    let r = admin.post_form(&action, &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    app.deliver_mail().await;
    let got: Vec<_> = app.smtp.messages().into_iter().filter(|m| m.rcpt_to[0].ends_with("@quietfen.example")).collect();
    assert_eq!(got.len(), 1);
    assert!(app.audit_events(Some("fenland")).await.iter().any(|e| e.event == "mail_resent"));
    // Another AB's administrator sees none of it and cannot resend it.
    let other = app.northshire();
    other.login_ok(NOR_AB_ADMIN).await;
    let theirs = other.get("/notifications").await;
    assert!(!theirs.body.contains("quietfen"));
    assert_eq!(other.post_form(&action, &[]).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_worker_that_dies_holding_reminders_loses_none_another_sends_them_after_the_lease() {
    let app = spawn_app().await;
    let addresses = ects_due_today(&app, 5).await;
    induct::services::notify::materialise(&app.state).await.unwrap();
    // A worker leases every pending notification, then its process is killed.
    let now = app.clock.now();
    let dead = app
        .state
        .store()
        .claim_notifications(uuid::Uuid::new_v4(), now, now + Duration::minutes(5), 100)
        .await
        .unwrap();
    assert!(dead.len() >= 5);
    // While the lease holds, nobody else takes them.
    assert_eq!(app.run_notifications().await.claimed, 0);
    assert!(app.smtp.messages().iter().all(|m| !m.rcpt_to[0].ends_with("@quietfen.example")));
    // After it, another worker does, once each.
    app.clock.advance(Duration::minutes(5) + Duration::seconds(1));
    app.run_notifications().await;
    app.run_notifications().await;
    let got: Vec<String> = app
        .smtp
        .messages()
        .into_iter()
        .map(|m| m.rcpt_to[0].clone())
        .filter(|r| r.ends_with("@quietfen.example"))
        .collect();
    assert_eq!(got, addresses);
}
