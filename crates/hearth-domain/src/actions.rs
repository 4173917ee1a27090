//! The agent's finishing actions and the per-channel action table of
//! `GLADLY-BEHAVIOUR.md` section 5, as a pure function of the conversation.

use crate::DomainError;
use crate::channel::Channel;
use crate::conversation::{Command, Contact, Conversation, Direction, Status};
use crate::item::Initiator;

/// The six finishing actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    CloseAndNext,
    Next,
    Close,
    EndAndClose,
    End,
    NoReplyNeeded,
}

impl Action {
    /// Every action, in wire order.
    pub const ALL: [Action; 6] = [
        Action::CloseAndNext,
        Action::Next,
        Action::Close,
        Action::EndAndClose,
        Action::End,
        Action::NoReplyNeeded,
    ];

    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::CloseAndNext => "CLOSE_AND_NEXT",
            Action::Next => "NEXT",
            Action::Close => "CLOSE",
            Action::EndAndClose => "END_AND_CLOSE",
            Action::End => "END",
            Action::NoReplyNeeded => "NO_REPLY_NEEDED",
        }
    }

    /// Parses the wire name.
    pub fn parse(raw: &str) -> Option<Self> {
        Action::ALL.into_iter().find(|a| a.as_str() == raw)
    }

    /// The button label.
    pub fn label(self) -> &'static str {
        match self {
            Action::CloseAndNext => "Close & Next",
            Action::Next => "Next",
            Action::Close => "Close",
            Action::EndAndClose => "End & Close",
            Action::End => "End",
            Action::NoReplyNeeded => "No Reply Needed",
        }
    }

    /// Whether the action closes the conversation.
    pub fn closes(self) -> bool {
        matches!(
            self,
            Action::CloseAndNext | Action::Close | Action::EndAndClose
        )
    }

    /// Whether the action asks routing for the next customer afterwards.
    pub fn requests_next(self) -> bool {
        matches!(self, Action::CloseAndNext | Action::Next)
    }
}

/// Why a button is disabled or an action refused (`meta.reason` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    ReplyMissing,
    TopicsRequired,
    ActionNotAvailable,
    FocusMode,
    NotAssignee,
    ConversationClosed,
    /// A call is still going on: end it first.
    CallInProgress,
}

impl Refusal {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::ReplyMissing => "reply_missing",
            Refusal::TopicsRequired => "topics_required",
            Refusal::ActionNotAvailable => "action_not_available",
            Refusal::FocusMode => "focus_mode",
            Refusal::NotAssignee => "not_assignee",
            Refusal::ConversationClosed => "conversation_closed",
            Refusal::CallInProgress => "call_in_progress",
        }
    }
}

/// One button of the menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Button {
    pub action: Action,
    pub enabled: bool,
    pub disabled_reason: Option<Refusal>,
}

/// The primary button, its dropdown, and whether closing needs a confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionMenu {
    pub primary: Button,
    pub more: Vec<Button>,
    /// A close now would leave a customer without a reply (R30).
    pub reply_missing: bool,
}

/// What the menu depends on besides the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    /// The agent is in Focus (R39).
    pub focus: bool,
    /// The organization requires a topic before closing (R32).
    pub require_topic: bool,
    /// The agent is the conversation's assignee.
    pub is_assignee: bool,
}

/// The action table row for a conversation, before Focus and topic rules.
fn row(conv: &Conversation) -> (Action, Vec<Action>) {
    // A call going on: ending it comes first; closing waits until it has ended.
    if live_call(conv) {
        return (
            Action::End,
            vec![Action::CloseAndNext, Action::Next, Action::Close],
        );
    }
    let current = conv.current_contact();
    let live_chat = current.is_some_and(|c| c.channel == Channel::Chat && c.is_active());
    if live_chat {
        return (
            Action::EndAndClose,
            vec![Action::End, Action::NoReplyNeeded],
        );
    }
    let voicemail = current.is_some_and(|c| c.channel == Channel::Voicemail && c.is_active());
    if voicemail || latest_inbound_awaits_reply(conv) {
        let mut more = vec![Action::CloseAndNext, Action::Close];
        if conv
            .contacts
            .iter()
            .any(|c| c.is_active() && c.channel != Channel::PhoneCall)
        {
            more.push(Action::NoReplyNeeded);
        }
        return (Action::Next, more);
    }
    (Action::CloseAndNext, vec![Action::Next, Action::Close])
}

/// A call of the conversation has not ended.
fn live_call(conv: &Conversation) -> bool {
    conv.contacts
        .iter()
        .any(|c| c.channel == Channel::PhoneCall && c.is_active())
}

/// Q1: the latest inbound contact has an unfulfilled SLA and no agent reply.
fn latest_inbound_awaits_reply(conv: &Conversation) -> bool {
    conv.contacts
        .iter()
        .rev()
        .find(|c: &&Contact| c.direction == Direction::Inbound)
        .is_some_and(|c| c.sla_pending() && !c.answered)
}

/// The menu an agent sees on a conversation (section 5 of the behaviour spec, with
/// the Focus, require-topic and closed-conversation rules applied).
pub fn menu(conv: &Conversation, viewer: Viewer) -> ActionMenu {
    let reply_missing =
        conv.status != Status::Closed && conv.contacts.iter().any(Contact::sla_pending);
    let (primary, more) = if viewer.focus && conv.status != Status::Closed {
        // Only Close stays enabled in Focus; the row's other actions show disabled.
        let (p, m) = row(conv);
        let rest: Vec<Action> = std::iter::once(p)
            .chain(m)
            .filter(|a| *a != Action::Close)
            .collect();
        (Action::Close, rest)
    } else {
        row(conv)
    };
    let button = |action: Action| {
        let reason = refusal_for(conv, viewer, action);
        Button {
            action,
            enabled: reason.is_none(),
            disabled_reason: reason,
        }
    };
    ActionMenu {
        primary: button(primary),
        more: more.into_iter().map(button).collect(),
        reply_missing,
    }
}

fn refusal_for(conv: &Conversation, viewer: Viewer, action: Action) -> Option<Refusal> {
    if conv.status == Status::Closed {
        return Some(Refusal::ConversationClosed);
    }
    if !viewer.is_assignee {
        return Some(Refusal::NotAssignee);
    }
    if action.closes() && live_call(conv) {
        return Some(Refusal::CallInProgress);
    }
    if viewer.focus && action != Action::Close {
        return Some(Refusal::FocusMode);
    }
    if viewer.require_topic && action.closes() && conv.topic_ids.is_empty() {
        return Some(Refusal::TopicsRequired);
    }
    None
}

/// Checks that an agent may take `action` now (`confirm_no_reply` answers R30's
/// question) and returns the conversation commands it stands for, in order. Next is
/// a routing request only and yields no command.
pub fn commands_for(
    conv: &Conversation,
    viewer: Viewer,
    action: Action,
    confirm_no_reply: bool,
    initiator: Initiator,
) -> Result<Vec<Command>, DomainError> {
    let menu = menu(conv, viewer);
    let button = std::iter::once(&menu.primary)
        .chain(menu.more.iter())
        .find(|b| b.action == action)
        .copied();
    let button = match (button, conv.status) {
        (_, Status::Closed) => {
            return Err(DomainError::ConversationClosed(
                "the conversation is closed",
            ));
        }
        (Some(b), _) => b,
        (None, _) if !viewer.is_assignee => return Err(DomainError::NotAssignee),
        (None, _) if viewer.focus => return Err(DomainError::FocusMode),
        (None, _) => {
            return Err(DomainError::ActionNotAvailable {
                action: action.as_str(),
            });
        }
    };
    match button.disabled_reason {
        Some(Refusal::NotAssignee) => return Err(DomainError::NotAssignee),
        Some(Refusal::FocusMode) => return Err(DomainError::FocusMode),
        Some(Refusal::TopicsRequired) => return Err(DomainError::TopicsRequired),
        Some(Refusal::CallInProgress) => return Err(DomainError::CallInProgress),
        Some(Refusal::ConversationClosed) => {
            return Err(DomainError::ConversationClosed(
                "the conversation is closed",
            ));
        }
        Some(Refusal::ReplyMissing | Refusal::ActionNotAvailable) | None => {}
    }
    if action.closes() && menu.reply_missing && !confirm_no_reply {
        return Err(DomainError::ReplyMissing);
    }
    let close = Command::Close {
        initiator: initiator.clone(),
        force: confirm_no_reply,
    };
    Ok(match action {
        Action::Next => Vec::new(),
        Action::Close | Action::CloseAndNext => vec![close],
        Action::EndAndClose => vec![Command::AgentEnd { initiator }, close],
        Action::End => vec![Command::AgentEnd { initiator }],
        Action::NoReplyNeeded => vec![Command::NoReplyNeeded { initiator }],
    })
}
