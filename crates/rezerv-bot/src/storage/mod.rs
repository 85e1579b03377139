//! The storage layer: every SQL statement of the bot lives under this module.

mod alerts;
mod batch;
mod broadcasts;
mod candidates;
mod codes;
mod console;
pub(crate) mod dialect;
mod dialogue;
mod eligible;
mod export;
mod faq;
mod funnel;
mod inbox;
mod migrations;
mod ops;
mod outbox;
mod receipt;
mod replicas;
mod retention;
mod run_lock;
mod sql;
mod stats;

use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::{AnyConnection, AnyPool, Executor};
use thiserror::Error;

use batch::Batcher;
use candidates::ChatRow;
use dialogue::DialogueRow;

pub use alerts::{PoolCount, PoolLevel, WaveCount};
pub use broadcasts::{Audience, BroadcastTexts, Draft, DraftStep, LangCounts, NewBroadcast, Queued, Running, Tally};
pub use candidates::Profile;
pub use codes::{Claim, ImportReport};
pub use console::{
    Actor, AuditEntry, CODE_REPLACED_MESSAGE, CandidateCard, Eligibility, Found, Lookup, MenuChange, ReplaceCode,
    Replacement,
};
pub use dialect::{Backend, UnknownBackend};
pub use dialogue::{DialogueStore, StateSummary, StoredState};
pub use export::{FunnelCount, IssuedCode, Revocation};
pub use faq::{AskedQuestion, QUESTION_RETENTION_DAYS};
pub use funnel::{DashboardCounts, FunnelCell, Milestone, OutboxCount, PoolCounts};
pub use inbox::InboxEntry;
pub use ops::OpsSnapshot;
pub use outbox::{CancelReason, ClaimedRow, OutboxRow, OutboxStatus, PlanInput, PlannedRow, Wave};
pub use receipt::{Receipt, Receipts};
pub use replicas::{ChatEntry, ChatTurn, HEARTBEAT};
pub use retention::PurgeCounts;
pub use run_lock::RunLock;
pub use stats::Stats;

#[derive(Debug, Error)]
pub enum StorageError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("stored value is corrupt: {0}")]
    Corrupt(String),
    /// A statement run for several requests at once failed (or its runner stopped).
    #[error("batched statement failed: {0}")]
    Batch(String),
    #[error(transparent)]
    Backend(#[from] UnknownBackend),
    #[error("cannot lock {path}: {source}")]
    Lock { path: String, source: std::io::Error },
}

pub type StorageResult<T> = Result<T, StorageError>;

/// A stored value that no longer reads back as its type.
pub(crate) fn corrupt(error: impl std::fmt::Display) -> StorageError {
    StorageError::Corrupt(error.to_string())
}

/// A handle on the database; cheap to clone. Reads share a pool; every write goes through one
/// connection, so writers queue in the process instead of spinning on SQLite's busy lock (on
/// PostgreSQL the one writer keeps a process's writes in the order SQLite gives them; other
/// replicas write beside it, each through its own).
#[derive(Debug, Clone)]
pub struct Db {
    backend: Backend,
    /// This process among the replicas (`replicas.rs`).
    replica: std::sync::Arc<str>,
    /// PostgreSQL only: the connections that hold chats' turns (`replicas.rs`).
    locks: Option<AnyPool>,
    /// Updates arrive at several replicas (webhooks on PostgreSQL): chats take turns.
    shared_intake: std::sync::Arc<std::sync::atomic::AtomicBool>,
    pool: AnyPool,
    writer: AnyPool,
    /// Profile and dialogue reads of concurrent updates, one statement per batch.
    chats: Batcher<i64, StorageResult<Option<ChatRow>>>,
    /// Dialogue saves of concurrent updates, one statement (and commit) per batch.
    saves: Batcher<DialogueRow, ()>,
    /// The sender's marks of rows sent, one statement (and commit) per batch.
    sent: Batcher<outbox::SentMark, ()>,
}

/// Most requests one batched statement serves.
const BATCH_MAX: usize = 256;

/// Updates of different chats a PostgreSQL replica handles at once (see `locks`).
const CHAT_TURNS: u32 = 32;

/// How long a statement waits for SQLite's lock held by another process (a tool beside the bot).
const SQLITE_BUSY: Duration = Duration::from_secs(10);

/// SQLite's settings on every connection: WAL (readers never wait for the writer), `NORMAL`
/// sync (a power cut may lose the last commits, never corrupt), foreign keys on.
async fn sqlite_pragmas(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    conn.execute(
        format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {};",
            SQLITE_BUSY.as_millis()
        )
        .as_str(),
    )
    .await?;
    Ok(())
}

impl Db {
    /// Opens the database at `url` (`sqlite:` or `postgres://`), creating an SQLite file if
    /// needed, and runs the backend's embedded migrations.
    pub async fn connect(url: &str) -> StorageResult<Db> {
        sqlx::any::install_default_drivers();
        let backend: Backend = url.parse()?;
        let url = match backend {
            // `mode=rwc` creates the file; the Any driver reads options from the URL only.
            Backend::Sqlite if !url.contains("mode=") && !url.contains(":memory:") => {
                format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
            }
            _ => url.to_owned(),
        };
        let options = |max: u32| {
            let options = AnyPoolOptions::new().max_connections(max);
            match backend {
                Backend::Sqlite => options.after_connect(|conn, _| Box::pin(sqlite_pragmas(conn))),
                Backend::Postgres => options,
            }
        };
        let writer = options(1).connect(&url).await?;
        migrations::migrator(backend).await?.run(&writer).await?;
        let readers = match backend {
            Backend::Sqlite => 2,
            // Readers wait on the server, not on this process's threads.
            Backend::Postgres => 4,
        };
        let pool = options(readers).min_connections(1).connect(&url).await?;
        let chats = {
            let pool = pool.clone();
            Batcher::spawn(BATCH_MAX, move |ids| {
                let pool = pool.clone();
                async move { candidates::read_chats(&pool, backend, &ids).await }
            })
        };
        let saves = {
            let writer = writer.clone();
            Batcher::spawn(BATCH_MAX, move |rows| {
                let writer = writer.clone();
                async move { dialogue::write_dialogues(&writer, backend, rows).await }
            })
        };
        let sent = {
            let writer = writer.clone();
            Batcher::spawn(BATCH_MAX, move |marks| {
                let writer = writer.clone();
                async move { outbox::sent_marks(&writer, backend, marks).await }
            })
        };
        let locks = match backend {
            Backend::Sqlite => None,
            // One connection per chat handled at once: this many updates of different chats
            // are handled at once, the others wait for a connection.
            Backend::Postgres => {
                Some(options(CHAT_TURNS).acquire_timeout(Duration::from_secs(300)).connect_lazy(&url)?)
            }
        };
        let shared_intake = std::sync::Arc::default();
        Ok(Db { backend, replica: replicas::new_replica_id(), locks, shared_intake, pool, writer, chats, saves, sent })
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The read pool (tests and tools may also write through it; the bot does not).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The single writer connection.
    pub(crate) fn writer(&self) -> &AnyPool {
        &self.writer
    }

    /// A transaction on the writer that takes its locks as the backend needs (`begin_write`).
    pub(crate) async fn begin_write(&self) -> StorageResult<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(self.writer.begin_with(self.backend.begin_write()).await?)
    }

    pub async fn close(&self) {
        if let Some(locks) = &self.locks {
            locks.close().await;
        }
        self.pool.close().await;
        self.writer.close().await;
    }
}

/// Timestamps are stored as RFC 3339 text in UTC.
pub(crate) fn timestamp(now: chrono::DateTime<chrono::Utc>) -> String {
    now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
