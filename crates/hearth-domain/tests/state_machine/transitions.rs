//! One test per row of the transition table (T1-T29).

use hearth_domain::DomainError;
use hearth_domain::Duration;
use hearth_domain::channel::Channel;
use hearth_domain::conversation::{
    AssignReason, Command, Context, Direction, EndReason, EndStatus, EventKind, Fulfilment,
    QueueState, Sla, Status, decide_create_for_outbound,
};
use hearth_domain::id::{AgentId, ConversationId, InboxId, ItemId, TopicId};
use hearth_domain::item::{ConversationItem, ItemContent, StatusChange};

use super::fixture::{INBOX, SLA_MINUTES, World, types};

fn close(
    w: &mut World,
    force: bool,
) -> Result<Vec<hearth_domain::conversation::Event>, DomainError> {
    let initiator = w.agent("alice");
    w.run(Command::Close { initiator, force })
}

fn status_items(events: &[hearth_domain::conversation::Event]) -> Vec<StatusChange> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ItemAdded {
                item:
                    ConversationItem {
                        content: ItemContent::ConversationStatusChange { status },
                        ..
                    },
            } => Some(*status),
            _ => None,
        })
        .collect()
}

#[test]
fn t1_first_inbound_creates_an_open_unassigned_conversation_with_a_due_date() {
    let mut w = World::new();
    let events = w.inbound(Channel::Email).unwrap();
    assert_eq!(
        types(&events),
        [
            "CONVERSATION/CREATED",
            "CONTACT/STARTED",
            "CONTACT/MESSAGE_RECEIVED"
        ]
    );
    let c = w.latest();
    assert_eq!(c.status, Status::Open);
    assert_eq!(c.agent_id, None);
    assert_eq!(c.queue_state(), QueueState::New);
    assert_eq!(c.due_at(), Some(w.now + Duration::minutes(SLA_MINUTES)));
    assert_eq!(c.inbox_id.as_str(), INBOX);
}

#[test]
fn t2_inbound_within_the_reopen_window_reopens_with_the_same_agent_for_mail() {
    let mut w = World::new();
    w.inbound(Channel::Email).unwrap();
    w.assign(Some("alice")).unwrap();
    w.reply("alice", Channel::Email).unwrap();
    close(&mut w, false).unwrap();
    w.advance(Duration::hours(2));
    let events = w.inbound(Channel::Email).unwrap();
    assert!(types(&events).contains(&"CONVERSATION/REOPENED"));
    assert_eq!(status_items(&events), [StatusChange::Open]);
    assert_eq!(w.conversations.len(), 1);
    let c = w.latest();
    assert_eq!(c.status, Status::Open);
    assert_eq!(c.agent_id.as_ref().map(AgentId::as_str), Some("alice"));
    assert_eq!(c.due_at(), Some(w.now + Duration::minutes(SLA_MINUTES)));
}

#[test]
fn t2_messaging_reopen_goes_back_to_the_inbox() {
    let mut w = World::new();
    w.inbound(Channel::Sms).unwrap();
    w.assign(Some("alice")).unwrap();
    w.reply("alice", Channel::Sms).unwrap();
    close(&mut w, false).unwrap();
    w.advance(Duration::hours(1));
    let events = w.inbound(Channel::Sms).unwrap();
    assert!(types(&events).contains(&"CONVERSATION_ASSIGNEE/UPDATED"));
    assert_eq!(w.latest().agent_id, None);
    assert_eq!(w.latest().queue_state(), QueueState::New);
}

#[test]
fn t3_inbound_after_the_reopen_window_starts_a_new_conversation() {
    let mut w = World::new();
    w.inbound(Channel::Email).unwrap();
    close(&mut w, true).unwrap();
    w.advance(Duration::hours(25));
    let events = w.inbound(Channel::Email).unwrap();
    assert_eq!(types(&events)[0], "CONVERSATION/CREATED");
    assert_eq!(w.conversations.len(), 2);
    assert_eq!(w.conversations[0].status, Status::Closed);
    assert_eq!(w.conversations[1].status, Status::Open);
}

#[test]
fn t4_inbound_on_a_waiting_conversation_reopens_it_keeping_the_mail_agent() {
    let mut w = World::new();
    w.inbound(Channel::Email).unwrap();
    w.assign(Some("alice")).unwrap();
    w.reply("alice", Channel::Email).unwrap();
    let contact = w.latest().contacts[0].id.clone();
    w.advance(Duration::minutes(15));
    w.run(Command::SameAgentLimitElapsed {
        contact_id: contact,
    })
    .unwrap();
    assert_eq!(w.latest().status, Status::Waiting);
    let events = w.inbound(Channel::Email).unwrap();
    assert!(types(&events).contains(&"CONVERSATION_STATUS/UPDATED"));
    assert_eq!(w.latest().status, Status::Open);
    assert_eq!(
        w.latest().agent_id.as_ref().map(AgentId::as_str),
        Some("alice")
    );
}

#[test]
fn t4_messaging_after_the_same_agent_limit_is_unassigned_and_routable() {
    let mut w = World::new();
    w.inbound(Channel::Sms).unwrap();
    w.assign(Some("alice")).unwrap();
    w.reply("alice", Channel::Sms).unwrap();
    let contact = w.latest().contacts[0].id.clone();
    w.advance(Duration::minutes(20));
    w.run(Command::SameAgentLimitElapsed {
        contact_id: contact,
    })
    .unwrap();
    assert_eq!(w.latest().status, Status::Waiting);
    w.inbound(Channel::Sms).unwrap();
    assert_eq!(w.latest().agent_id, None);
    assert!(w.latest().is_routable());
}

#[test]
fn t4_messaging_within_the_same_agent_limit_stays_with_the_agent() {
    let mut w = World::new();
    w.routing.same_agent_limit = Duration::minutes(15);
    w.inbound(Channel::Chat).unwrap();
    w.assign(Some("alice")).unwrap();
    w.reply("alice", Channel::Chat).unwrap();
    w.run(Command::AgentEnd {
        initiator: w.agent("alice"),
    })
    .unwrap();
    assert_eq!(w.latest().status, Status::Waiting);
    w.advance(Duration::minutes(5));
    w.inbound_in_session(Channel::Chat, Some("s2".into()))
        .unwrap();
    assert_eq!(
        w.latest().agent_id.as_ref().map(AgentId::as_str),
        Some("alice")
    );
}

#[test]
fn t5_assigning_an_agent_leaves_the_new_view() {
    let mut w = World::new();
    w.inbound(Channel::Chat).unwrap();
    let events = w.assign(Some("alice")).unwrap();
    assert_eq!(types(&events), ["CONVERSATION_ASSIGNEE/UPDATED"]);
    assert_eq!(w.latest().queue_state(), QueueState::Assigned);
    assert_eq!(w.latest().status, Status::Open);
}

#[test]
fn t6_a_declined_offer_returns_the_conversation_to_the_queue() {
    let mut w = World::new();
    w.inbound(Channel::Chat).unwrap();
    w.assign(Some("alice")).unwrap();
    w.run(Command::Assign {
        initiator: w.agent("alice"),
        inbox_id: InboxId::from_trusted(INBOX),
        agent_id: None,
        reason: AssignReason::ContactDeclined,
        inbox_sla: Sla::around_the_clock(Duration::minutes(SLA_MINUTES)),
    })
    .unwrap();
    assert_eq!(w.latest().status, Status::Open);
    assert_eq!(w.latest().queue_state(), QueueState::New);
}

#[test]
fn t7_an_agent_reply_fulfils_the_sla_and_keeps_the_agent() {
    let mut w = World::new();
    w.inbound(Channel::Email).unwrap();
    w.assign(Some("alice")).unwrap();
    let events = w.reply("alice", Channel::Email).unwrap();
    assert_eq!(
        types(&events),
        ["CONTACT/MESSAGE_SENT", "CONTACT/FULFILLED"]
    );
    assert!(events.iter().any(|e| matches!(
        e.kind,
        EventKind::ContactFulfilled {
            fulfilment: Fulfilment::Responded,
            ..
        }
    )));
    let c = w.latest();
    assert_eq!(c.status, Status::Open);
    assert_eq!(c.due_at(), None);
    assert_eq!(c.agent_id.as_ref().map(AgentId::as_str), Some("alice"));
}

#[test]
fn t8_an_answered_email_waits_once_the_same_agent_limit_expires() {
    let mut w = World::new();
    w.inbound(Channel::Email).unwrap();
    w.assign(Some("alice")).unwrap();
    w.reply("alice", Channel::Email).unwrap();
    let contact = w.latest().contacts[0].id.clone();
    w.advance(Duration::minutes(15));
    let events = w
        .run(Command::SameAgentLimitElapsed {
            contact_id: contact,
        })
        .unwrap();
    assert_eq!(
        types(&events),
        ["CONTACT/ENDED", "CONVERSATION_STATUS/UPDATED"]
    );
    assert_eq!(w.latest().status, Status::Waiting);
    assert_eq!(
        w.latest().agent_id.as_ref().map(AgentId::as_str),
        Some("alice")
    );
}

#[test]
fn t8_a_limit_that_has_not_run_out_changes_nothing() {
    let mut w = World::new();
    w.inbound(Channel::Email).unwrap();
    w.reply("alice", Channel::Email).unwrap();
    let contact = w.latest().contacts[0].id.clone();
    w.advance(Duration::minutes(14));
    assert_eq!(
        w.run(Command::SameAgentLimitElapsed {
            contact_id: contact
        })
        .unwrap(),
        vec![]
    );
    assert_eq!(w.latest().status, Status::Open);
}

#[test]
fn t8_an_unanswered_email_does_not_expire() {
    let mut w = World::new();
    w.inbound(Channel::Email).unwrap();
    let contact = w.latest().contacts[0].id.clone();
    assert_eq!(
        w.run(Command::SameAgentLimitElapsed {
            contact_id: contact
        })
        .unwrap(),
        vec![]
    );
    assert_eq!(w.latest().status, Status::Open);
}

#[test]
fn t9_a_silent_messaging_session_auto_ends_without_closing() {
    let mut w = World::new();
    w.inbound(Channel::Chat).unwrap();
    w.assign(Some("alice")).unwrap();
    w.reply("alice", Channel::Chat).unwrap();
    let contact = w.latest().contacts[0].id.clone();
    w.advance(Duration::minutes(15));
    let events = w
        .run(Command::SameAgentLimitElapsed {
            contact_id: contact,
        })
        .unwrap();
    assert!(events.iter().any(|e| matches!(
        e.kind,
        EventKind::ContactEnded {
            reason: Some(EndReason::CustomerNoReply),
            ..
        }
    )));
    assert_eq!(w.latest().status, Status::Waiting);
}

#[test]
fn t10_a_call_that_ends_leaves_the_conversation_waiting_with_its_agent() {
    let mut w = World::new();
    w.inbound(Channel::PhoneCall).unwrap();
    let contact = w.latest().contacts[0].id.clone();
    w.run(Command::AnswerCall {
        contact_id: contact.clone(),
        agent_id: AgentId::from_trusted("alice"),
    })
    .unwrap();
    let events = w
        .run(Command::CustomerEnd {
            contact_id: contact,
            abandoned: false,
        })
        .unwrap();
    assert!(events.iter().any(|e| matches!(
        e.kind,
        EventKind::ContactEnded {
            reason: None,
            status: EndStatus::Answered,
            ..
        }
    )));
    assert_eq!(w.latest().status, Status::Waiting);
    assert_eq!(
        w.latest().agent_id.as_ref().map(AgentId::as_str),
        Some("alice")
    );
}

#[test]
fn t11_agent_end_on_a_chat_waits_for_follow_up() {
    let mut w = World::new();
    w.inbound(Channel::Chat).unwrap();
    w.assign(Some("alice")).unwrap();
    w.reply("alice", Channel::Chat).unwrap();
    let events = w
        .run(Command::AgentEnd {
            initiator: w.agent("alice"),
        })
        .unwrap();
    assert!(events.iter().any(|e| matches!(
        e.kind,
        EventKind::ContactEnded {
            reason: Some(EndReason::AgentEnded),
            ..
        }
    )));
    assert_eq!(w.latest().status, Status::Waiting);
    assert_eq!(
        w.latest().agent_id.as_ref().map(AgentId::as_str),
        Some("alice")
    );
}

#[test]
fn t12_no_reply_needed_clears_the_sla_and_waits() {
    let mut w = World::new();
    w.inbound(Channel::Email).unwrap();
    w.assign(Some("alice")).unwrap();
    let events = w
        .run(Command::NoReplyNeeded {
            initiator: w.agent("alice"),
        })
        .unwrap();
    assert!(events.iter().any(|e| matches!(
        e.kind,
        EventKind::ContactFulfilled {
            fulfilment: Fulfilment::Canceled,
            ..
        }
    )));
    assert!(events.iter().any(|e| matches!(
        e.kind,
        EventKind::ContactEnded {
            reason: Some(EndReason::NoReplyNeeded),
            ..
        }
    )));
    let c = w.latest();
    assert_eq!(c.status, Status::Waiting);
    assert_eq!(c.due_at(), None);
    assert!(!c.is_routable());
    assert_eq!(c.agent_id.as_ref().map(AgentId::as_str), Some("alice"));
}

#[test]
fn t13_close_without_a_reply_needs_force_and_then_ends_everything() {
    let mut w = World::new();
    w.inbound(Channel::Email).unwrap();
    w.assign(Some("alice")).unwrap();
    assert_eq!(close(&mut w, false), Err(DomainError::ReplyMissing));
    assert_eq!(
        w.latest().status,
        Status::Open,
        "a refused close changes nothing"
    );
    let events = close(&mut w, true).unwrap();
    assert!(events.iter().any(|e| matches!(
        e.kind,
        EventKind::ContactEnded {
            reason: Some(EndReason::ConversationClosed),
            ..
        }
    )));
    assert!(types(&events).contains(&"CONVERSATION/CLOSED"));
    assert_eq!(status_items(&events), [StatusChange::Closed]);
    let c = w.latest();
    assert_eq!(c.status, Status::Closed);
    assert_eq!(c.closed_at, Some(w.now));
    assert_eq!(c.due_at(), None);
}

#[test]
fn t13_close_after_a_reply_needs_no_confirmation() {
    let mut w = World::new();
    w.inbound(Channel::Email).unwrap();
    w.assign(Some("alice")).unwrap();
    w.reply("alice", Channel::Email).unwrap();
    close(&mut w, false).unwrap();
    assert_eq!(w.latest().status, Status::Closed);
}

#[test]
fn t14_close_and_next_closes_like_close() {
    // Close & Next is T13 plus a routing request; the conversation part is the
    // same close, refused the same way without a topic when one is required.
    let mut w = World::new();
    w.require_topic = true;
    w.inbound(Channel::Sms).unwrap();
    w.reply("alice", Channel::Sms).unwrap();
    assert_eq!(close(&mut w, false), Err(DomainError::TopicsRequired));
    w.run(Command::AddTopics {
        initiator: w.agent("alice"),
        topic_ids: vec![TopicId::from_trusted("billing")],
        item_id: ItemId::from_trusted("tc"),
    })
    .unwrap();
    close(&mut w, false).unwrap();
    assert_eq!(w.latest().status, Status::Closed);
}

#[test]
fn t15_end_and_close_ends_the_chat_then_closes() {
    let mut w = World::new();
    w.inbound(Channel::Chat).unwrap();
    w.assign(Some("alice")).unwrap();
    w.reply("alice", Channel::Chat).unwrap();
    let mut events = w
        .run(Command::AgentEnd {
            initiator: w.agent("alice"),
        })
        .unwrap();
    events.extend(close(&mut w, false).unwrap());
    assert!(events.iter().any(|e| matches!(
        e.kind,
        EventKind::ContactEnded {
            reason: Some(EndReason::AgentEnded),
            ..
        }
    )));
    assert_eq!(w.latest().status, Status::Closed);
}

#[test]
fn t16_next_changes_nothing_on_the_conversation() {
    // Next is a routing request only: the action yields no conversation command.
    let mut w = World::new();
    w.inbound(Channel::Email).unwrap();
    w.assign(Some("alice")).unwrap();
    let viewer = hearth_domain::actions::Viewer {
        focus: false,
        require_topic: false,
        is_assignee: true,
    };
    let commands = hearth_domain::actions::commands_for(
        w.latest(),
        viewer,
        hearth_domain::actions::Action::Next,
        false,
        w.agent("alice"),
    )
    .unwrap();
    assert!(commands.is_empty());
    assert_eq!(w.latest().status, Status::Open);
}

#[test]
fn t17_unassigning_an_unanswered_conversation_makes_it_new_again() {
    let mut w = World::new();
    w.inbound(Channel::Email).unwrap();
    w.assign(Some("alice")).unwrap();
    w.assign(None).unwrap();
    assert_eq!(w.latest().status, Status::Open);
    assert_eq!(w.latest().queue_state(), QueueState::New);
}

#[test]
fn t17_unassigning_an_answered_conversation_leaves_it_waiting_unassigned() {
    let mut w = World::new();
    w.inbound(Channel::Email).unwrap();
    w.assign(Some("alice")).unwrap();
    w.run(Command::NoReplyNeeded {
        initiator: w.agent("alice"),
    })
    .unwrap();
    w.assign(None).unwrap();
    assert_eq!(w.latest().status, Status::Waiting);
    assert_eq!(w.latest().queue_state(), QueueState::None);
}

#[test]
fn t18_a_transfer_recomputes_the_due_date_from_the_new_inbox() {
    let mut w = World::new();
    w.inbound(Channel::Email).unwrap();
    w.assign(Some("alice")).unwrap();
    w.advance(Duration::minutes(10));
    let events = w
        .run(Command::Assign {
            initiator: w.agent("alice"),
            inbox_id: InboxId::from_trusted("billing"),
            agent_id: None,
            reason: AssignReason::Manual,
            inbox_sla: Sla::around_the_clock(Duration::hours(4)),
        })
        .unwrap();
    assert!(types(&events).contains(&"CONTACT/TRANSFERRED"));
    let c = w.latest();
    assert_eq!(c.inbox_id.as_str(), "billing");
    assert_eq!(c.due_at(), Some(w.now + Duration::hours(4)));
    assert_eq!(c.queue_state(), QueueState::New);
}

#[test]
fn t19_an_agent_reopen_holds_the_conversation_open_and_unroutable() {
    let mut w = World::new();
    w.inbound(Channel::Email).unwrap();
    w.assign(Some("alice")).unwrap();
    close(&mut w, true).unwrap();
    let events = w
        .run(Command::Reopen {
            initiator: w.agent("bob"),
            agent_id: Some(AgentId::from_trusted("bob")),
        })
        .unwrap();
    assert!(types(&events).contains(&"CONVERSATION/REOPENED"));
    let c = w.latest();
    assert_eq!(c.status, Status::Open);
    assert_eq!(c.agent_id.as_ref().map(AgentId::as_str), Some("bob"));
    assert!(!c.is_routable());
    assert_eq!(c.closed_at, None);
}

#[test]
fn t19_the_agents_own_message_opens_an_outbound_contact_and_ends_the_hold() {
    let mut w = World::new();
    w.inbound(Channel::Email).unwrap();
    w.assign(Some("alice")).unwrap();
    close(&mut w, true).unwrap();
    let send = |w: &mut World, channel: Channel| {
        let item = ConversationItem {
            id: ItemId::from_trusted(w.fresh("out")),
            customer_id: w.customer.clone(),
            conversation_id: None,
            contact_id: None,
            session_id: None,
            timestamp: w.now,
            initiator: w.agent("bob"),
            responder: None,
            content: w.message(channel),
            redaction: None,
        };
        w.run(Command::Send {
            item: Box::new(item),
            agent_id: Some(AgentId::from_trusted("bob")),
        })
    };
    assert!(
        matches!(
            send(&mut w, Channel::Email),
            Err(DomainError::ConversationClosed(_))
        ),
        "closed conversations are read-only (R8)"
    );
    w.run(Command::Reopen {
        initiator: w.agent("bob"),
        agent_id: Some(AgentId::from_trusted("bob")),
    })
    .unwrap();
    assert!(matches!(
        send(&mut w, Channel::Chat),
        Err(DomainError::Invalid { ref attr, .. }) if attr == "content.type"
    ));
    let events = send(&mut w, Channel::Email).unwrap();
    assert_eq!(types(&events), ["CONTACT/STARTED", "CONTACT/MESSAGE_SENT"]);
    let c = w.latest();
    assert!(
        !c.awaiting_outbound,
        "the hold of R54 ends with the message"
    );
    assert_eq!(
        c.status,
        Status::Open,
        "the agent still owns it and closes it"
    );
    let outbound = c.contacts.last().unwrap();
    assert_eq!(outbound.direction, Direction::Outbound);
    assert_eq!(outbound.channel, Channel::Email);
    assert_eq!(c.agent_id.as_ref().map(AgentId::as_str), Some("bob"));
}

#[test]
fn t20_create_new_starts_a_conversation_owned_by_the_agent() {
    let mut w = World::new();
    w.inbound(Channel::Email).unwrap();
    close(&mut w, true).unwrap();
    let latest = w.latest().clone();
    let mut ctx = Context {
        now: w.now,
        settings: &w.settings,
        routing: &w.routing,
        ids: &mut w.ids,
    };
    let events = decide_create_for_outbound(
        ConversationId::from_trusted("fresh"),
        w.customer.clone(),
        InboxId::from_trusted(INBOX),
        AgentId::from_trusted("bob"),
        Some(&latest),
        &mut ctx,
    )
    .unwrap();
    let c = hearth_domain::conversation::fold(&events).unwrap();
    assert_eq!(c.status, Status::Open);
    assert_eq!(c.agent_id.as_ref().map(AgentId::as_str), Some("bob"));
    assert!(!c.is_routable());
    assert_eq!(
        latest.status,
        Status::Closed,
        "the old conversation stays closed"
    );
}

#[test]
fn t21_a_rule_close_needs_no_confirmation() {
    let mut w = World::new();
    w.inbound(Channel::Email).unwrap();
    let rule = hearth_domain::item::Initiator::new(
        hearth_domain::item::InitiatorType::Automation,
        "rule-spam",
    );
    w.run(Command::Close {
        initiator: rule,
        force: true,
    })
    .unwrap();
    assert_eq!(w.latest().status, Status::Closed);
}

#[test]
fn t22_a_chat_abandoned_before_routing_closes_automatically() {
    let mut w = World::new();
    w.inbound(Channel::Chat).unwrap();
    let contact = w.latest().contacts[0].id.clone();
    let events = w
        .run(Command::CustomerEnd {
            contact_id: contact,
            abandoned: true,
        })
        .unwrap();
    assert!(events.iter().any(|e| matches!(
        e.kind,
        EventKind::ContactEnded {
            reason: Some(EndReason::CustomerAbandoned),
            status: EndStatus::Abandoned,
            ..
        }
    )));
    assert_eq!(w.latest().status, Status::Closed);
}

#[test]
fn t23_a_routed_chat_abandoned_waits_for_the_agent() {
    let mut w = World::new();
    w.inbound(Channel::Chat).unwrap();
    w.assign(Some("alice")).unwrap();
    let contact = w.latest().contacts[0].id.clone();
    w.run(Command::CustomerEnd {
        contact_id: contact,
        abandoned: true,
    })
    .unwrap();
    assert_eq!(w.latest().status, Status::Waiting);
}

#[test]
fn t24_a_chat_routed_then_unassigned_and_abandoned_closes() {
    let mut w = World::new();
    w.inbound(Channel::Chat).unwrap();
    w.assign(Some("alice")).unwrap();
    w.assign(None).unwrap();
    let contact = w.latest().contacts[0].id.clone();
    w.run(Command::CustomerEnd {
        contact_id: contact,
        abandoned: true,
    })
    .unwrap();
    assert_eq!(w.latest().status, Status::Closed);
}

#[test]
fn t25_an_abandoned_call_closes_unless_another_contact_is_open() {
    let mut w = World::new();
    w.inbound(Channel::PhoneCall).unwrap();
    let contact = w.latest().contacts[0].id.clone();
    w.run(Command::CustomerEnd {
        contact_id: contact,
        abandoned: true,
    })
    .unwrap();
    assert_eq!(w.latest().status, Status::Closed);

    let mut w = World::new();
    w.inbound(Channel::Sms).unwrap();
    w.inbound(Channel::PhoneCall).unwrap();
    let call = w.latest().contacts[1].id.clone();
    w.run(Command::CustomerEnd {
        contact_id: call,
        abandoned: true,
    })
    .unwrap();
    assert_eq!(
        w.latest().status,
        Status::Open,
        "the SMS contact keeps it open"
    );
}

#[test]
fn t26_a_note_changes_neither_status_nor_sla() {
    let mut w = World::new();
    w.inbound(Channel::Email).unwrap();
    let due = w.latest().due_at();
    let note = ConversationItem {
        id: ItemId::from_trusted("note1"),
        customer_id: w.customer.clone(),
        conversation_id: None,
        contact_id: None,
        session_id: None,
        timestamp: w.now,
        initiator: w.agent("alice"),
        responder: None,
        content: ItemContent::ConversationNote {
            body: "called the courier".into(),
            attachments: vec![],
        },
        redaction: None,
    };
    let events = w
        .run(Command::AddNote {
            item: Box::new(note),
        })
        .unwrap();
    assert_eq!(types(&events), ["CONVERSATION/NOTE_CREATED"]);
    assert_eq!(w.latest().status, Status::Open);
    assert_eq!(w.latest().due_at(), due);
}

#[test]
fn t27_topics_are_added_once_and_recorded_as_a_topic_change() {
    let mut w = World::new();
    w.inbound(Channel::Email).unwrap();
    let add = |w: &mut World| {
        w.run(Command::AddTopics {
            initiator: w.agent("alice"),
            topic_ids: vec![
                TopicId::from_trusted("billing"),
                TopicId::from_trusted("billing"),
            ],
            item_id: ItemId::from_trusted("tc"),
        })
    };
    let events = add(&mut w).unwrap();
    assert_eq!(
        types(&events),
        ["CONVERSATION/TOPIC_ADDED", "HEARTH_CONVERSATION/ITEM_ADDED"]
    );
    assert!(
        add(&mut w).unwrap().is_empty(),
        "adding a present topic is a no-op"
    );
    let events = w
        .run(Command::RemoveTopic {
            initiator: w.agent("alice"),
            topic_id: TopicId::from_trusted("billing"),
            item_id: ItemId::from_trusted("tc2"),
        })
        .unwrap();
    assert_eq!(
        types(&events),
        [
            "CONVERSATION/TOPIC_REMOVED",
            "HEARTH_CONVERSATION/ITEM_ADDED"
        ]
    );
    assert!(w.latest().topic_ids.is_empty());
}

#[test]
fn t28_a_task_does_not_touch_the_conversation() {
    use hearth_domain::id::TaskId;
    use hearth_domain::task::{Task, TaskAssignee};
    let mut w = World::new();
    w.inbound(Channel::Email).unwrap();
    w.assign(Some("alice")).unwrap();
    let before = w.latest().clone();
    let task = Task::create(
        TaskId::from_trusted("t1"),
        w.customer.clone(),
        w.agent("alice"),
        TaskAssignee {
            inbox_id: InboxId::from_trusted("other"),
            agent_id: None,
        },
        "refund".into(),
        w.now + Duration::days(1),
        w.now,
    )
    .unwrap();
    assert_eq!(task.customer_id, before.customer_id);
    assert_eq!(w.latest(), &before);
}

#[test]
fn t29_a_closed_conversation_refuses_reply_reassign_note_and_topics() {
    let mut w = World::new();
    w.inbound(Channel::Email).unwrap();
    close(&mut w, true).unwrap();
    let before = w.latest().clone();
    assert!(matches!(
        w.reply("alice", Channel::Email),
        Err(DomainError::ConversationClosed(_))
    ));
    assert_eq!(
        w.assign(Some("alice")),
        Err(DomainError::ConversationClosed(
            "closed conversation cannot be reassigned"
        ))
    );
    assert!(matches!(
        w.run(Command::AddTopics {
            initiator: w.agent("a"),
            topic_ids: vec![TopicId::from_trusted("x")],
            item_id: ItemId::from_trusted("i")
        }),
        Err(DomainError::ConversationClosed(_))
    ));
    let note = ConversationItem {
        id: ItemId::from_trusted("n"),
        customer_id: w.customer.clone(),
        conversation_id: None,
        contact_id: None,
        session_id: None,
        timestamp: w.now,
        initiator: w.agent("alice"),
        responder: None,
        content: ItemContent::ConversationNote {
            body: "x".into(),
            attachments: vec![],
        },
        redaction: None,
    };
    assert!(matches!(
        w.run(Command::AddNote {
            item: Box::new(note)
        }),
        Err(DomainError::ConversationClosed(_))
    ));
    assert_eq!(w.latest(), &before);
}

#[test]
fn r49_a_second_inbound_keeps_the_earlier_due_date() {
    let mut w = World::new();
    w.inbound(Channel::Email).unwrap();
    let first_due = w.latest().due_at();
    w.advance(Duration::minutes(30));
    w.inbound(Channel::Sms).unwrap();
    assert_eq!(w.latest().due_at(), first_due);
    assert_eq!(
        w.latest().contacts.len(),
        2,
        "a second channel starts its own contact"
    );
}

#[test]
fn contacts_join_per_channel_rules() {
    let mut w = World::new();
    w.inbound(Channel::Email).unwrap();
    w.inbound(Channel::Email).unwrap();
    assert_eq!(
        w.latest().contacts.len(),
        1,
        "an unanswered email thread is one contact"
    );
    w.inbound(Channel::Chat).unwrap();
    w.inbound(Channel::Chat).unwrap();
    assert_eq!(w.latest().contacts.len(), 2, "one chat contact per session");
    w.inbound_in_session(Channel::Chat, Some("s2".into()))
        .unwrap();
    assert_eq!(
        w.latest().contacts.len(),
        3,
        "a new session is a new contact"
    );
    w.inbound(Channel::PhoneCall).unwrap();
    w.inbound(Channel::PhoneCall).unwrap();
    assert_eq!(w.latest().contacts.len(), 5, "one contact per call");
}

#[test]
fn a_reply_to_a_voicemail_by_sms_fulfils_it() {
    let mut w = World::new();
    w.inbound(Channel::Voicemail).unwrap();
    w.reply("alice", Channel::Voicemail).unwrap();
    let c = w.latest();
    assert!(
        c.contacts
            .iter()
            .filter(|k| k.channel == Channel::Voicemail)
            .all(|k| k.fulfilled.is_some())
    );
    assert_eq!(c.due_at(), None);
}

#[test]
fn a_messaging_reply_over_2048_characters_is_refused() {
    let mut w = World::new();
    w.inbound(Channel::Sms).unwrap();
    let replied = match &w.log[0][2].kind {
        EventKind::MessageReceived { item } => item.clone(),
        other => panic!("unexpected {other:?}"),
    };
    let mut item = replied.clone();
    item.id = ItemId::from_trusted("long");
    item.initiator = w.agent("alice");
    item.content = ItemContent::Sms {
        from: "a".into(),
        to: "b".into(),
        content: "x".repeat(2049),
        attachments: vec![],
    };
    let result = w.run(Command::Reply {
        item: Box::new(item),
        replied_to: Box::new(replied),
        agent_id: None,
    });
    assert!(matches!(result, Err(DomainError::Invalid { ref attr, .. }) if attr == "content.body"));
}
