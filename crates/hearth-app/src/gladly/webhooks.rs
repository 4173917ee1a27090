//! Webhooks (GLADLY-API.md 2.12 and section 5) as clients write and read them: a
//! webhook change from a request body, the webhook as the API shows it (never its
//! credentials or header values), its deliveries, and the PING body.

use std::collections::BTreeMap;

use hearth_domain::DomainError;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::codec::{fmt_ts, from_ms};
use crate::ports::DeliveryRow;
use crate::service::webhooks::{Credentials, Webhook, WebhookChange};

/// Reads a webhook body (`POST /webhooks`, `PATCH /webhooks/{id}`): the shapes of
/// the fields; what they may hold is the use case's to check.
pub fn webhook_change(body: &Map<String, Value>) -> Result<WebhookChange, DomainError> {
    let name = match body.get("name") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(s.clone())),
        Some(_) => return Err(DomainError::invalid("name", "must be a string")),
    };
    let url = match body.get("url") {
        None => None,
        Some(v) => Some(
            v.as_str()
                .ok_or_else(|| DomainError::invalid("url", "must be a string"))?
                .trim()
                .to_owned(),
        ),
    };
    let events = match body.get("events") {
        None => None,
        Some(v) => {
            let wrong = || DomainError::invalid("events", "must be an array of event types");
            let list = v.as_array().ok_or_else(wrong)?;
            Some(
                list.iter()
                    .map(|e| e.as_str().map(str::to_owned).ok_or_else(wrong))
                    .collect::<Result<Vec<_>, _>>()?,
            )
        }
    };
    let enabled = match body.get("enabled") {
        None => None,
        Some(v) => Some(
            v.as_bool()
                .ok_or_else(|| DomainError::invalid("enabled", "must be a boolean"))?,
        ),
    };
    let credentials = match body.get("credentials") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(other) => Some(Some(
            serde_json::from_value::<Credentials>(other.clone()).map_err(|_| {
                DomainError::invalid("credentials", "must be {username, password, realm?}")
            })?,
        )),
    };
    let headers = match body.get("headers") {
        None => None,
        Some(Value::Null) => Some(BTreeMap::new()),
        Some(other) => Some(
            serde_json::from_value::<BTreeMap<String, String>>(other.clone())
                .map_err(|_| DomainError::invalid("headers", "must map header names to strings"))?,
        ),
    };
    Ok(WebhookChange {
        name,
        url,
        events,
        enabled,
        credentials,
        headers,
    })
}

/// A webhook as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookWire {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub url: String,
    pub events: Vec<String>,
    pub enabled: bool,
    pub has_credentials: bool,
    pub header_keys: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled_at_due_to_retry_limit: Option<String>,
    /// Only in the answer to its creation and to a rotation of its secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_secret: Option<String>,
}

impl From<&Webhook> for WebhookWire {
    fn from(w: &Webhook) -> Self {
        WebhookWire {
            id: w.doc.id.clone(),
            name: w.doc.name.clone(),
            url: w.doc.url.clone(),
            events: w.doc.events.clone(),
            enabled: w.doc.enabled,
            has_credentials: w.doc.credentials.is_some(),
            header_keys: w.doc.headers.keys().cloned().collect(),
            created_at: fmt_ts(w.created_at),
            updated_at: fmt_ts(w.updated_at),
            disabled_at_due_to_retry_limit: w.doc.disabled_at_due_to_retry_limit.clone(),
            signing_secret: w.new_secret.clone(),
        }
    }
}

/// One delivery of a webhook as `GET /webhooks/{id}/deliveries` lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryWire {
    pub id: String,
    pub event_id: String,
    pub event_type: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: Option<String>,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&DeliveryRow> for DeliveryWire {
    fn from(d: &DeliveryRow) -> Self {
        DeliveryWire {
            id: d.id.clone(),
            event_id: d.event_id.clone(),
            event_type: d.event_type.clone(),
            status: d.status.clone(),
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at.map(|t| fmt_ts(from_ms(t))),
            last_status_code: d.last_status,
            last_error: d.last_error.clone(),
            created_at: fmt_ts(from_ms(d.created_at)),
            updated_at: fmt_ts(from_ms(d.updated_at)),
        }
    }
}
