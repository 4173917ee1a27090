//! An agent's availability per channel group (R38), Focus, automatic Away (R40),
//! and Next (R25): what an agent may be handed, and asking for it.

use std::collections::BTreeSet;

use hearth_domain::DomainError;
use hearth_domain::channel::Group;
use hearth_domain::config::Role;
use hearth_domain::id::AgentId;
use hearth_routing::{Decision, Effect, Input, NextSource, UnitId};

use super::credentials::{Caller, agent_only};
use crate::app::{App, read_tx, write_tx};
use crate::codec::{self, AvailabilityUpdated, AvailableFor, AwayChanged, FocusChanged};
use crate::error::AppError;
use crate::ports::{EventRow, StoreTx};
use crate::unit_of_work::load_conversation;

/// `{availableFor, focus, away}`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Availability {
    pub available: BTreeSet<Group>,
    pub focus: bool,
    pub away: bool,
    /// Why the agent is away, as they gave it ("Lunch"); `None` when they did
    /// not say, or went away by being idle (R40).
    pub away_reason: Option<String>,
}

/// Where an agent's reason for Away is kept (one resource per agent).
const AWAY_REASON: &str = "away_reason";

/// `{type, id, customerId}` of the work Next hands out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextWork {
    pub kind: &'static str,
    pub id: String,
    pub customer_id: String,
}

impl App {
    /// Routing's view of an agent after catching up with the log.
    pub(super) async fn engine_agent<T>(
        &self,
        tx: &mut dyn StoreTx,
        agent: &AgentId,
        f: impl FnOnce(Option<&hearth_routing::AgentState>) -> T,
    ) -> Result<T, AppError> {
        self.routing_catch_up(tx).await?;
        Ok(self.with_engine(|e| f(e.agents.get(agent))))
    }

    /// The agent's availability (unavailable everywhere until set).
    pub async fn availability(&self, caller: &Caller) -> Result<Availability, AppError> {
        let agent = agent_only(caller)?;
        read_tx!(self, |tx| {
            let mut now = self
                .engine_agent(tx, &agent, |a| {
                    a.map(|a| Availability {
                        available: a.available.clone(),
                        focus: a.focus,
                        away: a.away,
                        away_reason: None,
                    })
                    .unwrap_or_default()
                })
                .await?;
            if now.away {
                now.away_reason = tx
                    .resource(AWAY_REASON, agent.as_str())
                    .await?
                    .map(|row| row.doc);
            }
            Ok::<_, AppError>(now)
        })
    }

    /// The reasons an agent may give for going Away, as the organization set them.
    pub async fn away_reasons(&self) -> Result<Vec<String>, AppError> {
        read_tx!(self, |tx| {
            match tx
                .resource(
                    crate::unit_of_work::kind::SETTINGS,
                    crate::unit_of_work::SETTINGS_ID,
                )
                .await?
            {
                Some(row) => {
                    Ok::<_, AppError>(codec::read::<codec::SettingsDoc>(&row.doc)?.away_reasons)
                }
                None => Ok(codec::default_away_reasons()),
            }
        })
    }

    /// Replaces the agent's availability and pushes what it now may take (R27-R29).
    pub async fn set_availability(
        &self,
        caller: &Caller,
        wanted: Availability,
    ) -> Result<Availability, AppError> {
        let agent = agent_only(caller)?;
        if wanted.focus && wanted.available.is_empty() {
            return Err(DomainError::invalid(
                "focus",
                "Focus needs availability in at least one channel group",
            )
            .into());
        }
        write_tx!(self, |tx| {
            let before = self
                .engine_agent(tx, &agent, |a| {
                    a.map(|a| (a.available.clone(), a.focus, a.away))
                })
                .await?;
            self.route(
                tx,
                vec![Input::AvailabilityChanged {
                    agent: agent.clone(),
                    available: wanted.available.clone(),
                    focus: wanted.focus,
                    away: wanted.away,
                }],
            )
            .await?;
            self.log_availability(tx, &agent, before, &wanted).await?;
            match (&wanted.away, &wanted.away_reason) {
                (true, Some(reason)) => {
                    let at = codec::to_ms(self.now());
                    tx.put_resource(&crate::ports::ResourceRow {
                        kind: AWAY_REASON.to_owned(),
                        id: agent.to_string(),
                        unique_key: None,
                        doc: reason.clone(),
                        created_at: at,
                        updated_at: at,
                        version: 1,
                    })
                    .await?;
                }
                (true, None) => {}
                (false, _) => tx.delete_resource(AWAY_REASON, agent.as_str()).await?,
            }
            Ok::<_, AppError>(wanted.clone())
        })
    }

    /// R40: an idle agent goes Away; routing stops, availability is kept.
    pub(crate) async fn go_away(
        &self,
        tx: &mut dyn StoreTx,
        agent: &AgentId,
        available: BTreeSet<Group>,
        focus: bool,
    ) -> Result<(), AppError> {
        let before = Some((available.clone(), focus, false));
        let now = Availability {
            available: available.clone(),
            focus,
            away: true,
            away_reason: None,
        };
        self.route(
            tx,
            vec![Input::AvailabilityChanged {
                agent: agent.clone(),
                available,
                focus,
                away: true,
            }],
        )
        .await?;
        self.log_availability(tx, agent, before, &now).await
    }

    /// Notes that the agent is active: re-arms its away timer (R40) when the
    /// organization sets a time until away. The timer is written at most once per
    /// tenth of that time, so requests stay reads.
    pub async fn touch(&self, caller: &Caller) -> Result<(), AppError> {
        if !caller.agent.has_role(Role::Agent) {
            return Ok(());
        }
        let window = self.settings().await?.time_until_away;
        if window.is_zero() {
            return Ok(());
        }
        let due = self.now() + window;
        if !self
            .routing
            .away_rearm_needed(&caller.agent.id, due, window)
        {
            return Ok(());
        }
        let agent = caller.agent.id.clone();
        write_tx!(self, |tx| {
            tx.put_timer(&crate::schedule::away_timer(&agent, due))
                .await?;
            Ok::<_, AppError>(())
        })
    }

    async fn log_availability(
        &self,
        tx: &mut dyn StoreTx,
        agent: &AgentId,
        before: Option<(BTreeSet<Group>, bool, bool)>,
        now: &Availability,
    ) -> Result<(), AppError> {
        let (was_available, was_focus, was_away) = before.unwrap_or_default();
        // R67: going Away or Offline sets off the AGENT_STATUS_CHANGED rules on the
        // agent's assigned conversations.
        if (now.away && !was_away) || (now.available.is_empty() && !was_available.is_empty()) {
            self.automate_agent_status(tx, agent).await?;
        }
        let at = self.now();
        let groups: Vec<&str> = now.available.iter().map(|g| g.as_str()).collect();
        let mut events = Vec::new();
        if was_available != now.available {
            let content = AvailabilityUpdated::of(agent, &groups, at);
            events.push((
                "AGENT_AVAILABILITY/UPDATED",
                codec::content_payload(&content)?,
            ));
        }
        if was_focus != now.focus {
            let kind = if now.focus {
                "AGENT_AVAILABILITY/FOCUS_ENTERED"
            } else {
                "AGENT_AVAILABILITY/FOCUS_EXITED"
            };
            let content = FocusChanged {
                agent_id: agent.to_string(),
                context: AvailableFor {
                    available_for: groups.iter().map(|g| (*g).to_owned()).collect(),
                },
            };
            events.push((kind, codec::content_payload(&content)?));
        }
        if was_away != now.away {
            let kind = if now.away {
                "AGENT_STATUS/WENT_AWAY"
            } else {
                "AGENT_STATUS/RETURNED_FROM_AWAY"
            };
            let content = AwayChanged {
                agent_id: agent.to_string(),
                occurred_at: codec::fmt_ts(at),
            };
            events.push((kind, codec::content_payload(&content)?));
        }
        let rows: Vec<EventRow> = events
            .into_iter()
            .map(|(kind, payload)| EventRow {
                id: crate::clock::new_id(),
                at: codec::to_ms(at),
                event_type: kind.to_owned(),
                aggregate_type: "agent".to_owned(),
                aggregate_id: agent.to_string(),
                initiator_type: Some("AGENT".to_owned()),
                initiator_id: Some(agent.to_string()),
                payload,
            })
            .collect();
        tx.append_events(&rows).await?;
        Ok(())
    }

    /// What a batch of decisions handed the agent through Next.
    pub(super) async fn next_work(
        &self,
        tx: &mut dyn StoreTx,
        decisions: &[Decision],
        agent: &AgentId,
    ) -> Result<Option<NextWork>, AppError> {
        let unit = decisions
            .iter()
            .filter(|d| d.input == "NEXT_REQUESTED" && d.rule.starts_with("NEXT_"))
            .flat_map(|d| &d.effects)
            .find_map(|e| match e {
                Effect::Handed { unit, agent: a } | Effect::Assign { unit, agent: a }
                    if a == agent =>
                {
                    Some(unit.clone())
                }
                Effect::Offer(o) if &o.agent == agent => Some(o.unit.clone()),
                _ => None,
            });
        match unit {
            Some(UnitId::Conversation(id)) => {
                let conv = load_conversation(tx, id.as_str())
                    .await?
                    .ok_or_else(|| AppError::not_found("conversation", id.as_str()))?;
                Ok(Some(NextWork {
                    kind: "CONVERSATION",
                    id: id.to_string(),
                    customer_id: conv.customer_id.to_string(),
                }))
            }
            Some(UnitId::Task(id)) => {
                let row = tx
                    .task(id.as_str())
                    .await?
                    .ok_or_else(|| AppError::not_found("task", id.as_str()))?;
                Ok(Some(NextWork {
                    kind: "TASK",
                    id: id.to_string(),
                    customer_id: row.customer_id,
                }))
            }
            None => Ok(None),
        }
    }

    /// Next (R25): own work with the oldest unseen update, else the best routable
    /// unit, else nothing (and nothing changes). Next and Close & Next override
    /// after-call work (R46).
    pub async fn next(
        &self,
        caller: &Caller,
        source: NextSource,
    ) -> Result<Option<NextWork>, AppError> {
        let agent = agent_only(caller)?;
        write_tx!(self, |tx| {
            let decisions = self
                .route(
                    tx,
                    vec![Input::NextRequested {
                        agent: agent.clone(),
                        source,
                        override_after_call_work: true,
                    }],
                )
                .await?;
            self.next_work(tx, &decisions, &agent).await
        })
    }
}
