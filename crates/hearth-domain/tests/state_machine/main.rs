//! The conversation state machine, row by row: one test per transition of
//! `GLADLY-BEHAVIOUR.md` section 4.2 (T1-T29), one per row of the action table of
//! section 5, and property tests over random command sequences.

mod actions;
mod fixture;
mod outbound;
mod properties;
mod transitions;
