//! Snapshots of the routing state: the engine's agents, units, offers and inboxes
//! at a position of the routing log, as one versioned JSON document in
//! `routing_snapshot`. Starting, or starting over after a write that did not
//! commit, loads the latest snapshot and replays only the log after it
//! (ADR 3 keeps the log the truth: a snapshot is a shortcut through it, and one
//! of an unknown version is passed over for the whole log).

use std::collections::{BTreeMap, BTreeSet};

use hearth_domain::Duration;
use hearth_domain::config::{MessagingCapacity, Selection};
use hearth_domain::id::{AgentId, InboxId};
use hearth_routing::{AgentState, Engine, InboxPolicy, Offer, OfferId, OwnWork, Unit};
use serde::{Deserialize, Serialize};

use super::log_codec::{group_of, unit_key, unit_of_key};
use crate::codec::{from_ms, to_ms};
use crate::error::AppError;

/// The version of the snapshot documents.
pub const SNAPSHOT_VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
struct SnapshotDoc {
    v: u32,
    agents: Vec<AgentDto>,
    units: Vec<UnitDto>,
    offers: Vec<OfferDto>,
    inboxes: Vec<InboxDto>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AgentDto {
    id: String,
    inboxes: Vec<String>,
    standard: u32,
    maximum: u32,
    available: Vec<String>,
    focus: bool,
    away: bool,
    disabled: bool,
    offer: Option<String>,
    blocked_until: BTreeMap<String, i64>,
    idle_since: i64,
    last_assigned_at: Option<i64>,
    own: Vec<OwnDto>,
    mail_owed: bool,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OwnDto {
    unit: String,
    unseen_since: Option<i64>,
    live: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UnitDto {
    unit: String,
    inbox: String,
    group: String,
    score: i64,
    due_at: Option<i64>,
    arrived_at: i64,
    preferred_agent: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OfferDto {
    id: String,
    unit: String,
    agent: String,
    group: String,
    offered_at: i64,
    expires_at: i64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct InboxDto {
    inbox: String,
    selection: String,
    accept_decline: bool,
    offer_timeout_s: i64,
    next_message_delay_s: i64,
    after_call_work_s: i64,
}

/// The engine as a snapshot document.
pub(crate) fn encode(engine: &Engine) -> Result<String, AppError> {
    let doc = SnapshotDoc {
        v: SNAPSHOT_VERSION,
        agents: engine
            .agents
            .values()
            .map(|a| AgentDto {
                id: a.id.to_string(),
                inboxes: a.inbox_ids.iter().map(ToString::to_string).collect(),
                standard: a.capacity.standard,
                maximum: a.capacity.maximum,
                available: a.available.iter().map(|g| g.as_str().to_owned()).collect(),
                focus: a.focus,
                away: a.away,
                disabled: a.disabled,
                offer: a.offer.as_ref().map(|o| o.0.clone()),
                blocked_until: a
                    .blocked_until
                    .iter()
                    .map(|(g, t)| (g.as_str().to_owned(), to_ms(*t)))
                    .collect(),
                idle_since: to_ms(a.idle_since),
                last_assigned_at: a.last_assigned_at.map(to_ms),
                own: a
                    .own
                    .iter()
                    .map(|(unit, w)| OwnDto {
                        unit: unit_key(unit),
                        unseen_since: w.unseen_since.map(to_ms),
                        live: w.live.map(|g| g.as_str().to_owned()),
                    })
                    .collect(),
                mail_owed: a.mail_owed,
            })
            .collect(),
        units: engine
            .units
            .values()
            .map(|u| UnitDto {
                unit: unit_key(&u.id),
                inbox: u.inbox_id.to_string(),
                group: u.group.as_str().to_owned(),
                score: u.score,
                due_at: u.due_at.map(to_ms),
                arrived_at: to_ms(u.arrived_at),
                preferred_agent: u.preferred_agent.as_ref().map(ToString::to_string),
            })
            .collect(),
        offers: engine
            .offers
            .values()
            .map(|o| OfferDto {
                id: o.id.0.clone(),
                unit: unit_key(&o.unit),
                agent: o.agent.to_string(),
                group: o.group.as_str().to_owned(),
                offered_at: to_ms(o.offered_at),
                expires_at: to_ms(o.expires_at),
            })
            .collect(),
        inboxes: engine
            .inboxes
            .iter()
            .map(|(id, p)| InboxDto {
                inbox: id.to_string(),
                selection: p.selection.as_str().to_owned(),
                accept_decline: p.accept_decline,
                offer_timeout_s: p.offer_timeout.whole_seconds(),
                next_message_delay_s: p.next_message_delay.whole_seconds(),
                after_call_work_s: p.after_call_work.whole_seconds(),
            })
            .collect(),
    };
    Ok(serde_json::to_string(&doc)?)
}

/// The engine of a snapshot document; `None` for a version this binary does not
/// read (the caller replays the whole log instead).
pub(crate) fn decode(raw: &str) -> Result<Option<Engine>, AppError> {
    #[derive(Deserialize)]
    struct Version {
        v: u32,
    }
    if serde_json::from_str::<Version>(raw)?.v != SNAPSHOT_VERSION {
        return Ok(None);
    }
    let doc: SnapshotDoc = serde_json::from_str(raw)?;
    let mut agents = BTreeMap::new();
    for a in doc.agents {
        let id = AgentId::from_trusted(&a.id);
        let mut own = BTreeMap::new();
        for w in a.own {
            own.insert(
                unit_of_key(&w.unit)?,
                OwnWork {
                    unseen_since: w.unseen_since.map(from_ms),
                    live: w.live.as_deref().map(group_of).transpose()?,
                },
            );
        }
        let mut blocked_until = BTreeMap::new();
        for (g, t) in a.blocked_until {
            blocked_until.insert(group_of(&g)?, from_ms(t));
        }
        agents.insert(
            id.clone(),
            AgentState {
                id,
                inbox_ids: a.inboxes.iter().map(InboxId::from_trusted).collect(),
                capacity: MessagingCapacity::new(a.standard, a.maximum)
                    .map_err(|e| AppError::internal(format!("a snapshot's capacity: {e}")))?,
                available: a
                    .available
                    .iter()
                    .map(|g| group_of(g))
                    .collect::<Result<BTreeSet<_>, _>>()?,
                focus: a.focus,
                away: a.away,
                disabled: a.disabled,
                offer: a.offer.map(OfferId),
                blocked_until,
                idle_since: from_ms(a.idle_since),
                last_assigned_at: a.last_assigned_at.map(from_ms),
                own,
                mail_owed: a.mail_owed,
            },
        );
    }
    let mut units = BTreeMap::new();
    for u in doc.units {
        let id = unit_of_key(&u.unit)?;
        units.insert(
            id.clone(),
            Unit {
                id,
                inbox_id: InboxId::from_trusted(&u.inbox),
                group: group_of(&u.group)?,
                score: u.score,
                due_at: u.due_at.map(from_ms),
                arrived_at: from_ms(u.arrived_at),
                preferred_agent: u.preferred_agent.map(AgentId::from_trusted),
            },
        );
    }
    let mut offers = BTreeMap::new();
    for o in doc.offers {
        let id = OfferId(o.id);
        offers.insert(
            id.clone(),
            Offer {
                id,
                unit: unit_of_key(&o.unit)?,
                agent: AgentId::from_trusted(&o.agent),
                group: group_of(&o.group)?,
                offered_at: from_ms(o.offered_at),
                expires_at: from_ms(o.expires_at),
            },
        );
    }
    let mut inboxes = BTreeMap::new();
    for i in doc.inboxes {
        inboxes.insert(
            InboxId::from_trusted(&i.inbox),
            InboxPolicy {
                selection: Selection::parse(&i.selection).unwrap_or(Selection::LongestIdle),
                accept_decline: i.accept_decline,
                offer_timeout: Duration::seconds(i.offer_timeout_s),
                next_message_delay: Duration::seconds(i.next_message_delay_s),
                after_call_work: Duration::seconds(i.after_call_work_s),
            },
        );
    }
    Ok(Some(Engine::restore(agents, units, offers, inboxes)))
}
