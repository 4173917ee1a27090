//! Event payloads of the aggregates whose log entry keeps Gladly's `content` as
//! written (agents, tasks, loose items, export jobs, erased customers):
//! `{"v", "content", ...}`. Rendering them for webhooks and `/events` is a copy
//! ([`crate::gladly::events`]); conversation events keep the domain's own form
//! instead ([`super::events`]).

use hearth_domain::Timestamp;
use hearth_domain::id::AgentId;
use hearth_domain::item::ConversationItem;
use hearth_domain::task::Task;
use serde::{Deserialize, Serialize};

use super::PAYLOAD_VERSION;
use super::instants::fmt_ts;
use super::tasks::TaskDoc;

#[derive(Serialize)]
struct Payload<'a, T: Serialize> {
    v: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    task: Option<&'a TaskDoc>,
    content: &'a T,
}

/// The stored payload around `content`.
pub fn content_payload<T: Serialize>(content: &T) -> Result<String, serde_json::Error> {
    serde_json::to_string(&Payload {
        v: PAYLOAD_VERSION,
        task: None,
        content,
    })
}

/// The stored payload of a task event: the task's document and the content.
pub fn task_payload(task: &TaskDoc, content: &TaskContent) -> Result<String, serde_json::Error> {
    serde_json::to_string(&Payload {
        v: PAYLOAD_VERSION,
        task: Some(task),
        content,
    })
}

/// What an erased aggregate's events keep (`tombstone`), and the deletion event's
/// own payload, which names the customer.
pub fn tombstone_payload(customer_id: Option<&str>) -> Result<String, serde_json::Error> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Erased<'a> {
        customer_id: &'a str,
    }
    #[derive(Serialize)]
    struct Tombstone<'a> {
        v: u32,
        tombstone: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        content: Option<Erased<'a>>,
    }
    serde_json::to_string(&Tombstone {
        v: PAYLOAD_VERSION,
        tombstone: true,
        content: customer_id.map(|customer_id| Erased { customer_id }),
    })
}

/// Whether a stored payload is an erased aggregate's tombstone.
pub fn is_tombstone(payload: &str) -> Result<bool, serde_json::Error> {
    #[derive(serde::Deserialize)]
    struct Mark {
        #[serde(default)]
        tombstone: bool,
    }
    Ok(serde_json::from_str::<Mark>(payload)?.tombstone)
}

/// The few fields of any stored payload that say whom an event concerns: an
/// agent assigned or answering (conversation events), or the agent in an offer's
/// or availability event's content.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayloadProbe {
    #[serde(default)]
    pub agent_id: Option<String>,
    #[serde(default)]
    content: Option<ContentProbe>,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContentProbe {
    #[serde(default)]
    agent_id: Option<String>,
}

impl PayloadProbe {
    /// The agent named in the event's content.
    pub fn content_agent_id(&self) -> Option<&str> {
        self.content.as_ref()?.agent_id.as_deref()
    }
}

/// `CONTACT/DUE_SOON` and `CONTACT/OVERDUE` (Hearth's additions to Gladly's
/// events): the contact whose due date comes or passed, and where it stands.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DueContent {
    pub conversation_id: String,
    pub customer_id: String,
    pub contact_id: String,
    pub channel: String,
    pub inbox_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    pub due_at: String,
}

/// What a conversation's due-date timer remembers: the due date it counts to and
/// the moments of it already passed (`DUE_SOON`, `OVERDUE`, `rule:<id>`), so that
/// none is missed or repeated across restarts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueTimerDoc {
    pub due: i64,
    #[serde(default)]
    pub passed: Vec<String>,
}

/// `AGENT_AVAILABILITY/UPDATED`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AvailabilityUpdated {
    pub agent_id: String,
    pub available_for: Vec<String>,
    pub occurred_at: String,
}

/// `AGENT_AVAILABILITY/FOCUS_ENTERED` and `FOCUS_EXITED`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FocusChanged {
    pub agent_id: String,
    pub context: AvailableFor,
}

/// The groups an agent is available for, as context.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AvailableFor {
    pub available_for: Vec<String>,
}

/// `AGENT_STATUS/WENT_AWAY` and `RETURNED_FROM_AWAY`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AwayChanged {
    pub agent_id: String,
    pub occurred_at: String,
}

impl AvailabilityUpdated {
    /// An agent now available for `groups` at `at`.
    pub fn of(agent: &AgentId, groups: &[&str], at: Timestamp) -> Self {
        AvailabilityUpdated {
            agent_id: agent.to_string(),
            available_for: groups.iter().map(|g| (*g).to_owned()).collect(),
            occurred_at: fmt_ts(at),
        }
    }
}

/// A loose item's event (customer activity, outbound communication): ids only,
/// since the item row holds the content and erasing the customer erases it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemIds {
    pub item_id: String,
    pub customer_id: String,
}

impl ItemIds {
    /// The ids of `item`.
    pub fn of(item: &ConversationItem) -> Self {
        ItemIds {
            item_id: item.id.to_string(),
            customer_id: item.customer_id.to_string(),
        }
    }
}

/// `EXPORT_JOB/COMPLETED` and `FAILED`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportJobIds {
    pub job_id: String,
}

/// A task's assignee in event content.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskAssigneeIds {
    pub inbox_id: String,
    pub agent_id: Option<String>,
}

/// The task as it was before the change.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskContext {
    pub assignee: TaskAssigneeIds,
    pub due_at: String,
    pub created_at: String,
}

/// Gladly's content of a task event: ids, the context before the change, and what
/// changed (an assignee, a due date, a comment).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskContent {
    pub customer_id: String,
    pub task_id: String,
    pub context: TaskContext,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<TaskAssigneeIds>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment_id: Option<String>,
}

impl TaskContent {
    /// The content of a change to `task`, with the context of `before` (the task
    /// itself for a new one).
    pub fn of(task: &Task, before: Option<&Task>) -> Self {
        let ctx = before.unwrap_or(task);
        TaskContent {
            customer_id: task.customer_id.to_string(),
            task_id: task.id.to_string(),
            context: TaskContext {
                assignee: assignee_ids(ctx),
                due_at: fmt_ts(ctx.due_at),
                created_at: fmt_ts(task.created_at),
            },
            assignee: None,
            due_at: None,
            comment_id: None,
        }
    }

    /// With `task`'s assignee as the new one.
    pub fn with_assignee(mut self, task: &Task) -> Self {
        self.assignee = Some(assignee_ids(task));
        self
    }

    /// With a new due date.
    pub fn with_due_at(mut self, at: Timestamp) -> Self {
        self.due_at = Some(fmt_ts(at));
        self
    }

    /// With the comment added.
    pub fn with_comment(mut self, comment_id: &str) -> Self {
        self.comment_id = Some(comment_id.to_owned());
        self
    }
}

fn assignee_ids(task: &Task) -> TaskAssigneeIds {
    TaskAssigneeIds {
        inbox_id: task.assignee.inbox_id.to_string(),
        agent_id: task.assignee.agent_id.as_ref().map(ToString::to_string),
    }
}
