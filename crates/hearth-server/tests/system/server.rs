//! Runs the real `hearth` binary on a port the OS picks, reads its start banner from
//! stdout (no sleeps: the banner is printed once the listener is bound), and talks
//! to it with a real HTTP client.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

/// reqwest is built without a TLS provider of its own (Hearth installs ring); the
/// tests install the same before building clients.
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// A loopback port free right now (for peers that cannot take port 0).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "hearth_system_{}_{}",
        std::process::id(),
        hearth_app::clock::new_id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn command(args: &[&str], dir: &Path, database_url: Option<&str>) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hearth"));
    c.args(args).arg("--data-dir").arg(dir);
    if let Some(url) = database_url {
        c.arg("--database-url").arg(url);
    }
    c.env("HEARTH_LOG", "warn")
        .env_remove("DATABASE_URL")
        .env_remove("HEARTH_DEMO")
        .env_remove("HEARTH_LISTEN")
        .env_remove("HEARTH_DATA_DIR")
        .env_remove("HEARTH_SMTP_RELAY")
        // Tests run side by side: each listener takes a port of its own.
        .env("HEARTH_SMTP_LISTEN", "127.0.0.1:0");
    c
}

/// Runs a one-shot `hearth` command.
pub fn hearth(args: &[&str], dir: &Path, database_url: Option<&str>) -> Output {
    command(args, dir, database_url).output().unwrap()
}

pub struct Server {
    child: Child,
    pub base: String,
    pub token: String,
    pub banner: Vec<String>,
    client: reqwest::Client,
}

impl Server {
    pub async fn start(dir: &Path, database_url: Option<&str>, extra: &[&str]) -> Server {
        let mut args = vec!["serve", "--listen", "127.0.0.1:0"];
        args.extend_from_slice(extra);
        let mut child = command(&args, dir, database_url)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut banner = Vec::new();
        loop {
            let line = rx
                .recv_timeout(Duration::from_secs(60))
                .expect("the server prints its banner");
            let last = line.starts_with("API token for ") || line.starts_with("No API token");
            banner.push(line);
            if last {
                break;
            }
        }
        let base = banner[0]
            .split("running at ")
            .nth(1)
            .unwrap()
            .trim_end_matches('/')
            .to_owned();
        let token = banner
            .last()
            .unwrap()
            .rsplit(' ')
            .next()
            .unwrap()
            .to_owned();
        Server {
            child,
            base,
            token,
            banner,
            client: http_client(),
        }
    }

    /// The demo password the banner printed for `email`.
    pub fn password_of(&self, email: &str) -> String {
        self.banner
            .iter()
            .find(|l| l.trim_start().starts_with(email))
            .and_then(|l| l.split("password: ").nth(1))
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("the banner prints {email}'s password"))
            .to_owned()
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Polls `path` until `done` holds for its answer (channels work in the
    /// background); panics with the last answer after thirty seconds.
    pub async fn wait_for(&self, path: &str, done: impl Fn(&Value) -> bool) -> Value {
        let mut last = Value::Null;
        for _ in 0..300 {
            let (status, value) = self.get(path).await;
            if status == 200 && done(&value) {
                return value;
            }
            last = value;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{path} never got there; last answer: {last}");
    }

    /// The demo organization's entry point of `channel`, as the admin API shows it.
    pub async fn entry_point(&self, channel: &str) -> Value {
        let (_, entry_points) = self.get("/api/v1/admin/entry-points").await;
        entry_points
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["channel"] == channel)
            .unwrap_or_else(|| panic!("no {channel} entry point"))
            .clone()
    }

    /// The port of the SMTP listener, from the banner.
    pub fn smtp_port(&self) -> Option<u16> {
        self.banner.iter().find_map(|l| {
            l.strip_prefix("Email: receiving SMTP on ")?
                .split_whitespace()
                .next()?
                .rsplit(':')
                .next()?
                .parse()
                .ok()
        })
    }

    /// POSTs raw bytes with `content_type`.
    pub async fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
        self.send(
            self.client
                .post(format!("{}{path}", self.base))
                .header("content-type", content_type)
                .body(body),
            "admin@example.com",
            &self.token,
        )
        .await
    }

    async fn send(&self, req: reqwest::RequestBuilder, user: &str, token: &str) -> (u16, Value) {
        let resp = req.basic_auth(user, Some(token)).send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            if text.is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&text).unwrap_or(Value::String(text))
            },
        )
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send(
            self.client.get(format!("{}{path}", self.base)),
            "admin@example.com",
            &self.token,
        )
        .await
    }

    pub async fn get_status(&self, path: &str) -> u16 {
        self.get(path).await.0
    }

    pub async fn get_status_as(&self, path: &str, user: &str, token: &str) -> u16 {
        self.send(self.client.get(format!("{}{path}", self.base)), user, token)
            .await
            .0
    }

    pub async fn get_as(&self, path: &str, user: &str, token: &str) -> (u16, Value) {
        self.send(self.client.get(format!("{}{path}", self.base)), user, token)
            .await
    }

    pub async fn put_as(&self, path: &str, user: &str, token: &str, body: Value) -> (u16, Value) {
        self.send(
            self.client.put(format!("{}{path}", self.base)).json(&body),
            user,
            token,
        )
        .await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(
            self.client.post(format!("{}{path}", self.base)).json(&body),
            "admin@example.com",
            &self.token,
        )
        .await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(
            self.client
                .patch(format!("{}{path}", self.base))
                .json(&body),
            "admin@example.com",
            &self.token,
        )
        .await
    }

    /// Sends SIGTERM and waits for the process to exit.
    pub async fn stop(mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(killed.success());
        tokio::task::spawn_blocking(move || self.child.wait().unwrap())
            .await
            .unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}
