//! The `StoreTx` implementation both adapters share: every statement here runs
//! unchanged on SQLite and PostgreSQL (`$N` placeholders, `ON CONFLICT`,
//! `RETURNING`, partial unique indexes). Each adapter compiles this file as its
//! module `portable_tx` (`#[path]`), after defining what differs:
//!
//! - `Db`, the sqlx database;
//! - `FOR_UPDATE` (`" FOR UPDATE"`, or `""` where one writer makes row locks moot) and
//!   `FOR_UPDATE_SKIP_LOCKED`;
//! - `ROUTING_LOCK`, the statement that serialises routing, if any;
//! - `NOTIFY_EVENTS`, the statement that tells other instances the log grew, if any;
//! - `ANSWER_SEARCH`, `ANSWER_TERM` and `ANSWER_JOIN`, the full-text search of
//!   answers (FTS5 or `tsvector`) and its query syntax; the index table
//!   `answer_search` is written alike;
//! - `Tx { inner: sqlx::Transaction<'static, Db> }`;
//! - `map_err`, its reading of a database error.

use super::{
    ANSWER_JOIN, ANSWER_SEARCH, ANSWER_TERM, FOR_UPDATE, FOR_UPDATE_SKIP_LOCKED, NOTIFY_EVENTS,
    ROUTING_LOCK, Tx, map_err,
};
use hearth_app::ports::{
    AnswerHit, AnswerQuery, AnswerTextRow, BlobRow, ChannelTx, ChatSessionRow, ContactRow,
    ConversationRow, ConversationTx, CredentialTx, CustomerRow, CustomerTx, DeliveryRow,
    DeliveryTx, EventRow, EventTx, ExportTx, ItemRow, ItemTx, MessageRefRow, OfferRow, OutboxRow,
    RawInboundRow, ResourceRow, ResourceTx, RoutingDecisionRow, RoutingTx, SearchTx, StoreError,
    StoreTx, StoredEvent, TaskRow, TaskTx, TimerRow, TimerTx, stored,
};

// Rows as the statements below select them: one struct per table read, its
// fields named as the columns are, turned into the ports' row types.

#[derive(sqlx::FromRow)]
struct ResourceRecord {
    kind: String,
    resource_id: String,
    unique_key: Option<String>,
    doc: String,
    created_at: i64,
    updated_at: i64,
    version: i64,
}

fn resource_of(r: ResourceRecord) -> ResourceRow {
    ResourceRow {
        kind: r.kind,
        id: r.resource_id,
        unique_key: r.unique_key,
        doc: r.doc,
        created_at: r.created_at,
        updated_at: r.updated_at,
        version: r.version,
    }
}

const CONVERSATION_COLUMNS: &str = "conversation_id, customer_id, inbox_id, agent_id, status, created_at, closed_at, due_at, version, doc";

#[derive(sqlx::FromRow)]
struct ConversationRecord {
    conversation_id: String,
    customer_id: String,
    inbox_id: String,
    agent_id: Option<String>,
    status: String,
    created_at: i64,
    closed_at: Option<i64>,
    due_at: Option<i64>,
    version: i64,
    doc: String,
}

fn conversation_of(r: ConversationRecord) -> ConversationRow {
    ConversationRow {
        id: r.conversation_id,
        customer_id: r.customer_id,
        inbox_id: r.inbox_id,
        agent_id: r.agent_id,
        status: r.status,
        created_at: r.created_at,
        closed_at: r.closed_at,
        due_at: r.due_at,
        version: r.version,
        doc: r.doc,
    }
}

#[derive(sqlx::FromRow)]
struct ContactRecord {
    contact_id: String,
    conversation_id: String,
    channel: String,
    started_at: i64,
    ended_at: Option<i64>,
    due_at: Option<i64>,
    fulfilment: Option<String>,
}

fn contact_of(r: ContactRecord) -> ContactRow {
    ContactRow {
        id: r.contact_id,
        conversation_id: r.conversation_id,
        channel: r.channel,
        started_at: r.started_at,
        ended_at: r.ended_at,
        due_at: r.due_at,
        fulfilment: r.fulfilment,
    }
}

const TASK_COLUMNS: &str =
    "task_id, customer_id, inbox_id, agent_id, status, due_at, created_at, version, doc";

#[derive(sqlx::FromRow)]
struct TaskRecord {
    task_id: String,
    customer_id: String,
    inbox_id: String,
    agent_id: Option<String>,
    status: String,
    due_at: i64,
    created_at: i64,
    version: i64,
    doc: String,
}

fn task_of(r: TaskRecord) -> TaskRow {
    TaskRow {
        id: r.task_id,
        customer_id: r.customer_id,
        inbox_id: r.inbox_id,
        agent_id: r.agent_id,
        status: r.status,
        due_at: r.due_at,
        created_at: r.created_at,
        version: r.version,
        doc: r.doc,
    }
}

const DELIVERY_COLUMNS: &str = "delivery_id, webhook_id, event_id, event_type, body, status, attempts, next_attempt_at, last_status, last_error, created_at, updated_at";

#[derive(sqlx::FromRow)]
struct DeliveryRecord {
    delivery_id: String,
    webhook_id: String,
    event_id: String,
    event_type: String,
    body: String,
    status: String,
    attempts: i64,
    next_attempt_at: Option<i64>,
    last_status: Option<i64>,
    last_error: Option<String>,
    created_at: i64,
    updated_at: i64,
}

fn delivery_of(r: DeliveryRecord) -> DeliveryRow {
    DeliveryRow {
        id: r.delivery_id,
        webhook_id: r.webhook_id,
        event_id: r.event_id,
        event_type: r.event_type,
        body: r.body,
        status: r.status,
        attempts: r.attempts,
        next_attempt_at: r.next_attempt_at,
        last_status: r.last_status,
        last_error: r.last_error,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

#[derive(sqlx::FromRow)]
struct ItemRecord {
    item_id: String,
    conversation_id: Option<String>,
    customer_id: String,
    at: i64,
    doc: String,
}

fn item_of(r: ItemRecord) -> ItemRow {
    ItemRow {
        id: r.item_id,
        conversation_id: r.conversation_id,
        customer_id: r.customer_id,
        at: r.at,
        doc: r.doc,
    }
}

#[derive(sqlx::FromRow)]
struct EventRecord {
    event_seq: i64,
    event_id: String,
    at: i64,
    event_type: String,
    aggregate_type: String,
    aggregate_id: String,
    initiator_type: Option<String>,
    initiator_id: Option<String>,
    payload: String,
}

fn event_of(r: EventRecord) -> StoredEvent {
    StoredEvent {
        seq: r.event_seq,
        event: EventRow {
            id: r.event_id,
            at: r.at,
            event_type: r.event_type,
            aggregate_type: r.aggregate_type,
            aggregate_id: r.aggregate_id,
            initiator_type: r.initiator_type,
            initiator_id: r.initiator_id,
            payload: r.payload,
        },
    }
}

#[derive(sqlx::FromRow)]
struct CustomerRecord {
    customer_id: String,
    name: Option<String>,
    doc: String,
    external_customer_id: Option<String>,
    created_at: i64,
    updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct OutboxRecord {
    outbox_id: String,
    channel: String,
    conversation_id: Option<String>,
    item_id: String,
    status: String,
    payload: String,
    created_at: i64,
    attempts: i64,
    next_attempt_at: Option<i64>,
    detail: Option<String>,
    message_id: Option<String>,
}

const OUTBOX_COLUMNS: &str = "outbox_id, channel, conversation_id, item_id, status, payload, created_at, attempts, next_attempt_at, detail, message_id";

fn outbox_of(r: OutboxRecord) -> OutboxRow {
    OutboxRow {
        id: r.outbox_id,
        channel: r.channel,
        conversation_id: r.conversation_id,
        item_id: r.item_id,
        status: r.status,
        payload: r.payload,
        created_at: r.created_at,
        attempts: r.attempts,
        next_attempt_at: r.next_attempt_at,
        detail: r.detail,
        message_id: r.message_id,
    }
}

#[derive(sqlx::FromRow)]
struct RawInboundRecord {
    raw_id: String,
    channel: String,
    source: String,
    sender: Option<String>,
    received_at: i64,
    bytes: Vec<u8>,
    status: String,
    detail: Option<String>,
    customer_id: Option<String>,
    item_id: Option<String>,
}

const RAW_INBOUND_COLUMNS: &str =
    "raw_id, channel, source, sender, received_at, bytes, status, detail, customer_id, item_id";

fn raw_inbound_of(r: RawInboundRecord) -> RawInboundRow {
    RawInboundRow {
        id: r.raw_id,
        channel: r.channel,
        source: r.source,
        sender: r.sender,
        received_at: r.received_at,
        bytes: r.bytes,
        status: r.status,
        detail: r.detail,
        customer_id: r.customer_id,
        item_id: r.item_id,
    }
}

#[derive(sqlx::FromRow)]
struct ChatSessionRecord {
    session_id: String,
    token_hash: String,
    entry_point: String,
    customer_id: Option<String>,
    visitor: String,
    name: Option<String>,
    created_at: i64,
    last_seen_at: i64,
    ended_at: Option<i64>,
    ended_by: Option<String>,
    customer_typing_at: Option<i64>,
    agent_typing_at: Option<i64>,
}

const CHAT_SESSION_COLUMNS: &str = "session_id, token_hash, entry_point, customer_id, visitor, name, created_at, last_seen_at, ended_at, ended_by, customer_typing_at, agent_typing_at";

fn chat_session_of(r: ChatSessionRecord) -> ChatSessionRow {
    ChatSessionRow {
        id: r.session_id,
        token_hash: r.token_hash,
        entry_point: r.entry_point,
        customer_id: r.customer_id,
        visitor: r.visitor,
        name: r.name,
        created_at: r.created_at,
        last_seen_at: r.last_seen_at,
        ended_at: r.ended_at,
        ended_by: r.ended_by,
        customer_typing_at: r.customer_typing_at,
        agent_typing_at: r.agent_typing_at,
    }
}

#[derive(sqlx::FromRow)]
struct BlobRecord {
    blob_id: String,
    content_type: String,
    bytes: Vec<u8>,
    created_at: i64,
}

#[derive(sqlx::FromRow)]
struct MessageRefRecord {
    message_id: String,
    customer_id: String,
    conversation_id: Option<String>,
    item_id: String,
    refs: String,
    at: i64,
}

const MESSAGE_REF_COLUMNS: &str = "message_id, customer_id, conversation_id, item_id, refs, at";

fn message_ref_of(r: MessageRefRecord) -> MessageRefRow {
    MessageRefRow {
        message_id: r.message_id,
        customer_id: r.customer_id,
        conversation_id: r.conversation_id,
        item_id: r.item_id,
        refs: r.refs,
        at: r.at,
    }
}

#[derive(sqlx::FromRow)]
struct DecisionRecord {
    routing_decision_id: String,
    routing_seq: i64,
    at: i64,
    unit_id: Option<String>,
    agent_id: Option<String>,
    doc: String,
}

fn decision_of(r: DecisionRecord) -> RoutingDecisionRow {
    RoutingDecisionRow {
        id: r.routing_decision_id,
        seq: r.routing_seq,
        at: r.at,
        unit_id: r.unit_id,
        agent_id: r.agent_id,
        doc: r.doc,
    }
}

#[derive(sqlx::FromRow)]
struct OfferRecord {
    offer_id: String,
    agent_id: String,
    unit_id: String,
    doc: String,
    expires_at: i64,
}

fn offer_of(r: OfferRecord) -> OfferRow {
    OfferRow {
        id: r.offer_id,
        agent_id: r.agent_id,
        unit_id: r.unit_id,
        doc: r.doc,
        expires_at: r.expires_at,
    }
}

#[derive(sqlx::FromRow)]
struct TimerRecord {
    timer_id: String,
    due_at: i64,
    kind: String,
    payload: String,
}

fn timer_of(r: TimerRecord) -> TimerRow {
    TimerRow {
        id: r.timer_id,
        due_at: r.due_at,
        kind: r.kind,
        payload: r.payload,
    }
}

/// A database migrated by a newer Hearth is refused with a message that says so.
pub(crate) fn migration_error(e: sqlx::migrate::MigrateError) -> StoreError {
    match e {
        sqlx::migrate::MigrateError::VersionMissing(version) => StoreError::Other(format!(
            "the database schema is newer than this Hearth binary (it has migration {version}, which this binary does not know); run a newer Hearth"
        )),
        other => StoreError::Other(format!("migrating the database: {other}")),
    }
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

fn conversation_query(where_clause: &str) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(format!(
        "SELECT {CONVERSATION_COLUMNS} FROM conversation {where_clause}"
    ))
}

#[async_trait::async_trait]
impl ResourceTx for Tx {
    async fn resource(&mut self, kind: &str, id: &str) -> Result<Option<ResourceRow>, StoreError> {
        let row: Option<ResourceRecord> = sqlx::query_as(
            "SELECT kind, resource_id, unique_key, doc, created_at, updated_at, version FROM resource WHERE kind = $1 AND resource_id = $2",
        )
        .bind(kind)
        .bind(id)
        .fetch_optional(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(row.map(resource_of))
    }

    async fn resource_by_key(
        &mut self,
        kind: &str,
        key: &str,
    ) -> Result<Option<ResourceRow>, StoreError> {
        let row: Option<ResourceRecord> = sqlx::query_as(
            "SELECT kind, resource_id, unique_key, doc, created_at, updated_at, version FROM resource WHERE kind = $1 AND unique_key = $2",
        )
        .bind(kind)
        .bind(key)
        .fetch_optional(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(row.map(resource_of))
    }

    async fn resources(&mut self, kind: &str) -> Result<Vec<ResourceRow>, StoreError> {
        let rows: Vec<ResourceRecord> = sqlx::query_as(
            "SELECT kind, resource_id, unique_key, doc, created_at, updated_at, version FROM resource WHERE kind = $1 ORDER BY created_at, resource_id",
        )
        .bind(kind)
        .fetch_all(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(rows.into_iter().map(resource_of).collect())
    }

    async fn put_resource(&mut self, row: &ResourceRow) -> Result<(), StoreError> {
        if let Some(key) = &row.unique_key {
            let holder: Option<(String,)> =
                sqlx::query_as("SELECT resource_id FROM resource WHERE kind = $1 AND unique_key = $2 AND resource_id <> $3")
                    .bind(&row.kind)
                    .bind(key)
                    .bind(&row.id)
                    .fetch_optional(&mut *self.inner)
                    .await
                    .map_err(map_err)?;
            if let Some((holder,)) = holder {
                return Err(StoreError::Conflict {
                    key: key.clone(),
                    holder,
                });
            }
        }
        sqlx::query(
            "INSERT INTO resource (kind, resource_id, unique_key, doc, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (kind, resource_id) DO UPDATE SET unique_key = excluded.unique_key, doc = excluded.doc, updated_at = excluded.updated_at, version = resource.version + 1",
        )
        .bind(&row.kind)
        .bind(&row.id)
        .bind(&row.unique_key)
        .bind(&row.doc)
        .bind(row.created_at)
        .bind(row.updated_at)
        .execute(&mut *self.inner)
        .await
        .map_err(|e| if is_unique_violation(&e) { StoreError::Conflict { key: row.unique_key.clone().unwrap_or_default(), holder: String::new() } } else { map_err(e) })?;
        Ok(())
    }

    async fn delete_resource(&mut self, kind: &str, id: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM resource WHERE kind = $1 AND resource_id = $2")
            .bind(kind)
            .bind(id)
            .execute(&mut *self.inner)
            .await
            .map_err(map_err)?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl CredentialTx for Tx {
    async fn revoke_all_tokens(&mut self, agent_id: &str, at: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE api_token SET revoked_at = $1 WHERE agent_id = $2 AND revoked_at IS NULL",
        )
        .bind(at)
        .bind(agent_id)
        .execute(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected())
    }

    async fn tokens_of(
        &mut self,
        agent_id: &str,
    ) -> Result<Vec<(String, String, i64, Option<i64>)>, StoreError> {
        sqlx::query_as("SELECT api_token_id, label, created_at, revoked_at FROM api_token WHERE agent_id = $1 ORDER BY created_at, api_token_id")
            .bind(agent_id)
            .fetch_all(&mut *self.inner)
            .await
            .map_err(map_err)
    }

    async fn revoke_token(
        &mut self,
        agent_id: &str,
        token_id: &str,
        at: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE api_token SET revoked_at = COALESCE(revoked_at, $1) WHERE agent_id = $2 AND api_token_id = $3")
            .bind(at)
            .bind(agent_id)
            .bind(token_id)
            .execute(&mut *self.inner)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn live_token(
        &mut self,
        token_hash: &str,
    ) -> Result<Option<(String, String, i64)>, StoreError> {
        sqlx::query_as("SELECT agent_id, label, created_at FROM api_token WHERE token_hash = $1 AND revoked_at IS NULL")
            .bind(token_hash)
            .fetch_optional(&mut *self.inner)
            .await
            .map_err(map_err)
    }

    async fn insert_token(
        &mut self,
        id: &str,
        agent_id: &str,
        token_hash: &str,
        label: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO api_token (api_token_id, agent_id, token_hash, label, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(agent_id)
            .bind(token_hash)
            .bind(label)
            .bind(at)
            .execute(&mut *self.inner)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn revoke_tokens(
        &mut self,
        agent_id: &str,
        label: &str,
        at: i64,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query("UPDATE api_token SET revoked_at = $1 WHERE agent_id = $2 AND label = $3 AND revoked_at IS NULL")
            .bind(at)
            .bind(agent_id)
            .bind(label)
            .execute(&mut *self.inner)
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected())
    }
}

#[async_trait::async_trait]
impl CustomerTx for Tx {
    async fn customer(&mut self, id: &str) -> Result<Option<CustomerRow>, StoreError> {
        let row: Option<CustomerRecord> = sqlx::query_as(
            "SELECT customer_id, name, doc, external_customer_id, created_at, updated_at FROM customer WHERE customer_id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(row.map(|r| CustomerRow {
            id: r.customer_id,
            name: r.name,
            doc: r.doc,
            external_customer_id: r.external_customer_id,
            search_terms: Vec::new(),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }))
    }

    async fn search_customers(
        &mut self,
        prefix: &str,
        limit: i64,
    ) -> Result<Vec<String>, StoreError> {
        // Every term starting with `prefix` sorts in [prefix, prefix + U+10FFFF) under
        // byte order (SQLite's default; the PostgreSQL column is COLLATE "C").
        let end = format!("{prefix}\u{10FFFF}");
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT customer_id FROM customer_search WHERE term >= $1 AND term < $2 ORDER BY term, customer_id LIMIT $3",
        )
        .bind(prefix)
        .bind(&end)
        .bind(limit.saturating_mul(4))
        .fetch_all(&mut *self.inner)
        .await
        .map_err(map_err)?;
        let mut ids: Vec<String> = Vec::new();
        for (id,) in rows {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(ids)
    }

    async fn customers_by_external_id(
        &mut self,
        value: &str,
        limit: i64,
    ) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT customer_id FROM customer WHERE external_customer_id = $1 ORDER BY updated_at DESC, customer_id LIMIT $2",
        )
        .bind(value)
        .bind(limit)
        .fetch_all(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    async fn customer_by_identity(
        &mut self,
        kind: &str,
        value: &str,
    ) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT customer_id FROM customer_identity WHERE kind = $1 AND value = $2",
        )
        .bind(kind)
        .bind(value)
        .fetch_optional(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(row.map(|r| r.0))
    }

    async fn save_customer(
        &mut self,
        row: &CustomerRow,
        identities: &[(String, String)],
    ) -> Result<(), StoreError> {
        for (kind, value) in identities {
            let holder: Option<(String,)> =
                sqlx::query_as("SELECT customer_id FROM customer_identity WHERE kind = $1 AND value = $2 AND customer_id <> $3")
                    .bind(kind)
                    .bind(value)
                    .bind(&row.id)
                    .fetch_optional(&mut *self.inner)
                    .await
                    .map_err(map_err)?;
            if let Some((holder,)) = holder {
                return Err(StoreError::Conflict {
                    key: format!("{kind}:{value}"),
                    holder,
                });
            }
        }
        sqlx::query(
            "INSERT INTO customer (customer_id, name, doc, created_at, updated_at, external_customer_id) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (customer_id) DO UPDATE SET name = excluded.name, doc = excluded.doc, updated_at = excluded.updated_at, \
             external_customer_id = excluded.external_customer_id",
        )
        .bind(&row.id)
        .bind(&row.name)
        .bind(&row.doc)
        .bind(row.created_at)
        .bind(row.updated_at)
        .bind(&row.external_customer_id)
        .execute(&mut *self.inner)
        .await
        .map_err(map_err)?;
        sqlx::query("DELETE FROM customer_identity WHERE customer_id = $1")
            .bind(&row.id)
            .execute(&mut *self.inner)
            .await
            .map_err(map_err)?;
        sqlx::query("DELETE FROM customer_search WHERE customer_id = $1")
            .bind(&row.id)
            .execute(&mut *self.inner)
            .await
            .map_err(map_err)?;
        for term in &row.search_terms {
            sqlx::query("INSERT INTO customer_search (term, customer_id) VALUES ($1, $2)")
                .bind(term)
                .bind(&row.id)
                .execute(&mut *self.inner)
                .await
                .map_err(map_err)?;
        }
        for (kind, value) in identities {
            sqlx::query(
                "INSERT INTO customer_identity (kind, value, customer_id) VALUES ($1, $2, $3)",
            )
            .bind(kind)
            .bind(value)
            .bind(&row.id)
            .execute(&mut *self.inner)
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    StoreError::Conflict {
                        key: format!("{kind}:{value}"),
                        holder: String::new(),
                    }
                } else {
                    map_err(e)
                }
            })?;
        }
        Ok(())
    }

    async fn erase_customer(
        &mut self,
        customer_id: &str,
        tombstone: &str,
    ) -> Result<(), StoreError> {
        let statements = [
            "UPDATE event SET payload = $2 WHERE (aggregate_type = $3 AND aggregate_id = $1) \
             OR (aggregate_type IN ($4, $5, $7) AND aggregate_id IN (SELECT conversation_id FROM conversation WHERE customer_id = $1)) \
             OR (aggregate_type = $6 AND aggregate_id IN (SELECT task_id FROM task WHERE customer_id = $1)) \
             OR (aggregate_type = 'item' AND aggregate_id IN (SELECT item_id FROM conversation_item WHERE customer_id = $1)) \
             OR (aggregate_type = 'automation' AND aggregate_id IN (SELECT conversation_id FROM conversation WHERE customer_id = $1))",
            "DELETE FROM webhook_delivery WHERE event_id IN (SELECT event_id FROM event WHERE (aggregate_type = $2 AND aggregate_id = $1) \
             OR (aggregate_type IN ($3, $4, $6) AND aggregate_id IN (SELECT conversation_id FROM conversation WHERE customer_id = $1)) \
             OR (aggregate_type = $5 AND aggregate_id IN (SELECT task_id FROM task WHERE customer_id = $1)) \
             OR (aggregate_type = 'item' AND aggregate_id IN (SELECT item_id FROM conversation_item WHERE customer_id = $1)) \
             OR (aggregate_type = 'automation' AND aggregate_id IN (SELECT conversation_id FROM conversation WHERE customer_id = $1)))",
            "DELETE FROM routing_decision WHERE unit_id IN (SELECT conversation_id FROM conversation WHERE customer_id = $1)",
            "DELETE FROM outbox WHERE conversation_id IN (SELECT conversation_id FROM conversation WHERE customer_id = $1)",
            "DELETE FROM contact WHERE conversation_id IN (SELECT conversation_id FROM conversation WHERE customer_id = $1)",
            "DELETE FROM outbox WHERE item_id IN (SELECT item_id FROM conversation_item WHERE customer_id = $1)",
            "DELETE FROM conversation_item WHERE customer_id = $1",
            "DELETE FROM conversation WHERE customer_id = $1",
            "DELETE FROM task WHERE customer_id = $1",
            "DELETE FROM message_ref WHERE customer_id = $1",
            "DELETE FROM chat_session WHERE customer_id = $1 \
             OR visitor IN (SELECT value FROM customer_identity WHERE customer_id = $1)",
            "DELETE FROM item_blob WHERE item_id IN (SELECT item_id FROM conversation_item WHERE customer_id = $1)",
            "DELETE FROM blob WHERE NOT EXISTS (SELECT 1 FROM item_blob WHERE item_blob.blob_id = blob.blob_id)",
            "DELETE FROM inbound_raw WHERE customer_id = $1 \
             OR sender IN (SELECT value FROM customer_identity WHERE customer_id = $1)",
            "DELETE FROM customer_identity WHERE customer_id = $1",
            "DELETE FROM customer_search WHERE customer_id = $1",
            "DELETE FROM customer WHERE customer_id = $1",
        ];
        // The first statement also takes the tombstone; the first two name the
        // erased customer's events by their aggregate types.
        for (i, statement) in statements.into_iter().enumerate() {
            let mut query = sqlx::query(statement).bind(customer_id);
            if i == 0 {
                query = query.bind(tombstone);
            }
            if i < 2 {
                query = query
                    .bind(stored::CUSTOMER_EVENTS)
                    .bind(stored::CONVERSATION_EVENTS)
                    .bind(stored::ROUTING_EVENTS)
                    .bind(stored::TASK_EVENTS)
                    .bind(stored::SLA_EVENTS);
            }
            query.execute(&mut *self.inner).await.map_err(map_err)?;
        }
        Ok(())
    }

    async fn lock_customer(&mut self, id: &str) -> Result<bool, StoreError> {
        let row: Option<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT customer_id FROM customer WHERE customer_id = $1{FOR_UPDATE}"
        )))
        .bind(id)
        .fetch_optional(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(row.is_some())
    }
}

#[async_trait::async_trait]
impl ConversationTx for Tx {
    async fn open_conversations_of_agent(
        &mut self,
        agent_id: &str,
    ) -> Result<Vec<ConversationRow>, StoreError> {
        let rows: Vec<ConversationRecord> = sqlx::query_as(conversation_query(
            "WHERE agent_id = $1 AND status <> $2 ORDER BY created_at, conversation_id",
        ))
        .bind(agent_id)
        .bind(stored::CLOSED)
        .fetch_all(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(rows.into_iter().map(conversation_of).collect())
    }

    async fn conversation(&mut self, id: &str) -> Result<Option<ConversationRow>, StoreError> {
        let row: Option<ConversationRecord> =
            sqlx::query_as(conversation_query("WHERE conversation_id = $1"))
                .bind(id)
                .fetch_optional(&mut *self.inner)
                .await
                .map_err(map_err)?;
        Ok(row.map(conversation_of))
    }

    async fn conversation_for_update(
        &mut self,
        id: &str,
    ) -> Result<Option<ConversationRow>, StoreError> {
        let row: Option<ConversationRecord> = sqlx::query_as(conversation_query(&format!(
            "WHERE conversation_id = $1{FOR_UPDATE}"
        )))
        .bind(id)
        .fetch_optional(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(row.map(conversation_of))
    }

    async fn latest_conversation(
        &mut self,
        customer_id: &str,
    ) -> Result<Option<ConversationRow>, StoreError> {
        let row: Option<ConversationRecord> = sqlx::query_as(conversation_query(
            "WHERE customer_id = $1 ORDER BY created_at DESC, conversation_id DESC LIMIT 1",
        ))
        .bind(customer_id)
        .fetch_optional(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(row.map(conversation_of))
    }

    async fn customer_conversations(
        &mut self,
        customer_id: &str,
        limit: i64,
    ) -> Result<Vec<ConversationRow>, StoreError> {
        let rows: Vec<ConversationRecord> = sqlx::query_as(conversation_query(
            "WHERE customer_id = $1 ORDER BY created_at, conversation_id LIMIT $2",
        ))
        .bind(customer_id)
        .bind(limit)
        .fetch_all(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(rows.into_iter().map(conversation_of).collect())
    }

    async fn save_conversation(
        &mut self,
        row: &ConversationRow,
        contacts: &[ContactRow],
        expected_version: Option<i64>,
    ) -> Result<(), StoreError> {
        if row.status != stored::CLOSED {
            // R2, checked before writing so the holder can be named; the partial
            // unique index still guards against a concurrent writer.
            let holder: Option<(String,)> = sqlx::query_as(
                "SELECT conversation_id FROM conversation WHERE customer_id = $1 AND status <> $3 AND conversation_id <> $2",
            )
            .bind(&row.customer_id)
            .bind(&row.id)
            .bind(stored::CLOSED)
            .fetch_optional(&mut *self.inner)
            .await
            .map_err(map_err)?;
            if let Some((holder,)) = holder {
                return Err(StoreError::Conflict {
                    key: stored::ONE_OPEN_CONVERSATION.into(),
                    holder,
                });
            }
        }
        let unique = |e: sqlx::Error| {
            if is_unique_violation(&e) {
                StoreError::Conflict {
                    key: stored::ONE_OPEN_CONVERSATION.into(),
                    holder: String::new(),
                }
            } else {
                map_err(e)
            }
        };
        match expected_version {
            None => {
                sqlx::query(
                    "INSERT INTO conversation (conversation_id, customer_id, inbox_id, agent_id, status, created_at, closed_at, due_at, version, doc) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&row.id)
                .bind(&row.customer_id)
                .bind(&row.inbox_id)
                .bind(&row.agent_id)
                .bind(&row.status)
                .bind(row.created_at)
                .bind(row.closed_at)
                .bind(row.due_at)
                .bind(row.version)
                .bind(&row.doc)
                .execute(&mut *self.inner)
                .await
                .map_err(unique)?;
            }
            Some(expected) => {
                let done = sqlx::query(
                    "UPDATE conversation SET inbox_id = $1, agent_id = $2, status = $3, closed_at = $4, due_at = $5, version = $6, doc = $7 \
                     WHERE conversation_id = $8 AND version = $9",
                )
                .bind(&row.inbox_id)
                .bind(&row.agent_id)
                .bind(&row.status)
                .bind(row.closed_at)
                .bind(row.due_at)
                .bind(row.version)
                .bind(&row.doc)
                .bind(&row.id)
                .bind(expected)
                .execute(&mut *self.inner)
                .await
                .map_err(unique)?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::VersionConflict);
                }
            }
        }
        sqlx::query("DELETE FROM contact WHERE conversation_id = $1")
            .bind(&row.id)
            .execute(&mut *self.inner)
            .await
            .map_err(map_err)?;
        for c in contacts {
            sqlx::query(
                "INSERT INTO contact (contact_id, conversation_id, channel, started_at, ended_at, due_at, fulfilment) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&c.id)
            .bind(&c.conversation_id)
            .bind(&c.channel)
            .bind(c.started_at)
            .bind(c.ended_at)
            .bind(c.due_at)
            .bind(&c.fulfilment)
            .execute(&mut *self.inner)
            .await
            .map_err(map_err)?;
        }
        Ok(())
    }

    async fn contact_conversation(
        &mut self,
        contact_id: &str,
    ) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT conversation_id FROM contact WHERE contact_id = $1")
                .bind(contact_id)
                .fetch_optional(&mut *self.inner)
                .await
                .map_err(map_err)?;
        Ok(row.map(|r| r.0))
    }

    async fn conversations_page(
        &mut self,
        after_id: &str,
        limit: i64,
    ) -> Result<Vec<ConversationRow>, StoreError> {
        let rows: Vec<ConversationRecord> = sqlx::query_as(conversation_query(
            "WHERE conversation_id > $1 ORDER BY conversation_id LIMIT $2",
        ))
        .bind(after_id)
        .bind(limit)
        .fetch_all(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(rows.into_iter().map(conversation_of).collect())
    }

    async fn conversations_with_due(
        &mut self,
        after_id: &str,
        limit: i64,
    ) -> Result<Vec<ConversationRow>, StoreError> {
        let rows: Vec<ConversationRecord> = sqlx::query_as(conversation_query(
            "WHERE conversation_id > $1 AND due_at IS NOT NULL AND status <> $2 ORDER BY conversation_id LIMIT $3",
        ))
        .bind(after_id)
        .bind(stored::CLOSED)
        .bind(limit)
        .fetch_all(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(rows.into_iter().map(conversation_of).collect())
    }

    async fn due_before(&mut self, until: i64) -> Result<Vec<(String, i64)>, StoreError> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT inbox_id, due_at FROM conversation WHERE due_at IS NOT NULL AND due_at <= $1 AND status <> $2",
        )
        .bind(until)
        .bind(stored::CLOSED)
        .fetch_all(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(rows)
    }

    async fn contacts_of(&mut self, conversation_id: &str) -> Result<Vec<ContactRow>, StoreError> {
        let rows: Vec<ContactRecord> = sqlx::query_as(
            "SELECT contact_id, conversation_id, channel, started_at, ended_at, due_at, fulfilment FROM contact \
             WHERE conversation_id = $1 ORDER BY started_at, contact_id",
        )
        .bind(conversation_id)
        .fetch_all(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(rows.into_iter().map(contact_of).collect())
    }
}

#[async_trait::async_trait]
impl ItemTx for Tx {
    async fn insert_item(&mut self, row: &ItemRow) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO conversation_item (item_id, conversation_id, customer_id, at, doc) VALUES ($1, $2, $3, $4, $5)")
            .bind(&row.id)
            .bind(&row.conversation_id)
            .bind(&row.customer_id)
            .bind(row.at)
            .bind(&row.doc)
            .execute(&mut *self.inner)
            .await
            .map_err(|e| if is_unique_violation(&e) { StoreError::Conflict { key: "id".into(), holder: row.id.clone() } } else { map_err(e) })?;
        Ok(())
    }

    async fn item(&mut self, id: &str) -> Result<Option<ItemRow>, StoreError> {
        let row: Option<ItemRecord> =
            sqlx::query_as("SELECT item_id, conversation_id, customer_id, at, doc FROM conversation_item WHERE item_id = $1")
                .bind(id)
                .fetch_optional(&mut *self.inner)
                .await
                .map_err(map_err)?;
        Ok(row.map(item_of))
    }

    async fn delete_item(&mut self, id: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM conversation_item WHERE item_id = $1")
            .bind(id)
            .execute(&mut *self.inner)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn redact_item(&mut self, id: &str, doc: &str) -> Result<(), StoreError> {
        for statement in [
            "UPDATE conversation_item SET doc = $2 WHERE item_id = $1",
            "UPDATE outbox SET payload = $2 WHERE item_id = $1",
        ] {
            sqlx::query(statement)
                .bind(id)
                .bind(doc)
                .execute(&mut *self.inner)
                .await
                .map_err(map_err)?;
        }
        sqlx::query("UPDATE inbound_raw SET bytes = $2 WHERE item_id = $1")
            .bind(id)
            .bind(Vec::<u8>::new())
            .execute(&mut *self.inner)
            .await
            .map_err(map_err)?;
        // The item's files go unless another item holds the same bytes.
        let files: Vec<(String,)> =
            sqlx::query_as("SELECT blob_id FROM item_blob WHERE item_id = $1")
                .bind(id)
                .fetch_all(&mut *self.inner)
                .await
                .map_err(map_err)?;
        sqlx::query("DELETE FROM item_blob WHERE item_id = $1")
            .bind(id)
            .execute(&mut *self.inner)
            .await
            .map_err(map_err)?;
        for (blob,) in files {
            sqlx::query(
                "DELETE FROM blob WHERE blob_id = $1 AND NOT EXISTS (SELECT 1 FROM item_blob WHERE blob_id = $1)",
            )
            .bind(&blob)
            .execute(&mut *self.inner)
            .await
            .map_err(map_err)?;
        }
        Ok(())
    }

    async fn items_in_range(
        &mut self,
        start: i64,
        end: i64,
        after: i64,
        limit: i64,
    ) -> Result<Vec<(i64, ItemRow)>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct SeqItem {
            item_seq: i64,
            #[sqlx(flatten)]
            item: ItemRecord,
        }
        let rows: Vec<SeqItem> = sqlx::query_as(
            "SELECT item_seq, item_id, conversation_id, customer_id, at, doc FROM conversation_item \
             WHERE at >= $1 AND at < $2 AND item_seq > $3 ORDER BY item_seq LIMIT $4",
        )
        .bind(start)
        .bind(end)
        .bind(after)
        .bind(limit)
        .fetch_all(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(rows
            .into_iter()
            .map(|r| (r.item_seq, item_of(r.item)))
            .collect())
    }

    async fn items(
        &mut self,
        conversation_id: &str,
        limit: i64,
    ) -> Result<Vec<ItemRow>, StoreError> {
        let rows: Vec<ItemRecord> = sqlx::query_as(
            "SELECT item_id, conversation_id, customer_id, at, doc FROM conversation_item \
             WHERE conversation_id = $1 ORDER BY at, item_seq LIMIT $2",
        )
        .bind(conversation_id)
        .bind(limit)
        .fetch_all(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(rows.into_iter().map(item_of).collect())
    }

    async fn enqueue_outbox(&mut self, row: &OutboxRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO outbox (outbox_id, channel, conversation_id, item_id, status, payload, created_at, attempts, next_attempt_at, detail, message_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&row.id)
        .bind(&row.channel)
        .bind(&row.conversation_id)
        .bind(&row.item_id)
        .bind(&row.status)
        .bind(&row.payload)
        .bind(row.created_at)
        .bind(row.attempts)
        .bind(row.next_attempt_at)
        .bind(&row.detail)
        .bind(&row.message_id)
        .execute(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn outbox_for_item(&mut self, item_id: &str) -> Result<Vec<OutboxRow>, StoreError> {
        let rows: Vec<OutboxRecord> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE item_id = $1 ORDER BY created_at, outbox_id"
        )))
        .bind(item_id)
        .fetch_all(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(rows.into_iter().map(outbox_of).collect())
    }

    async fn outbox_for_conversation(
        &mut self,
        conversation_id: &str,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let rows: Vec<OutboxRecord> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE conversation_id = $1 ORDER BY created_at, outbox_id"
        )))
        .bind(conversation_id)
        .fetch_all(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(rows.into_iter().map(outbox_of).collect())
    }

    async fn due_outbox(
        &mut self,
        channel: &str,
        now: i64,
        limit: i64,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let rows: Vec<OutboxRecord> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE channel = $1 AND status = $2 \
             AND (next_attempt_at IS NULL OR next_attempt_at <= $3) \
             ORDER BY created_at, outbox_id LIMIT $4{FOR_UPDATE_SKIP_LOCKED}"
        )))
        .bind(channel)
        .bind(stored::PENDING)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(rows.into_iter().map(outbox_of).collect())
    }

    async fn update_outbox(&mut self, row: &OutboxRow) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE outbox SET status = $2, attempts = $3, next_attempt_at = $4, detail = $5, message_id = $6 WHERE outbox_id = $1",
        )
        .bind(&row.id)
        .bind(&row.status)
        .bind(row.attempts)
        .bind(row.next_attempt_at)
        .bind(&row.detail)
        .bind(&row.message_id)
        .execute(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn outbox_backlog(&mut self, channel: &str) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE channel = $1 AND status = $2")
            .bind(channel)
            .bind(stored::PENDING)
            .fetch_one(&mut *self.inner)
            .await
            .map_err(map_err)
    }
}

#[async_trait::async_trait]
impl ChannelTx for Tx {
    async fn insert_raw_inbound(&mut self, row: &RawInboundRow) -> Result<(), StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO inbound_raw ({RAW_INBOUND_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        )))
        .bind(&row.id)
        .bind(&row.channel)
        .bind(&row.source)
        .bind(&row.sender)
        .bind(row.received_at)
        .bind(&row.bytes)
        .bind(&row.status)
        .bind(&row.detail)
        .bind(&row.customer_id)
        .bind(&row.item_id)
        .execute(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn raw_inbound(&mut self, id: &str) -> Result<Option<RawInboundRow>, StoreError> {
        let row: Option<RawInboundRecord> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {RAW_INBOUND_COLUMNS} FROM inbound_raw WHERE raw_id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(row.map(raw_inbound_of))
    }

    async fn raw_inbound_from(&mut self, source: &str) -> Result<bool, StoreError> {
        let found: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM inbound_raw WHERE source = $1")
            .bind(source)
            .fetch_one(&mut *self.inner)
            .await
            .map_err(map_err)?;
        Ok(found > 0)
    }

    async fn unread_raw_inbound(&mut self, limit: i64) -> Result<Vec<RawInboundRow>, StoreError> {
        let rows: Vec<RawInboundRecord> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {RAW_INBOUND_COLUMNS} FROM inbound_raw WHERE status = $1 \
             ORDER BY received_at, raw_id LIMIT $2{FOR_UPDATE_SKIP_LOCKED}"
        )))
        .bind(stored::RECEIVED)
        .bind(limit)
        .fetch_all(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(rows.into_iter().map(raw_inbound_of).collect())
    }

    async fn settle_raw_inbound(&mut self, row: &RawInboundRow) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE inbound_raw SET status = $2, detail = $3, customer_id = $4, item_id = $5, sender = $6 WHERE raw_id = $1",
        )
        .bind(&row.id)
        .bind(&row.status)
        .bind(&row.detail)
        .bind(&row.customer_id)
        .bind(&row.item_id)
        .bind(&row.sender)
        .execute(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn raw_inbound_count_since(
        &mut self,
        channel: &str,
        sender: &str,
        since: i64,
    ) -> Result<i64, StoreError> {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM inbound_raw WHERE channel = $1 AND sender = $2 AND received_at >= $3",
        )
        .bind(channel)
        .bind(sender)
        .bind(since)
        .fetch_one(&mut *self.inner)
        .await
        .map_err(map_err)
    }

    async fn insert_message_ref(&mut self, row: &MessageRefRow) -> Result<(), StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO message_ref ({MESSAGE_REF_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (message_id) DO NOTHING"
        )))
        .bind(&row.message_id)
        .bind(&row.customer_id)
        .bind(&row.conversation_id)
        .bind(&row.item_id)
        .bind(&row.refs)
        .bind(row.at)
        .execute(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn message_ref(&mut self, message_id: &str) -> Result<Option<MessageRefRow>, StoreError> {
        let row: Option<MessageRefRecord> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {MESSAGE_REF_COLUMNS} FROM message_ref WHERE message_id = $1"
        )))
        .bind(message_id)
        .fetch_optional(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(row.map(message_ref_of))
    }

    async fn message_refs_of_item(
        &mut self,
        item_id: &str,
    ) -> Result<Vec<MessageRefRow>, StoreError> {
        let rows: Vec<MessageRefRecord> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {MESSAGE_REF_COLUMNS} FROM message_ref WHERE item_id = $1 ORDER BY at, message_id"
        )))
        .bind(item_id)
        .fetch_all(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(rows.into_iter().map(message_ref_of).collect())
    }

    async fn insert_chat_session(&mut self, row: &ChatSessionRow) -> Result<(), StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO chat_session ({CHAT_SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        )))
        .bind(&row.id)
        .bind(&row.token_hash)
        .bind(&row.entry_point)
        .bind(&row.customer_id)
        .bind(&row.visitor)
        .bind(&row.name)
        .bind(row.created_at)
        .bind(row.last_seen_at)
        .bind(row.ended_at)
        .bind(&row.ended_by)
        .bind(row.customer_typing_at)
        .bind(row.agent_typing_at)
        .execute(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn open_chat_sessions(
        &mut self,
        customer_id: &str,
    ) -> Result<Vec<ChatSessionRow>, StoreError> {
        let rows: Vec<ChatSessionRecord> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {CHAT_SESSION_COLUMNS} FROM chat_session WHERE customer_id = $1 AND ended_at IS NULL \
             ORDER BY created_at DESC, session_id DESC"
        )))
        .bind(customer_id)
        .fetch_all(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(rows.into_iter().map(chat_session_of).collect())
    }

    async fn chat_session(&mut self, id: &str) -> Result<Option<ChatSessionRow>, StoreError> {
        let row: Option<ChatSessionRecord> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {CHAT_SESSION_COLUMNS} FROM chat_session WHERE session_id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(row.map(chat_session_of))
    }

    async fn chat_session_by_token(
        &mut self,
        token_hash: &str,
    ) -> Result<Option<ChatSessionRow>, StoreError> {
        let row: Option<ChatSessionRecord> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {CHAT_SESSION_COLUMNS} FROM chat_session WHERE token_hash = $1"
        )))
        .bind(token_hash)
        .fetch_optional(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(row.map(chat_session_of))
    }

    async fn update_chat_session(&mut self, row: &ChatSessionRow) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE chat_session SET customer_id = $2, last_seen_at = $3, ended_at = $4, ended_by = $5, \
             customer_typing_at = $6, agent_typing_at = $7 WHERE session_id = $1",
        )
        .bind(&row.id)
        .bind(&row.customer_id)
        .bind(row.last_seen_at)
        .bind(row.ended_at)
        .bind(&row.ended_by)
        .bind(row.customer_typing_at)
        .bind(row.agent_typing_at)
        .execute(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn stale_chat_sessions(
        &mut self,
        before: i64,
        limit: i64,
    ) -> Result<Vec<ChatSessionRow>, StoreError> {
        let rows: Vec<ChatSessionRecord> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {CHAT_SESSION_COLUMNS} FROM chat_session WHERE ended_at IS NULL AND last_seen_at < $1 \
             ORDER BY last_seen_at, session_id LIMIT $2{FOR_UPDATE_SKIP_LOCKED}"
        )))
        .bind(before)
        .bind(limit)
        .fetch_all(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(rows.into_iter().map(chat_session_of).collect())
    }

    async fn put_blob(&mut self, row: &BlobRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO blob (blob_id, content_type, size, bytes, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (blob_id) DO NOTHING",
        )
        .bind(&row.id)
        .bind(&row.content_type)
        .bind(i64::try_from(row.bytes.len()).unwrap_or(i64::MAX))
        .bind(&row.bytes)
        .bind(row.created_at)
        .execute(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn link_blob(&mut self, item_id: &str, blob_id: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO item_blob (item_id, blob_id) VALUES ($1, $2) ON CONFLICT (item_id, blob_id) DO NOTHING",
        )
        .bind(item_id)
        .bind(blob_id)
        .execute(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn blob_of_item(
        &mut self,
        item_id: &str,
        blob_id: &str,
    ) -> Result<Option<BlobRow>, StoreError> {
        let row: Option<BlobRecord> = sqlx::query_as(
            "SELECT blob.blob_id, blob.content_type, blob.bytes, blob.created_at FROM blob \
             JOIN item_blob ON item_blob.blob_id = blob.blob_id \
             WHERE item_blob.item_id = $1 AND blob.blob_id = $2",
        )
        .bind(item_id)
        .bind(blob_id)
        .fetch_optional(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(row.map(|r| BlobRow {
            id: r.blob_id,
            content_type: r.content_type,
            bytes: r.bytes,
            created_at: r.created_at,
        }))
    }

    async fn latest_message_ref(
        &mut self,
        conversation_id: &str,
    ) -> Result<Option<MessageRefRow>, StoreError> {
        let row: Option<MessageRefRecord> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {MESSAGE_REF_COLUMNS} FROM message_ref WHERE conversation_id = $1 \
             ORDER BY at DESC, message_id DESC LIMIT 1"
        )))
        .bind(conversation_id)
        .fetch_optional(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(row.map(message_ref_of))
    }
}

#[async_trait::async_trait]
impl ExportTx for Tx {
    async fn put_export_file(
        &mut self,
        job_id: &str,
        filename: &str,
        content: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO export_file (job_id, filename, content) VALUES ($1, $2, $3) ON CONFLICT (job_id, filename) DO UPDATE SET content = excluded.content")
            .bind(job_id)
            .bind(filename)
            .bind(content)
            .execute(&mut *self.inner)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn export_file(
        &mut self,
        job_id: &str,
        filename: &str,
    ) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT content FROM export_file WHERE job_id = $1 AND filename = $2")
                .bind(job_id)
                .bind(filename)
                .fetch_optional(&mut *self.inner)
                .await
                .map_err(map_err)?;
        Ok(row.map(|r| r.0))
    }

    async fn export_files_mentioning(
        &mut self,
        needle: &str,
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        let escaped = needle
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        sqlx::query_as("SELECT job_id, filename, content FROM export_file WHERE content LIKE $1 ESCAPE '\\' ORDER BY job_id, filename")
            .bind(format!("%{escaped}%"))
            .fetch_all(&mut *self.inner)
            .await
            .map_err(map_err)
    }

    async fn delete_export_files(&mut self, job_id: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM export_file WHERE job_id = $1")
            .bind(job_id)
            .execute(&mut *self.inner)
            .await
            .map_err(map_err)?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl EventTx for Tx {
    async fn append_events(&mut self, events: &[EventRow]) -> Result<(), StoreError> {
        for e in events {
            sqlx::query(
                "INSERT INTO event (event_id, at, event_type, aggregate_type, aggregate_id, initiator_type, initiator_id, payload) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&e.id)
            .bind(e.at)
            .bind(&e.event_type)
            .bind(&e.aggregate_type)
            .bind(&e.aggregate_id)
            .bind(&e.initiator_type)
            .bind(&e.initiator_id)
            .bind(&e.payload)
            .execute(&mut *self.inner)
            .await
            .map_err(map_err)?;
        }
        if let (Some(notify), false) = (NOTIFY_EVENTS, events.is_empty()) {
            sqlx::query(notify)
                .execute(&mut *self.inner)
                .await
                .map_err(map_err)?;
        }
        Ok(())
    }

    async fn last_event_seq(&mut self) -> Result<i64, StoreError> {
        let (seq,): (Option<i64>,) = sqlx::query_as("SELECT MAX(event_seq) FROM event")
            .fetch_one(&mut *self.inner)
            .await
            .map_err(map_err)?;
        Ok(seq.unwrap_or(0))
    }

    async fn events_of(
        &mut self,
        aggregate_type: &str,
        aggregate_id: &str,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let rows: Vec<EventRecord> = sqlx::query_as(
            "SELECT event_seq, event_id, at, event_type, aggregate_type, aggregate_id, initiator_type, initiator_id, payload FROM event \
             WHERE aggregate_type = $1 AND aggregate_id = $2 ORDER BY event_seq",
        )
        .bind(aggregate_type)
        .bind(aggregate_id)
        .fetch_all(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(rows.into_iter().map(event_of).collect())
    }

    async fn replace_event_payload(
        &mut self,
        event_id: &str,
        payload: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE event SET payload = $2 WHERE event_id = $1")
            .bind(event_id)
            .bind(payload)
            .execute(&mut *self.inner)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn events_page(
        &mut self,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let rows: Vec<EventRecord> = sqlx::query_as(
            "SELECT event_seq, event_id, at, event_type, aggregate_type, aggregate_id, initiator_type, initiator_id, payload FROM event \
             WHERE event_seq > $1 ORDER BY event_seq LIMIT $2",
        )
        .bind(after_seq)
        .bind(limit)
        .fetch_all(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(rows.into_iter().map(event_of).collect())
    }

    async fn events_in_range(
        &mut self,
        start: i64,
        end: i64,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let rows: Vec<EventRecord> = sqlx::query_as(
            "SELECT event_seq, event_id, at, event_type, aggregate_type, aggregate_id, initiator_type, initiator_id, payload FROM event \
             WHERE event_seq > $1 AND at >= $3 AND at < $4 ORDER BY event_seq LIMIT $2",
        )
        .bind(after_seq)
        .bind(limit)
        .bind(start)
        .bind(end)
        .fetch_all(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(rows.into_iter().map(event_of).collect())
    }

    async fn inbound_response(
        &mut self,
        provider_message_id: &str,
    ) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT response FROM inbound_message WHERE provider_message_id = $1")
                .bind(provider_message_id)
                .fetch_optional(&mut *self.inner)
                .await
                .map_err(map_err)?;
        Ok(row.map(|r| r.0))
    }

    async fn record_inbound(
        &mut self,
        provider_message_id: &str,
        response: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO inbound_message (provider_message_id, response, created_at) VALUES ($1, $2, $3)")
            .bind(provider_message_id)
            .bind(response)
            .bind(at)
            .execute(&mut *self.inner)
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    StoreError::Conflict { key: "providerMessageId".into(), holder: provider_message_id.to_owned() }
                } else {
                    map_err(e)
                }
            })?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl RoutingTx for Tx {
    async fn lock_routing(&mut self) -> Result<(), StoreError> {
        if let Some(statement) = ROUTING_LOCK {
            sqlx::query(statement)
                .execute(&mut *self.inner)
                .await
                .map_err(map_err)?;
        }
        Ok(())
    }

    async fn append_routing_input(&mut self, at: i64, input: &str) -> Result<i64, StoreError> {
        let (seq,): (i64,) = sqlx::query_as(
            "INSERT INTO routing_input (at, input) VALUES ($1, $2) RETURNING routing_seq",
        )
        .bind(at)
        .bind(input)
        .fetch_one(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(seq)
    }

    async fn routing_inputs_after(
        &mut self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<(i64, i64, String)>, StoreError> {
        sqlx::query_as("SELECT routing_seq, at, input FROM routing_input WHERE routing_seq > $1 ORDER BY routing_seq LIMIT $2")
            .bind(after)
            .bind(limit)
            .fetch_all(&mut *self.inner)
            .await
            .map_err(map_err)
    }

    async fn put_routing_snapshot(
        &mut self,
        seq: i64,
        at: i64,
        doc: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO routing_snapshot (routing_seq, taken_at, doc) VALUES ($1, $2, $3) \
             ON CONFLICT (routing_seq) DO UPDATE SET taken_at = excluded.taken_at, doc = excluded.doc",
        )
        .bind(seq)
        .bind(at)
        .bind(doc)
        .execute(&mut *self.inner)
        .await
        .map_err(map_err)?;
        sqlx::query("DELETE FROM routing_snapshot WHERE routing_seq < $1")
            .bind(seq)
            .execute(&mut *self.inner)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn latest_routing_snapshot(&mut self) -> Result<Option<(i64, String)>, StoreError> {
        sqlx::query_as(
            "SELECT routing_seq, doc FROM routing_snapshot ORDER BY routing_seq DESC LIMIT 1",
        )
        .fetch_optional(&mut *self.inner)
        .await
        .map_err(map_err)
    }

    async fn insert_routing_decision(
        &mut self,
        row: &RoutingDecisionRow,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO routing_decision (routing_decision_id, routing_seq, at, unit_id, agent_id, doc) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&row.id)
        .bind(row.seq)
        .bind(row.at)
        .bind(&row.unit_id)
        .bind(&row.agent_id)
        .bind(&row.doc)
        .execute(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn routing_decisions(
        &mut self,
        unit_id: &str,
    ) -> Result<Vec<RoutingDecisionRow>, StoreError> {
        let rows: Vec<DecisionRecord> = sqlx::query_as(
            "SELECT routing_decision_id, routing_seq, at, unit_id, agent_id, doc FROM routing_decision \
             WHERE unit_id = $1 ORDER BY routing_seq, routing_decision_id",
        )
        .bind(unit_id)
        .fetch_all(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(rows.into_iter().map(decision_of).collect())
    }

    async fn put_offer(&mut self, row: &OfferRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO offer (offer_id, agent_id, unit_id, doc, expires_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (offer_id) DO UPDATE SET doc = excluded.doc, expires_at = excluded.expires_at",
        )
        .bind(&row.id)
        .bind(&row.agent_id)
        .bind(&row.unit_id)
        .bind(&row.doc)
        .bind(row.expires_at)
        .execute(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn delete_offer(&mut self, id: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM offer WHERE offer_id = $1")
            .bind(id)
            .execute(&mut *self.inner)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn offers_for_agent(&mut self, agent_id: &str) -> Result<Vec<OfferRow>, StoreError> {
        let rows: Vec<OfferRecord> =
            sqlx::query_as("SELECT offer_id, agent_id, unit_id, doc, expires_at FROM offer WHERE agent_id = $1 ORDER BY expires_at, offer_id")
                .bind(agent_id)
                .fetch_all(&mut *self.inner)
                .await
                .map_err(map_err)?;
        Ok(rows.into_iter().map(offer_of).collect())
    }
}

#[async_trait::async_trait]
impl TaskTx for Tx {
    async fn task(&mut self, id: &str) -> Result<Option<TaskRow>, StoreError> {
        let row: Option<TaskRecord> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {TASK_COLUMNS} FROM task WHERE task_id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(row.map(task_of))
    }

    async fn task_for_update(&mut self, id: &str) -> Result<Option<TaskRow>, StoreError> {
        let row: Option<TaskRecord> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {TASK_COLUMNS} FROM task WHERE task_id = $1{FOR_UPDATE}"
        )))
        .bind(id)
        .fetch_optional(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(row.map(task_of))
    }

    async fn customer_tasks(
        &mut self,
        customer_id: &str,
        status: Option<&str>,
        limit: i64,
    ) -> Result<Vec<TaskRow>, StoreError> {
        let rows: Vec<TaskRecord> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {TASK_COLUMNS} FROM task WHERE customer_id = $1 AND ($2 IS NULL OR status = $2) ORDER BY created_at DESC, task_id DESC LIMIT $3"
        )))
        .bind(customer_id)
        .bind(status)
        .bind(limit)
        .fetch_all(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(rows.into_iter().map(task_of).collect())
    }

    async fn tasks_page(
        &mut self,
        after_id: &str,
        status: &str,
        limit: i64,
    ) -> Result<Vec<TaskRow>, StoreError> {
        let rows: Vec<TaskRecord> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {TASK_COLUMNS} FROM task WHERE task_id > $1 AND status = $2 ORDER BY task_id LIMIT $3"
        )))
        .bind(after_id)
        .bind(status)
        .bind(limit)
        .fetch_all(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(rows.into_iter().map(task_of).collect())
    }

    async fn save_task(
        &mut self,
        row: &TaskRow,
        expected_version: Option<i64>,
    ) -> Result<(), StoreError> {
        match expected_version {
            None => {
                if self.task(&row.id).await?.is_some() {
                    return Err(StoreError::Conflict {
                        key: "id".into(),
                        holder: row.id.clone(),
                    });
                }
                sqlx::query(
                    "INSERT INTO task (task_id, customer_id, inbox_id, agent_id, status, due_at, created_at, version, doc) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&row.id)
                .bind(&row.customer_id)
                .bind(&row.inbox_id)
                .bind(&row.agent_id)
                .bind(&row.status)
                .bind(row.due_at)
                .bind(row.created_at)
                .bind(row.version)
                .bind(&row.doc)
                .execute(&mut *self.inner)
                .await
                .map_err(|e| if is_unique_violation(&e) { StoreError::Conflict { key: "id".into(), holder: row.id.clone() } } else { map_err(e) })?;
            }
            Some(expected) => {
                let done = sqlx::query(
                    "UPDATE task SET inbox_id = $1, agent_id = $2, status = $3, due_at = $4, version = $5, doc = $6 WHERE task_id = $7 AND version = $8",
                )
                .bind(&row.inbox_id)
                .bind(&row.agent_id)
                .bind(&row.status)
                .bind(row.due_at)
                .bind(row.version)
                .bind(&row.doc)
                .bind(&row.id)
                .bind(expected)
                .execute(&mut *self.inner)
                .await
                .map_err(map_err)?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::VersionConflict);
                }
            }
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl DeliveryTx for Tx {
    async fn insert_delivery(&mut self, row: &DeliveryRow) -> Result<(), StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO webhook_delivery ({DELIVERY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (webhook_id, event_id) DO NOTHING"
        )))
        .bind(&row.id)
        .bind(&row.webhook_id)
        .bind(&row.event_id)
        .bind(&row.event_type)
        .bind(&row.body)
        .bind(&row.status)
        .bind(row.attempts)
        .bind(row.next_attempt_at)
        .bind(row.last_status)
        .bind(&row.last_error)
        .bind(row.created_at)
        .bind(row.updated_at)
        .execute(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn update_delivery(&mut self, row: &DeliveryRow) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE webhook_delivery SET status = $1, attempts = $2, next_attempt_at = $3, last_status = $4, last_error = $5, updated_at = $6 \
             WHERE delivery_id = $7",
        )
        .bind(&row.status)
        .bind(row.attempts)
        .bind(row.next_attempt_at)
        .bind(row.last_status)
        .bind(&row.last_error)
        .bind(row.updated_at)
        .bind(&row.id)
        .execute(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn due_deliveries(
        &mut self,
        now: i64,
        limit: i64,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        let rows: Vec<DeliveryRecord> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_delivery WHERE status = $3 AND next_attempt_at <= $1 \
             ORDER BY next_attempt_at, (SELECT event_seq FROM event WHERE event.event_id = webhook_delivery.event_id), delivery_id \
             LIMIT $2{FOR_UPDATE_SKIP_LOCKED}"
        )))
        .bind(now)
        .bind(limit)
        .bind(stored::PENDING)
        .fetch_all(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(rows.into_iter().map(delivery_of).collect())
    }

    async fn deliveries_of(
        &mut self,
        webhook_id: &str,
        limit: i64,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        let rows: Vec<DeliveryRecord> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_delivery WHERE webhook_id = $1 ORDER BY created_at DESC, delivery_id DESC LIMIT $2"
        )))
        .bind(webhook_id)
        .bind(limit)
        .fetch_all(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(rows.into_iter().map(delivery_of).collect())
    }
}

#[async_trait::async_trait]
impl TimerTx for Tx {
    async fn put_timer(&mut self, row: &TimerRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO timer (timer_id, due_at, kind, payload) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (timer_id) DO UPDATE SET due_at = excluded.due_at, kind = excluded.kind, payload = excluded.payload",
        )
        .bind(&row.id)
        .bind(row.due_at)
        .bind(&row.kind)
        .bind(&row.payload)
        .execute(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn delete_timer(&mut self, id: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM timer WHERE timer_id = $1")
            .bind(id)
            .execute(&mut *self.inner)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn due_timers(&mut self, now: i64, limit: i64) -> Result<Vec<TimerRow>, StoreError> {
        let rows: Vec<TimerRecord> =
            sqlx::query_as("SELECT timer_id, due_at, kind, payload FROM timer WHERE due_at <= $1 ORDER BY due_at, timer_id LIMIT $2")
                .bind(now)
                .bind(limit)
                .fetch_all(&mut *self.inner)
                .await
                .map_err(map_err)?;
        Ok(rows.into_iter().map(timer_of).collect())
    }

    async fn timer(&mut self, id: &str) -> Result<Option<TimerRow>, StoreError> {
        let row: Option<TimerRecord> =
            sqlx::query_as("SELECT timer_id, due_at, kind, payload FROM timer WHERE timer_id = $1")
                .bind(id)
                .fetch_optional(&mut *self.inner)
                .await
                .map_err(map_err)?;
        Ok(row.map(timer_of))
    }

    async fn next_timer_due(&mut self) -> Result<Option<i64>, StoreError> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT due_at FROM timer ORDER BY due_at LIMIT 1")
                .fetch_optional(&mut *self.inner)
                .await
                .map_err(map_err)?;
        Ok(row.map(|r| r.0))
    }
}

/// The full-text query of `terms` in the adapter's syntax: every term (or any), the
/// last one as a prefix when asked.
fn answer_match(terms: &[&str], last_is_prefix: bool, any: bool) -> String {
    let (open, close, prefixed) = ANSWER_TERM;
    let (all, one) = ANSWER_JOIN;
    let last = terms.len().saturating_sub(1);
    terms
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let end = if last_is_prefix && i == last {
                prefixed
            } else {
                close
            };
            format!("{open}{t}{end}")
        })
        .collect::<Vec<_>>()
        .join(if any { one } else { all })
}

#[async_trait::async_trait]
impl SearchTx for Tx {
    async fn index_answer_text(&mut self, row: &AnswerTextRow) -> Result<(), StoreError> {
        self.unindex_answer(&row.answer_id, Some((&row.language, &row.kind)))
            .await?;
        sqlx::query(
            "INSERT INTO answer_search (answer_id, language, kind, name, body) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&row.answer_id)
        .bind(&row.language)
        .bind(&row.kind)
        .bind(&row.name)
        .bind(&row.body)
        .execute(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn unindex_answer(
        &mut self,
        answer_id: &str,
        text: Option<(&str, &str)>,
    ) -> Result<(), StoreError> {
        let (language, kind) = text.unzip();
        sqlx::query(
            "DELETE FROM answer_search WHERE answer_id = $1 AND ($2 IS NULL OR (language = $2 AND kind = $3))",
        )
        .bind(answer_id)
        .bind(language)
        .bind(kind)
        .execute(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn search_answers(&mut self, query: &AnswerQuery) -> Result<Vec<AnswerHit>, StoreError> {
        // Terms are folded words; anything else would be read as query syntax.
        let terms: Vec<&str> = query
            .terms
            .iter()
            .map(String::as_str)
            .filter(|t| !t.is_empty() && t.chars().all(char::is_alphanumeric))
            .collect();
        if terms.is_empty() || terms.len() != query.terms.len() {
            return Ok(Vec::new());
        }
        let rows: Vec<(String, String, String, f64)> = sqlx::query_as(ANSWER_SEARCH)
            .bind(answer_match(&terms, query.last_is_prefix, query.any_term))
            .bind(&query.language)
            .bind(query.kinds.join(","))
            .bind(query.limit)
            .fetch_all(&mut *self.inner)
            .await
            .map_err(map_err)?;
        Ok(rows
            .into_iter()
            .map(|(answer_id, language, kind, score)| AnswerHit {
                answer_id,
                language,
                kind,
                score,
            })
            .collect())
    }

    async fn set_answer_words(
        &mut self,
        answer_id: &str,
        words: &[String],
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM answer_word WHERE answer_id = $1")
            .bind(answer_id)
            .execute(&mut *self.inner)
            .await
            .map_err(map_err)?;
        for chunk in words.chunks(200) {
            let mut insert =
                sqlx::QueryBuilder::<super::Db>::new("INSERT INTO answer_word (word, answer_id) ");
            insert.push_values(chunk, |mut row, word| {
                row.push_bind(word).push_bind(answer_id);
            });
            insert.push(" ON CONFLICT DO NOTHING");
            insert
                .build()
                .execute(&mut *self.inner)
                .await
                .map_err(map_err)?;
        }
        Ok(())
    }

    async fn answer_words(
        &mut self,
        min: i64,
        max: i64,
        limit: i64,
    ) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT DISTINCT word FROM answer_word WHERE length(word) BETWEEN $1 AND $2 ORDER BY word LIMIT $3",
        )
        .bind(min)
        .bind(max)
        .bind(limit)
        .fetch_all(&mut *self.inner)
        .await
        .map_err(map_err)?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    async fn answer_texts_indexed(&mut self) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM answer_search")
            .fetch_one(&mut *self.inner)
            .await
            .map_err(map_err)?;
        Ok(n)
    }
}

#[async_trait::async_trait]
impl StoreTx for Tx {
    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.inner.commit().await.map_err(map_err)
    }
}
