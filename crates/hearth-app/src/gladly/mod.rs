//! Gladly's REST API v1 dialect, in one place: the shapes Hearth answers with and
//! sends (responses, webhook and `/events` bodies, export lines) and the reading of
//! request bodies into typed commands. Use cases under `service/` take those typed
//! commands and return domain values or read models; the HTTP edge, webhooks and
//! export turn them into these shapes here.
//!
//! - [`fields`]: the one field kit for request bodies;
//! - [`events`]: the Gladly form of a stored event;
//! - [`directory`]: agents, inboxes, teams and topics;
//! - [`inbound`]: a contact arriving on any channel;
//! - [`replies`]: an agent's reply to a customer message.

pub mod directory;
pub mod events;
pub mod fields;
pub mod inbound;
pub mod replies;
