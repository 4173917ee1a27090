//! Firing timers: offer timeouts (a missed offer), routing delays (next-message
//! delay, after-call work), the same-agent limit of a contact (T8, T9), and
//! automatic Away (R40). What a timer row holds is [`crate::schedule`]'s.
//!
//! The binary's scheduler calls [`App::fire_due_timers`] when the earliest timer is
//! due ([`App::next_timer_due`]), at least once a second.

use hearth_domain::Timestamp;
use hearth_domain::channel::Group;
use hearth_domain::conversation::Command;
use hearth_domain::id::{AgentId, ContactId};
use hearth_routing::{Input, OfferId};

use crate::app::{App, read_tx, write_tx};
use crate::codec::{self, from_ms, to_ms};
use crate::error::AppError;
use crate::ports::{StoreTx, TimerRow};
use crate::schedule::{AWAY, DelayPayload, OFFER_EXPIRY, ROUTING_DELAY, SAME_AGENT_LIMIT};
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
            other => tracing::warn!(kind = other, id = %timer.id, "unknown timer kind; dropped"),
        }
        Ok(())
    }
}
