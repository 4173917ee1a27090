//! Gladly's reports (`POST /reports`, GLADLY-API.md 3.8) in their CSV form: the
//! conversation-timestamps report is Gladly's conversation events, one row each.

use std::collections::BTreeMap;

use serde_json::Value;

use super::events::to_gladly;
use crate::error::AppError;
use crate::ports::EventRow;

/// Agent, inbox and topic names by id, for the report's name columns.
#[derive(Debug, Clone, Default)]
pub struct Names {
    pub agents: BTreeMap<String, String>,
    pub inboxes: BTreeMap<String, String>,
    pub topics: BTreeMap<String, String>,
}

/// The conversation-timestamps row of a stored event, if it is a conversation or
/// conversation-assignee event (columns as `CONVERSATION_TIMESTAMPS_COLUMNS`).
pub fn conversation_timestamps_row(
    event: &EventRow,
    timezone: &str,
    names: &Names,
) -> Result<Option<Vec<String>>, AppError> {
    let Some(e) = to_gladly(event)? else {
        return Ok(None);
    };
    let e = e.as_json();
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let name = |map: &BTreeMap<String, String>, id: &Value| {
        id.as_str()
            .and_then(|i| map.get(i))
            .cloned()
            .unwrap_or_default()
    };
    let kind = text(&e["type"]);
    if !(kind.starts_with("CONVERSATION/") || kind.starts_with("CONVERSATION_ASSIGNEE/")) {
        return Ok(None);
    }
    let c = &e["content"];
    let assigned = &c["context"]["assignee"];
    let initiator_id = &e["initiator"]["id"];
    Ok(Some(vec![
        timezone.to_owned(),
        text(&e["timestamp"]),
        kind.clone(),
        text(&c["conversationId"]),
        text(&c["customerId"]),
        text(&e["initiator"]["type"]),
        text(initiator_id),
        name(&names.agents, initiator_id),
        text(&assigned["inboxId"]),
        name(&names.inboxes, &assigned["inboxId"]),
        text(&assigned["agentId"]),
        name(&names.agents, &assigned["agentId"]),
        text(&c["topicId"]),
        name(&names.topics, &c["topicId"]),
        text(&c["assignee"]["inboxId"]),
        name(&names.inboxes, &c["assignee"]["inboxId"]),
        text(&c["assignee"]["agentId"]),
        name(&names.agents, &c["assignee"]["agentId"]),
        text(&c["reason"]),
        String::new(),
        String::new(),
    ]))
}
