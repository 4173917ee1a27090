//! Customer profiles over the Gladly API: read and look-up by email or phone.

use hearth_domain::DomainError;
use hearth_domain::channel::Channel;
use hearth_domain::task::TaskStatus;
use std::collections::BTreeMap;

use hearth_domain::customer::{
    Customer, CustomerEmail, CustomerPhone, EmailAddress, IdentityKind, PhoneNumber, identity_of,
    new_customer,
};
use hearth_domain::id::CustomerId;
use hearth_domain::item::{Initiator, InitiatorType};

use super::credentials::Caller;
use crate::app::{App, read_tx, write_tx};
use crate::clock::new_id;
use crate::error::AppError;
use crate::ports::StoreTx;
use crate::unit_of_work::{load_customer, save_customer};

/// The most profiles a look-up returns.
pub const FIND_CAP: usize = 50;

/// The longest search box query, in characters.
pub const SEARCH_QUERY_MAX: usize = 100;

/// What to look a customer up by (exactly one key).
#[derive(Debug, Clone)]
pub enum CustomerQuery {
    Email(String),
    Phone(String),
    /// The client's own id; several customers may share one.
    External(String),
}

/// Who a customer-activity item or outbound message is for.
#[derive(Debug, Clone)]
pub enum CustomerRef {
    Id(String),
    Email(String),
    MobilePhone(String),
}

impl App {
    /// The customer `who` names: by id, or found or created by email address or
    /// mobile number; `attr` names the field in validation errors.
    pub(crate) async fn customer_for(
        &self,
        tx: &mut dyn StoreTx,
        who: &CustomerRef,
        attr: &str,
    ) -> Result<CustomerId, AppError> {
        let (channel, raw) = match who {
            CustomerRef::Id(id) => {
                return if load_customer(tx, id).await?.is_some() {
                    Ok(CustomerId::from_trusted(id))
                } else {
                    Err(AppError::not_found("customer", id))
                };
            }
            CustomerRef::Email(e) => (Channel::Email, e),
            CustomerRef::MobilePhone(p) => (Channel::Sms, p),
        };
        let (identity, value) = identity_of(channel, raw).map_err(|e| match e {
            DomainError::Invalid { code, detail, .. } => DomainError::Invalid {
                attr: attr.into(),
                code,
                detail,
            },
            other => other,
        })?;
        if let Some(id) = tx.customer_by_identity(identity.as_str(), &value).await? {
            return Ok(CustomerId::from_trusted(id));
        }
        let customer = new_customer(
            CustomerId::from_trusted(new_id()),
            None,
            identity,
            &value,
            raw,
            self.now(),
        )?;
        match save_customer(
            tx,
            &customer,
            "CUSTOMER_PROFILE/CREATED",
            &Initiator {
                kind: InitiatorType::Api,
                id: None,
            },
        )
        .await
        {
            Err(AppError::Taken { .. }) => return Err(AppError::Contention),
            other => other?,
        }
        Ok(customer.id)
    }

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
            CustomerQuery::External(value) => return self.find_by_external_id(value).await,
        };
        read_tx!(self, |tx| {
            if kind == IdentityKind::MobilePhone {
                // Any phone of a profile, whatever its type (2.2).
                return customers_with_phone(tx, &value, FIND_CAP).await;
            }
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

    /// Customers whose name, a word of it, an email address or a phone number's
    /// digits start with `query` (the desktop's search box), at most `limit`.
    pub async fn search_customers(
        &self,
        caller: &Caller,
        query: &str,
        limit: usize,
    ) -> Result<Vec<Customer>, AppError> {
        caller.require(hearth_domain::config::Role::Agent)?;
        if query.chars().count() > SEARCH_QUERY_MAX {
            return Err(DomainError::too_long(
                "q",
                format!("must be at most {SEARCH_QUERY_MAX} characters"),
            )
            .into());
        }
        if query.chars().any(char::is_control) {
            return Err(DomainError::invalid("q", "must not contain control characters").into());
        }
        let Some(key) = hearth_domain::customer::search_key(query) else {
            return Err(DomainError::blank("q", "type a name, email or phone number").into());
        };
        let limit = i64::try_from(limit.clamp(1, FIND_CAP)).unwrap_or(1);
        read_tx!(self, |tx| {
            let mut found = Vec::new();
            for id in tx.search_customers(&key, limit).await? {
                if let Some(c) = load_customer(tx, &id).await? {
                    found.push(c);
                }
            }
            Ok(found)
        })
    }

    /// Customers carrying this external id, last updated first.
    async fn find_by_external_id(&self, value: &str) -> Result<Vec<Customer>, AppError> {
        let value = value.trim().to_owned();
        if value.is_empty() {
            return Err(DomainError::blank("externalCustomerId", "must not be blank").into());
        }
        read_tx!(self, |tx| {
            let mut found = Vec::new();
            let cap = i64::try_from(FIND_CAP).unwrap_or(i64::MAX);
            for id in tx.customers_by_external_id(&value, cap).await? {
                if let Some(c) = load_customer(tx, &id).await? {
                    found.push(c);
                }
            }
            Ok(found)
        })
    }
}

/// A profile created (`POST /customer-profiles`) or changed (`PATCH`): each field
/// left out keeps its value, `Some(None)` clears it, arrays are replaced whole (as
/// Gladly does).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileChange {
    /// The client's id for a new profile.
    pub id: Option<CustomerId>,
    pub name: Option<Option<String>>,
    pub image: Option<Option<String>>,
    pub address: Option<Option<String>>,
    pub external_customer_id: Option<Option<String>>,
    pub emails: Option<Vec<CustomerEmail>>,
    pub phones: Option<Vec<CustomerPhone>>,
    pub custom_attributes: Option<BTreeMap<String, String>>,
}

impl ProfileChange {
    /// Lays the change over `c` and checks the result.
    fn apply(&self, c: &mut Customer) -> Result<(), AppError> {
        let set = |field: &mut Option<String>, v: &Option<Option<String>>| {
            if let Some(v) = v {
                field.clone_from(v);
            }
        };
        set(&mut c.name, &self.name);
        set(&mut c.image, &self.image);
        set(&mut c.address, &self.address);
        set(&mut c.external_customer_id, &self.external_customer_id);
        if let Some(emails) = &self.emails {
            c.emails.clone_from(emails);
        }
        if let Some(phones) = &self.phones {
            c.phones.clone_from(phones);
        }
        if let Some(attributes) = &self.custom_attributes {
            c.custom_attributes.clone_from(attributes);
        }
        c.validate()?;
        Ok(())
    }
}

/// A uniqueness conflict of a profile, named by the field clients send.
fn profile_conflict(e: AppError) -> AppError {
    match e {
        AppError::Taken {
            attr, holder_id, ..
        } => {
            let field = if attr.starts_with("EMAIL") {
                "emails"
            } else if attr.starts_with("MOBILE") {
                "phones"
            } else {
                "id"
            };
            AppError::Taken {
                attr: field.into(),
                holder_kind: "customer",
                holder_id,
            }
        }
        other => other,
    }
}

impl App {
    /// Creates a profile (`id` may be the client's); emails and mobile numbers must
    /// be free (409 `taken` names the holder).
    pub async fn create_customer(
        &self,
        caller: &Caller,
        change: ProfileChange,
    ) -> Result<Customer, AppError> {
        let id = change
            .id
            .clone()
            .unwrap_or_else(|| CustomerId::from_trusted(crate::clock::new_id()));
        let initiator = hearth_domain::item::Initiator::new(
            hearth_domain::item::InitiatorType::Api,
            caller.agent.id.as_str(),
        );
        write_tx!(self, |tx| {
            if tx.customer(id.as_str()).await?.is_some() {
                return Err(AppError::Taken {
                    attr: "id".into(),
                    holder_kind: "customer",
                    holder_id: id.to_string(),
                });
            }
            let now = self.now();
            let mut customer = Customer {
                id: id.clone(),
                name: None,
                image: None,
                address: None,
                emails: Vec::new(),
                phones: Vec::new(),
                external_customer_id: None,
                custom_attributes: Default::default(),
                identities: Vec::new(),
                created_at: now,
                updated_at: now,
            };
            change.apply(&mut customer)?;
            save_customer(tx, &customer, "CUSTOMER_PROFILE/CREATED", &initiator)
                .await
                .map_err(profile_conflict)?;
            Ok(customer)
        })
    }

    /// Updates a profile with the changed fields.
    pub async fn update_customer(
        &self,
        caller: &Caller,
        id: &str,
        change: ProfileChange,
    ) -> Result<Customer, AppError> {
        let initiator = hearth_domain::item::Initiator::new(
            hearth_domain::item::InitiatorType::Api,
            caller.agent.id.as_str(),
        );
        write_tx!(self, |tx| {
            let mut customer = load_customer(tx, id)
                .await?
                .ok_or_else(|| AppError::not_found("customer", id))?;
            change.apply(&mut customer)?;
            customer.updated_at = self.now();
            save_customer(tx, &customer, "CUSTOMER_PROFILE/UPDATED", &initiator)
                .await
                .map_err(profile_conflict)?;
            Ok(customer)
        })
    }

    /// Deletes a customer with every conversation, item and task (refused while a
    /// conversation is OPEN or WAITING or a task is open); the event log keeps only
    /// tombstones, webhook deliveries of those events go, and export files lose the
    /// customer's lines (DESIGN section 3: events and export never return deleted
    /// data).
    pub async fn delete_customer(&self, caller: &Caller, id: &str) -> Result<(), AppError> {
        use hearth_domain::conversation::Status;
        caller.require(hearth_domain::config::Role::Admin)?;
        write_tx!(self, |tx| {
            if tx.customer(id).await?.is_none() {
                return Err(AppError::not_found("customer", id));
            }
            if let Some(latest) = tx.latest_conversation(id).await?
                && latest.status != Status::Closed.as_str()
            {
                return Err(hearth_domain::DomainError::InUse(
                    "the customer has an open or waiting conversation; close it first".into(),
                )
                .into());
            }
            // The customer's tasks go with the profile (Gladly refuses only for
            // open or waiting conversations); routing lets go of the open ones first.
            for row in tx
                .customer_tasks(id, Some(TaskStatus::Open.as_str()), i64::MAX)
                .await?
            {
                let task = crate::unit_of_work::task_of_row(&row)?;
                let mut gone = task.clone();
                gone.set_status(TaskStatus::Closed);
                let inputs = crate::route::translate::inputs_for_task_change(
                    Some(&task),
                    &gone,
                    self.now(),
                    false,
                );
                self.route(tx, inputs).await?;
                tx.delete_timer(&crate::schedule::task_due_timer_id(task.id.as_str()))
                    .await?;
            }
            let tombstone = crate::codec::tombstone_payload(None)?;
            tx.erase_customer(id, &tombstone).await?;
            // When the customer was last auto-replied to is about them too.
            tx.delete_resource(super::rules::AUTO_REPLY, id).await?;
            super::automation::erase_sessions(tx, id).await?;
            super::exports::erase_from_exports(tx, id).await?;
            tx.append_events(&[crate::ports::EventRow {
                id: crate::clock::new_id(),
                at: crate::codec::to_ms(self.now()),
                event_type: "CUSTOMER_PROFILE/DELETED".into(),
                aggregate_type: crate::ports::stored::CUSTOMER_EVENTS.into(),
                aggregate_id: id.to_owned(),
                initiator_type: Some("API".into()),
                initiator_id: Some(caller.agent.id.to_string()),
                payload: crate::codec::tombstone_payload(Some(id))?,
            }])
            .await?;
            Ok(())
        })
    }
}

/// The profiles holding the phone number `e164` under any type (mobile, home,
/// work, other), most recently updated first, at most `limit`. The search terms
/// hold each phone's digits, so the candidates come from one prefix look-up and
/// are then compared whole.
pub(crate) async fn customers_with_phone(
    tx: &mut dyn StoreTx,
    e164: &str,
    limit: usize,
) -> Result<Vec<Customer>, AppError> {
    let digits: String = e164.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    for id in tx.search_customers(&digits, 500).await? {
        if let Some(c) = load_customer(tx, &id).await?
            && c.phones.iter().any(|p| p.number.e164() == e164)
            && !found.iter().any(|f: &Customer| f.id == c.id)
        {
            found.push(c);
        }
    }
    found.sort_by(|a, b| (b.updated_at, &b.id).cmp(&(a.updated_at, &a.id)));
    found.truncate(limit);
    Ok(found)
}
