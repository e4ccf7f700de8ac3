//! Usernames: "your username (a 6 digit number)" (seed 001).

use std::fmt;
use thiserror::Error;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Username(String);

#[derive(Debug, Error, PartialEq, Eq)]
pub enum UsernameError {
    #[error("a username is a 6-digit number")]
    NotSixDigits,
}

impl Username {
    /// Parses a username as typed: surrounding spaces are ignored, anything but exactly six ASCII
    /// digits is refused. The leading digit is never 0 so that spreadsheets keep all six digits.
    pub fn parse(input: &str) -> Result<Self, UsernameError> {
        let s = input.trim();
        if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0') {
            Ok(Self(s.to_owned()))
        } else {
            Err(UsernameError::NotSixDigits)
        }
    }

    /// Builds the username for a number in 100000..=999999.
    pub fn from_number(n: u32) -> Option<Self> {
        (100_000..=999_999).contains(&n).then(|| Self(n.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_six_digits_seed_001() {
        let cases = [
            ("123456", true),
            (" 123456 ", true),
            ("12345", false),
            ("1234567", false),
            ("12345a", false),
            ("012345", false),
            ("", false),
            ("１２３４５６", false), // full-width digits are not ASCII digits
        ];
        for (input, ok) in cases {
            assert_eq!(Username::parse(input).is_ok(), ok, "{input:?}");
        }
        assert_eq!(Username::from_number(99_999), None);
        assert_eq!(Username::from_number(100_000).unwrap().as_str(), "100000");
    }
}
