//! HTTP-level tests of the first API slice, in process (`Router::oneshot`), on a
//! fresh SQLite database and, when configured, a fresh PostgreSQL database.

mod admin;
mod answers;
mod automation;
mod conversations;
mod due;
mod errors;
mod fidelity;
mod gladly;
mod harness;
mod inbound;
mod openapi;
mod permissions;
mod redaction;
mod routing;
mod rules;
mod tasks;
mod timers;
mod ui;
mod webhooks;
