//! Message automation on the wire (`GLADLY-API.md` 2.6).

use hearth_domain::DomainError;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::fields::Fields;
use crate::codec::fmt_ts;
use crate::service::automation::{AutomationSession, BotMessage, SessionMessage};

/// `{type: TEXT|MENU|HTML, content: {value} | {prompt, menuItems: [{id, label}]}}`.
pub fn bot_message(m: &Map<String, Value>) -> Result<BotMessage, DomainError> {
    super::fields::only_fields(m, "", &["type", "content"])?;
    let kind = m.req_str("", "type")?;
    let content = m
        .opt_obj("", "content")?
        .ok_or_else(|| DomainError::blank("content", "is required"))?;
    match kind.as_str() {
        "TEXT" | "HTML" => {
            super::fields::only_fields(content, "content", &["value"])?;
            let value = content.req_str("content", "value")?;
            Ok(if kind == "TEXT" {
                BotMessage::Text(value)
            } else {
                BotMessage::Html(value)
            })
        }
        "MENU" => {
            super::fields::only_fields(content, "content", &["prompt", "menuItems"])?;
            let prompt = content.req_str("content", "prompt")?;
            let items = match content.get("menuItems") {
                Some(Value::Array(list)) if (1..=10).contains(&list.len()) => list,
                _ => {
                    return Err(DomainError::invalid(
                        "content.menuItems",
                        "must list 1 to 10 items {id, label}",
                    ));
                }
            };
            let mut menu = Vec::new();
            for item in items {
                let Value::Object(o) = item else {
                    return Err(DomainError::invalid(
                        "content.menuItems",
                        "each item is an object {id, label}",
                    ));
                };
                let id = o.req_str("content.menuItems", "id")?;
                let label = o.req_str("content.menuItems", "label")?;
                if id.chars().count() > 100 || label.chars().count() > 200 {
                    return Err(DomainError::too_long(
                        "content.menuItems",
                        "an id is at most 100 characters and a label at most 200",
                    ));
                }
                menu.push((id, label));
            }
            Ok(BotMessage::Menu {
                prompt,
                items: menu,
            })
        }
        other => Err(DomainError::invalid(
            "type",
            format!("'{other}' is not TEXT, MENU or HTML"),
        )),
    }
}

/// `{description}` of a handoff or a close (optional, at most 2048 characters).
pub fn description(m: &Map<String, Value>) -> Result<Option<String>, DomainError> {
    super::fields::only_fields(m, "", &["description"])?;
    m.text("", "description", false, 2048)
}

/// `{state: STARTED|STOPPED}` of a typing indicator: whether the bot types.
pub fn typing(m: &Map<String, Value>) -> Result<bool, DomainError> {
    super::fields::only_fields(m, "", &["state"])?;
    match m.req_str("", "state")?.as_str() {
        "STARTED" => Ok(true),
        "STOPPED" => Ok(false),
        other => Err(DomainError::invalid(
            "state",
            format!("'{other}' is not STARTED or STOPPED"),
        )),
    }
}

/// A session as Gladly shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionWire {
    pub id: String,
    pub company_address: String,
    pub conversation_id: String,
    pub customer_address: String,
    pub customer_id: String,
    pub endpoint_type: String,
    pub created_at: String,
    pub updated_at: String,
    pub target: Value,
    /// Hearth's addition: when the bot closed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<String>,
}

impl From<&AutomationSession> for SessionWire {
    fn from(s: &AutomationSession) -> Self {
        SessionWire {
            id: s.doc.id.clone(),
            company_address: s.doc.company_address.clone(),
            conversation_id: s.doc.conversation_id.clone(),
            customer_address: s.doc.customer_address.clone(),
            customer_id: s.doc.customer_id.clone(),
            endpoint_type: s.doc.channel.clone(),
            created_at: fmt_ts(s.created_at),
            updated_at: fmt_ts(s.updated_at),
            target: json!({ "targetType": s.doc.target }),
            closed_at: s.doc.closed_at.map(|t| fmt_ts(crate::codec::from_ms(t))),
        }
    }
}

/// A message of a session: `{id, content, createdAt, from: {type, id}, sessionId, type}`.
pub fn message_wire(m: &SessionMessage) -> Value {
    let content = if m.menu.is_empty() {
        json!({ "value": m.text })
    } else {
        json!({
            "prompt": m.text,
            "menuItems": m.menu.iter().map(|(id, label)| json!({"id": id, "label": label})).collect::<Vec<_>>(),
        })
    };
    let mut from = json!({ "type": m.from });
    if let Some(id) = &m.from_id {
        from["id"] = json!(id);
    }
    json!({
        "id": m.id,
        "type": m.kind,
        "content": content,
        "createdAt": fmt_ts(m.created_at),
        "from": from,
        "sessionId": m.session_id,
    })
}
