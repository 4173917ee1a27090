//! The Gladly dialect's read-only directory (agents, inboxes, teams, organization),
//! topics, customer-activity items, and outbound communications (SMS and email
//! through the outbox, outside any conversation).

use hearth_domain::DomainError;
use hearth_domain::channel::Channel;
use hearth_domain::config::Topic;
use hearth_domain::conversation::MAX_MESSAGING_BODY;
use hearth_domain::customer::{EmailAddress, PhoneNumber};
use hearth_domain::id::{ItemId, TopicId};
use hearth_domain::item::{ConversationItem, Initiator, InitiatorType, ItemContent};
use serde_json::{Map, Value, json};

use super::auth::Caller;
use super::customers::CustomerRef;
use crate::app::{App, read_tx, write_tx};
use crate::clock::new_id;
use crate::codec::{self, AgentDoc, ContentDto, InboxDoc, ItemDoc, TeamDoc, TopicDoc};
use crate::error::AppError;
use crate::ports::{EventRow, OutboxRow, ResourceRow, StoreTx};
use crate::unit_of_work::{item_row, kind, load_entry_point};

/// `{customerId, conversationItemId}` of an outbound communication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub customer_id: String,
    pub item_id: String,
}

fn topic_doc(row: &ResourceRow) -> Result<TopicDoc, AppError> {
    Ok(serde_json::from_str(&row.doc)?)
}

impl App {
    /// `GET /agents`: `{id, name, emailAddress}` of every agent.
    pub async fn directory_agents(&self) -> Result<Vec<Value>, AppError> {
        read_tx!(self, |tx| tx
            .resources(kind::AGENT)
            .await?
            .iter()
            .map(|r| {
                let a: AgentDoc = serde_json::from_str(&r.doc)?;
                Ok(json!({ "id": a.id, "name": a.name, "emailAddress": a.email_address }))
            })
            .collect::<Result<Vec<_>, AppError>>())
    }

    /// `GET /inboxes`: `{id, name, disabled}` of every inbox.
    pub async fn directory_inboxes(&self) -> Result<Vec<Value>, AppError> {
        read_tx!(self, |tx| tx
            .resources(kind::INBOX)
            .await?
            .iter()
            .map(|r| {
                let i: InboxDoc = serde_json::from_str(&r.doc)?;
                Ok(json!({ "id": i.id, "name": i.name, "disabled": i.disabled }))
            })
            .collect::<Result<Vec<_>, AppError>>())
    }

    /// `GET /teams`: `{id, name, description, agentIds}` of every team.
    pub async fn directory_teams(&self) -> Result<Vec<Value>, AppError> {
        read_tx!(self, |tx| tx
            .resources(kind::TEAM)
            .await?
            .iter()
            .map(|r| Ok(serde_json::to_value(serde_json::from_str::<TeamDoc>(
                &r.doc
            )?)?))
            .collect::<Result<Vec<_>, AppError>>())
    }

    /// All topics, including disabled ones.
    pub async fn topics(&self) -> Result<Vec<TopicDoc>, AppError> {
        read_tx!(self, |tx| tx
            .resources(kind::TOPIC)
            .await?
            .iter()
            .map(topic_doc)
            .collect::<Result<Vec<_>, _>>())
    }

    /// One topic.
    pub async fn topic(&self, id: &str) -> Result<TopicDoc, AppError> {
        read_tx!(self, |tx| topic_doc(
            &tx.resource(kind::TOPIC, id)
                .await?
                .ok_or_else(|| AppError::not_found("topic", id))?
        ))
    }

    /// Creates (`id: None` in `existing`) or updates a topic; names are unique
    /// (409 `taken` with the holder), a parent must exist and not be the topic.
    pub async fn save_topic(
        &self,
        existing: Option<&str>,
        body: Map<String, Value>,
    ) -> Result<TopicDoc, AppError> {
        let name_raw = match body.get("name") {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Some(Value::String(_)) | Some(Value::Null) => {
                return Err(DomainError::blank("name", "is required").into());
            }
            None if existing.is_some() => None,
            None => return Err(DomainError::blank("name", "is required").into()),
            Some(_) => return Err(DomainError::invalid("name", "must be a string").into()),
        };
        if name_raw.as_ref().is_some_and(|n| n.chars().count() > 200) {
            return Err(DomainError::too_long("name", "must be at most 200 characters").into());
        }
        let id = match (existing, body.get("id")) {
            (Some(id), _) => id.to_owned(),
            (None, Some(Value::String(raw))) => TopicId::parse("id", raw)?.to_string(),
            (None, _) => new_id(),
        };
        let now = codec::to_ms(self.now());
        write_tx!(self, |tx| {
            let current = match existing {
                Some(id) => Some(topic_doc(
                    &tx.resource(kind::TOPIC, id)
                        .await?
                        .ok_or_else(|| AppError::not_found("topic", id))?,
                )?),
                None => {
                    if tx.resource(kind::TOPIC, &id).await?.is_some() {
                        return Err(AppError::Taken {
                            attr: "id".into(),
                            holder_kind: "topic",
                            holder_id: id.clone(),
                        });
                    }
                    None
                }
            };
            let name = name_raw
                .clone()
                .or_else(|| current.as_ref().map(|c| c.name.clone()))
                .unwrap_or_default();
            let disabled = match body.get("disabled") {
                Some(Value::Bool(b)) => *b,
                None | Some(Value::Null) => current.as_ref().is_some_and(|c| c.disabled),
                Some(_) => return Err(DomainError::invalid("disabled", "must be a boolean").into()),
            };
            let parent_id = match body.get("parentId") {
                Some(Value::String(p)) if !p.is_empty() => {
                    if p == &id || tx.resource(kind::TOPIC, p).await?.is_none() {
                        return Err(DomainError::invalid(
                            "parentId",
                            format!("{p} is not another existing topic"),
                        )
                        .into());
                    }
                    Some(TopicId::from_trusted(p.clone()))
                }
                Some(Value::String(_)) | Some(Value::Null) => None,
                None => current
                    .as_ref()
                    .and_then(|c| c.parent_id.clone())
                    .map(TopicId::from_trusted),
                Some(_) => return Err(DomainError::invalid("parentId", "must be a string").into()),
            };
            let topic = Topic {
                id: TopicId::from_trusted(id.clone()),
                name: name.clone(),
                disabled,
                parent_id,
            };
            let doc = TopicDoc::of(&topic);
            let row = ResourceRow {
                kind: kind::TOPIC.into(),
                id: id.clone(),
                unique_key: Some(name.to_lowercase()),
                doc: serde_json::to_string(&doc)?,
                created_at: now,
                updated_at: now,
                version: 1,
            };
            match tx.put_resource(&row).await {
                Err(crate::ports::StoreError::Conflict { holder, .. }) => {
                    return Err(AppError::Taken {
                        attr: "name".into(),
                        holder_kind: "topic",
                        holder_id: holder,
                    });
                }
                other => other?,
            }
            Ok(doc)
        })
    }

    async fn store_loose_item(
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
            payload: json!({ "v": codec::PAYLOAD_VERSION, "content": { "itemId": item.id.to_string(), "customerId": item.customer_id.to_string() } }).to_string(),
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
        content: Map<String, Value>,
    ) -> Result<ConversationItem, AppError> {
        let item_id = match id {
            Some(raw) => ItemId::parse("id", raw)?,
            None => ItemId::from_trusted(new_id()),
        };
        let dto: ContentDto = serde_json::from_value(Value::Object(content))
            .map_err(|e| DomainError::invalid("content", e.to_string()))?;
        let now = self.now();
        let parsed = dto.to_domain(now)?;
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
            let doc: ItemDoc = serde_json::from_str(&row.doc)?;
            if !matches!(doc.wire.content, ContentDto::CustomerActivity { .. }) {
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
            };
            self.store_loose_item(tx, &item, "HEARTH_COMMUNICATION/SENT")
                .await?;
            tx.enqueue_outbox(&OutboxRow {
                id: new_id(),
                channel: channel.as_str().to_owned(),
                conversation_id: None,
                item_id: item.id.to_string(),
                status: "PENDING".to_owned(),
                payload: serde_json::to_string(&ItemDoc::of(&item).wire)?,
                created_at: codec::to_ms(now),
            })
            .await?;
            Ok(Sent {
                customer_id: customer_id.to_string(),
                item_id: item.id.to_string(),
            })
        })
    }
}
