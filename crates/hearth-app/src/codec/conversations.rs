//! Conversations and their contacts as stored documents.

use hearth_domain::channel::Channel;
use hearth_domain::conversation::{
    Contact, ContactEnd, Conversation, Direction, EndReason, EndStatus, Fulfilment, Status,
};
use hearth_domain::id::*;
use hearth_domain::{DomainError, Timestamp};
use serde::{Deserialize, Serialize};

use super::instants::{ts, ts_opt};

use super::instants::corrupt;
use super::items::is_false;

/// A contact inside the conversation document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactDoc {
    pub id: String,
    pub channel: String,
    pub direction: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_point: Option<String>,
    #[serde(with = "ts")]
    pub started_at: Timestamp,
    #[serde(default, with = "ts_opt", skip_serializing_if = "Option::is_none")]
    pub due_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfilment: Option<String>,
    #[serde(default, with = "ts_opt", skip_serializing_if = "Option::is_none")]
    pub fulfilled_at: Option<Timestamp>,
    #[serde(default, with = "ts_opt", skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_status: Option<String>,
    #[serde(default)]
    pub answered: bool,
    /// When an agent answered the call.
    #[serde(default, with = "ts_opt", skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<Timestamp>,
    #[serde(default, with = "ts_opt", skip_serializing_if = "Option::is_none")]
    pub last_agent_message_at: Option<Timestamp>,
    #[serde(default, with = "ts_opt", skip_serializing_if = "Option::is_none")]
    pub last_customer_message_at: Option<Timestamp>,
}

/// The conversation document: the whole aggregate state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationDoc {
    pub id: String,
    pub customer_id: String,
    pub inbox_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_agent_id: Option<String>,
    #[serde(with = "ts")]
    pub created_at: Timestamp,
    #[serde(default, with = "ts_opt", skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<Timestamp>,
    pub status: String,
    #[serde(default)]
    pub topic_ids: Vec<String>,
    #[serde(default)]
    pub contacts: Vec<ContactDoc>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub awaiting_outbound: bool,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub priority_boost: i64,
    /// The message-automation session holding it from routing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automation: Option<String>,
    pub version: u64,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

impl ConversationDoc {
    /// From the domain.
    pub fn of(c: &Conversation) -> ConversationDoc {
        ConversationDoc {
            id: c.id.to_string(),
            customer_id: c.customer_id.to_string(),
            inbox_id: c.inbox_id.to_string(),
            agent_id: c.agent_id.as_ref().map(ToString::to_string),
            last_agent_id: c.last_agent_id.as_ref().map(ToString::to_string),
            created_at: c.created_at,
            closed_at: c.closed_at,
            status: c.status.as_str().to_owned(),
            topic_ids: c.topic_ids.iter().map(ToString::to_string).collect(),
            contacts: c
                .contacts
                .iter()
                .map(|k| ContactDoc {
                    id: k.id.to_string(),
                    channel: k.channel.as_str().to_owned(),
                    direction: k.direction.as_str().to_owned(),
                    session_id: k.session_id.clone(),
                    entry_point: k.entry_point.clone(),
                    started_at: k.started_at,
                    due_at: k.due_at,
                    fulfilment: k.fulfilled.map(|(f, _)| f.as_str().to_owned()),
                    fulfilled_at: k.fulfilled.map(|(_, at)| at),
                    ended_at: k.ended.map(|e| e.at),
                    end_reason: k
                        .ended
                        .and_then(|e| e.reason)
                        .map(|r| r.as_str().to_owned()),
                    end_status: k.ended.map(|e| e.status.as_str().to_owned()),
                    answered: k.answered,
                    answered_at: k.answered_at,
                    last_agent_message_at: k.last_agent_message_at,
                    last_customer_message_at: k.last_customer_message_at,
                })
                .collect(),
            awaiting_outbound: c.awaiting_outbound,
            priority_boost: c.priority_boost,
            automation: c.automation.clone(),
            version: c.version,
        }
    }

    /// To the domain.
    pub fn to_domain(&self) -> Result<Conversation, DomainError> {
        let contacts = self
            .contacts
            .iter()
            .map(|k| {
                let fulfilled = match (&k.fulfilment, k.fulfilled_at) {
                    (Some(f), Some(at)) => Some((
                        Fulfilment::parse(f).ok_or_else(|| corrupt("fulfilment", f))?,
                        at,
                    )),
                    _ => None,
                };
                let ended = match k.ended_at {
                    Some(at) => Some(ContactEnd {
                        at,
                        reason: k
                            .end_reason
                            .as_deref()
                            .map(|r| EndReason::parse(r).ok_or_else(|| corrupt("endReason", r)))
                            .transpose()?,
                        status: k
                            .end_status
                            .as_deref()
                            .map(|s| EndStatus::parse(s).ok_or_else(|| corrupt("endStatus", s)))
                            .transpose()?
                            .unwrap_or(EndStatus::Unknown),
                    }),
                    None => None,
                };
                Ok(Contact {
                    id: ContactId::from_trusted(&k.id),
                    channel: Channel::parse(&k.channel)
                        .ok_or_else(|| corrupt("channel", &k.channel))?,
                    direction: Direction::parse(&k.direction)
                        .ok_or_else(|| corrupt("direction", &k.direction))?,
                    session_id: k.session_id.clone(),
                    entry_point: k.entry_point.clone(),
                    started_at: k.started_at,
                    due_at: k.due_at,
                    fulfilled,
                    ended,
                    answered: k.answered,
                    answered_at: k.answered_at,
                    last_agent_message_at: k.last_agent_message_at,
                    last_customer_message_at: k.last_customer_message_at,
                })
            })
            .collect::<Result<Vec<_>, DomainError>>()?;
        Ok(Conversation {
            id: ConversationId::from_trusted(&self.id),
            customer_id: CustomerId::from_trusted(&self.customer_id),
            inbox_id: InboxId::from_trusted(&self.inbox_id),
            agent_id: self.agent_id.as_ref().map(AgentId::from_trusted),
            last_agent_id: self.last_agent_id.as_ref().map(AgentId::from_trusted),
            created_at: self.created_at,
            closed_at: self.closed_at,
            status: Status::parse(&self.status).ok_or_else(|| corrupt("status", &self.status))?,
            topic_ids: self.topic_ids.iter().map(TopicId::from_trusted).collect(),
            contacts,
            awaiting_outbound: self.awaiting_outbound,
            priority_boost: self.priority_boost,
            automation: self.automation.clone(),
            version: self.version,
        })
    }
}
