//! The agent endpoints' shapes (DESIGN section 5: `/me`, availability, Next, My
//! Customers, the action menu, the supervisor's queue), and the reading of an
//! availability body.

use std::collections::BTreeSet;

use hearth_domain::DomainError;
use hearth_domain::actions::{ActionMenu, Button};
use hearth_domain::channel::Group;
use hearth_domain::config::Agent;
use serde::Serialize;
use serde_json::{Map, Value};

use super::conversations::{ConversationWire, customer, item};
use super::customers::ProfileWire;
use super::fields::Fields;
use super::items::ItemWire;
use super::routing::DecisionWire;
use crate::codec::fmt_ts;
use crate::service::{
    ActionResult, Availability, ConversationView, MyCustomer, NextWork, QueueLine,
};

/// `GET /me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MeWire {
    pub id: String,
    pub name: String,
    pub email_address: String,
    pub roles: Vec<&'static str>,
    pub inbox_ids: Vec<String>,
    pub messaging_capacity: CapacityWire,
}

/// An agent's messaging capacity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CapacityWire {
    pub standard: u32,
    pub maximum: u32,
}

impl From<&Agent> for MeWire {
    fn from(a: &Agent) -> Self {
        MeWire {
            id: a.id.to_string(),
            name: a.name.clone(),
            email_address: a.email.clone(),
            roles: a.roles.iter().map(|r| r.as_str()).collect(),
            inbox_ids: a.inbox_ids.iter().map(ToString::to_string).collect(),
            messaging_capacity: CapacityWire {
                standard: a.messaging_capacity.standard,
                maximum: a.messaging_capacity.maximum,
            },
        }
    }
}

/// `{availableFor, focus, away}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AvailabilityWire {
    pub available_for: Vec<&'static str>,
    pub focus: bool,
    pub away: bool,
    /// Why the agent is away, when they said (a Hearth addition).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub away_reason: Option<String>,
}

impl From<&Availability> for AvailabilityWire {
    fn from(a: &Availability) -> Self {
        AvailabilityWire {
            available_for: a.available.iter().map(|g| g.as_str()).collect(),
            focus: a.focus,
            away: a.away,
            away_reason: a.away_reason.clone(),
        }
    }
}

/// Reads `PUT /me/availability`: the whole state (an omitted flag is false).
pub fn availability(body: &Map<String, Value>) -> Result<Availability, DomainError> {
    let mut available = BTreeSet::new();
    match body.get("availableFor") {
        None | Some(Value::Null) => {}
        Some(Value::Array(values)) => {
            for v in values {
                let group = v.as_str().and_then(Group::parse).ok_or_else(|| {
                    DomainError::invalid(
                        "availableFor",
                        format!("{v} is not one of VOICE, MESSAGING, MAIL, TASK"),
                    )
                })?;
                available.insert(group);
            }
        }
        Some(_) => return Err(DomainError::invalid("availableFor", "must be an array")),
    }
    Ok(Availability {
        available,
        focus: body.opt_bool("", "focus")?.unwrap_or(false),
        away: body.opt_bool("", "away")?.unwrap_or(false),
        away_reason: match body.get("awayReason") {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) if (1..=40).contains(&s.trim().chars().count()) => {
                Some(s.trim().to_owned())
            }
            Some(_) => {
                return Err(DomainError::invalid(
                    "awayReason",
                    "must be text of 1 to 40 characters",
                ));
            }
        },
    })
}

/// `{type, id, customerId}` of the work Next handed out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NextWire {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: String,
    pub customer_id: String,
}

impl From<&NextWork> for NextWire {
    fn from(n: &NextWork) -> Self {
        NextWire {
            kind: n.kind,
            id: n.id.clone(),
            customer_id: n.customer_id.clone(),
        }
    }
}

/// `POST /me/next`: `{next}` (`null`: nothing to do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NextAnswer {
    pub next: Option<NextWire>,
}

/// One line of My Customers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MyCustomerWire {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: String,
    pub customer_id: String,
    pub inbox_id: String,
    pub channel: Option<&'static str>,
    pub status: &'static str,
    pub due_at: Option<String>,
    pub unseen: bool,
    pub last_activity_at: String,
}

impl From<&MyCustomer> for MyCustomerWire {
    fn from(l: &MyCustomer) -> Self {
        MyCustomerWire {
            kind: l.kind,
            id: l.id.clone(),
            customer_id: l.customer_id.clone(),
            inbox_id: l.inbox_id.clone(),
            channel: l.channel,
            status: l.status,
            due_at: l.due_at.map(fmt_ts),
            unseen: l.unseen,
            last_activity_at: fmt_ts(l.last_activity_at),
        }
    }
}

/// One button of the action menu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ButtonWire {
    pub action: &'static str,
    pub label: &'static str,
    pub enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled_reason: Option<&'static str>,
}

impl From<&Button> for ButtonWire {
    fn from(b: &Button) -> Self {
        ButtonWire {
            action: b.action.as_str(),
            label: b.action.label(),
            enabled: b.enabled,
            disabled_reason: b.disabled_reason.map(|r| r.as_str()),
        }
    }
}

/// `GET /conversations/{id}/actions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MenuWire {
    pub primary: ButtonWire,
    pub more: Vec<ButtonWire>,
    pub reply_missing: bool,
}

impl From<&ActionMenu> for MenuWire {
    fn from(m: &ActionMenu) -> Self {
        MenuWire {
            primary: ButtonWire::from(&m.primary),
            more: m.more.iter().map(ButtonWire::from).collect(),
            reply_missing: m.reply_missing,
        }
    }
}

/// `POST /conversations/{id}/actions`: the conversation after the action and what
/// Next handed out.
#[derive(Debug, Serialize)]
pub struct ActionAnswer {
    pub conversation: ConversationWire,
    pub next: Option<NextWire>,
}

impl From<&ActionResult> for ActionAnswer {
    fn from(r: &ActionResult) -> Self {
        ActionAnswer {
            conversation: ConversationWire::of(&r.conversation),
            next: r.next.as_ref().map(NextWire::from),
        }
    }
}

/// One line of the supervisor's queue (`GET /queue`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueLineWire {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: String,
    pub customer_id: String,
    pub inbox_id: String,
    pub channel: Option<String>,
    pub group: &'static str,
    pub due_at: Option<String>,
    pub arrived_at: String,
    pub waiting_seconds: i64,
    pub offered_to_agent_id: Option<String>,
}

impl From<&QueueLine> for QueueLineWire {
    fn from(l: &QueueLine) -> Self {
        QueueLineWire {
            kind: l.kind,
            id: l.id.clone(),
            customer_id: l.customer_id.clone(),
            inbox_id: l.inbox_id.clone(),
            channel: l.channel.clone(),
            group: l.group.as_str(),
            due_at: l.due_at.map(fmt_ts),
            arrived_at: fmt_ts(l.arrived_at),
            waiting_seconds: l.waiting_seconds,
            offered_to_agent_id: l.offered_to.clone(),
        }
    }
}

/// `GET /conversations/{id}/view`: the customer page of a conversation, read in one
/// snapshot (the desktop's conversation page shows the same).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationViewWire {
    pub conversation: ConversationWire,
    pub customer: ProfileWire,
    pub actions: MenuWire,
    /// The customer's conversations, oldest first; the latest ones (and this one)
    /// with their items, older ones with `items: null`.
    pub history: Vec<HistoryEntry>,
    /// Why routing chose whom, for supervisors; `null` for others.
    pub routing: Option<Vec<DecisionWire>>,
}

/// One conversation of a customer's history.
#[derive(Debug, Serialize)]
pub struct HistoryEntry {
    pub conversation: ConversationWire,
    pub items: Option<Vec<ItemWire>>,
}

impl From<&ConversationView> for ConversationViewWire {
    fn from(v: &ConversationView) -> Self {
        ConversationViewWire {
            conversation: ConversationWire::of(&v.conversation),
            customer: customer(&v.customer),
            actions: MenuWire::from(&v.menu),
            history: v
                .history
                .iter()
                .map(|(c, items)| HistoryEntry {
                    conversation: ConversationWire::of(c),
                    items: items.as_ref().map(|list| list.iter().map(item).collect()),
                })
                .collect(),
            routing: v
                .routing
                .as_ref()
                .map(|list| list.iter().map(DecisionWire::from).collect()),
        }
    }
}
