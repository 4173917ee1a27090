//! Email: the SMTP listener, the raw MIME upload, reading kept messages into items,
//! and sending the outbox's emails through a relay.

pub mod address;
pub mod http;
pub mod imap;
pub mod ingest;
pub mod parse;
pub mod send;
pub mod smtp;
