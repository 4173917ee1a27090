//! The unit of work: how aggregates are read from and written to a store
//! transaction. Loads turn stored rows into domain values; `persist` writes a
//! conversation decision (its events, the items they carry, the projection, guarded
//! by the version it was decided on); `save_customer` and `write_task` do the same
//! for customers and tasks. Nothing here decides or routes: that is the pipeline's.

use hearth_domain::config::{Agent, EntryPoint, Inbox, OrgSettings, Topic};
use hearth_domain::conversation::{Conversation, Event};
use hearth_domain::customer::Customer;
use hearth_domain::id::{AgentId, InboxId};
use hearth_domain::item::{ConversationItem, Initiator};
use hearth_domain::task::Task;
use hearth_domain::{DomainError, Timestamp};

use crate::clock::new_id;
use crate::codec::{
    self, AgentDoc, ConversationDoc, CustomerDoc, EntryPointDoc, InboxDoc, ItemDoc, SettingsDoc,
    TaskContent, TaskDoc, TopicDoc,
};
use crate::error::AppError;
use crate::ports::{
    ContactRow, ConversationRow, CustomerRow, EventRow, ItemRow, StoreError, StoreTx, TaskRow,
    stored,
};

/// Resource kinds in the configuration store.
pub mod kind {
    pub const AGENT: &str = "agent";
    pub const INBOX: &str = "inbox";
    pub const ENTRY_POINT: &str = "entry_point";
    pub const TOPIC: &str = "topic";
    pub const TEAM: &str = "team";
    pub const RULE: &str = "rule";
    pub const SETTINGS: &str = "settings";
}

/// The id of the one settings resource.
pub const SETTINGS_ID: &str = "organization";

/// The API requests per second per credential the organization allows (0: no
/// limit); 100 until an admin changes the settings.
pub(crate) async fn load_rate_limit(tx: &mut dyn StoreTx) -> Result<u32, AppError> {
    match tx.resource(kind::SETTINGS, SETTINGS_ID).await? {
        Some(row) => Ok(u32::try_from(
            serde_json::from_str::<SettingsDoc>(&row.doc)?.rate_limit_per_second,
        )
        .unwrap_or(0)),
        None => Ok(100),
    }
}

pub(crate) async fn load_settings(tx: &mut dyn StoreTx) -> Result<OrgSettings, AppError> {
    match tx.resource(kind::SETTINGS, SETTINGS_ID).await? {
        Some(row) => Ok(serde_json::from_str::<SettingsDoc>(&row.doc)?.to_domain()),
        None => Ok(OrgSettings::default()),
    }
}

pub(crate) async fn load_agent(tx: &mut dyn StoreTx, id: &str) -> Result<Option<Agent>, AppError> {
    match tx.resource(kind::AGENT, id).await? {
        Some(row) => Ok(Some(
            serde_json::from_str::<AgentDoc>(&row.doc)?.to_domain()?,
        )),
        None => Ok(None),
    }
}

pub(crate) async fn load_inbox(tx: &mut dyn StoreTx, id: &str) -> Result<Option<Inbox>, AppError> {
    match tx.resource(kind::INBOX, id).await? {
        Some(row) => Ok(Some(
            serde_json::from_str::<InboxDoc>(&row.doc)?.to_domain()?,
        )),
        None => Ok(None),
    }
}

/// `target` counted in the business hours `inbox` names, or around the clock when
/// it names none. A calendar that no longer reads (it was checked at save) is
/// logged and the clock runs around the clock rather than not at all.
pub(crate) async fn sla_in(
    tx: &mut dyn StoreTx,
    inbox: &Inbox,
    target: hearth_domain::Duration,
) -> Result<hearth_domain::calendar::Sla, AppError> {
    sla_in_hours(tx, inbox.business_hours_id.as_deref(), target).await
}

/// `target` counted in the business hours with this id (none: around the clock).
pub(crate) async fn sla_in_hours(
    tx: &mut dyn StoreTx,
    hours: Option<&str>,
    target: hearth_domain::Duration,
) -> Result<hearth_domain::calendar::Sla, AppError> {
    use hearth_domain::calendar::Sla;
    let Some(id) = hours else {
        return Ok(Sla::around_the_clock(target));
    };
    let Some(row) = tx.resource("business_hours", id).await? else {
        return Ok(Sla::around_the_clock(target));
    };
    let doc: codec::BusinessHoursDoc = codec::read(&row.doc)?;
    match doc.calendar() {
        Ok(calendar) => Ok(Sla {
            target,
            hours: Some(std::sync::Arc::new(calendar)),
        }),
        Err(e) => {
            tracing::warn!(business_hours = %id, error = %e, "business hours do not read; counting around the clock");
            Ok(Sla::around_the_clock(target))
        }
    }
}

/// A conversation's items in timeline order, at most `limit`.
pub(crate) async fn load_items(
    tx: &mut dyn StoreTx,
    conversation_id: &str,
    limit: i64,
) -> Result<Vec<ConversationItem>, AppError> {
    tx.items(conversation_id, limit)
        .await?
        .iter()
        .map(item_of_row)
        .collect()
}

/// Every routing decision about a unit, oldest first.
pub(crate) async fn load_routing_decisions(
    tx: &mut dyn StoreTx,
    unit_id: &str,
) -> Result<Vec<codec::DecisionDoc>, AppError> {
    tx.routing_decisions(unit_id)
        .await?
        .iter()
        .map(|r| Ok(codec::read::<codec::DecisionDoc>(&r.doc)?))
        .collect()
}

/// Every agent, in store order.
pub(crate) async fn load_agents(tx: &mut dyn StoreTx) -> Result<Vec<Agent>, AppError> {
    tx.resources(kind::AGENT)
        .await?
        .iter()
        .map(|r| Ok(codec::read::<AgentDoc>(&r.doc)?.to_domain()?))
        .collect()
}

/// Every inbox, in store order.
pub(crate) async fn load_inboxes(tx: &mut dyn StoreTx) -> Result<Vec<Inbox>, AppError> {
    tx.resources(kind::INBOX)
        .await?
        .iter()
        .map(|r| Ok(codec::read::<InboxDoc>(&r.doc)?.to_domain()?))
        .collect()
}

/// Every topic, disabled ones too, in store order.
pub(crate) async fn load_topics(tx: &mut dyn StoreTx) -> Result<Vec<Topic>, AppError> {
    tx.resources(kind::TOPIC)
        .await?
        .iter()
        .map(|r| Ok(codec::read::<TopicDoc>(&r.doc)?.to_domain()))
        .collect()
}

/// The inbox and optional agent an assignment names, checked: both exist and the
/// agent is a member of the inbox. `prefix` goes before the attrs of errors
/// (`"assignee."` where a body nests them).
pub(crate) async fn resolve_assignee(
    tx: &mut dyn StoreTx,
    prefix: &str,
    inbox: &str,
    agent: Option<&str>,
) -> Result<(Inbox, Option<Agent>), AppError> {
    let inbox_attr = format!("{prefix}inboxId");
    let inbox_id = InboxId::parse(&inbox_attr, inbox)?;
    let inbox = load_inbox(tx, inbox_id.as_str()).await?.ok_or_else(|| {
        DomainError::invalid(&inbox_attr, format!("inbox {inbox_id} does not exist"))
    })?;
    let agent = match agent {
        Some(raw) => {
            let agent_attr = format!("{prefix}agentId");
            let agent_id = AgentId::parse(&agent_attr, raw)?;
            let agent = load_agent(tx, agent_id.as_str()).await?.ok_or_else(|| {
                DomainError::invalid(&agent_attr, format!("agent {agent_id} does not exist"))
            })?;
            if !agent.is_member_of(&inbox.id) {
                return Err(DomainError::AgentNotInInbox.into());
            }
            Some(agent)
        }
        None => None,
    };
    Ok((inbox, agent))
}

pub(crate) async fn load_entry_point(
    tx: &mut dyn StoreTx,
    channel: hearth_domain::channel::Channel,
    address: &str,
) -> Result<Option<EntryPoint>, AppError> {
    match tx
        .resource_by_key(kind::ENTRY_POINT, &EntryPointDoc::key(channel, address))
        .await?
    {
        Some(row) => Ok(Some(
            serde_json::from_str::<EntryPointDoc>(&row.doc)?.to_domain()?,
        )),
        None => Ok(None),
    }
}

pub(crate) async fn load_conversation(
    tx: &mut dyn StoreTx,
    id: &str,
) -> Result<Option<Conversation>, AppError> {
    match tx.conversation(id).await? {
        Some(row) => Ok(Some(conversation_of_row(&row)?)),
        None => Ok(None),
    }
}

/// Loads a conversation for a read-modify-write: concurrent writers of the same
/// conversation wait for this transaction instead of failing on a stale version.
pub(crate) async fn load_conversation_for_update(
    tx: &mut dyn StoreTx,
    id: &str,
) -> Result<Option<Conversation>, AppError> {
    match tx.conversation_for_update(id).await? {
        Some(row) => Ok(Some(conversation_of_row(&row)?)),
        None => Ok(None),
    }
}

pub(crate) fn conversation_of_row(row: &ConversationRow) -> Result<Conversation, AppError> {
    Ok(serde_json::from_str::<ConversationDoc>(&row.doc)?.to_domain()?)
}

pub(crate) async fn load_customer(
    tx: &mut dyn StoreTx,
    id: &str,
) -> Result<Option<Customer>, AppError> {
    match tx.customer(id).await? {
        Some(row) => Ok(Some(
            serde_json::from_str::<CustomerDoc>(&row.doc)?.to_domain()?,
        )),
        None => Ok(None),
    }
}

pub(crate) fn item_of_row(row: &ItemRow) -> Result<ConversationItem, AppError> {
    Ok(serde_json::from_str::<ItemDoc>(&row.doc)?.to_domain()?)
}

/// The projection row of a conversation state.
pub fn conversation_row(c: &Conversation) -> Result<(ConversationRow, Vec<ContactRow>), AppError> {
    let doc = serde_json::to_string(&ConversationDoc::of(c))?;
    let row = ConversationRow {
        id: c.id.to_string(),
        customer_id: c.customer_id.to_string(),
        inbox_id: c.inbox_id.to_string(),
        agent_id: c.agent_id.as_ref().map(ToString::to_string),
        status: c.status.as_str().to_owned(),
        created_at: codec::to_ms(c.created_at),
        closed_at: c.closed_at.map(codec::to_ms),
        due_at: c.due_at().map(codec::to_ms),
        version: i64::try_from(c.version).unwrap_or(i64::MAX),
        doc,
    };
    let contacts = c
        .contacts
        .iter()
        .map(|k| ContactRow {
            id: k.id.to_string(),
            conversation_id: c.id.to_string(),
            channel: k.channel.as_str().to_owned(),
            started_at: codec::to_ms(k.started_at),
            ended_at: k.ended.map(|e| codec::to_ms(e.at)),
            due_at: k.due_at.map(codec::to_ms),
            fulfilment: k.fulfilled.map(|(f, _)| f.as_str().to_owned()),
        })
        .collect();
    Ok((row, contacts))
}

/// The projection row of an item.
pub fn item_row(item: &ConversationItem) -> Result<ItemRow, AppError> {
    Ok(ItemRow {
        id: item.id.to_string(),
        conversation_id: item.conversation_id.as_ref().map(ToString::to_string),
        customer_id: item.customer_id.to_string(),
        at: codec::to_ms(item.timestamp),
        doc: serde_json::to_string(&ItemDoc::of(item))?,
    })
}

/// The event rows of a conversation decision.
pub fn event_rows(
    conversation_id: &str,
    before: Option<&Conversation>,
    events: &[Event],
) -> Result<Vec<EventRow>, AppError> {
    use hearth_domain::conversation::EventKind;
    let mut state = before.cloned();
    let mut rows = Vec::with_capacity(events.len());
    for e in events {
        let contact = match &e.kind {
            EventKind::ContactStarted { channel, .. } => {
                Some(channel.contact_event_name().to_owned())
            }
            EventKind::ContactFulfilled { contact_id, .. }
            | EventKind::ContactEnded { contact_id, .. }
            | EventKind::ContactTransferred { contact_id, .. }
            | EventKind::CallAnswered { contact_id, .. }
            | EventKind::DueDateUpdated { contact_id, .. } => state
                .as_ref()
                .and_then(|c| c.contact(contact_id))
                .map(|k| k.channel.contact_event_name().to_owned()),
            EventKind::MessageReceived { item } | EventKind::MessageSent { item } => item
                .contact_id
                .as_ref()
                .and_then(|id| state.as_ref().and_then(|c| c.contact(id)))
                .map(|k| k.channel.contact_event_name().to_owned()),
            _ => None,
        };
        let ctx = match (&state, &e.kind) {
            (Some(c), _) => Some(codec::EventContext {
                customer_id: c.customer_id.to_string(),
                inbox_id: c.inbox_id.to_string(),
                agent_id: c.agent_id.as_ref().map(ToString::to_string),
                channel: contact,
            }),
            (
                None,
                EventKind::Created {
                    customer_id,
                    inbox_id,
                    ..
                },
            ) => Some(codec::EventContext {
                customer_id: customer_id.to_string(),
                inbox_id: inbox_id.to_string(),
                agent_id: None,
                channel: None,
            }),
            (None, _) => None,
        };
        rows.push(EventRow {
            id: new_id(),
            at: codec::to_ms(e.at),
            event_type: e.kind.type_name().to_owned(),
            aggregate_type: stored::CONVERSATION_EVENTS.to_owned(),
            aggregate_id: conversation_id.to_owned(),
            initiator_type: Some(e.initiator.kind.as_str().to_owned()),
            initiator_id: e.initiator.id.clone(),
            payload: codec::encode_event(e, ctx)?,
        });
        state = hearth_domain::conversation::evolve(state, e);
    }
    Ok(rows)
}

/// Persists a decision: the events, the items they carry, and the new projection,
/// guarded by the version the decision was made on. Returns the new state.
pub(crate) async fn persist(
    tx: &mut dyn StoreTx,
    before: Option<&Conversation>,
    events: &[Event],
) -> Result<Option<Conversation>, AppError> {
    if events.is_empty() {
        return Ok(before.cloned());
    }
    let after = events
        .iter()
        .fold(before.cloned(), hearth_domain::conversation::evolve);
    let Some(after) = after else {
        return Err(AppError::internal(
            "a decision produced events for no conversation",
        ));
    };
    tx.append_events(&event_rows(after.id.as_str(), before, events)?)
        .await?;
    for item in events.iter().filter_map(|e| e.kind.item()) {
        tx.insert_item(&item_row(item)?).await?;
    }
    let (row, contacts) = conversation_row(&after)?;
    let expected = before.map(|b| i64::try_from(b.version).unwrap_or(i64::MAX));
    match tx.save_conversation(&row, &contacts, expected).await {
        // R2: the customer has another conversation that is not closed.
        Err(StoreError::Conflict { key, holder }) if key == stored::ONE_OPEN_CONVERSATION => {
            return Err(AppError::Taken {
                attr: "customerId".into(),
                holder_kind: "conversation",
                holder_id: holder,
            });
        }
        other => other?,
    }
    Ok(Some(after))
}

/// Stores a customer and logs its full document as an event.
pub(crate) async fn save_customer(
    tx: &mut dyn StoreTx,
    customer: &Customer,
    event_type: &str,
    initiator: &hearth_domain::item::Initiator,
) -> Result<(), AppError> {
    let doc = CustomerDoc::of(customer);
    let json = serde_json::to_string(&doc)?;
    let identities: Vec<(String, String)> = customer
        .unique_keys()
        .into_iter()
        .map(|(k, v)| (k.as_str().to_owned(), v))
        .collect();
    let row = CustomerRow {
        id: customer.id.to_string(),
        name: customer.name.clone(),
        doc: json.clone(),
        external_customer_id: customer.external_customer_id.clone(),
        search_terms: customer.search_terms().into_iter().collect(),
        created_at: codec::to_ms(customer.created_at),
        updated_at: codec::to_ms(customer.updated_at),
    };
    tx.save_customer(&row, &identities).await?;
    tx.append_events(&[EventRow {
        id: new_id(),
        at: codec::to_ms(customer.updated_at),
        event_type: event_type.to_owned(),
        aggregate_type: stored::CUSTOMER_EVENTS.to_owned(),
        aggregate_id: customer.id.to_string(),
        initiator_type: Some(initiator.kind.as_str().to_owned()),
        initiator_id: initiator.id.clone(),
        payload: serde_json::to_string(
            &serde_json::json!({ "v": codec::PAYLOAD_VERSION, "customer": doc }),
        )?,
    }])
    .await?;
    Ok(())
}

pub(crate) fn task_of_row(row: &TaskRow) -> Result<Task, AppError> {
    Ok(serde_json::from_str::<TaskDoc>(&row.doc)?.to_domain()?)
}

/// Persists a task change: the row (guarded by the version `before` was read at)
/// and one event per change with the full document.
pub(crate) async fn write_task(
    tx: &mut dyn StoreTx,
    now: Timestamp,
    before: Option<(&Task, i64)>,
    after: &Task,
    events: Vec<(&'static str, TaskContent)>,
    initiator: &Initiator,
) -> Result<(), AppError> {
    let doc = TaskDoc::of(after);
    let version = before.map_or(1, |(_, v)| v + 1);
    let row = TaskRow {
        id: after.id.to_string(),
        customer_id: after.customer_id.to_string(),
        inbox_id: after.assignee.inbox_id.to_string(),
        agent_id: after.assignee.agent_id.as_ref().map(ToString::to_string),
        status: after.status.as_str().to_owned(),
        due_at: codec::to_ms(after.due_at),
        created_at: codec::to_ms(after.created_at),
        version,
        doc: serde_json::to_string(&doc)?,
    };
    match tx.save_task(&row, before.map(|(_, v)| v)).await {
        Err(StoreError::Conflict { .. }) => {
            return Err(AppError::Taken {
                attr: "id".into(),
                holder_kind: "task",
                holder_id: row.id.clone(),
            });
        }
        other => other?,
    }
    let rows: Vec<EventRow> = events
        .into_iter()
        .map(|(kind, content)| {
            Ok(EventRow {
                id: new_id(),
                at: codec::to_ms(now),
                event_type: kind.to_owned(),
                aggregate_type: stored::TASK_EVENTS.to_owned(),
                aggregate_id: after.id.to_string(),
                initiator_type: Some(initiator.kind.as_str().to_owned()),
                initiator_id: initiator.id.clone(),
                payload: codec::task_payload(&doc, &content)?,
            })
        })
        .collect::<Result<_, AppError>>()?;
    tx.append_events(&rows).await?;
    Ok(())
}
