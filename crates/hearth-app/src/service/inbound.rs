//! The one ingestion path every channel calls (and `POST /contacts/inbound`). It
//! identifies (or creates) the customer, by the thread a message answers where the
//! channel has one and else by the sender's address; picks the conversation
//! (T1-T4); decides the contact and item; and records the provider message id so a
//! redelivery answers with the first response and writes nothing. Automated
//! messages (auto-replies, bulk mail) are kept on the customer's timeline outside
//! any conversation: they never re-open one, start an SLA clock or get routed.
//!
//! Channels keep what they receive before they acknowledge it ([`App::keep_raw`]);
//! the message read from those bytes names the kept row, which is marked read in
//! the transaction that stores the item.

use hearth_domain::DomainError;
use hearth_domain::channel::Channel;
use hearth_domain::conversation::{
    Inbound, InboundTarget, decide_inbound, inbound_target, message_channel,
};
use hearth_domain::customer::{IdentityKind, identity_of, new_customer};
use hearth_domain::id::{ContactId, ConversationId, CustomerId, ItemId};
use hearth_domain::item::{ConversationItem, Initiator, InitiatorType, ItemContent};
use serde::{Deserialize, Serialize};

use crate::app::read_tx;
use crate::app::{App, write_tx};
use crate::clock::new_id;
use crate::codec;
use crate::error::AppError;
use crate::pipeline::Change;
use crate::ports::{BlobRow, MessageRefRow, RawInboundRow, StoreTx, stored};
use crate::unit_of_work::{
    conversation_of_row, load_entry_point, load_inbox, load_settings, save_customer,
};

/// Longest accepted provider message id.
const MAX_PROVIDER_ID: usize = 255;

/// A contact arriving: on which channel, at which entry point, from whom, with
/// what. Channel adapters build it directly; the API reads it with
/// [`crate::gladly::inbound::inbound_request`]. [`App::inbound`] checks the values.
#[derive(Debug, Clone)]
pub struct InboundRequest {
    pub channel: Channel,
    /// The address the customer wrote to (an entry point's).
    pub entry_point: String,
    /// The customer's address on the channel (email, phone number, visitor id).
    pub from_address: String,
    pub from_name: Option<String>,
    pub content: ItemContent,
    /// A chat session, when the channel has one.
    pub session_id: Option<String>,
    /// The provider's id of the message; a repeated one is answered from the first.
    pub provider_message_id: Option<String>,
    /// An auto-reply or bulk message: kept, never routed (module header).
    pub automated: bool,
    /// Where the message sits in a thread (email's Message-ID and References).
    pub thread: Option<Thread>,
    /// The kept raw message this was read from ([`App::keep_raw`]).
    pub raw_id: Option<String>,
    /// The files the content's attachments name, kept with the item.
    pub files: Vec<File>,
}

/// A file that came with a message: an attachment or an inline image. Its id is
/// the SHA-256 of its bytes in hex ([`file_id`]), which the item's attachment
/// names.
#[derive(Clone, PartialEq, Eq)]
pub struct File {
    pub id: String,
    pub content_type: String,
    /// The name it came with (an agent's upload keeps it; received files have it
    /// on the item's attachment).
    pub filename: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for File {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("File")
            .field("id", &self.id)
            .field("content_type", &self.content_type)
            .field("size", &self.bytes.len())
            .finish()
    }
}

/// A file as an item shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct ItemFile {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for ItemFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ItemFile")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("size", &self.bytes.len())
            .finish()
    }
}

/// How a received email's HTML names its inline images: this, then the file id.
/// Whoever shows the HTML points them at where it serves the item's files.
pub const INLINE_FILE: &str = "hearth-file:";

/// The id of a file with these bytes: SHA-256, in lowercase hex.
pub fn file_id(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// A message's place in a thread: its own id and the ids it answers, nearest
/// first (an email's In-Reply-To, then its References from the newest back), plus
/// a token Hearth put in the address it was sent to, if any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Thread {
    pub message_id: Option<String>,
    pub answers: Vec<String>,
    /// An outgoing item's id, from a plus address (`support+ITEM@example.com`).
    pub token: Option<String>,
}

/// What an inbound message became. `conversation_id` and `contact_id` are absent
/// for an automated message, which joins no conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Received {
    pub customer_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    pub item_id: String,
}

/// A message a channel received, kept as it came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMessage {
    pub channel: Channel,
    /// `smtp`, `imap:<entry point id>`, `upload`.
    pub source: String,
    /// The sender's address as the channel gave it, if it gave one.
    pub sender: Option<String>,
    pub bytes: Vec<u8>,
}

/// An EMAIL entry point's mailbox, as its poller needs it.
#[derive(Clone, PartialEq, Eq)]
pub struct ImapMailbox {
    pub entry_point_id: String,
    /// The entry point's address: what the mailbox's mail was written to.
    pub address: String,
    pub url: String,
    pub username: String,
    pub password: String,
    pub mailbox: String,
    pub poll_seconds: i64,
}

impl std::fmt::Debug for ImapMailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImapMailbox")
            .field("entry_point_id", &self.entry_point_id)
            .field("url", &self.url)
            .field("username", &self.username)
            .field("mailbox", &self.mailbox)
            .finish_non_exhaustive()
    }
}

/// A kept message not yet read into an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptMessage {
    pub id: String,
    pub channel: String,
    pub source: String,
    pub bytes: Vec<u8>,
    pub received_at: hearth_domain::Timestamp,
}

/// `{"customerId","conversationId","contactId","itemId"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InboundResponse {
    pub customer_id: String,
    pub conversation_id: String,
    pub contact_id: String,
    pub item_id: String,
}

impl App {
    /// `POST /contacts/inbound`: [`App::receive`] for a message that joins a
    /// conversation (the API never sends automated ones).
    pub async fn inbound(&self, req: InboundRequest) -> Result<(InboundResponse, bool), AppError> {
        let (received, created) = self.receive(req).await?;
        let (Some(conversation_id), Some(contact_id)) =
            (received.conversation_id, received.contact_id)
        else {
            return Err(AppError::internal(
                "an inbound contact was kept outside any conversation",
            ));
        };
        Ok((
            InboundResponse {
                customer_id: received.customer_id,
                conversation_id,
                contact_id,
                item_id: received.item_id,
            },
            created,
        ))
    }

    /// Ingests one inbound message or call. Returns what it became and whether it
    /// was newly created (`false`: a repeated provider message id, nothing written).
    pub async fn receive(&self, req: InboundRequest) -> Result<(Received, bool), AppError> {
        let channel = req.channel;
        if req.entry_point.trim().is_empty() {
            return Err(
                DomainError::blank("entryPoint", "the entry point address is required").into(),
            );
        }
        if let Some(pid) = &req.provider_message_id {
            if pid.is_empty() {
                return Err(DomainError::blank(
                    "providerMessageId",
                    "must not be empty when present",
                )
                .into());
            }
            if pid.len() > MAX_PROVIDER_ID {
                return Err(DomainError::too_long(
                    "providerMessageId",
                    "must be at most 255 characters",
                )
                .into());
            }
        }
        if let Some(session) = &req.session_id
            && session.len() > 255
        {
            return Err(
                DomainError::too_long("sessionId", "must be at most 255 characters").into(),
            );
        }
        let (kind, value) = identity_of(channel, &req.from_address)?;
        if message_channel(&req.content) != Some(channel) {
            return Err(DomainError::invalid(
                "content.type",
                format!("{} does not fit channel {channel}", req.content.type_name()),
            )
            .into());
        }
        write_tx!(self, |tx| self
            .inbound_once(tx, &req, channel, kind, &value, &req.content)
            .await)
    }

    async fn inbound_once(
        &self,
        tx: &mut dyn StoreTx,
        req: &InboundRequest,
        channel: Channel,
        kind: IdentityKind,
        value: &str,
        content: &hearth_domain::item::ItemContent,
    ) -> Result<(Received, bool), AppError> {
        if let Some(pid) = &req.provider_message_id
            && let Some(first) = tx.inbound_response(pid).await?
        {
            let first: Received = codec::read(&first)?;
            self.settle_kept(tx, req, &first).await?;
            return Ok((first, false));
        }
        let now = self.now();
        let entry = load_entry_point(tx, channel, &req.entry_point)
            .await?
            .ok_or_else(|| {
                DomainError::invalid(
                    "entryPoint",
                    format!(
                        "no {channel} entry point has the address '{}'",
                        req.entry_point.trim()
                    ),
                )
            })?;
        let settings = load_settings(tx).await?;

        let threaded = match &req.thread {
            Some(thread) => thread_customer(tx, thread).await?,
            None => None,
        };
        let known = match threaded {
            Some(id) => Some(id),
            None => tx.customer_by_identity(kind.as_str(), value).await?,
        };
        // A number no profile holds as its mobile may still be one's home, work or
        // other phone: then it is that customer (the most recently updated, when
        // several hold it), rather than a new profile.
        let known = match known {
            None if kind == IdentityKind::MobilePhone => {
                super::customers::customers_with_phone(tx, value, 1)
                    .await?
                    .into_iter()
                    .next()
                    .map(|c| c.id.to_string())
            }
            other => other,
        };
        let customer_id = match known {
            Some(id) => CustomerId::from_trusted(id),
            None => {
                let customer = new_customer(
                    CustomerId::from_trusted(new_id()),
                    req.from_name.clone(),
                    kind,
                    value,
                    &req.from_address,
                    now,
                )?;
                let initiator = Initiator::new(InitiatorType::Customer, customer.id.as_str());
                // Another request may create the same sender's profile meanwhile: the
                // unique identity makes this write lose, and the retry finds it.
                match save_customer(tx, &customer, "CUSTOMER_PROFILE/CREATED", &initiator).await {
                    Err(AppError::Taken { .. }) => return Err(AppError::Contention),
                    other => other?,
                }
                customer.id
            }
        };

        // Contacts of one customer queue here rather than race for its conversation.
        tx.lock_customer(customer_id.as_str()).await?;
        // Another reader of the same kept message may have been first.
        if let Some(first) = already_read(tx, req).await? {
            return Ok((first, false));
        }
        if req.automated {
            return self
                .keep_automated(tx, req, &customer_id, content.clone())
                .await;
        }
        let latest = match tx.latest_conversation(customer_id.as_str()).await? {
            Some(row) => Some(conversation_of_row(&row)?),
            None => None,
        };
        let target = match inbound_target(latest.as_ref(), now, &settings) {
            InboundTarget::New => None,
            InboundTarget::Join | InboundTarget::Reopen => latest.as_ref(),
        };
        let inbox_id = target.map_or(&entry.inbox_id, |c| &c.inbox_id);
        let inbox = load_inbox(tx, inbox_id.as_str()).await?.ok_or_else(|| {
            AppError::internal(format!(
                "inbox {inbox_id} of entry point {} is missing",
                entry.id
            ))
        })?;

        let item_id = ItemId::from_trusted(new_id());
        let item = ConversationItem {
            id: item_id.clone(),
            customer_id: customer_id.clone(),
            conversation_id: None,
            contact_id: None,
            session_id: req.session_id.clone(),
            timestamp: now,
            initiator: Initiator::new(InitiatorType::Customer, customer_id.as_str()),
            responder: None,
            content: content.clone(),
            redaction: None,
        };
        // R48: the entry point's SLA and hours, where it has them, else the inbox's.
        let hours = entry
            .business_hours_id
            .as_deref()
            .or(inbox.business_hours_id.as_deref());
        let sla = crate::unit_of_work::sla_in_hours(tx, hours, entry.sla_for(&inbox)).await?;
        let inbound = Inbound {
            new_conversation_id: ConversationId::from_trusted(new_id()),
            new_contact_id: ContactId::from_trusted(new_id()),
            customer_id: customer_id.clone(),
            channel,
            session_id: req.session_id.clone(),
            entry_point: Some(entry.address.clone()),
            inbox_id: entry.inbox_id.clone(),
            sla,
            item,
        };
        // A second open conversation for the customer (a concurrent T1) violates the
        // one-open-conversation index: lose, retry, and join the winner's.
        let (after, events) = match self
            .decide_and_commit(tx, target, inbox_id, Change::FromCustomer, |ctx| {
                decide_inbound(target, inbound, ctx)
            })
            .await
        {
            Err(AppError::Taken { .. }) => return Err(AppError::Contention),
            other => other?,
        };
        let contact_id = events
            .iter()
            .find_map(|e| match &e.kind {
                hearth_domain::conversation::EventKind::MessageReceived { item } => {
                    item.contact_id.clone()
                }
                _ => None,
            })
            .ok_or_else(|| AppError::internal("inbound decision without a message"))?;
        let received = Received {
            customer_id: customer_id.to_string(),
            conversation_id: Some(after.id.to_string()),
            contact_id: Some(contact_id.to_string()),
            item_id: item_id.to_string(),
        };
        self.record_received(tx, req, &received).await?;
        Ok((received, true))
    }

    /// An automated message: an item on the customer's timeline, in no conversation.
    async fn keep_automated(
        &self,
        tx: &mut dyn StoreTx,
        req: &InboundRequest,
        customer_id: &CustomerId,
        content: ItemContent,
    ) -> Result<(Received, bool), AppError> {
        let item = ConversationItem {
            id: ItemId::from_trusted(new_id()),
            customer_id: customer_id.clone(),
            conversation_id: None,
            contact_id: None,
            session_id: req.session_id.clone(),
            timestamp: self.now(),
            initiator: Initiator::new(InitiatorType::Customer, customer_id.as_str()),
            responder: None,
            content,
            redaction: None,
        };
        self.store_loose_item(tx, &item, AUTOMATED_RECEIVED).await?;
        let received = Received {
            customer_id: customer_id.to_string(),
            conversation_id: None,
            contact_id: None,
            item_id: item.id.to_string(),
        };
        self.record_received(tx, req, &received).await?;
        Ok((received, true))
    }

    /// After a new item: the provider id (so a redelivery is answered from this),
    /// the message's thread id, and the kept raw message marked read.
    async fn record_received(
        &self,
        tx: &mut dyn StoreTx,
        req: &InboundRequest,
        received: &Received,
    ) -> Result<(), AppError> {
        let now = codec::to_ms(self.now());
        if let Some(pid) = &req.provider_message_id {
            match tx.record_inbound(pid, &codec::write(received)?, now).await {
                Err(crate::ports::StoreError::Conflict { .. }) => return Err(AppError::Contention),
                other => other?,
            }
        }
        if let Some(thread) = &req.thread
            && let Some(message_id) = &thread.message_id
        {
            tx.insert_message_ref(&MessageRefRow {
                message_id: message_id.clone(),
                customer_id: received.customer_id.clone(),
                conversation_id: received.conversation_id.clone(),
                item_id: received.item_id.clone(),
                // Oldest first, as an email's References lists them.
                refs: thread
                    .answers
                    .iter()
                    .rev()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(" "),
                at: now,
            })
            .await?;
        }
        for file in &req.files {
            if file_id(&file.bytes) != file.id {
                return Err(DomainError::invalid(
                    "files",
                    format!("file {} does not have the bytes its id names", file.id),
                )
                .into());
            }
            tx.put_blob(&BlobRow {
                id: file.id.clone(),
                content_type: file.content_type.clone(),
                bytes: file.bytes.clone(),
                created_at: now,
            })
            .await?;
            tx.link_blob(&received.item_id, &file.id).await?;
        }
        self.settle_kept(tx, req, received).await
    }

    /// A file an item shows, with the name the item gives it.
    pub async fn item_file(&self, item_id: &str, file_id: &str) -> Result<ItemFile, AppError> {
        read_tx!(self, |tx| {
            let blob = tx
                .blob_of_item(item_id, file_id)
                .await?
                .ok_or_else(|| AppError::not_found("file", file_id))?;
            let item = match tx.item(item_id).await? {
                Some(row) => crate::unit_of_work::item_of_row(&row)?,
                None => return Err(AppError::not_found("conversation item", item_id)),
            };
            let filename = item
                .content
                .attachments()
                .iter()
                .find(|a| a.id == file_id)
                .map(|a| a.filename.clone())
                .unwrap_or_else(|| file_id.to_owned());
            Ok(ItemFile {
                filename,
                content_type: blob.content_type,
                bytes: blob.bytes,
            })
        })
    }

    /// Marks the kept raw message `req` was read from as read into `received`.
    async fn settle_kept(
        &self,
        tx: &mut dyn StoreTx,
        req: &InboundRequest,
        received: &Received,
    ) -> Result<(), AppError> {
        let Some(raw_id) = &req.raw_id else {
            return Ok(());
        };
        let Some(row) = tx.raw_inbound(raw_id).await? else {
            return Err(AppError::not_found("kept message", raw_id));
        };
        tx.settle_raw_inbound(&RawInboundRow {
            status: INGESTED.to_owned(),
            detail: None,
            sender: Some(req.from_address.trim().to_lowercase()),
            customer_id: Some(received.customer_id.clone()),
            item_id: Some(received.item_id.clone()),
            ..row
        })
        .await?;
        Ok(())
    }

    /// Whether an entry point of `channel` has `address` (a channel refuses mail
    /// to any other before taking it).
    pub async fn has_entry_point(&self, channel: Channel, address: &str) -> Result<bool, AppError> {
        read_tx!(self, |tx| Ok::<_, AppError>(
            load_entry_point(tx, channel, address).await?.is_some()
        ))
    }

    /// Keeps a message exactly as a channel received it, before the channel
    /// acknowledges it; returns the kept row's id.
    pub async fn keep_raw(&self, msg: RawMessage) -> Result<String, AppError> {
        let settings = self.settings().await?;
        let max = usize::try_from(settings.max_message_bytes).unwrap_or(usize::MAX);
        if msg.bytes.len() > max {
            return Err(DomainError::too_long(
                "message",
                format!("a message may have at most {max} bytes"),
            )
            .into());
        }
        let id = new_id();
        let row = RawInboundRow {
            id: id.clone(),
            channel: msg.channel.as_str().to_owned(),
            source: msg.source,
            sender: msg.sender.map(|s| s.trim().to_lowercase()),
            received_at: codec::to_ms(self.now()),
            bytes: msg.bytes,
            status: stored::RECEIVED.to_owned(),
            detail: None,
            customer_id: None,
            item_id: None,
        };
        write_tx!(self, |tx| Ok::<_, AppError>(
            tx.insert_raw_inbound(&row).await?
        ))?;
        Ok(id)
    }

    /// Kept messages not yet read and at least `min_age` old, oldest first, at most
    /// `limit`: what a channel reads after a restart (younger ones are still being
    /// read by whoever received them).
    pub async fn unread_raw(
        &self,
        limit: i64,
        min_age: hearth_domain::Duration,
    ) -> Result<Vec<KeptMessage>, AppError> {
        let rows = write_tx!(self, |tx| Ok::<_, AppError>(
            tx.unread_raw_inbound(limit).await?
        ))?;
        let newest = codec::to_ms(self.now() - min_age);
        Ok(rows
            .into_iter()
            .filter(|r| r.received_at <= newest)
            .map(|r| KeptMessage {
                id: r.id,
                channel: r.channel,
                source: r.source,
                bytes: r.bytes,
                received_at: codec::from_ms(r.received_at),
            })
            .collect())
    }

    /// Whether a message from `source` was kept already (a mailbox poller names each
    /// message it takes by mailbox and UID).
    pub async fn kept_from(&self, source: &str) -> Result<bool, AppError> {
        read_tx!(self, |tx| Ok::<_, AppError>(
            tx.raw_inbound_from(source).await?
        ))
    }

    /// The IMAP mailboxes of the EMAIL entry points, to poll.
    pub async fn imap_mailboxes(&self) -> Result<Vec<ImapMailbox>, AppError> {
        let rows = read_tx!(self, |tx| Ok::<_, AppError>(
            tx.resources(crate::unit_of_work::kind::ENTRY_POINT).await?
        ))?;
        let mut out = Vec::new();
        for row in rows {
            let doc: codec::EntryPointDoc = codec::read(&row.doc)?;
            if doc.channel != Channel::Email.as_str() {
                continue;
            }
            if let Some(imap) = doc.imap {
                out.push(ImapMailbox {
                    entry_point_id: doc.id,
                    address: doc.address,
                    url: imap.url,
                    username: imap.username,
                    password: imap.password.unwrap_or_default(),
                    mailbox: imap.mailbox,
                    poll_seconds: imap.poll_seconds,
                });
            }
        }
        Ok(out)
    }

    /// A kept message: its bytes and what became of it.
    pub async fn kept_raw(&self, id: &str) -> Result<Option<RawInboundRow>, AppError> {
        read_tx!(self, |tx| Ok::<_, AppError>(tx.raw_inbound(id).await?))
    }

    /// Sets a kept message aside for a person to look at (unreadable, a mail
    /// loop): it stays stored and is not read again. `sender` is who wrote it, as
    /// far as the channel could tell.
    pub async fn set_aside_raw(
        &self,
        id: &str,
        reason: &str,
        sender: Option<&str>,
    ) -> Result<(), AppError> {
        write_tx!(self, |tx| {
            let Some(row) = tx.raw_inbound(id).await? else {
                return Err(AppError::not_found("kept message", id));
            };
            tx.settle_raw_inbound(&RawInboundRow {
                status: REVIEW.to_owned(),
                detail: Some(reason.to_owned()),
                sender: sender
                    .map(|s| s.trim().to_lowercase())
                    .or(row.sender.clone()),
                ..row
            })
            .await?;
            Ok::<_, AppError>(())
        })
    }

    /// How many messages from `sender` on `channel` were read (or set aside) in the
    /// last `window`.
    pub async fn raw_count_since(
        &self,
        channel: Channel,
        sender: &str,
        window: hearth_domain::Duration,
    ) -> Result<i64, AppError> {
        let since = codec::to_ms(self.now() - window);
        let sender = sender.trim().to_lowercase();
        read_tx!(self, |tx| Ok::<_, AppError>(
            tx.raw_inbound_count_since(channel.as_str(), &sender, since)
                .await?
        ))
    }
}

/// `inbound_raw.status` of a message read into an item, and of one set aside.
const INGESTED: &str = "INGESTED";
const REVIEW: &str = "REVIEW";

/// The event of an automated message kept outside any conversation.
const AUTOMATED_RECEIVED: &str = "HEARTH_AUTOMATED_MESSAGE/RECEIVED";

/// What the kept message `req` was read from became, if it was read already.
async fn already_read(
    tx: &mut dyn StoreTx,
    req: &InboundRequest,
) -> Result<Option<Received>, AppError> {
    let Some(raw_id) = &req.raw_id else {
        return Ok(None);
    };
    let Some(row) = tx.raw_inbound(raw_id).await? else {
        return Ok(None);
    };
    let (Some(customer_id), Some(item_id)) = (row.customer_id, row.item_id) else {
        return Ok(None);
    };
    let Some(item) = tx.item(&item_id).await? else {
        return Ok(None);
    };
    let item = crate::unit_of_work::item_of_row(&item)?;
    Ok(Some(Received {
        customer_id,
        conversation_id: item.conversation_id.map(|c| c.to_string()),
        contact_id: item.contact_id.map(|c| c.to_string()),
        item_id,
    }))
}

/// The customer a threaded message belongs to: the owner of the nearest message it
/// answers that Hearth knows, else of the item its token names.
async fn thread_customer(
    tx: &mut dyn StoreTx,
    thread: &Thread,
) -> Result<Option<String>, AppError> {
    for id in &thread.answers {
        if let Some(known) = tx.message_ref(id).await?
            && tx.customer(&known.customer_id).await?.is_some()
        {
            return Ok(Some(known.customer_id));
        }
    }
    if let Some(token) = &thread.token
        && let Some(item) = tx.item(token).await?
    {
        return Ok(Some(item.customer_id));
    }
    Ok(None)
}
