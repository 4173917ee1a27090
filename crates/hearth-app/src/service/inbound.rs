//! `POST /contacts/inbound`: the one ingestion path every channel calls. It
//! identifies (or creates) the customer, picks the conversation (T1-T4), decides the
//! contact and item, and records the provider message id so a redelivery answers
//! with the first response and writes nothing.

use hearth_domain::DomainError;
use hearth_domain::channel::Channel;
use hearth_domain::conversation::{
    Inbound, InboundTarget, decide_inbound, inbound_target, message_channel,
};
use hearth_domain::customer::{IdentityKind, identity_of, new_customer};
use hearth_domain::id::{ContactId, ConversationId, CustomerId, ItemId};
use hearth_domain::item::{ConversationItem, Initiator, InitiatorType, ItemContent};
use serde::{Deserialize, Serialize};

use crate::app::{App, write_tx};
use crate::clock::new_id;
use crate::codec;
use crate::error::AppError;
use crate::pipeline::Change;
use crate::ports::StoreTx;
use crate::unit_of_work::{
    conversation_of_row, load_entry_point, load_inbox, load_settings, save_customer,
};

/// Longest accepted provider message id.
const MAX_PROVIDER_ID: usize = 255;

/// A contact arriving: on which channel, at which entry point, from whom, with
/// what. Channel adapters build it directly; the API reads it with
/// [`crate::gladly::inbound::inbound_request`]. [`App::inbound`] checks the values.
#[derive(Debug, Clone)]
pub struct InboundRequest {
    pub channel: Channel,
    /// The address the customer wrote to (an entry point's).
    pub entry_point: String,
    /// The customer's address on the channel (email, phone number, visitor id).
    pub from_address: String,
    pub from_name: Option<String>,
    pub content: ItemContent,
    /// A chat session, when the channel has one.
    pub session_id: Option<String>,
    /// The provider's id of the message; a repeated one is answered from the first.
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

impl App {
    /// Ingests one inbound message or call. Returns the response and whether it was
    /// newly created (`false`: a repeated provider message id, nothing written).
    pub async fn inbound(&self, req: InboundRequest) -> Result<(InboundResponse, bool), AppError> {
        let channel = req.channel;
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
        if message_channel(&req.content) != Some(channel) {
            return Err(DomainError::invalid(
                "content.type",
                format!("{} does not fit channel {channel}", req.content.type_name()),
            )
            .into());
        }
        write_tx!(self, |tx| self
            .inbound_once(tx, &req, channel, kind, &value, &req.content)
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
            return Ok((codec::read(&first)?, false));
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
                .record_inbound(pid, &codec::write(&response)?, codec::to_ms(now))
                .await
            {
                Err(crate::ports::StoreError::Conflict { .. }) => return Err(AppError::Contention),
                other => other?,
            }
        }
        Ok((response, true))
    }
}
