//! Reading kept emails into items: parse, find the entry point written to, hold back
//! mail loops, report bounces against what Hearth sent, and call the one ingestion
//! use case. A message that cannot become an item is set aside for review with the
//! reason, never dropped; a failure of the database leaves it unread for the next
//! round.

use hearth_app::App;
use hearth_app::error::AppError;
use hearth_app::service::{File, InboundRequest, KeptMessage, Received, Thread};
use hearth_domain::Duration;
use hearth_domain::channel::Channel;
use hearth_domain::item::{Attachment, ItemContent};

use super::address;
use super::parse::{self, Kind};

/// More messages than this from one sender within a minute is taken for a mail
/// loop (two auto-responders answering each other): the rest are set aside.
pub const LOOP_LIMIT: i64 = 20;

/// What became of one kept message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It is an item now (or was already: a redelivery).
    Received(Received),
    /// A delivery report; `true` if it named a message Hearth sent.
    Bounce(bool),
    /// Set aside for review, with the reason.
    SetAside(String),
}

/// Reads one kept message.
pub async fn read_kept(app: &App, kept: &KeptMessage) -> Result<Outcome, AppError> {
    let mail = match parse::read(&kept.bytes) {
        Ok(mail) => mail,
        Err(e) => return set_aside(app, kept, e.to_string(), None).await,
    };
    let sender = Some(mail.sender.as_str());
    let automated = match &mail.kind {
        Kind::Bounce { original, reason } => {
            let known = match original {
                Some(id) => app.bounced(id, reason).await?,
                None => false,
            };
            let note = format!(
                "delivery report for {}: {reason}",
                original.as_deref().unwrap_or("an unknown message")
            );
            set_aside(app, kept, note, sender).await?;
            return Ok(Outcome::Bounce(known));
        }
        Kind::Automated(_) => true,
        Kind::Person => false,
    };
    let mut entry = None;
    for recipient in &mail.recipients {
        let (base, token) = address::split_plus(recipient);
        if app.has_entry_point(Channel::Email, &base).await? {
            entry = Some((base, token));
            break;
        }
    }
    let Some((entry_point, token)) = entry else {
        return set_aside(
            app,
            kept,
            "no recipient is an email entry point".into(),
            sender,
        )
        .await;
    };
    // This message is not counted yet: it is read below.
    let recent = app
        .raw_count_since(Channel::Email, &mail.sender, Duration::minutes(1))
        .await?;
    if recent >= LOOP_LIMIT {
        return set_aside(
            app,
            kept,
            format!(
                "mail loop: more than {LOOP_LIMIT} messages from {} within a minute",
                mail.sender
            ),
            sender,
        )
        .await;
    }
    let provider_message_id = mail
        .message_id
        .as_ref()
        .map(|id| format!("email:{}:{id}", mail.sender))
        .filter(|id| id.len() <= 255);
    let req = InboundRequest {
        channel: Channel::Email,
        entry_point: entry_point.clone(),
        from_address: mail.sender.clone(),
        from_name: mail.sender_name.clone(),
        content: ItemContent::Email {
            from: mail.sender.clone(),
            // The entry point first: a reply comes from it (`outbound::email_or_sms_reply`).
            to: std::iter::once(entry_point.clone())
                .chain(mail.to.iter().filter(|a| **a != entry_point).cloned())
                .collect(),
            cc: mail.cc.clone(),
            bcc: Vec::new(),
            subject: mail.subject.clone(),
            content: mail.text.clone(),
            html: mail.html.clone(),
            attachments: mail
                .files
                .iter()
                .map(|f| Attachment {
                    id: f.id.clone(),
                    content_type: f.content_type.clone(),
                    filename: f.filename.clone(),
                    file_size: f.bytes.len() as u64,
                })
                .collect(),
        },
        session_id: None,
        provider_message_id,
        automated,
        thread: Some(Thread {
            message_id: mail.message_id.clone(),
            answers: mail.answers.clone(),
            token,
        }),
        raw_id: Some(kept.id.clone()),
        files: mail
            .files
            .iter()
            .map(|f| File {
                id: f.id.clone(),
                content_type: f.content_type.clone(),
                filename: f.filename.clone(),
                bytes: f.bytes.clone(),
            })
            .collect(),
    };
    match app.receive(req).await {
        Ok((received, _)) => Ok(Outcome::Received(received)),
        Err(e) if e.is_client_error() => set_aside(app, kept, e.to_string(), sender).await,
        Err(e) => Err(e),
    }
}

async fn set_aside(
    app: &App,
    kept: &KeptMessage,
    reason: String,
    sender: Option<&str>,
) -> Result<Outcome, AppError> {
    tracing::warn!(raw = %kept.id, source = %kept.source, %reason, "email set aside for review");
    app.set_aside_raw(&kept.id, &reason, sender).await?;
    Ok(Outcome::SetAside(reason))
}

/// Kept emails left unread this long are taken for abandoned by whoever received
/// them (a crash between the acknowledgement and the reading) and read again.
pub const ABANDONED_AFTER: Duration = Duration::seconds(30);

/// Kept emails read per round.
const BATCH: i64 = 16;

/// Reads the kept emails nobody is reading (module header), oldest first; returns
/// how many were read. A message that fails (the database, not the message: a bad
/// message is set aside) is logged and left for a later round, and does not hold
/// up the others.
pub async fn read_abandoned(app: &App) -> Result<usize, AppError> {
    let mut done = 0;
    loop {
        let batch = app.unread_raw(BATCH, ABANDONED_AFTER).await?;
        let emails: Vec<&KeptMessage> = batch
            .iter()
            .filter(|k| k.channel == Channel::Email.as_str())
            .collect();
        let mut read = 0;
        for kept in &emails {
            match read_kept(app, kept).await {
                Ok(_) => read += 1,
                Err(e) => {
                    tracing::warn!(raw = %kept.id, error = %e.chain(), "reading a kept email failed; trying later");
                }
            }
        }
        done += read;
        // A short batch was the last; one where nothing could be read is tried
        // again next round rather than at once.
        if (batch.len() as i64) < BATCH || read == 0 {
            return Ok(done);
        }
    }
}

/// Reads abandoned emails once a second until `stop`.
pub async fn run(app: App, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        if let Err(e) = read_abandoned(&app).await {
            tracing::warn!(error = %e.chain(), "reading kept emails failed; retrying");
        }
        tokio::select! {
            () = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
            _ = stop.changed() => return,
        }
    }
}
