//! Sending the outbox's emails through the configured relay with lettre: From the
//! entry point's address under the inbox's name, Reply-To the same address with the
//! item's id as a plus tag (an answer that lost its headers still finds its way),
//! the Message-ID fixed at the first claim, and In-Reply-To and References from the
//! conversation's thread. A temporary failure is retried with backoff; a permanent
//! one, or too many attempts, marks the item FAILED with the reason.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use hearth_app::App;
use hearth_app::error::AppError;
use hearth_app::service::{Delivery, Outgoing};
use hearth_domain::Duration;
use hearth_domain::channel::Channel;
use hearth_domain::item::InitiatorType;
use hearth_domain::item::ItemContent;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::{Notify, watch};

use super::address;

/// Attempts before a message is given up as FAILED.
pub const MAX_ATTEMPTS: i64 = 8;
/// How long a claimed message is this sender's before another may take it.
const LEASE: Duration = Duration::minutes(5);

/// A relay, from `smtp://[user:pass@]host:port` or `smtps://...`.
#[derive(Clone)]
pub struct Relay {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    /// Shown in logs, without credentials.
    pub display: String,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay").field("url", &self.display).finish()
    }
}

/// Why a relay URL was refused.
#[derive(Debug, thiserror::Error)]
#[error("invalid SMTP relay URL: {0}")]
pub struct BadRelay(String);

impl Relay {
    /// Parses a relay URL.
    pub fn parse(url: &str) -> Result<Relay, BadRelay> {
        let scheme = url.split("://").next().unwrap_or_default();
        if scheme != "smtp" && scheme != "smtps" {
            return Err(BadRelay("use smtp:// or smtps://".into()));
        }
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| BadRelay(e.to_string()))?
            .timeout(Some(StdDuration::from_secs(30)))
            .build();
        let display = match url.split_once('@') {
            Some((_, host)) => format!("{scheme}://…@{host}"),
            None => url.to_owned(),
        };
        Ok(Relay { transport, display })
    }
}

/// `Auto-Submitted: auto-replied` (RFC 3834) on what a rule sends, so that the
/// customer's own auto-responders stay quiet and no mail loop starts. lettre has
/// no such header, so it is declared here.
#[derive(Debug, Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-replied".to_owned())
    }
}

/// The email a claimed outbox row becomes.
pub fn build(out: &Outgoing) -> Result<Message, String> {
    let ItemContent::Email {
        from,
        to,
        cc,
        bcc,
        subject,
        content,
        ..
    } = &out.item.content
    else {
        return Err(format!(
            "an {} item is not an email",
            out.item.content.type_name()
        ));
    };
    let mailbox = |name: Option<&str>, addr: &str| -> Result<Mailbox, String> {
        let parsed = addr
            .parse()
            .map_err(|e| format!("'{addr}' is not an email address: {e}"))?;
        Ok(Mailbox::new(name.map(str::to_owned), parsed))
    };
    if to.is_empty() {
        return Err("the email has no recipient".into());
    }
    let name = out.sender_name.as_deref();
    let mut builder = Message::builder()
        .from(mailbox(name, from)?)
        .reply_to(mailbox(
            name,
            &address::with_plus(from, out.item.id.as_str()),
        )?)
        .subject(subject.clone())
        .message_id(Some(out.message_id.clone()))
        .date_now();
    for addr in to {
        builder = builder.to(mailbox(None, addr)?);
    }
    for addr in cc {
        builder = builder.cc(mailbox(None, addr)?);
    }
    for addr in bcc {
        builder = builder.bcc(mailbox(None, addr)?);
    }
    if out.item.initiator.kind == InitiatorType::Automation {
        builder = builder.header(AutoSubmitted);
    }
    if let Some(parent) = &out.in_reply_to {
        builder = builder.in_reply_to(parent.clone());
    }
    if !out.references.is_empty() {
        builder = builder.references(out.references.join(" "));
    }
    if out.files.is_empty() {
        return builder
            .header(ContentType::TEXT_PLAIN)
            .body(content.clone())
            .map_err(|e| e.to_string());
    }
    let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(content.clone()));
    for file in &out.files {
        let kind = ContentType::parse(&file.content_type).unwrap_or_else(|_| {
            ContentType::parse("application/octet-stream").unwrap_or(ContentType::TEXT_PLAIN)
        });
        parts = parts.singlepart(
            lettre::message::Attachment::new(file.filename.clone()).body(file.bytes.clone(), kind),
        );
    }
    builder.multipart(parts).map_err(|e| e.to_string())
}

/// Backoff before attempt `attempts + 1`: 30 s doubling, at most an hour.
fn backoff(attempts: i64) -> Duration {
    let seconds = 30i64.saturating_mul(1 << attempts.clamp(0, 7));
    Duration::seconds(seconds.min(3600))
}

/// Sends one claimed message and settles it.
async fn send_one(app: &App, relay: &Relay, out: &Outgoing) -> Result<(), AppError> {
    let delivery = match build(out) {
        Err(reason) => Delivery::Failed { reason },
        Ok(message) => match relay.transport.send(message).await {
            Ok(_) => Delivery::Sent,
            Err(e) if e.is_permanent() => Delivery::Failed {
                reason: format!("the relay refused it: {e}"),
            },
            Err(e) if out.attempts + 1 >= MAX_ATTEMPTS => Delivery::Failed {
                reason: format!("gave up after {MAX_ATTEMPTS} attempts: {e}"),
            },
            Err(e) => Delivery::Retry {
                reason: e.to_string(),
                after: backoff(out.attempts),
            },
        },
    };
    if delivery != Delivery::Sent {
        tracing::warn!(item = %out.item.id, ?delivery, "an email was not sent");
    }
    app.settle_outgoing(&out.outbox_id, out.item.id.as_str(), delivery)
        .await
}

/// Sends what is due; returns how many were claimed.
pub async fn send_due(app: &App, relay: &Relay, id_domain: &str) -> Result<usize, AppError> {
    let claimed = app
        .claim_outgoing(Channel::Email, 16, LEASE, id_domain)
        .await?;
    for out in &claimed {
        send_one(app, relay, out).await?;
    }
    Ok(claimed.len())
}

/// Sends the outbox's emails until `stop`: at once when woken, else once a second.
pub async fn run(
    app: App,
    relay: Relay,
    id_domain: String,
    wake: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        match send_due(&app, &relay, &id_domain).await {
            Ok(n) if n > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e.chain(), "sending email failed; retrying"),
        }
        tokio::select! {
            () = tokio::time::sleep(StdDuration::from_secs(1)) => {}
            () = wake.notified() => {}
            _ = stop.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outgoing(files: Vec<hearth_app::service::ItemFile>) -> Outgoing {
        use hearth_domain::id::{CustomerId, ItemId};
        use hearth_domain::item::{ConversationItem, Initiator, InitiatorType};
        Outgoing {
            outbox_id: "o1".into(),
            item: ConversationItem {
                id: ItemId::from_trusted("i1"),
                customer_id: CustomerId::from_trusted("c1"),
                conversation_id: None,
                contact_id: None,
                session_id: None,
                timestamp: hearth_domain::Timestamp::UNIX_EPOCH,
                initiator: Initiator::new(InitiatorType::Agent, "a1"),
                responder: None,
                content: ItemContent::Email {
                    from: "support@example.com".into(),
                    to: vec!["jane@customer.example".into()],
                    cc: vec!["sam@customer.example".into()],
                    bcc: Vec::new(),
                    subject: "Re: Order".into(),
                    content: "Here it is.".into(),
                    html: None,
                    attachments: Vec::new(),
                },
                redaction: None,
            },
            attempts: 0,
            message_id: "<o1@hearth.test>".into(),
            in_reply_to: Some("<q1@customer.example>".into()),
            references: vec![
                "<q0@customer.example>".into(),
                "<q1@customer.example>".into(),
            ],
            sender_name: Some("Support".into()),
            files,
        }
    }

    #[test]
    fn an_email_carries_its_thread_and_its_files() {
        let plain = String::from_utf8(build(&outgoing(Vec::new())).unwrap().formatted()).unwrap();
        for header in [
            "From: Support <support@example.com>",
            "Reply-To: Support <support+i1@example.com>",
            "To: jane@customer.example",
            "Cc: sam@customer.example",
            "Message-ID: <o1@hearth.test>",
            "In-Reply-To: <q1@customer.example>",
            "References: <q0@customer.example> <q1@customer.example>",
            "Content-Type: text/plain; charset=utf-8",
        ] {
            assert!(plain.contains(header), "{header} missing in {plain}");
        }
        let with_file = outgoing(vec![hearth_app::service::ItemFile {
            filename: "label.pdf".into(),
            content_type: "application/pdf".into(),
            bytes: b"%PDF-1.4".to_vec(),
        }]);
        let mixed = String::from_utf8(build(&with_file).unwrap().formatted()).unwrap();
        assert!(mixed.contains("Content-Type: multipart/mixed"), "{mixed}");
        assert!(mixed.contains("filename=\"label.pdf\""), "{mixed}");
        assert!(mixed.contains("Content-Type: application/pdf"), "{mixed}");
        assert!(mixed.contains("Here it is."), "{mixed}");
        assert!(
            !plain.contains("Auto-Submitted"),
            "an agent's reply is not automatic"
        );
        let mut automatic = outgoing(Vec::new());
        automatic.item.initiator =
            hearth_domain::item::Initiator::new(InitiatorType::Automation, "r1");
        let auto = String::from_utf8(build(&automatic).unwrap().formatted()).unwrap();
        assert!(auto.contains("Auto-Submitted: auto-replied"), "{auto}");
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(0), Duration::seconds(30));
        assert_eq!(backoff(1), Duration::seconds(60));
        assert_eq!(backoff(6), Duration::seconds(1920));
        assert_eq!(backoff(7), Duration::seconds(3600));
        assert_eq!(backoff(40), Duration::seconds(3600));
    }

    // The transport's connection pool lives on a runtime.
    #[tokio::test]
    async fn relay_urls_are_checked_and_shown_without_credentials() {
        let relay = Relay::parse("smtp://user:secret@127.0.0.1:2526").unwrap();
        assert_eq!(relay.display, "smtp://…@127.0.0.1:2526");
        assert!(Relay::parse("http://127.0.0.1").is_err());
    }
}
