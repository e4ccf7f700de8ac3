//! Registering an ECT with the appropriate body (seed 001 step 5; docs/induction-rules.md 1.5, 2.8, 2.10, 2.15).
//!
//! A school submits the ECT's details; the head teacher signs the registration; the AB checks QTS
//! and eligibility and authorises or rejects it with a reason. A transfer (seed 002: an ECT who
//! moves school) follows the same signatures.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::induction::{Fraction, InductionType};

/// Where a registration stands. docs/induction-rules.md 2.8: "Registered (school) --HT signs registration-->
/// PendingAB --AB checks ...--> InProgress | Rejected(reason)".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    AwaitingHeadSignature,
    AwaitingAb,
    Authorised,
    Rejected,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegistrationAction {
    HeadSigns,
    Authorise,
    Reject,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TransitionProblem {
    #[error("The head teacher has already signed this registration")]
    AlreadySigned,
    #[error("The head teacher must sign this registration before the appropriate body decides")]
    NotSigned,
    #[error("This registration has already been decided")]
    AlreadyDecided,
}

impl RegistrationStatus {
    pub const ALL: [RegistrationStatus; 4] = [
        RegistrationStatus::AwaitingHeadSignature,
        RegistrationStatus::AwaitingAb,
        RegistrationStatus::Authorised,
        RegistrationStatus::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationStatus::AwaitingHeadSignature => "awaiting_head_signature",
            RegistrationStatus::AwaitingAb => "awaiting_ab",
            RegistrationStatus::Authorised => "authorised",
            RegistrationStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// What the school sees (seed 001: "it will go to your Head Teacher to sign. Your AB then
    /// need to complete their checks").
    pub fn title(self) -> &'static str {
        match self {
            RegistrationStatus::AwaitingHeadSignature => "Waiting for the head teacher to sign",
            RegistrationStatus::AwaitingAb => "Waiting for the appropriate body's checks",
            RegistrationStatus::Authorised => "Authorised",
            RegistrationStatus::Rejected => "Rejected",
        }
    }

    /// Open registrations hold the TRN: a second one for the same ECT is refused.
    pub fn is_open(self) -> bool {
        matches!(self, RegistrationStatus::AwaitingHeadSignature | RegistrationStatus::AwaitingAb)
    }

    /// The order of signatures: the head teacher first, then the AB, once.
    pub fn next(self, action: RegistrationAction) -> Result<RegistrationStatus, TransitionProblem> {
        use RegistrationAction::*;
        use RegistrationStatus::*;
        match (self, action) {
            (AwaitingHeadSignature, HeadSigns) => Ok(AwaitingAb),
            (AwaitingHeadSignature, Authorise | Reject) => Err(TransitionProblem::NotSigned),
            (AwaitingAb, HeadSigns) => Err(TransitionProblem::AlreadySigned),
            (AwaitingAb, Authorise) => Ok(Authorised),
            (AwaitingAb, Reject) => Ok(Rejected),
            (Authorised | Rejected, _) => Err(TransitionProblem::AlreadyDecided),
        }
    }
}

crate::stored_as_text!(RegistrationStatus, "registration status");

/// New ECT, or one already registered with this AB who moves to (or adds) a school (seed 002).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationKind {
    New,
    Transfer,
}

impl RegistrationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationKind::New => "new",
            RegistrationKind::Transfer => "transfer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "new" => Some(RegistrationKind::New),
            "transfer" => Some(RegistrationKind::Transfer),
            _ => None,
        }
    }
}

crate::stored_as_text!(RegistrationKind, "registration kind");

crate::text_enum! {
    /// Where a school's registration with its AB stands (seed 001: "the Appropriate Body will
    /// authorise you to have access to the system").
    pub enum SchoolStatus as "school status" {
        Pending => ("pending", "Waiting for the appropriate body"),
        Authorised => ("authorised", "Authorised"),
        Rejected => ("rejected", "Rejected"),
    }
}

impl SchoolStatus {
    /// The AB's decision on a school waiting for it (seed 001).
    pub fn decided(authorise: bool) -> Self {
        if authorise { SchoolStatus::Authorised } else { SchoolStatus::Rejected }
    }
}

/// Why the AB rejects a registration: docs/induction-rules.md 2.8 `Rejected(reason ∈ NoQTS|Exempt|Prohibited|
/// AlreadyPassed|AlreadyFailed|ClaimedByAnotherAB|TRNNotFound)`, from RECT's eligibility checks
/// (docs/induction-rules.md 2.10), plus "other" with the AB's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectionReason {
    NoQts,
    Exempt,
    Prohibited,
    AlreadyPassed,
    AlreadyFailed,
    ClaimedByAnotherAb,
    TrnNotFound,
    Other,
}

impl RejectionReason {
    pub const ALL: [RejectionReason; 8] = [
        RejectionReason::NoQts,
        RejectionReason::Exempt,
        RejectionReason::Prohibited,
        RejectionReason::AlreadyPassed,
        RejectionReason::AlreadyFailed,
        RejectionReason::ClaimedByAnotherAb,
        RejectionReason::TrnNotFound,
        RejectionReason::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RejectionReason::NoQts => "no_qts",
            RejectionReason::Exempt => "exempt",
            RejectionReason::Prohibited => "prohibited",
            RejectionReason::AlreadyPassed => "already_passed",
            RejectionReason::AlreadyFailed => "already_failed",
            RejectionReason::ClaimedByAnotherAb => "claimed_by_another_ab",
            RejectionReason::TrnNotFound => "trn_not_found",
            RejectionReason::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn title(self) -> &'static str {
        match self {
            RejectionReason::NoQts => "The ECT does not hold QTS",
            RejectionReason::Exempt => "The ECT is exempt from induction",
            RejectionReason::Prohibited => "The ECT is prohibited from teaching",
            RejectionReason::AlreadyPassed => "The ECT has already passed induction",
            RejectionReason::AlreadyFailed => "The ECT has already failed induction",
            RejectionReason::ClaimedByAnotherAb => "Another appropriate body has claimed the ECT",
            RejectionReason::TrnNotFound => "The TRN and date of birth do not match a teacher record",
            RejectionReason::Other => "Another reason",
        }
    }
}

/// The training programme, as the national service records it (docs/induction-rules.md 2.11, 2.14: from
/// September 2025 provider-led or school-led).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrainingProgramme {
    ProviderLed,
    SchoolLed,
}

impl TrainingProgramme {
    pub fn as_str(self) -> &'static str {
        match self {
            TrainingProgramme::ProviderLed => "provider_led",
            TrainingProgramme::SchoolLed => "school_led",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "provider_led" => Some(TrainingProgramme::ProviderLed),
            "school_led" => Some(TrainingProgramme::SchoolLed),
            _ => None,
        }
    }

    /// The value the DfE bulk-upload template expects (docs/induction-rules.md 2.11).
    pub fn csv_value(self) -> &'static str {
        match self {
            TrainingProgramme::ProviderLed => "provider-led",
            TrainingProgramme::SchoolLed => "school-led",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            TrainingProgramme::ProviderLed => "Provider-led",
            TrainingProgramme::SchoolLed => "School-led",
        }
    }
}

/// The suitable-post checklist the head teacher attests at registration (docs/induction-rules.md 2.15, from
/// SG 2.18-2.19 and 2.4-2.8). Every item must be confirmed.
pub const SUITABLE_POST: [(&str, &str); 10] = [
    ("recommendation", "The head teacher will be able to make a recommendation at the end of induction"),
    ("programme", "The ECT will follow a programme based on the Early Career Framework"),
    ("tutor", "An induction tutor holding QTS has been appointed"),
    ("mentor", "A designated mentor holding QTS has been appointed"),
    ("timetable", "The ECT will have a reduced timetable: at most 90% in year 1 and 95% in year 2, plus PPA time"),
    (
        "no_unreasonable_demands",
        "The post makes no unreasonable demands and needs no extra non-teaching responsibilities",
    ),
    ("age_range_subject", "The ECT will normally teach within the age range and subject they are employed for"),
    ("classes", "The ECT will regularly teach the same class or classes"),
    ("discipline", "The ECT will not face unreasonably demanding discipline problems day to day"),
    (
        "setting",
        "The school is not judged to require special measures (or Ofsted has judged it suitable for induction)",
    ),
];

/// The items of [`SUITABLE_POST`] not ticked.
pub fn unconfirmed_items(ticked: &[String]) -> Vec<&'static str> {
    SUITABLE_POST.iter().filter(|(key, _)| !ticked.iter().any(|t| t == key)).map(|(key, _)| *key).collect()
}

/// The first day of the two-year induction (SG 1.4: inductions started on or after
/// 1 September 2021 last two years).
pub fn two_year_from() -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, 9, 1).expect("valid date")
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum StartProblem {
    #[error(
        "A two-year induction starts on or after 1 September 2021; choose the one-year induction for an earlier start"
    )]
    TwoYearTooEarly,
    #[error("The one-year induction is only for ECTs who started before 1 September 2021")]
    LegacyTooLate,
    #[error("Induction cannot start before the ECT was awarded QTS")]
    BeforeQts,
}

/// The start date's rules: the induction type matches the start (SG 1.4-1.8) and induction does
/// not start before QTS (SG 2.10-2.11; Regs 6(4)). QTS may be unknown: schools can register
/// before QTS is awarded (docs/induction-rules.md 2.10), and the AB checks it before authorising.
pub fn check_start(kind: InductionType, start: NaiveDate, qts: Option<NaiveDate>) -> Vec<StartProblem> {
    let mut problems = vec![];
    match kind {
        InductionType::TwoYear if start < two_year_from() => problems.push(StartProblem::TwoYearTooEarly),
        InductionType::LegacyOneYear if start >= two_year_from() => problems.push(StartProblem::LegacyTooLate),
        _ => {}
    }
    if qts.is_some_and(|q| start < q) {
        problems.push(StartProblem::BeforeQts);
    }
    problems
}

/// A registration's cross-field rules (docs/security.md I5; docs/induction-rules.md 2.10), each
/// naming the field it is shown next to.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum RegistrationProblem {
    #[error(transparent)]
    Start(StartProblem),
    #[error("Induction cannot start before the contract does")]
    StartBeforeContract,
    /// The index of the previous school in the form.
    #[error("A previous school's start date is before this induction starts, and not in the future")]
    PreviousSchoolStart(usize),
    #[error("The full name must be 100 characters or fewer")]
    NameTooLong,
}

impl RegistrationProblem {
    /// The form field the problem is shown next to.
    pub fn field(&self) -> String {
        match self {
            RegistrationProblem::Start(_) | RegistrationProblem::StartBeforeContract => "induction_start".into(),
            RegistrationProblem::PreviousSchoolStart(i) => format!("ps{i}_start"),
            RegistrationProblem::NameTooLong => "last_name".into(),
        }
    }
}

/// The longest full name kept (first names, a space and the last name; docs/security.md I5).
pub const MAX_FULL_NAME: usize = 100;

/// What the registration form's cross-field rules read; each part is `None` when the form did
/// not give a valid value for it (that field has its own message already).
#[derive(Debug, Default, Clone)]
pub struct RegistrationFacts<'a> {
    pub first_names: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub kind: Option<InductionType>,
    pub induction_start: Option<NaiveDate>,
    /// The QTS date: `Some(None)` when the form says it is not known yet.
    pub qts: Option<Option<NaiveDate>>,
    pub contract_start: Option<NaiveDate>,
    pub previous_school_starts: Vec<NaiveDate>,
}

/// Everything wrong between the fields of a new ECT's registration (a transfer keeps the
/// record's identity and dates, and checks only its contract: `record::check_contract_start`): the
/// induction type fits the start, which is not before QTS (SG 1.4-1.8, 2.10-2.11) nor before
/// the contract; a previous school came before this induction and is not in the future; the
/// full name fits.
pub fn check_registration(f: &RegistrationFacts<'_>, today: NaiveDate) -> Vec<RegistrationProblem> {
    let mut problems = vec![];
    if let (Some(k), Some(s), Some(q)) = (f.kind, f.induction_start, f.qts) {
        problems.extend(check_start(k, s, q).into_iter().map(RegistrationProblem::Start));
    }
    if let (Some(c), Some(s)) = (f.contract_start, f.induction_start)
        && s < c
    {
        problems.push(RegistrationProblem::StartBeforeContract);
    }
    for (i, p) in f.previous_school_starts.iter().enumerate() {
        if *p > today || f.induction_start.is_some_and(|s| *p >= s) {
            problems.push(RegistrationProblem::PreviousSchoolStart(i));
        }
    }
    if let (Some(a), Some(b)) = (f.first_names, f.last_name)
        && a.chars().count() + b.chars().count() + 1 > MAX_FULL_NAME
    {
        problems.push(RegistrationProblem::NameTooLong);
    }
    problems
}

/// Why the AB cannot authorise with the QTS date it has (docs/induction-rules.md 2.10: no QTS
/// blocks the claim; SG 2.10-2.11: induction does not start before QTS).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum QtsProblem {
    #[error("Enter the date QTS was awarded, from the teacher record: an ECT without QTS cannot start induction")]
    Missing,
    #[error("QTS has not been awarded yet: the date is in the future")]
    InFuture,
    #[error("Induction cannot start before QTS: the induction starts on {}", .0.format("%d/%m/%Y"))]
    AfterInductionStart(NaiveDate),
}

/// The QTS date the AB confirms from the teacher record before authorising a new ECT, or the
/// ECT gives while their details are unverified (seed 000): known, awarded, not after the start.
pub fn check_qts(
    qts: Option<NaiveDate>,
    induction_start: NaiveDate,
    today: NaiveDate,
) -> Result<NaiveDate, QtsProblem> {
    let q = qts.ok_or(QtsProblem::Missing)?;
    if q > today {
        return Err(QtsProblem::InFuture);
    }
    if q > induction_start {
        return Err(QtsProblem::AfterInductionStart(induction_start));
    }
    Ok(q)
}

/// What the AB should look at before authorising (docs/induction-rules.md 2.10). None of these can be checked
/// against the national record here (the TRS API needs DfE credentials), so the AB confirms it
/// checked QTS; these are the warnings the stored details already show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EligibilityWarning {
    NoQtsDate,
    QtsInFuture,
    StartBeforeQts,
}

impl EligibilityWarning {
    pub fn title(self) -> &'static str {
        match self {
            EligibilityWarning::NoQtsDate => {
                "No QTS date has been recorded: check the teacher record before authorising"
            }
            EligibilityWarning::QtsInFuture => "The QTS date is in the future: QTS has not been awarded yet",
            EligibilityWarning::StartBeforeQts => "The induction start date is before the QTS date",
        }
    }
}

pub fn eligibility_warnings(qts: Option<NaiveDate>, start: NaiveDate, today: NaiveDate) -> Vec<EligibilityWarning> {
    match qts {
        None => vec![EligibilityWarning::NoQtsDate],
        Some(q) => {
            let mut w = vec![];
            if q > today {
                w.push(EligibilityWarning::QtsInFuture);
            }
            if start < q {
                w.push(EligibilityWarning::StartBeforeQts);
            }
            w
        }
    }
}

/// FTE terms typed as a decimal with at most one decimal place, like "1.5" (seed 000 "FTE
/// completed"; the national service records terms as `\d+(\.\d)?`, docs/induction-rules.md 2.11).
pub fn parse_fte_terms(input: &str, max_terms: i128) -> Option<Fraction> {
    let s = input.trim();
    let (whole, tenth) = match s.split_once('.') {
        Some((w, t)) => (w, t),
        None => (s, "0"),
    };
    if whole.is_empty() || whole.len() > 2 || tenth.len() != 1 {
        return None;
    }
    if !whole.bytes().chain(tenth.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i128 = whole.parse().ok()?;
    let t: i128 = tenth.parse().ok()?;
    let f = Fraction::new(n * 10 + t, 10);
    (n * 10 + t <= max_terms * 10).then_some(f)
}

#[cfg(test)]
mod tests {
    use super::RegistrationAction::*;
    use super::RegistrationStatus::*;
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn signatures_in_order_dom_2_8() {
        let table = [
            (AwaitingHeadSignature, HeadSigns, Ok(AwaitingAb)),
            (AwaitingHeadSignature, Authorise, Err(TransitionProblem::NotSigned)),
            (AwaitingHeadSignature, Reject, Err(TransitionProblem::NotSigned)),
            (AwaitingAb, HeadSigns, Err(TransitionProblem::AlreadySigned)),
            (AwaitingAb, Authorise, Ok(Authorised)),
            (AwaitingAb, Reject, Ok(Rejected)),
            (Authorised, Authorise, Err(TransitionProblem::AlreadyDecided)),
            (Authorised, Reject, Err(TransitionProblem::AlreadyDecided)),
            (Rejected, Authorise, Err(TransitionProblem::AlreadyDecided)),
            (Rejected, HeadSigns, Err(TransitionProblem::AlreadyDecided)),
        ];
        for (from, action, to) in table {
            assert_eq!(from.next(action), to, "{from:?} {action:?}");
        }
        for s in RegistrationStatus::ALL {
            assert_eq!(RegistrationStatus::parse(s.as_str()), Some(s));
        }
        assert!(AwaitingAb.is_open() && !Rejected.is_open() && !Authorised.is_open());
    }

    #[test]
    fn rejection_reasons_round_trip() {
        for r in RejectionReason::ALL {
            assert_eq!(RejectionReason::parse(r.as_str()), Some(r));
        }
        assert_eq!(RejectionReason::parse("bogus"), None);
    }

    #[test]
    fn checklist_needs_every_item_dom_2_15() {
        let all: Vec<String> = SUITABLE_POST.iter().map(|(k, _)| k.to_string()).collect();
        assert!(unconfirmed_items(&all).is_empty());
        assert_eq!(unconfirmed_items(&all[1..]), vec!["recommendation"]);
        assert_eq!(unconfirmed_items(&[]).len(), SUITABLE_POST.len());
    }

    #[test]
    fn start_rules_sg_1_4_and_2_10() {
        use InductionType::*;
        let table: [(InductionType, NaiveDate, Option<NaiveDate>, Vec<StartProblem>); 7] = [
            (TwoYear, d(2026, 9, 1), Some(d(2026, 7, 20)), vec![]),
            (TwoYear, d(2026, 9, 1), None, vec![]),
            (TwoYear, d(2021, 9, 1), Some(d(2021, 7, 1)), vec![]),
            (TwoYear, d(2021, 8, 31), None, vec![StartProblem::TwoYearTooEarly]),
            (TwoYear, d(2026, 9, 1), Some(d(2026, 9, 2)), vec![StartProblem::BeforeQts]),
            (LegacyOneYear, d(2021, 4, 19), Some(d(2020, 7, 1)), vec![]),
            (LegacyOneYear, d(2021, 9, 1), None, vec![StartProblem::LegacyTooLate]),
        ];
        for (kind, start, qts, problems) in table {
            assert_eq!(check_start(kind, start, qts), problems, "{kind:?} {start} {qts:?}");
        }
    }

    #[test]
    fn eligibility_warnings_dom_2_10() {
        let today = d(2026, 11, 24);
        assert_eq!(eligibility_warnings(None, d(2026, 9, 1), today), vec![EligibilityWarning::NoQtsDate]);
        assert!(eligibility_warnings(Some(d(2026, 7, 1)), d(2026, 9, 1), today).is_empty());
        assert_eq!(
            eligibility_warnings(Some(d(2027, 1, 1)), d(2026, 9, 1), today),
            vec![EligibilityWarning::QtsInFuture, EligibilityWarning::StartBeforeQts]
        );
    }

    #[test]
    fn fte_terms_one_decimal() {
        assert_eq!(parse_fte_terms("1.5", 6), Some(Fraction::new(3, 2)));
        assert_eq!(parse_fte_terms("2", 6), Some(Fraction::whole(2)));
        assert_eq!(parse_fte_terms("0", 6), Some(Fraction::ZERO));
        assert_eq!(parse_fte_terms("6.0", 6), Some(Fraction::whole(6)));
        for bad in ["", "6.1", "1.25", "-1", "a", "1.", ".5", "1e1", "100"] {
            assert_eq!(parse_fte_terms(bad, 6), None, "{bad}");
        }
    }
    #[test]
    fn cross_field_rules_of_a_registration_i5_sg_2_10() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let today = d("2026-11-24");
        let base = RegistrationFacts {
            first_names: Some("Jordan"),
            last_name: Some("Lee"),
            kind: Some(InductionType::TwoYear),
            induction_start: Some(d("2026-09-02")),
            qts: Some(Some(d("2026-07-20"))),
            contract_start: Some(d("2026-09-01")),
            previous_school_starts: vec![],
        };
        assert!(check_registration(&base, today).is_empty());
        let long = "x".repeat(60);
        let cases: Vec<(RegistrationFacts, Vec<RegistrationProblem>)> = vec![
            (
                RegistrationFacts { qts: Some(Some(d("2026-10-01"))), ..base.clone() },
                vec![RegistrationProblem::Start(StartProblem::BeforeQts)],
            ),
            (RegistrationFacts { qts: Some(None), ..base.clone() }, vec![]),
            (
                RegistrationFacts { contract_start: Some(d("2026-09-03")), ..base.clone() },
                vec![RegistrationProblem::StartBeforeContract],
            ),
            (
                RegistrationFacts {
                    previous_school_starts: vec![d("2025-09-01"), d("2026-09-02"), d("2027-01-01")],
                    ..base.clone()
                },
                vec![RegistrationProblem::PreviousSchoolStart(1), RegistrationProblem::PreviousSchoolStart(2)],
            ),
            (
                RegistrationFacts { first_names: Some(&long), last_name: Some(&long), ..base.clone() },
                vec![RegistrationProblem::NameTooLong],
            ),
            // A part the form could not read is left to its own message.
            (RegistrationFacts { induction_start: None, ..base.clone() }, vec![]),
        ];
        for (facts, expected) in cases {
            assert_eq!(check_registration(&facts, today), expected, "{facts:?}");
        }
        assert_eq!(RegistrationProblem::PreviousSchoolStart(1).field(), "ps1_start");
        assert_eq!(RegistrationProblem::NameTooLong.field(), "last_name");
    }

    #[test]
    fn the_ab_authorises_with_a_qts_date_that_allows_the_start_dom_2_10() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let (start, today) = (d("2026-09-02"), d("2026-11-24"));
        let cases = [
            (None, Err(QtsProblem::Missing)),
            (Some("2026-12-01"), Err(QtsProblem::InFuture)),
            (Some("2026-10-01"), Err(QtsProblem::AfterInductionStart(start))),
            (Some("2026-09-02"), Ok(d("2026-09-02"))),
            (Some("2026-07-20"), Ok(d("2026-07-20"))),
        ];
        for (qts, expected) in cases {
            assert_eq!(check_qts(qts.map(d), start, today), expected, "{qts:?}");
        }
        assert!(QtsProblem::AfterInductionStart(start).to_string().ends_with("02/09/2026"));
    }

    #[test]
    fn stored_values_decode_or_are_refused() {
        for s in SchoolStatus::ALL {
            assert_eq!(SchoolStatus::try_from(s.as_str().to_owned()).unwrap(), *s);
        }
        assert_eq!(RegistrationStatus::try_from("awaiting_ab".to_owned()).unwrap(), RegistrationStatus::AwaitingAb);
        let e = SchoolStatus::try_from("approved".to_owned()).unwrap_err();
        assert_eq!(e.to_string(), "unknown school status: \"approved\"");
    }
}
