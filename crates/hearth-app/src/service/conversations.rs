//! Conversations over the Gladly API: read, the timeline, `PATCH` (assignee and
//! status with `force`), replies through the outbox, topics, notes, and the customer
//! side ending a contact.

use hearth_domain::DomainError;
use hearth_domain::channel::Channel;
use hearth_domain::config::Role;
use hearth_domain::conversation::{AssignReason, Command, Conversation, Status, message_channel};
use hearth_domain::id::{ContactId, ItemId, TopicId};
use hearth_domain::item::{ConversationItem, Initiator, InitiatorType, ItemContent};
use hearth_domain::outbound::{
    ReplyText, email_or_sms_reply, first_message, first_message_channel,
};

use super::credentials::Caller;
use super::permissions::{Touch, may_touch};
use crate::app::{App, read_tx, write_tx};
use crate::clock::new_id;
use crate::codec::{self, ItemDoc};
use crate::error::AppError;
use crate::ports::{OutboxRow, StoreTx};
use crate::unit_of_work::{
    conversation_of_row, item_of_row, kind, load_conversation, load_conversation_for_update,
    load_customer, load_items, resolve_assignee,
};

/// The most items `GET /conversations/{id}/items` returns.
pub const ITEMS_CAP: i64 = 1000;
/// The most conversations `GET /customers/{id}/conversations` returns.
pub const CONVERSATIONS_CAP: i64 = 100;

/// `PATCH /conversations/{id}`, already shape-checked.
#[derive(Debug, Clone, Default)]
pub struct PatchConversation {
    /// `assignee: {inboxId, agentId?}`; `agentId: null` means no agent.
    pub assignee: Option<(String, Option<String>)>,
    /// `status: {value, force}`.
    pub status: Option<(Status, bool)>,
}

/// A reply to a customer message.
#[derive(Debug, Clone)]
pub enum ReplyRequest {
    /// An email or SMS: its addresses (and by default its subject) come from the
    /// replied message ([`hearth_domain::outbound::email_or_sms_reply`]).
    Text {
        channel: Channel,
        text: ReplyText,
        /// Files to attach (an email only).
        files: Vec<super::inbound::File>,
    },
    /// A chat, Messenger, Instagram, WhatsApp or Twitter message as written; a chat
    /// reply joins the replied message's session.
    Message(ItemContent),
}

fn agent_initiator(caller: &Caller) -> Initiator {
    Initiator::new(InitiatorType::Agent, caller.agent.id.as_str())
}

/// A conversation's items, whether the cap cut them, and the delivery state of
/// those Hearth sent through the outbox (by item id).
#[derive(Debug, Clone)]
pub struct ItemsPage {
    pub items: Vec<ConversationItem>,
    pub limited: bool,
    pub deliveries: std::collections::BTreeMap<String, super::outbox::DeliveryState>,
}

impl App {
    /// One conversation.
    pub async fn conversation(&self, id: &str) -> Result<Conversation, AppError> {
        read_tx!(self, |tx| load_conversation(tx, id)
            .await?
            .ok_or_else(|| AppError::not_found("conversation", id)))
    }

    /// A conversation's items in timeline order, and whether the cap cut the list.
    pub async fn conversation_items(&self, id: &str) -> Result<ItemsPage, AppError> {
        read_tx!(self, |tx| {
            if tx.conversation(id).await?.is_none() {
                return Err(AppError::not_found("conversation", id));
            }
            let mut items = load_items(tx, id, ITEMS_CAP + 1).await?;
            let limited = items.len() as i64 > ITEMS_CAP;
            items.truncate(ITEMS_CAP as usize);
            let deliveries = super::outbox::deliveries_of(tx, id).await?;
            Ok(ItemsPage {
                items,
                limited,
                deliveries,
            })
        })
    }

    /// A customer's conversations, oldest first, and whether the cap cut the list.
    pub async fn customer_conversations(
        &self,
        customer_id: &str,
    ) -> Result<(Vec<Conversation>, bool), AppError> {
        read_tx!(self, |tx| {
            if tx.customer(customer_id).await?.is_none() {
                return Err(AppError::not_found("customer", customer_id));
            }
            let rows = tx
                .customer_conversations(customer_id, CONVERSATIONS_CAP + 1)
                .await?;
            let limited = rows.len() as i64 > CONVERSATIONS_CAP;
            let list = rows
                .iter()
                .take(CONVERSATIONS_CAP as usize)
                .map(conversation_of_row)
                .collect::<Result<Vec<_>, _>>()?;
            Ok((list, limited))
        })
    }

    /// One item by id.
    pub async fn item(&self, id: &str) -> Result<ConversationItem, AppError> {
        read_tx!(self, |tx| {
            let row = tx
                .item(id)
                .await?
                .ok_or_else(|| AppError::not_found("conversation item", id))?;
            item_of_row(&row)
        })
    }

    /// `PATCH /conversations/{id}`: reassign, close (R30 unless `force`, R32), reopen.
    /// Either every change applies or none.
    pub async fn patch_conversation(
        &self,
        caller: &Caller,
        id: &str,
        patch: PatchConversation,
    ) -> Result<Conversation, AppError> {
        let initiator = agent_initiator(caller);
        write_tx!(self, |tx| {
            let conv = load_conversation_for_update(tx, id)
                .await?
                .ok_or_else(|| AppError::not_found("conversation", id))?;
            may_touch(caller, &conv, Touch::Handle)?;
            let mut commands = Vec::new();
            let assign = match &patch.assignee {
                Some((inbox_raw, agent_raw)) => {
                    let (inbox, agent) =
                        resolve_assignee(tx, "assignee.", inbox_raw, agent_raw.as_deref()).await?;
                    let agent_id = agent.map(|a| a.id);
                    let inbox_sla = crate::unit_of_work::sla_in(tx, &inbox, inbox.sla).await?;
                    Some(Command::Assign {
                        initiator: initiator.clone(),
                        inbox_id: inbox.id.clone(),
                        agent_id,
                        reason: AssignReason::Manual,
                        inbox_sla,
                    })
                }
                None => None,
            };
            match (patch.status, conv.status) {
                (Some((Status::Open, _)), Status::Closed) => {
                    // Reopen to the given assignee, else to the last agent.
                    let agent = match &assign {
                        Some(Command::Assign { agent_id, .. }) => {
                            agent_id.clone().or_else(|| conv.last_agent_id.clone())
                        }
                        _ => None,
                    };
                    commands.push(Command::Reopen {
                        initiator: initiator.clone(),
                        agent_id: agent,
                    });
                    commands.extend(assign);
                }
                (Some((Status::Closed, force)), _) => {
                    commands.extend(assign);
                    commands.push(Command::Close {
                        initiator: initiator.clone(),
                        force,
                    });
                }
                (Some((Status::Waiting, _)), _) => {
                    return Err(DomainError::invalid(
                        "status.value",
                        "status can be set only to OPEN or CLOSED",
                    )
                    .into());
                }
                _ => commands.extend(assign),
            }
            self.run(tx, &conv, commands).await
        })
    }

    /// Adds topics (R7: existing ones are ignored; all must exist).
    pub async fn add_topics(
        &self,
        caller: &Caller,
        id: &str,
        topic_ids: &[String],
    ) -> Result<(), AppError> {
        let initiator = agent_initiator(caller);
        let mut ids = Vec::new();
        for raw in topic_ids {
            ids.push(TopicId::parse("topicIds", raw)?);
        }
        write_tx!(self, |tx| {
            let conv = load_conversation_for_update(tx, id)
                .await?
                .ok_or_else(|| AppError::not_found("conversation", id))?;
            may_touch(caller, &conv, Touch::Annotate)?;
            for topic in &ids {
                if tx.resource(kind::TOPIC, topic.as_str()).await?.is_none() {
                    return Err(DomainError::invalid(
                        "topicIds",
                        format!("topic {topic} does not exist"),
                    )
                    .into());
                }
            }
            let command = Command::AddTopics {
                initiator: initiator.clone(),
                topic_ids: ids.clone(),
                item_id: ItemId::from_trusted(new_id()),
            };
            self.run(tx, &conv, vec![command]).await.map(|_| ())
        })
    }

    /// Removes a topic.
    pub async fn remove_topic(
        &self,
        caller: &Caller,
        id: &str,
        topic_id: &str,
    ) -> Result<(), AppError> {
        let initiator = agent_initiator(caller);
        let topic = TopicId::parse("topicId", topic_id)?;
        write_tx!(self, |tx| {
            let conv = load_conversation_for_update(tx, id)
                .await?
                .ok_or_else(|| AppError::not_found("conversation", id))?;
            may_touch(caller, &conv, Touch::Annotate)?;
            if !conv.topic_ids.contains(&topic) {
                return Err(AppError::not_found("topic", topic.as_str()));
            }
            let command = Command::RemoveTopic {
                initiator: initiator.clone(),
                topic_id: topic.clone(),
                item_id: ItemId::from_trusted(new_id()),
            };
            self.run(tx, &conv, vec![command]).await.map(|_| ())
        })
    }

    /// Adds an internal note (T26); returns the note item.
    pub async fn add_note(
        &self,
        caller: &Caller,
        id: &str,
        body: &str,
    ) -> Result<ConversationItem, AppError> {
        if body.trim().is_empty() {
            return Err(DomainError::blank("content.body", "a note needs a body").into());
        }
        if body.chars().count() > 25_000 {
            return Err(DomainError::too_long(
                "content.body",
                "a note is limited to 25000 characters",
            )
            .into());
        }
        let initiator = agent_initiator(caller);
        write_tx!(self, |tx| {
            let conv = load_conversation_for_update(tx, id)
                .await?
                .ok_or_else(|| AppError::not_found("conversation", id))?;
            may_touch(caller, &conv, Touch::Annotate)?;
            let item = ConversationItem {
                id: ItemId::from_trusted(new_id()),
                customer_id: conv.customer_id.clone(),
                conversation_id: Some(conv.id.clone()),
                contact_id: None,
                session_id: None,
                timestamp: self.now(),
                initiator: initiator.clone(),
                responder: None,
                content: ItemContent::ConversationNote {
                    body: body.to_owned(),
                    attachments: Vec::new(),
                },
                redaction: None,
            };
            self.run(
                tx,
                &conv,
                vec![Command::AddNote {
                    item: Box::new(item.clone()),
                }],
            )
            .await?;
            Ok::<_, AppError>(item)
        })
    }

    /// A note of a conversation.
    pub async fn note(
        &self,
        conversation_id: &str,
        note_id: &str,
    ) -> Result<ConversationItem, AppError> {
        let item = self.item(note_id).await?;
        let is_note = matches!(item.content, ItemContent::ConversationNote { .. });
        if !is_note || item.conversation_id.as_ref().map(|c| c.as_str()) != Some(conversation_id) {
            return Err(AppError::not_found("note", note_id));
        }
        Ok(item)
    }

    /// The customer side ends a contact (hang-up, chat closed).
    pub async fn end_contact(&self, contact_id: &str, abandoned: bool) -> Result<(), AppError> {
        let contact = ContactId::parse("contactId", contact_id)?;
        write_tx!(self, |tx| {
            let conv_id = tx
                .contact_conversation(contact.as_str())
                .await?
                .ok_or_else(|| AppError::not_found("contact", contact.as_str()))?;
            let conv = load_conversation_for_update(tx, &conv_id)
                .await?
                .ok_or_else(|| AppError::not_found("conversation", &conv_id))?;
            self.run(
                tx,
                &conv,
                vec![Command::CustomerEnd {
                    contact_id: contact.clone(),
                    abandoned,
                }],
            )
            .await
            .map(|_| ())
        })
    }

    /// Replies to a customer message on its channel (T7). The message is recorded in
    /// the outbox as pending for its channel and fulfils the contact's SLA once the
    /// outbox has accepted it, in the same transaction. An unassigned conversation is
    /// assigned to the replying agent.
    pub async fn reply(
        &self,
        caller: &Caller,
        item_id: &str,
        req: ReplyRequest,
    ) -> Result<ConversationItem, AppError> {
        let initiator = agent_initiator(caller);
        write_tx!(self, |tx| {
            let replied_row = tx
                .item(item_id)
                .await?
                .ok_or_else(|| AppError::not_found("conversation item", item_id))?;
            let replied = item_of_row(&replied_row)?;
            let conv_id = replied
                .conversation_id
                .clone()
                .ok_or(DomainError::NotReplyable(
                    "the item belongs to no conversation",
                ))?;
            let conv = load_conversation_for_update(tx, conv_id.as_str())
                .await?
                .ok_or_else(|| AppError::not_found("conversation", conv_id.as_str()))?;
            may_touch(caller, &conv, Touch::Handle)?;
            if conv.status == Status::Closed {
                return Err(DomainError::ConversationClosed(
                    "you cannot reply to items in closed conversations",
                )
                .into());
            }
            let mut content = reply_content(tx, &conv, &replied, &req).await?;
            let files = match &req {
                ReplyRequest::Text { files, .. } => files.as_slice(),
                ReplyRequest::Message(_) => &[],
            };
            attach(&mut content, files)?;
            let item = ConversationItem {
                id: ItemId::from_trusted(new_id()),
                customer_id: conv.customer_id.clone(),
                conversation_id: Some(conv.id.clone()),
                contact_id: None,
                session_id: replied.session_id.clone(),
                timestamp: self.now(),
                initiator: initiator.clone(),
                responder: None,
                content,
                redaction: None,
            };
            let agent = caller
                .agent
                .has_role(Role::Agent)
                .then(|| caller.agent.id.clone());
            let command = Command::Reply {
                item: Box::new(item.clone()),
                replied_to: Box::new(replied.clone()),
                agent_id: agent.or_else(|| Some(caller.agent.id.clone())),
            };
            self.run(tx, &conv, vec![command]).await?;
            for file in files {
                tx.put_blob(&crate::ports::BlobRow {
                    id: file.id.clone(),
                    content_type: file.content_type.clone(),
                    bytes: file.bytes.clone(),
                    created_at: codec::to_ms(self.now()),
                })
                .await?;
                tx.link_blob(item.id.as_str(), &file.id).await?;
            }
            self.to_outbox(tx, &item).await
        })
    }

    /// Queues a sent message for its channel (pending until the channel adapter
    /// delivers it) and returns it as stored.
    async fn to_outbox(
        &self,
        tx: &mut dyn StoreTx,
        item: &ConversationItem,
    ) -> Result<ConversationItem, AppError> {
        let stored = tx
            .item(item.id.as_str())
            .await?
            .ok_or_else(|| AppError::internal("the sent item was not stored"))?;
        let stored = item_of_row(&stored)?;
        let channel = message_channel(&stored.content).map_or("UNKNOWN", Channel::as_str);
        tx.enqueue_outbox(&OutboxRow {
            id: new_id(),
            channel: channel.to_owned(),
            conversation_id: stored.conversation_id.as_ref().map(ToString::to_string),
            item_id: stored.id.to_string(),
            status: "PENDING".to_owned(),
            payload: codec::write(&ItemDoc::of(&stored))?,
            created_at: codec::to_ms(self.now()),
            attempts: 0,
            next_attempt_at: None,
            detail: None,
            message_id: None,
        })
        .await?;
        Ok(stored)
    }

    /// R54: the agent writes to the customer first, by email or SMS, in a
    /// non-closed conversation (after Reopen or Create New, or to follow up). The
    /// message goes from the channel's entry point of the conversation's inbox (any
    /// of that channel otherwise) to the customer's first email address or mobile
    /// number.
    pub async fn send_message(
        &self,
        caller: &Caller,
        conversation_id: &str,
        kind: &str,
        subject: Option<&str>,
        body: &str,
    ) -> Result<ConversationItem, AppError> {
        let channel = first_message_channel(kind)?;
        let initiator = agent_initiator(caller);
        write_tx!(self, |tx| {
            let conv = load_conversation_for_update(tx, conversation_id)
                .await?
                .ok_or_else(|| AppError::not_found("conversation", conversation_id))?;
            may_touch(caller, &conv, Touch::Handle)?;
            let customer = load_customer(tx, conv.customer_id.as_str())
                .await?
                .ok_or_else(|| AppError::not_found("customer", conv.customer_id.as_str()))?;
            let from = company_address(tx, channel, conv.inbox_id.as_str())
                .await?
                .ok_or(DomainError::NotReplyable(match channel {
                    Channel::Email => "no EMAIL entry point to send from",
                    _ => "no SMS entry point to send from",
                }))?;
            let content =
                first_message(channel, from, &customer, subject.unwrap_or_default(), body)?;
            let item = ConversationItem {
                id: ItemId::from_trusted(new_id()),
                customer_id: conv.customer_id.clone(),
                conversation_id: Some(conv.id.clone()),
                contact_id: None,
                session_id: None,
                timestamp: self.now(),
                initiator: initiator.clone(),
                responder: None,
                content,
                redaction: None,
            };
            let command = Command::Send {
                item: Box::new(item.clone()),
                agent_id: Some(caller.agent.id.clone()),
            };
            self.run(tx, &conv, vec![command]).await?;
            self.to_outbox(tx, &item).await
        })
    }
}

/// Most files an agent attaches to one reply.
pub const MAX_REPLY_FILES: usize = 10;

/// Adds `files` to an email's attachments; other contents take none.
fn attach(content: &mut ItemContent, files: &[super::inbound::File]) -> Result<(), AppError> {
    if files.is_empty() {
        return Ok(());
    }
    if files.len() > MAX_REPLY_FILES {
        return Err(
            DomainError::too_long("files", format!("at most {MAX_REPLY_FILES} files")).into(),
        );
    }
    let ItemContent::Email { attachments, .. } = content else {
        return Err(DomainError::invalid("files", "only an email carries files").into());
    };
    for file in files {
        if super::inbound::file_id(&file.bytes) != file.id {
            return Err(DomainError::invalid(
                "files",
                format!("file {} does not have the bytes its id names", file.id),
            )
            .into());
        }
        attachments.push(hearth_domain::item::Attachment {
            id: file.id.clone(),
            content_type: file.content_type.clone(),
            filename: file.filename.clone(),
            file_size: file.bytes.len() as u64,
        });
    }
    Ok(())
}

/// The reply's content, addressed back to the customer on the replied message's
/// channel.
async fn reply_content(
    tx: &mut dyn StoreTx,
    conv: &Conversation,
    replied: &ConversationItem,
    req: &ReplyRequest,
) -> Result<ItemContent, AppError> {
    match req {
        ReplyRequest::Text { channel, text, .. } => {
            let contact = replied.contact_id.as_ref().and_then(|id| conv.contact(id));
            let company = contact
                .and_then(|c| c.entry_point.clone())
                .unwrap_or_default();
            let customer = load_customer(tx, conv.customer_id.as_str()).await?;
            Ok(email_or_sms_reply(
                &replied.content,
                *channel,
                text.clone(),
                company,
                customer.as_ref(),
            )?)
        }
        ReplyRequest::Message(content) => {
            let mut content = content.clone();
            if let ItemContent::ChatMessage { session_id, .. } = &mut content
                && replied.session_id.is_some()
            {
                session_id.clone_from(&replied.session_id);
            }
            Ok(content)
        }
    }
}

/// The address Hearth writes from on `channel`: an entry point of that channel in
/// `inbox`, else any entry point of that channel.
async fn company_address(
    tx: &mut dyn StoreTx,
    channel: Channel,
    inbox: &str,
) -> Result<Option<String>, AppError> {
    let mut any = None;
    for row in tx.resources(kind::ENTRY_POINT).await? {
        let ep: codec::EntryPointDoc = codec::read(&row.doc)?;
        if ep.channel != channel.as_str() {
            continue;
        }
        if ep.inbox_id == inbox {
            return Ok(Some(ep.address));
        }
        any.get_or_insert(ep.address);
    }
    Ok(any)
}
