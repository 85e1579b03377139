//! The inbox: updates stored as they arrive, deleted once handled and confirmed (when an
//! update counts as handled: `receipt.rs`).

use chrono::{DateTime, Utc};

use serde::Serialize;

use super::batch::json_rows;
use super::dialect::sql;
use super::{Db, StorageResult, timestamp};

/// One stored update: its id and its JSON as Telegram sent it (re-serialized).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboxEntry {
    pub update_id: i64,
    /// The private chat the update is from, if any (its updates are handled in order).
    pub chat_id: Option<i64>,
    pub body: String,
}

/// A row read as `update_id, chat_id, body`.
impl From<(i64, Option<i64>, String)> for InboxEntry {
    fn from((update_id, chat_id, body): (i64, Option<i64>, String)) -> Self {
        InboxEntry { update_id, chat_id, body }
    }
}

impl Db {
    /// Stores a batch of updates in one statement and returns the ids it stored. An update
    /// stored before, handled or not (Telegram delivers unconfirmed updates again after a
    /// restart), is kept as it is and not returned, so nobody handles it twice.
    pub async fn store_updates(&self, entries: &[InboxEntry], now: DateTime<Utc>) -> StorageResult<Vec<i64>> {
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        let batch = json_rows(entries)?;
        Ok(sqlx::query_scalar(sql!(
            self,
            "INSERT INTO inbox (update_id, chat_id, body, received_at, replica)
             SELECT batch.update_id, batch.chat_id, batch.body, $1, $3
             FROM {rows($2; update_id BIGINT, chat_id BIGINT, body TEXT)} WHERE true
             ON CONFLICT (update_id) DO NOTHING
             RETURNING update_id"
        ))
        .bind(timestamp(now))
        .bind(batch)
        .bind(self.replica())
        .fetch_all(self.writer())
        .await?)
    }

    /// Forgets handled updates below `offset`: a `getUpdates` with that offset has confirmed
    /// them, so Telegram will not deliver them again.
    pub async fn purge_confirmed(&self, offset: i64) -> StorageResult<u64> {
        Ok(sqlx::query("DELETE FROM inbox WHERE handled = 1 AND update_id < $1")
            .bind(offset)
            .execute(self.writer())
            .await?
            .rows_affected())
    }

    /// Forgets handled updates received before `before` (webhook mode, where no offset
    /// confirms them).
    pub async fn purge_handled_before(&self, before: DateTime<Utc>) -> StorageResult<u64> {
        Ok(sqlx::query("DELETE FROM inbox WHERE handled = 1 AND received_at < $1")
            .bind(timestamp(before))
            .execute(self.writer())
            .await?
            .rows_affected())
    }

    /// Drops updates that can never be handled (they no longer parse).
    pub async fn delete_updates(&self, update_ids: &[i64]) -> StorageResult<u64> {
        if update_ids.is_empty() {
            return Ok(0);
        }
        Ok(sqlx::query(sql!(
            self,
            "DELETE FROM inbox WHERE update_id IN (SELECT CAST(value AS BIGINT) FROM {each($1)})"
        ))
        .bind(json_rows(update_ids)?)
        .execute(self.writer())
        .await?
        .rows_affected())
    }

    /// The highest update id the inbox holds, handled or not.
    pub async fn last_inbox_update_id(&self) -> StorageResult<Option<i64>> {
        Ok(sqlx::query_scalar("SELECT MAX(update_id) FROM inbox").fetch_one(self.writer()).await?)
    }

    /// Updates stored and not yet handled, oldest first (what a restart would replay).
    pub async fn pending_updates(&self) -> StorageResult<Vec<InboxEntry>> {
        let rows: Vec<(i64, Option<i64>, String)> =
            sqlx::query_as("SELECT update_id, chat_id, body FROM inbox WHERE handled = 0 ORDER BY update_id")
                .fetch_all(self.writer())
                .await?;
        Ok(rows.into_iter().map(InboxEntry::from).collect())
    }
}
