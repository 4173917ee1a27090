//! Tasks over the Gladly API (R56-R58): create (for a known customer, or finding or
//! creating one by email or mobile number), read, list, update (status, body, due
//! date, assignee) and comments. A task in an inbox without an agent is a routable
//! unit, routed like mail (R57).

use hearth_domain::DomainError;
use hearth_domain::Timestamp;
use hearth_domain::id::{AgentId, CommentId, TaskId, validate_id};
use hearth_domain::item::{Initiator, InitiatorType};
use hearth_domain::task::{Task, TaskAssignee, TaskComment, TaskStatus};
use hearth_routing::UnitId;

use super::credentials::Caller;
use super::customers::CustomerRef;
use super::permissions::{Touch, may_speak_for, may_touch_task};
use crate::app::{App, read_tx, write_tx};
use crate::clock::new_id;
use crate::codec::{self, TaskContent};
use crate::error::AppError;
use crate::ports::StoreTx;
use crate::route::translate::inputs_for_task_change;
use crate::unit_of_work::{load_agent, resolve_assignee, task_of_row, write_task};

/// The most tasks `GET /customers/{id}/tasks` returns.
pub const TASKS_CAP: i64 = 2000;

/// `POST /tasks` and `POST /customers/{id}/tasks`, shape-checked.
#[derive(Debug, Clone)]
pub struct NewTask {
    pub id: Option<String>,
    /// Whose task it is: found, or created from an email or mobile number.
    pub customer: CustomerRef,
    pub inbox_id: String,
    pub agent_id: Option<String>,
    pub body: String,
    pub due_at: String,
}

/// `PATCH /tasks/{id}`, shape-checked; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct TaskPatch {
    pub status: Option<String>,
    pub body: Option<String>,
    pub due_at: Option<String>,
    pub assignee: Option<(String, Option<String>)>,
}

fn due(attr: &str, raw: &str) -> Result<Timestamp, DomainError> {
    codec::parse_ts(raw).ok_or_else(|| DomainError::invalid(attr, "must be an RFC 3339 timestamp"))
}

impl App {
    /// Persists a task change and tells routing what changed.
    pub(crate) async fn save_task(
        &self,
        tx: &mut dyn StoreTx,
        before: Option<(&Task, i64)>,
        after: &Task,
        events: Vec<(&'static str, TaskContent)>,
        initiator: &Initiator,
        update_for_assignee: bool,
    ) -> Result<(), AppError> {
        write_task(tx, self.now(), before, after, events, initiator).await?;
        if before.is_none_or(|(b, _)| b.due_at != after.due_at || b.status != after.status) {
            let offsets =
                crate::schedule::rule_offsets(tx, hearth_domain::rules::TriggerKind::TaskDue)
                    .await?;
            crate::schedule::schedule_task_due_timer(tx, after, &offsets, None).await?;
        }
        self.route(
            tx,
            inputs_for_task_change(
                before.map(|(t, _)| t),
                after,
                self.now(),
                update_for_assignee,
            ),
        )
        .await?;
        Ok(())
    }

    async fn check_assignee(
        &self,
        tx: &mut dyn StoreTx,
        inbox: &str,
        agent: Option<&str>,
    ) -> Result<TaskAssignee, AppError> {
        let (inbox, agent) = resolve_assignee(tx, "assignee.", inbox, agent).await?;
        Ok(TaskAssignee {
            inbox_id: inbox.id,
            agent_id: agent.map(|a| a.id),
        })
    }

    /// Creates a task (R56: a body within limits, a due date in the future).
    pub async fn create_task(&self, caller: &Caller, new: NewTask) -> Result<Task, AppError> {
        let id = match &new.id {
            Some(id) => TaskId::parse("id", id)?,
            None => TaskId::from_trusted(new_id()),
        };
        let due_at = due("dueAt", &new.due_at)?;
        let initiator = Initiator::new(InitiatorType::Api, caller.agent.id.as_str());
        write_tx!(self, |tx| {
            let attr = match &new.customer {
                CustomerRef::MobilePhone(_) => "customer.mobilePhone",
                CustomerRef::Email(_) | CustomerRef::Id(_) => "customer.emailAddress",
            };
            let customer_id = self.customer_for(tx, &new.customer, attr).await?;
            let assignee = self
                .check_assignee(tx, &new.inbox_id, new.agent_id.as_deref())
                .await?;
            let task = Task::create(
                id.clone(),
                customer_id,
                initiator.clone(),
                assignee,
                new.body.clone(),
                due_at,
                self.now(),
            )?;
            let mut events = vec![("TASK/CREATED", TaskContent::of(&task, None))];
            if task.assignee.agent_id.is_some() {
                let c = TaskContent::of(&task, None).with_assignee(&task);
                events.push(("TASK/ASSIGNEE_UPDATED", c));
            }
            self.save_task(tx, None, &task, events, &initiator, false)
                .await?;
            Ok::<_, AppError>(task)
        })
    }

    /// One task; its assignee reading it has seen its updates.
    pub async fn task(&self, caller: &Caller, id: &str) -> Result<Task, AppError> {
        let task = read_tx!(self, |tx| {
            let row = tx
                .task(id)
                .await?
                .ok_or_else(|| AppError::not_found("task", id))?;
            task_of_row(&row)
        })?;
        if task.assignee.agent_id.as_ref() == Some(&caller.agent.id) {
            self.mark_unit_seen(caller, UnitId::Task(task.id.clone()))
                .await?;
        }
        Ok(task)
    }

    /// A customer's tasks, newest first, and whether the cap cut the list.
    pub async fn customer_tasks(
        &self,
        customer_id: &str,
        status: Option<TaskStatus>,
    ) -> Result<(Vec<Task>, bool), AppError> {
        read_tx!(self, |tx| {
            if tx.customer(customer_id).await?.is_none() {
                return Err(AppError::not_found("customer", customer_id));
            }
            let rows = tx
                .customer_tasks(customer_id, status.map(TaskStatus::as_str), TASKS_CAP + 1)
                .await?;
            let limited = rows.len() as i64 > TASKS_CAP;
            let tasks = rows
                .iter()
                .take(TASKS_CAP as usize)
                .map(task_of_row)
                .collect::<Result<Vec<_>, _>>()?;
            Ok((tasks, limited))
        })
    }

    /// Updates a task; every change is one event (R58).
    pub async fn update_task(
        &self,
        caller: &Caller,
        id: &str,
        patch: TaskPatch,
    ) -> Result<Task, AppError> {
        let status = match patch.status.as_deref() {
            Some(raw) => Some(
                TaskStatus::parse(raw)
                    .ok_or_else(|| DomainError::invalid("status", "must be OPEN or CLOSED"))?,
            ),
            None => None,
        };
        let due_at = patch
            .due_at
            .as_deref()
            .map(|d| due("dueAt", d))
            .transpose()?;
        let initiator = Initiator::new(InitiatorType::Api, caller.agent.id.as_str());
        write_tx!(self, |tx| {
            let row = tx
                .task_for_update(id)
                .await?
                .ok_or_else(|| AppError::not_found("task", id))?;
            let before = task_of_row(&row)?;
            may_touch_task(caller, &before, Touch::Handle)?;
            let mut after = before.clone();
            let mut events = Vec::new();
            if let Some((inbox, agent)) = &patch.assignee {
                let assignee = self.check_assignee(tx, inbox, agent.as_deref()).await?;
                if assignee != after.assignee {
                    after.assignee = assignee;
                    let c = TaskContent::of(&after, Some(&before)).with_assignee(&after);
                    events.push(("TASK/ASSIGNEE_UPDATED", c));
                }
            }
            if let Some(body) = &patch.body
                && body != &after.body
            {
                after.update_body(body.clone())?;
                events.push((
                    "TASK/CONTENT_UPDATED",
                    TaskContent::of(&after, Some(&before)),
                ));
            }
            if let Some(at) = due_at
                && at != after.due_at
            {
                after.update_due_at(at, self.now())?;
                let c = TaskContent::of(&after, Some(&before)).with_due_at(at);
                events.push(("TASK/DUE_DATE_UPDATED", c));
            }
            if let Some(status) = status
                && after.set_status(status)
            {
                let kind = if status == TaskStatus::Closed {
                    "TASK/CLOSED"
                } else {
                    "TASK/REOPENED"
                };
                events.push((kind, TaskContent::of(&after, Some(&before))));
            }
            if events.is_empty() {
                return Ok(after);
            }
            let by_assignee = after.assignee.agent_id.as_ref() == Some(&caller.agent.id);
            self.save_task(
                tx,
                Some((&before, row.version)),
                &after,
                events,
                &initiator,
                !by_assignee,
            )
            .await?;
            Ok::<_, AppError>(after)
        })
    }

    /// Adds a comment (not on a closed task).
    pub async fn add_task_comment(
        &self,
        caller: &Caller,
        task_id: &str,
        id: Option<&str>,
        agent_id: &str,
        comment: &str,
    ) -> Result<TaskComment, AppError> {
        let comment_id = match id {
            Some(raw) => {
                validate_id("id", raw)?;
                CommentId::from_trusted(raw)
            }
            None => CommentId::from_trusted(new_id()),
        };
        let initiator = Initiator::new(InitiatorType::Api, caller.agent.id.as_str());
        write_tx!(self, |tx| {
            let row = tx
                .task_for_update(task_id)
                .await?
                .ok_or_else(|| AppError::not_found("task", task_id))?;
            let before = task_of_row(&row)?;
            may_touch_task(caller, &before, Touch::Annotate)?;
            may_speak_for(caller, agent_id)?;
            if load_agent(tx, agent_id).await?.is_none() {
                return Err(DomainError::invalid(
                    "agentId",
                    format!("agent {agent_id} does not exist"),
                )
                .into());
            }
            if before.comments.iter().any(|c| c.id == comment_id) {
                return Err(AppError::Taken {
                    attr: "id".into(),
                    holder_kind: "task comment",
                    holder_id: comment_id.to_string(),
                });
            }
            let mut after = before.clone();
            let comment = TaskComment {
                id: comment_id.clone(),
                agent_id: AgentId::from_trusted(agent_id),
                comment: comment.to_owned(),
                created_at: self.now(),
            };
            after.add_comment(comment.clone())?;
            let c = TaskContent::of(&after, Some(&before)).with_comment(comment.id.as_str());
            let by_assignee = after.assignee.agent_id.as_ref() == Some(&comment.agent_id);
            self.save_task(
                tx,
                Some((&before, row.version)),
                &after,
                vec![("TASK/COMMENT_ADDED", c)],
                &initiator,
                !by_assignee,
            )
            .await?;
            Ok::<_, AppError>(comment)
        })
    }
}
