//! `POST /contacts/inbound` as a client writes it (DESIGN section 5): the channel,
//! the entry point, the sender, and the message content with the defaults the
//! channel implies, read into an [`InboundRequest`].

use hearth_domain::channel::Channel;
use hearth_domain::item::ItemContent;
use hearth_domain::{DomainError, Timestamp};
use serde_json::{Map, Value};

use super::fields::Fields;
use super::items::item_content;
use crate::codec::fmt_ts;
use crate::service::InboundRequest;

/// Reads an inbound contact; `now` is when it arrived (calls and voicemails start
/// then unless the body says otherwise).
pub fn inbound_request(
    body: &Map<String, Value>,
    now: Timestamp,
) -> Result<InboundRequest, DomainError> {
    let raw_channel = body.req_str("", "channel")?;
    let entry_point = body.req_str("", "entryPoint")?;
    let from = body
        .opt_obj("", "from")?
        .ok_or_else(|| DomainError::blank("from", "is required"))?;
    let from_address = from.req_str("from", "address")?;
    let from_name = from.opt_str("from", "name")?;
    let content = body.opt_obj("", "content")?.cloned().unwrap_or_default();
    let session_id = body.opt_str("", "sessionId")?;
    let provider_message_id = body.opt_str("", "providerMessageId")?;
    let channel = Channel::parse(raw_channel.trim()).ok_or_else(|| {
        DomainError::invalid("channel", format!("unknown channel '{raw_channel}'"))
    })?;
    let content = content_of(
        channel,
        content,
        &from_address,
        &entry_point,
        session_id.as_deref(),
        now,
    )?;
    Ok(InboundRequest {
        channel,
        entry_point,
        from_address,
        from_name,
        content,
        session_id,
        provider_message_id,
        automated: false,
        thread: None,
        raw_id: None,
        files: Vec::new(),
    })
}

/// Fills the content defaults of DESIGN section 5 (type, addresses, start, chat
/// session) and reads it.
fn content_of(
    channel: Channel,
    mut content: Map<String, Value>,
    from_address: &str,
    entry_point: &str,
    session_id: Option<&str>,
    now: Timestamp,
) -> Result<ItemContent, DomainError> {
    let want = channel.content_type();
    match content.get("type") {
        None | Some(Value::Null) => {
            content.insert("type".into(), Value::String(want.into()));
        }
        Some(Value::String(t)) if t == want => {}
        Some(other) => {
            return Err(DomainError::invalid(
                "content.type",
                format!("{other} does not fit channel {channel}; expected {want}"),
            ));
        }
    }
    let mut default = |key: &str, value: Value| {
        if content.get(key).is_none_or(Value::is_null) {
            content.insert(key.into(), value);
        }
    };
    let from = Value::String(from_address.trim().to_owned());
    let to = Value::String(entry_point.trim().to_owned());
    match channel {
        Channel::Email => {
            default("from", from);
            default("to", Value::Array(vec![to]));
        }
        Channel::Sms | Channel::PhoneCall => {
            default("from", from);
            default("to", to);
        }
        _ => {}
    }
    if matches!(channel, Channel::PhoneCall | Channel::Voicemail) {
        default("startedAt", Value::String(fmt_ts(now)));
    }
    if channel == Channel::Chat
        && let Some(session) = session_id
    {
        default("sessionId", Value::String(session.to_owned()));
    }
    item_content(&content, now)
}
