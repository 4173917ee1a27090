//! One test per row of the action table (`GLADLY-BEHAVIOUR.md` section 5).

use hearth_domain::DomainError;
use hearth_domain::actions::{Action, ActionMenu, Refusal, Viewer, commands_for, menu};
use hearth_domain::channel::Channel;
use hearth_domain::conversation::{Command, Conversation};
use hearth_domain::id::{AgentId, ItemId, TopicId};

use super::fixture::World;

const ASSIGNEE: Viewer = Viewer {
    focus: false,
    require_topic: false,
    is_assignee: true,
};

fn layout(m: &ActionMenu) -> (Action, Vec<Action>) {
    (m.primary.action, m.more.iter().map(|b| b.action).collect())
}

fn enabled(m: &ActionMenu) -> Vec<(Action, Option<Refusal>)> {
    std::iter::once(&m.primary)
        .chain(&m.more)
        .map(|b| (b.action, b.disabled_reason))
        .collect()
}

fn assigned(channel: Channel) -> World {
    let mut w = World::new();
    w.inbound(channel).unwrap();
    w.assign(Some("alice")).unwrap();
    w
}

fn current(w: &World) -> &Conversation {
    w.latest()
}

#[test]
fn answered_email_sms_and_social_show_close_and_next_first() {
    for channel in [
        Channel::Email,
        Channel::Sms,
        Channel::FacebookMessage,
        Channel::InstagramDirect,
        Channel::Whatsapp,
    ] {
        let mut w = assigned(channel);
        w.reply("alice", channel).unwrap();
        let m = menu(current(&w), ASSIGNEE);
        assert_eq!(
            layout(&m),
            (Action::CloseAndNext, vec![Action::Next, Action::Close]),
            "{channel}"
        );
        assert!(!m.reply_missing);
    }
}

#[test]
fn an_inbound_awaiting_a_reply_flips_the_primary_to_next() {
    for channel in [Channel::Email, Channel::Sms, Channel::Whatsapp] {
        let w = assigned(channel);
        let m = menu(current(&w), ASSIGNEE);
        assert_eq!(
            layout(&m),
            (
                Action::Next,
                vec![Action::CloseAndNext, Action::Close, Action::NoReplyNeeded]
            ),
            "{channel}"
        );
        assert!(m.reply_missing);
    }
}

#[test]
fn voicemail_shows_next_first() {
    let w = assigned(Channel::Voicemail);
    assert_eq!(layout(&menu(current(&w), ASSIGNEE)).0, Action::Next);
    assert!(
        layout(&menu(current(&w), ASSIGNEE))
            .1
            .starts_with(&[Action::CloseAndNext, Action::Close])
    );
}

#[test]
fn an_active_chat_shows_end_and_close_with_end_and_no_reply_needed() {
    let w = assigned(Channel::Chat);
    assert_eq!(
        layout(&menu(current(&w), ASSIGNEE)),
        (
            Action::EndAndClose,
            vec![Action::End, Action::NoReplyNeeded]
        )
    );
}

#[test]
fn an_ended_chat_shows_close_and_next() {
    let mut w = assigned(Channel::Chat);
    w.reply("alice", Channel::Chat).unwrap();
    w.run(Command::AgentEnd {
        initiator: w.agent("alice"),
    })
    .unwrap();
    assert_eq!(
        layout(&menu(current(&w), ASSIGNEE)),
        (Action::CloseAndNext, vec![Action::Next, Action::Close])
    );
}

#[test]
fn a_finished_call_shows_close_and_next() {
    let mut w = World::new();
    w.inbound(Channel::PhoneCall).unwrap();
    let contact = w.latest().contacts[0].id.clone();
    w.run(Command::AnswerCall {
        contact_id: contact.clone(),
        agent_id: AgentId::from_trusted("alice"),
    })
    .unwrap();
    w.run(Command::CustomerEnd {
        contact_id: contact,
        abandoned: false,
    })
    .unwrap();
    assert_eq!(
        layout(&menu(current(&w), ASSIGNEE)),
        (Action::CloseAndNext, vec![Action::Next, Action::Close])
    );
}

#[test]
fn in_focus_only_close_is_enabled() {
    let mut w = assigned(Channel::Email);
    w.reply("alice", Channel::Email).unwrap();
    let m = menu(
        current(&w),
        Viewer {
            focus: true,
            ..ASSIGNEE
        },
    );
    assert_eq!(
        enabled(&m),
        vec![
            (Action::Close, None),
            (Action::CloseAndNext, Some(Refusal::FocusMode)),
            (Action::Next, Some(Refusal::FocusMode))
        ]
    );
    let chat = assigned(Channel::Chat);
    let m = menu(
        current(&chat),
        Viewer {
            focus: true,
            ..ASSIGNEE
        },
    );
    assert_eq!(m.primary.action, Action::Close);
    assert!(
        m.more
            .iter()
            .all(|b| b.disabled_reason == Some(Refusal::FocusMode))
    );
    assert_eq!(
        commands_for(
            current(&chat),
            Viewer {
                focus: true,
                ..ASSIGNEE
            },
            Action::End,
            false,
            chat.agent("alice")
        ),
        Err(DomainError::FocusMode)
    );
}

#[test]
fn a_required_topic_disables_the_closing_actions_but_not_next() {
    let mut w = assigned(Channel::Email);
    w.reply("alice", Channel::Email).unwrap();
    let viewer = Viewer {
        require_topic: true,
        ..ASSIGNEE
    };
    let m = menu(current(&w), viewer);
    assert_eq!(
        enabled(&m),
        vec![
            (Action::CloseAndNext, Some(Refusal::TopicsRequired)),
            (Action::Next, None),
            (Action::Close, Some(Refusal::TopicsRequired))
        ]
    );
    w.run(Command::AddTopics {
        initiator: w.agent("alice"),
        topic_ids: vec![TopicId::from_trusted("t")],
        item_id: ItemId::from_trusted("i"),
    })
    .unwrap();
    assert!(
        enabled(&menu(current(&w), viewer))
            .iter()
            .all(|(_, r)| r.is_none())
    );
}

#[test]
fn only_the_assignee_may_act() {
    let w = assigned(Channel::Email);
    let viewer = Viewer {
        is_assignee: false,
        ..ASSIGNEE
    };
    assert!(
        enabled(&menu(current(&w), viewer))
            .iter()
            .all(|(_, r)| *r == Some(Refusal::NotAssignee))
    );
    assert_eq!(
        commands_for(current(&w), viewer, Action::Close, true, w.agent("bob")),
        Err(DomainError::NotAssignee)
    );
}

#[test]
fn a_closed_conversation_offers_nothing() {
    let mut w = assigned(Channel::Email);
    w.run(Command::Close {
        initiator: w.agent("alice"),
        force: true,
    })
    .unwrap();
    assert!(
        enabled(&menu(current(&w), ASSIGNEE))
            .iter()
            .all(|(_, r)| *r == Some(Refusal::ConversationClosed))
    );
    assert!(matches!(
        commands_for(current(&w), ASSIGNEE, Action::Next, false, w.agent("alice")),
        Err(DomainError::ConversationClosed(_))
    ));
}

#[test]
fn closing_without_a_reply_asks_for_confirmation() {
    let w = assigned(Channel::Email);
    for action in [Action::Close, Action::CloseAndNext] {
        assert_eq!(
            commands_for(current(&w), ASSIGNEE, action, false, w.agent("alice")),
            Err(DomainError::ReplyMissing)
        );
        let commands = commands_for(current(&w), ASSIGNEE, action, true, w.agent("alice")).unwrap();
        assert_eq!(
            commands,
            vec![Command::Close {
                initiator: w.agent("alice"),
                force: true
            }]
        );
    }
}

#[test]
fn end_and_close_is_end_then_close() {
    let mut w = assigned(Channel::Chat);
    w.reply("alice", Channel::Chat).unwrap();
    let commands = commands_for(
        current(&w),
        ASSIGNEE,
        Action::EndAndClose,
        false,
        w.agent("alice"),
    )
    .unwrap();
    assert_eq!(
        commands,
        vec![
            Command::AgentEnd {
                initiator: w.agent("alice")
            },
            Command::Close {
                initiator: w.agent("alice"),
                force: false
            }
        ]
    );
}

#[test]
fn actions_outside_the_row_are_not_available() {
    let mut w = assigned(Channel::Email);
    w.reply("alice", Channel::Email).unwrap();
    for action in [Action::End, Action::EndAndClose, Action::NoReplyNeeded] {
        assert_eq!(
            commands_for(current(&w), ASSIGNEE, action, true, w.agent("alice")),
            Err(DomainError::ActionNotAvailable {
                action: action.as_str()
            })
        );
    }
}
