//! This instance's routing state: an [`Engine`] that is the replay of the routing
//! log up to `last_seq`, starting from the newest snapshot when there is one.
//! Inputs applied inside a write transaction taint it until the transaction ends;
//! one that does not commit makes the cache start over from the snapshot and the
//! log after it (see `docs/adr/0003-routing-state-is-a-replayed-log.md`).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
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
    /// The newest snapshot was looked for since the state was last empty.
    snapshot_looked_for: bool,
}

/// The in-memory routing state of this instance.
#[derive(Debug, Default)]
pub struct RoutingCache {
    state: Mutex<CacheState>,
    /// When each agent's away timer was last armed for (R40), per instance.
    away: Mutex<BTreeMap<AgentId, Timestamp>>,
    /// Log inputs replayed since this instance started (a measure of start-up and
    /// recovery cost).
    replayed: AtomicU64,
    /// The log position of the newest snapshot this instance loaded or wrote.
    snapshot_seq: AtomicI64,
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

    /// Log inputs replayed since this instance started.
    pub fn replayed(&self) -> u64 {
        self.replayed.load(Ordering::Relaxed)
    }

    /// The routing state as a snapshot document with its log position, when it is
    /// committed state (no write is under way) at least `every` inputs past the
    /// newest snapshot.
    pub(crate) fn snapshot_due(&self, every: i64) -> Result<Option<(i64, String)>, AppError> {
        // A copy is taken under the lock and written out after it, so routing waits
        // for the copy only.
        let (seq, engine) = {
            let state = self.lock();
            let newest = self.snapshot_seq.load(Ordering::Relaxed);
            if state.tainted || state.last_seq == 0 || state.last_seq - newest < every.max(1) {
                return Ok(None);
            }
            (state.last_seq, state.engine.clone())
        };
        Ok(Some((seq, super::snapshot::encode(&engine)?)))
    }

    /// A snapshot at `seq` was written.
    pub(crate) fn snapshot_written(&self, seq: i64) {
        self.snapshot_seq.fetch_max(seq, Ordering::Relaxed);
    }

    /// Applies the committed routing inputs this instance has not seen yet, from
    /// the newest snapshot when the state is empty.
    pub(crate) async fn catch_up(&self, tx: &mut dyn StoreTx) -> Result<(), AppError> {
        let look = {
            let state = self.lock();
            state.last_seq == 0 && !state.snapshot_looked_for
        };
        if look {
            let newest = tx.latest_routing_snapshot().await?;
            let mut state = self.lock();
            state.snapshot_looked_for = true;
            if state.last_seq == 0
                && let Some((seq, doc)) = newest
            {
                match super::snapshot::decode(&doc) {
                    Ok(Some(engine)) => {
                        state.engine = engine;
                        state.last_seq = seq;
                        self.snapshot_seq.fetch_max(seq, Ordering::Relaxed);
                    }
                    Ok(None) => tracing::info!(
                        seq,
                        "a routing snapshot of another version: replaying the whole log"
                    ),
                    Err(e) => {
                        tracing::warn!(seq, error = %e, "a routing snapshot does not read: replaying the whole log")
                    }
                }
            }
        }
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
                self.replayed.fetch_add(1, Ordering::Relaxed);
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
