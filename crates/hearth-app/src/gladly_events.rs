//! The event log in Gladly's webhook and Events shape (`GLADLY-API.md` section 5):
//! `{id, type, timestamp, initiator, content}`. Internal event types (Hearth's own
//! bookkeeping) and erased data have no Gladly form.

use serde_json::{Map, Value, json};

use crate::codec::{EventBody, EventContext, EventPayload, fmt_ts, from_ms};
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
        EventBody::MessageReceived { item } | EventBody::MessageSent { item } => contact(
            item.contact_id.as_deref().unwrap_or_default(),
            json!({ "messageId": item.wire.id }),
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
            json!({ "noteId": item.wire.id, "customerId": customer, "conversationId": conv })
        }
        // Offers are logged by routing itself; the rest is Hearth's bookkeeping.
        EventBody::CallAnswered { .. }
        | EventBody::HoldReleased
        | EventBody::ItemAdded { .. }
        | EventBody::DueDateUpdated { .. } => return None,
    };
    Some((kind, content))
}

/// The Gladly form of a stored event, if it has one.
pub fn to_gladly(e: &EventRow) -> Option<Value> {
    let payload: Value = serde_json::from_str(&e.payload).ok()?;
    let erased = payload.get("tombstone").and_then(Value::as_bool) == Some(true);
    let (kind, content) = match e.aggregate_type.as_str() {
        "conversation" if !erased => {
            conversation_content(e, &serde_json::from_value(payload).ok()?)?
        }
        "customer" if e.event_type == "CUSTOMER_PROFILE/DELETED" => (
            e.event_type.clone(),
            json!({ "customerId": e.aggregate_id }),
        ),
        "customer" if !erased => (
            e.event_type.clone(),
            json!({ "customerId": e.aggregate_id }),
        ),
        "agent" | "routing" | "task" | "export" if !erased => {
            (e.event_type.clone(), payload.get("content")?.clone())
        }
        _ => return None,
    };
    let mut initiator =
        json!({ "type": e.initiator_type.clone().unwrap_or_else(|| "SYSTEM".into()) });
    if let Some(id) = &e.initiator_id {
        initiator["id"] = json!(id);
    }
    Some(
        json!({ "id": e.id, "type": kind, "timestamp": fmt_ts(from_ms(e.at)), "initiator": initiator, "content": content }),
    )
}
