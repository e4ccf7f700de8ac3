//! Themes: per-AB looks with block overrides, install-time checks, sandboxed rendering
//! (docs/security.md I1, P7).

use reqwest::StatusCode;
use std::path::{Path, PathBuf};

use crate::helpers::{repo_path, spawn_app, users::*};

#[tokio::test]
async fn a_theme_override_changes_one_abs_pages_and_not_the_others() {
    let app = spawn_app().await;
    let north = app.northshire().get("/login").await;
    let fen = app.fenland().get("/login").await;
    assert_eq!(
        north.texts(".northshire-strap"),
        ["Northshire Appropriate Body Service · statutory induction for schools across Northshire"]
    );
    assert!(fen.texts(".northshire-strap").is_empty());
    // Inside too, and the rest of the page is still the standard one.
    let c = app.northshire();
    c.login_ok(NOR_TUTOR).await;
    let dash = c.get("/dashboard").await;
    assert_eq!(dash.texts(".northshire-strap").len(), 1);
    assert_eq!(dash.texts("h1"), ["Dashboard"]);
    // Contact details come from the theme, on the Help & Support page.
    let help = app.northshire().get("/help").await;
    assert!(help.body.contains("Monday to Thursday, 9am to 5pm"));
    let help = app.fenland().get("/help").await;
    assert!(help.body.contains("Monday to Friday, 8:30am to 4:30pm (term time)"));
}

#[tokio::test]
async fn i1_data_is_escaped_in_an_abs_own_template() {
    let app = spawn_app().await;
    app.create_user(
        "northshire",
        "177777",
        induct_domain::Role::InductionTutor,
        "<img src=x onerror=alert(1)>",
        "x@example.test",
    )
    .await;
    let c = app.northshire();
    c.login_ok("177777").await;
    let r = c.get("/dashboard").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.texts(".northshire-strap").len(), 1, "rendered through Northshire's template");
    assert!(!r.body.contains("<img src=x"));
    assert!(r.body.contains("&lt;img src=x onerror=alert(1)&gt;"));
}

/// A scratch theme folder: a copy of Fenland's, with files added or replaced.
fn scratch_theme(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("induct-theme-{}", uuid::Uuid::new_v4().simple())).join(name);
    copy_dir(&repo_path("themes/fenland"), &dir);
    for (path, content) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.path().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

fn check(dir: &Path) -> Vec<String> {
    induct::themes::Themes::check(&repo_path("themes"), dir)
}

#[test]
fn p7_themes_are_checked_before_they_are_used() {
    assert_eq!(check(&repo_path("themes/fenland")), Vec::<String>::new());
    assert_eq!(check(&repo_path("themes/northshire")), Vec::<String>::new());
    assert_eq!(check(&repo_path("themes/default")), Vec::<String>::new());

    let cases: Vec<(&str, Vec<(&str, &str)>, &str)> = vec![
        ("escape", vec![("templates/help.html", r#"{% include "../northshire/theme.toml" %}"#)], "not found"),
        (
            "endless",
            vec![(
                "templates/help.html",
                "{% for i in range(10000) %}{% for j in range(10000) %}{{ i }}{% endfor %}{% endfor %}",
            )],
            "fuel",
        ),
        ("recursion", vec![("templates/help.html", "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}")], "recursion"),
        ("syntax", vec![("templates/login.html", "{% if %}")], "templates/login.html"),
        (
            "colour",
            vec![(
                "theme.toml",
                "name = \"x\"\n[colours]\nbrand = \"red;}body{display:none\"\nbrand_text = \"#fff\"\naccent = \"#000\"\naccent_text = \"#fff\"\nlink = \"#000\"\n[logo]\nfile = \"nope.svg\"\nalt = \"x\"\n",
            )],
            "colour brand",
        ),
        ("asset", vec![("templates/help.html", r#"<img src="/static/missing.png">"#)], "/static/missing.png"),
    ];
    for (name, files, expected) in cases {
        let problems = check(&scratch_theme(name, &files));
        assert!(problems.iter().any(|p| p.contains(expected)), "{name}: {problems:?}");
    }
    // Several problems are all reported at once.
    let problems = check(&scratch_theme(
        "many",
        &[
            ("theme.toml", "name = \"x\"\n[logo]\nfile = \"nope.svg\"\nalt = \"x\"\n"),
            ("templates/help.html", "{% if %}"),
        ],
    ));
    assert!(problems.len() >= 2, "{problems:?}");
}

#[test]
fn text_templates_render_but_are_never_pages() {
    let themes = induct::themes::Themes::load(&repo_path("themes")).unwrap();
    let t = themes.get("fenland");
    let text = t.render("emails/account_locked.txt", minijinja::context! { display_name => "A & B" }).unwrap();
    assert!(text.contains("Dear A & B"), "plain text is not HTML-escaped");
    assert!(t.render_page("emails/account_locked.txt", minijinja::context! {}).is_err());
    let html = t.render("emails/account_locked.html", minijinja::context! { display_name => "A & B" }).unwrap();
    assert!(html.contains("Dear A &amp; B"));
}
