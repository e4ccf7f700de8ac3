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

use crate::store::StoreError;
use crate::themes::RenderError;

/// A failure of a service that the person cannot put right by changing what they sent. Service
/// commands with refusals of their own (a TRN taken, a report not yet due) add those to this in
/// their own error enum; the web edge turns this into its error pages (`crate::error::AppError`).
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// No such record, or none the caller may reach (docs/security.md T3: "not found", never
    /// "forbidden", for another AB's ids).
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A theme's template failed to render (a message, a page).
    #[error(transparent)]
    Render(#[from] RenderError),
    /// Something of this process failed (password hashing, a worker task).
    #[error("{0}")]
    Internal(String),
}

pub type ServiceResult<T> = Result<T, ServiceError>;
