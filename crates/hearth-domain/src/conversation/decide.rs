//! `decide`: each command of the T-table (GLADLY-BEHAVIOUR.md section 4.2) as one
//! `decide_*` function that refuses it or adds its events to the decision; the
//! reopen refusals and Create New.

use super::decision::{Decision, close, deliver, reply, settle_and_end};
use super::inbound::decide_inbound;
use super::{
    AssignReason, Command, Contact, Context, Conversation, EndReason, EndStatus, Event, EventKind,
    Fulfilment, Status, TransferReason, message_channel,
};
use crate::DomainError;
use crate::calendar::Sla;
use crate::channel::Channel;
use crate::id::{AgentId, ContactId, ConversationId, CustomerId, InboxId, ItemId, TopicId};
use crate::item::{ConversationItem, Initiator, InitiatorType, ItemContent};

/// Decides a command on an existing conversation: one `decide_*` per command of the
/// T-table, each refusing or adding events to the one decision.
pub fn decide(
    state: &Conversation,
    command: Command,
    require_topic: bool,
    ctx: &mut Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    let before = state.clone();
    let closed = state.status == Status::Closed;
    let mut d = Decision::new(Some(state.clone()), ctx);
    let change = match command {
        Command::Inbound(inbound) => return decide_inbound(Some(state), *inbound, d.into_ctx()),
        Command::Reply {
            item,
            replied_to,
            agent_id,
        } => decide_reply(&mut d, closed, item, replied_to, agent_id)?,
        Command::Send { item, agent_id } => decide_send(&mut d, closed, item, agent_id)?,
        Command::Close { initiator, force } => {
            decide_close(state, &mut d, closed, require_topic, initiator, force)?
        }
        Command::Reopen {
            initiator,
            agent_id,
        } => decide_reopen(state, &mut d, closed, initiator, agent_id)?,
        Command::Assign {
            initiator,
            inbox_id,
            agent_id,
            reason,
            inbox_sla,
        } => decide_assign(
            state, &mut d, initiator, inbox_id, agent_id, reason, inbox_sla,
        )?,
        Command::AddTopics {
            initiator,
            topic_ids,
            item_id,
        } => decide_add_topics(state, &mut d, closed, initiator, topic_ids, item_id)?,
        Command::RemoveTopic {
            initiator,
            topic_id,
            item_id,
        } => decide_remove_topic(state, &mut d, closed, initiator, topic_id, item_id)?,
        Command::AddNote { item } => decide_add_note(state, &mut d, closed, item)?,
        Command::NoReplyNeeded { initiator } => {
            decide_no_reply_needed(state, &mut d, closed, initiator)?
        }
        Command::AgentEnd { initiator } => decide_agent_end(state, &mut d, closed, initiator)?,
        Command::CustomerEnd {
            contact_id,
            abandoned,
        } => decide_customer_end(state, &mut d, closed, contact_id, abandoned)?,
        Command::SameAgentLimitElapsed { contact_id } => {
            decide_same_agent_limit(state, &mut d, closed, contact_id)?
        }
        Command::AnswerCall {
            contact_id,
            agent_id,
        } => decide_answer_call(state, &mut d, closed, contact_id, agent_id)?,
        Command::SetPriorityBoost { initiator, score } => {
            if closed {
                return Err(DomainError::ConversationClosed(
                    "the conversation is closed",
                ));
            }
            if state.priority_boost == score {
                Change::None
            } else {
                d.push(initiator, EventKind::PriorityBoostSet { score });
                Change::Made
            }
        }
        Command::HoldForAutomation {
            initiator,
            session_id,
        } => {
            if closed {
                return Err(DomainError::ConversationClosed(
                    "the conversation is closed",
                ));
            }
            if state.agent_id.is_some() {
                return Err(DomainError::InUse(
                    "an agent already works this conversation".into(),
                ));
            }
            if state.automation.as_deref() == Some(session_id.as_str()) {
                Change::None
            } else {
                d.push(initiator, EventKind::AutomationStarted { session_id });
                Change::Made
            }
        }
        Command::AutomationMessage { item } => {
            if closed {
                return Err(DomainError::ConversationClosed(
                    "the conversation is closed",
                ));
            }
            if state.automation.is_none() {
                return Err(DomainError::InUse(
                    "the bot no longer holds this conversation".into(),
                ));
            }
            d.push(item.initiator.clone(), EventKind::ItemAdded { item: *item });
            Change::Made
        }
        Command::ReleaseFromAutomation {
            initiator,
            session_id,
            handoff,
        } => {
            if state.automation.as_deref() == Some(session_id.as_str()) {
                d.push(
                    initiator,
                    EventKind::AutomationEnded {
                        session_id,
                        handoff,
                    },
                );
                Change::Made
            } else {
                Change::None
            }
        }
    };
    Ok(match change {
        Change::Made => d.finish(Some(&before)),
        Change::None => Vec::new(),
    })
}

/// Whether a command changed anything (a command that changes nothing writes
/// nothing, not even a status event).
enum Change {
    Made,
    None,
}

/// T7: a reply to a customer message.
fn decide_reply(
    d: &mut Decision<'_, '_>,
    closed: bool,
    item: Box<ConversationItem>,
    replied_to: Box<ConversationItem>,
    agent_id: Option<AgentId>,
) -> Result<Change, DomainError> {
    if closed {
        return Err(DomainError::ConversationClosed(
            "you cannot reply to items in closed conversations",
        ));
    }
    reply(d, *item, &replied_to, agent_id)?;
    Ok(Change::Made)
}

/// R54: the agent's own first email or SMS.
fn decide_send(
    d: &mut Decision<'_, '_>,
    closed: bool,
    item: Box<ConversationItem>,
    agent_id: Option<AgentId>,
) -> Result<Change, DomainError> {
    if closed {
        return Err(DomainError::ConversationClosed(
            "reopen the conversation before writing to the customer",
        ));
    }
    let channel = match message_channel(&item.content) {
        Some(c @ (Channel::Email | Channel::Sms)) => c,
        _ => {
            return Err(DomainError::invalid(
                "content.type",
                "a new message is an EMAIL or an SMS; other channels answer the customer",
            ));
        }
    };
    deliver(d, *item, channel, None, agent_id)?;
    Ok(Change::Made)
}

/// T13-T15, T21: close (R30 unless `force`, R32 when `require_topic`).
fn decide_close(
    state: &Conversation,
    d: &mut Decision<'_, '_>,
    closed: bool,
    require_topic: bool,
    initiator: Initiator,
    force: bool,
) -> Result<Change, DomainError> {
    if closed {
        return Err(DomainError::ConversationClosed(
            "the conversation is already closed",
        ));
    }
    if require_topic && state.topic_ids.is_empty() {
        return Err(DomainError::TopicsRequired);
    }
    if !force && state.contacts.iter().any(Contact::sla_pending) {
        return Err(DomainError::ReplyMissing);
    }
    close(d, initiator);
    Ok(Change::Made)
}

/// T19 and `PATCH status OPEN`: reopen to `agent_id`, or the last agent.
fn decide_reopen(
    state: &Conversation,
    d: &mut Decision<'_, '_>,
    closed: bool,
    initiator: Initiator,
    agent_id: Option<AgentId>,
) -> Result<Change, DomainError> {
    if !closed {
        return Ok(Change::None);
    }
    d.push(
        initiator.clone(),
        EventKind::Reopened {
            awaiting_outbound: true,
        },
    );
    let agent = agent_id.or_else(|| state.last_agent_id.clone());
    if agent != state.agent_id {
        d.push(
            initiator,
            EventKind::AssigneeUpdated {
                inbox_id: state.inbox_id.clone(),
                agent_id: agent,
                reason: AssignReason::Manual,
            },
        );
    }
    Ok(Change::Made)
}

/// T5, T6, T17, T18: assign, unassign or transfer (R50 on a new inbox).
fn decide_assign(
    state: &Conversation,
    d: &mut Decision<'_, '_>,
    initiator: Initiator,
    inbox_id: InboxId,
    agent_id: Option<AgentId>,
    reason: AssignReason,
    inbox_sla: Sla,
) -> Result<Change, DomainError> {
    let closed = state.status == Status::Closed;
    if closed {
        return Err(DomainError::ConversationClosed(
            "closed conversation cannot be reassigned",
        ));
    }
    if inbox_id != state.inbox_id {
        let transfer = if initiator.kind == InitiatorType::Automation {
            TransferReason::Automation
        } else {
            TransferReason::Manual
        };
        for c in state.contacts.iter().filter(|c| c.is_active()) {
            d.push(
                initiator.clone(),
                EventKind::ContactTransferred {
                    contact_id: c.id.clone(),
                    inbox_id: inbox_id.clone(),
                    agent_id: agent_id.clone(),
                    reason: transfer,
                },
            );
        }
        let due_at = inbox_sla.due_from(d.now);
        for c in state.contacts.iter().filter(|c| c.sla_pending()) {
            d.push(
                initiator.clone(),
                EventKind::DueDateUpdated {
                    contact_id: c.id.clone(),
                    due_at,
                },
            );
        }
    }
    if inbox_id != state.inbox_id || agent_id != state.agent_id {
        d.push(
            initiator,
            EventKind::AssigneeUpdated {
                inbox_id,
                agent_id,
                reason,
            },
        );
    }
    Ok(Change::Made)
}

/// T27: topics added (R7: ones already there are ignored).
fn decide_add_topics(
    state: &Conversation,
    d: &mut Decision<'_, '_>,
    closed: bool,
    initiator: Initiator,
    topic_ids: Vec<TopicId>,
    item_id: ItemId,
) -> Result<Change, DomainError> {
    if closed {
        return Err(DomainError::ConversationClosed(
            "topics cannot be changed on a closed conversation",
        ));
    }
    let mut added: Vec<TopicId> = Vec::new();
    for id in topic_ids {
        if !state.topic_ids.contains(&id) && !added.contains(&id) {
            added.push(id);
        }
    }
    if added.is_empty() {
        return Ok(Change::None);
    }
    for id in &added {
        d.push(
            initiator.clone(),
            EventKind::TopicAdded {
                topic_id: id.clone(),
            },
        );
    }
    let item = d.system_item(
        item_id,
        initiator.clone(),
        ItemContent::TopicChange {
            added,
            removed: Vec::new(),
        },
    );
    d.push(initiator, EventKind::ItemAdded { item });
    Ok(Change::Made)
}

/// T27: a topic removed.
fn decide_remove_topic(
    state: &Conversation,
    d: &mut Decision<'_, '_>,
    closed: bool,
    initiator: Initiator,
    topic_id: TopicId,
    item_id: ItemId,
) -> Result<Change, DomainError> {
    if closed {
        return Err(DomainError::ConversationClosed(
            "topics cannot be changed on a closed conversation",
        ));
    }
    if !state.topic_ids.contains(&topic_id) {
        return Ok(Change::None);
    }
    d.push(
        initiator.clone(),
        EventKind::TopicRemoved {
            topic_id: topic_id.clone(),
        },
    );
    let item = d.system_item(
        item_id,
        initiator.clone(),
        ItemContent::TopicChange {
            added: Vec::new(),
            removed: vec![topic_id],
        },
    );
    d.push(initiator, EventKind::ItemAdded { item });
    Ok(Change::Made)
}

/// T26: an internal note.
fn decide_add_note(
    state: &Conversation,
    d: &mut Decision<'_, '_>,
    closed: bool,
    item: Box<ConversationItem>,
) -> Result<Change, DomainError> {
    if closed {
        return Err(DomainError::ConversationClosed(
            "notes cannot be added to a closed conversation",
        ));
    }
    match &item.content {
        ItemContent::ConversationNote { body, .. } if !body.trim().is_empty() => {}
        ItemContent::ConversationNote { .. } => {
            return Err(DomainError::blank("content.body", "a note needs a body"));
        }
        _ => {
            return Err(DomainError::invalid(
                "content.type",
                "a note must be a CONVERSATION_NOTE",
            ));
        }
    }
    let mut item = *item;
    item.conversation_id = Some(state.id.clone());
    item.customer_id = state.customer_id.clone();
    d.push(item.initiator.clone(), EventKind::NoteCreated { item });
    Ok(Change::Made)
}

/// T12: No Reply Needed.
fn decide_no_reply_needed(
    state: &Conversation,
    d: &mut Decision<'_, '_>,
    closed: bool,
    initiator: Initiator,
) -> Result<Change, DomainError> {
    if closed {
        return Err(DomainError::ConversationClosed(
            "the conversation is closed",
        ));
    }
    let targets: Vec<Contact> = state
        .contacts
        .iter()
        .filter(|c| c.is_active() && c.channel != Channel::PhoneCall)
        .cloned()
        .collect();
    if targets.is_empty() && !state.awaiting_outbound {
        return Err(DomainError::ActionNotAvailable {
            action: "NO_REPLY_NEEDED",
        });
    }
    for c in targets {
        settle_and_end(
            d,
            &initiator,
            &c,
            Some(EndReason::NoReplyNeeded),
            c.end_status(),
        );
    }
    if state.awaiting_outbound {
        d.push(initiator, EventKind::HoldReleased);
    }
    Ok(Change::Made)
}

/// T11: the agent ends the live contacts (End).
fn decide_agent_end(
    state: &Conversation,
    d: &mut Decision<'_, '_>,
    closed: bool,
    initiator: Initiator,
) -> Result<Change, DomainError> {
    if closed {
        return Err(DomainError::ConversationClosed(
            "the conversation is closed",
        ));
    }
    let live: Vec<Contact> = state
        .contacts
        .iter()
        .filter(|c| c.is_active() && c.channel.is_live())
        .cloned()
        .collect();
    if live.is_empty() {
        return Err(DomainError::ActionNotAvailable { action: "END" });
    }
    for c in live {
        settle_and_end(
            d,
            &initiator,
            &c,
            Some(EndReason::AgentEnded),
            c.end_status(),
        );
    }
    Ok(Change::Made)
}

/// T22-T25: the customer hung up or closed the chat.
fn decide_customer_end(
    state: &Conversation,
    d: &mut Decision<'_, '_>,
    closed: bool,
    contact_id: ContactId,
    abandoned: bool,
) -> Result<Change, DomainError> {
    let contact = state
        .contact(&contact_id)
        .cloned()
        .ok_or(DomainError::UnknownContact)?;
    if !contact.is_active() {
        return Err(DomainError::ContactEnded);
    }
    let customer = Initiator::new(InitiatorType::Customer, state.customer_id.as_str());
    let (reason, status) = if abandoned {
        (Some(EndReason::CustomerAbandoned), EndStatus::Abandoned)
    } else {
        (None, EndStatus::Answered)
    };
    settle_and_end(d, &customer, &contact, reason, status);
    // T22, T24, T25: an abandoned chat nobody holds, or an abandoned call that
    // was the conversation's only contact, closes the conversation when nothing
    // else is active.
    let others_active = state
        .contacts
        .iter()
        .any(|c| c.id != contact_id && c.is_active());
    let auto_close = abandoned
        && !closed
        && !others_active
        && !state.awaiting_outbound
        && match contact.channel {
            Channel::Chat => state.agent_id.is_none(),
            Channel::PhoneCall => {
                !contact.answered && (state.agent_id.is_none() || state.contacts.len() == 1)
            }
            _ => false,
        };
    if auto_close {
        close(d, Initiator::system());
    }
    Ok(Change::Made)
}

/// T8, T9: a contact's same-agent time limit ran out.
fn decide_same_agent_limit(
    state: &Conversation,
    d: &mut Decision<'_, '_>,
    closed: bool,
    contact_id: ContactId,
) -> Result<Change, DomainError> {
    let contact = state
        .contact(&contact_id)
        .cloned()
        .ok_or(DomainError::UnknownContact)?;
    // Only a limit that has really run out ends the contact: a timer that
    // fires early, or after the customer wrote again, changes nothing.
    let ends = contact
        .same_agent_limit_due(d.routing.same_agent_limit)
        .is_some_and(|due| due <= d.now);
    if !ends || closed {
        return Ok(Change::None);
    }
    settle_and_end(
        d,
        &Initiator::system(),
        &contact,
        Some(EndReason::CustomerNoReply),
        contact.end_status(),
    );
    Ok(Change::Made)
}

/// An agent answered a call (it fulfils the call and any pending voicemail).
fn decide_answer_call(
    state: &Conversation,
    d: &mut Decision<'_, '_>,
    closed: bool,
    contact_id: ContactId,
    agent_id: AgentId,
) -> Result<Change, DomainError> {
    if closed {
        return Err(DomainError::ConversationClosed(
            "the conversation is closed",
        ));
    }
    let contact = state
        .contact(&contact_id)
        .cloned()
        .ok_or(DomainError::UnknownContact)?;
    if contact.channel != Channel::PhoneCall || !contact.is_active() || contact.answered {
        return Err(DomainError::ActionNotAvailable { action: "ANSWER" });
    }
    let agent = Initiator::new(InitiatorType::Agent, agent_id.as_str());
    d.push(
        agent.clone(),
        EventKind::CallAnswered {
            contact_id: contact_id.clone(),
            agent_id: agent_id.clone(),
        },
    );
    for c in state
        .contacts
        .iter()
        .filter(|c| c.sla_pending() && (c.id == contact_id || c.channel == Channel::Voicemail))
    {
        d.push(
            agent.clone(),
            EventKind::ContactFulfilled {
                contact_id: c.id.clone(),
                fulfilment: Fulfilment::Responded,
            },
        );
    }
    if state.agent_id.as_ref() != Some(&agent_id) {
        d.push(
            agent,
            EventKind::AssigneeUpdated {
                inbox_id: state.inbox_id.clone(),
                agent_id: Some(agent_id),
                reason: AssignReason::ContactOffered,
            },
        );
    }
    Ok(Change::Made)
}

/// Whether an agent may reopen `conversation` or create a new one for its
/// customer (T19, T20): only a closed conversation, and only while the customer's
/// `latest` conversation is closed too (one active conversation per customer).
pub fn check_reopen(
    conversation: &Conversation,
    latest: Option<&Conversation>,
) -> Result<(), DomainError> {
    if conversation.status != Status::Closed {
        return Err(DomainError::NotClosed);
    }
    if latest.is_some_and(|l| l.status != Status::Closed) {
        return Err(DomainError::CustomerHasOpenConversation);
    }
    Ok(())
}

/// T19/T20 "Create New": a conversation an agent starts for an outbound message. It is
/// OPEN, assigned to the agent, and not routable until something is sent.
pub fn decide_create_for_outbound(
    conversation_id: ConversationId,
    customer_id: CustomerId,
    inbox_id: InboxId,
    agent_id: AgentId,
    latest: Option<&Conversation>,
    ctx: &mut Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    if latest.is_some_and(|c| c.status != Status::Closed) {
        return Err(DomainError::CustomerHasOpenConversation);
    }
    let initiator = Initiator::new(InitiatorType::Agent, agent_id.as_str());
    let mut d = Decision::new(None, ctx);
    d.push(
        initiator.clone(),
        EventKind::Created {
            conversation_id,
            customer_id,
            inbox_id: inbox_id.clone(),
            awaiting_outbound: true,
        },
    );
    d.push(
        initiator,
        EventKind::AssigneeUpdated {
            inbox_id,
            agent_id: Some(agent_id),
            reason: AssignReason::Manual,
        },
    );
    Ok(d.finish(None))
}
