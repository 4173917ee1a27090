//! Hearth's agent endpoints: who am I, availability, Next, My Customers, the
//! finishing actions, offers, and the routing explanation.

use std::collections::BTreeSet;

use hearth_domain::DomainError;
use hearth_domain::Timestamp;
use hearth_domain::actions::{Action, ActionMenu, Viewer, commands_for, menu};
use hearth_domain::channel::Group;
use hearth_domain::config::Role;
use hearth_domain::conversation::{Conversation, Status};
use hearth_domain::id::{AgentId, ConversationId};
use hearth_domain::item::{Initiator, InitiatorType};
use hearth_routing::{Decision, Effect, Input, NextSource, OfferId, UnitId};

use super::auth::Caller;
use crate::app::{App, read_tx, write_tx};
use crate::codec;
use crate::error::AppError;
use crate::pipeline::Change;
use crate::ports::{EventRow, StoreTx};
use crate::route::{DecisionDoc, OfferDoc};
use crate::unit_of_work::resolve_assignee;
use crate::unit_of_work::{load_conversation, load_conversation_for_update, load_settings};

/// `{availableFor, focus, away}`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Availability {
    pub available: BTreeSet<Group>,
    pub focus: bool,
    pub away: bool,
}

/// `{type, id, customerId}` of the work Next hands out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextWork {
    pub kind: &'static str,
    pub id: String,
    pub customer_id: String,
}

/// One line of My Customers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MyCustomer {
    pub kind: &'static str,
    pub id: String,
    pub customer_id: String,
    pub inbox_id: String,
    pub channel: Option<&'static str>,
    pub status: &'static str,
    pub due_at: Option<Timestamp>,
    pub unseen: bool,
    pub last_activity_at: Timestamp,
}

/// The result of a finishing action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionResult {
    pub conversation: Conversation,
    pub next: Option<NextWork>,
}

fn agent_only(caller: &Caller) -> Result<AgentId, AppError> {
    caller.require(Role::Agent)?;
    Ok(caller.agent.id.clone())
}

/// Refuses to act on a conversation that changed since the caller saw `seen`.
fn unchanged_since(conv: &Conversation, seen: Option<u64>) -> Result<(), AppError> {
    match seen {
        Some(v) if v != conv.version => Err(AppError::VersionOutdated),
        _ => Ok(()),
    }
}

/// The last moment something happened on a conversation.
fn last_activity(c: &Conversation) -> Timestamp {
    c.contacts
        .iter()
        .flat_map(|k| {
            [
                Some(k.started_at),
                k.last_agent_message_at,
                k.ended.map(|e| e.at),
            ]
        })
        .flatten()
        .chain([c.created_at])
        .chain(c.closed_at)
        .max()
        .unwrap_or(c.created_at)
}

impl App {
    /// Routing's view of an agent after catching up with the log.
    async fn engine_agent<T>(
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
        read_tx!(self, |tx| self
            .engine_agent(tx, &agent, |a| a
                .map(|a| Availability {
                    available: a.available.clone(),
                    focus: a.focus,
                    away: a.away
                })
                .unwrap_or_default())
            .await)
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
        let at = self.now();
        let groups: Vec<&str> = now.available.iter().map(|g| g.as_str()).collect();
        let mut events = Vec::new();
        if was_available != now.available {
            events.push(("AGENT_AVAILABILITY/UPDATED", serde_json::json!({ "agentId": agent.to_string(), "availableFor": groups, "occurredAt": codec::fmt_ts(at) })));
        }
        if was_focus != now.focus {
            let kind = if now.focus {
                "AGENT_AVAILABILITY/FOCUS_ENTERED"
            } else {
                "AGENT_AVAILABILITY/FOCUS_EXITED"
            };
            events.push((kind, serde_json::json!({ "agentId": agent.to_string(), "context": { "availableFor": groups } })));
        }
        if was_away != now.away {
            let kind = if now.away {
                "AGENT_STATUS/WENT_AWAY"
            } else {
                "AGENT_STATUS/RETURNED_FROM_AWAY"
            };
            events.push((kind, serde_json::json!({ "agentId": agent.to_string(), "occurredAt": codec::fmt_ts(at) })));
        }
        let rows: Vec<EventRow> = events
            .into_iter()
            .map(|(kind, content)| EventRow {
                id: crate::clock::new_id(),
                at: codec::to_ms(at),
                event_type: kind.to_owned(),
                aggregate_type: "agent".to_owned(),
                aggregate_id: agent.to_string(),
                initiator_type: Some("AGENT".to_owned()),
                initiator_id: Some(agent.to_string()),
                payload: serde_json::json!({ "v": codec::PAYLOAD_VERSION, "content": content })
                    .to_string(),
            })
            .collect();
        tx.append_events(&rows).await?;
        Ok(())
    }

    /// What a batch of decisions handed the agent through Next.
    async fn next_work(
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

    /// My Customers: the agent's non-closed conversations, oldest activity first.
    pub async fn my_customers(&self, caller: &Caller) -> Result<Vec<MyCustomer>, AppError> {
        let agent = agent_only(caller)?;
        read_tx!(self, |tx| {
            let own: Vec<(UnitId, bool)> = self
                .engine_agent(tx, &agent, |a| {
                    a.map(|a| {
                        a.own
                            .iter()
                            .map(|(u, w)| (u.clone(), w.unseen_since.is_some()))
                            .collect()
                    })
                    .unwrap_or_default()
                })
                .await?;
            let mut lines = Vec::new();
            for (unit, unseen) in own {
                match unit {
                    UnitId::Conversation(id) => {
                        if let Some(conv) = load_conversation(tx, id.as_str()).await?
                            && conv.status != Status::Closed
                            && conv.agent_id.as_ref() == Some(&agent)
                        {
                            lines.push(MyCustomer {
                                kind: "CONVERSATION",
                                id: conv.id.to_string(),
                                customer_id: conv.customer_id.to_string(),
                                inbox_id: conv.inbox_id.to_string(),
                                channel: conv.current_contact().map(|k| k.channel.as_str()),
                                status: conv.status.as_str(),
                                due_at: conv.due_at(),
                                unseen,
                                last_activity_at: last_activity(&conv),
                            });
                        }
                    }
                    UnitId::Task(id) => {
                        if let Some(row) = tx.task(id.as_str()).await?
                            && let Ok(task) = crate::unit_of_work::task_of_row(&row)
                            && task.status == hearth_domain::task::TaskStatus::Open
                            && task.assignee.agent_id.as_ref() == Some(&agent)
                        {
                            let last = task
                                .comments
                                .iter()
                                .map(|c| c.created_at)
                                .max()
                                .unwrap_or(task.created_at);
                            lines.push(MyCustomer {
                                kind: "TASK",
                                id: task.id.to_string(),
                                customer_id: task.customer_id.to_string(),
                                inbox_id: task.assignee.inbox_id.to_string(),
                                channel: None,
                                status: task.status.as_str(),
                                due_at: Some(task.due_at),
                                unseen,
                                last_activity_at: last,
                            });
                        }
                    }
                }
            }
            lines.sort_by(|a, b| (a.last_activity_at, &a.id).cmp(&(b.last_activity_at, &b.id)));
            Ok(lines)
        })
    }

    /// Viewing a conversation clears its unseen mark for its assignee.
    pub async fn mark_seen(&self, caller: &Caller, conversation_id: &str) -> Result<(), AppError> {
        self.mark_unit_seen(
            caller,
            UnitId::Conversation(ConversationId::from_trusted(conversation_id)),
        )
        .await
    }

    /// Clears the unseen mark of a conversation or task of the caller.
    pub(crate) async fn mark_unit_seen(
        &self,
        caller: &Caller,
        unit: UnitId,
    ) -> Result<(), AppError> {
        let agent = caller.agent.id.clone();
        let unseen = read_tx!(self, |tx| self
            .engine_agent(tx, &agent, |a| a
                .and_then(|a| a.own.get(&unit))
                .is_some_and(|w| w.unseen_since.is_some()))
            .await)?;
        if !unseen {
            return Ok(());
        }
        write_tx!(self, |tx| self
            .route(
                tx,
                vec![Input::WorkUpdated {
                    agent: agent.clone(),
                    unit: unit.clone(),
                    unseen_since: None
                }]
            )
            .await
            .map(|_| ()))
    }

    async fn viewer(
        &self,
        tx: &mut dyn StoreTx,
        caller: &Caller,
        conv: &Conversation,
    ) -> Result<Viewer, AppError> {
        let focus = self
            .engine_agent(tx, &caller.agent.id, |a| a.is_some_and(|a| a.focus))
            .await?;
        let settings = load_settings(tx).await?;
        Ok(Viewer {
            focus,
            require_topic: settings.require_topic,
            is_assignee: conv.agent_id.as_ref() == Some(&caller.agent.id),
        })
    }

    /// The action menu of a conversation for the calling agent.
    pub async fn actions(
        &self,
        caller: &Caller,
        conversation_id: &str,
    ) -> Result<ActionMenu, AppError> {
        agent_only(caller)?;
        read_tx!(self, |tx| {
            let conv = load_conversation(tx, conversation_id)
                .await?
                .ok_or_else(|| AppError::not_found("conversation", conversation_id))?;
            let viewer = self.viewer(tx, caller, &conv).await?;
            Ok(menu(&conv, viewer))
        })
    }

    /// Takes a finishing action (Close & Next, Next, Close, End & Close, End, No
    /// Reply Needed); every refusal leaves everything unchanged. With `seen`, the
    /// version the caller looked at, a conversation changed since is refused with
    /// `VersionOutdated`.
    pub async fn act(
        &self,
        caller: &Caller,
        conversation_id: &str,
        action: Action,
        confirm_no_reply: bool,
        seen: Option<u64>,
    ) -> Result<ActionResult, AppError> {
        let agent = agent_only(caller)?;
        write_tx!(self, |tx| {
            let conv = load_conversation_for_update(tx, conversation_id)
                .await?
                .ok_or_else(|| AppError::not_found("conversation", conversation_id))?;
            unchanged_since(&conv, seen)?;
            let viewer = self.viewer(tx, caller, &conv).await?;
            let initiator = Initiator::new(InitiatorType::Agent, agent.as_str());
            let commands = commands_for(&conv, viewer, action, confirm_no_reply, initiator)?;
            let after = if commands.is_empty() {
                conv.clone()
            } else {
                self.run(tx, &conv, commands).await?
            };
            let next = if action.requests_next() {
                let decisions = self
                    .route(
                        tx,
                        vec![Input::NextRequested {
                            agent: agent.clone(),
                            source: NextSource::Profile,
                            override_after_call_work: true,
                        }],
                    )
                    .await?;
                self.next_work(tx, &decisions, &agent).await?
            } else {
                None
            };
            Ok::<_, AppError>(ActionResult {
                conversation: after,
                next,
            })
        })
    }

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
            let rows = tx.routing_decisions(conversation_id).await?;
            rows.iter()
                .map(|r| serde_json::from_str::<DecisionDoc>(&r.doc).map_err(AppError::from))
                .collect()
        })
    }

    /// The agent's pending offers.
    pub async fn offers(&self, caller: &Caller) -> Result<Vec<OfferDoc>, AppError> {
        let agent = agent_only(caller)?;
        read_tx!(self, |tx| {
            let rows = tx.offers_for_agent(agent.as_str()).await?;
            rows.iter()
                .map(|r| serde_json::from_str::<OfferDoc>(&r.doc).map_err(AppError::from))
                .collect()
        })
    }

    /// Accepts or declines one of the agent's offers; accepting returns the
    /// conversation now assigned to the agent.
    pub async fn answer_offer(
        &self,
        caller: &Caller,
        offer_id: &str,
        accept: bool,
    ) -> Result<Option<Conversation>, AppError> {
        let agent = agent_only(caller)?;
        write_tx!(self, |tx| {
            let mine = tx
                .offers_for_agent(agent.as_str())
                .await?
                .into_iter()
                .find(|o| o.id == offer_id);
            let Some(row) = mine else {
                return Err(AppError::not_found("offer", offer_id));
            };
            let offer = OfferId(row.id.clone());
            let input = if accept {
                Input::OfferAccepted { offer }
            } else {
                Input::OfferDeclined { offer }
            };
            self.route(tx, vec![input]).await?;
            if !accept {
                return Ok(None);
            }
            let doc: OfferDoc = serde_json::from_str(&row.doc)?;
            match doc.conversation_id {
                Some(id) => Ok(load_conversation(tx, &id).await?),
                None => Ok(None),
            }
        })
    }
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

impl App {
    /// Every agent with what routing knows of them, by name.
    pub async fn agent_board(&self, caller: &Caller) -> Result<Vec<AgentBoardLine>, AppError> {
        caller.require(Role::Supervisor)?;
        read_tx!(self, |tx| {
            self.routing_catch_up(tx).await?;
            let mut lines = Vec::new();
            for row in tx.resources(crate::unit_of_work::kind::AGENT).await? {
                let agent =
                    serde_json::from_str::<crate::codec::AgentDoc>(&row.doc)?.to_domain()?;
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

    /// R54: an agent reopens a closed conversation for an outbound (REOPEN) or
    /// starts a new one for the customer (CREATE_NEW); either way it is the agent's,
    /// OPEN, and not routable until something is sent.
    pub async fn reopen(
        &self,
        caller: &Caller,
        conversation_id: &str,
        create_new: bool,
        seen: Option<u64>,
    ) -> Result<Conversation, AppError> {
        let agent = agent_only(caller)?;
        write_tx!(self, |tx| {
            let conv = load_conversation_for_update(tx, conversation_id)
                .await?
                .ok_or_else(|| AppError::not_found("conversation", conversation_id))?;
            unchanged_since(&conv, seen)?;
            let latest = match tx.latest_conversation(conv.customer_id.as_str()).await? {
                Some(row) => Some(crate::unit_of_work::conversation_of_row(&row)?),
                None => None,
            };
            hearth_domain::conversation::check_reopen(&conv, latest.as_ref())?;
            let initiator = Initiator::new(InitiatorType::Agent, agent.as_str());
            if !create_new {
                return self
                    .run(
                        tx,
                        &conv,
                        vec![hearth_domain::conversation::Command::Reopen {
                            initiator,
                            agent_id: Some(agent.clone()),
                        }],
                    )
                    .await;
            }
            let (created, _) = self
                .decide_and_commit(tx, None, &conv.inbox_id, Change::Internal, |ctx| {
                    hearth_domain::conversation::decide_create_for_outbound(
                        ConversationId::from_trusted(crate::clock::new_id()),
                        conv.customer_id.clone(),
                        conv.inbox_id.clone(),
                        agent.clone(),
                        latest.as_ref(),
                        ctx,
                    )
                })
                .await?;
            Ok(created)
        })
    }

    /// T18: moves a non-closed conversation to another inbox, to one of its agents
    /// or to its queue; the due date follows the new inbox's SLA (R50).
    pub async fn transfer(
        &self,
        caller: &Caller,
        conversation_id: &str,
        inbox_id: &str,
        agent_id: Option<&str>,
        seen: Option<u64>,
    ) -> Result<Conversation, AppError> {
        agent_only(caller)?;
        write_tx!(self, |tx| {
            let conv = load_conversation_for_update(tx, conversation_id)
                .await?
                .ok_or_else(|| AppError::not_found("conversation", conversation_id))?;
            unchanged_since(&conv, seen)?;
            let is_assignee = conv.agent_id.as_ref() == Some(&caller.agent.id);
            if !is_assignee && !caller.agent.has_role(Role::Supervisor) {
                return Err(DomainError::NotAssignee.into());
            }
            let (inbox, agent) = resolve_assignee(tx, "", inbox_id, agent_id).await?;
            let command = hearth_domain::conversation::Command::Assign {
                initiator: Initiator::new(InitiatorType::Agent, caller.agent.id.as_str()),
                inbox_id: inbox.id.clone(),
                agent_id: agent.map(|a| a.id),
                reason: hearth_domain::conversation::AssignReason::Manual,
                inbox_sla: inbox.sla,
            };
            self.run(tx, &conv, vec![command]).await
        })
    }
}
