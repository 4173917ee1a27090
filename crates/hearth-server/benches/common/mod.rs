//! What the benchmarks of the binary share: starting `hearth serve` on loopback
//! with the demo data in a directory of its own, and reading the process's CPU time
//! and memory from /proc.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

/// A running server; killed and its data removed when dropped.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub token: String,
    pub banner: Vec<String>,
    dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Server {
    /// The demo password the banner printed for `email`.
    #[allow(dead_code, reason = "not every benchmark signs in")]
    pub fn password_of(&self, email: &str) -> String {
        self.banner
            .iter()
            .find(|l| l.trim_start().starts_with(email))
            .and_then(|l| l.split("password: ").nth(1))
            .and_then(|rest| rest.split_whitespace().next())
            .expect("the banner prints the password")
            .to_owned()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// Starts the binary named by `HEARTH_BIN`, else this build's.
pub fn start() -> Server {
    let bin = std::env::var("HEARTH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_hearth").into());
    let dir = std::env::temp_dir().join(format!("hearth-bench-{}", run_id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = Command::new(bin)
        .args(["serve", "--listen", "127.0.0.1:0", "--smtp-listen", "off"])
        .env("HEARTH_DATA_DIR", &dir)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("hearth starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut base, mut token, mut banner) = (String::new(), String::new(), Vec::new());
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(at) = line.split("running at ").nth(1) {
            base = at.trim_end_matches('/').to_owned();
        }
        banner.push(line.clone());
        if let Some(t) = line.strip_prefix("API token for admin@example.com: ") {
            token = t.to_owned();
            break;
        }
    }
    assert!(
        base.starts_with("http://127.0.0.1:"),
        "loopback only: {base}"
    );
    Server {
        child,
        base,
        token,
        banner,
        dir,
    }
}

/// A name no other run uses: the process and a counter.
fn run_id() -> String {
    static RUNS: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        RUNS.fetch_add(1, Ordering::Relaxed)
    )
}

/// The process's user + system CPU time so far, in seconds.
#[allow(dead_code, reason = "not every benchmark reads CPU time")]
pub fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/<pid>/stat");
    // The fields after the command name (which may hold spaces) closed by ')'.
    let rest = stat.rsplit_once(')').expect("stat format").1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    // USER_HZ is 100 on Linux.
    ticks / 100.0
}

/// The process's resident memory in MiB.
#[allow(dead_code, reason = "not every benchmark reads memory")]
pub fn rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(0, |kib| kib / 1024)
}

/// A client for loopback with reqwest's TLS provider installed.
pub fn client(idle: usize) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .pool_max_idle_per_host(idle)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}
