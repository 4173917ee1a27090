//! The routing log's text form. Every routing input is stored as one JSON document
//! (`v` = [`LOG_VERSION`]) in `routing_input`; replaying the log rebuilds the
//! engine. A change to these shapes needs a new version and a reader for the old.

use hearth_domain::channel::Group;
use hearth_domain::config::{MessagingCapacity, Selection};
use hearth_domain::id::{AgentId, ConversationId, InboxId, TaskId};
use hearth_routing::{AgentConfig, InboxPolicy, Input, NextSource, OfferId, Unit, UnitId};
use serde::{Deserialize, Serialize};

use crate::codec::{from_ms, to_ms};
use crate::error::AppError;

/// The version of the routing log's documents.
pub const LOG_VERSION: u32 = 1;

/// A routing input as stored in the routing log (`v` 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE")]
enum InputDto {
    #[serde(rename_all = "camelCase")]
    AgentConfigured {
        agent: String,
        inboxes: Vec<String>,
        standard: u32,
        maximum: u32,
        disabled: bool,
    },
    #[serde(rename_all = "camelCase")]
    InboxConfigured {
        inbox: String,
        selection: String,
        accept_decline: bool,
        offer_timeout_s: i64,
        next_message_delay_s: i64,
        after_call_work_s: i64,
    },
    #[serde(rename_all = "camelCase")]
    UnitRoutable {
        unit: String,
        inbox: String,
        group: String,
        score: i64,
        due_at: Option<i64>,
        arrived_at: i64,
        preferred_agent: Option<String>,
    },
    UnitWithdrawn {
        unit: String,
    },
    #[serde(rename_all = "camelCase")]
    AvailabilityChanged {
        agent: String,
        available: Vec<String>,
        focus: bool,
        away: bool,
    },
    #[serde(rename_all = "camelCase")]
    NextRequested {
        agent: String,
        source: String,
        override_after_call_work: bool,
    },
    OfferAccepted {
        offer: String,
    },
    OfferDeclined {
        offer: String,
    },
    OfferMissed {
        offer: String,
    },
    ContactEnded {
        agent: String,
        unit: String,
        group: String,
        inbox: String,
    },
    TimerFired {
        agent: String,
        group: String,
    },
    AssignedOutsideRouting {
        agent: String,
        unit: String,
        group: String,
        live: bool,
        at: i64,
    },
    #[serde(rename_all = "camelCase")]
    WorkUpdated {
        agent: String,
        unit: String,
        unseen_since: Option<i64>,
    },
    WorkReleased {
        agent: String,
        unit: String,
    },
}

#[derive(Debug, Serialize, Deserialize)]
struct Stored {
    v: u32,
    #[serde(flatten)]
    input: InputDto,
}

/// The text form of a unit id: `conversation:<id>` or `task:<id>`.
pub fn unit_key(unit: &UnitId) -> String {
    unit.to_string()
}

pub(crate) fn unit_of_key(raw: &str) -> Result<UnitId, AppError> {
    match raw.split_once(':') {
        Some(("conversation", id)) => Ok(UnitId::Conversation(ConversationId::from_trusted(id))),
        Some(("task", id)) => Ok(UnitId::Task(TaskId::from_trusted(id))),
        _ => Err(AppError::internal(format!(
            "bad unit id in the routing log: {raw}"
        ))),
    }
}

pub(crate) fn group_of(raw: &str) -> Result<Group, AppError> {
    Group::parse(raw)
        .ok_or_else(|| AppError::internal(format!("bad group in the routing log: {raw}")))
}

pub(crate) fn encode(input: &Input) -> Result<String, AppError> {
    let s = |x: &dyn ToString| x.to_string();
    let dto = match input {
        Input::AgentConfigured(c) => InputDto::AgentConfigured {
            agent: s(&c.id),
            inboxes: c.inbox_ids.iter().map(ToString::to_string).collect(),
            standard: c.capacity.standard,
            maximum: c.capacity.maximum,
            disabled: c.disabled,
        },
        Input::InboxConfigured { inbox, policy } => InputDto::InboxConfigured {
            inbox: s(inbox),
            selection: policy.selection.as_str().to_owned(),
            accept_decline: policy.accept_decline,
            offer_timeout_s: policy.offer_timeout.whole_seconds(),
            next_message_delay_s: policy.next_message_delay.whole_seconds(),
            after_call_work_s: policy.after_call_work.whole_seconds(),
        },
        Input::UnitRoutable(u) => InputDto::UnitRoutable {
            unit: unit_key(&u.id),
            inbox: s(&u.inbox_id),
            group: u.group.as_str().to_owned(),
            score: u.score,
            due_at: u.due_at.map(to_ms),
            arrived_at: to_ms(u.arrived_at),
            preferred_agent: u.preferred_agent.as_ref().map(ToString::to_string),
        },
        Input::UnitWithdrawn(u) => InputDto::UnitWithdrawn { unit: unit_key(u) },
        Input::AvailabilityChanged {
            agent,
            available,
            focus,
            away,
        } => InputDto::AvailabilityChanged {
            agent: s(agent),
            available: available.iter().map(|g| g.as_str().to_owned()).collect(),
            focus: *focus,
            away: *away,
        },
        Input::NextRequested {
            agent,
            source,
            override_after_call_work,
        } => InputDto::NextRequested {
            agent: s(agent),
            source: match source {
                NextSource::AvailabilityBar => "AVAILABILITY_BAR",
                NextSource::Profile => "PROFILE",
            }
            .to_owned(),
            override_after_call_work: *override_after_call_work,
        },
        Input::OfferAccepted { offer } => InputDto::OfferAccepted {
            offer: offer.0.clone(),
        },
        Input::OfferDeclined { offer } => InputDto::OfferDeclined {
            offer: offer.0.clone(),
        },
        Input::OfferMissed { offer } => InputDto::OfferMissed {
            offer: offer.0.clone(),
        },
        Input::ContactEnded {
            agent,
            unit,
            group,
            inbox,
        } => InputDto::ContactEnded {
            agent: s(agent),
            unit: unit_key(unit),
            group: group.as_str().to_owned(),
            inbox: s(inbox),
        },
        Input::TimerFired { agent, group } => InputDto::TimerFired {
            agent: s(agent),
            group: group.as_str().to_owned(),
        },
        Input::AssignedOutsideRouting {
            agent,
            unit,
            group,
            live,
            at,
        } => InputDto::AssignedOutsideRouting {
            agent: s(agent),
            unit: unit_key(unit),
            group: group.as_str().to_owned(),
            live: *live,
            at: to_ms(*at),
        },
        Input::WorkUpdated {
            agent,
            unit,
            unseen_since,
        } => InputDto::WorkUpdated {
            agent: s(agent),
            unit: unit_key(unit),
            unseen_since: unseen_since.map(to_ms),
        },
        Input::WorkReleased { agent, unit } => InputDto::WorkReleased {
            agent: s(agent),
            unit: unit_key(unit),
        },
    };
    Ok(serde_json::to_string(&Stored {
        v: LOG_VERSION,
        input: dto,
    })?)
}

pub(crate) fn decode(raw: &str) -> Result<Input, AppError> {
    let stored: Stored = serde_json::from_str(raw)?;
    if stored.v != LOG_VERSION {
        return Err(AppError::internal(format!(
            "unknown routing input version {}",
            stored.v
        )));
    }
    let agent = |a: String| AgentId::from_trusted(a);
    Ok(match stored.input {
        InputDto::AgentConfigured {
            agent: a,
            inboxes,
            standard,
            maximum,
            disabled,
        } => Input::AgentConfigured(AgentConfig {
            id: agent(a),
            inbox_ids: inboxes.into_iter().map(InboxId::from_trusted).collect(),
            capacity: MessagingCapacity { standard, maximum },
            disabled,
        }),
        InputDto::InboxConfigured {
            inbox,
            selection,
            accept_decline,
            offer_timeout_s,
            next_message_delay_s,
            after_call_work_s,
        } => Input::InboxConfigured {
            inbox: InboxId::from_trusted(inbox),
            policy: InboxPolicy {
                selection: Selection::parse(&selection).unwrap_or(Selection::LongestIdle),
                accept_decline,
                offer_timeout: hearth_domain::Duration::seconds(offer_timeout_s),
                next_message_delay: hearth_domain::Duration::seconds(next_message_delay_s),
                after_call_work: hearth_domain::Duration::seconds(after_call_work_s),
            },
        },
        InputDto::UnitRoutable {
            unit,
            inbox,
            group,
            score,
            due_at,
            arrived_at,
            preferred_agent,
        } => Input::UnitRoutable(Unit {
            id: unit_of_key(&unit)?,
            inbox_id: InboxId::from_trusted(inbox),
            group: group_of(&group)?,
            score,
            due_at: due_at.map(from_ms),
            arrived_at: from_ms(arrived_at),
            preferred_agent: preferred_agent.map(agent),
        }),
        InputDto::UnitWithdrawn { unit } => Input::UnitWithdrawn(unit_of_key(&unit)?),
        InputDto::AvailabilityChanged {
            agent: a,
            available,
            focus,
            away,
        } => Input::AvailabilityChanged {
            agent: agent(a),
            available: available
                .iter()
                .map(|g| group_of(g))
                .collect::<Result<_, _>>()?,
            focus,
            away,
        },
        InputDto::NextRequested {
            agent: a,
            source,
            override_after_call_work,
        } => Input::NextRequested {
            agent: agent(a),
            source: if source == "AVAILABILITY_BAR" {
                NextSource::AvailabilityBar
            } else {
                NextSource::Profile
            },
            override_after_call_work,
        },
        InputDto::OfferAccepted { offer } => Input::OfferAccepted {
            offer: OfferId(offer),
        },
        InputDto::OfferDeclined { offer } => Input::OfferDeclined {
            offer: OfferId(offer),
        },
        InputDto::OfferMissed { offer } => Input::OfferMissed {
            offer: OfferId(offer),
        },
        InputDto::ContactEnded {
            agent: a,
            unit,
            group,
            inbox,
        } => Input::ContactEnded {
            agent: agent(a),
            unit: unit_of_key(&unit)?,
            group: group_of(&group)?,
            inbox: InboxId::from_trusted(inbox),
        },
        InputDto::TimerFired { agent: a, group } => Input::TimerFired {
            agent: agent(a),
            group: group_of(&group)?,
        },
        InputDto::AssignedOutsideRouting {
            agent: a,
            unit,
            group,
            live,
            at,
        } => Input::AssignedOutsideRouting {
            agent: agent(a),
            unit: unit_of_key(&unit)?,
            group: group_of(&group)?,
            live,
            at: from_ms(at),
        },
        InputDto::WorkUpdated {
            agent: a,
            unit,
            unseen_since,
        } => Input::WorkUpdated {
            agent: agent(a),
            unit: unit_of_key(&unit)?,
            unseen_since: unseen_since.map(from_ms),
        },
        InputDto::WorkReleased { agent: a, unit } => Input::WorkReleased {
            agent: agent(a),
            unit: unit_of_key(&unit)?,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_input_survives_the_routing_log() {
        let at = crate::codec::parse_ts("2030-01-01T00:00:00.000Z")
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        let agent = AgentId::from_trusted("a1");
        let unit = UnitId::Conversation(ConversationId::from_trusted("c1"));
        let inputs = vec![
            Input::AgentConfigured(AgentConfig {
                id: agent.clone(),
                inbox_ids: [InboxId::from_trusted("i1")].into_iter().collect(),
                capacity: MessagingCapacity {
                    standard: 2,
                    maximum: 3,
                },
                disabled: false,
            }),
            Input::InboxConfigured {
                inbox: InboxId::from_trusted("i1"),
                policy: InboxPolicy::default(),
            },
            Input::UnitRoutable(Unit {
                id: unit.clone(),
                inbox_id: InboxId::from_trusted("i1"),
                group: Group::Mail,
                score: 3,
                due_at: Some(at),
                arrived_at: at,
                preferred_agent: Some(agent.clone()),
            }),
            Input::UnitWithdrawn(UnitId::Task(TaskId::from_trusted("t1"))),
            Input::AvailabilityChanged {
                agent: agent.clone(),
                available: [Group::Voice, Group::Task].into_iter().collect(),
                focus: true,
                away: false,
            },
            Input::NextRequested {
                agent: agent.clone(),
                source: NextSource::AvailabilityBar,
                override_after_call_work: true,
            },
            Input::OfferAccepted {
                offer: OfferId("o1".into()),
            },
            Input::OfferDeclined {
                offer: OfferId("o2".into()),
            },
            Input::OfferMissed {
                offer: OfferId("o3".into()),
            },
            Input::ContactEnded {
                agent: agent.clone(),
                unit: unit.clone(),
                group: Group::Voice,
                inbox: InboxId::from_trusted("i1"),
            },
            Input::TimerFired {
                agent: agent.clone(),
                group: Group::Messaging,
            },
            Input::AssignedOutsideRouting {
                agent: agent.clone(),
                unit: unit.clone(),
                group: Group::Messaging,
                live: true,
                at,
            },
            Input::WorkUpdated {
                agent: agent.clone(),
                unit: unit.clone(),
                unseen_since: Some(at),
            },
            Input::WorkReleased { agent, unit },
        ];
        for input in inputs {
            let raw = encode(&input).map_err(|e| e.to_string());
            let back = raw
                .as_deref()
                .map_err(Clone::clone)
                .and_then(|r| decode(r).map_err(|e| e.to_string()));
            assert_eq!(back, Ok(input));
        }
    }
}
