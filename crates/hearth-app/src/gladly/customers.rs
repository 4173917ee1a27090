//! Customer profiles as clients write them (`POST`/`PATCH /customer-profiles`,
//! GLADLY-API.md 2.3), read into a [`ProfileChange`]. Read-only fields (`id` on
//! PATCH, `createdAt`, `updatedAt`, `normalized`) are ignored.

use std::collections::BTreeMap;

use hearth_domain::DomainError;
use hearth_domain::customer::Customer;
use hearth_domain::id::CustomerId;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::codec::{EmailDto, PhoneDto, emails_in, fmt_ts, phones_in};
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

/// A customer profile as the API shows it (GLADLY-API.md 2.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileWire {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    pub emails: Vec<EmailWire>,
    pub phones: Vec<PhoneWire>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_customer_id: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_attributes: BTreeMap<String, String>,
    pub created_at: String,
    pub updated_at: String,
}

/// One email address of a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmailWire {
    pub original: String,
    pub normalized: String,
    pub primary: bool,
}

/// One phone number of a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneWire {
    pub original: String,
    pub normalized: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region_code: Option<String>,
    pub primary: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sms_preference: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub phone_type: Option<&'static str>,
}

impl From<&Customer> for ProfileWire {
    fn from(c: &Customer) -> Self {
        ProfileWire {
            id: c.id.to_string(),
            name: c.name.clone(),
            image: c.image.clone(),
            address: c.address.clone(),
            emails: c
                .emails
                .iter()
                .map(|e| EmailWire {
                    original: e.address.original().to_owned(),
                    normalized: e.address.normalized().to_owned(),
                    primary: e.primary,
                })
                .collect(),
            phones: c
                .phones
                .iter()
                .map(|p| PhoneWire {
                    original: p.number.original().to_owned(),
                    normalized: p.number.e164().to_owned(),
                    extension: p.extension.clone(),
                    region_code: p.region_code.clone(),
                    primary: p.primary,
                    sms_preference: p.sms_preference.clone(),
                    phone_type: p.phone_type.as_wire(),
                })
                .collect(),
            external_customer_id: c.external_customer_id.clone(),
            custom_attributes: c.custom_attributes.clone(),
            created_at: fmt_ts(c.created_at),
            updated_at: fmt_ts(c.updated_at),
        }
    }
}
