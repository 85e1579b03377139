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
use tokio::sync::{OwnedMutexGuard, Semaphore, watch};
use tokio::task::JoinSet;

use super::render;
use crate::alerts::{self, Wave};
use crate::clock::SharedClock;
use crate::config::Campaign;
use crate::domain::{Lang, ReminderKind};
use crate::i18n::Locales;
use crate::storage::{BroadcastTexts, ClaimedRow, Db, OutboxRow, StorageResult};
use crate::telegram::{Patience, Telegram, is_unreachable};

/// The `last_error` of a row put back behind an earlier one of its chat that got a 429.
const WAITING: &str = "waiting behind a rate-limited reminder of the chat";

/// The `last_error` of a broadcast row claimed before quiet hours whose send came after they
/// began.
const QUIET_HOURS: &str = "held for the end of quiet hours";

/// Telegram's overall limit for a bot's messages per second.
pub const TELEGRAM_MAX_PER_SEC: u32 = 30;

/// Telegram's limit for messages sent with `allow_paid_broadcast` (paid in Stars).
pub const PAID_BROADCAST_MAX_PER_SEC: u32 = 1_000;

/// The least catch-up allowance of paid broadcasts. At 1,000 a second a send slot lasts 1 ms,
/// the timers' own granularity: without an allowance a task woken late loses its slot for
/// good (82% of the rate was held so), with one it sends the slot it missed right after.
const PAID_MIN_BURST: u32 = 10;

/// How long a broadcast's texts are trusted before they are read again: a stopped broadcast's
/// rows already claimed are dropped within this.
const TEXTS_FRESH: Duration = Duration::from_secs(1);

/// The shortest time between two checks of one wave's failures while they keep coming.
const WAVE_CHECK_EVERY: Duration = Duration::from_secs(2);

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
    /// Broadcasts paid for in Stars (`allow_paid_broadcast`): their own rate, up to 1,000 a
    /// second, beside `rate_per_sec` for everything else. `None`: off.
    pub paid_broadcast_rate: Option<u32>,
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
            paid_broadcast_rate: None,
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
    overall: Pace,
    /// The pace of paid broadcasts, when they are on.
    paid: Option<Pace>,
    per_chat: DefaultKeyedRateLimiter<i64>,
    paused_until: Mutex<Option<Instant>>,
    /// Broadcasts' texts, by id, with when they were read.
    texts: Mutex<HashMap<i64, (Instant, Arc<BroadcastTexts>)>>,
    /// Waves with a failure not yet checked, and when each was last checked.
    troubled: Mutex<HashMap<Wave, Trouble>>,
}

/// A rate limiter whose waiters queue: one task at a time waits on the limiter, so a free
/// slot wakes one task. Governor's `until_ready` wakes every waiter for each slot: 128 tasks
/// at 1,000 slots a second made 128,000 wake-ups a second for 1,000 sends.
struct Pace {
    limiter: DefaultDirectRateLimiter,
    queue: tokio::sync::Mutex<()>,
}

impl Pace {
    fn new(quota: Quota) -> Pace {
        Pace { limiter: RateLimiter::direct(quota), queue: tokio::sync::Mutex::new(()) }
    }

    /// Waits for this task's slot; tasks get theirs in the order they asked.
    async fn ready(&self) {
        let _turn = self.queue.lock().await;
        self.limiter.until_ready().await;
    }
}

/// A chat's turn among the sender's tasks: the tasks of one chat hold it one after another,
/// in the order of the claims, so its rows go out in order even when claims overlap.
#[derive(Debug, Default)]
struct ChatTurn {
    /// When a row of the chat got a 429 and the chat's later rows had gone back to pending
    /// behind it. Rows of a claim begun before then go back too; a claim begun after finds
    /// them all pending, in order, and sends them.
    refused_at: Option<Instant>,
}

/// The tasks sending claimed rows, and the chats they hold.
struct Pipeline {
    tasks: JoinSet<()>,
    slots: Arc<Semaphore>,
    turns: HashMap<i64, Arc<tokio::sync::Mutex<ChatTurn>>>,
}

impl Pipeline {
    fn new(concurrency: usize) -> Pipeline {
        Pipeline { tasks: JoinSet::new(), slots: Arc::new(Semaphore::new(concurrency.max(1))), turns: HashMap::new() }
    }

    /// Forgets finished tasks, and the turns of chats no task holds.
    fn tidy(&mut self) {
        while self.tasks.try_join_next().is_some() {}
        self.turns.retain(|_, turn| Arc::strong_count(turn) > 1);
    }

    /// Waits until every task has finished.
    async fn drain(&mut self) {
        while self.tasks.join_next().await.is_some() {}
    }
}

/// A wave that had a failure.
#[derive(Debug, Clone, Copy)]
struct Trouble {
    /// A failure came since the last check.
    unchecked: bool,
    checked_at: Option<Instant>,
}

fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A poisoned map still holds valid entries.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
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
    quota(rate.clamp(1, TELEGRAM_MAX_PER_SEC), burst)
}

/// One send every `period(rate)`, with `burst` of allowance.
fn quota(rate: u32, burst: u32) -> Quota {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(period(rate)).unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN)).allow_burst(burst)
}

/// The time between two sends at `rate` a second, rounded up: governor's `per_second` rounds
/// it down (1,009,081 ns at 991/s), which lets 991 sends fit in 999.999 ms and one more into
/// Telegram's second.
fn period(rate: u32) -> Duration {
    Duration::from_nanos(1_000_000_000u64.div_ceil(u64::from(rate.max(1))))
}

/// The most sends a limiter of `rate` and `burst` lets into any one-second window: the whole
/// allowance at once, then one per period.
#[cfg(test)]
fn most_in_a_second(rate: u32, burst: u32) -> u64 {
    let period = u64::try_from(period(rate).as_nanos()).unwrap_or(u64::MAX);
    u64::from(burst) + (1_000_000_000 - 1) / period
}

/// The overall catch-up allowance: half the headroom under Telegram's 30 per second. Replicas
/// share that headroom without knowing each other's pace, so one of several takes none: each
/// holds its configured rate in any one-second window, and their rates sum to at most 30.
fn catch_up_burst(rate: u32, replicated: bool) -> u32 {
    if replicated { 1 } else { (TELEGRAM_MAX_PER_SEC.saturating_sub(rate) / 2).max(1) }
}

/// Paid broadcasts' pace for a configured `rate`: the rate held and the catch-up allowance.
/// The allowance is half the headroom under Telegram's 1,000, and at least `PAID_MIN_BURST`;
/// near 1,000 the rate held gives way to it, so that any one-second window holds at most
/// `rate + burst - 1` ≤ 1,000 sends (991 a second for any configured rate from 991 to 1,000).
fn paid_pace(rate: u32) -> (u32, u32) {
    let rate = rate.clamp(1, PAID_BROADCAST_MAX_PER_SEC);
    let burst = (PAID_BROADCAST_MAX_PER_SEC.saturating_sub(rate) / 2).max(PAID_MIN_BURST);
    (rate.min(PAID_BROADCAST_MAX_PER_SEC + 1 - burst), burst)
}

fn paid_quota(rate: u32) -> Quota {
    let (rate, burst) = paid_pace(rate);
    quota(rate, burst)
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
            overall: Pace::new(per_second(
                config.rate_per_sec,
                catch_up_burst(config.rate_per_sec, db.intake_shared()),
            )),
            paid: config.paid_broadcast_rate.map(|rate| Pace::new(paid_quota(rate))),
            per_chat: RateLimiter::keyed(per_second(1, 1)),
            paused_until: Mutex::new(None),
            texts: Mutex::new(HashMap::new()),
            troubled: Mutex::new(HashMap::new()),
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
        let Some(claimed) = self.claim(1).await?.pop() else {
            return Ok(None);
        };
        let outcome = match claimed.retired {
            Some(reason) => SendOutcome::Cancelled(reason.to_string()),
            None => self.deliver(&claimed.row).await?,
        };
        self.check_waves(true).await;
        Ok(Some((claimed.row, outcome)))
    }

    /// Claims up to `limit` due rows. In quiet hours broadcasts are held until they end
    /// first, so none is claimed.
    async fn claim(&self, limit: i64) -> StorageResult<Vec<ClaimedRow>> {
        let now = self.clock.now();
        if let Some(until) = self.campaign.quiet_until(now) {
            let held = self.db.hold_broadcasts(until, now).await?;
            if held > 0 {
                tracing::info!(held, %until, "quiet hours: broadcasts wait until they end");
            }
        }
        let lease = now + chrono::Duration::from_std(self.config.lease).unwrap_or(chrono::Duration::minutes(5));
        self.db.claim_due(now, self.campaign.local_date(now), lease, limit).await
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
    /// turns true. The next batch is claimed as soon as every chat of the current one has a
    /// task, while the last tasks still send: sends do not wait for the next claim (a claim of
    /// 512 rows took about 10% of a paid broadcast's time when batches took turns).
    pub async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let mut backoff = self.config.idle_poll;
        let mut pipeline = Pipeline::new(self.config.concurrency);
        loop {
            if *stop.borrow() {
                break;
            }
            pipeline.tidy();
            let claimed_at = Instant::now();
            let claimed = match self.claim(self.config.batch).await {
                Ok(claimed) => {
                    backoff = self.config.idle_poll;
                    claimed
                }
                Err(err) => {
                    tracing::error!(error = %crate::bot::error_chain(&err), "sender batch failed");
                    backoff = (backoff * 2).min(Duration::from_secs(60));
                    Vec::new()
                }
            };
            let count = claimed.len();
            self.clone().dispatch(&mut pipeline, claimed, claimed_at).await;
            self.check_waves(false).await;
            if count == 0 {
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = stop.changed() => {}
                }
            }
            // Keep the per-chat limiter's memory flat: forget chats not seen recently.
            self.per_chat.retain_recent();
        }
        // Rows already claimed are sent before the sender stops.
        pipeline.drain().await;
    }

    /// Gives each chat of a claim a task, which sends the chat's rows one after another in
    /// the order they fell due (the claim's order); chats go concurrently. A chat whose rows
    /// of the previous claim are still being sent holds up the dispatch until they are (rare:
    /// a chat with rows in two claims in a row).
    async fn dispatch(self: Arc<Self>, pipeline: &mut Pipeline, claimed: Vec<ClaimedRow>, claimed_at: Instant) {
        // Rows cancelled at the claim (superseded, expired…) are done already.
        let rows = claimed.into_iter().filter(|claimed| claimed.retired.is_none()).map(|claimed| claimed.row);
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
        for rows in chats {
            let Ok(slot) = pipeline.slots.clone().acquire_owned().await else { break };
            let chat_id = rows[0].chat_id;
            let mut turn = pipeline.turns.entry(chat_id).or_default().clone().lock_owned().await;
            if turn.refused_at.is_some_and(|refused_at| claimed_at <= refused_at) {
                // Claimed before the chat's rows went back behind a 429: these go back too, here
                // and not in a task, so that the next claim finds them all pending, in order.
                self.put_back(&rows).await;
                turn.refused_at = Some(Instant::now());
                continue;
            }
            let sender = self.clone();
            pipeline.tasks.spawn(async move {
                sender.deliver_in_order(turn, &rows).await;
                drop(slot);
            });
        }
    }

    /// Delivers one chat's claimed rows in order. After a 429 the rest go back to pending
    /// behind the refused row (its due time is kept), so they still arrive after it; so do
    /// the chat's rows of a claim begun before they were back (`dispatch`). After a failed
    /// write the rest stay in flight: their leases run out together, and they are claimed
    /// again in order.
    async fn deliver_in_order(&self, mut turn: OwnedMutexGuard<ChatTurn>, rows: &[OutboxRow]) {
        for (index, row) in rows.iter().enumerate() {
            match self.deliver(row).await {
                Ok(SendOutcome::RateLimited { .. }) => {
                    self.put_back(&rows[index + 1..]).await;
                    turn.refused_at = Some(Instant::now());
                    return;
                }
                Ok(_) => {}
                Err(err) => {
                    // Its lease running out retries it (a resend if the message went out).
                    tracing::error!(row = row.id, error = %crate::bot::error_chain(&err), "cannot record a send");
                    return;
                }
            }
        }
    }

    /// Puts claimed rows back to pending, each at its own due time, behind a row of their
    /// chat that got a 429. At the first failed write the rest stay in flight, so that none
    /// is claimed before the one that could not go back.
    async fn put_back(&self, rows: &[OutboxRow]) {
        for row in rows {
            let released = self.db.retry_later(row.id, row.due_at, WAITING, false, self.clock.now()).await;
            if let Err(err) = released {
                tracing::error!(row = row.id, error = %crate::bot::error_chain(&err), "cannot release a row");
                return;
            }
        }
    }

    /// Waits out a 429 pause, the chat's pace, and the pace of its kind of send: paid
    /// broadcasts have their own.
    async fn wait_for_turn(&self, chat_id: i64, paid: bool) {
        loop {
            let pause = self.paused_until.lock().map(|until| *until).unwrap_or(None);
            match pause {
                Some(until) if until > Instant::now() => tokio::time::sleep_until(until.into()).await,
                _ => break,
            }
        }
        self.per_chat.until_key_ready(&chat_id).await;
        match (&self.paid, paid) {
            (Some(pace), true) => pace.ready().await,
            _ => self.overall.ready().await,
        }
        // A 429 that came while this task queued for its slot pauses it too.
        let pause = self.paused_until.lock().map(|until| *until).unwrap_or(None);
        if let Some(until) = pause
            && until > Instant::now()
        {
            tokio::time::sleep_until(until.into()).await;
        }
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
        let recipient = self.db.recipient(row.chat_id).await?;
        let lang = if row.kind == ReminderKind::Alert {
            // An organiser's chat need not be a candidate's; the claim checked they still are one.
            recipient.and_then(|(lang, _)| lang).unwrap_or(Lang::Ru)
        } else {
            let Some((lang, active)) = recipient else {
                return self.cancel(row, CancelReason::Erased).await;
            };
            if !active {
                return self.cancel(row, CancelReason::Inactive).await;
            }
            lang.unwrap_or(Lang::Ru)
        };
        let broadcast = alerts::broadcast_of(row);
        let rendered = match broadcast {
            Some(id) => match self.broadcast_texts(id).await? {
                Some(texts) if texts.stopped => return self.cancel(row, CancelReason::Stopped).await,
                Some(texts) => Ok(texts.get(lang).to_owned()),
                None => Err(format!("broadcast {id} is not in the database")),
            },
            None => render(&self.locales, &self.campaign, lang, &row.message, &row.args).map_err(|err| err.to_string()),
        };
        let text = match rendered {
            Ok(text) => text,
            Err(problem) => {
                tracing::error!(row = row.id, %problem, "cannot render a reminder");
                self.db.finish_unsent(row.id, false, &problem, now).await?;
                self.note_failure(row);
                return Ok(SendOutcome::Failed(problem));
            }
        };

        let paid = broadcast.is_some() && self.paid.is_some();
        self.wait_for_turn(row.chat_id, paid).await;
        if broadcast.is_some()
            && let Some(until) = self.campaign.quiet_until(self.clock.now())
        {
            // Claimed before quiet hours began: it waits for their end, as unclaimed ones do.
            self.db.retry_later(row.id, until, QUIET_HOURS, false, self.clock.now()).await?;
            return Ok(SendOutcome::Retried(QUIET_HOURS.to_owned()));
        }
        let result = self.telegram.send_outbox_html(self.config.patience, ChatId(row.chat_id), text, paid).await;
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
                    self.note_failure(row);
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
                self.note_failure(row);
                Ok(SendOutcome::Failed(reason))
            }
        }
    }

    async fn cancel(&self, row: &OutboxRow, reason: CancelReason) -> StorageResult<SendOutcome> {
        self.db.finish_unsent(row.id, true, reason.as_str(), self.clock.now()).await?;
        Ok(SendOutcome::Cancelled(reason.to_string()))
    }

    /// A broadcast's texts, read again once they are older than `TEXTS_FRESH`.
    async fn broadcast_texts(&self, id: i64) -> StorageResult<Option<Arc<BroadcastTexts>>> {
        if let Some((read, texts)) = locked(&self.texts).get(&id)
            && read.elapsed() < TEXTS_FRESH
        {
            return Ok(Some(texts.clone()));
        }
        let texts = self.db.broadcast_texts(id).await?.map(Arc::new);
        let mut cache = locked(&self.texts);
        // Only broadcasts being sent stay: memory is flat however many there were.
        cache.retain(|_, (read, _)| read.elapsed() < Duration::from_secs(60));
        if let Some(texts) = &texts {
            cache.insert(id, (Instant::now(), texts.clone()));
        }
        Ok(texts)
    }

    /// Marks the wave of a row that failed for a check of its failures.
    fn note_failure(&self, row: &OutboxRow) {
        if let Some(wave) = alerts::wave_of(&self.campaign, row) {
            locked(&self.troubled).entry(wave).or_insert(Trouble { unchecked: true, checked_at: None }).unchecked =
                true;
        }
    }

    /// Checks the waves that had failures since their last check, each at most every
    /// `WAVE_CHECK_EVERY` unless `now` (a test driving the sender row by row), and tells the
    /// organisers of one that failed. A failed check is logged and tried again later.
    async fn check_waves(&self, now: bool) {
        // Taken before the check: a failure recorded while it runs marks its wave again.
        let due: Vec<Wave> = {
            let mut troubled = locked(&self.troubled);
            troubled.retain(|_, trouble| {
                trouble.unchecked || trouble.checked_at.is_some_and(|at| at.elapsed() < Duration::from_secs(60))
            });
            let mut due = Vec::new();
            for (wave, trouble) in troubled.iter_mut() {
                if trouble.unchecked && (now || trouble.checked_at.is_none_or(|at| at.elapsed() >= WAVE_CHECK_EVERY)) {
                    *trouble = Trouble { unchecked: false, checked_at: Some(Instant::now()) };
                    due.push(*wave);
                }
            }
            due
        };
        for wave in due {
            if let Err(err) = alerts::check_wave(&self.db, &self.campaign, wave, self.clock.now()).await {
                tracing::error!(%wave, error = %crate::bot::error_chain(&err), "cannot check a wave's failures");
                if let Some(trouble) = locked(&self.troubled).get_mut(&wave) {
                    trouble.unchecked = true;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{PAID_BROADCAST_MAX_PER_SEC, TELEGRAM_MAX_PER_SEC, catch_up_burst, most_in_a_second, paid_pace};

    #[test]
    fn paid_broadcasts_never_exceed_a_thousand_in_a_second_and_hold_99_percent_of_their_rate() {
        for configured in 1..=PAID_BROADCAST_MAX_PER_SEC {
            let (rate, burst) = paid_pace(configured);
            let most = most_in_a_second(rate, burst);
            assert!(most <= u64::from(PAID_BROADCAST_MAX_PER_SEC), "{configured}/s: {rate}/s, burst {burst}: {most}");
            assert!(burst >= 10, "{configured}/s: a late wake-up can catch up");
            assert!(f64::from(rate) >= 0.99 * f64::from(configured), "{configured}/s held as {rate}/s");
        }
        assert_eq!(paid_pace(1_000), (991, 10));
        assert_eq!(paid_pace(500), (500, 250));
    }

    #[test]
    fn catching_up_never_exceeds_telegrams_limit() {
        for rate in 1..=TELEGRAM_MAX_PER_SEC {
            let burst = catch_up_burst(rate, false);
            assert_eq!(catch_up_burst(rate, true), 1, "a replica among several takes no catch-up");
            assert!(burst >= 1);
            let most = most_in_a_second(rate, burst);
            assert!(most <= u64::from(TELEGRAM_MAX_PER_SEC), "rate {rate} with burst {burst}: {most}");
            assert!(most_in_a_second(rate, 1) <= u64::from(rate), "a replica at {rate}/s");
        }
    }
}
