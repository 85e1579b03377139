//! Telegram: the one request layer every Bot API call goes through, and what the bot reads out
//! of Telegram's errors.
//!
//! Telegram may answer any request with 429 (`retry_after`), a 5xx, or a dropped connection,
//! whatever the bot's own pacing. [`Telegram::call`] sends a request, and on such a failure
//! sends the same request again within a [`Patience`]:
//! - 429: waits exactly `retry_after`, then retries (as grammY's auto-retry and teloxide's
//!   `Throttle` do); a wait longer than the patience allows goes back to the caller;
//! - 5xx, timeouts and dropped connections: retries after a short backoff (250 ms, doubling,
//!   at most 4 s), while the patience's time bound lasts;
//! - anything else (400, 403): returned at once, since sending it again cannot help.
//!
//! Each attempt has its own timeout. teloxide holds a 5xx answer for 10 s before it reports it
//! (`DELAY_ON_SERVER_ERROR` in teloxide-core 0.13) and drops its status code, so an attempt
//! that has not answered within [`ATTEMPT_TIMEOUT`] is counted as failed and sent again. A
//! chat's updates are handled one at a time and a retry happens in place, so requests within
//! one chat keep their order.

use std::sync::Arc;
use std::time::Duration;

use teloxide::ApiError;
use teloxide::RequestError;
use teloxide::payloads::{SendDocumentSetters, SendMessageSetters};
use teloxide::prelude::*;
use teloxide::requests::{Output, Payload};
use teloxide::types::{InputFile, LinkPreviewOptions, ParseMode, ReplyMarkup};
use tokio::time::Instant;

use crate::config::Settings;
use crate::metrics::{CallStatus, Metrics};

/// One attempt's bound. Telegram answers `sendMessage` in well under a second; 5 s leaves room
/// for a slow network and still fits four attempts in an interactive reply's 20 s.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);
/// The first pause after a 5xx, timeout or dropped connection; each retry doubles it.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// The longest such pause: a fault that outlasts a few short pauses outlasts the patience.
const MAX_BACKOFF: Duration = Duration::from_secs(4);

/// How long one kind of request may keep trying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Patience {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// 5xx, timeouts and dropped connections are retried only while this much time has not
    /// passed since the first attempt.
    pub within: Duration,
    /// The longest `retry_after` waited in place; a longer one is returned to the caller.
    pub longest_wait: Duration,
    /// One attempt's timeout.
    pub attempt: Duration,
}

impl Patience {
    /// A reply to someone waiting in the chat: about 20 s of faults, and any 429 Telegram
    /// sends a single chat (a few seconds; 30 s at the most).
    pub const INTERACTIVE: Patience = Patience {
        attempts: 6,
        within: Duration::from_secs(20),
        longest_wait: Duration::from_secs(30),
        attempt: ATTEMPT_TIMEOUT,
    };
    /// The apology after a reply failed: brief, since the reply's own retries are spent.
    pub const APOLOGY: Patience = Patience {
        attempts: 2,
        within: Duration::from_secs(5),
        longest_wait: Duration::from_secs(5),
        attempt: ATTEMPT_TIMEOUT,
    };
    /// A reminder or broadcast from the outbox. A few quick retries; a 429 goes back to the
    /// sender, which pauses every send and keeps the row in the outbox, and longer faults
    /// are retried from the outbox with its backoff.
    pub const OUTBOX: Patience = Patience {
        attempts: 3,
        within: Duration::from_secs(10),
        longest_wait: Duration::ZERO,
        attempt: ATTEMPT_TIMEOUT,
    };
    /// Start-up settings (the command menu): nobody waits, so it may take a minute.
    pub const SETUP: Patience = Patience {
        attempts: 8,
        within: Duration::from_secs(60),
        longest_wait: Duration::from_secs(60),
        attempt: ATTEMPT_TIMEOUT,
    };

    /// A file sent or fetched for someone waiting in the chat (an export, an import). An
    /// attempt may take longer than a text's, but stays under teloxide's 10 s hold of a 5xx,
    /// which it then reports as a refusal: cut at 9 s, a 5xx is retried. 9 s carries a
    /// campaign's export (a few MB) over any server's link.
    pub const FILE: Patience = Patience {
        attempts: 6,
        within: Duration::from_secs(60),
        longest_wait: Duration::from_secs(30),
        attempt: Duration::from_secs(9),
    };

    /// A long poll of `timeout`: its attempt lasts the poll plus 10 s. A 429 on `getUpdates`
    /// is waited out whatever it asks (nothing else can be done meanwhile).
    pub fn polling(timeout: Duration) -> Patience {
        Patience {
            attempts: 4,
            within: Duration::from_secs(30),
            longest_wait: Duration::from_secs(3600),
            attempt: timeout + Duration::from_secs(10),
        }
    }
}

/// What a failed attempt says about the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// 429: Telegram will take the request after this long.
    Throttled(Duration),
    /// 5xx, a timeout, a dropped connection, an answer that is not Telegram's JSON (a proxy's
    /// error page): the same request may well succeed.
    Transient,
    /// Anything else: the same request would fail the same way.
    Permanent,
}

/// The status a failed request is counted under.
fn call_status(error: &RequestError) -> CallStatus {
    match error {
        RequestError::RetryAfter(_) => CallStatus::TooManyRequests,
        error if is_unreachable(error) => CallStatus::Forbidden,
        RequestError::Api(_) | RequestError::MigrateToChatId(_) => CallStatus::BadRequest,
        RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. } => CallStatus::Unavailable,
    }
}

fn classify(error: &RequestError) -> Failure {
    match error {
        RequestError::RetryAfter(seconds) => Failure::Throttled(seconds.duration()),
        RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. } => Failure::Transient,
        RequestError::Api(_) | RequestError::MigrateToChatId(_) => Failure::Permanent,
    }
}

/// After failed attempt number `attempt` (from 1), `elapsed` since the first: how long to
/// pause before the next one, or `None` to give up.
fn pause_before_retry(failure: Failure, attempt: u32, elapsed: Duration, patience: &Patience) -> Option<Duration> {
    if attempt >= patience.attempts {
        return None;
    }
    match failure {
        Failure::Throttled(wait) => (wait <= patience.longest_wait).then_some(wait),
        Failure::Transient => {
            let backoff = FIRST_BACKOFF.saturating_mul(1 << (attempt - 1).min(16)).min(MAX_BACKOFF);
            // The next attempt must start (with time to answer) within the bound.
            (elapsed + backoff < patience.within).then_some(backoff)
        }
        Failure::Permanent => None,
    }
}

/// The bot's Telegram client, whose every request goes through [`Telegram::call`].
#[derive(Clone)]
pub struct Telegram {
    bot: Bot,
    /// Every attempt is counted here, by method and status.
    metrics: Arc<Metrics>,
}

impl std::fmt::Debug for Telegram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The bot's URL carries its token.
        f.debug_struct("Telegram").finish_non_exhaustive()
    }
}

impl Telegram {
    pub fn new(bot: Bot, metrics: Arc<Metrics>) -> Telegram {
        Telegram { bot, metrics }
    }

    /// The application's metrics, which this client counts its requests in.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// The client itself, for teloxide's dispatcher only (whose one call, `getMe` at start,
    /// is retried by its caller).
    pub(crate) fn dispatcher_bot(&self) -> Bot {
        self.bot.clone()
    }

    /// Builds a request with `build` and sends it until it succeeds, fails for good, or
    /// `patience` runs out; then returns the last error.
    pub async fn call<R>(&self, patience: Patience, build: impl FnOnce(&Bot) -> R) -> Result<Output<R>, RequestError>
    where
        R: Request<Err = RequestError>,
    {
        let request = build(&self.bot);
        let method = <R::Payload as Payload>::NAME;
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            let error = match tokio::time::timeout(patience.attempt, request.send_ref()).await {
                Ok(Ok(output)) => {
                    self.metrics.telegram_call(method, CallStatus::Ok);
                    return Ok(output);
                }
                Ok(Err(error)) => error,
                Err(_) => timed_out(patience.attempt),
            };
            self.metrics.telegram_call(method, call_status(&error));
            let failure = classify(&error);
            let Some(pause) = pause_before_retry(failure, attempt, started.elapsed(), &patience) else {
                return Err(error);
            };
            // After an outage every worker retries at once; spread the backoffs (not a 429's
            // wait, which Telegram set) over their upper half.
            let pause = if matches!(failure, Failure::Transient) { jittered(pause) } else { pause };
            tracing::warn!(method, attempt, pause_ms = pause.as_millis() as u64, %error, "Telegram request failed; retrying");
            tokio::time::sleep(pause).await;
            attempt += 1;
        }
    }
}

impl Telegram {
    /// Sends an HTML text (the bot's only format: codes are monospace), with no link preview
    /// and an optional keyboard.
    pub async fn send_html(
        &self,
        patience: Patience,
        chat: ChatId,
        text: String,
        markup: Option<ReplyMarkup>,
    ) -> Result<Message, RequestError> {
        self.call(patience, |bot| {
            let request = bot.send_message(chat, text).parse_mode(ParseMode::Html).link_preview_options(no_preview());
            match markup {
                Some(markup) => request.reply_markup(markup),
                None => request,
            }
        })
        .await
    }
}

/// How downloads are named in the metrics (no Bot API method: the file server's path).
const DOWNLOAD: &str = "downloadFile";

/// Why a file could not be downloaded from Telegram.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("the file is larger than {max} bytes")]
    TooLarge { max: u64 },
    #[error("Telegram refused the download with HTTP {0}")]
    Refused(u16),
    #[error("the download failed: {0}")]
    Failed(String),
}

impl Telegram {
    /// Downloads a file by the `file_path` `getFile` gave, at most `max_bytes` of it, with the
    /// request layer's retries: a 429, a 5xx, a timeout or a dropped connection is tried again
    /// within `patience` (the file server sends no `retry_after`, so a 429 waits like a 5xx).
    pub async fn download(&self, patience: Patience, path: &str, max_bytes: u64) -> Result<Vec<u8>, DownloadError> {
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            let error = match tokio::time::timeout(patience.attempt, self.download_once(path, max_bytes)).await {
                Ok(Ok(bytes)) => {
                    self.metrics.telegram_call(DOWNLOAD, CallStatus::Ok);
                    return Ok(bytes);
                }
                Ok(Err(error)) => error,
                Err(_) => DownloadError::Failed(format!("no answer within {} ms", patience.attempt.as_millis())),
            };
            let (failure, status) = match &error {
                DownloadError::Refused(429) => (Failure::Transient, CallStatus::TooManyRequests),
                DownloadError::Refused(500..=599) | DownloadError::Failed(_) => {
                    (Failure::Transient, CallStatus::Unavailable)
                }
                DownloadError::Refused(403) => (Failure::Permanent, CallStatus::Forbidden),
                DownloadError::Refused(_) => (Failure::Permanent, CallStatus::BadRequest),
                // The whole file arrived, and was too large: the server answered.
                DownloadError::TooLarge { .. } => (Failure::Permanent, CallStatus::Ok),
            };
            self.metrics.telegram_call(DOWNLOAD, status);
            let Some(pause) = pause_before_retry(failure, attempt, started.elapsed(), &patience) else {
                return Err(error);
            };
            let pause = jittered(pause);
            tracing::warn!(attempt, pause_ms = pause.as_millis() as u64, %error, "file download failed; retrying");
            tokio::time::sleep(pause).await;
            attempt += 1;
        }
    }

    async fn download_once(&self, path: &str, max_bytes: u64) -> Result<Vec<u8>, DownloadError> {
        use futures_util::StreamExt;
        use teloxide::net::Download;
        let mut stream = self.bot.download_file_stream(path);
        let mut bytes = Vec::new();
        while let Some(chunk) = stream.next().await {
            // The file's URL carries the bot token: it never goes into an error.
            let chunk = chunk.map_err(|err| match err.status() {
                Some(status) => DownloadError::Refused(status.as_u16()),
                None => DownloadError::Failed(err.without_url().to_string()),
            })?;
            if (bytes.len() + chunk.len()) as u64 > max_bytes {
                return Err(DownloadError::TooLarge { max: max_bytes });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }
}

impl Telegram {
    /// Sends a file made in memory, with an HTML caption. The bytes are kept for a retry.
    pub async fn send_file(
        &self,
        patience: Patience,
        chat: ChatId,
        file_name: impl Into<std::borrow::Cow<'static, str>>,
        bytes: Vec<u8>,
        caption: String,
    ) -> Result<Message, RequestError> {
        self.call(patience, |bot| {
            bot.send_document(chat, InputFile::memory(bytes).file_name(file_name))
                .caption(caption)
                .parse_mode(ParseMode::Html)
        })
        .await
    }

    /// Sends a PNG picture made in memory, with an optional HTML caption (at most 1,024
    /// characters) and keyboard. The bytes are kept for a retry.
    pub async fn send_photo(
        &self,
        patience: Patience,
        chat: ChatId,
        png: Vec<u8>,
        caption: Option<String>,
        markup: Option<ReplyMarkup>,
    ) -> Result<Message, RequestError> {
        self.call(patience, |bot| {
            let mut request = bot.send_photo(chat, InputFile::memory(png).file_name("dashboard.png"));
            if let Some(caption) = caption {
                request = request.caption(caption).parse_mode(ParseMode::Html);
            }
            match markup {
                Some(markup) => request.reply_markup(markup),
                None => request,
            }
        })
        .await
    }
}

impl Telegram {
    /// Sends a message of the outbox: an HTML text without link preview, as a paid broadcast
    /// (`allow_paid_broadcast`, paid in Stars, up to 1,000 a second) when `paid`.
    pub async fn send_outbox_html(
        &self,
        patience: Patience,
        chat: ChatId,
        text: String,
        paid: bool,
    ) -> Result<Message, RequestError> {
        self.call(patience, |bot| {
            let request = bot.send_message(chat, text).parse_mode(ParseMode::Html).link_preview_options(no_preview());
            if paid { request.allow_paid_broadcast(true) } else { request }
        })
        .await
    }
}

/// No link preview: a message shows as its text alone.
pub(crate) fn no_preview() -> LinkPreviewOptions {
    LinkPreviewOptions {
        is_disabled: true,
        url: None,
        prefer_small_media: false,
        prefer_large_media: false,
        show_above_text: false,
    }
}

/// `pause` shortened by a random share of up to half: "equal jitter".
fn jittered(pause: Duration) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    // A fresh RandomState is seeded from the OS once per thread, then advanced per call:
    // random enough to spread retries, with no generator to keep.
    let random = std::collections::hash_map::RandomState::new().build_hasher().finish();
    let share = (random % 1_000) as u32;
    pause / 2 + pause / 2 * share / 1_000
}

fn timed_out(after: Duration) -> RequestError {
    let message = format!("no answer within {} ms", after.as_millis());
    RequestError::Io(std::sync::Arc::new(std::io::Error::new(std::io::ErrorKind::TimedOut, message)))
}

impl Telegram {
    /// Telegram's client for `settings`: the token and, when set, a self-hosted Bot API
    /// server (the emulator). Its HTTP timeout outlasts a long poll: teloxide's default
    /// client gives up after 17 s, before a 25 s poll can return.
    pub fn connect(settings: &Settings, metrics: Arc<Metrics>) -> Result<Telegram, RequestError> {
        let token = settings.token.as_ref().map(|token| token.expose().to_owned()).unwrap_or_default();
        let client = teloxide::net::default_reqwest_settings()
            .timeout(settings.poll_timeout + Duration::from_secs(10))
            .build()
            .map_err(RequestError::from)?;
        let bot = Bot::with_client(token, client);
        let bot = match &settings.api_url {
            Some(url) => bot.set_api_url(url.clone()),
            None => bot,
        };
        Ok(Telegram::new(bot, metrics))
    }
}

/// Whether Telegram refuses to reach the chat at all: the user blocked the bot or deleted
/// their account, the bot was kicked, or the chat cannot be written to by a bot. Nothing sent
/// there later can arrive, so the candidate is treated as gone.
pub fn is_unreachable(error: &RequestError) -> bool {
    let RequestError::Api(api) = error else { return false };
    match api {
        ApiError::BotBlocked
        | ApiError::UserDeactivated
        | ApiError::BotKicked
        | ApiError::BotKickedFromSupergroup
        | ApiError::BotKickedFromChannel
        | ApiError::CantInitiateConversation
        | ApiError::CantTalkWithBots => true,
        // A 403 teloxide has no variant for yet: its description is all it keeps of it.
        ApiError::Unknown(description) => description.starts_with("Forbidden:"),
        _ => false,
    }
}

#[cfg(test)]
mod jitter_tests {
    use super::*;

    #[test]
    fn a_jittered_pause_keeps_at_least_half_and_never_grows() {
        let pause = Duration::from_secs(4);
        let pauses: Vec<Duration> = (0..200).map(|_| jittered(pause)).collect();
        assert!(pauses.iter().all(|p| *p >= pause / 2 && *p <= pause), "{pauses:?}");
        let distinct: std::collections::HashSet<_> = pauses.iter().collect();
        assert!(distinct.len() > 20, "the pauses are spread: {} distinct", distinct.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn a_429_is_waited_out_exactly_as_telegram_asks() {
        let pause = pause_before_retry(Failure::Throttled(3 * SECOND), 1, Duration::ZERO, &Patience::INTERACTIVE);
        assert_eq!(pause, Some(3 * SECOND));
    }

    #[test]
    fn a_429_longer_than_the_patience_allows_goes_back_to_the_caller() {
        assert_eq!(
            pause_before_retry(Failure::Throttled(31 * SECOND), 1, Duration::ZERO, &Patience::INTERACTIVE),
            None
        );
        // The outbox waits in the sender, with the row kept, not in the request.
        assert_eq!(pause_before_retry(Failure::Throttled(SECOND), 1, Duration::ZERO, &Patience::OUTBOX), None);
    }

    #[test]
    fn transient_faults_back_off_briefly_and_doubling_up_to_a_cap() {
        let pauses: Vec<Option<Duration>> = (1..=6)
            .map(|attempt| {
                let patience = Patience { attempts: 10, within: Duration::from_secs(600), ..Patience::INTERACTIVE };
                pause_before_retry(Failure::Transient, attempt, Duration::ZERO, &patience)
            })
            .collect();
        let ms = |ms| Some(Duration::from_millis(ms));
        assert_eq!(pauses, [ms(250), ms(500), ms(1000), ms(2000), ms(4000), ms(4000)]);
    }

    #[test]
    fn transient_faults_are_retried_only_within_the_time_bound() {
        let patience = Patience::INTERACTIVE;
        assert!(pause_before_retry(Failure::Transient, 1, 19 * SECOND, &patience).is_some());
        assert_eq!(pause_before_retry(Failure::Transient, 2, 20 * SECOND, &patience), None);
    }

    #[test]
    fn no_request_is_sent_more_often_than_its_attempts() {
        let patience = Patience::INTERACTIVE;
        for failure in [Failure::Transient, Failure::Throttled(SECOND)] {
            assert!(pause_before_retry(failure, patience.attempts - 1, Duration::ZERO, &patience).is_some());
            assert_eq!(pause_before_retry(failure, patience.attempts, Duration::ZERO, &patience), None);
        }
    }

    #[test]
    fn refusals_are_never_retried() {
        for error in [api(ApiError::BotBlocked), api(ApiError::MessageIsTooLong)] {
            assert_eq!(classify(&error), Failure::Permanent);
            assert_eq!(pause_before_retry(classify(&error), 1, Duration::ZERO, &Patience::SETUP), None);
        }
    }

    #[test]
    fn timeouts_and_broken_answers_are_transient_and_429_is_throttled() {
        assert_eq!(classify(&timed_out(ATTEMPT_TIMEOUT)), Failure::Transient);
        let garbage = serde_json::from_str::<serde_json::Value>("<html>502</html>").unwrap_err();
        let invalid =
            RequestError::InvalidJson { source: std::sync::Arc::new(garbage), raw: "<html>502</html>".into() };
        assert_eq!(classify(&invalid), Failure::Transient);
        let throttled = RequestError::RetryAfter(teloxide::types::Seconds::from_seconds(7));
        assert_eq!(classify(&throttled), Failure::Throttled(7 * SECOND));
    }

    fn api(error: ApiError) -> RequestError {
        RequestError::Api(error)
    }

    #[test]
    fn refusals_to_reach_the_chat_are_unreachable() {
        for error in [
            ApiError::BotBlocked,
            ApiError::UserDeactivated,
            ApiError::BotKicked,
            ApiError::BotKickedFromSupergroup,
            ApiError::BotKickedFromChannel,
            ApiError::CantInitiateConversation,
            ApiError::CantTalkWithBots,
            ApiError::Unknown("Forbidden: bot can't send messages to this chat".into()),
        ] {
            assert!(is_unreachable(&api(error.clone())), "{error:?}");
        }
    }

    #[test]
    fn other_errors_are_not() {
        for error in [
            api(ApiError::ChatNotFound),
            api(ApiError::MessageNotModified),
            api(ApiError::Unknown("Bad Request: something else".into())),
            RequestError::RetryAfter(teloxide::types::Seconds::from_seconds(3)),
        ] {
            assert!(!is_unreachable(&error), "{error:?}");
        }
    }

    #[test]
    fn the_emulators_refusals_parse_as_unreachable() {
        // What the emulator answers for a blocked bot and a deleted account, as teloxide reads it.
        for description in ["Forbidden: bot was blocked by the user", "Forbidden: user is deactivated"] {
            let parsed: ApiError = serde_json::from_value(serde_json::Value::from(description)).unwrap();
            assert!(is_unreachable(&api(parsed)), "{description}");
        }
    }
}
