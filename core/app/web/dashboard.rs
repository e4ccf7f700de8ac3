//! Home, dashboards and the account page.

use axum::Json;
use axum::response::{IntoResponse, Redirect, Response};
use induct_domain::{Role, SchoolId};
use minijinja::context;
use minijinja::value::Serde;

use super::page::Page;
use crate::auth::session::MaybeUser;
use crate::error::AppResult;
use crate::tenancy::Site;

/// `/`: an AB's site sends people to their dashboard or the login page; the platform site lists
/// the appropriate bodies hosted here (for the demo) and links to the operators' login.
pub async fn view_home_get(page: Page, MaybeUser(user): MaybeUser) -> AppResult<Response> {
    match (&page.site, user) {
        (Site::Ab(_), Some(_)) => Ok(Redirect::to("/dashboard").into_response()),
        (Site::Ab(_), None) => Ok(Redirect::to("/login").into_response()),
        (Site::Platform, _) => {
            let abs: Vec<_> = page
                .state
                .store()
                .list_tenants()
                .await?
                .into_iter()
                .map(|t| context! { name => t.name, url => page.state.config().origin_for(Some(&t.slug)) })
                .collect();
            Ok(page.render("platform_home.html", context! { abs })?.into_response())
        }
    }
}

pub async fn view_health_get(page: Page) -> AppResult<Json<serde_json::Value>> {
    page.state.store().ping().await?;
    Ok(Json(serde_json::json!({ "status": "ok" })))
}

pub async fn view_dashboard_get(page: Page) -> AppResult<Response> {
    let user = page.user()?.clone();
    let store = page.state.store();
    let scope = user.scope(store);
    let schools = scope.schools().await?;
    let ctx = match user.role {
        Role::PlatformOperator => {
            let abs = store.list_tenants().await?.len();
            let mail = store.outbox_counts().await?;
            context! { ab_count => abs, mail => Serde(mail) }
        }
        Role::AbAdmin => context! { schools => Serde(&schools) },
        _ => {
            // Seed 001 step 3: a red banner until the school has a head teacher.
            let mut without_head = vec![];
            if let Some(tenant) = user.tenant {
                for s in &schools {
                    if store.count_school_users_with_role(tenant, SchoolId(s.id), Role::HeadTeacher.as_str()).await?
                        == 0
                    {
                        without_head.push(s.name.clone());
                    }
                }
            }
            context! { schools => Serde(&schools), schools_without_head => without_head }
        }
    };
    Ok(page.render("dashboard.html", ctx)?.into_response())
}

pub async fn view_account_get(page: Page) -> AppResult<Response> {
    let user = page.user()?.clone();
    let schools = user.scope(page.state.store()).schools().await?;
    let school_names: Vec<String> = match user.role {
        Role::AbAdmin | Role::PlatformOperator => vec![],
        _ => schools.into_iter().map(|s| s.name).collect(),
    };
    Ok(page.render("account.html", context! { school_names })?.into_response())
}

/// Help & Support (seed 001: "Here you will find the telephone number and/or email address of
/// your Appropriate body").
pub async fn view_help_get(page: Page) -> AppResult<Response> {
    Ok(page.render("help.html", context! {})?.into_response())
}
