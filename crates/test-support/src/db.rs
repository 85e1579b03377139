//! A fresh database per test: an SQLite file in the test's own temporary folder, or, when
//! `REZERV_TEST_DATABASE` names a PostgreSQL server (`scripts/test-postgres` starts one), a
//! database of its own on that server, dropped with the folder.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use rezerv_bot::storage::Db;
use sqlx::Connection;
use sqlx::postgres::PgConnection;

/// The variable naming the PostgreSQL server the tests run on (a URL to any database on it,
/// whose user may create databases). Unset, the tests run on SQLite.
pub const TEST_DATABASE_VAR: &str = "REZERV_TEST_DATABASE";

/// A temporary folder, removed when dropped, with the test's database in it (or, on
/// PostgreSQL, beside it on the server).
#[derive(Debug)]
pub struct TempDir {
    dir: tempfile::TempDir,
    database: TestDatabase,
}

#[derive(Debug)]
enum TestDatabase {
    Sqlite(String),
    Postgres { server: String, name: String, url: String },
}

impl TempDir {
    #[allow(clippy::new_without_default)] // A new folder per call: `Default` would hide that.
    pub fn new() -> TempDir {
        let dir = tempfile::Builder::new().prefix("rezerv-test-").tempdir().expect("create a temporary folder");
        let database = match std::env::var(TEST_DATABASE_VAR) {
            Ok(server) if !server.is_empty() => {
                let name = unique_name();
                on_server(&server, &format!("CREATE DATABASE {name}")).expect("create the test's PostgreSQL database");
                let url = with_database(&server, &name);
                TestDatabase::Postgres { server, name, url }
            }
            _ => TestDatabase::Sqlite(format!("sqlite://{}", dir.path().join("test.db").display())),
        };
        TempDir { dir, database }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn database_url(&self) -> String {
        match &self.database {
            TestDatabase::Sqlite(url) | TestDatabase::Postgres { url, .. } => url.clone(),
        }
    }

    /// Whether the tests run on PostgreSQL.
    pub fn on_postgres() -> bool {
        std::env::var(TEST_DATABASE_VAR).is_ok_and(|server| !server.is_empty())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { server, name, .. } = &self.database {
            // FORCE: the test's own pools may still hold connections.
            if let Err(err) = on_server(server, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")) {
                eprintln!("cannot drop the test database {name}: {err}");
            }
        }
    }
}

/// A database name no other test (nor test process) uses.
fn unique_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("rezerv_test_{}_{}_{nanos}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// `server`'s URL naming database `name` instead.
fn with_database(server: &str, name: &str) -> String {
    let (base, query) = server.split_once('?').map_or((server, None), |(base, query)| (base, Some(query)));
    let authority_end = base.find("://").map_or(0, |at| at + 3);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

/// Runs one statement on the server, from a thread of its own: `TempDir` is made and dropped
/// in sync code, often on a runtime's thread, where no future may be blocked on.
fn on_server(server: &str, statement: &str) -> Result<(), sqlx::Error> {
    let (server, statement) = (server.to_owned(), statement.to_owned());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        runtime.block_on(async {
            let mut conn = PgConnection::connect(&server).await?;
            sqlx::query(&statement).execute(&mut conn).await?;
            conn.close().await
        })
    })
    .join()
    .unwrap_or_else(|_| Err(sqlx::Error::WorkerCrashed))
}

pub async fn fresh_db() -> (Db, TempDir) {
    let dir = TempDir::new();
    let db = Db::connect(&dir.database_url()).await.expect("open test database");
    (db, dir)
}
