//! The reminder scan at scale (issue 8): 100,000 open reports with due dates spread over a
//! hundred days, on SQLite (or `INDUCT_BENCH_DATABASE_URL`). Prints the first scan (which writes
//! the day's reminders) and the turning of 1,000 notifications into mail once, then measures the
//! idempotent re-scan that every process runs every few minutes.
//! Run with `cargo bench --bench reminders`; figures go in the notes.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use induct::{Clock, Config};
use secrecy::SecretString;
use std::time::Instant;
use uuid::Uuid;

const REPORTS: usize = 100_000;

fn setup(rt: &tokio::runtime::Runtime) -> (induct::AppState, std::path::PathBuf) {
    rt.block_on(async {
        let dir = std::env::temp_dir().join(format!("induct-bench-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let mut c = Config::default();
        c.demo = true;
        c.themes_dir = root.join("themes");
        c.abs_dir = root.join("config/abs");
        c.data_dir = dir.clone();
        c.database.url = SecretString::from(
            std::env::var("INDUCT_BENCH_DATABASE_URL")
                .unwrap_or_else(|_| format!("sqlite://{}", dir.join("bench.db").display())),
        );
        c.security.secret_key = Some(SecretString::from("bench-secret-key-0123456789-0123456789-abcdef"));
        c.mail.worker = false;
        // 10:00 UK time on a Tuesday in term.
        let clock = Clock::fixed(Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap());
        let app = induct::build(c, clock).await.unwrap();
        let state = app.state.clone();
        let tenant = state.store().find_tenant_by_slug("fenland").await.unwrap().unwrap().tenant_id();
        let school = state.store().list_schools(tenant).await.unwrap()[0].id;
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let now = state.clock().now();
        let started = Instant::now();
        insert_reports(&state, tenant.0, school, today, now).await;
        println!("set-up: {REPORTS} ECTs with an open report each in {:.1} s", started.elapsed().as_secs_f64());
        (state, dir)
    })
}

/// Users, inductions, contracts and one open report each, due between 60 days ago and 40 days on.
async fn insert_reports(
    state: &induct::AppState,
    tenant: Uuid,
    school: Uuid,
    today: NaiveDate,
    now: chrono::DateTime<Utc>,
) {
    let induct::store::Pool::Sqlite(pool) = state.store().pool() else {
        panic!("the set-up writes with SQLite's pool; point INDUCT_BENCH_DATABASE_URL at SQLite")
    };
    for chunk in (0..REPORTS).collect::<Vec<_>>().chunks(5_000) {
        let mut tx = pool.begin().await.unwrap();
        for &i in chunk {
            let (user, induction) = (Uuid::new_v4(), Uuid::new_v4());
            let start = today - Duration::days(120);
            let due = today - Duration::days(60) + Duration::days((i % 100) as i64);
            sqlx::query("INSERT INTO users (id, tenant_id, username, role, display_name, email, active, created_at) VALUES ($1, $2, $3, 'ect', $4, $5, 1, $6)")
                .bind(user).bind(tenant).bind(format!("9{i:06}")).bind(format!("ECT {i}")).bind(format!("ect{i}@bench.example")).bind(now)
                .execute(&mut *tx).await.unwrap();
            sqlx::query("INSERT INTO inductions (id, tenant_id, ect_user_id, induction_type, start_date, reduction_terms, previous_fte_terms, created_at) VALUES ($1, $2, $3, 'two_year', $4, '0/1', '0/1', $5)")
                .bind(induction).bind(tenant).bind(user).bind(start).bind(now)
                .execute(&mut *tx).await.unwrap();
            sqlx::query("INSERT INTO contracts (id, tenant_id, induction_id, school_id, start_date, end_date, days_per_week_halves, contract_type) VALUES ($1, $2, $3, $4, $5, NULL, 10, 'permanent')")
                .bind(Uuid::new_v4()).bind(tenant).bind(induction).bind(school).bind(start)
                .execute(&mut *tx).await.unwrap();
            sqlx::query("INSERT INTO reports (id, tenant_id, induction_id, number, kind, period_start, period_end, due_date, absence_extension) VALUES ($1, $2, $3, 1, 'progress_review', $4, $5, $6, 0)")
                .bind(Uuid::new_v4()).bind(tenant).bind(induction).bind(start).bind(due + Duration::days(10)).bind(due)
                .execute(&mut *tx).await.unwrap();
        }
        tx.commit().await.unwrap();
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (state, dir) = setup(&rt);
    rt.block_on(async {
        let started = Instant::now();
        let scan = induct::services::notify::materialise(&state).await.unwrap();
        println!(
            "first scan of {} open reports: {} reminders written in {:.0} ms",
            scan.candidates,
            scan.added,
            started.elapsed().as_secs_f64() * 1000.0
        );
        let started = Instant::now();
        let mut done = 0;
        while done < 1_000 {
            let r = induct::services::notify::process_pending(&state).await.unwrap();
            if r.claimed == 0 {
                break;
            }
            done += r.claimed;
        }
        let secs = started.elapsed().as_secs_f64();
        println!("{done} notifications turned into mail in {secs:.2} s ({:.1} ms each)", secs * 1000.0 / done as f64);
    });
    let mut g = c.benchmark_group("reminders");
    g.sample_size(10);
    g.bench_function("re-scan of 100,000 open reports (nothing new to write)", |b| {
        b.to_async(&rt).iter(|| async {
            let r = induct::services::notify::materialise(&state).await.unwrap();
            assert_eq!(r.added, 0);
            r
        })
    });
    g.finish();
    let _ = std::fs::remove_dir_all(dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
