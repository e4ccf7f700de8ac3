//! The ECT's record.

use super::*;

/// `/ects/{id}`: the ECT's record for the AB and the school's staff.
pub async fn view_ect_get(page: Page, Path(ect_id): Path<String>) -> AppResult<Response> {
    render_ect(&page, &ect_id, None).await
}

pub(super) async fn render_ect(page: &Page, ect_id: &str, notice: Option<String>) -> AppResult<Response> {
    let (induction, contracts, school) = visible_induction(page, ect_id).await?;
    let user = page.user()?.clone();
    let tenant = page.tenant()?;
    let store = page.state.store();
    let ect = store.get_user_in(page.tenant()?, UserId(induction.ect_user_id)).await?.ok_or(AppError::NotFound)?;
    let profile = store.get_profile(tenant, ect.user_id()).await?;
    let schools = store.list_schools(tenant).await?;
    let school_name = |id: Uuid| schools.iter().find(|s| s.id == id).map(|s| s.name.clone()).unwrap_or_default();
    let assignments = store.list_assignments(tenant, induction.id).await?;
    let mentors = store.list_all_mentors(tenant).await?;
    let mut people = vec![];
    for a in &assignments {
        let tutor = match a.tutor_user_id {
            Some(t) => store.get_user_in(page.tenant()?, UserId(t)).await?.map(|u| u.display_name),
            None => None,
        };
        let mentor = a.mentor_id.and_then(|m| mentors.iter().find(|x| x.id == m));
        people.push(context! {
            school => school_name(a.school_id),
            tutor,
            mentor => mentor.map(|m| m.name.clone()),
            mentor_from => mentor.map(|m| m.start_term.clone()),
        });
    }
    let leavers: Vec<_> = store
        .list_leavers(tenant)
        .await?
        .into_iter()
        .filter(|l| l.induction_id == induction.id)
        .map(|l| context! { school => school_name(l.school_id), date => fmt_date(l.leaving_date), reason => l.reason, moving => l.moving })
        .collect();
    let previous: Vec<_> = store
        .list_previous_schools(tenant, induction.id)
        .await?
        .into_iter()
        .map(|p| {
            context! {
                name => p.name, ab => p.appropriate_body, start => fmt_date(p.start_date),
                fte => induct_domain::induction::Fraction::parse_exact(&p.fte_terms).map(|f| f.to_one_decimal()),
            }
        })
        .collect();
    let body = page.render(
        "ect.html",
        context! {
            ect_id,
            name => ect.display_name.clone(),
            email => ect.email.clone(),
            username => user.role.allows(Permission::ManageStaffAccounts).then(|| ect.username.clone()),
            has_password => ect.password_hash.is_some(),
            active => ect.active,
            trn => profile.as_ref().map(|p| p.trn.clone()),
            date_of_birth => profile.as_ref().map(|p| fmt_date(p.date_of_birth)),
            qts => profile.as_ref().and_then(|p| p.qts_date).map(fmt_date),
            itt => profile.as_ref().map(|p| p.itt_provider.clone()),
            subjects => profile.as_ref().map(|p| p.subjects.clone()),
            age_range => profile.as_ref().map(|p| p.age_range.clone()),
            start => fmt_date(induction.start_date),
            leaving => induction.leaving_date.map(fmt_date),
            contracts => contracts.iter().map(|c| context! {
                school => school_name(c.school_id), start => fmt_date(c.start_date), end => c.end_date.map(fmt_date),
                days => format!("{}", c.days_per_week_halves as f64 / 2.0), kind => contract_title(&c.contract_type),
            }).collect::<Vec<_>>(),
            people,
            previous,
            leavers,
            here => school_name(school.0),
            can_assign => user.role.allows(Permission::AssignTutorsAndMentors),
            can_leave => user.role.allows(Permission::RecordLeavers),
            can_send_link => user.role.allows(Permission::ManageStaffAccounts) && ect.active,
            can_unlock => user.role.allows(Permission::UnlockAccounts),
            ect_user_id => ect.id.to_string(),
            notice,
        },
    )?;
    Ok(body.into_response())
}

/// Seed 000: heads and leads send an ECT a new set-password link (never a password).
pub async fn view_ect_send_link_post(page: Page, meta: RequestMeta, Path(ect_id): Path<String>) -> AppResult<Response> {
    let (induction, _, _) = visible_induction(&page, &ect_id).await?;
    let ect = page
        .state
        .store()
        .get_user_in(page.tenant()?, UserId(induction.ect_user_id))
        .await?
        .ok_or(AppError::NotFound)?;
    if !ect.active {
        return Err(AppError::NotFound);
    }
    let a = page.actor(&meta)?;
    crate::services::accounts::send_link(&page.state, &page.site, &ect, &a).await?;
    let notice =
        format!("We have emailed {} a link to set their password. Any earlier link no longer works.", ect.display_name);
    render_ect(&page, &ect_id, Some(notice)).await
}
