//! Decision records of named scenarios, as an operator reads them from
//! `GET /conversations/{id}/routing`.

use std::fmt::Write as _;

use hearth_routing::*;

use super::fixture::*;

fn render(decisions: &[Decision]) -> String {
    let mut s = String::new();
    for d in decisions {
        let unit = d.unit.as_ref().map_or("-".to_owned(), ToString::to_string);
        let winner = d
            .winner
            .as_ref()
            .map_or("-".to_owned(), ToString::to_string);
        writeln!(
            s,
            "{} {} unit={} rule={} winner={}",
            d.input,
            d.outcome.as_str(),
            unit,
            d.rule,
            winner
        )
        .unwrap();
        for c in &d.candidates {
            let reasons: Vec<&str> = c.reasons.iter().map(|r| r.as_str()).collect();
            writeln!(
                s,
                "  candidate {} eligible={} score={} reasons=[{}]",
                c.agent,
                c.eligible,
                c.score,
                reasons.join(",")
            )
            .unwrap();
        }
        for e in &d.effects {
            let text = match e {
                Effect::Assign { unit, agent } => format!("assign {unit} to {agent}"),
                Effect::Offer(o) => format!(
                    "offer {} of {} to {} until +{}s",
                    o.id.0,
                    o.unit,
                    o.agent,
                    (o.expires_at - o.offered_at).whole_seconds()
                ),
                Effect::Handed { unit, agent } => format!("hand {unit} to {agent}"),
                Effect::Timer { agent, group, at } => {
                    format!("timer {agent} {} at {at}", group.as_str())
                }
                Effect::OfferTimer { offer, at } => format!("offer timer {} at {at}", offer.0),
                Effect::OfferWithdrawn { offer, agent } => {
                    format!("withdraw {} from {agent}", offer.0)
                }
            };
            writeln!(s, "  effect {text}").unwrap();
        }
    }
    s
}

#[test]
fn a_chat_arrives_for_three_agents_in_different_states() {
    let mut w = World::new();
    w.add_agent("alice", &["support"], 1, 2);
    w.add_agent("bob", &["support"], 2, 3);
    w.add_agent("carol", &["billing"], 2, 3);
    w.add_agent("dave", &["support"], 2, 3);
    w.available("alice", &[Group::Messaging]);
    w.handle(Input::AssignedOutsideRouting {
        agent: agent("alice"),
        unit: conv("busy"),
        group: Group::Messaging,
        live: true,
        at: w.now,
    });
    w.advance(30);
    w.available("bob", &[Group::Messaging]);
    w.handle(Input::AvailabilityChanged {
        agent: agent("dave"),
        available: groups(&[Group::Messaging]),
        focus: true,
        away: false,
    });
    w.advance(30);
    let out = w.unit(conv("chat"), "support", Group::Messaging, Some(15));
    insta::assert_snapshot!(render(&out));
}

#[test]
fn a_declined_call_moves_on_and_pauses_the_decliner() {
    let mut w = World::new();
    w.add_agent("alice", &["support"], 2, 3);
    w.add_agent("bob", &["support"], 2, 3);
    w.available("alice", &[Group::Voice]);
    w.advance(10);
    w.available("bob", &[Group::Voice]);
    let mut all = w.unit(conv("call"), "support", Group::Voice, Some(1));
    let offer = w.offers_of("alice").remove(0);
    w.advance(3);
    all.extend(w.handle(Input::OfferDeclined { offer: offer.id }));
    insta::assert_snapshot!(render(&all));
}

#[test]
fn next_prefers_own_unseen_work_then_pulls() {
    let mut w = World::new();
    w.add_agent("alice", &["support"], 2, 3);
    w.available("alice", &[Group::Mail]);
    w.handle(Input::AssignedOutsideRouting {
        agent: agent("alice"),
        unit: conv("mine"),
        group: Group::Mail,
        live: false,
        at: w.now,
    });
    w.unit(conv("waiting"), "support", Group::Mail, Some(60));
    let mut all = w.next("alice").unwrap();
    w.handle(Input::WorkUpdated {
        agent: agent("alice"),
        unit: conv("mine"),
        unseen_since: None,
    });
    all.extend(w.next("alice").unwrap());
    all.extend(w.next("alice").unwrap());
    insta::assert_snapshot!(render(&all));
}
