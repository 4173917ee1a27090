-- Tasks: internal work attached to a customer, routed separately (R56-R58).
CREATE TABLE task (
    task_id     TEXT    PRIMARY KEY,
    customer_id TEXT    NOT NULL,
    inbox_id    TEXT    NOT NULL,
    agent_id    TEXT,
    status      TEXT    NOT NULL,
    due_at      BIGINT  NOT NULL,
    created_at  BIGINT  NOT NULL,
    version     BIGINT  NOT NULL,
    doc         TEXT    NOT NULL
);
CREATE INDEX task_customer ON task (customer_id, created_at);
CREATE INDEX task_queue ON task (inbox_id, status, agent_id, due_at);
