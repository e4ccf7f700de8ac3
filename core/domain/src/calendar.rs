//! School calendars: terms, closures and bank holidays; school days and working days.
//!
//! docs/induction-rules.md 2.3: `is_school_day(d) = weekday(d) and d is inside a term and not in one of its
//! closures (half-terms, other closures) and not a bank holiday`; counts are inclusive at both
//! ends. Seed 003 fixes the meaning of "days served": "not including weekends, bank or school
//! holidays, but including absences", and its worked example (autumn 2024 from Wednesday
//! 4 September, half-term 28 October to 1 November) gives 41 days to 6 November and 73 to
//! 20 December (docs/induction-rules.md section 6).
//!
//! Working days, for statutory deadlines, are Monday to Friday less England and Wales bank
//! holidays; school holidays are working days (docs/induction-rules.md 2.2, "Working day definition").

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::LazyLock;

/// An inclusive range of dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateRange {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl DateRange {
    pub fn new(start: NaiveDate, end: NaiveDate) -> Self {
        Self { start, end }
    }

    pub fn contains(&self, d: NaiveDate) -> bool {
        self.start <= d && d <= self.end
    }

    pub fn overlaps(&self, other: &DateRange) -> bool {
        self.start <= other.end && other.start <= self.end
    }

    /// The days the two ranges share, if any.
    pub fn intersect(&self, other: &DateRange) -> Option<DateRange> {
        let r = DateRange { start: self.start.max(other.start), end: self.end.min(other.end) };
        (r.start <= r.end).then_some(r)
    }

    pub fn days(&self) -> impl Iterator<Item = NaiveDate> {
        let end = self.end;
        self.start.iter_days().take_while(move |d| *d <= end)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TermKind {
    Autumn,
    Spring,
    Summer,
}

/// One term: its first and last days, and the days inside it when the school is closed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    pub kind: TermKind,
    /// The academic year, named by the calendar year it starts in (2024 = 2024/25).
    pub academic_year: i32,
    pub start: NaiveDate,
    pub end: NaiveDate,
    #[serde(default)]
    pub closures: Vec<DateRange>,
}

impl Term {
    pub fn range(&self) -> DateRange {
        DateRange::new(self.start, self.end)
    }
}

/// England and Wales bank holidays, shipped with Induct (core/domain/data).
pub struct BankHolidays {
    dates: BTreeSet<NaiveDate>,
}

#[derive(Deserialize)]
struct BankHolidayFile {
    events: Vec<BankHolidayEvent>,
}

#[derive(Deserialize)]
struct BankHolidayEvent {
    date: NaiveDate,
}

static ENGLAND_AND_WALES: LazyLock<BankHolidays> = LazyLock::new(|| {
    let file: BankHolidayFile = serde_json::from_str(include_str!("../data/bank-holidays-england-and-wales.json"))
        .expect("the shipped bank holiday data parses");
    BankHolidays { dates: file.events.into_iter().map(|e| e.date).collect() }
});

impl BankHolidays {
    pub fn england_and_wales() -> &'static BankHolidays {
        &ENGLAND_AND_WALES
    }

    pub fn from_dates(dates: impl IntoIterator<Item = NaiveDate>) -> Self {
        Self { dates: dates.into_iter().collect() }
    }

    pub fn contains(&self, d: NaiveDate) -> bool {
        self.dates.contains(&d)
    }

    /// The years the data covers; dates outside them are treated as having no bank holidays.
    pub fn years(&self) -> Option<(i32, i32)> {
        Some((self.dates.first()?.year(), self.dates.last()?.year()))
    }
}

pub fn is_weekday(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// A working day for statutory deadlines: Monday to Friday, not a bank holiday.
pub fn is_working_day(d: NaiveDate, holidays: &BankHolidays) -> bool {
    is_weekday(d) && !holidays.contains(d)
}

/// The date `n` working days after `from`, counting `from` itself as day 1 when it is a working
/// day ("within 10 working days beginning with", Regs 11(3)): the last day of the window.
pub fn working_days_beginning_with(from: NaiveDate, n: u32, holidays: &BankHolidays) -> NaiveDate {
    let mut d = from;
    let mut counted = 0;
    loop {
        if is_working_day(d, holidays) {
            counted += 1;
            if counted == n {
                return d;
            }
        }
        d = d + Days::new(1);
    }
}

/// Why a calendar was refused.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum CalendarProblem {
    #[error("The {0} term must end on or after the day it starts")]
    EndsBeforeStart(String),
    #[error("The {0} term overlaps the {1} term")]
    Overlap(String, String),
    #[error("A closure in the {0} term must be inside the term and end on or after it starts")]
    ClosureOutsideTerm(String),
    #[error("Closures in the {0} term overlap")]
    ClosuresOverlap(String),
    #[error("The {0} term starts and ends on non-school days only")]
    NoSchoolDays(String),
}

/// A school's terms (the AB's, or the school's own where it sets them).
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Calendar {
    terms: Vec<Term>,
}

fn term_name(t: &Term) -> String {
    let kind = match t.kind {
        TermKind::Autumn => "autumn",
        TermKind::Spring => "spring",
        TermKind::Summer => "summer",
    };
    format!("{kind} {}/{:02}", t.academic_year, (t.academic_year + 1) % 100)
}

impl Calendar {
    /// Checks and orders terms: each ends after it starts, no two overlap, closures lie inside
    /// their term and do not overlap each other.
    pub fn new(mut terms: Vec<Term>) -> Result<Self, Vec<CalendarProblem>> {
        let mut problems = vec![];
        terms.sort_by_key(|t| t.start);
        for t in &mut terms {
            t.closures.sort_by_key(|c| c.start);
        }
        for t in &terms {
            let name = term_name(t);
            if t.end < t.start {
                problems.push(CalendarProblem::EndsBeforeStart(name.clone()));
                continue;
            }
            for c in &t.closures {
                if c.end < c.start || c.start < t.start || c.end > t.end {
                    problems.push(CalendarProblem::ClosureOutsideTerm(name.clone()));
                }
            }
            if t.closures.windows(2).any(|w| w[0].overlaps(&w[1])) {
                problems.push(CalendarProblem::ClosuresOverlap(name.clone()));
            }
        }
        for w in terms.windows(2) {
            if w[0].end >= w[1].start {
                problems.push(CalendarProblem::Overlap(term_name(&w[0]), term_name(&w[1])));
            }
        }
        if problems.is_empty() { Ok(Self { terms }) } else { Err(problems) }
    }

    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// The term a date falls in (holidays inside a term, like half-term, count as in it).
    pub fn term_of(&self, d: NaiveDate) -> Option<&Term> {
        self.terms.iter().find(|t| t.range().contains(d))
    }

    /// docs/induction-rules.md 2.3: a weekday inside a term, outside its closures, not a bank holiday.
    pub fn is_school_day(&self, d: NaiveDate, holidays: &BankHolidays) -> bool {
        is_weekday(d)
            && !holidays.contains(d)
            && self.term_of(d).is_some_and(|t| !t.closures.iter().any(|c| c.contains(d)))
    }

    /// School days in an inclusive range (seed 003: "not including weekends, bank or school
    /// holidays").
    pub fn school_days(&self, range: DateRange, holidays: &BankHolidays) -> u32 {
        if range.end < range.start {
            return 0;
        }
        self.terms
            .iter()
            .filter_map(|t| t.range().intersect(&range).map(|r| (t, r)))
            .map(|(t, r)| {
                r.days()
                    .filter(|d| is_weekday(*d) && !holidays.contains(*d) && !t.closures.iter().any(|c| c.contains(*d)))
                    .count() as u32
            })
            .sum()
    }

    /// The school day `n` school days before `date` (seed 003 due dates: a report ending
    /// 20/12/2024 is due 06/12/2024, ten school days earlier). `None` if the calendar runs out.
    pub fn school_days_before(&self, date: NaiveDate, n: u32, holidays: &BankHolidays) -> Option<NaiveDate> {
        if n == 0 {
            return Some(date);
        }
        let first = self.terms.first()?.start;
        let mut d = date;
        let mut counted = 0;
        while d > first {
            d = d.pred_opt()?;
            if self.is_school_day(d, holidays) {
                counted += 1;
                if counted == n {
                    return Some(d);
                }
            }
        }
        None
    }

    /// The first school day on or after `date`.
    pub fn next_school_day(&self, date: NaiveDate, holidays: &BankHolidays) -> Option<NaiveDate> {
        let last = self.terms.last()?.end;
        date.iter_days().take_while(|d| *d <= last).find(|d| self.is_school_day(*d, holidays))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// Seed 003's AB (Cambridgeshire 2024/25, docs/induction-rules.md section 6), with plausible spring and
    /// summer terms.
    fn cambs_2024() -> Calendar {
        Calendar::new(vec![
            Term {
                kind: TermKind::Autumn,
                academic_year: 2024,
                start: d("2024-09-04"),
                end: d("2024-12-20"),
                closures: vec![DateRange::new(d("2024-10-28"), d("2024-11-01"))],
            },
            Term {
                kind: TermKind::Spring,
                academic_year: 2024,
                start: d("2025-01-06"),
                end: d("2025-04-04"),
                closures: vec![DateRange::new(d("2025-02-17"), d("2025-02-21"))],
            },
            Term {
                kind: TermKind::Summer,
                academic_year: 2024,
                start: d("2025-04-22"),
                end: d("2025-07-22"),
                closures: vec![DateRange::new(d("2025-05-26"), d("2025-05-30"))],
            },
        ])
        .unwrap()
    }

    #[test]
    fn bank_holidays_are_shipped_for_2019_to_2028() {
        let bh = BankHolidays::england_and_wales();
        assert_eq!(bh.years(), Some((2019, 2028)));
        for date in ["2024-12-25", "2025-05-05", "2026-12-28", "2022-09-19"] {
            assert!(bh.contains(d(date)), "{date}");
        }
        assert!(!bh.contains(d("2024-12-24")));
    }

    #[test]
    fn days_served_match_seed_003_dom_6() {
        let cal = cambs_2024();
        let bh = BankHolidays::england_and_wales();
        // start, end (inclusive), school days
        let table = [
            ("2024-09-03", "2024-11-06", 41), // seed 003: "would be 41 days"
            ("2024-09-03", "2024-12-20", 73), // seed 003: "would be 73 days"
            ("2024-09-04", "2024-09-04", 1),
            ("2024-10-28", "2024-11-01", 0), // half-term
            ("2024-12-21", "2025-01-05", 0), // Christmas holidays
            ("2025-05-05", "2025-05-05", 0), // Early May bank holiday in term
            ("2025-05-01", "2025-05-09", 6), // Thu, Fri, (Mon bh), Tue-Fri
            ("2024-11-06", "2024-09-03", 0), // reversed
        ];
        for (a, b, n) in table {
            assert_eq!(cal.school_days(DateRange::new(d(a), d(b)), bh), n, "{a}..{b}");
        }
    }

    #[test]
    fn due_dates_ten_school_days_before_the_end_seed_003() {
        let cal = cambs_2024();
        let bh = BankHolidays::england_and_wales();
        // period end, due date (seed 003 screens)
        for (end, due) in [("2024-12-20", "2024-12-06"), ("2024-11-19", "2024-11-05")] {
            assert_eq!(cal.school_days_before(d(end), 10, bh), Some(d(due)), "{end}");
        }
        // Across half-term: 11/11 minus 10 school days skips 28/10-01/11.
        assert_eq!(cal.school_days_before(d("2024-11-11"), 10, bh), Some(d("2024-10-21")));
        assert_eq!(cal.next_school_day(d("2024-10-26"), bh), Some(d("2024-11-04")));
        assert_eq!(cal.school_days_before(d("2024-12-20"), 0, bh), Some(d("2024-12-20")), "zero days: the day itself");
    }

    #[test]
    fn working_day_windows_skip_weekends_and_bank_holidays_dom_2_2() {
        let bh = BankHolidays::england_and_wales();
        // from, n, last day
        let table = [
            ("2025-07-01", 10, "2025-07-14"), // Tue + 10 WD beginning with it
            ("2025-12-22", 3, "2025-12-24"),
            ("2025-12-24", 3, "2025-12-30"), // 25, 26 bank holidays, then the weekend
            ("2025-12-27", 1, "2025-12-29"), // Saturday: the window begins on Monday
            ("2026-08-28", 2, "2026-09-01"), // 31 Aug bank holiday
        ];
        for (from, n, last) in table {
            assert_eq!(working_days_beginning_with(d(from), n, bh), d(last), "{from} + {n}");
        }
    }

    #[test]
    fn calendars_are_checked() {
        let t = |kind, start: &str, end: &str, closures: Vec<(&str, &str)>| Term {
            kind,
            academic_year: 2025,
            start: d(start),
            end: d(end),
            closures: closures.into_iter().map(|(a, b)| DateRange::new(d(a), d(b))).collect(),
        };
        use TermKind::*;
        assert!(Calendar::new(vec![t(Autumn, "2025-09-03", "2025-12-19", vec![("2025-10-27", "2025-10-31")])]).is_ok());
        let cases: Vec<(Vec<Term>, CalendarProblem)> = vec![
            (
                vec![t(Autumn, "2025-12-19", "2025-09-03", vec![])],
                CalendarProblem::EndsBeforeStart("autumn 2025/26".into()),
            ),
            (
                vec![t(Autumn, "2025-09-03", "2025-12-19", vec![]), t(Spring, "2025-12-01", "2026-03-27", vec![])],
                CalendarProblem::Overlap("autumn 2025/26".into(), "spring 2025/26".into()),
            ),
            (
                vec![t(Autumn, "2025-09-03", "2025-12-19", vec![("2025-12-15", "2026-01-02")])],
                CalendarProblem::ClosureOutsideTerm("autumn 2025/26".into()),
            ),
            (
                vec![t(
                    Autumn,
                    "2025-09-03",
                    "2025-12-19",
                    vec![("2025-10-27", "2025-10-31"), ("2025-10-30", "2025-11-03")],
                )],
                CalendarProblem::ClosuresOverlap("autumn 2025/26".into()),
            ),
        ];
        for (terms, problem) in cases {
            assert_eq!(Calendar::new(terms).unwrap_err(), vec![problem.clone()], "{problem}");
        }
    }
}
