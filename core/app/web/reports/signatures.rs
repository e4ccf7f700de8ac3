//! Signature list (bulk) and the AB's review page.

use super::*;

pub(super) async fn render_signatures(
    page: &Page,
    errors: Errors,
    notice: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let user = page.user()?.clone();
    let rows: Vec<Value> = rf::awaiting_signature(&page.state, &user)
        .await?
        .iter()
        .map(|t| {
            let w = &t.which;
            context! {
                key => format!("{}:{}:{}", w.ect, w.number, t.hash),
                url => base(&w.ect.to_string(), w.number),
                name => t.ect_name.clone(),
                kind => if w.kind == ReportKind::ProgressReview { "Progress review" } else { "Assessment" },
                period => format!("{} to {}", fmt_date(w.period.start), fmt_date(w.period.end)),
            }
        })
        .collect();
    let now = page.state.clock().now();
    page.respond(
        status,
        "signatures.html",
        context! {
            rows,
            needs_password => now - user.authenticated_at > STEP_UP_AFTER,
            bulk => Signer::for_role(user.role).is_some_and(Signer::signs_in_bulk),
            errors => errors.0,
            notice,
        },
    )
}

pub async fn view_signatures_get(page: Page) -> AppResult<Response> {
    render_signatures(&page, Errors::default(), None, StatusCode::OK).await
}

/// "Digitally Sign All Ticked Reports": each ticked report is signed on its own; one refusal
/// does not stop the others, and the page says which were signed.
pub async fn view_signatures_post(
    page: Page,
    meta: RequestMeta,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let f = Fields(pairs);
    let ticked = f.all("report");
    let mut e = Errors::default();
    if ticked.is_empty() {
        e.add("reports", "Tick the reports you have read and want to sign");
        return render_signatures(&page, e, None, StatusCode::BAD_REQUEST).await;
    }
    if !step_up(&page, &meta, f.get("password")).await? {
        e.add("password", "Enter your password to sign: it has been more than 5 minutes since you logged in");
        return render_signatures(&page, e, None, StatusCode::UNAUTHORIZED).await;
    }
    let user = page.user()?.clone();
    let a = page.actor(&meta)?;
    let mut signed = 0;
    let mut refused = vec![];
    for key in ticked {
        let mut parts = key.splitn(3, ':');
        let (Some(ect), Some(number), hash) = (parts.next(), parts.next(), parts.next()) else { continue };
        let (Ok(ect), Ok(number)) = (ect.parse::<Uuid>(), number.parse::<i32>()) else { continue };
        match rf::load(&page.state, &user, UserId(ect), number).await {
            Ok(c) => match rf::sign(&page.state, &c, hash, &a).await {
                Ok(_) => signed += 1,
                Err(err @ (FormError::Store(_) | FormError::Failed(_))) => return Err(err.into()),
                Err(err) => refused.push(err.to_string()),
            },
            Err(ServiceError::NotFound) => refused.push("A report you cannot reach".into()),
            Err(err) => return Err(err.into()),
        }
    }
    let mut notice = format!("{signed} report{} signed.", if signed == 1 { "" } else { "s" });
    if !refused.is_empty() {
        notice.push_str(&format!(" Not signed: {}.", refused.join("; ")));
    }
    render_signatures(&page, Errors::default(), Some(notice), StatusCode::OK).await
}

/// The AB's view: submitted reports to review, overdue and unsigned reports by school, alerts.
pub async fn view_review_get(page: Page) -> AppResult<Response> {
    let tenant = page.tenant()?;
    let store = page.state.store();
    let today = crate::clock_today(&page.state);
    let forms = store.list_forms(tenant).await?;
    let to_review: Vec<Value> = forms
        .iter()
        .filter(|f| f.status == FormStatus::Submitted)
        .map(|f| {
            context! {
                url => base(&f.ect_user_id.to_string(), f.number),
                name => f.ect_name.clone(),
                kind => f.kind.title(),
                submitted => f.submitted_at.map(crate::mail::messages::uk_time),
            }
        })
        .collect();
    // Overdue (past due, not yet with the AB) and waiting for signatures, by school.
    let mut by_school: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for r in store.reports_of_ab(tenant).await?.into_iter().filter(|r| r.completed_at.is_none()) {
        let form = forms.iter().find(|f| f.induction_id == r.induction_id && f.number == r.number);
        let st = form.map_or(FormStatus::Draft, |f| f.status);
        if !induct_domain::notices::still_chased(st) {
            continue;
        }
        let overdue = report_flow::is_overdue(r.due_date, st, today);
        if !overdue && !st.awaits_school_signatures() {
            continue;
        }
        by_school.entry(r.school_name.clone()).or_default().push(context! {
            name => r.ect_name,
            kind => ReportKind::parse(&r.kind).map(|k| k.title()),
            due => r.due_date.map(fmt_date),
            overdue,
            status => st.title(),
        });
    }
    let alerts = store.list_alerts(tenant).await?;
    let open_alerts = alerts.iter().filter(|a| a.status.is_open()).count();
    Ok(page
        .render(
            "review.html",
            context! {
                to_review,
                by_school => by_school.into_iter().map(|(school, rows)| context! { school, rows }).collect::<Vec<_>>(),
                open_alerts,
            },
        )?
        .into_response())
}
