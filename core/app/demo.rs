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
                            status: "authorised",
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
    seed_inductions(state, &abs, &tenant_ids, &school_ids).await?;
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
        induct_domain::calendar::Calendar::new(ab.terms.clone())
            .map_err(|p| anyhow::anyhow!("{}: term dates: {p:?}", ab.slug))?;
        let mut tx = store.begin().await?;
        store
            .save_term_calendar(&mut tx, tenant, crate::induction::AB_SCOPE, &serde_json::to_string(&ab.terms)?, now)
            .await?;
        store
            .save_ab_settings(
                &mut tx,
                tenant,
                Some(10),
                "[]",
                induct_domain::timeline::DEFAULT_DUE_WINDOW_SCHOOL_DAYS as i32,
                now,
            )
            .await?;
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
            loop {
                let mut tx = store.begin().await?;
                crate::induction::recompute(state, &mut tx, tenant, id).await?;
                tx.commit().await?;
                let open = store.list_reports(tenant, id).await?.into_iter().find(|r| r.completed_at.is_none());
                match open {
                    Some(r) if r.due_date.is_some_and(|d| d < done_before) => {
                        let mut tx = store.begin().await?;
                        store.complete_report(&mut tx, tenant, r.id, now).await?;
                        tx.commit().await?;
                    }
                    _ => break,
                }
            }
        }
    }
    Ok(())
}
