//! Field rules for what people type (docs/security.md I5: positive validation, clear messages).

use chrono::{Datelike, NaiveDate};
use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum FieldProblem {
    #[error("Enter {0}")]
    Missing(&'static str),
    #[error("{0} must be {1} characters or fewer")]
    TooLong(&'static str, usize),
    #[error("{0} must not contain special characters such as line breaks")]
    ControlCharacters(&'static str),
    #[error("Enter a real postcode, like CB7 4BB")]
    Postcode,
    #[error("Enter an email address in the correct format, like name@example.com")]
    Email,
    #[error("Enter a UK telephone number, like 01354 000 100")]
    Phone,
    #[error("Enter a UK mobile number, like 07700 900123, or leave it empty")]
    Mobile,
    #[error("Enter the school's 6-digit URN, like 123456")]
    Urn,
    #[error("Enter the teacher reference number (TRN): 7 digits, like 1234567")]
    Trn,
    #[error("Enter {0} as a real date, like 2026-09-01")]
    Date(&'static str),
    #[error("Enter a date of birth that makes the ECT between 18 and 80 years old")]
    BirthDate,
    #[error("Enter the age range as two ages, like 5-11 or 11-18")]
    AgeRange,
    #[error("Choose {0}")]
    Choice(&'static str),
}

/// Trimmed text of 1..=max Unicode scalars with no control characters (names, addresses).
pub fn text(input: &str, what: &'static str, max: usize) -> Result<String, FieldProblem> {
    let s = input.trim();
    if s.is_empty() {
        return Err(FieldProblem::Missing(what));
    }
    if s.chars().count() > max {
        return Err(FieldProblem::TooLong(capitalised(what), max));
    }
    if s.chars().any(char::is_control) {
        return Err(FieldProblem::ControlCharacters(capitalised(what)));
    }
    Ok(s.to_owned())
}

fn capitalised(what: &'static str) -> &'static str {
    // The messages name the field the way the form's label does.
    match what {
        "the school's name" => "The school's name",
        "the address" => "The address",
        "the person's name" => "The name",
        "the first names" => "The first names",
        "the last name" => "The last name",
        "the home address" => "The home address",
        "the ITT provider" => "The ITT provider",
        "the subjects" => "The subjects",
        "the reason" => "The reason",
        "the school's address" => "The school's address",
        "the appropriate body" => "The appropriate body",
        "the mentor's name" => "The mentor's name",
        _ => "The answer",
    }
}

/// A UK postcode, normalised to upper case with one space before the inward code.
pub fn postcode(input: &str) -> Result<String, FieldProblem> {
    let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    if compact.is_empty() {
        return Err(FieldProblem::Missing("a postcode"));
    }
    let ok = (5..=7).contains(&compact.len()) && compact.is_ascii() && {
        let (outward, inward) = compact.split_at(compact.len() - 3);
        let ib = inward.as_bytes();
        let ob = outward.as_bytes();
        ib[0].is_ascii_digit()
            && ib[1].is_ascii_alphabetic()
            && ib[2].is_ascii_alphabetic()
            && ob[0].is_ascii_alphabetic()
            && ob.iter().all(u8::is_ascii_alphanumeric)
            && ob.iter().any(u8::is_ascii_digit)
    };
    if !ok {
        return Err(FieldProblem::Postcode);
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    Ok(format!("{outward} {inward}"))
}

/// An email address: one `@`, a dotted domain, at most 254 characters (RFC 5321).
pub fn email(input: &str) -> Result<String, FieldProblem> {
    let s = input.trim();
    if s.is_empty() {
        return Err(FieldProblem::Missing("an email address"));
    }
    let valid = s.len() <= 254
        && !s.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | ',' | ';'))
        && match s.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && local.len() <= 64
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if valid { Ok(s.to_owned()) } else { Err(FieldProblem::Email) }
}

/// A school's unique reference number: six digits (GIAS URNs run from 100000).
pub fn urn(input: &str) -> Result<String, FieldProblem> {
    let s = input.trim();
    if s.is_empty() {
        return Err(FieldProblem::Missing("the school's URN"));
    }
    if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0') {
        Ok(s.to_owned())
    } else {
        Err(FieldProblem::Urn)
    }
}

/// A UK telephone number: digits, spaces and a leading +, 10 to 13 digits.
pub fn phone(input: &str) -> Result<String, FieldProblem> {
    let s = input.trim();
    if s.is_empty() {
        return Err(FieldProblem::Missing("a telephone number"));
    }
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let allowed = s.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || c == ' ' || (c == '+' && i == 0));
    if allowed && (10..=13).contains(&digits) { Ok(s.to_owned()) } else { Err(FieldProblem::Phone) }
}

/// A UK mobile number in its national form (`07xxxxxxxxx`, 11 digits), as typed with spaces or as
/// `+44 7...`. Only mobiles: codes go by text message, and the recovery form matches this form.
pub fn uk_mobile(input: &str) -> Result<String, FieldProblem> {
    let s = input.trim();
    let allowed = s.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || c == ' ' || (c == '+' && i == 0));
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    let national = match digits.strip_prefix("44") {
        Some(rest) if s.starts_with('+') => format!("0{rest}"),
        _ => digits,
    };
    if allowed && national.len() == 11 && national.starts_with("07") { Ok(national) } else { Err(FieldProblem::Mobile) }
}

/// The international form of a national UK mobile (`07700900123` -> `+447700900123`), as SMS
/// providers take it.
pub fn mobile_e164(national: &str) -> String {
    format!("+44{}", national.strip_prefix('0').unwrap_or(national))
}

/// A mobile number shown on a page or in an email without giving it away: `07*** ***123`.
pub fn mask_mobile(national: &str) -> String {
    let tail: String = national.chars().rev().take(3).collect::<Vec<_>>().into_iter().rev().collect();
    format!("07*** ***{tail}")
}

/// A teacher reference number: exactly 7 digits (docs/induction-rules.md 2.10, RECT `Teacher::TRN_FORMAT`;
/// docs/security.md I5).
pub fn trn(input: &str) -> Result<String, FieldProblem> {
    let s = input.trim();
    if s.is_empty() {
        return Err(FieldProblem::Missing("the teacher reference number (TRN)"));
    }
    if s.len() == 7 && s.bytes().all(|b| b.is_ascii_digit()) { Ok(s.to_owned()) } else { Err(FieldProblem::Trn) }
}

/// A real calendar date typed as YYYY-MM-DD (what `<input type="date">` sends) or DD/MM/YYYY.
pub fn date(input: &str, what: &'static str) -> Result<NaiveDate, FieldProblem> {
    let s = input.trim();
    if s.is_empty() {
        return Err(FieldProblem::Missing(what));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .ok()
        .filter(|d| (1900..=2200).contains(&d.year()))
        .ok_or(FieldProblem::Date(what))
}

/// An optional date: empty is `None`.
pub fn optional_date(input: &str, what: &'static str) -> Result<Option<NaiveDate>, FieldProblem> {
    if input.trim().is_empty() { Ok(None) } else { date(input, what).map(Some) }
}

/// A date of birth making the person 18 to 80 years old on entry (docs/security.md I5, stricter than
/// the national service's 18-100 in docs/induction-rules.md 2.10).
pub fn date_of_birth(input: &str, today: NaiveDate) -> Result<NaiveDate, FieldProblem> {
    let d = date(input, "the date of birth")?;
    let age = today.years_since(d).ok_or(FieldProblem::BirthDate)?;
    if (18..=80).contains(&age) { Ok(d) } else { Err(FieldProblem::BirthDate) }
}

/// An age range taught, like "5-11" or "11-18" (seed 000 "age ranges"): two ages from 2 to 19,
/// the first lower.
pub fn age_range(input: &str) -> Result<String, FieldProblem> {
    let s = input.trim();
    if s.is_empty() {
        return Err(FieldProblem::Missing("the age range"));
    }
    let parsed =
        s.split_once(['-', '–']).and_then(|(a, b)| Some((a.trim().parse::<u8>().ok()?, b.trim().parse::<u8>().ok()?)));
    match parsed {
        Some((a, b)) if (2..=19).contains(&a) && (2..=19).contains(&b) && a < b => Ok(format!("{a}-{b}")),
        _ => Err(FieldProblem::AgeRange),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uk_mobiles_are_kept_in_national_form() {
        for (typed, want) in [
            ("07700 900123", Some("07700900123")),
            ("+44 7700 900123", Some("07700900123")),
            ("+447700900123", Some("07700900123")),
            ("07700900123", Some("07700900123")),
            ("01354 000100", None),
            ("0770090012", None),
            ("447700900123", None),
            ("07700-900123", None),
            ("", None),
        ] {
            assert_eq!(uk_mobile(typed).ok().as_deref(), want, "{typed:?}");
        }
        assert_eq!(mobile_e164("07700900123"), "+447700900123");
        assert_eq!(mask_mobile("07700900123"), "07*** ***123");
    }

    #[test]
    fn postcodes_i5() {
        for (input, out) in [
            ("cb7 4bb", Some("CB7 4BB")),
            ("PE131AA", Some("PE13 1AA")),
            ("SW1A 1AA", Some("SW1A 1AA")),
            ("M1 1AE", Some("M1 1AE")),
        ] {
            assert_eq!(postcode(input).ok().as_deref(), out, "{input}");
        }
        for bad in ["", "12345", "ABC DEF", "CB7 4B", "CB7 4BB X", "<script>"] {
            assert!(postcode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_i5() {
        for ok in ["a@b.co", "jo.bloggs+ect@school.sch.uk"] {
            assert!(email(ok).is_ok(), "{ok}");
        }
        for bad in
            ["", "a", "a@b", "a@@b.com", "a b@c.com", "a@b.com\r\nBcc: x@y.z", &format!("{}@b.com", "x".repeat(65))]
        {
            assert!(email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn urns() {
        for (input, ok) in
            [("900101", true), (" 123456 ", true), ("12345", false), ("012345", false), ("12345a", false), ("", false)]
        {
            assert_eq!(urn(input).is_ok(), ok, "{input:?}");
        }
    }

    #[test]
    fn phones_and_text_i5() {
        assert!(phone("01354 000 100").is_ok());
        assert!(phone("+44 1354 000100").is_ok());
        for bad in ["", "123", "01354-000-100", "0800 CALL NOW"] {
            assert!(phone(bad).is_err(), "{bad}");
        }
        assert_eq!(text("  Marsh Lane  ", "the school's name", 100).unwrap(), "Marsh Lane");
        assert_eq!(text("", "the school's name", 100), Err(FieldProblem::Missing("the school's name")));
        assert!(text("a\nb", "the school's name", 100).is_err());
        assert!(text(&"x".repeat(101), "the school's name", 100).is_err());
    }

    #[test]
    fn trns_i5() {
        assert_eq!(trn(" 1234567 ").unwrap(), "1234567");
        for bad in ["", "123456", "12345678", "123456a", "１２３４５６７", "=1+1234"] {
            assert!(trn(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_and_ages_i5() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        assert_eq!(date("2026-02-28", "x").unwrap(), NaiveDate::from_ymd_opt(2026, 2, 28).unwrap());
        assert_eq!(date("28/02/2026", "x").unwrap(), NaiveDate::from_ymd_opt(2026, 2, 28).unwrap());
        for bad in ["2026-02-30", "2026-13-01", "yesterday", "0001-01-01", "31/31/2020"] {
            assert!(date(bad, "x").is_err(), "{bad}");
        }
        assert_eq!(optional_date("", "x"), Ok(None));
        // 18th birthday today: 18. One day short: 17.
        assert!(date_of_birth("2008-11-24", today).is_ok());
        assert_eq!(date_of_birth("2008-11-25", today), Err(FieldProblem::BirthDate));
        assert!(date_of_birth("1946-11-24", today).is_ok());
        assert_eq!(date_of_birth("1945-11-23", today), Err(FieldProblem::BirthDate));
        assert_eq!(date_of_birth("2030-01-01", today), Err(FieldProblem::BirthDate));
    }

    #[test]
    fn age_ranges() {
        assert_eq!(age_range(" 5 - 11 ").unwrap(), "5-11");
        assert_eq!(age_range("11–18").unwrap(), "11-18");
        for bad in ["", "11", "11-5", "0-5", "5-25", "a-b", "5-11-16"] {
            assert!(age_range(bad).is_err(), "{bad}");
        }
    }

    mod generated {
        //! docs/security.md I5: generators for valid and invalid values of each field, 10,000 cases.
        use super::super::*;
        use proptest::prelude::*;

        fn today() -> NaiveDate {
            NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(10_000))]

            #[test]
            fn any_seven_digits_is_a_trn(t in "[0-9]{7}") {
                prop_assert_eq!(trn(&t).unwrap(), t);
            }

            #[test]
            fn anything_else_is_not_a_trn(t in "\\PC{0,12}") {
                let valid = t.trim().len() == 7 && t.trim().bytes().all(|b| b.is_ascii_digit());
                prop_assert_eq!(trn(&t).is_ok(), valid);
            }

            #[test]
            fn birth_dates_by_age(days in 0i64..40_000) {
                let d = today() - chrono::Duration::days(days);
                let age = today().years_since(d).unwrap();
                let typed = d.format("%Y-%m-%d").to_string();
                prop_assert_eq!(date_of_birth(&typed, today()).is_ok(), (18..=80).contains(&age));
            }

            #[test]
            fn typed_dates_are_real_or_refused(y in 1900i32..2200, m in 0u32..14, d in 0u32..33) {
                let typed = format!("{y:04}-{m:02}-{d:02}");
                prop_assert_eq!(date(&typed, "x").is_ok(), NaiveDate::from_ymd_opt(y, m, d).is_some());
            }

            #[test]
            fn names_without_control_characters(n in "[\\p{L} '-]{1,100}") {
                prop_assume!(!n.trim().is_empty());
                prop_assert!(text(&n, "the last name", 100).is_ok());
            }

            #[test]
            fn names_with_control_characters_are_refused(a in "\\p{L}{1,20}", c in "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]", b in "\\p{L}{1,20}") {
                let n = format!("{a}{c}{b}");
                prop_assert!(text(&n, "the last name", 100).is_err());
            }

            #[test]
            fn long_names_are_refused(n in "\\p{L}{101,140}") {
                prop_assert!(text(&n, "the last name", 100).is_err());
            }

            #[test]
            fn emails(local in "[a-z0-9.+_]{1,64}", domain in "[a-z0-9]{1,60}\\.[a-z]{2,10}") {
                let e = format!("{local}@{domain}");
                prop_assert!(email(&e).is_ok());
                let no_at = e.replace('@', "");
                prop_assert!(email(&no_at).is_err());
                let two_at = format!("{e}@x.co");
                prop_assert!(email(&two_at).is_err());
            }
        }
    }
}
