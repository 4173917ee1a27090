//! The PostgreSQL adapter of the [`Store`] port, for several Hearth instances on one
//! database. Transactions run at READ COMMITTED; writers that race are caught by
//! conversation versions (`UPDATE ... WHERE version = $n`) and unique indexes, and
//! the use case retries. Migrations in `migrations/` are embedded and applied on
//! open; a database whose schema is newer than this binary is refused.
//!
//! The SQL shared with SQLite is in `crates/store-common/portable_tx.rs`.

use std::time::Duration;

use async_trait::async_trait;
use hearth_app::ports::{Store, StoreError, StoreTx};
use portable_tx::migration_error;
use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Postgres};

type Db = Postgres;
/// Row locks for read-modify-write on one aggregate.
const FOR_UPDATE: &str = " FOR UPDATE";
/// Claims that other instances' transactions skip instead of waiting for.
const FOR_UPDATE_SKIP_LOCKED: &str = " FOR UPDATE SKIP LOCKED";
/// One transaction-scoped advisory lock serialises routing across instances.
const ROUTING_LOCK: Option<&str> = Some("SELECT pg_advisory_xact_lock(7243101)");
/// Tells the other instances, when the transaction commits, that the event log
/// grew (one notification per transaction: PostgreSQL folds identical ones).
const NOTIFY_EVENTS: Option<&str> = Some("SELECT pg_notify('hearth_events', '')");
/// The channel of [`NOTIFY_EVENTS`].
const EVENTS_CHANNEL: &str = "hearth_events";

/// The PostgreSQL store.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

/// A transaction.
pub struct Tx {
    inner: sqlx::Transaction<'static, Db>,
}

impl std::fmt::Debug for Tx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgTx")
    }
}

fn map_err(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable(e.to_string()),
        // A unique key the adapter did not check for itself: a concurrent writer
        // got there first. The database's own message stays in the log; it is
        // never a field name for a client.
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            tracing::debug!(message = db.message(), "unique violation");
            StoreError::Conflict {
                key: String::new(),
                holder: String::new(),
            }
        }
        // 40001 serialization failure, 40P01 deadlock: a concurrent writer won.
        sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("40001" | "40P01")) => {
            StoreError::VersionConflict
        }
        // Class 08: connection exceptions; 57P01-03: the server is shutting down.
        sqlx::Error::Database(db)
            if db
                .code()
                .is_some_and(|c| c.starts_with("08") || c.starts_with("57P")) =>
        {
            StoreError::Unavailable(db.message().to_owned())
        }
        other => StoreError::Other(other.to_string()),
    }
}

/// Full-text search of answers on a `tsvector` (the `simple` configuration: the
/// words arrive folded, in any language); names weigh A, bodies B in `ts_rank`.
const ANSWER_SEARCH: &str = "SELECT answer_id, language, kind, ts_rank(doc, q)::float8 AS score \
     FROM answer_search, to_tsquery('simple', $1) AS q WHERE doc @@ q \
     AND ($2::text IS NULL OR language = $2) \
     AND ($3 = '' OR strpos(',' || $3 || ',', ',' || kind || ',') > 0) \
     ORDER BY score DESC, answer_id, language, kind LIMIT $4";

/// How an `tsquery` query writes a term: its opening, its closing, and its
/// closing as a prefix.
const ANSWER_TERM: (&str, &str, &str) = ("", "", ":*");
/// How it joins terms that must all match, and terms of which any may.
const ANSWER_JOIN: (&str, &str) = (" & ", " | ");

/// The SQL both adapters share, compiled against this adapter's `Db`.
#[path = "../../store-common/portable_tx.rs"]
mod portable_tx;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

impl PgStore {
    /// Connects to `url` (`postgres://...`) and applies pending migrations. Several
    /// instances may start at once: sqlx takes an advisory lock while migrating.
    /// Calls `on_event` whenever any instance commits events, until the returned
    /// task is dropped or aborted. Notifications are a wake-up only (at most once,
    /// none during a reconnect): readers still catch up from the log by position.
    pub async fn listen_events(
        &self,
        on_event: impl Fn() + Send + 'static,
    ) -> Result<tokio::task::JoinHandle<()>, StoreError> {
        let mut listener = sqlx::postgres::PgListener::connect_with(&self.pool)
            .await
            .map_err(map_err)?;
        listener.listen(EVENTS_CHANNEL).await.map_err(map_err)?;
        Ok(tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(_) => on_event(),
                    Err(e) => {
                        // The listener reconnects on its next call; a missed wake-up
                        // is caught by the readers' own polling.
                        tracing::warn!(error = %e, "listening for event notifications failed");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        }))
    }

    pub async fn open(url: &str) -> Result<PgStore, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(map_err)?;
        MIGRATOR.run(&pool).await.map_err(migration_error)?;
        Ok(PgStore { pool })
    }
}

#[async_trait]
impl Store for PgStore {
    async fn begin(&self) -> Result<Box<dyn StoreTx>, StoreError> {
        let inner = self.pool.begin().await.map_err(map_err)?;
        Ok(Box::new(Tx { inner }))
    }

    async fn read(&self) -> Result<Box<dyn StoreTx>, StoreError> {
        let inner = self
            .pool
            .begin_with("BEGIN READ ONLY")
            .await
            .map_err(map_err)?;
        Ok(Box::new(Tx { inner }))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
