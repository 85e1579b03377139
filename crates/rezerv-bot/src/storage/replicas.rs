//! Several processes on one database (PostgreSQL): who is alive, whose stored updates are
//! orphans, and one chat's updates handled one at a time, in order, whichever replica
//! received them.
//!
//! - Each `Db` is a replica with an id of its own (`Db::connect` makes one), and writes
//!   `replicas.seen_at` every `HEARTBEAT`; `Application` runs that beat.
//! - An update is stored with the replica that received it, which hands it to its dispatcher.
//!   One still unhandled when its replica has not beaten for `ORPHAN_AFTER` is an orphan: a
//!   live replica adopts it (`SKIP LOCKED`: one adopter each) and handles it. On SQLite one
//!   process runs the bot (the run lock), so a new process adopts every unhandled update at once.
//! - Before its handlers run, an update takes its chat's turn (`enter_chat`): a session
//!   advisory lock on the chat id, held on a connection of its own until the update is
//!   handled. Under the lock:
//!   - one already handled (an orphan adopted twice over a network split) is skipped;
//!   - while an earlier update of the chat is stored and unhandled (received by another replica
//!     a moment before, or handled here and not yet marked), this one waits for it, out of the
//!     lock, for at most `ORDER_PATIENCE`: its dispatcher worker serves other chats too;
//!   - if that earlier one is an orphan, or is still unhandled after that wait (an adopted
//!     update queued behind this one, another replica's slow handler), this one is deferred:
//!     made an orphan too, so that an adoption takes it again after the earlier one, in order.
//!     One received more than `DEFER_LIMIT` ago goes ahead: a chat is never held up for good.
//!
//!   Where one process handles every update (SQLite; the polling leader) the dispatcher's
//!   per-chat queue is the whole story, and the turn costs nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::pool::PoolConnection;
use sqlx::{Any, Row};

use super::dialect::sql;
use super::{Backend, Db, InboxEntry, StorageError, StorageResult, timestamp};
use crate::clock::SharedClock;

/// How often a replica says it is alive.
pub const HEARTBEAT: Duration = Duration::from_secs(5);
/// A replica silent this long is dead, and its unhandled updates orphans: long enough for a
/// few missed beats (a slow database), short enough that a candidate waits seconds, not minutes.
const ORPHAN_AFTER: Duration = Duration::from_secs(20);
/// A replica's row is deleted after a day of silence (its orphans were adopted long before).
const FORGET_AFTER: chrono::Duration = chrono::Duration::days(1);
/// How long an update waits, in its dispatcher worker, for an earlier one of its chat before it
/// is deferred: an earlier one on a live replica is handled within milliseconds, and one
/// handled here is marked by the cleaner within about 100 ms.
const ORDER_PATIENCE: Duration = Duration::from_millis(500);
/// An update received this long ago goes ahead rather than be deferred again.
const DEFER_LIMIT: chrono::Duration = chrono::Duration::seconds(60);
/// How long a chat's lock is waited for before the update is deferred (a stuck handler
/// elsewhere must not hold this replica's worker).
const LOCK_PATIENCE: Duration = Duration::from_secs(5);
/// How often a waiting update looks again.
const ORDER_RETRY: Duration = Duration::from_millis(50);

/// A new replica id: unique per process start (the host name, the process, the instant).
pub(super) fn new_replica_id() -> Arc<str> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "replica".to_owned());
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{host}-{}-{nanos:x}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)).into()
}

/// What `enter_chat` gives an update.
#[derive(Debug)]
pub enum ChatEntry {
    /// Its chat's turn: handle it, then `leave`.
    Turn(ChatTurn),
    /// Handled already: not again.
    Handled,
    /// An earlier update of the chat is an orphan: this one was made one too, and is handled
    /// after it, once adopted.
    Deferred,
}

/// A chat's turn, held while one of its updates is handled; `leave` ends it.
#[derive(Debug)]
pub struct ChatTurn {
    held: Option<(PoolConnection<Any>, i64)>,
}

impl ChatTurn {
    /// The turn's connection: the guard exists before the lock is asked for, so that a turn
    /// dropped mid-request closes its connection instead of pooling a lock.
    fn held(conn: PoolConnection<Any>, chat_id: i64) -> ChatTurn {
        ChatTurn { held: Some((conn, chat_id)) }
    }

    fn conn(&mut self) -> Option<&mut PoolConnection<Any>> {
        self.held.as_mut().map(|(conn, _)| conn)
    }

    /// No turn to hold: an update with no chat.
    pub fn none() -> ChatTurn {
        ChatTurn { held: None }
    }

    /// Lets the chat's next update in.
    pub async fn leave(mut self) {
        if let Some((mut conn, chat_id)) = self.held.take() {
            let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)").bind(chat_id).execute(&mut *conn).await;
            if let Err(err) = unlocked {
                tracing::warn!(chat_id, %err, "cannot release a chat's turn; its connection is closed instead");
                conn.close_on_drop();
            }
        }
    }
}

impl Drop for ChatTurn {
    fn drop(&mut self) {
        // Dropped without `leave` (a stop cut the handler short): the lock is the session's,
        // so the connection must not go back to the pool holding it.
        if let Some((mut conn, _)) = self.held.take() {
            conn.close_on_drop();
        }
    }
}

impl Db {
    /// Says that updates arrive at several replicas (webhooks on PostgreSQL): from now on an
    /// update takes its chat's turn (`enter_chat`).
    pub fn share_intake(&self) {
        if self.locks.is_some() {
            self.shared_intake.store(true, std::sync::atomic::Ordering::Release);
        }
    }

    /// Whether updates arrive at several replicas (`share_intake`): each then sends at its own
    /// configured rate, and their sum must stay within Telegram's.
    pub fn intake_shared(&self) -> bool {
        self.shared_intake.load(std::sync::atomic::Ordering::Acquire)
    }

    /// This replica's id.
    pub fn replica(&self) -> &str {
        &self.replica
    }

    /// Says this replica is alive, and forgets replicas silent for a day.
    pub async fn heartbeat(&self, now: DateTime<Utc>) -> StorageResult<()> {
        sqlx::query(
            "INSERT INTO replicas (id, seen_at) VALUES ($1, $2)
             ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at",
        )
        .bind(self.replica())
        .bind(timestamp(now))
        .execute(self.writer())
        .await?;
        sqlx::query("DELETE FROM replicas WHERE seen_at < $1")
            .bind(timestamp(now - FORGET_AFTER))
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// How many stored updates each replica received (and so handled, but for adoptions), for
    /// the load program's figure of how replicas share the work.
    pub async fn updates_by_replica(&self) -> StorageResult<Vec<(Option<String>, i64)>> {
        Ok(sqlx::query_as("SELECT replica, COUNT(*) FROM inbox GROUP BY replica ORDER BY replica")
            .fetch_all(self.pool())
            .await?)
    }

    /// Says this replica stopped: what it stored and did not handle is adopted at once.
    pub async fn retire(&self) -> StorageResult<()> {
        sqlx::query("DELETE FROM replicas WHERE id = $1").bind(self.replica()).execute(self.writer()).await?;
        Ok(())
    }

    /// Takes the orphans: unhandled updates of replicas that stopped, or died (silent for
    /// `ORPHAN_AFTER`), oldest first. `alone`: no other replica handles updates (SQLite's one
    /// process, or the polling leader), so every other replica's are orphans.
    pub async fn adopt_orphans(&self, now: DateTime<Utc>, alone: bool) -> StorageResult<Vec<InboxEntry>> {
        let alive_since = match (alone, self.backend()) {
            (true, _) | (_, Backend::Sqlite) => now + FORGET_AFTER,
            (false, Backend::Postgres) => now - chrono::Duration::from_std(ORPHAN_AFTER).unwrap_or_default(),
        };
        let rows: Vec<(i64, Option<i64>, String)> = sqlx::query_as(sql!(
            self,
            "UPDATE inbox SET replica = $1
             WHERE update_id IN (
                 SELECT update_id FROM inbox
                 WHERE handled = 0 AND (replica IS NULL OR replica <> $1)
                     AND (replica IS NULL OR replica NOT IN (SELECT id FROM replicas WHERE seen_at >= $2))
                 ORDER BY update_id {skip_locked()})
             RETURNING update_id, chat_id, body"
        ))
        .bind(self.replica())
        .bind(timestamp(alive_since))
        .fetch_all(self.writer())
        .await?;
        let mut adopted: Vec<InboxEntry> = rows.into_iter().map(InboxEntry::from).collect();
        adopted.sort_by_key(|entry| entry.update_id);
        Ok(adopted)
    }

    /// Waits for chat `chat_id`'s turn for update `update_id` (see the module's comment).
    pub async fn enter_chat(&self, chat_id: i64, update_id: i64, clock: &SharedClock) -> StorageResult<ChatEntry> {
        let Some(locks) = self.locks.as_ref().filter(|_| self.intake_shared()) else {
            return Ok(ChatEntry::Turn(ChatTurn::none()));
        };
        let deadline = tokio::time::Instant::now() + ORDER_PATIENCE;
        loop {
            let mut turn = ChatTurn::held(locks.acquire().await?, chat_id);
            let Some(conn) = turn.conn() else { return Ok(ChatEntry::Turn(turn)) };
            let locked = tokio::time::timeout(
                LOCK_PATIENCE,
                sqlx::query("SELECT pg_advisory_lock($1)").bind(chat_id).execute(&mut **conn),
            )
            .await;
            match locked {
                Ok(Ok(_)) => {}
                Ok(Err(err)) => return Err(StorageError::from(err)),
                // Timed out: the turn's connection is closed as it drops; try again later.
                Err(_) => {
                    drop(turn);
                    return self.defer(update_id).await;
                }
            }
            let now = clock.now();
            let row = sqlx::query(
                "SELECT (SELECT handled FROM inbox WHERE update_id = $2) AS handled,
                        (SELECT received_at FROM inbox WHERE update_id = $2) AS received_at,
                        COUNT(*) AS earlier,
                        COUNT(*) FILTER (WHERE r.id IS NULL OR r.seen_at < $3) AS orphaned
                 FROM inbox i LEFT JOIN replicas r ON r.id = i.replica
                 WHERE i.chat_id = $1 AND i.handled = 0 AND i.update_id < $2",
            )
            .bind(chat_id)
            .bind(update_id)
            .bind(timestamp(now - chrono::Duration::from_std(ORPHAN_AFTER).unwrap_or_default()))
            .fetch_one(self.pool())
            .await?;
            let handled: Option<i64> = row.try_get("handled")?;
            let (earlier, orphaned): (i64, i64) = (row.try_get("earlier")?, row.try_get("orphaned")?);
            if handled == Some(1) {
                turn.leave().await;
                return Ok(ChatEntry::Handled);
            }
            let received_at: Option<String> = row.try_get("received_at")?;
            let overdue = received_at.is_some_and(|at| at < timestamp(now - DEFER_LIMIT));
            if earlier == 0 || overdue {
                if earlier > 0 {
                    tracing::warn!(
                        chat_id,
                        update_id,
                        earlier,
                        "an earlier update of the chat is still unhandled; going ahead"
                    );
                }
                return Ok(ChatEntry::Turn(turn));
            }
            turn.leave().await;
            if orphaned > 0 || tokio::time::Instant::now() >= deadline {
                return self.defer(update_id).await;
            }
            // Out of the lock while waiting: the earlier update's replica needs it.
            tokio::time::sleep(ORDER_RETRY).await;
        }
    }

    /// Makes update `update_id` an orphan, to be adopted (and handled) again.
    async fn defer(&self, update_id: i64) -> StorageResult<ChatEntry> {
        self.release_update(update_id).await?;
        Ok(ChatEntry::Deferred)
    }

    /// Gives update `update_id` up: any replica adopts it, this one included.
    pub async fn release_update(&self, update_id: i64) -> StorageResult<()> {
        sqlx::query("UPDATE inbox SET replica = NULL WHERE update_id = $1 AND handled = 0")
            .bind(update_id)
            .execute(self.writer())
            .await?;
        Ok(())
    }
}
