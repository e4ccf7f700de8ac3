//! Have you finished? / What happens now?.

use super::*;

pub(super) async fn render_finish(
    page: &Page,
    c: &ReportCtx,
    ect_id: &str,
    errors: Errors,
    status: StatusCode,
) -> AppResult<Response> {
    let name = ect_name(page, c).await?;
    let today = crate::clock_today(&page.state);
    let missing = rf::tutor_missing(&page.state, c).await?;
    page.respond(
        status,
        "report_finish.html",
        context! {
            r => header(c, &name, ect_id),
            missing => missing.iter().map(|m| field_label(m)).collect::<Vec<_>>(),
            too_early => (today < c.release_from()).then(|| fmt_date(c.release_from())),
            released => c.status() != FormStatus::Draft,
            errors => errors.0,
        },
    )
}

pub async fn view_report_finish_get(page: Page, Ids(ect, number): Ids<UserId, i32>) -> AppResult<Response> {
    let (c, ect_id) = (ctx(&page, ect, number).await?, ect.to_string());
    c.must_be(ReportRole::Tutor)?;
    render_finish(&page, &c, &ect_id, Errors::default(), StatusCode::OK).await
}

pub async fn view_report_finish_post(
    page: Page,
    meta: RequestMeta,
    Ids(ect, number): Ids<UserId, i32>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (c, ect_id) = (ctx(&page, ect, number).await?, ect.to_string());
    let f = Fields(pairs);
    match f.get("finished") {
        "later" => return Ok(Redirect::to("/dashboard").into_response()),
        "release" => {}
        _ => {
            let mut e = Errors::default();
            e.add("finished", "Choose whether you have finished");
            return render_finish(&page, &c, &ect_id, e, StatusCode::BAD_REQUEST).await;
        }
    }
    let a = page.actor(&meta)?;
    match rf::release(&page.state, &c, &a).await {
        Ok(()) => {
            let name = ect_name(&page, &c).await?;
            let (c, ect_id) = (ctx(&page, ect, number).await?, ect.to_string());
            let body = page.render("report_released.html", context! { r => header(&c, &name, &ect_id) })?;
            Ok(body.into_response())
        }
        Err(FormError::Missing(_)) => {
            let mut e = Errors::default();
            e.add("finished", "Complete every required answer before making the report available to the ECT");
            render_finish(&page, &c, &ect_id, e, StatusCode::BAD_REQUEST).await
        }
        Err(err) => {
            let (status, message) = form_error_response(err)?;
            let mut e = Errors::default();
            e.add("finished", message);
            render_finish(&page, &c, &ect_id, e, status).await
        }
    }
}

/// "Send Login Details" on "What happens now?" (seed 003): a set-password link to the ECT or the
/// school's head teacher.
pub async fn view_report_send_login_post(
    page: Page,
    meta: RequestMeta,
    Path((ect_id, number, who)): Path<(String, String, String)>,
) -> AppResult<Response> {
    let c = ctx(&page, parse_id(&ect_id)?, parse_id(&number)?).await?;
    c.must_be(ReportRole::Tutor)?;
    let store = page.state.store();
    let person = match who.as_str() {
        "ect" => store.get_user_in(page.tenant()?, UserId(c.induction.ect_user_id)).await?,
        "head" => {
            let school = c.school.ok_or(AppError::NotFound)?;
            let staff = store.list_staff(c.tenant, school).await?;
            match staff.iter().find(|s| s.active && matches!(s.role.parse(), Ok(Role::HeadTeacher))) {
                Some(h) => store.get_user_in(page.tenant()?, UserId(h.id)).await?,
                None => None,
            }
        }
        _ => return Err(AppError::NotFound),
    };
    let person = person.filter(|p| p.active).ok_or(AppError::NotFound)?;
    let a = page.actor(&meta)?;
    crate::services::accounts::send_link(&page.state, &page.site, &person, &a).await?;
    let name = ect_name(&page, &c).await?;
    let body = page.render(
        "report_released.html",
        context! { r => header(&c, &name, &ect_id), notice => format!("We have emailed {} their login details.", person.display_name) },
    )?;
    Ok(body.into_response())
}
