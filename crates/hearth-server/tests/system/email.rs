//! Email end to end with real peers: Python's `smtplib` writes to Hearth's SMTP
//! listener as a customer's mail server would, and `aiosmtpd` is the relay Hearth
//! sends its replies through. The customer's message becomes a conversation; the
//! agent's reply reaches the relay threaded to it; the customer's answer to that
//! reply, from another address, joins the same conversation; an auto-reply after
//! the close is kept without re-opening it, and a person's next message does; raw
//! uploads, a redelivery, a message without a sender and an unknown recipient
//! behave.
//!
//! The peers need Python with aiosmtpd (`HEARTH_TEST_PYTHON`, else `python3`); with
//! `HEARTH_REQUIRE_EMAIL_PEERS=1` (as `.ci/run` sets) their absence fails the test,
//! otherwise it is skipped with a notice.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::server::{self, Server};

const PEER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/system/peers/mailpeer.py"
);

fn python() -> String {
    std::env::var("HEARTH_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

fn peers_available() -> bool {
    let ok = Command::new(python())
        .args(["-c", "import aiosmtpd, smtplib"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var("HEARTH_REQUIRE_EMAIL_PEERS").as_deref() != Ok("1"),
            "HEARTH_REQUIRE_EMAIL_PEERS=1 but {} cannot import aiosmtpd",
            python()
        );
        eprintln!("notice: no Python with aiosmtpd: skipping the email test");
    }
    ok
}

/// The relay sink: aiosmtpd writing each message it takes into a directory.
struct Sink {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Sink {
    fn start() -> Sink {
        let dir = server::temp_dir().join("relay");
        let mut child = Command::new(python())
            .arg(PEER)
            .arg("sink")
            .arg(&dir)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .strip_prefix("ready ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("the sink starts: {line:?}"));
        Sink { child, port, dir }
    }

    /// Waits for the `n`th message the relay took (1-based) and returns it.
    async fn message(&self, n: usize) -> String {
        let path = self.dir.join(format!("{n}.eml"));
        for _ in 0..300 {
            if let Ok(text) = std::fs::read_to_string(&path) {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the relay never received message {n}");
    }

    fn count(&self) -> usize {
        std::fs::read_dir(&self.dir)
            .map(|d| {
                d.filter(|e| {
                    e.as_ref()
                        .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "eml"))
                })
                .count()
            })
            .unwrap_or(0)
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends `message` to the listener with smtplib; returns its verdict line.
fn smtp_send(port: u16, dir: &Path, name: &str, message: &str) -> String {
    smtp_send_with(port, dir, name, message, &[])
}

fn smtp_send_with(port: u16, dir: &Path, name: &str, message: &str, flags: &[&str]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, message.replace('\n', "\r\n")).unwrap();
    let out = Command::new(python())
        .arg(PEER)
        .arg("send")
        .arg(port.to_string())
        .arg(&path)
        .args(flags)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A header's value in a raw message (first occurrence, unfolded).
fn header(raw: &str, name: &str) -> Option<String> {
    let head = raw.split("\r\n\r\n").next()?;
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    unfolded.lines().find_map(|l| {
        let (key, value) = l.split_once(':')?;
        key.eq_ignore_ascii_case(name)
            .then(|| value.trim().to_owned())
    })
}

async fn customer_by_email(s: &Server, email: &str) -> Value {
    let found = s
        .wait_for(&format!("/api/v1/customer-profiles?email={email}"), |v| {
            v.as_array().is_some_and(|a| !a.is_empty())
        })
        .await;
    found[0].clone()
}

async fn email_round_trip(database_url: Option<&str>) {
    if !peers_available() {
        return;
    }
    let sink = Sink::start();
    let dir = server::temp_dir();
    let relay = format!("smtp://127.0.0.1:{}", sink.port);
    let s = Server::start(
        &dir,
        database_url,
        &["--smtp-relay", &relay, "--smtp-hostname", "hearth.test"],
    )
    .await;
    let port = s.smtp_port().expect("the banner names the SMTP port");
    let relay_line = format!("Email: sending through smtp://127.0.0.1:{}", sink.port);
    assert!(s.banner.contains(&relay_line), "{:?}", s.banner);

    // An unknown recipient is refused before DATA.
    assert_eq!(
        smtp_send(
            port,
            &dir,
            "unknown.eml",
            "From: Jane <jane@customer.example>\nTo: nobody@example.com\nSubject: x\n\nHello?\n"
        ),
        "refused 550"
    );

    // The customer writes in: a new conversation with her email in it.
    assert_eq!(
        smtp_send(
            port,
            &dir,
            "first.eml",
            "From: Jane Doe <jane@customer.example>\nTo: Support <support@example.com>\n\
             Cc: Sam <sam@customer.example>\nSubject: Order 7 is late\n\
             Message-ID: <q1@customer.example>\nContent-Type: text/plain; charset=utf-8\n\n\
             Where is my order? Merci d\u{e9}j\u{e0}.\n"
        ),
        "sent"
    );
    let customer = customer_by_email(&s, "jane@customer.example").await;
    assert_eq!(customer["name"], "Jane Doe");
    let customer_id = customer["id"].as_str().unwrap().to_owned();
    let conversations = s
        .wait_for(
            &format!("/api/v1/customers/{customer_id}/conversations"),
            |v| v.as_array().is_some_and(|a| a.len() == 1),
        )
        .await;
    let conversation_id = conversations[0]["id"].as_str().unwrap().to_owned();
    let items_path = format!("/api/v1/conversations/{conversation_id}/items");
    let items = s
        .wait_for(&items_path, |v| v.as_array().is_some_and(|a| !a.is_empty()))
        .await;
    let first = &items[0];
    assert_eq!(first["content"]["type"], "EMAIL", "{first}");
    assert_eq!(first["content"]["subject"], "Order 7 is late");
    assert_eq!(first["content"]["cc"], json!(["sam@customer.example"]));
    assert!(
        first["content"]["content"]
            .as_str()
            .unwrap()
            .contains("Merci d\u{e9}j\u{e0}."),
        "{first}"
    );

    // The agent replies: it reaches the relay threaded to the customer's message.
    let (status, reply) = s
        .post(
            &format!(
                "/api/v1/conversation-items/{}/reply",
                first["id"].as_str().unwrap()
            ),
            json!({"content": {"type": "EMAIL", "body": "It ships today."}}),
        )
        .await;
    assert_eq!(status, 201, "{reply}");
    let sent = sink.message(1).await;
    assert_eq!(
        header(&sent, "In-Reply-To").as_deref(),
        Some("<q1@customer.example>")
    );
    assert_eq!(
        header(&sent, "References").as_deref(),
        Some("<q1@customer.example>")
    );
    assert_eq!(
        header(&sent, "Subject").as_deref(),
        Some("Re: Order 7 is late")
    );
    assert_eq!(
        header(&sent, "To").as_deref(),
        Some("jane@customer.example")
    );
    assert_eq!(
        header(&sent, "Cc").as_deref(),
        Some("sam@customer.example"),
        "the customer's Cc is kept"
    );
    let from = header(&sent, "From").unwrap();
    assert!(from.contains("<support@example.com>"), "{from}");
    let message_id = header(&sent, "Message-ID").unwrap();
    assert!(message_id.ends_with("@hearth.test>"), "{message_id}");
    let reply_to = header(&sent, "Reply-To").unwrap();
    assert!(reply_to.contains("support+"), "{reply_to}");
    assert!(sent.contains("It ships today."), "{sent}");

    // The customer answers from her work address: the thread leads to her and her
    // one conversation, and no second customer appears.
    assert_eq!(
        smtp_send(
            port,
            &dir,
            "answer.eml",
            &format!(
                "From: Jane Doe <jane.doe@work.example>\nTo: support@example.com\n\
                 Subject: Re: Order 7 is late\nMessage-ID: <q2@work.example>\n\
                 In-Reply-To: {message_id}\nReferences: <q1@customer.example> {message_id}\n\n\
                 Thanks!\n"
            )
        ),
        "sent"
    );
    let items = s
        .wait_for(&items_path, |v| {
            v.as_array().is_some_and(|a| {
                a.iter()
                    .any(|i| i["content"]["content"].as_str() == Some("Thanks!"))
            })
        })
        .await;
    let answer = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["content"]["content"].as_str() == Some("Thanks!"))
        .unwrap();
    assert_eq!(answer["customerId"], customer_id.as_str());
    let (_, strangers) = s
        .get("/api/v1/customer-profiles?email=jane.doe@work.example")
        .await;
    assert_eq!(
        strangers,
        json!([]),
        "no customer is made for the thread's answer"
    );

    // Closed, then an out-of-office arrives: stored, but the conversation stays
    // closed and nothing is routed.
    let (status, body) = s
        .patch(
            &format!("/api/v1/conversations/{conversation_id}"),
            json!({"status": {"value": "CLOSED", "force": true}}),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    // Through the raw upload, which answers with what the message became.
    let auto = "From: jane@customer.example\r\nTo: support@example.com\r\n\
                Subject: Out of office\r\nAuto-Submitted: auto-replied\r\n\
                Message-ID: <ooo@customer.example>\r\n\r\nI am away.\r\n";
    let (status, kept) = s
        .post_raw(
            "/api/v1/email/inbound",
            "message/rfc822",
            auto.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(status, 201, "{kept}");
    assert_eq!(kept["customerId"], customer_id.as_str());
    assert!(kept.get("conversationId").is_none(), "{kept}");
    let (status, item) = s
        .get(&format!(
            "/api/v1/conversation-items/{}",
            kept["itemId"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, 200, "{item}");
    assert_eq!(item["content"]["subject"], "Out of office");
    assert!(item.get("conversationId").is_none(), "{item}");
    let (_, closed) = s
        .get(&format!("/api/v1/conversations/{conversation_id}"))
        .await;
    assert_eq!(closed["status"], "CLOSED", "{closed}");

    // A person writes again within the re-open window: the same conversation opens.
    let upload = "From: jane@customer.example\r\nTo: support@example.com\r\n\
                  Subject: One more thing\r\nMessage-ID: <q3@customer.example>\r\n\r\nAlso...\r\n";
    let (status, uploaded) = s
        .post_raw(
            "/api/v1/email/inbound",
            "message/rfc822",
            upload.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(status, 201, "{uploaded}");
    assert_eq!(uploaded["customerId"], customer_id.as_str());
    assert_eq!(uploaded["conversationId"], conversation_id.as_str());
    let (_, reopened) = s
        .get(&format!("/api/v1/conversations/{conversation_id}"))
        .await;
    assert_eq!(reopened["status"], "OPEN", "{reopened}");
    let (status, again) = s
        .post_raw(
            "/api/v1/email/inbound",
            "message/rfc822",
            upload.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(
        (status, &again["itemId"]),
        (201, &uploaded["itemId"]),
        "a redelivery is the same item"
    );
    let (status, wrong) = s
        .post_raw("/api/v1/email/inbound", "text/plain", b"hello".to_vec())
        .await;
    assert_eq!(status, 400, "{wrong}");
    let (status, aside) = s
        .post_raw(
            "/api/v1/email/inbound",
            "message/rfc822",
            b"To: support@example.com\r\nSubject: no sender\r\n\r\nwho?".to_vec(),
        )
        .await;
    assert_eq!(
        (status, aside["status"].as_str()),
        (202, Some("REVIEW")),
        "{aside}"
    );

    // The reply was taken by the relay; then a delivery report about it arrives
    // and marks it FAILED with the reason.
    let reply_path = format!(
        "/api/v1/conversation-items/{}",
        reply["id"].as_str().unwrap()
    );
    let sent_item = s
        .wait_for(&reply_path, |v| v["delivery"]["status"] == "SENT")
        .await;
    assert_eq!(sent_item["delivery"]["attempts"], 1, "{sent_item}");
    let report = format!(
        "From: MAILER-DAEMON@customer.example\r\nTo: support@example.com\r\n\
         Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain\r\n\r\nThe message could not be delivered.\r\n\
         --b1\r\nContent-Type: message/delivery-status\r\n\r\n\
         Reporting-MTA: dns; mx.customer.example\r\n\r\n\
         Final-Recipient: rfc822; jane@customer.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\
         Diagnostic-Code: smtp; 550 5.1.1 mailbox full\r\n\
         --b1\r\nContent-Type: text/rfc822-headers\r\n\r\n\
         Message-ID: {message_id}\r\nSubject: Re: Order 7 is late\r\n--b1--\r\n"
    );
    let (status, bounce) = s
        .post_raw(
            "/api/v1/email/inbound",
            "message/rfc822",
            report.into_bytes(),
        )
        .await;
    assert_eq!(
        (status, bounce["status"].as_str()),
        (202, Some("REVIEW")),
        "{bounce}"
    );
    let (_, failed) = s.get(&reply_path).await;
    assert_eq!(failed["delivery"]["status"], "FAILED", "{failed}");
    assert_eq!(failed["delivery"]["detail"], "smtp; 550 5.1.1 mailbox full");

    // An email the API sends on its own goes out through the relay too.
    let (status, sent_alone) = s
        .post(
            "/api/v1/communications/email",
            json!({"to": [{"email": "new@customer.example", "name": "New"}],
                "from": "support@example.com", "subject": "Welcome", "body": {"text": "Hello!"}}),
        )
        .await;
    assert_eq!(status, 200, "{sent_alone}");
    let welcome = sink.message(2).await;
    assert_eq!(header(&welcome, "Subject").as_deref(), Some("Welcome"));
    let to = header(&welcome, "To").unwrap_or_default();
    assert!(to.contains("new@customer.example"), "{to}");
    assert!(welcome.contains("Hello!"), "{welcome}");

    assert_eq!(sink.count(), 2, "only the reply and the welcome went out");
    assert!(s.stop().await.success());
}

/// Without a relay a reply waits in the outbox as PENDING; the desktop says so.
#[tokio::test]
async fn without_a_relay_replies_wait_in_the_outbox() {
    let dir = server::temp_dir();
    let s = Server::start(&dir, None, &[]).await;
    assert!(
        s.banner
            .iter()
            .any(|l| l.starts_with("Email: no relay configured")),
        "{:?}",
        s.banner
    );
    let upload = "From: ann@customer.example\r\nTo: support@example.com\r\n\
                  Subject: Hello\r\nMessage-ID: <a1@customer.example>\r\n\r\nHi!\r\n";
    let (status, got) = s
        .post_raw(
            "/api/v1/email/inbound",
            "message/rfc822",
            upload.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(status, 201, "{got}");
    let (status, reply) = s
        .post(
            &format!(
                "/api/v1/conversation-items/{}/reply",
                got["itemId"].as_str().unwrap()
            ),
            json!({"content": {"type": "EMAIL", "body": "Hello Ann"}}),
        )
        .await;
    assert_eq!(status, 201, "{reply}");
    let (_, items) = s
        .get(&format!(
            "/api/v1/conversations/{}/items",
            got["conversationId"].as_str().unwrap()
        ))
        .await;
    let waiting = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == reply["id"])
        .unwrap();
    assert_eq!(waiting["delivery"]["status"], "PENDING", "{waiting}");
    assert!(
        items[0].get("delivery").is_none(),
        "a received email has no delivery state"
    );
    assert!(s.stop().await.success());
}

/// Attachments and inline images are kept once per content and served only with
/// care: images inline, everything else as a download, never sniffed.
#[tokio::test]
async fn attachments_are_kept_once_and_served_with_care() {
    let dir = server::temp_dir();
    let s = Server::start(&dir, None, &[]).await;
    let message = |n: u32| {
        format!(
            "From: Ola <ola@customer.example>\r\nTo: support@example.com\r\nSubject: Receipt {n}\r\n\
             Message-ID: <att-{n}@customer.example>\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n\
             --m\r\nContent-Type: multipart/related; boundary=\"r\"\r\n\r\n\
             --r\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n\
             <p>See <img src=\"cid:logo@x\"><script>alert(1)</script></p>\r\n\
             --r\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\nContent-Transfer-Encoding: base64\r\n\r\n\
             iVBORw0KGgo=\r\n--r--\r\n\
             --m\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"receipt.pdf\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQ=\r\n--m--\r\n"
        )
    };
    let mut items = Vec::new();
    for n in [1, 2] {
        let (status, got) = s
            .post_raw(
                "/api/v1/email/inbound",
                "message/rfc822",
                message(n).into_bytes(),
            )
            .await;
        assert_eq!(status, 201, "{got}");
        let (_, item) = s
            .get(&format!(
                "/api/v1/conversation-items/{}",
                got["itemId"].as_str().unwrap()
            ))
            .await;
        items.push(item);
    }
    let files = &items[0]["content"]["attachments"];
    assert_eq!(files.as_array().unwrap().len(), 2, "{}", items[0]);
    assert_eq!(
        files, &items[1]["content"]["attachments"],
        "the same bytes, the same file"
    );
    let html = items[0]["content"]["html"].as_str().unwrap();
    assert!(!html.contains("script"), "{html}");
    let pdf = files
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["filename"] == "receipt.pdf")
        .unwrap();
    assert_eq!(pdf["fileSize"], 8);
    let client = server::http_client();
    let get = |item: &Value, file: &Value| {
        client
            .get(format!(
                "{}/api/v1/conversation-items/{}/files/{}",
                s.base,
                item["id"].as_str().unwrap(),
                file["id"].as_str().unwrap()
            ))
            .basic_auth("admin@example.com", Some(&s.token))
            .send()
    };
    let resp = get(&items[1], pdf).await.unwrap();
    assert_eq!(resp.status(), 200);
    let header = |name: &str| resp.headers()[name].to_str().unwrap().to_owned();
    assert_eq!(header("content-type"), "application/pdf");
    assert_eq!(
        header("content-disposition"),
        "attachment; filename=\"receipt.pdf\""
    );
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"%PDF-1.4");
    let png = files
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["contentType"] == "image/png")
        .unwrap();
    let resp = get(&items[0], png).await.unwrap();
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline"),
        "images show inline"
    );
    // A file is reached only through an item that carries it.
    let (status, _) = s
        .get(&format!(
            "/api/v1/conversation-items/{}/files/{}",
            items[0]["id"].as_str().unwrap(),
            "0".repeat(64)
        ))
        .await;
    assert_eq!(status, 404);
    let (status, _) = s
        .get_as(
            &format!(
                "/api/v1/conversation-items/{}/files/{}",
                items[0]["id"].as_str().unwrap(),
                pdf["id"].as_str().unwrap()
            ),
            "admin@example.com",
            "wrong-token",
        )
        .await;
    assert_eq!(status, 401);

    // Redacting the first message deletes its files; the second still holds the
    // same bytes and serves them.
    let (status, redacted) = s
        .post(
            &format!(
                "/api/v1/conversation-items/{}/redact",
                items[0]["id"].as_str().unwrap()
            ),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 201, "{redacted}");
    assert_eq!(redacted["content"]["attachments"], serde_json::json!([]));
    assert_eq!(redacted["content"]["html"], Value::Null);
    assert_eq!(
        get(&items[0], pdf).await.unwrap().status(),
        404,
        "a redacted message's files are gone"
    );
    let kept = get(&items[1], pdf).await.unwrap();
    assert_eq!(kept.status(), 200);
    assert_eq!(kept.bytes().await.unwrap().as_ref(), b"%PDF-1.4");
    assert!(s.stop().await.success());
}

/// With a certificate and key the listener offers STARTTLS, and mail sent over it
/// comes in like any other.
#[tokio::test]
async fn the_listener_offers_starttls_with_a_certificate() {
    if !peers_available() {
        return;
    }
    let dir = server::temp_dir();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "1", "-subj", "/CN=localhost", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let s = Server::start(
        &dir,
        None,
        &[
            "--smtp-tls-cert",
            cert.to_str().unwrap(),
            "--smtp-tls-key",
            key.to_str().unwrap(),
        ],
    )
    .await;
    let port = s.smtp_port().unwrap();
    let verdict = smtp_send_with(
        port,
        &dir,
        "tls.eml",
        "From: Tia <tia@customer.example>\nTo: support@example.com\nSubject: Secret\n\nOver TLS\n",
        &["--starttls"],
    );
    assert!(verdict.starts_with("sent over TLS"), "{verdict}");
    customer_by_email(&s, "tia@customer.example").await;
    assert!(s.stop().await.success());
}

/// More than twenty messages a minute from one sender is a mail loop: the rest are
/// kept but set aside for review.
#[tokio::test]
async fn a_mail_loop_is_set_aside() {
    let dir = server::temp_dir();
    let s = Server::start(&dir, None, &[]).await;
    let mut verdicts = Vec::new();
    for n in 0..22 {
        let message = format!(
            "From: bot@loop.example\r\nTo: support@example.com\r\nSubject: Re: Re: Re: ticket\r\n\
             Message-ID: <loop-{n}@loop.example>\r\n\r\nAuto answer {n}\r\n"
        );
        let (status, body) = s
            .post_raw(
                "/api/v1/email/inbound",
                "message/rfc822",
                message.into_bytes(),
            )
            .await;
        verdicts.push((status, body));
    }
    assert!(
        verdicts[..20].iter().all(|(status, _)| *status == 201),
        "{verdicts:?}"
    );
    for (status, body) in &verdicts[20..] {
        assert_eq!(*status, 202, "{body}");
        assert!(
            body["detail"].as_str().unwrap().starts_with("mail loop"),
            "{body}"
        );
    }
    assert!(s.stop().await.success());
}

#[tokio::test]
async fn sqlite_email_round_trip_with_real_smtp_peers() {
    email_round_trip(None).await;
}

#[tokio::test]
async fn postgres_email_round_trip_with_real_smtp_peers() {
    let Some(db) = hearth_store_tests::postgres().await else {
        return;
    };
    email_round_trip(Some(&db.url)).await;
    db.cleanup().await;
}

/// A raw SMTP conversation: sends each line, returns each reply's first line.
struct Dialogue {
    stream: tokio::io::BufReader<tokio::net::TcpStream>,
}

impl Dialogue {
    async fn open(port: u16) -> (Dialogue, String) {
        let stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        let mut d = Dialogue {
            stream: tokio::io::BufReader::new(stream),
        };
        let greeting = d.reply().await;
        (d, greeting)
    }

    /// The reply's last line (multi-line replies end with `NNN `).
    async fn reply(&mut self) -> String {
        use tokio::io::AsyncBufReadExt;
        loop {
            let mut line = String::new();
            self.stream.read_line(&mut line).await.unwrap();
            assert!(!line.is_empty(), "the server closed the connection");
            if line.as_bytes().get(3) != Some(&b'-') {
                return line.trim_end().to_owned();
            }
        }
    }

    async fn say(&mut self, text: &str) -> String {
        use tokio::io::AsyncWriteExt;
        self.stream
            .get_mut()
            .write_all(format!("{text}\r\n").as_bytes())
            .await
            .unwrap();
        self.reply().await
    }
}

/// The listener's protocol: order of commands, unknown commands and recipients,
/// the size limit (declared and actual), dot-stuffing, RSET and QUIT.
#[tokio::test]
async fn the_smtp_listener_speaks_the_protocol_and_keeps_its_limits() {
    let dir = server::temp_dir();
    let s = Server::start(&dir, None, &["--smtp-max-bytes", "2000"]).await;
    let port = s.smtp_port().unwrap();
    let (mut d, greeting) = Dialogue::open(port).await;
    assert!(greeting.starts_with("220 "), "{greeting}");
    assert!(d.say("MAIL FROM:<a@b.example>").await.starts_with("503"));
    assert!(d.say("EHLO client.example").await.starts_with("250 "));
    assert!(
        d.say("RCPT TO:<support@example.com>")
            .await
            .starts_with("503")
    );
    assert!(d.say("FROB").await.starts_with("500"));
    assert!(
        d.say("STARTTLS").await.starts_with("502"),
        "no certificate, no TLS"
    );
    assert!(
        d.say("MAIL FROM:<a@b.example> SIZE=5000")
            .await
            .starts_with("552")
    );
    assert!(
        d.say("MAIL FROM:<jo@customer.example>")
            .await
            .starts_with("250")
    );
    assert!(d.say("DATA").await.starts_with("554"), "no recipient yet");
    assert!(
        d.say("RCPT TO:<nobody@example.com>")
            .await
            .starts_with("550")
    );
    assert!(
        d.say("RCPT TO:<Support@Example.com>")
            .await
            .starts_with("250")
    );
    assert!(d.say("DATA").await.starts_with("354"));
    // A line starting with a dot is sent doubled and stored single.
    let body = "From: Jo <jo@customer.example>\r\nTo: support@example.com\r\n\
                Subject: Dots\r\n\r\n..hidden line\r\nend\r\n.";
    let stored = d.say(body).await;
    assert!(stored.starts_with("250 "), "{stored}");
    let customer = customer_by_email(&s, "jo@customer.example").await;
    let conversations = s
        .wait_for(
            &format!(
                "/api/v1/customers/{}/conversations",
                customer["id"].as_str().unwrap()
            ),
            |v| v.as_array().is_some_and(|a| a.len() == 1),
        )
        .await;
    let items = s
        .wait_for(
            &format!(
                "/api/v1/conversations/{}/items",
                conversations[0]["id"].as_str().unwrap()
            ),
            |v| v.as_array().is_some_and(|a| !a.is_empty()),
        )
        .await;
    assert_eq!(items[0]["content"]["content"], ".hidden line\nend");

    // Too big: read to the end, refused, and the session goes on.
    assert!(
        d.say("MAIL FROM:<jo@customer.example>")
            .await
            .starts_with("250")
    );
    assert!(
        d.say("RCPT TO:<support@example.com>")
            .await
            .starts_with("250")
    );
    assert!(d.say("DATA").await.starts_with("354"));
    let big = format!("Subject: big\r\n\r\n{}\r\n.", "x".repeat(3000));
    assert!(d.say(&big).await.starts_with("552"));
    assert!(d.say("RSET").await.starts_with("250"));
    assert!(d.say("NOOP").await.starts_with("250"));
    assert!(d.say("QUIT").await.starts_with("221"));
    assert!(s.stop().await.success());
}

/// Rules on real mail, against the real binary: an email asking to unsubscribe is
/// closed by a rule before routing, so no agent is given it; an ordinary email that
/// arrives while the inbox's business hours are closed gets one auto-reply through
/// the relay (marked `Auto-Submitted`) and is due two open hours after the next
/// opening. The calendar is built around the day the test runs: yesterday plays
/// Friday (open 09:00-17:00 UTC), today and tomorrow the closed weekend, the day
/// after Monday. (The literal Friday 18:00 case runs on a manual clock in the HTTP
/// tests.)
#[tokio::test]
async fn rules_close_spam_before_routing_and_mail_out_of_hours_waits_for_monday() {
    if !peers_available() {
        return;
    }
    let sink = Sink::start();
    let dir = server::temp_dir();
    let relay = format!("smtp://127.0.0.1:{}", sink.port);
    let s = Server::start(&dir, None, &["--smtp-relay", &relay]).await;
    let port = s.smtp_port().expect("the banner names the SMTP port");

    #[allow(
        clippy::disallowed_methods,
        reason = "the binary counts in real time too"
    )]
    let today = time::OffsetDateTime::now_utc().date();
    let day = |d: time::Date| d.weekday().to_string().to_uppercase();
    let friday = today.previous_day().unwrap();
    let monday = today.next_day().unwrap().next_day().unwrap();
    let (status, hours) = s
        .post(
            "/api/v1/admin/business-hours",
            json!({"name": "Weekdays", "timeZone": "UTC", "weekly": [
                {"day": day(friday), "start": "09:00", "end": "17:00"},
                {"day": day(monday), "start": "09:00", "end": "17:00"}
            ]}),
        )
        .await;
    assert_eq!(status, 201, "{hours}");
    let support = s.entry_point("EMAIL").await["inboxId"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, inbox) = s
        .patch(
            &format!("/api/v1/admin/inboxes/{support}"),
            json!({"slaSeconds": 7200, "businessHoursId": hours["id"]}),
        )
        .await;
    assert_eq!(status, 200, "{inbox}");
    let (status, spam_rule) = s
        .post(
            "/api/v1/admin/rules",
            json!({"name": "Unsubscribe requests", "trigger": "COMMUNICATION_RECEIVED",
                   "conditions": [{"field": "content", "operator": "MATCHES", "value": "(?i)\\bunsubscribe\\b"}],
                   "actions": [{"type": "MARK_NO_REPLY_NEEDED"}, {"type": "CLOSE_CONVERSATION"}]}),
        )
        .await;
    assert_eq!(status, 201, "{spam_rule}");
    let (_, templates) = s.get("/api/v1/admin/rule-templates").await;
    let mut out_of_hours = templates
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == "out-of-hours")
        .unwrap()["rule"]
        .clone();
    out_of_hours["enabled"] = json!(true);
    let (status, created) = s.post("/api/v1/admin/rules", out_of_hours).await;
    assert_eq!(status, 201, "{created}");

    // Alice is available for mail: had routing seen the spam, it was hers to get.
    let (_, agents) = s.get("/api/v1/admin/agents").await;
    let alice = agents
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["emailAddress"] == "alice@example.com")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, token) = s
        .post(
            &format!("/api/v1/admin/agents/{alice}/api-tokens"),
            json!({}),
        )
        .await;
    assert_eq!(status, 201, "{token}");
    let alice_token = token["token"].as_str().unwrap().to_owned();
    let (status, _) = s
        .put_as(
            "/api/v1/me/availability",
            "alice@example.com",
            &alice_token,
            json!({"availableFor": ["MAIL", "TASK"]}),
        )
        .await;
    assert_eq!(status, 200);

    assert_eq!(
        smtp_send(
            port,
            &dir,
            "spam.eml",
            "From: Promo <promo@offers.example>\nTo: support@example.com\nSubject: Weekly deals\n\
             Message-ID: <s1@offers.example>\n\nBig savings! To Unsubscribe, reply STOP.\n"
        ),
        "sent"
    );
    let promo = customer_by_email(&s, "promo@offers.example").await;
    let conversations = s
        .wait_for(
            &format!(
                "/api/v1/customers/{}/conversations",
                promo["id"].as_str().unwrap()
            ),
            |v| v.as_array().is_some_and(|a| a.len() == 1),
        )
        .await;
    let spam = &conversations[0];
    assert_eq!(spam["status"], "CLOSED", "{spam}");
    assert!(spam.get("agentId").is_none_or(Value::is_null), "{spam}");
    let (_, explained) = s
        .get(&format!(
            "/api/v1/conversations/{}/routing",
            spam["id"].as_str().unwrap()
        ))
        .await;
    let decisions = explained.as_array().unwrap();
    assert!(
        decisions
            .iter()
            .any(|d| d["rule"] == json!(format!("RULE:{}", spam_rule["id"].as_str().unwrap()))),
        "{explained}"
    );
    assert!(
        !decisions
            .iter()
            .any(|d| d["outcome"] == "OFFERED" || d["outcome"] == "ASSIGNED"),
        "no agent was given it: {explained}"
    );

    // An ordinary email while closed: due two open hours after Monday 09:00, and
    // one auto-reply to the customer through the relay.
    assert_eq!(
        smtp_send(
            port,
            &dir,
            "weekend.eml",
            "From: Jane Doe <jane@customer.example>\nTo: support@example.com\nSubject: Order 9\n\
             Message-ID: <w1@customer.example>\n\nWhere is my order?\n"
        ),
        "sent"
    );
    let jane = customer_by_email(&s, "jane@customer.example").await;
    let conversations = s
        .wait_for(
            &format!(
                "/api/v1/customers/{}/conversations",
                jane["id"].as_str().unwrap()
            ),
            |v| v.as_array().is_some_and(|a| a.len() == 1),
        )
        .await;
    let (_, conv) = s
        .get(&format!(
            "/api/v1/conversations/{}",
            conversations[0]["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(conv["status"], "OPEN", "{conv}");
    assert_eq!(
        conv["dueAt"],
        json!(format!("{monday}T11:00:00.000Z")),
        "due two open hours after the next opening: {conv}"
    );
    let auto = sink.message(1).await;
    assert_eq!(
        header(&auto, "To").as_deref(),
        Some("jane@customer.example")
    );
    assert_eq!(header(&auto, "Subject").as_deref(), Some("Re: Order 9"));
    assert_eq!(
        header(&auto, "Auto-Submitted").as_deref(),
        Some("auto-replied")
    );
    assert!(
        auto.contains("Hi Jane, thank you for writing to Support."),
        "{auto}"
    );
    assert_eq!(sink.count(), 1, "no auto-reply for the spam");
    assert!(s.stop().await.success());
}
