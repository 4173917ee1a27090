//! Translation between Hearth's aggregates and the routing engine's vocabulary: the
//! unit a conversation or task is (R17, R57), what routing must learn from a change
//! made outside it, agents' and inboxes' routing configuration, and a refused Next
//! as a domain refusal.

use std::collections::BTreeSet;

use hearth_domain::Timestamp;
use hearth_domain::channel::Group;
use hearth_domain::conversation::{Conversation, Status};
use hearth_domain::id::InboxId;
use hearth_domain::task::{Task, TaskStatus};
use hearth_routing::{AgentConfig, InboxPolicy, Input, NextRefusal, Unit, UnitId};

use crate::codec::{AgentDoc, InboxDoc};
use crate::error::AppError;
use crate::ports::StoreTx;
use crate::unit_of_work::kind;

/// The routable unit a conversation is, if any (R17).
pub fn unit_of(conv: &Conversation) -> Option<Unit> {
    if !conv.is_routable() {
        return None;
    }
    let group = conv.routing_group()?;
    let arrived = conv
        .contacts
        .iter()
        .filter(|c| c.sla_pending())
        .map(|c| c.started_at)
        .min()?;
    Some(Unit {
        id: UnitId::Conversation(conv.id.clone()),
        inbox_id: conv.inbox_id.clone(),
        group,
        score: conv.priority_boost,
        due_at: conv.due_at(),
        arrived_at: arrived,
        preferred_agent: None,
    })
}

/// The group whose capacity a conversation's live contacts hold, if any.
fn live_group(conv: &Conversation) -> Option<Group> {
    conv.contacts
        .iter()
        .filter(|c| c.is_active() && c.channel.group() != Group::Mail)
        .map(|c| c.channel.group())
        .min()
}

/// What routing must learn from a conversation change made outside routing.
pub fn inputs_for_change(
    before: Option<&Conversation>,
    after: &Conversation,
    now: Timestamp,
    customer_update: bool,
) -> Vec<Input> {
    let mut inputs = Vec::new();
    let id = UnitId::Conversation(after.id.clone());
    let was = before.and_then(unit_of);
    let is = unit_of(after);
    match (&was, &is) {
        (_, Some(unit)) if was.as_ref() != Some(unit) => {
            inputs.push(Input::UnitRoutable(unit.clone()))
        }
        (Some(_), None) => inputs.push(Input::UnitWithdrawn(id.clone())),
        _ => {}
    }
    let holder = |c: &Conversation| {
        if c.status == Status::Closed {
            None
        } else {
            c.agent_id.clone()
        }
    };
    let old_agent = before.and_then(holder);
    let new_agent = holder(after);
    // A live contact that ended while its agent held the conversation frees capacity.
    if let (Some(agent), Some(b)) = (&old_agent, before)
        && let Some(group) = live_group(b)
        && live_group(after) != Some(group)
    {
        inputs.push(Input::ContactEnded {
            agent: agent.clone(),
            unit: id.clone(),
            group,
            inbox: b.inbox_id.clone(),
        });
    }
    if old_agent != new_agent {
        if let Some(agent) = old_agent {
            inputs.push(Input::WorkReleased {
                agent,
                unit: id.clone(),
            });
        }
        if let Some(agent) = new_agent {
            let group = live_group(after)
                .or_else(|| after.current_contact().map(|c| c.channel.group()))
                .unwrap_or(Group::Mail);
            inputs.push(Input::AssignedOutsideRouting {
                agent,
                unit: id,
                group,
                live: live_group(after).is_some(),
                at: now,
            });
        }
    } else if let Some(agent) = new_agent
        && customer_update
    {
        inputs.push(Input::WorkUpdated {
            agent,
            unit: id,
            unseen_since: Some(now),
        });
    }
    inputs
}

/// The routable unit a task is, if any.
pub fn task_unit(t: &Task) -> Option<Unit> {
    (t.status == TaskStatus::Open && t.assignee.agent_id.is_none()).then(|| Unit {
        id: UnitId::Task(t.id.clone()),
        inbox_id: t.assignee.inbox_id.clone(),
        group: Group::Task,
        score: 0,
        due_at: Some(t.due_at),
        arrived_at: t.created_at,
        preferred_agent: None,
    })
}

/// What routing must learn from a task change.
pub fn inputs_for_task_change(
    before: Option<&Task>,
    after: &Task,
    now: Timestamp,
    update_for_assignee: bool,
) -> Vec<Input> {
    let mut inputs = Vec::new();
    let id = UnitId::Task(after.id.clone());
    let was = before.and_then(task_unit);
    match (&was, task_unit(after)) {
        (_, Some(unit)) if was.as_ref() != Some(&unit) => inputs.push(Input::UnitRoutable(unit)),
        (Some(_), None) => inputs.push(Input::UnitWithdrawn(id.clone())),
        _ => {}
    }
    let holder = |t: &Task| {
        if t.status == TaskStatus::Closed {
            None
        } else {
            t.assignee.agent_id.clone()
        }
    };
    let (old, new) = (before.and_then(holder), holder(after));
    if old != new {
        if let Some(agent) = old {
            inputs.push(Input::WorkReleased {
                agent,
                unit: id.clone(),
            });
        }
        if let Some(agent) = new {
            inputs.push(Input::AssignedOutsideRouting {
                agent,
                unit: id,
                group: Group::Task,
                live: false,
                at: now,
            });
        }
    } else if let Some(agent) = new
        && update_for_assignee
    {
        inputs.push(Input::WorkUpdated {
            agent,
            unit: id,
            unseen_since: Some(now),
        });
    }
    inputs
}

/// An agent's routing configuration from its stored document.
pub(crate) fn agent_config(doc: &AgentDoc) -> Result<AgentConfig, AppError> {
    let agent = doc.to_domain()?;
    Ok(AgentConfig {
        id: agent.id,
        inbox_ids: agent.inbox_ids.into_iter().collect::<BTreeSet<_>>(),
        capacity: agent.messaging_capacity,
        disabled: agent.disabled,
    })
}

/// The routing configuration of one agent.
pub fn agent_input(agent: &hearth_domain::config::Agent) -> Input {
    Input::AgentConfigured(AgentConfig {
        id: agent.id.clone(),
        inbox_ids: agent.inbox_ids.iter().cloned().collect(),
        capacity: agent.messaging_capacity,
        disabled: agent.disabled,
    })
}

/// The routing configuration of every inbox and agent in the store.
pub(crate) async fn configuration_inputs(tx: &mut dyn StoreTx) -> Result<Vec<Input>, AppError> {
    let mut inputs = Vec::new();
    for row in tx.resources(kind::INBOX).await? {
        let doc: InboxDoc = serde_json::from_str(&row.doc)?;
        inputs.push(Input::InboxConfigured {
            inbox: InboxId::from_trusted(&doc.id),
            policy: inbox_policy(&doc)?,
        });
    }
    for row in tx.resources(kind::AGENT).await? {
        let doc: AgentDoc = serde_json::from_str(&row.doc)?;
        inputs.push(Input::AgentConfigured(agent_config(&doc)?));
    }
    Ok(inputs)
}

/// An inbox's routing policy.
pub fn inbox_policy(doc: &InboxDoc) -> Result<InboxPolicy, AppError> {
    let inbox = doc.to_domain()?;
    Ok(InboxPolicy {
        selection: inbox.routing.selection,
        accept_decline: inbox.routing.accept_decline,
        offer_timeout: inbox.routing.offer_timeout,
        next_message_delay: inbox.routing.next_message_delay,
        after_call_work: inbox.routing.after_call_work,
    })
}

/// The refusal of a Next request as a domain refusal.
pub fn next_refusal(r: NextRefusal) -> AppError {
    match r {
        NextRefusal::FocusMode => hearth_domain::DomainError::FocusMode.into(),
        NextRefusal::NotAvailable => hearth_domain::DomainError::NotAvailable.into(),
        NextRefusal::UnknownAgent => AppError::Forbidden("the agent is not known to routing"),
    }
}
