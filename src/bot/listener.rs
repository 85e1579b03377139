//! Long polling that confirms an update to Telegram only once it has been handled.
//!
//! teloxide's own polling confirms a batch (by asking for the next offset) as soon as it has
//! handed it to the dispatcher, so updates being handled when the process dies are lost.
//! Here the offset never passes an unfinished update: after a crash Telegram delivers it
//! again, and the handlers are written so that a replay does no harm.

use std::collections::{BTreeSet, VecDeque};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::stream::{self, Stream};
use teloxide::RequestError;
use teloxide::payloads::GetUpdatesSetters;
use teloxide::prelude::*;
use teloxide::stop::{StopFlag, StopToken, mk_stop_token};
use teloxide::types::AllowedUpdate;
use teloxide::update_listeners::{AsUpdateStream, UpdateListener};
use tokio::sync::Notify;

/// How long to wait for a handled update before polling again with an unchanged offset.
const REPOLL_PAUSE: Duration = Duration::from_millis(20);

/// Which handed-out updates are still being handled.
#[derive(Debug, Default)]
pub struct Progress {
    inner: Mutex<Inner>,
    finished: Notify,
}

#[derive(Debug, Default)]
struct Inner {
    unfinished: BTreeSet<i32>,
    last_handed: Option<i32>,
}

impl Progress {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The offset that confirms exactly the finished updates.
    fn offset(&self) -> Option<i32> {
        let inner = self.lock();
        inner.unfinished.first().copied().or(inner.last_handed.map(|id| id + 1))
    }

    /// Records an update as handed to the dispatcher; false if it was handed out before
    /// (Telegram returns unconfirmed updates again while they are being handled).
    fn hand_out(&self, id: i32) -> bool {
        let mut inner = self.lock();
        if inner.last_handed.is_some_and(|last| id <= last) {
            return false;
        }
        inner.last_handed = Some(id);
        inner.unfinished.insert(id);
        true
    }

    /// Called by the handler tree when an update is done (handled or not).
    pub fn finish_update(&self, update: &Update) {
        self.finish(update_id(update));
    }

    fn finish(&self, id: i32) {
        if self.lock().unfinished.remove(&id) {
            self.finished.notify_waiters();
        }
    }

    fn has_unfinished(&self) -> bool {
        !self.lock().unfinished.is_empty()
    }
}

/// The listener for `dispatch_with_listener`.
pub struct ReliablePolling {
    bot: Bot,
    progress: Arc<Progress>,
    timeout: Duration,
    allowed: Option<Vec<AllowedUpdate>>,
    buffer: VecDeque<Update>,
    /// The offset of the previous request.
    last_offset: Option<i32>,
    stop_token: StopToken,
    stop_flag: StopFlag,
}

/// Long polls of `timeout` that confirm only what `progress` says is finished.
pub fn reliable_polling(bot: Bot, progress: Arc<Progress>, timeout: Duration) -> ReliablePolling {
    let (stop_token, stop_flag) = mk_stop_token();
    ReliablePolling {
        bot,
        progress,
        timeout,
        allowed: None,
        buffer: VecDeque::new(),
        last_offset: None,
        stop_token,
        stop_flag,
    }
}

impl UpdateListener for ReliablePolling {
    type Err = RequestError;

    fn stop_token(&mut self) -> StopToken {
        self.stop_token.clone()
    }

    fn hint_allowed_updates(&mut self, hint: &mut dyn Iterator<Item = AllowedUpdate>) {
        self.allowed = Some(hint.collect());
    }
}

impl<'a> AsUpdateStream<'a> for ReliablePolling {
    type StreamErr = RequestError;
    type Stream = Pin<Box<dyn Stream<Item = Result<Update, RequestError>> + Send + 'a>>;

    fn as_stream(&'a mut self) -> Self::Stream {
        Box::pin(stream(self))
    }
}

fn update_id(update: &Update) -> i32 {
    i32::try_from(update.id.0).unwrap_or(i32::MAX)
}

fn stream(state: &mut ReliablePolling) -> impl Stream<Item = Result<Update, RequestError>> + Send + '_ {
    stream::unfold(state, |state| async move {
        loop {
            if let Some(update) = state.buffer.pop_front() {
                return Some((Ok(update), state));
            }
            if state.stop_flag.is_stopped() {
                return None;
            }
            // Asking again with the same offset while updates are still being handled would
            // fetch the same window again: give one of them a moment to finish first.
            if state.last_offset.is_some()
                && state.progress.offset() == state.last_offset
                && state.progress.has_unfinished()
            {
                let finished = state.progress.finished.notified();
                let _ = tokio::time::timeout(REPOLL_PAUSE, finished).await;
            }
            state.last_offset = state.progress.offset();
            let mut request = state.bot.get_updates().timeout(state.timeout.as_secs().try_into().unwrap_or(u32::MAX));
            if let Some(offset) = state.progress.offset() {
                request = request.offset(offset);
            }
            if let Some(allowed) = &state.allowed {
                request = request.allowed_updates(allowed.clone());
            }
            let updates = tokio::select! {
                updates = request.send() => updates,
                () = state.stop_flag.clone() => return None,
            };
            match updates {
                Ok(updates) => {
                    let fresh: Vec<Update> =
                        updates.into_iter().filter(|update| state.progress.hand_out(update_id(update))).collect();
                    state.buffer.extend(fresh);
                }
                Err(err) => {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    return Some((Err(err), state));
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::Progress;

    #[test]
    fn the_offset_never_passes_an_unfinished_update() {
        let progress = Progress::default();
        assert_eq!(progress.offset(), None);
        assert!(progress.hand_out(10) && progress.hand_out(11) && progress.hand_out(12));
        assert!(!progress.hand_out(11), "a re-delivered update is not handed out twice");
        progress.finish(11);
        assert_eq!(progress.offset(), Some(10));
        progress.finish(10);
        assert_eq!(progress.offset(), Some(12));
        progress.finish(12);
        assert_eq!(progress.offset(), Some(13));
    }
}
