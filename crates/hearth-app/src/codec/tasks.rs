//! Tasks and their comments.

use hearth_domain::id::*;
use hearth_domain::{DomainError, Timestamp};
use serde::{Deserialize, Serialize};

use super::instants::ts;

use super::instants::corrupt;
use super::items::{AssigneeDoc, InitiatorDoc};

/// A task comment as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskCommentDto {
    pub id: String,
    pub agent_id: String,
    pub comment: String,
    pub task_id: String,
    #[serde(with = "ts")]
    pub created_at: Timestamp,
}

/// A task as stored (the API shows `gladly::tasks::TaskWire`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskFields {
    pub id: String,
    pub customer_id: String,
    #[serde(with = "ts")]
    pub timestamp: Timestamp,
    pub created_by: InitiatorDoc,
    pub assignee: AssigneeDoc,
    pub body: String,
    #[serde(with = "ts")]
    pub due_at: Timestamp,
    pub status: String,
}

/// The stored task: its fields plus its comments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskDoc {
    #[serde(flatten)]
    pub fields: TaskFields,
    #[serde(default)]
    pub comments: Vec<TaskCommentDto>,
}

impl TaskDoc {
    /// From the domain.
    pub fn of(t: &hearth_domain::task::Task) -> TaskDoc {
        TaskDoc {
            fields: TaskFields {
                id: t.id.to_string(),
                customer_id: t.customer_id.to_string(),
                timestamp: t.created_at,
                created_by: InitiatorDoc::of(&t.created_by),
                assignee: AssigneeDoc {
                    inbox_id: t.assignee.inbox_id.to_string(),
                    agent_id: t.assignee.agent_id.as_ref().map(ToString::to_string),
                },
                body: t.body.clone(),
                due_at: t.due_at,
                status: t.status.as_str().to_owned(),
            },
            comments: t
                .comments
                .iter()
                .map(|c| TaskCommentDto {
                    id: c.id.to_string(),
                    agent_id: c.agent_id.to_string(),
                    comment: c.comment.clone(),
                    task_id: t.id.to_string(),
                    created_at: c.created_at,
                })
                .collect(),
        }
    }

    /// To the domain.
    pub fn to_domain(&self) -> Result<hearth_domain::task::Task, DomainError> {
        use hearth_domain::task::{Task, TaskAssignee, TaskComment, TaskStatus};
        let w = &self.fields;
        Ok(Task {
            id: TaskId::from_trusted(&w.id),
            customer_id: CustomerId::from_trusted(&w.customer_id),
            created_at: w.timestamp,
            created_by: w.created_by.to_domain()?,
            assignee: TaskAssignee {
                inbox_id: InboxId::from_trusted(&w.assignee.inbox_id),
                agent_id: w.assignee.agent_id.as_ref().map(AgentId::from_trusted),
            },
            body: w.body.clone(),
            due_at: w.due_at,
            status: TaskStatus::parse(&w.status).ok_or_else(|| corrupt("status", &w.status))?,
            comments: self
                .comments
                .iter()
                .map(|c| TaskComment {
                    id: CommentId::from_trusted(&c.id),
                    agent_id: AgentId::from_trusted(&c.agent_id),
                    comment: c.comment.clone(),
                    created_at: c.created_at,
                })
                .collect(),
        })
    }
}
