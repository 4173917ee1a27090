//! Conversation items: every timeline entry type of `GLADLY-API.md` section 3.3.

use crate::Timestamp;
use crate::error::DomainError;
use crate::id::{ContactId, ConversationId, CustomerId, ItemId, TopicId};

/// Who caused something (R61).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InitiatorType {
    Agent,
    Api,
    Automation,
    Customer,
    Internal,
    External,
    System,
}

impl InitiatorType {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            InitiatorType::Agent => "AGENT",
            InitiatorType::Api => "API",
            InitiatorType::Automation => "AUTOMATION",
            InitiatorType::Customer => "CUSTOMER",
            InitiatorType::Internal => "INTERNAL",
            InitiatorType::External => "EXTERNAL",
            InitiatorType::System => "SYSTEM",
        }
    }
    /// Parses the wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        [
            Self::Agent,
            Self::Api,
            Self::Automation,
            Self::Customer,
            Self::Internal,
            Self::External,
            Self::System,
        ]
        .into_iter()
        .find(|t| t.as_str() == raw)
    }
}

/// `{type, id}` of whoever initiated an item or event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Initiator {
    pub kind: InitiatorType,
    pub id: Option<String>,
}

impl Initiator {
    /// An initiator with an id.
    pub fn new(kind: InitiatorType, id: impl Into<String>) -> Self {
        Initiator {
            kind,
            id: Some(id.into()),
        }
    }
    /// Hearth itself (auto-close, timers).
    pub fn system() -> Self {
        Initiator {
            kind: InitiatorType::System,
            id: None,
        }
    }
}

/// `{id, contentType, filename, fileSize}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: String,
    pub content_type: String,
    pub filename: String,
    pub file_size: u64,
}

/// Recording summary of a call or voicemail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingSummary {
    pub status: String,
    pub summary: Option<String>,
    pub language: Option<String>,
}

/// Recording fields shared by calls and voicemails.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Recording {
    pub status: Option<String>,
    pub url: Option<String>,
    pub duration: Option<u64>,
    pub summary: Option<RecordingSummary>,
}

/// A quick-reply option of a chat message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuickReplyOption {
    pub id: String,
    pub label: String,
}

/// Extra data of a quick-reply chat message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatMessageData {
    Request {
        options: Vec<QuickReplyOption>,
    },
    Response {
        options: Vec<QuickReplyOption>,
        selected_option_id: String,
        request_message_id: String,
    },
}

/// A link of a customer-activity item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityLink {
    pub url: String,
    pub text: Option<String>,
}

/// Item content, one variant per `content.type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemContent {
    ChatMessage {
        session_id: Option<String>,
        message_type: String,
        content: String,
        attachments: Vec<Attachment>,
        message_data: Option<ChatMessageData>,
    },
    ConversationStatusChange {
        status: StatusChange,
    },
    CustomerActivity {
        title: Option<String>,
        body: Option<String>,
        activity_type: String,
        source_name: Option<String>,
        link: Option<ActivityLink>,
        expand_by_default: bool,
        occurred_at: Option<Timestamp>,
        received_at: Timestamp,
    },
    Email {
        from: String,
        to: Vec<String>,
        cc: Vec<String>,
        bcc: Vec<String>,
        subject: String,
        /// The plain text.
        content: String,
        /// The HTML part as received, already made safe to show (no scripts, no
        /// remote content); `None` for plain-text mail and for what Hearth writes.
        html: Option<String>,
        attachments: Vec<Attachment>,
    },
    FacebookMessage {
        page_id: Option<String>,
        user_id: Option<String>,
        content: String,
        attachments: Vec<Attachment>,
    },
    ConversationNote {
        body: String,
        attachments: Vec<Attachment>,
    },
    PhoneCall {
        from: String,
        to: String,
        started_at: Timestamp,
        answered_at: Option<Timestamp>,
        completed_at: Option<Timestamp>,
        recording: Recording,
    },
    Sms {
        from: String,
        to: String,
        content: String,
        attachments: Vec<Attachment>,
    },
    TopicChange {
        added: Vec<TopicId>,
        removed: Vec<TopicId>,
    },
    VoiceAiMessage {
        customer_number: String,
        company_number: String,
        body: String,
        status: String,
    },
    Voicemail {
        started_at: Timestamp,
        recording: Recording,
    },
    Whatsapp {
        content: String,
        attachments: Vec<Attachment>,
    },
    InstagramDirect {
        content: String,
        attachments: Vec<Attachment>,
    },
    Twitter {
        content: String,
    },
    Task {
        inbox_id: String,
        agent_id: Option<String>,
        body: String,
        due_at: Timestamp,
    },
}

/// The status recorded by a `CONVERSATION_STATUS_CHANGE` item (OPEN or CLOSED only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusChange {
    Open,
    Closed,
}

impl ItemContent {
    /// The `content.type` wire name.
    pub fn type_name(&self) -> &'static str {
        match self {
            ItemContent::ChatMessage { .. } => "CHAT_MESSAGE",
            ItemContent::ConversationStatusChange { .. } => "CONVERSATION_STATUS_CHANGE",
            ItemContent::CustomerActivity { .. } => "CUSTOMER_ACTIVITY",
            ItemContent::Email { .. } => "EMAIL",
            ItemContent::FacebookMessage { .. } => "FACEBOOK_MESSAGE",
            ItemContent::ConversationNote { .. } => "CONVERSATION_NOTE",
            ItemContent::PhoneCall { .. } => "PHONE_CALL",
            ItemContent::Sms { .. } => "SMS",
            ItemContent::TopicChange { .. } => "TOPIC_CHANGE",
            ItemContent::VoiceAiMessage { .. } => "VOICE_AI_MESSAGE",
            ItemContent::Voicemail { .. } => "VOICEMAIL",
            ItemContent::Whatsapp { .. } => "WHATSAPP",
            ItemContent::InstagramDirect { .. } => "INSTAGRAM_DIRECT",
            ItemContent::Twitter { .. } => "TWITTER",
            ItemContent::Task { .. } => "TASK",
        }
    }

    /// The text body of a message, where the type has one.
    pub fn text(&self) -> Option<&str> {
        match self {
            ItemContent::ChatMessage { content, .. }
            | ItemContent::Email { content, .. }
            | ItemContent::FacebookMessage { content, .. }
            | ItemContent::Sms { content, .. }
            | ItemContent::Whatsapp { content, .. }
            | ItemContent::InstagramDirect { content, .. }
            | ItemContent::Twitter { content } => Some(content),
            ItemContent::ConversationNote { body, .. }
            | ItemContent::VoiceAiMessage { body, .. } => Some(body),
            _ => None,
        }
    }

    /// The files the item carries, where the type has any.
    pub fn attachments(&self) -> &[Attachment] {
        match self {
            ItemContent::ChatMessage { attachments, .. }
            | ItemContent::Email { attachments, .. }
            | ItemContent::FacebookMessage { attachments, .. }
            | ItemContent::ConversationNote { attachments, .. }
            | ItemContent::Sms { attachments, .. }
            | ItemContent::Whatsapp { attachments, .. }
            | ItemContent::InstagramDirect { attachments, .. } => attachments,
            _ => &[],
        }
    }
}

/// One timeline entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationItem {
    pub id: ItemId,
    pub customer_id: CustomerId,
    /// Absent for items outside any conversation (customer activity, communications).
    pub conversation_id: Option<ConversationId>,
    /// The contact the item belongs to; internal, never on the wire.
    pub contact_id: Option<ContactId>,
    pub session_id: Option<String>,
    pub timestamp: Timestamp,
    pub initiator: Initiator,
    pub responder: Option<Initiator>,
    pub content: ItemContent,
    /// Set when the content was wiped (`POST /conversation-items/{id}/redact`).
    pub redaction: Option<Redaction>,
}

/// Who wiped an item's content, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redaction {
    pub by: Initiator,
    pub at: Timestamp,
}

impl ConversationItem {
    /// The item with its content wiped: texts, subjects, attachments, recordings
    /// and their summaries go; the type, the addresses, the times and who sent it
    /// stay. Only messages and calls can be redacted (Gladly: chat, SMS, email,
    /// social messages, voicemail, phone call). Redacting twice keeps the first
    /// redaction.
    pub fn redacted(&self, by: Initiator, at: Timestamp) -> Result<ConversationItem, DomainError> {
        if self.redaction.is_some() {
            return Ok(self.clone());
        }
        let wiped = |recording: &Recording| Recording {
            status: recording.status.clone(),
            url: None,
            duration: recording.duration,
            summary: None,
        };
        let content = match &self.content {
            ItemContent::ChatMessage {
                session_id,
                message_type,
                ..
            } => ItemContent::ChatMessage {
                session_id: session_id.clone(),
                message_type: message_type.clone(),
                content: String::new(),
                attachments: Vec::new(),
                message_data: None,
            },
            ItemContent::Email {
                from, to, cc, bcc, ..
            } => ItemContent::Email {
                from: from.clone(),
                to: to.clone(),
                cc: cc.clone(),
                bcc: bcc.clone(),
                subject: String::new(),
                content: String::new(),
                html: None,
                attachments: Vec::new(),
            },
            ItemContent::FacebookMessage {
                page_id, user_id, ..
            } => ItemContent::FacebookMessage {
                page_id: page_id.clone(),
                user_id: user_id.clone(),
                content: String::new(),
                attachments: Vec::new(),
            },
            ItemContent::Sms { from, to, .. } => ItemContent::Sms {
                from: from.clone(),
                to: to.clone(),
                content: String::new(),
                attachments: Vec::new(),
            },
            ItemContent::Whatsapp { .. } => ItemContent::Whatsapp {
                content: String::new(),
                attachments: Vec::new(),
            },
            ItemContent::InstagramDirect { .. } => ItemContent::InstagramDirect {
                content: String::new(),
                attachments: Vec::new(),
            },
            ItemContent::Twitter { .. } => ItemContent::Twitter {
                content: String::new(),
            },
            ItemContent::PhoneCall {
                from,
                to,
                started_at,
                answered_at,
                completed_at,
                recording,
            } => ItemContent::PhoneCall {
                from: from.clone(),
                to: to.clone(),
                started_at: *started_at,
                answered_at: *answered_at,
                completed_at: *completed_at,
                recording: wiped(recording),
            },
            ItemContent::Voicemail {
                started_at,
                recording,
            } => ItemContent::Voicemail {
                started_at: *started_at,
                recording: wiped(recording),
            },
            other => {
                return Err(DomainError::invalid(
                    "content.type",
                    format!(
                        "a {} item cannot be redacted; only messages and calls can",
                        other.type_name()
                    ),
                ));
            }
        };
        Ok(ConversationItem {
            content,
            redaction: Some(Redaction { by, at }),
            ..self.clone()
        })
    }

    /// A message the customer sent (what a reply may answer).
    pub fn is_customer_message(&self) -> bool {
        self.initiator.kind == InitiatorType::Customer
            && matches!(
                self.content,
                ItemContent::ChatMessage { .. }
                    | ItemContent::Email { .. }
                    | ItemContent::FacebookMessage { .. }
                    | ItemContent::Sms { .. }
                    | ItemContent::Whatsapp { .. }
                    | ItemContent::InstagramDirect { .. }
                    | ItemContent::Twitter { .. }
                    | ItemContent::Voicemail { .. }
                    | ItemContent::PhoneCall { .. }
            )
    }
}
