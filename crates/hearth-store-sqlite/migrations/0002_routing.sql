-- Routing: the log of routing inputs (the routing state is their replay), the
-- decision records behind GET /conversations/{id}/routing, and pending offers.

CREATE TABLE routing_input (
    routing_seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    input       TEXT    NOT NULL
);

CREATE TABLE routing_decision (
    routing_decision_id TEXT    PRIMARY KEY,
    routing_seq         INTEGER NOT NULL,
    at                  INTEGER NOT NULL,
    unit_id             TEXT,
    agent_id            TEXT,
    doc                 TEXT    NOT NULL
);
CREATE INDEX routing_decision_unit ON routing_decision (unit_id, routing_seq);

CREATE TABLE offer (
    offer_id   TEXT    PRIMARY KEY,
    agent_id   TEXT    NOT NULL,
    unit_id    TEXT    NOT NULL,
    doc        TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX offer_agent ON offer (agent_id);
