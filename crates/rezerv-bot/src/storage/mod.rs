//! The storage layer: every SQL statement of the bot lives under this module.

mod alerts;
mod batch;
mod broadcasts;
mod candidates;
mod codes;
mod console;
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
mod retention;
mod run_lock;
mod sql;
mod stats;

use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
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
pub use dialogue::{DialogueStore, StateSummary, StoredState};
pub use export::{FunnelCount, IssuedCode, Revocation};
pub use faq::{AskedQuestion, QUESTION_RETENTION_DAYS};
pub use funnel::{DashboardCounts, FunnelCell, Milestone, OutboxCount, PoolCounts};
pub use inbox::InboxEntry;
pub use ops::OpsSnapshot;
pub use outbox::{CancelReason, ClaimedRow, OutboxRow, OutboxStatus, PlanInput, PlannedRow, Wave};
pub use receipt::{Receipt, Receipts};
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
    #[error("cannot lock {path}: {source}")]
    Lock { path: String, source: std::io::Error },
}

pub type StorageResult<T> = Result<T, StorageError>;

/// A stored value that no longer reads back as its type.
pub(crate) fn corrupt(error: impl std::fmt::Display) -> StorageError {
    StorageError::Corrupt(error.to_string())
}

/// A handle on the database; cheap to clone. Reads share a pool; every write goes through one
/// connection, so writers queue in the process instead of spinning on SQLite's busy lock.
#[derive(Debug, Clone)]
pub struct Db {
    pool: SqlitePool,
    writer: SqlitePool,
    /// Profile and dialogue reads of concurrent updates, one statement per batch.
    chats: Batcher<i64, StorageResult<Option<ChatRow>>>,
    /// Dialogue saves of concurrent updates, one statement (and commit) per batch.
    saves: Batcher<DialogueRow, ()>,
}

/// Most requests one batched statement serves.
const BATCH_MAX: usize = 256;

impl Db {
    /// Opens (creating if needed) the database at `url`, with WAL and foreign keys on, and
    /// runs the embedded migrations.
    pub async fn connect(url: &str) -> StorageResult<Db> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let writer = SqlitePoolOptions::new().max_connections(1).connect_with(options.clone()).await?;
        migrations::migrator().await?.run(&writer).await?;
        let pool = SqlitePoolOptions::new().max_connections(2).min_connections(1).connect_with(options).await?;
        let chats = {
            let pool = pool.clone();
            Batcher::spawn(BATCH_MAX, move |ids| {
                let pool = pool.clone();
                async move { candidates::read_chats(&pool, &ids).await }
            })
        };
        let saves = {
            let writer = writer.clone();
            Batcher::spawn(BATCH_MAX, move |rows| {
                let writer = writer.clone();
                async move { dialogue::write_dialogues(&writer, rows).await }
            })
        };
        Ok(Db { pool, writer, chats, saves })
    }

    /// The read pool (tests and tools may also write through it; the bot does not).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The single writer connection.
    pub(crate) fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }
}

/// Timestamps are stored as RFC 3339 text in UTC.
pub(crate) fn timestamp(now: chrono::DateTime<chrono::Utc>) -> String {
    now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
