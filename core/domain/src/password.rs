//! The password policy for new passwords (docs/security.md A2, A3; NIST SP 800-63B-4).
//!
//! Length is what matters: at least 8 characters, 15 or more recommended, up to 128 accepted,
//! counted in Unicode code points. No composition rules, no truncation, no case folding (A2).
//! Common passwords are refused from a bundled list, offline (A3), and so are passwords built from
//! words tied to the site or the person: "induction", "teacher", the appropriate body's name, the
//! username, the email's local part.

use std::collections::HashSet;
use std::sync::LazyLock;
use thiserror::Error;
use unicode_normalization::UnicodeNormalization;

pub const MIN_LENGTH: usize = 8;
pub const RECOMMENDED_LENGTH: usize = 15;
pub const MAX_LENGTH: usize = 128;

/// Words that make a password guessable on this service whoever the user is.
pub const SERVICE_WORDS: [&str; 6] = ["induction", "teacher", "ect", "nqt", "school", "induct"];

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/common-passwords.txt").lines().map(str::trim).filter(|l| !l.is_empty()).collect()
});

/// The bundled list, for tests that sample it.
pub fn common_passwords() -> impl Iterator<Item = &'static str> {
    include_str!("../data/common-passwords.txt").lines().filter(|l| !l.is_empty())
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum PasswordProblem {
    #[error("Password must be {MIN_LENGTH} characters or more")]
    TooShort,
    #[error("Password must be {MAX_LENGTH} characters or fewer")]
    TooLong,
    #[error("Password is too common. Choose a password that other people are unlikely to use")]
    Common,
    #[error("Password must not be based on your name, username, email address or this service's name")]
    TooPersonal,
    /// A change must change it: the old one may be known to someone else (docs/security.md A5).
    #[error("Choose a password that is different from your current one")]
    Unchanged,
}

impl PasswordProblem {
    /// Stable code for messages and logs.
    pub fn code(&self) -> &'static str {
        match self {
            PasswordProblem::TooShort => "password_too_short",
            PasswordProblem::TooLong => "password_too_long",
            PasswordProblem::Common => "password_common",
            PasswordProblem::TooPersonal => "password_personal",
            PasswordProblem::Unchanged => "password_unchanged",
        }
    }
}

/// A security answer as compared (docs/security.md M7: "trim, lowercase, NFKC"): " Blue " is "blue".
pub fn normalise_answer(answer: &str) -> String {
    answer.trim().nfkc().collect::<String>().to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Normalises a password before hashing or verifying: NFKC, as NIST SP 800-63B 3.1.1.2
/// recommends, so that the same characters typed on different keyboards give the same secret.
/// Case and spacing are kept (A2: no case folding, no truncation).
pub fn normalise(password: &str) -> String {
    password.nfkc().collect()
}

/// Checks a new password. `context` holds the words tied to this user and site (tenant name,
/// username, email, names); [`SERVICE_WORDS`] are always included.
pub fn check_new_password(password: &str, context: &[&str]) -> Result<(), PasswordProblem> {
    let normalised = normalise(password);
    let length = normalised.chars().count();
    if length < MIN_LENGTH {
        return Err(PasswordProblem::TooShort);
    }
    if length > MAX_LENGTH {
        return Err(PasswordProblem::TooLong);
    }
    let lower = normalised.to_lowercase();
    // "Sunshine1!" and "123456789!" are the list's "sunshine" and "123456789" dressed up.
    let without_symbols = lower.trim_matches(|c: char| !c.is_alphanumeric());
    let letters_core = lower.trim_matches(|c: char| !c.is_alphabetic());
    if [lower.as_str(), without_symbols, letters_core].iter().any(|p| COMMON.contains(p)) {
        return Err(PasswordProblem::Common);
    }
    // Remove every context word; if fewer than four letters remain, the password is essentially
    // one of those words with digits and symbols around it ("Fenland2026!").
    let mut rest = lower.clone();
    let words = context
        .iter()
        .flat_map(|c| c.split(|ch: char| !ch.is_alphanumeric()))
        .chain(SERVICE_WORDS)
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 3);
    let mut words: Vec<String> = words.collect();
    words.sort_by_key(|w| std::cmp::Reverse(w.len()));
    for word in &words {
        rest = rest.replace(word.as_str(), "");
    }
    if rest.chars().filter(|c| c.is_alphabetic()).count() < 4 {
        let all_digits_before = lower.chars().filter(|c| c.is_alphabetic()).count() < 4;
        // A password of digits and symbols only is judged by the common list and length alone.
        if !all_digits_before {
            return Err(PasswordProblem::TooPersonal);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_list_is_large_enough_a3() {
        let long_enough = common_passwords().filter(|p| p.chars().count() >= MIN_LENGTH).count();
        assert!(long_enough >= 3000, "{long_enough}");
    }

    #[test]
    fn sampled_common_passwords_are_refused_a3() {
        let list: Vec<&str> = common_passwords().collect();
        // 100 entries spread over the whole list (deterministic, so a failure reproduces).
        let step = list.len() / 100;
        for p in list.iter().step_by(step).take(100) {
            assert_eq!(check_new_password(p, &[]), Err(PasswordProblem::Common), "{p:?}");
            // Case changes and a trailing symbol do not make it new.
            let upper = format!("{}!", p.to_uppercase());
            assert!(check_new_password(&upper, &[]).is_err(), "{upper:?}");
        }
    }

    #[test]
    fn length_rules_a2() {
        let emoji64: String = "🦀".repeat(64);
        let long128: String = "kx7 wq".repeat(21) + "zq";
        assert_eq!(long128.chars().count(), 128);
        let cases: Vec<(String, Result<(), PasswordProblem>)> = vec![
            ("xq7 bv2".into(), Err(PasswordProblem::TooShort)), // 7
            ("xq7 bv2k".into(), Ok(())),                        // 8, no symbol rules
            ("lowercaseonlyplum".into(), Ok(())),
            (emoji64.clone(), Ok(())),
            (long128.clone(), Ok(())),
            (long128 + "a", Err(PasswordProblem::TooLong)),
            ("🦀🦀🦀🦀🦀🦀🦀".into(), Err(PasswordProblem::TooShort)), // 7 code points, 28 bytes
        ];
        for (pw, expected) in cases {
            assert_eq!(check_new_password(&pw, &[]), expected, "{pw:?}");
        }
    }

    #[test]
    fn common_and_personal_passwords_are_refused_a3() {
        let ctx = ["Fenland Teaching School Hub", "123456", "jo.bloggs"];
        let cases = [
            ("password", Err(PasswordProblem::Common)),
            ("Password1", Err(PasswordProblem::Common)),
            ("sunshine!!", Err(PasswordProblem::Common)),
            ("Fenland2026!", Err(PasswordProblem::TooPersonal)),
            ("induction2026", Err(PasswordProblem::TooPersonal)),
            ("Teacher#1234", Err(PasswordProblem::TooPersonal)),
            ("jo.bloggs99", Err(PasswordProblem::TooPersonal)),
            ("fenland marsh otter lantern", Ok(())),
            ("perfect sunset connection", Ok(())),
            ("81726354", Ok(())),
        ];
        for (pw, expected) in cases {
            assert_eq!(check_new_password(pw, &ctx), expected, "{pw:?}");
        }
    }

    #[test]
    fn normalisation_keeps_case_a2() {
        assert_ne!(normalise("Secret Plum"), normalise("secret plum"));
        // NFKC: a full-width letter and its ASCII form are one character.
        assert_eq!(normalise("ｐlum"), "plum");
    }

    #[test]
    fn security_answers_m7() {
        assert_eq!(normalise_answer(" Blue "), "blue");
        assert_eq!(normalise_answer("ＢＬＵＥ"), "blue", "NFKC folds full-width letters");
        assert_eq!(normalise_answer("St  Ives"), "st ives");
    }
}
