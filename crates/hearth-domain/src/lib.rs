//! Hearth's pure domain: customers, conversations, contacts, items, tasks and the
//! configuration they refer to, plus the conversation state machine.
//!
//! This crate owns the business rules of `GLADLY-BEHAVIOUR.md` (R1-R13, R30, R32,
//! R48-R55, R60-R62 and the transition table T1-T29) and the per-channel action
//! table. It must not do IO, read the clock or draw random numbers: time comes in as
//! `now` in a [`conversation::Context`], ids come in with commands.
//!
//! Start reading at [`conversation`]: `decide(state, command, ctx) -> events` and
//! `Conversation::apply(event)`; the state is always a fold of its events.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

pub mod actions;
pub mod calendar;
pub mod channel;
pub mod config;
pub mod conversation;
pub mod customer;
pub mod error;
pub mod id;
pub mod item;
pub mod outbound;
pub mod placeholders;
pub mod rules;
pub mod task;

pub use error::DomainError;

/// A UTC instant. Hearth keeps millisecond precision everywhere.
pub type Timestamp = time::OffsetDateTime;
/// A span of time; every duration setting has one-second resolution.
pub type Duration = time::Duration;
