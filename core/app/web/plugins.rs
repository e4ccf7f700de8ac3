//! Managing an AB's plugin: its AB admin on the AB's site (`/plugins`), the platform operator for
//! any AB (`/platform/appropriate-bodies/{slug}/plugins`). Upload a component, see what it does,
//! roll back or forward to any stored version.

use crate::web::{Access, RouteTable, Sites};
use axum::extract::{Multipart, Path};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use induct_domain::Permission;
use minijinja::context;
use minijinja::value::Serde;
use std::sync::Arc;
use uuid::Uuid;

use super::page::Page;
use crate::auth::session::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::plugins::{Actor, InstallError};
use crate::store::tenants::TenantRow;
use crate::tenancy::Site;

/// The AB being managed and where its page is.
struct Managed {
    tenant: Arc<TenantRow>,
    base: String,
}

async fn own_ab(page: &Page) -> AppResult<Managed> {
    match &page.site {
        Site::Ab(t) => Ok(Managed { tenant: t.clone(), base: "/plugins".into() }),
        Site::Platform => Err(AppError::NotFound),
    }
}

async fn named_ab(page: &Page, slug: &str) -> AppResult<Managed> {
    let tenant = page.state.tenant_by_slug(slug).await?.ok_or(AppError::NotFound)?;
    Ok(Managed { base: format!("/platform/appropriate-bodies/{}/plugins", tenant.slug), tenant })
}

async fn render(page: &Page, m: &Managed, error: Option<String>, status: StatusCode) -> AppResult<Response> {
    let tenant = m.tenant.tenant_id();
    let versions = page.state.store().list_plugins(tenant).await?;
    let active = page.state.plugins().active(&page.state, tenant).await.ok().flatten();
    let manifest = active.as_ref().map(|a| {
        let m = &a.loaded.manifest;
        context! {
            name => m.name.clone(),
            version => m.version.clone(),
            wit_version => m.wit_version.clone(),
            hooks => m.hooks.iter().map(|h| induct_plugin_host::hook_name(*h)).collect::<Vec<_>>(),
        }
    });
    page.respond(
        status,
        "plugins.html",
        context! {
            ab_name => m.tenant.name.clone(),
            base => m.base.clone(),
            versions => Serde(&versions),
            manifest,
            limits => context! {
                memory_mib => page.state.plugins().host().limits().memory_bytes >> 20,
                fuel_millions => page.state.plugins().host().limits().fuel / 1_000_000,
            },
            errors => error.map(|e| vec![context! { field => "plugin", message => e }]).unwrap_or_default(),
        },
    )
}

async fn upload(page: Page, meta: RequestMeta, m: Managed, mut multipart: Multipart) -> AppResult<Response> {
    let mut bytes = None;
    while let Some(field) = multipart.next_field().await.map_err(|_| AppError::BadRequest("unreadable upload"))? {
        if field.name() == Some("plugin") {
            let data = field.bytes().await.map_err(|_| AppError::PayloadTooLarge)?;
            bytes = Some(data.to_vec());
        }
    }
    let bytes = match bytes {
        Some(b) if !b.is_empty() => b,
        _ => {
            return render(&page, &m, Some("Choose a plugin file (.wasm) to upload".into()), StatusCode::BAD_REQUEST)
                .await;
        }
    };
    let user = page.user()?.clone();
    let label = format!("{} ({})", user.username, user.role.as_str());
    let actor = Actor { user: Some(user.id), label: &label, ip: &meta.ip, user_agent: &meta.user_agent };
    match page.state.plugins().install(&page.state, m.tenant.tenant_id(), bytes, &actor).await {
        Ok(_) => Ok(Redirect::to(&m.base).into_response()),
        Err(InstallError::Refused(e)) => {
            render(&page, &m, Some(format!("The plugin was refused: {e}")), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(InstallError::UnknownVersion) => Err(AppError::NotFound),
        Err(other @ (InstallError::Store(_) | InstallError::Failed(_))) => Err(other.into()),
    }
}

async fn activate(page: Page, meta: RequestMeta, m: Managed, plugin_id: String) -> AppResult<Response> {
    let id: Uuid = plugin_id.parse().map_err(|_| AppError::NotFound)?;
    let user = page.user()?.clone();
    let label = format!("{} ({})", user.username, user.role.as_str());
    let actor = Actor { user: Some(user.id), label: &label, ip: &meta.ip, user_agent: &meta.user_agent };
    match page.state.plugins().activate(&page.state, m.tenant.tenant_id(), id, &actor).await {
        Ok(()) => Ok(Redirect::to(&m.base).into_response()),
        Err(InstallError::UnknownVersion) => Err(AppError::NotFound),
        Err(InstallError::Refused(e)) => Err(AppError::Internal(e.to_string())),
        Err(other @ (InstallError::Store(_) | InstallError::Failed(_))) => Err(other.into()),
    }
}

pub async fn view_plugins_get(page: Page) -> AppResult<Response> {
    let m = own_ab(&page).await?;
    render(&page, &m, None, StatusCode::OK).await
}

pub async fn view_plugins_post(page: Page, meta: RequestMeta, multipart: Multipart) -> AppResult<Response> {
    let m = own_ab(&page).await?;
    upload(page, meta, m, multipart).await
}

pub async fn view_plugin_activate_post(
    page: Page,
    meta: RequestMeta,
    Path(plugin_id): Path<String>,
) -> AppResult<Response> {
    let m = own_ab(&page).await?;
    activate(page, meta, m, plugin_id).await
}

pub async fn view_ab_plugins_get(page: Page, Path(slug): Path<String>) -> AppResult<Response> {
    let m = named_ab(&page, &slug).await?;
    render(&page, &m, None, StatusCode::OK).await
}

pub async fn view_ab_plugins_post(
    page: Page,
    meta: RequestMeta,
    Path(slug): Path<String>,
    multipart: Multipart,
) -> AppResult<Response> {
    let m = named_ab(&page, &slug).await?;
    upload(page, meta, m, multipart).await
}

pub async fn view_ab_plugin_activate_post(
    page: Page,
    meta: RequestMeta,
    Path((slug, plugin_id)): Path<(String, String)>,
) -> AppResult<Response> {
    let m = named_ab(&page, &slug).await?;
    activate(page, meta, m, plugin_id).await
}

/// This feature's routes, each declaring who may use it and on which site (docs/security.md T1).
pub(super) fn routes(t: RouteTable) -> RouteTable {
    use Access::*;
    use Permission::*;
    t.get("/plugins", Sites::Ab, Signed(ManageAbPlugins), view_plugins_get)
        .post("/plugins", Sites::Ab, Signed(ManageAbPlugins), view_plugins_post)
        .post("/plugins/{plugin_id}/activate", Sites::Ab, Signed(ManageAbPlugins), view_plugin_activate_post)
        .get(
            "/platform/appropriate-bodies/{slug}/plugins",
            Sites::Platform,
            Signed(ManageAnyAbPlugins),
            view_ab_plugins_get,
        )
        .post(
            "/platform/appropriate-bodies/{slug}/plugins",
            Sites::Platform,
            Signed(ManageAnyAbPlugins),
            view_ab_plugins_post,
        )
        .post(
            "/platform/appropriate-bodies/{slug}/plugins/{plugin_id}/activate",
            Sites::Platform,
            Signed(ManageAnyAbPlugins),
            view_ab_plugin_activate_post,
        )
}
