//! Timer rows: what a timer is called, when it is due, and what it carries. Timers
//! live in the database, so they survive restarts and any instance can fire them; a
//! timer's id names its purpose, so re-arming replaces it. This module arms them (the
//! pipeline's timers step, routing's offer and delay effects, automatic Away);
//! `service::timers` fires them.

use hearth_domain::Timestamp;
use hearth_domain::channel::Group;
use hearth_domain::conversation::Conversation;
use hearth_domain::id::{AgentId, ContactId};
use hearth_routing::OfferId;
use serde::{Deserialize, Serialize};

use crate::codec::to_ms;
use crate::error::AppError;
use crate::ports::{StoreTx, TimerRow};
use crate::unit_of_work::load_inbox;

/// An offer that nobody answered in time becomes a missed offer.
pub(crate) const OFFER_EXPIRY: &str = "OFFER_EXPIRY";
/// A routing pause of an agent ended.
pub(crate) const ROUTING_DELAY: &str = "ROUTING_DELAY";
/// A contact's same-agent time limit ran out.
pub(crate) const SAME_AGENT_LIMIT: &str = "SAME_AGENT_LIMIT";
/// An agent has been idle for the organization's time until away (R40).
pub(crate) const AWAY: &str = "AWAY";

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct DelayPayload {
    pub(crate) agent: String,
    pub(crate) group: String,
}

pub(crate) fn offer_timer_id(offer: &OfferId) -> String {
    format!("offer:{}", offer.0)
}

pub(crate) fn offer_timer(offer: &OfferId, at: Timestamp) -> TimerRow {
    TimerRow {
        id: offer_timer_id(offer),
        due_at: to_ms(at),
        kind: OFFER_EXPIRY.into(),
        payload: offer.0.clone(),
    }
}

pub(crate) fn delay_timer(
    agent: &AgentId,
    group: Group,
    at: Timestamp,
) -> Result<TimerRow, AppError> {
    let payload = serde_json::to_string(&DelayPayload {
        agent: agent.to_string(),
        group: group.as_str().to_owned(),
    })?;
    Ok(TimerRow {
        id: format!("delay:{agent}:{}", group.as_str()),
        due_at: to_ms(at),
        kind: ROUTING_DELAY.into(),
        payload,
    })
}

fn contact_timer_id(contact: &ContactId) -> String {
    format!("contact:{contact}")
}

/// Re-arms the same-agent limit of every contact whose due moment changed.
pub(crate) async fn schedule_contact_timers(
    tx: &mut dyn StoreTx,
    before: Option<&Conversation>,
    after: &Conversation,
) -> Result<(), AppError> {
    let Some(inbox) = load_inbox(tx, after.inbox_id.as_str()).await? else {
        return Ok(());
    };
    let before_inbox = match before {
        Some(b) if b.inbox_id != after.inbox_id => load_inbox(tx, b.inbox_id.as_str()).await?,
        _ => Some(inbox.clone()),
    };
    let limit = inbox.routing.same_agent_limit;
    for contact in &after.contacts {
        let due = contact.same_agent_limit_due(limit);
        let was = before
            .and_then(|b| b.contact(&contact.id))
            .zip(before_inbox.as_ref())
            .and_then(|(c, i)| c.same_agent_limit_due(i.routing.same_agent_limit));
        if due == was {
            continue;
        }
        match due {
            Some(at) => {
                tx.put_timer(&TimerRow {
                    id: contact_timer_id(&contact.id),
                    due_at: to_ms(at),
                    kind: SAME_AGENT_LIMIT.into(),
                    payload: after.id.to_string(),
                })
                .await?
            }
            None => tx.delete_timer(&contact_timer_id(&contact.id)).await?,
        }
    }
    Ok(())
}

/// The away timer of an agent.
pub(crate) fn away_timer(agent: &AgentId, at: Timestamp) -> TimerRow {
    TimerRow {
        id: format!("away:{agent}"),
        due_at: to_ms(at),
        kind: AWAY.into(),
        payload: agent.to_string(),
    }
}

/// A conversation's due-date moments (warning, breach, due-date rules) came.
pub(crate) const DUE_DATE: &str = "DUE_DATE";

pub(crate) fn due_timer_id(conversation: &str) -> String {
    format!("due:{conversation}")
}

/// One moment of a due date: its key (`DUE_SOON`, `OVERDUE`, `rule:<id>`) and when
/// it comes.
pub(crate) type Moment = (String, Timestamp);

/// Each rule's moment `due + offsetSeconds`, with `more`, in time order.
fn in_order(due: Timestamp, rule_offsets: &[(String, i64)], mut more: Vec<Moment>) -> Vec<Moment> {
    more.extend(rule_offsets.iter().map(|(rule, offset)| {
        (
            format!("rule:{rule}"),
            due + hearth_domain::Duration::seconds(*offset),
        )
    }));
    more.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    more
}

/// The moments of a conversation's due date in time order: the warning (unless
/// the inbox warns never), the breach, and each CONVERSATION_DUE rule's.
pub(crate) fn moments(
    due: Timestamp,
    warn_before: hearth_domain::Duration,
    rule_offsets: &[(String, i64)],
) -> Vec<Moment> {
    let mut own = vec![("OVERDUE".to_owned(), due)];
    if let Some(soon) = hearth_domain::config::due_soon_at(due, warn_before) {
        own.push(("DUE_SOON".to_owned(), soon));
    }
    in_order(due, rule_offsets, own)
}

/// The moments of a task's due date: each TASK_DUE rule's, in time order.
pub(crate) fn task_moments(due: Timestamp, rule_offsets: &[(String, i64)]) -> Vec<Moment> {
    in_order(due, rule_offsets, Vec::new())
}

/// The enabled CONVERSATION_DUE rules, as `(id, offsetSeconds)`.
pub(crate) async fn due_rule_offsets(tx: &mut dyn StoreTx) -> Result<Vec<(String, i64)>, AppError> {
    rule_offsets(tx, hearth_domain::rules::TriggerKind::ConversationDue).await
}

/// The enabled rules of a due-date trigger, as `(id, offsetSeconds)`.
pub(crate) async fn rule_offsets(
    tx: &mut dyn StoreTx,
    trigger: hearth_domain::rules::TriggerKind,
) -> Result<Vec<(String, i64)>, AppError> {
    let mut out = Vec::new();
    for row in tx.resources(crate::unit_of_work::kind::RULE).await? {
        let doc: crate::codec::RuleDoc = crate::codec::read(&row.doc)?;
        if doc.enabled && doc.trigger == trigger.as_str() {
            out.push((doc.id, doc.offset_seconds.unwrap_or(0)));
        }
    }
    Ok(out)
}

/// Arms the due-date timer `id` for the first of `moments` not yet passed, or
/// clears it when none is left. `passed` says which have (the timer that just
/// fired knows); `None` keeps what the stored timer remembers for the same due
/// date, and forgets it for another.
async fn arm(
    tx: &mut dyn StoreTx,
    id: String,
    kind: &str,
    due: Timestamp,
    moments: Vec<Moment>,
    passed: Option<Vec<String>>,
) -> Result<(), AppError> {
    let passed = match passed {
        Some(passed) => passed,
        None => match tx.timer(&id).await? {
            Some(row) => {
                let kept: crate::codec::DueTimerDoc = crate::codec::read(&row.payload)?;
                if kept.due == to_ms(due) {
                    kept.passed
                } else {
                    Vec::new()
                }
            }
            None => Vec::new(),
        },
    };
    match moments.into_iter().find(|(key, _)| !passed.contains(key)) {
        Some((_, at)) => {
            tx.put_timer(&TimerRow {
                id,
                due_at: to_ms(at),
                kind: kind.into(),
                payload: crate::codec::write(&crate::codec::DueTimerDoc {
                    due: to_ms(due),
                    passed,
                })?,
            })
            .await?
        }
        None => tx.delete_timer(&id).await?,
    }
    Ok(())
}

/// Arms (or clears) the due-date timer of `after`: it counts to the conversation's
/// due date while one is pending on an OPEN conversation (never WAITING or CLOSED,
/// R51, R67). A due date that did not change keeps the moments already passed.
pub(crate) async fn schedule_due_timer(
    tx: &mut dyn StoreTx,
    after: &Conversation,
) -> Result<(), AppError> {
    let offsets = due_rule_offsets(tx).await?;
    schedule_due_timer_with(tx, after, &offsets, None).await
}

/// After the moments up to now of `due` fired (`passed`): the timer counts on to
/// the next one, or afresh if the conversation's due date moved meanwhile.
pub(crate) async fn resume_due_timer(
    tx: &mut dyn StoreTx,
    conv: &Conversation,
    due: Timestamp,
    passed: Vec<String>,
) -> Result<(), AppError> {
    let offsets = due_rule_offsets(tx).await?;
    let passed = (conv.due_at() == Some(due)).then_some(passed);
    schedule_due_timer_with(tx, conv, &offsets, passed).await
}

/// Re-arms the due-date timer of every conversation with a pending due date (the
/// due-date rules changed); one page of conversations at a time.
pub(crate) async fn rearm_due_timers(tx: &mut dyn StoreTx) -> Result<(), AppError> {
    let offsets = due_rule_offsets(tx).await?;
    let mut after = String::new();
    loop {
        let page = tx.conversations_with_due(&after, 500).await?;
        let Some(last) = page.last() else {
            return Ok(());
        };
        after = last.id.clone();
        for row in &page {
            let conv = crate::unit_of_work::conversation_of_row(row)?;
            schedule_due_timer_with(tx, &conv, &offsets, None).await?;
        }
    }
}

async fn schedule_due_timer_with(
    tx: &mut dyn StoreTx,
    after: &Conversation,
    offsets: &[(String, i64)],
    passed: Option<Vec<String>>,
) -> Result<(), AppError> {
    let id = due_timer_id(after.id.as_str());
    let due = match after.due_at() {
        Some(due) if after.status == hearth_domain::conversation::Status::Open => due,
        _ => return Ok(tx.delete_timer(&id).await?),
    };
    let Some(inbox) = load_inbox(tx, after.inbox_id.as_str()).await? else {
        return Ok(tx.delete_timer(&id).await?);
    };
    let moments = moments(due, inbox.warn_before, offsets);
    arm(tx, id, DUE_DATE, due, moments, passed).await
}

/// A task's TASK_DUE rules came due.
pub(crate) const TASK_DUE: &str = "TASK_DUE";

pub(crate) fn task_due_timer_id(task: &str) -> String {
    format!("task-due:{task}")
}

/// Arms (or clears) an open task's TASK_DUE timer; `passed` as for [`arm`]: a due
/// date that did not change keeps the rules already run.
pub(crate) async fn schedule_task_due_timer(
    tx: &mut dyn StoreTx,
    task: &hearth_domain::task::Task,
    offsets: &[(String, i64)],
    passed: Option<Vec<String>>,
) -> Result<(), AppError> {
    let id = task_due_timer_id(task.id.as_str());
    if task.status != hearth_domain::task::TaskStatus::Open || offsets.is_empty() {
        return Ok(tx.delete_timer(&id).await?);
    }
    let moments = task_moments(task.due_at, offsets);
    arm(tx, id, TASK_DUE, task.due_at, moments, passed).await
}

/// Re-arms the TASK_DUE timer of every open task (the TASK_DUE rules changed).
pub(crate) async fn rearm_task_timers(tx: &mut dyn StoreTx) -> Result<(), AppError> {
    let offsets = rule_offsets(tx, hearth_domain::rules::TriggerKind::TaskDue).await?;
    let mut after = String::new();
    loop {
        let page = tx
            .tasks_page(&after, hearth_domain::task::TaskStatus::Open.as_str(), 500)
            .await?;
        let Some(last) = page.last() else {
            return Ok(());
        };
        after = last.id.clone();
        for row in &page {
            let task = crate::unit_of_work::task_of_row(row)?;
            schedule_task_due_timer(tx, &task, &offsets, None).await?;
        }
    }
}
