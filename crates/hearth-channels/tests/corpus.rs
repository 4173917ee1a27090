//! A corpus of awkward emails (`tests/corpus/`, plus a huge attachment made here)
//! runs through the whole ingestion on each backend: kept, read, and either an
//! item or set aside for review with a reason. Nothing is lost, nothing panics,
//! and the outcome of each is what a person would expect.

use std::sync::Arc;

use hearth_app::service::KeptMessage;
use hearth_app::{App, SystemClock};
use hearth_channels::email::ingest::{Outcome, read_kept};
use hearth_domain::channel::Channel;

/// What each corpus file should become.
enum Expect {
    /// An item of a person's message joining a conversation.
    Conversation,
    /// Kept on the customer's timeline outside any conversation.
    Automated,
    /// Set aside for review, the reason containing this.
    Aside(&'static str),
    /// A delivery report.
    Bounce,
}

const CORPUS: [(&str, Expect); 18] = [
    ("01-plain-ascii.eml", Expect::Conversation),
    ("02-base64-utf8.eml", Expect::Conversation),
    ("03-iso-2022-jp.eml", Expect::Conversation),
    ("04-unknown-charset.eml", Expect::Conversation),
    ("05-no-subject-no-date.eml", Expect::Conversation),
    ("06-no-from.eml", Expect::Aside("no sender")),
    ("07-eight-bit-garbage.eml", Expect::Conversation),
    ("08-bad-boundary.eml", Expect::Conversation),
    ("09-auto-reply.eml", Expect::Automated),
    ("10-bounce.eml", Expect::Bounce),
    ("11-bulk-list.eml", Expect::Automated),
    ("12-html-only.eml", Expect::Conversation),
    ("13-nested-200-deep.eml", Expect::Conversation),
    ("14-long-header.eml", Expect::Conversation),
    ("15-missing-body.eml", Expect::Conversation),
    ("16-forwarded-message.eml", Expect::Conversation),
    (
        "17-wrong-recipient.eml",
        Expect::Aside("no recipient is an email entry point"),
    ),
    // mail-parser 0.11.9 panics on this mutated report (found by the fuzz test).
    (
        "18-parser-panic.eml",
        Expect::Aside("the MIME parser failed"),
    ),
];

async fn ingest(app: &App, name: &str, bytes: Vec<u8>) -> Outcome {
    let id = app
        .keep_raw(hearth_app::service::RawMessage {
            channel: Channel::Email,
            source: "upload".into(),
            sender: None,
            bytes: bytes.clone(),
        })
        .await
        .unwrap_or_else(|e| panic!("{name}: not kept: {e}"));
    let kept = KeptMessage {
        id: id.clone(),
        channel: "EMAIL".into(),
        source: "upload".into(),
        bytes,
        received_at: app.now(),
    };
    let outcome = read_kept(app, &kept)
        .await
        .unwrap_or_else(|e| panic!("{name}: {}", e.chain()));
    let row = app.kept_raw(&id).await.unwrap().expect("the raw row stays");
    assert_ne!(row.status, "RECEIVED", "{name} was read");
    outcome
}

#[tokio::test]
async fn every_awkward_email_becomes_an_item_or_is_set_aside_with_a_reason() {
    for db in hearth_store_tests::backends().await {
        let app = App::new(db.store.clone(), Arc::new(SystemClock));
        app.start(true).await.unwrap();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");
        for (name, expect) in &CORPUS {
            let bytes = std::fs::read(format!("{dir}/{name}")).unwrap();
            let outcome = ingest(&app, name, bytes).await;
            match (expect, &outcome) {
                (Expect::Conversation, Outcome::Received(r)) => {
                    assert!(r.conversation_id.is_some(), "{name}: {r:?}");
                    let item = app.item(&r.item_id).await.unwrap();
                    if let hearth_domain::item::ItemContent::Email { content, html, .. } =
                        &item.content
                    {
                        assert!(!content.contains('\r'), "{name}: {content:?}");
                        if let Some(html) = html {
                            let lower = html.to_lowercase();
                            for bad in ["<script", "<iframe", "javascript:", "onclick"] {
                                assert!(!lower.contains(bad), "{name}: {bad} in {html}");
                            }
                        }
                    } else {
                        panic!("{name}: not an email: {item:?}");
                    }
                }
                (Expect::Automated, Outcome::Received(r)) => {
                    assert!(r.conversation_id.is_none(), "{name}: {r:?}");
                }
                (Expect::Aside(why), Outcome::SetAside(reason)) => {
                    assert!(reason.contains(why), "{name}: {reason}");
                }
                (Expect::Bounce, Outcome::Bounce(known)) => {
                    assert!(!known, "{name}: the message it reports was never sent");
                }
                (_, other) => panic!("{name}: unexpected {other:?}"),
            }
        }

        // A 6 MB attachment, base64 in 76-character lines, is kept whole.
        let payload: Vec<u8> = (0..6_000_000u32).map(|i| (i % 251) as u8).collect();
        let encoded = {
            use std::fmt::Write as _;
            let b64 = base64_lines(&payload);
            let mut m = String::new();
            let _ = write!(
                m,
                "From: big@customer.example\r\nTo: support@example.com\r\nSubject: Big file\r\n\
                 MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"z\"\r\n\r\n\
                 --z\r\nContent-Type: text/plain\r\n\r\nSee the file.\r\n\
                 --z\r\nContent-Type: application/octet-stream\r\n\
                 Content-Disposition: attachment; filename=\"big.bin\"\r\n\
                 Content-Transfer-Encoding: base64\r\n\r\n{b64}--z--\r\n"
            );
            m.into_bytes()
        };
        let Outcome::Received(r) = ingest(&app, "huge attachment", encoded).await else {
            panic!("the huge attachment was not received");
        };
        let item = app.item(&r.item_id).await.unwrap();
        let files = item.content.attachments();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].file_size, 6_000_000);
        let file = app.item_file(&r.item_id, &files[0].id).await.unwrap();
        assert_eq!(file.bytes, payload);
        db.cleanup().await;
    }
}

/// Base64 in 76-character lines, as MIME writes it.
fn base64_lines(bytes: &[u8]) -> String {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 38);
    for line in encoded.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push_str("\r\n");
    }
    out
}

/// A message kept but never read (the process died after answering 250) is read
/// by the sweeper once it is old enough to be taken for abandoned, exactly once.
#[tokio::test]
async fn a_kept_message_nobody_read_is_read_later_once() {
    use hearth_app::clock::ManualClock;
    use hearth_channels::email::ingest::{ABANDONED_AFTER, read_abandoned};
    for db in hearth_store_tests::backends().await {
        let clock = Arc::new(ManualClock::new(
            time::macros::datetime!(2030-01-01 09:00 UTC),
        ));
        let app = App::new(db.store.clone(), clock.clone());
        app.start(true).await.unwrap();
        let id = app
            .keep_raw(hearth_app::service::RawMessage {
                channel: Channel::Email,
                source: "smtp".into(),
                sender: Some("late@customer.example".into()),
                bytes: b"From: late@customer.example\r\nTo: support@example.com\r\nSubject: Late\r\n\r\nStill there?\r\n"
                    .to_vec(),
            })
            .await
            .unwrap();
        assert_eq!(
            read_abandoned(&app).await.unwrap(),
            0,
            "too young: its receiver may be reading it"
        );
        clock.advance(ABANDONED_AFTER + hearth_domain::Duration::seconds(1));
        assert_eq!(read_abandoned(&app).await.unwrap(), 1);
        assert_eq!(read_abandoned(&app).await.unwrap(), 0, "read once");
        let row = app.kept_raw(&id).await.unwrap().unwrap();
        assert_eq!(row.status, "INGESTED");
        let item = app.item(row.item_id.as_deref().unwrap()).await.unwrap();
        assert_eq!(item.content.text(), Some("Still there?"));
        db.cleanup().await;
    }
}
