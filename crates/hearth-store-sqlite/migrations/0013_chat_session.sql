-- Chat sessions of the web widget: the resume token (only its hash is kept) leads
-- back to the session, its customer and the identity they chat as.
CREATE TABLE chat_session (
    session_id   TEXT    PRIMARY KEY,
    token_hash   TEXT    NOT NULL UNIQUE,
    entry_point  TEXT    NOT NULL,
    customer_id  TEXT,
    visitor      TEXT    NOT NULL,
    name         TEXT,
    created_at   INTEGER  NOT NULL,
    last_seen_at INTEGER  NOT NULL,
    ended_at     INTEGER,
    ended_by     TEXT
);
CREATE INDEX chat_session_customer ON chat_session (customer_id);
