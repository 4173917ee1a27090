-- Persisted timers: offer timeouts, routing delays, same-agent limits. A timer's id
-- names what it is for, so re-arming one replaces it.

CREATE TABLE timer (
    timer_id   TEXT    PRIMARY KEY,
    due_at     INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    payload    TEXT    NOT NULL
);
CREATE INDEX timer_due ON timer (due_at, timer_id);
