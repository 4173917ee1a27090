//! Conversation items as clients write them (`POST /conversation-items`,
//! GLADLY-API.md 3.1).

use hearth_domain::item::ItemContent;
use hearth_domain::{DomainError, Timestamp};
use serde_json::{Map, Value};

use crate::codec::ContentDto;

/// Reads an item's `content` object; `now` is when it was received.
pub fn item_content(
    content: &Map<String, Value>,
    now: Timestamp,
) -> Result<ItemContent, DomainError> {
    let dto: ContentDto = serde_json::from_value(Value::Object(content.clone()))
        .map_err(|e| DomainError::invalid("content", e.to_string()))?;
    dto.to_domain(now)
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
