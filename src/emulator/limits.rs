//! Bot API limits: text length, HTML parsing, keyboard validation, flood control.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::types::{Button, KeyboardButton, ReplyKeyboard};
use super::{ApiError, RateLimits};

/// Maximum message text length in characters (after entity parsing).
pub const MAX_TEXT_CHARS: usize = 4096;
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

/// A token bucket refilled continuously at `rate` tokens per second.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    capacity: f64,
    rate: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(rate_per_sec: u32, capacity: u32) -> Self {
        let capacity = f64::from(capacity.max(1));
        Self { capacity, rate: f64::from(rate_per_sec.max(1)), tokens: capacity, last: Instant::now() }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.capacity);
        self.last = now;
    }

    /// Time until one token is available (zero if one is available now).
    pub fn wait_time(&mut self, now: Instant) -> Duration {
        self.refill(now);
        if self.tokens >= 1.0 { Duration::ZERO } else { Duration::from_secs_f64((1.0 - self.tokens) / self.rate) }
    }

    /// Consumes one token (call only after `wait_time` returned zero).
    pub fn take(&mut self) {
        self.tokens -= 1.0;
    }
}

/// Global and per-chat flood control.
#[derive(Debug)]
pub struct FloodControl {
    limits: RateLimits,
    global: TokenBucket,
    per_chat: HashMap<i64, TokenBucket>,
}

impl FloodControl {
    /// Buckets start full. Per-chat capacity is `burst`; global capacity is
    /// at least one second's worth so `burst` never throttles below the global rate.
    pub fn new(limits: RateLimits) -> Self {
        let global = TokenBucket::new(limits.global_per_sec, limits.global_per_sec.max(limits.burst));
        Self { limits, global, per_chat: HashMap::new() }
    }

    /// Takes a token from both buckets or returns the whole seconds to wait.
    pub fn try_send(&mut self, chat_id: i64) -> Result<(), u32> {
        let now = Instant::now();
        let limits = self.limits;
        let chat =
            self.per_chat.entry(chat_id).or_insert_with(|| TokenBucket::new(limits.per_chat_per_sec, limits.burst));
        let wait = self.global.wait_time(now).max(chat.wait_time(now));
        if wait.is_zero() {
            self.global.take();
            chat.take();
            Ok(())
        } else {
            // Round up so a client obeying retry_after always succeeds next time.
            Err(wait.as_secs_f64().ceil().max(1.0) as u32)
        }
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
        let ok = "я".repeat(MAX_TEXT_CHARS);
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
        assert!(parse_markup(Some(&markup("я".repeat(32)))).is_ok());
        let err = parse_markup(Some(&markup("я".repeat(33)))).err().map(|e| e.description);
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

    #[test]
    fn token_bucket_throttles() {
        let mut flood = FloodControl::new(RateLimits { global_per_sec: 30, per_chat_per_sec: 1, burst: 2 });
        assert!(flood.try_send(1).is_ok());
        assert!(flood.try_send(1).is_ok());
        assert_eq!(flood.try_send(1), Err(1));
        assert!(flood.try_send(2).is_ok());
    }
}
