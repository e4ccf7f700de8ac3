//! Induction timelines at scale: planning (and so recomputing) 10,000 ECTs' reports.
//! Run with `cargo bench --bench timeline`.

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use induct_domain::calendar::{BankHolidays, Calendar, DateRange, Term, TermKind};
use induct_domain::induction::{Contract, DaysPerWeek, Fraction, HalfDays, InductionType};
use induct_domain::timeline::{Absence, DuePolicy, InductionFacts, plan};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// Seven years of terms with half-terms, from autumn 2024.
fn calendar() -> Calendar {
    let mut terms = vec![];
    for y in 2024..2031 {
        let t = |kind, start, end, h: (NaiveDate, NaiveDate)| Term {
            kind,
            academic_year: y,
            start,
            end,
            closures: vec![DateRange::new(h.0, h.1)],
        };
        terms.push(t(TermKind::Autumn, d(y, 9, 3), d(y, 12, 19), (d(y, 10, 27), d(y, 10, 31))));
        terms.push(t(TermKind::Spring, d(y + 1, 1, 6), d(y + 1, 3, 27), (d(y + 1, 2, 16), d(y + 1, 2, 20))));
        terms.push(t(TermKind::Summer, d(y + 1, 4, 14), d(y + 1, 7, 18), (d(y + 1, 5, 26), d(y + 1, 5, 29))));
    }
    Calendar::new(terms).unwrap()
}

fn bench(c: &mut Criterion) {
    let cal = calendar();
    let bh = BankHolidays::england_and_wales();
    let patterns = ["5", "5", "5", "4.5", "4", "3"];
    let ects: Vec<(NaiveDate, Vec<Contract>, Vec<Absence>)> = (0..10_000u32)
        .map(|i| {
            let start = d(2024, 9, 3) + chrono::Days::new((i % 200) as u64);
            let dpw = DaysPerWeek::parse(patterns[(i % 6) as usize]).unwrap();
            let contracts = vec![Contract::new(start, None, dpw).unwrap()];
            let absences = vec![Absence {
                date: start + chrono::Days::new(60),
                days: HalfDays(i % 80),
                statutory_family_leave: false,
            }];
            (start, contracts, absences)
        })
        .collect();
    let mut group = c.benchmark_group("timeline");
    group.sample_size(10);
    group.bench_function("plan 10,000 ECTs' report timelines", |b| {
        b.iter(|| {
            let mut reports = 0;
            for (start, contracts, absences) in &ects {
                let facts = InductionFacts {
                    kind: InductionType::TwoYear,
                    start: *start,
                    reduction: Fraction::ZERO,
                    extension: Fraction::ZERO,
                    previous_fte: Fraction::ZERO,
                    contracts,
                    absences,
                    leaving: None,
                };
                reports += plan(&cal, bh, &facts, &DuePolicy::default()).map(|p| p.len()).unwrap_or(0);
            }
            reports
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
