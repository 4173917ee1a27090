//! Invariants over random command sequences: a customer never has two non-closed
//! conversations, a closed conversation accepts no edit, status always equals its
//! derivation from the contacts (R9-R12), and folding the events reproduces the state.

use hearth_domain::channel::Channel;
use hearth_domain::conversation::{Command, Status, derive_status, fold};
use hearth_domain::id::{AgentId, ItemId, TopicId};
use hearth_domain::item::{ConversationItem, ItemContent};
use hearth_domain::{DomainError, Duration};
use proptest::prelude::*;

use super::fixture::World;

#[derive(Debug, Clone)]
enum Op {
    Inbound(Channel, u8),
    Assign(Option<u8>),
    Reply(Channel),
    Close(bool),
    Reopen,
    NoReplyNeeded,
    AgentEnd,
    CustomerEnd(usize, bool),
    LimitElapsed(usize),
    AnswerCall(usize),
    Topic(u8),
    Note,
    Advance(u32),
}

fn channel() -> impl Strategy<Value = Channel> {
    proptest::sample::select(Channel::ALL.to_vec())
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (channel(), 0u8..3).prop_map(|(c, s)| Op::Inbound(c, s)),
        2 => proptest::option::of(0u8..3).prop_map(Op::Assign),
        3 => channel().prop_map(Op::Reply),
        2 => any::<bool>().prop_map(Op::Close),
        1 => Just(Op::Reopen),
        1 => Just(Op::NoReplyNeeded),
        1 => Just(Op::AgentEnd),
        2 => (0usize..6, any::<bool>()).prop_map(|(i, a)| Op::CustomerEnd(i, a)),
        1 => (0usize..6).prop_map(Op::LimitElapsed),
        1 => (0usize..6).prop_map(Op::AnswerCall),
        1 => (0u8..3).prop_map(Op::Topic),
        1 => Just(Op::Note),
        2 => (0u32..(30 * 3600)).prop_map(Op::Advance),
    ]
}

fn agent(i: u8) -> String {
    format!("agent{i}")
}

fn note(w: &mut World) -> ConversationItem {
    ConversationItem {
        id: ItemId::from_trusted(w.fresh("note")),
        customer_id: w.customer.clone(),
        conversation_id: None,
        contact_id: None,
        session_id: None,
        timestamp: w.now,
        initiator: w.agent("agent0"),
        responder: None,
        content: ItemContent::ConversationNote {
            body: "n".into(),
            attachments: vec![],
        },
        redaction: None,
    }
}

fn step(w: &mut World, op: &Op) -> Result<(), DomainError> {
    let contact = |w: &World, i: usize| {
        w.latest()
            .contacts
            .get(i % w.latest().contacts.len().max(1))
            .map(|c| c.id.clone())
    };
    match op {
        Op::Inbound(c, session) => {
            w.inbound_in_session(*c, (*c == Channel::Chat).then(|| format!("s{session}")))?;
        }
        _ if w.conversations.is_empty() => {}
        Op::Assign(a) => {
            w.assign(a.map(agent).as_deref())?;
        }
        Op::Reply(c) => {
            let has = w.log.last().is_some_and(|l| {
                l.iter().any(|e| matches!(&e.kind, hearth_domain::conversation::EventKind::MessageReceived { item } if hearth_domain::conversation::message_channel(&item.content) == Some(*c)))
            });
            if has && *c != Channel::PhoneCall {
                w.reply("agent0", *c)?;
            }
        }
        Op::Close(force) => {
            w.run(Command::Close {
                initiator: w.agent("agent0"),
                force: *force,
            })?;
        }
        Op::Reopen => {
            w.run(Command::Reopen {
                initiator: w.agent("agent1"),
                agent_id: Some(AgentId::from_trusted("agent1")),
            })?;
        }
        Op::NoReplyNeeded => {
            w.run(Command::NoReplyNeeded {
                initiator: w.agent("agent0"),
            })?;
        }
        Op::AgentEnd => {
            w.run(Command::AgentEnd {
                initiator: w.agent("agent0"),
            })?;
        }
        Op::CustomerEnd(i, abandoned) => {
            if let Some(id) = contact(w, *i) {
                w.run(Command::CustomerEnd {
                    contact_id: id,
                    abandoned: *abandoned,
                })?;
            }
        }
        Op::LimitElapsed(i) => {
            if let Some(id) = contact(w, *i) {
                w.run(Command::SameAgentLimitElapsed { contact_id: id })?;
            }
        }
        Op::AnswerCall(i) => {
            if let Some(id) = contact(w, *i) {
                w.run(Command::AnswerCall {
                    contact_id: id,
                    agent_id: AgentId::from_trusted("agent2"),
                })?;
            }
        }
        Op::Topic(t) => {
            let item_id = ItemId::from_trusted(w.fresh("tc"));
            w.run(Command::AddTopics {
                initiator: w.agent("agent0"),
                topic_ids: vec![TopicId::from_trusted(format!("topic{t}"))],
                item_id,
            })?;
        }
        Op::Note => {
            let item = note(w);
            w.run(Command::AddNote {
                item: Box::new(item),
            })?;
        }
        Op::Advance(s) => w.advance(Duration::seconds(i64::from(*s))),
    }
    Ok(())
}

/// R9-R12 written out independently of `derive_status`: closed wins; otherwise OPEN
/// while a customer waits for a reply, a call or chat is live, an answered message
/// is inside its same-agent window, or an agent holds it for an outbound.
fn oracle_status(c: &hearth_domain::conversation::Conversation) -> Status {
    if c.closed_at.is_some() {
        return Status::Closed;
    }
    let waiting_for_reply = c
        .contacts
        .iter()
        .any(|k| k.due_at.is_some() && k.fulfilled.is_none());
    let live = c
        .contacts
        .iter()
        .any(|k| k.channel.is_live() && k.ended.is_none());
    let in_window = c
        .contacts
        .iter()
        .any(|k| !k.channel.is_live() && k.ended.is_none());
    if waiting_for_reply || live || in_window || c.awaiting_outbound {
        Status::Open
    } else {
        Status::Waiting
    }
}

/// What each accepted command must have achieved.
fn check_postcondition(w: &World, op: &Op) -> Result<(), TestCaseError> {
    let c = w.latest();
    match op {
        Op::Inbound(..) => prop_assert_eq!(
            c.status,
            Status::Open,
            "an inbound contact opens the conversation"
        ),
        Op::Close(_) => prop_assert_eq!(c.status, Status::Closed),
        Op::NoReplyNeeded => {
            // A ringing call is not a message: No Reply Needed leaves it to be answered.
            let live_call = c
                .contacts
                .iter()
                .any(|k| k.channel == Channel::PhoneCall && k.ended.is_none());
            let pending: Vec<_> = c.contacts.iter().filter(|k| k.sla_pending()).collect();
            prop_assert!(
                pending
                    .iter()
                    .all(|k| k.channel == Channel::PhoneCall && k.ended.is_none()),
                "No Reply Needed clears the SLA"
            );
            prop_assert!(
                live_call || c.status == Status::Waiting,
                "No Reply Needed leaves the conversation WAITING"
            );
        }
        Op::AgentEnd => prop_assert!(
            c.contacts
                .iter()
                .all(|k| !k.channel.is_live() || k.ended.is_some())
        ),
        Op::Reopen => prop_assert_eq!(c.status, Status::Open),
        _ => {}
    }
    Ok(())
}

fn check_invariants(w: &mut World) -> Result<(), TestCaseError> {
    let open = w
        .conversations
        .iter()
        .filter(|c| c.status != Status::Closed)
        .count();
    prop_assert!(open <= 1, "a customer has {open} non-closed conversations");
    for (c, log) in w.conversations.iter().zip(&w.log) {
        prop_assert_eq!(
            c.status,
            derive_status(c.closed_at.is_some(), &c.contacts, c.awaiting_outbound)
        );
        prop_assert_eq!(c.status, oracle_status(c));
        let folded = fold(log);
        prop_assert_eq!(
            Some(c),
            folded.as_ref(),
            "folding the events must reproduce the state"
        );
        for k in &c.contacts {
            prop_assert!(
                k.ended.is_none() || k.fulfilled.is_some() || k.due_at.is_none(),
                "an ended contact has its SLA settled"
            );
        }
        if c.status == Status::Closed {
            prop_assert!(
                c.contacts.iter().all(|k| k.ended.is_some()),
                "a closed conversation has no active contact"
            );
        }
    }
    if w.latest().status == Status::Closed {
        let before = w.latest().clone();
        let refused = [
            w.assign(Some("agent0")),
            w.run(Command::AddTopics {
                initiator: w.agent("a"),
                topic_ids: vec![TopicId::from_trusted("z")],
                item_id: ItemId::from_trusted("z"),
            }),
            {
                let item = note(w);
                w.run(Command::AddNote {
                    item: Box::new(item),
                })
            },
            w.run(Command::NoReplyNeeded {
                initiator: w.agent("a"),
            }),
            w.run(Command::AgentEnd {
                initiator: w.agent("a"),
            }),
        ];
        for r in refused {
            prop_assert!(
                matches!(r, Err(DomainError::ConversationClosed(_))),
                "a closed conversation accepted an edit: {r:?}"
            );
        }
        prop_assert_eq!(w.latest(), &before);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_command_sequences_keep_the_invariants(ops in proptest::collection::vec(op(), 1..60)) {
        let mut w = World::new();
        for op in &ops {
            // Refusals are allowed; they must leave the state untouched, which
            // `World` guarantees by recording only accepted decisions.
            let before = w.log.iter().map(Vec::len).sum::<usize>();
            let accepted = step(&mut w, op).is_ok();
            let changed = w.log.iter().map(Vec::len).sum::<usize>() != before;
            if !w.conversations.is_empty() {
                if accepted && changed {
                    check_postcondition(&w, op)?;
                }
                check_invariants(&mut w)?;
            }
        }
    }
}
