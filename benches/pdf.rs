//! PDF generation: one full report (every field answered at length) and a school's worth of
//! them in one document. Run with `cargo bench --bench pdf`; figures go in the notes.

use criterion::{Criterion, criterion_group, criterion_main};
use induct::pdf::{Document, parse_colour};
use induct_domain::report_flow::{ECT_COMMENTS, STANDARDS};

const ANSWER: &str = "The ECT sets clear expectations at the start of each lesson and returns to them; pupils \
    know the routines and transitions are calm. Evidence from two observations this half-term and the mentor's \
    drop-ins shows questioning that stretches the most able, with targeted support for pupils with SEND. \
    Next steps were agreed with the mentor and are recorded in the development targets below.";

fn report(doc: &mut Document, n: usize) {
    doc.heading(&format!("Progress review {n}: ECT number {n}"));
    doc.field("Early career teacher", &format!("ECT number {n}"))
        .field("Period", "02/09/2026 to 18/12/2026")
        .field("Days served", "73")
        .field("Recommendation", "On track to complete induction successfully");
    for (_, label) in STANDARDS {
        doc.field(label, ANSWER);
    }
    doc.field("Areas for development", ANSWER);
    for (_, label) in ECT_COMMENTS {
        doc.field(label, ANSWER);
    }
    doc.field("Induction tutor", "Grace Okafor, 3:05pm on Tuesday 24 November 2026 (content SHA-256 1f2e3d4c5b6a7988)");
}

fn bench(c: &mut Criterion) {
    let brand = parse_colour("#14532d");
    c.bench_function("PDF: one full report", |b| {
        b.iter(|| {
            let mut doc = Document::new("Fenland Teaching School Hub", "Progress review 1", brand);
            report(&mut doc, 1);
            doc.render()
        })
    });
    c.bench_function("PDF: a school's 30 reports in one file", |b| {
        b.iter(|| {
            let mut doc = Document::new("Fenland Teaching School Hub", "Reports: Marsh Lane Primary School", brand);
            for n in 0..30 {
                report(&mut doc, n);
            }
            doc.render()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
