//! Field rules for what people type (SECURITY.md I5: positive validation, clear messages).

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
    #[error("Enter the school's 6-digit URN, like 123456")]
    Urn,
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
