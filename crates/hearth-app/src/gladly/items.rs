//! Conversation items in Gladly's shape (GLADLY-API.md 3.1): the content clients
//! write (`POST /conversation-items`, inbound contacts, replies) and the item every
//! response and export line shows. The stored shape is `codec::ItemDoc`.

use hearth_domain::id::*;
use hearth_domain::item::{
    ActivityLink, Attachment, ChatMessageData, ConversationItem, Initiator, InitiatorType,
    ItemContent, QuickReplyOption, Recording, RecordingSummary, StatusChange,
};
use hearth_domain::{DomainError, Timestamp};
use serde::{Deserialize, Serialize};

use serde_json::{Map, Value};

use crate::codec::{ts, ts_opt};
use crate::service::DeliveryState;

/// Reads an item's `content` object; `now` is when it was received.
pub fn item_content(
    content: &Map<String, Value>,
    now: Timestamp,
) -> Result<ItemContent, DomainError> {
    let wire: ContentWire = serde_json::from_value(Value::Object(content.clone()))
        .map_err(|e| DomainError::invalid("content", e.to_string()))?;
    wire.to_domain(now)
}

/// `{customerId, conversationItemId}`: what an outbound SMS or email created.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SentWire {
    pub customer_id: String,
    pub conversation_item_id: String,
}

/// `{id, conversationId, customerId}`: a custom channel's message as received.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceivedWire {
    pub id: String,
    pub conversation_id: String,
    pub customer_id: String,
}

/// `{id, type}` of an initiator or responder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InitiatorWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
}

impl InitiatorWire {
    /// From the domain.
    pub fn of(i: &Initiator) -> Self {
        InitiatorWire {
            id: i.id.clone(),
            kind: i.kind.as_str().to_owned(),
        }
    }
    /// To the domain.
    pub fn to_domain(&self) -> Result<Initiator, DomainError> {
        let kind = InitiatorType::parse(&self.kind)
            .ok_or_else(|| unknown("initiator.type", &self.kind))?;
        Ok(Initiator {
            kind,
            id: self.id.clone(),
        })
    }
}

/// `{id, contentType, filename, fileSize}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentWire {
    pub id: String,
    pub content_type: String,
    pub filename: String,
    #[serde(default)]
    pub file_size: u64,
}

/// `recordingSummary`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordingSummaryWire {
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// `{id, label}` of a quick reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionWire {
    pub id: String,
    pub label: String,
}

/// `messageData` of a quick-reply chat message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageDataWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<OptionWire>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quick_reply_request: Option<QuickReplyRequestWire>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected_option_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_message_id: Option<String>,
}

/// `quickReplyRequest{options}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuickReplyRequestWire {
    pub options: Vec<OptionWire>,
}

/// `link{url, text}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkWire {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// Item content in Gladly's shape, tagged by `type`; `body` is accepted for
/// `content` as Gladly's own clients send it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ContentWire {
    #[serde(rename_all = "camelCase")]
    ChatMessage {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session_id: Option<String>,
        #[serde(default = "text_type")]
        message_type: String,
        #[serde(alias = "body")]
        content: String,
        #[serde(default)]
        attachments: Vec<AttachmentWire>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message_data: Option<MessageDataWire>,
    },
    ConversationStatusChange {
        status: String,
    },
    #[serde(rename_all = "camelCase")]
    CustomerActivity {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<String>,
        activity_type: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        source_name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        link: Option<LinkWire>,
        #[serde(default)]
        expand_by_default: bool,
        #[serde(default, with = "ts_opt", skip_serializing_if = "Option::is_none")]
        occurred_at: Option<Timestamp>,
        #[serde(default, with = "ts_opt", skip_serializing_if = "Option::is_none")]
        received_at: Option<Timestamp>,
    },
    Email {
        from: String,
        #[serde(default)]
        to: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        cc: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        bcc: Vec<String>,
        #[serde(default)]
        subject: String,
        #[serde(alias = "body", default)]
        content: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        html: Option<String>,
        #[serde(default)]
        attachments: Vec<AttachmentWire>,
    },
    #[serde(rename_all = "camelCase")]
    FacebookMessage {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        page_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_id: Option<String>,
        #[serde(alias = "body")]
        content: String,
        #[serde(default)]
        attachments: Vec<AttachmentWire>,
    },
    ConversationNote {
        body: String,
        #[serde(default)]
        attachments: Vec<AttachmentWire>,
    },
    #[serde(rename_all = "camelCase")]
    PhoneCall {
        from: String,
        to: String,
        #[serde(with = "ts")]
        started_at: Timestamp,
        #[serde(default, with = "ts_opt", skip_serializing_if = "Option::is_none")]
        answered_at: Option<Timestamp>,
        #[serde(default, with = "ts_opt", skip_serializing_if = "Option::is_none")]
        completed_at: Option<Timestamp>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recording_status: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recording_url: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recording_duration: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recording_summary: Option<RecordingSummaryWire>,
    },
    Sms {
        from: String,
        to: String,
        #[serde(alias = "body")]
        content: String,
        #[serde(default)]
        attachments: Vec<AttachmentWire>,
    },
    #[serde(rename_all = "camelCase")]
    TopicChange {
        #[serde(default)]
        added_topic_ids: Vec<String>,
        #[serde(default)]
        removed_topic_ids: Vec<String>,
    },
    #[serde(rename_all = "camelCase")]
    VoiceAiMessage {
        customer_number: String,
        company_number: String,
        body: String,
        status: String,
    },
    #[serde(rename_all = "camelCase")]
    Voicemail {
        #[serde(with = "ts")]
        started_at: Timestamp,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recording_status: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recording_url: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recording_duration: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recording_summary: Option<RecordingSummaryWire>,
    },
    Whatsapp {
        #[serde(alias = "body")]
        content: String,
        #[serde(default)]
        attachments: Vec<AttachmentWire>,
    },
    InstagramDirect {
        #[serde(alias = "body")]
        content: String,
        #[serde(default)]
        attachments: Vec<AttachmentWire>,
    },
    Twitter {
        #[serde(alias = "body")]
        content: String,
    },
    #[serde(rename_all = "camelCase")]
    Task {
        assignee: AssigneeWire,
        body: String,
        #[serde(with = "ts")]
        due_at: Timestamp,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<AttachmentWire>,
    },
}

fn unknown(what: &str, value: &str) -> DomainError {
    DomainError::invalid(what, format!("unknown value '{value}'"))
}

fn text_type() -> String {
    "TEXT".to_owned()
}

/// `{inboxId, agentId?}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssigneeWire {
    pub inbox_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
}

fn att_in(a: &[AttachmentWire]) -> Vec<Attachment> {
    a.iter()
        .map(|a| Attachment {
            id: a.id.clone(),
            content_type: a.content_type.clone(),
            filename: a.filename.clone(),
            file_size: a.file_size,
        })
        .collect()
}

fn att_out(a: &[Attachment]) -> Vec<AttachmentWire> {
    a.iter()
        .map(|a| AttachmentWire {
            id: a.id.clone(),
            content_type: a.content_type.clone(),
            filename: a.filename.clone(),
            file_size: a.file_size,
        })
        .collect()
}

fn rec_in(
    status: &Option<String>,
    url: &Option<String>,
    duration: Option<u64>,
    summary: &Option<RecordingSummaryWire>,
) -> Recording {
    Recording {
        status: status.clone(),
        url: url.clone(),
        duration,
        summary: summary.as_ref().map(|s| RecordingSummary {
            status: s.status.clone(),
            summary: s.summary.clone(),
            language: s.language.clone(),
        }),
    }
}

fn summary_out(r: &Recording) -> Option<RecordingSummaryWire> {
    r.summary.as_ref().map(|s| RecordingSummaryWire {
        status: s.status.clone(),
        summary: s.summary.clone(),
        language: s.language.clone(),
    })
}

fn options_in(o: &[OptionWire]) -> Vec<QuickReplyOption> {
    o.iter()
        .map(|o| QuickReplyOption {
            id: o.id.clone(),
            label: o.label.clone(),
        })
        .collect()
}

fn options_out(o: &[QuickReplyOption]) -> Vec<OptionWire> {
    o.iter()
        .map(|o| OptionWire {
            id: o.id.clone(),
            label: o.label.clone(),
        })
        .collect()
}

impl ContentWire {
    /// To the domain, validating what the wire cannot express.
    pub fn to_domain(&self, received_at: Timestamp) -> Result<ItemContent, DomainError> {
        Ok(match self {
            ContentWire::ChatMessage {
                session_id,
                message_type,
                content,
                attachments,
                message_data,
            } => {
                let data = match (message_type.as_str(), message_data) {
                    ("TEXT", _) => None,
                    ("QUICK_REPLY_REQUEST", Some(d)) => Some(ChatMessageData::Request {
                        options: options_in(d.options.as_deref().unwrap_or(&[])),
                    }),
                    ("QUICK_REPLY_RESPONSE", Some(d)) => Some(ChatMessageData::Response {
                        options: options_in(
                            d.quick_reply_request
                                .as_ref()
                                .map(|q| q.options.as_slice())
                                .unwrap_or(&[]),
                        ),
                        selected_option_id: d.selected_option_id.clone().unwrap_or_default(),
                        request_message_id: d.request_message_id.clone().unwrap_or_default(),
                    }),
                    ("QUICK_REPLY_REQUEST" | "QUICK_REPLY_RESPONSE", None) => {
                        return Err(DomainError::blank(
                            "content.messageData",
                            "quick replies need messageData",
                        ));
                    }
                    (other, _) => {
                        return Err(DomainError::invalid(
                            "content.messageType",
                            format!("unknown message type '{other}'"),
                        ));
                    }
                };
                ItemContent::ChatMessage {
                    session_id: session_id.clone(),
                    message_type: message_type.clone(),
                    content: content.clone(),
                    attachments: att_in(attachments),
                    message_data: data,
                }
            }
            ContentWire::ConversationStatusChange { status } => {
                ItemContent::ConversationStatusChange {
                    status: match status.as_str() {
                        "OPEN" => StatusChange::Open,
                        "CLOSED" => StatusChange::Closed,
                        other => return Err(unknown("content.status", other)),
                    },
                }
            }
            ContentWire::CustomerActivity {
                title,
                body,
                activity_type,
                source_name,
                link,
                expand_by_default,
                occurred_at,
                received_at: r,
            } => ItemContent::CustomerActivity {
                title: title.clone(),
                body: body.clone(),
                activity_type: activity_type.clone(),
                source_name: source_name.clone(),
                link: link.as_ref().map(|l| ActivityLink {
                    url: l.url.clone(),
                    text: l.text.clone(),
                }),
                expand_by_default: *expand_by_default,
                occurred_at: *occurred_at,
                received_at: r.unwrap_or(received_at),
            },
            ContentWire::Email {
                from,
                to,
                cc,
                bcc,
                subject,
                content,
                html,
                attachments,
            } => ItemContent::Email {
                from: from.clone(),
                to: to.clone(),
                cc: cc.clone(),
                bcc: bcc.clone(),
                subject: subject.clone(),
                content: content.clone(),
                html: html.clone(),
                attachments: att_in(attachments),
            },
            ContentWire::FacebookMessage {
                page_id,
                user_id,
                content,
                attachments,
            } => ItemContent::FacebookMessage {
                page_id: page_id.clone(),
                user_id: user_id.clone(),
                content: content.clone(),
                attachments: att_in(attachments),
            },
            ContentWire::ConversationNote { body, attachments } => ItemContent::ConversationNote {
                body: body.clone(),
                attachments: att_in(attachments),
            },
            ContentWire::PhoneCall {
                from,
                to,
                started_at,
                answered_at,
                completed_at,
                recording_status,
                recording_url,
                recording_duration,
                recording_summary,
            } => ItemContent::PhoneCall {
                from: from.clone(),
                to: to.clone(),
                started_at: *started_at,
                answered_at: *answered_at,
                completed_at: *completed_at,
                recording: rec_in(
                    recording_status,
                    recording_url,
                    *recording_duration,
                    recording_summary,
                ),
            },
            ContentWire::Sms {
                from,
                to,
                content,
                attachments,
            } => ItemContent::Sms {
                from: from.clone(),
                to: to.clone(),
                content: content.clone(),
                attachments: att_in(attachments),
            },
            ContentWire::TopicChange {
                added_topic_ids,
                removed_topic_ids,
            } => ItemContent::TopicChange {
                added: added_topic_ids.iter().map(TopicId::from_trusted).collect(),
                removed: removed_topic_ids
                    .iter()
                    .map(TopicId::from_trusted)
                    .collect(),
            },
            ContentWire::VoiceAiMessage {
                customer_number,
                company_number,
                body,
                status,
            } => ItemContent::VoiceAiMessage {
                customer_number: customer_number.clone(),
                company_number: company_number.clone(),
                body: body.clone(),
                status: status.clone(),
            },
            ContentWire::Voicemail {
                started_at,
                recording_status,
                recording_url,
                recording_duration,
                recording_summary,
            } => ItemContent::Voicemail {
                started_at: *started_at,
                recording: rec_in(
                    recording_status,
                    recording_url,
                    *recording_duration,
                    recording_summary,
                ),
            },
            ContentWire::Whatsapp {
                content,
                attachments,
            } => ItemContent::Whatsapp {
                content: content.clone(),
                attachments: att_in(attachments),
            },
            ContentWire::InstagramDirect {
                content,
                attachments,
            } => ItemContent::InstagramDirect {
                content: content.clone(),
                attachments: att_in(attachments),
            },
            ContentWire::Twitter { content } => ItemContent::Twitter {
                content: content.clone(),
            },
            ContentWire::Task {
                assignee,
                body,
                due_at,
                ..
            } => ItemContent::Task {
                inbox_id: assignee.inbox_id.clone(),
                agent_id: assignee.agent_id.clone(),
                body: body.clone(),
                due_at: *due_at,
            },
        })
    }

    /// From the domain.
    pub fn of(c: &ItemContent) -> ContentWire {
        match c {
            ItemContent::ChatMessage {
                session_id,
                message_type,
                content,
                attachments,
                message_data,
            } => ContentWire::ChatMessage {
                session_id: session_id.clone(),
                message_type: message_type.clone(),
                content: content.clone(),
                attachments: att_out(attachments),
                message_data: message_data.as_ref().map(|d| match d {
                    ChatMessageData::Request { options } => MessageDataWire {
                        options: Some(options_out(options)),
                        quick_reply_request: None,
                        selected_option_id: None,
                        request_message_id: None,
                    },
                    ChatMessageData::Response {
                        options,
                        selected_option_id,
                        request_message_id,
                    } => MessageDataWire {
                        options: None,
                        quick_reply_request: Some(QuickReplyRequestWire {
                            options: options_out(options),
                        }),
                        selected_option_id: Some(selected_option_id.clone()),
                        request_message_id: Some(request_message_id.clone()),
                    },
                }),
            },
            ItemContent::ConversationStatusChange { status } => {
                ContentWire::ConversationStatusChange {
                    status: match status {
                        StatusChange::Open => "OPEN",
                        StatusChange::Closed => "CLOSED",
                    }
                    .to_owned(),
                }
            }
            ItemContent::CustomerActivity {
                title,
                body,
                activity_type,
                source_name,
                link,
                expand_by_default,
                occurred_at,
                received_at,
            } => ContentWire::CustomerActivity {
                title: title.clone(),
                body: body.clone(),
                activity_type: activity_type.clone(),
                source_name: source_name.clone(),
                link: link.as_ref().map(|l| LinkWire {
                    url: l.url.clone(),
                    text: l.text.clone(),
                }),
                expand_by_default: *expand_by_default,
                occurred_at: *occurred_at,
                received_at: Some(*received_at),
            },
            ItemContent::Email {
                from,
                to,
                cc,
                bcc,
                subject,
                content,
                html,
                attachments,
            } => ContentWire::Email {
                from: from.clone(),
                to: to.clone(),
                cc: cc.clone(),
                bcc: bcc.clone(),
                subject: subject.clone(),
                content: content.clone(),
                html: html.clone(),
                attachments: att_out(attachments),
            },
            ItemContent::FacebookMessage {
                page_id,
                user_id,
                content,
                attachments,
            } => ContentWire::FacebookMessage {
                page_id: page_id.clone(),
                user_id: user_id.clone(),
                content: content.clone(),
                attachments: att_out(attachments),
            },
            ItemContent::ConversationNote { body, attachments } => ContentWire::ConversationNote {
                body: body.clone(),
                attachments: att_out(attachments),
            },
            ItemContent::PhoneCall {
                from,
                to,
                started_at,
                answered_at,
                completed_at,
                recording,
            } => ContentWire::PhoneCall {
                from: from.clone(),
                to: to.clone(),
                started_at: *started_at,
                answered_at: *answered_at,
                completed_at: *completed_at,
                recording_status: recording.status.clone(),
                recording_url: recording.url.clone(),
                recording_duration: recording.duration,
                recording_summary: summary_out(recording),
            },
            ItemContent::Sms {
                from,
                to,
                content,
                attachments,
            } => ContentWire::Sms {
                from: from.clone(),
                to: to.clone(),
                content: content.clone(),
                attachments: att_out(attachments),
            },
            ItemContent::TopicChange { added, removed } => ContentWire::TopicChange {
                added_topic_ids: added.iter().map(|t| t.as_str().to_owned()).collect(),
                removed_topic_ids: removed.iter().map(|t| t.as_str().to_owned()).collect(),
            },
            ItemContent::VoiceAiMessage {
                customer_number,
                company_number,
                body,
                status,
            } => ContentWire::VoiceAiMessage {
                customer_number: customer_number.clone(),
                company_number: company_number.clone(),
                body: body.clone(),
                status: status.clone(),
            },
            ItemContent::Voicemail {
                started_at,
                recording,
            } => ContentWire::Voicemail {
                started_at: *started_at,
                recording_status: recording.status.clone(),
                recording_url: recording.url.clone(),
                recording_duration: recording.duration,
                recording_summary: summary_out(recording),
            },
            ItemContent::Whatsapp {
                content,
                attachments,
            } => ContentWire::Whatsapp {
                content: content.clone(),
                attachments: att_out(attachments),
            },
            ItemContent::InstagramDirect {
                content,
                attachments,
            } => ContentWire::InstagramDirect {
                content: content.clone(),
                attachments: att_out(attachments),
            },
            ItemContent::Twitter { content } => ContentWire::Twitter {
                content: content.clone(),
            },
            ItemContent::Task {
                inbox_id,
                agent_id,
                body,
                due_at,
            } => ContentWire::Task {
                assignee: AssigneeWire {
                    inbox_id: inbox_id.clone(),
                    agent_id: agent_id.clone(),
                },
                body: body.clone(),
                due_at: *due_at,
                attachments: Vec::new(),
            },
        }
    }
}

/// A conversation item in Gladly's wire shape (`GLADLY-API.md` 3.1).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemWire {
    pub id: String,
    pub customer_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(with = "ts")]
    pub timestamp: Timestamp,
    pub initiator: InitiatorWire,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub responder: Option<InitiatorWire>,
    pub content: ContentWire,
    /// Hearth's addition: how a message Hearth sent fares with its provider.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery: Option<DeliveryWire>,
    /// Hearth's addition: when the content was wiped, and by whom.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redaction: Option<RedactionWire>,
}

/// `{redactedAt, initiator}` of a redacted item.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RedactionWire {
    #[serde(with = "ts")]
    pub redacted_at: Timestamp,
    pub initiator: InitiatorWire,
}

/// `{status, attempts, detail?}`: `PENDING`, `SENT` or `FAILED` (with why).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryWire {
    pub status: String,
    pub attempts: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl From<&DeliveryState> for DeliveryWire {
    fn from(d: &DeliveryState) -> Self {
        DeliveryWire {
            status: d.status.clone(),
            attempts: d.attempts,
            detail: d.detail.clone(),
        }
    }
}

impl ItemWire {
    /// The wire form of an item with its delivery state, if it has one.
    pub fn with_delivery(i: &ConversationItem, delivery: Option<&DeliveryState>) -> ItemWire {
        ItemWire {
            delivery: delivery.map(DeliveryWire::from),
            ..ItemWire::of(i)
        }
    }

    /// The wire form of an item.
    pub fn of(i: &ConversationItem) -> ItemWire {
        ItemWire {
            id: i.id.to_string(),
            customer_id: i.customer_id.to_string(),
            conversation_id: i.conversation_id.as_ref().map(ToString::to_string),
            session_id: i.session_id.clone(),
            timestamp: i.timestamp,
            initiator: InitiatorWire::of(&i.initiator),
            responder: i.responder.as_ref().map(InitiatorWire::of),
            content: ContentWire::of(&i.content),
            delivery: None,
            redaction: i.redaction.as_ref().map(|r| RedactionWire {
                redacted_at: r.at,
                initiator: InitiatorWire::of(&r.by),
            }),
        }
    }
}
