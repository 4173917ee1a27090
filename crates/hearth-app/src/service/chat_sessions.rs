//! Chat sessions of the web widget: opening one at a CHAT entry point, rejoining it
//! with its resume token within the rejoin window (R45; after it, a new session in
//! the same conversation), the customer's messages through the one ingestion use
//! case, the session's lines as the customer sees them, and the customer ending it.
//! Only the hash of a resume token is kept: the token is the only key to a session.

use hearth_domain::DomainError;
use hearth_domain::Timestamp;
use hearth_domain::channel::Channel;
use hearth_domain::conversation::{Conversation, EndReason, MAX_MESSAGING_BODY};
use hearth_domain::customer::EmailAddress;
use hearth_domain::item::{InitiatorType, ItemContent};

use super::inbound::InboundRequest;
use crate::app::{App, read_tx, write_tx};
use crate::clock::{new_id, new_token, token_hash};
use crate::codec;
use crate::error::AppError;
use crate::ports::{ChatSessionRow, StoreTx};
use crate::unit_of_work::{conversation_of_row, load_agents, load_items, load_settings};

/// Longest name a customer gives, and longest client message id.
const MAX_NAME: usize = 200;
const MAX_CLIENT_ID: usize = 100;

/// A chat entry point as its widget sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatEntryPoint {
    pub allowed_origins: Vec<String>,
    pub pre_chat: Option<PreChat>,
}

/// The pre-chat form: each field `OFF`, `OPTIONAL` or `REQUIRED`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreChat {
    pub name: String,
    pub email: String,
}

/// Who ended a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatEndedBy {
    Agent,
    Customer,
    Timeout,
}

impl ChatEndedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            ChatEndedBy::Agent => "agent",
            ChatEndedBy::Customer => "customer",
            ChatEndedBy::Timeout => "timeout",
        }
    }
}

/// A chat session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatSession {
    pub id: String,
    pub entry_point: String,
    pub customer_id: Option<String>,
}

/// Who wrote a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatFrom {
    Customer,
    Agent,
    System,
}

/// One line of a session as the customer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatLine {
    pub id: String,
    pub from: ChatFrom,
    /// The agent's first name.
    pub agent_name: Option<String>,
    pub content: String,
    pub at: Timestamp,
}

/// A session's lines and, once it ended, who ended it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatTranscript {
    pub lines: Vec<ChatLine>,
    pub ended: Option<ChatEndedBy>,
    /// When an agent last typed in the session.
    pub agent_typing_at: Option<Timestamp>,
}

/// How long a typing signal counts.
pub const TYPING_FOR: hearth_domain::Duration = hearth_domain::Duration::seconds(6);

fn session_of(row: &ChatSessionRow) -> ChatSession {
    ChatSession {
        id: row.id.clone(),
        entry_point: row.entry_point.clone(),
        customer_id: row.customer_id.clone(),
    }
}

impl App {
    /// Opens a session at the CHAT entry point `entry_point`; returns it and its
    /// resume token (shown once). A customer who gives an email chats as that
    /// address, and is the customer their emails are; else as a new visitor.
    pub async fn open_chat(
        &self,
        entry_point: &str,
        name: Option<&str>,
        email: Option<&str>,
    ) -> Result<(ChatSession, String), AppError> {
        let name = match name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) if n.chars().count() > MAX_NAME => {
                return Err(DomainError::too_long(
                    "customer.name",
                    format!("at most {MAX_NAME} characters"),
                )
                .into());
            }
            other => other.map(str::to_owned),
        };
        let visitor = match email.map(str::trim).filter(|e| !e.is_empty()) {
            Some(e) => EmailAddress::parse("customer.emailAddress", e)?
                .normalized()
                .to_owned(),
            None => format!("visitor-{}", new_id()),
        };
        let email_given = email.map(str::trim).filter(|e| !e.is_empty());
        let token = new_token().map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
        let now = codec::to_ms(self.now());
        let row = ChatSessionRow {
            id: new_id(),
            token_hash: token_hash(&token),
            entry_point: entry_point.trim().to_owned(),
            customer_id: None,
            visitor,
            name,
            created_at: now,
            last_seen_at: now,
            ended_at: None,
            ended_by: None,
            customer_typing_at: None,
            agent_typing_at: None,
        };
        write_tx!(self, |tx| {
            let Some(entry) = chat_entry_doc(tx, &row.entry_point).await? else {
                return Err(DomainError::invalid(
                    "entryPoint",
                    format!("no chat entry point has the address '{}'", row.entry_point),
                )
                .into());
            };
            if let Some(form) = &entry.pre_chat {
                if form.name == "REQUIRED" && row.name.is_none() {
                    return Err(DomainError::blank("customer.name", "your name, please").into());
                }
                if form.email == "REQUIRED" && email_given.is_none() {
                    return Err(DomainError::blank(
                        "customer.emailAddress",
                        "your email address, please",
                    )
                    .into());
                }
            }
            tx.insert_chat_session(&row).await?;
            Ok::<_, AppError>(())
        })?;
        Ok((session_of(&row), token))
    }

    /// Rejoins with a resume token: the same session while it is open and the
    /// customer was seen within the rejoin window; else a new session (and token)
    /// for the same customer, in the same conversation. `None`: the token is not
    /// one of this entry point's.
    pub async fn resume_chat(
        &self,
        entry_point: &str,
        token: &str,
    ) -> Result<Option<(ChatSession, Option<String>)>, AppError> {
        let hash = token_hash(token);
        let now = self.now();
        write_tx!(self, |tx| {
            let Some(mut row) = tx.chat_session_by_token(&hash).await? else {
                return Ok(None);
            };
            if row.entry_point != entry_point.trim() {
                return Ok(None);
            }
            let window = load_settings(tx).await?.chat_rejoin;
            let fresh = row.ended_at.is_none()
                && codec::from_ms(row.last_seen_at) + window >= now
                && !contact_ended(tx, &row).await?;
            if fresh {
                row.last_seen_at = codec::to_ms(now);
                tx.update_chat_session(&row).await?;
                return Ok(Some((session_of(&row), None)));
            }
            let token =
                new_token().map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
            let next = ChatSessionRow {
                id: new_id(),
                token_hash: token_hash(&token),
                created_at: codec::to_ms(now),
                last_seen_at: codec::to_ms(now),
                ended_at: None,
                ended_by: None,
                customer_typing_at: None,
                agent_typing_at: None,
                ..row
            };
            tx.insert_chat_session(&next).await?;
            Ok::<_, AppError>(Some((session_of(&next), Some(token))))
        })
    }

    /// The customer says `text` in the session; `client_id` makes a resent message
    /// the same item. Returns the line and whether it is new.
    pub async fn chat_say(
        &self,
        session_id: &str,
        client_id: &str,
        text: &str,
    ) -> Result<(ChatLine, bool), AppError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(DomainError::blank("content", "say something").into());
        }
        if text.chars().count() > MAX_MESSAGING_BODY {
            return Err(DomainError::too_long(
                "content",
                format!("a chat message has at most {MAX_MESSAGING_BODY} characters"),
            )
            .into());
        }
        if client_id.is_empty() || client_id.len() > MAX_CLIENT_ID {
            return Err(DomainError::invalid(
                "clientId",
                format!("1 to {MAX_CLIENT_ID} characters"),
            )
            .into());
        }
        let row = self.chat_row(session_id).await?;
        if row.ended_at.is_some() {
            return Err(DomainError::invalid("session", "the chat has ended").into());
        }
        let (received, created) = self
            .receive(InboundRequest {
                channel: Channel::Chat,
                entry_point: row.entry_point.clone(),
                from_address: row.visitor.clone(),
                from_name: row.name.clone(),
                content: ItemContent::ChatMessage {
                    session_id: Some(row.id.clone()),
                    message_type: "TEXT".into(),
                    content: text.to_owned(),
                    attachments: Vec::new(),
                    message_data: None,
                },
                session_id: Some(row.id.clone()),
                provider_message_id: Some(format!("chat:{}:{client_id}", row.id)),
                automated: false,
                thread: None,
                raw_id: None,
                files: Vec::new(),
            })
            .await?;
        let now = codec::to_ms(self.now());
        write_tx!(self, |tx| {
            if let Some(mut current) = tx.chat_session(session_id).await? {
                current.customer_id = Some(received.customer_id.clone());
                current.last_seen_at = now;
                tx.update_chat_session(&current).await?;
            }
            Ok::<_, AppError>(())
        })?;
        let item = self.item(&received.item_id).await?;
        Ok((
            ChatLine {
                id: received.item_id,
                from: ChatFrom::Customer,
                agent_name: None,
                content: text.to_owned(),
                at: item.timestamp,
            },
            created,
        ))
    }

    /// The session's lines, oldest first, and who ended it, if it ended.
    pub async fn chat_transcript(&self, session_id: &str) -> Result<ChatTranscript, AppError> {
        read_tx!(self, |tx| {
            let row = tx
                .chat_session(session_id)
                .await?
                .ok_or_else(|| AppError::not_found("chat session", session_id))?;
            let mut lines = Vec::new();
            let mut ended = row.ended_by.as_deref().and_then(|b| match b {
                "agent" => Some(ChatEndedBy::Agent),
                "customer" => Some(ChatEndedBy::Customer),
                "timeout" => Some(ChatEndedBy::Timeout),
                _ => None,
            });
            let agent_typing_at = row.agent_typing_at.map(codec::from_ms);
            let Some(conversation) = session_conversation(tx, &row).await? else {
                return Ok(ChatTranscript {
                    lines,
                    ended,
                    agent_typing_at,
                });
            };
            let agents = load_agents(tx).await?;
            for item in load_items(tx, conversation.id.as_str(), 1000).await? {
                if item.session_id.as_deref() != Some(session_id) {
                    continue;
                }
                let ItemContent::ChatMessage { content, .. } = &item.content else {
                    continue;
                };
                let (from, agent_name) = match item.initiator.kind {
                    InitiatorType::Customer => (ChatFrom::Customer, None),
                    InitiatorType::Agent => (
                        ChatFrom::Agent,
                        agents
                            .iter()
                            .find(|a| Some(a.id.as_str()) == item.initiator.id.as_deref())
                            .and_then(|a| a.name.split_whitespace().next().map(str::to_owned)),
                    ),
                    // A bot answering first speaks for the team.
                    InitiatorType::Automation => (ChatFrom::Agent, Some("Assistant".to_owned())),
                    _ => (ChatFrom::System, None),
                };
                lines.push(ChatLine {
                    id: item.id.to_string(),
                    from,
                    agent_name,
                    content: content.clone(),
                    at: item.timestamp,
                });
            }
            if ended.is_none() {
                ended = conversation
                    .contacts
                    .iter()
                    .find(|c| c.session_id.as_deref() == Some(session_id))
                    .and_then(|c| c.ended.as_ref())
                    .map(|end| match end.reason {
                        Some(EndReason::CustomerAbandoned) => ChatEndedBy::Customer,
                        Some(EndReason::CustomerNoReply) => ChatEndedBy::Timeout,
                        _ => ChatEndedBy::Agent,
                    });
            }
            Ok::<_, AppError>(ChatTranscript {
                lines,
                ended,
                agent_typing_at,
            })
        })
    }

    /// The customer ends the session: its contact ends (CUSTOMER_ENDED).
    pub async fn chat_end(&self, session_id: &str) -> Result<(), AppError> {
        self.finish_chat(session_id, ChatEndedBy::Customer).await
    }

    /// The customer is typing in the session.
    pub async fn chat_customer_typing(&self, session_id: &str) -> Result<(), AppError> {
        let now = codec::to_ms(self.now());
        write_tx!(self, |tx| {
            if let Some(mut row) = tx.chat_session(session_id).await?
                && row.ended_at.is_none()
            {
                row.customer_typing_at = Some(now);
                row.last_seen_at = now;
                tx.update_chat_session(&row).await?;
            }
            Ok::<_, AppError>(())
        })
    }

    /// An agent is typing on a conversation: its customer's open chat sessions are
    /// told.
    pub async fn chat_agent_typing(&self, conversation_id: &str) -> Result<(), AppError> {
        let now = codec::to_ms(self.now());
        write_tx!(self, |tx| {
            let Some(conversation) = tx.conversation(conversation_id).await? else {
                return Err(AppError::not_found("conversation", conversation_id));
            };
            for mut row in tx.open_chat_sessions(&conversation.customer_id).await? {
                row.agent_typing_at = Some(now);
                tx.update_chat_session(&row).await?;
            }
            Ok::<_, AppError>(())
        })
    }

    /// Whether the customer of a conversation is typing in a chat right now.
    pub async fn chat_customer_is_typing(&self, conversation_id: &str) -> Result<bool, AppError> {
        let since = codec::to_ms(self.now() - TYPING_FOR);
        read_tx!(self, |tx| {
            let Some(conversation) = tx.conversation(conversation_id).await? else {
                return Err(AppError::not_found("conversation", conversation_id));
            };
            Ok::<_, AppError>(
                tx.open_chat_sessions(&conversation.customer_id)
                    .await?
                    .iter()
                    .any(|s| s.customer_typing_at.is_some_and(|t| t >= since)),
            )
        })
    }

    /// The customer's socket is still there (or just left): the rejoin window
    /// counts from now.
    pub async fn chat_seen(&self, session_id: &str) -> Result<(), AppError> {
        let now = codec::to_ms(self.now());
        write_tx!(self, |tx| {
            if let Some(mut row) = tx.chat_session(session_id).await?
                && row.ended_at.is_none()
            {
                row.last_seen_at = now;
                tx.update_chat_session(&row).await?;
            }
            Ok::<_, AppError>(())
        })
    }

    /// R45: sessions whose customer left and did not come back within the rejoin
    /// window (plus `grace`, for sockets that report late) end as abandoned
    /// (T22-T24 decide what becomes of the conversation). Returns how many.
    pub async fn abandon_stale_chats(
        &self,
        grace: hearth_domain::Duration,
    ) -> Result<usize, AppError> {
        let now = self.now();
        let stale = write_tx!(self, |tx| {
            let window = load_settings(tx).await?.chat_rejoin;
            let before = codec::to_ms(now - window - grace);
            Ok::<_, AppError>(tx.stale_chat_sessions(before, 32).await?)
        })?;
        for row in &stale {
            self.finish_chat(&row.id, ChatEndedBy::Timeout).await?;
        }
        Ok(stale.len())
    }

    /// Ends a session: its open contact ends (abandoned when it timed out), and the
    /// session records who ended it.
    async fn finish_chat(&self, session_id: &str, by: ChatEndedBy) -> Result<(), AppError> {
        let row = self.chat_row(session_id).await?;
        if row.ended_at.is_some() {
            return Ok(());
        }
        let contact = read_tx!(self, |tx| {
            Ok::<_, AppError>(session_conversation(tx, &row).await?.and_then(|c| {
                c.contacts
                    .iter()
                    .find(|c| c.session_id.as_deref() == Some(session_id) && c.ended.is_none())
                    .map(|c| c.id.to_string())
            }))
        })?;
        if let Some(contact) = contact {
            self.end_contact(&contact, by == ChatEndedBy::Timeout)
                .await?;
        }
        let now = codec::to_ms(self.now());
        write_tx!(self, |tx| {
            if let Some(mut current) = tx.chat_session(session_id).await?
                && current.ended_at.is_none()
            {
                current.ended_at = Some(now);
                current.ended_by = Some(by.as_str().to_owned());
                tx.update_chat_session(&current).await?;
            }
            Ok::<_, AppError>(())
        })
    }

    /// The web origins the widget of chat entry point `entry_point` may connect
    /// from (empty: any); `None` when there is no such chat entry point.
    pub async fn chat_origins(&self, entry_point: &str) -> Result<Option<Vec<String>>, AppError> {
        Ok(self
            .chat_entry_point(entry_point)
            .await?
            .map(|e| e.allowed_origins))
    }

    /// What the widget of chat entry point `entry_point` needs to know before a
    /// chat starts; `None` when there is no such chat entry point.
    pub async fn chat_entry_point(
        &self,
        entry_point: &str,
    ) -> Result<Option<ChatEntryPoint>, AppError> {
        let doc = read_tx!(self, |tx| chat_entry_doc(tx, entry_point).await)?;
        Ok(doc.map(|d| ChatEntryPoint {
            allowed_origins: d.allowed_origins,
            pre_chat: d.pre_chat.map(|p| PreChat {
                name: p.name,
                email: p.email,
            }),
        }))
    }

    async fn chat_row(&self, session_id: &str) -> Result<ChatSessionRow, AppError> {
        read_tx!(self, |tx| tx
            .chat_session(session_id)
            .await?
            .ok_or_else(|| AppError::not_found("chat session", session_id)))
    }
}

/// A chat entry point's stored document.
async fn chat_entry_doc(
    tx: &mut dyn StoreTx,
    address: &str,
) -> Result<Option<codec::EntryPointDoc>, AppError> {
    match tx
        .resource_by_key(
            crate::unit_of_work::kind::ENTRY_POINT,
            &codec::EntryPointDoc::key(Channel::Chat, address),
        )
        .await?
    {
        Some(row) => Ok(Some(codec::read(&row.doc)?)),
        None => Ok(None),
    }
}

/// The conversation a session's contact is in: its customer's latest (`None`
/// until the customer wrote).
async fn session_conversation(
    tx: &mut dyn StoreTx,
    row: &ChatSessionRow,
) -> Result<Option<Conversation>, AppError> {
    let Some(customer) = &row.customer_id else {
        return Ok(None);
    };
    match tx.latest_conversation(customer).await? {
        Some(conversation) => Ok(Some(conversation_of_row(&conversation)?)),
        None => Ok(None),
    }
}

/// Whether the session's contact has ended (an agent's End, or a close).
async fn contact_ended(tx: &mut dyn StoreTx, row: &ChatSessionRow) -> Result<bool, AppError> {
    Ok(session_conversation(tx, row).await?.is_some_and(|c| {
        c.contacts
            .iter()
            .any(|c| c.session_id.as_deref() == Some(row.id.as_str()) && c.ended.is_some())
    }))
}
