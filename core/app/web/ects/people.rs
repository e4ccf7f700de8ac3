//! Tutor and mentor.

use super::*;

pub(super) async fn render_people(
    page: &Page,
    ect_id: &str,
    f: &Fields,
    errors: Errors,
    status: StatusCode,
) -> AppResult<Response> {
    let (induction, school, ect) = ect_at_school(page, ect_id).await?;
    let (tenant, store) = (page.tenant()?, page.state.store());
    let t = tutors(page, &school).await?;
    let m = mentors(page, &school).await?;
    let current = store.list_assignments(tenant, induction.id).await?.into_iter().find(|a| a.school_id == school.id);
    let mut typed = f.typed();
    if f.0.is_empty()
        && let Some(c) = &current
    {
        typed.insert("tutor".into(), c.tutor_user_id.map(|u| u.to_string()).unwrap_or_default());
        typed.insert("mentor".into(), c.mentor_id.map(|u| u.to_string()).unwrap_or_default());
    }
    page.respond(status, "ect_people.html", context! { ect_id, name => ect.display_name, school => school.name, typed, errors => errors.0, ..choice_lists(&t, &m) })
}

pub async fn view_ect_people_get(page: Page, Path(ect_id): Path<String>) -> AppResult<Response> {
    render_people(&page, &ect_id, &Fields(vec![]), Errors::default(), StatusCode::OK).await
}

pub async fn view_ect_people_post(
    page: Page,
    meta: RequestMeta,
    Path(ect_id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (induction, _, school_id) = visible_induction(&page, &ect_id).await?;
    let tenant = page.tenant()?;
    let school = page.state.store().get_school(tenant, school_id).await?.ok_or(AppError::NotFound)?;
    let f = Fields(pairs);
    let mut e = Errors::default();
    let t = tutors(&page, &school).await?;
    let m = mentors(&page, &school).await?;
    let (tutor, mentor) = parse_people(&f, &t, &m, &mut e);
    if !e.is_empty() {
        return render_people(&page, &ect_id, &f, e, StatusCode::BAD_REQUEST).await;
    }
    let a = page.actor(&meta)?;
    ects::change_assignment(
        &page.state,
        &page.site,
        induction.id,
        UserId(induction.ect_user_id),
        school_id,
        tutor.map(|t| UserId(t.0)),
        mentor,
        &a,
    )
    .await?;
    Ok(Redirect::to(&format!("/ects/{ect_id}")).into_response())
}
