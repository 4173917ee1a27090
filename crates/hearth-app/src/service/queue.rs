//! What supervisors see: the queue in routing order, every agent's load against
//! capacity, and why routing chose whom.

use std::collections::BTreeSet;

use hearth_domain::Timestamp;
use hearth_domain::channel::Group;
use hearth_domain::config::Role;
use hearth_routing::UnitId;

use super::credentials::Caller;
use crate::app::{App, read_tx};
use crate::codec;
use crate::error::AppError;
use crate::route::DecisionDoc;
use crate::unit_of_work::{load_conversation, load_routing_decisions};

/// How many of an inbox's conversations are due soon and overdue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueCount {
    pub inbox_id: String,
    pub due_soon: usize,
    pub overdue: usize,
}

/// One agent on the supervisor's board: availability, live load and capacity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentBoardLine {
    pub id: String,
    pub name: String,
    pub email: String,
    pub disabled: bool,
    pub available: BTreeSet<Group>,
    pub focus: bool,
    pub away: bool,
    /// Live calls and messaging sessions.
    pub voice_load: u32,
    pub messaging_load: u32,
    pub messaging_standard: u32,
    pub messaging_maximum: u32,
    /// Assigned conversations and tasks, live or not.
    pub assigned: usize,
    /// A pending offer.
    pub offered: bool,
}

/// One line of the supervisor queue, in routing order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueLine {
    pub kind: &'static str,
    pub id: String,
    pub customer_id: String,
    pub inbox_id: String,
    pub channel: Option<String>,
    pub group: Group,
    pub due_at: Option<Timestamp>,
    pub arrived_at: Timestamp,
    pub waiting_seconds: i64,
    pub offered_to: Option<String>,
}

impl App {
    /// Every routing decision about a conversation, oldest first.
    pub async fn routing_explanation(
        &self,
        caller: &Caller,
        conversation_id: &str,
    ) -> Result<Vec<DecisionDoc>, AppError> {
        caller.require(Role::Supervisor)?;
        read_tx!(self, |tx| {
            if tx.conversation(conversation_id).await?.is_none() {
                return Err(AppError::not_found("conversation", conversation_id));
            }
            load_routing_decisions(tx, conversation_id).await
        })
    }

    /// Per inbox, how many non-closed conversations are due soon (within the
    /// inbox's warning time) and overdue, every inbox listed.
    pub async fn due_counts(&self, caller: &Caller) -> Result<Vec<DueCount>, AppError> {
        caller.require(Role::Supervisor)?;
        read_tx!(self, |tx| {
            let now = self.now();
            let inboxes = crate::unit_of_work::load_inboxes(tx).await?;
            let furthest = inboxes
                .iter()
                .map(|i| i.warn_before)
                .max()
                .unwrap_or(hearth_domain::Duration::ZERO);
            let mut out: Vec<DueCount> = inboxes
                .iter()
                .map(|i| DueCount {
                    inbox_id: i.id.to_string(),
                    due_soon: 0,
                    overdue: 0,
                })
                .collect();
            for (inbox, due) in tx.due_before(codec::to_ms(now + furthest)).await? {
                let due = codec::from_ms(due);
                let Some(i) = inboxes.iter().position(|i| i.id.as_str() == inbox) else {
                    continue;
                };
                if due <= now {
                    out[i].overdue += 1;
                } else if due - inboxes[i].warn_before <= now {
                    out[i].due_soon += 1;
                }
            }
            Ok::<_, AppError>(out)
        })
    }

    /// Every agent with what routing knows of them, by name.
    pub async fn agent_board(&self, caller: &Caller) -> Result<Vec<AgentBoardLine>, AppError> {
        caller.require(Role::Supervisor)?;
        read_tx!(self, |tx| {
            self.routing_catch_up(tx).await?;
            let mut lines = Vec::new();
            for row in tx.resources(crate::unit_of_work::kind::AGENT).await? {
                let agent = codec::read::<crate::codec::AgentDoc>(&row.doc)?.to_domain()?;
                let line = self.with_engine(|e| {
                    let state = e.agents.get(&agent.id);
                    AgentBoardLine {
                        id: agent.id.to_string(),
                        name: agent.name.clone(),
                        email: agent.email.clone(),
                        disabled: agent.disabled,
                        available: state.map(|s| s.available.clone()).unwrap_or_default(),
                        focus: state.is_some_and(|s| s.focus),
                        away: state.is_some_and(|s| s.away),
                        voice_load: state.map_or(0, |s| s.load(Group::Voice)),
                        messaging_load: state.map_or(0, |s| s.load(Group::Messaging)),
                        messaging_standard: agent.messaging_capacity.standard,
                        messaging_maximum: agent.messaging_capacity.maximum,
                        assigned: state.map_or(0, |s| s.own.len()),
                        offered: state.is_some_and(|s| s.offer.is_some()),
                    }
                });
                lines.push(line);
            }
            lines.sort_by_key(|a| a.name.to_lowercase());
            Ok(lines)
        })
    }

    /// Routable work in routing order (tier, score, due date, arrival), optionally
    /// for one inbox and channel.
    pub async fn queue(
        &self,
        caller: &Caller,
        inbox: Option<&str>,
        channel: Option<hearth_domain::channel::Channel>,
        limit: usize,
    ) -> Result<Vec<QueueLine>, AppError> {
        caller.require(Role::Supervisor)?;
        read_tx!(self, |tx| {
            self.routing_catch_up(tx).await?;
            let units: Vec<(hearth_routing::Unit, Option<String>)> = self.with_engine(|e| {
                let mut all: Vec<&hearth_routing::Unit> = e
                    .units
                    .values()
                    .filter(|u| inbox.is_none_or(|i| u.inbox_id.as_str() == i))
                    .collect();
                all.sort_by_key(|u| hearth_routing::OrderKey::of(u));
                all.into_iter()
                    .map(|u| (u.clone(), e.offer_of(&u.id).map(|o| o.agent.to_string())))
                    .collect()
            });
            let now = self.now();
            let mut lines = Vec::new();
            for (unit, offered_to) in units {
                if lines.len() >= limit {
                    break;
                }
                let UnitId::Conversation(id) = &unit.id else {
                    continue;
                };
                let Some(conv) = load_conversation(tx, id.as_str()).await? else {
                    continue;
                };
                let pending = conv
                    .contacts
                    .iter()
                    .filter(|c| c.sla_pending())
                    .min_by_key(|c| (c.channel.group(), c.started_at));
                let contact_channel = pending.map(|c| c.channel);
                if channel.is_some() && contact_channel != channel {
                    continue;
                }
                lines.push(QueueLine {
                    kind: "CONVERSATION",
                    id: id.to_string(),
                    customer_id: conv.customer_id.to_string(),
                    inbox_id: unit.inbox_id.to_string(),
                    channel: contact_channel.map(|c| c.as_str().to_owned()),
                    group: unit.group,
                    due_at: unit.due_at,
                    arrived_at: unit.arrived_at,
                    waiting_seconds: (now - unit.arrived_at).whole_seconds().max(0),
                    offered_to,
                });
            }
            Ok(lines)
        })
    }
}
