//! The life of a report form (docs/induction-rules.md 2.7): the tutor fills it in and makes it available to
//! the ECT, the ECT comments and signs, the tutor signs, the head teacher signs assessments (and
//! progress reviews where the AB asks), and the last signature submits it to the AB, which accepts
//! it (locked for ever) or returns it with comments (every signature again).
//!
//! Edits after a signature make a new version and clear the signatures that depended on it
//! (docs/induction-rules.md 2.7: "Any edit after a signature invalidates downstream signatures").

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::timeline::ReportKind;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormStatus {
    /// The tutor is writing (also where a returned report comes back to).
    Draft,
    /// Seed 003 "ECT Available": the ECT confirms details and comments.
    AwaitingEct,
    /// The ECT has signed; the tutor signs next.
    EctSigned,
    /// The tutor has signed; the head teacher signs next.
    AwaitingHead,
    /// With the AB.
    Submitted,
    /// The AB accepted it: locked for ever.
    Accepted,
}

impl FormStatus {
    pub const ALL: [FormStatus; 6] = [
        FormStatus::Draft,
        FormStatus::AwaitingEct,
        FormStatus::EctSigned,
        FormStatus::AwaitingHead,
        FormStatus::Submitted,
        FormStatus::Accepted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FormStatus::Draft => "draft",
            FormStatus::AwaitingEct => "awaiting_ect",
            FormStatus::EctSigned => "ect_signed",
            FormStatus::AwaitingHead => "awaiting_head",
            FormStatus::Submitted => "submitted",
            FormStatus::Accepted => "accepted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// In the seed's words where it has them (seed 003).
    pub fn title(self) -> &'static str {
        match self {
            FormStatus::Draft => "Being filled in by the tutor",
            FormStatus::AwaitingEct => "Waiting for the ECT's comments",
            FormStatus::EctSigned | FormStatus::AwaitingHead => "Needs Digital Signatures",
            FormStatus::Submitted => "Submitted to the appropriate body",
            FormStatus::Accepted => "Accepted",
        }
    }
}

crate::stored_as_text!(FormStatus, "report status");

/// Who signs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signer {
    Ect,
    Tutor,
    Head,
}

impl Signer {
    pub fn as_str(self) -> &'static str {
        match self {
            Signer::Ect => "ect",
            Signer::Tutor => "tutor",
            Signer::Head => "head",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Signer::Ect, Signer::Tutor, Signer::Head].into_iter().find(|x| x.as_str() == s)
    }

    /// Staff sign several reports at once (seed 003 "Sign"); an ECT signs their own, one by one.
    pub fn signs_in_bulk(self) -> bool {
        self != Signer::Ect
    }

    /// The one status in which a report waits for this signer (the ECT's signature once it is
    /// available to them, the tutor's once the ECT signed, the head's after the tutor's).
    pub fn awaited_in(self) -> FormStatus {
        match self {
            Signer::Ect => FormStatus::AwaitingEct,
            Signer::Tutor => FormStatus::EctSigned,
            Signer::Head => FormStatus::AwaitingHead,
        }
    }

    /// Who a role signs as (docs/induction-rules.md 2.1: leads complete and sign as tutors);
    /// `None` for roles that never sign reports.
    pub fn for_role(role: crate::Role) -> Option<Signer> {
        use crate::Role::*;
        match role {
            Ect => Some(Signer::Ect),
            InductionTutor | InductionLead => Some(Signer::Tutor),
            HeadTeacher => Some(Signer::Head),
            PlatformOperator | AbAdmin | SchoolAdmin => None,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Signer::Ect => "Early career teacher",
            Signer::Tutor => "Induction tutor",
            Signer::Head => "Head teacher",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowAction {
    /// The tutor makes the report available to the ECT.
    Release,
    Sign(Signer),
    Accept,
    Return,
}

/// The AB's setting: does the head teacher sign progress reviews too? (docs/induction-rules.md 2.7: "AB
/// requires HT on PR"). Assessments always need the head (SG 2.61).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigningPolicy {
    pub head_signs_progress_reviews: bool,
}

impl SigningPolicy {
    pub fn needs_head(self, kind: ReportKind) -> bool {
        kind != ReportKind::ProgressReview || self.head_signs_progress_reviews
    }

    /// The signatures a report needs, in order.
    pub fn signers(self, kind: ReportKind) -> Vec<Signer> {
        let mut s = vec![Signer::Ect, Signer::Tutor];
        if self.needs_head(kind) {
            s.push(Signer::Head);
        }
        s
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone, Copy)]
pub enum FlowProblem {
    #[error("The report has already been made available to the ECT")]
    AlreadyReleased,
    #[error("The tutor has not made this report available yet")]
    NotReleased,
    /// Seed 003: "Report cannot be signed until comments are completed by the tutor and ECT".
    #[error("Report cannot be signed until comments are completed by the tutor and ECT")]
    EctFirst,
    #[error("The induction tutor signs before the head teacher")]
    TutorFirst,
    #[error("This signature has already been given")]
    AlreadySigned,
    #[error("The head teacher does not sign this report")]
    NoHeadSignature,
    #[error("The report has not been submitted to the appropriate body")]
    NotSubmitted,
    #[error("The report has been submitted to the appropriate body and can no longer be changed")]
    Locked,
}

impl FormStatus {
    /// The next status after an action, or why not.
    pub fn next(self, action: FlowAction, kind: ReportKind, policy: SigningPolicy) -> Result<FormStatus, FlowProblem> {
        use FlowAction::*;
        use FormStatus::*;
        match (self, action) {
            (Submitted | Accepted, Accept | Return) if self == Accepted => Err(FlowProblem::Locked),
            (Submitted, Accept) => Ok(Accepted),
            (Submitted, Return) => Ok(Draft),
            (_, Accept | Return) => Err(FlowProblem::NotSubmitted),
            (Submitted | Accepted, _) => Err(FlowProblem::Locked),
            (Draft, Release) => Ok(AwaitingEct),
            (_, Release) => Err(FlowProblem::AlreadyReleased),
            (Draft, Sign(Signer::Ect)) => Err(FlowProblem::NotReleased),
            (AwaitingEct, Sign(Signer::Ect)) => Ok(EctSigned),
            (_, Sign(Signer::Ect)) => Err(FlowProblem::AlreadySigned),
            (Draft | AwaitingEct, Sign(Signer::Tutor)) => Err(FlowProblem::EctFirst),
            (EctSigned, Sign(Signer::Tutor)) => Ok(if policy.needs_head(kind) { AwaitingHead } else { Submitted }),
            (AwaitingHead, Sign(Signer::Tutor)) => Err(FlowProblem::AlreadySigned),
            (_, Sign(Signer::Head)) if !policy.needs_head(kind) => Err(FlowProblem::NoHeadSignature),
            (Draft | AwaitingEct, Sign(Signer::Head)) => Err(FlowProblem::EctFirst),
            (EctSigned, Sign(Signer::Head)) => Err(FlowProblem::TutorFirst),
            (AwaitingHead, Sign(Signer::Head)) => Ok(Submitted),
        }
    }

    /// Whose signature the report waits for now, asked of [`FormStatus::next`] so that the
    /// signing order is written once (docs/induction-rules.md 2.7).
    pub fn awaiting_signature_of(self, kind: ReportKind, policy: SigningPolicy) -> Option<Signer> {
        [Signer::Ect, Signer::Tutor, Signer::Head]
            .into_iter()
            .find(|s| self.next(FlowAction::Sign(*s), kind, policy).is_ok())
    }

    /// The school has sent it: the AB has it to review, or has accepted it. Until then the AB
    /// does not read the report (seed 003: the report goes to the AB when it is signed).
    pub fn with_ab(self) -> bool {
        matches!(self, FormStatus::Submitted | FormStatus::Accepted)
    }

    /// The ECT has signed and the school's signatures are still to come (the AB's review lists
    /// these as unsigned).
    pub fn awaits_school_signatures(self) -> bool {
        matches!(self, FormStatus::EctSigned | FormStatus::AwaitingHead)
    }

    /// Whether the tutor's side may be edited, and what an edit does: the status afterwards and
    /// whether signatures are cleared (a new version).
    pub fn after_tutor_edit(self) -> Result<(FormStatus, bool), FlowProblem> {
        match self {
            FormStatus::Draft => Ok((FormStatus::Draft, false)),
            // The ECT reads the tutor's text as it is written (seed 003 note).
            FormStatus::AwaitingEct => Ok((FormStatus::AwaitingEct, false)),
            FormStatus::EctSigned | FormStatus::AwaitingHead => Ok((FormStatus::AwaitingEct, true)),
            FormStatus::Submitted | FormStatus::Accepted => Err(FlowProblem::Locked),
        }
    }

    /// The same for the ECT's comments: only once the report is available to them.
    pub fn after_ect_edit(self) -> Result<(FormStatus, bool), FlowProblem> {
        match self {
            FormStatus::Draft => Err(FlowProblem::NotReleased),
            FormStatus::AwaitingEct => Ok((FormStatus::AwaitingEct, false)),
            FormStatus::EctSigned | FormStatus::AwaitingHead => Ok((FormStatus::AwaitingEct, true)),
            FormStatus::Submitted | FormStatus::Accepted => Err(FlowProblem::Locked),
        }
    }

    /// Who is expected to act next.
    pub fn waiting_for(self) -> Option<Signer> {
        match self {
            FormStatus::Draft | FormStatus::EctSigned => Some(Signer::Tutor),
            FormStatus::AwaitingEct => Some(Signer::Ect),
            FormStatus::AwaitingHead => Some(Signer::Head),
            FormStatus::Submitted | FormStatus::Accepted => None,
        }
    }
}

/// The recommendation on a report (docs/induction-rules.md 2.13 and 2.7): a progress review says whether the
/// ECT is on track (SG 2.52); an assessment whether progress is satisfactory; the final
/// assessment recommends an outcome (SG 2.60, 2.66-2.67; Regs 11(3)).
pub fn recommendation_options(kind: ReportKind) -> &'static [(&'static str, &'static str)] {
    match kind {
        ReportKind::ProgressReview => &[
            ("on_track", "On track to complete induction successfully"),
            ("not_on_track", "Not on track to complete induction successfully"),
        ],
        ReportKind::FinalAssessment => &[
            ("satisfactory", "Satisfactory: meets the Teachers' Standards"),
            ("unsatisfactory", "Unsatisfactory: does not meet the Teachers' Standards"),
            ("extension", "An extension is recommended"),
        ],
        _ => &[
            ("satisfactory_progress", "Making satisfactory progress"),
            ("not_satisfactory_progress", "Not making satisfactory progress"),
        ],
    }
}

/// Recommendations that mean the ECT is not making satisfactory progress: a support plan is
/// required and the AB should hear (SG 4.1-4.5; seed 003).
pub fn is_concern(recommendation: &str) -> bool {
    matches!(recommendation, "not_on_track" | "not_satisfactory_progress" | "unsatisfactory" | "extension")
}

/// The Teachers' Standards the tutor evidences (docs/induction-rules.md 2.13, headings as in seed 003), and
/// Part Two.
pub const STANDARDS: [(&str, &str); 9] = [
    ("tutor.ts1", "TS1 Set high expectations which inspire, motivate and challenge pupils"),
    ("tutor.ts2", "TS2 Promote good progress and outcomes by pupils"),
    ("tutor.ts3", "TS3 Demonstrate good subject and curriculum knowledge"),
    ("tutor.ts4", "TS4 Plan and teach well-structured lessons"),
    ("tutor.ts5", "TS5 Adapt teaching to respond to the strengths and needs of all pupils"),
    ("tutor.ts6", "TS6 Make accurate and productive use of assessment"),
    ("tutor.ts7", "TS7 Manage behaviour effectively to ensure a good and safe learning environment"),
    ("tutor.ts8", "TS8 Fulfil wider professional responsibilities"),
    ("tutor.part2", "Part Two: Personal and professional conduct"),
];

/// The ECT's reflective comments (seed 003: "ECT comments should answer the following three
/// questions").
pub const ECT_COMMENTS: [(&str, &str); 3] = [
    ("ect.comment1", "1. What has gone well this term?"),
    ("ect.comment2", "2. What challenges have you faced and how have you overcome them?"),
    ("ect.comment3", "3. What are your targets and how will you address them?"),
];

/// What the tutor must complete before making the report available (seed 003 "ECT Available:
/// I have completed my part"), given the answers so far. Returns the missing fields' names.
pub fn tutor_missing(kind: ReportKind, get: impl Fn(&str) -> Option<String>) -> Vec<&'static str> {
    let filled = |k: &str| get(k).is_some_and(|v| !v.trim().is_empty());
    let mut missing = vec![];
    for k in ["contract.days_served", "contract.days_absent", "contract.remaining"] {
        if !filled(k) {
            missing.push(k);
        }
    }
    match get("tutor.recommendation") {
        Some(r) if recommendation_options(kind).iter().any(|(v, _)| *v == r) => {}
        _ => missing.push("tutor.recommendation"),
    }
    for (key, _) in STANDARDS {
        if !filled(key) {
            missing.push(key);
        }
    }
    if !filled("tutor.development") {
        missing.push("tutor.development");
    }
    match get("tutor.support_plan").as_deref() {
        Some("yes") | Some("no") => {}
        _ => missing.push("tutor.support_plan"),
    }
    // SG 4.1-4.5: not on track means a support plan is in place.
    if get("tutor.recommendation").is_some_and(|r| is_concern(&r))
        && get("tutor.support_plan").as_deref() != Some("yes")
    {
        missing.push("tutor.support_plan");
    }
    missing.dedup();
    missing
}

/// What the ECT must complete before signing: confirming the details and the three comments.
pub fn ect_missing(get: impl Fn(&str) -> Option<String>) -> Vec<&'static str> {
    let mut missing = vec![];
    if get("ect.confirmed").as_deref() != Some("yes") {
        missing.push("ect.confirmed");
    }
    for (key, _) in ECT_COMMENTS {
        if get(key).is_none_or(|v| v.trim().is_empty()) {
            missing.push(key);
        }
    }
    missing
}

/// A report is overdue once its due date has passed while the school still has it: the same
/// test decides the AB's review, the dashboards and the reminders (seed 003: reminders stop as
/// soon as the report is submitted).
pub fn is_overdue(due: Option<NaiveDate>, status: FormStatus, today: NaiveDate) -> bool {
    due.is_some_and(|d| d < today) && crate::notices::still_chased(status)
}

#[cfg(test)]
mod tests {
    use super::FlowAction::*;
    use super::FormStatus::*;
    use super::*;
    use std::collections::HashMap;

    const PR: ReportKind = ReportKind::ProgressReview;
    const FA: ReportKind = ReportKind::FirstYearAssessment;

    #[test]
    fn signing_order_dom_2_7() {
        let no_head = SigningPolicy::default();
        let with_head = SigningPolicy { head_signs_progress_reviews: true };
        let table = [
            (Draft, Release, FA, no_head, Ok(AwaitingEct)),
            (AwaitingEct, Release, FA, no_head, Err(FlowProblem::AlreadyReleased)),
            (Draft, Sign(Signer::Ect), FA, no_head, Err(FlowProblem::NotReleased)),
            (AwaitingEct, Sign(Signer::Tutor), FA, no_head, Err(FlowProblem::EctFirst)),
            (AwaitingEct, Sign(Signer::Head), FA, no_head, Err(FlowProblem::EctFirst)),
            (AwaitingEct, Sign(Signer::Ect), FA, no_head, Ok(EctSigned)),
            (EctSigned, Sign(Signer::Ect), FA, no_head, Err(FlowProblem::AlreadySigned)),
            (EctSigned, Sign(Signer::Head), FA, no_head, Err(FlowProblem::TutorFirst)),
            (EctSigned, Sign(Signer::Tutor), FA, no_head, Ok(AwaitingHead)),
            (EctSigned, Sign(Signer::Tutor), PR, no_head, Ok(Submitted)),
            (EctSigned, Sign(Signer::Tutor), PR, with_head, Ok(AwaitingHead)),
            (EctSigned, Sign(Signer::Head), PR, no_head, Err(FlowProblem::NoHeadSignature)),
            (AwaitingHead, Sign(Signer::Head), FA, no_head, Ok(Submitted)),
            (AwaitingHead, Sign(Signer::Tutor), FA, no_head, Err(FlowProblem::AlreadySigned)),
            (Submitted, Accept, FA, no_head, Ok(Accepted)),
            (Submitted, Return, FA, no_head, Ok(Draft)),
            (AwaitingHead, Accept, FA, no_head, Err(FlowProblem::NotSubmitted)),
            (Accepted, Accept, FA, no_head, Err(FlowProblem::Locked)),
            (Accepted, Return, FA, no_head, Err(FlowProblem::Locked)),
            (Accepted, Sign(Signer::Head), FA, no_head, Err(FlowProblem::Locked)),
            (Submitted, Sign(Signer::Ect), FA, no_head, Err(FlowProblem::Locked)),
            (Submitted, Release, FA, no_head, Err(FlowProblem::Locked)),
        ];
        for (from, action, kind, policy, to) in table {
            assert_eq!(from.next(action, kind, policy), to, "{from:?} {action:?} {kind:?} {policy:?}");
        }
        for s in FormStatus::ALL {
            assert_eq!(FormStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn edits_after_signatures_clear_them() {
        assert_eq!(Draft.after_tutor_edit(), Ok((Draft, false)));
        assert_eq!(AwaitingEct.after_tutor_edit(), Ok((AwaitingEct, false)));
        assert_eq!(EctSigned.after_tutor_edit(), Ok((AwaitingEct, true)));
        assert_eq!(AwaitingHead.after_tutor_edit(), Ok((AwaitingEct, true)));
        assert_eq!(Submitted.after_tutor_edit(), Err(FlowProblem::Locked));
        assert_eq!(Accepted.after_tutor_edit(), Err(FlowProblem::Locked));
        assert_eq!(Draft.after_ect_edit(), Err(FlowProblem::NotReleased));
        assert_eq!(EctSigned.after_ect_edit(), Ok((AwaitingEct, true)));
        assert_eq!(Accepted.after_ect_edit(), Err(FlowProblem::Locked));
    }

    #[test]
    fn signers_by_kind_sg_2_61() {
        let p = SigningPolicy::default();
        assert_eq!(p.signers(PR), vec![Signer::Ect, Signer::Tutor]);
        assert_eq!(p.signers(ReportKind::FinalAssessment), vec![Signer::Ect, Signer::Tutor, Signer::Head]);
        assert_eq!(p.signers(ReportKind::InterimAssessment), vec![Signer::Ect, Signer::Tutor, Signer::Head]);
    }

    fn answers(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn what_the_tutor_must_complete() {
        let mut a = answers(&[
            ("contract.days_served", "73"),
            ("contract.days_absent", "0"),
            ("contract.remaining", "yes"),
            ("tutor.recommendation", "satisfactory_progress"),
            ("tutor.development", "TS7: routines"),
            ("tutor.support_plan", "no"),
        ]);
        for (k, _) in STANDARDS {
            a.insert(k.into(), "Evidence".into());
        }
        assert!(tutor_missing(FA, |k| a.get(k).cloned()).is_empty());
        // A progress review's recommendation values differ.
        assert_eq!(tutor_missing(PR, |k| a.get(k).cloned()), vec!["tutor.recommendation"]);
        // Not making satisfactory progress needs a support plan (SG 4.1-4.5).
        a.insert("tutor.recommendation".into(), "not_satisfactory_progress".into());
        assert_eq!(tutor_missing(FA, |k| a.get(k).cloned()), vec!["tutor.support_plan"]);
        a.insert("tutor.support_plan".into(), "yes".into());
        assert!(tutor_missing(FA, |k| a.get(k).cloned()).is_empty());
        a.insert("tutor.ts4".into(), "   ".into());
        assert_eq!(tutor_missing(FA, |k| a.get(k).cloned()), vec!["tutor.ts4"]);
    }

    #[test]
    fn what_the_ect_must_complete() {
        let mut a = answers(&[("ect.comment1", "x"), ("ect.comment2", "y")]);
        assert_eq!(ect_missing(|k| a.get(k).cloned()), vec!["ect.confirmed", "ect.comment3"]);
        a.insert("ect.confirmed".into(), "yes".into());
        a.insert("ect.comment3".into(), "z".into());
        assert!(ect_missing(|k| a.get(k).cloned()).is_empty());
    }

    #[test]
    fn concerns() {
        for r in ["not_on_track", "not_satisfactory_progress", "unsatisfactory", "extension"] {
            assert!(is_concern(r));
        }
        for r in ["on_track", "satisfactory_progress", "satisfactory", ""] {
            assert!(!is_concern(r));
        }
    }

    #[test]
    fn who_signs_next_follows_the_signing_order_dom_2_7() {
        use FormStatus::*;
        let pr = ReportKind::ProgressReview;
        let fa = ReportKind::FinalAssessment;
        let plain = SigningPolicy { head_signs_progress_reviews: false };
        let heads = SigningPolicy { head_signs_progress_reviews: true };
        let cases = [
            (Draft, pr, plain, None),
            (AwaitingEct, pr, plain, Some(Signer::Ect)),
            (EctSigned, pr, plain, Some(Signer::Tutor)),
            (AwaitingHead, fa, plain, Some(Signer::Head)),
            (AwaitingHead, pr, heads, Some(Signer::Head)),
            (Submitted, fa, plain, None),
            (Accepted, fa, plain, None),
        ];
        for (status, kind, policy, signer) in cases {
            assert_eq!(status.awaiting_signature_of(kind, policy), signer, "{status:?} {kind:?}");
        }
        assert!(EctSigned.awaits_school_signatures() && AwaitingHead.awaits_school_signatures());
        assert!(!AwaitingEct.awaits_school_signatures() && !Submitted.awaits_school_signatures());
    }

    #[test]
    fn overdue_is_past_due_while_the_school_has_it_seed_003() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let today = d("2026-11-24");
        let cases = [
            (Some("2026-11-23"), FormStatus::Draft, true),
            (Some("2026-11-23"), FormStatus::AwaitingHead, true),
            (Some("2026-11-24"), FormStatus::Draft, false),
            (Some("2026-11-23"), FormStatus::Submitted, false),
            (Some("2026-11-23"), FormStatus::Accepted, false),
            (None, FormStatus::Draft, false),
        ];
        for (due, status, overdue) in cases {
            assert_eq!(is_overdue(due.map(d), status, today), overdue, "{due:?} {status:?}");
        }
    }

    #[test]
    fn each_signer_is_awaited_in_one_status_dom_2_7() {
        use FormStatus::*;
        let statuses = [Draft, AwaitingEct, EctSigned, AwaitingHead, Submitted, Accepted];
        let kinds = [ReportKind::ProgressReview, ReportKind::InterimAssessment, ReportKind::FinalAssessment];
        for status in statuses {
            for kind in kinds {
                for head_signs_progress_reviews in [false, true] {
                    let policy = SigningPolicy { head_signs_progress_reviews };
                    if let Some(s) = status.awaiting_signature_of(kind, policy) {
                        assert_eq!(s.awaited_in(), status, "{status:?} {kind:?}");
                    }
                }
            }
        }
    }
}
