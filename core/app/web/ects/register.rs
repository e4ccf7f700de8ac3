//! Registering a new ECT (seed 001 step 5).

use super::*;

pub(super) async fn render_register(
    page: &Page,
    school: &SchoolRow,
    f: &Fields,
    errors: Errors,
    status: StatusCode,
    transfer: bool,
) -> AppResult<Response> {
    let t = tutors(page, school).await?;
    let m = mentors(page, school).await?;
    let body = page.render(
        if transfer { "ect_transfer.html" } else { "ect_register.html" },
        context! {
            school => minijinja::value::Serde(school),
            typed => f.typed(),
            ticked => f.all("suitable_post"),
            errors => errors.0,
            ..choice_lists(&t, &m)
        },
    )?;
    Ok((status, body).into_response())
}

pub async fn view_register_ect_get(page: Page, Path(school_id): Path<String>) -> AppResult<Response> {
    let school = own_school(&page, &school_id).await?;
    let mut defaults = Fields(vec![("induction_type".into(), "two_year".into()), ("days_per_week".into(), "5".into())]);
    defaults.0.push(("contract_type".into(), "permanent".into()));
    render_register(&page, &school, &defaults, Errors::default(), StatusCode::OK, false).await
}

pub async fn view_register_ect_post(
    page: Page,
    meta: RequestMeta,
    Path(school_id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let school = own_school(&page, &school_id).await?;
    let f = Fields(pairs);
    let today = crate::clock_today(&page.state);
    let mut e = Errors::default();
    let first_names = e.take("first_names", validate::text(f.get("first_names"), "the first names", 100));
    let last_name = e.take("last_name", validate::text(f.get("last_name"), "the last name", 100));
    let trn = e.take("trn", validate::trn(f.get("trn")));
    let dob = e.take("date_of_birth", validate::date_of_birth(f.get("date_of_birth"), today));
    let email = e.take("email", validate::email(f.get("email")));
    let home_address = e.take("home_address", validate::text(f.get("home_address"), "the home address", 300));
    let itt = e.take("itt_provider", validate::text(f.get("itt_provider"), "the ITT provider", 200));
    let qts = e.take("qts_date", validate::optional_date(f.get("qts_date"), "the date QTS was awarded"));
    let subjects = e.take("subjects", validate::text(f.get("subjects"), "the subjects", 200));
    let age_range = e.take("age_range", validate::age_range(f.get("age_range")));
    let programme = TrainingProgramme::parse(f.get("training_programme"));
    if programme.is_none() {
        e.add("training_programme", "Choose the training programme: provider-led or school-led");
    }
    let kind = InductionType::parse(f.get("induction_type"));
    if kind.is_none() {
        e.add("induction_type", "Choose the induction type");
    }
    let contract = parse_contract(&f, &mut e);
    let start = e.take("induction_start", validate::date(f.get("induction_start"), "the induction start date"));
    let previous = parse_previous_schools(&f, &mut e);
    let facts = reg::RegistrationFacts {
        first_names: first_names.as_deref(),
        last_name: last_name.as_deref(),
        kind,
        induction_start: start,
        qts,
        contract_start: contract.as_ref().map(|c| c.start),
        previous_school_starts: previous.iter().map(|p| p.start_date).collect(),
    };
    for p in reg::check_registration(&facts, today) {
        e.add(&p.field(), p.to_string());
    }
    let tenant = page.tenant()?;
    if let Some(em) = &email
        && page.state.store().ect_email_in_use(tenant, em, None).await?
    {
        e.add("email", "Another ECT registered with this appropriate body uses this email address");
    }
    let t = tutors(&page, &school).await?;
    let m = mentors(&page, &school).await?;
    let (tutor, mentor) = parse_people(&f, &t, &m, &mut e);
    let checklist = parse_checklist(&f, &mut e);
    let details = match (first_names, last_name, trn, dob, email, home_address, itt, qts, subjects, age_range) {
        (Some(a), Some(b), Some(c), Some(d), Some(em), Some(h), Some(i), Some(q), Some(s), Some(ar))
            if e.is_empty() =>
        {
            let contract = contract.expect("checked");
            EctDetails {
                first_names: a,
                last_name: b,
                trn: c,
                date_of_birth: d,
                email: em,
                home_address: h,
                itt_provider: i,
                qts_date: q,
                subjects: s,
                age_range: ar,
                training_programme: programme.expect("checked"),
                induction_type: kind.expect("checked").as_str().into(),
                contract_type: contract.contract_type,
                days_per_week_halves: contract.halves,
                contract_start: contract.start,
                induction_start: start.expect("checked"),
                previous_schools: previous,
                tutor: tutor.as_ref().map(|t| t.0),
                tutor_name: tutor.map(|t| t.1),
                mentor,
                suitable_post: checklist,
                leaves_other_schools: false,
            }
        }
        _ => return render_register(&page, &school, &f, e, StatusCode::BAD_REQUEST, false).await,
    };
    let a = page.actor(&meta)?;
    match ects::register(&page.state, &page.site, SchoolId(school.id), RegistrationKind::New, None, &details, &a).await
    {
        Ok(id) => Ok(Redirect::to(&format!("/registrations/{id}")).into_response()),
        Err(RegisterEctError::DuplicateEct { user, name }) => {
            // Name and record only for an ECT the user can already see: a TRN alone must not
            // reveal who holds it elsewhere in the AB (the transfer form asks for the date of
            // birth too).
            let visible = visible_induction(&page, &user.to_string()).await.is_ok();
            let message = if visible {
                format!("{name} is already registered with this TRN: see /ects/{user}.")
            } else {
                format!(
                    "An ECT with this TRN is already registered with {}. If they are joining your school, register a transfer instead.",
                    page.site.name()
                )
            };
            let mut e = Errors::default();
            e.add("trn", message);
            render_register(&page, &school, &f, e, StatusCode::CONFLICT, false).await
        }
        Err(RegisterEctError::DuplicateRegistration { registration, name }) => {
            let visible = visible_registration(&page, &registration.to_string()).await.is_ok();
            let message = if visible {
                format!(
                    "A registration of {name} with this TRN is already in progress: see /registrations/{registration}."
                )
            } else {
                format!("A registration with this TRN is already in progress with {}.", page.site.name())
            };
            let mut e = Errors::default();
            e.add("trn", message);
            render_register(&page, &school, &f, e, StatusCode::CONFLICT, false).await
        }
        Err(other @ (RegisterEctError::Store(_) | RegisterEctError::Failed(_))) => Err(other.into()),
    }
}
