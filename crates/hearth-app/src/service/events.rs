//! The agent's live stream (`GET /stream`): the committed events that concern the
//! agent, in log order, each with its log position so a client resumes with
//! `Last-Event-ID`.

use hearth_domain::config::Role;

use super::credentials::Caller;
use crate::app::{App, read_tx};
use crate::codec::{self, PayloadProbe};
use crate::error::AppError;
use crate::gladly::events::{GladlyEvent, stream_data};
use crate::unit_of_work::load_conversation;

/// One event for the agent's stream: its log position, its type (the SSE event
/// name) and its data as JSON text.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamEvent {
    pub seq: i64,
    pub kind: String,
    pub data: String,
}

impl App {
    /// Where a new stream starts: after the newest event.
    pub async fn stream_start(&self) -> Result<i64, AppError> {
        read_tx!(self, |tx| Ok::<_, AppError>(tx.last_event_seq().await?))
    }

    /// The events after `after` that concern the calling agent (its own
    /// availability, offers made to it, conversations assigned to it), and the
    /// position to continue from.
    pub async fn stream_after(
        &self,
        caller: &Caller,
        after: i64,
        limit: i64,
    ) -> Result<(Vec<StreamEvent>, i64), AppError> {
        caller.require(Role::Agent)?;
        let me = caller.agent.id.to_string();
        let (page, cursor) = self.routed_after(after, limit).await?;
        let mine = page
            .into_iter()
            .filter(|e| e.concerns(&me))
            .map(|e| e.event)
            .collect();
        Ok((mine, cursor))
    }

    /// Every event after `after` with the agents it concerns, and the position to
    /// continue from: what one reader per instance hands to all the live streams,
    /// so that the log is read once per commit, not once per stream.
    pub async fn routed_after(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<(Vec<RoutedEvent>, i64), AppError> {
        read_tx!(self, |tx| {
            let page = tx.events_page(after, limit).await?;
            let cursor = page.last().map_or(after, |e| e.seq);
            let mut out = Vec::new();
            for stored in page {
                let e = &stored.event;
                let probe: PayloadProbe = codec::read(&e.payload)?;
                let (agents, conversation) = match e.aggregate_type.as_str() {
                    "agent" => (vec![e.aggregate_id.clone()], None),
                    "routing" | "sla" => (
                        probe
                            .content_agent_id()
                            .map(str::to_owned)
                            .into_iter()
                            .collect(),
                        None,
                    ),
                    "conversation" => {
                        let conv = load_conversation(tx, &e.aggregate_id).await?;
                        let mut agents: Vec<String> = probe.agent_id.clone().into_iter().collect();
                        if let Some(holder) = conv.as_ref().and_then(|c| c.agent_id.as_ref())
                            && !agents.iter().any(|a| a == holder.as_str())
                        {
                            agents.push(holder.to_string());
                        }
                        (agents, conv)
                    }
                    _ => (Vec::new(), None),
                };
                if agents.is_empty() {
                    continue;
                }
                out.push(RoutedEvent {
                    agents,
                    event: StreamEvent {
                        seq: stored.seq,
                        kind: e.event_type.clone(),
                        data: stream_data(e, conversation.as_ref())?,
                    },
                });
            }
            Ok((out, cursor))
        })
    }
}

/// A stream event with the agents whose streams carry it.
#[derive(Debug, Clone, PartialEq)]
pub struct RoutedEvent {
    pub agents: Vec<String>,
    pub event: StreamEvent,
}

impl RoutedEvent {
    /// Whether the agent with this id is one it concerns.
    pub fn concerns(&self, agent_id: &str) -> bool {
        self.agents.iter().any(|a| a == agent_id)
    }
}

/// The most events one `GET /events` answer holds.
pub const EVENTS_CAP: usize = 100_000;

impl App {
    /// `GET /events`: committed events in Gladly's shape with `start <= timestamp <
    /// end`, of the given entities, oldest first. The feed reaches back
    /// `eventRetentionDays`; what it serves is never delayed.
    pub async fn events_feed(
        &self,
        caller: &Caller,
        start: hearth_domain::Timestamp,
        end: Option<hearth_domain::Timestamp>,
        entities: &[String],
    ) -> Result<(Vec<GladlyEvent>, bool), AppError> {
        use hearth_domain::DomainError;
        super::permissions::may_read_everything(caller)?;
        let now = self.now();
        let settings = self.settings().await?;
        let oldest = now - hearth_domain::Duration::days(i64::from(settings.event_retention_days));
        if start < oldest {
            return Err(DomainError::invalid(
                "startAt",
                format!(
                    "must be within the last {} days",
                    settings.event_retention_days
                ),
            )
            .into());
        }
        let end = end.unwrap_or(now + hearth_domain::Duration::milliseconds(1));
        if end <= start {
            return Err(DomainError::invalid("endAt", "must be after startAt").into());
        }
        if entities.is_empty() {
            return Err(DomainError::blank("entities", "name at least one entity").into());
        }
        for e in entities {
            if !crate::gladly::events::ENTITIES.contains(&e.as_str()) {
                return Err(
                    DomainError::invalid("entities", format!("unknown entity '{e}'")).into(),
                );
            }
        }
        let (from, to) = (crate::codec::to_ms(start), crate::codec::to_ms(end));
        let mut out = Vec::new();
        let mut after = 0i64;
        loop {
            let page = read_tx!(self, |tx| Ok::<_, AppError>(
                tx.events_in_range(from, to, after, 1000).await?
            ))?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for stored in &page {
                let e = &stored.event;
                let excluded = e.event_type == "CONVERSATION_STATUS/UPDATED"
                    || e.event_type.starts_with("EXPORT_JOB/");
                if excluded
                    || !entities
                        .iter()
                        .any(|x| x == crate::gladly::events::entity_of(&e.event_type))
                {
                    continue;
                }
                if let Some(v) = crate::gladly::events::to_gladly(e)? {
                    out.push(v);
                    if out.len() >= EVENTS_CAP {
                        return Ok((out, true));
                    }
                }
            }
        }
        Ok((out, false))
    }
}
