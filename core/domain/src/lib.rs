//! Induct's domain: the rules of statutory ECT induction and of the accounts that run it.
//!
//! Pure: no IO, no clock. Every function that depends on time takes `now` or `today` as an argument,
//! so the rules are table-tested without sleeping.

pub mod alerts;
pub mod calendar;
pub mod deadlines;
pub mod export;
pub mod ids;
pub mod induction;
pub mod lockout;
pub mod mfa;
pub mod notices;
pub mod password;
pub mod record;
pub mod registration;
pub mod report_flow;
pub mod roles;
pub mod session;
pub mod throttle;
pub mod timeline;
pub mod username;
pub mod validate;

pub use ids::{SchoolId, TenantId, UserId};
pub use roles::{Permission, Role};

/// A stored value that is none of the domain's: corrupt data, never read as a default (the store
/// turns it into an error when it decodes a row).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what}: {value:?}")]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
}

/// `TryFrom<String>` for a domain enum with a `parse`, so the store decodes a stored value into
/// the enum (`#[sqlx(try_from = "String")]`) and refuses one it does not know.
macro_rules! stored_as_text {
    ($ty:ty, $what:literal) => {
        impl TryFrom<String> for $ty {
            type Error = $crate::UnknownValue;

            fn try_from(s: String) -> Result<Self, Self::Error> {
                <$ty>::parse(&s).ok_or($crate::UnknownValue { what: $what, value: s })
            }
        }
    };
}
pub(crate) use stored_as_text;

/// An enum the store keeps as text and people read by title: its variants with their stored
/// names and titles, `ALL`, `as_str`, `parse`, `title` and the store's `TryFrom<String>`, from
/// one list (serde's snake_case names are the stored ones).
macro_rules! text_enum {
    ($(#[$m:meta])* pub enum $name:ident as $what:literal {
        $($(#[$vm:meta])* $v:ident => ($stored:literal, $title:literal),)*
    }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vm])* $v,)*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$v => $stored,)*
                }
            }

            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|x| x.as_str() == s)
            }

            pub fn title(self) -> &'static str {
                match self {
                    $($name::$v => $title,)*
                }
            }
        }

        $crate::stored_as_text!($name, $what);
    };
}
pub(crate) use text_enum;
