//! The tutor's first page: this term's contract, days, next term.

use super::*;

pub(super) async fn render_fill(
    page: &Page,
    c: &ReportCtx,
    ect_id: &str,
    f: &Fields,
    errors: Errors,
    status: StatusCode,
) -> AppResult<Response> {
    let name = ect_name(page, c).await?;
    let today = crate::clock_today(&page.state);
    let becomes_due = c.becomes_due();
    let days_editable = becomes_due.is_none_or(|d| today >= d);
    let (served, absent) = engine_days(c);
    let current = c.engine.contracts.iter().rev().find(|k| k.start <= today).or(c.engine.contracts.last());
    let contracts = page.state.store().db().list_contracts(c.tenant, c.induction.id).await?;
    let current_type = contracts.iter().rev().find(|k| k.start_date <= today).map(|k| k.contract_type.clone());
    let value = |k: &str, default: String| -> String {
        f.0.iter().rev().find(|(n, _)| n == k).map(|(_, v)| v.clone()).or_else(|| c.answer(k)).unwrap_or(default)
    };
    let year_absence: u32 = c
        .engine
        .absences
        .iter()
        .filter(|a| a.date < c.planned.period.start && !a.statutory_family_leave)
        .map(|a| a.days.0)
        .sum();
    page.respond(status, "report_fill.html", context! {
            r => header(c, &name, ect_id),
            contract_type => current_type.map(|t| contract_title(&t)),
            days_per_week => current.map(|k| format!("{}", k.days_per_week.halves() as f64 / 2.0)),
            days_editable,
            becomes_due => becomes_due.map(fmt_date),
            days_served => value("contract.days_served", served),
            days_absent => value("contract.days_absent", absent),
            had_absences => value("contract.had_absences", String::new()),
            absences_before => fmt_days(year_absence),
            remaining => value("contract.remaining", String::new()),
            next_days => value("contract.next_days_per_week", current.map(|k| format!("{}", k.days_per_week.halves() as f64 / 2.0)).unwrap_or_default()),
            next_type => value("contract.next_contract_type", "permanent".into()),
            leaving_reason => value("contract.leaving_reason", String::new()),
            leaving_date => value("contract.leaving_date", String::new()),
            contract_types => ContractType::ALL.iter().map(|t| (t.as_str(), t.title())).collect::<Vec<_>>(),
            errors => errors.0,
            locked => c.status().after_tutor_edit().is_err(),
        })
}

pub async fn view_report_fill_get(page: Page, Ids(ect, number): Ids<UserId, i32>) -> AppResult<Response> {
    let (c, ect_id) = (ctx(&page, ect, number).await?, ect.to_string());
    c.must_be(ReportRole::Tutor)?;
    render_fill(&page, &c, &ect_id, &Fields(vec![]), Errors::default(), StatusCode::OK).await
}

pub async fn view_report_fill_post(
    page: Page,
    meta: RequestMeta,
    Ids(ect, number): Ids<UserId, i32>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (c, ect_id) = (ctx(&page, ect, number).await?, ect.to_string());
    c.must_be(ReportRole::Tutor)?;
    let f = Fields(pairs);
    let today = crate::clock_today(&page.state);
    let days_editable = c.becomes_due().is_none_or(|d| today >= d);
    let mut e = Errors::default();
    let mut save: Vec<(String, String)> = vec![];
    if days_editable {
        let (served_default, absent_default) = engine_days(&c);
        let served = if f.get("days_served").trim().is_empty() {
            served_default
        } else {
            f.get("days_served").trim().to_owned()
        };
        let absent = if f.get("days_absent").trim().is_empty() {
            absent_default
        } else {
            f.get("days_absent").trim().to_owned()
        };
        let served_n = induct_domain::induction::HalfDays::parse_days(&served);
        let absent_n = induct_domain::induction::HalfDays::parse_days(&absent);
        match served_n {
            None => e.add("days_served", "Enter the days served, like 73 or 72.5"),
            Some(s) => save.push(("contract.days_served".into(), fmt_days(s.0))),
        }
        match (absent_n, served_n) {
            (None, _) => e.add("days_absent", "Enter the days of absence, like 0, 5 or 5.5"),
            (Some(a), Some(s)) if e.check(record::check_report_days(s, a)).is_none() => {}
            (Some(a), _) => save.push(("contract.days_absent".into(), a.to_string())),
        }
        match f.get("had_absences") {
            "yes" | "no" => save.push(("contract.had_absences".into(), f.get("had_absences").into())),
            _ => e.add("had_absences", "Say whether the ECT has had any absences in this period"),
        }
    }
    let remaining = f.get("remaining");
    let mut leaving = None;
    match remaining {
        "yes" => {
            match induct_domain::induction::DaysPerWeek::parse(f.get("next_days_per_week")) {
                Ok(d) => save.push(("contract.next_days_per_week".into(), format!("{}", d.halves() as f64 / 2.0))),
                Err(p) => e.add("next_days_per_week", p.to_string()),
            }
            if ContractType::parse(f.get("next_contract_type")).is_some() {
                save.push(("contract.next_contract_type".into(), f.get("next_contract_type").into()));
            } else {
                e.add("next_contract_type", "Choose next term's contract type");
            }
            save.push(("contract.remaining".into(), "yes".into()));
        }
        "no" => {
            let reason = e.take("leaving_reason", validate::text(f.get("leaving_reason"), "the reason", 500));
            let date = e.take("leaving_date", validate::date(f.get("leaving_date"), "the date of leaving"));
            if let Some(d) = date {
                e.check(record::check_leaving_date(c.induction.start_date, None, d));
            }
            if let (Some(r), Some(d)) = (reason, date) {
                save.push(("contract.remaining".into(), "no".into()));
                save.push(("contract.leaving_reason".into(), r.clone()));
                save.push(("contract.leaving_date".into(), d.to_string()));
                leaving = Some(rf::Leaving { date: d, reason: r });
            }
        }
        _ => e.add("remaining", "Say whether the ECT will remain at this school next term"),
    }
    if !e.is_empty() {
        return render_fill(&page, &c, &ect_id, &f, e, StatusCode::BAD_REQUEST).await;
    }
    let a = page.actor(&meta)?;
    // Leaving: the report becomes an interim assessment and the AB gets the leaver task (seed 003),
    // in the same transaction as the page's answers.
    if let Err(err) = rf::save_contract_page(&page.state, &c, &save, leaving.as_ref(), &a).await {
        let (status, message) = form_error_response(err)?;
        let mut e = Errors::default();
        e.add("remaining", message);
        return render_fill(&page, &c, &ect_id, &f, e, status).await;
    }
    Ok(Redirect::to(&format!("{}/form", base(&ect_id, c.report.number))).into_response())
}
