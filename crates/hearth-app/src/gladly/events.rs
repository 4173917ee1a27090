//! The event log in Gladly's webhook and Events shape (`GLADLY-API.md` section 5):
//! `{id, type, timestamp, initiator, content}`. Internal event types (Hearth's own
//! bookkeeping) and erased data have no Gladly form.

use serde_json::{Map, Value, json};

use crate::codec::{EventBody, EventContext, EventPayload, fmt_ts, from_ms};
use hearth_domain::Timestamp;
use hearth_domain::conversation::Conversation;

use crate::clock::new_id;
use crate::error::AppError;
use crate::ports::EventRow;

/// The Events feed's entity filter values.
pub const ENTITIES: [&str; 8] = [
    "AGENT_AVAILABILITY",
    "AGENT_STATUS",
    "CONTACT",
    "CONVERSATION",
    "CUSTOMER",
    "CUSTOMER_PROFILE",
    "PAYMENT_REQUEST",
    "TASK",
];

/// The entity an event type belongs to (`CONVERSATION_ASSIGNEE/...` counts as
/// CONVERSATION).
pub fn entity_of(event_type: &str) -> &str {
    let entity = event_type.split('/').next().unwrap_or(event_type);
    if entity == "CONVERSATION_ASSIGNEE" || entity == "CONVERSATION_STATUS" {
        "CONVERSATION"
    } else {
        entity
    }
}

fn context(ctx: &Option<EventContext>) -> Value {
    match ctx {
        Some(c) => {
            let mut assignee = json!({ "inboxId": c.inbox_id });
            if let Some(agent) = &c.agent_id {
                assignee["agentId"] = json!(agent);
            }
            json!({ "assignee": assignee })
        }
        None => json!({}),
    }
}

fn conversation_content(e: &EventRow, p: &EventPayload) -> Option<(String, Value)> {
    let customer = p.ctx.as_ref().map(|c| c.customer_id.clone());
    let conv = e.aggregate_id.clone();
    let base = |extra: Value| {
        let mut m = Map::new();
        m.insert("customerId".into(), json!(customer));
        m.insert("conversationId".into(), json!(conv));
        m.insert("context".into(), context(&p.ctx));
        if let Value::Object(x) = extra {
            m.extend(x);
        }
        Value::Object(m)
    };
    let contact = |contact_id: &str, extra: Value| {
        let mut v = base(extra);
        v["contactId"] = json!(contact_id);
        v["channel"] = json!(p.ctx.as_ref().and_then(|c| c.channel.clone()));
        v
    };
    let kind = e.event_type.clone();
    let content = match &p.body {
        EventBody::Created { .. } | EventBody::Reopened { .. } | EventBody::Closed => {
            base(json!({}))
        }
        EventBody::PriorityBoostSet { score } => base(json!({ "priorityBoost": score })),
        EventBody::AutomationStarted { session_id } => base(json!({ "sessionId": session_id })),
        EventBody::AutomationEnded {
            session_id,
            handoff,
        } => base(json!({ "sessionId": session_id, "handoff": handoff })),
        EventBody::StatusUpdated { .. } => {
            json!({ "conversationId": conv, "customerId": customer })
        }
        EventBody::ContactStarted {
            contact_id,
            due_at,
            entry_point,
            channel,
            ..
        } => {
            let mut v = contact(contact_id, json!({}));
            v["channel"] = json!(
                hearth_domain::channel::Channel::parse(channel).map(|c| c.contact_event_name())
            );
            if let Some(d) = due_at {
                v["dueAt"] = json!(fmt_ts(*d));
            }
            if let Some(ep) = entry_point {
                v["entryPoint"] = json!(ep);
            }
            v
        }
        // Gladly never says MESSAGE_RECEIVED (or SENT) of a call: a call has
        // CONTACT/STARTED and CONTACT/ENDED, and clients written for Gladly read
        // the message's text from these events.
        EventBody::MessageReceived { item } | EventBody::MessageSent { item }
            if matches!(item.content, crate::codec::ContentDoc::PhoneCall { .. }) =>
        {
            return None;
        }
        EventBody::MessageReceived { item } | EventBody::MessageSent { item } => contact(
            item.contact_id.as_deref().unwrap_or_default(),
            json!({ "messageId": item.id }),
        ),
        EventBody::ContactFulfilled {
            contact_id,
            fulfilled_type,
        } => contact(contact_id, json!({ "fulfilledType": fulfilled_type })),
        EventBody::ContactEnded {
            contact_id,
            reason,
            status,
        } => {
            let mut v = contact(contact_id, json!({ "status": status }));
            if let Some(r) = reason {
                v["reason"] = json!(r);
            }
            v
        }
        EventBody::ContactTransferred {
            contact_id,
            inbox_id,
            agent_id,
            reason,
        } => {
            let mut assignee = json!({ "inboxId": inbox_id });
            if let Some(a) = agent_id {
                assignee["agentId"] = json!(a);
            }
            contact(
                contact_id,
                json!({ "transferType": "COLD", "reason": reason, "assignee": assignee }),
            )
        }
        EventBody::AssigneeUpdated {
            inbox_id,
            agent_id,
            reason,
        } => {
            let mut assignee = json!({ "inboxId": inbox_id });
            if let Some(a) = agent_id {
                assignee["agentId"] = json!(a);
            }
            base(json!({ "assignee": assignee, "reason": reason }))
        }
        EventBody::TopicAdded { topic_id } | EventBody::TopicRemoved { topic_id } => {
            base(json!({ "topicId": topic_id }))
        }
        EventBody::NoteCreated { item } => {
            json!({ "noteId": item.id, "customerId": customer, "conversationId": conv })
        }
        // Offers are logged by routing itself; the rest is Hearth's bookkeeping.
        EventBody::CallAnswered { .. }
        | EventBody::HoldReleased
        | EventBody::ItemAdded { .. }
        | EventBody::DueDateUpdated { .. } => return None,
    };
    Some((kind, content))
}

/// An event in Gladly's shape (`{id, type, timestamp, initiator, content}`), ready
/// to send; `Display` writes its JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct GladlyEvent(Value);

impl GladlyEvent {
    /// Its `type` (`ENTITY/ACTION`).
    pub fn kind(&self) -> &str {
        self.0["type"].as_str().unwrap_or_default()
    }

    /// The JSON value.
    pub fn as_json(&self) -> &Value {
        &self.0
    }
}

impl std::fmt::Display for GladlyEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The failure to read event `e`'s payload.
fn unreadable(e: &EventRow, err: serde_json::Error) -> AppError {
    AppError::internal_from(
        format!(
            "event {} ({}) has an unreadable payload",
            e.id, e.event_type
        ),
        err,
    )
}

/// An event's payload as JSON; one that does not parse is an error.
fn payload_of(e: &EventRow) -> Result<Value, AppError> {
    serde_json::from_str(&e.payload).map_err(|err| unreadable(e, err))
}

/// The Gladly form of a stored event: `None` when it has none (Hearth's own
/// bookkeeping, erased data). A payload that does not decode is an error, never a
/// silent skip: the webhook cursor must not move past an event it could not read
/// (it may be one a newer instance wrote).
pub fn to_gladly(e: &EventRow) -> Result<Option<GladlyEvent>, AppError> {
    let payload = payload_of(e)?;
    let erased = payload.get("tombstone").and_then(Value::as_bool) == Some(true);
    let found = match e.aggregate_type.as_str() {
        "conversation" if !erased => {
            let decoded: EventPayload =
                serde_json::from_value(payload).map_err(|err| unreadable(e, err))?;
            conversation_content(e, &decoded)
        }
        "customer" if e.event_type == "CUSTOMER_PROFILE/DELETED" => Some((
            e.event_type.clone(),
            json!({ "customerId": e.aggregate_id }),
        )),
        "customer" if !erased => Some((
            e.event_type.clone(),
            json!({ "customerId": e.aggregate_id }),
        )),
        "item" if e.event_type == crate::service::redaction::ITEM_REDACTED && !erased => payload
            .get("content")
            .map(|content| (e.event_type.clone(), content.clone())),
        "agent" | "routing" | "task" | "export" | "sla" | "automation" if !erased => payload
            .get("content")
            .map(|content| (e.event_type.clone(), content.clone())),
        _ => None,
    };
    let Some((kind, content)) = found else {
        return Ok(None);
    };
    let mut initiator =
        json!({ "type": e.initiator_type.clone().unwrap_or_else(|| "SYSTEM".into()) });
    if let Some(id) = &e.initiator_id {
        initiator["id"] = json!(id);
    }
    Ok(Some(GladlyEvent(
        json!({ "id": e.id, "type": kind, "timestamp": fmt_ts(from_ms(e.at)), "initiator": initiator, "content": content }),
    )))
}

/// The data of a live-stream event (`GET /stream`, the desktop's refresh): its id,
/// type and time; for a conversation event the conversation, its customer and
/// status, and the item it carries; and the event's Gladly content where it has
/// one.
pub fn stream_data(e: &EventRow, conversation: Option<&Conversation>) -> Result<String, AppError> {
    let payload = payload_of(e)?;
    let mut data = json!({ "id": e.id, "type": e.event_type, "at": fmt_ts(from_ms(e.at)) });
    if e.aggregate_type == "conversation" {
        data["conversationId"] = json!(e.aggregate_id);
        data["customerId"] = json!(conversation.map(|c| c.customer_id.to_string()));
        data["status"] = json!(conversation.map(|c| c.status.as_str()));
        if let Some(item) = payload.get("item") {
            data["itemId"] = item["id"].clone();
        }
    }
    if let Some(content) = payload.get("content") {
        data["content"] = content.clone();
    }
    Ok(data.to_string())
}

/// The body of the PING a webhook must answer with 200 before it is enabled.
pub fn ping_body(at: Timestamp) -> String {
    json!({ "id": new_id(), "type": "PING", "timestamp": fmt_ts(at), "content": {} }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(aggregate_type: &str, payload: &str) -> EventRow {
        EventRow {
            id: "e1".into(),
            at: 0,
            event_type: "CONVERSATION/CREATED".into(),
            aggregate_type: aggregate_type.into(),
            aggregate_id: "c1".into(),
            initiator_type: None,
            initiator_id: None,
            payload: payload.into(),
        }
    }

    #[test]
    fn an_unreadable_payload_is_an_error_and_a_tombstone_has_no_gladly_form() {
        let broken = to_gladly(&event("conversation", "{not json"));
        assert!(
            matches!(&broken, Err(AppError::Internal { .. })),
            "{broken:?}"
        );
        let unknown_version = to_gladly(&event("conversation", r#"{"v": 99, "kind": "?"}"#));
        assert!(unknown_version.is_err(), "{unknown_version:?}");
        let erased = to_gladly(&event("conversation", r#"{"v": 1, "tombstone": true}"#));
        assert!(matches!(erased, Ok(None)), "{erased:?}");
    }
}
