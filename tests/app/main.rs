//! Induct's integration tests: one binary (every extra file under tests/ would be another slow
//! link step). Each test spawns the real app on port 0 with a fresh database: SQLite by default,
//! PostgreSQL when INDUCT_TEST_PG_URL is set (the test command runs the suite both ways).

mod helpers;
mod smtp;

mod account;
mod atomicity;
mod authz;
mod browser;
mod constraints;
mod demo;
mod ects;
mod errors;
mod first_login;
mod induction;
mod login;
mod logs;
mod mail;
mod plugins;
mod query_counts;
mod registration;
mod reminders;
mod report_forms;
mod security_headers;
mod sessions;
mod sms;
mod staff;
mod themes;
mod two_factor;
