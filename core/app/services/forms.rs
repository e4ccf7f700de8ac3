//! An AB's extra questions on Induct's forms: asking the plugin, checking answers (the host's own
//! type and required checks first, then the plugin's), and storing them with the form.
//!
//! Failure policy: if the plugin cannot say which questions to ask, the form is shown without them
//! and says so (fail open: the core form still works); if it cannot check the answers, nothing is
//! saved and the user is asked to try again with everything they typed kept (fail closed).

use chrono::NaiveDate;
use induct_domain::TenantId;
use induct_plugin_host::{Answer, FieldError, FormContext, Question, QuestionKind};
use serde::Serialize;

use crate::services::ServiceError;
use crate::state::AppState;

/// Form fields for extra questions are named `extra.<question id>`.
pub const FIELD_PREFIX: &str = "extra.";

pub struct ExtraQuestions {
    pub questions: Vec<Question>,
    /// The plugin failed: the form is shown without its questions.
    pub unavailable: bool,
    pub plugin_version: String,
}

/// A question as templates show it, with the value to show and its error.
#[derive(Serialize)]
pub struct QuestionView {
    pub id: String,
    pub field: String,
    pub label: String,
    pub hint: Option<String>,
    pub kind: &'static str,
    pub options: Vec<(String, String)>,
    pub required: bool,
    pub values: Vec<String>,
    pub error: Option<String>,
}

pub fn kind_name(k: QuestionKind) -> &'static str {
    match k {
        QuestionKind::Text => "text",
        QuestionKind::LongText => "long-text",
        QuestionKind::YesNo => "yes-no",
        QuestionKind::SingleChoice => "single-choice",
        QuestionKind::MultipleChoice => "multiple-choice",
        QuestionKind::Date => "date",
        QuestionKind::Number => "number",
    }
}

pub fn context(form: &str, role: &str) -> FormContext {
    FormContext { form: form.into(), role: role.into(), induction_type: None }
}

/// The AB's extra questions for a form (none if it has no plugin or the plugin failed).
pub async fn extra_questions(
    state: &AppState,
    tenant: TenantId,
    ctx: FormContext,
) -> Result<ExtraQuestions, ServiceError> {
    let called = state
        .plugins()
        .call(state, tenant, "forms.extra-questions", move |host, p| host.extra_questions(p, &ctx))
        .await?;
    let version = state
        .plugins()
        .active(state, tenant)
        .await?
        .map(|a| format!("{} {}", a.loaded.manifest.name, a.loaded.manifest.version))
        .unwrap_or_default();
    Ok(match called.map(|c| c.value) {
        None => ExtraQuestions { questions: vec![], unavailable: false, plugin_version: version },
        Some(Ok(questions)) => ExtraQuestions { questions, unavailable: false, plugin_version: version },
        Some(Err(_)) => ExtraQuestions { questions: vec![], unavailable: true, plugin_version: version },
    })
}

/// The answers given to the extra questions in a posted form, by question.
pub fn answers_from_form(questions: &[Question], fields: &[(String, String)]) -> Vec<(String, Vec<String>)> {
    questions
        .iter()
        .map(|q| {
            let name = format!("{FIELD_PREFIX}{}", q.id);
            let values = fields
                .iter()
                .filter(|(k, _)| *k == name)
                .map(|(_, v)| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .collect();
            (q.id.clone(), values)
        })
        .collect()
}

/// The host's own checks of extra answers: required, and the value fits the question's kind.
pub fn check_answers(questions: &[Question], answers: &[(String, Vec<String>)]) -> Vec<FieldError> {
    let mut errors = vec![];
    for q in questions {
        let values = answers.iter().find(|(id, _)| *id == q.id).map(|(_, v)| v.as_slice()).unwrap_or(&[]);
        let err = |m: &str| FieldError { question_id: q.id.clone(), message: m.into() };
        if values.is_empty() {
            if q.required {
                errors.push(err(match q.kind {
                    QuestionKind::YesNo | QuestionKind::SingleChoice => "Select an answer",
                    QuestionKind::MultipleChoice => "Select at least one answer",
                    _ => "Enter an answer",
                }));
            }
            continue;
        }
        let is_option = |v: &String| q.options.iter().any(|o| &o.value == v);
        let problem = match q.kind {
            // One answer only, except for multiple choice: a repeated field is not a second answer.
            k if k != QuestionKind::MultipleChoice && values.len() > 1 => Some("Give one answer"),
            QuestionKind::Text if values[0].chars().count() > 500 => Some("The answer must be 500 characters or fewer"),
            QuestionKind::LongText if values[0].chars().count() > 10_000 => {
                Some("The answer must be 10,000 characters or fewer")
            }
            QuestionKind::Text | QuestionKind::LongText
                if values[0].chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') =>
            {
                Some("The answer contains characters that are not allowed")
            }
            QuestionKind::YesNo if !matches!(values[0].as_str(), "yes" | "no") => Some("Select yes or no"),
            QuestionKind::SingleChoice if values.len() > 1 || !is_option(&values[0]) => {
                Some("Select one of the answers shown")
            }
            QuestionKind::MultipleChoice if !values.iter().all(is_option) => Some("Select from the answers shown"),
            QuestionKind::Date if NaiveDate::parse_from_str(&values[0], "%Y-%m-%d").is_err() => {
                Some("Enter a real date, like 2026-09-01")
            }
            QuestionKind::Number if values[0].parse::<f64>().map(|n| !n.is_finite()).unwrap_or(true) => {
                Some("Enter a number, like 3 or 2.5")
            }
            _ => None,
        };
        if let Some(p) = problem {
            errors.push(err(p));
        }
    }
    errors
}

/// The plugin's own checks. `Err` means the plugin could not check them (fail closed).
pub async fn plugin_check(
    state: &AppState,
    tenant: TenantId,
    ctx: FormContext,
    questions: &[Question],
    answers: &[(String, Vec<String>)],
) -> Result<Result<Vec<FieldError>, ()>, ServiceError> {
    let flat: Vec<Answer> = answers
        .iter()
        .flat_map(|(id, vs)| vs.iter().map(move |v| Answer { question_id: id.clone(), value: v.clone() }))
        .collect();
    let qs = questions.to_vec();
    let called = state
        .plugins()
        .call(state, tenant, "forms.validate", move |host, p| host.validate(p, &ctx, &qs, &flat))
        .await?;
    Ok(match called.map(|c| c.value) {
        None => Ok(vec![]),
        Some(Ok(errors)) => Ok(errors),
        Some(Err(_)) => Err(()),
    })
}

/// What to store: (question id, label, value), multiple choices joined by new lines.
pub fn to_store(questions: &[Question], answers: &[(String, Vec<String>)]) -> Vec<(String, String, String)> {
    questions
        .iter()
        .filter_map(|q| {
            let (_, values) = answers.iter().find(|(id, _)| *id == q.id)?;
            Some((q.id.clone(), q.label.clone(), values.join("\n")))
        })
        .collect()
}

/// Questions ready for a template, with values and errors.
pub fn views(questions: &[Question], answers: &[(String, Vec<String>)], errors: &[FieldError]) -> Vec<QuestionView> {
    questions
        .iter()
        .map(|q| QuestionView {
            id: q.id.clone(),
            field: format!("{FIELD_PREFIX}{}", q.id),
            label: q.label.clone(),
            hint: q.hint.clone(),
            kind: kind_name(q.kind),
            options: q.options.iter().map(|o| (o.value.clone(), o.label.clone())).collect(),
            required: q.required,
            values: answers.iter().find(|(id, _)| *id == q.id).map(|(_, v)| v.clone()).unwrap_or_default(),
            error: errors.iter().find(|e| e.question_id == q.id).map(|e| e.message.clone()),
        })
        .collect()
}

/// A stored answer for display: choice values shown by their labels when the question still
/// exists.
pub fn display_value(questions: &[Question], question_id: &str, value: &str) -> String {
    let Some(q) = questions.iter().find(|q| q.id == question_id) else { return value.to_owned() };
    match q.kind {
        QuestionKind::YesNo => match value {
            "yes" => "Yes".into(),
            "no" => "No".into(),
            v => v.into(),
        },
        QuestionKind::SingleChoice | QuestionKind::MultipleChoice => value
            .lines()
            .map(|v| q.options.iter().find(|o| o.value == v).map(|o| o.label.clone()).unwrap_or_else(|| v.to_owned()))
            .collect::<Vec<_>>()
            .join(", "),
        _ => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use induct_plugin_host::OptionItem;

    fn q(id: &str, kind: QuestionKind, required: bool) -> Question {
        let options = if matches!(kind, QuestionKind::SingleChoice | QuestionKind::MultipleChoice) {
            vec![
                OptionItem { value: "a".into(), label: "A".into() },
                OptionItem { value: "b".into(), label: "B".into() },
            ]
        } else {
            vec![]
        };
        Question { id: id.into(), label: id.into(), hint: None, kind, options, required }
    }

    #[test]
    fn host_checks_types_and_required_answers() {
        use QuestionKind::*;
        // kind, required, values, error expected
        let cases: Vec<(QuestionKind, bool, Vec<&str>, Option<&str>)> = vec![
            (Text, true, vec![], Some("Enter an answer")),
            (Text, false, vec![], None),
            (YesNo, true, vec!["yes"], None),
            (YesNo, true, vec!["maybe"], Some("Select yes or no")),
            (YesNo, true, vec![], Some("Select an answer")),
            (SingleChoice, true, vec!["a"], None),
            (SingleChoice, true, vec!["z"], Some("Select one of the answers shown")),
            (SingleChoice, true, vec!["a", "b"], Some("Give one answer")),
            (MultipleChoice, true, vec!["a", "b"], None),
            (MultipleChoice, true, vec!["a", "x"], Some("Select from the answers shown")),
            (Text, true, vec!["one", "two"], Some("Give one answer")),
            (Date, true, vec!["2026-09-01", "2026-09-02"], Some("Give one answer")),
            (Date, true, vec!["2026-09-01"], None),
            (Date, true, vec!["2026-02-30"], Some("Enter a real date, like 2026-09-01")),
            (Number, true, vec!["2.5"], None),
            (Number, true, vec!["two"], Some("Enter a number, like 3 or 2.5")),
            (Number, true, vec!["NaN"], Some("Enter a number, like 3 or 2.5")),
        ];
        for (kind, required, values, expected) in cases {
            let qs = vec![q("x", kind, required)];
            let answers = vec![("x".to_owned(), values.iter().map(|v| v.to_string()).collect())];
            let errors = check_answers(&qs, &answers);
            assert_eq!(errors.first().map(|e| e.message.as_str()), expected, "{kind:?} {values:?}");
        }
    }

    #[test]
    fn answers_are_read_from_prefixed_fields_and_shown_by_label() {
        let qs = vec![q("pick", QuestionKind::MultipleChoice, false)];
        let fields = vec![
            ("extra.pick".to_owned(), "a".to_owned()),
            ("extra.pick".to_owned(), "b".to_owned()),
            ("pick".to_owned(), "z".to_owned()),
        ];
        let answers = answers_from_form(&qs, &fields);
        assert_eq!(answers, vec![("pick".to_owned(), vec!["a".to_owned(), "b".to_owned()])]);
        let stored = to_store(&qs, &answers);
        assert_eq!(stored[0].2, "a\nb");
        assert_eq!(display_value(&qs, "pick", &stored[0].2), "A, B");
        assert_eq!(display_value(&[], "gone", "kept as typed"), "kept as typed");
    }
}
