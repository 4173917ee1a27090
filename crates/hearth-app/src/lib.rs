//! Hearth's use cases: load, decide, persist events and projections in one
//! transaction. This crate owns the ports ([`ports::Store`], [`clock::Clock`]), the
//! versioned codec that turns domain state and events into the JSON text both
//! storage adapters keep ([`codec`]), and [`App`], the one entry point the HTTP edge
//! and the binary call.
//!
//! It must not know SQL or HTTP: adapters implement the ports, `hearth-http` maps
//! [`AppError`] to Gladly's error body.

pub mod clock;
pub mod codec;
pub mod error;
pub mod gladly_events;
pub mod ports;
pub mod rebuild;
pub mod routing;
pub mod seed;
pub mod service;
pub mod timers;

pub use clock::{Clock, SystemClock};
pub use error::AppError;
pub use service::App;
