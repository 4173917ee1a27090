//! Configuration: flags, then environment, then `hearth.toml` in the data
//! directory, then defaults (DESIGN section 8).

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;
use serde::Deserialize;

/// Where the data lives; shared by every command.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Data directory [env: HEARTH_DATA_DIR] [default: ./hearth-data]
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://... [env: DATABASE_URL]
    /// [default: sqlite://DATA_DIR/hearth.db]
    #[arg(long)]
    pub database_url: Option<String>,
}

/// `hearth.toml`; unknown keys are an error.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    database_url: Option<String>,
    demo: Option<bool>,
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: String,
    pub database_url: String,
    pub demo: bool,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn read_file(data_dir: &Path) -> anyhow::Result<FileConfig> {
    let path = data_dir.join("hearth.toml");
    match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str(&text).with_context(|| format!("invalid {}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(FileConfig::default()),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

impl Config {
    /// Resolves the configuration and creates the data directory.
    pub fn resolve(
        store: &StoreArgs,
        listen: Option<&str>,
        no_demo: bool,
    ) -> anyhow::Result<Config> {
        let data_dir = store
            .data_dir
            .clone()
            .or_else(|| env("HEARTH_DATA_DIR").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("./hearth-data"));
        std::fs::create_dir_all(&data_dir)
            .with_context(|| format!("creating data directory {}", data_dir.display()))?;
        let file = read_file(&data_dir)?;
        let listen = listen
            .map(str::to_owned)
            .or_else(|| env("HEARTH_LISTEN"))
            .or(file.listen)
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let database_url = store
            .database_url
            .clone()
            .or_else(|| env("DATABASE_URL"))
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("hearth.db").display()));
        let demo = if no_demo {
            false
        } else {
            match env("HEARTH_DEMO").as_deref() {
                Some("0" | "false" | "no" | "off") => false,
                Some("1" | "true" | "yes" | "on") => true,
                Some(other) => anyhow::bail!("HEARTH_DEMO must be 0 or 1, not '{other}'"),
                None => file.demo.unwrap_or(true),
            }
        };
        Ok(Config {
            listen,
            database_url,
            demo,
        })
    }

    /// The database for humans, without credentials.
    pub fn display_database(&self) -> String {
        match self.database_url.split_once('@') {
            Some((scheme_user, host)) if self.database_url.starts_with("postgres") => {
                let scheme = scheme_user.split("://").next().unwrap_or("postgres");
                format!("{scheme}://…@{host}")
            }
            _ => self.database_url.clone(),
        }
    }
}
