//! Alerts (seed 003 "ECT Alerts").

use super::*;

/// Alerts the user may see: the AB all of them; school staff their schools'.
pub(super) async fn visible_alerts(page: &Page) -> AppResult<Vec<crate::store::report_forms::AlertRow>> {
    Ok(page.user()?.scope(page.state.store()).alerts().await?)
}

pub async fn view_alerts_get(page: Page) -> AppResult<Response> {
    let alerts: Vec<Value> = visible_alerts(&page)
        .await?
        .into_iter()
        .map(|a| {
            context! {
                id => a.id.to_string(), name => a.ect_name, status => a.status.title(),
                message => a.message, raised => crate::mail::messages::uk_time(a.created_at),
            }
        })
        .collect();
    let can_raise = page.user()?.role.allows(Permission::RaiseAlerts);
    Ok(page.render("alerts.html", context! { alerts, can_raise })?.into_response())
}

pub(super) async fn alert_ects(page: &Page) -> AppResult<Vec<(String, String, Uuid)>> {
    let user = page.user()?.clone();
    let tenant = page.tenant()?;
    let store = page.state.store();
    let today = crate::clock_today(&page.state);
    let own: Vec<Uuid> = user.scope(store).schools().await?.iter().map(|s| s.id).collect();
    let contracts = store.list_contract_schools(tenant).await?;
    let mut out = vec![];
    for e in store.list_ects(tenant).await? {
        let Some(ind) = e.induction_id else { continue };
        if let Some(c) =
            contracts.iter().find(|c| c.induction_id == ind && own.contains(&c.school_id) && c.is_current_on(today))
        {
            out.push((e.user_id.to_string(), e.display_name, c.school_id));
        }
    }
    Ok(out)
}

pub(super) async fn render_new_alert(
    page: &Page,
    f: &Fields,
    errors: Errors,
    status: StatusCode,
) -> AppResult<Response> {
    let ects = alert_ects(page).await?;
    page.respond(
        status,
        "alert_new.html",
        context! {
            ects => ects.iter().map(|(id, name, _)| (id.clone(), name.clone())).collect::<Vec<_>>(),
            typed => f.typed(),
            errors => errors.0,
        },
    )
}

pub async fn view_alert_new_get(
    page: Page,
    axum::extract::Query(q): axum::extract::Query<BTreeMap<String, String>>,
) -> AppResult<Response> {
    let pre = q.get("ect").map(|e| vec![("ect".to_owned(), e.clone())]).unwrap_or_default();
    render_new_alert(&page, &Fields(pre), Errors::default(), StatusCode::OK).await
}

pub async fn view_alert_new_post(
    page: Page,
    meta: RequestMeta,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let f = Fields(pairs);
    let mut e = Errors::default();
    let ects = alert_ects(&page).await?;
    let chosen = ects.iter().find(|(id, _, _)| id == f.get("ect"));
    if chosen.is_none() {
        e.add("ect", "Choose the ECT the alert is about");
    }
    let message = e.take("message", validate::text(f.get("message"), "the reason", 2000));
    let (Some((ect, _, school)), Some(message)) = (chosen, message) else {
        return render_new_alert(&page, &f, e, StatusCode::BAD_REQUEST).await;
    };
    let tenant = page.tenant()?;
    let ect: Uuid = ect.parse().map_err(|_| AppError::NotFound)?;
    let a = page.actor(&meta)?;
    let id = rf::raise_alert(&page.state, tenant, SchoolId(*school), UserId(ect), &message, &a).await?;
    Ok(Redirect::to(&format!("/alerts/{id}")).into_response())
}

pub(super) async fn visible_alert(page: &Page, id: &str) -> AppResult<crate::store::report_forms::AlertRow> {
    let id: Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    page.user()?.scope(page.state.store()).alert(id).await?.ok_or(AppError::NotFound)
}

pub async fn view_alert_get(page: Page, Path(alert_id): Path<String>) -> AppResult<Response> {
    let a = visible_alert(&page, &alert_id).await?;
    let can_update = page.user()?.role.allows(Permission::ReviewReports);
    Ok(page
        .render(
            "alert.html",
            context! {
                id => a.id.to_string(), name => a.ect_name, ect_id => a.ect_user_id.to_string(), status => a.status.as_str(),
                status_title => a.status.title(), message => a.message, raised_by => a.raised_by_name,
                raised => crate::mail::messages::uk_time(a.created_at), updated => crate::mail::messages::uk_time(a.updated_at),
                statuses => AlertStatus::ALL.iter().map(|s| (s.as_str(), s.title())).collect::<Vec<_>>(), can_update,
            },
        )?
        .into_response())
}

pub async fn view_alert_status_post(
    page: Page,
    meta: RequestMeta,
    Path(alert_id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let a = visible_alert(&page, &alert_id).await?;
    let f = Fields(pairs);
    let status = AlertStatus::parse(f.get("status")).ok_or(AppError::BadRequest("unknown status"))?;
    rf::set_alert_status(&page.state, page.tenant()?, a.id, status, &page.actor(&meta)?).await?;
    Ok(Redirect::to(&format!("/alerts/{}", a.id)).into_response())
}
