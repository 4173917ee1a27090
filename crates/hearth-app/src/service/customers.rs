//! Customer profiles over the Gladly API: read and look-up by email or phone.

use hearth_domain::customer::{Customer, EmailAddress, IdentityKind, PhoneNumber};

use super::{App, load_customer, read_tx};
use crate::error::AppError;

/// The most profiles a look-up returns.
pub const FIND_CAP: usize = 50;

/// What to look a customer up by (exactly one key).
#[derive(Debug, Clone)]
pub enum CustomerQuery {
    Email(String),
    Phone(String),
}

impl App {
    /// One profile.
    pub async fn customer(&self, id: &str) -> Result<Customer, AppError> {
        read_tx!(self, |tx| load_customer(tx, id)
            .await?
            .ok_or_else(|| AppError::not_found("customer", id)))
    }

    /// Profiles matching an email address or a mobile number (`[]` when none).
    pub async fn find_customers(&self, query: CustomerQuery) -> Result<Vec<Customer>, AppError> {
        let (kind, value) = match &query {
            CustomerQuery::Email(raw) => (
                IdentityKind::Email,
                EmailAddress::parse("email", raw)?.normalized().to_owned(),
            ),
            CustomerQuery::Phone(raw) => (
                IdentityKind::MobilePhone,
                PhoneNumber::parse("phoneNumber", raw, None)?
                    .e164()
                    .to_owned(),
            ),
        };
        read_tx!(self, |tx| {
            let mut found = Vec::new();
            if let Some(id) = tx.customer_by_identity(kind.as_str(), &value).await?
                && let Some(c) = load_customer(tx, &id).await?
            {
                found.push(c);
            }
            found.truncate(FIND_CAP);
            Ok(found)
        })
    }
}
