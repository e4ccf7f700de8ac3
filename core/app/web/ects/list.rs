//! The ECTs list, searchable by name or TRN.

use super::*;

#[derive(serde::Deserialize, Default)]
pub struct Search {
    #[serde(default)]
    pub q: String,
}

/// Whether a name or TRN matches a search (case-insensitive on the name; the TRN from its start).
pub fn matches(q: &str, name: &str, trn: Option<&str>) -> bool {
    let q = q.trim();
    q.is_empty() || name.to_lowercase().contains(&q.to_lowercase()) || trn.is_some_and(|t| t.starts_with(q))
}

/// `/ects`: the ECTs the user may see (the AB: all; school staff: those employed at their schools
/// now) and the registrations in progress or rejected, searchable by name or TRN.
pub async fn view_ects_get(page: Page, Query(s): Query<Search>) -> AppResult<Response> {
    let user = page.user()?.clone();
    let tenant = page.tenant()?;
    let store = page.state.store();
    let today = crate::clock_today(&page.state);
    let own: Vec<Uuid> = user.scope(store).schools().await?.iter().map(|s| s.id).collect();
    let whole_ab = user.role.reach() == induct_domain::roles::Reach::WholeAb;
    let contracts = store.list_contract_schools(tenant).await?;
    let mut ects = vec![];
    for e in store.list_ects(tenant).await? {
        let Some(induction) = e.induction_id else { continue };
        let mine: Vec<_> = contracts.iter().filter(|c| c.induction_id == induction).collect();
        let current: Vec<_> = mine.iter().filter(|c| c.is_current_on(today)).collect();
        let visible = whole_ab || current.iter().any(|c| own.contains(&c.school_id));
        if !visible || !matches(&s.q, &e.display_name, e.trn.as_deref()) {
            continue;
        }
        let mut schools: Vec<String> = current.iter().map(|c| c.school_name.clone()).collect();
        schools.dedup();
        let status = EctStatus::on(e.start_date, e.leaving_date, today).title();
        ects.push(context! {
            id => e.user_id.to_string(),
            name => e.display_name,
            trn => e.trn,
            schools => schools.join(", "),
            start => e.start_date.map(fmt_date),
            status,
            can_open => user.role.allows(Permission::ViewEctRecord),
        });
    }
    let schools = store.list_schools(tenant).await?;
    let school_name = |id: Uuid| schools.iter().find(|s| s.id == id).map(|s| s.name.clone()).unwrap_or_default();
    let registrations: Vec<_> = store
        .list_registrations(tenant)
        .await?
        .into_iter()
        .filter(|r| r.status != RegistrationStatus::Authorised)
        .filter(|r| whole_ab || own.contains(&r.school_id))
        .filter(|r| matches(&s.q, &r.ect_name, Some(&r.trn)))
        .map(|r| {
            let st = Some(r.status);
            context! {
                id => r.id.to_string(),
                name => r.ect_name,
                trn => r.trn,
                school => school_name(r.school_id),
                kind => if r.kind == RegistrationKind::Transfer { "Transfer" } else { "New ECT" },
                status => st.map(|s| s.title()).unwrap_or("Unknown"),
                registered => fmt_date(r.registered_at.date_naive()),
            }
        })
        .collect();
    let register_at: Vec<_> = if user.role.allows(Permission::RegisterEcts) {
        schools
            .iter()
            .filter(|s| own.contains(&s.id) && s.status == SchoolStatus::Authorised)
            .map(|s| context! { id => s.id.to_string(), name => s.name.clone() })
            .collect()
    } else {
        vec![]
    };
    Ok(page.render("ects.html", context! { ects, registrations, q => s.q, register_at })?.into_response())
}
