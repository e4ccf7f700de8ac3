//! Files for the national service's bulk upload (docs/induction-rules.md 2.11: RIAB's `bulk-claim` and
//! `bulk-action` templates) and the cell rule that keeps them safe to open in a spreadsheet
//! (docs/security.md I3).
//!
//! The CSV is written here rather than with the `csv` crate: the templates fix every detail
//! (header text, every cell quoted, `YYYY-MM-DD` dates), the writer is a dozen lines, and the
//! injection rule has to look at each cell anyway.

use chrono::NaiveDate;

use crate::induction::Fraction;
use crate::registration::{TrainingProgramme, two_year_from};

/// docs/induction-rules.md 2.11: "Claims header".
pub const CLAIMS_HEADER: [&str; 4] = ["TRN", "Date of birth", "Induction programme", "Induction period start date"];
/// docs/induction-rules.md 2.11: "Actions header".
pub const ACTIONS_HEADER: [&str; 5] =
    ["TRN", "Date of birth", "Induction period end date", "Number of terms", "Outcome"];
/// docs/induction-rules.md 2.11: "1-1000 rows".
pub const MAX_ROWS: usize = 1000;
/// docs/induction-rules.md 2.11: "≤ 100 KB".
pub const MAX_BYTES: usize = 100 * 1024;

/// A claim: the AB registers the ECT's induction with the national service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    pub trn: String,
    pub date_of_birth: NaiveDate,
    pub programme: TrainingProgramme,
    pub start: NaiveDate,
    pub qts: Option<NaiveDate>,
}

/// An action: the AB records an induction period's end. "Fail cannot be recorded in bulk upload"
/// (docs/induction-rules.md 2.11), so only pass and release exist here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Release,
}

impl Outcome {
    pub fn csv_value(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Release => "release",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    pub trn: String,
    pub date_of_birth: NaiveDate,
    pub end: NaiveDate,
    pub terms: Fraction,
    pub outcome: Outcome,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone)]
pub enum RowProblem {
    #[error("The TRN is not 7 digits")]
    Trn,
    #[error("The induction start date is before 1 September 2021")]
    StartTooEarly,
    #[error("The induction start date is before the QTS date")]
    StartBeforeQts,
    #[error("No QTS date is recorded")]
    NoQts,
    #[error("The date is in the future")]
    Future,
    #[error("The number of terms is not between 0 and 16 with at most one decimal place")]
    Terms,
    #[error("The same TRN appears twice in the file")]
    DuplicateTrn,
}

fn trn_ok(trn: &str) -> bool {
    trn.len() == 7 && trn.bytes().all(|b| b.is_ascii_digit())
}

/// The bulk-claim rules (docs/induction-rules.md 2.11: "start ≥ 2021-09-01, ≥ QTS date, not future").
pub fn claim_problems(c: &Claim, today: NaiveDate) -> Vec<RowProblem> {
    let mut p = vec![];
    if !trn_ok(&c.trn) {
        p.push(RowProblem::Trn);
    }
    if c.start < two_year_from() {
        p.push(RowProblem::StartTooEarly);
    }
    match c.qts {
        None => p.push(RowProblem::NoQts),
        Some(q) if c.start < q => p.push(RowProblem::StartBeforeQts),
        _ => {}
    }
    if c.start > today {
        p.push(RowProblem::Future);
    }
    p
}

/// The bulk-action rules (docs/induction-rules.md 2.11: "Number of terms `\d+(\.\d)?` in [0,16]"; dates not in
/// the future, as for every induction period).
pub fn action_problems(a: &Action, today: NaiveDate) -> Vec<RowProblem> {
    let mut p = vec![];
    if !trn_ok(&a.trn) {
        p.push(RowProblem::Trn);
    }
    if a.end > today {
        p.push(RowProblem::Future);
    }
    if a.terms.as_f64() < 0.0 || a.terms.as_f64() > 16.0 {
        p.push(RowProblem::Terms);
    }
    p
}

/// Number of terms as the template writes it: whole or one decimal place, rounded down so that
/// what is reported never exceeds what was served.
pub fn terms_value(f: Fraction) -> String {
    let tenths = (f.as_f64() * 10.0 + 1e-9).floor() as i64;
    if tenths % 10 == 0 { format!("{}", tenths / 10) } else { format!("{}.{}", tenths / 10, tenths % 10) }
}

/// A cell made safe for spreadsheets (docs/security.md I3): a value that a spreadsheet would read as
/// a formula (starting `=`, `+`, `-`, `@`, tab, carriage return or NUL) is prefixed with `'`.
pub fn safe_cell(value: &str) -> String {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\0') => format!("'{value}"),
        _ => value.to_owned(),
    }
}

/// Writes a CSV file: every cell quoted (as the templates are), quotes doubled, each cell made
/// safe, CRLF line ends.
pub fn write_csv<S: AsRef<str>>(header: &[&str], rows: &[Vec<S>]) -> String {
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let quoted: Vec<String> = cells.map(|c| format!("\"{}\"", safe_cell(c).replace('"', "\"\""))).collect();
        out.push_str(&quoted.join(","));
        out.push_str("\r\n");
    };
    line(&mut header.iter().copied());
    for row in rows {
        line(&mut row.iter().map(|c| c.as_ref()));
    }
    out
}

pub fn claim_cells(c: &Claim) -> Vec<String> {
    vec![
        c.trn.clone(),
        c.date_of_birth.format("%Y-%m-%d").to_string(),
        c.programme.csv_value().to_owned(),
        c.start.format("%Y-%m-%d").to_string(),
    ]
}

pub fn action_cells(a: &Action) -> Vec<String> {
    vec![
        a.trn.clone(),
        a.date_of_birth.format("%Y-%m-%d").to_string(),
        a.end.format("%Y-%m-%d").to_string(),
        terms_value(a.terms),
        a.outcome.csv_value().to_owned(),
    ]
}

/// Rows that pass the rules, with duplicates of a TRN refused after the first (docs/induction-rules.md 2.11: "no
/// duplicate TRNs"), and those that do not, with their problems.
pub fn split_valid<T>(
    rows: Vec<T>,
    trn: impl Fn(&T) -> &str,
    problems: impl Fn(&T) -> Vec<RowProblem>,
) -> (Vec<T>, Vec<(T, Vec<RowProblem>)>) {
    let mut seen = std::collections::HashSet::new();
    let mut ok = vec![];
    let mut bad = vec![];
    for r in rows {
        let mut p = problems(&r);
        if !seen.insert(trn(&r).to_owned()) {
            p.push(RowProblem::DuplicateTrn);
        }
        if p.is_empty() { ok.push(r) } else { bad.push((r, p)) }
    }
    (ok, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn cells_that_look_like_formulas_are_neutralised_i3() {
        for (input, out) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("1234567", "1234567"),
            ("", ""),
        ] {
            assert_eq!(safe_cell(input), out, "{input:?}");
        }
        let csv = write_csv(&["A", "B"], &[vec!["=1+1", "say \"hi\""]]);
        assert_eq!(csv, "\"A\",\"B\"\r\n\"'=1+1\",\"say \"\"hi\"\"\"\r\n");
    }

    #[test]
    fn claim_rules_dom_2_11() {
        let today = d(2026, 11, 24);
        let good = Claim {
            trn: "1234567".into(),
            date_of_birth: d(1999, 1, 2),
            programme: TrainingProgramme::ProviderLed,
            start: d(2026, 9, 1),
            qts: Some(d(2026, 7, 1)),
        };
        assert!(claim_problems(&good, today).is_empty());
        assert_eq!(claim_cells(&good), vec!["1234567", "1999-01-02", "provider-led", "2026-09-01"]);
        let table = [
            (Claim { trn: "123".into(), ..good.clone() }, vec![RowProblem::Trn]),
            (
                Claim { start: d(2021, 8, 31), qts: Some(d(2021, 7, 1)), ..good.clone() },
                vec![RowProblem::StartTooEarly],
            ),
            (Claim { qts: None, ..good.clone() }, vec![RowProblem::NoQts]),
            (Claim { qts: Some(d(2026, 9, 2)), ..good.clone() }, vec![RowProblem::StartBeforeQts]),
            (Claim { start: d(2026, 11, 25), ..good.clone() }, vec![RowProblem::Future]),
        ];
        for (claim, problems) in table {
            assert_eq!(claim_problems(&claim, today), problems, "{claim:?}");
        }
    }

    #[test]
    fn action_rules_dom_2_11() {
        let today = d(2026, 11, 24);
        let a = Action {
            trn: "1234567".into(),
            date_of_birth: d(1999, 1, 2),
            end: d(2026, 10, 23),
            terms: Fraction::new(4, 3),
            outcome: Outcome::Release,
        };
        assert!(action_problems(&a, today).is_empty());
        assert_eq!(action_cells(&a), vec!["1234567", "1999-01-02", "2026-10-23", "1.3", "release"]);
        assert_eq!(terms_value(Fraction::whole(6)), "6");
        assert_eq!(terms_value(Fraction::new(29, 10)), "2.9");
        assert_eq!(action_problems(&Action { end: d(2026, 11, 25), ..a.clone() }, today), vec![RowProblem::Future]);
        assert_eq!(
            action_problems(&Action { terms: Fraction::whole(17), ..a.clone() }, today),
            vec![RowProblem::Terms]
        );
    }

    #[test]
    fn duplicate_trns_refused_after_the_first() {
        let (ok, bad) = split_valid(vec!["1111111", "2222222", "1111111"], |s| s, |_| vec![]);
        assert_eq!(ok, vec!["1111111", "2222222"]);
        assert_eq!(bad, vec![("1111111", vec![RowProblem::DuplicateTrn])]);
    }
}
