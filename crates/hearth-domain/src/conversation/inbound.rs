//! T1-T4: where an inbound contact goes, and what it does there.

use super::decision::Decision;
use super::{
    AssignReason, Context, Conversation, Direction, EndStatus, Event, EventKind, Inbound,
    InboundTarget, Status,
};
use crate::channel::{Channel, Group};
use crate::config::OrgSettings;
use crate::id::ContactId;
use crate::item::{Initiator, InitiatorType};
use crate::{DomainError, Timestamp};

/// Chooses the target for an inbound contact given the customer's latest conversation.
pub fn inbound_target(
    latest: Option<&Conversation>,
    now: Timestamp,
    settings: &OrgSettings,
) -> InboundTarget {
    match latest {
        None => InboundTarget::New,
        Some(c) if c.status != Status::Closed => InboundTarget::Join,
        Some(c) => match c.closed_at {
            Some(closed_at) if now < closed_at + settings.reopen_window => InboundTarget::Reopen,
            _ => InboundTarget::New,
        },
    }
}

/// Decides an inbound contact. `target` is the customer's conversation chosen by
/// [`inbound_target`] (`None` for a new one).
pub fn decide_inbound(
    target: Option<&Conversation>,
    inbound: Inbound,
    ctx: &mut Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    let customer = Initiator::new(InitiatorType::Customer, inbound.customer_id.as_str());
    let mut d = Decision::new(target.cloned(), ctx);
    let is_new = d.state.is_none();
    if is_new {
        d.push(
            customer.clone(),
            EventKind::Created {
                conversation_id: inbound.new_conversation_id.clone(),
                customer_id: inbound.customer_id.clone(),
                inbox_id: inbound.inbox_id.clone(),
                awaiting_outbound: false,
            },
        );
    }
    let before = d.conv().clone();
    if before.customer_id != inbound.customer_id {
        return Err(DomainError::invalid(
            "customerId",
            "the conversation belongs to another customer",
        ));
    }
    let was_closed = before.status == Status::Closed;
    if was_closed {
        d.push(
            customer.clone(),
            EventKind::Reopened {
                awaiting_outbound: false,
            },
        );
    }

    // Join the channel's active contact, or start one.
    let joined = before.contacts.iter().rev().find(|c| {
        c.channel == inbound.channel
            && c.is_active()
            && match inbound.channel {
                Channel::Chat => c.session_id == inbound.session_id,
                Channel::PhoneCall => false,
                _ => c.fulfilled.is_none(),
            }
    });
    let contact_id = match joined {
        Some(c) => c.id.clone(),
        None => {
            // A message exchange that was answered ends when the customer writes again
            // on the same channel: the new message opens the next contact.
            if !inbound.channel.is_live() {
                let answered: Vec<ContactId> = before
                    .contacts
                    .iter()
                    .filter(|c| {
                        c.channel == inbound.channel && c.is_active() && c.fulfilled.is_some()
                    })
                    .map(|c| c.id.clone())
                    .collect();
                for id in answered {
                    d.push(
                        customer.clone(),
                        EventKind::ContactEnded {
                            contact_id: id,
                            reason: None,
                            status: EndStatus::Answered,
                        },
                    );
                }
            }
            d.push(
                customer.clone(),
                EventKind::ContactStarted {
                    contact_id: inbound.new_contact_id.clone(),
                    channel: inbound.channel,
                    direction: Direction::Inbound,
                    session_id: inbound.session_id.clone(),
                    entry_point: inbound.entry_point.clone(),
                    due_at: Some(inbound.sla.due_from(d.now)),
                },
            );
            inbound.new_contact_id.clone()
        }
    };

    // Assignment on T2 and T4 (R33, R34, Q4, Q13).
    if let Some(agent) = before
        .agent_id
        .clone()
        .or_else(|| before.last_agent_id.clone())
        && (was_closed || before.status == Status::Waiting)
    {
        let keep = match inbound.channel.group() {
            Group::Mail => d.routing.mail_to_same_agent,
            Group::Messaging if !was_closed => before
                .last_agent_message_at()
                .is_some_and(|at| d.now < at + d.routing.same_agent_limit),
            _ => false,
        };
        let want = if keep { Some(agent) } else { None };
        if want != before.agent_id {
            d.push(
                customer.clone(),
                EventKind::AssigneeUpdated {
                    inbox_id: before.inbox_id.clone(),
                    agent_id: want,
                    reason: AssignReason::ContactInbound,
                },
            );
        }
    }

    let mut item = inbound.item;
    item.conversation_id = Some(d.conv().id.clone());
    item.contact_id = Some(contact_id);
    d.push(customer, EventKind::MessageReceived { item });
    Ok(d.finish(if is_new { None } else { Some(&before) }))
}
