//! Conversation items: the content of every item type and the item document.

use hearth_domain::id::*;
use hearth_domain::item::{
    ActivityLink, Attachment, ChatMessageData, ConversationItem, Initiator, InitiatorType,
    ItemContent, QuickReplyOption, Recording, RecordingSummary, StatusChange,
};
use hearth_domain::{DomainError, Timestamp};
use serde::{Deserialize, Serialize};

use super::instants::{ts, ts_opt};

use super::instants::corrupt;

/// `{id, type}` of an initiator or responder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InitiatorDto {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
}

impl InitiatorDto {
    /// From the domain.
    pub fn of(i: &Initiator) -> Self {
        InitiatorDto {
            id: i.id.clone(),
            kind: i.kind.as_str().to_owned(),
        }
    }
    /// To the domain.
    pub fn to_domain(&self) -> Result<Initiator, DomainError> {
        let kind = InitiatorType::parse(&self.kind)
            .ok_or_else(|| corrupt("initiator.type", &self.kind))?;
        Ok(Initiator {
            kind,
            id: self.id.clone(),
        })
    }
}

/// `{id, contentType, filename, fileSize}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentDto {
    pub id: String,
    pub content_type: String,
    pub filename: String,
    #[serde(default)]
    pub file_size: u64,
}

/// `recordingSummary`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordingSummaryDto {
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// `{id, label}` of a quick reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionDto {
    pub id: String,
    pub label: String,
}

/// `messageData` of a quick-reply chat message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageDataDto {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<OptionDto>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quick_reply_request: Option<QuickReplyRequestDto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected_option_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_message_id: Option<String>,
}

/// `quickReplyRequest{options}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuickReplyRequestDto {
    pub options: Vec<OptionDto>,
}

/// `link{url, text}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkDto {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

pub(crate) fn is_false(b: &bool) -> bool {
    !*b
}

/// Item content in Gladly's shape, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ContentDto {
    #[serde(rename_all = "camelCase")]
    ChatMessage {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session_id: Option<String>,
        #[serde(default = "text_type")]
        message_type: String,
        #[serde(alias = "body")]
        content: String,
        #[serde(default)]
        attachments: Vec<AttachmentDto>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message_data: Option<MessageDataDto>,
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
        link: Option<LinkDto>,
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
        #[serde(default)]
        attachments: Vec<AttachmentDto>,
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
        attachments: Vec<AttachmentDto>,
    },
    ConversationNote {
        body: String,
        #[serde(default)]
        attachments: Vec<AttachmentDto>,
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
        recording_summary: Option<RecordingSummaryDto>,
    },
    Sms {
        from: String,
        to: String,
        #[serde(alias = "body")]
        content: String,
        #[serde(default)]
        attachments: Vec<AttachmentDto>,
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
        recording_summary: Option<RecordingSummaryDto>,
    },
    Whatsapp {
        #[serde(alias = "body")]
        content: String,
        #[serde(default)]
        attachments: Vec<AttachmentDto>,
    },
    InstagramDirect {
        #[serde(alias = "body")]
        content: String,
        #[serde(default)]
        attachments: Vec<AttachmentDto>,
    },
    Twitter {
        #[serde(alias = "body")]
        content: String,
    },
    #[serde(rename_all = "camelCase")]
    Task {
        assignee: AssigneeDto,
        body: String,
        #[serde(with = "ts")]
        due_at: Timestamp,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<AttachmentDto>,
    },
}

fn text_type() -> String {
    "TEXT".to_owned()
}

/// `{inboxId, agentId?}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssigneeDto {
    pub inbox_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
}

fn att_in(a: &[AttachmentDto]) -> Vec<Attachment> {
    a.iter()
        .map(|a| Attachment {
            id: a.id.clone(),
            content_type: a.content_type.clone(),
            filename: a.filename.clone(),
            file_size: a.file_size,
        })
        .collect()
}

fn att_out(a: &[Attachment]) -> Vec<AttachmentDto> {
    a.iter()
        .map(|a| AttachmentDto {
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
    summary: &Option<RecordingSummaryDto>,
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

fn summary_out(r: &Recording) -> Option<RecordingSummaryDto> {
    r.summary.as_ref().map(|s| RecordingSummaryDto {
        status: s.status.clone(),
        summary: s.summary.clone(),
        language: s.language.clone(),
    })
}

fn options_in(o: &[OptionDto]) -> Vec<QuickReplyOption> {
    o.iter()
        .map(|o| QuickReplyOption {
            id: o.id.clone(),
            label: o.label.clone(),
        })
        .collect()
}

fn options_out(o: &[QuickReplyOption]) -> Vec<OptionDto> {
    o.iter()
        .map(|o| OptionDto {
            id: o.id.clone(),
            label: o.label.clone(),
        })
        .collect()
}

impl ContentDto {
    /// To the domain, validating what the wire cannot express.
    pub fn to_domain(&self, received_at: Timestamp) -> Result<ItemContent, DomainError> {
        Ok(match self {
            ContentDto::ChatMessage {
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
            ContentDto::ConversationStatusChange { status } => {
                ItemContent::ConversationStatusChange {
                    status: match status.as_str() {
                        "OPEN" => StatusChange::Open,
                        "CLOSED" => StatusChange::Closed,
                        other => return Err(corrupt("content.status", other)),
                    },
                }
            }
            ContentDto::CustomerActivity {
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
            ContentDto::Email {
                from,
                to,
                cc,
                bcc,
                subject,
                content,
                attachments,
            } => ItemContent::Email {
                from: from.clone(),
                to: to.clone(),
                cc: cc.clone(),
                bcc: bcc.clone(),
                subject: subject.clone(),
                content: content.clone(),
                attachments: att_in(attachments),
            },
            ContentDto::FacebookMessage {
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
            ContentDto::ConversationNote { body, attachments } => ItemContent::ConversationNote {
                body: body.clone(),
                attachments: att_in(attachments),
            },
            ContentDto::PhoneCall {
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
            ContentDto::Sms {
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
            ContentDto::TopicChange {
                added_topic_ids,
                removed_topic_ids,
            } => ItemContent::TopicChange {
                added: added_topic_ids.iter().map(TopicId::from_trusted).collect(),
                removed: removed_topic_ids
                    .iter()
                    .map(TopicId::from_trusted)
                    .collect(),
            },
            ContentDto::VoiceAiMessage {
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
            ContentDto::Voicemail {
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
            ContentDto::Whatsapp {
                content,
                attachments,
            } => ItemContent::Whatsapp {
                content: content.clone(),
                attachments: att_in(attachments),
            },
            ContentDto::InstagramDirect {
                content,
                attachments,
            } => ItemContent::InstagramDirect {
                content: content.clone(),
                attachments: att_in(attachments),
            },
            ContentDto::Twitter { content } => ItemContent::Twitter {
                content: content.clone(),
            },
            ContentDto::Task {
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
    pub fn of(c: &ItemContent) -> ContentDto {
        match c {
            ItemContent::ChatMessage {
                session_id,
                message_type,
                content,
                attachments,
                message_data,
            } => ContentDto::ChatMessage {
                session_id: session_id.clone(),
                message_type: message_type.clone(),
                content: content.clone(),
                attachments: att_out(attachments),
                message_data: message_data.as_ref().map(|d| match d {
                    ChatMessageData::Request { options } => MessageDataDto {
                        options: Some(options_out(options)),
                        quick_reply_request: None,
                        selected_option_id: None,
                        request_message_id: None,
                    },
                    ChatMessageData::Response {
                        options,
                        selected_option_id,
                        request_message_id,
                    } => MessageDataDto {
                        options: None,
                        quick_reply_request: Some(QuickReplyRequestDto {
                            options: options_out(options),
                        }),
                        selected_option_id: Some(selected_option_id.clone()),
                        request_message_id: Some(request_message_id.clone()),
                    },
                }),
            },
            ItemContent::ConversationStatusChange { status } => {
                ContentDto::ConversationStatusChange {
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
            } => ContentDto::CustomerActivity {
                title: title.clone(),
                body: body.clone(),
                activity_type: activity_type.clone(),
                source_name: source_name.clone(),
                link: link.as_ref().map(|l| LinkDto {
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
                attachments,
            } => ContentDto::Email {
                from: from.clone(),
                to: to.clone(),
                cc: cc.clone(),
                bcc: bcc.clone(),
                subject: subject.clone(),
                content: content.clone(),
                attachments: att_out(attachments),
            },
            ItemContent::FacebookMessage {
                page_id,
                user_id,
                content,
                attachments,
            } => ContentDto::FacebookMessage {
                page_id: page_id.clone(),
                user_id: user_id.clone(),
                content: content.clone(),
                attachments: att_out(attachments),
            },
            ItemContent::ConversationNote { body, attachments } => ContentDto::ConversationNote {
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
            } => ContentDto::PhoneCall {
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
            } => ContentDto::Sms {
                from: from.clone(),
                to: to.clone(),
                content: content.clone(),
                attachments: att_out(attachments),
            },
            ItemContent::TopicChange { added, removed } => ContentDto::TopicChange {
                added_topic_ids: added.iter().map(|t| t.as_str().to_owned()).collect(),
                removed_topic_ids: removed.iter().map(|t| t.as_str().to_owned()).collect(),
            },
            ItemContent::VoiceAiMessage {
                customer_number,
                company_number,
                body,
                status,
            } => ContentDto::VoiceAiMessage {
                customer_number: customer_number.clone(),
                company_number: company_number.clone(),
                body: body.clone(),
                status: status.clone(),
            },
            ItemContent::Voicemail {
                started_at,
                recording,
            } => ContentDto::Voicemail {
                started_at: *started_at,
                recording_status: recording.status.clone(),
                recording_url: recording.url.clone(),
                recording_duration: recording.duration,
                recording_summary: summary_out(recording),
            },
            ItemContent::Whatsapp {
                content,
                attachments,
            } => ContentDto::Whatsapp {
                content: content.clone(),
                attachments: att_out(attachments),
            },
            ItemContent::InstagramDirect {
                content,
                attachments,
            } => ContentDto::InstagramDirect {
                content: content.clone(),
                attachments: att_out(attachments),
            },
            ItemContent::Twitter { content } => ContentDto::Twitter {
                content: content.clone(),
            },
            ItemContent::Task {
                inbox_id,
                agent_id,
                body,
                due_at,
            } => ContentDto::Task {
                assignee: AssigneeDto {
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

/// A conversation item in Gladly's wire shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemWire {
    pub id: String,
    pub customer_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(with = "ts")]
    pub timestamp: Timestamp,
    pub initiator: InitiatorDto,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responder: Option<InitiatorDto>,
    pub content: ContentDto,
}

/// The stored item: the wire shape plus the internal contact id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemDoc {
    #[serde(flatten)]
    pub wire: ItemWire,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
}

impl ItemDoc {
    /// From the domain.
    pub fn of(i: &ConversationItem) -> ItemDoc {
        ItemDoc {
            wire: ItemWire {
                id: i.id.to_string(),
                customer_id: i.customer_id.to_string(),
                conversation_id: i.conversation_id.as_ref().map(ToString::to_string),
                session_id: i.session_id.clone(),
                timestamp: i.timestamp,
                initiator: InitiatorDto::of(&i.initiator),
                responder: i.responder.as_ref().map(InitiatorDto::of),
                content: ContentDto::of(&i.content),
            },
            contact_id: i.contact_id.as_ref().map(ToString::to_string),
        }
    }

    /// To the domain.
    pub fn to_domain(&self) -> Result<ConversationItem, DomainError> {
        let w = &self.wire;
        Ok(ConversationItem {
            id: ItemId::from_trusted(&w.id),
            customer_id: CustomerId::from_trusted(&w.customer_id),
            conversation_id: w.conversation_id.as_ref().map(ConversationId::from_trusted),
            contact_id: self.contact_id.as_ref().map(ContactId::from_trusted),
            session_id: w.session_id.clone(),
            timestamp: w.timestamp,
            initiator: w.initiator.to_domain()?,
            responder: w
                .responder
                .as_ref()
                .map(InitiatorDto::to_domain)
                .transpose()?,
            content: w.content.to_domain(w.timestamp)?,
        })
    }
}
