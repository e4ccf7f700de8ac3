//! The messages the platform sends, rendered from the site's theme (text and HTML).

use chrono::{DateTime, Utc};
use chrono_tz::Europe::London;
use induct_domain::lockout::LockEvent;

use crate::services::ServiceError;
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

/// A date as people in England read it: "Friday 4 December 2026".
pub fn uk_date(d: chrono::NaiveDate) -> String {
    d.format("%A %-d %B %Y").to_string()
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
fn themed(state: &AppState, site: &Site, e: Envelope<'_>, ctx: minijinja::Value) -> Result<NewMail, ServiceError> {
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

/// docs/security.md A8: the account's owner hears of the first lock of a run, and of a hard lock; M4:
/// of every lock of the second step, and that the third locks the account itself.
pub fn account_locked(
    state: &AppState,
    site: &Site,
    user: &UserRow,
    event: LockEvent,
    cause: LockCause,
    now: DateTime<Utc>,
) -> Result<NewMail, ServiceError> {
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
/// request's Host header (docs/security.md M6).
pub fn set_password_link(
    state: &AppState,
    site: &Site,
    user: &UserRow,
    token: &str,
    expires: DateTime<Utc>,
    new_account: bool,
) -> Result<NewMail, ServiceError> {
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
) -> Result<NewMail, ServiceError> {
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

/// Seed 000 "Can't access your account": a single-use link to choose a new password (docs/security.md
/// M6: at most 60 minutes, built from the configured origin), with the username as a reminder.
pub fn password_reset(
    state: &AppState,
    site: &Site,
    user: &UserRow,
    token: &str,
    expires: DateTime<Utc>,
) -> Result<NewMail, ServiceError> {
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
) -> Result<NewMail, ServiceError> {
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
) -> Result<NewMail, ServiceError> {
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

/// docs/security.md A5: the AB marked the person's password compromised; the next login asks for a
/// new one.
pub fn password_compromised(
    state: &AppState,
    site: &Site,
    user: &UserRow,
    at: DateTime<Utc>,
) -> Result<NewMail, ServiceError> {
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

/// What a report's reminder or news says (seed 003: "The emails will state that the Induction
/// Tutor must log into ECT Manager to complete the form").
pub struct NoticeMail<'a> {
    pub kind: induct_domain::notices::NoticeKind,
    /// What it asks of this recipient now.
    pub ask: induct_domain::notices::Ask,
    /// Written to the ECT themselves ("your progress review").
    pub to_ect: bool,
    pub ect_name: &'a str,
    pub report_title: &'a str,
    pub due: Option<chrono::NaiveDate>,
    pub today: chrono::NaiveDate,
    /// Where to act, on the AB's site.
    pub link_path: &'a str,
}

/// A report's reminder (a week before, the day before, the day, overdue, weekly) or news (ready
/// for comments or a signature, returned, accepted), in the AB's theme. It names only the ECT
/// and the report, which every recipient already sees on their dashboard.
pub fn report_notice(state: &AppState, site: &Site, to: &UserRow, n: &NoticeMail<'_>) -> Result<NewMail, ServiceError> {
    use induct_domain::notices::NoticeKind as K;
    let whose = if n.to_ect { "Your".to_owned() } else { format!("{}'s", n.ect_name) };
    let what = format!("{whose} {}", n.report_title.to_lowercase());
    let due = n.due.map(uk_date);
    let headline = match n.kind {
        K::DueInAWeek => format!("{what} is due in a week"),
        K::DueTomorrow => format!("{what} is due tomorrow"),
        K::DueToday => format!("{what} is due today"),
        K::Overdue | K::OverdueWeekly => format!("{what} is overdue"),
        K::ReadyForComments => format!("{what} is ready for your comments"),
        K::ReadyForTutorSignature | K::ReadyForHeadSignature => format!("{what} is ready for your signature"),
        K::Returned => format!("{what} has been returned by {}", site.name()),
        K::Accepted => format!("{what} has been accepted by {}", site.name()),
        _ => what.clone(),
    };
    let origin = state.config().origin_for(site.tenant().map(|t| t.slug.as_str()));
    let ctx = minijinja::context! {
        site_name => site.name(),
        display_name => to.display_name.clone(),
        headline => headline.clone(),
        ask => n.ask.as_str(),
        ask_text => ask_sentence(n.ask, n.kind, site.name()),
        kind => n.kind.as_str(),
        to_ect => n.to_ect,
        ect_name => n.ect_name,
        report_title => n.report_title,
        due,
        days_overdue => n.due.map(|d| (n.today - d).num_days()).filter(|d| *d > 0),
        link => format!("{origin}{}", n.link_path),
    };
    themed(
        state,
        site,
        Envelope {
            kind: n.kind.as_str(),
            to_address: &to.email,
            to_name: &to.display_name,
            subject: format!("{}: {headline}", site.name()),
            template: "report_notice",
            expires_at: None,
        },
        ctx,
    )
}

/// What the recipient is asked to do, in a sentence.
fn ask_sentence(ask: induct_domain::notices::Ask, kind: induct_domain::notices::NoticeKind, site: &str) -> String {
    use induct_domain::notices::{Ask, NoticeKind};
    match ask {
        Ask::CompleteForm if kind == NoticeKind::Returned => "Please log in, read the appropriate body's comments on \
            the report, make the changes and make it available to the ECT again."
            .into(),
        Ask::CompleteForm => format!("As the induction tutor, please log in to {site} and complete the form."),
        Ask::EnsureCompleted => "Please make sure the induction tutor logs in and completes the form.".into(),
        Ask::TutorIsCompleting => "Your induction tutor is completing it. When they have finished, you will be \
            asked to add your comments and sign."
            .into(),
        Ask::CommentAndSign => "Please log in, check the details, add your comments and sign it.".into(),
        Ask::WaitingForEct => "It is waiting for the ECT's comments and signature.".into(),
        Ask::TutorSigns => "Please log in and sign it.".into(),
        Ask::WaitingForTutorSignature => "It is waiting for the induction tutor's signature.".into(),
        Ask::HeadSigns => "Please log in and sign it (you can sign several reports at once under Sign).".into(),
        Ask::WaitingForHeadSignature => "It is waiting for the head teacher's signature.".into(),
        Ask::Nothing => "There is nothing more for you to do.".into(),
    }
}

/// A registration waiting for the head teacher's signature or the AB's checks (seed 001).
pub fn registration_notice(
    state: &AppState,
    site: &Site,
    to: &UserRow,
    kind: induct_domain::notices::NoticeKind,
    ect_name: &str,
    school_name: &str,
    link_path: &str,
) -> Result<NewMail, ServiceError> {
    use induct_domain::notices::NoticeKind as K;
    let for_head = kind == K::RegistrationAwaitingHead;
    let headline = if for_head {
        format!("the registration of {ect_name} is waiting for your signature")
    } else {
        format!("the registration of {ect_name} at {school_name} is waiting for your checks")
    };
    let origin = state.config().origin_for(site.tenant().map(|t| t.slug.as_str()));
    let ctx = minijinja::context! {
        site_name => site.name(),
        display_name => to.display_name.clone(),
        for_head,
        ect_name,
        school_name,
        link => format!("{origin}{link_path}"),
    };
    themed(
        state,
        site,
        Envelope {
            kind: kind.as_str(),
            to_address: &to.email,
            to_name: &to.display_name,
            subject: format!("{}: {headline}", site.name()),
            template: "registration_notice",
            expires_at: None,
        },
        ctx,
    )
}

/// The AB's weekly list of overdue reports by school (docs/induction-rules.md 2.12; SG 2.74).
pub fn ab_digest(
    state: &AppState,
    site: &Site,
    to: &UserRow,
    week: chrono::NaiveDate,
    by_school: &std::collections::BTreeMap<String, Vec<crate::services::notify::OverdueLine>>,
) -> Result<NewMail, ServiceError> {
    let total: usize = by_school.values().map(Vec::len).sum();
    let origin = state.config().origin_for(site.tenant().map(|t| t.slug.as_str()));
    let schools: Vec<_> = by_school
        .iter()
        .map(|(name, reports)| minijinja::context! { name, reports => minijinja::value::Serde(reports) })
        .collect();
    let ctx = minijinja::context! {
        site_name => site.name(),
        display_name => to.display_name.clone(),
        week => uk_date(week),
        total,
        schools,
        link => format!("{origin}/reports/review"),
    };
    themed(
        state,
        site,
        Envelope {
            kind: "ab_weekly_digest",
            to_address: &to.email,
            to_name: &to.display_name,
            subject: format!("{}: {total} overdue report{} this week", site.name(), if total == 1 { "" } else { "s" }),
            template: "ab_digest",
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
) -> Result<NewSms, ServiceError> {
    sms(state, site, user, mobile, "login_code", "emails/login_code_sms.txt", code, expires)
}

/// The code that proves a mobile number before codes go to it (docs/security.md M5).
pub fn mobile_code_sms(
    state: &AppState,
    site: &Site,
    user: &UserRow,
    mobile: &str,
    code: &str,
    expires: DateTime<Utc>,
) -> Result<NewSms, ServiceError> {
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
) -> Result<NewSms, ServiceError> {
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
