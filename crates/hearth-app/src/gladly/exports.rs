//! Export files (GLADLY-API.md 3.7): the lines of `customers.jsonl` (the other
//! files use the directory's and items' shapes), the schedule, and taking an
//! erased customer's lines out of a file.

use hearth_domain::customer::Customer;
use serde::Serialize;
use serde_json::Value;

use crate::error::AppError;

/// One line of `customers.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerLine {
    pub id: String,
    pub name: Option<String>,
    pub address: Option<String>,
    pub email_addresses: Vec<String>,
    pub phone_numbers: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_customer_id: Option<String>,
}

impl From<&Customer> for CustomerLine {
    fn from(c: &Customer) -> Self {
        CustomerLine {
            id: c.id.to_string(),
            name: c.name.clone(),
            address: c.address.clone(),
            email_addresses: c
                .emails
                .iter()
                .map(|e| e.address.original().to_owned())
                .collect(),
            phone_numbers: c
                .phones
                .iter()
                .map(|p| p.number.e164().to_owned())
                .collect(),
            external_customer_id: c.external_customer_id.clone(),
        }
    }
}

/// `GET /export/schedules`: the one schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportSchedule {
    pub id: String,
    pub frequency: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub next_start_at: String,
    pub updated_at: String,
}

/// Values as JSON lines.
pub fn lines<T: Serialize>(values: impl IntoIterator<Item = T>) -> Result<String, AppError> {
    let mut out = String::new();
    for v in values {
        out.push_str(&serde_json::to_string(&v)?);
        out.push('\n');
    }
    Ok(out)
}

/// `content` (the JSON lines of export file `filename`) without the lines about
/// customer `id`: its profile in `customers.jsonl`, its items elsewhere.
pub fn without_customer(filename: &str, content: &str, id: &str) -> Result<String, AppError> {
    let key = if filename == "customers.jsonl" {
        "id"
    } else {
        "customerId"
    };
    let mut kept = String::with_capacity(content.len());
    for line in content.lines() {
        let value: Value = serde_json::from_str(line)?;
        if value.get(key).and_then(Value::as_str) != Some(id) {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    Ok(kept)
}

/// An export file of conversation items with the line of item `id` replaced by
/// `line` (its redacted form); other files and lines are kept as they are.
pub fn with_item_replaced(
    filename: &str,
    content: &str,
    id: &str,
    line: &str,
) -> Result<String, AppError> {
    if filename != "conversation_items.jsonl" {
        return Ok(content.to_owned());
    }
    let mut kept = String::with_capacity(content.len());
    for current in content.lines() {
        let value: Value = serde_json::from_str(current)?;
        if value.get("id").and_then(Value::as_str) == Some(id) {
            kept.push_str(line);
        } else {
            kept.push_str(current);
        }
        kept.push('\n');
    }
    Ok(kept)
}

/// One line of `conversation_items.jsonl`.
pub fn item_line(item: &hearth_domain::item::ConversationItem) -> Result<String, AppError> {
    Ok(serde_json::to_string(&crate::gladly::items::ItemWire::of(
        item,
    ))?)
}
