//! The SQLite adapter of the [`Store`] port: Hearth's embedded default.
//!
//! One writer connection (SQLite has one writer anyway) whose transactions start with
//! `BEGIN IMMEDIATE`, so load-decide-persist never interleaves; a small pool of
//! readers in WAL mode. `synchronous=FULL`: an acknowledged write survives power loss.
//! Migrations in `migrations/` are embedded and applied on open; a database whose
//! schema is newer than this binary is refused.
//!
//! The SQL shared with PostgreSQL is in `crates/store-common/portable_tx.rs`.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use hearth_app::ports::{Store, StoreError, StoreTx};
use portable_tx::migration_error;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool};

type Db = Sqlite;
/// SQLite has no row locks; `BEGIN IMMEDIATE` on the one writer serialises writes.
const FOR_UPDATE: &str = "";
/// Claims that other transactions skip (SQLite: the one writer claims everything).
const FOR_UPDATE_SKIP_LOCKED: &str = "";
/// The one writer already serialises routing.
const ROUTING_LOCK: Option<&str> = None;
/// One process writes SQLite: its own bus wakes its readers, nothing to notify.
const NOTIFY_EVENTS: Option<&str> = None;

/// The SQLite store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
}

/// A transaction on the writer (or a reader, for reads).
pub struct Tx {
    inner: sqlx::Transaction<'static, Db>,
}

impl std::fmt::Debug for Tx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteTx")
    }
}

fn map_err(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
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
        other => StoreError::Other(other.to_string()),
    }
}

/// Full-text search of answers with FTS5: a name match weighs four times a body
/// match in BM25, which SQLite gives lower for better, so it is negated.
const ANSWER_SEARCH: &str = "SELECT answer_id, language, kind, -bm25(answer_search, 0.0, 0.0, 0.0, 4.0, 1.0) AS score \
     FROM answer_search WHERE answer_search MATCH $1 \
     AND ($2 IS NULL OR language = $2) \
     AND ($3 = '' OR instr(',' || $3 || ',', ',' || kind || ',') > 0) \
     ORDER BY score DESC, answer_id, language, kind LIMIT $4";

/// How an FTS5 query writes a term: its opening, its closing, and its
/// closing as a prefix.
const ANSWER_TERM: (&str, &str, &str) = ("\"", "\"", "\"*");
/// How it joins terms that must all match, and terms of which any may.
const ANSWER_JOIN: (&str, &str) = (" AND ", " OR ");

/// The SQL both adapters share, compiled against this adapter's `Db`.
#[path = "../../store-common/portable_tx.rs"]
mod portable_tx;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` (`sqlite://path`) and
    /// applies pending migrations.
    pub async fn open(url: &str) -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Other(format!("bad SQLite URL {url}: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await
            .map_err(map_err)?;
        MIGRATOR.run(&writer).await.map_err(migration_error)?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.read_only(true))
            .await
            .map_err(map_err)?;
        Ok(SqliteStore { writer, reader })
    }

    /// `VACUUM INTO`: a consistent copy of the live database.
    pub async fn backup_to(&self, path: &str) -> Result<(), StoreError> {
        sqlx::query("VACUUM INTO $1")
            .bind(path)
            .execute(&self.writer)
            .await
            .map_err(map_err)?;
        Ok(())
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn begin(&self) -> Result<Box<dyn StoreTx>, StoreError> {
        let inner = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(map_err)?;
        Ok(Box::new(Tx { inner }))
    }

    async fn read(&self) -> Result<Box<dyn StoreTx>, StoreError> {
        let inner = self.reader.begin().await.map_err(map_err)?;
        Ok(Box::new(Tx { inner }))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.reader)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }
}
