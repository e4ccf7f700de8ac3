//! The ECT's induction record as schools and the AB keep it: contracts and their types, absences,
//! the leaving date, and where the ECT stands today. Each change is checked here against the
//! record as it is, before anything is written (docs/induction-rules.md 2.3-2.5, 2.8, 2.13).

use chrono::NaiveDate;
use serde::Serialize;

use crate::calendar::DateRange;
use crate::induction::HalfDays;

crate::text_enum! {
    /// Contract types (seed 003 "Contract Type: Permanent"; SG 2.33: induction is served in
    /// permanent posts and in fixed-term or long-term supply posts of a term or more).
    pub enum ContractType as "contract type" {
        Permanent => ("permanent", "Permanent"),
        FixedTerm => ("fixed_term", "Fixed term"),
        LongTermSupply => ("long_term_supply", "Long-term supply"),
    }
}

/// A contract is current on a day from its first day to its last, inclusive; one without an
/// end continues. School staff reach an ECT through a contract current today at their school
/// (docs/security.md T3), and the school employing the ECT is the one with a current contract.
pub fn is_current(start: NaiveDate, end: Option<NaiveDate>, today: NaiveDate) -> bool {
    start <= today && end.is_none_or(|e| e >= today)
}

/// Where an ECT stands today, one definition for every list, export and page (seed 000
/// "Status").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "on", rename_all = "snake_case")]
pub enum EctStatus {
    /// The induction starts later.
    StartingSoon,
    InInduction,
    /// A leaving date is set and still to come.
    LeavingOn(NaiveDate),
    /// The leaving date has passed (the last day of employment is a day served).
    Left,
}

impl EctStatus {
    pub fn on(start: Option<NaiveDate>, leaving: Option<NaiveDate>, today: NaiveDate) -> Self {
        match leaving {
            Some(d) if d < today => EctStatus::Left,
            Some(d) => EctStatus::LeavingOn(d),
            None if start.is_some_and(|s| s > today) => EctStatus::StartingSoon,
            None => EctStatus::InInduction,
        }
    }

    /// The status as people read it; dates in the UK style.
    pub fn title(self) -> String {
        match self {
            EctStatus::StartingSoon => "Starting soon".into(),
            EctStatus::InInduction => "In induction".into(),
            EctStatus::LeavingOn(d) => format!("Leaving on {}", d.format("%d/%m/%Y")),
            EctStatus::Left => "Left".into(),
        }
    }
}

/// Why a change to the record is refused; each names the field it is about.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecordProblem {
    #[error("The contract must start on or after the induction started ({})", .0.format("%d/%m/%Y"))]
    ContractBeforeInduction(NaiveDate),
    #[error("The leaving date must be on or after the induction started ({})", .0.format("%d/%m/%Y"))]
    LeavingBeforeInduction(NaiveDate),
    #[error("The leaving date must be on or after the ECT started at this school ({})", .0.format("%d/%m/%Y"))]
    LeavingBeforeSchoolStart(NaiveDate),
    #[error("The date must fall within the ECT's induction")]
    AbsenceOutsideInduction,
    #[error(
        "That is more absence than the ECT's {served} days in the period {} to {} ({recorded} already recorded)",
        .period.start.format("%d/%m/%Y"), .period.end.format("%d/%m/%Y")
    )]
    MoreAbsenceThanServed { served: HalfDays, period: DateRange, recorded: HalfDays },
    #[error("Days absent cannot be more than the days served")]
    AbsentMoreThanServed,
}

impl RecordProblem {
    /// The form field the problem is shown next to.
    pub fn field(&self) -> &'static str {
        match self {
            RecordProblem::ContractBeforeInduction(_) => "contract_start",
            RecordProblem::LeavingBeforeInduction(_) | RecordProblem::LeavingBeforeSchoolStart(_) => "leaving_date",
            RecordProblem::AbsenceOutsideInduction => "absence_date",
            RecordProblem::MoreAbsenceThanServed { .. } => "absence_days",
            RecordProblem::AbsentMoreThanServed => "days_absent",
        }
    }
}

/// A contract counts towards this induction only from its start (docs/induction-rules.md 2.4:
/// FTE is counted from the induction start date).
pub fn check_contract_start(induction_start: NaiveDate, contract_start: NaiveDate) -> Result<(), RecordProblem> {
    if contract_start < induction_start {
        return Err(RecordProblem::ContractBeforeInduction(induction_start));
    }
    Ok(())
}

/// A leaving date is on or after the induction started and, when it is about one school, on or
/// after the ECT started there (seed 003 leaver form; SG 5.3-5.4).
pub fn check_leaving_date(
    induction_start: NaiveDate,
    school_start: Option<NaiveDate>,
    leaving: NaiveDate,
) -> Result<(), RecordProblem> {
    if leaving < induction_start {
        return Err(RecordProblem::LeavingBeforeInduction(induction_start));
    }
    if let Some(s) = school_start
        && leaving < s
    {
        return Err(RecordProblem::LeavingBeforeSchoolStart(s));
    }
    Ok(())
}

/// An absence is recorded in the report period it falls in, and a period holds no more absence
/// than the days the ECT served in it (seed 003: "the number of days that the ECT should have
/// been working but was absent"). `period` is the plan's period containing the day, `served`
/// the ECT's days in it and `recorded` the absence already recorded there.
pub fn check_absence(
    period: Option<DateRange>,
    served: HalfDays,
    recorded: HalfDays,
    days: HalfDays,
) -> Result<(), RecordProblem> {
    let period = period.ok_or(RecordProblem::AbsenceOutsideInduction)?;
    if recorded.0 + days.0 > served.0 {
        return Err(RecordProblem::MoreAbsenceThanServed { served, period, recorded });
    }
    Ok(())
}

/// The days a report says were absent are part of the days it says were served (seed 003:
/// "Days served ... including absences").
pub fn check_report_days(served: HalfDays, absent: HalfDays) -> Result<(), RecordProblem> {
    if absent.0 > served.0 {
        return Err(RecordProblem::AbsentMoreThanServed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn contract_types_round_trip_and_have_titles_seed_003() {
        for t in ContractType::ALL {
            assert_eq!(ContractType::parse(t.as_str()), Some(*t));
            assert!(!t.title().is_empty());
        }
        assert_eq!(ContractType::parse("zero_hours"), None);
    }

    #[test]
    fn a_contract_is_current_from_its_first_to_its_last_day() {
        let cases = [
            ("2026-09-02", None, "2026-09-01", false),
            ("2026-09-02", None, "2026-09-02", true),
            ("2026-09-02", None, "2030-01-01", true),
            ("2026-09-02", Some("2026-12-18"), "2026-12-18", true),
            ("2026-09-02", Some("2026-12-18"), "2026-12-19", false),
            // A future contract is not current (the CSV export once said it was).
            ("2027-01-04", None, "2026-12-01", false),
        ];
        for (start, end, today, current) in cases {
            assert_eq!(is_current(d(start), end.map(d), d(today)), current, "{start} {end:?} {today}");
        }
    }

    #[test]
    fn one_status_for_every_page_seed_000() {
        let today = d("2026-11-24");
        let cases = [
            (Some("2026-09-02"), None, EctStatus::InInduction, "In induction"),
            (Some("2027-01-04"), None, EctStatus::StartingSoon, "Starting soon"),
            (None, None, EctStatus::InInduction, "In induction"),
            (Some("2026-09-02"), Some("2026-11-24"), EctStatus::LeavingOn(d("2026-11-24")), "Leaving on 24/11/2026"),
            (Some("2026-09-02"), Some("2026-12-18"), EctStatus::LeavingOn(d("2026-12-18")), "Leaving on 18/12/2026"),
            (Some("2026-09-02"), Some("2026-11-23"), EctStatus::Left, "Left"),
        ];
        for (start, leaving, status, title) in cases {
            let s = EctStatus::on(start.map(d), leaving.map(d), today);
            assert_eq!(s, status, "{start:?} {leaving:?}");
            assert_eq!(s.title(), title);
        }
    }

    #[test]
    fn contracts_and_leaving_dates_follow_the_induction_start_sg_5_3() {
        let start = d("2026-09-02");
        assert_eq!(check_contract_start(start, d("2026-09-02")), Ok(()));
        assert_eq!(check_contract_start(start, d("2026-08-01")), Err(RecordProblem::ContractBeforeInduction(start)));
        let cases = [
            (None, "2026-09-02", Ok(())),
            (None, "2026-01-01", Err(RecordProblem::LeavingBeforeInduction(start))),
            (Some("2027-01-04"), "2026-12-18", Err(RecordProblem::LeavingBeforeSchoolStart(d("2027-01-04")))),
            (Some("2027-01-04"), "2027-03-26", Ok(())),
        ];
        for (school_start, leaving, expected) in cases {
            assert_eq!(check_leaving_date(start, school_start.map(d), d(leaving)), expected, "{leaving}");
        }
        let e = check_leaving_date(start, None, d("2026-01-01")).unwrap_err();
        assert_eq!(e.field(), "leaving_date");
        assert!(e.to_string().contains("02/09/2026"));
    }

    #[test]
    fn absence_fits_the_days_served_in_its_period_seed_003() {
        let period = Some(DateRange::new(d("2026-09-02"), d("2026-12-18")));
        let cases = [
            (period, 146, 0, 10, true),
            (period, 146, 136, 10, true),
            (period, 146, 140, 10, false),
            (None, 146, 0, 1, false),
        ];
        for (p, served, recorded, days, ok) in cases {
            let r = check_absence(p, HalfDays(served), HalfDays(recorded), HalfDays(days));
            assert_eq!(r.is_ok(), ok, "{served} {recorded} {days}");
        }
        let e = check_absence(period, HalfDays(146), HalfDays(140), HalfDays(10)).unwrap_err();
        assert_eq!(e.field(), "absence_days");
        assert_eq!(
            e.to_string(),
            "That is more absence than the ECT's 73 days in the period 02/09/2026 to 18/12/2026 (70 already recorded)"
        );
        assert_eq!(check_absence(None, HalfDays(1), HalfDays(0), HalfDays(1)).unwrap_err().field(), "absence_date");
        assert_eq!(check_report_days(HalfDays(10), HalfDays(10)), Ok(()));
        assert_eq!(check_report_days(HalfDays(10), HalfDays(11)), Err(RecordProblem::AbsentMoreThanServed));
    }
}
