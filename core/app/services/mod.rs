//! The services: every change the app makes, one module per feature. Each command takes what
//! the edge parsed, applies the rules of `induct_domain`, and writes the change, its audit event,
//! its mail and its notices in one transaction through the store. Handlers call one service and
//! render what it returns.

pub mod accounts;
pub mod audit;
pub mod ects;
pub mod first_login;
pub mod forms;
pub mod induction;
pub mod notify;
pub mod registration;
pub mod report_forms;
pub mod schools;
pub mod two_factor;
