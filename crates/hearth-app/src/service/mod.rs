//! The use cases, one module per domain noun. Each is an `impl App` block: a read
//! runs in `read_tx!`, a write in `write_tx!` and goes through the write pipeline
//! ([`crate::pipeline`]). Loading and storing aggregates is
//! [`crate::unit_of_work`]'s.

pub mod admin;
mod agents;
pub mod auth;
pub(crate) mod conversations;
mod customers;
pub mod directory;
pub mod export;
mod inbound;
pub mod reports;
pub mod stream;
pub mod tasks;
mod timers;
pub mod webhooks;

pub use crate::app::App;
pub use crate::unit_of_work::{SETTINGS_ID, kind};
pub use agents::{ActionResult, AgentBoardLine, Availability, MyCustomer, NextWork, QueueLine};
pub use auth::Caller;
pub use conversations::{PatchConversation, ReplyRequest};
pub use customers::{CustomerQuery, CustomerRef, FIND_CAP};
pub use inbound::{InboundRequest, InboundResponse};
