//! Decision latency of the routing engine with 10,000 routable units and 500 agents
//! (DESIGN section 9: Next ≤ 1 ms p99 in-process). Each sample is one decision on a
//! fresh copy of the state; making and dropping the copy are outside the timed
//! region. With one iteration per sample, divan's `slowest` bounds the p99.
//!
//! Run: `cargo bench -p hearth-routing --bench decisions`

use std::collections::BTreeSet;

use divan::Bencher;
use hearth_domain::config::MessagingCapacity;
use hearth_domain::conversation::IdSource;
use hearth_domain::id::{AgentId, ConversationId, InboxId, TaskId};
use hearth_domain::{Duration, Timestamp};
use hearth_routing::*;

const AGENTS: usize = 500;
const UNITS: usize = 10_000;
const INBOXES: usize = 10;

#[derive(Default)]
struct Counter(u64);

impl IdSource for Counter {
    fn next_id(&mut self) -> String {
        self.0 += 1;
        format!("o{}", self.0)
    }
}

fn t0() -> Timestamp {
    time::macros::datetime!(2030-01-01 09:00 UTC)
}

/// 500 agents, each a member of two of ten inboxes, half of them available for
/// messaging with spare capacity, all available for mail and tasks; 10,000 waiting
/// units, mostly mail and tasks, with due dates spread over a day.
fn world() -> Engine {
    let mut e = Engine::new();
    let mut ids = Counter::default();
    let now = t0();
    for i in 0..INBOXES {
        let policy = InboxPolicy::default();
        e.handle(
            Input::InboxConfigured {
                inbox: InboxId::from_trusted(format!("inbox{i}")),
                policy,
            },
            now,
            &mut ids,
        )
        .unwrap();
    }
    for u in 0..UNITS {
        let group = match u % 10 {
            0 => Group::Voice,
            1 | 2 => Group::Messaging,
            3 | 4 => Group::Task,
            _ => Group::Mail,
        };
        let id = if group == Group::Task {
            UnitId::Task(TaskId::from_trusted(format!("t{u}")))
        } else {
            UnitId::Conversation(ConversationId::from_trusted(format!("c{u}")))
        };
        let unit = Unit {
            id,
            inbox_id: InboxId::from_trusted(format!("inbox{}", u % INBOXES)),
            group,
            score: 0,
            due_at: Some(now + Duration::seconds(((u * 7919) % 86_400) as i64)),
            arrived_at: now + Duration::milliseconds(u as i64),
            preferred_agent: None,
        };
        e.handle(Input::UnitRoutable(unit), now, &mut ids).unwrap();
    }
    for a in 0..AGENTS {
        let id = AgentId::from_trusted(format!("agent{a:03}"));
        let inbox_ids: BTreeSet<InboxId> = [a % INBOXES, (a + 3) % INBOXES]
            .into_iter()
            .map(|i| InboxId::from_trusted(format!("inbox{i}")))
            .collect();
        let capacity = MessagingCapacity::new(2, 3).unwrap();
        e.handle(
            Input::AgentConfigured(AgentConfig {
                id: id.clone(),
                inbox_ids,
                capacity,
                disabled: false,
            }),
            now,
            &mut ids,
        )
        .unwrap();
        // Busy with a live chat each, so pushes find capacity only where it is left.
        let mut available: BTreeSet<Group> = [Group::Mail, Group::Task].into_iter().collect();
        if a % 2 == 0 {
            available.insert(Group::Messaging);
        }
        e.handle(
            Input::AssignedOutsideRouting {
                agent: id.clone(),
                unit: UnitId::Conversation(ConversationId::from_trusted(format!("live{a}"))),
                group: Group::Messaging,
                live: true,
                at: now,
            },
            now,
            &mut ids,
        )
        .unwrap();
        e.handle(
            Input::AvailabilityChanged {
                agent: id,
                available,
                focus: false,
                away: false,
            },
            now,
            &mut ids,
        )
        .unwrap();
    }
    assert!(
        e.units.len() > 9_000,
        "most units are still waiting: {}",
        e.units.len()
    );
    e
}

fn main() {
    divan::main();
}

#[divan::bench(sample_count = 2000, sample_size = 1)]
fn next_pulls_the_best_unit(bencher: Bencher) {
    let base = world();
    let mut n = 0usize;
    bencher
        .with_inputs(|| {
            n += 1;
            let agent = AgentId::from_trusted(format!("agent{:03}", (n * 37) % AGENTS));
            // Seen everything, so Next pulls instead of handing own work.
            let mut e = base.clone();
            if let Some(a) = e.agents.get_mut(&agent) {
                for w in a.own.values_mut() {
                    w.unseen_since = None;
                }
            }
            (e, agent)
        })
        .bench_local_refs(|(e, agent)| {
            let input = Input::NextRequested {
                agent: agent.clone(),
                source: NextSource::AvailabilityBar,
                override_after_call_work: true,
            };
            e.handle(input, t0() + Duration::minutes(1), &mut Counter::default())
                .unwrap()
        });
}

#[divan::bench(sample_count = 2000, sample_size = 1)]
fn push_a_new_chat_to_the_inbox(bencher: Bencher) {
    let base = world();
    let mut n = 0usize;
    bencher
        .with_inputs(|| {
            n += 1;
            let unit = Unit {
                id: UnitId::Conversation(ConversationId::from_trusted(format!("new{n}"))),
                inbox_id: InboxId::from_trusted(format!("inbox{}", n % INBOXES)),
                group: Group::Messaging,
                score: 0,
                due_at: Some(t0()),
                arrived_at: t0() + Duration::minutes(1),
                preferred_agent: None,
            };
            (base.clone(), unit)
        })
        .bench_local_refs(|(e, unit)| {
            e.handle(
                Input::UnitRoutable(unit.clone()),
                t0() + Duration::minutes(1),
                &mut Counter::default(),
            )
            .unwrap()
        });
}

#[divan::bench(sample_count = 2000, sample_size = 1)]
fn push_when_capacity_frees(bencher: Bencher) {
    let base = world();
    let mut n = 0usize;
    bencher
        .with_inputs(|| {
            n += 1;
            (
                base.clone(),
                AgentId::from_trusted(format!("agent{:03}", (n * 2 * 17) % AGENTS)),
            )
        })
        .bench_local_refs(|(e, agent)| {
            let later = t0() + Duration::minutes(5);
            let mut out = e
                .handle(
                    Input::ContactEnded {
                        agent: agent.clone(),
                        unit: UnitId::Conversation(ConversationId::from_trusted(format!(
                            "live{}",
                            &agent.as_str()[5..]
                                .trim_start_matches('0')
                                .parse::<usize>()
                                .unwrap_or(0)
                        ))),
                        group: Group::Messaging,
                        inbox: InboxId::from_trusted("inbox0"),
                    },
                    later,
                    &mut Counter::default(),
                )
                .unwrap();
            out.extend(
                e.handle(
                    Input::TimerFired {
                        agent: agent.clone(),
                        group: Group::Messaging,
                    },
                    later + Duration::minutes(1),
                    &mut Counter::default(),
                )
                .unwrap(),
            );
            out
        });
}
