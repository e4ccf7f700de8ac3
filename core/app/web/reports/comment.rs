//! The ECT's confirmation and comments.

use super::*;

pub(super) async fn render_comment(
    page: &Page,
    c: &ReportCtx,
    ect_id: &str,
    errors: Errors,
    notice: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let name = ect_name(page, c).await?;
    let (extra, extra_unavailable) = extra_views(page, c, "ect").await?;
    page.respond(
        status,
        "report_comment.html",
        context! {
            r => header(c, &name, ect_id),
            a => c.answers.clone(),
            comments => ECT_COMMENTS.to_vec(),
            extra => minijinja::value::Serde(&extra),
            extra_unavailable,
            days_served => c.answer("contract.days_served"),
            days_absent => c.answer("contract.days_absent"),
            locked => c.status().after_ect_edit().is_err(),
            errors => errors.0,
            notice,
        },
    )
}

pub async fn view_report_comment_get(page: Page, Ids(ect, number): Ids<UserId, i32>) -> AppResult<Response> {
    let (c, ect_id) = (ctx(&page, ect, number).await?, ect.to_string());
    c.must_be(ReportRole::Ect)?;
    if c.status() == FormStatus::Draft {
        return Err(AppError::NotFound);
    }
    render_comment(&page, &c, &ect_id, Errors::default(), None, StatusCode::OK).await
}

pub async fn view_report_comment_post(
    page: Page,
    meta: RequestMeta,
    Ids(ect, number): Ids<UserId, i32>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (c, ect_id) = (ctx(&page, ect, number).await?, ect.to_string());
    let f = Fields(pairs);
    let saved = match save_side(&page, &meta, &c, Side::Ect, &f).await? {
        Ok(saved) => saved,
        Err((status, e)) => return render_comment(&page, &c, &ect_id, e, None, status).await,
    };
    let c = ctx(&page, ect, number).await?;
    if f.get("next") == "continue" {
        let missing = rf::ect_missing(&page.state, &c).await?;
        if missing.is_empty() {
            return Ok(Redirect::to(&format!("{}#sign", base(&ect_id, c.report.number))).into_response());
        }
        let mut e = Errors::default();
        for m in &missing {
            e.add(m, format!("Answer: {}", field_label(m)));
        }
        return render_comment(&page, &c, &ect_id, e, None, StatusCode::BAD_REQUEST).await;
    }
    let notice = format!("Saved at {}.", saved.saved_at);
    render_comment(&page, &c, &ect_id, Errors::default(), Some(notice), StatusCode::OK).await
}
