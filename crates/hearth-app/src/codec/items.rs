//! Conversation items as stored: the content of every item type and the item
//! document.

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
pub struct InitiatorDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
}

impl InitiatorDoc {
    /// From the domain.
    pub fn of(i: &Initiator) -> Self {
        InitiatorDoc {
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
pub struct AttachmentDoc {
    pub id: String,
    pub content_type: String,
    pub filename: String,
    #[serde(default)]
    pub file_size: u64,
}

/// `recordingSummary`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordingSummaryDoc {
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// `{id, label}` of a quick reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionDoc {
    pub id: String,
    pub label: String,
}

/// `messageData` of a quick-reply chat message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageDataDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<OptionDoc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quick_reply_request: Option<QuickReplyRequestDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected_option_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_message_id: Option<String>,
}

/// `quickReplyRequest{options}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuickReplyRequestDoc {
    pub options: Vec<OptionDoc>,
}

/// `link{url, text}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkDoc {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

pub(crate) fn is_false(b: &bool) -> bool {
    !*b
}

/// Item content as stored, tagged by `type` (the names are Gladly's, as first written).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ContentDoc {
    #[serde(rename_all = "camelCase")]
    ChatMessage {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session_id: Option<String>,
        #[serde(default = "text_type")]
        message_type: String,
        content: String,
        #[serde(default)]
        attachments: Vec<AttachmentDoc>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message_data: Option<MessageDataDoc>,
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
        link: Option<LinkDoc>,
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
        #[serde(default)]
        content: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        html: Option<String>,
        #[serde(default)]
        attachments: Vec<AttachmentDoc>,
    },
    #[serde(rename_all = "camelCase")]
    FacebookMessage {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        page_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_id: Option<String>,
        content: String,
        #[serde(default)]
        attachments: Vec<AttachmentDoc>,
    },
    ConversationNote {
        body: String,
        #[serde(default)]
        attachments: Vec<AttachmentDoc>,
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
        recording_summary: Option<RecordingSummaryDoc>,
    },
    Sms {
        from: String,
        to: String,
        content: String,
        #[serde(default)]
        attachments: Vec<AttachmentDoc>,
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
        recording_summary: Option<RecordingSummaryDoc>,
    },
    Whatsapp {
        content: String,
        #[serde(default)]
        attachments: Vec<AttachmentDoc>,
    },
    InstagramDirect {
        content: String,
        #[serde(default)]
        attachments: Vec<AttachmentDoc>,
    },
    Twitter {
        content: String,
    },
    #[serde(rename_all = "camelCase")]
    Task {
        assignee: AssigneeDoc,
        body: String,
        #[serde(with = "ts")]
        due_at: Timestamp,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<AttachmentDoc>,
    },
}

fn text_type() -> String {
    "TEXT".to_owned()
}

/// `{inboxId, agentId?}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssigneeDoc {
    pub inbox_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
}

fn att_in(a: &[AttachmentDoc]) -> Vec<Attachment> {
    a.iter()
        .map(|a| Attachment {
            id: a.id.clone(),
            content_type: a.content_type.clone(),
            filename: a.filename.clone(),
            file_size: a.file_size,
        })
        .collect()
}

fn att_out(a: &[Attachment]) -> Vec<AttachmentDoc> {
    a.iter()
        .map(|a| AttachmentDoc {
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
    summary: &Option<RecordingSummaryDoc>,
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

fn summary_out(r: &Recording) -> Option<RecordingSummaryDoc> {
    r.summary.as_ref().map(|s| RecordingSummaryDoc {
        status: s.status.clone(),
        summary: s.summary.clone(),
        language: s.language.clone(),
    })
}

fn options_in(o: &[OptionDoc]) -> Vec<QuickReplyOption> {
    o.iter()
        .map(|o| QuickReplyOption {
            id: o.id.clone(),
            label: o.label.clone(),
        })
        .collect()
}

fn options_out(o: &[QuickReplyOption]) -> Vec<OptionDoc> {
    o.iter()
        .map(|o| OptionDoc {
            id: o.id.clone(),
            label: o.label.clone(),
        })
        .collect()
}

impl ContentDoc {
    /// To the domain, checking what serde cannot.
    pub fn to_domain(&self, received_at: Timestamp) -> Result<ItemContent, DomainError> {
        Ok(match self {
            ContentDoc::ChatMessage {
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
            ContentDoc::ConversationStatusChange { status } => {
                ItemContent::ConversationStatusChange {
                    status: match status.as_str() {
                        "OPEN" => StatusChange::Open,
                        "CLOSED" => StatusChange::Closed,
                        other => return Err(corrupt("content.status", other)),
                    },
                }
            }
            ContentDoc::CustomerActivity {
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
            ContentDoc::Email {
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
            ContentDoc::FacebookMessage {
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
            ContentDoc::ConversationNote { body, attachments } => ItemContent::ConversationNote {
                body: body.clone(),
                attachments: att_in(attachments),
            },
            ContentDoc::PhoneCall {
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
            ContentDoc::Sms {
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
            ContentDoc::TopicChange {
                added_topic_ids,
                removed_topic_ids,
            } => ItemContent::TopicChange {
                added: added_topic_ids.iter().map(TopicId::from_trusted).collect(),
                removed: removed_topic_ids
                    .iter()
                    .map(TopicId::from_trusted)
                    .collect(),
            },
            ContentDoc::VoiceAiMessage {
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
            ContentDoc::Voicemail {
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
            ContentDoc::Whatsapp {
                content,
                attachments,
            } => ItemContent::Whatsapp {
                content: content.clone(),
                attachments: att_in(attachments),
            },
            ContentDoc::InstagramDirect {
                content,
                attachments,
            } => ItemContent::InstagramDirect {
                content: content.clone(),
                attachments: att_in(attachments),
            },
            ContentDoc::Twitter { content } => ItemContent::Twitter {
                content: content.clone(),
            },
            ContentDoc::Task {
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
    pub fn of(c: &ItemContent) -> ContentDoc {
        match c {
            ItemContent::ChatMessage {
                session_id,
                message_type,
                content,
                attachments,
                message_data,
            } => ContentDoc::ChatMessage {
                session_id: session_id.clone(),
                message_type: message_type.clone(),
                content: content.clone(),
                attachments: att_out(attachments),
                message_data: message_data.as_ref().map(|d| match d {
                    ChatMessageData::Request { options } => MessageDataDoc {
                        options: Some(options_out(options)),
                        quick_reply_request: None,
                        selected_option_id: None,
                        request_message_id: None,
                    },
                    ChatMessageData::Response {
                        options,
                        selected_option_id,
                        request_message_id,
                    } => MessageDataDoc {
                        options: None,
                        quick_reply_request: Some(QuickReplyRequestDoc {
                            options: options_out(options),
                        }),
                        selected_option_id: Some(selected_option_id.clone()),
                        request_message_id: Some(request_message_id.clone()),
                    },
                }),
            },
            ItemContent::ConversationStatusChange { status } => {
                ContentDoc::ConversationStatusChange {
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
            } => ContentDoc::CustomerActivity {
                title: title.clone(),
                body: body.clone(),
                activity_type: activity_type.clone(),
                source_name: source_name.clone(),
                link: link.as_ref().map(|l| LinkDoc {
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
            } => ContentDoc::Email {
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
            } => ContentDoc::FacebookMessage {
                page_id: page_id.clone(),
                user_id: user_id.clone(),
                content: content.clone(),
                attachments: att_out(attachments),
            },
            ItemContent::ConversationNote { body, attachments } => ContentDoc::ConversationNote {
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
            } => ContentDoc::PhoneCall {
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
            } => ContentDoc::Sms {
                from: from.clone(),
                to: to.clone(),
                content: content.clone(),
                attachments: att_out(attachments),
            },
            ItemContent::TopicChange { added, removed } => ContentDoc::TopicChange {
                added_topic_ids: added.iter().map(|t| t.as_str().to_owned()).collect(),
                removed_topic_ids: removed.iter().map(|t| t.as_str().to_owned()).collect(),
            },
            ItemContent::VoiceAiMessage {
                customer_number,
                company_number,
                body,
                status,
            } => ContentDoc::VoiceAiMessage {
                customer_number: customer_number.clone(),
                company_number: company_number.clone(),
                body: body.clone(),
                status: status.clone(),
            },
            ItemContent::Voicemail {
                started_at,
                recording,
            } => ContentDoc::Voicemail {
                started_at: *started_at,
                recording_status: recording.status.clone(),
                recording_url: recording.url.clone(),
                recording_duration: recording.duration,
                recording_summary: summary_out(recording),
            },
            ItemContent::Whatsapp {
                content,
                attachments,
            } => ContentDoc::Whatsapp {
                content: content.clone(),
                attachments: att_out(attachments),
            },
            ItemContent::InstagramDirect {
                content,
                attachments,
            } => ContentDoc::InstagramDirect {
                content: content.clone(),
                attachments: att_out(attachments),
            },
            ItemContent::Twitter { content } => ContentDoc::Twitter {
                content: content.clone(),
            },
            ItemContent::Task {
                inbox_id,
                agent_id,
                body,
                due_at,
            } => ContentDoc::Task {
                assignee: AssigneeDoc {
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

/// A conversation item as stored: its own row's `doc` and the `item` of the events
/// that carry it. The layout was Gladly's item plus `contactId` when it was first
/// written, and stays so (readers of version 1 payloads depend on it); the API's
/// shape is `gladly::items::ItemWire`, which may change without touching this.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemDoc {
    pub id: String,
    pub customer_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(with = "ts")]
    pub timestamp: Timestamp,
    pub initiator: InitiatorDoc,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responder: Option<InitiatorDoc>,
    pub content: ContentDoc,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    /// Who wiped the content, and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redaction: Option<RedactionDoc>,
}

/// `{by, at}` of a redacted item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RedactionDoc {
    pub by: InitiatorDoc,
    #[serde(with = "ts")]
    pub at: Timestamp,
}

impl ItemDoc {
    /// From the domain.
    pub fn of(i: &ConversationItem) -> ItemDoc {
        ItemDoc {
            id: i.id.to_string(),
            customer_id: i.customer_id.to_string(),
            conversation_id: i.conversation_id.as_ref().map(ToString::to_string),
            session_id: i.session_id.clone(),
            timestamp: i.timestamp,
            initiator: InitiatorDoc::of(&i.initiator),
            responder: i.responder.as_ref().map(InitiatorDoc::of),
            content: ContentDoc::of(&i.content),
            contact_id: i.contact_id.as_ref().map(ToString::to_string),
            redaction: i.redaction.as_ref().map(|r| RedactionDoc {
                by: InitiatorDoc::of(&r.by),
                at: r.at,
            }),
        }
    }

    /// To the domain.
    pub fn to_domain(&self) -> Result<ConversationItem, DomainError> {
        let w = self;
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
                .map(InitiatorDoc::to_domain)
                .transpose()?,
            content: w.content.to_domain(w.timestamp)?,
            redaction: w
                .redaction
                .as_ref()
                .map(|r| {
                    Ok::<_, DomainError>(hearth_domain::item::Redaction {
                        by: r.by.to_domain()?,
                        at: r.at,
                    })
                })
                .transpose()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Item documents as version 1 wrote them: they must read and write back
    /// byte for byte, or the event log and the `doc` columns of existing
    /// databases stop being readable.
    const VERSION_1: [&str; 5] = [
        r#"{"id":"i1","customerId":"c1","conversationId":"v1","timestamp":"2026-01-02T03:04:05.006Z","initiator":{"id":"c1","type":"CUSTOMER"},"content":{"type":"EMAIL","from":"a@example.com","to":["support@example.com"],"cc":["b@example.com"],"subject":"Hello","content":"Hi","attachments":[{"id":"f1","contentType":"text/plain","filename":"a.txt","fileSize":3}]},"contactId":"k1"}"#,
        r#"{"id":"i2","customerId":"c1","sessionId":"s1","timestamp":"2026-01-02T03:04:05.006Z","initiator":{"id":"a1","type":"AGENT"},"responder":{"id":"c1","type":"CUSTOMER"},"content":{"type":"CHAT_MESSAGE","sessionId":"s1","messageType":"QUICK_REPLY_REQUEST","content":"Pick","attachments":[],"messageData":{"options":[{"id":"o1","label":"Yes"}]}}}"#,
        r#"{"id":"i3","customerId":"c1","timestamp":"2026-01-02T03:04:05.006Z","initiator":{"type":"SYSTEM"},"content":{"type":"PHONE_CALL","from":"+15550100","to":"+15550101","startedAt":"2026-01-02T03:04:05.006Z","recordingStatus":"DONE","recordingDuration":12,"recordingSummary":{"status":"DONE","summary":"ok"}}}"#,
        r#"{"id":"i4","customerId":"c1","timestamp":"2026-01-02T03:04:05.006Z","initiator":{"id":"a1","type":"AGENT"},"content":{"type":"TASK","assignee":{"inboxId":"n1","agentId":"a1"},"body":"Call back","dueAt":"2026-01-03T00:00:00.000Z"}}"#,
        r#"{"id":"i5","customerId":"c1","timestamp":"2026-01-02T03:04:05.006Z","initiator":{"type":"CUSTOMER"},"content":{"type":"CUSTOMER_ACTIVITY","title":"Order","activityType":"EMAIL","expandByDefault":false,"receivedAt":"2026-01-02T03:04:05.006Z"}}"#,
    ];

    #[test]
    fn version_1_item_documents_read_and_write_back_unchanged() {
        for stored in VERSION_1 {
            let doc: ItemDoc = serde_json::from_str(stored).expect(stored);
            let item = doc.to_domain().expect(stored);
            let again = serde_json::to_string(&ItemDoc::of(&item)).expect(stored);
            assert_eq!(again, stored);
        }
    }
}
