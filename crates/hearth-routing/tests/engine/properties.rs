//! Invariants over random event streams: never over capacity (except flagged manual
//! assignments), never to an ineligible agent, strict tier order, own unseen work
//! first, no unit given twice, and the same input always gives the same decisions.

use std::collections::BTreeMap;

use hearth_domain::Duration;
use hearth_routing::*;
use proptest::prelude::*;

use super::fixture::*;

const AGENTS: [&str; 4] = ["a0", "a1", "a2", "a3"];
const INBOXES: [&str; 2] = ["i0", "i1"];

#[derive(Debug, Clone)]
enum Op {
    Unit(u8, u8, Group, Option<i64>),
    Available(u8, Vec<Group>, bool, bool),
    Next(u8, bool),
    Accept(usize),
    Decline(usize),
    Miss(usize),
    End(u8, Group),
    Timer(u8, Group),
    Manual(u8, u8, Group),
    Seen(u8, usize),
    Withdraw(u8),
    Advance(u16),
}

fn group() -> impl Strategy<Value = Group> {
    proptest::sample::select(vec![
        Group::Voice,
        Group::Messaging,
        Group::Mail,
        Group::Task,
    ])
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (0u8..40, 0u8..2, group(), proptest::option::of(-60i64..600)).prop_map(|(u, i, g, d)| Op::Unit(u, i, g, d)),
        3 => (0u8..4, proptest::collection::vec(group(), 0..4), proptest::bool::weighted(0.1), proptest::bool::weighted(0.1)).prop_map(|(a, g, f, w)| Op::Available(a, g, f, w)),
        3 => (0u8..4, any::<bool>()).prop_map(|(a, bar)| Op::Next(a, bar)),
        2 => (0usize..8).prop_map(Op::Accept),
        1 => (0usize..8).prop_map(Op::Decline),
        1 => (0usize..8).prop_map(Op::Miss),
        2 => (0u8..4, group()).prop_map(|(a, g)| Op::End(a, g)),
        1 => (0u8..4, group()).prop_map(|(a, g)| Op::Timer(a, g)),
        1 => (0u8..4, 0u8..40, group()).prop_map(|(a, u, g)| Op::Manual(a, u, g)),
        2 => (0u8..4, 0usize..8).prop_map(|(a, i)| Op::Seen(a, i)),
        1 => (0u8..40).prop_map(Op::Withdraw),
        2 => (0u16..120).prop_map(Op::Advance),
    ]
}

fn world() -> World {
    let mut w = World::new();
    w.policy("i0", |p| p.accept_decline = true);
    w.policy("i1", |p| {
        p.selection = hearth_domain::config::Selection::RoundRobin
    });
    w.add_agent("a0", &["i0"], 1, 2);
    w.add_agent("a1", &["i0", "i1"], 2, 3);
    w.add_agent("a2", &["i1"], 0, 1);
    w.add_agent("a3", &["i0", "i1"], 3, 3);
    w
}

fn nth_offer(w: &World, i: usize) -> Option<OfferId> {
    w.engine
        .offers
        .keys()
        .nth(i % w.engine.offers.len().max(1))
        .cloned()
}

/// Applies an op and returns its decisions (empty when refused or a no-op) and the
/// unit it made routable, if any.
fn apply(w: &mut World, op: &Op) -> (Vec<Decision>, Option<Unit>) {
    let a = |i: &u8| agent(AGENTS[usize::from(*i) % AGENTS.len()]);
    let input = match op {
        Op::Unit(u, i, g, d) => {
            let unit = Unit {
                id: conv(&format!("u{u}")),
                inbox_id: inbox(INBOXES[usize::from(*i) % 2]),
                group: *g,
                score: 0,
                due_at: d.map(|m| w.now + Duration::seconds(m * 60)),
                arrived_at: w.now,
                preferred_agent: None,
            };
            // A unit already handed out is not routable again until released.
            if w.engine
                .agents
                .values()
                .any(|ag| ag.own.contains_key(&unit.id))
            {
                return (Vec::new(), None);
            }
            Input::UnitRoutable(unit)
        }
        Op::Available(i, g, focus, away) => {
            let focus = *focus && !g.is_empty();
            Input::AvailabilityChanged {
                agent: a(i),
                available: groups(g),
                focus,
                away: *away,
            }
        }
        Op::Next(i, bar) => Input::NextRequested {
            agent: a(i),
            source: if *bar {
                NextSource::AvailabilityBar
            } else {
                NextSource::Profile
            },
            override_after_call_work: true,
        },
        Op::Accept(i) => match nth_offer(w, *i) {
            Some(offer) => Input::OfferAccepted { offer },
            None => return (Vec::new(), None),
        },
        Op::Decline(i) => match nth_offer(w, *i) {
            Some(offer) => Input::OfferDeclined { offer },
            None => return (Vec::new(), None),
        },
        Op::Miss(i) => match nth_offer(w, *i) {
            Some(offer) => Input::OfferMissed { offer },
            None => return (Vec::new(), None),
        },
        Op::End(i, g) => {
            let live = w.engine.agents[&a(i)]
                .own
                .iter()
                .find(|(_, o)| o.live == Some(*g))
                .map(|(u, _)| u.clone());
            let Some(unit) = live else {
                return (Vec::new(), None);
            };
            Input::ContactEnded {
                agent: a(i),
                unit,
                group: *g,
                inbox: inbox("i0"),
            }
        }
        Op::Timer(i, g) => Input::TimerFired {
            agent: a(i),
            group: *g,
        },
        Op::Manual(i, u, g) => Input::AssignedOutsideRouting {
            agent: a(i),
            unit: conv(&format!("m{u}")),
            group: *g,
            live: true,
            at: w.now,
        },
        Op::Seen(i, n) => {
            let own: Vec<UnitId> = w.engine.agents[&a(i)].own.keys().cloned().collect();
            match own.get(n % own.len().max(1)) {
                Some(unit) => Input::WorkUpdated {
                    agent: a(i),
                    unit: unit.clone(),
                    unseen_since: None,
                },
                None => return (Vec::new(), None),
            }
        }
        Op::Withdraw(u) => Input::UnitWithdrawn(conv(&format!("u{u}"))),
        Op::Advance(s) => {
            w.advance(i64::from(*s));
            return (Vec::new(), None);
        }
    };
    let new_unit = match &input {
        Input::UnitRoutable(u) => Some(u.clone()),
        _ => None,
    };
    let before = w.engine.clone();
    let result = w.engine.handle(input.clone(), w.now, &mut w.ids);
    // Determinism: the same state and input give the same decisions.
    let mut twin = before.clone();
    let mut twin_ids = w.ids.clone();
    twin_ids.0 -= result.as_ref().map_or(0, |ds| {
        ds.iter()
            .flat_map(|d| &d.effects)
            .filter(|e| matches!(e, Effect::Offer(_)))
            .count() as u64
    });
    let replay = twin.handle(input, w.now, &mut twin_ids);
    assert_eq!(
        result, replay,
        "the same input must give the same decisions"
    );
    assert_eq!(twin, w.engine);
    match result {
        Ok(ds) => (ds, new_unit),
        Err(_) => {
            assert_eq!(before, w.engine, "a refused Next changes nothing");
            (Vec::new(), None)
        }
    }
}

fn check(
    w: &World,
    before: &Engine,
    decisions: &[Decision],
    new_unit: Option<&Unit>,
    manual: &BTreeMap<String, u32>,
) -> Result<(), TestCaseError> {
    for ag in w.engine.agents.values() {
        let extra = manual.get(ag.id.as_str()).copied().unwrap_or(0);
        prop_assert!(
            ag.load(Group::Voice) <= 1 + extra,
            "{} over voice capacity",
            ag.id
        );
        prop_assert!(
            ag.load(Group::Messaging) <= ag.capacity.maximum + extra,
            "{} over messaging capacity",
            ag.id
        );
        prop_assert!(
            w.engine
                .offers
                .values()
                .filter(|o| o.agent == ag.id)
                .count()
                <= 1,
            "{} holds two offers",
            ag.id
        );
    }
    let mut given_units = std::collections::BTreeSet::new();
    for d in decisions {
        for e in &d.effects {
            let (unit, agent_id, offer) = match e {
                Effect::Assign { unit, agent } => (unit, agent, false),
                Effect::Offer(o) => (&o.unit, &o.agent, true),
                _ => continue,
            };
            if d.outcome == Outcome::OfferAccepted {
                continue;
            }
            prop_assert!(
                given_units.insert(unit.clone()),
                "{unit} given twice in one step"
            );
            let unit_before = new_unit
                .filter(|n| &n.id == unit)
                .or_else(|| before.units.get(unit));
            prop_assert!(unit_before.is_some(), "{unit} was not routable");
            let Some(u) = unit_before else { continue };
            prop_assert!(
                w.engine.offers.values().filter(|o| &o.unit == unit).count() <= 1,
                "{unit} is offered twice"
            );
            let still_offered = |o: &Offer| {
                &o.unit == unit
                    && w.engine.offers.contains_key(&o.id)
                    && !matches!(e, Effect::Offer(n) if n.id == o.id)
            };
            prop_assert!(
                !before.offers.values().any(still_offered),
                "{unit} was given while its offer stands"
            );
            // Who the agent is at decision time: availability may change in this very
            // input, and assignments do not change these fields.
            let now_agent = &w.engine.agents[agent_id];
            let ag = &before.agents[agent_id];
            prop_assert!(
                now_agent.inbox_ids.contains(&u.inbox_id),
                "{unit} went to a non-member"
            );
            prop_assert!(
                !now_agent.focus && !now_agent.away && !now_agent.disabled,
                "{unit} went to an agent who cannot work"
            );
            prop_assert!(
                now_agent.available.contains(&u.group),
                "{unit} went to an agent unavailable for {:?}",
                u.group
            );
            if offer {
                prop_assert!(
                    w.engine
                        .offers
                        .values()
                        .filter(|o| &o.agent == agent_id)
                        .count()
                        <= 1,
                    "an agent was offered two contacts"
                );
            }
            if d.rule == "NEXT_PULL_BEST_UNIT" {
                // Strict order: nothing better was waiting for this agent in its groups.
                let key = OrderKey::of(u);
                let better = before.units.values().any(|o| {
                    o.id != u.id
                        && ag.inbox_ids.contains(&o.inbox_id)
                        && ag.available.contains(&o.group)
                        && !before.offers.values().any(|of| of.unit == o.id)
                        && OrderKey::of(o) < key
                        && match o.group {
                            Group::Voice => ag.load(Group::Voice) == 0 && ag.offer.is_none(),
                            Group::Messaging => ag.load(Group::Messaging) < ag.capacity.maximum,
                            _ => true,
                        }
                });
                prop_assert!(!better, "Next skipped a better unit than {unit}");
                prop_assert!(
                    ag.own.values().all(|o| o.unseen_since.is_none()),
                    "Next pulled while own work was unseen"
                );
            }
        }
        if d.rule == "NEXT_OWN_UNSEEN" {
            let ag = &before.agents[d.winner.as_ref().unwrap()];
            let oldest = ag
                .own
                .iter()
                .filter_map(|(u, o)| o.unseen_since.map(|t| (t, u.clone())))
                .min()
                .map(|(_, u)| u);
            prop_assert_eq!(
                oldest.as_ref(),
                d.unit.as_ref(),
                "Next handed the oldest unseen update"
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, ..ProptestConfig::default() })]

    #[test]
    fn random_event_streams_keep_the_routing_invariants(ops in proptest::collection::vec(op(), 1..40)) {
        let mut w = world();
        let mut manual: BTreeMap<String, u32> = BTreeMap::new();
        for op in &ops {
            if let Op::Manual(i, _, g) = op && matches!(g, Group::Voice | Group::Messaging) {
                *manual.entry(AGENTS[usize::from(*i) % 4].to_owned()).or_default() += 1;
            }
            let before = w.engine.clone();
            let (decisions, new_unit) = apply(&mut w, op);
            check(&w, &before, &decisions, new_unit.as_ref(), &manual)?;
            w.log.extend(decisions);
        }
    }
}
