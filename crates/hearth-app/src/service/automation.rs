//! Message automation (`GLADLY-API.md` 2.6): a bot answers a customer first. When
//! a customer starts a contact at a CHAT or SMS entry point marked `automation`
//! and nobody works the conversation, the conversation is held from routing
//! (`Conversation::automation`) and a session opens; each message the customer
//! sends while it is held goes to the bot as the webhook event
//! `AUTOMATION/MESSAGE_RECEIVED`. The bot answers through
//! `/message-automation/sessions/{id}/messages`, and either hands over (the
//! conversation becomes routable, with the bot's reason as a note for the agent)
//! or closes the session (and the conversation). An agent given the conversation
//! meanwhile takes it from the bot.

use hearth_domain::DomainError;
use hearth_domain::Timestamp;
use hearth_domain::channel::Channel;
use hearth_domain::conversation::{Command, Conversation};
use hearth_domain::id::ItemId;
use hearth_domain::item::{
    ChatMessageData, ConversationItem, Initiator, InitiatorType, ItemContent, QuickReplyOption,
};
use serde::Serialize;

use super::credentials::Caller;
use crate::app::{App, read_tx, write_tx};
use crate::clock::new_id;
use crate::codec::{self, AutomationSessionDoc, EntryPointDoc};
use crate::error::AppError;
use crate::ports::{EventRow, ResourceRow, StoreTx};
use crate::unit_of_work::{kind, load_conversation_for_update, load_items};

/// Resource kind of a session.
pub(crate) const SESSION: &str = "automation_session";
/// The event a customer's message to the bot is.
pub const MESSAGE_RECEIVED: &str = "AUTOMATION/MESSAGE_RECEIVED";
/// The aggregate type of that event; its id is the conversation's, so erasing
/// the customer tombstones it with the conversation's events.
pub const AUTOMATION_EVENTS: &str = "automation";
/// The longest text a bot sends, as Gladly's messaging limit.
const MAX_TEXT: usize = 2048;

/// A session as `GET /message-automation/sessions/{id}` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutomationSession {
    pub doc: AutomationSessionDoc,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What a bot sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BotMessage {
    Text(String),
    /// Safe HTML, sent as its text.
    Html(String),
    /// A question with up to ten choices (a chat shows them as buttons).
    Menu {
        prompt: String,
        items: Vec<(String, String)>,
    },
}

/// A message of a session, from the customer, the bot or an agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionMessage {
    pub id: String,
    /// `TEXT` or `MENU`.
    pub kind: &'static str,
    pub text: String,
    pub menu: Vec<(String, String)>,
    pub created_at: Timestamp,
    /// `CUSTOMER`, `AUTOMATION` or `AGENT`.
    pub from: &'static str,
    pub from_id: Option<String>,
    pub session_id: String,
}

/// `AUTOMATION/MESSAGE_RECEIVED`'s content, as Gladly's webhook has it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Received<'a> {
    session_id: &'a str,
    channel_type: &'a str,
    customer_id: &'a str,
    conversation_id: &'a str,
    company_address: &'a str,
    context: Empty,
    message: ReceivedMessage<'a>,
}

#[derive(Debug, Serialize)]
struct Empty {}

#[derive(Debug, Serialize)]
struct ReceivedMessage<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    content: ReceivedBody<'a>,
}

#[derive(Debug, Serialize)]
struct ReceivedBody<'a> {
    body: &'a str,
}

fn session_of(row: &ResourceRow) -> Result<AutomationSession, AppError> {
    Ok(AutomationSession {
        doc: codec::read(&row.doc)?,
        created_at: codec::from_ms(row.created_at),
        updated_at: codec::from_ms(row.updated_at),
    })
}

async fn put_session(
    tx: &mut dyn StoreTx,
    doc: &AutomationSessionDoc,
    created_at: i64,
    now: i64,
) -> Result<(), AppError> {
    tx.put_resource(&ResourceRow {
        kind: SESSION.into(),
        id: doc.id.clone(),
        unique_key: None,
        doc: codec::write(doc)?,
        created_at,
        updated_at: now,
        version: 1,
    })
    .await?;
    Ok(())
}

/// The automated entry point a customer's message came in at, if it is one.
async fn automated_entry_point(
    tx: &mut dyn StoreTx,
    conv: &Conversation,
    message: &ConversationItem,
) -> Result<Option<(Channel, EntryPointDoc)>, AppError> {
    let channel = match &message.content {
        ItemContent::ChatMessage { .. } => Channel::Chat,
        ItemContent::Sms { .. } => Channel::Sms,
        _ => return Ok(None),
    };
    let Some(address) = message
        .contact_id
        .as_ref()
        .and_then(|id| conv.contacts.iter().find(|c| &c.id == id))
        .and_then(|c| c.entry_point.clone())
    else {
        return Ok(None);
    };
    let Some(row) = tx
        .resource_by_key(kind::ENTRY_POINT, &EntryPointDoc::key(channel, &address))
        .await?
    else {
        return Ok(None);
    };
    let doc: EntryPointDoc = codec::read(&row.doc)?;
    Ok(doc.automation.then_some((channel, doc)))
}

impl App {
    /// Step of the write pipeline after rules and before routing: a customer's
    /// message at an automated entry point starts a bot's session on a conversation
    /// nobody works (unless it was already waiting for agents), and every message
    /// while a bot holds the conversation goes to it. Returns the conversation as it
    /// now is.
    pub(crate) async fn offer_to_automation(
        &self,
        tx: &mut dyn StoreTx,
        was_routable: bool,
        conv: Conversation,
        message: &ConversationItem,
    ) -> Result<Conversation, AppError> {
        let now = codec::to_ms(self.now());
        let mut conv = conv;
        let session = match &conv.automation {
            Some(id) => {
                let Some(row) = tx.resource(SESSION, id).await? else {
                    return Ok(conv);
                };
                let mut session = session_of(&row)?;
                // The customer also wrote on another channel: that is for agents,
                // so the bot hands the whole conversation over.
                let channel = hearth_domain::conversation::message_channel(&message.content);
                if channel.is_some_and(|c| c.as_str() != session.doc.channel) {
                    let release = Command::ReleaseFromAutomation {
                        initiator: Initiator::new(InitiatorType::Automation, id),
                        session_id: id.clone(),
                        handoff: true,
                    };
                    let conv = self.apply_automation(tx, &conv, vec![release]).await?;
                    session.doc.target = "AGENT".into();
                    put_session(tx, &session.doc, row.created_at, now).await?;
                    return Ok(conv);
                }
                put_session(tx, &session.doc, row.created_at, now).await?;
                session.doc
            }
            None => {
                if was_routable
                    || conv.agent_id.is_some()
                    || conv.status == hearth_domain::conversation::Status::Closed
                {
                    return Ok(conv);
                }
                let Some((channel, entry)) = automated_entry_point(tx, &conv, message).await?
                else {
                    return Ok(conv);
                };
                let id = new_id();
                let customer_address = match &message.content {
                    ItemContent::Sms { from, .. } => from.clone(),
                    _ => message.session_id.clone().unwrap_or_default(),
                };
                let doc = AutomationSessionDoc {
                    id: id.clone(),
                    conversation_id: conv.id.to_string(),
                    customer_id: conv.customer_id.to_string(),
                    channel: channel.as_str().to_owned(),
                    company_address: entry.address.clone(),
                    customer_address,
                    chat_session_id: message.session_id.clone(),
                    target: "AUTOMATION".into(),
                    closed_at: None,
                };
                // The session begins with the message that opened it.
                put_session(tx, &doc, codec::to_ms(message.timestamp).min(now), now).await?;
                let hold = Command::HoldForAutomation {
                    initiator: Initiator::new(InitiatorType::Automation, &id),
                    session_id: id,
                };
                conv = self.apply_automation(tx, &conv, vec![hold]).await?;
                doc
            }
        };
        tell_bot(tx, &session, &conv, message, now).await?;
        Ok(conv)
    }

    /// `GET /message-automation/sessions/{id}`.
    /// The target is read from the conversation: a session whose bot no longer holds
    /// it (an agent was given the conversation meanwhile) has target `AGENT`.
    pub async fn automation_session(&self, id: &str) -> Result<AutomationSession, AppError> {
        read_tx!(self, |tx| {
            let row = tx
                .resource(SESSION, id)
                .await?
                .ok_or_else(|| AppError::not_found("automation session", id))?;
            let mut session = session_of(&row)?;
            let held = crate::unit_of_work::load_conversation(tx, &session.doc.conversation_id)
                .await?
                .is_some_and(|c| c.automation.as_deref() == Some(id));
            if !held && session.doc.closed_at.is_none() {
                session.doc.target = "AGENT".into();
            }
            Ok::<_, AppError>(session)
        })
    }

    /// The messages of a session: the conversation's messages on its channel since
    /// the session began (the customer's, the bot's and, after a handover, the
    /// agents').
    pub async fn automation_messages(&self, id: &str) -> Result<Vec<SessionMessage>, AppError> {
        read_tx!(self, |tx| {
            let row = tx
                .resource(SESSION, id)
                .await?
                .ok_or_else(|| AppError::not_found("automation session", id))?;
            let session = session_of(&row)?;
            let mut out = Vec::new();
            for item in load_items(tx, &session.doc.conversation_id, 1000).await? {
                if item.timestamp < session.created_at {
                    continue;
                }
                if let Some(m) = session_message(&session.doc, &item) {
                    out.push(m);
                }
            }
            Ok::<_, AppError>(out)
        })
    }

    /// The bot sends a message: a chat line in the customer's widget, or an SMS
    /// through the outbox. Refused once the bot no longer holds the conversation.
    pub async fn automation_send(
        &self,
        _caller: &Caller,
        id: &str,
        message: BotMessage,
    ) -> Result<SessionMessage, AppError> {
        let (text, menu) = match &message {
            BotMessage::Text(t) => (t.trim().to_owned(), Vec::new()),
            BotMessage::Html(h) => (
                super::answer_search::plain_text_of_html(&ammonia::clean(h)),
                Vec::new(),
            ),
            BotMessage::Menu { prompt, items } => (prompt.trim().to_owned(), items.clone()),
        };
        if text.is_empty() {
            return Err(DomainError::blank("content", "a message needs a text").into());
        }
        if text.chars().count() > MAX_TEXT {
            return Err(DomainError::too_long(
                "content",
                format!("must be at most {MAX_TEXT} characters"),
            )
            .into());
        }
        let now = self.now();
        write_tx!(self, |tx| {
            let (created, session, conv) = held(tx, id).await?;
            let contact_id = conv
                .contacts
                .iter()
                .rev()
                .find(|c| c.channel.as_str() == session.doc.channel && c.ended.is_none())
                .map(|c| c.id.clone());
            let content = if session.doc.channel == Channel::Chat.as_str() {
                ItemContent::ChatMessage {
                    session_id: session.doc.chat_session_id.clone(),
                    message_type: "TEXT".into(),
                    content: text.clone(),
                    attachments: Vec::new(),
                    message_data: (!menu.is_empty()).then(|| ChatMessageData::Request {
                        options: menu
                            .iter()
                            .map(|(id, label)| QuickReplyOption {
                                id: id.clone(),
                                label: label.clone(),
                            })
                            .collect(),
                    }),
                }
            } else {
                let numbered: String = menu
                    .iter()
                    .enumerate()
                    .map(|(i, (_, label))| format!("\n{}. {label}", i + 1))
                    .collect();
                ItemContent::Sms {
                    from: session.doc.company_address.clone(),
                    to: session.doc.customer_address.clone(),
                    content: format!("{text}{numbered}"),
                    attachments: Vec::new(),
                }
            };
            let item = ConversationItem {
                id: ItemId::from_trusted(new_id()),
                customer_id: conv.customer_id.clone(),
                conversation_id: Some(conv.id.clone()),
                contact_id,
                session_id: session.doc.chat_session_id.clone(),
                timestamp: now,
                initiator: Initiator::new(InitiatorType::Automation, id),
                responder: None,
                content,
                redaction: None,
            };
            self.apply_automation(
                tx,
                &conv,
                vec![Command::AutomationMessage {
                    item: Box::new(item.clone()),
                }],
            )
            .await?;
            if session.doc.channel == Channel::Sms.as_str() {
                // SMS leaves through the outbox like every reply.
                tx.enqueue_outbox(&crate::ports::OutboxRow {
                    id: new_id(),
                    channel: Channel::Sms.as_str().to_owned(),
                    conversation_id: Some(conv.id.to_string()),
                    item_id: item.id.to_string(),
                    status: "PENDING".to_owned(),
                    payload: codec::write(&codec::ItemDoc::of(&item))?,
                    created_at: codec::to_ms(now),
                    attempts: 0,
                    next_attempt_at: None,
                    detail: None,
                    message_id: None,
                })
                .await?;
            }
            put_session(tx, &session.doc, created, codec::to_ms(now)).await?;
            session_message(&session.doc, &item)
                .ok_or_else(|| AppError::internal("a bot message has no message form"))
        })
    }

    /// The bot is typing (chat only; an SMS has no typing indicator).
    pub async fn automation_typing(&self, id: &str, typing: bool) -> Result<(), AppError> {
        let session = self.automation_session(id).await?;
        if typing && session.doc.channel == Channel::Chat.as_str() {
            self.chat_agent_typing(&session.doc.conversation_id).await?;
        }
        Ok(())
    }

    /// The bot hands the customer to agents: the conversation becomes routable,
    /// with the bot's reason as a note, and the session's target is `AGENT`.
    pub async fn automation_handoff(
        &self,
        _caller: &Caller,
        id: &str,
        description: Option<String>,
    ) -> Result<(), AppError> {
        self.release_from_automation(id, true, description).await
    }

    /// The bot closes its session: the conversation is closed (no agent needed).
    pub async fn automation_close(
        &self,
        _caller: &Caller,
        id: &str,
        description: Option<String>,
    ) -> Result<(), AppError> {
        self.release_from_automation(id, false, description).await
    }

    async fn release_from_automation(
        &self,
        id: &str,
        handoff: bool,
        description: Option<String>,
    ) -> Result<(), AppError> {
        let now = self.now();
        let bot = Initiator::new(InitiatorType::Automation, id);
        write_tx!(self, |tx| {
            let (created, mut session, conv) = held(tx, id).await?;
            let mut commands = vec![Command::ReleaseFromAutomation {
                initiator: bot.clone(),
                session_id: id.to_owned(),
                handoff,
            }];
            if let Some(text) = description
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
            {
                commands.push(Command::AddNote {
                    item: Box::new(ConversationItem {
                        id: ItemId::from_trusted(new_id()),
                        customer_id: conv.customer_id.clone(),
                        conversation_id: Some(conv.id.clone()),
                        contact_id: None,
                        session_id: None,
                        timestamp: now,
                        initiator: bot.clone(),
                        responder: None,
                        content: ItemContent::ConversationNote {
                            body: if handoff {
                                format!("The bot handed over: {text}")
                            } else {
                                format!("The bot closed the conversation: {text}")
                            },
                            attachments: Vec::new(),
                        },
                        redaction: None,
                    }),
                });
            }
            if !handoff {
                commands.push(Command::Close {
                    initiator: bot.clone(),
                    force: true,
                });
            }
            let after = self.apply_automation(tx, &conv, commands).await?;
            let inputs =
                crate::route::translate::inputs_for_change(Some(&conv), &after, now, false);
            self.route(tx, inputs).await?;
            if handoff {
                session.doc.target = "AGENT".into();
            } else {
                session.doc.closed_at = Some(codec::to_ms(now));
            }
            put_session(tx, &session.doc, created, codec::to_ms(now)).await?;
            Ok::<_, AppError>(())
        })
    }
}

/// Writes `AUTOMATION/MESSAGE_RECEIVED` for a customer's message to the bot.
async fn tell_bot(
    tx: &mut dyn StoreTx,
    session: &AutomationSessionDoc,
    conv: &Conversation,
    message: &ConversationItem,
    now: i64,
) -> Result<(), AppError> {
    let body = message.content.text().unwrap_or_default();
    tx.append_events(&[EventRow {
        id: new_id(),
        at: now,
        event_type: MESSAGE_RECEIVED.into(),
        aggregate_type: AUTOMATION_EVENTS.into(),
        aggregate_id: conv.id.to_string(),
        initiator_type: Some("CUSTOMER".into()),
        initiator_id: Some(conv.customer_id.to_string()),
        payload: codec::content_payload(&Received {
            session_id: &session.id,
            channel_type: &session.channel,
            customer_id: conv.customer_id.as_str(),
            conversation_id: conv.id.as_str(),
            company_address: &session.company_address,
            context: Empty {},
            message: ReceivedMessage {
                id: message.id.as_str(),
                kind: "TEXT",
                content: ReceivedBody { body },
            },
        })?,
    }])
    .await?;
    Ok(())
}

/// A session whose bot still holds its conversation (for update), with when the
/// session began; a session that let go is refused.
async fn held(
    tx: &mut dyn StoreTx,
    id: &str,
) -> Result<(i64, AutomationSession, Conversation), AppError> {
    let row = tx
        .resource(SESSION, id)
        .await?
        .ok_or_else(|| AppError::not_found("automation session", id))?;
    let session = session_of(&row)?;
    let conv = load_conversation_for_update(tx, &session.doc.conversation_id)
        .await?
        .ok_or_else(|| AppError::not_found("conversation", &session.doc.conversation_id))?;
    if conv.automation.as_deref() != Some(id) {
        return Err(DomainError::InUse(
            "the bot no longer holds this conversation: it was handed over or closed".into(),
        )
        .into());
    }
    Ok((row.created_at, session, conv))
}

/// An item as a session's message, if it is a message on the session's channel.
fn session_message(
    session: &AutomationSessionDoc,
    item: &ConversationItem,
) -> Option<SessionMessage> {
    let (text, menu) = match &item.content {
        ItemContent::ChatMessage {
            content,
            message_data,
            ..
        } if session.channel == Channel::Chat.as_str() => (
            content.clone(),
            match message_data {
                Some(ChatMessageData::Request { options }) => options
                    .iter()
                    .map(|o| (o.id.clone(), o.label.clone()))
                    .collect(),
                _ => Vec::new(),
            },
        ),
        ItemContent::Sms { content, .. } if session.channel == Channel::Sms.as_str() => {
            (content.clone(), Vec::new())
        }
        _ => return None,
    };
    let from = match item.initiator.kind {
        InitiatorType::Customer => "CUSTOMER",
        InitiatorType::Automation => "AUTOMATION",
        _ => "AGENT",
    };
    Some(SessionMessage {
        id: item.id.to_string(),
        kind: if menu.is_empty() { "TEXT" } else { "MENU" },
        text,
        menu,
        created_at: item.timestamp,
        from,
        from_id: item.initiator.id.clone(),
        session_id: session.id.clone(),
    })
}

/// The sessions of an erased customer go with them.
pub(crate) async fn erase_sessions(
    tx: &mut dyn StoreTx,
    customer_id: &str,
) -> Result<(), AppError> {
    for row in tx.resources(SESSION).await? {
        let doc: AutomationSessionDoc = codec::read(&row.doc)?;
        if doc.customer_id == customer_id {
            tx.delete_resource(SESSION, &row.id).await?;
        }
    }
    Ok(())
}
