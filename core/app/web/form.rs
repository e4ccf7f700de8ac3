//! The form toolkit every page uses: the submitted fields, field errors shown next to each field
//! and in the error summary (GOV.UK pattern), typed ids from the path (a bad id is "not found"
//! before the handler runs) and UK dates.

use axum::extract::{FromRequestParts, Path};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use induct_domain::validate::FieldProblem;
use minijinja::{Value, context};
use std::collections::BTreeMap;
use std::fmt::Display;
use std::str::FromStr;

use super::page::Page;
use crate::error::{AppError, AppResult};

/// A submitted form as its pairs: repeated names (checkboxes) keep every value.
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }

    /// What was typed, to show back (never the CSRF token).
    pub fn typed(&self) -> BTreeMap<String, String> {
        self.0.iter().filter(|(k, _)| k != "csrf_token").map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}

/// A refusal that belongs next to one field of the form it came from.
pub trait OnField: Display {
    fn field(&self) -> &'static str;
}

impl OnField for induct_domain::record::RecordProblem {
    fn field(&self) -> &'static str {
        induct_domain::record::RecordProblem::field(self)
    }
}

/// Field errors, shown next to each field and in the summary.
#[derive(Default)]
pub struct Errors(pub Vec<Value>);

impl Errors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(context! { field, message => message.into() });
    }

    /// The value, or its problem noted against `field`.
    pub fn take<T>(&mut self, field: &str, r: Result<T, FieldProblem>) -> Option<T> {
        r.map_err(|p| self.add(field, p.to_string())).ok()
    }

    /// A refusal from a rule, next to the field it names.
    pub fn refused(&mut self, p: &impl OnField) {
        self.add(p.field(), p.to_string());
    }

    /// The value, or its refusal noted against the field it names.
    pub fn check<T, P: OnField>(&mut self, r: Result<T, P>) -> Option<T> {
        r.map_err(|p| self.refused(&p)).ok()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// One error, for a refusal that ends a request.
    pub fn one(field: &str, message: impl Into<String>) -> Self {
        let mut e = Errors::default();
        e.add(field, message);
        e
    }
}

/// The UK way of writing a date (25/12/2026), as every page and PDF shows them.
pub fn uk_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// A date typed into an `<input type="date">` (2026-09-02); `None` when it is not one.
pub fn input_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// An id from the path, parsed before the handler runs: a malformed id is a 404, exactly like an
/// id of a record the caller may not see (docs/security.md T3).
pub struct Id<T>(pub T);

impl<T, S> FromRequestParts<S> for Id<T>
where
    T: FromStr + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state).await.map_err(|_| AppError::NotFound)?;
        raw.parse().map(Id).map_err(|_| AppError::NotFound)
    }
}

/// An id typed into a path with more parts than [`Ids`] takes: a malformed one is "not found".
pub fn parse_id<T: FromStr>(s: &str) -> AppResult<T> {
    s.parse().map_err(|_| AppError::NotFound)
}

/// Two ids from the path (`/ects/{ect_id}/reports/{number}`), parsed like [`Id`].
pub struct Ids<A, B>(pub A, pub B);

impl<A, B, S> FromRequestParts<S> for Ids<A, B>
where
    A: FromStr + Send,
    B: FromStr + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path((a, b)) =
            Path::<(String, String)>::from_request_parts(parts, state).await.map_err(|_| AppError::NotFound)?;
        Ok(Ids(a.parse().map_err(|_| AppError::NotFound)?, b.parse().map_err(|_| AppError::NotFound)?))
    }
}

impl Page {
    /// Renders a template with a status: the page itself (200), or the same page again with
    /// what was typed and its errors (400, 403, 409).
    pub fn respond(&self, status: StatusCode, template: &str, ctx: Value) -> AppResult<Response> {
        Ok((status, self.render(template, ctx)?).into_response())
    }
}
