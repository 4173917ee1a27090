//! Conversations, items and customers as the API shows them (GLADLY-API.md 3.2,
//! 3.1, 2.3). Items are `items::ItemWire`, customers `customers::ProfileWire`; the
//! conversation adds Hearth's read-only
//! `dueAt` and `queueState` to Gladly's.

use super::customers::ProfileWire;
use super::items::ItemWire;
use crate::codec;
use hearth_domain::conversation::Conversation;
use hearth_domain::customer::Customer;
use hearth_domain::item::ConversationItem;
use serde::Serialize;

/// A conversation's custom attribute (`{key, value}`); Hearth keeps none yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomAttribute {
    pub key: String,
    pub value: String,
}

/// `Conversation` of `GLADLY-API.md` 3.2 plus `dueAt` and `queueState`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationWire {
    pub id: String,
    pub customer_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    pub inbox_id: String,
    pub status: &'static str,
    pub topic_ids: Vec<String>,
    pub custom_attributes: Vec<CustomAttribute>,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_at: Option<String>,
    pub queue_state: &'static str,
}

impl ConversationWire {
    /// The wire form of a conversation.
    pub fn of(c: &Conversation) -> Self {
        ConversationWire {
            id: c.id.to_string(),
            customer_id: c.customer_id.to_string(),
            agent_id: c.agent_id.as_ref().map(ToString::to_string),
            inbox_id: c.inbox_id.to_string(),
            status: c.status.as_str(),
            topic_ids: c.topic_ids.iter().map(ToString::to_string).collect(),
            custom_attributes: Vec::new(),
            created_at: codec::fmt_ts(c.created_at),
            closed_at: c.closed_at.map(codec::fmt_ts),
            due_at: c.due_at().map(codec::fmt_ts),
            queue_state: c.queue_state().as_str(),
        }
    }
}

/// The wire form of an item.
pub fn item(i: &ConversationItem) -> ItemWire {
    ItemWire::of(i)
}

/// The wire form of a customer.
pub fn customer(c: &Customer) -> ProfileWire {
    ProfileWire::from(c)
}
