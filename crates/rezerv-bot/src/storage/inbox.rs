//! The inbox: updates stored as they arrive, deleted once handled.

use chrono::{DateTime, Utc};

use serde::Serialize;
use sqlx::SqlitePool;

use super::batch::json_rows;
use super::{Db, StorageResult, timestamp};

/// One stored update: its id and its JSON as Telegram sent it (re-serialized).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboxEntry {
    pub update_id: i64,
    pub body: String,
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
        Ok(sqlx::query_scalar(
            "INSERT INTO inbox (update_id, body, received_at)
             SELECT value ->> '$.update_id', value ->> '$.body', ?1 FROM json_each(?2) WHERE true
             ON CONFLICT (update_id) DO NOTHING
             RETURNING update_id",
        )
        .bind(timestamp(now))
        .bind(batch)
        .fetch_all(self.writer())
        .await?)
    }

    /// Marks handled updates; their bodies are no longer needed.
    pub async fn mark_handled(&self, update_ids: &[i64]) -> StorageResult<u64> {
        mark_handled_on(self.writer(), update_ids).await
    }

    /// Marks one handled update before its chat's next update is handled; concurrent marks
    /// share one statement.
    pub async fn mark_handled_now(&self, update_id: i64) -> StorageResult<()> {
        self.marks.call(update_id).await
    }

    /// Forgets handled updates below `offset`: a `getUpdates` with that offset has confirmed
    /// them, so Telegram will not deliver them again.
    pub async fn purge_confirmed(&self, offset: i64) -> StorageResult<u64> {
        Ok(sqlx::query("DELETE FROM inbox WHERE handled = 1 AND update_id < ?")
            .bind(offset)
            .execute(self.writer())
            .await?
            .rows_affected())
    }

    /// Drops updates that can never be handled (they no longer parse).
    pub async fn delete_updates(&self, update_ids: &[i64]) -> StorageResult<u64> {
        for_updates(self.writer(), "DELETE FROM inbox WHERE update_id IN (SELECT value FROM json_each(?))", update_ids)
            .await
    }

    /// The highest update id the inbox holds, handled or not.
    pub async fn last_inbox_update_id(&self) -> StorageResult<Option<i64>> {
        Ok(sqlx::query_scalar("SELECT MAX(update_id) FROM inbox").fetch_one(self.writer()).await?)
    }

    /// Updates stored and not yet handled, oldest first.
    pub async fn pending_updates(&self) -> StorageResult<Vec<InboxEntry>> {
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT update_id, body FROM inbox WHERE handled = 0 ORDER BY update_id")
                .fetch_all(self.writer())
                .await?;
        Ok(rows.into_iter().map(|(update_id, body)| InboxEntry { update_id, body }).collect())
    }
}

/// Rows already marked (by their state save, or right after their handler) are left alone, so
/// the cleaner's second pass over them writes nothing.
pub(crate) async fn mark_handled_on(writer: &SqlitePool, update_ids: &[i64]) -> StorageResult<u64> {
    for_updates(
        writer,
        "UPDATE inbox SET handled = 1, body = ''
         WHERE handled = 0 AND update_id IN (SELECT value FROM json_each(?))",
        update_ids,
    )
    .await
}

/// Runs `sql` with `update_ids` bound as a JSON array; returns the rows it changed.
async fn for_updates(writer: &SqlitePool, sql: &'static str, update_ids: &[i64]) -> StorageResult<u64> {
    if update_ids.is_empty() {
        return Ok(0);
    }
    let ids = serde_json::Value::from(update_ids.to_vec()).to_string();
    Ok(sqlx::query(sql).bind(ids).execute(writer).await?.rows_affected())
}
