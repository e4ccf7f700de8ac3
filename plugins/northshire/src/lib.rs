//! Northshire Appropriate Body Service's plugin (demo): its own school details questions, a
//! question on ECT registration, and its course-booking rules.

use induct_plugin_sdk::*;

struct Northshire;

impl Plugin for Northshire {
    fn manifest() -> Manifest {
        manifest("northshire", env!("CARGO_PKG_VERSION"), &[Hook::Forms, Hook::Courses])
    }

    fn extra_questions(ctx: &FormContext) -> Result<Vec<Question>, PluginError> {
        Ok(match ctx.form.as_str() {
            "school-details" => vec![
                single_choice(
                    "school-type",
                    "What type of school is it?",
                    &[
                        ("maintained", "Local authority maintained"),
                        ("academy", "Academy"),
                        ("free-school", "Free school"),
                        ("independent", "Independent"),
                    ],
                    true,
                ),
                number("expected-ects", "How many ECTs do you expect to register this school year?", true),
            ],
            "ect-registration" => {
                vec![yes_no("welcome-session", "Has the ECT attended the Northshire welcome session?", false)]
            }
            _ => vec![],
        })
    }

    fn validate(ctx: &FormContext, answers: &[Answer]) -> Result<Vec<FieldError>, PluginError> {
        let mut errors = vec![];
        if ctx.form == "school-details"
            && let Some(n) = answer(answers, "expected-ects")
            && n.parse::<f64>().map(|n| !(0.0..=60.0).contains(&n) || n.fract() != 0.0).unwrap_or(true)
        {
            errors.push(field_error("expected-ects", "Enter a whole number from 0 to 60"));
        }
        Ok(errors)
    }

    /// Full courses are closed; ECTs ask their tutor's approval; nobody books a course twice; and
    /// bookings close two days before the start.
    fn check_booking(request: &BookingRequest) -> Result<Decision, PluginError> {
        let course = &request.course;
        if course.booked >= course.capacity {
            return Ok(Decision::Deny("This course is full".into()));
        }
        if request.prior_course_ids.contains(&course.id) {
            return Ok(Decision::Deny("You are already booked on this course".into()));
        }
        if days_between(&request.today, &course.starts_on).is_some_and(|d| d < 2) {
            return Ok(Decision::Deny("Bookings close two days before the course starts".into()));
        }
        if request.booked_by_role == "ect" {
            return Ok(Decision::NeedsApproval("Your induction tutor will be asked to approve this booking".into()));
        }
        Ok(Decision::Allow)
    }

    fn cancellation_policy() -> CancellationPolicy {
        CancellationPolicy {
            free_until_days_before: 7,
            late_notice: Some("Cancellations less than 7 days before the course are charged to the school".into()),
            needs_approval: false,
        }
    }
}

/// Days from one YYYY-MM-DD date to another (plugins have no clock: the host sends "today").
fn days_between(from: &str, to: &str) -> Option<i64> {
    Some(day_number(to)? - day_number(from)?)
}

/// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
fn day_number(date: &str) -> Option<i64> {
    let mut parts = date.split('-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

induct_plugin!(Northshire);
