//! [`App`] and the two transaction shapes every use case runs in.
//!
//! `App` owns the store, the clock, this instance's routing state, and the outlets a
//! commit wakes (the live-stream bus). It holds no use case: those are `impl App`
//! blocks in `service/`, and a write goes through [`crate::pipeline`].
//!
//! `write_tx!` opens a write transaction, takes the routing lock first, runs the
//! body, commits, and retries from the start when it lost a race (a stale version, a
//! unique key taken meanwhile). `read_tx!` runs a body in a read transaction.

use std::sync::Arc;

use hearth_domain::Timestamp;
use hearth_domain::config::OrgSettings;
use hearth_routing::Engine;

use crate::Clock;
use crate::error::AppError;
use crate::ports::{EventBus, Store, WebhookPolicy, WebhookSender};
use crate::route::cache::RoutingCache;
use crate::unit_of_work::{load_rate_limit, load_settings};

/// How often a write that lost a race is tried again.
const WRITE_ATTEMPTS: usize = 4;

/// The application: a store and a clock. Cheap to clone.
#[derive(Debug, Clone)]
pub struct App {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    pub(crate) routing: Arc<RoutingCache>,
    bus: Option<Arc<dyn EventBus>>,
    pub(crate) webhooks: Option<(Arc<dyn WebhookSender>, WebhookPolicy)>,
}

/// Runs `$body` (an expression using `$tx: &mut dyn StoreTx`) in a write
/// transaction, committing on success and retrying on contention.
macro_rules! write_tx {
    ($app:expr, |$tx:ident| $body:expr) => {{
        let mut attempt = 0usize;
        loop {
            attempt += 1;
            let mut boxed = $app.store().begin().await?;
            // Lock order: the routing lock first, then rows. Every write may change
            // what routing knows, so every write takes it.
            let result = match boxed.lock_routing().await {
                Ok(()) => {
                    let $tx: &mut dyn $crate::ports::StoreTx = &mut *boxed;
                    // An async block, so that `return` in the body ends the body and
                    // still reaches the commit below.
                    let body: Result<_, $crate::error::AppError> = async { $body }.await;
                    body
                }
                Err(e) => Err($crate::error::AppError::from(e)),
            };
            // Routing inputs applied in memory during the transaction count only if
            // it commits; otherwise the routing cache is rebuilt from the log.
            let result = match result {
                Ok(value) => match boxed.commit().await {
                    Ok(()) => Ok(value),
                    Err(e) => Err($crate::error::AppError::from(e)),
                },
                Err(e) => Err(e),
            };
            $app.routing.settle(result.is_ok());
            if result.is_ok() {
                $app.published();
            }
            match result {
                Ok(value) => break Ok(value),
                Err($crate::error::AppError::Contention)
                    if attempt < $crate::app::write_attempts() =>
                {
                    continue;
                }
                Err($crate::error::AppError::Contention) => {
                    break Err($crate::error::AppError::Unavailable);
                }
                Err(e) => break Err(e),
            }
        }
    }};
}
pub(crate) use write_tx;

/// Runs `$body` in a read transaction.
macro_rules! read_tx {
    ($app:expr, |$tx:ident| $body:expr) => {{
        let mut boxed = $app.store().read().await?;
        let $tx: &mut dyn $crate::ports::StoreTx = &mut *boxed;
        let result: Result<_, $crate::error::AppError> = async { $body }.await;
        drop(boxed);
        result
    }};
}
pub(crate) use read_tx;

pub(crate) fn write_attempts() -> usize {
    WRITE_ATTEMPTS
}

impl App {
    /// An application over a store and a clock.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        App {
            store,
            clock,
            routing: Arc::new(RoutingCache::default()),
            bus: None,
            webhooks: None,
        }
    }

    /// The same application, waking `bus` after every committed write.
    pub fn with_bus(mut self, bus: Arc<dyn EventBus>) -> Self {
        self.bus = Some(bus);
        self
    }

    /// Called after a write committed.
    pub(crate) fn published(&self) {
        if let Some(bus) = &self.bus {
            bus.published();
        }
    }

    /// The store (for health checks and tests).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The current instant.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Runs `f` on this instance's routing state as of its last catch-up with the log.
    pub fn with_engine<T>(&self, f: impl FnOnce(&Engine) -> T) -> T {
        self.routing.with_engine(f)
    }

    /// Whether the database answers (`/readyz`).
    pub async fn ready(&self) -> Result<(), AppError> {
        self.store.ping().await.map_err(AppError::from)
    }

    /// API requests per second per credential the organization allows (0: no limit).
    pub async fn rate_limit(&self) -> Result<u32, AppError> {
        read_tx!(self, |tx| load_rate_limit(tx).await)
    }

    /// The organization settings (defaults until an admin changes them).
    pub async fn settings(&self) -> Result<OrgSettings, AppError> {
        read_tx!(self, |tx| load_settings(tx).await)
    }
}
