//! A small routing world with a manual clock and readable ids.

use std::collections::BTreeSet;

use hearth_domain::config::{MessagingCapacity, Selection};
use hearth_domain::conversation::IdSource;
use hearth_domain::id::{AgentId, ConversationId, InboxId, TaskId};
use hearth_domain::{Duration, Timestamp};
use hearth_routing::*;
use time::macros::datetime;

#[derive(Debug, Default, Clone)]
pub struct Counter(pub u64);

impl IdSource for Counter {
    fn next_id(&mut self) -> String {
        self.0 += 1;
        format!("offer{}", self.0)
    }
}

pub struct World {
    pub engine: Engine,
    pub now: Timestamp,
    pub ids: Counter,
    pub log: Vec<Decision>,
}

pub fn agent(id: &str) -> AgentId {
    AgentId::from_trusted(id)
}

pub fn inbox(id: &str) -> InboxId {
    InboxId::from_trusted(id)
}

pub fn conv(id: &str) -> UnitId {
    UnitId::Conversation(ConversationId::from_trusted(id))
}

pub fn task(id: &str) -> UnitId {
    UnitId::Task(TaskId::from_trusted(id))
}

pub fn groups(list: &[Group]) -> BTreeSet<Group> {
    list.iter().copied().collect()
}

pub const ALL: [Group; 4] = [Group::Voice, Group::Messaging, Group::Mail, Group::Task];

impl World {
    pub fn new() -> World {
        World {
            engine: Engine::new(),
            now: datetime!(2030-01-01 09:00 UTC),
            ids: Counter::default(),
            log: Vec::new(),
        }
    }

    pub fn policy(&mut self, inbox_id: &str, f: impl FnOnce(&mut InboxPolicy)) {
        let mut p = InboxPolicy {
            selection: Selection::LongestIdle,
            ..InboxPolicy::default()
        };
        f(&mut p);
        self.handle(Input::InboxConfigured {
            inbox: inbox(inbox_id),
            policy: p,
        });
    }

    pub fn handle(&mut self, input: Input) -> Vec<Decision> {
        let out = self
            .engine
            .handle(input, self.now, &mut self.ids)
            .expect("input accepted");
        self.log.extend(out.clone());
        out
    }

    pub fn try_handle(&mut self, input: Input) -> Result<Vec<Decision>, NextRefusal> {
        let out = self.engine.handle(input, self.now, &mut self.ids)?;
        self.log.extend(out.clone());
        Ok(out)
    }

    pub fn advance(&mut self, seconds: i64) {
        self.now += Duration::seconds(seconds);
    }

    pub fn add_agent(&mut self, id: &str, inboxes: &[&str], standard: u32, maximum: u32) {
        self.handle(Input::AgentConfigured(AgentConfig {
            id: agent(id),
            inbox_ids: inboxes.iter().map(|i| inbox(i)).collect(),
            capacity: MessagingCapacity::new(standard, maximum).expect("capacity"),
            disabled: false,
        }));
    }

    pub fn available(&mut self, id: &str, list: &[Group]) -> Vec<Decision> {
        self.handle(Input::AvailabilityChanged {
            agent: agent(id),
            available: groups(list),
            focus: false,
            away: false,
        })
    }

    pub fn unit(
        &mut self,
        id: UnitId,
        inbox_id: &str,
        group: Group,
        due_in_minutes: Option<i64>,
    ) -> Vec<Decision> {
        let unit = Unit {
            id,
            inbox_id: inbox(inbox_id),
            group,
            score: 0,
            due_at: due_in_minutes.map(|m| self.now + Duration::minutes(m)),
            arrived_at: self.now,
            preferred_agent: None,
        };
        self.handle(Input::UnitRoutable(unit))
    }

    pub fn next(&mut self, id: &str) -> Result<Vec<Decision>, NextRefusal> {
        self.try_handle(Input::NextRequested {
            agent: agent(id),
            source: NextSource::Profile,
            override_after_call_work: true,
        })
    }

    pub fn next_from_bar(&mut self, id: &str) -> Result<Vec<Decision>, NextRefusal> {
        self.try_handle(Input::NextRequested {
            agent: agent(id),
            source: NextSource::AvailabilityBar,
            override_after_call_work: true,
        })
    }

    /// The units an agent has been given (assigned) so far, in order.
    pub fn assigned_to(&self, id: &str) -> Vec<UnitId> {
        self.log
            .iter()
            .flat_map(|d| &d.effects)
            .filter_map(|e| match e {
                Effect::Assign { unit, agent: a } if a.as_str() == id => Some(unit.clone()),
                _ => None,
            })
            .collect()
    }

    /// The pending offers of an agent.
    pub fn offers_of(&self, id: &str) -> Vec<Offer> {
        self.engine
            .offers
            .values()
            .filter(|o| o.agent.as_str() == id)
            .cloned()
            .collect()
    }
}

/// The units a batch of decisions assigned or offered, with the agent.
pub fn given(decisions: &[Decision]) -> Vec<(String, UnitId)> {
    decisions
        .iter()
        .flat_map(|d| &d.effects)
        .filter_map(|e| match e {
            Effect::Assign { unit, agent } => Some((agent.to_string(), unit.clone())),
            Effect::Offer(o) => Some((o.agent.to_string(), o.unit.clone())),
            _ => None,
        })
        .collect()
}
