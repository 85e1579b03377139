//! Long polling through a durable inbox.
//!
//! teloxide's own polling confirms a batch (by asking for the next offset) as soon as it has
//! handed it to the dispatcher, so updates being handled when the process dies are lost.
//! Here every batch is first stored in the `inbox` table, and only then confirmed. A handled
//! update is marked (when, and what that guarantees: `storage/receipt.rs`), and leaves the
//! inbox once a later `getUpdates` has confirmed it, so a copy Telegram delivers again after a
//! restart is recognised. After a crash the bot replays what is unhandled. Each update
//! crosses the network once, however long the handlers take.

use std::collections::{HashSet, VecDeque};
use std::pin::Pin;
use std::time::Duration;

use futures_util::stream::{self, Stream};
use teloxide::RequestError;
use teloxide::payloads::GetUpdatesSetters;
use teloxide::prelude::*;
use teloxide::stop::{StopFlag, StopToken, mk_stop_token};
use teloxide::types::{AllowedUpdate, UpdateKind};
use teloxide::update_listeners::{AsUpdateStream, UpdateListener};
use thiserror::Error;

use crate::clock::SharedClock;
use crate::storage::{Backend, Db, HEARTBEAT, InboxEntry, StorageError};
use crate::telegram::{Patience, Telegram};

/// How often confirmed, handled updates are deleted from the inbox. Lingering longer only
/// widens the window in which a copy Telegram sends again is recognised.
const PURGE_EVERY: Duration = Duration::from_secs(1);
/// How long to wait after a failed request or write before polling again.
const RETRY_PAUSE: Duration = Duration::from_secs(1);

#[derive(Debug, Error)]
pub enum ListenerError {
    #[error("cannot fetch updates: {0}")]
    Telegram(#[from] RequestError),
    #[error("cannot store updates: {0}")]
    Storage(#[from] StorageError),
}

impl ListenerError {
    /// How long to wait before polling again: what a 429 asked for (the request layer gave
    /// it back only once its own waits were spent), else a short pause.
    fn pause(&self) -> Duration {
        match self {
            ListenerError::Telegram(RequestError::RetryAfter(wait)) => wait.duration().max(RETRY_PAUSE),
            _ => RETRY_PAUSE,
        }
    }
}

pub(super) fn update_id(update: &Update) -> i64 {
    i64::from(update.id.0)
}

/// The inbox row of `update`, received as `body`.
pub(super) fn inbox_entry(update: &Update, body: String) -> InboxEntry {
    InboxEntry { update_id: update_id(update), chat_id: update.chat().map(|chat| chat.id.0), body }
}

/// teloxide could not parse it: such an update never reaches the handlers.
pub(super) fn unparsed(update: &Update) -> bool {
    matches!(update.kind, UpdateKind::Error(_))
}

/// The listener for `dispatch_with_listener`.
pub struct ReliablePolling {
    telegram: Telegram,
    db: Db,
    clock: SharedClock,
    timeout: Duration,
    allowed: Option<Vec<AllowedUpdate>>,
    buffer: VecDeque<Update>,
    /// The offset that confirms everything stored so far; `None` before the first batch, so
    /// that Telegram sends whatever is unconfirmed (its update ids may even start anew).
    offset: Option<i64>,
    last_purge: Option<tokio::time::Instant>,
    /// When deferred updates (`storage/replicas.rs`) were last taken back, on PostgreSQL.
    last_adoption: tokio::time::Instant,
    replayed: bool,
    stop_token: StopToken,
    stop_flag: StopFlag,
}

/// Long polls of `timeout` that store each batch in the inbox before confirming it.
pub fn reliable_polling(telegram: Telegram, db: Db, clock: SharedClock, timeout: Duration) -> ReliablePolling {
    let (stop_token, stop_flag) = mk_stop_token();
    ReliablePolling {
        telegram,
        db,
        clock,
        timeout,
        allowed: None,
        buffer: VecDeque::new(),
        offset: None,
        last_purge: None,
        last_adoption: tokio::time::Instant::now(),
        replayed: false,
        stop_token,
        stop_flag,
    }
}

impl UpdateListener for ReliablePolling {
    type Err = ListenerError;

    fn stop_token(&mut self) -> StopToken {
        self.stop_token.clone()
    }

    /// teloxide reads the handler tree's kinds from its description, which our own wrappers
    /// (`around_every_update`, `load_chat`) leave open, so it hints every kind. Both listeners
    /// ask for the kinds the handlers take instead.
    fn hint_allowed_updates(&mut self, _hint: &mut dyn Iterator<Item = AllowedUpdate>) {
        self.allowed = Some(super::webhook::ALLOWED_UPDATES.to_vec());
    }
}

impl<'a> AsUpdateStream<'a> for ReliablePolling {
    type StreamErr = ListenerError;
    type Stream = Pin<Box<dyn Stream<Item = Result<Update, ListenerError>> + Send + 'a>>;

    fn as_stream(&'a mut self) -> Self::Stream {
        Box::pin(stream(self))
    }
}

impl ReliablePolling {
    /// Queues what a previous run stored and did not finish.
    async fn replay(&mut self) -> Result<(), StorageError> {
        // Only the leader polls and handles: every update stored and unhandled is its own now.
        self.buffer.extend(stored_unhandled(&self.db, &self.clock, true).await?);
        self.replayed = true;
        Ok(())
    }

    /// Fetches one batch, stores it, and queues it.
    async fn poll(&mut self) -> Result<(), ListenerError> {
        // An update deferred behind an orphan of its chat is taken back with it.
        if self.db.backend() == Backend::Postgres && self.last_adoption.elapsed() >= HEARTBEAT {
            self.last_adoption = tokio::time::Instant::now();
            self.buffer.extend(stored_unhandled(&self.db, &self.clock, true).await?);
        }
        let timeout = u32::try_from(self.timeout.as_secs()).unwrap_or(u32::MAX);
        let offset = self.offset.map(|offset| i32::try_from(offset).unwrap_or(i32::MAX));
        let allowed = self.allowed.clone();
        let updates = self
            .telegram
            .call(Patience::polling(self.timeout), |bot| {
                let mut request = bot.get_updates().timeout(timeout);
                if let Some(offset) = offset {
                    request = request.offset(offset);
                }
                if let Some(allowed) = allowed {
                    request = request.allowed_updates(allowed);
                }
                request
            })
            .await?;
        let purge_due = self.last_purge.is_none_or(|last| last.elapsed() >= PURGE_EVERY);
        if let (Some(offset), true) = (self.offset, purge_due) {
            self.db.purge_confirmed(offset).await?;
            self.last_purge = Some(tokio::time::Instant::now());
        }
        // An update teloxide cannot parse never reaches the handlers, so it would never leave
        // the inbox: it is handed out (the dispatcher logs it) but not stored.
        let entries: Vec<InboxEntry> = updates
            .iter()
            .filter(|update| !unparsed(update))
            .map(|update| {
                let body = serde_json::to_string(update).unwrap_or_else(|err| {
                    tracing::warn!(update_id = update.id.0, %err, "update not serializable; it cannot be replayed");
                    String::from("null")
                });
                inbox_entry(update, body)
            })
            .collect();
        let stored: HashSet<i64> = self.db.store_updates(&entries, self.clock.now()).await?.into_iter().collect();
        if let Some(last) = updates.iter().map(update_id).max() {
            self.offset = Some(last + 1);
        }
        self.buffer
            .extend(updates.into_iter().filter(|update| stored.contains(&update_id(update)) || unparsed(update)));
        Ok(())
    }
}

/// The updates a previous run (or a replica that died) stored and did not finish, adopted
/// (`Db::adopt_orphans`), oldest first; one that no longer parses is dropped from the inbox.
/// Read whole before any is handed out, so that a failure halfway queues nothing twice.
pub(super) async fn stored_unhandled(db: &Db, clock: &SharedClock, alone: bool) -> Result<Vec<Update>, StorageError> {
    let pending = db.adopt_orphans(clock.now(), alone).await?;
    if !pending.is_empty() {
        tracing::info!(updates = pending.len(), "replaying updates stored before a restart or by a stopped replica");
    }
    let mut replay = Vec::with_capacity(pending.len());
    for entry in pending {
        match serde_json::from_str::<Update>(&entry.body) {
            Ok(update) if !unparsed(&update) => replay.push(update),
            parsed => {
                let err = parsed.err().map(|err| err.to_string()).unwrap_or_default();
                tracing::warn!(update_id = entry.update_id, err, "a stored update no longer parses; dropped");
                db.delete_updates(&[entry.update_id]).await?;
            }
        }
    }
    Ok(replay)
}

fn stream(state: &mut ReliablePolling) -> impl Stream<Item = Result<Update, ListenerError>> + Send + '_ {
    stream::unfold(state, |state| async move {
        loop {
            if let Some(update) = state.buffer.pop_front() {
                return Some((Ok(update), state));
            }
            if state.stop_flag.is_stopped() {
                return None;
            }
            let step = if state.replayed {
                let stop = state.stop_flag.clone();
                tokio::select! {
                    result = state.poll() => result,
                    () = stop => return None,
                }
            } else {
                state.replay().await.map_err(ListenerError::from)
            };
            if let Err(err) = step {
                tokio::time::sleep(err.pause()).await;
                return Some((Err(err), state));
            }
        }
    })
}
