//! Fenland Teaching School Hub's plugin (demo): the Cambridgeshire-style questions on the ECT's
//! comments (seed 003 "Further Information" and "ECT Statutory Entitlements"), questions on the
//! school details page, and the hub's privacy notice.

use induct_plugin_sdk::*;

struct Fenland;

/// Seed 003, "ECT Statutory Entitlements": seven yes/no questions the ECT answers with each report.
const ENTITLEMENTS: [(&str, &str); 7] = [
    ("ecf-cpd", "Are you accessing a programme of CPD based on the Early Career Framework?"),
    (
        "mentor-support",
        "Are you receiving regular support in regards to the Early Career Framework and day to day practice from your mentor?",
    ),
    ("timetable-reduction", "Have you had your 10% (year 1) or 5% (year 2) timetable reduction?"),
    ("observed-others", "Have you observed other teachers?"),
    (
        "formally-observed",
        "Have you been formally observed for a whole lesson against the Teachers' Standards and received both written and verbal feedback once every half term?",
    ),
    (
        "met-tutor-termly",
        "Have you met with your Induction tutor at least once per term to discuss your progress against the Teacher's Standards?",
    ),
    ("met-tutor-assessment", "Have you met with your Induction tutor to discuss this assessment?"),
];

impl Plugin for Fenland {
    fn manifest() -> Manifest {
        manifest("fenland", env!("CARGO_PKG_VERSION"), &[Hook::Forms, Hook::Privacy])
    }

    fn extra_questions(ctx: &FormContext) -> Result<Vec<Question>, PluginError> {
        Ok(match ctx.form.as_str() {
            "ect-comments" => {
                let mut qs = vec![yes_no(
                    "discussed-report",
                    "Have you discussed this report with the induction tutor and/or headteacher?",
                    true,
                )];
                qs.extend(ENTITLEMENTS.iter().map(|(id, label)| yes_no(id, label, true)));
                qs
            }
            "school-details" => vec![
                single_choice(
                    "sla-status",
                    "Has the school signed the Fenland Teaching School Hub service level agreement?",
                    &[
                        ("signed", "Yes, it is signed"),
                        ("sent", "It has been sent for signature"),
                        ("not-yet", "Not yet"),
                    ],
                    true,
                ),
                text("coordinator-phone", "Induction coordinator's direct phone number", false)
                    .with_hint("So that our quality assurance officers can arrange visits"),
            ],
            _ => vec![],
        })
    }

    fn validate(ctx: &FormContext, answers: &[Answer]) -> Result<Vec<FieldError>, PluginError> {
        let mut errors = vec![];
        if ctx.form == "school-details"
            && let Some(phone) = answer(answers, "coordinator-phone").filter(|p| !p.trim().is_empty())
        {
            let digits = phone.chars().filter(char::is_ascii_digit).count();
            let allowed = phone.chars().all(|c| c.is_ascii_digit() || c == ' ' || c == '+');
            if !allowed || !(10..=13).contains(&digits) {
                errors.push(field_error("coordinator-phone", "Enter a UK phone number, like 01354 000 100"));
            }
        }
        Ok(errors)
    }

    fn privacy_policy(_role: &str) -> Result<Option<Policy>, PluginError> {
        Ok(Some(Policy {
            title: "Fenland Teaching School Hub privacy notice".into(),
            version: "2026-09".into(),
            body: "Fenland Teaching School Hub is the appropriate body for your induction and the controller of the \
                   personal information recorded here. Induct processes it on our behalf.\n\n\
                   We use it to carry out our statutory duties under the Education Act 2002 and the Induction \
                   Regulations 2012:\n\
                   - to register and monitor early career teachers' induction;\n\
                   - to quality-assure assessments and reports;\n\
                   - to tell the Teaching Regulation Agency of outcomes.\n\n\
                   We keep induction records for six years after induction ends."
                .into(),
        }))
    }

    fn consent_items(_role: &str) -> Vec<ConsentItem> {
        vec![
            ConsentItem { id: "read-notice".into(), label: "I have read the privacy notice".into(), required: true },
            ConsentItem {
                id: "training-news".into(),
                label: "Email me about the hub's training events".into(),
                required: false,
            },
        ]
    }
}

induct_plugin!(Fenland);
