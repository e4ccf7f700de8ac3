//! The messages the platform sends, rendered from the site's theme (text and HTML).

use chrono::{DateTime, Utc};
use chrono_tz::Europe::London;
use induct_domain::lockout::LockEvent;

use crate::error::AppError;
use crate::state::AppState;
use crate::store::outbox::{NewMail, NewSms};
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

/// Who a themed message goes to and what it is.
struct Envelope<'a> {
    /// What caused it (for the operator's view; never content).
    kind: &'a str,
    to_address: &'a str,
    to_name: &'a str,
    subject: String,
    /// `emails/<template>.txt` and `.html` in the site's theme.
    template: &'a str,
    /// After this the message is dropped, not sent stale.
    expires_at: Option<DateTime<Utc>>,
}

/// A message in the site's theme (text and HTML) from the site's sender (the AB's, or the
/// platform's).
fn themed(state: &AppState, site: &Site, e: Envelope<'_>, ctx: minijinja::Value) -> Result<NewMail, AppError> {
    let theme = state.themes().get(site.theme());
    let (from_address, from_name) = sender(state, site);
    Ok(NewMail {
        tenant: site.tenant_id(),
        kind: e.kind.into(),
        to_address: e.to_address.into(),
        to_name: e.to_name.into(),
        from_address,
        from_name,
        subject: e.subject,
        body_text: theme.render(&format!("emails/{}.txt", e.template), ctx.clone())?,
        body_html: Some(theme.render(&format!("emails/{}.html", e.template), ctx)?),
        expires_at: e.expires_at,
    })
}

/// What locked an account: wrong passwords, or wrong codes at the second step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockCause {
    Passwords,
    Codes,
}

/// SECURITY.md A8: the account's owner hears of the first lock of a run, and of a hard lock; M4:
/// of every lock of the second step, and that the third locks the account itself.
pub fn account_locked(
    state: &AppState,
    site: &Site,
    user: &UserRow,
    event: LockEvent,
    cause: LockCause,
    now: DateTime<Utc>,
) -> Result<NewMail, AppError> {
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
        codes => cause == LockCause::Codes,
        at => uk_time(now),
        login_url => format!("{}/login", state.config().origin_for(tenant.map(|t| t.slug.as_str()))),
        contact_email => tenant.map(|t| t.contact_email.clone()),
        contact_phone => tenant.map(|t| t.contact_phone.clone()),
    };
    themed(
        state,
        site,
        Envelope {
            kind: "account_locked",
            to_address: &user.email,
            to_name: &user.display_name,
            subject: format!("{}: your account has been locked", site.name()),
            template: "account_locked",
            expires_at: None,
        },
        ctx,
    )
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
    themed(
        state,
        site,
        Envelope {
            kind: "set_password",
            to_address: &user.email,
            to_name: &user.display_name,
            subject: if new_account {
                format!("{}: your username and how to set your password", site.name())
            } else {
                format!("{}: set your password", site.name())
            },
            template: "set_password",
            // A link that has expired is not worth sending.
            expires_at: Some(expires),
        },
        ctx,
    )
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
    themed(
        state,
        site,
        Envelope {
            kind: if authorised { "registration_authorised" } else { "registration_rejected" },
            to_address: &to.email,
            to_name: &to.display_name,
            subject: format!(
                "{}: registration of {ect_name} {}",
                site.name(),
                if authorised { "authorised" } else { "rejected" }
            ),
            template: "registration_decided",
            expires_at: None,
        },
        ctx,
    )
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
    let origin = state.config().origin_for(site.tenant().map(|t| t.slug.as_str()));
    let ctx = minijinja::context! {
        site_name => site.name(),
        display_name => user.display_name.clone(),
        username => user.username.clone(),
        link => format!("{origin}/set-password/{token}"),
        login_url => format!("{origin}/login"),
        expires => uk_time(expires),
    };
    themed(
        state,
        site,
        Envelope {
            kind: "password_reset",
            to_address: &user.email,
            to_name: &user.display_name,
            subject: format!("{}: your username and a link to reset your password", site.name()),
            template: "password_reset",
            expires_at: Some(expires),
        },
        ctx,
    )
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
    themed(
        state,
        site,
        Envelope {
            kind: "account_changed",
            to_address: to,
            to_name: &user.display_name,
            subject: format!("{}: your {what} was changed", site.name()),
            template: "account_changed",
            expires_at: None,
        },
        ctx,
    )
}

/// An email verification code for a login (seed 000: "we will send you a unique 6 digit code").
pub fn login_code(
    state: &AppState,
    site: &Site,
    user: &UserRow,
    code: &str,
    expires: DateTime<Utc>,
) -> Result<NewMail, AppError> {
    let ctx = minijinja::context! {
        site_name => site.name(),
        display_name => user.display_name.clone(),
        code,
        expires => uk_time(expires),
    };
    themed(
        state,
        site,
        Envelope {
            kind: "login_code",
            to_address: &user.email,
            to_name: &user.display_name,
            subject: format!("{}: your verification code", site.name()),
            template: "login_code",
            // A code that arrives after it has expired is no use.
            expires_at: Some(expires),
        },
        ctx,
    )
}

/// SECURITY.md A5: the AB marked the person's password compromised; the next login asks for a
/// new one.
pub fn password_compromised(
    state: &AppState,
    site: &Site,
    user: &UserRow,
    at: DateTime<Utc>,
) -> Result<NewMail, AppError> {
    let tenant = site.tenant();
    let ctx = minijinja::context! {
        site_name => site.name(),
        display_name => user.display_name.clone(),
        username => user.username.clone(),
        at => uk_time(at),
        contact_email => tenant.map(|t| t.contact_email.clone()),
        login_url => format!("{}/login", state.config().origin_for(tenant.map(|t| t.slug.as_str()))),
    };
    themed(
        state,
        site,
        Envelope {
            kind: "password_compromised",
            to_address: &user.email,
            to_name: &user.display_name,
            subject: format!("{}: choose a new password", site.name()),
            template: "password_compromised",
            expires_at: None,
        },
        ctx,
    )
}

/// A verification code for a login by text message (seed 000: "via email or text"). Short: one
/// text message.
pub fn login_code_sms(
    state: &AppState,
    site: &Site,
    user: &UserRow,
    mobile: &str,
    code: &str,
    expires: DateTime<Utc>,
) -> Result<NewSms, AppError> {
    sms(state, site, user, mobile, "login_code", "emails/login_code_sms.txt", code, expires)
}

/// The code that proves a mobile number before codes go to it (SECURITY.md M5).
pub fn mobile_code_sms(
    state: &AppState,
    site: &Site,
    user: &UserRow,
    mobile: &str,
    code: &str,
    expires: DateTime<Utc>,
) -> Result<NewSms, AppError> {
    sms(state, site, user, mobile, "mobile_code", "emails/mobile_code_sms.txt", code, expires)
}

#[allow(clippy::too_many_arguments)]
fn sms(
    state: &AppState,
    site: &Site,
    user: &UserRow,
    mobile: &str,
    kind: &str,
    template: &str,
    code: &str,
    expires: DateTime<Utc>,
) -> Result<NewSms, AppError> {
    let local = expires.with_timezone(&London);
    let ctx = minijinja::context! {
        site_name => site.name(),
        code,
        expires => local.format("%-I:%M%P").to_string(),
    };
    let theme = state.themes().get(site.theme());
    Ok(NewSms {
        tenant: site.tenant_id(),
        kind: kind.into(),
        to_mobile: mobile.into(),
        to_name: user.display_name.clone(),
        from_name: sender(state, site).1,
        body: theme.render(template, ctx)?.trim().to_owned(),
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
