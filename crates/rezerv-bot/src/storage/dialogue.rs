//! teloxide's `Storage` on our own pool: the dialogue state sits in the candidate's row.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use teloxide::dispatching::dialogue::Storage;
use teloxide::types::ChatId;

use sqlx::AnyPool;

use super::Backend;
use super::batch::json_rows;
use super::dialect::sql;
use super::{Db, Profile, Receipt, StorageError, StorageResult, corrupt, timestamp};
use crate::clock::SharedClock;
use crate::domain::{Stage, Way};

/// What the storage keeps in queryable columns beside the serialized state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateSummary {
    pub stage: Stage,
    pub city: Option<String>,
    pub way: Option<Way>,
    pub step: Option<u8>,
}

/// A dialogue state the storage can keep.
pub trait StoredState: Serialize + DeserializeOwned + Send + Sync + 'static {
    fn summary(&self) -> StateSummary;
    /// The state handed out when the stored one no longer deserializes (after a schema
    /// change), so the handler can apologise and restart rather than drop the update.
    fn lost() -> Self;
}

#[derive(Debug, Clone)]
pub struct DialogueStore {
    db: Db,
    clock: SharedClock,
    /// The update whose handler saves through this store (see `for_receipt`).
    receipt: Option<Receipt>,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

impl DialogueStore {
    pub fn new(db: Db, clock: SharedClock) -> Arc<DialogueStore> {
        Arc::new(DialogueStore { db, clock, receipt: None })
    }

    /// The store a handler of the receipt's update saves through: each save also marks that
    /// update handled, in the same statement (see `receipt.rs`).
    pub fn for_receipt(&self, receipt: &Receipt) -> Arc<DialogueStore> {
        Arc::new(DialogueStore { receipt: Some(receipt.clone()), ..self.clone() })
    }

    pub async fn load<S: StoredState>(&self, chat_id: i64) -> Result<Option<S>, StorageError> {
        let stored: Option<Option<String>> = sqlx::query_scalar("SELECT dialogue FROM candidates WHERE chat_id = $1")
            .bind(chat_id)
            .fetch_optional(self.db.pool())
            .await?;
        Ok(stored.flatten().map(|json| parse_state(chat_id, &json)))
    }

    /// The chat's dialogue state and profile, in one read.
    pub async fn load_with_profile<S: StoredState>(
        &self,
        chat_id: i64,
    ) -> Result<(Option<S>, Option<Profile>), StorageError> {
        let Some((profile, json)) = self.db.profile_and_dialogue(chat_id).await? else {
            return Ok((None, None));
        };
        Ok((json.map(|json| parse_state(chat_id, &json)), Some(profile)))
    }

    /// Saves the state; concurrent saves share one statement and one commit.
    pub async fn save<S: StoredState>(&self, chat_id: i64, state: &S) -> Result<(), StorageError> {
        let json = serde_json::to_string(state).map_err(corrupt)?;
        let summary = state.summary();
        let row = DialogueRow {
            chat_id,
            dialogue: json,
            stage: summary.stage,
            city: summary.city,
            way: summary.way,
            step: summary.step,
            saved_at: timestamp(self.clock.now()),
            update_id: self.receipt.as_ref().map(Receipt::update_id),
        };
        self.db.saves.call(row).await?;
        if let Some(receipt) = &self.receipt {
            receipt.state_saved();
        }
        Ok(())
    }

    pub async fn clear(&self, chat_id: i64) -> Result<(), StorageError> {
        sqlx::query(
            "UPDATE candidates SET dialogue = NULL, stage = $1, city = NULL, way = NULL, step = NULL
             WHERE chat_id = $2",
        )
        .bind(Stage::Start)
        .bind(chat_id)
        .execute(self.db.writer())
        .await?;
        Ok(())
    }
}

/// One save, as the batched upsert reads it.
#[derive(Debug, Serialize)]
pub(crate) struct DialogueRow {
    chat_id: i64,
    /// The serialized state.
    dialogue: String,
    stage: Stage,
    city: Option<String>,
    way: Option<Way>,
    step: Option<u8>,
    /// When it was saved: the row's `updated_at`, its `stage_since` when the stage or step
    /// changed, and its `created_at` when it is new.
    saved_at: String,
    /// The update whose handler saved it, if any.
    update_id: Option<i64>,
}

/// Upserts the dialogue states of a batch of saves in one statement. A save made for an
/// update records it in `saved_by_update`, which a trigger marks handled in the same
/// statement (way 1 of `receipt.rs`).
pub(crate) async fn write_dialogues(
    writer: &AnyPool,
    backend: Backend,
    rows: Vec<DialogueRow>,
) -> StorageResult<Vec<()>> {
    // One row per chat: PostgreSQL refuses an upsert that touches a row twice. The last save
    // of a chat wins, as it would one statement later.
    let mut last = std::collections::HashMap::with_capacity(rows.len());
    for (index, row) in rows.iter().enumerate() {
        last.insert(row.chat_id, index);
    }
    let unique: Vec<&DialogueRow> = rows
        .iter()
        .enumerate()
        .filter(|(index, row)| last.get(&row.chat_id) == Some(index))
        .map(|(_, row)| row)
        .collect();
    let batch = json_rows(&unique)?;
    sqlx::query(sql!(
        backend,
        "INSERT INTO candidates
             (chat_id, dialogue, stage, city, way, step, stage_since, created_at, updated_at, saved_by_update)
         SELECT batch.chat_id, batch.dialogue, batch.stage, batch.city, batch.way, batch.step, batch.saved_at,
                batch.saved_at, batch.saved_at, batch.update_id
         FROM {rows($1; chat_id BIGINT, dialogue TEXT, stage TEXT, city TEXT, way TEXT, step BIGINT, saved_at TEXT,
                        update_id BIGINT)} WHERE true
         -- Rows locked in one order by every writer (the planner too): no deadlock between replicas.
         ORDER BY batch.chat_id
         ON CONFLICT (chat_id) DO UPDATE SET
             stage_since = CASE WHEN candidates.stage IS NOT DISTINCT FROM excluded.stage
                                     AND candidates.step IS NOT DISTINCT FROM excluded.step
                                THEN candidates.stage_since ELSE excluded.stage_since END,
             dialogue = excluded.dialogue,
             stage = excluded.stage,
             city = excluded.city,
             way = excluded.way,
             step = excluded.step,
             updated_at = excluded.updated_at,
             saved_by_update = excluded.saved_by_update"
    ))
    .bind(batch)
    .execute(writer)
    .await?;
    Ok(vec![(); rows.len()])
}

/// A stored state, or the lost one when it no longer deserializes.
fn parse_state<S: StoredState>(chat_id: i64, json: &str) -> S {
    serde_json::from_str(json).unwrap_or_else(|err| {
        tracing::warn!(chat_id, %err, "stored dialogue state no longer deserializes");
        S::lost()
    })
}

impl<S: StoredState> Storage<S> for DialogueStore {
    type Error = StorageError;

    fn remove_dialogue(self: Arc<Self>, chat_id: ChatId) -> BoxFuture<Result<(), StorageError>> {
        Box::pin(async move { self.clear(chat_id.0).await })
    }

    fn update_dialogue(self: Arc<Self>, chat_id: ChatId, dialogue: S) -> BoxFuture<Result<(), StorageError>> {
        Box::pin(async move { self.save(chat_id.0, &dialogue).await })
    }

    fn get_dialogue(self: Arc<Self>, chat_id: ChatId) -> BoxFuture<Result<Option<S>, StorageError>> {
        Box::pin(async move { self.load(chat_id.0).await })
    }
}
