//! The one versioned serde codec. Domain types are not `Serialize`; this module maps
//! them to the JSON text that both storage adapters keep (`doc` columns and event
//! payloads) and back. These are stored shapes only (ADR 4): what clients see is
//! rendered from the domain by `gladly`, so the two can change apart.
//!
//! Compatibility rule: fields are only ever added (with defaults); a breaking change
//! bumps [`PAYLOAD_VERSION`] and keeps a reader for the old version.

mod answers;
mod automation;
mod configuration;
mod contents;
mod conversations;
mod customers;
mod events;
mod instants;
mod items;
mod routing;
mod rules;
mod tasks;

pub use answers::*;
pub use automation::*;
pub use configuration::*;
pub use contents::*;
pub use conversations::*;
pub use customers::*;
pub use events::*;
pub use instants::*;
pub use items::*;
pub use routing::*;
pub use rules::*;
pub use tasks::*;

/// Version written into every event payload.
pub const PAYLOAD_VERSION: u32 = 1;

/// Reads a stored document (a `doc` column or an event payload).
pub fn read<T: serde::de::DeserializeOwned>(doc: &str) -> Result<T, serde_json::Error> {
    serde_json::from_str(doc)
}

/// Writes a stored document.
pub fn write<T: serde::Serialize>(doc: &T) -> Result<String, serde_json::Error> {
    serde_json::to_string(doc)
}
