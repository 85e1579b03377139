//! Updates by webhook, through the same durable inbox as long polling.
//!
//! teloxide's axum webhook listener answers Telegram 200 as soon as it has parsed an update
//! and queued it in memory, so an update being handled when the process dies is lost. Here a
//! request is answered 200 only once its update is stored in the `inbox` table; a request
//! that cannot be stored gets 503, and Telegram delivers the update again. A copy Telegram
//! delivers twice (its 200 got lost) is recognised by its id and handled once. After a crash
//! the listener replays what is stored and unhandled, as the polling listener does.

use std::collections::{HashSet, VecDeque};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use futures_util::stream::{self, Stream};
use teloxide::prelude::*;
use teloxide::stop::{StopFlag, StopToken, mk_stop_token};
use teloxide::types::AllowedUpdate;
use teloxide::update_listeners::{AsUpdateStream, UpdateListener};
use tokio::sync::{Mutex, mpsc};

use super::listener::{ListenerError, inbox_entry, stored_unhandled, unparsed, update_id};
use crate::clock::SharedClock;
use crate::config::{Secret, WebhookSettings};
use crate::storage::{Backend, Db, HEARTBEAT};
use crate::telegram::{Patience, Telegram};

/// The update kinds the handlers take: a message (private, or a command in a group), an
/// edit (ignored on purpose), a button, and the bot's own membership (blocked or not).
pub const ALLOWED_UPDATES: [AllowedUpdate; 4] =
    [AllowedUpdate::Message, AllowedUpdate::EditedMessage, AllowedUpdate::CallbackQuery, AllowedUpdate::MyChatMember];

/// The header Telegram sends the secret in.
const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";

/// Updates received and stored, waiting for the dispatcher. Bounded: when the dispatcher
/// falls behind, Telegram's requests wait (it sends at most `max_connections` at once).
const QUEUE: usize = 1024;

/// How long handled updates stay in the inbox: within it, a copy Telegram delivers again
/// (its answer was lost in transit; it retries within minutes) is recognised.
const KEEP_HANDLED: Duration = Duration::from_secs(3600);
/// How often the listener deletes handled updates older than `KEEP_HANDLED`.
const PURGE_EVERY: Duration = Duration::from_secs(60);

/// What Telegram's requests hand to the dispatcher's listener.
#[derive(Debug, Clone)]
pub struct Inbound {
    updates: Arc<Mutex<mpsc::Receiver<Update>>>,
}

struct Receiving {
    db: Db,
    clock: SharedClock,
    secret: Secret,
    updates: mpsc::Sender<Update>,
}

/// The webhook's route (the path of its URL), and what it hands to the listener.
pub fn routes(webhook: &WebhookSettings, db: Db, clock: SharedClock) -> (Router, Inbound) {
    let (tx, rx) = mpsc::channel(QUEUE);
    let receiving = Arc::new(Receiving { db, clock, secret: webhook.secret.clone(), updates: tx });
    let path = match webhook.url.path() {
        "" => "/",
        path => path,
    };
    let router = Router::new().route(path, post(receive)).with_state(receiving);
    (router, Inbound { updates: Arc::new(Mutex::new(rx)) })
}

/// Tells Telegram where to post updates, with the secret and the kinds the bot handles.
pub async fn set_webhook(telegram: &Telegram, webhook: &WebhookSettings) -> Result<(), teloxide::RequestError> {
    let (url, secret) = (webhook.url.clone(), webhook.secret.expose().to_owned());
    telegram
        .call(Patience::SETUP, |bot| {
            bot.set_webhook(url).secret_token(secret).allowed_updates(ALLOWED_UPDATES.to_vec())
        })
        .await?;
    Ok(())
}

/// Back to long polling: Telegram refuses `getUpdates` while a webhook is set.
pub async fn delete_webhook(telegram: &Telegram) -> Result<(), teloxide::RequestError> {
    telegram.call(Patience::SETUP, |bot| bot.delete_webhook()).await?;
    Ok(())
}

async fn receive(State(hook): State<Arc<Receiving>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let given = headers.get(SECRET_HEADER).map(|value| value.as_bytes());
    if !given.is_some_and(|given| same_secret(given, hook.secret.expose().as_bytes())) {
        tracing::warn!("a webhook request without the right secret was refused");
        return StatusCode::UNAUTHORIZED;
    }
    // Stored and queued in a task of its own: a request Telegram (or the proxy) drops while
    // it waits must not store an update and leave it unqueued until the next start.
    match tokio::spawn(store_and_queue(hook, body)).await {
        Ok(status) => status,
        Err(err) => {
            tracing::error!(error = %err, "storing a webhook update failed");
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

async fn store_and_queue(hook: Arc<Receiving>, body: Bytes) -> StatusCode {
    let update = match serde_json::from_slice::<Update>(&body) {
        Ok(update) => update,
        Err(err) => {
            // Telegram would send it again forever; nothing can ever read it.
            tracing::warn!(%err, "a webhook request is not an update; dropped");
            return StatusCode::OK;
        }
    };
    // An update teloxide cannot parse never reaches the handlers, so it would never leave the
    // inbox: it is handed out (the dispatcher logs it) but not stored, as when polling.
    if !unparsed(&update) {
        let entry = inbox_entry(&update, String::from_utf8_lossy(&body).into_owned());
        match hook.db.store_updates(&[entry], hook.clock.now()).await {
            Ok(stored) if stored.is_empty() => return StatusCode::OK,
            Ok(_) => {}
            Err(err) => {
                tracing::error!(error = %err, "cannot store a webhook update; Telegram will send it again");
                return StatusCode::SERVICE_UNAVAILABLE;
            }
        }
    }
    // Stored: from here a crash or a stopped dispatcher loses nothing (it is replayed).
    if hook.updates.send(update).await.is_err() {
        tracing::debug!("the dispatcher is stopping; the stored update waits for the next start");
    }
    StatusCode::OK
}

/// Compares in time independent of where the two differ.
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len() && given.iter().zip(expected).fold(0u8, |diff, (a, b)| diff | (a ^ b)) == 0
}

/// The listener for `dispatch_with_listener`: first what is stored and unhandled, then what
/// Telegram posts.
pub struct WebhookListener {
    db: Db,
    clock: SharedClock,
    inbound: Inbound,
    buffer: VecDeque<Update>,
    /// The ids replayed at start, so that a copy also received since is not handled twice.
    replayed: Option<HashSet<i64>>,
    /// When handled updates are next purged.
    next_purge: tokio::time::Instant,
    /// When orphans (`storage/replicas.rs`) are next looked for, on PostgreSQL.
    next_adoption: tokio::time::Instant,
    stop_token: StopToken,
    stop_flag: StopFlag,
}

pub fn listener(db: Db, clock: SharedClock, inbound: Inbound) -> WebhookListener {
    let (stop_token, stop_flag) = mk_stop_token();
    let next_purge = tokio::time::Instant::now() + PURGE_EVERY;
    let next_adoption = tokio::time::Instant::now() + HEARTBEAT;
    WebhookListener {
        db,
        clock,
        inbound,
        buffer: VecDeque::new(),
        replayed: None,
        next_purge,
        next_adoption,
        stop_token,
        stop_flag,
    }
}

impl UpdateListener for WebhookListener {
    type Err = ListenerError;

    fn stop_token(&mut self) -> StopToken {
        self.stop_token.clone()
    }
}

impl<'a> AsUpdateStream<'a> for WebhookListener {
    type StreamErr = ListenerError;
    type Stream = Pin<Box<dyn Stream<Item = Result<Update, ListenerError>> + Send + 'a>>;

    fn as_stream(&'a mut self) -> Self::Stream {
        Box::pin(stream(self))
    }
}

/// What the listener does next.
enum Step {
    Update(Box<Update>),
    Purge,
    Adopt,
    Stop,
}

fn stream(state: &mut WebhookListener) -> impl Stream<Item = Result<Update, ListenerError>> + Send + '_ {
    stream::unfold(state, |state| async move {
        loop {
            if let Some(update) = state.buffer.pop_front() {
                return Some((Ok(update), state));
            }
            if state.stop_flag.is_stopped() {
                return None;
            }
            let Some(replayed) = &mut state.replayed else {
                match stored_unhandled(&state.db, &state.clock, false).await {
                    Ok(updates) => {
                        state.replayed = Some(updates.iter().map(update_id).collect());
                        state.buffer.extend(updates);
                        continue;
                    }
                    Err(err) => {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        return Some((Err(ListenerError::Storage(err)), state));
                    }
                }
            };
            let step = {
                let mut updates = state.inbound.updates.lock().await;
                let stop = state.stop_flag.clone();
                // Replicas adopt each other's orphans; a lone SQLite process has none after its start.
                let adopting = state.db.backend() == Backend::Postgres;
                tokio::select! {
                    update = updates.recv() => update.map_or(Step::Stop, |update| Step::Update(Box::new(update))),
                    () = stop => Step::Stop,
                    () = tokio::time::sleep_until(state.next_purge) => Step::Purge,
                    () = tokio::time::sleep_until(state.next_adoption), if adopting => Step::Adopt,
                }
            };
            match step {
                Step::Update(update) if replayed.remove(&update_id(&update)) => {}
                Step::Update(update) => return Some((Ok(*update), state)),
                Step::Stop => return None,
                Step::Adopt => {
                    state.next_adoption = tokio::time::Instant::now() + HEARTBEAT;
                    match stored_unhandled(&state.db, &state.clock, false).await {
                        // Not remembered as replayed: a copy Telegram sends again is already stored,
                        // so it is not queued twice.
                        Ok(updates) => state.buffer.extend(updates),
                        Err(err) => return Some((Err(ListenerError::Storage(err)), state)),
                    }
                }
                Step::Purge => {
                    state.next_purge = tokio::time::Instant::now() + PURGE_EVERY;
                    let before = state.clock.now() - chrono::Duration::from_std(KEEP_HANDLED).unwrap_or_default();
                    if let Err(err) = state.db.purge_handled_before(before).await {
                        return Some((Err(ListenerError::Storage(err)), state));
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::same_secret;

    #[test]
    fn secrets_match_only_when_equal() {
        assert!(same_secret(b"abc_123", b"abc_123"));
        assert!(!same_secret(b"abc_124", b"abc_123"));
        assert!(!same_secret(b"abc_12", b"abc_123"));
        assert!(!same_secret(b"", b"abc_123"));
    }
}
