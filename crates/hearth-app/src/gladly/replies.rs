//! `POST /conversation-items/{id}/reply` (GLADLY-API.md 3.4): the reply content as
//! a client writes it, read into a [`ReplyRequest`].

use hearth_domain::channel::Channel;
use hearth_domain::outbound::ReplyText;
use hearth_domain::{DomainError, Timestamp};
use serde_json::{Map, Value};

use super::fields::Fields;
use super::items::item_content;
use crate::service::ReplyRequest;

/// Reads a reply's `content` object. Email and SMS replies carry text only (their
/// addresses come from the replied message); messaging replies keep what the client
/// wrote (message type, attachments, quick replies).
pub fn reply_request(
    content: &Map<String, Value>,
    now: Timestamp,
) -> Result<ReplyRequest, DomainError> {
    let kind = content
        .opt_str("content", "type")?
        .ok_or_else(|| DomainError::blank("content.type", "the reply type is required"))?;
    let plain = content.opt_str("content", "bodyPlain")?;
    let body = content
        .opt_str("content", "body")?
        .or_else(|| plain.clone())
        .ok_or_else(|| DomainError::blank("content.body", "a reply needs a body"))?;
    let subject = content.opt_str("content", "subject")?;
    // Hearth's addition: the agent's Cc of an email reply.
    let cc = match content.get("cc") {
        None | Some(Value::Null) => None,
        Some(Value::Array(list)) => Some(
            list.iter()
                .map(|v| {
                    v.as_str().map(str::to_owned).ok_or_else(|| {
                        DomainError::invalid("content.cc", "must list email addresses")
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(_) => {
            return Err(DomainError::invalid(
                "content.cc",
                "must list email addresses",
            ));
        }
    };
    Ok(match kind.as_str() {
        "EMAIL" => ReplyRequest::Text {
            channel: Channel::Email,
            text: ReplyText {
                body: plain.unwrap_or(body),
                subject,
                cc,
            },
            files: Vec::new(),
        },
        "SMS" => ReplyRequest::Text {
            channel: Channel::Sms,
            text: ReplyText {
                body,
                subject: None,
                cc: None,
            },
            files: Vec::new(),
        },
        "CHAT_MESSAGE" | "FACEBOOK_MESSAGE" | "INSTAGRAM_DIRECT" | "WHATSAPP" | "TWITTER" => {
            let mut dto = content.clone();
            dto.insert("content".into(), Value::String(body));
            dto.remove("body");
            ReplyRequest::Message(item_content(&dto, now)?)
        }
        other => {
            return Err(DomainError::invalid(
                "content.type",
                format!("unsupported reply type '{other}'"),
            ));
        }
    })
}
