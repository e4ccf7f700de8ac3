//! Induct's domain: the rules of statutory ECT induction and of the accounts that run it.
//!
//! Pure: no IO, no clock. Every function that depends on time takes `now` or `today` as an argument,
//! so the rules are table-tested without sleeping.

pub mod calendar;
pub mod deadlines;
pub mod export;
pub mod ids;
pub mod induction;
pub mod lockout;
pub mod mfa;
pub mod notices;
pub mod password;
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
