//! The storage port. Adapters (`hearth-store-sqlite`, `hearth-store-postgres`)
//! implement [`Store`] and [`StoreTx`] over plain row types: ids and keys as text,
//! instants as Unix milliseconds, and the codec's JSON text as `doc`/`payload`.
//! Queryable columns are copies of fields inside `doc`, written in the same
//! statement, so a row never disagrees with itself.
//!
//! Every write happens inside one [`StoreTx`]: events and projections commit
//! together or not at all.

use async_trait::async_trait;

/// What an adapter can fail with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A unique key is held by another row. `key` names it as the adapter checked
    /// it (empty when the database refused a key the adapter did not check for: a
    /// race lost to a concurrent writer, retried as such); `holder` is the other
    /// row's id when known.
    #[error("unique key {key} is held by {holder}")]
    Conflict { key: String, holder: String },
    /// Optimistic concurrency: the row changed since it was read.
    #[error("the row changed since it was read")]
    VersionConflict,
    /// The database cannot be reached.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Anything else.
    #[error("database error: {0}")]
    Other(String),
}

/// Values of stored columns that statements compare against, named once here so
/// that no business word is written into SQL: the adapters bind them.
pub mod stored {
    /// `conversation.status` of a closed conversation (the domain's `Status::Closed`).
    pub const CLOSED: &str = "CLOSED";
    /// `webhook_delivery.status` of a delivery still to be sent.
    pub const PENDING: &str = "PENDING";
    /// `event.aggregate_type` of customer, conversation, routing and task events.
    pub const CUSTOMER_EVENTS: &str = "customer";
    pub const CONVERSATION_EVENTS: &str = "conversation";
    pub const ROUTING_EVENTS: &str = "routing";
    pub const TASK_EVENTS: &str = "task";
    /// `event.aggregate_type` of the due-date events (`CONTACT/DUE_SOON`,
    /// `CONTACT/OVERDUE`): about a conversation, but no change to it.
    pub const SLA_EVENTS: &str = "sla";
    /// The `StoreError::Conflict` key of R2: a customer has at most one conversation
    /// that is not closed.
    pub const ONE_OPEN_CONVERSATION: &str = "one_open_conversation";
    /// `outbox.status` of a message the provider took.
    pub const SENT: &str = "SENT";
    /// `outbox.status` of a message that will not be sent (the reason in `detail`).
    pub const FAILED: &str = "FAILED";
    /// `inbound_raw.status` of a message stored but not yet read into an item.
    pub const RECEIVED: &str = "RECEIVED";
}

/// A configuration resource (agent, inbox, team, entry point, topic, settings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceRow {
    pub kind: String,
    pub id: String,
    /// Unique within `kind` when present (an agent's email, a topic's name, an entry
    /// point's `channel:address`).
    pub unique_key: Option<String>,
    pub doc: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// Starts at 1 and grows with every replacement (the store counts).
    pub version: i64,
}

/// A customer profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRow {
    pub id: String,
    pub name: Option<String>,
    pub doc: String,
    /// The client's own id for the customer; not unique, searchable.
    pub external_customer_id: Option<String>,
    /// What the search box finds the customer by (written, never read back).
    pub search_terms: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A conversation projection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationRow {
    pub id: String,
    pub customer_id: String,
    pub inbox_id: String,
    pub agent_id: Option<String>,
    pub status: String,
    pub created_at: i64,
    pub closed_at: Option<i64>,
    pub due_at: Option<i64>,
    pub version: i64,
    pub doc: String,
}

/// A contact projection (for look-ups by contact id and queue queries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRow {
    pub id: String,
    pub conversation_id: String,
    pub channel: String,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub due_at: Option<i64>,
    pub fulfilment: Option<String>,
}

/// A conversation item projection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRow {
    pub id: String,
    pub conversation_id: Option<String>,
    pub customer_id: String,
    pub at: i64,
    pub doc: String,
}

/// An event to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub id: String,
    pub at: i64,
    pub event_type: String,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub initiator_type: Option<String>,
    pub initiator_id: Option<String>,
    pub payload: String,
}

/// An event read back, with its position in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub seq: i64,
    pub event: EventRow,
}

/// A message waiting to go out on its channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: String,
    pub channel: String,
    pub conversation_id: Option<String>,
    pub item_id: String,
    /// `PENDING`, `SENT` or `FAILED`.
    pub status: String,
    pub payload: String,
    pub created_at: i64,
    /// Attempts made so far.
    pub attempts: i64,
    /// When a PENDING row may be tried (again); `None`: at once.
    pub next_attempt_at: Option<i64>,
    /// Why the last attempt failed.
    pub detail: Option<String>,
    /// The provider-visible id the message goes out with (an email's Message-ID),
    /// fixed before the first attempt so that a retry repeats it.
    pub message_id: Option<String>,
}

/// A message as a channel received it, kept before it is acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawInboundRow {
    pub id: String,
    /// `EMAIL`, ...
    pub channel: String,
    /// Where it came from: `smtp`, `imap:<entry point id>`, `upload`.
    pub source: String,
    /// The sender's address as the channel gave it, for loop detection and erasure.
    pub sender: Option<String>,
    pub received_at: i64,
    pub bytes: Vec<u8>,
    /// `RECEIVED` (not yet read), `INGESTED`, `IGNORED` (a duplicate) or `REVIEW`
    /// (kept for a person to look at; `detail` says why).
    pub status: String,
    pub detail: Option<String>,
    /// The customer and item it became, once read.
    pub customer_id: Option<String>,
    pub item_id: Option<String>,
}

/// A chat session of the web widget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatSessionRow {
    pub id: String,
    /// SHA-256 of the resume token; the token itself is never kept.
    pub token_hash: String,
    /// The CHAT entry point's address.
    pub entry_point: String,
    /// Set once the first message made (or found) the customer.
    pub customer_id: Option<String>,
    /// The address the customer chats as: their email, or a visitor id.
    pub visitor: String,
    pub name: Option<String>,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub ended_at: Option<i64>,
    /// `agent`, `customer` or `timeout`.
    pub ended_by: Option<String>,
    /// When the customer, and an agent, last typed.
    pub customer_typing_at: Option<i64>,
    pub agent_typing_at: Option<i64>,
}

/// A file kept once per content (its id is the SHA-256 of its bytes, in hex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRow {
    pub id: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub created_at: i64,
}

/// A message id a channel threads by (an email's Message-ID), sent or received,
/// and where it belongs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRefRow {
    pub message_id: String,
    pub customer_id: String,
    pub conversation_id: Option<String>,
    pub item_id: String,
    /// The ids this message referred to (an email's References), space-separated.
    pub refs: String,
    pub at: i64,
}

/// A recorded routing decision (the wire document of `GET /conversations/{id}/routing`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingDecisionRow {
    pub id: String,
    pub seq: i64,
    pub at: i64,
    pub unit_id: Option<String>,
    pub agent_id: Option<String>,
    pub doc: String,
}

/// A task projection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRow {
    pub id: String,
    pub customer_id: String,
    pub inbox_id: String,
    pub agent_id: Option<String>,
    pub status: String,
    pub due_at: i64,
    pub created_at: i64,
    pub version: i64,
    pub doc: String,
}

/// One webhook delivery (and its log entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRow {
    pub id: String,
    pub webhook_id: String,
    pub event_id: String,
    pub event_type: String,
    pub body: String,
    /// PENDING, DELIVERED or FAILED.
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: Option<i64>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What the binary tells the app about webhook targets.
#[derive(Debug, Clone, Copy, Default)]
pub struct WebhookPolicy {
    /// `HEARTH_WEBHOOKS_ALLOW_INSECURE=1`: `http://` and loopback targets are allowed.
    pub allow_insecure: bool,
}

/// Sends webhook requests (the HTTP client lives at the edge).
#[async_trait]
pub trait WebhookSender: Send + Sync + std::fmt::Debug {
    /// POSTs `body` as JSON with `headers` (and Basic credentials when given);
    /// returns the status code, or why no answer came within `timeout`.
    async fn post(
        &self,
        url: &str,
        basic: Option<(String, String)>,
        headers: Vec<(String, String)>,
        body: String,
        timeout: std::time::Duration,
    ) -> Result<u16, String>;

    /// The addresses `host` resolves to now (a webhook's target is checked with
    /// them before it is saved).
    async fn addresses(&self, host: &str, port: u16) -> Result<Vec<std::net::IpAddr>, String>;
}

/// A pending offer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferRow {
    pub id: String,
    pub agent_id: String,
    pub unit_id: String,
    pub doc: String,
    pub expires_at: i64,
}

/// A persisted timer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimerRow {
    /// What the timer is for (`offer:<id>`, `delay:<agent>:<group>`, `contact:<id>`).
    pub id: String,
    pub due_at: i64,
    pub kind: String,
    pub payload: String,
}

/// One text of an answer as the search index holds it. The application folds the
/// words before they get here (lower case, accents and markup gone), so both
/// backends index, and find, the same words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerTextRow {
    pub answer_id: String,
    pub language: String,
    /// `public`, `email`, `messaging` or `reference`.
    pub kind: String,
    /// The answer's name and the text's title.
    pub name: String,
    pub body: String,
}

/// A full-text question to the answer index: every term must occur (any one of
/// them when `any_term`; the last one as a prefix when `last_is_prefix`, for search
/// as one types), in the name or the body, of a text of one of `kinds` (all kinds
/// when empty) and of `language` (any when `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerQuery {
    /// Folded words of letters and digits only.
    pub terms: Vec<String>,
    pub last_is_prefix: bool,
    pub any_term: bool,
    pub kinds: Vec<String>,
    pub language: Option<String>,
    pub limit: i64,
}

/// A text that matched, with the engine's relevance (higher is better; a name
/// match weighs more than a body match).
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerHit {
    pub answer_id: String,
    pub language: String,
    pub kind: String,
    pub score: f64,
}

/// Wakes whoever waits for new events (SSE streams) after a write commits. Other
/// instances' writes are found by the waiters' own catch-up reads.
pub trait EventBus: Send + Sync + std::fmt::Debug {
    /// Something was committed.
    fn published(&self);
}

/// The storage port.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug + 'static {
    /// A write transaction. On SQLite it holds the one writer lock from its start,
    /// so load-decide-persist is serialised; on PostgreSQL concurrent writers are
    /// caught by versions and unique keys.
    async fn begin(&self) -> Result<Box<dyn StoreTx>, StoreError>;
    /// A read-only transaction (a consistent snapshot).
    async fn read(&self) -> Result<Box<dyn StoreTx>, StoreError>;
    /// Whether the database answers.
    async fn ping(&self) -> Result<(), StoreError>;
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// Closes the pools; used on shutdown.
    async fn close(&self);
}

/// Configuration resources (agents, inboxes, entry points, topics, teams, settings,
/// webhooks, export jobs).
#[async_trait]
pub trait ResourceTx: Send {
    async fn resource(&mut self, kind: &str, id: &str) -> Result<Option<ResourceRow>, StoreError>;
    async fn resource_by_key(
        &mut self,
        kind: &str,
        key: &str,
    ) -> Result<Option<ResourceRow>, StoreError>;
    /// All resources of a kind, oldest first.
    async fn resources(&mut self, kind: &str) -> Result<Vec<ResourceRow>, StoreError>;
    /// Inserts or replaces (bumping the version; `row.version` is ignored);
    /// `Conflict` when the unique key is held by another id.
    async fn put_resource(&mut self, row: &ResourceRow) -> Result<(), StoreError>;
    async fn delete_resource(&mut self, kind: &str, id: &str) -> Result<(), StoreError>;
}

/// API tokens and desktop sessions.
#[async_trait]
pub trait CredentialTx: Send {
    /// Revokes every live token of an agent; returns how many.
    async fn revoke_all_tokens(&mut self, agent_id: &str, at: i64) -> Result<u64, StoreError>;
    /// An agent's tokens as `(id, label, created_at, revoked_at)`, oldest first.
    async fn tokens_of(
        &mut self,
        agent_id: &str,
    ) -> Result<Vec<(String, String, i64, Option<i64>)>, StoreError>;
    /// Revokes one token of an agent; `false` when it has none with that id.
    async fn revoke_token(
        &mut self,
        agent_id: &str,
        token_id: &str,
        at: i64,
    ) -> Result<bool, StoreError>;
    /// `(agent id, label, created at)` of a live (unrevoked) token.
    async fn live_token(
        &mut self,
        token_hash: &str,
    ) -> Result<Option<(String, String, i64)>, StoreError>;
    /// Stores a token hash; `label` groups tokens (the start-up token is `startup`).
    async fn insert_token(
        &mut self,
        id: &str,
        agent_id: &str,
        token_hash: &str,
        label: &str,
        at: i64,
    ) -> Result<(), StoreError>;
    /// Revokes an agent's live tokens with this label; returns how many.
    async fn revoke_tokens(
        &mut self,
        agent_id: &str,
        label: &str,
        at: i64,
    ) -> Result<u64, StoreError>;
}

/// Customer profiles, their identities and search terms, erasure.
#[async_trait]
pub trait CustomerTx: Send {
    async fn customer(&mut self, id: &str) -> Result<Option<CustomerRow>, StoreError>;
    async fn customer_by_identity(
        &mut self,
        kind: &str,
        value: &str,
    ) -> Result<Option<String>, StoreError>;
    /// Up to `limit` ids of customers with this external id, last updated first.
    async fn customers_by_external_id(
        &mut self,
        value: &str,
        limit: i64,
    ) -> Result<Vec<String>, StoreError>;
    /// Up to `limit` ids of customers with a search term starting with `prefix`,
    /// in the order of the matching terms.
    async fn search_customers(
        &mut self,
        prefix: &str,
        limit: i64,
    ) -> Result<Vec<String>, StoreError>;
    /// Inserts or replaces a customer, its identities and its search terms; `Conflict` names the
    /// customer that already holds one of them.
    async fn save_customer(
        &mut self,
        row: &CustomerRow,
        identities: &[(String, String)],
    ) -> Result<(), StoreError>;
    /// Forgets a customer: every projection row of the customer, its conversations,
    /// items, contacts, tasks, routing decisions, outbox messages and the webhook
    /// deliveries of their events go, and the payloads of their events become
    /// `tombstone` (ids and types stay, personal data does not). Export files are
    /// the app's to rewrite ([`ExportTx::export_files_mentioning`]).
    async fn erase_customer(
        &mut self,
        customer_id: &str,
        tombstone: &str,
    ) -> Result<(), StoreError>;
    /// Holds a customer against concurrent writers until the transaction ends, so
    /// inbound contacts of one customer queue instead of racing; `false` if absent.
    async fn lock_customer(&mut self, id: &str) -> Result<bool, StoreError>;
}

/// Conversations and their contacts.
#[async_trait]
pub trait ConversationTx: Send {
    /// Non-closed conversations assigned to an agent.
    async fn open_conversations_of_agent(
        &mut self,
        agent_id: &str,
    ) -> Result<Vec<ConversationRow>, StoreError>;
    async fn conversation(&mut self, id: &str) -> Result<Option<ConversationRow>, StoreError>;
    /// Reads a conversation and holds it against concurrent writers until the
    /// transaction ends (`FOR UPDATE` on PostgreSQL; SQLite's writer lock already does).
    async fn conversation_for_update(
        &mut self,
        id: &str,
    ) -> Result<Option<ConversationRow>, StoreError>;
    /// The customer's most recently created conversation.
    async fn latest_conversation(
        &mut self,
        customer_id: &str,
    ) -> Result<Option<ConversationRow>, StoreError>;
    /// A customer's conversations, oldest first, at most `limit`.
    async fn customer_conversations(
        &mut self,
        customer_id: &str,
        limit: i64,
    ) -> Result<Vec<ConversationRow>, StoreError>;
    /// Inserts (`expected_version: None`) or updates a conversation whose stored
    /// version must equal `expected_version`, and replaces its contact rows.
    async fn save_conversation(
        &mut self,
        row: &ConversationRow,
        contacts: &[ContactRow],
        expected_version: Option<i64>,
    ) -> Result<(), StoreError>;
    async fn contact_conversation(
        &mut self,
        contact_id: &str,
    ) -> Result<Option<String>, StoreError>;
    /// Conversations after `after_id` in id order (for rebuild).
    async fn conversations_page(
        &mut self,
        after_id: &str,
        limit: i64,
    ) -> Result<Vec<ConversationRow>, StoreError>;
    /// Non-closed conversations with a due date, after `after_id` in id order (to
    /// re-arm their due-date timers when the rules change).
    async fn conversations_with_due(
        &mut self,
        after_id: &str,
        limit: i64,
    ) -> Result<Vec<ConversationRow>, StoreError>;
    /// `(inbox, due date)` of every non-closed conversation due at or before
    /// `until` (the board's due-soon and overdue counts).
    async fn due_before(&mut self, until: i64) -> Result<Vec<(String, i64)>, StoreError>;
    /// Contacts of a conversation, in start order.
    async fn contacts_of(&mut self, conversation_id: &str) -> Result<Vec<ContactRow>, StoreError>;
}

/// Conversation items and the outbox of messages to send.
#[async_trait]
pub trait ItemTx: Send {
    async fn insert_item(&mut self, row: &ItemRow) -> Result<(), StoreError>;
    async fn item(&mut self, id: &str) -> Result<Option<ItemRow>, StoreError>;
    async fn delete_item(&mut self, id: &str) -> Result<(), StoreError>;
    /// Wipes an item: its document (and its outbox rows' copy) becomes `doc`, the
    /// files linked only to it go, and the raw message it was read from keeps no
    /// bytes.
    async fn redact_item(&mut self, id: &str, doc: &str) -> Result<(), StoreError>;
    /// Items with `start <= at < end`, in time order, after the item `after` (by
    /// position), at most `limit`; returns each with its position.
    async fn items_in_range(
        &mut self,
        start: i64,
        end: i64,
        after: i64,
        limit: i64,
    ) -> Result<Vec<(i64, ItemRow)>, StoreError>;
    /// Items of a conversation in timeline order, at most `limit`.
    async fn items(
        &mut self,
        conversation_id: &str,
        limit: i64,
    ) -> Result<Vec<ItemRow>, StoreError>;
    async fn enqueue_outbox(&mut self, row: &OutboxRow) -> Result<(), StoreError>;
    /// Outbox rows of an item, oldest first.
    async fn outbox_for_item(&mut self, item_id: &str) -> Result<Vec<OutboxRow>, StoreError>;
    /// Outbox rows of a conversation's items, oldest first.
    async fn outbox_for_conversation(
        &mut self,
        conversation_id: &str,
    ) -> Result<Vec<OutboxRow>, StoreError>;
    /// PENDING rows of `channel` due at `now`, oldest first, at most `limit`; rows
    /// another transaction holds are skipped.
    async fn due_outbox(
        &mut self,
        channel: &str,
        now: i64,
        limit: i64,
    ) -> Result<Vec<OutboxRow>, StoreError>;
    /// Writes a row's status, attempts, next attempt, detail and message id.
    async fn update_outbox(&mut self, row: &OutboxRow) -> Result<(), StoreError>;
    /// How many rows of `channel` are PENDING.
    async fn outbox_backlog(&mut self, channel: &str) -> Result<i64, StoreError>;
}

/// What channels received (kept raw before it is acknowledged) and the message ids
/// they thread by.
#[async_trait]
pub trait ChannelTx: Send {
    async fn insert_raw_inbound(&mut self, row: &RawInboundRow) -> Result<(), StoreError>;
    async fn raw_inbound(&mut self, id: &str) -> Result<Option<RawInboundRow>, StoreError>;
    /// Whether a message from `source` was kept.
    async fn raw_inbound_from(&mut self, source: &str) -> Result<bool, StoreError>;
    /// RECEIVED rows, oldest first, at most `limit`; rows another transaction holds
    /// are skipped.
    async fn unread_raw_inbound(&mut self, limit: i64) -> Result<Vec<RawInboundRow>, StoreError>;
    /// Writes a row's status, detail, customer, item and sender (not its bytes).
    async fn settle_raw_inbound(&mut self, row: &RawInboundRow) -> Result<(), StoreError>;
    /// How many messages `sender` sent on `channel` at or after `since`.
    async fn raw_inbound_count_since(
        &mut self,
        channel: &str,
        sender: &str,
        since: i64,
    ) -> Result<i64, StoreError>;
    /// Records a message id; a known one is left as it is.
    async fn insert_message_ref(&mut self, row: &MessageRefRow) -> Result<(), StoreError>;
    async fn message_ref(&mut self, message_id: &str) -> Result<Option<MessageRefRow>, StoreError>;
    /// The message ids of an item.
    async fn message_refs_of_item(
        &mut self,
        item_id: &str,
    ) -> Result<Vec<MessageRefRow>, StoreError>;
    /// Keeps a file; one with the same id is kept already and left as it is.
    async fn put_blob(&mut self, row: &BlobRow) -> Result<(), StoreError>;
    /// Records that an item shows a file.
    async fn link_blob(&mut self, item_id: &str, blob_id: &str) -> Result<(), StoreError>;
    /// A file, if `item_id` shows it.
    async fn blob_of_item(
        &mut self,
        item_id: &str,
        blob_id: &str,
    ) -> Result<Option<BlobRow>, StoreError>;
    async fn insert_chat_session(&mut self, row: &ChatSessionRow) -> Result<(), StoreError>;
    async fn chat_session(&mut self, id: &str) -> Result<Option<ChatSessionRow>, StoreError>;
    async fn chat_session_by_token(
        &mut self,
        token_hash: &str,
    ) -> Result<Option<ChatSessionRow>, StoreError>;
    /// Writes a session's customer, last sighting, end and typing times.
    async fn update_chat_session(&mut self, row: &ChatSessionRow) -> Result<(), StoreError>;
    /// The open sessions of a customer, newest first.
    async fn open_chat_sessions(
        &mut self,
        customer_id: &str,
    ) -> Result<Vec<ChatSessionRow>, StoreError>;
    /// Open sessions last seen before `before`, oldest first, at most `limit`;
    /// sessions another transaction holds are skipped.
    async fn stale_chat_sessions(
        &mut self,
        before: i64,
        limit: i64,
    ) -> Result<Vec<ChatSessionRow>, StoreError>;
    /// The newest message id recorded in a conversation.
    async fn latest_message_ref(
        &mut self,
        conversation_id: &str,
    ) -> Result<Option<MessageRefRow>, StoreError>;
}

/// Export files.
#[async_trait]
pub trait ExportTx: Send {
    async fn put_export_file(
        &mut self,
        job_id: &str,
        filename: &str,
        content: &str,
    ) -> Result<(), StoreError>;
    async fn export_file(
        &mut self,
        job_id: &str,
        filename: &str,
    ) -> Result<Option<String>, StoreError>;
    /// Export files whose content contains `needle` (matched literally), as
    /// `(job_id, filename, content)`.
    async fn export_files_mentioning(
        &mut self,
        needle: &str,
    ) -> Result<Vec<(String, String, String)>, StoreError>;
    async fn delete_export_files(&mut self, job_id: &str) -> Result<(), StoreError>;
}

/// The event log and the record of inbound provider message ids.
#[async_trait]
pub trait EventTx: Send {
    async fn append_events(&mut self, events: &[EventRow]) -> Result<(), StoreError>;
    /// Events with `start <= at < end` after `after_seq`, in log order, at most `limit`.
    async fn events_in_range(
        &mut self,
        start: i64,
        end: i64,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<StoredEvent>, StoreError>;
    /// The events of one aggregate, in log order.
    async fn events_of(
        &mut self,
        aggregate_type: &str,
        aggregate_id: &str,
    ) -> Result<Vec<StoredEvent>, StoreError>;
    /// Rewrites a stored event's payload (redaction: the log must not keep what
    /// was wiped).
    async fn replace_event_payload(
        &mut self,
        event_id: &str,
        payload: &str,
    ) -> Result<(), StoreError>;
    /// The position of the newest event (0 when the log is empty).
    async fn last_event_seq(&mut self) -> Result<i64, StoreError>;
    /// Events after `after_seq` in log order, at most `limit`.
    async fn events_page(
        &mut self,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<StoredEvent>, StoreError>;
    /// The recorded response to an inbound message with this provider id.
    async fn inbound_response(
        &mut self,
        provider_message_id: &str,
    ) -> Result<Option<String>, StoreError>;
    async fn record_inbound(
        &mut self,
        provider_message_id: &str,
        response: &str,
        at: i64,
    ) -> Result<(), StoreError>;
}

/// The routing lock, log, decisions and offers.
#[async_trait]
pub trait RoutingTx: Send {
    /// Serialises routing across instances: every write that may change what routing
    /// knows takes this first, before any row lock (a no-op on SQLite, whose one
    /// writer already serialises).
    async fn lock_routing(&mut self) -> Result<(), StoreError>;
    /// Appends a routing input; returns its position in the routing log.
    async fn append_routing_input(&mut self, at: i64, input: &str) -> Result<i64, StoreError>;
    /// Routing inputs after `after`, as `(seq, at, input)`, at most `limit`.
    async fn routing_inputs_after(
        &mut self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<(i64, i64, String)>, StoreError>;
    /// Keeps a snapshot of the routing state as of log position `seq` (replacing
    /// older ones).
    async fn put_routing_snapshot(
        &mut self,
        seq: i64,
        at: i64,
        doc: &str,
    ) -> Result<(), StoreError>;
    /// The newest snapshot, as `(seq, doc)`.
    async fn latest_routing_snapshot(&mut self) -> Result<Option<(i64, String)>, StoreError>;
    async fn insert_routing_decision(&mut self, row: &RoutingDecisionRow)
    -> Result<(), StoreError>;
    /// Decisions about one unit, oldest first.
    async fn routing_decisions(
        &mut self,
        unit_id: &str,
    ) -> Result<Vec<RoutingDecisionRow>, StoreError>;
    async fn put_offer(&mut self, row: &OfferRow) -> Result<(), StoreError>;
    async fn delete_offer(&mut self, id: &str) -> Result<(), StoreError>;
    async fn offers_for_agent(&mut self, agent_id: &str) -> Result<Vec<OfferRow>, StoreError>;
}

/// Tasks.
#[async_trait]
pub trait TaskTx: Send {
    async fn task(&mut self, id: &str) -> Result<Option<TaskRow>, StoreError>;
    /// Holds a task against concurrent writers until the transaction ends.
    async fn task_for_update(&mut self, id: &str) -> Result<Option<TaskRow>, StoreError>;
    /// A customer's tasks, newest first, optionally with one status, at most `limit`.
    async fn customer_tasks(
        &mut self,
        customer_id: &str,
        status: Option<&str>,
        limit: i64,
    ) -> Result<Vec<TaskRow>, StoreError>;
    /// Tasks with `status` after `after_id` in id order, at most `limit` (to re-arm
    /// their due-date timers when the rules change).
    async fn tasks_page(
        &mut self,
        after_id: &str,
        status: &str,
        limit: i64,
    ) -> Result<Vec<TaskRow>, StoreError>;
    /// Inserts (`expected_version: None`, `Conflict` when the id is taken) or updates
    /// a task whose stored version must equal `expected_version`.
    async fn save_task(
        &mut self,
        row: &TaskRow,
        expected_version: Option<i64>,
    ) -> Result<(), StoreError>;
}

/// Webhook deliveries.
#[async_trait]
pub trait DeliveryTx: Send {
    /// Records a delivery unless one exists for the same webhook and event.
    async fn insert_delivery(&mut self, row: &DeliveryRow) -> Result<(), StoreError>;
    async fn update_delivery(&mut self, row: &DeliveryRow) -> Result<(), StoreError>;
    /// PENDING deliveries due at `now`, oldest first, at most `limit`.
    async fn due_deliveries(
        &mut self,
        now: i64,
        limit: i64,
    ) -> Result<Vec<DeliveryRow>, StoreError>;
    /// A webhook's deliveries, newest first, at most `limit`.
    async fn deliveries_of(
        &mut self,
        webhook_id: &str,
        limit: i64,
    ) -> Result<Vec<DeliveryRow>, StoreError>;
}

/// Timers.
#[async_trait]
pub trait TimerTx: Send {
    /// Arms (or re-arms) a timer.
    async fn put_timer(&mut self, row: &TimerRow) -> Result<(), StoreError>;
    async fn delete_timer(&mut self, id: &str) -> Result<(), StoreError>;
    /// Timers due at or before `now`, earliest first, at most `limit`.
    async fn due_timers(&mut self, now: i64, limit: i64) -> Result<Vec<TimerRow>, StoreError>;
    /// One timer by id.
    async fn timer(&mut self, id: &str) -> Result<Option<TimerRow>, StoreError>;
    /// When the earliest timer is due.
    async fn next_timer_due(&mut self) -> Result<Option<i64>, StoreError>;
}

/// The full-text index of answers: SQLite FTS5 or a PostgreSQL `tsvector`, and the
/// words it holds (which let a search forgive a typo).
#[async_trait]
pub trait SearchTx: Send {
    /// Indexes one text, replacing what was indexed for its answer, language and kind.
    async fn index_answer_text(&mut self, row: &AnswerTextRow) -> Result<(), StoreError>;
    /// Forgets the texts of an answer: one (language and kind given) or all.
    async fn unindex_answer(
        &mut self,
        answer_id: &str,
        text: Option<(&str, &str)>,
    ) -> Result<(), StoreError>;
    /// The texts that match, best first.
    async fn search_answers(&mut self, query: &AnswerQuery) -> Result<Vec<AnswerHit>, StoreError>;
    /// Replaces the words an answer's texts hold.
    async fn set_answer_words(
        &mut self,
        answer_id: &str,
        words: &[String],
    ) -> Result<(), StoreError>;
    /// Distinct words of every answer whose length in characters is within
    /// `min..=max`, alphabetically, at most `limit`.
    async fn answer_words(
        &mut self,
        min: i64,
        max: i64,
        limit: i64,
    ) -> Result<Vec<String>, StoreError>;
    /// How many texts the index holds.
    async fn answer_texts_indexed(&mut self) -> Result<i64, StoreError>;
}

/// Operations inside one transaction, sliced by aggregate (`ResourceTx`,
/// `CustomerTx`, `ConversationTx`, ...). After any error the transaction must be
/// dropped, not used further: a failed statement spoils a PostgreSQL transaction,
/// and the adapters promise nothing more on SQLite.
#[async_trait]
pub trait StoreTx:
    ResourceTx
    + CredentialTx
    + CustomerTx
    + ConversationTx
    + ItemTx
    + ExportTx
    + EventTx
    + RoutingTx
    + TaskTx
    + DeliveryTx
    + TimerTx
    + ChannelTx
    + SearchTx
    + Send
{
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

#[cfg(test)]
mod tests {
    use hearth_domain::conversation::Status;

    #[test]
    fn stored_values_are_the_domains() {
        assert_eq!(super::stored::CLOSED, Status::Closed.as_str());
    }
}
