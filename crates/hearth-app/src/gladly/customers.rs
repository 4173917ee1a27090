//! Customer profiles as clients write them (`POST`/`PATCH /customer-profiles`,
//! GLADLY-API.md 2.3), read into a [`ProfileChange`]. Read-only fields (`id` on
//! PATCH, `createdAt`, `updatedAt`, `normalized`) are ignored.

use hearth_domain::DomainError;
use hearth_domain::id::CustomerId;
use serde_json::{Map, Value};

use crate::codec::{EmailDto, PhoneDto, emails_in, phones_in};
use crate::service::ProfileChange;

/// A text field: absent keeps, `null` or blank clears, longer than `max` is refused.
fn text(
    body: &Map<String, Value>,
    key: &str,
    max: usize,
) -> Result<Option<Option<String>>, DomainError> {
    match body.get(key) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) if s.chars().count() > max => Err(DomainError::too_long(
            key,
            format!("must be at most {max} characters"),
        )),
        Some(Value::String(s)) => Ok(Some(Some(s.clone()).filter(|s| !s.trim().is_empty()))),
        Some(_) => Err(DomainError::invalid(key, "must be a string")),
    }
}

/// Reads a profile body; `creating` takes the client's `id`.
pub fn profile_change(
    body: &Map<String, Value>,
    creating: bool,
) -> Result<ProfileChange, DomainError> {
    let id = match body.get("id").and_then(Value::as_str) {
        Some(raw) if creating => Some(CustomerId::parse("id", raw)?),
        _ => None,
    };
    let emails = match body.get("emails") {
        Some(raw) => {
            let list: Vec<EmailDto> = serde_json::from_value(raw.clone())
                .map_err(|e| DomainError::invalid("emails", e.to_string()))?;
            Some(emails_in(&list)?)
        }
        None => None,
    };
    let phones = match body.get("phones") {
        Some(raw) => {
            let list: Vec<PhoneDto> = serde_json::from_value(raw.clone())
                .map_err(|e| DomainError::invalid("phones", e.to_string()))?;
            Some(phones_in(&list)?)
        }
        None => None,
    };
    let custom_attributes =
        match body.get("customAttributes") {
            None => None,
            Some(Value::Null) => Some(Default::default()),
            Some(other) => Some(serde_json::from_value(other.clone()).map_err(|_| {
                DomainError::invalid("customAttributes", "must map names to strings")
            })?),
        };
    Ok(ProfileChange {
        id,
        name: text(body, "name", 1000)?,
        image: text(body, "image", 2000)?,
        address: text(body, "address", 2000)?,
        external_customer_id: text(body, "externalCustomerId", 200)?,
        emails,
        phones,
        custom_attributes,
    })
}
