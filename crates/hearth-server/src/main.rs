//! The `hearth` binary: parses the command line, opens the store the configuration
//! names, and runs one command (`serve`, `token create`, `migrate`, ...).
//!
//! Stdout carries only what scripts and people read (the start banner whose last
//! line is the admin token, a created token); logs go to stderr.

mod bench;
mod config;

use std::io::Write as _;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use clap::{Args, Parser, Subcommand};
use hearth_app::ports::Store;
use hearth_app::seed::ADMIN_EMAIL;
use hearth_app::{App, SystemClock};
use hearth_store_postgres::PgStore;
use hearth_store_sqlite::SqliteStore;
use tracing_subscriber::EnvFilter;

use crate::config::{Config, EmailArgs, HttpArgs, StoreArgs};

/// Hearth: a self-hosted customer-service platform.
#[derive(Debug, Parser)]
#[command(name = "hearth", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (embedded SQLite by default).
    Serve(ServeArgs),
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Manage administrators.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Manage passwords.
    Password {
        #[command(subcommand)]
        command: PasswordCommand,
    },
    /// Apply pending database migrations and exit.
    Migrate(StoreArgs),
    /// Load a running Hearth on this machine with the standard workload and print
    /// per-operation throughput and latencies (bounded; loopback only).
    Bench(bench::BenchArgs),
    /// Refold the event log and compare it with the stored projections.
    Rebuild {
        /// Report every projection that differs from the fold (exit 1 if any).
        #[arg(long)]
        verify: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Write a consistent copy of the SQLite database to FILE.
    Backup {
        /// Where to write the copy.
        #[arg(long)]
        to: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on [env: HEARTH_LISTEN] [default: 127.0.0.1:8080]
    #[arg(long)]
    listen: Option<String>,
    #[command(flatten)]
    store: StoreArgs,
    /// Create only the admin on first start, no demo organization [env: HEARTH_DEMO=0]
    #[arg(long)]
    no_demo: bool,
    #[command(flatten)]
    email: EmailArgs,
    #[command(flatten)]
    http: HttpArgs,
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create an API token for an agent and print it.
    Create {
        /// The agent's email.
        #[arg(long)]
        email: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create an administrator and print its one-time password.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Administrator")]
        name: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Debug, Subcommand)]
enum PasswordCommand {
    /// Set a new random password for an agent and print it.
    Reset {
        #[arg(long)]
        email: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("HEARTH_LOG")
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(run(cli))
}

async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    Ok(open_store_pg(config).await?.0)
}

/// The store, and the PostgreSQL adapter itself when it is one (for its event
/// notifications).
async fn open_store_pg(config: &Config) -> anyhow::Result<(Arc<dyn Store>, Option<PgStore>)> {
    let url = &config.database_url;
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let pg = PgStore::open(url).await.context("opening PostgreSQL")?;
        Ok((Arc::new(pg.clone()), Some(pg)))
    } else if url.starts_with("sqlite:") {
        Ok((
            Arc::new(
                SqliteStore::open(url)
                    .await
                    .with_context(|| format!("opening {url}"))?,
            ),
            None,
        ))
    } else {
        bail!("unsupported database URL '{url}': use sqlite://PATH or postgres://...")
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Token {
            command: TokenCommand::Create { email, store },
        } => {
            let app = app_for(&store).await?;
            let token = app
                .create_token(&email)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{token}");
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::Create { email, name, store },
        } => {
            let app = app_for(&store).await?;
            let password = app
                .create_admin(&email, &name)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("Created admin {email} with password: {password}");
            Ok(())
        }
        Command::Password {
            command: PasswordCommand::Reset { email, store },
        } => {
            let app = app_for(&store).await?;
            let password = app
                .reset_password(&email)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("New password for {email}: {password}");
            Ok(())
        }
        Command::Migrate(store) => {
            let config = Config::resolve(&store, None, false)?;
            open_store(&config).await?;
            println!("Migrations applied to {}", config.display_database());
            Ok(())
        }
        Command::Bench(args) => bench::run(args).await,
        Command::Rebuild { verify, store } => {
            if !verify {
                bail!(
                    "only `hearth rebuild --verify` is available: projections are always written with their events"
                );
            }
            let app = app_for(&store).await?;
            let report = app
                .verify_projections()
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "Folded {} events: {} conversations, {} items, {} customers, {} tasks.",
                report.events, report.conversations, report.items, report.customers, report.tasks
            );
            if report.differences.is_empty() {
                println!("No differences: every projection equals the fold of the log.");
                Ok(())
            } else {
                for d in &report.differences {
                    println!("DIFFERENCE {d}");
                }
                bail!(
                    "{} projections differ from the event log",
                    report.differences.len()
                )
            }
        }
        Command::Backup { to, store } => {
            let config = Config::resolve(&store, None, false)?;
            if !config.database_url.starts_with("sqlite:") {
                bail!("for PostgreSQL, back up with pg_dump (see README)");
            }
            let sqlite = SqliteStore::open(&config.database_url).await?;
            sqlite.backup_to(&to).await?;
            println!("Backed up {} to {to}", config.display_database());
            Ok(())
        }
    }
}

async fn app_for(store: &StoreArgs) -> anyhow::Result<App> {
    let config = Config::resolve(store, None, false)?;
    Ok(App::new(open_store(&config).await?, Arc::new(SystemClock)))
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = Config::resolve_serve(
        &args.store,
        args.listen.as_deref(),
        args.no_demo,
        &args.email,
        &args.http,
    )?;
    let relay = match &config.email.smtp_relay {
        Some(url) => Some(hearth_channels::email::send::Relay::parse(url)?),
        None => None,
    };
    let (store, pg) = open_store_pg(&config).await?;
    let allow_insecure = std::env::var("HEARTH_WEBHOOKS_ALLOW_INSECURE").is_ok_and(|v| v == "1");
    let sender = hearth_http::outbound::ReqwestSender::new(allow_insecure)
        .map_err(|e| anyhow::anyhow!("building the webhook client: {e}"))?;
    let policy = hearth_app::service::webhooks::WebhookPolicy { allow_insecure };
    let app =
        App::new(store.clone(), Arc::new(SystemClock)).with_webhooks(Arc::new(sender), policy);
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    let addr = listener.local_addr()?;
    // A restart replaces its own start-up token; another instance keeps the one it
    // printed. SQLite has one instance per database; on PostgreSQL an instance is
    // its host and configured address (the bound one when the port is chosen by
    // the system).
    let instance = if store.backend() == "sqlite" {
        String::new()
    } else {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_owned())
            .unwrap_or_default();
        let at = if config.listen.ends_with(":0") {
            addr.to_string()
        } else {
            config.listen.clone()
        };
        format!("{host}/{at}")
    };
    let info = app
        .start_as(config.demo, &instance)
        .await
        .map_err(|e| anyhow::anyhow!("initialising the organization: {e}"))?;
    let settings = app.settings().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let max_body = usize::try_from(settings.max_message_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(64 * 1024);
    let smtp_listener = match &config.email.smtp_listen {
        Some(at) => Some(tokio::net::TcpListener::bind(at).await.with_context(|| {
            format!("binding the SMTP listener to {at} (`--smtp-listen off` turns it off)")
        })?),
        None => None,
    };
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut workers = vec![
        (
            "the timer scheduler",
            tokio::spawn(run_timers(app.clone(), stopped.clone())),
        ),
        (
            "the webhook sender",
            tokio::spawn(run_webhooks(app.clone(), stopped.clone())),
        ),
        (
            "the email reader",
            tokio::spawn(hearth_channels::email::ingest::run(
                app.clone(),
                stopped.clone(),
            )),
        ),
        (
            "the sweeper of abandoned chats",
            tokio::spawn(hearth_channels::chat::run(app.clone(), stopped.clone())),
        ),
        (
            "the IMAP poller",
            tokio::spawn(hearth_channels::email::imap::run(
                app.clone(),
                stopped.clone(),
            )),
        ),
    ];
    let smtp_addr = match smtp_listener {
        Some(listener) => {
            let at = listener.local_addr()?;
            let tls = match &config.email.smtp_tls {
                Some((cert, key)) => Some(hearth_channels::email::smtp::tls_acceptor(cert, key)?),
                None => None,
            };
            let settings = hearth_channels::email::smtp::SmtpSettings {
                hostname: config.email.smtp_hostname.clone(),
                max_bytes: config.email.smtp_max_bytes,
                tls,
            };
            workers.push((
                "the SMTP listener",
                tokio::spawn(hearth_channels::email::smtp::serve(
                    listener,
                    app.clone(),
                    settings,
                    stopped.clone(),
                )),
            ));
            Some(at)
        }
        None => None,
    };
    if let Some(relay) = &relay {
        workers.push((
            "the email sender",
            tokio::spawn(hearth_channels::email::send::run(
                app.clone(),
                relay.clone(),
                config.email.smtp_hostname.clone(),
                Arc::new(tokio::sync::Notify::new()),
                stopped.clone(),
            )),
        ));
    }
    let shown = app.clone();
    let state = hearth_http::AppState::new(app, max_body).with_email_relay(relay.is_some());
    let limiter = state.limiter.clone();
    let limits = tokio::spawn(refresh_rate_limit(
        state.app.clone(),
        limiter,
        state.events.clone(),
    ));
    // Other instances' commits wake this one's live streams and chat sockets at once.
    let listening = match &pg {
        Some(pg) => {
            let events = state.events.clone();
            Some(
                pg.listen_events(move || hearth_app::ports::EventBus::published(events.as_ref()))
                    .await
                    .map_err(|e| anyhow::anyhow!("listening for other instances' events: {e}"))?,
            )
        }
        None => None,
    };
    let router = hearth_http::router_with(
        state,
        hearth_channels::email::http::api(),
        hearth_channels::chat::router(),
    );

    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "Hearth {} is running at http://{addr}/",
        env!("CARGO_PKG_VERSION")
    )?;
    writeln!(out, "Database: {}", config.display_database())?;
    match smtp_addr {
        Some(at) if config.email.smtp_tls.is_some() => {
            writeln!(out, "Email: receiving SMTP on {at} (STARTTLS offered)")?
        }
        Some(at) => writeln!(out, "Email: receiving SMTP on {at}")?,
        None => writeln!(out, "Email: the SMTP listener is off")?,
    }
    match &relay {
        Some(relay) => writeln!(out, "Email: sending through {}", relay.display)?,
        None => writeln!(
            out,
            "Email: no relay configured (--smtp-relay); replies wait in the outbox"
        )?,
    }
    if !info.created.is_empty() {
        let label = if config.demo {
            "Demo logins"
        } else {
            "Admin login"
        };
        writeln!(
            out,
            "{label} (passwords are shown once; `hearth password reset --email E` sets a new one):"
        )?;
        for login in &info.created {
            let roles: Vec<&str> = login.roles.iter().map(|r| r.as_str()).collect();
            writeln!(
                out,
                "  {:<20} password: {}  ({})",
                login.email,
                login.password,
                roles.join(", ")
            )?;
        }
    }
    match &info.admin_token {
        Some(token) => writeln!(out, "API token for {ADMIN_EMAIL}: {token}")?,
        None => writeln!(
            out,
            "No API token printed: {ADMIN_EMAIL} does not exist or is disabled; use `hearth token create --email E`."
        )?,
    }
    out.flush()?;
    drop(out);
    if !info.created.is_empty() {
        // Printed: later starts leave these passwords alone.
        shown
            .first_start_shown()
            .await
            .map_err(|e| anyhow::anyhow!("recording that the logins were shown: {e}"))?;
    }

    tracing::info!(%addr, backend = store.backend(), "serving");
    hearth_http::serve::serve(
        listener,
        router,
        http_limits(&config.http),
        shutdown_signal(),
    )
    .await;
    // In-flight timer work finishes its transaction before the store closes.
    let _ = stop.send(true);
    for (name, worker) in workers {
        if let Err(e) = worker.await {
            tracing::error!(error = %e, "{name} failed");
        }
    }
    limits.abort();
    if let Some(task) = listening {
        task.abort();
    }
    // The next start replays no routing input this one already folded.
    if let Err(e) = shown.snapshot_routing(1).await {
        tracing::warn!(error = %e.chain(), "the routing snapshot at shutdown failed");
    }
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// The listener's limits. Unless configured, the connection cap follows the
/// descriptor limit (raised to its hard limit first), leaving 256 for the database,
/// SMTP, files and the rest.
fn http_limits(http: &config::HttpConfig) -> hearth_http::serve::Limits {
    let descriptors = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!(error = %e, "reading the descriptor limit failed; assuming 1024");
            1024
        }
    };
    let fits = usize::try_from(descriptors.saturating_sub(256).clamp(64, 10_000)).unwrap_or(64);
    let max_connections = match http.max_connections {
        Some(n) => {
            if n > fits {
                tracing::warn!(
                    max_connections = n,
                    descriptors,
                    "max_connections is more than the descriptor limit leaves room for"
                );
            }
            n
        }
        None => fits,
    };
    hearth_http::serve::Limits {
        max_connections,
        header_timeout: http.header_timeout,
        body_timeout: http.body_timeout,
    }
}

/// Fires persisted timers (offer timeouts, routing delays, same-agent limits) when the
/// earliest is due, looking at least once a second so that timers armed by another
/// instance are not missed; stops when told to.
async fn run_timers(app: App, mut stop: tokio::sync::watch::Receiver<bool>) {
    const MAX_WAIT: std::time::Duration = std::time::Duration::from_secs(1);
    /// Routing inputs between snapshots of the routing state.
    const SNAPSHOT_EVERY: i64 = 1000;
    loop {
        if let Err(e) = app.snapshot_routing(SNAPSHOT_EVERY).await {
            tracing::warn!(error = %e.chain(), "a routing snapshot failed; the log stays whole");
        }
        match app.fire_due_timers().await {
            Ok(n) if n > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e.chain(), "firing timers failed; retrying"),
        }
        let wait = match app.next_timer_due().await {
            Ok(Some(due)) => {
                let ms = (due - app.now()).whole_milliseconds().clamp(0, 1000) as u64;
                std::time::Duration::from_millis(ms).min(MAX_WAIT)
            }
            _ => MAX_WAIT,
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Turns new events into webhook deliveries, sends the due ones, runs the scheduled
/// export when it is due and drops export jobs older than 14 days; once a second, or at once while there is more
/// to do; stops when told to.
async fn run_webhooks(app: App, mut stop: tokio::sync::watch::Receiver<bool>) {
    let prune_every = hearth_domain::Duration::hours(1);
    let mut last_prune: Option<hearth_domain::Timestamp> = None;
    loop {
        let mut busy = false;
        match app.fan_out_webhooks().await {
            Ok(n) => busy |= n > 0,
            Err(e) => {
                tracing::warn!(error = %e.chain(), "queueing webhook deliveries failed; retrying")
            }
        }
        match app.send_due_webhooks().await {
            Ok(n) => busy |= n > 0,
            Err(e) => tracing::warn!(error = %e.chain(), "sending webhooks failed; retrying"),
        }
        match app.run_scheduled_export().await {
            Ok(ran) => busy |= ran,
            Err(e) => tracing::warn!(error = %e.chain(), "the scheduled export failed; retrying"),
        }
        if last_prune.is_none_or(|at| app.now() - at >= prune_every) {
            match app.prune_export_jobs().await {
                Ok(_) => last_prune = Some(app.now()),
                Err(e) => {
                    tracing::warn!(error = %e.chain(), "pruning old export jobs failed; retrying")
                }
            }
        }
        if busy {
            continue;
        }
        tokio::select! {
            () = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Keeps the API rate limit in step with the organization setting.
async fn refresh_rate_limit(
    app: App,
    limiter: Arc<hearth_http::ratelimit::RateLimiter>,
    commits: Arc<hearth_http::push::Notifier>,
) {
    loop {
        hearth_http::ratelimit::refresh(&app, &limiter).await;
        // Read again after a commit (any instance's: a settings change is one), at
        // most five times a second, and every five seconds in any case.
        tokio::select! {
            () = commits.committed() => {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            () = tokio::time::sleep(std::time::Duration::from_secs(5)) => {}
        }
    }
}

/// Resolves on SIGINT or SIGTERM; in-flight requests then finish before exit.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
