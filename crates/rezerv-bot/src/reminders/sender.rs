//! The sender: claims due outbox rows and delivers them within Telegram's limits.
//!
//! A row is marked in flight (with a lease) before the send and sent after it, so a crash
//! can only duplicate rows that were in flight, and never loses one: expired leases are
//! claimed again.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use teloxide::RequestError;
use teloxide::prelude::*;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::render;
use crate::clock::SharedClock;
use crate::config::Campaign;
use crate::domain::Lang;
use crate::i18n::Locales;
use crate::storage::{Db, OutboxRow, StorageResult};
use crate::telegram::{Patience, Telegram, is_unreachable};

/// The `last_error` of a row put back behind an earlier one of its chat that got a 429.
const WAITING: &str = "waiting behind a rate-limited reminder of the chat";

/// Telegram's overall limit for a bot's messages per second.
pub const TELEGRAM_MAX_PER_SEC: u32 = 30;

#[derive(Debug, Clone)]
pub struct SenderConfig {
    /// Messages per second overall (at most 30, Telegram's limit).
    pub rate_per_sec: u32,
    /// How long a claimed row stays in flight before another sender may retry it.
    pub lease: Duration,
    /// Attempts (network errors, timeouts) before a row is marked failed.
    pub max_attempts: i64,
    /// The first retry delay; each retry doubles it.
    pub backoff: Duration,
    /// Rows claimed at once.
    pub batch: i64,
    /// Sends in flight at once.
    pub concurrency: usize,
    /// How long to sleep when nothing is due.
    pub idle_poll: Duration,
    /// How one send retries in place before the outbox's own backoff takes over.
    pub patience: Patience,
}

impl Default for SenderConfig {
    fn default() -> Self {
        SenderConfig {
            rate_per_sec: 25,
            lease: Duration::from_secs(300),
            max_attempts: 6,
            backoff: Duration::from_secs(30),
            batch: 64,
            concurrency: 16,
            idle_poll: Duration::from_secs(1),
            patience: Patience::OUTBOX,
        }
    }
}

/// What happened to one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    Sent,
    /// Telegram asked to slow down: the whole sender pauses, the row is retried.
    RateLimited {
        retry_after_secs: u32,
    },
    /// A network error or timeout: retried later with backoff.
    Retried(String),
    /// A permanent error (400 and the like), or too many attempts.
    Failed(String),
    /// Not sent and never will be: the candidate blocked the bot or erased their data, the
    /// reminder expired, or a newer one for the same deadline superseded it.
    Cancelled(String),
}

pub use crate::storage::CancelReason;

pub struct Sender {
    db: Db,
    telegram: Telegram,
    locales: Arc<Locales>,
    campaign: Arc<Campaign>,
    clock: SharedClock,
    config: SenderConfig,
    overall: DefaultDirectRateLimiter,
    per_chat: DefaultKeyedRateLimiter<i64>,
    paused_until: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender").field("config", &self.config).finish_non_exhaustive()
    }
}

/// Evenly spaced sends at `rate` per second. `burst` lets a sender that fell behind (a busy
/// machine, a slow database write) catch up by that many sends; any one-second window then
/// holds at most `rate + burst - 1` sends.
fn per_second(rate: u32, burst: u32) -> Quota {
    let rate = NonZeroU32::new(rate.clamp(1, TELEGRAM_MAX_PER_SEC)).unwrap_or(NonZeroU32::MIN);
    Quota::per_second(rate).allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN))
}

/// The overall catch-up allowance: half the headroom under Telegram's 30 per second.
fn catch_up_burst(rate: u32) -> u32 {
    (TELEGRAM_MAX_PER_SEC.saturating_sub(rate) / 2).max(1)
}

impl Sender {
    pub fn new(
        db: Db,
        telegram: Telegram,
        locales: Arc<Locales>,
        campaign: Arc<Campaign>,
        clock: SharedClock,
        config: SenderConfig,
    ) -> Sender {
        Sender {
            overall: RateLimiter::direct(per_second(config.rate_per_sec, catch_up_burst(config.rate_per_sec))),
            per_chat: RateLimiter::keyed(per_second(1, 1)),
            paused_until: Mutex::new(None),
            db,
            telegram,
            locales,
            campaign,
            clock,
            config,
        }
    }

    /// Claims one due row and delivers it. `None` when nothing is due. Tests drive the sender
    /// through a campaign with this, one row at a time.
    pub async fn try_execute_task(&self) -> StorageResult<Option<(OutboxRow, SendOutcome)>> {
        let now = self.clock.now();
        let lease = now + chrono::Duration::from_std(self.config.lease).unwrap_or(chrono::Duration::minutes(5));
        let Some(claimed) = self.db.claim_due(now, self.campaign.local_date(now), lease, 1).await?.pop() else {
            return Ok(None);
        };
        let outcome = match claimed.retired {
            Some(reason) => SendOutcome::Cancelled(reason.to_string()),
            None => self.deliver(&claimed.row).await?,
        };
        Ok(Some((claimed.row, outcome)))
    }

    /// Delivers everything due now; returns the outcomes in order.
    pub async fn drain(&self) -> StorageResult<Vec<(OutboxRow, SendOutcome)>> {
        let mut outcomes = Vec::new();
        while let Some(done) = self.try_execute_task().await? {
            outcomes.push(done);
        }
        Ok(outcomes)
    }

    /// The worker loop: claims batches and sends them concurrently, paced, until `stop`
    /// turns true.
    pub async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let mut backoff = self.config.idle_poll;
        loop {
            if *stop.borrow() {
                break;
            }
            let sent = match self.clone().run_batch().await {
                Ok(count) => {
                    backoff = self.config.idle_poll;
                    count
                }
                Err(err) => {
                    tracing::error!(error = %crate::bot::error_chain(&err), "sender batch failed");
                    backoff = (backoff * 2).min(Duration::from_secs(60));
                    0
                }
            };
            if sent == 0 {
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = stop.changed() => {}
                }
            }
            // Keep the per-chat limiter's memory flat: forget chats not seen recently.
            self.per_chat.retain_recent();
        }
    }

    async fn run_batch(self: Arc<Self>) -> StorageResult<usize> {
        let now = self.clock.now();
        let lease = now + chrono::Duration::from_std(self.config.lease).unwrap_or(chrono::Duration::minutes(5));
        let claimed = self.db.claim_due(now, self.campaign.local_date(now), lease, self.config.batch).await?;
        let count = claimed.len();
        // Rows cancelled at the claim (superseded, expired…) are done already.
        let rows = claimed.into_iter().filter(|claimed| claimed.retired.is_none()).map(|claimed| claimed.row);
        // One task per chat, which sends the chat's rows one after another in the order they
        // fell due (the claim's order); chats go concurrently.
        let mut chats: Vec<Vec<OutboxRow>> = Vec::new();
        let mut chat_index: HashMap<i64, usize> = HashMap::new();
        for row in rows {
            match chat_index.get(&row.chat_id) {
                Some(index) => chats[*index].push(row),
                None => {
                    chat_index.insert(row.chat_id, chats.len());
                    chats.push(vec![row]);
                }
            }
        }
        let mut tasks = JoinSet::new();
        let slots = Arc::new(tokio::sync::Semaphore::new(self.config.concurrency.max(1)));
        for rows in chats {
            let Ok(slot) = slots.clone().acquire_owned().await else { break };
            let sender = self.clone();
            tasks.spawn(async move {
                sender.deliver_in_order(&rows).await;
                drop(slot);
            });
        }
        while tasks.join_next().await.is_some() {}
        Ok(count)
    }

    /// Delivers one chat's claimed rows in order. After a 429 the rest go back to pending
    /// behind the refused row (its due time is kept), so they still arrive after it.
    async fn deliver_in_order(&self, rows: &[OutboxRow]) {
        for (sent, row) in rows.iter().enumerate() {
            match self.deliver(row).await {
                Ok(SendOutcome::RateLimited { .. }) => {
                    for later in &rows[sent + 1..] {
                        let released =
                            self.db.retry_later(later.id, later.due_at, WAITING, false, self.clock.now()).await;
                        if let Err(err) = released {
                            // It stays in flight; its lease expiring retries it.
                            tracing::error!(row = later.id, error = %crate::bot::error_chain(&err), "cannot release a row");
                        }
                    }
                    return;
                }
                Ok(_) => {}
                Err(err) => {
                    // The row stays in flight; its lease expiring retries it.
                    tracing::error!(row = row.id, error = %crate::bot::error_chain(&err), "cannot record a send");
                }
            }
        }
    }

    async fn wait_for_turn(&self, chat_id: i64) {
        loop {
            let pause = self.paused_until.lock().map(|until| *until).unwrap_or(None);
            match pause {
                Some(until) if until > Instant::now() => tokio::time::sleep_until(until.into()).await,
                _ => break,
            }
        }
        self.per_chat.until_key_ready(&chat_id).await;
        self.overall.until_ready().await;
    }

    fn pause(&self, seconds: u32) {
        let until = Instant::now() + Duration::from_secs(u64::from(seconds.max(1)));
        if let Ok(mut paused) = self.paused_until.lock() {
            *paused = Some(paused.map_or(until, |current| current.max(until)));
        }
    }

    /// Sends one claimed row and records the outcome.
    async fn deliver(&self, row: &OutboxRow) -> StorageResult<SendOutcome> {
        let now = self.clock.now();
        if row.expires_at.is_some_and(|expires| expires <= now) {
            return self.cancel(row, CancelReason::Expired).await;
        }
        let Some((lang, active)) = self.db.recipient(row.chat_id).await? else {
            return self.cancel(row, CancelReason::Erased).await;
        };
        if !active {
            return self.cancel(row, CancelReason::Inactive).await;
        }
        let lang = lang.unwrap_or(Lang::Ru);
        let text = match render(&self.locales, &self.campaign, lang, &row.message, &row.args) {
            Ok(text) => text,
            Err(problem) => {
                let problem = problem.to_string();
                tracing::error!(row = row.id, %problem, "cannot render a reminder");
                self.db.finish_unsent(row.id, false, &problem, now).await?;
                return Ok(SendOutcome::Failed(problem));
            }
        };

        self.wait_for_turn(row.chat_id).await;
        let result = self.telegram.send_html(self.config.patience, ChatId(row.chat_id), text, None).await;
        let now = self.clock.now();
        match result {
            Ok(_) => {
                self.db.mark_sent(row.id, now).await?;
                self.telegram.metrics().delivered(row.kind);
                Ok(SendOutcome::Sent)
            }
            Err(RequestError::RetryAfter(seconds)) => {
                let secs = seconds.seconds();
                tracing::warn!(retry_after = secs, "Telegram asked the sender to slow down");
                self.pause(secs);
                self.db.retry_later(row.id, row.due_at, "429 Too Many Requests", false, now).await?;
                Ok(SendOutcome::RateLimited { retry_after_secs: secs })
            }
            Err(error) if is_unreachable(&error) => {
                // Telegram's own words, without teloxide's prefix.
                let reason = match &error {
                    RequestError::Api(api) => api.to_string(),
                    other => other.to_string(),
                };
                tracing::info!(chat_id = row.chat_id, %reason, "candidate unreachable: marked inactive");
                self.db.set_active(row.chat_id, false).await?;
                self.db.finish_unsent(row.id, true, &reason, now).await?;
                self.db.cancel_pending(row.chat_id, now).await?;
                Ok(SendOutcome::Cancelled(reason))
            }
            Err(error @ (RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. })) => {
                let reason = crate::bot::error_chain(&error);
                if row.attempts >= self.config.max_attempts {
                    tracing::warn!(row = row.id, %reason, "giving up on a reminder after retries");
                    self.db.finish_unsent(row.id, false, &reason, now).await?;
                    return Ok(SendOutcome::Failed(reason));
                }
                let factor = 2u32.saturating_pow(u32::try_from(row.attempts.saturating_sub(1)).unwrap_or(u32::MAX));
                let delay = self.config.backoff.saturating_mul(factor).min(Duration::from_secs(6 * 3600));
                let due = now + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::hours(6));
                self.db.retry_later(row.id, due, &reason, true, now).await?;
                Ok(SendOutcome::Retried(reason))
            }
            Err(error) => {
                let reason = error.to_string();
                tracing::warn!(row = row.id, %reason, "reminder rejected by Telegram");
                self.db.finish_unsent(row.id, false, &reason, now).await?;
                Ok(SendOutcome::Failed(reason))
            }
        }
    }

    async fn cancel(&self, row: &OutboxRow, reason: CancelReason) -> StorageResult<SendOutcome> {
        self.db.finish_unsent(row.id, true, reason.as_str(), self.clock.now()).await?;
        Ok(SendOutcome::Cancelled(reason.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::{TELEGRAM_MAX_PER_SEC, catch_up_burst};

    #[test]
    fn catching_up_never_exceeds_telegrams_limit() {
        for rate in 1..=TELEGRAM_MAX_PER_SEC {
            let burst = catch_up_burst(rate);
            assert!(burst >= 1);
            assert!(rate + burst - 1 <= TELEGRAM_MAX_PER_SEC, "rate {rate} with burst {burst}");
        }
    }
}
