//! Demo data for `cargo run`: the appropriate bodies described in `config/abs/*.toml`, each with
//! its schools and one person in every role, plus a platform operator. Seeded once, into an empty
//! database; later starts keep whatever is there.

use anyhow::Context;
use induct_domain::Role;
use induct_domain::username::Username;
use serde::Deserialize;
use std::path::Path;

use crate::state::AppState;
use crate::store::schools::NewSchool;
use crate::store::tenants::NewTenant;
use crate::store::users::NewUser;

/// Every demo account's password. It passes the password policy like any other.
pub const DEMO_PASSWORD: &str = "plum-orchard-lantern-47";

pub const OPERATOR_USERNAME: &str = "100001";

/// The authenticator-app key of the demo's AB administrators and platform operator, who must use
/// two-step verification (docs/security.md D9). Public like the demo password: add it to an app, or
/// print the current code with `cargo run -- totp-code`.
pub const DEMO_TOTP_KEY: &str = "NFXGI5LDOQWWIZLNN4WXI33UOAWWWZLZ";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoAb {
    pub slug: String,
    pub name: String,
    pub theme: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub mail_from_address: String,
    pub mail_from_name: String,
    pub schools: Vec<DemoSchool>,
    pub people: Vec<DemoPerson>,
    /// The AB's term dates.
    #[serde(default)]
    pub terms: Vec<induct_domain::calendar::Term>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoSchool {
    pub name: String,
    pub urn: String,
    pub address: String,
    pub postcode: String,
    pub contact_email: String,
    pub contact_phone: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoPerson {
    pub username: String,
    pub role: Role,
    pub name: String,
    pub email: String,
    /// Index into `schools`, for school roles.
    pub school: Option<usize>,
    /// For ECTs: where their induction stands.
    pub induction: Option<DemoInduction>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoInduction {
    pub start: chrono::NaiveDate,
    /// "5", "2.5" ...
    pub days_per_week: String,
    /// Ad-hoc absence in the first year, in days.
    #[serde(default)]
    pub absence_days: f64,
    /// `two_year` (the default) or `legacy_one_year`.
    #[serde(default)]
    pub kind: Option<String>,
}

/// Reads the demo ABs, sorted by slug.
pub fn load_abs(dir: &Path) -> anyhow::Result<Vec<DemoAb>> {
    let mut abs = vec![];
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path)?;
            let ab: DemoAb = toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
            for p in &ab.people {
                Username::parse(&p.username).map_err(|e| anyhow::anyhow!("{}: {}: {e}", path.display(), p.username))?;
                anyhow::ensure!(
                    p.role.is_school_role() == p.school.is_some(),
                    "{}: {} must name a school exactly when the role works at one",
                    path.display(),
                    p.username
                );
                if let Some(i) = p.school {
                    anyhow::ensure!(i < ab.schools.len(), "{}: school {i} does not exist", path.display());
                }
            }
            abs.push(ab);
        }
    }
    abs.sort_by(|a, b| a.slug.cmp(&b.slug));
    Ok(abs)
}

pub async fn seed_if_empty(state: &AppState) -> anyhow::Result<bool> {
    let store = state.store();
    if !store.list_tenants().await?.is_empty() || store.count_users().await? > 0 {
        return Ok(false);
    }
    let abs = load_abs(&state.config().abs_dir)?;
    for ab in &abs {
        anyhow::ensure!(
            state.themes().contains(&ab.theme),
            "AB {} names theme {} which is not installed",
            ab.slug,
            ab.theme
        );
    }
    // Hash every password before the transaction: hashing is slow and SQLite has one writer.
    let mut people = vec![(
        None,
        OPERATOR_USERNAME.to_owned(),
        Role::PlatformOperator,
        "Pat Operator".to_owned(),
        "operator@induct.localhost".to_owned(),
        None,
    )];
    for (i, ab) in abs.iter().enumerate() {
        for p in &ab.people {
            people.push((Some(i), p.username.clone(), p.role, p.name.clone(), p.email.clone(), p.school));
        }
    }
    let mut hashes = vec![];
    for _ in &people {
        hashes.push(state.hasher().hash(DEMO_PASSWORD).await?);
    }

    let now = state.clock().now();
    let mut tx = store.begin().await?;
    let mut tenant_ids = vec![];
    let mut school_ids = vec![];
    for ab in &abs {
        let tenant = store
            .create_tenant(
                &mut tx,
                &NewTenant {
                    slug: &ab.slug,
                    name: &ab.name,
                    theme: &ab.theme,
                    contact_email: &ab.contact_email,
                    contact_phone: &ab.contact_phone,
                    mail_from_address: &ab.mail_from_address,
                    mail_from_name: &ab.mail_from_name,
                },
                now,
            )
            .await?;
        let mut ids = vec![];
        for s in &ab.schools {
            ids.push(
                store
                    .create_school(
                        &mut tx,
                        tenant,
                        &NewSchool {
                            name: &s.name,
                            urn: &s.urn,
                            address: &s.address,
                            postcode: &s.postcode,
                            contact_email: &s.contact_email,
                            contact_phone: &s.contact_phone,
                            status: induct_domain::registration::SchoolStatus::Authorised,
                        },
                        now,
                    )
                    .await?,
            );
        }
        tenant_ids.push(tenant);
        school_ids.push(ids);
    }
    for ((ab, username, role, name, email, school), hash) in people.iter().zip(&hashes) {
        let tenant = ab.map(|i| tenant_ids[i]);
        let user = store
            .create_user(
                &mut tx,
                &NewUser { tenant, username, role: *role, display_name: name, email, password_hash: Some(hash) },
                now,
            )
            .await?;
        if let (Some(i), Some(s)) = (ab, school) {
            store.add_school_membership(&mut tx, tenant_ids[*i], user, school_ids[*i][*s], now).await?;
        }
    }
    tx.commit().await?;
    // Each demo AB gets its plugin, built from plugins/<slug> by the plugin host's build script.
    for (ab, tenant) in abs.iter().zip(&tenant_ids) {
        if let Some(wasm) = induct_plugin_host::demo::for_ab(&ab.slug) {
            let actor = crate::plugins::Actor { user: None, label: "demo", ip: "local", user_agent: "induct demo" };
            state
                .plugins()
                .install(state, *tenant, wasm.to_vec(), &actor)
                .await
                .map_err(|e| anyhow::anyhow!("installing the {} demo plugin: {e}", ab.slug))?;
        }
    }
    // The demo's people have used the service before: their first-login steps are done and the
    // AB's current privacy notice accepted. (New accounts made in the demo go through them.)
    for (ab, tenant) in abs.iter().zip(&tenant_ids) {
        for p in &ab.people {
            if let Some(u) = store.find_user_for_login(Some(*tenant), &p.username).await? {
                crate::services::first_login::mark_existing_done(state, u.user_id(), *tenant, p.role).await?;
            }
        }
    }
    // D9: the roles that see many ECTs log in with an authenticator app.
    let mut tx = store.begin().await?;
    for (ab, username, role, ..) in &people {
        if !role.needs_strong_second_factor() {
            continue;
        }
        let tenant = ab.map(|i| tenant_ids[i]);
        let user = store.find_user_for_login(tenant, username).await?.context("demo user just created")?;
        let secret = induct_domain::mfa::base32_decode(DEMO_TOTP_KEY).context("demo key is base32")?;
        store.start_totp(&mut tx, user.user_id(), &state.keys().seal_totp_secret(user.user_id(), &secret), now).await?;
        store.enable_totp(&mut tx, user.user_id(), -1, now).await?;
    }
    tx.commit().await?;
    seed_inductions(state, &abs, &tenant_ids, &school_ids).await?;
    seed_registrations(state, &abs, &tenant_ids, &school_ids).await?;
    for (ab, tenant) in abs.iter().zip(&tenant_ids) {
        seed_reports(state, ab, *tenant).await?;
    }
    tracing::info!(abs = abs.len(), users = people.len(), "demo data created");
    Ok(true)
}

/// The console welcome of `cargo run`: where to go and how to sign in.
pub async fn print_welcome(state: &AppState) -> anyhow::Result<()> {
    let config = state.config();
    let abs = load_abs(&config.abs_dir).unwrap_or_default();
    let mut out = String::new();
    out.push_str("\n  Induct is running (demo data).\n\n");
    out.push_str(&format!("  Platform site     {}/login\n", config.origin_for(None)));
    out.push_str(&format!("    platform operator   {OPERATOR_USERNAME}\n\n"));
    for ab in &abs {
        out.push_str(&format!("  {:<17} {}/login\n", ab.name, config.origin_for(Some(&ab.slug))));
        for p in &ab.people {
            let school = p.school.map(|i| format!(" ({})", ab.schools[i].name)).unwrap_or_default();
            out.push_str(&format!("    {:<32}{}  {}{}\n", p.role.title(), p.username, p.name, school));
        }
        out.push('\n');
    }
    out.push_str(&format!("  Password for every demo account: {DEMO_PASSWORD}\n"));
    out.push_str(&format!(
        "  AB administrators and the platform operator also need a code from an authenticator app:\n    \
         add the key {DEMO_TOTP_KEY} (time-based, 6 digits), or run `cargo run -- totp-code`.\n"
    ));
    out.push_str("  Mail is not sent in the demo: the platform operator reads it under \"Sent mail\".\n");
    println!("{out}");
    Ok(())
}

/// Term dates, due-date settings and the demo ECTs' inductions, each recomputed by the engine.
async fn seed_inductions(
    state: &AppState,
    abs: &[DemoAb],
    tenants: &[induct_domain::TenantId],
    schools: &[Vec<induct_domain::SchoolId>],
) -> anyhow::Result<()> {
    use induct_domain::induction::{DaysPerWeek, Fraction, InductionType};
    let store = state.store();
    let now = state.clock().now();
    for (i, ab) in abs.iter().enumerate() {
        let tenant = tenants[i];
        let calendar = induct_domain::calendar::Calendar::new(ab.terms.clone())
            .map_err(|p| anyhow::anyhow!("{}: term dates: {p:?}", ab.slug))?;
        // The AB's administrator sets the term dates and due dates, as on the Term dates page.
        let admin = ab.people.iter().find(|p| p.role == Role::AbAdmin).map(|p| p.username.as_str());
        let admin = store
            .find_user_for_login(Some(tenant), admin.ok_or_else(|| anyhow::anyhow!("{} has no AB admin", ab.slug))?)
            .await?
            .ok_or_else(|| anyhow::anyhow!("{}: the AB admin is missing", ab.slug))?;
        let due = crate::services::induction::DueDates {
            school_days_before_end: Some(10),
            fixed: vec![],
            window: induct_domain::timeline::DEFAULT_DUE_WINDOW_SCHOOL_DAYS,
        };
        let by = crate::services::accounts::Actor { user: admin.user_id(), ip: "local", user_agent: "induct demo" };
        let scope = crate::services::induction::AB_SCOPE;
        crate::services::induction::save_term_dates(state, tenant, scope, &calendar, Some(&due), &by).await?;
        let mut tx = store.begin().await?;
        let mut created = vec![];
        for p in &ab.people {
            let (Some(ind), Some(school)) = (&p.induction, p.school) else { continue };
            let user = store
                .find_user_for_login(Some(tenant), &p.username)
                .await?
                .ok_or_else(|| anyhow::anyhow!("demo ECT {} missing", p.username))?;
            let dpw = DaysPerWeek::parse(&ind.days_per_week).map_err(|e| anyhow::anyhow!("{}: {e}", p.username))?;
            let id = store
                .create_induction(
                    &mut tx,
                    tenant,
                    user.user_id(),
                    ind.kind.as_deref().and_then(InductionType::parse).unwrap_or(InductionType::TwoYear).as_str(),
                    ind.start,
                    &Fraction::ZERO.to_exact(),
                    &Fraction::ZERO.to_exact(),
                    now,
                )
                .await?;
            store
                .add_contract(
                    &mut tx,
                    tenant,
                    id,
                    schools[i][school],
                    ind.start,
                    None,
                    dpw.halves() as i32,
                    "permanent",
                )
                .await?;
            if ind.absence_days > 0.0 {
                let on = ind.start + chrono::Days::new(60);
                store.add_absence(&mut tx, tenant, id, on, (ind.absence_days * 2.0) as i32, false).await?;
            }
            created.push(id);
        }
        tx.commit().await?;
        // Reports whose due date passed more than a fortnight ago are shown as completed, so that
        // the demo ECTs stand at different points of their inductions.
        let done_before = crate::clock_today(state) - chrono::Days::new(14);
        for id in created {
            let mut tx = store.begin().await?;
            loop {
                crate::services::induction::recompute(store, &mut tx, tenant, id).await?;
                let open = tx.db().list_reports(tenant, id).await?.into_iter().find(|r| r.completed_at.is_none());
                match open {
                    Some(r) if r.due_date.is_some_and(|d| d < done_before) => {
                        store.complete_report(&mut tx, tenant, r.id, now).await?;
                    }
                    _ => break,
                }
            }
            tx.commit().await?;
        }
    }
    Ok(())
}

/// Profiles, tutors and mentors for the demo ECTs, and registrations in every status (seed 001
/// step 5): one waiting for the head teacher, one waiting for the AB, one rejected, one
/// authorised, a transfer, and a leaver on the AB's task list. They go through the same code as
/// the pages, so the demo shows what the journeys leave behind.
async fn seed_registrations(
    state: &AppState,
    abs: &[DemoAb],
    tenants: &[induct_domain::TenantId],
    schools: &[Vec<induct_domain::SchoolId>],
) -> anyhow::Result<()> {
    use crate::services::ects::{self, Decision, EctDetails, MentorChoice};
    use induct_domain::registration::{RegistrationKind, RejectionReason, SUITABLE_POST, TrainingProgramme};
    let store = state.store();
    let now = state.clock().now();
    let today = crate::clock_today(state);
    for (i, ab) in abs.iter().enumerate() {
        let tenant = tenants[i];
        let site = crate::tenancy::Site::Ab(std::sync::Arc::new(
            store.get_tenant(tenant).await?.ok_or_else(|| anyhow::anyhow!("demo tenant missing"))?,
        ));
        let user_of = async |username: &str| -> anyhow::Result<crate::store::users::UserRow> {
            store
                .find_user_for_login(Some(tenant), username)
                .await?
                .ok_or_else(|| anyhow::anyhow!("demo user {username} missing"))
        };
        // Every demo ECT gets a verified profile, their school's tutor and a mentor.
        let mut tx = store.begin().await?;
        let mut mentors = std::collections::HashMap::new();
        for (n, p) in ab.people.iter().enumerate() {
            let (Some(ind), Some(school)) = (&p.induction, p.school) else { continue };
            let user = user_of(&p.username).await?;
            let induction = store
                .induction_of_ect(tenant, user.user_id())
                .await?
                .ok_or_else(|| anyhow::anyhow!("demo induction missing"))?;
            store
                .create_profile(
                    &mut tx,
                    tenant,
                    &crate::store::ects::ProfileRow {
                        user_id: user.id,
                        trn: format!("2{}", p.username),
                        date_of_birth: chrono::NaiveDate::from_ymd_opt(1996 + (n as i32 % 5), 1 + (n as u32 % 12), 10)
                            .expect("valid date"),
                        home_address: format!("{} Fen Road, Ely CB7 {}AA", 10 + n, n % 9 + 1),
                        itt_provider: "University of Cambridge".into(),
                        qts_date: ind.start.checked_sub_days(chrono::Days::new(60)),
                        subjects: "Primary".into(),
                        age_range: "5-11".into(),
                        training_programme: TrainingProgramme::ProviderLed.as_str().into(),
                        verified_at: Some(now),
                    },
                )
                .await?;
            let school_id = schools[i][school];
            let mentor = match mentors.get(&school) {
                Some(m) => *m,
                None => {
                    let m = store
                        .create_mentor(
                            &mut tx,
                            tenant,
                            school_id,
                            if school == 0 { "Chris Doyle" } else { "Dana Fry" },
                            &format!("mentor{school}@{}.example", ab.slug),
                            "Autumn 2025",
                            now,
                        )
                        .await?;
                    mentors.insert(school, m);
                    m
                }
            };
            let tutor = ab.people.iter().find(|q| q.role == Role::InductionTutor && q.school == Some(school));
            let tutor = match tutor {
                Some(t) => Some(user_of(&t.username).await?.user_id()),
                None => None,
            };
            store.save_assignment(&mut tx, tenant, induction.id, school_id, tutor, Some(mentor), now).await?;
        }
        tx.commit().await?;

        let person = |role: Role, school: usize| {
            ab.people.iter().find(|p| p.role == role && p.school == Some(school)).map(|p| p.username.clone())
        };
        let (Some(head), Some(lead), Some(admin)) =
            (person(Role::HeadTeacher, 0), person(Role::InductionLead, 0), person(Role::SchoolAdmin, 0))
        else {
            continue;
        };
        let ab_admin = ab.people.iter().find(|p| p.role == Role::AbAdmin).map(|p| p.username.clone());
        let actor_of =
            async |username: &str| -> anyhow::Result<induct_domain::UserId> { Ok(user_of(username).await?.user_id()) };
        let details =
            |n: u32, first: &str, last: &str, qts: Option<chrono::NaiveDate>, start: chrono::NaiveDate| EctDetails {
                first_names: first.into(),
                last_name: last.into(),
                trn: format!("3{}{n:02}", &ab.people[0].username[..4]),
                date_of_birth: chrono::NaiveDate::from_ymd_opt(1999, n % 12 + 1, 3).expect("valid date"),
                email: format!("{}.{}@{}-school.example", first.to_lowercase(), last.to_lowercase(), ab.slug),
                home_address: format!("{n} Station Road, Ely CB7 4AA"),
                itt_provider: "Anglia Ruskin University".into(),
                qts_date: qts,
                subjects: "Mathematics".into(),
                age_range: "11-16".into(),
                training_programme: TrainingProgramme::SchoolLed,
                induction_type: "two_year".into(),
                contract_type: "permanent".into(),
                days_per_week_halves: 10,
                contract_start: start,
                induction_start: start,
                previous_schools: vec![],
                tutor: None,
                tutor_name: None,
                mentor: Some(MentorChoice::New {
                    name: format!("Mentor of {first}"),
                    email: format!("mentor.{}@{}-school.example", first.to_lowercase(), ab.slug),
                    start_term: "Spring 2027".into(),
                }),
                suitable_post: SUITABLE_POST.iter().map(|(k, _)| k.to_string()).collect(),
                leaves_other_schools: false,
            };
        let school0 = schools[i][0];
        let next_term = today + chrono::Days::new(42);
        let qts = Some(today - chrono::Days::new(120));
        let demo_actor = |user| crate::services::accounts::Actor { user, ip: "local", user_agent: "induct demo" };
        let a = |e: ects::RegisterEctError| anyhow::anyhow!("demo registration: {e}");
        let d = |e: ects::DecisionError| anyhow::anyhow!("demo decision: {e}");
        let register = async |who: &str, det: &EctDetails| -> anyhow::Result<uuid::Uuid> {
            let by = actor_of(who).await?;
            ects::register(state, &site, school0, RegistrationKind::New, None, det, &demo_actor(by)).await.map_err(a)
        };
        let sign = async |id: uuid::Uuid| -> anyhow::Result<()> {
            let row = store.get_registration(tenant, id).await?.ok_or_else(|| anyhow::anyhow!("missing"))?;
            ects::sign(state, &site, &row, &demo_actor(actor_of(&head).await?)).await.map_err(d)
        };
        // Waiting for the head teacher.
        let tutor = person(Role::InductionTutor, 0).unwrap_or(lead.clone());
        register(&tutor, &details(1, "Olivia", "Brown", qts, next_term)).await?;
        // Waiting for the AB's checks (no QTS date yet: the AB sees the warning).
        let id = register(&lead, &details(2, "Ethan", "Hall", None, next_term)).await?;
        sign(id).await?;
        if let Some(ab_admin) = &ab_admin {
            let by = actor_of(ab_admin).await?;
            // Rejected.
            let id = register(&lead, &details(3, "Isla", "Turner", None, next_term)).await?;
            sign(id).await?;
            let row = store.get_registration(tenant, id).await?.ok_or_else(|| anyhow::anyhow!("missing"))?;
            let note = "QTS has not been awarded yet. Register again once the teacher record shows QTS.";
            let reject = Decision::Reject { reason: RejectionReason::NoQts, note: Some(note) };
            ects::decide(state, &site, &row, reject, &demo_actor(by)).await.map_err(d)?;
            // Authorised: a new ECT account waiting to set its password.
            let id = register(&admin, &details(4, "Amelia", "Scott", qts, next_term)).await?;
            sign(id).await?;
            let row = store.get_registration(tenant, id).await?.ok_or_else(|| anyhow::anyhow!("missing"))?;
            ects::decide(state, &site, &row, Decision::Authorise { qts: None }, &demo_actor(by)).await.map_err(d)?;
        }
        // A transfer to the second school, signed by its head, waiting for the AB; and a leaver.
        let ects_at_0: Vec<&DemoPerson> =
            ab.people.iter().filter(|p| p.role == Role::Ect && p.school == Some(0) && p.induction.is_some()).collect();
        if let (Some(head1), Some(mover), Some(&school1)) =
            (person(Role::HeadTeacher, 1), ects_at_0.get(1), schools[i].get(1))
        {
            let user = user_of(&mover.username).await?;
            let profile = store.get_profile(tenant, user.user_id()).await?.ok_or_else(|| anyhow::anyhow!("profile"))?;
            let mut det = details(5, "", "", profile.qts_date, next_term);
            let (first, last) = user.display_name.rsplit_once(' ').unwrap_or(("", &user.display_name));
            det.first_names = first.into();
            det.last_name = last.into();
            det.trn = profile.trn.clone();
            det.date_of_birth = profile.date_of_birth;
            det.email = user.email.clone();
            det.leaves_other_schools = true;
            let by = demo_actor(actor_of(&head1).await?);
            let id = ects::register(state, &site, school1, RegistrationKind::Transfer, Some(user.user_id()), &det, &by)
                .await
                .map_err(a)?;
            let row = store.get_registration(tenant, id).await?.ok_or_else(|| anyhow::anyhow!("missing"))?;
            ects::sign(state, &site, &row, &by).await.map_err(d)?;
        }
        if let Some(leaver) = ects_at_0.last() {
            let user = user_of(&leaver.username).await?;
            let induction =
                store.induction_of_ect(tenant, user.user_id()).await?.ok_or_else(|| anyhow::anyhow!("induction"))?;
            let l = ects::Leaver {
                leaving_date: today + chrono::Days::new(120),
                reason: "Relocating with family",
                moving: "yes",
                new_school: "Riverside Primary School",
                new_school_address: "Mill Lane, Norwich NR1 1AA",
                new_ab: "",
            };
            let by = demo_actor(actor_of(&head).await?);
            ects::record_leaver(state, &site, induction.id, user.user_id(), school0, &l, &by).await?;
        }
    }
    Ok(())
}

/// Report forms at different points (seed 003), where the demo ECTs' reports are due today: one
/// being written, one waiting for the ECT, one waiting for the tutor's signature; and an alert.
/// On the real clock a report may not be due yet; then it is left as it is.
async fn seed_reports(state: &AppState, ab: &DemoAb, tenant: induct_domain::TenantId) -> anyhow::Result<()> {
    use crate::services::report_forms::{self as rf, Actor, Side};
    let store = state.store();
    let now = state.clock().now();
    let user_of = async |role: Role| -> anyhow::Result<Option<crate::auth::session::CurrentUser>> {
        let Some(p) = ab.people.iter().find(|p| p.role == role) else { return Ok(None) };
        let Some(u) = store.find_user_for_login(Some(tenant), &p.username).await? else { return Ok(None) };
        Ok(Some(crate::auth::session::CurrentUser {
            id: u.user_id(),
            tenant: Some(tenant),
            role,
            username: u.username,
            display_name: u.display_name,
            email: u.email,
            session_hash: String::new(),
            session_created_at: now,
            authenticated_at: now,
            setup_required: false,
            must_change_password: false,
            strong_second_factor: false,
        }))
    };
    let Some(tutor) = user_of(Role::InductionTutor).await? else { return Ok(()) };
    let ects: Vec<&DemoPerson> = ab.people.iter().filter(|p| p.role == Role::Ect && p.induction.is_some()).collect();
    let actor = |u: &crate::auth::session::CurrentUser| Actor { user: u.id, ip: "local", user_agent: "induct demo" };
    let mut answers = vec![
        ("contract.days_absent".to_owned(), "0".to_owned()),
        ("contract.had_absences".to_owned(), "no".to_owned()),
        ("contract.remaining".to_owned(), "yes".to_owned()),
        ("contract.next_days_per_week".to_owned(), "5".to_owned()),
        ("contract.next_contract_type".to_owned(), "permanent".to_owned()),
        ("tutor.recommendation".to_owned(), "on_track".to_owned()),
        (
            "tutor.development".to_owned(),
            "TS4: plan sequences of lessons around a clear end point; reviewed at the next mentor meeting".to_owned(),
        ),
        ("tutor.support_plan".to_owned(), "no".to_owned()),
    ];
    for (k, label) in induct_domain::report_flow::STANDARDS {
        answers.push((
            k.to_owned(),
            format!("{}: evidence from observations and the mentor's notes this term.", &label[..3]),
        ));
    }
    for (i, p) in ects.iter().enumerate().take(3) {
        let Some(ect) = store.find_user_for_login(Some(tenant), &p.username).await? else { continue };
        let Some(induction) = store.induction_of_ect(tenant, ect.user_id()).await? else { continue };
        let Some(open) =
            store.db().list_reports(tenant, induction.id).await?.into_iter().find(|r| r.completed_at.is_none())
        else {
            continue;
        };
        let Ok(ctx) = rf::load(state, &tutor, ect.user_id(), open.number).await else { continue };
        let (served, _) = ctx.engine_days();
        let mut mine = answers.clone();
        mine.push(("contract.days_served".into(), served.to_string()));
        // The first ECT's report is half written.
        let upto = if i == 0 { 6 } else { mine.len() };
        rf::save(state, &ctx, Side::Tutor, &mine[..upto], &actor(&tutor)).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        if i == 0 {
            continue;
        }
        let ctx = rf::load(state, &tutor, ect.user_id(), open.number).await?;
        if rf::release(state, &ctx, &actor(&tutor)).await.is_err() {
            continue; // not due yet on today's date
        }
        if i == 2 {
            let me = crate::auth::session::CurrentUser {
                id: ect.user_id(),
                tenant: Some(tenant),
                role: Role::Ect,
                username: ect.username.clone(),
                display_name: ect.display_name.clone(),
                email: ect.email.clone(),
                session_hash: String::new(),
                session_created_at: now,
                authenticated_at: now,
                setup_required: false,
                must_change_password: false,
                strong_second_factor: false,
            };
            let ctx = rf::load(state, &me, ect.user_id(), open.number).await?;
            let mut comments = vec![("ect.confirmed".to_owned(), "yes".to_owned())];
            let extra = crate::services::forms::extra_questions(state, tenant, rf::form_context(&ctx, "ect")).await?;
            for q in &extra.questions {
                comments.push((format!("extra.ect.{}", q.id), "yes".to_owned()));
            }
            for (k, _) in induct_domain::report_flow::ECT_COMMENTS {
                comments.push((k.to_owned(), "Written by the demo ECT.".to_owned()));
            }
            rf::save(state, &ctx, Side::Ect, &comments, &actor(&me)).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            let ctx = rf::load(state, &me, ect.user_id(), open.number).await?;
            rf::sign(state, &ctx, None, &actor(&me)).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        }
    }
    if let (Some(p), Some(school)) = (ects.get(1), ects.get(1).and_then(|p| p.school)) {
        let ect = store.find_user_for_login(Some(tenant), &p.username).await?;
        let schools = store.list_schools(tenant).await?;
        if let (Some(ect), Some(s)) = (ect, schools.iter().find(|s| s.urn == ab.schools[school].urn)) {
            rf::raise_alert(
                state,
                tenant,
                induct_domain::SchoolId(s.id),
                ect.user_id(),
                "Part-time timetable: the mentor meeting clashes with the ECT's non-working day. Can we discuss?",
                &actor(&tutor),
            )
            .await?;
        }
    }
    Ok(())
}
