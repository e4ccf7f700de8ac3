//! Reminders and notifications: which fall on a day, who receives each, and what it asks of them.
//!
//! Seed 003 ("Completing an Assessment"): "You will receive an email ... when an assessment is due
//! to be completed in a week ... You will continue to be reminded by email the day before it is
//! due, the day it is due, to say it is overdue and then a weekly overdue reminder ... These email
//! reminders are also sent to the Head Teacher, the Induction Tutor and the ECT." docs/induction-rules.md 2.12
//! adds the induction leads, the weekly digest to the AB (SG 2.74: the AB chases late and unsigned
//! reports) and a pause per school.
//!
//! Pure: the app materialises what this says into its notifications table and sends it.

use chrono::{Datelike, Duration, NaiveDate};

use crate::report_flow::FormStatus;

/// Everything the service tells people by email about reports and registrations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NoticeKind {
    /// Seed 003: "when an assessment is due to be completed in a week".
    DueInAWeek,
    /// "the day before it is due".
    DueTomorrow,
    /// "the day it is due".
    DueToday,
    /// "to say it is overdue" (the day after).
    Overdue,
    /// "then a weekly overdue reminder".
    OverdueWeekly,
    /// The tutor made the report available: the ECT comments and signs (seed 003 "ECT
    /// Available").
    ReadyForComments,
    /// The tutor signs next (after the ECT).
    ReadyForTutorSignature,
    /// The head teacher signs next (assessments, SG 2.61).
    ReadyForHeadSignature,
    /// The AB returned the report with comments: back to the tutor.
    Returned,
    /// The AB accepted the report.
    Accepted,
    /// An ECT registration waits for the head teacher's signature (seed 001).
    RegistrationAwaitingHead,
    /// A signed registration waits for the AB's checks and decision (seed 001).
    RegistrationAwaitingAb,
    /// Monday's list of overdue reports by school, to the AB (docs/induction-rules.md 2.12, SG 2.74).
    AbWeeklyDigest,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 13] = [
        NoticeKind::DueInAWeek,
        NoticeKind::DueTomorrow,
        NoticeKind::DueToday,
        NoticeKind::Overdue,
        NoticeKind::OverdueWeekly,
        NoticeKind::ReadyForComments,
        NoticeKind::ReadyForTutorSignature,
        NoticeKind::ReadyForHeadSignature,
        NoticeKind::Returned,
        NoticeKind::Accepted,
        NoticeKind::RegistrationAwaitingHead,
        NoticeKind::RegistrationAwaitingAb,
        NoticeKind::AbWeeklyDigest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::DueInAWeek => "due_in_a_week",
            NoticeKind::DueTomorrow => "due_tomorrow",
            NoticeKind::DueToday => "due_today",
            NoticeKind::Overdue => "overdue",
            NoticeKind::OverdueWeekly => "overdue_weekly",
            NoticeKind::ReadyForComments => "ready_for_comments",
            NoticeKind::ReadyForTutorSignature => "ready_for_tutor_signature",
            NoticeKind::ReadyForHeadSignature => "ready_for_head_signature",
            NoticeKind::Returned => "returned",
            NoticeKind::Accepted => "accepted",
            NoticeKind::RegistrationAwaitingHead => "registration_awaiting_head",
            NoticeKind::RegistrationAwaitingAb => "registration_awaiting_ab",
            NoticeKind::AbWeeklyDigest => "ab_weekly_digest",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        NoticeKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The scheduled chasers of a report that is due (as opposed to news of something that
    /// happened).
    pub fn is_reminder(self) -> bool {
        matches!(
            self,
            NoticeKind::DueInAWeek
                | NoticeKind::DueTomorrow
                | NoticeKind::DueToday
                | NoticeKind::Overdue
                | NoticeKind::OverdueWeekly
        )
    }

    /// Who receives it, by their relation to the report or registration.
    pub fn audience(self) -> &'static [Audience] {
        use Audience::*;
        match self {
            // Seed 003 names the head teacher, the tutor and the ECT; docs/induction-rules.md 2.12 the leads.
            k if k.is_reminder() => &[Head, Lead, Tutor, Ect],
            NoticeKind::ReadyForComments => &[Ect],
            // A lead may sign as the tutor (docs/induction-rules.md 2.1); leads hear when no tutor is assigned.
            NoticeKind::ReadyForTutorSignature | NoticeKind::Returned => &[Tutor],
            NoticeKind::ReadyForHeadSignature | NoticeKind::RegistrationAwaitingHead => &[Head],
            NoticeKind::Accepted => &[Head, Tutor, Ect],
            NoticeKind::RegistrationAwaitingAb | NoticeKind::AbWeeklyDigest => &[AbAdmin],
            _ => &[],
        }
    }

    /// Whether a person's "email me when reports are due or need my signature" (seed 001's
    /// contact preferences) turns it off. Reminders and news of a report are a convenience:
    /// the dashboard shows the same. Registrations waiting for a head's signature or the AB's
    /// decision, and the AB's digest, are how those people learn of a statutory duty (Regs 2012
    /// and SG 2.28, 2.74: the AB must act on registrations and chase late reports), so they are
    /// always sent.
    pub fn honours_opt_out(self) -> bool {
        !matches!(
            self,
            NoticeKind::RegistrationAwaitingHead | NoticeKind::RegistrationAwaitingAb | NoticeKind::AbWeeklyDigest
        )
    }

    /// For news of a report, the stage the report is at when the news is current (a notice
    /// processed after the report moved on is not sent).
    pub fn news_of_stage(self) -> Option<FormStatus> {
        match self {
            NoticeKind::ReadyForComments => Some(FormStatus::AwaitingEct),
            NoticeKind::ReadyForTutorSignature => Some(FormStatus::EctSigned),
            NoticeKind::ReadyForHeadSignature => Some(FormStatus::AwaitingHead),
            NoticeKind::Returned => Some(FormStatus::Draft),
            NoticeKind::Accepted => Some(FormStatus::Accepted),
            _ => None,
        }
    }

    /// Whether a school's pause stops it (the pause silences chasers, as DfE's service's
    /// `opted_out_of_reminder_emails_until` does; news of an action still goes).
    pub fn paused_with_school(self) -> bool {
        self.is_reminder()
    }
}

/// How a recipient relates to a report or registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Audience {
    Head,
    Lead,
    Tutor,
    Ect,
    AbAdmin,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Head => "head",
            Audience::Lead => "lead",
            Audience::Tutor => "tutor",
            Audience::Ect => "ect",
            Audience::AbAdmin => "ab_admin",
        }
    }
}

/// The reminder that falls on `day` for a report due on `due`, if any (seed 003: a week before,
/// the day before, the day, the day after, then every seven days while incomplete).
pub fn reminder_on(due: NaiveDate, day: NaiveDate) -> Option<NoticeKind> {
    match (day - due).num_days() {
        -7 => Some(NoticeKind::DueInAWeek),
        -1 => Some(NoticeKind::DueTomorrow),
        0 => Some(NoticeKind::DueToday),
        1 => Some(NoticeKind::Overdue),
        n if n > 1 && (n - 1) % 7 == 0 => Some(NoticeKind::OverdueWeekly),
        _ => None,
    }
}

/// The reminders that fall in `from..=to`, oldest first: the scan looks back a little so a day
/// on which no process ran is caught up, and only the newest of a report's is then sent.
pub fn reminders_between(due: NaiveDate, from: NaiveDate, to: NaiveDate) -> Vec<(NaiveDate, NoticeKind)> {
    let mut out = vec![];
    let mut day = from;
    while day <= to {
        if let Some(k) = reminder_on(due, day) {
            out.push((day, k));
        }
        day += Duration::days(1);
    }
    out
}

/// Reminders chase a report until the AB has it ("stop as soon as the report moves on" from the
/// school to the AB: submitted or accepted).
pub fn still_chased(status: FormStatus) -> bool {
    !status.with_ab()
}

/// The Monday of the week `day` is in: the AB's digest is one a week, sent on the first scan of
/// the week.
pub fn digest_week(day: NaiveDate) -> NaiveDate {
    day - Duration::days(day.weekday().num_days_from_monday() as i64)
}

/// What an email asks of its recipient, by their relation to the report and the report's stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ask {
    /// The tutor (or lead): "log in and complete the form" (seed 003: "The emails will state
    /// that the Induction Tutor must log into ECT Manager to complete the form").
    CompleteForm,
    /// The head or lead: make sure the tutor completes it.
    EnsureCompleted,
    /// The ECT: the tutor is completing it; comments come after.
    TutorIsCompleting,
    /// The ECT: confirm the details, comment and sign.
    CommentAndSign,
    /// Tutor, head or lead while the ECT comments.
    WaitingForEct,
    /// The tutor signs.
    TutorSigns,
    /// Others while the tutor signs.
    WaitingForTutorSignature,
    /// The head signs.
    HeadSigns,
    /// Others while the head signs.
    WaitingForHeadSignature,
    /// Nothing left to do (with the AB).
    Nothing,
}

impl Ask {
    pub fn as_str(self) -> &'static str {
        match self {
            Ask::CompleteForm => "complete_form",
            Ask::EnsureCompleted => "ensure_completed",
            Ask::TutorIsCompleting => "tutor_is_completing",
            Ask::CommentAndSign => "comment_and_sign",
            Ask::WaitingForEct => "waiting_for_ect",
            Ask::TutorSigns => "tutor_signs",
            Ask::WaitingForTutorSignature => "waiting_for_tutor_signature",
            Ask::HeadSigns => "head_signs",
            Ask::WaitingForHeadSignature => "waiting_for_head_signature",
            Ask::Nothing => "nothing",
        }
    }
}

/// What a reminder asks of each recipient at a stage of the signing order (docs/induction-rules.md 2.7: ECT
/// comments and signs, then the tutor, then the head for assessments).
pub fn ask(audience: Audience, status: FormStatus) -> Ask {
    use Audience::*;
    use FormStatus::*;
    match (status, audience) {
        (Draft, Tutor) => Ask::CompleteForm,
        (Draft, Head | Lead) => Ask::EnsureCompleted,
        (Draft, Ect) => Ask::TutorIsCompleting,
        (AwaitingEct, Ect) => Ask::CommentAndSign,
        (AwaitingEct, _) => Ask::WaitingForEct,
        (EctSigned, Tutor) => Ask::TutorSigns,
        (EctSigned, _) => Ask::WaitingForTutorSignature,
        (AwaitingHead, Head) => Ask::HeadSigns,
        (AwaitingHead, _) => Ask::WaitingForHeadSignature,
        _ => Ask::Nothing,
    }
}

/// What a notice of `kind` asks of a recipient: news asks for its own step (the returned report
/// goes back to the tutor to complete); a reminder asks for what the stage needs of them.
pub fn ask_in(kind: NoticeKind, audience: Audience, status: FormStatus) -> Ask {
    match kind {
        NoticeKind::ReadyForComments => Ask::CommentAndSign,
        NoticeKind::ReadyForTutorSignature => Ask::TutorSigns,
        NoticeKind::ReadyForHeadSignature => Ask::HeadSigns,
        NoticeKind::Returned => Ask::CompleteForm,
        NoticeKind::Accepted => Ask::Nothing,
        _ => ask(audience, status),
    }
}

/// Whether a school's pause covers `day`: paused until the end of the given date.
pub fn paused(paused_until: Option<NaiveDate>, day: NaiveDate) -> bool {
    paused_until.is_some_and(|until| day <= until)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// Seed 003 / docs/induction-rules.md 2.12: D-7, D-1, D, D+1, then D+8, D+15 ... while incomplete.
    #[test]
    fn reminders_fall_a_week_before_the_day_before_the_day_after_and_weekly() {
        let due = d("2026-12-04");
        let table = [
            ("2026-11-26", None),
            ("2026-11-27", Some(NoticeKind::DueInAWeek)),
            ("2026-11-28", None),
            ("2026-12-02", None),
            ("2026-12-03", Some(NoticeKind::DueTomorrow)),
            ("2026-12-04", Some(NoticeKind::DueToday)),
            ("2026-12-05", Some(NoticeKind::Overdue)),
            ("2026-12-06", None),
            ("2026-12-11", None),
            ("2026-12-12", Some(NoticeKind::OverdueWeekly)),
            ("2026-12-19", Some(NoticeKind::OverdueWeekly)),
            ("2027-03-06", Some(NoticeKind::OverdueWeekly)),
            ("2027-03-07", None),
        ];
        for (day, want) in table {
            assert_eq!(reminder_on(due, d(day)), want, "{day}");
        }
        assert_eq!(
            reminders_between(due, d("2026-12-02"), d("2026-12-06")),
            [
                (d("2026-12-03"), NoticeKind::DueTomorrow),
                (d("2026-12-04"), NoticeKind::DueToday),
                (d("2026-12-05"), NoticeKind::Overdue)
            ]
        );
    }

    #[test]
    fn chasing_stops_once_the_ab_has_the_report() {
        for s in FormStatus::ALL {
            assert_eq!(still_chased(s), !matches!(s, FormStatus::Submitted | FormStatus::Accepted), "{s:?}");
        }
    }

    /// Seed 003: the emails say the tutor must complete the form; others are told what the
    /// report waits for.
    #[test]
    fn each_recipient_is_asked_what_the_stage_needs_of_them() {
        use Audience::*;
        use FormStatus::*;
        let table = [
            (Draft, Tutor, Ask::CompleteForm),
            (Draft, Head, Ask::EnsureCompleted),
            (Draft, Lead, Ask::EnsureCompleted),
            (Draft, Ect, Ask::TutorIsCompleting),
            (AwaitingEct, Ect, Ask::CommentAndSign),
            (AwaitingEct, Tutor, Ask::WaitingForEct),
            (EctSigned, Tutor, Ask::TutorSigns),
            (EctSigned, Ect, Ask::WaitingForTutorSignature),
            (AwaitingHead, Head, Ask::HeadSigns),
            (AwaitingHead, Tutor, Ask::WaitingForHeadSignature),
            (Submitted, Tutor, Ask::Nothing),
        ];
        for (status, who, want) in table {
            assert_eq!(ask(who, status), want, "{status:?} {who:?}");
        }
    }

    #[test]
    fn news_asks_for_its_own_step_and_is_current_at_its_stage() {
        use Audience::*;
        assert_eq!(ask_in(NoticeKind::ReadyForComments, Ect, FormStatus::AwaitingEct), Ask::CommentAndSign);
        assert_eq!(ask_in(NoticeKind::Returned, Tutor, FormStatus::Draft), Ask::CompleteForm);
        assert_eq!(ask_in(NoticeKind::DueToday, Tutor, FormStatus::EctSigned), Ask::TutorSigns);
        assert_eq!(NoticeKind::ReadyForHeadSignature.news_of_stage(), Some(FormStatus::AwaitingHead));
        assert_eq!(NoticeKind::Overdue.news_of_stage(), None);
    }

    #[test]
    fn kinds_round_trip_and_say_who_hears_them() {
        for k in NoticeKind::ALL {
            assert_eq!(NoticeKind::parse(k.as_str()), Some(k));
            assert!(!k.audience().is_empty(), "{k:?}");
        }
        assert_eq!(NoticeKind::DueToday.audience(), [Audience::Head, Audience::Lead, Audience::Tutor, Audience::Ect]);
        assert!(NoticeKind::Overdue.honours_opt_out() && !NoticeKind::AbWeeklyDigest.honours_opt_out());
        assert!(NoticeKind::OverdueWeekly.paused_with_school() && !NoticeKind::Returned.paused_with_school());
    }

    #[test]
    fn the_digest_week_starts_on_monday_and_pauses_include_their_last_day() {
        assert_eq!(digest_week(d("2026-11-30")), d("2026-11-30"));
        assert_eq!(digest_week(d("2026-12-06")), d("2026-11-30"));
        assert_eq!(digest_week(d("2026-12-07")), d("2026-12-07"));
        assert!(paused(Some(d("2026-12-04")), d("2026-12-04")));
        assert!(!paused(Some(d("2026-12-04")), d("2026-12-05")));
        assert!(!paused(None, d("2026-12-05")));
    }
}
