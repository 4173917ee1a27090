//! Communications outside a conversation: customer-activity items on a customer's
//! timeline, and outbound SMS and email through the outbox.

use hearth_domain::DomainError;
use hearth_domain::channel::Channel;
use hearth_domain::conversation::MAX_MESSAGING_BODY;
use hearth_domain::customer::{EmailAddress, PhoneNumber};
use hearth_domain::id::ItemId;
use hearth_domain::item::{ConversationItem, Initiator, InitiatorType, ItemContent};

use super::credentials::Caller;
use super::customers::CustomerRef;
use crate::app::{App, write_tx};
use crate::clock::new_id;
use crate::codec::{self, ContentDoc, ItemDoc};
use crate::error::AppError;
use crate::ports::{EventRow, OutboxRow, StoreTx};
use crate::unit_of_work::{item_row, load_entry_point};

/// `{customerId, conversationItemId}` of an outbound communication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub customer_id: String,
    pub item_id: String,
}

impl App {
    /// Keeps a message outside any conversation on the customer's timeline (with
    /// its event) and queues it in the outbox of `channel`.
    pub(crate) async fn send_loose(
        &self,
        tx: &mut dyn StoreTx,
        item: &ConversationItem,
        channel: Channel,
        event_type: &str,
    ) -> Result<(), AppError> {
        self.store_loose_item(tx, item, event_type).await?;
        tx.enqueue_outbox(&OutboxRow {
            id: new_id(),
            channel: channel.as_str().to_owned(),
            conversation_id: None,
            item_id: item.id.to_string(),
            status: "PENDING".to_owned(),
            payload: codec::write(&ItemDoc::of(item))?,
            created_at: codec::to_ms(self.now()),
            attempts: 0,
            next_attempt_at: None,
            detail: None,
            message_id: None,
        })
        .await?;
        Ok(())
    }

    pub(crate) async fn store_loose_item(
        &self,
        tx: &mut dyn StoreTx,
        item: &ConversationItem,
        event_type: &str,
    ) -> Result<(), AppError> {
        match tx.insert_item(&item_row(item)?).await {
            Err(crate::ports::StoreError::Conflict { .. }) => {
                return Err(AppError::Taken {
                    attr: "newConversationItems".into(),
                    holder_kind: "conversation item",
                    holder_id: item.id.to_string(),
                });
            }
            other => other?,
        }
        // Ids only: the item row holds the content, and erasing the customer erases it.
        tx.append_events(&[EventRow {
            id: new_id(),
            at: codec::to_ms(item.timestamp),
            event_type: event_type.to_owned(),
            aggregate_type: "item".to_owned(),
            aggregate_id: item.id.to_string(),
            initiator_type: Some(item.initiator.kind.as_str().to_owned()),
            initiator_id: item.initiator.id.clone(),
            payload: codec::content_payload(&codec::ItemIds::of(item))?,
        }])
        .await?;
        Ok(())
    }

    /// `POST /conversation-items`: a non-routable customer-activity item, finding or
    /// creating the customer.
    pub async fn create_activity(
        &self,
        caller: &Caller,
        id: Option<&str>,
        who: CustomerRef,
        content: ItemContent,
    ) -> Result<ConversationItem, AppError> {
        let item_id = match id {
            Some(raw) => ItemId::parse("id", raw)?,
            None => ItemId::from_trusted(new_id()),
        };
        let now = self.now();
        let parsed = content;
        let ItemContent::CustomerActivity {
            title,
            body,
            source_name,
            link,
            ..
        } = &parsed
        else {
            return Err(DomainError::invalid(
                "content.type",
                "only CUSTOMER_ACTIVITY items can be created",
            )
            .into());
        };
        let limits = [
            ("content.title", title.as_deref(), 100),
            ("content.body", body.as_deref(), 25_000),
            ("content.sourceName", source_name.as_deref(), 50),
        ];
        for (attr, value, max) in limits {
            if value.is_some_and(|v| v.chars().count() > max) {
                return Err(DomainError::too_long(
                    attr,
                    format!("must be at most {max} characters"),
                )
                .into());
            }
        }
        if link
            .as_ref()
            .and_then(|l| l.text.as_deref())
            .is_some_and(|t| t.chars().count() > 50)
        {
            return Err(DomainError::too_long(
                "content.link.text",
                "must be at most 50 characters",
            )
            .into());
        }
        write_tx!(self, |tx| {
            let customer_id = self.customer_for(tx, &who, "customer").await?;
            let item = ConversationItem {
                id: item_id.clone(),
                customer_id,
                conversation_id: None,
                contact_id: None,
                session_id: None,
                timestamp: now,
                initiator: Initiator::new(InitiatorType::Api, caller.agent.id.as_str()),
                responder: None,
                content: parsed.clone(),
                redaction: None,
            };
            self.store_loose_item(tx, &item, "HEARTH_CUSTOMER_ACTIVITY/CREATED")
                .await?;
            Ok(item)
        })
    }

    /// Deletes a customer-activity item (other items cannot be deleted).
    pub async fn delete_activity(
        &self,
        id: &str,
        customer_id: Option<&str>,
    ) -> Result<(), AppError> {
        write_tx!(self, |tx| {
            let row = tx
                .item(id)
                .await?
                .ok_or_else(|| AppError::not_found("conversation item", id))?;
            if customer_id.is_some_and(|c| c != row.customer_id) {
                return Err(AppError::not_found("conversation item", id));
            }
            let doc: ItemDoc = codec::read(&row.doc)?;
            if !matches!(doc.content, ContentDoc::CustomerActivity { .. }) {
                return Err(DomainError::invalid(
                    "id",
                    "only CUSTOMER_ACTIVITY items can be deleted",
                )
                .into());
            }
            tx.delete_item(id).await?;
            Ok(())
        })
    }

    /// `POST /communications/sms` and `/communications/email`: an outbound message
    /// outside any conversation, queued in the outbox for its channel.
    pub async fn send_communication(
        &self,
        caller: &Caller,
        channel: Channel,
        who: CustomerRef,
        from: &str,
        subject: Option<String>,
        body: String,
    ) -> Result<Sent, AppError> {
        if body.trim().is_empty() {
            return Err(DomainError::blank("body", "a message needs a body").into());
        }
        if channel == Channel::Sms && body.chars().count() > MAX_MESSAGING_BODY {
            return Err(DomainError::too_long(
                "body",
                format!("SMS bodies are limited to {MAX_MESSAGING_BODY} characters"),
            )
            .into());
        }
        let now = self.now();
        write_tx!(self, |tx| {
            let from_attr = "from";
            let sender = load_entry_point(tx, channel, from).await?.ok_or_else(|| {
                DomainError::invalid(
                    from_attr,
                    format!("'{from}' is not one of this organization's {channel} addresses"),
                )
            })?;
            let customer_id = self
                .customer_for(
                    tx,
                    &who,
                    if channel == Channel::Sms {
                        "customer.mobileNumber"
                    } else {
                        "to"
                    },
                )
                .await?;
            let to = match &who {
                CustomerRef::MobilePhone(p) => {
                    PhoneNumber::parse("customer.mobileNumber", p, None)?
                        .e164()
                        .to_owned()
                }
                CustomerRef::Email(e) => EmailAddress::parse("to", e)?.original().to_owned(),
                CustomerRef::Id(_) => String::new(),
            };
            let content = match channel {
                Channel::Sms => ItemContent::Sms {
                    from: sender.address.clone(),
                    to,
                    content: body.clone(),
                    attachments: Vec::new(),
                },
                _ => ItemContent::Email {
                    from: sender.address.clone(),
                    to: vec![to],
                    cc: Vec::new(),
                    bcc: Vec::new(),
                    subject: subject.clone().unwrap_or_default(),
                    content: body.clone(),
                    html: None,
                    attachments: Vec::new(),
                },
            };
            let item = ConversationItem {
                id: ItemId::from_trusted(new_id()),
                customer_id: customer_id.clone(),
                conversation_id: None,
                contact_id: None,
                session_id: None,
                timestamp: now,
                initiator: Initiator::new(InitiatorType::Api, caller.agent.id.as_str()),
                responder: None,
                content,
                redaction: None,
            };
            self.send_loose(tx, &item, channel, "HEARTH_COMMUNICATION/SENT")
                .await?;
            Ok(Sent {
                customer_id: customer_id.to_string(),
                item_id: item.id.to_string(),
            })
        })
    }
}
