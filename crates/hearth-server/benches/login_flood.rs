//! What a flood of wrong sign-ins does to everyone else: a fresh `hearth serve`
//! (SQLite, demo data) answers `GET /api/v1/me` for one API client, first alone,
//! then while anonymous clients send wrong passwords to `/login` as fast as they
//! are answered (each for an email of its own, so the per-account brake never
//! stops them and every attempt costs a password check). Prints the API's latency
//! percentiles and the server's memory before, at the peak and after. Loopback
//! only, bounded in clients, requests and time.
//!
//! `cargo bench -p hearth-server --bench login_flood -- [--clients 16]
//! [--requests 300]`; `HEARTH_BIN` points at another build of the binary to
//! compare.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::{rss_mib, start};

fn options() -> (usize, usize) {
    let (mut clients, mut requests) = (16, 300);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().cloned().unwrap_or_default();
        match arg.as_str() {
            "--clients" => clients = value().parse().expect("--clients takes a count"),
            "--requests" => requests = value().parse().expect("--requests takes a count"),
            _ => {}
        }
    }
    assert!(
        clients <= 64 && (1..=5000).contains(&requests),
        "bounded runs only: at most 64 clients and 5,000 requests"
    );
    (clients, requests)
}

/// `requests` sequential `GET /api/v1/me`; their latencies in milliseconds, sorted.
async fn latencies(client: &reqwest::Client, server: &common::Server, requests: usize) -> Vec<f64> {
    let mut took = Vec::with_capacity(requests);
    for _ in 0..requests {
        #[allow(clippy::disallowed_methods, reason = "a benchmark measures wall time")]
        let at = Instant::now();
        let status = client
            .get(format!("{}/api/v1/me", server.base))
            .basic_auth("admin@example.com", Some(&server.token))
            .send()
            .await
            .unwrap()
            .status();
        took.push(at.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(status, 200);
    }
    took.sort_by(f64::total_cmp);
    took
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at]
}

fn main() {
    let (clients, requests) = options();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = start();
        let pid = server.pid();
        let api = common::client(4);
        // The API client's requests in a row would meet the per-credential limit.
        let unlimited = api
            .patch(format!("{}/api/v1/admin/settings", server.base))
            .basic_auth("admin@example.com", Some(&server.token))
            .header("content-type", "application/json")
            .body(r#"{"rateLimitPerSecond": 0}"#)
            .send()
            .await
            .unwrap()
            .status();
        assert!(unlimited.is_success(), "turning the rate limit off: {unlimited}");
        tokio::time::sleep(Duration::from_secs(6)).await;
        // Warm up, then the API alone.
        latencies(&api, &server, 20).await;
        let quiet = latencies(&api, &server, requests).await;
        let rss_before = rss_mib(pid);

        let flooding = Arc::new(AtomicBool::new(true));
        let attempts = Arc::new(AtomicU64::new(0));
        let mut flood = Vec::new();
        for c in 0..clients {
            let (base, flooding, attempts) =
                (server.base.clone(), Arc::clone(&flooding), Arc::clone(&attempts));
            flood.push(tokio::spawn(async move {
                let client = common::client(2);
                let mut n = 0u64;
                while flooding.load(Ordering::Relaxed) {
                    n += 1;
                    let _ = client
                        .post(format!("{base}/login"))
                        .header("cookie", "hearth_csrf=flood")
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(format!(
                            "csrf=flood&email=nobody-{c}-{n}%40example.com&password=wrong"
                        ))
                        .send()
                        .await;
                    attempts.fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
        let peak = Arc::new(AtomicU64::new(rss_before));
        let sampler = {
            let (peak, flooding) = (Arc::clone(&peak), Arc::clone(&flooding));
            tokio::spawn(async move {
                while flooding.load(Ordering::Relaxed) {
                    peak.fetch_max(rss_mib(pid), Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            })
        };
        // Let the flood build up, then the API again.
        tokio::time::sleep(Duration::from_secs(2)).await;
        #[allow(clippy::disallowed_methods, reason = "a benchmark measures wall time")]
        let started = Instant::now();
        let loud = latencies(&api, &server, requests).await;
        let seconds = started.elapsed().as_secs_f64();
        flooding.store(false, Ordering::Relaxed);
        for f in flood {
            let _ = f.await;
        }
        let _ = sampler.await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let rss_after = rss_mib(pid);
        let peak = peak.load(Ordering::Relaxed).max(rss_after);

        println!(
            "binary: {}",
            std::env::var("HEARTH_BIN").unwrap_or_else(|_| "this build".into())
        );
        println!("| GET /api/v1/me ({requests} in a row) | p50 | p95 | p99 |");
        println!("|---|---|---|---|");
        for (label, l) in [("alone", &quiet), (&*format!("during {clients} login clients"), &loud)] {
            println!(
                "| {label} | {:.1} ms | {:.1} ms | {:.1} ms |",
                pct(l, 0.5),
                pct(l, 0.95),
                pct(l, 0.99)
            );
        }
        println!(
            "sign-in attempts answered: {} in about {:.0} s; server RSS {rss_before} MiB before, {peak} MiB at the peak, {rss_after} MiB after",
            attempts.load(Ordering::Relaxed),
            seconds + 2.0
        );
    });
}
