//! The one versioned serde codec. Domain types are not `Serialize`; this module maps
//! them to the JSON text that both storage adapters keep (`doc` columns and event
//! payloads) and back. Item and customer documents use Gladly's wire shapes, so the
//! HTTP edge and the export files serialise the same structs.
//!
//! Compatibility rule: fields are only ever added (with defaults); a breaking change
//! bumps [`PAYLOAD_VERSION`] and keeps a reader for the old version.

use std::collections::BTreeMap;

use hearth_domain::channel::Channel;
use hearth_domain::config::{
    Agent, EntryPoint, Inbox, InboxRouting, MessagingCapacity, OrgSettings, Role, Selection, Team,
    Topic,
};
use hearth_domain::conversation::{
    AssignReason, Contact, ContactEnd, Conversation, Direction, EndReason, EndStatus, Event,
    EventKind, Fulfilment, Status, TransferReason,
};
use hearth_domain::customer::{
    Customer, CustomerEmail, CustomerPhone, EmailAddress, IdentityKind, PhoneNumber, PhoneType,
};
use hearth_domain::id::*;
use hearth_domain::item::{
    ActivityLink, Attachment, ChatMessageData, ConversationItem, Initiator, InitiatorType,
    ItemContent, QuickReplyOption, Recording, RecordingSummary, StatusChange,
};
use hearth_domain::{DomainError, Duration, Timestamp};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;

/// Version written into every event payload.
pub const PAYLOAD_VERSION: u32 = 1;

// ---------------------------------------------------------------- time

/// RFC 3339 in UTC with exactly three fraction digits (`2030-01-02T03:04:05.678Z`).
pub fn fmt_ts(t: Timestamp) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// Parses a timestamp leniently: RFC 3339 with any number of fraction digits and any
/// offset, or minute precision (`2030-01-02T03:04Z`). The result is in UTC, truncated
/// to milliseconds.
pub fn parse_ts(raw: &str) -> Option<Timestamp> {
    let raw = raw.trim();
    let parsed = time::OffsetDateTime::parse(raw, &Rfc3339)
        .ok()
        .or_else(|| {
            // Minute precision: insert ":00" seconds before the offset.
            let idx = raw
                .find(['Z', 'z', '+'])
                .or_else(|| raw.rfind('-').filter(|i| *i > 10))?;
            let (head, tail) = raw.split_at(idx);
            if head.len() == 16 {
                time::OffsetDateTime::parse(&format!("{head}:00{tail}"), &Rfc3339).ok()
            } else {
                None
            }
        })?;
    Some(crate::clock::truncate_ms(
        parsed.to_offset(time::UtcOffset::UTC),
    ))
}

/// Unix milliseconds, the storage form of instants.
pub fn to_ms(t: Timestamp) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// Back from Unix milliseconds.
pub fn from_ms(ms: i64) -> Timestamp {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

mod ts {
    use super::*;
    pub fn serialize<S: serde::Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&fmt_ts(*t))
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let raw = String::deserialize(d)?;
        parse_ts(&raw).ok_or_else(|| {
            serde::de::Error::custom(format!("'{raw}' is not an RFC 3339 timestamp"))
        })
    }
}

mod ts_opt {
    use super::*;
    pub fn serialize<S: serde::Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&fmt_ts(*t)),
            None => s.serialize_none(),
        }
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Timestamp>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(raw) => parse_ts(&raw).map(Some).ok_or_else(|| {
                serde::de::Error::custom(format!("'{raw}' is not an RFC 3339 timestamp"))
            }),
        }
    }
}

fn corrupt(what: &str, value: &str) -> DomainError {
    DomainError::invalid(what, format!("unknown value '{value}'"))
}

// ---------------------------------------------------------------- items

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

fn is_false(b: &bool) -> bool {
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

// ---------------------------------------------------------------- conversations

/// A contact inside the conversation document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactDoc {
    pub id: String,
    pub channel: String,
    pub direction: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_point: Option<String>,
    #[serde(with = "ts")]
    pub started_at: Timestamp,
    #[serde(default, with = "ts_opt", skip_serializing_if = "Option::is_none")]
    pub due_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfilment: Option<String>,
    #[serde(default, with = "ts_opt", skip_serializing_if = "Option::is_none")]
    pub fulfilled_at: Option<Timestamp>,
    #[serde(default, with = "ts_opt", skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_status: Option<String>,
    #[serde(default)]
    pub answered: bool,
    #[serde(default, with = "ts_opt", skip_serializing_if = "Option::is_none")]
    pub last_agent_message_at: Option<Timestamp>,
    #[serde(default, with = "ts_opt", skip_serializing_if = "Option::is_none")]
    pub last_customer_message_at: Option<Timestamp>,
}

/// The conversation document: the whole aggregate state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationDoc {
    pub id: String,
    pub customer_id: String,
    pub inbox_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_agent_id: Option<String>,
    #[serde(with = "ts")]
    pub created_at: Timestamp,
    #[serde(default, with = "ts_opt", skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<Timestamp>,
    pub status: String,
    #[serde(default)]
    pub topic_ids: Vec<String>,
    #[serde(default)]
    pub contacts: Vec<ContactDoc>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub awaiting_outbound: bool,
    pub version: u64,
}

impl ConversationDoc {
    /// From the domain.
    pub fn of(c: &Conversation) -> ConversationDoc {
        ConversationDoc {
            id: c.id.to_string(),
            customer_id: c.customer_id.to_string(),
            inbox_id: c.inbox_id.to_string(),
            agent_id: c.agent_id.as_ref().map(ToString::to_string),
            last_agent_id: c.last_agent_id.as_ref().map(ToString::to_string),
            created_at: c.created_at,
            closed_at: c.closed_at,
            status: c.status.as_str().to_owned(),
            topic_ids: c.topic_ids.iter().map(ToString::to_string).collect(),
            contacts: c
                .contacts
                .iter()
                .map(|k| ContactDoc {
                    id: k.id.to_string(),
                    channel: k.channel.as_str().to_owned(),
                    direction: k.direction.as_str().to_owned(),
                    session_id: k.session_id.clone(),
                    entry_point: k.entry_point.clone(),
                    started_at: k.started_at,
                    due_at: k.due_at,
                    fulfilment: k.fulfilled.map(|(f, _)| f.as_str().to_owned()),
                    fulfilled_at: k.fulfilled.map(|(_, at)| at),
                    ended_at: k.ended.map(|e| e.at),
                    end_reason: k
                        .ended
                        .and_then(|e| e.reason)
                        .map(|r| r.as_str().to_owned()),
                    end_status: k.ended.map(|e| e.status.as_str().to_owned()),
                    answered: k.answered,
                    last_agent_message_at: k.last_agent_message_at,
                    last_customer_message_at: k.last_customer_message_at,
                })
                .collect(),
            awaiting_outbound: c.awaiting_outbound,
            version: c.version,
        }
    }

    /// To the domain.
    pub fn to_domain(&self) -> Result<Conversation, DomainError> {
        let contacts = self
            .contacts
            .iter()
            .map(|k| {
                let fulfilled = match (&k.fulfilment, k.fulfilled_at) {
                    (Some(f), Some(at)) => Some((
                        Fulfilment::parse(f).ok_or_else(|| corrupt("fulfilment", f))?,
                        at,
                    )),
                    _ => None,
                };
                let ended = match k.ended_at {
                    Some(at) => Some(ContactEnd {
                        at,
                        reason: k
                            .end_reason
                            .as_deref()
                            .map(|r| EndReason::parse(r).ok_or_else(|| corrupt("endReason", r)))
                            .transpose()?,
                        status: k
                            .end_status
                            .as_deref()
                            .map(|s| EndStatus::parse(s).ok_or_else(|| corrupt("endStatus", s)))
                            .transpose()?
                            .unwrap_or(EndStatus::Unknown),
                    }),
                    None => None,
                };
                Ok(Contact {
                    id: ContactId::from_trusted(&k.id),
                    channel: Channel::parse(&k.channel)
                        .ok_or_else(|| corrupt("channel", &k.channel))?,
                    direction: Direction::parse(&k.direction)
                        .ok_or_else(|| corrupt("direction", &k.direction))?,
                    session_id: k.session_id.clone(),
                    entry_point: k.entry_point.clone(),
                    started_at: k.started_at,
                    due_at: k.due_at,
                    fulfilled,
                    ended,
                    answered: k.answered,
                    last_agent_message_at: k.last_agent_message_at,
                    last_customer_message_at: k.last_customer_message_at,
                })
            })
            .collect::<Result<Vec<_>, DomainError>>()?;
        Ok(Conversation {
            id: ConversationId::from_trusted(&self.id),
            customer_id: CustomerId::from_trusted(&self.customer_id),
            inbox_id: InboxId::from_trusted(&self.inbox_id),
            agent_id: self.agent_id.as_ref().map(AgentId::from_trusted),
            last_agent_id: self.last_agent_id.as_ref().map(AgentId::from_trusted),
            created_at: self.created_at,
            closed_at: self.closed_at,
            status: Status::parse(&self.status).ok_or_else(|| corrupt("status", &self.status))?,
            topic_ids: self.topic_ids.iter().map(TopicId::from_trusted).collect(),
            contacts,
            awaiting_outbound: self.awaiting_outbound,
            version: self.version,
        })
    }
}

// ---------------------------------------------------------------- events

/// A persisted event payload: the version, the kind-specific body, and the context
/// the conversation had just before the event (for Gladly's `context` and channel
/// fields; derived data, not folded).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventPayload {
    pub v: u32,
    #[serde(flatten)]
    pub body: EventBody,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ctx: Option<EventContext>,
}

/// The conversation as it stood just before an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventContext {
    pub customer_id: String,
    pub inbox_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// The channel of the contact the event is about, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
}

/// Kind-specific event fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)]
pub enum EventBody {
    #[serde(rename_all = "camelCase")]
    Created {
        conversation_id: String,
        customer_id: String,
        inbox_id: String,
        #[serde(default)]
        awaiting_outbound: bool,
    },
    #[serde(rename_all = "camelCase")]
    Reopened {
        #[serde(default)]
        awaiting_outbound: bool,
    },
    Closed,
    HoldReleased,
    StatusUpdated {
        status: String,
    },
    #[serde(rename_all = "camelCase")]
    ContactStarted {
        contact_id: String,
        channel: String,
        direction: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        entry_point: Option<String>,
        #[serde(default, with = "ts_opt", skip_serializing_if = "Option::is_none")]
        due_at: Option<Timestamp>,
    },
    MessageReceived {
        item: ItemDoc,
    },
    MessageSent {
        item: ItemDoc,
    },
    #[serde(rename_all = "camelCase")]
    CallAnswered {
        contact_id: String,
        agent_id: String,
    },
    #[serde(rename_all = "camelCase")]
    ContactFulfilled {
        contact_id: String,
        fulfilled_type: String,
    },
    #[serde(rename_all = "camelCase")]
    ContactEnded {
        contact_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        status: String,
    },
    #[serde(rename_all = "camelCase")]
    AssigneeUpdated {
        inbox_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        agent_id: Option<String>,
        reason: String,
    },
    #[serde(rename_all = "camelCase")]
    ContactTransferred {
        contact_id: String,
        inbox_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        agent_id: Option<String>,
        reason: String,
    },
    #[serde(rename_all = "camelCase")]
    DueDateUpdated {
        contact_id: String,
        #[serde(with = "ts")]
        due_at: Timestamp,
    },
    #[serde(rename_all = "camelCase")]
    TopicAdded {
        topic_id: String,
    },
    #[serde(rename_all = "camelCase")]
    TopicRemoved {
        topic_id: String,
    },
    ItemAdded {
        item: ItemDoc,
    },
    NoteCreated {
        item: ItemDoc,
    },
}

/// Encodes a conversation event's payload.
pub fn encode_event(e: &Event, ctx: Option<EventContext>) -> Result<String, serde_json::Error> {
    let s = |x: &dyn ToString| x.to_string();
    let body = match &e.kind {
        EventKind::Created {
            conversation_id,
            customer_id,
            inbox_id,
            awaiting_outbound,
        } => EventBody::Created {
            conversation_id: s(conversation_id),
            customer_id: s(customer_id),
            inbox_id: s(inbox_id),
            awaiting_outbound: *awaiting_outbound,
        },
        EventKind::Reopened { awaiting_outbound } => EventBody::Reopened {
            awaiting_outbound: *awaiting_outbound,
        },
        EventKind::Closed => EventBody::Closed,
        EventKind::HoldReleased => EventBody::HoldReleased,
        EventKind::StatusUpdated { status } => EventBody::StatusUpdated {
            status: status.as_str().to_owned(),
        },
        EventKind::ContactStarted {
            contact_id,
            channel,
            direction,
            session_id,
            entry_point,
            due_at,
        } => EventBody::ContactStarted {
            contact_id: s(contact_id),
            channel: channel.as_str().to_owned(),
            direction: direction.as_str().to_owned(),
            session_id: session_id.clone(),
            entry_point: entry_point.clone(),
            due_at: *due_at,
        },
        EventKind::MessageReceived { item } => EventBody::MessageReceived {
            item: ItemDoc::of(item),
        },
        EventKind::MessageSent { item } => EventBody::MessageSent {
            item: ItemDoc::of(item),
        },
        EventKind::CallAnswered {
            contact_id,
            agent_id,
        } => EventBody::CallAnswered {
            contact_id: s(contact_id),
            agent_id: s(agent_id),
        },
        EventKind::ContactFulfilled {
            contact_id,
            fulfilment,
        } => EventBody::ContactFulfilled {
            contact_id: s(contact_id),
            fulfilled_type: fulfilment.as_str().to_owned(),
        },
        EventKind::ContactEnded {
            contact_id,
            reason,
            status,
        } => EventBody::ContactEnded {
            contact_id: s(contact_id),
            reason: reason.map(|r| r.as_str().to_owned()),
            status: status.as_str().to_owned(),
        },
        EventKind::AssigneeUpdated {
            inbox_id,
            agent_id,
            reason,
        } => EventBody::AssigneeUpdated {
            inbox_id: s(inbox_id),
            agent_id: agent_id.as_ref().map(ToString::to_string),
            reason: reason.as_str().to_owned(),
        },
        EventKind::ContactTransferred {
            contact_id,
            inbox_id,
            agent_id,
            reason,
        } => EventBody::ContactTransferred {
            contact_id: s(contact_id),
            inbox_id: s(inbox_id),
            agent_id: agent_id.as_ref().map(ToString::to_string),
            reason: reason.as_str().to_owned(),
        },
        EventKind::DueDateUpdated { contact_id, due_at } => EventBody::DueDateUpdated {
            contact_id: s(contact_id),
            due_at: *due_at,
        },
        EventKind::TopicAdded { topic_id } => EventBody::TopicAdded {
            topic_id: s(topic_id),
        },
        EventKind::TopicRemoved { topic_id } => EventBody::TopicRemoved {
            topic_id: s(topic_id),
        },
        EventKind::ItemAdded { item } => EventBody::ItemAdded {
            item: ItemDoc::of(item),
        },
        EventKind::NoteCreated { item } => EventBody::NoteCreated {
            item: ItemDoc::of(item),
        },
    };
    serde_json::to_string(&EventPayload {
        v: PAYLOAD_VERSION,
        body,
        ctx,
    })
}

/// Decodes a conversation event from its stored parts.
pub fn decode_event(at: i64, initiator: Initiator, payload: &str) -> Result<Event, DomainError> {
    let p: EventPayload = serde_json::from_str(payload)
        .map_err(|e| DomainError::invalid("payload", e.to_string()))?;
    if p.v != PAYLOAD_VERSION {
        return Err(DomainError::invalid(
            "payload.v",
            format!("unknown payload version {}", p.v),
        ));
    }
    let kind = match p.body {
        EventBody::Created {
            conversation_id,
            customer_id,
            inbox_id,
            awaiting_outbound,
        } => EventKind::Created {
            conversation_id: ConversationId::from_trusted(conversation_id),
            customer_id: CustomerId::from_trusted(customer_id),
            inbox_id: InboxId::from_trusted(inbox_id),
            awaiting_outbound,
        },
        EventBody::Reopened { awaiting_outbound } => EventKind::Reopened { awaiting_outbound },
        EventBody::Closed => EventKind::Closed,
        EventBody::HoldReleased => EventKind::HoldReleased,
        EventBody::StatusUpdated { status } => EventKind::StatusUpdated {
            status: Status::parse(&status).ok_or_else(|| corrupt("status", &status))?,
        },
        EventBody::ContactStarted {
            contact_id,
            channel,
            direction,
            session_id,
            entry_point,
            due_at,
        } => EventKind::ContactStarted {
            contact_id: ContactId::from_trusted(contact_id),
            channel: Channel::parse(&channel).ok_or_else(|| corrupt("channel", &channel))?,
            direction: Direction::parse(&direction)
                .ok_or_else(|| corrupt("direction", &direction))?,
            session_id,
            entry_point,
            due_at,
        },
        EventBody::MessageReceived { item } => EventKind::MessageReceived {
            item: item.to_domain()?,
        },
        EventBody::MessageSent { item } => EventKind::MessageSent {
            item: item.to_domain()?,
        },
        EventBody::CallAnswered {
            contact_id,
            agent_id,
        } => EventKind::CallAnswered {
            contact_id: ContactId::from_trusted(contact_id),
            agent_id: AgentId::from_trusted(agent_id),
        },
        EventBody::ContactFulfilled {
            contact_id,
            fulfilled_type,
        } => EventKind::ContactFulfilled {
            contact_id: ContactId::from_trusted(contact_id),
            fulfilment: Fulfilment::parse(&fulfilled_type)
                .ok_or_else(|| corrupt("fulfilledType", &fulfilled_type))?,
        },
        EventBody::ContactEnded {
            contact_id,
            reason,
            status,
        } => EventKind::ContactEnded {
            contact_id: ContactId::from_trusted(contact_id),
            reason: reason
                .as_deref()
                .map(|r| EndReason::parse(r).ok_or_else(|| corrupt("reason", r)))
                .transpose()?,
            status: EndStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?,
        },
        EventBody::AssigneeUpdated {
            inbox_id,
            agent_id,
            reason,
        } => EventKind::AssigneeUpdated {
            inbox_id: InboxId::from_trusted(inbox_id),
            agent_id: agent_id.map(AgentId::from_trusted),
            reason: AssignReason::parse(&reason).ok_or_else(|| corrupt("reason", &reason))?,
        },
        EventBody::ContactTransferred {
            contact_id,
            inbox_id,
            agent_id,
            reason,
        } => EventKind::ContactTransferred {
            contact_id: ContactId::from_trusted(contact_id),
            inbox_id: InboxId::from_trusted(inbox_id),
            agent_id: agent_id.map(AgentId::from_trusted),
            reason: TransferReason::parse(&reason).ok_or_else(|| corrupt("reason", &reason))?,
        },
        EventBody::DueDateUpdated { contact_id, due_at } => EventKind::DueDateUpdated {
            contact_id: ContactId::from_trusted(contact_id),
            due_at,
        },
        EventBody::TopicAdded { topic_id } => EventKind::TopicAdded {
            topic_id: TopicId::from_trusted(topic_id),
        },
        EventBody::TopicRemoved { topic_id } => EventKind::TopicRemoved {
            topic_id: TopicId::from_trusted(topic_id),
        },
        EventBody::ItemAdded { item } => EventKind::ItemAdded {
            item: item.to_domain()?,
        },
        EventBody::NoteCreated { item } => EventKind::NoteCreated {
            item: item.to_domain()?,
        },
    };
    Ok(Event {
        at: from_ms(at),
        initiator,
        kind,
    })
}

// ---------------------------------------------------------------- customers

/// One email in Gladly's customer shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailDto {
    pub original: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalized: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
}

/// One phone in Gladly's customer shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneDto {
    pub original: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalized: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_preference: Option<String>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub phone_type: Option<String>,
}

/// A customer in Gladly's wire shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerWire {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default)]
    pub emails: Vec<EmailDto>,
    #[serde(default)]
    pub phones: Vec<PhoneDto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_customer_id: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_attributes: BTreeMap<String, String>,
    #[serde(with = "ts")]
    pub created_at: Timestamp,
    #[serde(with = "ts")]
    pub updated_at: Timestamp,
}

/// `(kind, value)` of an opaque identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdentityDto {
    pub kind: String,
    pub value: String,
}

/// The stored customer: the wire shape plus opaque identities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerDoc {
    #[serde(flatten)]
    pub wire: CustomerWire,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identities: Vec<IdentityDto>,
}

impl CustomerDoc {
    /// From the domain.
    pub fn of(c: &Customer) -> CustomerDoc {
        CustomerDoc {
            wire: CustomerWire {
                id: c.id.to_string(),
                name: c.name.clone(),
                image: c.image.clone(),
                address: c.address.clone(),
                emails: c
                    .emails
                    .iter()
                    .map(|e| EmailDto {
                        original: e.address.original().to_owned(),
                        normalized: Some(e.address.normalized().to_owned()),
                        primary: Some(e.primary),
                    })
                    .collect(),
                phones: c
                    .phones
                    .iter()
                    .map(|p| PhoneDto {
                        original: p.number.original().to_owned(),
                        normalized: Some(p.number.e164().to_owned()),
                        extension: p.extension.clone(),
                        region_code: p.region_code.clone(),
                        primary: Some(p.primary),
                        sms_preference: p.sms_preference.clone(),
                        phone_type: p.phone_type.as_wire().map(str::to_owned),
                    })
                    .collect(),
                external_customer_id: c.external_customer_id.clone(),
                custom_attributes: c.custom_attributes.clone(),
                created_at: c.created_at,
                updated_at: c.updated_at,
            },
            identities: c
                .identities
                .iter()
                .map(|(k, v)| IdentityDto {
                    kind: k.as_str().to_owned(),
                    value: v.clone(),
                })
                .collect(),
        }
    }

    /// To the domain (re-validating emails and phones).
    pub fn to_domain(&self) -> Result<Customer, DomainError> {
        let w = &self.wire;
        Ok(Customer {
            id: CustomerId::from_trusted(&w.id),
            name: w.name.clone(),
            image: w.image.clone(),
            address: w.address.clone(),
            emails: emails_in(&w.emails)?,
            phones: phones_in(&w.phones)?,
            external_customer_id: w.external_customer_id.clone(),
            custom_attributes: w.custom_attributes.clone(),
            identities: self
                .identities
                .iter()
                .map(|i| {
                    Ok((
                        IdentityKind::parse(&i.kind).ok_or_else(|| corrupt("identity", &i.kind))?,
                        i.value.clone(),
                    ))
                })
                .collect::<Result<_, DomainError>>()?,
            created_at: w.created_at,
            updated_at: w.updated_at,
        })
    }
}

/// Parses the `emails` array of a customer body.
pub fn emails_in(emails: &[EmailDto]) -> Result<Vec<CustomerEmail>, DomainError> {
    emails
        .iter()
        .map(|e| {
            Ok(CustomerEmail {
                address: EmailAddress::parse("emails.original", &e.original)?,
                primary: e.primary.unwrap_or(false),
            })
        })
        .collect()
}

/// Parses the `phones` array of a customer body.
pub fn phones_in(phones: &[PhoneDto]) -> Result<Vec<CustomerPhone>, DomainError> {
    phones
        .iter()
        .map(|p| {
            Ok(CustomerPhone {
                number: PhoneNumber::parse(
                    "phones.original",
                    &p.original,
                    p.region_code.as_deref(),
                )?,
                extension: p.extension.clone(),
                region_code: p.region_code.clone(),
                primary: p.primary.unwrap_or(false),
                sms_preference: p.sms_preference.clone(),
                phone_type: PhoneType::parse(p.phone_type.as_deref())?,
            })
        })
        .collect()
}

// ---------------------------------------------------------------- configuration

/// `{standard, maximum}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CapacityDto {
    pub standard: u32,
    pub maximum: u32,
}

/// The stored agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentDoc {
    pub id: String,
    pub name: String,
    pub email_address: String,
    pub roles: Vec<String>,
    pub inbox_ids: Vec<String>,
    pub messaging_capacity: CapacityDto,
    #[serde(default)]
    pub disabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
}

impl AgentDoc {
    /// To the domain.
    pub fn to_domain(&self) -> Result<Agent, DomainError> {
        Ok(Agent {
            id: AgentId::from_trusted(&self.id),
            name: self.name.clone(),
            email: self.email_address.clone(),
            roles: self
                .roles
                .iter()
                .map(|r| Role::parse(r).ok_or_else(|| corrupt("roles", r)))
                .collect::<Result<_, _>>()?,
            inbox_ids: self.inbox_ids.iter().map(InboxId::from_trusted).collect(),
            messaging_capacity: MessagingCapacity::new(
                self.messaging_capacity.standard,
                self.messaging_capacity.maximum,
            )?,
            disabled: self.disabled,
        })
    }
}

/// Routing settings of an inbox (seconds on the wire).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoutingDto {
    pub selection: String,
    pub accept_decline: bool,
    pub offer_timeout_seconds: i64,
    pub next_message_delay_seconds: i64,
    pub same_agent_limit_seconds: i64,
    pub mail_to_same_agent: bool,
    pub after_call_work_seconds: i64,
}

impl RoutingDto {
    /// From the domain.
    pub fn of(r: &InboxRouting) -> RoutingDto {
        RoutingDto {
            selection: r.selection.as_str().to_owned(),
            accept_decline: r.accept_decline,
            offer_timeout_seconds: r.offer_timeout.whole_seconds(),
            next_message_delay_seconds: r.next_message_delay.whole_seconds(),
            same_agent_limit_seconds: r.same_agent_limit.whole_seconds(),
            mail_to_same_agent: r.mail_to_same_agent,
            after_call_work_seconds: r.after_call_work.whole_seconds(),
        }
    }
    /// To the domain.
    pub fn to_domain(&self) -> Result<InboxRouting, DomainError> {
        Ok(InboxRouting {
            selection: Selection::parse(&self.selection)
                .ok_or_else(|| corrupt("routing.selection", &self.selection))?,
            accept_decline: self.accept_decline,
            offer_timeout: Duration::seconds(self.offer_timeout_seconds),
            next_message_delay: Duration::seconds(self.next_message_delay_seconds),
            same_agent_limit: Duration::seconds(self.same_agent_limit_seconds),
            mail_to_same_agent: self.mail_to_same_agent,
            after_call_work: Duration::seconds(self.after_call_work_seconds),
        })
    }
}

/// The stored inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InboxDoc {
    pub id: String,
    pub name: String,
    pub sla_seconds: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_hours_id: Option<String>,
    pub routing: RoutingDto,
    #[serde(default)]
    pub disabled: bool,
}

impl InboxDoc {
    /// From the domain.
    pub fn of(i: &Inbox) -> InboxDoc {
        InboxDoc {
            id: i.id.to_string(),
            name: i.name.clone(),
            sla_seconds: i.sla.whole_seconds(),
            business_hours_id: i.business_hours_id.clone(),
            routing: RoutingDto::of(&i.routing),
            disabled: i.disabled,
        }
    }
    /// To the domain.
    pub fn to_domain(&self) -> Result<Inbox, DomainError> {
        Ok(Inbox {
            id: InboxId::from_trusted(&self.id),
            name: self.name.clone(),
            sla: Duration::seconds(self.sla_seconds),
            business_hours_id: self.business_hours_id.clone(),
            routing: self.routing.to_domain()?,
            disabled: self.disabled,
        })
    }
}

/// The stored entry point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryPointDoc {
    pub id: String,
    pub channel: String,
    pub address: String,
    pub inbox_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sla_seconds: Option<i64>,
}

impl EntryPointDoc {
    /// From the domain.
    pub fn of(e: &EntryPoint) -> EntryPointDoc {
        EntryPointDoc {
            id: e.id.to_string(),
            channel: e.channel.as_str().to_owned(),
            address: e.address.clone(),
            inbox_id: e.inbox_id.to_string(),
            sla_seconds: e.sla.map(|d| d.whole_seconds()),
        }
    }
    /// To the domain.
    pub fn to_domain(&self) -> Result<EntryPoint, DomainError> {
        Ok(EntryPoint {
            id: EntryPointId::from_trusted(&self.id),
            channel: Channel::parse(&self.channel)
                .ok_or_else(|| corrupt("channel", &self.channel))?,
            address: self.address.clone(),
            inbox_id: InboxId::from_trusted(&self.inbox_id),
            sla: self.sla_seconds.map(Duration::seconds),
        })
    }
    /// The unique key of an entry point: its channel and normalised address.
    pub fn key(channel: Channel, address: &str) -> String {
        format!("{}:{}", channel.as_str(), address.trim().to_lowercase())
    }
}

/// A topic in Gladly's shape (also the stored form).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicDoc {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub disabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
}

impl TopicDoc {
    /// From the domain.
    pub fn of(t: &Topic) -> TopicDoc {
        TopicDoc {
            id: t.id.to_string(),
            name: t.name.clone(),
            disabled: t.disabled,
            parent_id: t.parent_id.as_ref().map(ToString::to_string),
        }
    }
}

/// A team in Gladly's shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamDoc {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub agent_ids: Vec<String>,
}

impl TeamDoc {
    /// From the domain.
    pub fn of(t: &Team) -> TeamDoc {
        TeamDoc {
            id: t.id.to_string(),
            name: t.name.clone(),
            description: t.description.clone(),
            agent_ids: t.agent_ids.iter().map(ToString::to_string).collect(),
        }
    }
}

/// Organization settings (DESIGN section 5 names).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingsDoc {
    /// Pauses before each webhook retry (Gladly: 30 s, 5 min, 30 min, 1 h).
    #[serde(default = "default_webhook_retries")]
    pub webhook_retry_seconds: Vec<i64>,
    /// How long a webhook receiver has to answer.
    #[serde(default = "default_webhook_timeout")]
    pub webhook_timeout_seconds: i64,
    /// API requests per second per credential (0: no limit).
    #[serde(default = "default_rate_limit")]
    pub rate_limit_per_second: i64,
    pub reopen_window_seconds: i64,
    pub require_topic: bool,
    pub chat_rejoin_seconds: i64,
    pub time_until_away_seconds: i64,
    pub export_interval_seconds: i64,
    pub event_retention_days: u32,
    pub max_message_bytes: u64,
}

fn default_webhook_retries() -> Vec<i64> {
    vec![30, 300, 1800, 3600]
}

fn default_webhook_timeout() -> i64 {
    15
}

fn default_rate_limit() -> i64 {
    100
}

impl SettingsDoc {
    /// From the domain (webhook delivery settings at their defaults).
    pub fn of(s: &OrgSettings) -> SettingsDoc {
        SettingsDoc {
            webhook_retry_seconds: default_webhook_retries(),
            webhook_timeout_seconds: default_webhook_timeout(),
            rate_limit_per_second: default_rate_limit(),
            reopen_window_seconds: s.reopen_window.whole_seconds(),
            require_topic: s.require_topic,
            chat_rejoin_seconds: s.chat_rejoin.whole_seconds(),
            time_until_away_seconds: s.time_until_away.whole_seconds(),
            export_interval_seconds: s.export_interval.whole_seconds(),
            event_retention_days: s.event_retention_days,
            max_message_bytes: s.max_message_bytes,
        }
    }
    /// To the domain.
    pub fn to_domain(&self) -> OrgSettings {
        OrgSettings {
            reopen_window: Duration::seconds(self.reopen_window_seconds),
            require_topic: self.require_topic,
            chat_rejoin: Duration::seconds(self.chat_rejoin_seconds),
            time_until_away: Duration::seconds(self.time_until_away_seconds),
            export_interval: Duration::seconds(self.export_interval_seconds),
            event_retention_days: self.event_retention_days,
            max_message_bytes: self.max_message_bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn timestamps_are_written_with_millis_and_parsed_leniently() {
        let t = datetime!(2030-01-02 03:04:05.678901 UTC);
        assert_eq!(
            fmt_ts(crate::clock::truncate_ms(t)),
            "2030-01-02T03:04:05.678Z"
        );
        assert_eq!(
            parse_ts("2030-01-02T03:04:05.07272933Z")
                .map(fmt_ts)
                .as_deref(),
            Some("2030-01-02T03:04:05.072Z")
        );
        assert_eq!(
            parse_ts("2030-01-02T05:04:05+02:00").map(fmt_ts).as_deref(),
            Some("2030-01-02T03:04:05.000Z")
        );
        assert_eq!(
            parse_ts("2030-01-02T03:04Z").map(fmt_ts).as_deref(),
            Some("2030-01-02T03:04:00.000Z")
        );
        assert_eq!(parse_ts("yesterday"), None);
        assert_eq!(
            from_ms(to_ms(crate::clock::truncate_ms(t))),
            crate::clock::truncate_ms(t)
        );
    }
}

// ---------------------------------------------------------------- tasks

/// A task comment in Gladly's shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskCommentDto {
    pub id: String,
    pub agent_id: String,
    pub comment: String,
    pub task_id: String,
    #[serde(with = "ts")]
    pub created_at: Timestamp,
}

/// A task in Gladly's wire shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskWire {
    pub id: String,
    pub customer_id: String,
    #[serde(with = "ts")]
    pub timestamp: Timestamp,
    pub created_by: InitiatorDto,
    pub assignee: AssigneeDto,
    pub body: String,
    #[serde(with = "ts")]
    pub due_at: Timestamp,
    pub status: String,
}

/// The stored task: the wire shape plus its comments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskDoc {
    #[serde(flatten)]
    pub wire: TaskWire,
    #[serde(default)]
    pub comments: Vec<TaskCommentDto>,
}

impl TaskDoc {
    /// From the domain.
    pub fn of(t: &hearth_domain::task::Task) -> TaskDoc {
        TaskDoc {
            wire: TaskWire {
                id: t.id.to_string(),
                customer_id: t.customer_id.to_string(),
                timestamp: t.created_at,
                created_by: InitiatorDto::of(&t.created_by),
                assignee: AssigneeDto {
                    inbox_id: t.assignee.inbox_id.to_string(),
                    agent_id: t.assignee.agent_id.as_ref().map(ToString::to_string),
                },
                body: t.body.clone(),
                due_at: t.due_at,
                status: t.status.as_str().to_owned(),
            },
            comments: t
                .comments
                .iter()
                .map(|c| TaskCommentDto {
                    id: c.id.to_string(),
                    agent_id: c.agent_id.to_string(),
                    comment: c.comment.clone(),
                    task_id: t.id.to_string(),
                    created_at: c.created_at,
                })
                .collect(),
        }
    }

    /// To the domain.
    pub fn to_domain(&self) -> Result<hearth_domain::task::Task, DomainError> {
        use hearth_domain::task::{Task, TaskAssignee, TaskComment, TaskStatus};
        let w = &self.wire;
        Ok(Task {
            id: TaskId::from_trusted(&w.id),
            customer_id: CustomerId::from_trusted(&w.customer_id),
            created_at: w.timestamp,
            created_by: w.created_by.to_domain()?,
            assignee: TaskAssignee {
                inbox_id: InboxId::from_trusted(&w.assignee.inbox_id),
                agent_id: w.assignee.agent_id.as_ref().map(AgentId::from_trusted),
            },
            body: w.body.clone(),
            due_at: w.due_at,
            status: TaskStatus::parse(&w.status).ok_or_else(|| corrupt("status", &w.status))?,
            comments: self
                .comments
                .iter()
                .map(|c| TaskComment {
                    id: CommentId::from_trusted(&c.id),
                    agent_id: AgentId::from_trusted(&c.agent_id),
                    comment: c.comment.clone(),
                    created_at: c.created_at,
                })
                .collect(),
        })
    }
}
