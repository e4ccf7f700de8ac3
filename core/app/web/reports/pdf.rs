//! PDFs.

use super::*;

pub(crate) fn brand(page: &Page) -> (f32, f32, f32) {
    let theme = page.state.themes().get(page.site.theme());
    crate::pdf::parse_colour(&theme.manifest.colours.brand)
}

pub(crate) fn pdf_response(name: &str, bytes: Vec<u8>) -> Response {
    let mut r = (StatusCode::OK, bytes).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{name}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// Adds one report to a PDF: header facts, every answer and extra question, signatures.
pub(super) async fn report_into_pdf(
    page: &Page,
    c: &ReportCtx,
    doc: &mut crate::pdf::Document,
    first: bool,
) -> AppResult<()> {
    let name = ect_name(page, c).await?;
    if !first {
        doc.heading(&format!("{} {}: {}", c.kind().title(), c.report.number, name));
    }
    let view = report_view(page, c).await?;
    let store = page.state.store();
    let school = match c.school {
        Some(s) => store.get_school(c.tenant, s).await?.map(|s| s.name),
        None => None,
    };
    doc.field("Early career teacher", &name)
        .field("School", &school.unwrap_or_default())
        .field("Report", &format!("{} (number {})", c.kind().title(), c.report.number))
        .field("Period", &format!("{} to {}", fmt_date(c.planned.period.start), fmt_date(c.planned.period.end)))
        .field("Due", &c.planned.due.map(fmt_date).unwrap_or_default())
        .field("Status", c.status().title());
    if !view.visible {
        doc.paragraph("The report is still with the school.");
        return Ok(());
    }
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    doc.heading("Contract and attendance");
    doc.field("Days served in the period (including absences)", &v(&view.days_served))
        .field("Days absent in the period", &v(&view.days_absent))
        .field("Remaining at the school next term", &v(&view.remaining));
    doc.heading("The induction tutor's report");
    doc.field("Recommendation", &v(&view.recommendation));
    for s in view.standards.iter().chain(&view.tutor_extra) {
        doc.field(&s.label, &v(&s.value));
    }
    doc.field("Areas for development", &v(&view.development));
    doc.field("Support plan in place", &v(&view.support_plan));
    doc.heading("The ECT's comments");
    doc.field("Report dates, days served and absence confirmed", if view.confirmed { "Yes" } else { "No" });
    for s in view.ect_extra.iter().chain(&view.comments) {
        doc.field(&s.label, &v(&s.value));
    }
    doc.heading("Signatures");
    let live: Vec<_> = view.signatures.iter().filter(|s| !s.cleared).collect();
    if live.is_empty() {
        doc.paragraph("Not signed yet.");
    }
    for s in live {
        doc.field(s.signer, &format!("{}, {} (content SHA-256 {})", s.name, s.at, s.hash));
    }
    if let Some(comment) = &view.ab_comment {
        doc.field("Appropriate body's comments", comment);
    }
    Ok(())
}

pub(super) fn display(q: &QuestionView) -> String {
    q.values
        .iter()
        .map(|v| match (q.kind, v.as_str()) {
            ("yes-no", "yes") => "Yes".to_owned(),
            ("yes-no", "no") => "No".to_owned(),
            _ => q.options.iter().find(|(k, _)| k == v).map(|(_, l)| l.clone()).unwrap_or_else(|| v.clone()),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn view_report_pdf_get(page: Page, Ids(ect, number): Ids<UserId, i32>) -> AppResult<Response> {
    let c = ctx(&page, ect, number).await?;
    let title = format!("{} {}", c.kind().title(), c.report.number);
    let mut doc = crate::pdf::Document::new(page.site.name(), &title, brand(&page));
    report_into_pdf(&page, &c, &mut doc, true).await?;
    Ok(pdf_response(&format!("report-{}.pdf", c.report.number), doc.render()))
}

/// Every report with a form at a school, in one PDF (issue 6: "print a whole school's reports in
/// one download").
pub async fn view_school_reports_pdf_get(page: Page, Path(school_id): Path<String>) -> AppResult<Response> {
    let user = page.user()?.clone();
    let tenant = page.tenant()?;
    let school: SchoolId = school_id.parse().map_err(|_| AppError::NotFound)?;
    let school = user.scope(page.state.store()).school(school).await?.ok_or(AppError::NotFound)?;
    let title = format!("Reports: {}", school.name);
    let mut doc = crate::pdf::Document::new(page.site.name(), &title, brand(&page));
    let mut n = 0;
    for f in page.state.store().list_forms(tenant).await? {
        let Ok(c) = rf::load(&page.state, &user, UserId(f.ect_user_id), f.number).await else { continue };
        if c.school != Some(SchoolId(school.id)) {
            continue;
        }
        report_into_pdf(&page, &c, &mut doc, false).await?;
        n += 1;
    }
    if n == 0 {
        doc.paragraph("No reports have been started at this school yet.");
    }
    Ok(pdf_response("school-reports.pdf", doc.render()))
}
