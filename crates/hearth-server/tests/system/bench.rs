//! `hearth bench` against a running Hearth: a small bounded run of the standard
//! workload answers every request as expected and reports every operation; a
//! target off this machine is refused before anything is sent.

use std::process::Command;

use serde_json::{Value, json};

use crate::server::{Server, temp_dir};

fn bench(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hearth"))
        .arg("bench")
        .args(args)
        .env_remove("HEARTH_BENCH_TOKEN")
        .output()
        .unwrap()
}

#[tokio::test]
async fn a_bounded_bench_run_measures_every_operation() {
    let dir = temp_dir();
    let server = Server::start(&dir, None, &[]).await;
    // A load test runs without the per-credential rate limit.
    let (status, body) = server
        .patch("/api/v1/admin/settings", json!({"rateLimitPerSecond": 0}))
        .await;
    assert!(status < 300, "{status} {body}");
    let out = dir.join("bench.json");
    let run = tokio::task::spawn_blocking({
        let base = server.base.clone();
        let token = server.token.clone();
        let out = out.clone();
        move || {
            bench(&[
                "--url",
                &base,
                "--token",
                &token,
                "--clients",
                "3",
                "--requests",
                "120",
                "--seconds",
                "60",
                "--seed",
                "7",
                "--json",
                out.to_str().unwrap(),
            ])
        }
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let figures: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    for op in ["create", "message", "reply", "items", "queue", "close"] {
        let f = &figures["ops"][op];
        assert_eq!(f["errors"], 0, "{op}: {figures}");
        assert!(f["ok"].as_u64().unwrap() > 0, "{op}: {figures}");
        assert!(f["p99Ms"].as_f64().unwrap() >= f["p50Ms"].as_f64().unwrap());
        assert!(stdout.contains(op), "{stdout}");
    }
    let total: u64 = ["create", "message", "reply", "items", "queue", "close"]
        .iter()
        .map(|op| figures["ops"][op]["ok"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 120, "the run stops at its bound: {figures}");
    assert!(server.stop().await.success());
}

#[test]
fn a_target_off_this_machine_is_refused() {
    let run = bench(&["--url", "http://192.0.2.1:8080", "--token", "t"]);
    assert!(!run.status.success());
    assert!(
        String::from_utf8_lossy(&run.stderr).contains("loopback only"),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let run = bench(&["--token", "t", "--requests", "0"]);
    assert!(String::from_utf8_lossy(&run.stderr).contains("bounded"));
}
