-- A mailbox poller asks whether it kept a message already (its source names the
-- mailbox, UIDVALIDITY and UID), so a restart between keeping and flagging it
-- reads it once.
CREATE INDEX inbound_raw_source ON inbound_raw (source);
