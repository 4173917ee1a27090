//! `hearth bench`: Hearth's own load generator. Closed loop: each client sends one
//! request, waits for the answer, and sends the next, choosing the operation from
//! the workload with a seeded generator, so two runs with one seed ask the same
//! things. Bounded by a number of requests and a time, whichever ends first, and
//! aimed at loopback only. Prints per operation the throughput and the p50, p95
//! and p99 latencies, as a table and, when asked, as JSON.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use serde_json::{Value, json};

/// The operations of the standard workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum Op {
    /// A new customer's email (creates a customer and a conversation).
    Create,
    /// A known customer writes again (joins their conversation).
    Message,
    /// An agent replies to the customer's message.
    Reply,
    /// The conversation with its items.
    Items,
    /// The open queue, 50 by routing order.
    Queue,
    /// Close the conversation.
    Close,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::Message => "message",
            Op::Reply => "reply",
            Op::Items => "items",
            Op::Queue => "queue",
            Op::Close => "close",
        }
    }
}

/// `hearth bench` arguments.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// The Hearth to load: loopback only (127.0.0.0/8, ::1 or localhost).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// The agent whose API token the requests carry (ADMIN and API_USER).
    #[arg(long, default_value = "admin@example.com")]
    email: String,
    /// That agent's API token (the start-up banner prints the admin's).
    #[arg(long, env = "HEARTH_BENCH_TOKEN")]
    token: String,
    /// The EMAIL entry point new customers write to.
    #[arg(long, default_value = "support@example.com")]
    entry_point: String,
    /// Clients working at once.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Requests in all (1 to 1,000,000).
    #[arg(long, default_value_t = 2000)]
    requests: u64,
    /// The most seconds the run takes (1 to 3,600).
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// The seed of the workload's choices.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The operations to mix, equally often.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "create,message,reply,items,queue,close"
    )]
    ops: Vec<Op>,
    /// Also write the figures as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
}

/// What one client measured.
#[derive(Debug, Default)]
struct Tally {
    /// Latencies of the answers that were as expected, per operation.
    ok: BTreeMap<Op, Vec<Duration>>,
    errors: BTreeMap<Op, u64>,
    /// The first few unexpected answers, to say what went wrong.
    samples: Vec<String>,
}

/// A small seeded generator (xorshift64*): the workload's choices only, nothing
/// secret, and no crate is worth adding for it.
struct Choices(u64);

impl Choices {
    fn new(seed: u64) -> Choices {
        Choices(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        usize::try_from(x % u64::try_from(n.max(1)).unwrap_or(1)).unwrap_or(0)
    }
}

/// Refuses targets off this machine and runs without bounds.
fn check(args: &BenchArgs) -> anyhow::Result<url::Url> {
    let url = url::Url::parse(&args.url).with_context(|| format!("--url {}", args.url))?;
    if url.scheme() != "http" {
        bail!("--url must be http:// on loopback, not {}", url.scheme());
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    };
    if !loopback {
        bail!(
            "hearth bench loads loopback only (127.0.0.1, ::1 or localhost), not {}",
            url.host_str().unwrap_or_default()
        );
    }
    if !(1..=1_000_000).contains(&args.requests) {
        bail!("--requests must be 1 to 1,000,000: a run is bounded");
    }
    if !(1..=3600).contains(&args.seconds) {
        bail!("--seconds must be 1 to 3,600: a run is bounded");
    }
    if !(1..=256).contains(&args.clients) {
        bail!("--clients must be 1 to 256");
    }
    if args.ops.is_empty() {
        bail!("--ops names no operation");
    }
    Ok(url)
}

/// One conversation a client created and works on.
#[derive(Debug, Clone)]
struct Work {
    address: String,
    conversation: String,
    item: String,
}

struct Client {
    http: reqwest::Client,
    base: String,
    auth: String,
    entry_point: String,
    prefix: String,
    created: u64,
    work: Vec<Work>,
}

impl Client {
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<(u16, Value)> {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("authorization", &self.auth);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await?;
        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok((status, value))
    }

    /// Runs `op`; `Ok(true)` when the answer was as expected.
    async fn run(&mut self, op: Op, pick: usize) -> anyhow::Result<(bool, String)> {
        let chosen = if self.work.is_empty() {
            None
        } else {
            Some(pick % self.work.len())
        };
        match (op, chosen) {
            (Op::Queue, _) => {
                let (s, v) = self
                    .send(reqwest::Method::GET, "/api/v1/queue?limit=50", None)
                    .await?;
                Ok((s == 200, format!("queue {s} {v}")))
            }
            (Op::Message, Some(i)) => {
                let address = self.work[i].address.clone();
                let (s, v) = self
                    .inbound(&address, "One more thing about my order.")
                    .await?;
                Ok((s == 201, format!("message {s} {v}")))
            }
            (Op::Reply, Some(i)) => {
                let item = self.work[i].item.clone();
                let (s, v) = self
                    .send(
                        reqwest::Method::POST,
                        &format!("/api/v1/conversation-items/{item}/reply"),
                        Some(json!({"content": {"type": "EMAIL", "body": "It is on its way."}})),
                    )
                    .await?;
                Ok((s == 201, format!("reply {s} {v}")))
            }
            (Op::Items, Some(i)) => {
                let conv = self.work[i].conversation.clone();
                let (s, v) = self
                    .send(
                        reqwest::Method::GET,
                        &format!("/api/v1/conversations/{conv}/items"),
                        None,
                    )
                    .await?;
                Ok((s == 200, format!("items {s} {v}")))
            }
            (Op::Close, Some(i)) => {
                let work = self.work.swap_remove(i);
                let (s, v) = self
                    .send(
                        reqwest::Method::PATCH,
                        &format!("/api/v1/conversations/{}", work.conversation),
                        Some(json!({"status": {"value": "CLOSED", "force": true}})),
                    )
                    .await?;
                Ok((s == 204, format!("close {s} {v}")))
            }
            // Nothing to work on yet: a new customer writes first.
            (Op::Create, _) | (_, None) => self.create().await,
        }
    }

    async fn inbound(&self, address: &str, text: &str) -> anyhow::Result<(u16, Value)> {
        self.send(
            reqwest::Method::POST,
            "/api/v1/contacts/inbound",
            Some(json!({"channel": "EMAIL", "entryPoint": self.entry_point,
                        "from": {"address": address, "name": "Bench Customer"},
                        "content": {"subject": "My order", "content": text}})),
        )
        .await
    }

    async fn create(&mut self) -> anyhow::Result<(bool, String)> {
        self.created += 1;
        let address = format!("{}-{}@bench.example", self.prefix, self.created);
        let (s, v) = self.inbound(&address, "Where is my order?").await?;
        if s == 201
            && let (Some(conversation), Some(item)) =
                (v["conversationId"].as_str(), v["itemId"].as_str())
        {
            self.work.push(Work {
                address,
                conversation: conversation.to_owned(),
                item: item.to_owned(),
            });
            return Ok((true, String::new()));
        }
        Ok((false, format!("create {s} {v}")))
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "an index into a list of latencies"
    )]
    let at = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[at.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

/// Runs the bench and prints its figures.
pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let url = check(&args)?;
    // Plain HTTP on loopback needs no TLS, but the client is built with a provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.clients)
        .timeout(Duration::from_secs(30))
        .build()
        .context("building the HTTP client")?;
    use base64::Engine as _;
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", args.email, args.token))
    );
    let base = url.as_str().trim_end_matches('/').to_owned();
    let probe = http
        .get(format!("{base}/api/v1/queue?limit=1"))
        .header("authorization", &auth)
        .send()
        .await
        .with_context(|| format!("reaching {base}"))?;
    if !probe.status().is_success() {
        bail!(
            "{base} answered {} to the token of {}: check --email and --token",
            probe.status(),
            args.email
        );
    }
    let sent = Arc::new(AtomicU64::new(0));
    let progress = indicatif::ProgressBar::new(args.requests);
    progress.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} requests, {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    #[allow(
        clippy::disallowed_methods,
        reason = "a load generator measures wall time"
    )]
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for n in 0..args.clients {
        let mut client = Client {
            http: http.clone(),
            base: base.clone(),
            auth: auth.clone(),
            entry_point: args.entry_point.clone(),
            prefix: format!("s{}c{n}", args.seed),
            created: 0,
            work: Vec::new(),
        };
        let ops = args.ops.clone();
        let sent = sent.clone();
        let progress = progress.clone();
        let limit = args.requests;
        let mut choices = Choices::new(args.seed.wrapping_add(n as u64));
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            loop {
                #[allow(
                    clippy::disallowed_methods,
                    reason = "a load generator measures wall time"
                )]
                let now = Instant::now();
                if now >= deadline || sent.fetch_add(1, Ordering::Relaxed) >= limit {
                    break;
                }
                let op = ops[choices.below(ops.len())];
                let pick = choices.below(1 << 20);
                #[allow(
                    clippy::disallowed_methods,
                    reason = "a load generator measures wall time"
                )]
                let began = Instant::now();
                let outcome = client.run(op, pick).await;
                let took = began.elapsed();
                progress.inc(1);
                match outcome {
                    Ok((true, _)) => tally.ok.entry(op).or_default().push(took),
                    Ok((false, what)) => {
                        *tally.errors.entry(op).or_default() += 1;
                        if tally.samples.len() < 3 {
                            tally.samples.push(what.chars().take(300).collect());
                        }
                    }
                    Err(e) => {
                        *tally.errors.entry(op).or_default() += 1;
                        if tally.samples.len() < 3 {
                            tally.samples.push(e.to_string());
                        }
                    }
                }
            }
            tally
        }));
    }
    let mut all = Tally::default();
    for t in tasks {
        let tally = t.await.context("a bench client failed")?;
        for (op, mut list) in tally.ok {
            all.ok.entry(op).or_default().append(&mut list);
        }
        for (op, n) in tally.errors {
            *all.errors.entry(op).or_default() += n;
        }
        all.samples.extend(tally.samples);
    }
    progress.finish_and_clear();
    let wall = started.elapsed().as_secs_f64();
    let mut figures = serde_json::Map::new();
    println!(
        "{:<8} {:>8} {:>7} {:>9} {:>9} {:>9} {:>9}",
        "op", "ok", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms"
    );
    for op in &args.ops {
        if figures.contains_key(op.name()) {
            continue;
        }
        let mut list = all.ok.get(op).cloned().unwrap_or_default();
        list.sort();
        let errors = all.errors.get(op).copied().unwrap_or(0);
        #[allow(clippy::cast_precision_loss, reason = "a count of requests")]
        let rate = list.len() as f64 / wall;
        let (p50, p95, p99) = (
            percentile(&list, 50.0),
            percentile(&list, 95.0),
            percentile(&list, 99.0),
        );
        println!(
            "{:<8} {:>8} {:>7} {:>9.1} {:>9.2} {:>9.2} {:>9.2}",
            op.name(),
            list.len(),
            errors,
            rate,
            p50,
            p95,
            p99
        );
        figures.insert(
            op.name().to_owned(),
            json!({"ok": list.len(), "errors": errors, "perSecond": rate,
                   "p50Ms": p50, "p95Ms": p95, "p99Ms": p99}),
        );
    }
    println!(
        "{} clients, seed {}, {:.1} s",
        args.clients, args.seed, wall
    );
    for s in all.samples.iter().take(5) {
        eprintln!("unexpected answer: {s}");
    }
    if all.samples.iter().any(|s| s.contains(" 429 ")) {
        eprintln!(
            "The server limits requests per credential (429): for a load test, set \
             rateLimitPerSecond to 0 with PATCH /api/v1/admin/settings, and back afterwards."
        );
    }
    if let Some(path) = &args.json {
        let doc = json!({"clients": args.clients, "seed": args.seed, "seconds": wall,
                         "requests": args.requests, "ops": figures});
        std::fs::write(path, serde_json::to_string_pretty(&doc)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        bench: BenchArgs,
    }

    fn args(extra: &[&str]) -> BenchArgs {
        let mut all = vec!["bench", "--token", "t"];
        all.extend_from_slice(extra);
        Cli::parse_from(all).bench
    }

    #[test]
    fn only_bounded_runs_on_loopback_are_taken() {
        assert!(check(&args(&[])).is_ok());
        assert!(check(&args(&["--url", "http://localhost:9/"])).is_ok());
        assert!(check(&args(&["--url", "http://[::1]:9"])).is_ok());
        for (extra, why) in [
            (&["--url", "http://example.com"][..], "loopback"),
            (&["--url", "http://10.0.0.1:8080"][..], "loopback"),
            (&["--url", "https://127.0.0.1"][..], "http://"),
            (&["--requests", "0"][..], "bounded"),
            (&["--seconds", "0"][..], "bounded"),
            (&["--clients", "0"][..], "clients"),
        ] {
            let e = check(&args(extra)).expect_err(why);
            assert!(e.to_string().contains(why), "{extra:?}: {e}");
        }
    }

    #[test]
    fn one_seed_makes_the_same_choices() {
        let mut a = Choices::new(7);
        let mut b = Choices::new(7);
        let seq: Vec<usize> = (0..20).map(|_| a.below(6)).collect();
        assert_eq!(seq, (0..20).map(|_| b.below(6)).collect::<Vec<_>>());
        assert!(seq.iter().all(|n| *n < 6));
        assert!(seq.iter().any(|n| *n != seq[0]), "{seq:?}");
    }

    #[test]
    fn percentiles_read_a_sorted_list() {
        let list: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&list, 50.0).round(), 51.0);
        assert_eq!(percentile(&list, 99.0).round(), 99.0);
        assert_eq!(percentile(&[], 99.0), 0.0);
    }
}
