//! Leavers (seed 003 leaver form).

use super::*;

pub(super) const MOVING: [(&str, &str); 3] = [("yes", "Yes"), ("no", "No"), ("unknown", "Not known")];

pub(super) async fn render_leaving(
    page: &Page,
    ect_id: &str,
    f: &Fields,
    errors: Errors,
    status: StatusCode,
) -> AppResult<Response> {
    let (_, school, ect) = ect_at_school(page, ect_id).await?;
    page.respond(status, "ect_leaving.html", context! { ect_id, name => ect.display_name, school => school.name, typed => f.typed(), errors => errors.0, moving => MOVING.to_vec() })
}

pub async fn view_ect_leaving_get(page: Page, Path(ect_id): Path<String>) -> AppResult<Response> {
    render_leaving(&page, &ect_id, &Fields(vec![]), Errors::default(), StatusCode::OK).await
}

/// The leaver form (seed 003; docs/induction-rules.md 2.13 "Leaver form").
pub async fn view_ect_leaving_post(
    page: Page,
    meta: RequestMeta,
    Path(ect_id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (induction, contracts, school) = visible_induction(&page, &ect_id).await?;
    let f = Fields(pairs);
    let mut e = Errors::default();
    let date = e.take("leaving_date", validate::date(f.get("leaving_date"), "the leaving date"));
    let started_here = contracts.iter().filter(|c| c.school_id == school.0).map(|c| c.start_date).min();
    if let Some(d) = date {
        e.check(record::check_leaving_date(induction.start_date, started_here, d));
    }
    let reason = e.take("reason", validate::text(f.get("reason"), "the reason", 500));
    let moving = f.get("moving");
    if !MOVING.iter().any(|(v, _)| *v == moving) {
        e.add("moving", "Say whether the ECT is moving to another school");
    }
    let optional = |name: &str, e: &mut Errors| -> String {
        let v = f.get(name).trim();
        if v.is_empty() {
            String::new()
        } else {
            e.take(name, validate::text(v, "the answer", 300)).unwrap_or_default()
        }
    };
    let new_school = optional("new_school", &mut e);
    let new_school_address = optional("new_school_address", &mut e);
    let new_ab = optional("new_ab", &mut e);
    let (Some(date), Some(reason)) = (date, reason) else {
        return render_leaving(&page, &ect_id, &f, e, StatusCode::BAD_REQUEST).await;
    };
    if !e.is_empty() {
        return render_leaving(&page, &ect_id, &f, e, StatusCode::BAD_REQUEST).await;
    }
    let a = page.actor(&meta)?;
    let leaver = ects::Leaver {
        leaving_date: date,
        reason: &reason,
        moving,
        new_school: &new_school,
        new_school_address: &new_school_address,
        new_ab: &new_ab,
    };
    let ect = UserId(induction.ect_user_id);
    match ects::record_leaver(&page.state, &page.site, induction.id, ect, school, &leaver, &a).await? {
        true => Ok(Redirect::to("/ects").into_response()),
        false => {
            let e = Errors::one("leaving_date", "This school has already told the appropriate body the ECT is leaving");
            render_leaving(&page, &ect_id, &f, e, StatusCode::CONFLICT).await
        }
    }
}
