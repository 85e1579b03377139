//! A local, in-process Telegram Bot API emulator for tests.
//!
//! It serves `POST|GET /bot<TOKEN>/<method>` on 127.0.0.1 with JSON bodies, keeps a small
//! world of users, chats and messages, enforces the Bot API limits a bot most often breaks,
//! and lets a test play the user side (send text, press buttons, share contacts) and observe
//! what the bot did. It knows nothing about the bot it talks to.
//!
//! Every error of its own is a 4xx JSON answer, never 5xx: teloxide sleeps 10 s after a 5xx.
//!
//! A user can send the bot a file as a document ([`Emulator::send_document`]); the bot fetches
//! it with `getFile` and `GET /file/bot<TOKEN>/<file_path>`, as from Telegram's file server.
//!
//! Tests can inject faults (429, 5xx, dropped connections, slow answers) into chosen methods
//! for chosen chats ([`Emulator::inject_faults`], [`Emulator::inject_method_faults`]), and a
//! load mode ([`EmulatorConfig::keep_messages`], [`EmulatorConfig::record_requests`]) keeps
//! memory flat over hundreds of thousands of messages.

mod error;
mod faults;
mod files;
mod limits;
mod methods;
pub mod multipart;
mod photos;
mod server;
mod state;
mod types;
mod webhook;

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::net::TcpListener;

use error::ApiError;
pub use faults::{FAULTABLE_METHODS, Fault, Methods};
pub use files::MAX_DOWNLOAD_BYTES;
pub use limits::{
    MAX_CALLBACK_DATA_BYTES, MAX_CAPTION_CHARS, MAX_TEXT_CHARS, PAID_BROADCAST_PER_SEC, RATE_LIMIT_SLACK,
};
pub use types::{
    BotEvent, BotMessage, Button, Document, KeyboardButton, Photo, RecordedRequest, ReplyKeyboard, TestUser,
};

use server::Shared;
use state::{bot_member_json, unix_now};

/// Optional flood control for `sendMessage`, `sendDocument` and `sendPhoto` (edits, deletes and
/// chat actions are not limited).
///
/// A send with `allow_paid_broadcast=true` (a bot paying in Stars) is counted against its own
/// budget of [`PAID_BROADCAST_PER_SEC`] (1,000) sends per sliding second instead of
/// `global_per_sec`; the per-chat rule is the same.
///
/// A send is answered 429 (`parameters.retry_after` = whole seconds, at least 1, after which
/// the same send would pass if nothing else was sent meanwhile) unless both hold:
///
/// * **Global**: fewer than `global_per_sec` sends were admitted in the last
///   `1 s − RATE_LIMIT_SLACK` (sliding window; `burst` plays no part here).
/// * **Per chat**: a token bucket of `burst` tokens, refilled continuously at
///   `per_chat_per_sec` tokens per second and full at the start, has a whole token
///   within `RATE_LIMIT_SLACK` from now. The send takes that token.
///
/// Zero values count as 1. Rejected sends consume nothing. With `burst: 1` this means:
/// **a client never gets a 429 if it makes at most `global_per_sec` sends in any 1-second
/// window and spaces sends into one chat at least `1 / per_chat_per_sec` seconds apart**
/// (as timed by the client, with up to [`RATE_LIMIT_SLACK`] of delivery jitter tolerated);
/// any client that breaks either rule by more than the slack gets a 429.
/// With `burst: b`, a chat may also take `b` sends back to back after being idle `b / rate` s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Sends per 1-second sliding window across all chats.
    pub global_per_sec: u32,
    /// Sends per second into one chat (token refill rate).
    pub per_chat_per_sec: u32,
    /// Per-chat bucket size: how many sends a chat may get back to back.
    pub burst: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self { global_per_sec: 30, per_chat_per_sec: 1, burst: 3 }
    }
}

/// How to start an [`Emulator`].
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// The only token accepted; others get 401.
    pub token: String,
    /// Bot username returned by getMe.
    pub bot_username: String,
    /// Bot user id.
    pub bot_id: i64,
    /// Bot first name returned by getMe.
    pub bot_first_name: String,
    /// Flood control; `None` disables it.
    pub rate_limits: Option<RateLimits>,
    /// Upper bound for how long a getUpdates long poll is held.
    pub max_poll_hold: Duration,
    /// TCP port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Record every request for [`Emulator::requests`] / [`Emulator::limit_violations`].
    /// Turn off for load tests; counters still work.
    pub record_requests: bool,
    /// Keep bot and user message bodies and per-chat event queues. Turn off for load tests:
    /// then [`Emulator::messages`] and the event helpers see nothing, edits and deletes accept
    /// any message id already used in the chat (never "not modified"), and a pressed button's
    /// message carries empty text. Delivered counts, 429 counting and all checks still work.
    pub keep_messages: bool,
    /// The id of the first update. Telegram's ids keep growing across a bot's restarts; a
    /// new emulator in front of an old database starts after the ids that database has seen.
    pub first_update_id: i64,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            token: "123456:TEST".to_owned(),
            bot_username: "rezerv_test_bot".to_owned(),
            bot_id: 123_456,
            bot_first_name: "Test Bot".to_owned(),
            rate_limits: None,
            max_poll_hold: Duration::from_secs(10),
            port: 0,
            record_requests: true,
            keep_messages: true,
            first_update_id: 1,
        }
    }
}

/// Owns the shared state; shuts the server down when the last `Emulator` clone drops.
struct Handle {
    shared: Arc<Shared>,
    addr: SocketAddr,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shared.trigger_shutdown();
    }
}

/// A running emulator. Cheap to clone; all clones share one server.
#[derive(Clone)]
pub struct Emulator {
    inner: Arc<Handle>,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator").field("api_url", &self.api_url()).finish_non_exhaustive()
    }
}

impl Emulator {
    /// Binds 127.0.0.1 and starts serving on the current tokio runtime.
    pub async fn start(config: EmulatorConfig) -> std::io::Result<Emulator> {
        let listener = TcpListener::bind(("127.0.0.1", config.port)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(config));
        tokio::spawn(server::serve(listener, shared.clone()));
        tokio::spawn(webhook::deliver(shared.clone()));
        tracing::debug!(%addr, "telegram emulator listening");
        Ok(Emulator { inner: Arc::new(Handle { shared, addr }) })
    }

    fn shared(&self) -> &Shared {
        &self.inner.shared
    }

    /// Base URL for teloxide's `set_api_url` / `TELOXIDE_API_URL`, e.g. `http://127.0.0.1:PORT/`.
    pub fn api_url(&self) -> String {
        format!("http://{}/", self.inner.addr)
    }

    /// Address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.inner.addr
    }

    /// The accepted bot token.
    pub fn token(&self) -> &str {
        &self.shared().config.token
    }

    /// Stops accepting connections and releases held long polls.
    pub fn shutdown(&self) {
        self.shared().trigger_shutdown();
    }

    // ---- user side ----

    fn push(&self, update: Value) -> i64 {
        let id = self.shared().lock().push_update(update);
        self.shared().updates_notify.notify_waiters();
        id
    }

    /// Queues a `message` update from `user` in `chat` (default: their private chat).
    fn push_user_message(
        &self,
        user: &TestUser,
        chat: Option<Value>,
        content: impl FnOnce(i32) -> Map<String, Value>,
    ) -> i32 {
        let message_id = {
            let mut st = self.shared().lock();
            st.register_user(user);
            let chat = chat.unwrap_or_else(|| user.private_chat_json());
            st.register_chat(&chat);
            let chat_id = chat.get("id").and_then(Value::as_i64).unwrap_or(user.id);
            let message_id = st.next_message_id(chat_id);
            let mut message = json!({
                "message_id": message_id,
                "from": user.to_json(),
                "chat": chat,
                "date": unix_now(),
            });
            if let Some(obj) = message.as_object_mut() {
                obj.extend(content(message_id));
            }
            st.store_user_message(chat_id, message_id, message.clone());
            st.push_update(json!({ "message": message }));
            message_id
        };
        self.shared().updates_notify.notify_waiters();
        message_id
    }

    /// User sends text; a leading `/command` gets a `bot_command` entity. Returns the message id.
    pub fn send_text(&self, user: &TestUser, text: &str) -> i32 {
        self.push_user_message(user, None, |_| text_content(text))
    }

    /// User sends a regular static sticker.
    pub fn send_sticker(&self, user: &TestUser) -> i32 {
        self.push_user_message(user, None, |id| {
            object(json!({"sticker": {
                "file_id": format!("CAACAgIAAxkBAAIS{id}"),
                "file_unique_id": format!("AgADS{id}"),
                "file_size": 20_480,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": false,
                "is_video": false,
                "emoji": "👍",
                "set_name": "EmulatorStickers",
            }}))
        })
    }

    /// User sends a photo (three sizes).
    pub fn send_photo(&self, user: &TestUser) -> i32 {
        self.push_user_message(user, None, |id| {
            let sizes: Vec<Value> = [(90, 1_200), (320, 15_000), (800, 70_000)]
                .iter()
                .map(|(side, size)| {
                    json!({
                        "file_id": format!("AgACAgIAAxkBAAIP{id}x{side}"),
                        "file_unique_id": format!("AQADP{id}x{side}"),
                        "file_size": size,
                        "width": side,
                        "height": side,
                    })
                })
                .collect();
            object(json!({ "photo": sizes }))
        })
    }

    /// User sends a voice note.
    pub fn send_voice(&self, user: &TestUser) -> i32 {
        self.push_user_message(user, None, |id| {
            object(json!({"voice": {
                "file_id": format!("AwACAgIAAxkBAAIV{id}"),
                "file_unique_id": format!("AgADV{id}"),
                "file_size": 9_000,
                "duration": 3,
                "mime_type": "audio/ogg",
            }}))
        })
    }

    /// User sends a file as a document, with an optional caption (`codes qrt`). The file is
    /// kept, as Telegram keeps it, for `getFile` and the file server. Returns the message id.
    pub fn send_document(&self, user: &TestUser, file_name: &str, bytes: &[u8], caption: Option<&str>) -> i32 {
        let (file_id, unique_id) = self.shared().lock().files.store(file_name, bytes.to_vec());
        self.push_user_message(user, None, |_| {
            let mut content = object(json!({"document": {
                "file_id": file_id,
                "file_unique_id": unique_id,
                "file_name": file_name,
                "mime_type": files::mime_type(file_name),
                "file_size": bytes.len(),
            }}));
            if let Some(caption) = caption {
                content.insert("caption".to_owned(), json!(caption));
            }
            content
        })
    }

    /// User shares their own contact (as a `request_contact` button does): `user_id` = sender.
    pub fn share_own_contact(&self, user: &TestUser, phone: &str) -> i32 {
        let contact = json!({
            "phone_number": phone,
            "first_name": user.first_name,
            "user_id": user.id,
        });
        self.push_user_message(user, None, |_| object(json!({ "contact": contact })))
    }

    /// User sends someone else's contact card: `user_id` is `claimed_user_id` (or absent).
    pub fn share_forged_contact(&self, user: &TestUser, phone: &str, claimed_user_id: Option<i64>) -> i32 {
        let mut contact = json!({"phone_number": phone, "first_name": "Contact"});
        if let Some(id) = claimed_user_id {
            contact["user_id"] = json!(id);
        }
        self.push_user_message(user, None, |_| object(json!({ "contact": contact })))
    }

    /// User presses an inline button under bot message `message_id` in their private chat.
    /// The query carries the message's current state (or an inaccessible stub if unknown).
    /// Returns the callback query id.
    pub fn press_button(&self, user: &TestUser, message_id: i32, callback_data: &str) -> String {
        self.press_button_in_chat(user, user.id, message_id, callback_data)
    }

    /// Like [`Emulator::press_button`] for a bot message in any known chat (e.g. a group).
    pub fn press_button_in_chat(&self, user: &TestUser, chat_id: i64, message_id: i32, callback_data: &str) -> String {
        let id = {
            let mut st = self.shared().lock();
            st.register_user(user);
            let message = match st.bot_message(chat_id, message_id) {
                Some(stored) => stored.json.clone(),
                // Load mode stores no bodies: the message existed but its content is unknown.
                None if !st.keeps_messages() && (1..=st.last_message_id(chat_id)).contains(&message_id) => json!({
                    "message_id": message_id,
                    "from": st.bot_user,
                    "chat": st.chat(chat_id).cloned().unwrap_or_else(|| user.private_chat_json()),
                    "date": unix_now(),
                    "text": "",
                }),
                // date 0 marks an inaccessible message, as Telegram does.
                None => json!({
                    "message_id": message_id,
                    "chat": st.chat(chat_id).cloned().unwrap_or_else(|| user.private_chat_json()),
                    "date": 0,
                }),
            };
            let id = st.new_callback_id();
            st.push_update(json!({"callback_query": {
                "id": id,
                "from": user.to_json(),
                "message": message,
                "chat_instance": (chat_id ^ 0x5DEE_CE66).to_string(),
                "data": callback_data,
            }}));
            id
        };
        self.shared().updates_notify.notify_waiters();
        id
    }

    /// User edits their earlier message (an `edited_message` update).
    pub fn edit_text(&self, user: &TestUser, message_id: i32, new_text: &str) {
        {
            let mut st = self.shared().lock();
            st.register_user(user);
            let mut message = st.user_message(user.id, message_id).cloned().unwrap_or_else(|| {
                json!({
                    "message_id": message_id,
                    "from": user.to_json(),
                    "chat": user.private_chat_json(),
                    "date": unix_now(),
                })
            });
            if let Some(obj) = message.as_object_mut() {
                obj.remove("entities");
                obj.extend(text_content(new_text));
                obj.insert("edit_date".to_owned(), json!(unix_now()));
            }
            st.store_user_message(user.id, message_id, message.clone());
            st.push_update(json!({ "edited_message": message }));
        }
        self.shared().updates_notify.notify_waiters();
    }

    /// User writes in a basic group the bot is in.
    pub fn send_group_text(&self, user: &TestUser, group_chat_id: i64, text: &str) -> i32 {
        let chat = json!({
            "id": group_chat_id,
            "type": "group",
            "title": format!("Group {group_chat_id}"),
        });
        self.push_user_message(user, Some(chat), |_| text_content(text))
    }

    /// User blocks (`"kicked"`) or restarts (`"member"`) the bot: a `my_chat_member` update.
    /// `"kicked"` also makes sends to the chat fail with 403; `"member"` clears that.
    pub fn set_member_status(&self, user: &TestUser, status: &str) {
        {
            let mut st = self.shared().lock();
            st.register_user(user);
            let old = st.set_member_status(user.id, status);
            match status {
                "kicked" => st.set_blocked(user.id, true),
                "member" => st.set_blocked(user.id, false),
                _ => {}
            }
            let update = json!({"my_chat_member": {
                "chat": user.private_chat_json(),
                "from": user.to_json(),
                "date": unix_now(),
                "old_chat_member": bot_member_json(&st.bot_user, &old),
                "new_chat_member": bot_member_json(&st.bot_user, status),
            }});
            st.push_update(update);
        }
        self.shared().updates_notify.notify_waiters();
    }

    /// Makes a user's private chat known, as if they had started the bot long ago, without
    /// queuing any update (for load tests that message many existing chats).
    pub fn register_user(&self, user: &TestUser) {
        self.shared().lock().register_user(user);
    }

    /// Queues any update object (without `update_id`); returns the assigned id.
    /// Users and chats mentioned in it become known; callback queries are tracked.
    pub fn push_raw_update(&self, update_without_id: Value) -> i64 {
        self.push(update_without_id)
    }

    // ---- bot side observations ----

    /// Current state of every live bot message in the chat, in send order.
    pub fn messages(&self, chat_id: i64) -> Vec<BotMessage> {
        self.shared().lock().bot_messages(chat_id)
    }

    /// Last live bot message in the chat.
    pub fn last_message(&self, chat_id: i64) -> Option<BotMessage> {
        self.messages(chat_id).pop()
    }

    /// Next unseen event for the chat (per-chat cursor), waiting up to `timeout`.
    pub async fn next_event(&self, chat_id: i64, timeout: Duration) -> Option<BotEvent> {
        let deadline = server::deadline_after(timeout);
        loop {
            let notified = self.shared().events_notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(event) = self.shared().lock().take_event(chat_id) {
                return Some(event);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.shared().lock().take_event(chat_id);
            }
        }
    }

    /// Next unseen `Sent` message for the chat, skipping (consuming) other events.
    pub async fn next_sent(&self, chat_id: i64, timeout: Duration) -> Option<BotMessage> {
        let deadline = server::deadline_after(timeout);
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_event(chat_id, left).await? {
                BotEvent::Sent(msg) => return Some(msg),
                _ if left.is_zero() => return None,
                _ => {}
            }
        }
    }

    /// Returns once no new event for the chat arrived for `quiet_for`
    /// (gives up after max(60 s, quiet_for) so a chatty bot can't hang a test).
    pub async fn wait_quiet(&self, chat_id: i64, quiet_for: Duration) {
        let cap = server::deadline_after(quiet_for.max(Duration::from_secs(60)));
        let mut seen = self.shared().lock().event_count(chat_id);
        let mut quiet_until = server::deadline_after(quiet_for);
        loop {
            let notified = self.shared().events_notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let now = tokio::time::Instant::now();
            let count = self.shared().lock().event_count(chat_id);
            if count != seen {
                seen = count;
                quiet_until = server::deadline_after(quiet_for);
            }
            if now >= quiet_until || now >= cap {
                return;
            }
            tokio::select! {
                () = &mut notified => {}
                () = tokio::time::sleep_until(quiet_until.min(cap)) => {}
            }
        }
    }

    /// All unseen events for the chat, advancing its cursor.
    pub fn drain_events(&self, chat_id: i64) -> Vec<BotEvent> {
        self.shared().lock().drain_events(chat_id)
    }

    /// Every request so far, in completion order (empty if `record_requests` is off).
    /// A request whose connection was dropped by [`Fault::Drop`] has status 0.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared().lock().requests.clone()
    }

    /// Requests that broke a limit or were malformed: every 400 and 429 the emulator answered
    /// of its own; an injected [`Fault`] is not the bot's doing and is left out
    /// (empty if `record_requests` is off; see [`Emulator::limit_violation_count`]).
    pub fn limit_violations(&self) -> Vec<RecordedRequest> {
        self.shared().lock().requests.iter().filter(|r| r.is_limit_violation()).cloned().collect()
    }

    /// How many of [`Emulator::limit_violations`] there were (counted even if
    /// `record_requests` is off).
    pub fn limit_violation_count(&self) -> u64 {
        self.shared().lock().violations
    }

    /// How many `answerCallbackQuery` calls came for a query already answered. Telegram takes
    /// one answer per query and refuses the next with 400 "query is too old…", as the emulator
    /// does (so each is also a limit violation). Counted even in load mode.
    pub fn callbacks_answered_twice(&self) -> u64 {
        self.shared().lock().answered_twice
    }

    /// From now on, counts per chat the messages delivered with exactly `text` (as sent,
    /// markup included), even in load mode, which keeps no bodies: e.g. how often the bot
    /// apologized.
    pub fn watch_text(&self, text: &str) {
        self.shared().lock().watch_text(text);
    }

    /// Messages delivered to the chat with a text given to [`Emulator::watch_text`].
    pub fn watched_delivered(&self, chat_id: i64) -> u64 {
        self.shared().lock().watched_delivered(chat_id)
    }

    /// Callback query ids the bot has not answered yet, oldest first.
    pub fn unanswered_callbacks(&self) -> Vec<String> {
        self.shared().lock().unanswered_callbacks()
    }

    /// Updates queued and not yet confirmed by a getUpdates `offset`.
    pub fn unconfirmed_updates(&self) -> usize {
        self.shared().lock().updates.len()
    }

    /// Messages successfully sent to the chat (`sendMessage`, `sendDocument` or `sendPhoto`
    /// answered 200; edits don't count).
    pub fn delivered_count(&self, chat_id: i64) -> u64 {
        self.shared().lock().delivered(chat_id)
    }

    /// The picture of a `sendPhoto` message, as uploaded (not kept in load mode).
    pub fn photo(&self, chat_id: i64, message_id: i32) -> Option<Photo> {
        self.shared().lock().photo(chat_id, message_id).cloned()
    }

    /// Messages successfully sent to all chats.
    pub fn total_delivered(&self) -> u64 {
        self.shared().lock().total_delivered()
    }

    /// Messages successfully sent, per chat (chats that got none are absent).
    pub fn delivered_counts(&self) -> HashMap<i64, u64> {
        self.shared().lock().delivered_counts()
    }

    /// Messages delivered with `allow_paid_broadcast` (counted even in load mode).
    pub fn paid_broadcast_delivered(&self) -> u64 {
        self.shared().lock().paid_delivered
    }

    /// How many 429 answers were given (flood control and injected [`Fault::Status`] alike).
    pub fn too_many_requests_count(&self) -> u64 {
        self.shared().lock().too_many
    }

    /// Makes every send/edit/chat action into the chat fail with 403 "bot was blocked".
    pub fn block_chat(&self, chat_id: i64, blocked: bool) {
        self.shared().lock().set_blocked(chat_id, blocked);
    }

    /// The user deleted their account: from now on every send/edit/chat action into the chat
    /// fails with 403 "Forbidden: user is deactivated" (permanent; wins over `block_chat`).
    pub fn deactivate_chat(&self, chat_id: i64) {
        self.shared().lock().deactivate(chat_id);
    }

    // ---- fault injection ----

    /// Queues faults for the next requests into `chat_id` of the methods in [`FAULTABLE_METHODS`]
    /// (sendMessage, sendDocument, sendPhoto, editMessageText, editMessageReplyMarkup), one fault
    /// per request, in order, after any already queued. The chat's own faults are used before
    /// global ones.
    /// A faulted request skips every check; with [`Fault::Timeout`] it is checked after the hold.
    ///
    /// # Panics
    /// If a [`Fault::Status`] code is not 4xx or 5xx.
    pub fn inject_faults(&self, chat_id: i64, faults: Vec<Fault>) {
        self.inject_method_faults(Some(chat_id), Methods::Sending, faults);
    }

    /// Like [`Emulator::inject_faults`] for the next such requests into any chat
    /// (used only when the target chat has no faults of its own queued).
    ///
    /// # Panics
    /// If a [`Fault::Status`] code is not 4xx or 5xx.
    pub fn inject_global_faults(&self, faults: Vec<Fault>) {
        self.inject_method_faults(None, Methods::Sending, faults);
    }

    /// Queues faults for the next requests of `methods` into `chat_id` (`None`: any chat, and
    /// requests with no chat such as `getUpdates` and `getMe`). A request's chat is its
    /// `chat_id`, or for `answerCallbackQuery` the chat the button was pressed in.
    ///
    /// # Panics
    /// If a [`Fault::Status`] code is not 4xx or 5xx.
    pub fn inject_method_faults(&self, chat_id: Option<i64>, methods: Methods, faults: Vec<Fault>) {
        check_faults(&faults);
        self.shared().lock().faults.add(chat_id, &methods, faults);
    }

    /// Faults queued for the chat and not consumed yet.
    pub fn pending_faults(&self, chat_id: i64) -> usize {
        self.shared().lock().faults.pending(Some(chat_id))
    }

    /// Global faults not consumed yet.
    pub fn pending_global_faults(&self) -> usize {
        self.shared().lock().faults.pending(None)
    }

    /// The bot's description for this language code, as set (`None` = the default one).
    /// Only the dedicated text: no fallback to the default, so a test sees what was set.
    pub fn description(&self, language_code: Option<&str>) -> Option<String> {
        self.shared().lock().descriptions(methods::Description::Long).get(language_code.unwrap_or_default()).cloned()
    }

    /// The bot's short description for this language code, as set (`None` = the default one).
    pub fn short_description(&self, language_code: Option<&str>) -> Option<String> {
        self.shared().lock().descriptions(methods::Description::Short).get(language_code.unwrap_or_default()).cloned()
    }

    /// Commands set for the default scope and this language (`None` = all languages).
    pub fn commands(&self, language_code: Option<&str>) -> Vec<(String, String)> {
        self.commands_for_scope(&json!({"type": "default"}), language_code)
    }

    /// The webhook the bot set, if any: its URL and secret.
    pub fn webhook(&self) -> Option<(String, Option<String>)> {
        self.shared().lock().webhook.clone().map(|hook| (hook.url, hook.secret))
    }

    /// Every webhook delivery so far: the update id and the status the bot answered (`None`:
    /// no answer).
    pub fn webhook_attempts(&self) -> Vec<(i64, Option<u16>)> {
        self.shared().lock().webhook_attempts.clone()
    }

    /// Puts a load balancer in front of the webhook: each update goes to the next of `urls` in
    /// turn (the path the bot set is not used), and one that gets no answer or a 5xx goes on to
    /// the next, as nginx's `proxy_next_upstream` does. The secret stays the one set.
    pub fn spread_webhooks(&self, urls: Vec<String>) {
        let mut st = self.shared().lock();
        st.webhook_spread = urls;
        st.webhook_spread_next = 0;
    }

    /// Commands set for a scope object such as `{"type":"all_private_chats"}`.
    pub fn commands_for_scope(&self, scope: &Value, language_code: Option<&str>) -> Vec<(String, String)> {
        let key = (methods::scope_key(scope), language_code.unwrap_or_default().to_owned());
        self.shared().lock().commands.get(&key).cloned().unwrap_or_default()
    }
}

/// Rejects status faults that are not errors Telegram answers (4xx or 5xx).
fn check_faults(faults: &[Fault]) {
    for fault in faults {
        if let Fault::Status { code, .. } = fault {
            assert!((400..=599).contains(code), "Fault::Status code must be 4xx or 5xx, got {code}");
        }
    }
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// `text` plus a `bot_command` entity when it starts with `/command`.
fn text_content(text: &str) -> Map<String, Value> {
    let mut content = Map::new();
    content.insert("text".to_owned(), json!(text));
    let command = text.split_whitespace().next().unwrap_or_default();
    if text.starts_with('/') && command.len() > 1 {
        // Entity offsets and lengths are in UTF-16 code units.
        let length = command.encode_utf16().count();
        content.insert("entities".to_owned(), json!([{"type": "bot_command", "offset": 0, "length": length}]));
    }
    content
}
