//! The tutor's form.

use super::*;

pub(super) async fn render_form(
    page: &Page,
    c: &ReportCtx,
    ect_id: &str,
    errors: Errors,
    notice: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let name = ect_name(page, c).await?;
    let (extra, extra_unavailable) = extra_views(page, c, "tutor").await?;
    let files = page.state.store().files_of(c.tenant, c.induction.id, c.report.number).await?;
    page.respond(status, "report_form.html", context! {
            r => header(c, &name, ect_id),
            a => c.answers.clone(),
            recommendations => report_flow::recommendation_options(c.kind()).to_vec(),
            standards => STANDARDS.to_vec(),
            extra => minijinja::value::Serde(&extra),
            extra_unavailable,
            files => files.iter().map(|f| context! { id => f.id.to_string(), name => f.filename.clone(), at => crate::mail::messages::uk_time(f.uploaded_at) }).collect::<Vec<_>>(),
            concern => c.answer("tutor.recommendation").is_some_and(|r| report_flow::is_concern(&r)),
            locked => c.status().after_tutor_edit().is_err(),
            errors => errors.0,
            notice,
        })
}

pub async fn view_report_form_get(page: Page, Ids(ect, number): Ids<UserId, i32>) -> AppResult<Response> {
    let (c, ect_id) = (ctx(&page, ect, number).await?, ect.to_string());
    c.must_be(ReportRole::Tutor)?;
    render_form(&page, &c, &ect_id, Errors::default(), None, StatusCode::OK).await
}

/// Multiple-choice answers arrive as repeated fields; they are stored one per line. The
/// contract page's fields are written only by that page, with its checks (never by the form or
/// autosave).
pub(super) fn collect_answers(f: &Fields, side: Side) -> Vec<(String, String)> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in &f.0 {
        if rf::side_of(k) == Some(side) && !k.starts_with("contract.") {
            out.entry(k.clone()).or_default().push(v.clone());
        }
    }
    out.into_iter().map(|(k, v)| (k, v.join("\n"))).collect()
}

/// "Save" on a section or the whole form: what was typed is stored as it is (a draft); the
/// checks come when the tutor makes the report available.
pub async fn view_report_form_post(
    page: Page,
    meta: RequestMeta,
    Ids(ect, number): Ids<UserId, i32>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (c, ect_id) = (ctx(&page, ect, number).await?, ect.to_string());
    let f = Fields(pairs);
    let saved = match save_side(&page, &meta, &c, Side::Tutor, &f).await? {
        Ok(saved) => saved,
        Err((status, e)) => return render_form(&page, &c, &ect_id, e, None, status).await,
    };
    if f.get("next") == "finish" {
        return Ok(Redirect::to(&format!("{}/finish", base(&ect_id, c.report.number))).into_response());
    }
    let c = ctx(&page, ect, number).await?;
    let mut notice = format!("Saved at {}.", saved.saved_at);
    if saved.signatures_cleared {
        notice.push_str(" The report had been signed: it needs signing again.");
    }
    render_form(&page, &c, &ect_id, Errors::default(), Some(notice), StatusCode::OK).await
}

/// Autosave from the page's script: the fields typed since the last save, as a form post. Works
/// for the tutor's and the ECT's pages alike (the role decides the side).
pub async fn view_report_autosave_post(
    page: Page,
    meta: RequestMeta,
    Ids(ect, number): Ids<UserId, i32>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let c = ctx(&page, ect, number).await?;
    let side = match c.role {
        ReportRole::Tutor => Side::Tutor,
        ReportRole::Ect => Side::Ect,
        _ => return Err(AppError::Forbidden),
    };
    let f = Fields(pairs);
    let a = page.actor(&meta)?;
    match rf::save(&page.state, &c, side, &collect_answers(&f, side), &a).await {
        Ok(saved) => Ok(axum::Json(saved).into_response()),
        Err(err) => {
            let (status, message) = form_error_response(err)?;
            Ok((status, axum::Json(serde_json::json!({ "error": message }))).into_response())
        }
    }
}

pub async fn view_report_support_plan_post(
    page: Page,
    meta: RequestMeta,
    Ids(ect, number): Ids<UserId, i32>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let (c, ect_id) = (ctx(&page, ect, number).await?, ect.to_string());
    c.must_be(ReportRole::Tutor)?;
    let mut file = None;
    while let Some(field) = multipart.next_field().await.map_err(|_| AppError::BadRequest("unreadable upload"))? {
        if field.name() == Some("support_plan") {
            let name = field.file_name().unwrap_or("support-plan").to_owned();
            let data = field.bytes().await.map_err(|_| AppError::PayloadTooLarge)?;
            file = Some((name, data.to_vec()));
        }
    }
    let mut e = Errors::default();
    let file = match file {
        Some((_, b)) if b.is_empty() => None,
        other => other,
    };
    match file {
        None => e.add("support_plan_file", "Choose the support plan document to upload"),
        Some((_, ref b)) if b.len() > rf::MAX_UPLOAD_BYTES => {
            e.add("support_plan_file", "The file must be 10 MB or smaller")
        }
        Some((_, ref b)) if rf::sniff_document(b).is_none() => e.add(
            "support_plan_file",
            "Upload the support plan as a PDF, Word (.docx or .doc) or OpenDocument (.odt) file",
        ),
        _ => {}
    }
    let Some((name, bytes)) = file.filter(|_| e.is_empty()) else {
        return render_form(&page, &c, &ect_id, e, None, StatusCode::BAD_REQUEST).await;
    };
    let a = page.actor(&meta)?;
    match rf::upload_support_plan(&page.state, &c, &name, &bytes, &a).await {
        Ok(_) => {
            let (c, ect_id) = (ctx(&page, ect, number).await?, ect.to_string());
            render_form(&page, &c, &ect_id, Errors::default(), Some(format!("{name} uploaded.")), StatusCode::OK).await
        }
        Err(err) => {
            let (status, message) = form_error_response(err)?;
            let mut e = Errors::default();
            e.add("support_plan_file", message);
            render_form(&page, &c, &ect_id, e, None, status).await
        }
    }
}

pub async fn view_report_file_get(
    page: Page,
    Path((ect_id, number, file_id)): Path<(String, String, String)>,
) -> AppResult<Response> {
    let c = ctx(&page, parse_id(&ect_id)?, parse_id(&number)?).await?;
    if !c.content_visible() {
        return Err(AppError::NotFound);
    }
    let id: Uuid = file_id.parse().map_err(|_| AppError::NotFound)?;
    let f =
        page.state.store().get_file(c.tenant, c.induction.id, c.report.number, id).await?.ok_or(AppError::NotFound)?;
    let mut r = (StatusCode::OK, f.bytes).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_str(&f.content_type).map_err(|_| AppError::NotFound)?);
    let disposition = format!("attachment; filename=\"{}\"", f.filename.replace('"', ""));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

/// Seed 003: "Click here to view a read only version of this form ... to help you gather the
/// information".
pub async fn view_report_preview_get(page: Page, Ids(ect, number): Ids<UserId, i32>) -> AppResult<Response> {
    let (c, ect_id) = (ctx(&page, ect, number).await?, ect.to_string());
    let name = ect_name(&page, &c).await?;
    let (tutor_extra, _) = extra_views(&page, &c, "tutor").await?;
    let (ect_extra, _) = extra_views(&page, &c, "ect").await?;
    let body = page.render(
        "report_preview.html",
        context! {
            r => header(&c, &name, &ect_id),
            recommendations => report_flow::recommendation_options(c.kind()).to_vec(),
            standards => STANDARDS.to_vec(),
            comments => ECT_COMMENTS.to_vec(),
            tutor_extra => minijinja::value::Serde(&tutor_extra),
            ect_extra => minijinja::value::Serde(&ect_extra),
        },
    )?;
    Ok(body.into_response())
}
