//! The decision under construction: events accumulated over a scratch state, and
//! the steps several commands share (delivering a message, settling and ending a
//! contact, closing).
use super::{
    AssignReason, Contact, Context, Conversation, Direction, EndReason, EndStatus, Event,
    EventKind, Fulfilment, MAX_MESSAGING_BODY, Status, evolve, message_channel,
};
use crate::channel::Channel;
use crate::config::InboxRouting;
use crate::id::{AgentId, ContactId, ItemId};
use crate::item::{ConversationItem, Initiator, ItemContent, StatusChange};
use crate::{DomainError, Timestamp};

pub(super) fn reply(
    d: &mut Decision<'_, '_>,
    item: ConversationItem,
    replied_to: &ConversationItem,
    agent_id: Option<AgentId>,
) -> Result<(), DomainError> {
    let state = d.conv().clone();
    if replied_to.conversation_id.as_ref() != Some(&state.id) {
        return Err(DomainError::NotReplyable(
            "the item does not belong to this conversation",
        ));
    }
    if !replied_to.is_customer_message() {
        return Err(DomainError::NotReplyable(
            "you can only reply to customer messages",
        ));
    }
    let replied_channel = message_channel(&replied_to.content)
        .ok_or(DomainError::NotReplyable("this item cannot be replied to"))?;
    if replied_channel == Channel::PhoneCall {
        return Err(DomainError::NotReplyable(
            "phone calls cannot be replied to",
        ));
    }
    let reply_channel = message_channel(&item.content).ok_or(DomainError::invalid(
        "content.type",
        "unsupported reply type",
    ))?;
    let compatible = reply_channel == replied_channel
        || (replied_channel == Channel::Voicemail
            && matches!(reply_channel, Channel::Sms | Channel::Email));
    if !compatible || reply_channel == Channel::Voicemail {
        return Err(DomainError::ReplyChannelMismatch {
            reply: item.content.type_name(),
            channel: replied_channel,
        });
    }
    let own = replied_to
        .contact_id
        .as_ref()
        .and_then(|id| state.contact(id))
        .filter(|c| c.channel == reply_channel)
        .cloned();
    deliver(d, item, reply_channel, own.as_ref(), agent_id)
}

/// Sends `item` on `channel`: on `own` contact while it is active, else on an
/// active contact of that channel, else on a new outbound one; pending contacts
/// it answers are fulfilled, and an unassigned conversation goes to the sender.
pub(super) fn deliver(
    d: &mut Decision<'_, '_>,
    mut item: ConversationItem,
    reply_channel: Channel,
    own: Option<&Contact>,
    agent_id: Option<AgentId>,
) -> Result<(), DomainError> {
    let state = d.conv().clone();
    match item.content.text() {
        Some(body) if body.trim().is_empty() => {
            return Err(DomainError::blank("content.body", "a reply needs a body"));
        }
        Some(body)
            if reply_channel != Channel::Email && body.chars().count() > MAX_MESSAGING_BODY =>
        {
            return Err(DomainError::too_long(
                "content.body",
                format!("messaging replies are limited to {MAX_MESSAGING_BODY} characters"),
            ));
        }
        _ => {}
    }
    let initiator = item.initiator.clone();
    let contact_id = match own {
        Some(c) if c.is_active() => c.id.clone(),
        Some(c) if c.channel == Channel::Chat => {
            return Err(DomainError::NotReplyable("the chat session has ended"));
        }
        _ => match state
            .contacts
            .iter()
            .rev()
            .find(|c| c.channel == reply_channel && c.is_active())
        {
            Some(c) => c.id.clone(),
            None => {
                let id = ContactId::from_trusted(d.ctx.ids.next_id());
                d.push(
                    initiator.clone(),
                    EventKind::ContactStarted {
                        contact_id: id.clone(),
                        channel: reply_channel,
                        direction: Direction::Outbound,
                        session_id: None,
                        entry_point: None,
                        due_at: None,
                    },
                );
                id
            }
        },
    };
    item.conversation_id = Some(state.id.clone());
    item.customer_id = state.customer_id.clone();
    item.contact_id = Some(contact_id.clone());
    d.push(initiator.clone(), EventKind::MessageSent { item });
    for c in state
        .contacts
        .iter()
        .filter(|c| c.sla_pending() && (c.id == contact_id || c.channel == Channel::Voicemail))
    {
        d.push(
            initiator.clone(),
            EventKind::ContactFulfilled {
                contact_id: c.id.clone(),
                fulfilment: Fulfilment::Responded,
            },
        );
    }
    if state.agent_id.is_none()
        && let Some(agent) = agent_id
    {
        d.push(
            initiator,
            EventKind::AssigneeUpdated {
                inbox_id: state.inbox_id.clone(),
                agent_id: Some(agent),
                reason: AssignReason::MessageOutbound,
            },
        );
    }
    Ok(())
}

pub(super) fn settle_and_end(
    d: &mut Decision<'_, '_>,
    initiator: &Initiator,
    contact: &Contact,
    reason: Option<EndReason>,
    status: EndStatus,
) {
    if contact.sla_pending() {
        d.push(
            initiator.clone(),
            EventKind::ContactFulfilled {
                contact_id: contact.id.clone(),
                fulfilment: Fulfilment::Canceled,
            },
        );
    }
    d.push(
        initiator.clone(),
        EventKind::ContactEnded {
            contact_id: contact.id.clone(),
            reason,
            status,
        },
    );
}

pub(super) fn close(d: &mut Decision<'_, '_>, initiator: Initiator) {
    let active: Vec<Contact> = d
        .conv()
        .contacts
        .iter()
        .filter(|c| c.is_active())
        .cloned()
        .collect();
    for c in active {
        settle_and_end(
            d,
            &initiator,
            &c,
            Some(EndReason::ConversationClosed),
            c.end_status(),
        );
    }
    d.push(initiator, EventKind::Closed);
}

/// Accumulates events while keeping a scratch state up to date, so that later steps
/// of one decision see the effect of earlier ones.
pub(super) struct Decision<'c, 'a> {
    pub(super) state: Option<Conversation>,
    pub(super) events: Vec<Event>,
    pub(super) now: Timestamp,
    pub(super) routing: InboxRouting,
    pub(super) ctx: &'c mut Context<'a>,
}

impl<'c, 'a> Decision<'c, 'a> {
    /// The context, for a step that needs it whole.
    pub(super) fn into_ctx(self) -> &'c mut Context<'a> {
        self.ctx
    }

    pub(super) fn new(state: Option<Conversation>, ctx: &'c mut Context<'a>) -> Self {
        Decision {
            state,
            events: Vec::new(),
            now: ctx.now,
            routing: *ctx.routing,
            ctx,
        }
    }

    #[allow(clippy::expect_used)]
    pub(super) fn conv(&self) -> &Conversation {
        // Every decision starts from a state or pushes `Created` first.
        self.state
            .as_ref()
            .expect("decision without a conversation")
    }

    pub(super) fn push(&mut self, initiator: Initiator, kind: EventKind) {
        let event = Event {
            at: self.now,
            initiator,
            kind,
        };
        self.state = evolve(self.state.take(), &event);
        self.events.push(event);
    }

    pub(super) fn system_item(
        &mut self,
        item_id: ItemId,
        initiator: Initiator,
        content: ItemContent,
    ) -> ConversationItem {
        let conv = self.conv();
        ConversationItem {
            id: item_id,
            customer_id: conv.customer_id.clone(),
            conversation_id: Some(conv.id.clone()),
            contact_id: None,
            session_id: None,
            timestamp: self.now,
            initiator,
            responder: None,
            content,
            redaction: None,
        }
    }

    /// Appends `CONVERSATION_STATUS/UPDATED` (and, for OPEN<->CLOSED, the status
    /// change item of R13) when the decision changed the status.
    pub(super) fn finish(mut self, before: Option<&Conversation>) -> Vec<Event> {
        let old = before.map(|c| c.status);
        let new = self.conv().status;
        if old.is_some() && old != Some(new) {
            let initiator = self
                .events
                .last()
                .map(|e| e.initiator.clone())
                .unwrap_or_else(Initiator::system);
            self.push(initiator.clone(), EventKind::StatusUpdated { status: new });
            let change = match (old, new) {
                (_, Status::Closed) => Some(StatusChange::Closed),
                (Some(Status::Closed), _) => Some(StatusChange::Open),
                _ => None,
            };
            if let Some(status) = change {
                let id = ItemId::from_trusted(self.ctx.ids.next_id());
                let item = self.system_item(
                    id,
                    initiator.clone(),
                    ItemContent::ConversationStatusChange { status },
                );
                self.push(initiator, EventKind::ItemAdded { item });
            }
        }
        self.events
    }
}
