//! The update receipt: when an update counts as handled.
//!
//! The listener (`bot/listener.rs`) stores every update in the `inbox` table before it
//! confirms it to Telegram, and after a crash replays the ones not marked handled. The rule
//! this module keeps: **an update is marked handled once its effects are stored, and before
//! its chat's next update is handled.** So a replay never loses an effect (an update whose
//! effects may be missing is replayed, and the handlers check the dialogue state before they
//! act, so a replay of one whose effects were stored does no harm), and it never runs an
//! update after a newer one of its chat (which would show an older step again).
//!
//! Every update that enters the handler tree gets a [`Receipt`], opened and finished by
//! `around_every_update` (`bot/mod.rs`). It is marked in the first of three ways:
//!
//! 1. **With its state.** A handler saves the dialogue state through the store that
//!    `DialogueStore::for_receipt` gives (`load_chat` hands it out); the save writes the
//!    update's id in `candidates.saved_by_update`, and a trigger (migration 0004) marks the
//!    update in the same statement. The step and the mark commit together. Handlers save
//!    after their replies are sent, so nothing they owe the user is lost with a replay.
//! 2. **Right after its chat's handlers** ([`Receipt::settle`], in `load_chat`), when they
//!    saved no state (`/status`, a toast, a refused contact): their writes were awaited, and a
//!    chat's updates are handled one after another, so this mark comes after the effects and
//!    before the next update. Concurrent marks share one statement.
//! 3. **By the cleaner** ([`Receipts::clean_inbox`]), within 100 ms (`CLEAN_DELAY`) of the tree
//!    finishing ([`Receipt::finish`] queues every update): it catches what the first two do
//!    not reach (no private chat, a handler that panicked, a mark that failed). Marking an
//!    update twice writes nothing.
//!
//! A marked update keeps its row, without its body, until a later `getUpdates` has confirmed
//! it (`Db::purge_confirmed`), so that a copy Telegram delivers again is recognised and not
//! handled twice.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use teloxide::types::UpdateId;
use tokio::sync::{Notify, watch};

use super::batch::{Batcher, json_rows};
use super::dialect::sql;
use super::{BATCH_MAX, Db, StorageResult};

/// How long finished updates gather before the cleaner marks them in one statement.
const CLEAN_DELAY: Duration = Duration::from_millis(100);
/// How long the cleaner waits after a failed write before it tries again.
const RETRY_PAUSE: Duration = Duration::from_secs(1);

/// The receipts of one bot: the marks made right after handlers, and the cleaner's queue.
#[derive(Debug)]
pub struct Receipts {
    db: Db,
    /// Marks of updates whose handlers saved no state (way 2), one statement per batch.
    marks: Batcher<i64, ()>,
    /// Updates the handler tree has finished, for the cleaner (way 3).
    finished: Mutex<Vec<i64>>,
    wake: Notify,
}

impl Receipts {
    /// Starts the batcher of marks, so it must run inside the Tokio runtime.
    pub fn new(db: Db) -> Arc<Receipts> {
        let marks = {
            let db = db.clone();
            Batcher::spawn(BATCH_MAX, move |ids: Vec<i64>| {
                let db = db.clone();
                async move {
                    db.mark_handled(&ids).await?;
                    Ok(vec![(); ids.len()])
                }
            })
        };
        Arc::new(Receipts { db, marks, finished: Mutex::default(), wake: Notify::new() })
    }

    /// The receipt of an update entering the handler tree.
    pub fn open(self: &Arc<Self>, update: UpdateId) -> Receipt {
        Receipt { update_id: i64::from(update.0), saved: Arc::default(), receipts: self.clone() }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<i64>> {
        self.finished.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The cleaner: marks finished updates until `stopped` turns true (or its sender is
    /// gone), then once more.
    pub async fn clean_inbox(self: Arc<Self>, mut stopped: watch::Receiver<bool>) {
        loop {
            let stopping = *stopped.borrow() || stopped.has_changed().is_err();
            let ids = std::mem::take(&mut *self.lock());
            if let Err(err) = self.db.mark_handled(&ids).await {
                tracing::error!(error = %err, "cannot mark handled updates in the inbox");
                if stopping {
                    // They are replayed after the restart, which the handlers make harmless.
                    return;
                }
                // Back in the queue, for the next round.
                self.lock().extend(ids);
                tokio::time::sleep(RETRY_PAUSE).await;
                continue;
            }
            if stopping {
                return;
            }
            tokio::select! {
                () = self.wake.notified() => tokio::time::sleep(CLEAN_DELAY).await,
                _ = stopped.changed() => {}
            }
        }
    }
}

/// One update's receipt, from the moment it enters the handler tree until [`finish`]. Its
/// clones (in the handlers' dependencies and their dialogue store) are the same receipt.
///
/// [`finish`]: Receipt::finish
#[derive(Debug, Clone)]
pub struct Receipt {
    update_id: i64,
    /// Whether a state save marked it (way 1).
    saved: Arc<AtomicBool>,
    receipts: Arc<Receipts>,
}

impl Receipt {
    pub fn update_id(&self) -> i64 {
        self.update_id
    }

    /// Whether a dialogue state was saved for this update, which marked it handled.
    pub fn saved_state(&self) -> bool {
        self.saved.load(Ordering::Acquire)
    }

    /// Called by the dialogue store once a state saved for this update is written.
    pub(crate) fn state_saved(&self) {
        self.saved.store(true, Ordering::Release);
    }

    /// After the chat's handlers: marks the update handled unless its state save did. A
    /// failure is left to the cleaner.
    pub async fn settle(&self) {
        if self.saved_state() {
            return;
        }
        if let Err(err) = self.receipts.marks.call(self.update_id).await {
            tracing::warn!(update_id = self.update_id, error = %err, "cannot mark the update handled; the cleaner will");
        }
    }

    /// The end of the update's turn, handled or not: the cleaner marks it if nothing has.
    pub fn finish(self) {
        self.receipts.lock().push(self.update_id);
        self.receipts.wake.notify_one();
    }
}

impl Db {
    /// Marks updates handled; their bodies are no longer needed. Rows already marked (by
    /// their state save, or right after their handler) are left alone, so marking twice
    /// writes nothing.
    pub async fn mark_handled(&self, update_ids: &[i64]) -> StorageResult<u64> {
        if update_ids.is_empty() {
            return Ok(0);
        }
        Ok(sqlx::query(sql!(
            self,
            "UPDATE inbox SET handled = 1, body = ''
             WHERE handled = 0 AND update_id IN (SELECT CAST(value AS BIGINT) FROM {each($1)})"
        ))
        .bind(json_rows(update_ids)?)
        .execute(self.writer())
        .await?
        .rows_affected())
    }
}
