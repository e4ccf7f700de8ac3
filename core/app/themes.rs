//! Themes: each appropriate body's look, as minijinja templates and static files.
//!
//! A theme is a folder under `themes/` with a `theme.toml` (name, colours, logo), optional
//! `templates/` that replace the default theme's templates of the same name, and optional
//! `static/` files. Lookups fall back to `themes/default`. Templates are read into memory at start,
//! so a template name can only ever reach the AB's own theme or the default one (`..` finds
//! nothing). Every template is HTML auto-escaped whatever its name (SECURITY.md I1), and each
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

impl Themes {
    /// Loads every theme folder under `dir`. The default theme must exist.
    pub fn load(dir: &Path) -> Result<Self, ThemeError> {
        let default_dir = dir.join(DEFAULT_THEME);
        let default_templates = Arc::new(Self::read_templates(&default_dir.join("templates"), DEFAULT_THEME)?);
        if default_templates.is_empty() {
            return Err(ThemeError::Invalid {
                theme: DEFAULT_THEME.into(),
                message: format!("no templates in {}", default_dir.display()),
            });
        }
        let default_statics = read_tree(&default_dir.join("static"))?;
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
            let theme = Self::load_one(&entry.path(), &slug, &default_templates, &default_statics)?;
            themes.insert(slug, Arc::new(theme));
        }
        Ok(Self { themes })
    }

    fn read_templates(dir: &Path, theme: &str) -> Result<HashMap<String, String>, ThemeError> {
        read_tree(dir)?
            .into_iter()
            .map(|(name, bytes)| {
                String::from_utf8(bytes)
                    .map(|s| (name.clone(), s))
                    .map_err(|_| ThemeError::Invalid { theme: theme.into(), message: format!("{name} is not UTF-8") })
            })
            .collect()
    }

    fn load_one(
        dir: &Path,
        slug: &str,
        default_templates: &Arc<HashMap<String, String>>,
        default_statics: &HashMap<String, Vec<u8>>,
    ) -> Result<Theme, ThemeError> {
        let manifest_path = dir.join("theme.toml");
        let text = std::fs::read_to_string(&manifest_path)
            .map_err(|source| ThemeError::Io { path: manifest_path.clone(), source })?;
        let manifest: ThemeManifest =
            toml::from_str(&text).map_err(|e| ThemeError::Invalid { theme: slug.into(), message: e.to_string() })?;
        let c = &manifest.colours;
        for (name, value) in [
            ("brand", &c.brand),
            ("brand_text", &c.brand_text),
            ("accent", &c.accent),
            ("accent_text", &c.accent_text),
            ("link", &c.link),
        ] {
            if !valid_colour(value) {
                return Err(ThemeError::Invalid {
                    theme: slug.into(),
                    message: format!("colour {name} = {value:?} is not #rgb or #rrggbb"),
                });
            }
        }
        let own_templates =
            if slug == DEFAULT_THEME { HashMap::new() } else { Self::read_templates(&dir.join("templates"), slug)? };
        let mut statics: HashMap<String, Arc<Vec<u8>>> =
            default_statics.iter().map(|(k, v)| (k.clone(), Arc::new(v.clone()))).collect();
        if slug != DEFAULT_THEME {
            for (k, v) in read_tree(&dir.join("static"))? {
                statics.insert(k, Arc::new(v));
            }
        }
        if let Some(logo) = &manifest.logo
            && !statics.contains_key(&logo.file)
        {
            return Err(ThemeError::Invalid {
                theme: slug.into(),
                message: format!("logo {} is not in static/", logo.file),
            });
        }

        let mut names: Vec<String> = default_templates.keys().chain(own_templates.keys()).cloned().collect();
        names.sort();
        names.dedup();
        let mut env = Environment::new();
        let own = Arc::new(own_templates);
        let fallback = Arc::clone(default_templates);
        env.set_loader(move |name| Ok(own.get(name).or_else(|| fallback.get(name)).cloned()));
        env.set_auto_escape_callback(escape_for);
        env.set_fuel(Some(FUEL_PER_RENDER));
        env.set_recursion_limit(RECURSION_LIMIT);
        // Check every template parses now rather than at a user's first visit.
        for name in names {
            env.get_template(&name)
                .map_err(|e| ThemeError::Invalid { theme: slug.into(), message: format!("{name}: {e}") })?;
        }
        Ok(Theme { slug: slug.into(), manifest, env, statics })
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

#[cfg(test)]
mod tests {
    use super::*;

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
