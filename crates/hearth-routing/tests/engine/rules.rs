//! One scenario per routing rule an agent can observe.

use hearth_domain::config::Selection;
use hearth_routing::*;

use super::fixture::*;

#[test]
fn a_call_is_always_offered_and_a_missed_offer_goes_to_another_agent_after_a_pause() {
    let mut w = World::new();
    w.policy("support", |p| {
        p.next_message_delay = hearth_domain::Duration::seconds(20)
    });
    w.add_agent("alice", &["support"], 2, 3);
    w.add_agent("bob", &["support"], 2, 3);
    w.available("alice", &[Group::Voice]);
    w.advance(5);
    w.available("bob", &[Group::Voice]);
    let out = w.unit(conv("call"), "support", Group::Voice, Some(1));
    assert_eq!(
        given(&out),
        [("alice".to_owned(), conv("call"))],
        "the longest idle agent gets the offer"
    );
    assert_eq!(out[0].outcome, Outcome::Offered);
    let offer = w.offers_of("alice").remove(0);
    assert_eq!(
        offer.expires_at,
        w.now + InboxPolicy::default().offer_timeout
    );

    w.advance(45);
    let out = w.handle(Input::OfferMissed { offer: offer.id });
    assert_eq!(out[0].outcome, Outcome::OfferMissed);
    assert!(out[0].effects.contains(&Effect::Timer {
        agent: agent("alice"),
        group: Group::Voice,
        at: w.now + hearth_domain::Duration::seconds(20)
    }));
    assert_eq!(
        given(&out),
        [("bob".to_owned(), conv("call"))],
        "the call goes to the next agent"
    );
}

#[test]
fn messaging_is_pushed_up_to_standard_capacity_and_next_pulls_up_to_maximum() {
    let mut w = World::new();
    w.add_agent("alice", &["support"], 2, 3);
    w.available("alice", &[Group::Messaging]);
    for i in 0..5 {
        w.unit(
            conv(&format!("chat{i}")),
            "support",
            Group::Messaging,
            Some(10 + i),
        );
    }
    assert_eq!(
        w.assigned_to("alice"),
        [conv("chat0"), conv("chat1")],
        "standard capacity 2 is pushed"
    );
    // Seen the pushed chats; Next now pulls one more, up to maximum 3.
    for c in ["chat0", "chat1"] {
        w.handle(Input::WorkUpdated {
            agent: agent("alice"),
            unit: conv(c),
            unseen_since: None,
        });
    }
    let out = w.next("alice").unwrap();
    assert_eq!(out[0].rule, "NEXT_PULL_BEST_UNIT");
    assert_eq!(w.assigned_to("alice").len(), 3);
    w.handle(Input::WorkUpdated {
        agent: agent("alice"),
        unit: conv("chat2"),
        unseen_since: None,
    });
    let out = w.next("alice").unwrap();
    assert_eq!(out[0].rule, "NEXT_NOTHING", "maximum capacity reached");
    assert_eq!(w.engine.agents[&agent("alice")].load(Group::Messaging), 3);
}

#[test]
fn with_accept_decline_messaging_is_offered_one_at_a_time_and_a_decline_pauses_the_agent() {
    let mut w = World::new();
    w.policy("support", |p| p.accept_decline = true);
    w.add_agent("alice", &["support"], 2, 3);
    w.available("alice", &[Group::Messaging]);
    w.unit(conv("c1"), "support", Group::Messaging, Some(5));
    w.unit(conv("c2"), "support", Group::Messaging, Some(6));
    assert_eq!(
        w.offers_of("alice").len(),
        1,
        "an agent holds one offer at a time (R19)"
    );
    let offer = w.offers_of("alice").remove(0);
    let out = w.handle(Input::OfferDeclined { offer: offer.id });
    assert_eq!(out[0].outcome, Outcome::OfferDeclined);
    assert!(
        w.offers_of("alice").is_empty(),
        "declining starts the next-message delay"
    );
    let pause = out[0].effects.iter().find_map(|e| match e {
        Effect::Timer { at, .. } => Some(*at),
        _ => None,
    });
    w.now = pause.unwrap();
    w.handle(Input::TimerFired {
        agent: agent("alice"),
        group: Group::Messaging,
    });
    let offer = w.offers_of("alice").remove(0);
    assert_eq!(
        offer.unit,
        conv("c1"),
        "the earliest due customer comes back first"
    );
    let out = w.handle(Input::OfferAccepted { offer: offer.id });
    assert_eq!(out[0].outcome, Outcome::OfferAccepted);
    assert_eq!(w.assigned_to("alice"), [conv("c1")]);
}

#[test]
fn becoming_available_for_mail_and_tasks_pushes_exactly_one_item() {
    let mut w = World::new();
    w.add_agent("alice", &["support"], 2, 3);
    w.unit(conv("mail1"), "support", Group::Mail, Some(30));
    w.unit(conv("mail2"), "support", Group::Mail, Some(20));
    w.unit(task("task1"), "support", Group::Task, Some(25));
    let out = w.available("alice", &[Group::Mail, Group::Task]);
    assert_eq!(
        given(&out),
        [("alice".to_owned(), conv("mail2"))],
        "one item, the earliest due"
    );
    assert_eq!(out[0].rule, "PUSH_MAIL_ON_AVAILABLE");
    // Mail arriving later is not pushed; Next pulls it.
    assert!(
        w.unit(conv("mail3"), "support", Group::Mail, Some(1))
            .is_empty()
    );
    w.handle(Input::WorkUpdated {
        agent: agent("alice"),
        unit: conv("mail2"),
        unseen_since: None,
    });
    w.next("alice").unwrap();
    assert_eq!(w.assigned_to("alice"), [conv("mail2"), conv("mail3")]);
    // Going away and coming back pushes one item again (Q5).
    w.handle(Input::AvailabilityChanged {
        agent: agent("alice"),
        available: groups(&[Group::Mail, Group::Task]),
        focus: false,
        away: true,
    });
    w.handle(Input::WorkUpdated {
        agent: agent("alice"),
        unit: conv("mail3"),
        unseen_since: None,
    });
    let back = w.available("alice", &[Group::Mail, Group::Task]);
    assert_eq!(given(&back), [("alice".to_owned(), task("task1"))]);
}

#[test]
fn next_serves_the_higher_tier_first_then_the_earlier_due_date() {
    let mut w = World::new();
    w.add_agent("alice", &["support"], 0, 1);
    w.unit(conv("mail-late"), "support", Group::Mail, Some(120));
    w.unit(conv("mail-soon"), "support", Group::Mail, Some(10));
    w.unit(conv("chat"), "support", Group::Messaging, Some(500));
    w.handle(Input::AvailabilityChanged {
        agent: agent("alice"),
        available: groups(&[Group::Messaging, Group::Mail]),
        focus: false,
        away: false,
    });
    // Standard capacity 0: nothing messaging is pushed, but the mail push takes one.
    assert_eq!(w.assigned_to("alice"), [conv("mail-soon")]);
    w.handle(Input::WorkUpdated {
        agent: agent("alice"),
        unit: conv("mail-soon"),
        unseen_since: None,
    });
    w.next("alice").unwrap();
    assert_eq!(
        w.assigned_to("alice").last(),
        Some(&conv("chat")),
        "messaging outranks mail whatever the due date"
    );
    w.handle(Input::WorkUpdated {
        agent: agent("alice"),
        unit: conv("chat"),
        unseen_since: None,
    });
    w.next("alice").unwrap();
    assert_eq!(w.assigned_to("alice").last(), Some(&conv("mail-late")));
}

#[test]
fn next_returns_own_work_with_the_oldest_unseen_update_before_new_customers() {
    let mut w = World::new();
    w.add_agent("alice", &["support"], 2, 3);
    w.available("alice", &[Group::Mail]);
    w.unit(conv("new"), "support", Group::Mail, Some(1));
    w.handle(Input::AssignedOutsideRouting {
        agent: agent("alice"),
        unit: conv("mine-b"),
        group: Group::Mail,
        live: false,
        at: w.now,
    });
    w.advance(1);
    w.handle(Input::AssignedOutsideRouting {
        agent: agent("alice"),
        unit: conv("mine-a"),
        group: Group::Mail,
        live: false,
        at: w.now,
    });
    let out = w.next("alice").unwrap();
    assert_eq!(
        (out[0].rule, out[0].unit.clone()),
        ("NEXT_OWN_UNSEEN", Some(conv("mine-b")))
    );
    assert!(
        w.engine.units.contains_key(&conv("new")),
        "Next handed own work and took nothing new"
    );
    w.handle(Input::WorkUpdated {
        agent: agent("alice"),
        unit: conv("mine-b"),
        unseen_since: None,
    });
    w.handle(Input::WorkUpdated {
        agent: agent("alice"),
        unit: conv("mine-a"),
        unseen_since: None,
    });
    let out = w.next("alice").unwrap();
    assert_eq!(
        (out[0].rule, out[0].unit.clone()),
        ("NEXT_PULL_BEST_UNIT", Some(conv("new")))
    );
}

#[test]
fn focus_and_away_stop_routing_and_focus_refuses_next() {
    let mut w = World::new();
    w.add_agent("alice", &["support"], 2, 3);
    w.handle(Input::AvailabilityChanged {
        agent: agent("alice"),
        available: groups(&ALL),
        focus: true,
        away: false,
    });
    assert!(given(&w.unit(conv("chat"), "support", Group::Messaging, Some(5))).is_empty());
    assert_eq!(w.next("alice"), Err(NextRefusal::FocusMode));
    let d = &w.log.last().unwrap().candidates[0];
    assert_eq!(
        (d.eligible, d.reasons.clone()),
        (false, vec![Reason::Focus])
    );
    w.handle(Input::AvailabilityChanged {
        agent: agent("alice"),
        available: groups(&ALL),
        focus: false,
        away: true,
    });
    assert!(w.assigned_to("alice").is_empty(), "away: still nothing");
    let out = w.available("alice", &ALL);
    assert_eq!(
        given(&out),
        [("alice".to_owned(), conv("chat"))],
        "back: the waiting chat is pushed at once"
    );
}

#[test]
fn the_availability_bar_next_needs_a_group_on_but_the_profile_next_does_not() {
    let mut w = World::new();
    w.add_agent("alice", &["support"], 2, 3);
    w.unit(conv("mail"), "support", Group::Mail, Some(5));
    assert_eq!(w.next_from_bar("alice"), Err(NextRefusal::NotAvailable));
    let out = w.next("alice").unwrap();
    assert_eq!(
        out[0].rule, "NEXT_NOTHING",
        "unavailable: no new work, nothing changes (Q16)"
    );
    assert!(w.engine.units.contains_key(&conv("mail")));
}

#[test]
fn only_inbox_members_receive_work() {
    let mut w = World::new();
    w.add_agent("alice", &["billing"], 2, 3);
    w.add_agent("bob", &["support"], 2, 3);
    w.available("alice", &ALL);
    w.available("bob", &ALL);
    let out = w.unit(conv("chat"), "support", Group::Messaging, Some(5));
    assert_eq!(given(&out), [("bob".to_owned(), conv("chat"))]);
    assert_eq!(
        out[0]
            .candidates
            .iter()
            .map(|c| c.agent.to_string())
            .collect::<Vec<_>>(),
        ["bob"],
        "only members are candidates"
    );
}

#[test]
fn after_call_work_holds_the_next_call_unless_close_and_next_overrides_it() {
    let mut w = World::new();
    w.policy("support", |p| {
        p.after_call_work = hearth_domain::Duration::seconds(30)
    });
    w.add_agent("alice", &["support"], 2, 3);
    w.available("alice", &[Group::Voice, Group::Messaging]);
    w.unit(conv("call1"), "support", Group::Voice, Some(1));
    let offer = w.offers_of("alice").remove(0);
    w.handle(Input::OfferAccepted { offer: offer.id });
    // A live call does not block messaging (capacity is per group).
    assert_eq!(
        given(&w.unit(conv("chat"), "support", Group::Messaging, Some(5))),
        [("alice".to_owned(), conv("chat"))]
    );
    w.handle(Input::ContactEnded {
        agent: agent("alice"),
        unit: conv("call1"),
        group: Group::Voice,
        inbox: inbox("support"),
    });
    assert!(
        given(&w.unit(conv("call2"), "support", Group::Voice, Some(1))).is_empty(),
        "after-call work holds the next call"
    );
    for c in ["call1", "chat"] {
        w.handle(Input::WorkUpdated {
            agent: agent("alice"),
            unit: conv(c),
            unseen_since: None,
        });
    }
    let out = w.next("alice").unwrap();
    assert!(
        given(&out).contains(&("alice".to_owned(), conv("call2"))),
        "Close & Next overrides after-call work: {out:?}"
    );
}

#[test]
fn each_selection_policy_picks_its_agent() {
    let cases = [
        (Selection::LongestIdle, "amy"),
        (Selection::RoundRobin, "bea"),
        (Selection::MostSpareCapacity, "bea"),
        (Selection::FewestOpen, "bea"),
    ];
    for (selection, want) in cases {
        let mut w = World::new();
        w.policy("support", |p| p.selection = selection);
        w.add_agent("amy", &["support"], 3, 3);
        w.add_agent("bea", &["support"], 4, 4);
        w.available("amy", &[Group::Messaging]);
        w.advance(60);
        w.available("bea", &[Group::Messaging]);
        // amy has been idle longer, but holds one open conversation, was assigned
        // more recently, and has less spare capacity (3 against bea's 4).
        w.handle(Input::AssignedOutsideRouting {
            agent: agent("amy"),
            unit: conv("old"),
            group: Group::Messaging,
            live: false,
            at: w.now,
        });
        w.advance(10);
        let out = w.unit(conv("chat"), "support", Group::Messaging, Some(5));
        assert_eq!(
            given(&out),
            [(want.to_owned(), conv("chat"))],
            "{selection:?}"
        );
    }
}

#[test]
fn the_preferred_agent_gets_the_customer_when_eligible() {
    let mut w = World::new();
    w.add_agent("alice", &["support"], 2, 3);
    w.add_agent("bob", &["support"], 2, 3);
    w.available("alice", &[Group::Messaging]);
    w.advance(100);
    w.available("bob", &[Group::Messaging]);
    let unit = Unit {
        id: conv("returning"),
        inbox_id: inbox("support"),
        group: Group::Messaging,
        score: 0,
        due_at: None,
        arrived_at: w.now,
        preferred_agent: Some(agent("bob")),
    };
    let out = w.handle(Input::UnitRoutable(unit));
    assert_eq!(
        (out[0].rule, given(&out)),
        (
            "PUSH_SAME_AGENT",
            vec![("bob".to_owned(), conv("returning"))]
        )
    );
}

#[test]
fn a_withdrawn_unit_voids_its_offer() {
    let mut w = World::new();
    w.add_agent("alice", &["support"], 2, 3);
    w.available("alice", &[Group::Voice]);
    w.unit(conv("call"), "support", Group::Voice, Some(1));
    let offer = w.offers_of("alice").remove(0);
    let out = w.handle(Input::UnitWithdrawn(conv("call")));
    assert!(out[0].effects.contains(&Effect::OfferWithdrawn {
        offer: offer.id.clone(),
        agent: agent("alice")
    }));
    assert!(w.engine.offers.is_empty() && w.engine.agents[&agent("alice")].offer.is_none());
    assert!(
        w.handle(Input::OfferAccepted { offer: offer.id })
            .is_empty(),
        "a void offer cannot be accepted"
    );
}

#[test]
fn nothing_waiting_means_nothing_changes() {
    let mut w = World::new();
    w.add_agent("alice", &["support"], 2, 3);
    w.available("alice", &ALL);
    let before = w.engine.clone();
    let out = w.next("alice").unwrap();
    assert_eq!(
        (out.len(), out[0].outcome, out[0].rule),
        (1, Outcome::Nothing, "NEXT_NOTHING")
    );
    assert_eq!(w.engine, before);
}

/// R22 with R29: turning Voice, Messaging and Mail on at once while a call waits
/// offers the call and pushes no email beside it; the email stays routable to a
/// colleague, and the item owed is pushed once the call has ended.
#[test]
fn the_mail_item_of_becoming_available_waits_while_a_call_is_offered_or_held() {
    let mut w = World::new();
    w.add_agent("alice", &["support"], 2, 3);
    w.add_agent("bob", &["support"], 2, 3);
    w.unit(conv("call"), "support", Group::Voice, Some(30));
    w.unit(conv("mail1"), "support", Group::Mail, Some(60));
    w.unit(conv("mail2"), "support", Group::Mail, Some(90));
    let out = w.available("alice", &[Group::Voice, Group::Messaging, Group::Mail]);
    assert_eq!(
        given(&out),
        [("alice".to_owned(), conv("call"))],
        "the call rings, and nothing is given beside it"
    );
    let offer = w.offers_of("alice").remove(0);
    assert_eq!(offer.unit, conv("call"));
    // The email is still anyone's: Bob turning Mail on gets it.
    let bob = w.available("bob", &[Group::Mail]);
    assert_eq!(given(&bob), [("bob".to_owned(), conv("mail1"))]);
    // Accepting holds the call: still no mail.
    let accepted = w.handle(Input::OfferAccepted { offer: offer.id });
    assert!(
        given(&accepted).iter().all(|(_, u)| *u == conv("call")),
        "{accepted:?}"
    );
    assert_eq!(w.assigned_to("alice"), [conv("call")]);
    // The call ends: the owed item comes.
    let ended = w.handle(Input::ContactEnded {
        agent: agent("alice"),
        unit: conv("call"),
        group: Group::Voice,
        inbox: inbox("support"),
    });
    assert_eq!(
        given(&ended),
        [("alice".to_owned(), conv("mail2"))],
        "{ended:?}"
    );
    // Once only.
    let later = w.unit(conv("mail3"), "support", Group::Mail, Some(5));
    assert!(given(&later).is_empty());
}
