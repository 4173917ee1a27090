//! Hearth's use cases: load, decide, persist events and projections in one
//! transaction. This crate owns the ports ([`ports::Store`], [`clock::Clock`]), the
//! versioned codec that turns domain state and events into the JSON text both
//! storage adapters keep ([`codec`]), and [`App`], the one entry point the HTTP edge
//! and the binary call.
//!
//! It must not know SQL or HTTP: adapters implement the ports, `hearth-http` maps
//! [`AppError`] to Gladly's error body.
//!
//! Floors, each using only those below it:
//! - `service/`: the use cases, one module per domain noun;
//! - [`pipeline`]: decide → persist → timers → route → carry out;
//! - [`route`]: the routing log and this instance's engine;
//! - [`schedule`], [`unit_of_work`]: timer rows; loading and storing aggregates;
//! - [`app`]: the `App` struct and its transaction macros;
//! - [`codec`], [`ports`], [`clock`], [`error`], [`passwords`].

pub mod app;
pub mod clock;
pub mod codec;
pub mod error;
pub mod gladly;
pub mod passwords;
pub mod pipeline;
pub mod ports;
pub mod rebuild;
pub mod route;
pub mod schedule;
pub mod seed;
pub mod service;
pub mod unit_of_work;

pub use app::App;
pub use clock::{Clock, SystemClock};
pub use error::AppError;
