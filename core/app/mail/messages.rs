//! The messages the platform sends, rendered from the site's theme (text and HTML).

use chrono::{DateTime, Utc};
use chrono_tz::Europe::London;
use induct_domain::lockout::LockEvent;

use crate::error::AppError;
use crate::state::AppState;
use crate::store::outbox::NewMail;
use crate::store::users::UserRow;
use crate::tenancy::Site;

/// A time as people in England read it: "2:05pm on Tuesday 24 November 2026" (UK time, with
/// the clock changes).
pub fn uk_time(t: DateTime<Utc>) -> String {
    let local = t.with_timezone(&London);
    format!("{} on {}", local.format("%-I:%M%P"), local.format("%A %-d %B %Y"))
}

fn sender(state: &AppState, site: &Site) -> (String, String) {
    match site.tenant() {
        Some(t) => (t.mail_from_address.clone(), t.mail_from_name.clone()),
        None => (state.config().mail.from_address.clone(), state.config().mail.from_name.clone()),
    }
}

/// SECURITY.md A8: the account's owner hears of the first lock of a run, and of a hard lock.
pub fn account_locked(
    state: &AppState,
    site: &Site,
    user: &UserRow,
    event: LockEvent,
    now: DateTime<Utc>,
) -> Result<NewMail, AppError> {
    let theme = state.themes().get(site.theme());
    let (until, hard) = match event {
        LockEvent::Locked { until, .. } => (Some(uk_time(until)), false),
        LockEvent::HardLocked => (None, true),
    };
    let tenant = site.tenant();
    let ctx = minijinja::context! {
        site_name => site.name(),
        display_name => user.display_name.clone(),
        username => user.username.clone(),
        until => until,
        hard => hard,
        at => uk_time(now),
        login_url => format!("{}/login", state.config().origin_for(tenant.map(|t| t.slug.as_str()))),
        contact_email => tenant.map(|t| t.contact_email.clone()),
        contact_phone => tenant.map(|t| t.contact_phone.clone()),
    };
    let (from_address, from_name) = sender(state, site);
    Ok(NewMail {
        tenant: site.tenant_id(),
        kind: "account_locked".into(),
        to_address: user.email.clone(),
        to_name: user.display_name.clone(),
        from_address,
        from_name,
        subject: format!("{}: your account has been locked", site.name()),
        body_text: theme.render("emails/account_locked.txt", ctx.clone())?,
        body_html: Some(theme.render("emails/account_locked.html", ctx)?),
        expires_at: None,
    })
}

/// A link to set a password (new accounts, seed 001: "you will receive an email ... containing
/// your username"; never a password by email). Built from the configured origin, never the
/// request's Host header (SECURITY.md M6).
pub fn set_password_link(
    state: &AppState,
    site: &Site,
    user: &UserRow,
    token: &str,
    expires: DateTime<Utc>,
    new_account: bool,
) -> Result<NewMail, AppError> {
    let theme = state.themes().get(site.theme());
    let tenant = site.tenant();
    let origin = state.config().origin_for(tenant.map(|t| t.slug.as_str()));
    let ctx = minijinja::context! {
        site_name => site.name(),
        display_name => user.display_name.clone(),
        username => user.username.clone(),
        link => format!("{origin}/set-password/{token}"),
        login_url => format!("{origin}/login"),
        expires => uk_time(expires),
        new_account => new_account,
    };
    let (from_address, from_name) = sender(state, site);
    Ok(NewMail {
        tenant: site.tenant_id(),
        kind: "set_password".into(),
        to_address: user.email.clone(),
        to_name: user.display_name.clone(),
        from_address,
        from_name,
        subject: if new_account {
            format!("{}: your username and how to set your password", site.name())
        } else {
            format!("{}: set your password", site.name())
        },
        body_text: theme.render("emails/set_password.txt", ctx.clone())?,
        body_html: Some(theme.render("emails/set_password.html", ctx)?),
        // A link that has expired is not worth sending.
        expires_at: Some(expires),
    })
}

/// The AB's decision on an ECT's registration, to the person who registered them (seed 001: the
/// AB "complete their checks ... before they authorise the registration"; a rejection says why).
#[allow(clippy::too_many_arguments)]
pub fn registration_decided(
    state: &AppState,
    site: &Site,
    to: &UserRow,
    ect_name: &str,
    school_name: &str,
    authorised: bool,
    reason: Option<&str>,
    note: Option<&str>,
    link_path: &str,
) -> Result<NewMail, AppError> {
    let theme = state.themes().get(site.theme());
    let tenant = site.tenant();
    let origin = state.config().origin_for(tenant.map(|t| t.slug.as_str()));
    let ctx = minijinja::context! {
        site_name => site.name(),
        display_name => to.display_name.clone(),
        ect_name,
        school_name,
        authorised,
        reason,
        note,
        link => format!("{origin}{link_path}"),
        contact_email => tenant.map(|t| t.contact_email.clone()),
    };
    let (from_address, from_name) = sender(state, site);
    Ok(NewMail {
        tenant: site.tenant_id(),
        kind: if authorised { "registration_authorised" } else { "registration_rejected" }.into(),
        to_address: to.email.clone(),
        to_name: to.display_name.clone(),
        from_address,
        from_name,
        subject: format!(
            "{}: registration of {ect_name} {}",
            site.name(),
            if authorised { "authorised" } else { "rejected" }
        ),
        body_text: theme.render("emails/registration_decided.txt", ctx.clone())?,
        body_html: Some(theme.render("emails/registration_decided.html", ctx)?),
        expires_at: None,
    })
}

/// Seed 000 "Can't access your account": a single-use link to choose a new password (SECURITY.md
/// M6: at most 60 minutes, built from the configured origin), with the username as a reminder.
pub fn password_reset(
    state: &AppState,
    site: &Site,
    user: &UserRow,
    token: &str,
    expires: DateTime<Utc>,
) -> Result<NewMail, AppError> {
    let theme = state.themes().get(site.theme());
    let origin = state.config().origin_for(site.tenant().map(|t| t.slug.as_str()));
    let ctx = minijinja::context! {
        site_name => site.name(),
        display_name => user.display_name.clone(),
        username => user.username.clone(),
        link => format!("{origin}/set-password/{token}"),
        login_url => format!("{origin}/login"),
        expires => uk_time(expires),
    };
    let (from_address, from_name) = sender(state, site);
    Ok(NewMail {
        tenant: site.tenant_id(),
        kind: "password_reset".into(),
        to_address: user.email.clone(),
        to_name: user.display_name.clone(),
        from_address,
        from_name,
        subject: format!("{}: your username and a link to reset your password", site.name()),
        body_text: theme.render("emails/password_reset.txt", ctx.clone())?,
        body_html: Some(theme.render("emails/password_reset.html", ctx)?),
        expires_at: Some(expires),
    })
}

/// A notice to the account's owner that something about their login changed (a password, an
/// email address or a mobile number), sent to `to` (the old address when the email changed).
pub fn account_changed(
    state: &AppState,
    site: &Site,
    user: &UserRow,
    to: &str,
    what: &str,
    at: DateTime<Utc>,
) -> Result<NewMail, AppError> {
    let theme = state.themes().get(site.theme());
    let tenant = site.tenant();
    let ctx = minijinja::context! {
        site_name => site.name(),
        display_name => user.display_name.clone(),
        username => user.username.clone(),
        what,
        at => uk_time(at),
        contact_email => tenant.map(|t| t.contact_email.clone()),
        login_url => format!("{}/login", state.config().origin_for(tenant.map(|t| t.slug.as_str()))),
    };
    let (from_address, from_name) = sender(state, site);
    Ok(NewMail {
        tenant: site.tenant_id(),
        kind: "account_changed".into(),
        to_address: to.to_owned(),
        to_name: user.display_name.clone(),
        from_address,
        from_name,
        subject: format!("{}: your {what} was changed", site.name()),
        body_text: theme.render("emails/account_changed.txt", ctx.clone())?,
        body_html: Some(theme.render("emails/account_changed.html", ctx)?),
        expires_at: None,
    })
}

/// An email verification code for a login (seed 000: "we will send you a unique 6 digit code").
pub fn login_code(
    state: &AppState,
    site: &Site,
    user: &UserRow,
    code: &str,
    expires: DateTime<Utc>,
) -> Result<NewMail, AppError> {
    let theme = state.themes().get(site.theme());
    let ctx = minijinja::context! {
        site_name => site.name(),
        display_name => user.display_name.clone(),
        code,
        expires => uk_time(expires),
    };
    let (from_address, from_name) = sender(state, site);
    Ok(NewMail {
        tenant: site.tenant_id(),
        kind: "login_code".into(),
        to_address: user.email.clone(),
        to_name: user.display_name.clone(),
        from_address,
        from_name,
        subject: format!("{}: your verification code", site.name()),
        body_text: theme.render("emails/login_code.txt", ctx.clone())?,
        body_html: Some(theme.render("emails/login_code.html", ctx)?),
        // A code that arrives after it has expired is no use.
        expires_at: Some(expires),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uk_time_follows_the_clock_changes() {
        let winter = DateTime::parse_from_rfc3339("2026-11-24T14:05:00Z").unwrap().with_timezone(&Utc);
        let summer = DateTime::parse_from_rfc3339("2026-06-24T14:05:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(uk_time(winter), "2:05pm on Tuesday 24 November 2026");
        assert_eq!(uk_time(summer), "3:05pm on Wednesday 24 June 2026");
    }
}
