//! Reading, signing, the AB's decision.

use super::*;

pub(super) async fn render_read(
    page: &Page,
    c: &ReportCtx,
    ect_id: &str,
    errors: Errors,
    notice: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let user = page.user()?.clone();
    let name = ect_name(page, c).await?;
    let st = c.status();
    // The AB reads a report once it is submitted (issue 6: "the AB sees it once submitted").
    let view = report_view(page, c).await?;
    let files = page.state.store().files_of(c.tenant, c.induction.id, c.report.number).await?;
    let signer = rf::signer_for(c.role);
    let can_sign = signer.is_some_and(|s| st.next(report_flow::FlowAction::Sign(s), c.kind(), c.policy).is_ok());
    let now = page.state.clock().now();
    page.respond(status, "report_read.html", context! {
            r => header(c, &name, ect_id),
            view => minijinja::value::Serde(&view),
            files => files.iter().map(|f| context! { id => f.id.to_string(), name => f.filename.clone() }).collect::<Vec<_>>(),
            signers => c.policy.signers(c.kind()).iter().map(|s| s.title()).collect::<Vec<_>>(),
            can_sign,
            content_hash => rf::current_hash(&page.state, c).await?,
            needs_password => now - user.authenticated_at > STEP_UP_AFTER,
            can_fill => c.can_fill(),
            can_comment => c.can_comment(),
            can_decide => c.can_decide(),
            can_alert => matches!(c.role, ReportRole::Tutor | ReportRole::Head),
            errors => errors.0,
            notice,
        })
}

pub async fn view_report_get(page: Page, Ids(ect, number): Ids<UserId, i32>) -> AppResult<Response> {
    let (c, ect_id) = (ctx(&page, ect, number).await?, ect.to_string());
    render_read(&page, &c, &ect_id, Errors::default(), None, StatusCode::OK).await
}

pub async fn view_report_sign_post(
    page: Page,
    meta: RequestMeta,
    Ids(ect, number): Ids<UserId, i32>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (c, ect_id) = (ctx(&page, ect, number).await?, ect.to_string());
    if rf::signer_for(c.role).is_none() {
        return Err(AppError::Forbidden);
    }
    let f = Fields(pairs);
    let mut e = Errors::default();
    if f.get("confirm") != "yes" {
        e.add("confirm", "Tick to confirm you have read the report and are signing it");
        return render_read(&page, &c, &ect_id, e, None, StatusCode::BAD_REQUEST).await;
    }
    if !step_up(&page, &meta, f.get("password")).await? {
        e.add("password", "Enter your password to sign: it has been more than 5 minutes since you logged in");
        return render_read(&page, &c, &ect_id, e, None, StatusCode::UNAUTHORIZED).await;
    }
    let a = page.actor(&meta)?;
    let expected = Some(f.get("hash")).filter(|h| !h.is_empty());
    match rf::sign(&page.state, &c, expected, &a).await {
        Ok(next) => {
            let (c, ect_id) = (ctx(&page, ect, number).await?, ect.to_string());
            let notice = if next == FormStatus::Submitted {
                "Signed. The report has been submitted to the appropriate body.".to_owned()
            } else {
                "Signed.".to_owned()
            };
            render_read(&page, &c, &ect_id, Errors::default(), Some(notice), StatusCode::OK).await
        }
        Err(FormError::Missing(m)) => {
            let mut e = Errors::default();
            e.add(
                "confirm",
                format!(
                    "Add your comments before signing: {}",
                    m.iter().map(|x| field_label(x)).collect::<Vec<_>>().join("; ")
                ),
            );
            render_read(&page, &c, &ect_id, e, None, StatusCode::CONFLICT).await
        }
        Err(err) => {
            let (status, message) = form_error_response(err)?;
            e.add("confirm", message);
            render_read(&page, &c, &ect_id, e, None, status).await
        }
    }
}

pub async fn view_report_decision_post(
    page: Page,
    meta: RequestMeta,
    Ids(ect, number): Ids<UserId, i32>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (c, ect_id) = (ctx(&page, ect, number).await?, ect.to_string());
    let f = Fields(pairs);
    let mut e = Errors::default();
    let comment = f.get("comment").trim().to_owned();
    let accept = match f.get("decision") {
        "accept" => true,
        "return" => {
            if comment.is_empty() {
                e.add("comment", "Say what needs changing");
            } else {
                e.take("comment", validate::text(&comment, "the reason", 2000));
            }
            false
        }
        _ => {
            e.add("decision", "Choose to accept the report or return it");
            false
        }
    };
    if !e.is_empty() {
        return render_read(&page, &c, &ect_id, e, None, StatusCode::BAD_REQUEST).await;
    }
    let a = page.actor(&meta)?;
    let comment = (!comment.is_empty()).then_some(comment.as_str());
    match rf::decide(&page.state, &c, accept, comment, &a).await {
        Ok(()) => Ok(Redirect::to("/reports/review").into_response()),
        Err(err) => {
            let (status, message) = form_error_response(err)?;
            e.add("decision", message);
            render_read(&page, &c, &ect_id, e, None, status).await
        }
    }
}
