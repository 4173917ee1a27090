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
