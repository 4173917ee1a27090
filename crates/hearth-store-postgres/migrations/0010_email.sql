-- What channels receive, kept as it came before it is acknowledged (a crash after
-- the acknowledgement loses nothing: the row is ingested on the next start), and
-- the message ids email threads by, Hearth's own and its customers'.
CREATE TABLE inbound_raw (
    raw_id      TEXT    PRIMARY KEY,
    channel     TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    sender      TEXT,
    received_at BIGINT  NOT NULL,
    bytes       BYTEA    NOT NULL,
    status      TEXT    NOT NULL,
    detail      TEXT,
    customer_id TEXT,
    item_id     TEXT
);
CREATE INDEX inbound_raw_status ON inbound_raw (status, received_at);
CREATE INDEX inbound_raw_sender ON inbound_raw (sender, received_at);
CREATE INDEX inbound_raw_customer ON inbound_raw (customer_id);

CREATE TABLE message_ref (
    message_id      TEXT    PRIMARY KEY,
    customer_id     TEXT    NOT NULL,
    conversation_id TEXT,
    item_id         TEXT    NOT NULL,
    refs            TEXT    NOT NULL,
    at              BIGINT  NOT NULL
);
CREATE INDEX message_ref_item ON message_ref (item_id);
CREATE INDEX message_ref_customer ON message_ref (customer_id, at);

-- Why the last attempt to send failed, and the Message-ID the message goes out with.
ALTER TABLE outbox ADD COLUMN detail TEXT;
ALTER TABLE outbox ADD COLUMN message_id TEXT;
