//! The `induct` command: serve the app (the default), and the operators' tools.

use anyhow::{Context, bail};
use induct::{Clock, Config};
use std::path::{Path, PathBuf};

const USAGE: &str = "usage: induct [COMMAND]

  serve                                run the web app (default); `cargo run` does this
  migrate                              create or update the database schema and exit
  check-config                         load the configuration and themes, print them, exit
  theme check DIR                      check a theme folder; list every problem
  theme install --ab SLUG DIR          check a theme, copy it into themes_dir and give it to an AB
  plugin check FILE                    compile and check a plugin component; print its manifest
  plugin install --ab SLUG FILE        check a plugin and make it the AB's active plugin
  plugin list --ab SLUG                the AB's installed plugin versions
  plugin rollback --ab SLUG            make the version installed before the active one active again
  totp-code [KEY]                      the authenticator-app code for a base32 key now (default: the
                                       demo's key), for people without an app at hand

Configuration: config/default.toml, config/$INDUCT_ENV.toml, INDUCT__SECTION__KEY variables,
DATABASE_URL. See README.md.";

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("induct: {e:#}");
        std::process::exit(1);
    }
}

async fn run() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config_dir = std::env::var("INDUCT_CONFIG_DIR").map(PathBuf::from).unwrap_or_else(|_| "config".into());
    let config = Config::load(&config_dir).context("loading configuration")?;
    induct::init_tracing(config.log_format);
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        [] | ["serve"] => serve(config).await,
        ["migrate"] => {
            let store = induct::store::Store::connect(&config.database).await?;
            store.migrate().await?;
            println!("database is up to date");
            Ok(())
        }
        ["check-config"] => {
            induct::themes::Themes::load(&config.themes_dir)?;
            println!("{config:#?}");
            println!("configuration and themes are valid");
            Ok(())
        }
        ["theme", "check", dir] => theme_check(&config, Path::new(dir)),
        ["theme", "install", "--ab", slug, dir] => theme_install(config, slug, Path::new(dir)).await,
        ["plugin", "check", file] => plugin_check(Path::new(file)).await,
        ["plugin", "install", "--ab", slug, file] => plugin_install(config, slug, Path::new(file)).await,
        ["plugin", "list", "--ab", slug] => plugin_list(config, slug).await,
        ["plugin", "rollback", "--ab", slug] => plugin_rollback(config, slug).await,
        ["totp-code"] => totp_code(induct::demo::DEMO_TOTP_KEY),
        ["totp-code", key] => totp_code(key),
        ["-h" | "--help" | "help"] => {
            println!("{USAGE}");
            Ok(())
        }
        _ => {
            eprintln!("unknown command {:?}\n\n{USAGE}", args.join(" "));
            std::process::exit(2);
        }
    }
}

fn totp_code(key: &str) -> anyhow::Result<()> {
    let secret = induct_domain::mfa::base32_decode(key).context("the key is not base32")?;
    let now = chrono::Utc::now().timestamp();
    let left = induct_domain::mfa::STEP_SECS - now.rem_euclid(induct_domain::mfa::STEP_SECS);
    println!("{} (changes in {left} s)", induct_domain::mfa::totp_code(&secret, now));
    Ok(())
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let listen = config.server.listen;
    let app = induct::build(config, Clock::System).await?;
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("binding {listen}"))?;
    if app.state.config().demo {
        induct::demo::print_welcome(&app.state).await?;
    } else {
        println!("Induct is listening on http://{listen}");
    }
    induct::serve(app, listener, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

fn theme_check(config: &Config, dir: &Path) -> anyhow::Result<()> {
    let problems = induct::themes::Themes::check(&config.themes_dir, dir);
    if problems.is_empty() {
        println!("{} is a valid theme", dir.display());
        return Ok(());
    }
    for p in &problems {
        println!("- {p}");
    }
    bail!("the theme has {} problem(s)", problems.len())
}

async fn theme_install(mut config: Config, slug: &str, dir: &Path) -> anyhow::Result<()> {
    theme_check(&config, dir)?;
    let name = dir.file_name().and_then(|n| n.to_str()).context("the theme folder needs a name")?.to_owned();
    anyhow::ensure!(name != induct::themes::DEFAULT_THEME, "the default theme cannot be replaced this way");
    let target = config.themes_dir.join(&name);
    if dir.canonicalize()? != target.canonicalize().unwrap_or_default() {
        copy_dir(dir, &target)?;
    }
    config.demo = false;
    let app = induct::build(config, Clock::System).await?;
    let tenant = app.state.store().find_tenant_by_slug(slug).await?.with_context(|| format!("no AB {slug}"))?;
    app.state.store().set_tenant_theme(tenant.tenant_id(), &name).await?;
    println!("theme {name} installed for {}; running app processes use it after their next restart", tenant.name);
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_symlink() {
            continue;
        } else if kind.is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()))?;
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name()))?;
        }
    }
    Ok(())
}

async fn plugin_check(file: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let host = induct_plugin_host::PluginHost::new(Default::default()).map_err(|e| anyhow::anyhow!("{e:#}"))?;
    match host.load(&bytes) {
        Ok(p) => {
            let m = &p.manifest;
            let hooks: Vec<&str> = m.hooks.iter().map(|h| induct_plugin_host::hook_name(*h)).collect();
            println!("{} {} ({}), hooks: {}, sha256 {}", m.name, m.version, m.wit_version, hooks.join(", "), p.sha256);
            Ok(())
        }
        Err(e) => bail!("refused: {e}"),
    }
}

async fn app_for_ab(mut config: Config, slug: &str) -> anyhow::Result<(induct::App, induct_domain::TenantId)> {
    config.demo = false;
    let app = induct::build(config, Clock::System).await?;
    let tenant = app.state.store().find_tenant_by_slug(slug).await?.with_context(|| format!("no AB {slug}"))?;
    Ok((app, tenant.tenant_id()))
}

fn cli_actor() -> induct::plugins::Actor<'static> {
    induct::plugins::Actor { user: None, label: "cli", ip: "local", user_agent: "induct cli" }
}

async fn plugin_install(config: Config, slug: &str, file: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let (app, tenant) = app_for_ab(config, slug).await?;
    let id = app
        .state
        .plugins()
        .install(&app.state, tenant, bytes, &cli_actor())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("installed and active: {id} (running app processes pick it up within seconds)");
    Ok(())
}

async fn plugin_list(config: Config, slug: &str) -> anyhow::Result<()> {
    let (app, tenant) = app_for_ab(config, slug).await?;
    for v in app.state.store().list_plugins(tenant).await? {
        let active = if v.active { "active" } else { "" };
        println!(
            "{}  {} {}  {}  {}  {}  {active}",
            v.id,
            v.name,
            v.version,
            v.installed_at,
            v.installed_by,
            &v.sha256[..12]
        );
    }
    Ok(())
}

async fn plugin_rollback(config: Config, slug: &str) -> anyhow::Result<()> {
    let (app, tenant) = app_for_ab(config, slug).await?;
    let versions = app.state.store().list_plugins(tenant).await?; // newest first
    let active = versions.iter().position(|v| v.active).context("the AB has no active plugin")?;
    let previous = versions.get(active + 1).context("there is no earlier version to roll back to")?;
    app.state
        .plugins()
        .activate(&app.state, tenant, previous.id, &cli_actor())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("rolled back to {} {} ({})", previous.name, previous.version, previous.id);
    Ok(())
}
