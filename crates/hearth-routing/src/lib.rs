//! Hearth's routing engine: a pure, deterministic function from a routing state
//! (agents, availability, capacity, offers, routable units) and an input to
//! decisions with recorded reasons (DESIGN section 4).
//!
//! It must not do IO, read the clock or draw random numbers. The engine itself
//! arrives with the routing issue; this crate exists now so the dependency
//! direction (`hearth-app -> hearth-routing -> hearth-domain`) is fixed from the
//! start.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

pub use hearth_domain::channel::Group;
