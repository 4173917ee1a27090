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
    smtp_listen: Option<String>,
    smtp_max_bytes: Option<usize>,
    smtp_relay: Option<String>,
    smtp_hostname: Option<String>,
    smtp_tls_cert: Option<PathBuf>,
    smtp_tls_key: Option<PathBuf>,
    max_connections: Option<usize>,
    header_timeout_secs: Option<u64>,
    body_timeout_secs: Option<u64>,
}

/// The HTTP listener's limits (`hearth serve`); each also reads its environment
/// variable and `hearth.toml` key.
#[derive(Debug, Clone, Default, Args)]
pub struct HttpArgs {
    /// Connections open at once; more wait until one closes [env:
    /// HEARTH_MAX_CONNECTIONS] [default: the descriptor limit less 256, at most 10000]
    #[arg(long)]
    pub max_connections: Option<usize>,
    /// Seconds a client has to send a request's headers; also how long an idle
    /// keep-alive connection stays open [env: HEARTH_HEADER_TIMEOUT_SECS] [default: 10]
    #[arg(long)]
    pub header_timeout_secs: Option<u64>,
    /// Longest pause in seconds between two pieces of a request body [env:
    /// HEARTH_BODY_TIMEOUT_SECS] [default: 30]
    #[arg(long)]
    pub body_timeout_secs: Option<u64>,
}

/// The resolved HTTP limits.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// `None`: derived from the descriptor limit at start.
    pub max_connections: Option<usize>,
    pub header_timeout: std::time::Duration,
    pub body_timeout: std::time::Duration,
}

/// The email channel's flags (`hearth serve`); each also reads its environment
/// variable and `hearth.toml` key.
#[derive(Debug, Clone, Default, Args)]
pub struct EmailArgs {
    /// Inbound SMTP listener, ADDR:PORT or `off` [env: HEARTH_SMTP_LISTEN]
    /// [default: 127.0.0.1:2525]
    #[arg(long)]
    pub smtp_listen: Option<String>,
    /// Largest inbound message in bytes [env: HEARTH_SMTP_MAX_BYTES] [default: 26214400]
    #[arg(long)]
    pub smtp_max_bytes: Option<usize>,
    /// Relay for outgoing email: `smtp://[user:pass@]host:port`, or `smtps://` for
    /// implicit TLS [env: HEARTH_SMTP_RELAY] [default: none, email waits in the outbox]
    #[arg(long)]
    pub smtp_relay: Option<String>,
    /// The name the listener greets with and the domain of the Message-IDs Hearth
    /// makes [env: HEARTH_SMTP_HOSTNAME] [default: localhost]
    #[arg(long)]
    pub smtp_hostname: Option<String>,
    /// PEM certificate chain for STARTTLS on the listener (with --smtp-tls-key)
    /// [env: HEARTH_SMTP_TLS_CERT]
    #[arg(long)]
    pub smtp_tls_cert: Option<PathBuf>,
    /// PEM private key for STARTTLS on the listener [env: HEARTH_SMTP_TLS_KEY]
    #[arg(long)]
    pub smtp_tls_key: Option<PathBuf>,
}

/// The resolved email settings.
#[derive(Debug, Clone)]
pub struct EmailConfig {
    /// `None`: the listener is off.
    pub smtp_listen: Option<String>,
    pub smtp_max_bytes: usize,
    pub smtp_relay: Option<String>,
    pub smtp_hostname: String,
    /// Certificate and key for STARTTLS, when both are given.
    pub smtp_tls: Option<(PathBuf, PathBuf)>,
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: String,
    pub database_url: String,
    pub demo: bool,
    pub email: EmailConfig,
    pub http: HttpConfig,
}

/// 25 MiB, the usual limit of mail providers.
const DEFAULT_SMTP_MAX_BYTES: usize = 25 * 1024 * 1024;

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

/// A number from the flag, else the environment variable `name`, else the file.
fn number<T: std::str::FromStr>(
    flag: Option<T>,
    name: &str,
    file: Option<T>,
) -> anyhow::Result<Option<T>> {
    if flag.is_some() {
        return Ok(flag);
    }
    match env(name) {
        Some(v) => match v.trim().parse() {
            Ok(n) => Ok(Some(n)),
            Err(_) => anyhow::bail!("{name} must be a whole number, not '{v}'"),
        },
        None => Ok(file),
    }
}

impl Config {
    /// Resolves the configuration and creates the data directory.
    pub fn resolve(
        store: &StoreArgs,
        listen: Option<&str>,
        no_demo: bool,
    ) -> anyhow::Result<Config> {
        Config::resolve_serve(
            store,
            listen,
            no_demo,
            &EmailArgs::default(),
            &HttpArgs::default(),
        )
    }

    /// [`Config::resolve`] with the email flags of `hearth serve`.
    pub fn resolve_serve(
        store: &StoreArgs,
        listen: Option<&str>,
        no_demo: bool,
        email: &EmailArgs,
        http: &HttpArgs,
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
        let smtp_listen = email
            .smtp_listen
            .clone()
            .or_else(|| env("HEARTH_SMTP_LISTEN"))
            .or(file.smtp_listen)
            .unwrap_or_else(|| "127.0.0.1:2525".into());
        let smtp_listen = (!smtp_listen.trim().eq_ignore_ascii_case("off")).then_some(smtp_listen);
        let smtp_max_bytes = match email.smtp_max_bytes {
            Some(n) => n,
            None => match env("HEARTH_SMTP_MAX_BYTES") {
                Some(v) => v.trim().parse().with_context(|| {
                    format!("HEARTH_SMTP_MAX_BYTES must be a number of bytes, not '{v}'")
                })?,
                None => file.smtp_max_bytes.unwrap_or(DEFAULT_SMTP_MAX_BYTES),
            },
        };
        if smtp_max_bytes == 0 {
            anyhow::bail!("smtp_max_bytes must be at least 1");
        }
        let smtp_relay = email
            .smtp_relay
            .clone()
            .or_else(|| env("HEARTH_SMTP_RELAY"))
            .or(file.smtp_relay)
            .filter(|r| !r.trim().is_empty());
        let smtp_hostname = email
            .smtp_hostname
            .clone()
            .or_else(|| env("HEARTH_SMTP_HOSTNAME"))
            .or(file.smtp_hostname)
            .unwrap_or_else(|| "localhost".into());
        if smtp_hostname.is_empty()
            || !smtp_hostname
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        {
            anyhow::bail!("smtp_hostname must be a host name, not '{smtp_hostname}'");
        }
        let cert = email
            .smtp_tls_cert
            .clone()
            .or_else(|| env("HEARTH_SMTP_TLS_CERT").map(PathBuf::from))
            .or(file.smtp_tls_cert);
        let key = email
            .smtp_tls_key
            .clone()
            .or_else(|| env("HEARTH_SMTP_TLS_KEY").map(PathBuf::from))
            .or(file.smtp_tls_key);
        let smtp_tls = match (cert, key) {
            (Some(cert), Some(key)) => Some((cert, key)),
            (None, None) => None,
            _ => anyhow::bail!("STARTTLS needs both smtp_tls_cert and smtp_tls_key"),
        };
        let max_connections = number(
            http.max_connections,
            "HEARTH_MAX_CONNECTIONS",
            file.max_connections,
        )?;
        if max_connections == Some(0) {
            anyhow::bail!("max_connections must be at least 1");
        }
        let seconds = |flag, name, file, default| -> anyhow::Result<std::time::Duration> {
            let secs = number(flag, name, file)?.unwrap_or(default);
            if !(1..=3600).contains(&secs) {
                anyhow::bail!("{name} must be between 1 and 3600 seconds, not {secs}");
            }
            Ok(std::time::Duration::from_secs(secs))
        };
        let http = HttpConfig {
            max_connections,
            header_timeout: seconds(
                http.header_timeout_secs,
                "HEARTH_HEADER_TIMEOUT_SECS",
                file.header_timeout_secs,
                10,
            )?,
            body_timeout: seconds(
                http.body_timeout_secs,
                "HEARTH_BODY_TIMEOUT_SECS",
                file.body_timeout_secs,
                30,
            )?,
        };
        Ok(Config {
            listen,
            database_url,
            demo,
            http,
            email: EmailConfig {
                smtp_tls,
                smtp_listen,
                smtp_max_bytes,
                smtp_relay,
                smtp_hostname,
            },
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
