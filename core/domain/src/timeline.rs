//! The report timeline: which progress reviews and formal assessments fall due, and when.
//!
//! docs/induction-rules.md 2.6, from SG 2.48-2.63 and seed 003:
//! 1. periods are contiguous from the induction start and term-aligned: each ends with its term;
//! 2. a first partial term with under half the term's school days is merged into the next
//!    (SG 2.49: "joined halfway through term one ... progress review by halfway through term two");
//! 3. a period is a formal assessment when cumulative FTE reaches the end of year 1 or of the
//!    induction within it, and it then ends on that day, possibly mid-term (SG 2.55); otherwise it is
//!    a progress review (SG 2.48); a review and an assessment never both fall in one term (SG 2.49);
//! 4. 30 days or more of ad-hoc absence in a year moves that year's end point on by as many
//!    contracted days (SG 3.6);
//! 5. leaving before the next assessment makes the current period an interim assessment ending on
//!    the leaving day (SG 2.62-2.63);
//! 6. legacy one-year inductions are assessed every term (docs/induction-rules.md 2.2);
//! 7. the due date is an AB setting: a number of school days before the period ends (seed 003:
//!    ten: 20/12/2024 -> 06/12/2024), or fixed termly dates.
//!
//! Pure: the same facts always give the same plan, so recomputing after a change of contract,
//! absence or extension is just planning again and keeping the reports already completed.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::{BankHolidays, Calendar, DateRange};
use crate::induction::{Contract, Fraction, HalfDays, InductionType, absence_extension, induction_length};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    ProgressReview,
    /// End of year 1 (or FTE equivalent).
    FirstYearAssessment,
    /// End of induction: the final assessment with the head's recommendation.
    FinalAssessment,
    /// A legacy one-year induction's termly assessment (not the last).
    TermlyAssessment,
    /// The ECT leaves before the next formal assessment.
    InterimAssessment,
}

impl ReportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::ProgressReview => "progress_review",
            ReportKind::FirstYearAssessment => "first_year_assessment",
            ReportKind::FinalAssessment => "final_assessment",
            ReportKind::TermlyAssessment => "termly_assessment",
            ReportKind::InterimAssessment => "interim_assessment",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            ReportKind::ProgressReview,
            ReportKind::FirstYearAssessment,
            ReportKind::FinalAssessment,
            ReportKind::TermlyAssessment,
            ReportKind::InterimAssessment,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// The name people read (seed 003: "Assessment Form for First Year (or equivalent)").
    pub fn title(self) -> &'static str {
        match self {
            ReportKind::ProgressReview => "Progress review",
            ReportKind::FirstYearAssessment => "Formal assessment (end of first year or equivalent)",
            ReportKind::FinalAssessment => "Final assessment",
            ReportKind::TermlyAssessment => "Termly assessment",
            ReportKind::InterimAssessment => "Interim assessment",
        }
    }

    /// ECT Manager's letter in the report list: P = progress review, A = assessment (seed 003).
    pub fn letter(self) -> char {
        match self {
            ReportKind::ProgressReview => 'P',
            _ => 'A',
        }
    }
}

crate::stored_as_text!(ReportKind, "report kind");

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedReport {
    pub number: u32,
    pub kind: ReportKind,
    pub period: DateRange,
    pub due: Option<NaiveDate>,
    /// The year's end point was moved by an absence extension (seed 003 "ABSENCE EXTENSION").
    pub absence_extension: bool,
}

/// An absence: `days` of the ECT's contracted days (halves), around `date`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Absence {
    pub date: NaiveDate,
    pub days: HalfDays,
    /// Statutory maternity, paternity, adoption, shared parental, parental bereavement or
    /// carer's leave: never counted towards the 30-day rule (SG 3.7).
    pub statutory_family_leave: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DuePolicy {
    SchoolDaysBeforeEnd(u32),
    /// The AB's fixed deadlines; a period is due on the first of them inside it.
    FixedDates(Vec<NaiveDate>),
}

impl Default for DuePolicy {
    fn default() -> Self {
        DuePolicy::SchoolDaysBeforeEnd(10)
    }
}

pub struct InductionFacts<'a> {
    pub kind: InductionType,
    /// The start the AB agreed (SG 2.12).
    pub start: NaiveDate,
    pub reduction: Fraction,
    /// Extensions the AB decided (SG 3.8-3.10), in FTE terms: they add to the length.
    pub extension: Fraction,
    /// FTE terms already served elsewhere (seed 000 "Previous Schools: FTE completed").
    pub previous_fte: Fraction,
    pub contracts: &'a [Contract],
    pub absences: &'a [Absence],
    pub leaving: Option<NaiveDate>,
}

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum PlanProblem {
    #[error("the AB's term dates end before the induction can be completed; add later terms")]
    CalendarTooShort,
    #[error("the induction starts after the last term in the AB's calendar")]
    StartsAfterCalendar,
}

/// The ECT's FTE on a day: contracts held at once add up, never beyond full time (SG 3.14).
fn fte_on(contracts: &[Contract], d: NaiveDate) -> Fraction {
    contracts
        .iter()
        .filter(|c| c.start <= d && c.end.is_none_or(|e| d <= e))
        .fold(Fraction::ZERO, |acc, c| acc.add(c.days_per_week.fte()))
        .min(Fraction::whole(1))
}

/// Where each year of induction ends: the day, and whether an absence extension moved it.
fn year_ends(
    cal: &Calendar,
    bh: &BankHolidays,
    facts: &InductionFacts<'_>,
    points: &[Fraction],
) -> Vec<(NaiveDate, bool)> {
    let mut ends = vec![];
    let mut cumulative = facts.previous_fte;
    let mut next = points.iter().position(|p| cumulative < *p).unwrap_or(points.len());
    let mut year_absence = HalfDays(0);
    // Absences in date order; each is counted in the year in which the walk passes its date
    // (an absence recorded against a weekend or holiday date still counts).
    let mut absences: Vec<&Absence> = facts.absences.iter().filter(|a| !a.statutory_family_leave).collect();
    absences.sort_by_key(|a| a.date);
    let mut next_absence = 0;
    // Contracted days of extension still to serve (SG 3.6), once the year's FTE is reached.
    let mut extension: Option<Fraction> = None;
    for term in cal.terms().iter().filter(|t| t.end >= facts.start) {
        let term_days = cal.school_days(term.range(), bh).max(1);
        for d in DateRange::new(term.start.max(facts.start), term.end).days().filter(|d| cal.is_school_day(*d, bh)) {
            if next == points.len() || facts.leaving.is_some_and(|l| d > l) {
                return ends;
            }
            let fte = fte_on(facts.contracts, d);
            if fte == Fraction::ZERO {
                continue;
            }
            while next_absence < absences.len() && absences[next_absence].date <= d {
                year_absence = HalfDays(year_absence.0 + absences[next_absence].days.0);
                next_absence += 1;
            }
            let reached = match extension.as_mut() {
                Some(left) => {
                    *left = if *left > fte { left.sub(fte) } else { Fraction::ZERO };
                    *left == Fraction::ZERO
                }
                None => {
                    cumulative = cumulative.add(fte.mul(Fraction::new(1, term_days as i128)));
                    if cumulative >= points[next] {
                        match absence_extension(year_absence) {
                            Some(ext) => {
                                extension = Some(Fraction::new(ext.0 as i128, 2));
                                false
                            }
                            None => true,
                        }
                    } else {
                        false
                    }
                }
            };
            if reached {
                ends.push((d, extension.is_some()));
                extension = None;
                year_absence = HalfDays(0);
                next += 1;
            }
        }
    }
    ends
}

/// Plans the whole induction from its facts.
pub fn plan(
    cal: &Calendar,
    bh: &BankHolidays,
    facts: &InductionFacts<'_>,
    due: &DuePolicy,
) -> Result<Vec<PlannedReport>, PlanProblem> {
    // docs/induction-rules.md 2.5: the end point is the length less reductions plus the AB's extensions.
    let length = induction_length(facts.kind, facts.reduction).add(facts.extension);
    let legacy = facts.kind == InductionType::LegacyOneYear;
    let terms: Vec<_> = cal.terms().iter().filter(|t| t.end >= facts.start).collect();
    if terms.is_empty() {
        return Err(PlanProblem::StartsAfterCalendar);
    }
    // End points in cumulative FTE terms: year 1 at 3 (SG 2.55), the end at the length; a
    // legacy or reduced induction has one end point only.
    let mut points = vec![];
    if !legacy && length > Fraction::whole(3) && facts.previous_fte < Fraction::whole(3) {
        points.push(Fraction::whole(3));
    }
    points.push(length);
    let ends = year_ends(cal, bh, facts, &points);
    let needed = points.iter().filter(|p| facts.previous_fte < **p).count();
    if facts.leaving.is_none() && ends.len() < needed {
        return Err(PlanProblem::CalendarTooShort);
    }

    // Cut the time into term-aligned periods, ending early where a year ends or the ECT leaves.
    let mut reports = vec![];
    let mut period_start = cal.next_school_day(facts.start, bh).unwrap_or(facts.start);
    let mut consumed = 0;
    for (i, term) in terms.iter().enumerate() {
        if term.end < period_start {
            continue;
        }
        let year_end = ends.get(consumed).copied().filter(|(e, _)| *e <= term.end);
        // Leaving in the holiday after a term (31 August, Easter) counts as leaving in that term:
        // the interim assessment still ends on the last day of employment.
        let next_term_start = terms.get(i + 1).map(|t| t.start);
        let leaving =
            facts.leaving.filter(|l| *l >= period_start && (*l <= term.end || next_term_start.is_none_or(|n| *l < n)));
        // SG 2.49: a short first part-term joins the next term's period.
        if reports.is_empty() && i + 1 < terms.len() && year_end.is_none() && leaving.is_none() {
            let served = cal.school_days(DateRange::new(period_start, term.end), bh);
            if served * 2 < cal.school_days(term.range(), bh) {
                continue;
            }
        }
        let (end, kind, extended) = match (year_end, leaving) {
            (Some((e, ext)), l) if l.is_none_or(|l| e <= l) => {
                consumed += 1;
                let last = consumed == needed;
                let kind = if last {
                    ReportKind::FinalAssessment
                } else if legacy {
                    ReportKind::TermlyAssessment
                } else {
                    ReportKind::FirstYearAssessment
                };
                // Reached on the term's last school day: the period ends with the term, as a review would.
                let rest_of_term = e.succ_opt().map(|n| cal.school_days(DateRange::new(n, term.end), bh)).unwrap_or(0);
                (if rest_of_term == 0 { term.end } else { e }, kind, ext)
            }
            (_, Some(l)) => (l, ReportKind::InterimAssessment, false),
            _ => (term.end, if legacy { ReportKind::TermlyAssessment } else { ReportKind::ProgressReview }, false),
        };
        let period = DateRange::new(period_start, end);
        reports.push(PlannedReport {
            number: reports.len() as u32 + 1,
            kind,
            period,
            due: due_date(cal, bh, due, &period),
            absence_extension: extended,
        });
        if matches!(kind, ReportKind::FinalAssessment | ReportKind::InterimAssessment) {
            break;
        }
        // The rest of a term after a mid-term assessment joins the next period (SG 2.49: no
        // review within a term of an assessment).
        match end.succ_opt().and_then(|d| cal.next_school_day(d, bh)) {
            // Gone before the next period starts (e.g. on 31 August after the first-year
            // assessment): nothing more to plan.
            Some(d) if facts.leaving.is_some_and(|l| l < d) => break,
            Some(d) => period_start = d,
            None => break,
        }
    }
    Ok(reports)
}

/// Where a report stands in time (the workflow states come with the report forms).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeStatus {
    /// Its period has not started.
    Upcoming,
    /// Its period has started: it can be filled in (seed 003 "Available").
    Available,
    /// Close to its due date: days served and absence can now be entered (seed 003 "Days served
    /// cannot be updated until this report becomes due").
    Due,
    /// Past its due date and not complete.
    Overdue,
}

impl TimeStatus {
    pub fn title(self) -> &'static str {
        match self {
            TimeStatus::Upcoming => "Upcoming",
            TimeStatus::Available => "Available",
            TimeStatus::Due => "Due",
            TimeStatus::Overdue => "Overdue",
        }
    }
}

/// Seed 003 shows a report due 06/12/2024 that "becomes due on 19/11/2024": thirteen school days
/// earlier. DESIGN: an AB setting, with that as the default.
pub const DEFAULT_DUE_WINDOW_SCHOOL_DAYS: u32 = 13;

impl PlannedReport {
    /// Seed 003 "Can't Submit Assessment Yet ... until dd/mm/yyyy due to the number of absences":
    /// an assessment moved by an absence extension can be submitted once its period is served.
    pub fn submittable_from(&self) -> Option<NaiveDate> {
        self.absence_extension.then_some(self.period.end)
    }

    /// The day the report becomes due (and days served become editable).
    pub fn becomes_due(&self, cal: &Calendar, bh: &BankHolidays, window: u32) -> Option<NaiveDate> {
        let due = self.due?;
        Some(cal.school_days_before(due, window, bh).unwrap_or(self.period.start).max(self.period.start))
    }

    pub fn time_status(&self, cal: &Calendar, bh: &BankHolidays, window: u32, today: NaiveDate) -> TimeStatus {
        let due = self.due.unwrap_or(self.period.end);
        if today < self.period.start {
            TimeStatus::Upcoming
        } else if today > due {
            TimeStatus::Overdue
        } else if self.becomes_due(cal, bh, window).is_some_and(|b| today >= b) {
            TimeStatus::Due
        } else {
            TimeStatus::Available
        }
    }
}

/// Days served in a period, to pre-fill the form (seed 003: "not including weekends, bank or
/// school holidays, but including absences"; 5 days a week gives 73 for 03/09-20/12/2024). For
/// part-time contracts, docs/induction-rules.md 2.3 DESIGN: school days x FTE, to the nearest half day.
pub fn days_served(cal: &Calendar, bh: &BankHolidays, contracts: &[Contract], period: DateRange) -> HalfDays {
    let total = period
        .days()
        .filter(|d| cal.is_school_day(*d, bh))
        .fold(Fraction::ZERO, |acc, d| acc.add(fte_on(contracts, d)));
    // Nearest half: round(2 x total) halves.
    let halves = total.mul(Fraction::whole(2)).add(Fraction::new(1, 2));
    HalfDays(halves.as_f64().floor() as u32)
}

fn due_date(cal: &Calendar, bh: &BankHolidays, policy: &DuePolicy, period: &DateRange) -> Option<NaiveDate> {
    match policy {
        DuePolicy::SchoolDaysBeforeEnd(n) => {
            cal.school_days_before(period.end, *n, bh).filter(|d| *d >= period.start).or(Some(period.end))
        }
        DuePolicy::FixedDates(dates) => dates.iter().copied().find(|d| period.contains(*d)).or(Some(period.end)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{Term, TermKind};
    use crate::induction::DaysPerWeek;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// Autumn 2024/25 as in seed 003 (from Wed 4 September, half-term 28 October to 1 November),
    /// then a plausible pattern of terms and half-terms up to 2031.
    fn calendar() -> Calendar {
        let mut terms = vec![];
        for y in 2024..2031 {
            let t = |kind, s: String, e: String, h: (String, String)| Term {
                kind,
                academic_year: y,
                start: d(&s),
                end: d(&e),
                closures: vec![DateRange::new(d(&h.0), d(&h.1))],
            };
            let autumn_start = if y == 2024 { "2024-09-04".to_owned() } else { format!("{y}-09-03") };
            let half = if y == 2024 {
                ("2024-10-28".to_owned(), "2024-11-01".to_owned())
            } else {
                (format!("{y}-10-27"), format!("{y}-10-31"))
            };
            terms.push(t(
                TermKind::Autumn,
                autumn_start,
                format!("{y}-12-19").replace("2024-12-19", "2024-12-20"),
                half,
            ));
            terms.push(t(
                TermKind::Spring,
                format!("{}-01-06", y + 1),
                format!("{}-03-27", y + 1),
                (format!("{}-02-16", y + 1), format!("{}-02-20", y + 1)),
            ));
            terms.push(t(
                TermKind::Summer,
                format!("{}-04-14", y + 1),
                format!("{}-07-18", y + 1),
                (format!("{}-05-26", y + 1), format!("{}-05-29", y + 1)),
            ));
        }
        Calendar::new(terms).unwrap()
    }

    fn facts<'a>(start: &str, contracts: &'a [Contract], absences: &'a [Absence]) -> InductionFacts<'a> {
        InductionFacts {
            kind: InductionType::TwoYear,
            start: d(start),
            reduction: Fraction::ZERO,
            extension: Fraction::ZERO,
            previous_fte: Fraction::ZERO,
            contracts,
            absences,
            leaving: None,
        }
    }

    fn full_time(from: &str) -> Vec<Contract> {
        vec![Contract::new(d(from), None, DaysPerWeek::full_time()).unwrap()]
    }

    fn shape(plan: &[PlannedReport]) -> String {
        plan.iter().map(|r| r.kind.letter()).collect()
    }

    #[test]
    fn full_time_two_years_sg_2_48_and_2_55() {
        let cal = calendar();
        let bh = BankHolidays::england_and_wales();
        let c = full_time("2024-09-03");
        let p = plan(&cal, bh, &facts("2024-09-03", &c, &[]), &DuePolicy::default()).unwrap();
        assert_eq!(shape(&p), "PPAPPA");
        assert_eq!(p[0].period, DateRange::new(d("2024-09-04"), d("2024-12-20")));
        assert_eq!(p[0].due, Some(d("2024-12-06")), "seed 003: End 20/12/2024, Due 06/12/2024");
        assert_eq!(p[2].kind, ReportKind::FirstYearAssessment);
        assert_eq!(p[2].period.end, d("2025-07-18"), "year 1 ends with the summer term");
        assert_eq!(p[5].kind, ReportKind::FinalAssessment);
        assert_eq!(p[5].period.end, d("2026-07-18"));
        // Periods are contiguous: each starts on the next school day after the previous.
        for w in p.windows(2) {
            assert_eq!(cal.next_school_day(w[0].period.end.succ_opt().unwrap(), bh), Some(w[1].period.start));
        }
    }

    #[test]
    fn part_time_reviews_every_term_for_four_years_sg_2_36_and_2_48() {
        let cal = calendar();
        let bh = BankHolidays::england_and_wales();
        let c = vec![Contract::new(d("2024-09-03"), None, DaysPerWeek::parse("2.5").unwrap()).unwrap()];
        let p = plan(&cal, bh, &facts("2024-09-03", &c, &[]), &DuePolicy::default()).unwrap();
        assert_eq!(shape(&p), "PPPPPAPPPPPA", "0.5 FTE: four school years, a review every term");
        assert_eq!(p[5].kind, ReportKind::FirstYearAssessment);
    }

    #[test]
    fn a_late_start_joins_the_next_term_sg_2_49() {
        let cal = calendar();
        let bh = BankHolidays::england_and_wales();
        let c = full_time("2024-11-25");
        let p = plan(&cal, bh, &facts("2024-11-25", &c, &[]), &DuePolicy::default()).unwrap();
        assert_eq!(p[0].period, DateRange::new(d("2024-11-25"), d("2025-03-27")));
        assert_eq!(p[0].kind, ReportKind::ProgressReview);
        // Year 1 then ends part-way through the autumn term 2025, and the assessment ends there.
        let fa = p.iter().find(|r| r.kind == ReportKind::FirstYearAssessment).unwrap();
        assert!(fa.period.end > d("2025-09-03") && fa.period.end < d("2025-12-19"), "{:?}", fa.period);
        assert_eq!(p.last().unwrap().kind, ReportKind::FinalAssessment);
    }

    #[test]
    fn thirty_days_absence_extends_the_year_by_all_of_it_sg_3_6() {
        let cal = calendar();
        let bh = BankHolidays::england_and_wales();
        let c = full_time("2024-09-03");
        // Recorded against a Sunday: still counted in the year it falls in.
        let thirty = [Absence { date: d("2025-01-12"), days: HalfDays(60), statutory_family_leave: false }];
        let p = plan(&cal, bh, &facts("2024-09-03", &c, &thirty), &DuePolicy::default()).unwrap();
        let fa = p.iter().find(|r| r.kind == ReportKind::FirstYearAssessment).unwrap();
        assert!(fa.absence_extension);
        // 30 school days into the autumn term 2025 (which starts on 3 September, half-term 27-31 October).
        assert_eq!(cal.school_days(DateRange::new(d("2025-09-03"), fa.period.end), bh), 30);
        // 29.5 days do not extend; nor does family leave, however long (SG 3.7).
        for absences in [
            vec![Absence { date: d("2025-01-15"), days: HalfDays(59), statutory_family_leave: false }],
            vec![Absence { date: d("2025-01-15"), days: HalfDays(120), statutory_family_leave: true }],
        ] {
            let p = plan(&cal, bh, &facts("2024-09-03", &c, &absences), &DuePolicy::default()).unwrap();
            assert_eq!(shape(&p), "PPAPPA");
            assert!(p.iter().all(|r| !r.absence_extension));
        }
    }

    #[test]
    fn leaving_turns_the_current_period_into_an_interim_assessment_sg_2_62() {
        let cal = calendar();
        let bh = BankHolidays::england_and_wales();
        let c = full_time("2024-09-03");
        let mut f = facts("2024-09-03", &c, &[]);
        f.leaving = Some(d("2025-02-14"));
        let p = plan(&cal, bh, &f, &DuePolicy::default()).unwrap();
        assert_eq!(shape(&p), "PA");
        assert_eq!(p[1].kind, ReportKind::InterimAssessment);
        assert_eq!(p[1].period, DateRange::new(d("2025-01-06"), d("2025-02-14")));
    }

    #[test]
    fn leaving_in_the_holidays_still_ends_with_an_interim_assessment_sg_2_62() {
        let cal = calendar();
        let bh = BankHolidays::england_and_wales();
        let c = full_time("2024-09-03");
        // In the Easter holidays after the spring review: the spring period becomes the interim.
        let mut f = facts("2024-09-03", &c, &[]);
        f.leaving = Some(d("2025-04-08"));
        let p = plan(&cal, bh, &f, &DuePolicy::default()).unwrap();
        assert_eq!(shape(&p), "PA");
        assert_eq!((p[1].kind, p[1].period.end), (ReportKind::InterimAssessment, d("2025-04-08")));
        // On 31 August after the first-year assessment: that assessment is the last report.
        let mut f = facts("2024-09-03", &c, &[]);
        f.leaving = Some(d("2025-08-31"));
        let p = plan(&cal, bh, &f, &DuePolicy::default()).unwrap();
        assert_eq!(shape(&p), "PPA");
        assert_eq!(p[2].kind, ReportKind::FirstYearAssessment);
    }

    #[test]
    fn legacy_reduced_and_previously_served_inductions() {
        let cal = calendar();
        let bh = BankHolidays::england_and_wales();
        let c = full_time("2024-09-03");
        // Legacy one-year induction: an assessment every term (docs/induction-rules.md 2.2).
        let mut f = facts("2024-09-03", &c, &[]);
        f.kind = InductionType::LegacyOneYear;
        let p = plan(&cal, bh, &f, &DuePolicy::default()).unwrap();
        assert_eq!(
            p.iter().map(|r| r.kind).collect::<Vec<_>>(),
            [ReportKind::TermlyAssessment, ReportKind::TermlyAssessment, ReportKind::FinalAssessment]
        );
        // Reduced to one term: only the final assessment (SG 3.4).
        let mut f = facts("2024-09-03", &c, &[]);
        f.reduction = Fraction::whole(5);
        let p = plan(&cal, bh, &f, &DuePolicy::default()).unwrap();
        assert_eq!(p.iter().map(|r| r.kind).collect::<Vec<_>>(), [ReportKind::FinalAssessment]);
        // Year 1 served at a previous school: reviews then the final assessment.
        let mut f = facts("2024-09-03", &c, &[]);
        f.previous_fte = Fraction::whole(3);
        assert_eq!(shape(&plan(&cal, bh, &f, &DuePolicy::default()).unwrap()), "PPA");
        // An AB extension of one term after the final assessment adds a term (SG 3.8; docs/induction-rules.md 2.5).
        let mut f = facts("2024-09-03", &c, &[]);
        f.extension = Fraction::whole(1);
        let p = plan(&cal, bh, &f, &DuePolicy::default()).unwrap();
        assert_eq!(shape(&p), "PPAPPPA");
        assert_eq!(p.last().unwrap().period.end, d("2026-12-19"));
    }

    #[test]
    fn the_calendar_must_cover_the_induction() {
        let short = Calendar::new(calendar().terms()[..4].to_vec()).unwrap();
        let bh = BankHolidays::england_and_wales();
        let c = full_time("2024-09-03");
        assert_eq!(
            plan(&short, bh, &facts("2024-09-03", &c, &[]), &DuePolicy::default()),
            Err(PlanProblem::CalendarTooShort)
        );
        assert_eq!(
            plan(&short, bh, &facts("2031-09-03", &c, &[]), &DuePolicy::default()),
            Err(PlanProblem::StartsAfterCalendar)
        );
    }

    #[test]
    fn fixed_due_dates_are_an_ab_setting_dom_2_6() {
        let cal = calendar();
        let bh = BankHolidays::england_and_wales();
        let c = full_time("2024-09-03");
        // Arthur Terry 2024/25 (docs/induction-rules.md 2.6 rule 9).
        let fixed = DuePolicy::FixedDates(vec![d("2024-12-06"), d("2025-03-28"), d("2025-06-27")]);
        let p = plan(&cal, bh, &facts("2024-09-03", &c, &[]), &fixed).unwrap();
        assert_eq!(p[0].due, Some(d("2024-12-06")));
        assert_eq!(p[1].due, Some(d("2025-03-27")), "28/03 is after the spring term: due on its last day");
        assert_eq!(p[2].due, Some(d("2025-06-27")));
    }

    #[test]
    fn report_status_and_days_served_seed_003() {
        let cal = calendar();
        let bh = BankHolidays::england_and_wales();
        let c = full_time("2024-09-03");
        let p = plan(&cal, bh, &facts("2024-09-03", &c, &[]), &DuePolicy::default()).unwrap();
        let first = &p[0];
        let w = DEFAULT_DUE_WINDOW_SCHOOL_DAYS;
        assert_eq!(first.becomes_due(&cal, bh, w), Some(d("2024-11-19")), "seed 003: becomes due on 19/11/2024");
        // today, status
        for (today, status) in [
            ("2024-09-01", TimeStatus::Upcoming),
            ("2024-09-04", TimeStatus::Available),
            ("2024-11-18", TimeStatus::Available),
            ("2024-11-19", TimeStatus::Due),
            ("2024-12-06", TimeStatus::Due),
            ("2024-12-07", TimeStatus::Overdue),
        ] {
            assert_eq!(first.time_status(&cal, bh, w, d(today)), status, "{today}");
        }
        assert_eq!(days_served(&cal, bh, &c, first.period).as_days(), 73.0, "seed 003: 73 days");
        assert_eq!(days_served(&cal, bh, &c, DateRange::new(d("2024-09-03"), d("2024-11-06"))).as_days(), 41.0);
        let three = vec![Contract::new(d("2024-09-03"), None, DaysPerWeek::parse("3").unwrap()).unwrap()];
        assert_eq!(days_served(&cal, bh, &three, first.period).as_days(), 44.0, "0.6 x 73 = 43.8, to the nearest half");
    }

    /// Properties over many starts, working patterns and absences.
    #[test]
    fn properties_hold_for_many_inductions() {
        let cal = calendar();
        let bh = BankHolidays::england_and_wales();
        let starts = ["2024-09-03", "2024-10-14", "2024-11-25", "2025-01-06", "2025-02-24", "2025-04-14", "2025-06-02"];
        let patterns = ["5", "4.5", "4", "3", "2.5"];
        let absences = [0u32, 20, 59, 60, 90];
        let mut cases = 0;
        for start in starts {
            for pattern in patterns {
                for absence in absences {
                    let c = vec![Contract::new(d(start), None, DaysPerWeek::parse(pattern).unwrap()).unwrap()];
                    let a = [Absence {
                        date: d(start) + chrono::Days::new(40),
                        days: HalfDays(absence),
                        statutory_family_leave: false,
                    }];
                    let f = facts(start, &c, &a);
                    let p = match plan(&cal, bh, &f, &DuePolicy::default()) {
                        Ok(p) => p,
                        Err(PlanProblem::CalendarTooShort) => continue, // 0.5 FTE from 2025 runs past 2031
                        Err(e) => panic!("{e}"),
                    };
                    cases += 1;
                    // Always ends with the final assessment, with exactly one first-year assessment.
                    assert_eq!(p.last().unwrap().kind, ReportKind::FinalAssessment, "{start} {pattern} {absence}");
                    assert_eq!(p.iter().filter(|r| r.kind == ReportKind::FirstYearAssessment).count(), 1);
                    // Periods are ordered and contiguous, and every due date lies in its period.
                    for w in p.windows(2) {
                        assert!(w[0].period.end < w[1].period.start);
                        assert_eq!(
                            cal.next_school_day(w[0].period.end.succ_opt().unwrap(), bh),
                            Some(w[1].period.start)
                        );
                    }
                    for r in &p {
                        assert!(r.period.start <= r.period.end);
                        assert!(r.due.is_some_and(|due| r.period.contains(due)));
                        // Days served (school days in the period) never exceed the school days there are.
                        assert!(cal.school_days(r.period, bh) <= r.period.days().count() as u32);
                    }
                    // FTE served grows with time.
                    let served: Vec<Fraction> =
                        p.iter().map(|r| crate::induction::fte_terms_served(&cal, bh, &c, r.period.end)).collect();
                    assert!(served.windows(2).all(|w| w[0] <= w[1]));
                    // Planning again gives the same plan (recomputation is idempotent).
                    assert_eq!(plan(&cal, bh, &f, &DuePolicy::default()).unwrap(), p);
                }
            }
        }
        assert!(cases > 100, "{cases}");
    }
}
