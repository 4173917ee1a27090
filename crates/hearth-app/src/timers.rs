//! Persisted timers and what they trigger: offer timeouts (a missed offer), routing
//! delays (next-message delay, after-call work), and the same-agent limit of a
//! contact (T8, T9). Timers live in the database, so they survive restarts and any
//! instance can fire them; a timer's id names its purpose, so re-arming replaces it.
//!
//! The binary's scheduler calls [`App::fire_due_timers`] when the earliest timer is
//! due ([`App::next_timer_due`]), at least once a second.

use hearth_domain::Timestamp;
use hearth_domain::channel::Group;
use hearth_domain::conversation::{Command, Conversation};
use hearth_domain::id::{AgentId, ContactId};
use hearth_routing::{Input, OfferId};
use serde::{Deserialize, Serialize};

use crate::codec::{from_ms, to_ms};
use crate::error::AppError;
use crate::ports::{StoreTx, TimerRow};
use crate::service::{App, load_conversation_for_update, load_inbox, read_tx, write_tx};

/// An offer that nobody answered in time becomes a missed offer.
const OFFER_EXPIRY: &str = "OFFER_EXPIRY";
/// A routing pause of an agent ended.
const ROUTING_DELAY: &str = "ROUTING_DELAY";
/// A contact's same-agent time limit ran out.
const SAME_AGENT_LIMIT: &str = "SAME_AGENT_LIMIT";
/// An agent has been idle for the organization's time until away (R40).
const AWAY: &str = "AWAY";

/// Timers fired per transaction.
const BATCH: i64 = 50;

#[derive(Debug, Serialize, Deserialize)]
struct DelayPayload {
    agent: String,
    group: String,
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

pub(crate) fn delay_timer(agent: &AgentId, group: Group, at: Timestamp) -> TimerRow {
    let payload =
        serde_json::json!({ "agent": agent.to_string(), "group": group.as_str() }).to_string();
    TimerRow {
        id: format!("delay:{agent}:{}", group.as_str()),
        due_at: to_ms(at),
        kind: ROUTING_DELAY.into(),
        payload,
    }
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

impl App {
    /// When the earliest timer is due.
    pub async fn next_timer_due(&self) -> Result<Option<Timestamp>, AppError> {
        read_tx!(self, |tx| Ok::<_, AppError>(
            tx.next_timer_due().await?.map(from_ms)
        ))
    }

    /// Fires the timers that are due; returns how many fired.
    pub async fn fire_due_timers(&self) -> Result<usize, AppError> {
        write_tx!(self, |tx| {
            let now = self.now();
            let due = tx.due_timers(to_ms(now), BATCH).await?;
            for timer in &due {
                tx.delete_timer(&timer.id).await?;
                self.fire(tx, timer, now).await?;
            }
            Ok::<_, AppError>(due.len())
        })
    }

    async fn fire(
        &self,
        tx: &mut dyn StoreTx,
        timer: &TimerRow,
        now: Timestamp,
    ) -> Result<(), AppError> {
        match timer.kind.as_str() {
            OFFER_EXPIRY => {
                self.route(
                    tx,
                    vec![Input::OfferMissed {
                        offer: OfferId(timer.payload.clone()),
                    }],
                )
                .await?;
            }
            ROUTING_DELAY => {
                let p: DelayPayload = serde_json::from_str(&timer.payload)?;
                let group = Group::parse(&p.group)
                    .ok_or_else(|| AppError::Internal(format!("bad timer group {}", p.group)))?;
                self.route(
                    tx,
                    vec![Input::TimerFired {
                        agent: AgentId::from_trusted(p.agent),
                        group,
                    }],
                )
                .await?;
            }
            SAME_AGENT_LIMIT => {
                let Some(conv) = load_conversation_for_update(tx, &timer.payload).await? else {
                    return Ok(());
                };
                let contact_id = ContactId::from_trusted(timer.id.trim_start_matches("contact:"));
                let limit = load_inbox(tx, conv.inbox_id.as_str())
                    .await?
                    .map(|i| i.routing.same_agent_limit);
                let due = conv
                    .contact(&contact_id)
                    .zip(limit)
                    .and_then(|(c, l)| c.same_agent_limit_due(l));
                match due {
                    Some(at) if at <= now => {
                        crate::service::conversations::run(
                            self,
                            tx,
                            &conv,
                            vec![Command::SameAgentLimitElapsed { contact_id }],
                        )
                        .await?;
                    }
                    Some(at) => {
                        // Re-armed meanwhile (the customer wrote again): wait for the new moment.
                        tx.put_timer(&TimerRow {
                            due_at: to_ms(at),
                            ..timer.clone()
                        })
                        .await?;
                    }
                    None => {}
                }
            }
            AWAY => {
                let agent = AgentId::from_trusted(timer.payload.clone());
                let settings = crate::service::load_settings(tx).await?;
                if settings.time_until_away.is_zero() {
                    return Ok(());
                }
                self.routing_catch_up(tx).await?;
                let current = self.with_engine(|e| {
                    e.agents
                        .get(&agent)
                        .map(|a| (a.available.clone(), a.focus, a.away))
                });
                if let Some((available, focus, false)) = current
                    && !available.is_empty()
                {
                    self.go_away(tx, &agent, available, focus).await?;
                }
            }
            other => tracing::warn!(kind = other, id = %timer.id, "unknown timer kind; dropped"),
        }
        Ok(())
    }
}
