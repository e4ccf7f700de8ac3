//! A transfer in from another school of the AB (seed 002).

use super::*;

pub async fn view_transfer_ect_get(page: Page, Path(school_id): Path<String>) -> AppResult<Response> {
    let school = own_school(&page, &school_id).await?;
    let defaults = Fields(vec![("days_per_week".into(), "5".into()), ("contract_type".into(), "permanent".into())]);
    render_register(&page, &school, &defaults, Errors::default(), StatusCode::OK, true).await
}

/// Seed 002: "new school registers them with a start date"; the ECT is found by TRN and date of
/// birth (docs/induction-rules.md 1.5: TRN + DOB must match).
pub async fn view_transfer_ect_post(
    page: Page,
    meta: RequestMeta,
    Path(school_id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let school = own_school(&page, &school_id).await?;
    let f = Fields(pairs);
    let tenant = page.tenant()?;
    let today = crate::clock_today(&page.state);
    let store = page.state.store();
    let mut e = Errors::default();
    let trn = e.take("trn", validate::trn(f.get("trn")));
    let dob = e.take("date_of_birth", validate::date_of_birth(f.get("date_of_birth"), today));
    let contract = parse_contract(&f, &mut e);
    let t = tutors(&page, &school).await?;
    let m = mentors(&page, &school).await?;
    let (tutor, mentor) = parse_people(&f, &t, &m, &mut e);
    let checklist = parse_checklist(&f, &mut e);
    let mut found = None;
    if let (Some(trn), Some(dob)) = (&trn, dob) {
        match store.profile_by_trn(tenant, trn).await?.filter(|p| p.date_of_birth == dob) {
            None => e.add(
                "trn",
                format!(
                    "No ECT with this TRN and date of birth is registered with {}. Register them as a new ECT instead.",
                    page.site.name()
                ),
            ),
            Some(p) => {
                let user = store.get_user_in(page.tenant()?, UserId(p.user_id)).await?.ok_or(AppError::NotFound)?;
                let induction = store.induction_of_ect(tenant, UserId(p.user_id)).await?.ok_or(AppError::NotFound)?;
                if let Some(c) = &contract {
                    e.check(record::check_contract_start(induction.start_date, c.start));
                }
                found = Some((p, user, induction));
            }
        }
    }
    let Some((profile, user, induction)) = found.filter(|_| e.is_empty()) else {
        return render_register(&page, &school, &f, e, StatusCode::BAD_REQUEST, true).await;
    };
    let contract = contract.expect("checked");
    let (first_names, last_name) = match user.display_name.rsplit_once(' ') {
        Some((a, b)) => (a.to_owned(), b.to_owned()),
        None => (String::new(), user.display_name.clone()),
    };
    let details = EctDetails {
        first_names,
        last_name,
        trn: profile.trn.clone(),
        date_of_birth: profile.date_of_birth,
        email: user.email.clone(),
        home_address: profile.home_address.clone(),
        itt_provider: profile.itt_provider.clone(),
        qts_date: profile.qts_date,
        subjects: profile.subjects.clone(),
        age_range: profile.age_range.clone(),
        training_programme: TrainingProgramme::parse(&profile.training_programme)
            .unwrap_or(TrainingProgramme::SchoolLed),
        induction_type: induction.induction_type.clone(),
        contract_type: contract.contract_type,
        days_per_week_halves: contract.halves,
        contract_start: contract.start,
        induction_start: induction.start_date,
        previous_schools: vec![],
        tutor: tutor.as_ref().map(|t| t.0),
        tutor_name: tutor.map(|t| t.1),
        mentor,
        suitable_post: checklist,
        leaves_other_schools: f.get("leaves_other_schools") == "yes",
    };
    let a = page.actor(&meta)?;
    let result = ects::register(
        &page.state,
        &page.site,
        SchoolId(school.id),
        RegistrationKind::Transfer,
        Some(user.user_id()),
        &details,
        &a,
    )
    .await;
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/registrations/{id}")).into_response()),
        Err(RegisterEctError::DuplicateRegistration { registration, name }) => {
            let mut e = Errors::default();
            e.add(
                "trn",
                format!(
                    "A registration of {name} with this TRN is already in progress (/registrations/{registration})."
                ),
            );
            render_register(&page, &school, &f, e, StatusCode::CONFLICT, true).await
        }
        Err(RegisterEctError::DuplicateEct { .. }) => Err(AppError::Internal("transfer refused as duplicate".into())),
        Err(other @ (RegisterEctError::Store(_) | RegisterEctError::Failed(_))) => Err(other.into()),
    }
}
