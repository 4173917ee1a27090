-- Hearth schema, SQLite. Append-only: never edit a released migration.
-- Instants are Unix milliseconds (INTEGER); ids are TEXT; `doc`/`payload` hold the
-- JSON text of hearth-app's codec. Queryable columns copy fields of `doc`.

CREATE TABLE resource (
    kind        TEXT    NOT NULL,
    resource_id TEXT    NOT NULL,
    unique_key  TEXT,
    doc         TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (kind, resource_id)
);
CREATE UNIQUE INDEX resource_unique_key ON resource (kind, unique_key) WHERE unique_key IS NOT NULL;

CREATE TABLE api_token (
    api_token_id TEXT    PRIMARY KEY,
    agent_id     TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    label        TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER
);
CREATE INDEX api_token_agent ON api_token (agent_id, label);

CREATE TABLE customer (
    customer_id TEXT    PRIMARY KEY,
    name        TEXT,
    doc         TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- Emails, mobile numbers and opaque sender ids: each points at one customer.
CREATE TABLE customer_identity (
    kind        TEXT NOT NULL,
    value       TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    PRIMARY KEY (kind, value)
);
CREATE INDEX customer_identity_customer ON customer_identity (customer_id);

CREATE TABLE conversation (
    conversation_id TEXT    PRIMARY KEY,
    customer_id     TEXT    NOT NULL,
    inbox_id        TEXT    NOT NULL,
    agent_id        TEXT,
    status          TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    closed_at       INTEGER,
    due_at          INTEGER,
    version         INTEGER NOT NULL,
    doc             TEXT    NOT NULL
);
-- R2: a customer has at most one conversation that is not CLOSED.
CREATE UNIQUE INDEX conversation_one_open ON conversation (customer_id) WHERE status <> 'CLOSED';
CREATE INDEX conversation_customer ON conversation (customer_id, created_at);
CREATE INDEX conversation_queue ON conversation (inbox_id, status, agent_id, due_at);

CREATE TABLE contact (
    contact_id      TEXT    PRIMARY KEY,
    conversation_id TEXT    NOT NULL,
    channel         TEXT    NOT NULL,
    started_at      INTEGER NOT NULL,
    ended_at        INTEGER,
    due_at          INTEGER,
    fulfilment      TEXT
);
CREATE INDEX contact_conversation ON contact (conversation_id, started_at);

CREATE TABLE conversation_item (
    item_seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id         TEXT    NOT NULL UNIQUE,
    conversation_id TEXT,
    customer_id     TEXT    NOT NULL,
    at              INTEGER NOT NULL,
    doc             TEXT    NOT NULL
);
CREATE INDEX conversation_item_timeline ON conversation_item (conversation_id, at, item_seq);
CREATE INDEX conversation_item_customer ON conversation_item (customer_id, at);

CREATE TABLE event (
    event_seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id       TEXT    NOT NULL UNIQUE,
    at             INTEGER NOT NULL,
    event_type     TEXT    NOT NULL,
    aggregate_type TEXT    NOT NULL,
    aggregate_id   TEXT    NOT NULL,
    initiator_type TEXT,
    initiator_id   TEXT,
    payload        TEXT    NOT NULL
);
CREATE INDEX event_aggregate ON event (aggregate_type, aggregate_id, event_seq);
CREATE INDEX event_at ON event (at);

CREATE TABLE inbound_message (
    provider_message_id TEXT    PRIMARY KEY,
    response            TEXT    NOT NULL,
    created_at          INTEGER NOT NULL
);

CREATE TABLE outbox (
    outbox_id       TEXT    PRIMARY KEY,
    channel         TEXT    NOT NULL,
    conversation_id TEXT,
    item_id         TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER
);
CREATE INDEX outbox_pending ON outbox (status, next_attempt_at);
CREATE INDEX outbox_item ON outbox (item_id);
