//! Event payloads of the log: every conversation event and its context.

use hearth_domain::channel::Channel;
use hearth_domain::conversation::{
    AssignReason, Direction, EndReason, EndStatus, Event, EventKind, Fulfilment, Status,
    TransferReason,
};
use hearth_domain::id::*;
use hearth_domain::item::Initiator;
use hearth_domain::{DomainError, Timestamp};
use serde::{Deserialize, Serialize};

use super::instants::{ts, ts_opt};

use super::PAYLOAD_VERSION;
use super::instants::{corrupt, from_ms};
use super::items::ItemDoc;

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
    PriorityBoostSet {
        score: i64,
    },
    #[serde(rename_all = "camelCase")]
    AutomationStarted {
        session_id: String,
    },
    #[serde(rename_all = "camelCase")]
    AutomationEnded {
        session_id: String,
        handoff: bool,
    },
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
        EventKind::PriorityBoostSet { score } => EventBody::PriorityBoostSet { score: *score },
        EventKind::AutomationStarted { session_id } => EventBody::AutomationStarted {
            session_id: session_id.clone(),
        },
        EventKind::AutomationEnded {
            session_id,
            handoff,
        } => EventBody::AutomationEnded {
            session_id: session_id.clone(),
            handoff: *handoff,
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
        EventBody::PriorityBoostSet { score } => EventKind::PriorityBoostSet { score },
        EventBody::AutomationStarted { session_id } => EventKind::AutomationStarted { session_id },
        EventBody::AutomationEnded {
            session_id,
            handoff,
        } => EventKind::AutomationEnded {
            session_id,
            handoff,
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

/// A conversation event's payload with the item it carries replaced by `item`
/// (the redacted one); `None` when the event carries another item or none.
pub fn with_item_replaced(
    payload: &str,
    item: &ItemDoc,
) -> Result<Option<String>, serde_json::Error> {
    let mut decoded: EventPayload = serde_json::from_str(payload)?;
    let carried = match &mut decoded.body {
        EventBody::MessageReceived { item: carried }
        | EventBody::MessageSent { item: carried }
        | EventBody::ItemAdded { item: carried }
        | EventBody::NoteCreated { item: carried } => carried,
        _ => return Ok(None),
    };
    if carried.id != item.id {
        return Ok(None);
    }
    *carried = item.clone();
    serde_json::to_string(&decoded).map(Some)
}
