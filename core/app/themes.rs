//! Themes: each appropriate body's look, as minijinja templates and static files.
//!
//! A theme is a folder under `themes/` with a `theme.toml` (name, colours, logo), optional
//! `templates/` that replace the default theme's templates of the same name, and optional
//! `static/` files. Lookups fall back to `themes/default`. Templates are read into memory at start,
//! so a template name can only ever reach the AB's own theme or the default one (`..` finds
//! nothing). Every template is HTML auto-escaped whatever its name (docs/security.md I1), and each
//! render is bounded by fuel and a recursion limit (P7).

use minijinja::{AutoEscape, Environment, Value};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const DEFAULT_THEME: &str = "default";
/// Instructions one render may use; a page needs a few thousand.
const FUEL_PER_RENDER: u64 = 2_000_000;
const RECURSION_LIMIT: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("theme {theme}: {message}")]
    Invalid { theme: String, message: String },
    #[error("reading {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

#[derive(Debug, thiserror::Error)]
#[error("rendering {template} failed: {message}")]
pub struct RenderError {
    pub template: String,
    pub message: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeManifest {
    pub name: String,
    #[serde(default)]
    pub colours: Colours,
    pub logo: Option<Logo>,
    /// Shown in Help & Support (seed 001); the AB's registered details are used when absent.
    pub contact: Option<Contact>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub email: Option<String>,
    pub phone: Option<String>,
    /// e.g. "Monday to Friday, 8:30am to 4:30pm"
    pub hours: Option<String>,
    /// A helpdesk or web address shown as text.
    pub note: Option<String>,
}

/// Colours are checked to be `#rgb` or `#rrggbb` before they reach a stylesheet.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Colours {
    /// Header background.
    pub brand: String,
    /// Text on the header.
    pub brand_text: String,
    /// Buttons and highlights.
    pub accent: String,
    pub accent_text: String,
    pub link: String,
}

impl Default for Colours {
    fn default() -> Self {
        Self {
            brand: "#1f2a44".into(),
            brand_text: "#ffffff".into(),
            accent: "#00703c".into(),
            accent_text: "#ffffff".into(),
            link: "#1d4ed8".into(),
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Logo {
    /// A file in the theme's `static/` folder.
    pub file: String,
    pub alt: String,
}

/// Every template is escaped as HTML (I1), except the plain-text bodies of emails, which are never
/// shown in a browser and would otherwise show `&amp;` to their readers. Pages can only be
/// rendered from `.html` names (see [`Theme::render_page`]).
fn escape_for(name: &str) -> AutoEscape {
    if name.starts_with("emails/") && name.ends_with(".txt") { AutoEscape::None } else { AutoEscape::Html }
}

pub struct Theme {
    pub slug: String,
    pub manifest: ThemeManifest,
    env: Environment<'static>,
    statics: HashMap<String, Arc<Vec<u8>>>,
}

pub struct Themes {
    themes: HashMap<String, Arc<Theme>>,
}

fn valid_colour(c: &str) -> bool {
    let hex = c.strip_prefix('#').unwrap_or("");
    matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Names of files a theme may hold: letters, digits, `-`, `_`, `.` and `/`, no `..`, no leading `/`.
pub fn valid_asset_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && !name.starts_with('/')
        && !name.split('/').any(|part| part.is_empty() || part.starts_with('.'))
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'))
}

fn read_tree(root: &Path) -> Result<HashMap<String, Vec<u8>>, ThemeError> {
    let mut out = HashMap::new();
    if !root.is_dir() {
        return Ok(out);
    }
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|source| ThemeError::Io { path: dir.clone(), source })?;
        for entry in entries {
            let entry = entry.map_err(|source| ThemeError::Io { path: dir.clone(), source })?;
            let path = entry.path();
            let kind = entry.file_type().map_err(|source| ThemeError::Io { path: path.clone(), source })?;
            if kind.is_symlink() {
                continue; // a theme never reaches outside its folder
            } else if kind.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(root).expect("walked from root").to_string_lossy().replace('\\', "/");
                if valid_asset_name(&rel) {
                    let bytes = std::fs::read(&path).map_err(|source| ThemeError::Io { path: path.clone(), source })?;
                    out.insert(rel, bytes);
                }
            }
        }
    }
    Ok(out)
}

/// Templates every theme must be able to render (its own or the default's).
pub const REQUIRED_TEMPLATES: [&str; 12] = [
    "base.html",
    "login.html",
    "dashboard.html",
    "account.html",
    "error.html",
    "help.html",
    "school.html",
    "school_edit.html",
    "emails/account_locked.txt",
    "emails/account_locked.html",
    "emails/set_password.txt",
    "emails/set_password.html",
];

/// Prefix naming the default theme's template from an AB's theme: `{% extends "@base/base.html" %}`.
pub const BASE_PREFIX: &str = "@base/";

/// What the default theme provides to every other.
struct Defaults {
    templates: Arc<HashMap<String, String>>,
    statics: HashMap<String, Vec<u8>>,
}

impl Defaults {
    fn read(themes_dir: &Path) -> Result<Self, ThemeError> {
        let dir = themes_dir.join(DEFAULT_THEME);
        let templates = read_templates(&dir.join("templates"))
            .map_err(|problems| ThemeError::Invalid { theme: DEFAULT_THEME.into(), message: problems.join("; ") })?;
        if templates.is_empty() {
            return Err(ThemeError::Invalid {
                theme: DEFAULT_THEME.into(),
                message: format!("no templates in {}", dir.display()),
            });
        }
        Ok(Self { templates: Arc::new(templates), statics: read_tree(&dir.join("static"))? })
    }
}

fn read_templates(dir: &Path) -> Result<HashMap<String, String>, Vec<String>> {
    let tree = read_tree(dir).map_err(|e| vec![e.to_string()])?;
    let mut out = HashMap::new();
    let mut problems = vec![];
    for (name, bytes) in tree {
        match String::from_utf8(bytes) {
            Ok(text) => {
                out.insert(name, text);
            }
            Err(_) => problems.push(format!("templates/{name} is not UTF-8 text")),
        }
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

/// The `/static/...` files a template refers to.
fn referenced_assets(source: &str) -> Vec<String> {
    source
        .match_indices("/static/")
        .map(|(i, m)| {
            source[i + m.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
                .collect::<String>()
        })
        .filter(|name| !name.is_empty())
        .collect()
}

/// Loads one theme, collecting every problem rather than stopping at the first.
fn load_one(dir: &Path, slug: &str, defaults: &Defaults) -> Result<Theme, Vec<String>> {
    let mut problems = vec![];
    let manifest_path = dir.join("theme.toml");
    let manifest: Option<ThemeManifest> = match std::fs::read_to_string(&manifest_path) {
        Ok(text) => match toml::from_str(&text) {
            Ok(m) => Some(m),
            Err(e) => {
                problems.push(format!("theme.toml: {}", e.message()));
                None
            }
        },
        Err(_) => {
            problems.push("theme.toml is missing".into());
            None
        }
    };
    if let Some(m) = &manifest {
        let c = &m.colours;
        for (name, value) in [
            ("brand", &c.brand),
            ("brand_text", &c.brand_text),
            ("accent", &c.accent),
            ("accent_text", &c.accent_text),
            ("link", &c.link),
        ] {
            if !valid_colour(value) {
                problems.push(format!("theme.toml: colour {name} = {value:?} is not #rgb or #rrggbb"));
            }
        }
    }
    let own_templates = if slug == DEFAULT_THEME {
        HashMap::new()
    } else {
        read_templates(&dir.join("templates")).unwrap_or_else(|p| {
            problems.extend(p);
            HashMap::new()
        })
    };
    let mut statics: HashMap<String, Arc<Vec<u8>>> =
        defaults.statics.iter().map(|(k, v)| (k.clone(), Arc::new(v.clone()))).collect();
    if slug != DEFAULT_THEME {
        match read_tree(&dir.join("static")) {
            Ok(tree) => statics.extend(tree.into_iter().map(|(k, v)| (k, Arc::new(v)))),
            Err(e) => problems.push(e.to_string()),
        }
    }
    if let Some(logo) = manifest.as_ref().and_then(|m| m.logo.as_ref())
        && !statics.contains_key(&logo.file)
    {
        problems.push(format!("theme.toml: the logo {} is not in static/", logo.file));
    }

    let all_names: Vec<String> = {
        let mut n: Vec<String> = defaults.templates.keys().chain(own_templates.keys()).cloned().collect();
        n.sort();
        n.dedup();
        n
    };
    for required in REQUIRED_TEMPLATES {
        if !all_names.iter().any(|n| n == required) {
            problems.push(format!("the template {required} is missing"));
        }
    }
    let own_sources: Vec<(String, String)> = if slug == DEFAULT_THEME {
        defaults.templates.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    } else {
        own_templates.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    };
    for (name, source) in &own_sources {
        for asset in referenced_assets(source) {
            if !statics.contains_key(&asset) {
                problems.push(format!("templates/{name} refers to /static/{asset}, which the theme does not have"));
            }
        }
    }

    let mut env = Environment::new();
    let own = Arc::new(own_templates);
    let fallback = Arc::clone(&defaults.templates);
    // Lookups never touch the file system: a name is a key in the AB's templates or the default
    // theme's, so "../other-ab/x" simply does not exist (P7).
    env.set_loader(move |name| match name.strip_prefix(BASE_PREFIX) {
        Some(base) => Ok(fallback.get(base).cloned()),
        None => Ok(own.get(name).or_else(|| fallback.get(name)).cloned()),
    });
    env.set_auto_escape_callback(escape_for);
    env.set_fuel(Some(FUEL_PER_RENDER));
    env.set_recursion_limit(RECURSION_LIMIT);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
    // Formatting every theme may use: `{{ d | uk_date }}` for a date as 2026-09-02 (25/12/2026
    // style), `{{ n | days }}` for a number of half days (145 -> 72.5).
    env.add_filter("uk_date", uk_date_filter);
    env.add_filter("days", days_filter);
    for name in &all_names {
        if let Err(e) = env.get_template(name) {
            problems.push(format!("templates/{name}: {e}"));
        }
    }
    let manifest = match manifest {
        Some(m) => m,
        None => return Err(problems),
    };
    let theme = Theme { slug: slug.into(), manifest, env, statics };
    // Render the theme's own pages once with sample data: an endless loop, a runaway recursion or
    // an include that does not exist shows up now, not in front of a user.
    if problems.is_empty() {
        for (name, _) in own_sources.iter().filter(|(n, _)| n.ends_with(".html") && !n.starts_with("emails/")) {
            if let Err(e) = theme.render(name, sample_context(&theme)) {
                problems.push(format!("templates/{name}: {}", e.message));
            }
        }
    }
    if problems.is_empty() { Ok(theme) } else { Err(problems) }
}

/// Plausible data for a smoke render of every page.
fn sample_context(theme: &Theme) -> Value {
    minijinja::context! {
        site => minijinja::context! { name => "Sample Appropriate Body", theme_css => theme.css_variables(), is_platform => false },
        user => minijinja::context! { display_name => "Sam Sample", username => "123456", role => "ect", role_title => "Early career teacher" },
        menu => Vec::<Value>::new(),
        csrf_token => "sample",
        csp_nonce => "sample",
        errors => Vec::<Value>::new(),
        status => 404,
        title => "Page not found",
        detail => "Sample",
    }
}

impl Themes {
    /// Loads every theme folder under `dir`. The default theme must be sound or nothing starts;
    /// another theme with problems is left out (its ABs fall back to the default look) and the
    /// problems are logged.
    pub fn load(dir: &Path) -> Result<Self, ThemeError> {
        let defaults = Defaults::read(dir)?;
        let mut themes = HashMap::new();
        let entries = std::fs::read_dir(dir).map_err(|source| ThemeError::Io { path: dir.into(), source })?;
        for entry in entries {
            let entry = entry.map_err(|source| ThemeError::Io { path: dir.into(), source })?;
            if !entry.path().is_dir() {
                continue;
            }
            let slug = entry.file_name().to_string_lossy().to_string();
            if !slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
                continue;
            }
            match load_one(&entry.path(), &slug, &defaults) {
                Ok(theme) => {
                    themes.insert(slug, Arc::new(theme));
                }
                Err(problems) if slug == DEFAULT_THEME => {
                    return Err(ThemeError::Invalid { theme: slug, message: problems.join("; ") });
                }
                Err(problems) => {
                    tracing::error!(theme = %slug, problems = %problems.join("; "), "theme refused; its ABs use the default look");
                }
            }
        }
        if !themes.contains_key(DEFAULT_THEME) {
            return Err(ThemeError::Invalid { theme: DEFAULT_THEME.into(), message: "missing".into() });
        }
        Ok(Self { themes })
    }

    /// Checks a theme folder against the default theme in `themes_dir`: every problem found, or
    /// none (`induct theme check`).
    pub fn check(themes_dir: &Path, theme_dir: &Path) -> Vec<String> {
        let defaults = match Defaults::read(themes_dir) {
            Ok(d) => d,
            Err(e) => return vec![format!("the default theme cannot be read: {e}")],
        };
        let slug = theme_dir.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        if !theme_dir.is_dir() {
            return vec![format!("{} is not a folder", theme_dir.display())];
        }
        match load_one(theme_dir, &slug, &defaults) {
            Ok(_) => vec![],
            Err(problems) => problems,
        }
    }

    /// The theme named, or the default theme.
    pub fn get(&self, slug: &str) -> Arc<Theme> {
        self.themes.get(slug).or_else(|| self.themes.get(DEFAULT_THEME)).cloned().expect("default theme is loaded")
    }

    pub fn contains(&self, slug: &str) -> bool {
        self.themes.contains_key(slug)
    }
}

impl Theme {
    pub fn render(&self, template: &str, ctx: Value) -> Result<String, RenderError> {
        let err = |e: minijinja::Error| RenderError { template: template.into(), message: format!("{e:#}") };
        self.env.get_template(template).map_err(err)?.render(ctx).map_err(err)
    }

    /// Renders a web page. Only `.html` templates can be pages, so a text template that is not
    /// escaped never reaches a browser.
    pub fn render_page(&self, template: &str, ctx: Value) -> Result<String, RenderError> {
        if !template.ends_with(".html") || template.starts_with("emails/") {
            return Err(RenderError { template: template.into(), message: "not a page template".into() });
        }
        self.render(template, ctx)
    }

    pub fn asset(&self, name: &str) -> Option<Arc<Vec<u8>>> {
        if !valid_asset_name(name) {
            return None;
        }
        self.statics.get(name).cloned()
    }

    /// CSS custom properties for the theme's colours (already validated as hex colours).
    pub fn css_variables(&self) -> String {
        let c = &self.manifest.colours;
        format!(
            ":root{{--brand:{};--brand-text:{};--accent:{};--accent-text:{};--link:{}}}",
            c.brand, c.brand_text, c.accent, c.accent_text, c.link
        )
    }
}

fn uk_date_filter(v: String) -> String {
    chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d").map_or(v, |d| d.format("%d/%m/%Y").to_string())
}

fn days_filter(halves: i64) -> String {
    induct_domain::induction::HalfDays(halves.clamp(0, u32::MAX as i64) as u32).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_filters_write_dates_and_days_as_people_do() {
        assert_eq!(uk_date_filter("2026-09-02".into()), "02/09/2026");
        assert_eq!(uk_date_filter("not a date".into()), "not a date");
        assert_eq!(days_filter(145), "72.5");
        assert_eq!(days_filter(146), "73");
        assert_eq!(days_filter(-3), "0");
    }

    #[test]
    fn asset_names_cannot_leave_the_theme() {
        for (name, ok) in [
            ("app.css", true),
            ("img/logo.svg", true),
            ("../secret", false),
            ("img/../../x", false),
            ("/etc/passwd", false),
            (".hidden", false),
            ("a//b", false),
            ("a b.css", false),
            ("", false),
        ] {
            assert_eq!(valid_asset_name(name), ok, "{name:?}");
        }
    }

    #[test]
    fn colours_must_be_hex() {
        for (c, ok) in [("#fff", true), ("#1d5c4d", true), ("red", false), ("#12345", false), ("#fff;}body{", false)] {
            assert_eq!(valid_colour(c), ok, "{c}");
        }
    }
}
