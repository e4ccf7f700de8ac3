//! ECT registration, signatures and the AB's decision; transfers; tutors and mentors; leavers; the
//! ECT's own pages; lists, the task list and exports (issue 5, seeds 000-003).

use induct_domain::UserId;
use induct_domain::registration::SUITABLE_POST;
use reqwest::StatusCode;

use crate::helpers::{Client, TestApp, spawn_app, users::*};

const MARSH_LANE: &str = "Marsh Lane Primary School";
const OUSE_VALLEY: &str = "Ouse Valley Academy";
const OUSE_HEAD: &str = "110007";

async fn school_id(app: &TestApp, name: &str) -> String {
    let tenant = app.tenant("fenland").await;
    app.state.store().list_schools(tenant).await.unwrap().into_iter().find(|s| s.name == name).unwrap().id.to_string()
}

/// A complete, valid registration form; `over` replaces fields by name.
pub(crate) fn form(trn: &str, over: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = [
        ("first_names", "Ruby"),
        ("last_name", "Fenwick"),
        ("trn", trn),
        ("date_of_birth", "1999-05-17"),
        ("email", "ruby.fenwick@example.test"),
        ("home_address", "4 Lode Way, Ely"),
        ("itt_provider", "University of East Anglia"),
        ("qts_date", "2026-07-10"),
        ("subjects", "Primary"),
        ("age_range", "5-11"),
        ("training_programme", "provider_led"),
        ("induction_type", "two_year"),
        ("contract_type", "permanent"),
        ("days_per_week", "5"),
        ("contract_start", "2027-01-05"),
        ("induction_start", "2027-01-05"),
        ("mentor", "new"),
        ("mentor_name", "Mo Ansari"),
        ("mentor_email", "mo.ansari@marshlane.example"),
        ("mentor_start_term", "Spring 2027"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in over {
        match f.iter_mut().find(|(name, _)| name == k) {
            Some(slot) => slot.1 = v.to_string(),
            None => f.push((k.to_string(), v.to_string())),
        }
    }
    for (key, _) in SUITABLE_POST {
        if !over.iter().any(|(k, v)| *k == "suitable_post" && *v == "none") {
            f.push(("suitable_post".into(), key.into()));
        }
    }
    f
}

async fn post(c: &Client, path: &str, fields: &[(String, String)]) -> crate::helpers::Resp {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    c.post_form(path, &pairs).await
}

async fn registration_count(app: &TestApp) -> usize {
    app.state.store().list_registrations(app.tenant("fenland").await).await.unwrap().len()
}

/// Registers through the form as `c` and returns the registration's id.
pub(crate) async fn register(c: &Client, school: &str, fields: &[(String, String)]) -> String {
    c.get(&format!("/schools/{school}/ects/register")).await;
    let r = post(c, &format!("/schools/{school}/ects/register"), fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location().unwrap().trim_start_matches("/registrations/").to_owned()
}

#[tokio::test]
async fn register_an_ect_head_signs_ab_authorises_seed_001() {
    let app = spawn_app().await;
    let marsh = school_id(&app, MARSH_LANE).await;
    let tutor = app.fenland();
    tutor.login_ok(FEN_TUTOR).await;
    let page = tutor.get(&format!("/schools/{marsh}/ects/register")).await;
    assert_eq!(page.status, StatusCode::OK);
    let grace = page.form_fields("#register-ect");
    assert!(grace.iter().any(|(k, _)| k == "csrf_token"));

    // Bad input: a message next to each field, nothing stored.
    let before = registration_count(&app).await;
    let bad = form(
        "12345",
        &[
            ("date_of_birth", "2015-02-30"),
            ("email", "not-an-email"),
            ("age_range", "11-5"),
            ("last_name", "Fen\u{7}wick"),
            ("days_per_week", "6"),
            ("qts_date", "2027-02-01"),
            ("suitable_post", "none"),
            ("mentor_email", ""),
        ],
    );
    let r = post(&tutor, &format!("/schools/{marsh}/ects/register"), &bad).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.texts("#trn-error")[0].contains("7 digits"));
    assert!(r.texts("#date_of_birth-error")[0].contains("real date"));
    assert!(r.texts("#email-error")[0].contains("correct format"));
    assert!(r.texts("#age_range-error")[0].contains("two ages"));
    assert!(r.texts("#last_name-error")[0].contains("line breaks"));
    assert!(!r.texts("#days_per_week-error").is_empty());
    assert!(r.texts("#induction_start-error")[0].contains("before the ECT was awarded QTS"));
    assert!(r.texts("#suitable_post-error")[0].contains("suitable-post checklist"));
    assert!(!r.texts("#mentor_email-error").is_empty());
    assert_eq!(r.form_fields("#register-ect").iter().find(|(k, _)| k == "first_names").unwrap().1, "Ruby");
    assert_eq!(registration_count(&app).await, before, "nothing half-saved");

    // A valid registration with a previous school; the school sees its status.
    let good = form(
        "4000001",
        &[
            ("ps0_name", "Hill Top School"),
            ("ps0_address", "1 Hill Road, Leeds"),
            ("ps0_ab", "Leeds TSH"),
            ("ps0_start", "2026-09-02"),
            ("ps0_fte", "1"),
            ("ps0_absence", "2"),
        ],
    );
    let id = register(&tutor, &marsh, &good).await;
    let r = tutor.get(&format!("/registrations/{id}")).await;
    assert_eq!(r.texts(".registration-status"), ["Waiting for the head teacher to sign"]);
    assert!(r.texts("#sign").is_empty(), "tutors do not sign");
    let admin = app.fenland();
    admin.login_ok(FEN_SCHOOL_ADMIN).await;
    let listed = admin.get("/ects").await.texts(".registrations td");
    assert!(
        listed.contains(&"Ruby Fenwick".to_owned())
            && listed.contains(&"Waiting for the head teacher to sign".to_owned())
    );

    // The AB cannot decide before the head teacher signs; the lead cannot sign.
    let ab = app.fenland();
    ab.login_ok(FEN_AB_ADMIN).await;
    ab.get(&format!("/registrations/{id}")).await;
    let r = ab
        .post_form(&format!("/registrations/{id}/decision"), &[("decision", "authorise"), ("qts_checked", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.texts("#decision-error")[0].contains("must sign"));
    let lead = app.fenland();
    lead.login_ok(FEN_LEAD).await;
    lead.get("/dashboard").await;
    assert_eq!(
        lead.post_form(&format!("/registrations/{id}/sign"), &[("confirm", "yes")]).await.status,
        StatusCode::FORBIDDEN
    );

    // The head teacher sees it on the dashboard and signs (tick and confirm).
    let head = app.fenland();
    head.login_ok(FEN_HEAD).await;
    assert!(head.get("/dashboard").await.texts(".to-sign li").contains(&"Ruby Fenwick".to_owned()));
    head.get(&format!("/registrations/{id}")).await;
    let r = head.post_form(&format!("/registrations/{id}/sign"), &[]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.texts("#confirm-error")[0].contains("Tick to confirm"));
    let r = head.post_form(&format!("/registrations/{id}/sign"), &[("confirm", "yes")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = head.get(&format!("/registrations/{id}")).await;
    assert_eq!(r.texts(".registration-status"), ["Waiting for the appropriate body's checks"]);
    assert!(r.body.contains("matches these details"));
    let row =
        app.state.store().get_registration(app.tenant("fenland").await, id.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(row.signature_hash.as_deref(), Some(induct::services::ects::signature_hash(&row).as_str()));
    assert_eq!(
        row.head_signed_by,
        Some(
            app.state
                .store()
                .find_user_for_login(Some(app.tenant("fenland").await), FEN_HEAD)
                .await
                .unwrap()
                .unwrap()
                .id
        )
    );
    // Signing twice is refused.
    let r = head.post_form(&format!("/registrations/{id}/sign"), &[("confirm", "yes")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // The AB: on its task list; must confirm the QTS check; then authorises.
    assert!(ab.get("/tasks").await.texts(".tasks-registrations td").contains(&"Ruby Fenwick".to_owned()));
    ab.get(&format!("/registrations/{id}")).await;
    let r = ab.post_form(&format!("/registrations/{id}/decision"), &[("decision", "authorise")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.texts("#qts_checked-error")[0].contains("checked"));
    let r = ab
        .post_form(&format!("/registrations/{id}/decision"), &[("decision", "authorise"), ("qts_checked", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = ab.get(&format!("/registrations/{id}")).await;
    assert_eq!(r.texts(".registration-status"), ["Authorised"]);
    // A second decision (a double click) changes and creates nothing.
    let r = ab
        .post_form(&format!("/registrations/{id}/decision"), &[("decision", "authorise"), ("qts_checked", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.texts("#decision-error")[0].contains("already been decided"));

    // The ECT's account, induction, contract, previous school, mentor; both emails.
    let tenant = app.tenant("fenland").await;
    let store = app.state.store();
    let profile = store.profile_by_trn(tenant, "4000001").await.unwrap().unwrap();
    assert!(profile.verified_at.is_some());
    let ect = UserId(profile.user_id);
    let induction = store.induction_of_ect(tenant, ect).await.unwrap().unwrap();
    assert_eq!(induction.start_date.to_string(), "2027-01-05");
    assert_eq!(store.list_previous_schools(tenant, induction.id).await.unwrap().len(), 1);
    assert!(!store.db().list_reports(tenant, induction.id).await.unwrap().is_empty(), "the plan was computed");
    let assignment = store.list_assignments(tenant, induction.id).await.unwrap();
    assert!(assignment[0].mentor_id.is_some());
    app.deliver_mail().await;
    let mail = app.smtp.to("ruby.fenwick@example.test").pop().expect("the ECT's username email").text();
    let username = regex::Regex::new(r"Your username is: (\d{6})").unwrap().captures(&mail).unwrap()[1].to_owned();
    let link = regex::Regex::new(r"(/set-password/[A-Za-z0-9_-]+)").unwrap().captures(&mail).unwrap()[1].to_owned();
    assert!(
        app.smtp
            .to("g.okafor@marshlane.example")
            .iter()
            .any(|m| m.text().contains("has authorised the registration of Ruby Fenwick"))
    );

    // The ECT sets a password and sees their details, TRN and DOB read-only.
    let ruby = app.fenland();
    ruby.get(&link).await;
    assert_eq!(ruby.post_form(&link, &[("password", "fen lode heron lantern")]).await.status, StatusCode::OK);
    ruby.login(&username, "fen lode heron lantern").await;
    ruby.complete_first_login().await;
    let r = ruby.get("/my-details").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.texts(".identity dd").contains(&"4000001".to_owned()));
    assert!(r.texts("#trn").is_empty(), "no TRN field once verified");
    assert!(r.texts(".previous-schools td").iter().any(|t| t.contains("Hill Top School")));

    // Audit: each step, never the TRN or date of birth.
    let events = app.audit_events(Some("fenland")).await;
    for kind in ["ect_registered", "ect_registration_signed", "ect_registration_authorised"] {
        assert!(events.iter().any(|e| e.event == kind), "{kind}");
    }
    for e in &events {
        let all = format!("{:?} {:?}", e.subject, e.detail);
        assert!(!all.contains("4000001") && !all.contains("1999-05-17"), "{all}");
    }
}

#[tokio::test]
async fn duplicate_trns_are_refused_pointing_to_the_existing_record() {
    let app = spawn_app().await;
    let marsh = school_id(&app, MARSH_LANE).await;
    let lead = app.fenland();
    lead.login_ok(FEN_LEAD).await;
    lead.get(&format!("/schools/{marsh}/ects/register")).await;
    // Jordan Lee (demo ECT 110006) has TRN 2110006.
    let r = post(&lead, &format!("/schools/{marsh}/ects/register"), &form("2110006", &[])).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let message = &r.texts("#trn-error")[0];
    assert!(message.contains("Jordan Lee is already registered"), "{message}");
    // Another school's staff learn only that the TRN is taken, not whose it is.
    let ouse = school_id(&app, OUSE_VALLEY).await;
    let other = app.fenland();
    other.login_ok(OUSE_HEAD).await;
    other.get(&format!("/schools/{ouse}/ects/register")).await;
    let r = post(&other, &format!("/schools/{ouse}/ects/register"), &form("2110006", &[])).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let message = &r.texts("#trn-error")[0];
    assert!(message.contains("register a transfer") && !message.contains("Jordan"), "{message}");
    // The same email as another ECT is refused too (docs/induction-rules.md 2.10).
    let r = post(
        &lead,
        &format!("/schools/{marsh}/ects/register"),
        &form("4000009", &[("email", "J.Lee@marshlane.example")]),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.texts("#email-error")[0].contains("Another ECT"));
    let before = registration_count(&app).await;
    let id = register(&lead, &marsh, &form("4000002", &[])).await;
    let r =
        post(&lead, &format!("/schools/{marsh}/ects/register"), &form("4000002", &[("first_names", "Other")])).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.texts("#trn-error")[0].contains(&format!("/registrations/{id}")));
    assert_eq!(registration_count(&app).await, before + 1);
    // Another AB may hold the same TRN (each AB is separate).
    let nor = app.northshire();
    nor.login_ok(NOR_LEAD).await;
    let tenant = app.tenant("northshire").await;
    let heathfield = app.state.store().list_schools(tenant).await.unwrap()[0].id.to_string();
    register(&nor, &heathfield, &form("4000002", &[])).await;
}

#[tokio::test]
async fn the_ab_rejects_with_a_reason_and_the_school_is_told() {
    let app = spawn_app().await;
    let marsh = school_id(&app, MARSH_LANE).await;
    let admin = app.fenland();
    admin.login_ok(FEN_SCHOOL_ADMIN).await;
    let id = register(&admin, &marsh, &form("4000003", &[("qts_date", "")])).await;
    let head = app.fenland();
    head.login_ok(FEN_HEAD).await;
    head.get(&format!("/registrations/{id}")).await;
    head.post_form(&format!("/registrations/{id}/sign"), &[("confirm", "yes")]).await;
    let ab = app.fenland();
    ab.login_ok(FEN_AB_ADMIN).await;
    let r = ab.get(&format!("/registrations/{id}")).await;
    assert!(r.texts(".warnings li")[0].contains("No QTS date"));
    // No QTS: it cannot be authorised (docs/induction-rules.md 2.10); a future QTS date neither.
    let r = ab
        .post_form(&format!("/registrations/{id}/decision"), &[("decision", "authorise"), ("qts_checked", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.texts("#qts_date-error")[0].contains("cannot start induction"));
    let r = ab
        .post_form(
            &format!("/registrations/{id}/decision"),
            &[("decision", "authorise"), ("qts_checked", "yes"), ("qts_date", "2026-12-20")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.texts("#qts_date-error")[0].contains("not been awarded yet"));
    let r =
        ab.post_form(&format!("/registrations/{id}/decision"), &[("decision", "reject"), ("reason", "other")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.texts("#note-error")[0].contains("Explain"));
    let r = ab
        .post_form(
            &format!("/registrations/{id}/decision"),
            &[("decision", "reject"), ("reason", "no_qts"), ("note", "Register again once QTS is awarded.")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = admin.get(&format!("/registrations/{id}")).await;
    assert_eq!(r.texts(".registration-status"), ["Rejected"]);
    assert!(r.body.contains("The ECT does not hold QTS"));
    app.deliver_mail().await;
    let mail = app.smtp.to("office.admin@marshlane.example").pop().expect("the rejection email").text();
    assert!(mail.contains("rejected the registration") && mail.contains("The ECT does not hold QTS"));
    assert!(mail.contains("Register again once QTS is awarded."));
    let tenant = app.tenant("fenland").await;
    assert!(app.state.store().profile_by_trn(tenant, "4000003").await.unwrap().is_none(), "no ECT account");
    // Deciding again changes nothing.
    let r = ab
        .post_form(
            &format!("/registrations/{id}/decision"),
            &[("decision", "authorise"), ("qts_checked", "yes"), ("qts_date", "2026-07-01")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // A rejected TRN can be registered again.
    register(&admin, &marsh, &form("4000003", &[])).await;
}

#[tokio::test]
async fn an_ect_moves_school_and_keeps_their_record_seed_002() {
    let app = spawn_app().await;
    let tenant = app.tenant("fenland").await;
    let store = app.state.store();
    let ouse = school_id(&app, OUSE_VALLEY).await;
    let jordan = store.find_user_for_login(Some(tenant), FEN_ECT).await.unwrap().unwrap();
    let profile = store.get_profile(tenant, jordan.user_id()).await.unwrap().unwrap();
    let induction = store.induction_of_ect(tenant, jordan.user_id()).await.unwrap().unwrap();
    let reports_before = store.db().list_reports(tenant, induction.id).await.unwrap().len();

    let head = app.fenland();
    head.login_ok(OUSE_HEAD).await;
    assert_eq!(head.get(&format!("/ects/{}", jordan.id)).await.status, StatusCode::NOT_FOUND, "not theirs yet");
    head.get(&format!("/schools/{ouse}/ects/transfer")).await;
    let mut fields: Vec<(String, String)> = vec![
        ("trn".into(), profile.trn.clone()),
        ("date_of_birth".into(), "1990-01-01".into()),
        ("contract_type".into(), "permanent".into()),
        ("days_per_week".into(), "5".into()),
        ("contract_start".into(), "2027-01-05".into()),
        ("leaves_other_schools".into(), "yes".into()),
    ];
    fields.extend(SUITABLE_POST.iter().map(|(k, _)| ("suitable_post".to_owned(), k.to_string())));
    let r = post(&head, &format!("/schools/{ouse}/ects/transfer"), &fields).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.texts("#trn-error")[0].contains("No ECT with this TRN and date of birth"));
    fields[1].1 = profile.date_of_birth.to_string();
    let r = post(&head, &format!("/schools/{ouse}/ects/transfer"), &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id = r.location().unwrap().trim_start_matches("/registrations/").to_owned();
    head.get(&format!("/registrations/{id}")).await;
    head.post_form(&format!("/registrations/{id}/sign"), &[("confirm", "yes")]).await;
    let ab = app.fenland();
    ab.login_ok(FEN_AB_ADMIN).await;
    assert!(ab.get("/tasks").await.texts(".tasks-transfers td").contains(&"Jordan Lee".to_owned()));
    ab.get(&format!("/registrations/{id}")).await;
    let r = ab
        .post_form(&format!("/registrations/{id}/decision"), &[("decision", "authorise"), ("qts_checked", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // Same induction, a new contract at Ouse Valley; Marsh Lane's ends the day before.
    let contracts = store.db().list_contracts(tenant, induction.id).await.unwrap();
    let marsh = contracts.iter().find(|c| c.school_id.to_string() != ouse).unwrap();
    assert_eq!(marsh.end_date.map(|d| d.to_string()).as_deref(), Some("2027-01-04"));
    assert!(contracts.iter().any(|c| c.school_id.to_string() == ouse && c.end_date.is_none()));
    assert_eq!(store.induction_of_ect(tenant, jordan.user_id()).await.unwrap().unwrap().id, induction.id);
    assert!(
        store.db().list_reports(tenant, induction.id).await.unwrap().len() >= reports_before,
        "reports stay attached"
    );
    let ect = app.fenland();
    ect.login_ok(FEN_ECT).await;
    let schools = ect.get("/my-details").await.texts(".associated-schools td");
    assert!(schools.iter().any(|t| t.contains(OUSE_VALLEY)) && schools.iter().any(|t| t.contains(MARSH_LANE)));
}

#[tokio::test]
async fn tutor_and_mentor_are_assigned_and_changed() {
    let app = spawn_app().await;
    let tenant = app.tenant("fenland").await;
    let jordan = app.state.store().find_user_for_login(Some(tenant), FEN_ECT).await.unwrap().unwrap();
    let path = format!("/ects/{}/tutor-and-mentor", jordan.id);
    let tutor = app.fenland();
    tutor.login_ok(FEN_TUTOR).await;
    assert_eq!(tutor.get(&path).await.status, StatusCode::FORBIDDEN);
    let lead = app.fenland();
    lead.login_ok(FEN_LEAD).await;
    let page = lead.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    let r = lead.post_form(&path, &[("tutor", "not-a-tutor"), ("mentor", "new"), ("mentor_name", "")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(!r.texts("#tutor-error").is_empty() && !r.texts("#mentor_name-error").is_empty());
    let lead_id = app.state.store().find_user_for_login(Some(tenant), FEN_LEAD).await.unwrap().unwrap().id.to_string();
    let r = lead
        .post_form(
            &path,
            &[
                ("tutor", &lead_id),
                ("mentor", "new"),
                ("mentor_name", "Kit Marsh"),
                ("mentor_email", "kit@marshlane.example"),
                ("mentor_start_term", "Spring 2027"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = lead.get(&format!("/ects/{}", jordan.id)).await;
    let people = r.texts(".ect-people td");
    assert!(
        people.contains(&"Tom Ellis".to_owned()) && people.iter().any(|p| p.contains("Kit Marsh (from Spring 2027)"))
    );
    assert!(app.audit_events(Some("fenland")).await.iter().any(|e| e.event == "ect_tutor_mentor_changed"));
}

#[tokio::test]
async fn a_leaver_reaches_the_ab_task_list_seed_003() {
    let app = spawn_app().await;
    let tenant = app.tenant("fenland").await;
    let store = app.state.store();
    let jordan = store.find_user_for_login(Some(tenant), FEN_ECT).await.unwrap().unwrap();
    let path = format!("/ects/{}/leaving", jordan.id);
    let admin = app.fenland();
    admin.login_ok(FEN_SCHOOL_ADMIN).await;
    assert_eq!(admin.get(&path).await.status, StatusCode::FORBIDDEN);
    let head = app.fenland();
    head.login_ok(FEN_HEAD).await;
    head.get(&path).await;
    let r = head.post_form(&path, &[("leaving_date", "2020-01-01"), ("reason", "")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.texts("#leaving_date-error")[0].contains("on or after the induction started"));
    assert!(!r.texts("#reason-error").is_empty() && !r.texts("#moving-error").is_empty());
    let r = head
        .post_form(
            &path,
            &[
                ("leaving_date", "2026-12-18"),
                ("reason", "Moving to London"),
                ("moving", "yes"),
                ("new_school", "Thames Primary"),
                ("new_ab", "London East TSH"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let induction = store.induction_of_ect(tenant, jordan.user_id()).await.unwrap().unwrap();
    assert_eq!(induction.leaving_date.map(|d| d.to_string()).as_deref(), Some("2026-12-18"));
    let ab = app.fenland();
    ab.login_ok(FEN_AB_ADMIN).await;
    let tasks = ab.get("/tasks").await;
    let row =
        tasks.texts(".tasks-leavers tr").into_iter().find(|t| t.contains("Jordan Lee")).expect("on the task list");
    assert!(row.contains("18/12/2026") && row.contains("Thames Primary (London East TSH)"), "{row}");
    let leaver =
        store.list_leavers(tenant).await.unwrap().into_iter().find(|l| l.induction_id == induction.id).unwrap();
    let r = ab.post_form(&format!("/leavers/{}/acknowledge", leaver.id), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(!ab.get("/tasks").await.texts(".tasks-leavers tr").iter().any(|t| t.contains("Jordan Lee")));
    assert_eq!(ab.post_form(&format!("/leavers/{}/acknowledge", leaver.id), &[]).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_ect_keeps_their_own_details_seed_000() {
    let app = spawn_app().await;
    let tenant = app.tenant("fenland").await;
    let store = app.state.store();
    let ect = app.fenland();
    ect.login_ok(FEN_ECT).await;
    let page = ect.get("/my-details").await;
    assert_eq!(page.status, StatusCode::OK);
    let mut fields = page.form_fields("#details");
    let set = |fields: &mut Vec<(String, String)>, k: &str, v: &str| {
        fields.iter_mut().find(|(name, _)| name == k).unwrap().1 = v.to_owned();
    };
    set(&mut fields, "email", "bad");
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = ect.post_form("/my-details", &pairs).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(!r.texts("#email-error").is_empty());
    set(&mut fields, "email", "jordan.lee@home.example");
    set(&mut fields, "subjects", "Primary with Music");
    let mut pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    // A TRN or QTS date sent anyway is ignored once verified.
    pairs.push(("trn", "9999999"));
    pairs.push(("qts_date", "2026-09-01"));
    let r = ect.post_form("/my-details", &pairs).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let jordan = store.find_user_for_login(Some(tenant), FEN_ECT).await.unwrap().unwrap();
    assert_eq!(jordan.email, "jordan.lee@home.example");
    let profile = store.get_profile(tenant, jordan.user_id()).await.unwrap().unwrap();
    assert_eq!((profile.trn.as_str(), profile.subjects.as_str()), ("2110006", "Primary with Music"));
    assert_eq!(profile.qts_date.map(|d| d.to_string()).as_deref(), Some("2026-07-04"));

    // Previous schools: add (checked), then remove.
    let r = ect
        .post_form(
            "/my-details/previous-schools",
            &[
                ("ps_name", "Old School"),
                ("ps_address", "York"),
                ("ps_ab", "York TSH"),
                ("ps_start", "2025-09-01"),
                ("ps_fte", "7"),
                ("ps_absence", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.texts("#ps_fte-error")[0].contains("from 0 to 6"));
    let r = ect
        .post_form(
            "/my-details/previous-schools",
            &[
                ("ps_name", "Old School"),
                ("ps_address", "York"),
                ("ps_ab", "York TSH"),
                ("ps_start", "2025-09-01"),
                ("ps_fte", "1.5"),
                ("ps_absence", "2"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let induction = store.induction_of_ect(tenant, jordan.user_id()).await.unwrap().unwrap();
    let previous = store.list_previous_schools(tenant, induction.id).await.unwrap();
    assert_eq!(previous.len(), 1);
    // A failed add keeps the personal details on the page.
    ect.get("/my-details").await;
    let r = ect.post_form("/my-details/previous-schools", &[("ps_name", "")]).await;
    assert_eq!(r.form_fields("#details").iter().find(|(k, _)| k == "email").unwrap().1, "jordan.lee@home.example");
    let print = ect.get("/my-details/print").await;
    assert!(print.body.contains("Old School") && print.body.contains("2110006"));
    ect.get("/my-details").await;
    let r = ect.post_form(&format!("/my-details/previous-schools/{}/remove", previous[0].id), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(store.list_previous_schools(tenant, induction.id).await.unwrap().is_empty());
    // Someone else's previous school is not found.
    let other = app.northshire();
    other.login_ok(NOR_ECT).await;
    other.get("/my-details").await;
    let r = other.post_form(&format!("/my-details/previous-schools/{}/remove", uuid::Uuid::new_v4()), &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let events = app.audit_events(Some("fenland")).await;
    assert!(events.iter().filter(|e| e.event == "ect_details_changed").count() >= 3);
}

#[tokio::test]
async fn heads_see_ect_usernames_and_send_links_seed_000() {
    let app = spawn_app().await;
    let tenant = app.tenant("fenland").await;
    let jordan = app.state.store().find_user_for_login(Some(tenant), FEN_ECT).await.unwrap().unwrap();
    let head = app.fenland();
    head.login_ok(FEN_HEAD).await;
    let r = head.get(&format!("/ects/{}", jordan.id)).await;
    assert_eq!(r.texts(".username"), [FEN_ECT]);
    let r = head.post_form(&format!("/ects/{}/send-link", jordan.id), &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    app.deliver_mail().await;
    assert!(app.smtp.to("j.lee@marshlane.example").iter().any(|m| m.text().contains("/set-password/")));
    let tutor = app.fenland();
    tutor.login_ok(FEN_TUTOR).await;
    assert!(
        tutor.get(&format!("/ects/{}", jordan.id)).await.texts(".username").is_empty(),
        "tutors do not see usernames"
    );
}

#[tokio::test]
async fn lists_search_by_name_or_trn_within_reach() {
    let app = spawn_app().await;
    let ab = app.fenland();
    ab.login_ok(FEN_AB_ADMIN).await;
    let names = ab.get("/ects?q=jordan").await.texts(".ects td:first-child");
    assert_eq!(names, ["Jordan Lee"]);
    assert_eq!(ab.get("/ects?q=2110006").await.texts(".ects td:first-child"), ["Jordan Lee"]);
    assert!(ab.get("/ects?q=Ethan").await.texts(".registrations td").contains(&"Ethan Hall".to_owned()));
    assert_eq!(ab.get("/schools?q=ouse").await.texts(".schools td:first-child"), [OUSE_VALLEY]);
    assert_eq!(ab.get("/schools?q=900101").await.texts(".schools td:first-child"), [MARSH_LANE]);
    assert_eq!(ab.get("/schools?q=pe131").await.texts(".schools td:first-child"), [MARSH_LANE]);
    let staff = ab.get("/staff?q=grace").await.texts(".ab-staff td");
    assert!(staff.contains(&"Grace Okafor".to_owned()) && staff.contains(&"Induction tutor".to_owned()));
    // Ouse Valley's head sees none of Marsh Lane's ECTs or registrations.
    let other = app.fenland();
    other.login_ok(OUSE_HEAD).await;
    let r = other.get("/ects?q=jordan").await;
    assert!(r.texts(".ects td:first-child").iter().all(|n| n != "Jordan Lee"));
    assert!(!r.texts(".registrations td").contains(&"Ethan Hall".to_owned()));
    // Northshire sees nothing of Fenland's.
    let nor = app.northshire();
    nor.login_ok(NOR_AB_ADMIN).await;
    let r = nor.get("/ects?q=2110006").await;
    assert!(r.texts(".ects td:first-child").is_empty() || r.texts(".ects td:first-child")[0].starts_with("No ECTs"));
}

#[tokio::test]
async fn exports_follow_the_national_templates_and_are_injection_safe_i3() {
    let app = spawn_app().await;
    let tenant = app.tenant("fenland").await;
    let store = app.state.store();
    // An ECT named like a formula, and a leaver with a past date.
    let jordan = store.find_user_for_login(Some(tenant), FEN_ECT).await.unwrap().unwrap();
    let mut tx = store.begin().await.unwrap();
    store
        .update_user_contact(&mut tx, tenant, jordan.user_id(), "=HYPERLINK(\"http://x\")", &jordan.email)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let liam = store.find_user_for_login(Some(tenant), "110009").await.unwrap().unwrap();
    let head = app.fenland();
    head.login_ok(FEN_HEAD).await;
    let path = format!("/ects/{}/leaving", liam.id);
    head.get(&path).await;
    let r =
        head.post_form(&path, &[("leaving_date", "2026-10-23"), ("reason", "Left teaching"), ("moving", "no")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    let ab = app.fenland();
    ab.login_ok(FEN_AB_ADMIN).await;
    let page = ab.get("/exports").await;
    assert_eq!(page.status, StatusCode::OK);
    let claims = ab.get("/exports/claims.csv").await;
    assert_eq!(claims.headers["content-type"], "text/csv; charset=utf-8");
    let mut lines = claims.body.lines();
    assert_eq!(lines.next(), Some("\"TRN\",\"Date of birth\",\"Induction programme\",\"Induction period start date\""));
    let jordan_row = claims.body.lines().find(|l| l.starts_with("\"2110006\"")).expect("Jordan's claim");
    assert!(jordan_row.ends_with("\"provider-led\",\"2026-09-02\""), "{jordan_row}");
    // Future starts are left out, and listed with the reason.
    assert!(!claims.body.contains("2110010") || !claims.body.contains("2027-"));
    let outcomes = ab.get("/exports/outcomes.csv").await;
    let liam_row = outcomes.body.lines().find(|l| l.starts_with("\"2110009\"")).expect("Liam's release");
    assert!(liam_row.contains("\"2026-10-23\"") && liam_row.ends_with("\"release\""), "{liam_row}");
    let ects = ab.get("/exports/ects.csv").await;
    assert!(ects.body.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{}", ects.body);
    assert!(app.audit_events(Some("fenland")).await.iter().filter(|e| e.event == "export_downloaded").count() >= 3);
    // Only the AB exports.
    let lead = app.fenland();
    lead.login_ok(FEN_LEAD).await;
    assert_eq!(lead.get("/exports/claims.csv").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn demo_data_shows_every_registration_status() {
    let app = spawn_app().await;
    let tenant = app.tenant("fenland").await;
    let regs = app.state.store().list_registrations(tenant).await.unwrap();
    for status in ["awaiting_head_signature", "awaiting_ab", "authorised", "rejected"] {
        assert!(regs.iter().any(|r| r.status.as_str() == status), "{status}");
    }
    assert!(regs.iter().any(|r| r.kind.as_str() == "transfer" && r.status.as_str() == "awaiting_ab"));
    assert!(app.state.store().list_leavers(tenant).await.unwrap().iter().any(|l| l.acknowledged_at.is_none()));
    let ab = app.fenland();
    ab.login_ok(FEN_AB_ADMIN).await;
    let dash = ab.get("/dashboard").await;
    for task in ["registrations", "transfers", "leavers"] {
        assert_eq!(dash.texts(&format!("[data-task={task}]")), ["1"], "{task}");
    }
}

#[tokio::test]
async fn s5_the_ect_changing_their_email_needs_a_recent_password_and_the_old_address_is_told() {
    let app = spawn_app().await;
    let ect = app.fenland();
    ect.login_ok(FEN_ECT).await;
    app.clock.advance(chrono::Duration::minutes(6));
    let page = ect.get("/my-details").await;
    let mut fields = page.form_fields("#details");
    fields.iter_mut().find(|(k, _)| k == "email").unwrap().1 = "jordan@elsewhere.example".into();
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = ect.post_form("/my-details", &pairs).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("reauth_required"));
    let mut with_password = pairs.clone();
    with_password.retain(|(k, _)| *k != "password");
    with_password.push(("password", crate::helpers::PASSWORD));
    let r = ect.post_form("/my-details", &with_password).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app.deliver_mail().await;
    assert!(app.smtp.to("j.lee@marshlane.example").iter().any(|m| m.text().contains("email address of your")));
}
