//! Everything a plugin returns is untrusted: checked here before the app uses it.

use crate::{
    CancellationPolicy, ConsentItem, Decision, FieldError, Manifest, Policy, Question, QuestionKind, SUPPORTED_WIT,
};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct InvalidOutput(pub String);

fn bad(msg: impl Into<String>) -> InvalidOutput {
    InvalidOutput(msg.into())
}

/// `[a-z0-9-]{1,40}`, not starting or ending with a hyphen.
pub fn valid_id(id: &str) -> bool {
    (1..=40).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
}

fn text(what: &str, s: &str, max: usize, allow_empty: bool) -> Result<(), InvalidOutput> {
    let n = s.chars().count();
    if (!allow_empty && s.trim().is_empty()) || n > max {
        return Err(bad(format!("{what} must be 1 to {max} characters")));
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(bad(format!("{what} contains control characters")));
    }
    Ok(())
}

pub fn manifest(m: &Manifest) -> Result<(), InvalidOutput> {
    if !valid_id(&m.name) {
        return Err(bad(format!("name {:?} must be lower-case letters, digits and hyphens", m.name)));
    }
    text("version", &m.version, 40, false)?;
    if !SUPPORTED_WIT.contains(&m.wit_version.as_str()) {
        return Err(bad(format!(
            "WIT version {:?} is not supported (supported: {})",
            m.wit_version,
            SUPPORTED_WIT.join(", ")
        )));
    }
    Ok(())
}

pub const MAX_QUESTIONS: usize = 50;
pub const MAX_OPTIONS: usize = 100;

pub fn questions(qs: &[Question]) -> Result<(), InvalidOutput> {
    if qs.len() > MAX_QUESTIONS {
        return Err(bad(format!("{} questions; at most {MAX_QUESTIONS}", qs.len())));
    }
    let mut seen = std::collections::HashSet::new();
    for q in qs {
        if !valid_id(&q.id) {
            return Err(bad(format!("question id {:?} must be lower-case letters, digits and hyphens", q.id)));
        }
        if !seen.insert(q.id.as_str()) {
            return Err(bad(format!("question id {:?} is used twice", q.id)));
        }
        text("a question's label", &q.label, 500, false)?;
        if let Some(h) = &q.hint {
            text("a question's hint", h, 1000, true)?;
        }
        let choice = matches!(q.kind, QuestionKind::SingleChoice | QuestionKind::MultipleChoice);
        if choice && q.options.is_empty() {
            return Err(bad(format!("question {:?} offers no options", q.id)));
        }
        if !choice && !q.options.is_empty() {
            return Err(bad(format!("question {:?} has options but is not a choice", q.id)));
        }
        if q.options.len() > MAX_OPTIONS {
            return Err(bad(format!("question {:?} has more than {MAX_OPTIONS} options", q.id)));
        }
        let mut values = std::collections::HashSet::new();
        for o in &q.options {
            text("an option's value", &o.value, 100, false)?;
            text("an option's label", &o.label, 200, false)?;
            if !values.insert(o.value.as_str()) {
                return Err(bad(format!("question {:?} repeats option {:?}", q.id, o.value)));
            }
        }
    }
    Ok(())
}

pub fn field_errors(errors: &[FieldError], questions: &[Question]) -> Result<(), InvalidOutput> {
    if errors.len() > MAX_QUESTIONS {
        return Err(bad("too many field errors"));
    }
    for e in errors {
        if !questions.iter().any(|q| q.id == e.question_id) {
            return Err(bad(format!("an error names {:?}, which is not one of the plugin's questions", e.question_id)));
        }
        text("an error message", &e.message, 500, false)?;
    }
    Ok(())
}

pub fn decision(d: &Decision) -> Result<(), InvalidOutput> {
    match d {
        Decision::Allow => Ok(()),
        Decision::Deny(reason) | Decision::NeedsApproval(reason) => {
            text("a booking decision's reason", reason, 500, false)
        }
    }
}

pub fn cancellation_policy(p: &CancellationPolicy) -> Result<(), InvalidOutput> {
    if p.free_until_days_before > 366 {
        return Err(bad("free cancellation more than a year ahead"));
    }
    p.late_notice.as_deref().map_or(Ok(()), |n| text("the late-cancellation notice", n, 500, false))
}

pub fn policy(p: &Policy) -> Result<(), InvalidOutput> {
    text("the policy title", &p.title, 200, false)?;
    text("the policy version", &p.version, 40, false)?;
    text("the policy", &p.body, 64 * 1024, false)
}

pub fn consent_items(items: &[ConsentItem]) -> Result<(), InvalidOutput> {
    if items.len() > 20 {
        return Err(bad("more than 20 consent items"));
    }
    for i in items {
        if !valid_id(&i.id) {
            return Err(bad(format!("consent id {:?} must be lower-case letters, digits and hyphens", i.id)));
        }
        text("a consent's label", &i.label, 500, false)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        for (id, ok) in [
            ("sla-status", true),
            ("q1", true),
            ("", false),
            ("A", false),
            ("-x", false),
            ("x-", false),
            ("a b", false),
            (&"x".repeat(41), false),
        ] {
            assert_eq!(valid_id(id), ok, "{id:?}");
        }
    }
}
