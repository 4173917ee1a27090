//! Tasks as the API shows them (GLADLY-API.md 2.10): the task and its comments.

use hearth_domain::task::{Task, TaskComment};
use serde::Serialize;

use crate::codec::fmt_ts;

/// A task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskWire {
    pub id: String,
    pub customer_id: String,
    pub timestamp: String,
    pub created_by: InitiatorWire,
    pub assignee: AssigneeWire,
    pub body: String,
    pub due_at: String,
    pub status: &'static str,
}

/// Who created a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InitiatorWire {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

/// The inbox and optional agent a task is assigned to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AssigneeWire {
    pub inbox_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
}

impl From<&Task> for TaskWire {
    fn from(t: &Task) -> Self {
        TaskWire {
            id: t.id.to_string(),
            customer_id: t.customer_id.to_string(),
            timestamp: fmt_ts(t.created_at),
            created_by: InitiatorWire {
                id: t.created_by.id.clone(),
                kind: t.created_by.kind.as_str(),
            },
            assignee: AssigneeWire {
                inbox_id: t.assignee.inbox_id.to_string(),
                agent_id: t.assignee.agent_id.as_ref().map(ToString::to_string),
            },
            body: t.body.clone(),
            due_at: fmt_ts(t.due_at),
            status: t.status.as_str(),
        }
    }
}

/// A comment on a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommentWire {
    pub id: String,
    pub agent_id: String,
    pub comment: String,
    pub task_id: String,
    pub created_at: String,
}

impl CommentWire {
    /// Comment `c` of the task `task_id`.
    pub fn of(task_id: &str, c: &TaskComment) -> Self {
        CommentWire {
            id: c.id.to_string(),
            agent_id: c.agent_id.to_string(),
            comment: c.comment.clone(),
            task_id: task_id.to_owned(),
            created_at: fmt_ts(c.created_at),
        }
    }
}
