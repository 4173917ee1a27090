//! Who may act on which work: the one place the rule lives, called by every use
//! case that writes to a conversation or a task, whichever endpoint (the Gladly
//! API, the agent endpoints, the desktop) it came through. `docs/security.md`
//! states the same model in words.
//!
//! - A supervisor or an administrator may act on any work.
//! - An integration user (API_USER without AGENT, like Gladly's API users and bots)
//!   acts for the organization: it may act on any work. That keeps Gladly's
//!   integration flows working (a bot assigns an unassigned conversation to itself
//!   and replies).
//! - A person (a caller with AGENT and neither of the roles above) acts only on work
//!   in the inboxes they belong to. There they may annotate any conversation or
//!   task (notes, topics, comments), and answer, close or reassign only work that is
//!   theirs or nobody's. Handing their work on (to another inbox or agent, as the
//!   desktop's Transfer does) is theirs to do.
//!
//! Event feeds, exports and webhooks carry every customer's data out of Hearth:
//! they are for administrators and integration users only.

use hearth_domain::config::Role;
use hearth_domain::conversation::Conversation;
use hearth_domain::id::{AgentId, InboxId};
use hearth_domain::task::Task;

use super::credentials::Caller;
use crate::error::AppError;

/// What a write does to a piece of work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Touch {
    /// Adds to it without answering for it: a note, a topic, a task comment.
    Annotate,
    /// Answers or finishes it, or changes who holds it: a reply, a message, a
    /// close or reopen, an assignment, a task's status or due date.
    Handle,
}

/// Whether the caller answers only for their own inboxes and work.
fn restricted(caller: &Caller) -> bool {
    let agent = &caller.agent;
    agent.has_role(Role::Agent) && !agent.has_role(Role::Supervisor) && !agent.has_role(Role::Admin)
}

/// The check itself, on the work's inbox and holder.
fn may(
    caller: &Caller,
    what: &'static str,
    inbox: &InboxId,
    holder: Option<&AgentId>,
    touch: Touch,
) -> Result<(), AppError> {
    if !restricted(caller) {
        return Ok(());
    }
    if !caller.agent.inbox_ids.contains(inbox) {
        return Err(AppError::Forbidden(match what {
            "task" => "the task is in an inbox you are not a member of",
            _ => "the conversation is in an inbox you are not a member of",
        }));
    }
    match (touch, holder) {
        (Touch::Handle, Some(holder)) if *holder != caller.agent.id => {
            Err(AppError::Forbidden(match what {
                "task" => "the task is assigned to another agent; a supervisor can reassign it",
                _ => "the conversation is assigned to another agent; a supervisor can reassign it",
            }))
        }
        _ => Ok(()),
    }
}

/// Refuses a write to `conv` the caller may not make.
pub(crate) fn may_touch(
    caller: &Caller,
    conv: &Conversation,
    touch: Touch,
) -> Result<(), AppError> {
    may(
        caller,
        "conversation",
        &conv.inbox_id,
        conv.agent_id.as_ref(),
        touch,
    )
}

/// Refuses a write to `task` the caller may not make.
pub(crate) fn may_touch_task(caller: &Caller, task: &Task, touch: Touch) -> Result<(), AppError> {
    may(
        caller,
        "task",
        &task.assignee.inbox_id,
        task.assignee.agent_id.as_ref(),
        touch,
    )
}

/// Refuses a person writing in another agent's name (a task comment names its
/// author).
pub(crate) fn may_speak_for(caller: &Caller, agent_id: &str) -> Result<(), AppError> {
    if restricted(caller) && caller.agent.id.as_str() != agent_id {
        return Err(AppError::Forbidden(
            "you can write only in your own name (agentId must be yours)",
        ));
    }
    Ok(())
}

/// Refuses the organization-wide feeds (events, exports, webhooks) to anyone but
/// administrators and integration users.
pub(crate) fn may_read_everything(caller: &Caller) -> Result<(), AppError> {
    let agent = &caller.agent;
    if agent.has_role(Role::Admin)
        || (agent.has_role(Role::ApiUser) && !agent.has_role(Role::Agent))
    {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "event feeds, exports and webhooks are for administrators and integration users (API_USER without AGENT)",
        ))
    }
}
