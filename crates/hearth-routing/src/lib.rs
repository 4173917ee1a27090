//! Hearth's routing engine: a pure, deterministic function from a routing state
//! (agents, availability, capacity, offers, routable units) and an input to
//! decisions, each with its candidates, their eligibility reasons and scores, the
//! rule that chose, and the winner (DESIGN section 4, `GLADLY-BEHAVIOUR.md` section 6).
//!
//! It must not do IO, read the clock or draw random numbers: `now` and an id supply
//! come in with every call. Iteration is over `BTreeMap`s and sorted keys only, so the
//! same state and input always give the same decisions.
//!
//! Start at [`Engine::handle`]. The model is in [`model`]; ordering and eligibility,
//! the two places most rules live, are [`model::OrderKey`] and
//! [`Engine::eligibility`].
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

mod engine;
pub mod model;

pub use engine::Engine;
pub use hearth_domain::channel::Group;
pub use model::*;
