//! The routing engine: one scenario per rule an agent can observe, property tests
//! of its invariants, and snapshots of decision records.

mod fixture;
mod properties;
mod rules;
mod snapshots;
