//! One contract suite for every [`Store`] adapter, and the fresh-database helpers
//! every test crate uses.
//!
//! [`backends`] yields a fresh SQLite database (a temporary file) and, when
//! `HEARTH_TEST_DATABASE_URL` names a PostgreSQL server, a fresh PostgreSQL database
//! created for the test. With `HEARTH_REQUIRE_PG=1` (set by `.ci/run`) a missing or
//! unreachable PostgreSQL fails the test instead of skipping it.
//!
//! The stories in [`contract`] take `&dyn Store` and must pass on both.

pub mod contract;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use hearth_app::ports::Store;
use hearth_store_postgres::PgStore;
use hearth_store_sqlite::SqliteStore;

/// A store for one test, and how to throw it away.
#[derive(Debug)]
pub struct TestDb {
    pub name: &'static str,
    pub store: Arc<dyn Store>,
    /// The URL the store was opened with (for starting a server on it).
    pub url: String,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    File(PathBuf),
    PgDatabase { admin_url: String, database: String },
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!(
        "{prefix}_{}_{n}_{}",
        std::process::id(),
        hearth_app::clock::new_id().to_lowercase().replace('-', "_")
    )
}

/// A fresh SQLite database in a temporary directory.
pub async fn sqlite() -> TestDb {
    let dir = std::env::temp_dir().join(unique("hearth_test"));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let url = format!("sqlite://{}", dir.join("hearth.db").display());
    let store = SqliteStore::open(&url).await.expect("open SQLite");
    TestDb {
        name: "sqlite",
        store: Arc::new(store),
        url,
        cleanup: Cleanup::File(dir),
    }
}

/// The PostgreSQL server tests may use, per `HEARTH_TEST_DATABASE_URL`.
pub fn pg_admin_url() -> Option<String> {
    let url = std::env::var("HEARTH_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if url.is_none() && require_pg() {
        panic!("HEARTH_REQUIRE_PG=1 but HEARTH_TEST_DATABASE_URL is not set");
    }
    url
}

fn require_pg() -> bool {
    std::env::var("HEARTH_REQUIRE_PG").is_ok_and(|v| v == "1")
}

fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let root = match base.rfind('/') {
        Some(i) if base[..i].contains("://") && i > base.find("://").unwrap_or(0) + 2 => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{root}/{database}?{q}"),
        None => format!("{root}/{database}"),
    }
}

/// A fresh PostgreSQL database, or `None` (with a notice) when no server is
/// configured and none is required.
pub async fn postgres() -> Option<TestDb> {
    let Some(admin_url) = pg_admin_url() else {
        eprintln!(
            "notice: HEARTH_TEST_DATABASE_URL is not set; skipping the PostgreSQL run of this test"
        );
        return None;
    };
    let database = unique("hearth_test");
    let admin = match sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&admin_url)
        .await
    {
        Ok(pool) => pool,
        Err(e) if !require_pg() => {
            eprintln!(
                "notice: PostgreSQL at HEARTH_TEST_DATABASE_URL is unreachable ({e}); skipping"
            );
            return None;
        }
        Err(e) => panic!("HEARTH_REQUIRE_PG=1 but PostgreSQL is unreachable: {e}"),
    };
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE \"{database}\""
    )))
    .execute(&admin)
    .await
    .expect("create test database");
    admin.close().await;
    let url = with_database(&admin_url, &database);
    let store = PgStore::open(&url).await.expect("open PostgreSQL");
    Some(TestDb {
        name: "postgres",
        store: Arc::new(store),
        url,
        cleanup: Cleanup::PgDatabase {
            admin_url,
            database,
        },
    })
}

/// Every backend available to this test run: SQLite always, PostgreSQL when
/// configured.
pub async fn backends() -> Vec<TestDb> {
    let mut all = vec![sqlite().await];
    all.extend(postgres().await);
    all
}

impl TestDb {
    /// Closes the store and removes its database.
    pub async fn cleanup(self) {
        self.store.close().await;
        match self.cleanup {
            Cleanup::File(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::PgDatabase {
                admin_url,
                database,
            } => {
                if let Ok(admin) = sqlx::postgres::PgPoolOptions::new()
                    .max_connections(1)
                    .connect(&admin_url)
                    .await
                {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)"
                    )))
                    .execute(&admin)
                    .await;
                    admin.close().await;
                }
            }
        }
    }
    /// The tables (every one in the database, found from its catalogue, so a table
    /// added later is searched too) with a row where some column, read as text,
    /// contains `needle`: the check that erasure leaves nothing behind.
    pub async fn tables_containing(&self, needle: &str) -> Vec<String> {
        let pattern = format!("%{needle}%");
        let mut found = Vec::new();
        if self.name == "sqlite" {
            let pool = sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(1)
                .connect(&self.url)
                .await
                .expect("open SQLite for inspection");
            let tables: Vec<(String,)> = sqlx::query_as(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )
            .fetch_all(&pool)
            .await
            .expect("list tables");
            for (table,) in tables {
                let columns: Vec<(String,)> =
                    sqlx::query_as("SELECT name FROM pragma_table_info($1)")
                        .bind(&table)
                        .fetch_all(&pool)
                        .await
                        .expect("list columns");
                if contains(&pool, &table, &columns, &pattern).await {
                    found.push(table);
                }
            }
            pool.close().await;
        } else {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect(&self.url)
                .await
                .expect("open PostgreSQL for inspection");
            let tables: Vec<(String,)> = sqlx::query_as(
                "SELECT table_name::text FROM information_schema.tables \
                 WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
            )
            .fetch_all(&pool)
            .await
            .expect("list tables");
            for (table,) in tables {
                let columns: Vec<(String,)> = sqlx::query_as(
                    "SELECT column_name::text FROM information_schema.columns \
                     WHERE table_schema = 'public' AND table_name = $1",
                )
                .bind(&table)
                .fetch_all(&pool)
                .await
                .expect("list columns");
                if contains(&pool, &table, &columns, &pattern).await {
                    found.push(table);
                }
            }
            pool.close().await;
        }
        found.sort();
        found
    }
}

/// Whether a row of `table` has `pattern` (a LIKE pattern) in one of `columns`.
async fn contains<DB: sqlx::Database>(
    pool: &sqlx::Pool<DB>,
    table: &str,
    columns: &[(String,)],
    pattern: &str,
) -> bool
where
    for<'c> &'c sqlx::Pool<DB>: sqlx::Executor<'c, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments: sqlx::IntoArguments<DB>,
    String: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    (i64,): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    if columns.is_empty() {
        return false;
    }
    let test = columns
        .iter()
        .map(|(c,)| format!("CAST(\"{c}\" AS TEXT) LIKE $1"))
        .collect::<Vec<_>>()
        .join(" OR ");
    // Table and column names come from the database's own catalogue.
    let sql = format!("SELECT COUNT(*) FROM \"{table}\" WHERE {test}");
    let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(pattern.to_owned())
        .fetch_one(pool)
        .await
        .expect("search a table");
    n > 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_names_replace_the_path_of_the_url() {
        assert_eq!(
            super::with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            super::with_database("postgres://u@h/db?sslmode=disable", "t2"),
            "postgres://u@h/t2?sslmode=disable"
        );
        assert_eq!(
            super::with_database("postgres://u@h", "t3"),
            "postgres://u@h/t3"
        );
    }
}
