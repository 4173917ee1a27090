//! The outbox: the messages Hearth sends, handed to the channel adapter that sends
//! them and settled with what the provider said. A row is claimed with a lease
//! (another instance, or this one after a crash, takes it again only when the lease
//! runs out) and carries the message id it goes out with, fixed at its first claim,
//! so that a retry repeats it and the receiving side can tell a repeat.

use std::collections::BTreeMap;

use hearth_domain::channel::Channel;
use hearth_domain::item::ConversationItem;
use hearth_domain::{DomainError, Duration};

use crate::app::{App, read_tx, write_tx};
use crate::codec::{self, ItemDoc};
use crate::error::AppError;
use crate::ports::{MessageRefRow, OutboxRow, stored};
use crate::unit_of_work::load_inbox;

/// A message to send, claimed for this sender until its lease runs out.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub outbox_id: String,
    pub item: ConversationItem,
    /// Attempts before this one.
    pub attempts: i64,
    /// The id it goes out with (an email's Message-ID, with its angle brackets).
    pub message_id: String,
    /// The message it answers (an email's In-Reply-To).
    pub in_reply_to: Option<String>,
    /// The thread so far, oldest first (an email's References).
    pub references: Vec<String>,
    /// A name to show beside the sender's address: the conversation's inbox.
    pub sender_name: Option<String>,
    /// The files the message carries, in the item's order.
    pub files: Vec<super::inbound::ItemFile>,
}

/// What became of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The provider took the message.
    Sent,
    /// A temporary failure: try again after `after`.
    Retry { reason: String, after: Duration },
    /// It will never go out (refused for good, or bounced).
    Failed { reason: String },
}

/// The delivery state of an outgoing item, as agents and the API see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryState {
    /// `PENDING`, `SENT` or `FAILED`.
    pub status: String,
    pub attempts: i64,
    /// Why the last attempt failed, or why it will not go out.
    pub detail: Option<String>,
}

impl DeliveryState {
    fn of(row: &OutboxRow) -> DeliveryState {
        DeliveryState {
            status: row.status.clone(),
            attempts: row.attempts,
            detail: row.detail.clone(),
        }
    }
}

/// The delivery state of each item of a conversation that went through the outbox,
/// by item id (the newest row of an item wins).
pub(crate) async fn deliveries_of(
    tx: &mut dyn crate::ports::StoreTx,
    conversation_id: &str,
) -> Result<BTreeMap<String, DeliveryState>, AppError> {
    Ok(tx
        .outbox_for_conversation(conversation_id)
        .await?
        .iter()
        .map(|r| (r.item_id.clone(), DeliveryState::of(r)))
        .collect())
}

impl App {
    /// Claims up to `limit` due messages of `channel` for `lease`. `id_domain` is
    /// the right-hand side of the message ids Hearth makes (`<outbox id@domain>`).
    pub async fn claim_outgoing(
        &self,
        channel: Channel,
        limit: i64,
        lease: Duration,
        id_domain: &str,
    ) -> Result<Vec<Outgoing>, AppError> {
        if id_domain.is_empty() || id_domain.contains(['<', '>', '@', ' ']) {
            return Err(DomainError::invalid("idDomain", "not a domain name").into());
        }
        write_tx!(self, |tx| {
            let now = self.now();
            let due = tx
                .due_outbox(channel.as_str(), codec::to_ms(now), limit)
                .await?;
            let mut claimed = Vec::with_capacity(due.len());
            for row in due {
                let item = codec::read::<ItemDoc>(&row.payload)?.to_domain()?;
                let message_id = row
                    .message_id
                    .clone()
                    .unwrap_or_else(|| format!("<{}@{id_domain}>", row.id));
                let earlier = match &row.conversation_id {
                    Some(conversation) => tx.latest_message_ref(conversation).await?,
                    None => None,
                }
                .filter(|r| r.message_id != message_id);
                let mut references: Vec<String> = earlier
                    .as_ref()
                    .map(|r| r.refs.split_whitespace().map(str::to_owned).collect())
                    .unwrap_or_default();
                let in_reply_to = earlier.as_ref().map(|r| r.message_id.clone());
                references.extend(in_reply_to.clone());
                // The customer's answer names this id: it leads back here.
                tx.insert_message_ref(&MessageRefRow {
                    message_id: message_id.clone(),
                    customer_id: item.customer_id.to_string(),
                    conversation_id: row.conversation_id.clone(),
                    item_id: item.id.to_string(),
                    refs: references.join(" "),
                    at: codec::to_ms(now),
                })
                .await?;
                let sender_name = match &row.conversation_id {
                    Some(conversation) => match tx.conversation(conversation).await? {
                        Some(c) => load_inbox(tx, &c.inbox_id).await?.map(|i| i.name),
                        None => None,
                    },
                    None => None,
                };
                let mut files = Vec::new();
                for a in item.content.attachments() {
                    let blob =
                        tx.blob_of_item(item.id.as_str(), &a.id)
                            .await?
                            .ok_or_else(|| {
                                AppError::internal(format!(
                                    "file {} of item {} is missing",
                                    a.id, item.id
                                ))
                            })?;
                    files.push(super::inbound::ItemFile {
                        filename: a.filename.clone(),
                        content_type: blob.content_type,
                        bytes: blob.bytes,
                    });
                }
                tx.update_outbox(&OutboxRow {
                    next_attempt_at: Some(codec::to_ms(now + lease)),
                    message_id: Some(message_id.clone()),
                    ..row.clone()
                })
                .await?;
                claimed.push(Outgoing {
                    outbox_id: row.id,
                    item,
                    attempts: row.attempts,
                    message_id,
                    in_reply_to,
                    references,
                    sender_name,
                    files,
                });
            }
            Ok::<_, AppError>(claimed)
        })
    }

    /// Records what became of an attempt to send `outbox_id`.
    pub async fn settle_outgoing(
        &self,
        outbox_id: &str,
        item_id: &str,
        delivery: Delivery,
    ) -> Result<(), AppError> {
        write_tx!(self, |tx| {
            let Some(row) = tx
                .outbox_for_item(item_id)
                .await?
                .into_iter()
                .find(|r| r.id == outbox_id)
            else {
                // Erased meanwhile: nothing is left to settle.
                return Ok(());
            };
            let attempts = row.attempts + 1;
            let settled = match delivery.clone() {
                Delivery::Sent => OutboxRow {
                    status: stored::SENT.to_owned(),
                    attempts,
                    next_attempt_at: None,
                    detail: None,
                    ..row
                },
                Delivery::Retry { reason, after } => OutboxRow {
                    attempts,
                    next_attempt_at: Some(codec::to_ms(self.now() + after)),
                    detail: Some(reason),
                    ..row
                },
                Delivery::Failed { reason } => OutboxRow {
                    status: stored::FAILED.to_owned(),
                    attempts,
                    next_attempt_at: None,
                    detail: Some(reason),
                    ..row
                },
            };
            tx.update_outbox(&settled).await?;
            Ok::<_, AppError>(())
        })
    }

    /// A bounce names the message id it reports on: that message failed.
    /// Returns whether the id was one Hearth sent.
    pub async fn bounced(&self, message_id: &str, reason: &str) -> Result<bool, AppError> {
        write_tx!(self, |tx| {
            let Some(known) = tx.message_ref(message_id).await? else {
                return Ok(false);
            };
            let mut found = false;
            for row in tx.outbox_for_item(&known.item_id).await? {
                if row.message_id.as_deref() == Some(message_id) {
                    found = true;
                    tx.update_outbox(&OutboxRow {
                        status: stored::FAILED.to_owned(),
                        next_attempt_at: None,
                        detail: Some(reason.to_owned()),
                        ..row
                    })
                    .await?;
                }
            }
            Ok::<_, AppError>(found)
        })
    }

    /// How many messages of `channel` wait to be sent.
    pub async fn outbox_backlog(&self, channel: Channel) -> Result<i64, AppError> {
        read_tx!(self, |tx| Ok::<_, AppError>(
            tx.outbox_backlog(channel.as_str()).await?
        ))
    }

    /// The delivery state of an item Hearth sent, if it went through the outbox.
    pub async fn delivery_state(&self, item_id: &str) -> Result<Option<DeliveryState>, AppError> {
        let rows = read_tx!(self, |tx| Ok::<_, AppError>(
            tx.outbox_for_item(item_id).await?
        ))?;
        Ok(rows.last().map(DeliveryState::of))
    }
}
