//! Gladly's REST API v1 dialect, in one place: the shapes Hearth answers with and
//! sends (responses, webhook and `/events` bodies, export lines) and the reading of
//! request bodies into typed commands. Use cases under `service/` take those typed
//! commands and return domain values or read models; the HTTP edge, webhooks and
//! export turn them into these shapes here.
//!
//! - [`fields`]: the one field kit for request bodies;
//! - [`events`]: the Gladly form of a stored event;
//! - [`exports`]: export file lines and the schedule;
//! - [`admin`]: the admin API's resources and settings;
//! - [`agents`]: the agent and supervisor endpoints;
//! - [`conversations`]: conversations, items and customers as the API shows them;
//! - [`customers`]: customer profiles as clients write them;
//! - [`directory`]: agents, inboxes, teams and topics;
//! - [`inbound`]: a contact arriving on any channel;
//! - [`items`]: conversation items as clients write them;
//! - [`replies`]: an agent's reply to a customer message;
//! - [`reports`]: report rows from the event log;
//! - [`routing`]: offers and routing decisions;
//! - [`tasks`]: tasks and their comments;
//! - [`webhooks`]: webhooks, their deliveries and the PING.

pub mod admin;
pub mod agents;
pub mod answers;
pub mod automation;
pub mod conversations;
pub mod customers;
pub mod directory;
pub mod events;
pub mod exports;
pub mod fields;
pub mod inbound;
pub mod items;
pub mod replies;
pub mod reports;
pub mod routing;
pub mod rules;
pub mod tasks;
pub mod webhooks;
