//! This instance's routing state: an [`Engine`] that is the replay of the routing
//! log up to `last_seq`. Inputs applied inside a write transaction taint it until
//! the transaction ends; one that does not commit makes the cache start over from
//! the log (see `docs/adr/0003-routing-state-is-a-replayed-log.md`).

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use hearth_domain::conversation::IdSource;
use hearth_domain::id::AgentId;
use hearth_domain::{Duration, Timestamp};
use hearth_routing::{Decision, Engine, Input};

use super::log_codec::decode;
use super::translate::next_refusal;
use crate::codec::from_ms;
use crate::error::AppError;
use crate::ports::StoreTx;

/// Inputs read per catch-up page.
const CATCH_UP_PAGE: i64 = 500;

#[derive(Debug, Default)]
struct CacheState {
    engine: Engine,
    last_seq: i64,
    /// Inputs of an uncommitted transaction have been applied.
    tainted: bool,
}

/// The in-memory routing state of this instance.
#[derive(Debug, Default)]
pub struct RoutingCache {
    state: Mutex<CacheState>,
    /// When each agent's away timer was last armed for (R40), per instance.
    away: Mutex<BTreeMap<AgentId, Timestamp>>,
}

/// Offer ids derived from the input's log position, so a replay makes the same ids.
struct SeqIds {
    seq: i64,
    n: u32,
}

impl IdSource for SeqIds {
    fn next_id(&mut self) -> String {
        self.n += 1;
        format!("r{}o{}", self.seq, self.n)
    }
}

impl RoutingCache {
    fn lock(&self) -> MutexGuard<'_, CacheState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on the engine as of the last catch-up with the log.
    pub fn with_engine<T>(&self, f: impl FnOnce(&Engine) -> T) -> T {
        f(&self.lock().engine)
    }

    /// The position in the routing log the engine has applied up to.
    pub(crate) fn position(&self) -> i64 {
        self.lock().last_seq
    }

    /// Called by `write_tx!` after each attempt: keeps what committed, forgets
    /// (and later rebuilds) what did not.
    pub(crate) fn settle(&self, committed: bool) {
        let mut state = self.lock();
        if state.tainted {
            if committed {
                state.tainted = false;
            } else {
                *state = CacheState::default();
            }
        }
    }

    /// Applies the committed routing inputs this instance has not seen yet.
    pub(crate) async fn catch_up(&self, tx: &mut dyn StoreTx) -> Result<(), AppError> {
        loop {
            let last = self.lock().last_seq;
            let page = tx.routing_inputs_after(last, CATCH_UP_PAGE).await?;
            if page.is_empty() {
                return Ok(());
            }
            let mut state = self.lock();
            for (seq, at, raw) in page {
                if seq <= state.last_seq {
                    continue;
                }
                let input = decode(&raw)?;
                // Only accepted inputs are logged, so a replay is never refused.
                let _ = state
                    .engine
                    .handle(input, from_ms(at), &mut SeqIds { seq, n: 0 });
                state.last_seq = seq;
            }
        }
    }

    /// Applies an input that was just logged at `seq` (inside the transaction that
    /// logged it) and returns the engine's decisions.
    pub(crate) fn apply(
        &self,
        seq: i64,
        input: Input,
        now: Timestamp,
    ) -> Result<Vec<Decision>, AppError> {
        let mut state = self.lock();
        state.tainted = true;
        state.last_seq = seq;
        state
            .engine
            .handle(input, now, &mut SeqIds { seq, n: 0 })
            .map_err(next_refusal)
    }

    /// Whether the away timer must be re-armed for `due` (it was armed for an
    /// earlier moment by more than a tenth of the window); records the new moment.
    pub(crate) fn away_rearm_needed(
        &self,
        agent: &AgentId,
        due: Timestamp,
        window: Duration,
    ) -> bool {
        let mut armed = self.away.lock().unwrap_or_else(|e| e.into_inner());
        let stale = armed.get(agent).is_none_or(|at| due - *at >= window / 10);
        if stale {
            armed.insert(agent.clone(), due);
        }
        stale
    }
}
