//! The platform operator's pages: the appropriate bodies, and the mail the platform has sent
//! (the demo transport's mailbox, and the outbox with what failed).

use crate::web::{Access, RouteTable, Sites};
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use induct_domain::Permission;
use minijinja::context;
use minijinja::value::Serde;
use uuid::Uuid;

use super::page::Page;
use crate::error::{AppError, AppResult};

pub async fn view_abs_get(page: Page) -> AppResult<Response> {
    let abs: Vec<_> = page
        .state
        .store()
        .list_tenants()
        .await?
        .into_iter()
        .map(|t| context! { url => page.state.config().origin_for(Some(&t.slug)), name => t.name, slug => t.slug, theme => t.theme, contact_email => t.contact_email })
        .collect();
    Ok(page.render("platform_abs.html", context! { abs })?.into_response())
}

pub async fn view_mail_get(page: Page) -> AppResult<Response> {
    let store = page.state.store();
    let delivered = store.list_demo_mailbox(200).await?;
    let outbox = store.list_outbox(200).await?;
    let counts = store.outbox_counts().await?;
    let transport = match page.state.mail_transport() {
        crate::mail::MailTransport::Demo => "demo mailbox",
        crate::mail::MailTransport::Smtp(_) => "SMTP",
    };
    Ok(page
        .render(
            "platform_mail.html",
            context! { delivered => Serde(&delivered), outbox => Serde(&outbox), counts => Serde(counts), transport },
        )?
        .into_response())
}

pub async fn view_mail_item_get(page: Page, Path(mail_id): Path<String>) -> AppResult<Response> {
    let id: Uuid = mail_id.parse().map_err(|_| AppError::NotFound)?;
    let mail = page.state.store().get_demo_mail(id).await?.ok_or(AppError::NotFound)?;
    Ok(page.render("platform_mail_item.html", context! { mail => Serde(&mail) })?.into_response())
}

/// This feature's routes, each declaring who may use it and on which site (docs/security.md T1).
pub(super) fn routes(t: RouteTable) -> RouteTable {
    use Access::*;
    use Permission::*;
    t.get("/platform/appropriate-bodies", Sites::Platform, Signed(ListAppropriateBodies), view_abs_get)
        .get("/platform/mail", Sites::Platform, Signed(ReadDemoMailbox), view_mail_get)
        .get("/platform/mail/{mail_id}", Sites::Platform, Signed(ReadDemoMailbox), view_mail_item_get)
}
