-- Snapshots of the routing state: the engine as of a position of the routing log,
-- so a start replays only the log after the newest one. Only the newest is kept.
CREATE TABLE routing_snapshot (
    routing_seq INTEGER PRIMARY KEY,
    taken_at    INTEGER NOT NULL,
    doc         TEXT    NOT NULL
);
