//! Firing timers: offer timeouts (a missed offer), routing delays (next-message
//! delay, after-call work), the same-agent limit of a contact (T8, T9), and
//! automatic Away (R40). What a timer row holds is [`crate::schedule`]'s.
//!
//! The binary's scheduler calls [`App::fire_due_timers`] when the earliest timer is
//! due ([`App::next_timer_due`]), at least once a second.

use hearth_domain::Timestamp;
use hearth_domain::channel::Group;
use hearth_domain::conversation::{Command, Conversation, Status};
use hearth_domain::id::{AgentId, ContactId};
use hearth_routing::{Input, OfferId};

use crate::app::{App, read_tx, write_tx};
use crate::codec::{self, from_ms, to_ms};
use crate::codec::{DueContent, DueTimerDoc};
use crate::error::AppError;
use crate::ports::{EventRow, stored};
use crate::ports::{StoreTx, TimerRow};
use crate::schedule::{
    AWAY, DUE_DATE, DelayPayload, OFFER_EXPIRY, ROUTING_DELAY, SAME_AGENT_LIMIT, TASK_DUE,
    due_rule_offsets, moments, resume_due_timer, schedule_due_timer,
};
use crate::unit_of_work::{load_conversation_for_update, load_inbox, load_settings};

/// Timers fired per transaction.
const BATCH: i64 = 50;

impl App {
    /// When the earliest timer is due.
    pub async fn next_timer_due(&self) -> Result<Option<Timestamp>, AppError> {
        read_tx!(self, |tx| Ok::<_, AppError>(
            tx.next_timer_due().await?.map(from_ms)
        ))
    }

    /// Fires the timers that are due; returns how many fired.
    pub async fn fire_due_timers(&self) -> Result<usize, AppError> {
        write_tx!(self, |tx| {
            let now = self.now();
            let due = tx.due_timers(to_ms(now), BATCH).await?;
            for timer in &due {
                tx.delete_timer(&timer.id).await?;
                self.fire(tx, timer, now).await?;
            }
            Ok::<_, AppError>(due.len())
        })
    }

    async fn fire(
        &self,
        tx: &mut dyn StoreTx,
        timer: &TimerRow,
        now: Timestamp,
    ) -> Result<(), AppError> {
        match timer.kind.as_str() {
            OFFER_EXPIRY => {
                self.route(
                    tx,
                    vec![Input::OfferMissed {
                        offer: OfferId(timer.payload.clone()),
                    }],
                )
                .await?;
            }
            ROUTING_DELAY => {
                let p: DelayPayload = codec::read(&timer.payload)?;
                let group = Group::parse(&p.group)
                    .ok_or_else(|| AppError::internal(format!("bad timer group {}", p.group)))?;
                self.route(
                    tx,
                    vec![Input::TimerFired {
                        agent: AgentId::from_trusted(p.agent),
                        group,
                    }],
                )
                .await?;
            }
            SAME_AGENT_LIMIT => {
                let Some(conv) = load_conversation_for_update(tx, &timer.payload).await? else {
                    return Ok(());
                };
                let contact_id = ContactId::from_trusted(timer.id.trim_start_matches("contact:"));
                let limit = load_inbox(tx, conv.inbox_id.as_str())
                    .await?
                    .map(|i| i.routing.same_agent_limit);
                let due = conv
                    .contact(&contact_id)
                    .zip(limit)
                    .and_then(|(c, l)| c.same_agent_limit_due(l));
                match due {
                    Some(at) if at <= now => {
                        self.run(
                            tx,
                            &conv,
                            vec![Command::SameAgentLimitElapsed { contact_id }],
                        )
                        .await?;
                    }
                    Some(at) => {
                        // Re-armed meanwhile (the customer wrote again): wait for the new moment.
                        tx.put_timer(&TimerRow {
                            due_at: to_ms(at),
                            ..timer.clone()
                        })
                        .await?;
                    }
                    None => {}
                }
            }
            AWAY => {
                let agent = AgentId::from_trusted(timer.payload.clone());
                let settings = load_settings(tx).await?;
                if settings.time_until_away.is_zero() {
                    return Ok(());
                }
                self.routing_catch_up(tx).await?;
                let current = self.with_engine(|e| {
                    e.agents
                        .get(&agent)
                        .map(|a| (a.available.clone(), a.focus, a.away))
                });
                if let Some((available, focus, false)) = current
                    && !available.is_empty()
                {
                    self.go_away(tx, &agent, available, focus).await?;
                }
            }
            DUE_DATE => self.due_moments(tx, timer, now).await?,
            TASK_DUE => self.task_due_moments(tx, timer, now).await?,
            other => tracing::warn!(kind = other, id = %timer.id, "unknown timer kind; dropped"),
        }
        Ok(())
    }

    /// The moments of a conversation's due date that came: `CONTACT/DUE_SOON` and
    /// `CONTACT/OVERDUE` for its contacts due then, and the CONVERSATION_DUE rules
    /// whose offset passed; each once (the timer keeps which passed, in the same
    /// transaction as what they did). Then the timer counts to the next moment.
    async fn due_moments(
        &self,
        tx: &mut dyn StoreTx,
        timer: &TimerRow,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let conv_id = timer.id.trim_start_matches("due:");
        let Some(mut conv) = load_conversation_for_update(tx, conv_id).await? else {
            return Ok(());
        };
        let doc: DueTimerDoc = codec::read(&timer.payload)?;
        let due = match conv.due_at() {
            Some(due) if conv.status == Status::Open && to_ms(due) == doc.due => due,
            // The due date moved or nothing is pending: count afresh, if at all.
            _ => return schedule_due_timer(tx, &conv).await,
        };
        let Some(inbox) = load_inbox(tx, conv.inbox_id.as_str()).await? else {
            return Ok(());
        };
        let offsets = due_rule_offsets(tx).await?;
        let mut passed = doc.passed;
        for (key, at) in moments(due, inbox.warn_before, &offsets) {
            if at > now {
                break;
            }
            if passed.contains(&key) {
                continue;
            }
            passed.push(key.clone());
            match key.strip_prefix("rule:") {
                Some(rule) => {
                    // R67: due-date rules never act on WAITING or CLOSED ones.
                    if conv.status == Status::Open && conv.due_at() == Some(due) {
                        conv = self.automate_due(tx, rule, conv).await?;
                    }
                }
                None => self.due_event(tx, &conv, due, &key, now).await?,
            }
        }
        let conv = load_conversation_for_update(tx, conv_id)
            .await?
            .unwrap_or(conv);
        resume_due_timer(tx, &conv, due, passed).await
    }

    /// `CONTACT/DUE_SOON` or `CONTACT/OVERDUE` for each contact of `conv` due at `due`.
    async fn due_event(
        &self,
        tx: &mut dyn StoreTx,
        conv: &Conversation,
        due: Timestamp,
        key: &str,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let kind = if key == "DUE_SOON" {
            "CONTACT/DUE_SOON"
        } else {
            "CONTACT/OVERDUE"
        };
        let mut rows = Vec::new();
        for contact in conv
            .contacts
            .iter()
            .filter(|c| c.sla_pending() && c.due_at == Some(due))
        {
            let content = DueContent {
                conversation_id: conv.id.to_string(),
                customer_id: conv.customer_id.to_string(),
                contact_id: contact.id.to_string(),
                channel: contact.channel.contact_event_name().to_owned(),
                inbox_id: conv.inbox_id.to_string(),
                agent_id: conv.agent_id.as_ref().map(ToString::to_string),
                due_at: codec::fmt_ts(due),
            };
            rows.push(EventRow {
                id: crate::clock::new_id(),
                at: to_ms(now),
                event_type: kind.to_owned(),
                aggregate_type: stored::SLA_EVENTS.to_owned(),
                aggregate_id: conv.id.to_string(),
                initiator_type: Some("SYSTEM".to_owned()),
                initiator_id: None,
                payload: codec::content_payload(&content)?,
            });
        }
        tx.append_events(&rows).await?;
        Ok(())
    }
}
