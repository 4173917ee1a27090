//! `POST /reports` (`GLADLY-API.md` 2.11): CSV reports over the event log. Hearth
//! has `ConversationTimestampsReport` (every conversation event with the assignment
//! around it, the columns tap-gladly reads) in UTC.

use hearth_domain::{DomainError, Timestamp};
use serde_json::Value;

use super::{App, kind, read_tx};
use crate::codec::{self, AgentDoc, InboxDoc, TopicDoc, to_ms};
use crate::error::AppError;

/// The columns of `ConversationTimestampsReport`.
pub const CONVERSATION_TIMESTAMPS_COLUMNS: [&str; 21] = [
    "Timezone Filter",
    "Timestamp",
    "Event Type",
    "Conversation ID",
    "Customer ID",
    "Initiator Type",
    "Initiator ID",
    "Initiator Agent Name",
    "Assigned Inbox ID",
    "Assigned Inbox Name",
    "Assigned Agent ID",
    "Assigned Agent Name",
    "Topic ID",
    "Topic Name",
    "Newly Assigned Inbox ID",
    "Newly Assigned Inbox Name",
    "Newly Assigned Agent ID",
    "Newly Assigned Agent Name",
    "Assignment Update Reason",
    "Merged Customer ID",
    "Merged Conversation ID",
];

/// A report request, shape-checked.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    pub metric_set: String,
    /// First day (inclusive) and last day (inclusive), `YYYY-MM-DD`, or minute times.
    pub start: Timestamp,
    pub end: Timestamp,
    pub timezone: String,
}

/// One CSV field, quoted when it needs to be.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

impl App {
    /// Runs a report; returns the CSV text and a file name.
    pub async fn report(&self, req: &ReportRequest) -> Result<(String, String), AppError> {
        if req.metric_set != "ConversationTimestampsReport" {
            return Err(DomainError::invalid(
                "metricSet",
                format!(
                    "'{}' is not a report Hearth has (ConversationTimestampsReport)",
                    req.metric_set
                ),
            )
            .into());
        }
        if req.timezone != "UTC" {
            return Err(DomainError::invalid("timezone", "only UTC is supported").into());
        }
        if req.end <= req.start {
            return Err(DomainError::invalid("endAt", "must not be before startAt").into());
        }
        let (agents, inboxes, topics) = read_tx!(self, |tx| {
            let agents: std::collections::BTreeMap<String, String> = tx
                .resources(kind::AGENT)
                .await?
                .iter()
                .map(|r| serde_json::from_str::<AgentDoc>(&r.doc).map(|a| (a.id, a.name)))
                .collect::<Result<_, _>>()?;
            let inboxes: std::collections::BTreeMap<String, String> = tx
                .resources(kind::INBOX)
                .await?
                .iter()
                .map(|r| serde_json::from_str::<InboxDoc>(&r.doc).map(|i| (i.id, i.name)))
                .collect::<Result<_, _>>()?;
            let topics: std::collections::BTreeMap<String, String> = tx
                .resources(kind::TOPIC)
                .await?
                .iter()
                .map(|r| serde_json::from_str::<TopicDoc>(&r.doc).map(|t| (t.id, t.name)))
                .collect::<Result<_, _>>()?;
            Ok::<_, AppError>((agents, inboxes, topics))
        })?;
        let name = |map: &std::collections::BTreeMap<String, String>, id: &Value| {
            id.as_str()
                .and_then(|i| map.get(i))
                .cloned()
                .unwrap_or_default()
        };
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let mut csv = CONVERSATION_TIMESTAMPS_COLUMNS.join(",");
        csv.push('\n');
        let mut after = 0i64;
        loop {
            let page = read_tx!(self, |tx| Ok::<_, AppError>(
                tx.events_in_range(to_ms(req.start), to_ms(req.end), after, 1000)
                    .await?
            ))?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for stored in &page {
                let Some(e) = crate::gladly_events::to_gladly(&stored.event) else {
                    continue;
                };
                let kind = text(&e["type"]);
                if !(kind.starts_with("CONVERSATION/")
                    || kind.starts_with("CONVERSATION_ASSIGNEE/"))
                {
                    continue;
                }
                let c = &e["content"];
                let assigned = &c["context"]["assignee"];
                let initiator_id = &e["initiator"]["id"];
                let row = [
                    req.timezone.clone(),
                    text(&e["timestamp"]),
                    kind.clone(),
                    text(&c["conversationId"]),
                    text(&c["customerId"]),
                    text(&e["initiator"]["type"]),
                    text(initiator_id),
                    name(&agents, initiator_id),
                    text(&assigned["inboxId"]),
                    name(&inboxes, &assigned["inboxId"]),
                    text(&assigned["agentId"]),
                    name(&agents, &assigned["agentId"]),
                    text(&c["topicId"]),
                    name(&topics, &c["topicId"]),
                    text(&c["assignee"]["inboxId"]),
                    name(&inboxes, &c["assignee"]["inboxId"]),
                    text(&c["assignee"]["agentId"]),
                    name(&agents, &c["assignee"]["agentId"]),
                    text(&c["reason"]),
                    String::new(),
                    String::new(),
                ];
                csv.push_str(&row.iter().map(|f| field(f)).collect::<Vec<_>>().join(","));
                csv.push('\n');
            }
        }
        let file = format!(
            "{}-{}-{}.csv",
            req.metric_set,
            codec::fmt_ts(req.start).get(..10).unwrap_or(""),
            codec::fmt_ts(req.end).get(..10).unwrap_or("")
        );
        Ok((csv, file))
    }
}
