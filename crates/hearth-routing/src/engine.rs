//! The engine: applies one input to the routing state and returns the decisions it
//! took. Push is event-driven: every input that frees capacity or adds work tries to
//! place work at once; nothing here runs on a timer except the delays the decisions
//! ask for.

use std::collections::{BTreeMap, BTreeSet};

use hearth_domain::Timestamp;
use hearth_domain::config::Selection;
use hearth_domain::conversation::IdSource;
use hearth_domain::id::{AgentId, InboxId};

use crate::Group;
use crate::model::*;

/// Pushing considers the push limits (standard capacity, delays, one offer);
/// pulling (Next) the pull limits (maximum capacity, no delays).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Push,
    Pull,
}

/// The routing state and the engine over it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Engine {
    pub agents: BTreeMap<AgentId, AgentState>,
    pub units: BTreeMap<UnitId, Unit>,
    pub offers: BTreeMap<OfferId, Offer>,
    pub inboxes: BTreeMap<InboxId, InboxPolicy>,
    /// Units per inbox and group in routing order.
    queue: BTreeMap<(InboxId, Group), BTreeSet<OrderKey>>,
    /// Units with a pending offer, and the offer.
    offered: BTreeMap<UnitId, OfferId>,
}

fn decision(
    input: &'static str,
    outcome: Outcome,
    unit: Option<UnitId>,
    rule: &'static str,
) -> Decision {
    Decision {
        input,
        outcome,
        unit,
        rule,
        winner: None,
        candidates: Vec::new(),
        effects: Vec::new(),
    }
}

const PUSH_GROUPS: [Group; 2] = [Group::Voice, Group::Messaging];

impl Engine {
    /// An empty engine.
    pub fn new() -> Engine {
        Engine::default()
    }

    /// The policy of an inbox (defaults when unconfigured).
    pub fn policy(&self, inbox: &InboxId) -> InboxPolicy {
        self.inboxes.get(inbox).copied().unwrap_or_default()
    }

    /// The queue of an inbox and group in routing order.
    pub fn queued(&self, inbox: &InboxId, group: Group) -> impl Iterator<Item = &Unit> {
        self.queue
            .get(&(inbox.clone(), group))
            .into_iter()
            .flatten()
            .filter_map(|k| self.units.get(&k.id))
    }

    /// The pending offer of a unit.
    pub fn offer_of(&self, unit: &UnitId) -> Option<&Offer> {
        self.offered.get(unit).and_then(|id| self.offers.get(id))
    }

    /// Why `agent` cannot take work of `group` in `inbox` now (empty: eligible), R18.
    pub fn eligibility(
        &self,
        agent: &AgentState,
        inbox: &InboxId,
        group: Group,
        now: Timestamp,
    ) -> Vec<Reason> {
        self.reasons(agent, inbox, group, Mode::Push, now)
    }

    fn reasons(
        &self,
        agent: &AgentState,
        inbox: &InboxId,
        group: Group,
        mode: Mode,
        now: Timestamp,
    ) -> Vec<Reason> {
        let mut reasons = Vec::new();
        if !agent.inbox_ids.contains(inbox) {
            reasons.push(Reason::NotMember);
        }
        if agent.disabled {
            reasons.push(Reason::Disabled);
        }
        if agent.away {
            reasons.push(Reason::Away);
        }
        if agent.focus {
            reasons.push(Reason::Focus);
        }
        if !agent.available.contains(&group) {
            reasons.push(Reason::NotAvailable);
        }
        let offers = group == Group::Voice
            || (group == Group::Messaging
                && mode == Mode::Push
                && self.policy(inbox).accept_decline);
        if offers && agent.offer.is_some() {
            reasons.push(Reason::OfferPending);
        }
        if mode == Mode::Push
            && agent
                .blocked_until
                .get(&group)
                .is_some_and(|until| *until > now)
        {
            reasons.push(Reason::Delayed);
        }
        // A pending offer counts against capacity: accepting it must not overfill.
        let offered = agent
            .offer
            .as_ref()
            .and_then(|id| self.offers.get(id))
            .is_some_and(|o| o.group == group);
        let load = agent.load(group) + u32::from(offered);
        let full = match group {
            Group::Voice => load >= 1,
            Group::Messaging => {
                let limit = if mode == Mode::Push {
                    agent.capacity.standard
                } else {
                    agent.capacity.maximum
                };
                load >= limit
            }
            Group::Mail | Group::Task => false,
        };
        if full {
            reasons.push(Reason::AtCapacity);
        }
        reasons
    }

    /// The push selection score of an eligible agent (higher wins).
    fn selection_score(
        agent: &AgentState,
        group: Group,
        selection: Selection,
        now: Timestamp,
    ) -> i64 {
        let since = |t: Timestamp| {
            (now - t)
                .whole_milliseconds()
                .clamp(0, i128::from(i64::MAX)) as i64
        };
        match selection {
            Selection::LongestIdle => {
                if agent.is_idle() {
                    since(agent.idle_since)
                } else {
                    -1
                }
            }
            Selection::RoundRobin => agent.last_assigned_at.map_or(i64::MAX, since),
            Selection::MostSpareCapacity => {
                let limit = if group == Group::Voice {
                    1
                } else {
                    agent.capacity.standard
                };
                i64::from(limit) - i64::from(agent.load(group))
            }
            Selection::FewestOpen => -(agent.own.len() as i64),
        }
    }

    /// The engine with this state, its queue and offer indexes rebuilt: how a
    /// snapshot of `agents`, `units`, `offers` and `inboxes` comes back.
    pub fn restore(
        agents: BTreeMap<AgentId, AgentState>,
        units: BTreeMap<UnitId, Unit>,
        offers: BTreeMap<OfferId, Offer>,
        inboxes: BTreeMap<InboxId, InboxPolicy>,
    ) -> Engine {
        let mut engine = Engine {
            agents,
            inboxes,
            ..Engine::default()
        };
        for unit in units.into_values() {
            engine.enqueue(unit);
        }
        for offer in offers.into_values() {
            engine.offered.insert(offer.unit.clone(), offer.id.clone());
            engine.offers.insert(offer.id.clone(), offer);
        }
        engine
    }

    fn enqueue(&mut self, unit: Unit) {
        self.dequeue(&unit.id);
        self.queue
            .entry((unit.inbox_id.clone(), unit.group))
            .or_default()
            .insert(OrderKey::of(&unit));
        self.units.insert(unit.id.clone(), unit);
    }

    fn dequeue(&mut self, id: &UnitId) -> Option<Unit> {
        let unit = self.units.remove(id)?;
        if let Some(set) = self.queue.get_mut(&(unit.inbox_id.clone(), unit.group)) {
            set.remove(&OrderKey::of(&unit));
        }
        Some(unit)
    }

    /// The best unit in `groups` that `agent` may take in `mode`.
    fn best_unit_for(
        &self,
        agent: &AgentState,
        groups: &[Group],
        mode: Mode,
        now: Timestamp,
    ) -> Option<&OrderKey> {
        let mut best: Option<&OrderKey> = None;
        for inbox in &agent.inbox_ids {
            for group in groups {
                if !self.reasons(agent, inbox, *group, mode, now).is_empty() {
                    continue;
                }
                let first = self
                    .queue
                    .get(&(inbox.clone(), *group))
                    .into_iter()
                    .flatten()
                    .find(|k| !self.offered.contains_key(&k.id));
                if let Some(key) = first
                    && best.is_none_or(|b| key < b)
                {
                    best = Some(key);
                }
            }
        }
        best
    }

    /// Whether a Next request would be refused (R14, R39); refused requests change
    /// nothing.
    pub fn check_next(&self, agent_id: &AgentId, source: NextSource) -> Result<(), NextRefusal> {
        let agent = self.agents.get(agent_id).ok_or(NextRefusal::UnknownAgent)?;
        if agent.focus {
            return Err(NextRefusal::FocusMode);
        }
        if source == NextSource::AvailabilityBar && agent.available.is_empty() {
            return Err(NextRefusal::NotAvailable);
        }
        Ok(())
    }

    /// Applies one input at `now`. Only Next can be refused.
    pub fn handle(
        &mut self,
        input: Input,
        now: Timestamp,
        ids: &mut dyn IdSource,
    ) -> Result<Vec<Decision>, NextRefusal> {
        let name = input.name();
        let mut out = Vec::new();
        match input {
            Input::AgentConfigured(config) => {
                let agent = self.agents.entry(config.id.clone()).or_insert_with(|| {
                    AgentState::new(config.id.clone(), BTreeSet::new(), config.capacity, now)
                });
                agent.inbox_ids = config.inbox_ids;
                agent.capacity = config.capacity;
                agent.disabled = config.disabled;
                if config.disabled {
                    agent.available.clear();
                }
                self.push_for_agent(&config.id, name, now, ids, &mut out);
            }
            Input::InboxConfigured { inbox, policy } => {
                self.inboxes.insert(inbox, policy);
            }
            Input::UnitRoutable(unit) => {
                let id = unit.id.clone();
                let group = unit.group;
                // Re-queued while offered (a new message): the offer stands.
                let offered = self.offered.contains_key(&id);
                self.enqueue(unit);
                if !offered && PUSH_GROUPS.contains(&group) {
                    out.extend(self.dispatch_unit(&id, name, now, ids));
                }
            }
            Input::UnitWithdrawn(id) => {
                self.dequeue(&id);
                if let Some(offer_id) = self.offered.remove(&id)
                    && let Some(offer) = self.offers.remove(&offer_id)
                {
                    if let Some(agent) = self.agents.get_mut(&offer.agent) {
                        agent.offer = None;
                    }
                    let mut d = decision(name, Outcome::Skipped, Some(id), "OFFER_WITHDRAWN");
                    d.winner = Some(offer.agent.clone());
                    d.effects.push(Effect::OfferWithdrawn {
                        offer: offer.id,
                        agent: offer.agent.clone(),
                    });
                    out.push(d);
                    self.push_for_agent(&offer.agent, name, now, ids, &mut out);
                }
            }
            Input::AvailabilityChanged {
                agent: agent_id,
                available,
                focus,
                away,
            } => {
                let Some(agent) = self.agents.get_mut(&agent_id) else {
                    return Ok(out);
                };
                let was_routable = !agent.away && !agent.focus && !agent.disabled;
                let before = std::mem::replace(&mut agent.available, available);
                agent.focus = focus;
                agent.away = away;
                let routable = !agent.away && !agent.focus && !agent.disabled;
                if before.is_empty() && !agent.available.is_empty() {
                    agent.idle_since = now;
                }
                // R29/Q5: one mail or task item when Mail or Tasks turn on, or when the
                // agent comes back from Away or Focus with them on.
                let mail_on = |set: &BTreeSet<Group>| {
                    set.contains(&Group::Mail) || set.contains(&Group::Task)
                };
                let newly_mail = mail_on(&agent.available)
                    && routable
                    && (!was_routable
                        || [Group::Mail, Group::Task]
                            .iter()
                            .any(|g| agent.available.contains(g) && !before.contains(g)));
                // R22: the item waits while a call or message is held or offered.
                agent.mail_owed =
                    newly_mail || (agent.mail_owed && routable && mail_on(&agent.available));
                self.push_for_agent(&agent_id, name, now, ids, &mut out);
            }
            Input::NextRequested {
                agent: agent_id,
                source,
                override_after_call_work,
            } => {
                self.check_next(&agent_id, source)?;
                let agent = self
                    .agents
                    .get_mut(&agent_id)
                    .ok_or(NextRefusal::UnknownAgent)?;
                // Next hands out work itself: nothing is owed any more.
                agent.mail_owed = false;
                if override_after_call_work {
                    agent.blocked_until.remove(&Group::Voice);
                }
                out.push(self.next(&agent_id, name, now, ids));
                self.push_for_agent(&agent_id, name, now, ids, &mut out);
            }
            Input::OfferAccepted { offer } => {
                let Some(offer) = self.take_offer(&offer) else {
                    return Ok(out);
                };
                let policy = self
                    .units
                    .get(&offer.unit)
                    .map(|u| self.policy(&u.inbox_id))
                    .unwrap_or_default();
                let mut d = decision(
                    name,
                    Outcome::OfferAccepted,
                    Some(offer.unit.clone()),
                    "OFFER_ACCEPTED",
                );
                d.winner = Some(offer.agent.clone());
                self.assign(&offer.unit, &offer.agent, offer.group, now, &mut d);
                if offer.group == Group::Messaging {
                    self.delay(
                        &offer.agent,
                        Group::Messaging,
                        now + policy.next_message_delay,
                        &mut d,
                    );
                }
                out.push(d);
                self.push_for_agent(&offer.agent, name, now, ids, &mut out);
            }
            Input::OfferDeclined { offer } | Input::OfferMissed { offer } => {
                let Some(offer) = self.take_offer(&offer) else {
                    return Ok(out);
                };
                let (outcome, rule) = if name == "OFFER_DECLINED" {
                    (Outcome::OfferDeclined, "OFFER_DECLINED")
                } else {
                    (Outcome::OfferMissed, "OFFER_TIMED_OUT")
                };
                let policy = self
                    .units
                    .get(&offer.unit)
                    .map(|u| self.policy(&u.inbox_id))
                    .unwrap_or_default();
                let mut d = decision(name, outcome, Some(offer.unit.clone()), rule);
                d.winner = Some(offer.agent.clone());
                // R31 and R27: a pause before this agent gets the group's next push.
                self.delay(
                    &offer.agent,
                    offer.group,
                    now + policy.next_message_delay,
                    &mut d,
                );
                out.push(d);
                if self.units.contains_key(&offer.unit) {
                    out.extend(self.dispatch_unit(&offer.unit, name, now, ids));
                }
                self.push_for_agent(&offer.agent, name, now, ids, &mut out);
            }
            Input::ContactEnded {
                agent: agent_id,
                unit,
                group,
                inbox,
            } => {
                let policy = self.policy(&inbox);
                let Some(agent) = self.agents.get_mut(&agent_id) else {
                    return Ok(out);
                };
                if let Some(work) = agent.own.get_mut(&unit) {
                    work.live = None;
                }
                if agent.is_idle() {
                    agent.idle_since = now;
                }
                let pause = match group {
                    Group::Voice => policy.after_call_work,
                    _ => policy.next_message_delay,
                };
                let mut d = decision(name, Outcome::Nothing, None, "DELAY_STARTED");
                d.winner = Some(agent_id.clone());
                if PUSH_GROUPS.contains(&group) {
                    self.delay(&agent_id, group, now + pause, &mut d);
                }
                out.push(d);
                self.push_for_agent(&agent_id, name, now, ids, &mut out);
            }
            Input::TimerFired {
                agent: agent_id,
                group,
            } => {
                if let Some(agent) = self.agents.get_mut(&agent_id)
                    && agent
                        .blocked_until
                        .get(&group)
                        .is_some_and(|until| *until <= now)
                {
                    agent.blocked_until.remove(&group);
                }
                self.push_for_agent(&agent_id, name, now, ids, &mut out);
            }
            Input::AssignedOutsideRouting {
                agent: agent_id,
                unit,
                group,
                live,
                at,
            } => {
                self.dequeue(&unit);
                if let Some(offer_id) = self.offered.remove(&unit) {
                    self.take_offer(&offer_id);
                }
                if let Some(agent) = self.agents.get_mut(&agent_id) {
                    let live = (live && PUSH_GROUPS.contains(&group)).then_some(group);
                    agent.own.insert(
                        unit,
                        OwnWork {
                            unseen_since: Some(at),
                            live,
                        },
                    );
                    agent.last_assigned_at = Some(at);
                }
            }
            Input::WorkUpdated {
                agent,
                unit,
                unseen_since,
            } => {
                if let Some(agent) = self.agents.get_mut(&agent) {
                    let entry = agent.own.entry(unit).or_insert(OwnWork {
                        unseen_since: None,
                        live: None,
                    });
                    entry.unseen_since = match (entry.unseen_since, unseen_since) {
                        (Some(old), Some(_)) => Some(old),
                        (_, new) => new,
                    };
                }
            }
            Input::WorkReleased { agent, unit } => {
                if let Some(agent) = self.agents.get_mut(&agent) {
                    agent.own.remove(&unit);
                }
            }
        }
        Ok(out)
    }

    fn take_offer(&mut self, id: &OfferId) -> Option<Offer> {
        let offer = self.offers.remove(id)?;
        self.offered.remove(&offer.unit);
        if let Some(agent) = self.agents.get_mut(&offer.agent)
            && agent.offer.as_ref() == Some(id)
        {
            agent.offer = None;
        }
        Some(offer)
    }

    fn delay(&mut self, agent_id: &AgentId, group: Group, until: Timestamp, d: &mut Decision) {
        if let Some(agent) = self.agents.get_mut(agent_id) {
            agent.blocked_until.insert(group, until);
            d.effects.push(Effect::Timer {
                agent: agent_id.clone(),
                group,
                at: until,
            });
        }
    }

    /// Hands `unit` to `agent`: removes it from the queue and counts it.
    fn assign(
        &mut self,
        unit: &UnitId,
        agent_id: &AgentId,
        group: Group,
        now: Timestamp,
        d: &mut Decision,
    ) {
        self.dequeue(unit);
        if let Some(agent) = self.agents.get_mut(agent_id) {
            let live = PUSH_GROUPS.contains(&group).then_some(group);
            agent.own.insert(
                unit.clone(),
                OwnWork {
                    unseen_since: Some(now),
                    live,
                },
            );
            agent.last_assigned_at = Some(now);
        }
        d.effects.push(Effect::Assign {
            unit: unit.clone(),
            agent: agent_id.clone(),
        });
    }

    /// Offers (voice always; messaging with accept/decline) or assigns.
    fn give(
        &mut self,
        unit_id: &UnitId,
        agent_id: &AgentId,
        mode: Mode,
        d: &mut Decision,
        now: Timestamp,
        ids: &mut dyn IdSource,
    ) {
        let Some(unit) = self.units.get(unit_id) else {
            return;
        };
        let group = unit.group;
        let policy = self.policy(&unit.inbox_id);
        let offers = group == Group::Voice
            || (group == Group::Messaging && mode == Mode::Push && policy.accept_decline);
        d.winner = Some(agent_id.clone());
        if offers {
            let offer = Offer {
                id: OfferId(ids.next_id()),
                unit: unit_id.clone(),
                agent: agent_id.clone(),
                group,
                offered_at: now,
                expires_at: now + policy.offer_timeout,
            };
            if let Some(agent) = self.agents.get_mut(agent_id) {
                agent.offer = Some(offer.id.clone());
            }
            self.offered.insert(unit_id.clone(), offer.id.clone());
            self.offers.insert(offer.id.clone(), offer.clone());
            d.outcome = Outcome::Offered;
            d.effects.push(Effect::OfferTimer {
                offer: offer.id.clone(),
                at: offer.expires_at,
            });
            d.effects.push(Effect::Offer(offer));
        } else {
            d.outcome = Outcome::Assigned;
            self.assign(unit_id, agent_id, group, now, d);
        }
    }

    /// Unit-centric push of a voice or messaging unit: choose among the inbox's
    /// eligible agents by the inbox's selection (the preferred agent first).
    fn dispatch_unit(
        &mut self,
        unit_id: &UnitId,
        input: &'static str,
        now: Timestamp,
        ids: &mut dyn IdSource,
    ) -> Option<Decision> {
        let unit = self.units.get(unit_id)?.clone();
        // Mail and tasks are pulled (R29); an offered unit waits for its answer.
        if !PUSH_GROUPS.contains(&unit.group) || self.offered.contains_key(unit_id) {
            return None;
        }
        let policy = self.policy(&unit.inbox_id);
        let mut candidates: Vec<Candidate> = self
            .agents
            .values()
            .filter(|a| {
                a.inbox_ids.contains(&unit.inbox_id) || unit.preferred_agent.as_ref() == Some(&a.id)
            })
            .map(|a| {
                let reasons = self.reasons(a, &unit.inbox_id, unit.group, Mode::Push, now);
                let score = if reasons.is_empty() {
                    Self::selection_score(a, unit.group, policy.selection, now)
                } else {
                    0
                };
                Candidate {
                    agent: a.id.clone(),
                    eligible: reasons.is_empty(),
                    reasons,
                    score,
                }
            })
            .collect();
        candidates.sort_by(|a, b| a.agent.cmp(&b.agent));
        let preferred = unit
            .preferred_agent
            .as_ref()
            .and_then(|p| candidates.iter().find(|c| &c.agent == p && c.eligible));
        let (winner, rule) = match preferred {
            Some(c) => (Some(c.agent.clone()), "PUSH_SAME_AGENT"),
            None => {
                // Highest score; ties go to the lowest agent id (candidates are sorted).
                let best =
                    candidates
                        .iter()
                        .filter(|c| c.eligible)
                        .fold(None::<&Candidate>, |best, c| match best {
                            Some(b) if b.score >= c.score => Some(b),
                            _ => Some(c),
                        });
                let rule = match policy.selection {
                    Selection::LongestIdle => "PUSH_LONGEST_IDLE",
                    Selection::RoundRobin => "PUSH_ROUND_ROBIN",
                    Selection::MostSpareCapacity => "PUSH_MOST_SPARE_CAPACITY",
                    Selection::FewestOpen => "PUSH_FEWEST_OPEN",
                };
                (best.map(|c| c.agent.clone()), rule)
            }
        };
        let mut d = decision(input, Outcome::Nothing, Some(unit_id.clone()), rule);
        d.candidates = candidates;
        match winner {
            Some(agent) => self.give(unit_id, &agent, Mode::Push, &mut d, now, ids),
            None => d.rule = "NO_ELIGIBLE_AGENT",
        }
        Some(d)
    }

    /// Agent-centric push: fill the agent's voice and messaging capacity with the
    /// best waiting work, in tier order.
    fn push_for_agent(
        &mut self,
        agent_id: &AgentId,
        input: &'static str,
        now: Timestamp,
        ids: &mut dyn IdSource,
        out: &mut Vec<Decision>,
    ) {
        for group in PUSH_GROUPS {
            while let Some(d) = self.give_best(
                agent_id,
                &[group],
                Mode::Push,
                "PUSH_BEST_UNIT_FOR_AGENT",
                input,
                now,
                ids,
            ) {
                let progressed = d.outcome != Outcome::Nothing;
                out.push(d);
                if !progressed {
                    break;
                }
            }
        }
        // The mail item owed since Mail & Tasks turned on (R29), once no call or
        // message is held or offered (R22).
        let due = self.agents.get(agent_id).is_some_and(|a| {
            a.mail_owed
                && a.offer.is_none()
                && a.load(Group::Voice) == 0
                && a.load(Group::Messaging) == 0
        });
        if due {
            if let Some(a) = self.agents.get_mut(agent_id) {
                a.mail_owed = false;
            }
            self.push_mail(agent_id, input, now, ids, out);
        }
    }

    /// Gives the agent its best unit in `groups` (if there is one it may take) and
    /// records the decision under `rule`.
    #[allow(clippy::too_many_arguments)]
    fn give_best(
        &mut self,
        agent_id: &AgentId,
        groups: &[Group],
        mode: Mode,
        rule: &'static str,
        input: &'static str,
        now: Timestamp,
        ids: &mut dyn IdSource,
    ) -> Option<Decision> {
        let agent = self.agents.get(agent_id)?;
        let key = self.best_unit_for(agent, groups, mode, now).cloned()?;
        let mut d = decision(input, Outcome::Nothing, Some(key.id.clone()), rule);
        d.candidates = vec![Candidate {
            agent: agent_id.clone(),
            eligible: true,
            reasons: Vec::new(),
            score: 0,
        }];
        self.give(&key.id, agent_id, mode, &mut d, now, ids);
        Some(d)
    }

    /// R29: one mail or task item on becoming available for Mail & Tasks.
    fn push_mail(
        &mut self,
        agent_id: &AgentId,
        input: &'static str,
        now: Timestamp,
        ids: &mut dyn IdSource,
        out: &mut Vec<Decision>,
    ) {
        out.extend(self.give_best(
            agent_id,
            &[Group::Mail, Group::Task],
            Mode::Push,
            "PUSH_MAIL_ON_AVAILABLE",
            input,
            now,
            ids,
        ));
    }

    /// R25: own work with the oldest unseen update first; otherwise the best unit the
    /// agent may pull from its available groups; otherwise nothing.
    fn next(
        &mut self,
        agent_id: &AgentId,
        input: &'static str,
        now: Timestamp,
        ids: &mut dyn IdSource,
    ) -> Decision {
        let Some(agent) = self.agents.get(agent_id) else {
            return decision(input, Outcome::Nothing, None, "NEXT_NOTHING");
        };
        let own = agent
            .own
            .iter()
            .filter_map(|(unit, w)| w.unseen_since.map(|at| (at, unit.clone())))
            .min();
        if let Some((_, unit)) = own {
            let mut d = decision(
                input,
                Outcome::Assigned,
                Some(unit.clone()),
                "NEXT_OWN_UNSEEN",
            );
            d.winner = Some(agent_id.clone());
            d.effects.push(Effect::Handed {
                unit,
                agent: agent_id.clone(),
            });
            return d;
        }
        let groups: Vec<Group> = agent.available.iter().copied().collect();
        self.give_best(
            agent_id,
            &groups,
            Mode::Pull,
            "NEXT_PULL_BEST_UNIT",
            input,
            now,
            ids,
        )
        .unwrap_or_else(|| decision(input, Outcome::Nothing, None, "NEXT_NOTHING"))
    }
}
