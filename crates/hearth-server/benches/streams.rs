//! What open live streams cost the server: for each count of open
//! `GET /api/v1/stream` connections, a fresh `hearth serve` (SQLite, demo data) takes
//! a steady load of commits (new SMS conversations and the admin's availability
//! changes, alternately) while the streams listen, and the server's CPU time over
//! the load is read from /proc. Loopback only, bounded in streams, rate and time.
//!
//! `cargo bench -p hearth-server --bench streams -- [--streams 0,100,1000]
//! [--rate 20] [--seconds 20]`; `HEARTH_BIN` points at another build of the binary
//! to compare (the same load, one run).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::{cpu_seconds, start};
use serde_json::json;

struct Options {
    streams: Vec<usize>,
    rate: u32,
    seconds: u64,
}

fn options() -> Options {
    let mut o = Options {
        streams: vec![0, 100, 1000],
        rate: 20,
        seconds: 20,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().cloned().unwrap_or_default();
        match arg.as_str() {
            "--streams" => {
                o.streams = value()
                    .split(',')
                    .map(|n| {
                        n.trim()
                            .parse()
                            .expect("--streams takes counts like 0,100,1000")
                    })
                    .collect();
            }
            "--rate" => o.rate = value().parse().expect("--rate takes commits per second"),
            "--seconds" => o.seconds = value().parse().expect("--seconds takes a duration"),
            // cargo bench passes --bench; nothing else is ours.
            _ => {}
        }
    }
    assert!(
        o.streams.iter().all(|n| *n <= 2000) && (1..=200).contains(&o.rate) && o.seconds <= 120,
        "bounded runs only: at most 2,000 streams, 200 commits/s, 120 s"
    );
    o
}

struct Figures {
    streams: usize,
    commits: u64,
    seconds: f64,
    cpu: f64,
    least_delivered: u64,
}

async fn run(streams: usize, rate: u32, seconds: u64) -> Figures {
    let server = start();
    let pid = server.pid();
    let client = common::client(streams + 8);
    let auth = |r: reqwest::RequestBuilder| r.basic_auth("admin@example.com", Some(&server.token));
    // One credential opens every stream: no per-second limit for this run.
    let unlimited = auth(client.patch(format!("{}/api/v1/admin/settings", server.base)))
        .json(&json!({"rateLimitPerSecond": 0}))
        .send()
        .await
        .unwrap()
        .status();
    assert!(
        unlimited.is_success(),
        "turning the rate limit off: {unlimited}"
    );
    tokio::time::sleep(Duration::from_secs(6)).await;

    // The streams, each counting the events it is handed.
    let mut counters = Vec::new();
    let mut tasks = Vec::new();
    for _ in 0..streams {
        let response = auth(client.get(format!("{}/api/v1/stream", server.base)))
            .send()
            .await
            .expect("a stream opens");
        assert_eq!(response.status(), 200);
        let count = Arc::new(AtomicU64::new(0));
        counters.push(Arc::clone(&count));
        tasks.push(tokio::spawn(async move {
            let mut response = response;
            while let Ok(Some(chunk)) = response.chunk().await {
                let n = chunk.windows(3).filter(|w| w == b"id:").count();
                count.fetch_add(n as u64, Ordering::Relaxed);
            }
        }));
    }

    // Settle, then the load: one commit every 1/rate s.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let cpu_before = cpu_seconds(pid);
    #[allow(clippy::disallowed_methods, reason = "a benchmark measures wall time")]
    let started = Instant::now();
    let mut ticks = tokio::time::interval(Duration::from_secs(1) / rate);
    let mut commits = 0u64;
    while started.elapsed() < Duration::from_secs(seconds) {
        ticks.tick().await;
        let status = if commits.is_multiple_of(2) {
            auth(client.post(format!("{}/api/v1/contacts/inbound", server.base)))
                .json(&json!({
                    "channel": "SMS",
                    "entryPoint": "+12065550100",
                    "from": {"address": format!("+1206{:07}", commits)},
                    "content": {"content": "Where is my order?"}
                }))
                .send()
                .await
                .unwrap()
                .status()
        } else {
            let channels = if commits % 4 == 1 {
                json!(["MAIL"])
            } else {
                json!([])
            };
            auth(client.put(format!("{}/api/v1/me/availability", server.base)))
                .json(&json!({ "availableFor": channels }))
                .send()
                .await
                .unwrap()
                .status()
        };
        assert!(status.is_success(), "a commit failed: {status}");
        commits += 1;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds(pid) - cpu_before;
    // The last events reach the streams.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let least = counters
        .iter()
        .map(|c| c.load(Ordering::Relaxed))
        .min()
        .unwrap_or(0);
    for t in tasks {
        t.abort();
    }
    drop(server);
    Figures {
        streams,
        commits,
        seconds: elapsed,
        cpu,
        least_delivered: least,
    }
}

fn main() {
    let o = options();
    // Each stream is a socket here and one in the server.
    if let Err(e) = rlimit::increase_nofile_limit(u64::MAX) {
        eprintln!("could not raise the descriptor limit: {e}");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!(
        "binary: {}",
        std::env::var("HEARTH_BIN").unwrap_or_else(|_| "this build".into())
    );
    println!(
        "| open streams | commits | commits/s | server CPU | CPU s per commit | fewest events one stream got |"
    );
    println!("|---|---|---|---|---|---|");
    for &n in &o.streams {
        let f = runtime.block_on(run(n, o.rate, o.seconds));
        println!(
            "| {} | {} | {:.1} | {:.0} % | {:.4} | {} |",
            f.streams,
            f.commits,
            f.commits as f64 / f.seconds,
            100.0 * f.cpu / f.seconds,
            f.cpu / f.commits as f64,
            if f.streams == 0 {
                "-".to_owned()
            } else {
                f.least_delivered.to_string()
            }
        );
    }
}
