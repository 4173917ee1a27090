//! The read-only directory (`GET /agents`, `/inboxes`, `/teams`) and topics
//! (`/topics`, GLADLY-API.md 2.1 and 2.8): their wire shapes, and a topic change as
//! a client writes it.

use hearth_domain::DomainError;
use hearth_domain::config::{Agent, Inbox, Team, Topic};
use hearth_domain::id::TopicId;
use serde::Serialize;
use serde_json::{Map, Value};

use super::fields::Fields;
use crate::service::TopicChange;

/// `{id, name, emailAddress}` of an agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentEntry {
    pub id: String,
    pub name: String,
    pub email_address: String,
}

impl From<&Agent> for AgentEntry {
    fn from(a: &Agent) -> Self {
        AgentEntry {
            id: a.id.to_string(),
            name: a.name.clone(),
            email_address: a.email.clone(),
        }
    }
}

/// `{id, name, disabled}` of an inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboxEntry {
    pub id: String,
    pub name: String,
    pub disabled: bool,
}

impl From<&Inbox> for InboxEntry {
    fn from(i: &Inbox) -> Self {
        InboxEntry {
            id: i.id.to_string(),
            name: i.name.clone(),
            disabled: i.disabled,
        }
    }
}

/// `{id, name, description, agentIds}` of a team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamEntry {
    pub id: String,
    pub name: String,
    pub description: String,
    pub agent_ids: Vec<String>,
}

impl From<&Team> for TeamEntry {
    fn from(t: &Team) -> Self {
        TeamEntry {
            id: t.id.to_string(),
            name: t.name.clone(),
            description: t.description.clone(),
            agent_ids: t.agent_ids.iter().map(ToString::to_string).collect(),
        }
    }
}

/// `{id, name, disabled, parentId?}` of a topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicEntry {
    pub id: String,
    pub name: String,
    pub disabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
}

impl From<&Topic> for TopicEntry {
    fn from(t: &Topic) -> Self {
        TopicEntry {
            id: t.id.to_string(),
            name: t.name.clone(),
            disabled: t.disabled,
            parent_id: t.parent_id.as_ref().map(ToString::to_string),
        }
    }
}

/// The longest topic name.
pub const TOPIC_NAME_MAX: usize = 200;

/// Reads a topic body (`POST /topics`, `PATCH /topics/{id}`); `creating` makes the
/// name required.
pub fn topic_change(body: &Map<String, Value>, creating: bool) -> Result<TopicChange, DomainError> {
    let name = match body.get("name") {
        None if !creating => None,
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Some(Value::String(_)) | Some(Value::Null) | None => {
            return Err(DomainError::blank("name", "is required"));
        }
        Some(_) => return Err(DomainError::invalid("name", "must be a string")),
    };
    if name
        .as_ref()
        .is_some_and(|n| n.chars().count() > TOPIC_NAME_MAX)
    {
        return Err(DomainError::too_long(
            "name",
            format!("must be at most {TOPIC_NAME_MAX} characters"),
        ));
    }
    let id = match (creating, body.opt_str("", "id")?) {
        (true, Some(raw)) => Some(TopicId::parse("id", &raw)?),
        _ => None,
    };
    let parent_id = match body.get("parentId") {
        None => None,
        Some(Value::String(p)) if !p.is_empty() => Some(Some(p.clone())),
        Some(Value::String(_)) | Some(Value::Null) => Some(None),
        Some(_) => return Err(DomainError::invalid("parentId", "must be a string")),
    };
    Ok(TopicChange {
        id,
        name,
        disabled: body.opt_bool("", "disabled")?,
        parent_id,
    })
}

/// `GET /organization`: one organization per deployment (DESIGN section 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationWire {
    pub id: &'static str,
    pub login_domain: &'static str,
    pub name: &'static str,
    pub timezone: &'static str,
    pub gladly_url: &'static str,
}

/// The one organization.
pub const ORGANIZATION: OrganizationWire = OrganizationWire {
    id: "organization",
    login_domain: "localhost",
    name: "Hearth",
    timezone: "UTC",
    gladly_url: "",
};
