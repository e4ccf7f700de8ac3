//! The `induct` command: `serve` (the default), `migrate`, `check-config`.

use anyhow::Context;
use induct::{Clock, Config};
use std::path::PathBuf;

const USAGE: &str = "usage: induct [serve | migrate | check-config]

  serve         run the web app (default); `cargo run` does this
  migrate       create or update the database schema and exit
  check-config  load the configuration, themes and database settings, then exit

Configuration: config/default.toml, config/$INDUCT_ENV.toml, INDUCT__SECTION__KEY variables,
DATABASE_URL. See README.md.";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let command = std::env::args().nth(1).unwrap_or_else(|| "serve".into());
    let config_dir = std::env::var("INDUCT_CONFIG_DIR").map(PathBuf::from).unwrap_or_else(|_| "config".into());
    let config = Config::load(&config_dir).context("loading configuration")?;
    induct::init_tracing(config.log_format);
    match command.as_str() {
        "serve" => serve(config).await,
        "migrate" => {
            let store = induct::store::Store::connect(&config.database).await?;
            store.migrate().await?;
            println!("database is up to date");
            Ok(())
        }
        "check-config" => {
            induct::themes::Themes::load(&config.themes_dir)?;
            println!("{config:#?}");
            println!("configuration and themes are valid");
            Ok(())
        }
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => {
            eprintln!("unknown command {other:?}\n\n{USAGE}");
            std::process::exit(2);
        }
    }
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
