//! Routing inside the application. The routing state is the replay of the routing
//! log (`routing_input`): every instance keeps an [`Engine`] in memory and, under
//! the routing lock that every write transaction takes first, catches up with the
//! log, appends its own input, and applies it. Replaying the same inputs with their
//! recorded instants and log positions gives the same state, so instances agree
//! without sharing memory.
//!
//! This module also translates between conversations and routing units, records
//! decision documents, and carries out decisions (assignments, offers).

use std::collections::BTreeSet;
use std::sync::Mutex;

use hearth_domain::Timestamp;
use hearth_domain::channel::Group;
use hearth_domain::config::{MessagingCapacity, Selection};
use hearth_domain::conversation::{
    AssignReason, Command, Context, Conversation, IdSource, Status, decide,
};
use hearth_domain::id::{AgentId, ConversationId, InboxId, TaskId};
use hearth_domain::item::{Initiator, InitiatorType};
use hearth_routing::{
    AgentConfig, Decision, Effect, Engine, InboxPolicy, Input, NextRefusal, NextSource, OfferId,
    Outcome, Unit, UnitId,
};
use serde::{Deserialize, Serialize};

use crate::codec::{AgentDoc, InboxDoc, fmt_ts, from_ms, to_ms};
use crate::error::AppError;
use crate::ports::{OfferRow, RoutingDecisionRow, StoreTx};
use crate::service::{App, kind, load_conversation_for_update, load_inbox, load_settings, persist};

/// Inputs read per catch-up page.
const CATCH_UP_PAGE: i64 = 500;

#[derive(Debug, Default)]
struct CacheState {
    engine: Engine,
    last_seq: i64,
    /// Inputs of an uncommitted transaction have been applied.
    tainted: bool,
}

/// When each agent's away timer was last armed for (R40), per instance.
#[derive(Debug, Default)]
pub(crate) struct AwayArming(Mutex<std::collections::BTreeMap<AgentId, Timestamp>>);

/// The in-memory routing state of this instance.
#[derive(Debug, Default)]
pub struct RoutingCache {
    state: Mutex<CacheState>,
    away: AwayArming,
}

impl RoutingCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, CacheState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Offer ids derived from the input's log position, so a replay makes the same ids.
struct SeqIds {
    seq: i64,
    n: u32,
}

impl IdSource for SeqIds {
    fn next_id(&mut self) -> String {
        self.n += 1;
        format!("r{}o{}", self.seq, self.n)
    }
}

// ---------------------------------------------------------------- codec

/// A routing input as stored in the routing log (`v` 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE")]
enum InputDto {
    #[serde(rename_all = "camelCase")]
    AgentConfigured {
        agent: String,
        inboxes: Vec<String>,
        standard: u32,
        maximum: u32,
        disabled: bool,
    },
    #[serde(rename_all = "camelCase")]
    InboxConfigured {
        inbox: String,
        selection: String,
        accept_decline: bool,
        offer_timeout_s: i64,
        next_message_delay_s: i64,
        after_call_work_s: i64,
    },
    #[serde(rename_all = "camelCase")]
    UnitRoutable {
        unit: String,
        inbox: String,
        group: String,
        score: i64,
        due_at: Option<i64>,
        arrived_at: i64,
        preferred_agent: Option<String>,
    },
    UnitWithdrawn {
        unit: String,
    },
    #[serde(rename_all = "camelCase")]
    AvailabilityChanged {
        agent: String,
        available: Vec<String>,
        focus: bool,
        away: bool,
    },
    #[serde(rename_all = "camelCase")]
    NextRequested {
        agent: String,
        source: String,
        override_after_call_work: bool,
    },
    OfferAccepted {
        offer: String,
    },
    OfferDeclined {
        offer: String,
    },
    OfferMissed {
        offer: String,
    },
    ContactEnded {
        agent: String,
        unit: String,
        group: String,
        inbox: String,
    },
    TimerFired {
        agent: String,
        group: String,
    },
    AssignedOutsideRouting {
        agent: String,
        unit: String,
        group: String,
        live: bool,
        at: i64,
    },
    #[serde(rename_all = "camelCase")]
    WorkUpdated {
        agent: String,
        unit: String,
        unseen_since: Option<i64>,
    },
    WorkReleased {
        agent: String,
        unit: String,
    },
}

#[derive(Debug, Serialize, Deserialize)]
struct Stored {
    v: u32,
    #[serde(flatten)]
    input: InputDto,
}

/// The text form of a unit id: `conversation:<id>` or `task:<id>`.
pub fn unit_key(unit: &UnitId) -> String {
    unit.to_string()
}

fn unit_of_key(raw: &str) -> Result<UnitId, AppError> {
    match raw.split_once(':') {
        Some(("conversation", id)) => Ok(UnitId::Conversation(ConversationId::from_trusted(id))),
        Some(("task", id)) => Ok(UnitId::Task(TaskId::from_trusted(id))),
        _ => Err(AppError::Internal(format!(
            "bad unit id in the routing log: {raw}"
        ))),
    }
}

fn group_of(raw: &str) -> Result<Group, AppError> {
    Group::parse(raw)
        .ok_or_else(|| AppError::Internal(format!("bad group in the routing log: {raw}")))
}

fn encode(input: &Input) -> Result<String, AppError> {
    let s = |x: &dyn ToString| x.to_string();
    let dto = match input {
        Input::AgentConfigured(c) => InputDto::AgentConfigured {
            agent: s(&c.id),
            inboxes: c.inbox_ids.iter().map(ToString::to_string).collect(),
            standard: c.capacity.standard,
            maximum: c.capacity.maximum,
            disabled: c.disabled,
        },
        Input::InboxConfigured { inbox, policy } => InputDto::InboxConfigured {
            inbox: s(inbox),
            selection: policy.selection.as_str().to_owned(),
            accept_decline: policy.accept_decline,
            offer_timeout_s: policy.offer_timeout.whole_seconds(),
            next_message_delay_s: policy.next_message_delay.whole_seconds(),
            after_call_work_s: policy.after_call_work.whole_seconds(),
        },
        Input::UnitRoutable(u) => InputDto::UnitRoutable {
            unit: unit_key(&u.id),
            inbox: s(&u.inbox_id),
            group: u.group.as_str().to_owned(),
            score: u.score,
            due_at: u.due_at.map(to_ms),
            arrived_at: to_ms(u.arrived_at),
            preferred_agent: u.preferred_agent.as_ref().map(ToString::to_string),
        },
        Input::UnitWithdrawn(u) => InputDto::UnitWithdrawn { unit: unit_key(u) },
        Input::AvailabilityChanged {
            agent,
            available,
            focus,
            away,
        } => InputDto::AvailabilityChanged {
            agent: s(agent),
            available: available.iter().map(|g| g.as_str().to_owned()).collect(),
            focus: *focus,
            away: *away,
        },
        Input::NextRequested {
            agent,
            source,
            override_after_call_work,
        } => InputDto::NextRequested {
            agent: s(agent),
            source: match source {
                NextSource::AvailabilityBar => "AVAILABILITY_BAR",
                NextSource::Profile => "PROFILE",
            }
            .to_owned(),
            override_after_call_work: *override_after_call_work,
        },
        Input::OfferAccepted { offer } => InputDto::OfferAccepted {
            offer: offer.0.clone(),
        },
        Input::OfferDeclined { offer } => InputDto::OfferDeclined {
            offer: offer.0.clone(),
        },
        Input::OfferMissed { offer } => InputDto::OfferMissed {
            offer: offer.0.clone(),
        },
        Input::ContactEnded {
            agent,
            unit,
            group,
            inbox,
        } => InputDto::ContactEnded {
            agent: s(agent),
            unit: unit_key(unit),
            group: group.as_str().to_owned(),
            inbox: s(inbox),
        },
        Input::TimerFired { agent, group } => InputDto::TimerFired {
            agent: s(agent),
            group: group.as_str().to_owned(),
        },
        Input::AssignedOutsideRouting {
            agent,
            unit,
            group,
            live,
            at,
        } => InputDto::AssignedOutsideRouting {
            agent: s(agent),
            unit: unit_key(unit),
            group: group.as_str().to_owned(),
            live: *live,
            at: to_ms(*at),
        },
        Input::WorkUpdated {
            agent,
            unit,
            unseen_since,
        } => InputDto::WorkUpdated {
            agent: s(agent),
            unit: unit_key(unit),
            unseen_since: unseen_since.map(to_ms),
        },
        Input::WorkReleased { agent, unit } => InputDto::WorkReleased {
            agent: s(agent),
            unit: unit_key(unit),
        },
    };
    Ok(serde_json::to_string(&Stored { v: 1, input: dto })?)
}

fn decode(raw: &str) -> Result<Input, AppError> {
    let stored: Stored = serde_json::from_str(raw)?;
    if stored.v != 1 {
        return Err(AppError::Internal(format!(
            "unknown routing input version {}",
            stored.v
        )));
    }
    let agent = |a: String| AgentId::from_trusted(a);
    Ok(match stored.input {
        InputDto::AgentConfigured {
            agent: a,
            inboxes,
            standard,
            maximum,
            disabled,
        } => Input::AgentConfigured(AgentConfig {
            id: agent(a),
            inbox_ids: inboxes.into_iter().map(InboxId::from_trusted).collect(),
            capacity: MessagingCapacity { standard, maximum },
            disabled,
        }),
        InputDto::InboxConfigured {
            inbox,
            selection,
            accept_decline,
            offer_timeout_s,
            next_message_delay_s,
            after_call_work_s,
        } => Input::InboxConfigured {
            inbox: InboxId::from_trusted(inbox),
            policy: InboxPolicy {
                selection: Selection::parse(&selection).unwrap_or(Selection::LongestIdle),
                accept_decline,
                offer_timeout: hearth_domain::Duration::seconds(offer_timeout_s),
                next_message_delay: hearth_domain::Duration::seconds(next_message_delay_s),
                after_call_work: hearth_domain::Duration::seconds(after_call_work_s),
            },
        },
        InputDto::UnitRoutable {
            unit,
            inbox,
            group,
            score,
            due_at,
            arrived_at,
            preferred_agent,
        } => Input::UnitRoutable(Unit {
            id: unit_of_key(&unit)?,
            inbox_id: InboxId::from_trusted(inbox),
            group: group_of(&group)?,
            score,
            due_at: due_at.map(from_ms),
            arrived_at: from_ms(arrived_at),
            preferred_agent: preferred_agent.map(agent),
        }),
        InputDto::UnitWithdrawn { unit } => Input::UnitWithdrawn(unit_of_key(&unit)?),
        InputDto::AvailabilityChanged {
            agent: a,
            available,
            focus,
            away,
        } => Input::AvailabilityChanged {
            agent: agent(a),
            available: available
                .iter()
                .map(|g| group_of(g))
                .collect::<Result<_, _>>()?,
            focus,
            away,
        },
        InputDto::NextRequested {
            agent: a,
            source,
            override_after_call_work,
        } => Input::NextRequested {
            agent: agent(a),
            source: if source == "AVAILABILITY_BAR" {
                NextSource::AvailabilityBar
            } else {
                NextSource::Profile
            },
            override_after_call_work,
        },
        InputDto::OfferAccepted { offer } => Input::OfferAccepted {
            offer: OfferId(offer),
        },
        InputDto::OfferDeclined { offer } => Input::OfferDeclined {
            offer: OfferId(offer),
        },
        InputDto::OfferMissed { offer } => Input::OfferMissed {
            offer: OfferId(offer),
        },
        InputDto::ContactEnded {
            agent: a,
            unit,
            group,
            inbox,
        } => Input::ContactEnded {
            agent: agent(a),
            unit: unit_of_key(&unit)?,
            group: group_of(&group)?,
            inbox: InboxId::from_trusted(inbox),
        },
        InputDto::TimerFired { agent: a, group } => Input::TimerFired {
            agent: agent(a),
            group: group_of(&group)?,
        },
        InputDto::AssignedOutsideRouting {
            agent: a,
            unit,
            group,
            live,
            at,
        } => Input::AssignedOutsideRouting {
            agent: agent(a),
            unit: unit_of_key(&unit)?,
            group: group_of(&group)?,
            live,
            at: from_ms(at),
        },
        InputDto::WorkUpdated {
            agent: a,
            unit,
            unseen_since,
        } => Input::WorkUpdated {
            agent: agent(a),
            unit: unit_of_key(&unit)?,
            unseen_since: unseen_since.map(from_ms),
        },
        InputDto::WorkReleased { agent: a, unit } => Input::WorkReleased {
            agent: agent(a),
            unit: unit_of_key(&unit)?,
        },
    })
}

/// A decision as `GET /conversations/{id}/routing` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DecisionDoc {
    pub id: String,
    pub at: String,
    pub input: String,
    pub outcome: String,
    pub rule: String,
    pub winner_agent_id: Option<String>,
    pub candidates: Vec<CandidateDoc>,
}

/// One candidate of a decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CandidateDoc {
    pub agent_id: String,
    pub eligible: bool,
    pub reasons: Vec<String>,
    pub score: i64,
}

/// An offer as `GET /offers` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfferDoc {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    pub contact_id: Option<String>,
    pub channel: Option<String>,
    pub offered_at: String,
    pub expires_at: String,
}

// ---------------------------------------------------------------- units

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
        score: 0,
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

/// An agent's routing configuration from its stored document.
fn agent_config(doc: &AgentDoc) -> Result<AgentConfig, AppError> {
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

impl App {
    /// Whether the away timer must be re-armed for `due` (it was armed for an
    /// earlier moment by more than a tenth of the window); records the new moment.
    pub(crate) fn away_rearm_needed(
        &self,
        agent: &AgentId,
        due: Timestamp,
        window: hearth_domain::Duration,
    ) -> bool {
        let mut armed = self
            .routing
            .away
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let stale = armed.get(agent).is_none_or(|at| due - *at >= window / 10);
        if stale {
            armed.insert(agent.clone(), due);
        }
        stale
    }

    /// Runs `f` on this instance's routing state as of its last catch-up with the log.
    pub fn with_engine<T>(&self, f: impl FnOnce(&Engine) -> T) -> T {
        f(&self.routing.lock().engine)
    }

    /// Called by `write_tx!` after each attempt: keeps what committed, forgets
    /// (and later rebuilds) what did not.
    pub(crate) fn routing_settle(&self, committed: bool) {
        let mut state = self.routing.lock();
        if state.tainted {
            if committed {
                state.tainted = false;
            } else {
                *state = CacheState::default();
            }
        }
    }

    /// Applies the committed routing inputs this instance has not seen yet.
    pub(crate) async fn routing_catch_up(&self, tx: &mut dyn StoreTx) -> Result<(), AppError> {
        loop {
            let last = self.routing.lock().last_seq;
            let page = tx.routing_inputs_after(last, CATCH_UP_PAGE).await?;
            if page.is_empty() {
                return Ok(());
            }
            let mut state = self.routing.lock();
            for (seq, at, raw) in page {
                if seq <= state.last_seq {
                    continue;
                }
                let input = decode(&raw)?;
                // Only accepted inputs are logged, so a replay is never refused.
                let _ = state
                    .engine
                    .handle(input, from_ms(at), &mut SeqIds { seq, n: 0 });
                state.last_seq = seq;
            }
        }
    }

    /// Makes sure routing knows the agents and inboxes an input mentions.
    async fn configuration_for(
        &self,
        tx: &mut dyn StoreTx,
        input: &Input,
    ) -> Result<Vec<Input>, AppError> {
        let mut out = Vec::new();
        let agent = match input {
            Input::AvailabilityChanged { agent, .. }
            | Input::NextRequested { agent, .. }
            | Input::ContactEnded { agent, .. }
            | Input::TimerFired { agent, .. }
            | Input::AssignedOutsideRouting { agent, .. }
            | Input::WorkUpdated { agent, .. }
            | Input::WorkReleased { agent, .. } => Some(agent.clone()),
            _ => None,
        };
        if let Some(agent) = agent
            && !self.with_engine(|e| e.agents.contains_key(&agent))
            && let Some(row) = tx.resource(kind::AGENT, agent.as_str()).await?
        {
            let doc: AgentDoc = serde_json::from_str(&row.doc)?;
            let config = agent_config(&doc)?;
            for inbox in &config.inbox_ids {
                out.extend(self.inbox_configuration(tx, inbox).await?);
            }
            out.push(Input::AgentConfigured(config));
        }
        if let Input::UnitRoutable(unit) = input {
            out.extend(self.inbox_configuration(tx, &unit.inbox_id).await?);
        }
        Ok(out)
    }

    async fn inbox_configuration(
        &self,
        tx: &mut dyn StoreTx,
        inbox: &InboxId,
    ) -> Result<Option<Input>, AppError> {
        if self.with_engine(|e| e.inboxes.contains_key(inbox)) {
            return Ok(None);
        }
        match tx.resource(kind::INBOX, inbox.as_str()).await? {
            Some(row) => {
                let doc: InboxDoc = serde_json::from_str(&row.doc)?;
                Ok(Some(Input::InboxConfigured {
                    inbox: inbox.clone(),
                    policy: inbox_policy(&doc)?,
                }))
            }
            None => Ok(None),
        }
    }

    /// Runs inputs through routing inside a write transaction (which holds the
    /// routing lock): logs each, applies it, records the decisions, and carries out
    /// assignments and offers. Returns the decisions.
    pub(crate) async fn route(
        &self,
        tx: &mut dyn StoreTx,
        inputs: Vec<Input>,
    ) -> Result<Vec<Decision>, AppError> {
        self.routing_catch_up(tx).await?;
        let now = self.now();
        let mut all = Vec::new();
        let mut queue: std::collections::VecDeque<Input> = inputs.into();
        while let Some(input) = queue.pop_front() {
            let config = self.configuration_for(tx, &input).await?;
            if !config.is_empty() {
                queue.push_front(input);
                for c in config.into_iter().rev() {
                    queue.push_front(c);
                }
                continue;
            }
            if let Input::NextRequested { agent, source, .. } = &input {
                self.with_engine(|e| e.check_next(agent, *source))
                    .map_err(next_refusal)?;
            }
            let offer_answered = match &input {
                Input::OfferAccepted { offer }
                | Input::OfferDeclined { offer }
                | Input::OfferMissed { offer } => Some(offer.clone()),
                _ => None,
            };
            let seq = tx
                .append_routing_input(to_ms(now), &encode(&input)?)
                .await?;
            let decisions = {
                let mut state = self.routing.lock();
                state.tainted = true;
                state.last_seq = seq;
                state
                    .engine
                    .handle(input, now, &mut SeqIds { seq, n: 0 })
                    .map_err(next_refusal)?
            };
            if let Some(offer) = offer_answered {
                tx.delete_offer(&offer.0).await?;
                tx.delete_timer(&crate::timers::offer_timer_id(&offer))
                    .await?;
            }
            for (index, d) in decisions.iter().enumerate() {
                self.record(tx, seq, index, now, d).await?;
                self.offer_event(tx, d, now).await?;
                self.carry_out(tx, d, now).await?;
            }
            all.extend(decisions);
        }
        Ok(all)
    }

    async fn record(
        &self,
        tx: &mut dyn StoreTx,
        seq: i64,
        index: usize,
        now: Timestamp,
        d: &Decision,
    ) -> Result<(), AppError> {
        let doc = DecisionDoc {
            // Sorts in decision order within one routing input.
            id: format!("r{seq}d{index:04}"),
            at: fmt_ts(now),
            input: d.input.to_owned(),
            outcome: d.outcome.as_str().to_owned(),
            rule: d.rule.to_owned(),
            winner_agent_id: d.winner.as_ref().map(ToString::to_string),
            candidates: d
                .candidates
                .iter()
                .map(|c| CandidateDoc {
                    agent_id: c.agent.to_string(),
                    eligible: c.eligible,
                    reasons: c.reasons.iter().map(|r| r.as_str().to_owned()).collect(),
                    score: c.score,
                })
                .collect(),
        };
        let unit_id = match &d.unit {
            Some(UnitId::Conversation(id)) => Some(id.to_string()),
            Some(other) => Some(unit_key(other)),
            None => None,
        };
        tx.insert_routing_decision(&RoutingDecisionRow {
            id: doc.id.clone(),
            seq,
            at: to_ms(now),
            unit_id,
            agent_id: doc.winner_agent_id.clone(),
            doc: serde_json::to_string(&doc)?,
        })
        .await?;
        Ok(())
    }

    /// Logs Gladly's `CONTACT/OFFERED`, `CONTACT/OFFER_ACCEPTED` and
    /// `CONTACT/OFFER_REJECTED` for offer decisions (the agent's stream shows them).
    async fn offer_event(
        &self,
        tx: &mut dyn StoreTx,
        d: &Decision,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let kind = match d.outcome {
            Outcome::Offered => "CONTACT/OFFERED",
            Outcome::OfferAccepted => "CONTACT/OFFER_ACCEPTED",
            Outcome::OfferDeclined | Outcome::OfferMissed => "CONTACT/OFFER_REJECTED",
            _ => return Ok(()),
        };
        let (Some(UnitId::Conversation(conv_id)), Some(agent)) = (&d.unit, &d.winner) else {
            return Ok(());
        };
        let conv = crate::service::load_conversation(tx, conv_id.as_str()).await?;
        let contact = conv
            .as_ref()
            .and_then(|c| c.contacts.iter().rev().find(|k| k.is_active()));
        let mut content = serde_json::json!({
            "agentId": agent.to_string(),
            "conversationId": conv_id.to_string(),
            "customerId": conv.as_ref().map(|c| c.customer_id.to_string()),
            "contactId": contact.map(|k| k.id.to_string()),
            "channel": contact.map(|k| k.channel.contact_event_name()),
        });
        if d.outcome == Outcome::Offered {
            content["matchReasons"] = serde_json::json!([]);
        }
        if matches!(d.outcome, Outcome::OfferDeclined | Outcome::OfferMissed) {
            content["reason"] = serde_json::json!(if d.outcome == Outcome::OfferDeclined {
                "DECLINED"
            } else {
                "MISSED"
            });
        }
        let offer_id = d.effects.iter().find_map(|e| match e {
            Effect::Offer(o) => Some(o.id.0.clone()),
            _ => None,
        });
        if let Some(id) = offer_id {
            content["offerId"] = serde_json::json!(id);
        }
        tx.append_events(&[crate::ports::EventRow {
            id: crate::clock::new_id(),
            at: to_ms(now),
            event_type: kind.to_owned(),
            aggregate_type: "routing".to_owned(),
            aggregate_id: conv_id.to_string(),
            initiator_type: Some("SYSTEM".to_owned()),
            initiator_id: Some("routing".to_owned()),
            payload: serde_json::json!({ "v": 1, "content": content }).to_string(),
        }])
        .await?;
        Ok(())
    }

    async fn carry_out(
        &self,
        tx: &mut dyn StoreTx,
        d: &Decision,
        now: Timestamp,
    ) -> Result<(), AppError> {
        for effect in &d.effects {
            match effect {
                Effect::Assign {
                    unit: UnitId::Conversation(id),
                    agent,
                } => {
                    let Some(conv) = load_conversation_for_update(tx, id.as_str()).await? else {
                        continue;
                    };
                    let initiator = Initiator {
                        kind: InitiatorType::System,
                        id: Some("routing".into()),
                    };
                    let ringing = conv
                        .contacts
                        .iter()
                        .find(|c| {
                            c.channel == hearth_domain::channel::Channel::PhoneCall
                                && c.is_active()
                                && !c.answered
                        })
                        .map(|c| c.id.clone());
                    let command = match (d.outcome, ringing) {
                        (Outcome::OfferAccepted, Some(contact_id)) => Command::AnswerCall {
                            contact_id,
                            agent_id: agent.clone(),
                        },
                        (outcome, _) => Command::Assign {
                            initiator,
                            inbox_id: conv.inbox_id.clone(),
                            agent_id: Some(agent.clone()),
                            reason: if outcome == Outcome::OfferAccepted {
                                AssignReason::ContactOffered
                            } else {
                                AssignReason::AutomatedAssignment
                            },
                            inbox_sla: hearth_domain::Duration::ZERO,
                        },
                    };
                    let settings = load_settings(tx).await?;
                    let inbox = load_inbox(tx, conv.inbox_id.as_str())
                        .await?
                        .ok_or_else(|| AppError::Internal("inbox missing".into()))?;
                    let mut ids = crate::clock::FreshIds;
                    let mut ctx = Context {
                        now,
                        settings: &settings,
                        routing: &inbox.routing,
                        ids: &mut ids,
                    };
                    let events = decide(&conv, command, settings.require_topic, &mut ctx)?;
                    persist(tx, Some(&conv), &events).await?;
                }
                Effect::Offer(offer) => {
                    let (conversation_id, task_id, contact_id, channel) = match &offer.unit {
                        UnitId::Conversation(id) => {
                            let conv = load_conversation_for_update(tx, id.as_str()).await?;
                            let contact = conv.as_ref().and_then(|c| {
                                c.contacts
                                    .iter()
                                    .find(|k| k.sla_pending() && k.channel.group() == offer.group)
                            });
                            (
                                Some(id.to_string()),
                                None,
                                contact.map(|k| k.id.to_string()),
                                contact.map(|k| k.channel.as_str().to_owned()),
                            )
                        }
                        UnitId::Task(id) => (None, Some(id.to_string()), None, None),
                    };
                    let doc = OfferDoc {
                        id: offer.id.0.clone(),
                        kind: if task_id.is_some() {
                            "TASK"
                        } else {
                            "CONVERSATION"
                        }
                        .to_owned(),
                        conversation_id,
                        task_id,
                        contact_id,
                        channel,
                        offered_at: fmt_ts(offer.offered_at),
                        expires_at: fmt_ts(offer.expires_at),
                    };
                    tx.put_offer(&OfferRow {
                        id: offer.id.0.clone(),
                        agent_id: offer.agent.to_string(),
                        unit_id: unit_key(&offer.unit),
                        doc: serde_json::to_string(&doc)?,
                        expires_at: to_ms(offer.expires_at),
                    })
                    .await?;
                }
                Effect::OfferWithdrawn { offer, .. } => {
                    tx.delete_offer(&offer.0).await?;
                    tx.delete_timer(&crate::timers::offer_timer_id(offer))
                        .await?;
                }
                Effect::Timer { agent, group, at } => {
                    tx.put_timer(&crate::timers::delay_timer(agent, *group, *at))
                        .await?
                }
                Effect::OfferTimer { offer, at } => {
                    tx.put_timer(&crate::timers::offer_timer(offer, *at))
                        .await?
                }
                Effect::Assign {
                    unit: UnitId::Task(id),
                    agent,
                } => {
                    let Some(row) = tx.task_for_update(id.as_str()).await? else {
                        continue;
                    };
                    let before = crate::service::tasks::task_of_row(&row)?;
                    let mut after = before.clone();
                    after.assignee.agent_id = Some(agent.clone());
                    let initiator = Initiator {
                        kind: InitiatorType::System,
                        id: Some("routing".into()),
                    };
                    let content = serde_json::json!({
                        "customerId": after.customer_id.to_string(),
                        "taskId": after.id.to_string(),
                        "assignee": { "inboxId": after.assignee.inbox_id.to_string(), "agentId": agent.to_string() },
                        "context": { "assignee": { "inboxId": before.assignee.inbox_id.to_string() } },
                    });
                    // Routing already counts this assignment: store it without new inputs.
                    self.store_task_change(
                        tx,
                        &before,
                        row.version,
                        &after,
                        vec![("TASK/ASSIGNEE_UPDATED", content)],
                        &initiator,
                    )
                    .await?;
                }
                // Next's hand-over changes nothing.
                Effect::Handed { .. } => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_input_survives_the_routing_log() {
        let at = crate::codec::parse_ts("2030-01-01T00:00:00.000Z")
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        let agent = AgentId::from_trusted("a1");
        let unit = UnitId::Conversation(ConversationId::from_trusted("c1"));
        let inputs = vec![
            Input::AgentConfigured(AgentConfig {
                id: agent.clone(),
                inbox_ids: [InboxId::from_trusted("i1")].into_iter().collect(),
                capacity: MessagingCapacity {
                    standard: 2,
                    maximum: 3,
                },
                disabled: false,
            }),
            Input::InboxConfigured {
                inbox: InboxId::from_trusted("i1"),
                policy: InboxPolicy::default(),
            },
            Input::UnitRoutable(Unit {
                id: unit.clone(),
                inbox_id: InboxId::from_trusted("i1"),
                group: Group::Mail,
                score: 3,
                due_at: Some(at),
                arrived_at: at,
                preferred_agent: Some(agent.clone()),
            }),
            Input::UnitWithdrawn(UnitId::Task(TaskId::from_trusted("t1"))),
            Input::AvailabilityChanged {
                agent: agent.clone(),
                available: [Group::Voice, Group::Task].into_iter().collect(),
                focus: true,
                away: false,
            },
            Input::NextRequested {
                agent: agent.clone(),
                source: NextSource::AvailabilityBar,
                override_after_call_work: true,
            },
            Input::OfferAccepted {
                offer: OfferId("o1".into()),
            },
            Input::OfferDeclined {
                offer: OfferId("o2".into()),
            },
            Input::OfferMissed {
                offer: OfferId("o3".into()),
            },
            Input::ContactEnded {
                agent: agent.clone(),
                unit: unit.clone(),
                group: Group::Voice,
                inbox: InboxId::from_trusted("i1"),
            },
            Input::TimerFired {
                agent: agent.clone(),
                group: Group::Messaging,
            },
            Input::AssignedOutsideRouting {
                agent: agent.clone(),
                unit: unit.clone(),
                group: Group::Messaging,
                live: true,
                at,
            },
            Input::WorkUpdated {
                agent: agent.clone(),
                unit: unit.clone(),
                unseen_since: Some(at),
            },
            Input::WorkReleased { agent, unit },
        ];
        for input in inputs {
            let raw = encode(&input).map_err(|e| e.to_string());
            let back = raw
                .as_deref()
                .map_err(Clone::clone)
                .and_then(|r| decode(r).map_err(|e| e.to_string()));
            assert_eq!(back, Ok(input));
        }
    }
}
