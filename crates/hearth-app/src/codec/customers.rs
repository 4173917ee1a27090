//! Customer profiles: emails, phones, identities, the stored document.

use std::collections::BTreeMap;

use hearth_domain::customer::{
    Customer, CustomerEmail, CustomerPhone, EmailAddress, IdentityKind, PhoneNumber, PhoneType,
};
use hearth_domain::id::*;
use hearth_domain::{DomainError, Timestamp};
use serde::{Deserialize, Serialize};

use super::instants::ts;

use super::instants::corrupt;

/// One email in Gladly's customer shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailDto {
    pub original: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalized: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
}

/// One phone in Gladly's customer shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneDto {
    pub original: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalized: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_preference: Option<String>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub phone_type: Option<String>,
}

/// A customer as stored (the API shows `gladly::customers::ProfileWire`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerFields {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default)]
    pub emails: Vec<EmailDto>,
    #[serde(default)]
    pub phones: Vec<PhoneDto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_customer_id: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_attributes: BTreeMap<String, String>,
    #[serde(with = "ts")]
    pub created_at: Timestamp,
    #[serde(with = "ts")]
    pub updated_at: Timestamp,
}

/// `(kind, value)` of an opaque identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdentityDto {
    pub kind: String,
    pub value: String,
}

/// The stored customer: its profile fields plus opaque identities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerDoc {
    #[serde(flatten)]
    pub fields: CustomerFields,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identities: Vec<IdentityDto>,
}

impl CustomerDoc {
    /// From the domain.
    pub fn of(c: &Customer) -> CustomerDoc {
        CustomerDoc {
            fields: CustomerFields {
                id: c.id.to_string(),
                name: c.name.clone(),
                image: c.image.clone(),
                address: c.address.clone(),
                emails: c
                    .emails
                    .iter()
                    .map(|e| EmailDto {
                        original: e.address.original().to_owned(),
                        normalized: Some(e.address.normalized().to_owned()),
                        primary: Some(e.primary),
                    })
                    .collect(),
                phones: c
                    .phones
                    .iter()
                    .map(|p| PhoneDto {
                        original: p.number.original().to_owned(),
                        normalized: Some(p.number.e164().to_owned()),
                        extension: p.extension.clone(),
                        region_code: p.region_code.clone(),
                        primary: Some(p.primary),
                        sms_preference: p.sms_preference.clone(),
                        phone_type: p.phone_type.as_wire().map(str::to_owned),
                    })
                    .collect(),
                external_customer_id: c.external_customer_id.clone(),
                custom_attributes: c.custom_attributes.clone(),
                created_at: c.created_at,
                updated_at: c.updated_at,
            },
            identities: c
                .identities
                .iter()
                .map(|(k, v)| IdentityDto {
                    kind: k.as_str().to_owned(),
                    value: v.clone(),
                })
                .collect(),
        }
    }

    /// To the domain (re-validating emails and phones).
    pub fn to_domain(&self) -> Result<Customer, DomainError> {
        let w = &self.fields;
        Ok(Customer {
            id: CustomerId::from_trusted(&w.id),
            name: w.name.clone(),
            image: w.image.clone(),
            address: w.address.clone(),
            emails: emails_in(&w.emails)?,
            phones: phones_in(&w.phones)?,
            external_customer_id: w.external_customer_id.clone(),
            custom_attributes: w.custom_attributes.clone(),
            identities: self
                .identities
                .iter()
                .map(|i| {
                    Ok((
                        IdentityKind::parse(&i.kind).ok_or_else(|| corrupt("identity", &i.kind))?,
                        i.value.clone(),
                    ))
                })
                .collect::<Result<_, DomainError>>()?,
            created_at: w.created_at,
            updated_at: w.updated_at,
        })
    }
}

/// Parses the `emails` array of a customer body.
pub fn emails_in(emails: &[EmailDto]) -> Result<Vec<CustomerEmail>, DomainError> {
    emails
        .iter()
        .map(|e| {
            Ok(CustomerEmail {
                address: EmailAddress::parse("emails.original", &e.original)?,
                primary: e.primary.unwrap_or(false),
            })
        })
        .collect()
}

/// Parses the `phones` array of a customer body.
pub fn phones_in(phones: &[PhoneDto]) -> Result<Vec<CustomerPhone>, DomainError> {
    phones
        .iter()
        .map(|p| {
            Ok(CustomerPhone {
                number: PhoneNumber::parse(
                    "phones.original",
                    &p.original,
                    p.region_code.as_deref(),
                )?,
                extension: p.extension.clone(),
                region_code: p.region_code.clone(),
                primary: p.primary.unwrap_or(false),
                sms_preference: p.sms_preference.clone(),
                phone_type: PhoneType::parse(p.phone_type.as_deref())?,
            })
        })
        .collect()
}
