//! The write pipeline. Every change to a conversation goes
//!
//! 1. **decide**: the domain decides events from the state, a command and its
//!    context (settings, the inbox's routing settings, the clock, fresh ids);
//! 2. **persist**: the events, the items they carry and the new projection are
//!    written, guarded by the version the decision was made on;
//! 3. **timers**: the contacts' same-agent limits are re-armed where they moved;
//! 4. **route**: what routing must learn from the change is logged and applied;
//! 5. **carry out**: routing's decisions are carried out (assignments through the
//!    domain again, offers, offer and delay timers).
//!
//! all inside the caller's write transaction, so either every step lands or none.
//! Inputs that are not a conversation change (availability, Next, offers, agent and
//! inbox configuration, task changes) enter at step 4 through `App::route`.

use hearth_domain::DomainError;
use hearth_domain::Timestamp;
use hearth_domain::conversation::{AssignReason, Command, Context, Conversation, Event, decide};
use hearth_domain::id::InboxId;
use hearth_domain::item::{Initiator, InitiatorType};
use hearth_domain::rules::TriggerKind;
use hearth_routing::{Decision, Effect, Input, Outcome, UnitId};

use crate::app::App;
use crate::clock::FreshIds;
use crate::codec::{TaskContent, fmt_ts, to_ms};
use crate::error::AppError;
use crate::ports::{OfferRow, StoreTx};
use crate::route::OfferDoc;
use crate::route::log_codec::unit_key;
use crate::route::translate::inputs_for_change;
use crate::schedule::{
    delay_timer, offer_timer, offer_timer_id, schedule_contact_timers, schedule_due_timer,
};
use crate::service::rules::triggers_in;
use crate::unit_of_work::{
    load_conversation_for_update, load_inbox, load_settings, persist, task_of_row, write_task,
};

/// What kind of change a decision is, for what routing must learn of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    /// An agent or the system changed the conversation.
    Internal,
    /// The customer wrote: the assigned agent has something unseen.
    FromCustomer,
}

impl App {
    /// Runs domain commands on a loaded conversation through the whole pipeline and
    /// returns the conversation as it is afterwards (routing may have assigned it).
    pub(crate) async fn run(
        &self,
        tx: &mut dyn StoreTx,
        conv: &Conversation,
        commands: Vec<Command>,
    ) -> Result<Conversation, AppError> {
        let (after, _) = self
            .decide_and_commit(tx, Some(conv), &conv.inbox_id, Change::Internal, |ctx| {
                let mut state = conv.clone();
                let mut events = Vec::new();
                for command in commands {
                    let step = decide(&state, command, ctx.settings.require_topic, ctx)?;
                    for e in &step {
                        state.apply(e);
                    }
                    events.extend(step);
                }
                Ok(events)
            })
            .await?;
        // Routing may have assigned the conversation meanwhile.
        Ok(load_conversation_for_update(tx, after.id.as_str())
            .await?
            .unwrap_or(after))
    }

    /// The whole pipeline around one decision on `before` (`None`: the decision
    /// creates a conversation) in `inbox_id`: decide, persist, timers, route, carry
    /// out. Returns the conversation as decided (routing may have changed it since)
    /// and the events.
    pub(crate) async fn decide_and_commit(
        &self,
        tx: &mut dyn StoreTx,
        before: Option<&Conversation>,
        inbox_id: &InboxId,
        change: Change,
        decide: impl FnOnce(&mut Context<'_>) -> Result<Vec<Event>, DomainError>,
    ) -> Result<(Conversation, Vec<Event>), AppError> {
        let now = self.now();
        let (mut after, events) = self
            .decide_and_persist(tx, before, inbox_id, now, decide)
            .await?;
        // Rules run before routing learns of the change (R37).
        let (message, topics) = triggers_in(&events);
        if let Some(message) = message {
            after = self
                .automate(tx, TriggerKind::CommunicationReceived, after, Some(message))
                .await?;
        }
        if topics {
            after = self
                .automate(tx, TriggerKind::TopicsAdded, after, None)
                .await?;
        }
        // A bot answering first holds the conversation from routing.
        if let Some(message) = message {
            let was_routable = before.and_then(crate::route::translate::unit_of).is_some();
            after = self
                .offer_to_automation(tx, was_routable, after, message)
                .await?;
        }
        let inputs = inputs_for_change(before, &after, now, change == Change::FromCustomer);
        self.route(tx, inputs).await?;
        Ok((after, events))
    }

    /// A rule's commands on `conv`: decide (a rule's close asks for no topic, T21),
    /// persist, timers. Routing is told by the caller, once, of the whole change.
    pub(crate) async fn apply_automation(
        &self,
        tx: &mut dyn StoreTx,
        conv: &Conversation,
        commands: Vec<Command>,
    ) -> Result<Conversation, AppError> {
        let now = self.now();
        let (after, _) = self
            .decide_and_persist(tx, Some(conv), &conv.inbox_id, now, |ctx| {
                let mut state = conv.clone();
                let mut events = Vec::new();
                for command in commands {
                    let step = decide(&state, command, false, ctx)?;
                    for e in &step {
                        state.apply(e);
                    }
                    events.extend(step);
                }
                Ok(events)
            })
            .await?;
        Ok(after)
    }

    /// Steps 1 to 3: decide, persist, timers. Routing is not told; carrying out its
    /// own decisions is the one caller that must not tell it.
    async fn decide_and_persist(
        &self,
        tx: &mut dyn StoreTx,
        before: Option<&Conversation>,
        inbox_id: &InboxId,
        now: Timestamp,
        decide: impl FnOnce(&mut Context<'_>) -> Result<Vec<Event>, DomainError>,
    ) -> Result<(Conversation, Vec<Event>), AppError> {
        let settings = load_settings(tx).await?;
        let inbox = load_inbox(tx, inbox_id.as_str())
            .await?
            .ok_or_else(|| AppError::internal(format!("inbox {inbox_id} is missing")))?;
        let mut ids = FreshIds;
        let mut ctx = Context {
            now,
            settings: &settings,
            routing: &inbox.routing,
            ids: &mut ids,
        };
        let events = decide(&mut ctx)?;
        let after = persist(tx, before, &events)
            .await?
            .ok_or_else(|| AppError::internal("a decision left no conversation"))?;
        if !events.is_empty() {
            schedule_contact_timers(tx, before, &after).await?;
            if before.map(|b| (b.due_at(), b.status, &b.inbox_id))
                != Some((after.due_at(), after.status, &after.inbox_id))
            {
                schedule_due_timer(tx, &after).await?;
            }
        }
        Ok((after, events))
    }

    /// Steps 4 and 5 for routing inputs: each is logged and applied (after the
    /// agent and inbox configuration routing has not seen yet), and its decisions
    /// are carried out before the next input. Returns every decision.
    pub(crate) async fn route(
        &self,
        tx: &mut dyn StoreTx,
        inputs: Vec<Input>,
    ) -> Result<Vec<Decision>, AppError> {
        self.routing_catch_up(tx).await?;
        let now = self.now();
        let mut all = Vec::new();
        let mut queue: std::collections::VecDeque<Input> = inputs.into();
        while let Some(input) = queue.pop_front() {
            let config = self.configuration_for(tx, &input).await?;
            if !config.is_empty() {
                queue.push_front(input);
                for c in config.into_iter().rev() {
                    queue.push_front(c);
                }
                continue;
            }
            let (seq, decisions) = self.route_input(tx, input, now).await?;
            for (index, d) in decisions.iter().enumerate() {
                self.record_decision(tx, seq, index, now, d).await?;
                self.carry_out(tx, d, now).await?;
            }
            all.extend(decisions);
        }
        Ok(all)
    }

    /// Carries out one routing decision: assignments (through the domain, without
    /// telling routing again: it made them), offers and their timers, routing delays.
    async fn carry_out(
        &self,
        tx: &mut dyn StoreTx,
        d: &Decision,
        now: Timestamp,
    ) -> Result<(), AppError> {
        for effect in &d.effects {
            match effect {
                Effect::Assign {
                    unit: UnitId::Conversation(id),
                    agent,
                } => {
                    let Some(conv) = load_conversation_for_update(tx, id.as_str()).await? else {
                        continue;
                    };
                    let initiator = Initiator {
                        kind: InitiatorType::System,
                        id: Some("routing".into()),
                    };
                    let ringing = conv
                        .contacts
                        .iter()
                        .find(|c| {
                            c.channel == hearth_domain::channel::Channel::PhoneCall
                                && c.is_active()
                                && !c.answered
                        })
                        .map(|c| c.id.clone());
                    let command = match (d.outcome, ringing) {
                        (Outcome::OfferAccepted, Some(contact_id)) => Command::AnswerCall {
                            contact_id,
                            agent_id: agent.clone(),
                        },
                        (outcome, _) => Command::Assign {
                            initiator,
                            inbox_id: conv.inbox_id.clone(),
                            agent_id: Some(agent.clone()),
                            reason: if outcome == Outcome::OfferAccepted {
                                AssignReason::ContactOffered
                            } else {
                                AssignReason::AutomatedAssignment
                            },
                            inbox_sla: hearth_domain::calendar::Sla::around_the_clock(
                                hearth_domain::Duration::ZERO,
                            ),
                        },
                    };
                    self.decide_and_persist(tx, Some(&conv), &conv.inbox_id, now, |ctx| {
                        decide(&conv, command, ctx.settings.require_topic, ctx)
                    })
                    .await?;
                }
                Effect::Offer(offer) => {
                    let (conversation_id, task_id, contact_id, channel) = match &offer.unit {
                        UnitId::Conversation(id) => {
                            let conv = load_conversation_for_update(tx, id.as_str()).await?;
                            let contact = conv.as_ref().and_then(|c| {
                                c.contacts
                                    .iter()
                                    .find(|k| k.sla_pending() && k.channel.group() == offer.group)
                            });
                            (
                                Some(id.to_string()),
                                None,
                                contact.map(|k| k.id.to_string()),
                                contact.map(|k| k.channel.as_str().to_owned()),
                            )
                        }
                        UnitId::Task(id) => (None, Some(id.to_string()), None, None),
                    };
                    let doc = OfferDoc {
                        id: offer.id.0.clone(),
                        kind: if task_id.is_some() {
                            "TASK"
                        } else {
                            "CONVERSATION"
                        }
                        .to_owned(),
                        conversation_id,
                        task_id,
                        contact_id,
                        channel,
                        offered_at: fmt_ts(offer.offered_at),
                        expires_at: fmt_ts(offer.expires_at),
                    };
                    tx.put_offer(&OfferRow {
                        id: offer.id.0.clone(),
                        agent_id: offer.agent.to_string(),
                        unit_id: unit_key(&offer.unit),
                        doc: serde_json::to_string(&doc)?,
                        expires_at: to_ms(offer.expires_at),
                    })
                    .await?;
                }
                Effect::OfferWithdrawn { offer, .. } => {
                    tx.delete_offer(&offer.0).await?;
                    tx.delete_timer(&offer_timer_id(offer)).await?;
                }
                Effect::Timer { agent, group, at } => {
                    tx.put_timer(&delay_timer(agent, *group, *at)?).await?
                }
                Effect::OfferTimer { offer, at } => tx.put_timer(&offer_timer(offer, *at)).await?,
                Effect::Assign {
                    unit: UnitId::Task(id),
                    agent,
                } => {
                    let Some(row) = tx.task_for_update(id.as_str()).await? else {
                        continue;
                    };
                    let before = task_of_row(&row)?;
                    let mut after = before.clone();
                    after.assignee.agent_id = Some(agent.clone());
                    let initiator = Initiator {
                        kind: InitiatorType::System,
                        id: Some("routing".into()),
                    };
                    let content = TaskContent::of(&after, Some(&before)).with_assignee(&after);
                    // Routing already counts this assignment: store it without new inputs.
                    write_task(
                        tx,
                        now,
                        Some((&before, row.version)),
                        &after,
                        vec![("TASK/ASSIGNEE_UPDATED", content)],
                        &initiator,
                    )
                    .await?;
                }
                // Next's hand-over changes nothing.
                Effect::Handed { .. } => {}
            }
        }
        Ok(())
    }
}
