//! Hearth's channel adapters: each turns a provider's input into the one ingestion
//! use case (`App::receive`) and drains the outbox for its channel
//! (`App::claim_outgoing`, `App::settle_outgoing`). The binary wires them; the use
//! cases know no provider.

pub mod chat;
pub mod email;
