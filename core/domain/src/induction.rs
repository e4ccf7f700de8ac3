//! Induction length, contracts, FTE terms served and absence extensions.
//!
//! Sources: SG = statutory guidance (April 2024), reference/statutory-guidance-2024.adoc; docs/induction-rules.md
//! 2.2, 2.4, 2.5, 2.9. FTE terms are kept exact (a fraction) and rounded to one decimal place only
//! for export (docs/induction-rules.md 2.4: "store exact ... round to 1 dp only for RIAB/TRA export").

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

use crate::calendar::{BankHolidays, Calendar, DateRange};

/// An exact non-negative fraction (FTE terms, FTE).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fraction {
    num: i128,
    den: i128,
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.abs().max(1)
}

impl Fraction {
    pub const ZERO: Fraction = Fraction { num: 0, den: 1 };

    pub fn new(num: i128, den: i128) -> Self {
        assert!(den != 0, "a fraction needs a denominator");
        let (num, den) = if den < 0 { (-num, -den) } else { (num, den) };
        let g = gcd(num, den);
        Fraction { num: num / g, den: den / g }
    }

    pub fn whole(n: i128) -> Self {
        Fraction::new(n, 1)
    }

    pub fn add(self, o: Fraction) -> Fraction {
        Fraction::new(self.num * o.den + o.num * self.den, self.den * o.den)
    }

    pub fn sub(self, o: Fraction) -> Fraction {
        Fraction::new(self.num * o.den - o.num * self.den, self.den * o.den)
    }

    pub fn mul(self, o: Fraction) -> Fraction {
        Fraction::new(self.num * o.num, self.den * o.den)
    }

    pub fn min(self, o: Fraction) -> Fraction {
        if self <= o { self } else { o }
    }

    /// Exact text form, `num/den`, for storage.
    pub fn to_exact(self) -> String {
        format!("{}/{}", self.num, self.den)
    }

    pub fn parse_exact(s: &str) -> Option<Fraction> {
        let (n, d) = s.split_once('/')?;
        let (n, d): (i128, i128) = (n.trim().parse().ok()?, d.trim().parse().ok()?);
        (d != 0).then(|| Fraction::new(n, d))
    }

    pub fn as_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// One decimal place, halves rounded up: what RIAB and the TRA take (docs/induction-rules.md 2.4).
    pub fn to_one_decimal(self) -> String {
        let tenths = (self.num * 10 * 2 + self.den) / (2 * self.den);
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

impl PartialOrd for Fraction {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Fraction {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.num * o.den).cmp(&(o.num * self.den))
    }
}

impl fmt::Display for Fraction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_one_decimal())
    }
}

/// Days worked per week, in halves from 0.5 to 5 (seed 003 "Days Per Week: 5"; docs/induction-rules.md 2 FTE
/// table: 5 -> 1.0 ... 0.5 -> 0.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaysPerWeek {
    halves: u8,
}

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ContractProblem {
    #[error("Days per week must be a number from 0.5 to 5, in halves, like 2.5")]
    DaysPerWeek,
    #[error("The contract's end date must be on or after its start date")]
    EndsBeforeStart,
}

impl DaysPerWeek {
    pub fn parse(input: &str) -> Result<Self, ContractProblem> {
        let v: f64 = input.trim().parse().map_err(|_| ContractProblem::DaysPerWeek)?;
        let halves = v * 2.0;
        if !(1.0..=10.0).contains(&halves) || halves.fract() != 0.0 {
            return Err(ContractProblem::DaysPerWeek);
        }
        Ok(Self { halves: halves as u8 })
    }

    pub fn full_time() -> Self {
        Self { halves: 10 }
    }

    pub fn from_halves(halves: u8) -> Option<Self> {
        (1..=10).contains(&halves).then_some(Self { halves })
    }

    pub fn halves(self) -> u8 {
        self.halves
    }

    /// FTE = days per week / 5.
    pub fn fte(self) -> Fraction {
        Fraction::new(self.halves as i128, 10)
    }
}

/// An employment contract at one school during induction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contract {
    pub start: NaiveDate,
    /// None while it continues.
    pub end: Option<NaiveDate>,
    pub days_per_week: DaysPerWeek,
}

impl Contract {
    pub fn new(start: NaiveDate, end: Option<NaiveDate>, days_per_week: DaysPerWeek) -> Result<Self, ContractProblem> {
        if end.is_some_and(|e| e < start) {
            return Err(ContractProblem::EndsBeforeStart);
        }
        Ok(Self { start, end, days_per_week })
    }

    fn range_until(&self, up_to: NaiveDate) -> Option<DateRange> {
        let end = self.end.map_or(up_to, |e| e.min(up_to));
        (self.start <= end).then(|| DateRange::new(self.start, end))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InductionType {
    /// Started on or after 1 September 2021: two years (SG 1.4, 2.30).
    TwoYear,
    /// Started before 1 September 2021 and completing the old one-year induction (SG 1.5-1.8).
    LegacyOneYear,
}

impl InductionType {
    pub fn as_str(self) -> &'static str {
        match self {
            InductionType::TwoYear => "two_year",
            InductionType::LegacyOneYear => "legacy_one_year",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "two_year" => Some(InductionType::TwoYear),
            "legacy_one_year" => Some(InductionType::LegacyOneYear),
            _ => None,
        }
    }
}

/// The induction to serve, in FTE terms: 6 (two school years of three terms, SG 2.30, 2.36) or
/// 3 (legacy), less any reduction the AB agreed, never below 1 term (SG 3.2-3.4).
pub fn induction_length(kind: InductionType, reduction: Fraction) -> Fraction {
    let base = match kind {
        InductionType::TwoYear => Fraction::whole(6),
        InductionType::LegacyOneYear => Fraction::whole(3),
    };
    let reduced = if reduction >= base { Fraction::ZERO } else { base.sub(reduction) };
    reduced.max(Fraction::whole(1))
}

/// FTE terms served under contracts up to and including `up_to` (docs/induction-rules.md 2.4 DESIGN formula):
/// for each term, FTE x school days served in it / school days in it, summed; contracts held
/// at the same time add together (SG 3.14) but never beyond full time.
///
/// SG 2.33-2.34: a spell of employment shorter than one term does not count; after that, any
/// length counts ("after serving 2.5 terms ... completed 2.5 terms"; at 0.5 FTE "1.25 terms").
pub fn fte_terms_served(cal: &Calendar, bh: &BankHolidays, contracts: &[Contract], up_to: NaiveDate) -> Fraction {
    let counting: Vec<&Contract> = contracts.iter().filter(|c| meets_minimum_period(cal, bh, c)).collect();
    let mut total = Fraction::ZERO;
    for term in cal.terms() {
        let term_days = cal.school_days(term.range(), bh);
        if term_days == 0 || term.start > up_to {
            continue;
        }
        // Day by day within the term, so that overlapping contracts add up but cap at 1 FTE.
        let mut served = Fraction::ZERO;
        let window = DateRange::new(term.start, term.end.min(up_to));
        for d in window.days().filter(|d| cal.is_school_day(*d, bh)) {
            let fte = counting
                .iter()
                .filter(|c| c.range_until(up_to).is_some_and(|r| r.contains(d)))
                .fold(Fraction::ZERO, |acc, c| acc.add(c.days_per_week.fte()))
                .min(Fraction::whole(1));
            served = served.add(fte);
        }
        total = total.add(served.mul(Fraction::new(1, term_days as i128)));
    }
    total
}

/// SG 2.33: the employment must last at least one term (the school days of the term it starts
/// in), whatever the FTE; a contract still running counts once it has.
fn meets_minimum_period(cal: &Calendar, bh: &BankHolidays, c: &Contract) -> bool {
    let Some(term) = cal.term_of(c.start).or_else(|| cal.terms().iter().find(|t| t.start >= c.start)) else {
        return false;
    };
    let needed = cal.school_days(term.range(), bh);
    match c.end {
        None => true,
        Some(end) => cal.school_days(DateRange::new(c.start, end), bh) >= needed,
    }
}

/// Absence in a year of induction, in half days (seed 003: "5.5 for five and a half").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct HalfDays(pub u32);

impl HalfDays {
    pub fn parse_days(input: &str) -> Option<Self> {
        let v: f64 = input.trim().parse().ok()?;
        let halves = v * 2.0;
        (halves >= 0.0 && halves.fract() == 0.0 && halves <= 2.0 * 366.0).then_some(HalfDays(halves as u32))
    }

    pub fn as_days(self) -> f64 {
        self.0 as f64 / 2.0
    }
}

/// Days as people write them: "73", "72.5".
impl std::fmt::Display for HalfDays {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.as_days())
    }
}

/// SG 3.6, Regs 8: ad-hoc absences totalling 30 days or more in a year of induction extend that
/// year by the aggregate total (the whole of it, not the excess). Statutory family leave is not
/// counted here (SG 3.7): callers pass ad-hoc absence only.
pub fn absence_extension(ad_hoc_absence_in_year: HalfDays) -> Option<HalfDays> {
    (ad_hoc_absence_in_year >= HalfDays(60)).then_some(ad_hoc_absence_in_year)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{Term, TermKind};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// Three plain terms without closures or bank holidays, so the arithmetic is easy to follow.
    fn plain_year() -> (Calendar, BankHolidays) {
        let term =
            |kind, s: &str, e: &str| Term { kind, academic_year: 2025, start: d(s), end: d(e), closures: vec![] };
        let cal = Calendar::new(vec![
            term(TermKind::Autumn, "2025-09-01", "2025-12-19"),
            term(TermKind::Spring, "2026-01-05", "2026-03-27"),
            term(TermKind::Summer, "2026-04-13", "2026-07-17"),
        ])
        .unwrap();
        (cal, BankHolidays::from_dates([]))
    }

    #[test]
    fn days_per_week_and_fte_dom_2() {
        // input, FTE as one decimal, or refused
        let table = [
            ("5", Some("1.0")),
            ("4.5", Some("0.9")),
            ("2.5", Some("0.5")),
            ("0.5", Some("0.1")),
            ("0", None),
            ("5.5", None),
            ("2.25", None),
            ("x", None),
        ];
        for (input, fte) in table {
            assert_eq!(
                DaysPerWeek::parse(input).ok().map(|d| d.fte().to_one_decimal()),
                fte.map(str::to_owned),
                "{input}"
            );
        }
    }

    #[test]
    fn induction_length_sg_2_30_and_3_2() {
        assert_eq!(induction_length(InductionType::TwoYear, Fraction::ZERO), Fraction::whole(6));
        assert_eq!(induction_length(InductionType::LegacyOneYear, Fraction::ZERO), Fraction::whole(3));
        assert_eq!(induction_length(InductionType::TwoYear, Fraction::whole(2)), Fraction::whole(4));
        assert_eq!(
            induction_length(InductionType::TwoYear, Fraction::whole(9)),
            Fraction::whole(1),
            "never below one term"
        );
    }

    #[test]
    fn fte_terms_follow_the_worked_examples_of_sg_2_34() {
        let (cal, bh) = plain_year();
        let ft = DaysPerWeek::full_time();
        let half = DaysPerWeek::parse("2.5").unwrap();
        // Full time, whole year: 3 terms; to the middle of the summer term: 2.5 (SG 2.34).
        let c = Contract::new(d("2025-09-01"), None, ft).unwrap();
        assert_eq!(fte_terms_served(&cal, &bh, &[c.clone()], d("2026-07-17")), Fraction::whole(3));
        let summer_days = cal.school_days(cal.terms()[2].range(), &bh);
        let mut mid = d("2026-04-13");
        let mut n = 0;
        while n < summer_days / 2 {
            if cal.is_school_day(mid, &bh) {
                n += 1;
            }
            mid = mid.succ_opt().unwrap();
        }
        let ends = Contract::new(d("2025-09-01"), Some(mid.pred_opt().unwrap()), ft).unwrap();
        assert_eq!(fte_terms_served(&cal, &bh, &[ends.clone()], d("2026-07-17")).to_one_decimal(), "2.5");
        // "a part time ECT working 0.5 FTE ... after 2.5 terms ... completed 1.25 terms" (SG 2.34)
        let part = Contract::new(d("2025-09-01"), Some(mid.pred_opt().unwrap()), half).unwrap();
        let served = fte_terms_served(&cal, &bh, &[part], d("2026-07-17"));
        assert_eq!(served.as_f64(), 1.25);
        assert_eq!(served.to_one_decimal(), "1.3", "exported to one decimal place");
        // Two contracts at once add together (SG 3.14), capped at full time.
        let a = Contract::new(d("2025-09-01"), None, DaysPerWeek::parse("3").unwrap()).unwrap();
        let b = Contract::new(d("2025-09-01"), None, DaysPerWeek::parse("2").unwrap()).unwrap();
        assert_eq!(fte_terms_served(&cal, &bh, &[a.clone(), b], d("2026-07-17")), Fraction::whole(3));
        let c2 = Contract::new(d("2025-09-01"), None, DaysPerWeek::parse("4").unwrap()).unwrap();
        assert_eq!(
            fte_terms_served(&cal, &bh, &[a, c2], d("2026-07-17")),
            Fraction::whole(3),
            "never beyond full time"
        );
    }

    #[test]
    fn less_than_a_term_of_employment_does_not_count_sg_2_33() {
        let (cal, bh) = plain_year();
        let short = Contract::new(d("2025-09-01"), Some(d("2025-11-28")), DaysPerWeek::full_time()).unwrap();
        assert_eq!(fte_terms_served(&cal, &bh, &[short], d("2026-07-17")), Fraction::ZERO);
        // A whole term at 0.2 FTE counts: the minimum is about employment, not FTE (SG 2.33).
        let one_day = Contract::new(d("2025-09-01"), Some(d("2025-12-19")), DaysPerWeek::parse("1").unwrap()).unwrap();
        assert_eq!(fte_terms_served(&cal, &bh, &[one_day], d("2026-07-17")).to_one_decimal(), "0.2");
    }

    #[test]
    fn absence_extension_sg_3_6() {
        // ad-hoc absence in the year (days), extension (days)
        let table = [("29.5", None), ("30", Some(30.0)), ("41.5", Some(41.5)), ("0", None)];
        for (absent, ext) in table {
            assert_eq!(
                absence_extension(HalfDays::parse_days(absent).unwrap()).map(HalfDays::as_days),
                ext,
                "{absent}"
            );
        }
        assert_eq!(HalfDays::parse_days("5.25"), None, "halves only");
        assert_eq!(HalfDays::parse_days("-1"), None);
    }

    #[test]
    fn fractions_are_exact() {
        let third = Fraction::new(1, 3);
        assert_eq!(third.add(third).add(third), Fraction::whole(1));
        assert_eq!(Fraction::new(5, 4).to_one_decimal(), "1.3");
        assert_eq!(Fraction::new(1, 20).to_one_decimal(), "0.1");
        assert_eq!(Fraction::new(2, 3).to_one_decimal(), "0.7");
    }
}
