//! Tasks (R56-R58): internal, separately routable work attached to a customer.

use crate::id::{AgentId, CommentId, CustomerId, InboxId, TaskId};
use crate::item::Initiator;
use crate::{DomainError, Timestamp};

/// Longest task body and comment (R56).
pub const MAX_TASK_BODY: usize = 10_000;

/// OPEN or CLOSED.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskStatus {
    Open,
    Closed,
}

impl TaskStatus {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Open => "OPEN",
            TaskStatus::Closed => "CLOSED",
        }
    }
    /// Parses the wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "OPEN" => Some(TaskStatus::Open),
            "CLOSED" => Some(TaskStatus::Closed),
            _ => None,
        }
    }
}

/// `{inboxId, agentId?}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskAssignee {
    pub inbox_id: InboxId,
    pub agent_id: Option<AgentId>,
}

/// A comment on a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskComment {
    pub id: CommentId,
    pub agent_id: AgentId,
    pub comment: String,
    pub created_at: Timestamp,
}

/// A task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub id: TaskId,
    pub customer_id: CustomerId,
    pub created_at: Timestamp,
    pub created_by: Initiator,
    pub assignee: TaskAssignee,
    pub body: String,
    pub due_at: Timestamp,
    pub status: TaskStatus,
    pub comments: Vec<TaskComment>,
}

fn check_body(attr: &str, body: &str) -> Result<(), DomainError> {
    if body.trim().is_empty() {
        return Err(DomainError::blank(attr, "must not be blank"));
    }
    if body.chars().count() > MAX_TASK_BODY {
        return Err(DomainError::too_long(
            attr,
            "must be at most 10000 characters",
        ));
    }
    Ok(())
}

impl Task {
    /// R56: a body within limits and a due date in the future.
    pub fn create(
        id: TaskId,
        customer_id: CustomerId,
        created_by: Initiator,
        assignee: TaskAssignee,
        body: String,
        due_at: Timestamp,
        now: Timestamp,
    ) -> Result<Task, DomainError> {
        check_body("body", &body)?;
        if due_at <= now {
            return Err(DomainError::invalid("dueAt", "dueAt must be in the future"));
        }
        Ok(Task {
            id,
            customer_id,
            created_at: now,
            created_by,
            assignee,
            body,
            due_at,
            status: TaskStatus::Open,
            comments: Vec::new(),
        })
    }

    /// R56: closed tasks take no comments.
    pub fn add_comment(&mut self, comment: TaskComment) -> Result<(), DomainError> {
        if self.status == TaskStatus::Closed {
            return Err(DomainError::TaskState(
                "comments cannot be added to a closed task",
            ));
        }
        check_body("comment", &comment.comment)?;
        self.comments.push(comment);
        Ok(())
    }

    /// Replaces the body (same limits as at creation).
    pub fn update_body(&mut self, body: String) -> Result<(), DomainError> {
        check_body("body", &body)?;
        self.body = body;
        Ok(())
    }

    /// Moves the due date; like at creation it must lie in the future.
    pub fn update_due_at(&mut self, due_at: Timestamp, now: Timestamp) -> Result<(), DomainError> {
        if due_at <= now {
            return Err(DomainError::invalid("dueAt", "dueAt must be in the future"));
        }
        self.due_at = due_at;
        Ok(())
    }

    /// R58: close or reopen; returns whether anything changed.
    pub fn set_status(&mut self, status: TaskStatus) -> bool {
        let changed = self.status != status;
        self.status = status;
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::InitiatorType;
    use time::macros::datetime;

    fn task(due: Timestamp) -> Result<Task, DomainError> {
        Task::create(
            TaskId::from_trusted("t1"),
            CustomerId::from_trusted("c1"),
            Initiator::new(InitiatorType::Api, "a1"),
            TaskAssignee {
                inbox_id: InboxId::from_trusted("i1"),
                agent_id: None,
            },
            "call back".into(),
            due,
            datetime!(2030-01-01 10:00 UTC),
        )
    }

    #[test]
    fn due_date_must_be_in_the_future() {
        assert!(task(datetime!(2030-01-01 09:00 UTC)).is_err());
        assert!(task(datetime!(2030-01-02 10:00 UTC)).is_ok());
    }

    #[test]
    fn closed_tasks_take_no_comments() -> Result<(), DomainError> {
        let mut t = task(datetime!(2030-01-02 10:00 UTC))?;
        let c = TaskComment {
            id: CommentId::from_trusted("k"),
            agent_id: AgentId::from_trusted("a1"),
            comment: "noted".into(),
            created_at: datetime!(2030-01-01 10:00 UTC),
        };
        t.add_comment(c.clone())?;
        assert!(t.set_status(TaskStatus::Closed));
        assert!(t.add_comment(c).is_err());
        assert!(t.set_status(TaskStatus::Open));
        Ok(())
    }
}
