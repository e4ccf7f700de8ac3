//! Plugin and theme benchmarks: a plugin call as the app makes it (fresh store, instantiate, call,
//! check the output) and a themed page render. Run with `cargo bench --bench plugins`.

use criterion::{Criterion, criterion_group, criterion_main};
use induct_plugin_host::{FormContext, Limits, PluginHost, demo};

fn bench(c: &mut Criterion) {
    let host = PluginHost::new(Limits::default()).unwrap();
    let fenland = host.load(demo::FENLAND).unwrap();
    let northshire = host.load(demo::NORTHSHIRE).unwrap();
    let ctx = FormContext { form: "ect-comments".into(), role: "ect".into(), induction_type: None };
    c.bench_function("plugin call: fenland extra-questions (8 questions)", |b| {
        b.iter(|| host.extra_questions(&fenland, &ctx).value.unwrap())
    });
    // Criterion reports means; the target is about the tail, so also print percentiles.
    let mut times: Vec<std::time::Duration> = (0..10_000)
        .map(|_| {
            let t = std::time::Instant::now();
            host.extra_questions(&fenland, &ctx).value.unwrap();
            t.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "plugin call percentiles over 10,000 calls: p50 {:?}, p99 {:?}, p99.9 {:?}, max {:?}",
        times[5_000], times[9_900], times[9_990], times[9_999]
    );
    let school = FormContext { form: "school-details".into(), role: "head_teacher".into(), induction_type: None };
    c.bench_function("plugin call: northshire extra-questions (2 questions)", |b| {
        b.iter(|| host.extra_questions(&northshire, &school).value.unwrap())
    });

    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let themes = induct::themes::Themes::load(&root.join("themes")).unwrap();
    let theme = themes.get("northshire");
    let ctx = minijinja::context! {
        site => minijinja::context! { name => "Northshire Appropriate Body Service", theme_css => theme.css_variables(), logo_url => "/static/northshire-logo.svg" },
        csrf_token => "x", csp_nonce => "y", username => "", errors => Vec::<minijinja::Value>::new(),
    };
    c.bench_function("themed render: northshire login.html (block override)", |b| {
        b.iter(|| theme.render_page("login.html", ctx.clone()).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
