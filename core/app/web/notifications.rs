//! The AB's Emails page (issue 8): what was sent to whom and when, what failed and why, with
//! "Send again"; and the reminders and notices behind them (which were sent, which skipped).

use crate::web::{Access, RouteTable, Sites};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use induct_domain::Permission;
use minijinja::context;
use serde::Deserialize;

use super::page::Page;
use crate::auth::session::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::mail::messages::uk_time;

#[derive(Deserialize, Default)]
pub struct Filter {
    #[serde(default)]
    status: String,
}

/// The name people read for a notification kind.
fn kind_title(kind: &str) -> &str {
    match kind {
        "due_in_a_week" => "Due in a week",
        "due_tomorrow" => "Due tomorrow",
        "due_today" => "Due today",
        "overdue" => "Overdue",
        "overdue_weekly" => "Overdue (weekly)",
        "ready_for_comments" => "Ready for the ECT's comments",
        "ready_for_tutor_signature" => "Ready for the tutor's signature",
        "ready_for_head_signature" => "Ready for the head teacher's signature",
        "returned" => "Returned by the AB",
        "accepted" => "Accepted by the AB",
        "registration_awaiting_head" => "Registration waiting for the head",
        "registration_awaiting_ab" => "Registration waiting for the AB",
        "ab_weekly_digest" => "Weekly overdue digest",
        other => other,
    }
}

async fn render(page: &Page, failed_only: bool, notice: Option<&str>, status: StatusCode) -> AppResult<Response> {
    let tenant = page.tenant()?;
    let store = page.state.store();
    let mail: Vec<_> = store
        .list_outbox_of_tenant(tenant, failed_only, 200)
        .await?
        .into_iter()
        .map(|m| {
            let secret = matches!(m.kind.as_str(), "password_reset" | "set_password" | "login_code" | "mobile_code");
            let can_resend = !secret && m.status != "pending";
            context! {
                id => m.id.to_string(),
                queued => uk_time(m.created_at),
                sent => m.sent_at.map(uk_time),
                kind => kind_title(&m.kind).to_owned(),
                channel => m.channel.clone(),
                to_name => m.to_name,
                // Mobile numbers are shown partly hidden (the AB needs to know a text went, not where).
                to_address => if m.channel == "sms" { induct_domain::validate::mask_mobile(&m.to_address) } else { m.to_address.clone() },
                subject => m.subject,
                status => m.status,
                attempts => m.attempts,
                last_error => m.last_error,
                can_resend,
            }
        })
        .collect();
    let notices: Vec<_> = store
        .list_notifications(tenant, 200)
        .await?
        .into_iter()
        .map(|n| {
            context! {
                kind => kind_title(&n.kind).to_owned(),
                occasion => n.occasion,
                about => n.ect_name,
                report_number => (n.report_number > 0).then_some(n.report_number),
                status => n.status,
                detail => n.detail,
                processed => n.processed_at.map(uk_time),
            }
        })
        .collect();
    page.respond(status, "notifications.html", context! { mail, notices, failed_only, notice })
}

pub async fn view_notifications_get(page: Page, Query(f): Query<Filter>) -> AppResult<Response> {
    render(&page, f.status == "failed", None, StatusCode::OK).await
}

/// "Send again": a copy of the message goes out (links and codes never: they expire, and the
/// person asks for a new one).
pub async fn view_mail_resend_post(page: Page, meta: RequestMeta, Path(mail_id): Path<String>) -> AppResult<Response> {
    let _user = page.user()?.clone();
    let tenant = page.tenant()?;
    let id: uuid::Uuid = mail_id.parse().map_err(|_| AppError::NotFound)?;
    let actor = page.actor(&meta)?;
    if crate::services::notify::resend_mail(&page.state, tenant, id, &actor).await?.is_none() {
        return Err(AppError::NotFound);
    }
    render(&page, false, Some("The message will be sent again."), StatusCode::OK).await
}

/// This feature's routes, each declaring who may use it and on which site (docs/security.md T1).
pub(super) fn routes(t: RouteTable) -> RouteTable {
    use Access::*;
    use Permission::*;
    t.get("/notifications", Sites::Ab, Signed(ViewAbNotifications), view_notifications_get).post(
        "/notifications/mail/{mail_id}/resend",
        Sites::Ab,
        Signed(ViewAbNotifications),
        view_mail_resend_post,
    )
}
