//! Schools: the AB's list, and one school's details page (seed 001 step 2).

use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use induct_domain::SchoolId;
use minijinja::context;
use minijinja::value::Serde;

use super::page::Page;
use crate::error::{AppError, AppResult};

pub async fn view_schools_get(page: Page) -> AppResult<Response> {
    let user = page.user()?.clone();
    let schools = user.scope(page.state.store()).schools().await?;
    Ok(page
        .render("schools.html", context! { schools => Serde(&schools) })?
        .into_response())
}

/// `/schools/{id}`; `/schools/mine` goes to the user's own school.
pub async fn view_school_get(page: Page, Path(school_id): Path<String>) -> AppResult<Response> {
    let user = page.user()?.clone();
    let scope = user.scope(page.state.store());
    if school_id == "mine" {
        let first = scope
            .schools()
            .await?
            .into_iter()
            .next()
            .ok_or(AppError::NotFound)?;
        return Ok(Redirect::to(&format!("/schools/{}", first.id)).into_response());
    }
    // A malformed id is as unknown as a foreign one.
    let id: SchoolId = school_id.parse().map_err(|_| AppError::NotFound)?;
    let school = scope.school(id).await?.ok_or(AppError::NotFound)?;
    Ok(page
        .render("school.html", context! { school => Serde(&school) })?
        .into_response())
}
