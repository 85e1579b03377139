//! Bot API limits: text length, HTML parsing, keyboard validation, flood control.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::types::{Button, KeyboardButton, ReplyKeyboard};
use super::{ApiError, RateLimits};

/// Maximum message text length in characters (after entity parsing).
pub const MAX_TEXT_CHARS: usize = 4096;
/// Maximum caption length of a document or a photo, in characters after entity parsing.
pub const MAX_CAPTION_CHARS: usize = 1024;
/// Maximum `callback_data` length in bytes.
pub const MAX_CALLBACK_DATA_BYTES: usize = 64;
/// Telegram rejects inline keyboards with more buttons than this.
pub const MAX_INLINE_BUTTONS: usize = 100;

/// Inline keyboard button fields of which exactly one must be present.
const BUTTON_ACTIONS: &[&str] = &[
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
];

/// HTML tags Telegram accepts with `parse_mode=HTML`.
const HTML_TAGS: &[&str] = &[
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "tg-emoji",
    "code",
    "pre",
    "blockquote",
];

fn entities_error(detail: String) -> ApiError {
    ApiError::bad_request(format!("can't parse entities: {detail}"))
}

/// Returns the text as the user sees it: HTML tags stripped and entities decoded.
/// Other parse modes are returned unchanged (their markup is counted, a slight overestimate).
pub fn visible_text(text: &str, parse_mode: Option<&str>) -> Result<String, ApiError> {
    match parse_mode {
        Some(mode) if mode.eq_ignore_ascii_case("html") => strip_html(text),
        _ => Ok(text.to_owned()),
    }
}

/// Strips Telegram-style HTML, checking that tags are supported and balanced.
pub fn strip_html(text: &str) -> Result<String, ApiError> {
    let mut out = String::with_capacity(text.len());
    let mut stack: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(pos) = rest.find(['<', '&']) {
        out.push_str(&rest[..pos]);
        let offset = text.len() - rest.len() + pos;
        let tail = &rest[pos..];
        if tail.starts_with('&') {
            let (decoded, used) = decode_entity(tail);
            out.push_str(&decoded);
            rest = &tail[used..];
            continue;
        }
        let Some(end) = tail.find('>') else {
            return Err(entities_error(format!("Unclosed start tag at byte offset {offset}")));
        };
        let inner = &tail[1..end];
        rest = &tail[end + 1..];
        if let Some(name) = inner.strip_prefix('/') {
            let name = name.trim().to_ascii_lowercase();
            match stack.pop() {
                Some(open) if open == name => {}
                Some(open) => {
                    return Err(entities_error(format!(
                        "Unmatched end tag at byte offset {offset}, expected \"</{open}>\", found \"</{name}>\""
                    )));
                }
                None => {
                    return Err(entities_error(format!("Unexpected end tag at byte offset {offset}")));
                }
            }
        } else {
            let name: String =
                inner.split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or_default().to_ascii_lowercase();
            if !HTML_TAGS.contains(&name.as_str()) {
                return Err(entities_error(format!("Unsupported start tag \"{name}\" at byte offset {offset}")));
            }
            stack.push(name);
        }
    }
    out.push_str(rest);
    if let Some(open) = stack.pop() {
        return Err(entities_error(format!("Can't find end tag corresponding to start tag \"{open}\"")));
    }
    Ok(out)
}

/// Decodes one `&...;` entity at the start of `s`; unknown ones stay literal like Telegram.
fn decode_entity(s: &str) -> (String, usize) {
    let Some(semi) = s.find(';').filter(|&i| i <= 10) else {
        return ("&".to_owned(), 1);
    };
    let name = &s[1..semi];
    let decoded = match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        _ => {
            if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
            } else if let Some(dec) = name.strip_prefix('#') {
                dec.parse::<u32>().ok().and_then(char::from_u32)
            } else {
                None
            }
        }
    };
    match decoded {
        Some(c) => (c.to_string(), semi + 1),
        None => ("&".to_owned(), 1),
    }
}

/// Validates message text and returns its visible form.
pub fn check_text(text: Option<&str>, parse_mode: Option<&str>) -> Result<String, ApiError> {
    let raw = text.unwrap_or_default();
    let visible = visible_text(raw, parse_mode)?;
    if visible.trim().is_empty() {
        return Err(ApiError::bad_request("message text is empty"));
    }
    if visible.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError::bad_request("message is too long"));
    }
    Ok(visible)
}

/// Validates a caption (which may be empty) and returns its visible form.
pub fn check_caption(caption: Option<&str>, parse_mode: Option<&str>) -> Result<String, ApiError> {
    let visible = visible_text(caption.unwrap_or_default(), parse_mode)?;
    if visible.chars().count() > MAX_CAPTION_CHARS {
        return Err(ApiError::bad_request("message caption is too long"));
    }
    Ok(visible)
}

/// A validated `reply_markup`.
#[derive(Debug, Clone, PartialEq)]
pub enum Markup {
    /// Inline keyboard: parsed buttons plus the JSON echoed back in messages.
    Inline(Vec<Vec<Button>>, Value),
    /// Custom reply keyboard.
    Reply(ReplyKeyboard),
    /// `ReplyKeyboardRemove`.
    Remove,
    /// `ForceReply`.
    ForceReply,
}

fn button_error(detail: &str) -> ApiError {
    ApiError::bad_request(format!("can't parse inline keyboard button: {detail}"))
}

/// Parses and validates a `reply_markup` parameter (object or JSON string).
pub fn parse_markup(value: Option<&Value>) -> Result<Option<Markup>, ApiError> {
    let owned;
    let value = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => {
            owned = serde_json::from_str::<Value>(s)
                .map_err(|_| ApiError::bad_request("can't parse reply keyboard markup JSON object"))?;
            &owned
        }
        Some(v) => v,
    };
    let Some(obj) = value.as_object() else {
        return Err(ApiError::bad_request("can't parse reply keyboard markup JSON object"));
    };
    if let Some(rows) = obj.get("inline_keyboard") {
        return parse_inline(rows).map(|b| Some(Markup::Inline(b, value.clone())));
    }
    if let Some(rows) = obj.get("keyboard") {
        return parse_reply(rows).map(|k| Some(Markup::Reply(k)));
    }
    if obj.get("remove_keyboard").and_then(Value::as_bool) == Some(true) {
        return Ok(Some(Markup::Remove));
    }
    if obj.get("force_reply").and_then(Value::as_bool) == Some(true) {
        return Ok(Some(Markup::ForceReply));
    }
    Err(ApiError::bad_request("can't parse reply keyboard markup JSON object"))
}

fn parse_inline(rows: &Value) -> Result<Vec<Vec<Button>>, ApiError> {
    let rows = rows.as_array().ok_or_else(|| {
        ApiError::bad_request("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array")
    })?;
    let mut out = Vec::with_capacity(rows.len());
    let mut total = 0usize;
    for row in rows {
        let row = row.as_array().ok_or_else(|| {
            ApiError::bad_request("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays")
        })?;
        let mut parsed = Vec::with_capacity(row.len());
        for button in row {
            parsed.push(parse_inline_button(button)?);
            total += 1;
        }
        out.push(parsed);
    }
    if total > MAX_INLINE_BUTTONS {
        return Err(ApiError::bad_request("reply markup is too long"));
    }
    Ok(out)
}

fn parse_inline_button(button: &Value) -> Result<Button, ApiError> {
    let obj = button.as_object().ok_or_else(|| button_error("InlineKeyboardButton must be an Object"))?;
    let text =
        obj.get("text").and_then(Value::as_str).ok_or_else(|| button_error("Field \"text\" must be of type String"))?;
    if text.trim().is_empty() {
        return Err(button_error("Text must be non-empty"));
    }
    let actions = BUTTON_ACTIONS.iter().filter(|k| obj.get(**k).is_some_and(|v| !v.is_null())).count();
    if actions == 0 {
        return Err(button_error("Text buttons are unallowed in the inline keyboard"));
    }
    if actions > 1 {
        return Err(button_error("exactly one of the optional fields must be used"));
    }
    let callback_data = match obj.get("callback_data") {
        None | Some(Value::Null) => None,
        Some(Value::String(d)) if !d.is_empty() && d.len() <= MAX_CALLBACK_DATA_BYTES => Some(d.clone()),
        Some(_) => return Err(ApiError::bad_request("BUTTON_DATA_INVALID")),
    };
    let url = match obj.get("url") {
        None | Some(Value::Null) => None,
        Some(Value::String(u)) if is_button_url(u) => Some(u.clone()),
        Some(_) => return Err(ApiError::bad_request("BUTTON_URL_INVALID")),
    };
    Ok(Button { text: text.to_owned(), callback_data, url })
}

fn is_button_url(url: &str) -> bool {
    ["http://", "https://", "tg://"].iter().any(|scheme| {
        url.len() > scheme.len() && url.get(..scheme.len()).is_some_and(|p| p.eq_ignore_ascii_case(scheme))
    })
}

fn parse_reply(rows: &Value) -> Result<ReplyKeyboard, ApiError> {
    let bad = || ApiError::bad_request("can't parse reply keyboard markup JSON object");
    let rows = rows.as_array().ok_or_else(bad)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let row = row.as_array().ok_or_else(bad)?;
        let mut parsed = Vec::with_capacity(row.len());
        for button in row {
            let (text, request_contact) = match button {
                Value::String(s) => (s.clone(), false),
                Value::Object(o) => (
                    o.get("text").and_then(Value::as_str).ok_or_else(bad)?.to_owned(),
                    o.get("request_contact").and_then(Value::as_bool).unwrap_or(false),
                ),
                _ => return Err(bad()),
            };
            if text.trim().is_empty() {
                return Err(ApiError::bad_request("keyboard button text must be non-empty"));
            }
            parsed.push(KeyboardButton { text, request_contact });
        }
        out.push(parsed);
    }
    Ok(ReplyKeyboard { rows: out })
}

/// How early a request may arrive and still be admitted by flood control, so a client pacing
/// exactly at the limit is not tripped up by scheduling jitter between it and the emulator.
pub const RATE_LIMIT_SLACK: Duration = Duration::from_millis(10);

/// Messages per second a bot may send with `allow_paid_broadcast` (paying in Stars), Telegram's
/// figure. Paid sends have their own budget: they are not counted against `global_per_sec`,
/// nor free sends against this one.
pub const PAID_BROADCAST_PER_SEC: u32 = 1_000;

/// How often per-chat buckets that refilled completely are forgotten.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// A token bucket refilled continuously at `rate` tokens per second.
#[derive(Debug, Clone)]
struct TokenBucket {
    capacity: f64,
    rate: f64,
    /// May dip slightly below zero when a request was admitted within the slack.
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket; zero rate or capacity count as one.
    fn new(rate_per_sec: u32, capacity: u32, now: Instant) -> Self {
        let capacity = f64::from(capacity.max(1));
        Self { capacity, rate: f64::from(rate_per_sec.max(1)), tokens: capacity, last: now }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.capacity);
        self.last = now;
    }

    /// Time until one whole token is available (zero if one is available now).
    fn wait_time(&mut self, now: Instant) -> Duration {
        self.refill(now);
        if self.tokens >= 1.0 { Duration::ZERO } else { Duration::from_secs_f64((1.0 - self.tokens) / self.rate) }
    }

    fn take(&mut self) {
        self.tokens -= 1.0;
    }

    /// Whether the bucket is full again, i.e. indistinguishable from a fresh one.
    fn is_full_at(&self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens + elapsed * self.rate >= self.capacity
    }
}

/// At most `limit` admissions in any window of `window`.
#[derive(Debug, Clone)]
struct SlidingWindow {
    limit: usize,
    window: Duration,
    /// Admission times inside the current window, oldest first (never more than `limit`).
    admitted: VecDeque<Instant>,
}

impl SlidingWindow {
    fn new(limit: u32, window: Duration) -> Self {
        let limit = usize::try_from(limit.max(1)).unwrap_or(usize::MAX);
        Self { limit, window, admitted: VecDeque::new() }
    }

    /// Time until one more admission fits (zero if it fits now).
    fn wait_time(&mut self, now: Instant) -> Duration {
        while self.admitted.front().is_some_and(|&t| now.saturating_duration_since(t) >= self.window) {
            self.admitted.pop_front();
        }
        match self.admitted.front() {
            Some(&oldest) if self.admitted.len() >= self.limit => (oldest + self.window).saturating_duration_since(now),
            _ => Duration::ZERO,
        }
    }

    fn take(&mut self, now: Instant) {
        self.admitted.push_back(now);
    }
}

/// Global and per-chat flood control; see [`RateLimits`] for the exact rules.
#[derive(Debug)]
pub struct FloodControl {
    limits: RateLimits,
    global: SlidingWindow,
    /// Sends made with `allow_paid_broadcast`.
    paid: SlidingWindow,
    per_chat: HashMap<i64, TokenBucket>,
    last_sweep: Instant,
}

impl FloodControl {
    /// Nothing sent yet: the window is empty and every chat bucket is full.
    pub fn new(limits: RateLimits) -> Self {
        let window = Duration::from_secs(1).saturating_sub(RATE_LIMIT_SLACK);
        Self {
            limits,
            global: SlidingWindow::new(limits.global_per_sec, window),
            paid: SlidingWindow::new(PAID_BROADCAST_PER_SEC, window),
            per_chat: HashMap::new(),
            last_sweep: Instant::now(),
        }
    }

    /// Admits one message into `chat_id` now, or returns the whole seconds to wait (at least 1).
    pub fn try_send(&mut self, chat_id: i64) -> Result<(), u32> {
        self.try_send_at(chat_id, Instant::now())
    }

    /// Admits one message sent with `allow_paid_broadcast` now: up to
    /// [`PAID_BROADCAST_PER_SEC`] a second overall, the per-chat limit as for any send.
    pub fn try_send_paid(&mut self, chat_id: i64) -> Result<(), u32> {
        self.try_send_paid_at(chat_id, Instant::now())
    }

    /// [`FloodControl::try_send`] at a given time (times must not go backwards).
    pub fn try_send_at(&mut self, chat_id: i64, now: Instant) -> Result<(), u32> {
        self.admit(chat_id, false, now)
    }

    /// [`FloodControl::try_send_paid`] at a given time.
    pub fn try_send_paid_at(&mut self, chat_id: i64, now: Instant) -> Result<(), u32> {
        self.admit(chat_id, true, now)
    }

    fn admit(&mut self, chat_id: i64, paid: bool, now: Instant) -> Result<(), u32> {
        self.sweep(now);
        let limits = self.limits;
        let chat = self
            .per_chat
            .entry(chat_id)
            .or_insert_with(|| TokenBucket::new(limits.per_chat_per_sec, limits.burst, now));
        let chat_wait = chat.wait_time(now).saturating_sub(RATE_LIMIT_SLACK);
        let window = if paid { &mut self.paid } else { &mut self.global };
        let wait = window.wait_time(now).max(chat_wait);
        if wait.is_zero() {
            window.take(now);
            chat.take();
            Ok(())
        } else {
            // Round up so a client obeying retry_after succeeds next time (absent other traffic).
            let secs = wait.as_secs_f64().ceil().max(1.0);
            Err(if secs >= f64::from(u32::MAX) { u32::MAX } else { secs as u32 })
        }
    }

    /// Forgets chat buckets that are full again, so memory tracks recently active chats only.
    fn sweep(&mut self, now: Instant) {
        if now.saturating_duration_since(self.last_sweep) >= SWEEP_EVERY {
            self.per_chat.retain(|_, bucket| !bucket.is_full_at(now));
            self.last_sweep = now;
        }
    }

    /// Number of chats with a bucket currently tracked.
    #[cfg(test)]
    fn tracked_chats(&self) -> usize {
        self.per_chat.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn html_is_stripped_and_decoded() {
        let text = strip_html("<b>Hi</b> &lt;you&gt; &amp; <a href=\"https://x\">me</a> &#39;q&#39; &quot;").ok();
        assert_eq!(text.as_deref(), Some("Hi <you> & me 'q' \""));
        assert_eq!(strip_html("a & b").ok().as_deref(), Some("a & b"));
    }

    #[test]
    fn bad_html_is_rejected() {
        for bad in ["<b>x", "x</b>", "<foo>x</foo>", "<b>x</i>", "1 < 2"] {
            let err = strip_html(bad).err().map(|e| e.description);
            assert!(
                err.as_deref().is_some_and(|d| d.starts_with("Bad Request: can't parse entities: ")),
                "{bad}: {err:?}"
            );
        }
    }

    #[test]
    fn text_limits_count_chars_after_html() {
        let ok = "\u{44f}".repeat(MAX_TEXT_CHARS);
        assert!(check_text(Some(&ok), None).is_ok());
        let long = format!("{ok}!");
        let err = check_text(Some(&long), None).err().map(|e| e.description);
        assert_eq!(err.as_deref(), Some("Bad Request: message is too long"));
        let html = format!("<b>{ok}</b>");
        assert!(check_text(Some(&html), Some("HTML")).is_ok());
        let empty = check_text(Some("<b> </b>"), Some("HTML")).err().map(|e| e.description);
        assert_eq!(empty.as_deref(), Some("Bad Request: message text is empty"));
    }

    #[test]
    fn callback_data_is_limited_in_bytes() {
        let markup = |data: String| json!({"inline_keyboard": [[{"text": "x", "callback_data": data}]]});
        assert!(parse_markup(Some(&markup("\u{44f}".repeat(32)))).is_ok());
        let err = parse_markup(Some(&markup("\u{44f}".repeat(33)))).err().map(|e| e.description);
        assert_eq!(err.as_deref(), Some("Bad Request: BUTTON_DATA_INVALID"));
        let err = parse_markup(Some(&markup(String::new()))).err().map(|e| e.description);
        assert_eq!(err.as_deref(), Some("Bad Request: BUTTON_DATA_INVALID"));
    }

    #[test]
    fn inline_buttons_need_exactly_one_action() {
        let none = json!({"inline_keyboard": [[{"text": "x"}]]});
        assert!(parse_markup(Some(&none)).is_err());
        let two = json!({"inline_keyboard": [[{"text": "x", "url": "https://a", "callback_data": "d"}]]});
        assert!(parse_markup(Some(&two)).is_err());
        let bad_url = json!({"inline_keyboard": [[{"text": "x", "url": "ftp://a"}]]});
        assert!(parse_markup(Some(&bad_url)).is_err());
    }

    #[test]
    fn reply_keyboard_parses_request_contact() {
        let kb = json!({"keyboard": [[{"text": "Phone", "request_contact": true}, "Plain"]], "resize_keyboard": true});
        match parse_markup(Some(&kb)) {
            Ok(Some(Markup::Reply(k))) => {
                assert!(k.rows[0][0].request_contact);
                assert_eq!(k.rows[0][1].text, "Plain");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    const LIMITS: RateLimits = RateLimits { global_per_sec: 30, per_chat_per_sec: 1, burst: 1 };

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn per_chat_limit_is_one_per_second_within_slack() {
        let t0 = Instant::now();
        let mut flood = FloodControl::new(LIMITS);
        assert_eq!(flood.try_send_at(1, t0), Ok(()));
        assert_eq!(flood.try_send_at(1, t0 + ms(500)), Err(1));
        assert_eq!(flood.try_send_at(1, t0 + ms(985)), Err(1), "15 ms early is beyond the slack");
        assert_eq!(flood.try_send_at(1, t0 + ms(995)), Ok(()), "5 ms early is within the slack");
        // The slack is borrowed, not gained: the next one is due 1 s after the last.
        assert_eq!(flood.try_send_at(1, t0 + ms(1_980)), Err(1));
        assert_eq!(flood.try_send_at(1, t0 + ms(1_995)), Ok(()));
        // Pacing at exactly 1 s with up to 5 ms of jitter either way never trips.
        let mut flood = FloodControl::new(LIMITS);
        for i in 0..100u64 {
            let jitter = if i % 2 == 0 { 5 } else { 0 };
            assert_eq!(flood.try_send_at(2, t0 + ms(i * 1_000 + jitter)), Ok(()), "send {i}");
        }
    }

    #[test]
    fn global_limit_is_thirty_in_any_second() {
        let t0 = Instant::now();
        let mut flood = FloodControl::new(LIMITS);
        for chat in 0..30 {
            assert_eq!(flood.try_send_at(chat, t0 + ms(chat.unsigned_abs())), Ok(()));
        }
        assert_eq!(flood.try_send_at(100, t0 + ms(100)), Err(1));
        assert_eq!(flood.try_send_at(100, t0 + ms(985)), Err(1));
        // The first send leaves the window 1 s (less the slack) after it was made.
        assert_eq!(flood.try_send_at(100, t0 + ms(990)), Ok(()));
        assert_eq!(flood.try_send_at(101, t0 + ms(990)), Err(1));
        assert_eq!(flood.try_send_at(101, t0 + ms(991)), Ok(()));

        // A client sending 30 per second evenly never hits the limit; 31 per second does.
        let mut flood = FloodControl::new(LIMITS);
        let step = Duration::from_secs(1) / 30;
        assert!((0..300i64).all(|i| flood.try_send_at(i, t0 + step * u32::try_from(i).unwrap_or(0)).is_ok()));
        let mut flood = FloodControl::new(LIMITS);
        let step = Duration::from_secs(1) / 31;
        assert!((0..300i64).any(|i| flood.try_send_at(i, t0 + step * u32::try_from(i).unwrap_or(0)).is_err()));
    }

    #[test]
    fn paid_broadcasts_have_a_budget_of_a_thousand_a_second_of_their_own() {
        let t0 = Instant::now();
        let mut flood = FloodControl::new(LIMITS);
        // 1,000 a second evenly, one per chat: never refused.
        let step = Duration::from_secs(1) / PAID_BROADCAST_PER_SEC;
        for i in 0..3_000u32 {
            assert_eq!(flood.try_send_paid_at(i64::from(i), t0 + step * i), Ok(()), "paid send {i}");
        }
        // Free sends are still limited to 30 a second beside them.
        let later = t0 + Duration::from_secs(10);
        for chat in 0..30 {
            assert_eq!(flood.try_send_at(100_000 + chat, later), Ok(()));
        }
        assert_eq!(flood.try_send_at(200_000, later), Err(1));
        assert_eq!(flood.try_send_paid_at(200_001, later), Ok(()), "the paid budget is separate");
        // 1,001 within one second is refused.
        let mut flood = FloodControl::new(LIMITS);
        for i in 0..1_000 {
            assert_eq!(flood.try_send_paid_at(i, t0), Ok(()));
        }
        assert_eq!(flood.try_send_paid_at(5_000, t0 + ms(500)), Err(1));
        // The per-chat limit holds for paid sends too.
        let mut flood = FloodControl::new(LIMITS);
        assert_eq!(flood.try_send_paid_at(7, t0), Ok(()));
        assert_eq!(flood.try_send_paid_at(7, t0 + ms(500)), Err(1));
    }

    #[test]
    fn idle_chat_buckets_are_forgotten() {
        let t0 = Instant::now();
        let mut flood = FloodControl::new(LIMITS);
        let step = Duration::from_secs(1) / 30;
        for i in 0..100_000i64 {
            let now = t0 + step * u32::try_from(i).unwrap_or(0);
            assert_eq!(flood.try_send_at(i, now), Ok(()), "chat {i}");
            assert!(flood.tracked_chats() <= 70, "{} buckets after {i} chats", flood.tracked_chats());
        }
        // Forgetting a full bucket changes nothing: the chat may send again at once.
        assert_eq!(flood.try_send_at(0, t0 + Duration::from_secs(4_000)), Ok(()));
    }

    #[test]
    fn token_bucket_throttles() {
        let mut flood = FloodControl::new(RateLimits { global_per_sec: 30, per_chat_per_sec: 1, burst: 2 });
        assert!(flood.try_send(1).is_ok());
        assert!(flood.try_send(1).is_ok());
        assert_eq!(flood.try_send(1), Err(1));
        assert!(flood.try_send(2).is_ok());
    }
}
