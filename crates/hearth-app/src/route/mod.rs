//! Routing inside the application: under the routing lock every write transaction
//! holds, an input is logged to the routing log, applied to this instance's engine
//! ([`cache`]), and its decisions are recorded (decision documents for "why was it
//! routed so", Gladly's offer events). Carrying the decisions out is the pipeline's
//! last step ([`crate::pipeline`]).
//!
//! - [`cache`]: the engine as a replay of the log;
//! - [`translate`]: conversations, tasks, agents and inboxes in routing's words;
//! - [`log_codec`]: the routing log's stored form.

pub mod cache;
pub mod log_codec;
pub(crate) mod snapshot;
pub mod translate;

use hearth_domain::Timestamp;
use hearth_domain::id::InboxId;
use hearth_routing::{Decision, Effect, Input, Outcome, UnitId};

use crate::app::App;
use crate::clock::new_id;
use crate::codec::{self, AgentDoc, CandidateDoc, InboxDoc, fmt_ts, to_ms};
pub use crate::codec::{DecisionDoc, OfferDoc};
use crate::error::AppError;
use crate::ports::{EventRow, RoutingDecisionRow, StoreTx, stored};
use crate::schedule::offer_timer_id;
use crate::unit_of_work::{kind, load_conversation};
use log_codec::{encode, unit_key};
use translate::{agent_config, inbox_policy, next_refusal};

impl App {
    /// Applies the committed routing inputs this instance has not seen yet.
    /// The routing log position this instance's engine has applied (after a catch-up
    /// in the current transaction: the log's head).
    pub(crate) fn routing_position(&self) -> i64 {
        self.routing.position()
    }

    pub(crate) async fn routing_catch_up(&self, tx: &mut dyn StoreTx) -> Result<(), AppError> {
        self.routing.catch_up(tx).await
    }

    /// Writes a snapshot of the routing state when it is `every` or more inputs past
    /// the newest one (a background task calls it each second, and shutdown with
    /// 1); returns the position of the snapshot written, if one was.
    pub async fn snapshot_routing(&self, every: i64) -> Result<Option<i64>, AppError> {
        self.catch_up_routing().await?;
        let Some((seq, doc)) = self.routing.snapshot_due(every)? else {
            return Ok(None);
        };
        let at = crate::codec::to_ms(self.now());
        crate::app::write_tx!(self, |tx| {
            tx.put_routing_snapshot(seq, at, &doc).await?;
            Ok::<_, AppError>(())
        })?;
        self.routing.snapshot_written(seq);
        Ok(Some(seq))
    }

    /// Brings this instance's routing state up to the log (starting from the newest
    /// snapshot when it is empty).
    pub async fn catch_up_routing(&self) -> Result<(), AppError> {
        crate::app::read_tx!(self, |tx| self.routing_catch_up(tx).await)
    }

    /// Log inputs this instance replayed since it started.
    pub fn routing_replayed(&self) -> u64 {
        self.routing.replayed()
    }

    /// Makes sure routing knows the agents and inboxes an input mentions.
    pub(crate) async fn configuration_for(
        &self,
        tx: &mut dyn StoreTx,
        input: &Input,
    ) -> Result<Vec<Input>, AppError> {
        let mut out = Vec::new();
        let agent = match input {
            Input::AvailabilityChanged { agent, .. }
            | Input::NextRequested { agent, .. }
            | Input::ContactEnded { agent, .. }
            | Input::TimerFired { agent, .. }
            | Input::AssignedOutsideRouting { agent, .. }
            | Input::WorkUpdated { agent, .. }
            | Input::WorkReleased { agent, .. } => Some(agent.clone()),
            _ => None,
        };
        if let Some(agent) = agent
            && !self.with_engine(|e| e.agents.contains_key(&agent))
            && let Some(row) = tx.resource(kind::AGENT, agent.as_str()).await?
        {
            let doc: AgentDoc = serde_json::from_str(&row.doc)?;
            let config = agent_config(&doc)?;
            for inbox in &config.inbox_ids {
                out.extend(self.inbox_configuration(tx, inbox).await?);
            }
            out.push(Input::AgentConfigured(config));
        }
        if let Input::UnitRoutable(unit) = input {
            out.extend(self.inbox_configuration(tx, &unit.inbox_id).await?);
        }
        Ok(out)
    }

    async fn inbox_configuration(
        &self,
        tx: &mut dyn StoreTx,
        inbox: &InboxId,
    ) -> Result<Option<Input>, AppError> {
        if self.with_engine(|e| e.inboxes.contains_key(inbox)) {
            return Ok(None);
        }
        match tx.resource(kind::INBOX, inbox.as_str()).await? {
            Some(row) => {
                let doc: InboxDoc = serde_json::from_str(&row.doc)?;
                Ok(Some(Input::InboxConfigured {
                    inbox: inbox.clone(),
                    policy: inbox_policy(&doc)?,
                }))
            }
            None => Ok(None),
        }
    }

    /// Routes one input inside a write transaction (which holds the routing lock):
    /// checks a Next request, logs the input, applies it, and forgets an answered
    /// offer. Returns the input's log position and the engine's decisions, which the
    /// caller records ([`App::record_decision`]) and carries out, one by one.
    pub(crate) async fn route_input(
        &self,
        tx: &mut dyn StoreTx,
        input: Input,
        now: Timestamp,
    ) -> Result<(i64, Vec<Decision>), AppError> {
        if let Input::NextRequested { agent, source, .. } = &input {
            self.with_engine(|e| e.check_next(agent, *source))
                .map_err(next_refusal)?;
        }
        let offer_answered = match &input {
            Input::OfferAccepted { offer }
            | Input::OfferDeclined { offer }
            | Input::OfferMissed { offer } => Some(offer.clone()),
            _ => None,
        };
        let seq = tx
            .append_routing_input(to_ms(now), &encode(&input)?)
            .await?;
        let decisions = self.routing.apply(seq, input, now)?;
        if let Some(offer) = offer_answered {
            tx.delete_offer(&offer.0).await?;
            tx.delete_timer(&offer_timer_id(&offer)).await?;
        }
        Ok((seq, decisions))
    }

    /// Records the `index`th decision of the input logged at `seq`: its decision
    /// document, and Gladly's offer event where it is about an offer.
    pub(crate) async fn record_decision(
        &self,
        tx: &mut dyn StoreTx,
        seq: i64,
        index: usize,
        now: Timestamp,
        d: &Decision,
    ) -> Result<(), AppError> {
        self.record(tx, seq, index, now, d).await?;
        self.offer_event(tx, d, now).await
    }

    async fn record(
        &self,
        tx: &mut dyn StoreTx,
        seq: i64,
        index: usize,
        now: Timestamp,
        d: &Decision,
    ) -> Result<(), AppError> {
        let doc = DecisionDoc {
            // Sorts in decision order within one routing input.
            id: format!("r{seq}d{index:04}"),
            at: fmt_ts(now),
            input: d.input.to_owned(),
            outcome: d.outcome.as_str().to_owned(),
            rule: d.rule.to_owned(),
            winner_agent_id: d.winner.as_ref().map(ToString::to_string),
            candidates: d
                .candidates
                .iter()
                .map(|c| CandidateDoc {
                    agent_id: c.agent.to_string(),
                    eligible: c.eligible,
                    reasons: c.reasons.iter().map(|r| r.as_str().to_owned()).collect(),
                    score: c.score,
                })
                .collect(),
        };
        let unit_id = match &d.unit {
            Some(UnitId::Conversation(id)) => Some(id.to_string()),
            Some(other) => Some(unit_key(other)),
            None => None,
        };
        tx.insert_routing_decision(&RoutingDecisionRow {
            id: doc.id.clone(),
            seq,
            at: to_ms(now),
            unit_id,
            agent_id: doc.winner_agent_id.clone(),
            doc: serde_json::to_string(&doc)?,
        })
        .await?;
        Ok(())
    }

    /// Logs Gladly's `CONTACT/OFFERED`, `CONTACT/OFFER_ACCEPTED` and
    /// `CONTACT/OFFER_REJECTED` for offer decisions (the agent's stream shows them).
    async fn offer_event(
        &self,
        tx: &mut dyn StoreTx,
        d: &Decision,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let kind = match d.outcome {
            Outcome::Offered => "CONTACT/OFFERED",
            Outcome::OfferAccepted => "CONTACT/OFFER_ACCEPTED",
            Outcome::OfferDeclined | Outcome::OfferMissed => "CONTACT/OFFER_REJECTED",
            _ => return Ok(()),
        };
        let (Some(UnitId::Conversation(conv_id)), Some(agent)) = (&d.unit, &d.winner) else {
            return Ok(());
        };
        let conv = load_conversation(tx, conv_id.as_str()).await?;
        let contact = conv
            .as_ref()
            .and_then(|c| c.contacts.iter().rev().find(|k| k.is_active()));
        let mut content = serde_json::json!({
            "agentId": agent.to_string(),
            "conversationId": conv_id.to_string(),
            "customerId": conv.as_ref().map(|c| c.customer_id.to_string()),
            "contactId": contact.map(|k| k.id.to_string()),
            "channel": contact.map(|k| k.channel.contact_event_name()),
        });
        if d.outcome == Outcome::Offered {
            content["matchReasons"] = serde_json::json!([]);
        }
        if matches!(d.outcome, Outcome::OfferDeclined | Outcome::OfferMissed) {
            content["reason"] = serde_json::json!(if d.outcome == Outcome::OfferDeclined {
                "DECLINED"
            } else {
                "MISSED"
            });
        }
        let offer_id = d.effects.iter().find_map(|e| match e {
            Effect::Offer(o) => Some(o.id.0.clone()),
            _ => None,
        });
        if let Some(id) = offer_id {
            content["offerId"] = serde_json::json!(id);
        }
        tx.append_events(&[EventRow {
            id: new_id(),
            at: to_ms(now),
            event_type: kind.to_owned(),
            aggregate_type: stored::ROUTING_EVENTS.to_owned(),
            aggregate_id: conv_id.to_string(),
            initiator_type: Some("SYSTEM".to_owned()),
            initiator_id: Some("routing".to_owned()),
            payload: serde_json::json!({ "v": codec::PAYLOAD_VERSION, "content": content })
                .to_string(),
        }])
        .await?;
        Ok(())
    }
}
