//! `POST /contacts/inbound`: the one ingestion path every channel calls. It
//! identifies (or creates) the customer, picks the conversation (T1-T4), decides the
//! contact and item, and records the provider message id so a redelivery answers
//! with the first response and writes nothing.

use hearth_domain::DomainError;
use hearth_domain::channel::Channel;
use hearth_domain::conversation::{Inbound, InboundTarget, decide_inbound, inbound_target};
use hearth_domain::customer::{IdentityKind, identity_of, new_customer};
use hearth_domain::id::{ContactId, ConversationId, CustomerId, ItemId};
use hearth_domain::item::{ConversationItem, Initiator, InitiatorType};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::app::{App, write_tx};
use crate::clock::new_id;
use crate::codec::{self, ContentDto};
use crate::error::AppError;
use crate::pipeline::Change;
use crate::ports::StoreTx;
use crate::unit_of_work::{
    conversation_of_row, load_entry_point, load_inbox, load_settings, save_customer,
};

/// Longest accepted provider message id.
const MAX_PROVIDER_ID: usize = 255;

/// A validated-shape inbound request; values are checked by [`App::inbound`].
#[derive(Debug, Clone)]
pub struct InboundRequest {
    pub channel: String,
    pub entry_point: String,
    pub from_address: String,
    pub from_name: Option<String>,
    pub content: Map<String, Value>,
    pub session_id: Option<String>,
    pub provider_message_id: Option<String>,
}

/// `{"customerId","conversationId","contactId","itemId"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InboundResponse {
    pub customer_id: String,
    pub conversation_id: String,
    pub contact_id: String,
    pub item_id: String,
}

/// Fills the content defaults of DESIGN section 5 and parses it.
fn content_of(
    channel: Channel,
    req: &InboundRequest,
    now: hearth_domain::Timestamp,
) -> Result<hearth_domain::item::ItemContent, DomainError> {
    let mut content = req.content.clone();
    let want = channel.content_type();
    match content.get("type") {
        None | Some(Value::Null) => {
            content.insert("type".into(), Value::String(want.into()));
        }
        Some(Value::String(t)) if t == want => {}
        Some(other) => {
            return Err(DomainError::invalid(
                "content.type",
                format!("{other} does not fit channel {channel}; expected {want}"),
            ));
        }
    }
    let mut default = |key: &str, value: Value| {
        if content.get(key).is_none_or(Value::is_null) {
            content.insert(key.into(), value);
        }
    };
    let from = Value::String(req.from_address.trim().to_owned());
    let to = Value::String(req.entry_point.trim().to_owned());
    match channel {
        Channel::Email => {
            default("from", from);
            default("to", Value::Array(vec![to]));
        }
        Channel::Sms | Channel::PhoneCall => {
            default("from", from);
            default("to", to);
        }
        _ => {}
    }
    if matches!(channel, Channel::PhoneCall | Channel::Voicemail) {
        default("startedAt", Value::String(codec::fmt_ts(now)));
    }
    if channel == Channel::Chat
        && let Some(session) = &req.session_id
    {
        default("sessionId", Value::String(session.clone()));
    }
    let dto: ContentDto = serde_json::from_value(Value::Object(content))
        .map_err(|e| DomainError::invalid("content", e.to_string()))?;
    dto.to_domain(now)
}

impl App {
    /// Ingests one inbound message or call. Returns the response and whether it was
    /// newly created (`false`: a repeated provider message id, nothing written).
    pub async fn inbound(&self, req: InboundRequest) -> Result<(InboundResponse, bool), AppError> {
        let channel = Channel::parse(req.channel.trim()).ok_or_else(|| {
            DomainError::invalid("channel", format!("unknown channel '{}'", req.channel))
        })?;
        if req.entry_point.trim().is_empty() {
            return Err(
                DomainError::blank("entryPoint", "the entry point address is required").into(),
            );
        }
        if let Some(pid) = &req.provider_message_id {
            if pid.is_empty() {
                return Err(DomainError::blank(
                    "providerMessageId",
                    "must not be empty when present",
                )
                .into());
            }
            if pid.len() > MAX_PROVIDER_ID {
                return Err(DomainError::too_long(
                    "providerMessageId",
                    "must be at most 255 characters",
                )
                .into());
            }
        }
        if let Some(session) = &req.session_id
            && session.len() > 255
        {
            return Err(
                DomainError::too_long("sessionId", "must be at most 255 characters").into(),
            );
        }
        let (kind, value) = identity_of(channel, &req.from_address)?;
        let now = self.now();
        let content = content_of(channel, &req, now)?;
        write_tx!(self, |tx| self
            .inbound_once(tx, &req, channel, kind, &value, &content)
            .await)
    }

    async fn inbound_once(
        &self,
        tx: &mut dyn StoreTx,
        req: &InboundRequest,
        channel: Channel,
        kind: IdentityKind,
        value: &str,
        content: &hearth_domain::item::ItemContent,
    ) -> Result<(InboundResponse, bool), AppError> {
        if let Some(pid) = &req.provider_message_id
            && let Some(first) = tx.inbound_response(pid).await?
        {
            return Ok((serde_json::from_str(&first)?, false));
        }
        let now = self.now();
        let entry = load_entry_point(tx, channel, &req.entry_point)
            .await?
            .ok_or_else(|| {
                DomainError::invalid(
                    "entryPoint",
                    format!(
                        "no {channel} entry point has the address '{}'",
                        req.entry_point.trim()
                    ),
                )
            })?;
        let settings = load_settings(tx).await?;

        let customer_id = match tx.customer_by_identity(kind.as_str(), value).await? {
            Some(id) => CustomerId::from_trusted(id),
            None => {
                let customer = new_customer(
                    CustomerId::from_trusted(new_id()),
                    req.from_name.clone(),
                    kind,
                    value,
                    &req.from_address,
                    now,
                )?;
                let initiator = Initiator::new(InitiatorType::Customer, customer.id.as_str());
                // Another request may create the same sender's profile meanwhile: the
                // unique identity makes this write lose, and the retry finds it.
                match save_customer(tx, &customer, "CUSTOMER_PROFILE/CREATED", &initiator).await {
                    Err(AppError::Taken { .. }) => return Err(AppError::Contention),
                    other => other?,
                }
                customer.id
            }
        };

        // Contacts of one customer queue here rather than race for its conversation.
        tx.lock_customer(customer_id.as_str()).await?;
        let latest = match tx.latest_conversation(customer_id.as_str()).await? {
            Some(row) => Some(conversation_of_row(&row)?),
            None => None,
        };
        let target = match inbound_target(latest.as_ref(), now, &settings) {
            InboundTarget::New => None,
            InboundTarget::Join | InboundTarget::Reopen => latest.as_ref(),
        };
        let inbox_id = target.map_or(&entry.inbox_id, |c| &c.inbox_id);
        let inbox = load_inbox(tx, inbox_id.as_str()).await?.ok_or_else(|| {
            AppError::internal(format!(
                "inbox {inbox_id} of entry point {} is missing",
                entry.id
            ))
        })?;

        let item_id = ItemId::from_trusted(new_id());
        let item = ConversationItem {
            id: item_id.clone(),
            customer_id: customer_id.clone(),
            conversation_id: None,
            contact_id: None,
            session_id: req.session_id.clone(),
            timestamp: now,
            initiator: Initiator::new(InitiatorType::Customer, customer_id.as_str()),
            responder: None,
            content: content.clone(),
        };
        let inbound = Inbound {
            new_conversation_id: ConversationId::from_trusted(new_id()),
            new_contact_id: ContactId::from_trusted(new_id()),
            customer_id: customer_id.clone(),
            channel,
            session_id: req.session_id.clone(),
            entry_point: Some(entry.address.clone()),
            inbox_id: entry.inbox_id.clone(),
            sla: entry.sla_for(&inbox),
            item,
        };
        // A second open conversation for the customer (a concurrent T1) violates the
        // one-open-conversation index: lose, retry, and join the winner's.
        let (after, events) = match self
            .decide_and_commit(tx, target, inbox_id, Change::FromCustomer, |ctx| {
                decide_inbound(target, inbound, ctx)
            })
            .await
        {
            Err(AppError::Taken { .. }) => return Err(AppError::Contention),
            other => other?,
        };
        let contact_id = events
            .iter()
            .find_map(|e| match &e.kind {
                hearth_domain::conversation::EventKind::MessageReceived { item } => {
                    item.contact_id.clone()
                }
                _ => None,
            })
            .ok_or_else(|| AppError::internal("inbound decision without a message"))?;
        let response = InboundResponse {
            customer_id: customer_id.to_string(),
            conversation_id: after.id.to_string(),
            contact_id: contact_id.to_string(),
            item_id: item_id.to_string(),
        };
        if let Some(pid) = &req.provider_message_id {
            match tx
                .record_inbound(pid, &serde_json::to_string(&response)?, codec::to_ms(now))
                .await
            {
                Err(crate::ports::StoreError::Conflict { .. }) => return Err(AppError::Contention),
                other => other?,
            }
        }
        Ok((response, true))
    }
}
