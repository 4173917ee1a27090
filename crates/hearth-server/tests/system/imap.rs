//! IMAP polling against Debian's dovecot: the demo email entry point is given a
//! mailbox through the admin API (its password never comes back); a message
//! delivered to the mailbox becomes a conversation; Hearth stops, another message
//! arrives meanwhile, Hearth starts again: the new one comes in and the first is not
//! taken twice; both are flagged `\Seen` on the server.
//!
//! Needs `dovecot` on the PATH or in /usr/sbin; without it the test is skipped with
//! a notice unless `HEARTH_REQUIRE_EMAIL_PEERS=1`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;

use crate::server::{self, Server};

struct Dovecot {
    child: Child,
    port: u16,
    maildir: PathBuf,
    /// The owner of delivered files (dovecot will not serve mail as root).
    uid: u32,
    delivered: usize,
}

fn dovecot_binary() -> Option<PathBuf> {
    ["/usr/sbin/dovecot", "/usr/local/sbin/dovecot"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

fn current_uid() -> u32 {
    let out = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

impl Dovecot {
    async fn start() -> Option<Dovecot> {
        let Some(binary) = dovecot_binary() else {
            assert!(
                std::env::var("HEARTH_REQUIRE_EMAIL_PEERS").as_deref() != Ok("1"),
                "HEARTH_REQUIRE_EMAIL_PEERS=1 but dovecot is not installed"
            );
            eprintln!("notice: dovecot not found: skipping the IMAP test");
            return None;
        };
        let dir = server::temp_dir().join("dovecot");
        let home = dir.join("home");
        let maildir = home.join("Maildir");
        for sub in ["new", "cur", "tmp"] {
            std::fs::create_dir_all(maildir.join(sub)).unwrap();
        }
        for sub in ["run", "state"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        let uid = match current_uid() {
            0 => 65534,
            other => other,
        };
        let chown = |path: &Path| {
            if current_uid() == 0 {
                let ok = Command::new("chown")
                    .args(["-R", &format!("{uid}:{uid}")])
                    .arg(path)
                    .status()
                    .unwrap();
                assert!(ok.success());
            }
        };
        chown(&home);
        // The temp directories above it must be passable for the mail user.
        let mut up = dir.clone();
        while let Some(parent) = up.parent() {
            if parent == std::env::temp_dir() || parent == Path::new("/") {
                break;
            }
            let _ = Command::new("chmod").arg("755").arg(parent).status();
            up = parent.to_path_buf();
        }
        let _ = Command::new("chmod").arg("755").arg(&dir).status();
        std::fs::write(
            dir.join("passwd"),
            "support@example.com:{PLAIN}secret::::::\n",
        )
        .unwrap();
        let port = server::free_port();
        let d = dir.display();
        let config = format!(
            "protocols = imap\nlisten = 127.0.0.1\nbase_dir = {d}/run\nstate_dir = {d}/state\n\
             log_path = {d}/dovecot.log\nssl = no\ndisable_plaintext_auth = no\n\
             auth_mechanisms = plain login\nfirst_valid_uid = 1\n\
             passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {d}/passwd\n}}\n\
             userdb {{\n  driver = static\n  args = uid={uid} gid={uid} home={home}\n}}\n\
             mail_location = maildir:~/Maildir\n\
             service imap-login {{\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n  inet_listener imaps {{\n    port = 0\n  }}\n}}\n\
             service pop3-login {{\n  inet_listener pop3 {{\n    port = 0\n  }}\n}}\n\
             service submission-login {{\n  inet_listener submission {{\n    port = 0\n  }}\n}}\n",
            home = home.display()
        );
        std::fs::write(dir.join("dovecot.conf"), config).unwrap();
        let child = Command::new(binary)
            .arg("-F")
            .arg("-c")
            .arg(dir.join("dovecot.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        // Dropped (and so killed) on the panic below too.
        let dovecot = Dovecot {
            child,
            port,
            maildir,
            uid,
            delivered: 0,
        };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Some(dovecot);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("dovecot did not listen on {port}; see {d}/dovecot.log");
    }

    /// Delivers a message into the mailbox, as a local delivery agent would.
    fn deliver(&mut self, message: &str) {
        self.delivered += 1;
        let name = format!(
            "{}.{}.hearth-test",
            1_700_000_000 + self.delivered,
            self.delivered
        );
        let tmp = self.maildir.join("tmp").join(&name);
        std::fs::write(&tmp, message.replace('\n', "\r\n")).unwrap();
        if current_uid() == 0 {
            let ok = Command::new("chown")
                .arg(format!("{0}:{0}", self.uid))
                .arg(&tmp)
                .status()
                .unwrap();
            assert!(ok.success());
        }
        std::fs::rename(&tmp, self.maildir.join("new").join(&name)).unwrap();
    }

    /// The flags dovecot keeps in each message's file name (`...:2,S` when seen).
    fn all_seen(&self) -> bool {
        let cur: Vec<String> = std::fs::read_dir(self.maildir.join("cur"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        let new = std::fs::read_dir(self.maildir.join("new")).unwrap().count();
        new == 0
            && cur.len() == self.delivered
            && cur
                .iter()
                .all(|n| n.rsplit_once(":2,").is_some_and(|(_, f)| f.contains('S')))
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn message(n: u32) -> String {
    format!(
        "From: Lee <lee@customer.example>\nTo: support@example.com\nSubject: Via IMAP {n}\n\
         Message-ID: <imap-{n}@customer.example>\n\nMessage number {n}\n"
    )
}

async fn imap_mailbox_is_drained_once_across_a_restart(database_url: Option<&str>) {
    let Some(mut dovecot) = Dovecot::start().await else {
        return;
    };
    let dir = server::temp_dir();
    let s = Server::start(&dir, database_url, &[]).await;
    let email = s.entry_point("EMAIL").await;
    let path = format!(
        "/api/v1/admin/entry-points/{}",
        email["id"].as_str().unwrap()
    );
    let (status, changed) = s
        .patch(
            &path,
            json!({"imap": {"url": format!("imap://127.0.0.1:{}", dovecot.port),
                "username": "support@example.com", "password": "secret", "pollSeconds": 1}}),
        )
        .await;
    assert!(status == 200 || status == 204, "{status} {changed}");
    let (_, shown) = s.get(&path).await;
    assert_eq!(shown["imap"]["passwordSet"], true, "{shown}");
    assert_eq!(shown["imap"]["mailbox"], "INBOX", "{shown}");
    assert!(
        shown["imap"].get("password").is_none(),
        "the password never comes back"
    );

    dovecot.deliver(&message(1));
    let customers = s
        .wait_for(
            "/api/v1/customer-profiles?email=lee@customer.example",
            |v| v.as_array().is_some_and(|a| !a.is_empty()),
        )
        .await;
    let customer = customers[0]["id"].as_str().unwrap().to_owned();
    let conversations = s
        .wait_for(
            &format!("/api/v1/customers/{customer}/conversations"),
            |v| v.as_array().is_some_and(|a| a.len() == 1),
        )
        .await;
    let items_path = format!(
        "/api/v1/conversations/{}/items",
        conversations[0]["id"].as_str().unwrap()
    );
    s.wait_for(&items_path, |v| v.as_array().is_some_and(|a| a.len() == 1))
        .await;
    assert!(s.stop().await.success());

    // While Hearth is down a second message arrives.
    dovecot.deliver(&message(2));
    let s = Server::start(&dir, database_url, &[]).await;
    let items = s
        .wait_for(&items_path, |v| v.as_array().is_some_and(|a| a.len() >= 2))
        .await;
    // A few more polls: nothing else comes in.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let (_, items_after) = s.get(&items_path).await;
    assert_eq!(items_after, items, "no message is taken twice");
    let subjects: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["content"]["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, ["Via IMAP 1", "Via IMAP 2"]);
    assert!(dovecot.all_seen(), "both messages are flagged \\Seen");
    assert!(s.stop().await.success());
}

#[tokio::test]
async fn sqlite_imap_mailbox_is_drained_once_across_a_restart() {
    imap_mailbox_is_drained_once_across_a_restart(None).await;
}

#[tokio::test]
async fn postgres_imap_mailbox_is_drained_once_across_a_restart() {
    let Some(db) = hearth_store_tests::postgres().await else {
        return;
    };
    imap_mailbox_is_drained_once_across_a_restart(Some(&db.url)).await;
    db.cleanup().await;
}
