//! A registration: the head teacher signs, the AB decides.

use super::*;

/// The registration, if the user may see it: the AB, or staff of its school.
pub(super) async fn visible_registration(page: &Page, id: &str) -> AppResult<RegistrationRow> {
    let id: Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    page.user()?.scope(page.state.store()).registration(id).await?.ok_or(AppError::NotFound)
}

pub(super) async fn render_registration(
    page: &Page,
    row: &RegistrationRow,
    errors: Errors,
    typed: BTreeMap<String, String>,
    status: StatusCode,
) -> AppResult<Response> {
    let user = page.user()?.clone();
    let tenant = page.tenant()?;
    let store = page.state.store();
    let d = ects::details_of(row)?;
    let st = row.status;
    let school = store.get_school(tenant, SchoolId(row.school_id)).await?.ok_or(AppError::NotFound)?;
    let name_of = async |id: Option<Uuid>| -> AppResult<Option<String>> {
        Ok(match id {
            Some(id) => store.get_user_in(page.tenant()?, UserId(id)).await?.map(|u| u.display_name),
            None => None,
        })
    };
    let today = crate::clock_today(&page.state);
    let hash_now = ects::signature_hash(row);
    page.respond(status, "ect_registration.html", context! {
            id => row.id.to_string(),
            kind => row.kind.as_str(),
            is_transfer => row.kind == RegistrationKind::Transfer,
            authorised => st == RegistrationStatus::Authorised,
            status => st.as_str(),
            status_title => st.title(),
            school => school.name,
            ect_name => d.full_name(),
            ect_user_id => row.ect_user_id.map(|u| u.to_string()),
            d => context! {
                trn => d.trn.clone(),
                date_of_birth => fmt_date(d.date_of_birth),
                email => d.email.clone(),
                home_address => d.home_address.clone(),
                itt_provider => d.itt_provider.clone(),
                qts_date => d.qts_date.map(fmt_date),
                qts_iso => d.qts_date.map(|q| q.format("%Y-%m-%d").to_string()),
                subjects => d.subjects.clone(),
                age_range => d.age_range.clone(),
                programme => d.training_programme.title(),
                induction_type => if d.induction_type == "legacy_one_year" { "One year (started before September 2021)" } else { "Two years" },
                contract_type => contract_title(&d.contract_type),
                days_per_week => format!("{}", d.days_per_week_halves as f64 / 2.0),
                contract_start => fmt_date(d.contract_start),
                induction_start => fmt_date(d.induction_start),
                previous_schools => d.previous_schools.iter().map(|p| context! {
                    name => p.name.clone(), address => p.address.clone(), ab => p.appropriate_body.clone(),
                    start => fmt_date(p.start_date),
                    fte => induct_domain::induction::Fraction::parse_exact(&p.fte_terms).map(|f| f.to_one_decimal()),
                    absence => format!("{}", p.absence_half_days as f64 / 2.0),
                }).collect::<Vec<_>>(),
                tutor => d.tutor_name.clone(),
                mentor => match &d.mentor {
                    Some(MentorChoice::Existing { name, .. }) => Some(name.clone()),
                    Some(MentorChoice::New { name, start_term, .. }) => Some(format!("{name} (new mentor from {start_term})")),
                    None => None,
                },
                leaves_other_schools => d.leaves_other_schools,
            },
            checklist => SUITABLE_POST.iter().map(|(k, t)| context! { text => *t, ticked => d.suitable_post.iter().any(|x| x == k) }).collect::<Vec<_>>(),
            registered_by => name_of(Some(row.registered_by)).await?,
            registered_at => crate::mail::messages::uk_time(row.registered_at),
            signed_by => name_of(row.head_signed_by).await?,
            signed_at => row.head_signed_at.map(crate::mail::messages::uk_time),
            signature_hash => row.signature_hash.clone(),
            signature_intact => row.signature_hash.as_deref().map(|h| h == hash_now),
            decided_by => name_of(row.decided_by).await?,
            decided_at => row.decided_at.map(crate::mail::messages::uk_time),
            rejection_reason => row.rejection_reason.as_deref().and_then(RejectionReason::parse).map(|r| r.title()),
            decision_note => row.decision_note.clone(),
            can_sign => st == RegistrationStatus::AwaitingHeadSignature && user.role.allows(Permission::SignEctRegistrations),
            can_decide => st == RegistrationStatus::AwaitingAb && user.role.allows(Permission::AuthoriseEctRegistrations),
            warnings => reg::eligibility_warnings(d.qts_date, d.induction_start, today).iter().map(|w| w.title()).collect::<Vec<_>>(),
            reasons => RejectionReason::ALL.iter().map(|r| (r.as_str(), r.title())).collect::<Vec<_>>(),
            errors => errors.0,
            typed,
        })
}

pub async fn view_registration_get(page: Page, Path(id): Path<String>) -> AppResult<Response> {
    let row = visible_registration(&page, &id).await?;
    render_registration(&page, &row, Errors::default(), BTreeMap::new(), StatusCode::OK).await
}

pub(super) fn order_problem(e: DecisionError) -> AppResult<(String, StatusCode)> {
    match e {
        DecisionError::Order(p) => Ok((p.to_string(), StatusCode::CONFLICT)),
        DecisionError::TrnTaken => Ok((e.to_string(), StatusCode::CONFLICT)),
        other @ (DecisionError::Store(_) | DecisionError::Failed(_)) => Err(other.into()),
    }
}

pub async fn view_registration_sign_post(
    page: Page,
    meta: RequestMeta,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let row = visible_registration(&page, &id).await?;
    let f = Fields(pairs);
    let mut e = Errors::default();
    if f.get("confirm") != "yes" {
        e.add("confirm", "Tick to confirm the details are correct and the post is suitable for induction");
        return render_registration(&page, &row, e, f.typed(), StatusCode::BAD_REQUEST).await;
    }
    let a = page.actor(&meta)?;
    match ects::sign(&page.state, &page.site, &row, &a).await {
        Ok(()) => Ok(Redirect::to(&format!("/registrations/{}", row.id)).into_response()),
        Err(err) => {
            let (message, status) = order_problem(err)?;
            e.add("confirm", message);
            let row = visible_registration(&page, &id).await?;
            render_registration(&page, &row, e, f.typed(), status).await
        }
    }
}

pub async fn view_registration_decision_post(
    page: Page,
    meta: RequestMeta,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let row = visible_registration(&page, &id).await?;
    let f = Fields(pairs);
    let mut e = Errors::default();
    let note = f.get("note").trim().to_owned();
    let mut qts = None;
    let decision = match f.get("decision") {
        "authorise" => {
            if f.get("qts_checked") != "yes" {
                e.add("qts_checked", "Confirm you have checked the ECT's QTS and eligibility on the teacher record");
            }
            if row.kind == RegistrationKind::New {
                // docs/induction-rules.md 2.10: no QTS blocks the claim; SG 2.10-2.11 and docs/security.md I5:
                // induction does not start before QTS.
                let d = ects::details_of(&row)?;
                let today = crate::clock_today(&page.state);
                let typed = e.take("qts_date", validate::optional_date(f.get("qts_date"), "the date QTS was awarded"));
                if let Some(typed) = typed {
                    match reg::check_qts(typed.or(d.qts_date), d.induction_start, today) {
                        Ok(q) => qts = Some(q),
                        Err(p) => e.add("qts_date", p.to_string()),
                    }
                }
            }
            Some(Decision::Authorise { qts })
        }
        "reject" => match RejectionReason::parse(f.get("reason")) {
            None => {
                e.add("reason", "Choose why the registration is rejected");
                None
            }
            Some(RejectionReason::Other) if note.is_empty() => {
                e.add("note", "Explain why the registration is rejected");
                None
            }
            Some(reason) => {
                if !note.is_empty() {
                    e.take("note", validate::text(&note, "the reason", 500));
                }
                Some(Decision::Reject { reason, note: (!note.is_empty()).then_some(note.as_str()) })
            }
        },
        _ => {
            e.add("decision", "Choose to authorise or reject the registration");
            None
        }
    };
    let Some(decision) = decision.filter(|_| e.is_empty()) else {
        return render_registration(&page, &row, e, f.typed(), StatusCode::BAD_REQUEST).await;
    };
    let a = page.actor(&meta)?;
    match ects::decide(&page.state, &page.site, &row, decision, &a).await {
        Ok(()) => Ok(Redirect::to(&format!("/registrations/{}", row.id)).into_response()),
        Err(err) => {
            let (message, status) = order_problem(err)?;
            e.add("decision", message);
            let row = visible_registration(&page, &id).await?;
            render_registration(&page, &row, e, f.typed(), status).await
        }
    }
}
