//! The emulator's in-memory world: users, chats, messages, updates, events.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use super::faults::FaultQueues;
use super::files::Files;
use super::limits::FloodControl;
use super::methods::Description;
use super::types::{BotEvent, BotMessage, Photo, RecordedRequest, TestUser};
use super::{ApiError, EmulatorConfig};

/// Update types Telegram withholds unless listed in `allowed_updates`.
const OPT_IN_UPDATES: &[&str] = &["chat_member", "message_reaction", "message_reaction_count"];

/// Unix time now.
pub fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)).unwrap_or(0)
}

/// A bot message with the JSON Telegram would return for it.
#[derive(Debug, Clone)]
pub struct StoredBotMessage {
    pub msg: BotMessage,
    pub json: Value,
    /// Inline markup exactly as sent, compared for "message is not modified".
    pub inline_json: Option<Value>,
}

/// An unanswered callback query.
#[derive(Debug, Clone, Copy)]
struct CallbackRecord {
    chat_id: i64,
    /// Position in `callback_order`.
    seq: u64,
}

/// Why an `answerCallbackQuery` was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackRefusal {
    /// No such query was ever pressed.
    Unknown,
    /// The query was answered already: Telegram takes one answer per query.
    AnsweredBefore,
}

/// The emulator's own callback query ids are `CALLBACK_ID_BASE + n` for n = 1, 2, …
const CALLBACK_ID_BASE: u64 = 5_000_000_000_000_000_000;

/// Callback query ids answered so far, to tell a second answer from an unknown id. The
/// emulator's own ids are a sequence, kept as bits: a million presses cost 125 KB rather than
/// ~70 MB of strings. Ids from raw updates are kept as strings.
#[derive(Debug, Default)]
struct AnsweredCallbacks {
    own: Vec<u64>,
    other: HashSet<String>,
}

impl AnsweredCallbacks {
    fn bit(seq: u64) -> (usize, u64) {
        (usize::try_from(seq / 64).unwrap_or(usize::MAX), 1 << (seq % 64))
    }

    fn set(&mut self, id: &str, own: Option<u64>, answered: bool) {
        match own {
            Some(seq) => {
                let (word, mask) = Self::bit(seq);
                if self.own.len() <= word {
                    self.own.resize(word + 1, 0);
                }
                if answered {
                    self.own[word] |= mask;
                } else {
                    self.own[word] &= !mask;
                }
            }
            None if answered => {
                self.other.insert(id.to_owned());
            }
            None => {
                self.other.remove(id);
            }
        }
    }

    fn contains(&self, id: &str, own: Option<u64>) -> bool {
        match own {
            Some(seq) => {
                let (word, mask) = Self::bit(seq);
                self.own.get(word).is_some_and(|bits| bits & mask != 0)
            }
            None => self.other.contains(id),
        }
    }
}

/// Everything the emulator knows; guarded by one `std::sync::Mutex`.
#[derive(Debug)]
pub struct State {
    /// Bot `User` object (without the getMe-only fields).
    pub bot_user: Value,
    next_update_id: i64,
    /// Updates not yet confirmed via `offset`.
    pub updates: VecDeque<Value>,
    /// Last `allowed_updates` the bot asked for (`None` = Telegram's default).
    pub allowed_updates: Option<Vec<String>>,
    /// Set by `setWebhook`: updates are then posted there, and `getUpdates` is refused.
    pub webhook: Option<crate::webhook::Webhook>,
    /// Every webhook delivery: the update id and the status the bot answered (`None`: none).
    pub webhook_attempts: Vec<(i64, Option<u16>)>,
    /// A load balancer in front of the webhook: deliveries go to these URLs in turn instead
    /// of the one set (empty: none).
    pub webhook_spread: Vec<String>,
    /// The next of `webhook_spread` to take.
    pub webhook_spread_next: usize,
    users: HashMap<i64, TestUser>,
    chats: HashMap<i64, Value>,
    next_message_id: HashMap<i64, i32>,
    bot_messages: HashMap<i64, Vec<StoredBotMessage>>,
    user_messages: HashMap<(i64, i32), Value>,
    /// Pictures of the bot's photo messages, by (chat, message).
    photos: HashMap<(i64, i32), Photo>,
    events: HashMap<i64, Vec<BotEvent>>,
    cursors: HashMap<i64, usize>,
    /// Whether message bodies, user messages and events are kept (off in load mode).
    keep_messages: bool,
    /// Whether requests are recorded (off in load mode).
    record_requests: bool,
    /// Every HTTP request, in completion order (empty unless `record_requests`).
    pub requests: Vec<RecordedRequest>,
    /// Unanswered callback queries.
    callbacks: HashMap<String, CallbackRecord>,
    answered: AnsweredCallbacks,
    /// Answers refused because the query was answered before.
    pub answered_twice: u64,
    callback_order: BTreeMap<u64, String>,
    callback_seq: u64,
    next_callback: u64,
    delivered: HashMap<i64, u64>,
    total_delivered: u64,
    /// Number of 429 answers.
    pub too_many: u64,
    /// Messages delivered with `allow_paid_broadcast`.
    pub paid_delivered: u64,
    /// Number of 400 and 429 answers the emulator gave of its own (injected faults apart).
    pub violations: u64,
    /// Texts whose deliveries are counted per chat, even in load mode.
    watched: HashSet<String>,
    watched_delivered: HashMap<i64, u64>,
    blocked: HashSet<i64>,
    deactivated: HashSet<i64>,
    member_status: HashMap<i64, String>,
    /// Commands keyed by (scope JSON, language code).
    pub commands: HashMap<(String, String), Vec<(String, String)>>,
    /// The bot's descriptions keyed by language code (`""` = the default).
    long_descriptions: HashMap<String, String>,
    /// The bot's short descriptions keyed by language code (`""` = the default).
    short_descriptions: HashMap<String, String>,
    /// Menu buttons keyed by chat (`None` = default).
    pub menu_buttons: HashMap<Option<i64>, Value>,
    /// Flood control, if enabled.
    pub flood: Option<FloodControl>,
    /// Injected faults not consumed yet.
    pub faults: FaultQueues,
    /// Files users sent, for `getFile` and the file server.
    pub files: Files,
    /// Set once `shutdown` was called.
    pub shutting_down: bool,
}

impl State {
    /// Fresh state for a bot described by `config`.
    pub fn new(config: &EmulatorConfig) -> Self {
        Self {
            bot_user: json!({
                "id": config.bot_id,
                "is_bot": true,
                "first_name": config.bot_first_name,
                "username": config.bot_username,
            }),
            next_update_id: config.first_update_id,
            updates: VecDeque::new(),
            allowed_updates: None,
            webhook: None,
            webhook_attempts: Vec::new(),
            webhook_spread: Vec::new(),
            webhook_spread_next: 0,
            users: HashMap::new(),
            chats: HashMap::new(),
            next_message_id: HashMap::new(),
            bot_messages: HashMap::new(),
            user_messages: HashMap::new(),
            photos: HashMap::new(),
            events: HashMap::new(),
            cursors: HashMap::new(),
            keep_messages: config.keep_messages,
            record_requests: config.record_requests,
            requests: Vec::new(),
            callbacks: HashMap::new(),
            answered: AnsweredCallbacks::default(),
            answered_twice: 0,
            callback_order: BTreeMap::new(),
            callback_seq: 0,
            next_callback: 0,
            delivered: HashMap::new(),
            total_delivered: 0,
            too_many: 0,
            paid_delivered: 0,
            violations: 0,
            watched: HashSet::new(),
            watched_delivered: HashMap::new(),
            blocked: HashSet::new(),
            deactivated: HashSet::new(),
            member_status: HashMap::new(),
            commands: HashMap::new(),
            long_descriptions: HashMap::new(),
            short_descriptions: HashMap::new(),
            menu_buttons: HashMap::new(),
            flood: config.rate_limits.map(FloodControl::new),
            faults: FaultQueues::default(),
            files: Files::default(),
            shutting_down: false,
        }
    }

    /// The descriptions of one kind, by language code.
    pub fn descriptions(&mut self, which: Description) -> &mut HashMap<String, String> {
        match which {
            Description::Long => &mut self.long_descriptions,
            Description::Short => &mut self.short_descriptions,
        }
    }

    // ---- users, chats, ids ----

    /// Remembers a user and their private chat.
    pub fn register_user(&mut self, user: &TestUser) {
        self.chats.insert(user.id, user.private_chat_json());
        self.users.insert(user.id, user.clone());
    }

    /// Remembers a chat object (group or private).
    pub fn register_chat(&mut self, chat: &Value) {
        if let Some(id) = chat.get("id").and_then(Value::as_i64) {
            self.chats.insert(id, chat.clone());
        }
    }

    /// Chat object of a chat some user has talked in.
    pub fn chat(&self, chat_id: i64) -> Option<&Value> {
        self.chats.get(&chat_id)
    }

    /// Finds a chat by `@username`.
    pub fn chat_by_username(&self, username: &str) -> Option<i64> {
        let name = username.trim_start_matches('@');
        self.users.values().find(|u| u.username.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(name))).map(|u| u.id)
    }

    /// Next message id in a chat (shared by user and bot messages, like private chats).
    pub fn next_message_id(&mut self, chat_id: i64) -> i32 {
        let id = self.next_message_id.entry(chat_id).or_insert(0);
        *id += 1;
        *id
    }

    /// Highest message id handed out in a chat so far (0 if none).
    pub fn last_message_id(&self, chat_id: i64) -> i32 {
        self.next_message_id.get(&chat_id).copied().unwrap_or(0)
    }

    /// Whether message bodies and events are kept (false in load mode).
    pub fn keeps_messages(&self) -> bool {
        self.keep_messages
    }

    /// The 403 a send into the chat gets, if the user blocked the bot or was deactivated.
    pub fn forbidden(&self, chat_id: i64) -> Option<ApiError> {
        if self.deactivated.contains(&chat_id) {
            Some(ApiError::deactivated())
        } else if self.blocked.contains(&chat_id) {
            Some(ApiError::blocked())
        } else {
            None
        }
    }

    /// Marks a user account as deleted: every send into the chat fails with 403 for good.
    pub fn deactivate(&mut self, chat_id: i64) {
        self.deactivated.insert(chat_id);
    }

    /// Sets or clears the 403 failure for a chat.
    pub fn set_blocked(&mut self, chat_id: i64, blocked: bool) {
        if blocked {
            self.blocked.insert(chat_id);
        } else {
            self.blocked.remove(&chat_id);
        }
    }

    // ---- updates ----

    /// Queues an update, assigning its id; learns users and chats it mentions.
    pub fn push_update(&mut self, mut update: Value) -> i64 {
        let id = self.next_update_id;
        self.next_update_id += 1;
        self.learn_from_update(&update);
        if let Some(obj) = update.as_object_mut() {
            obj.insert("update_id".to_owned(), json!(id));
        }
        self.updates.push_back(update);
        id
    }

    fn learn_from_update(&mut self, update: &Value) {
        let Some(obj) = update.as_object() else {
            return;
        };
        for (kind, payload) in obj {
            for candidate in [Some(payload), payload.get("message")].into_iter().flatten() {
                if let Some(chat) = candidate.get("chat") {
                    self.chats.entry(id_of(chat)).or_insert_with(|| chat.clone());
                }
            }
            if let Some(from) = payload.get("from") {
                let is_bot = from.get("is_bot").and_then(Value::as_bool).unwrap_or(false);
                if !is_bot && !self.users.contains_key(&id_of(from)) {
                    let user = TestUser {
                        id: id_of(from),
                        first_name: str_of(from, "first_name").unwrap_or_default(),
                        username: str_of(from, "username"),
                        language_code: str_of(from, "language_code"),
                    };
                    self.users.insert(user.id, user);
                }
            }
            if kind == "callback_query"
                && let Some(id) = str_of(payload, "id")
            {
                let chat_id = payload
                    .get("message")
                    .and_then(|m| m.get("chat"))
                    .map(id_of)
                    .unwrap_or_else(|| payload.get("from").map(id_of).unwrap_or(0));
                self.add_callback(id, chat_id);
            }
        }
    }

    /// Drops updates with id < `offset` (negative: keep only the last `-offset`).
    pub fn confirm_updates(&mut self, offset: i64) {
        if offset > 0 {
            self.updates.retain(|u| update_id(u) >= offset);
        } else if offset < 0 {
            let keep = usize::try_from(offset.unsigned_abs()).unwrap_or(usize::MAX);
            while self.updates.len() > keep {
                self.updates.pop_front();
            }
        }
    }

    /// Up to `limit` deliverable updates; updates the bot did not subscribe to are dropped
    /// as Telegram never queues them.
    pub fn take_batch(&mut self, limit: usize) -> Vec<Value> {
        let allowed = self.allowed_updates.clone();
        self.updates.retain(|u| {
            let kind = update_kind(u);
            match &allowed {
                Some(list) => list.iter().any(|a| a == kind),
                None => !OPT_IN_UPDATES.contains(&kind),
            }
        });
        self.updates.iter().take(limit).cloned().collect()
    }

    // ---- bot messages and events ----

    /// Counts a delivered bot message; unless in load mode, stores it and emits `Sent`.
    pub fn add_bot_message(&mut self, stored: StoredBotMessage) {
        let chat_id = stored.msg.chat_id;
        *self.delivered.entry(chat_id).or_insert(0) += 1;
        self.total_delivered += 1;
        if self.watched.contains(&stored.msg.text) {
            *self.watched_delivered.entry(chat_id).or_insert(0) += 1;
        }
        if self.keep_messages {
            self.push_event(chat_id, BotEvent::Sent(stored.msg.clone()));
            self.bot_messages.entry(chat_id).or_default().push(stored);
        }
    }

    /// A bot message by id.
    pub fn bot_message(&self, chat_id: i64, message_id: i32) -> Option<&StoredBotMessage> {
        self.bot_messages.get(&chat_id)?.iter().find(|m| m.msg.message_id == message_id)
    }

    /// Replaces a bot message after an edit and emits `Edited`.
    pub fn replace_bot_message(&mut self, stored: StoredBotMessage) {
        let chat_id = stored.msg.chat_id;
        let event = BotEvent::Edited(stored.msg.clone());
        if let Some(slot) = self
            .bot_messages
            .get_mut(&chat_id)
            .and_then(|v| v.iter_mut().find(|m| m.msg.message_id == stored.msg.message_id))
        {
            *slot = stored;
        }
        self.push_event(chat_id, event);
    }

    /// Keeps the picture of a photo message (not in load mode); the message itself is added
    /// with `add_bot_message`.
    pub fn add_photo(&mut self, photo: Photo) {
        if self.keep_messages {
            self.photos.insert((photo.chat_id, photo.message_id), photo);
        }
    }

    /// The picture of a photo message.
    pub fn photo(&self, chat_id: i64, message_id: i32) -> Option<&Photo> {
        self.photos.get(&(chat_id, message_id))
    }

    /// Deletes a bot or user message; false if there was none.
    pub fn delete_message(&mut self, chat_id: i64, message_id: i32) -> bool {
        self.photos.remove(&(chat_id, message_id));
        let mut found = self.user_messages.remove(&(chat_id, message_id)).is_some();
        if let Some(list) = self.bot_messages.get_mut(&chat_id) {
            let before = list.len();
            list.retain(|m| m.msg.message_id != message_id);
            found |= list.len() != before;
        }
        if found {
            self.push_event(chat_id, BotEvent::Deleted(message_id));
        }
        found
    }

    /// Whether a user message exists (bots can't edit those).
    pub fn has_user_message(&self, chat_id: i64, message_id: i32) -> bool {
        self.user_messages.contains_key(&(chat_id, message_id))
    }

    /// Stores a user message for later edits (not in load mode).
    pub fn store_user_message(&mut self, chat_id: i64, message_id: i32, message: Value) {
        if self.keep_messages {
            self.user_messages.insert((chat_id, message_id), message);
        }
    }

    /// A stored user message.
    pub fn user_message(&self, chat_id: i64, message_id: i32) -> Option<&Value> {
        self.user_messages.get(&(chat_id, message_id))
    }

    /// Current bot messages of a chat in send order.
    pub fn bot_messages(&self, chat_id: i64) -> Vec<BotMessage> {
        self.bot_messages.get(&chat_id).map(|v| v.iter().map(|m| m.msg.clone()).collect()).unwrap_or_default()
    }

    /// Appends an event for a chat (dropped in load mode).
    pub fn push_event(&mut self, chat_id: i64, event: BotEvent) {
        if self.keep_messages {
            self.events.entry(chat_id).or_default().push(event);
        }
    }

    /// Total events ever emitted for a chat.
    pub fn event_count(&self, chat_id: i64) -> usize {
        self.events.get(&chat_id).map_or(0, Vec::len)
    }

    /// Next unseen event of a chat.
    pub fn take_event(&mut self, chat_id: i64) -> Option<BotEvent> {
        let cursor = self.cursors.entry(chat_id).or_insert(0);
        let event = self.events.get(&chat_id)?.get(*cursor)?.clone();
        *cursor += 1;
        Some(event)
    }

    /// All unseen events of a chat.
    pub fn drain_events(&mut self, chat_id: i64) -> Vec<BotEvent> {
        let cursor = self.cursors.entry(chat_id).or_insert(0);
        let events =
            self.events.get(&chat_id).map(|e| e.get(*cursor..).unwrap_or_default().to_vec()).unwrap_or_default();
        *cursor += events.len();
        events
    }

    /// Counts the deliveries of messages with exactly this text from now on.
    pub fn watch_text(&mut self, text: &str) {
        self.watched.insert(text.to_owned());
    }

    /// Messages with a watched text delivered to a chat.
    pub fn watched_delivered(&self, chat_id: i64) -> u64 {
        self.watched_delivered.get(&chat_id).copied().unwrap_or(0)
    }

    /// Messages delivered to a chat.
    pub fn delivered(&self, chat_id: i64) -> u64 {
        self.delivered.get(&chat_id).copied().unwrap_or(0)
    }

    /// Messages delivered to each chat that got any.
    pub fn delivered_counts(&self) -> HashMap<i64, u64> {
        self.delivered.clone()
    }

    /// Messages delivered to all chats.
    pub fn total_delivered(&self) -> u64 {
        self.total_delivered
    }

    /// Records a finished request (unless recording is off) and counts limit violations: an
    /// injected fault is a 429 answered, but not a limit the bot broke.
    pub fn record(&mut self, request: RecordedRequest) {
        if request.status == 429 {
            self.too_many += 1;
        }
        if request.is_limit_violation() {
            self.violations += 1;
        }
        if self.record_requests {
            self.requests.push(request);
        }
    }

    /// Whether requests are recorded.
    pub fn records_requests(&self) -> bool {
        self.record_requests
    }

    // ---- callbacks ----

    /// Allocates a fresh callback query id.
    pub fn new_callback_id(&mut self) -> String {
        self.next_callback += 1;
        (CALLBACK_ID_BASE + self.next_callback).to_string()
    }

    /// The sequence number of one of the emulator's own callback query ids.
    fn own_callback_seq(&self, id: &str) -> Option<u64> {
        let seq = id.parse::<u64>().ok()?.checked_sub(CALLBACK_ID_BASE)?;
        (1..=self.next_callback).contains(&seq).then_some(seq)
    }

    /// Tracks a callback query as unanswered (an id already pending keeps its place).
    pub fn add_callback(&mut self, id: String, chat_id: i64) {
        if let Some(record) = self.callbacks.get_mut(&id) {
            record.chat_id = chat_id;
            return;
        }
        let own = self.own_callback_seq(&id);
        self.answered.set(&id, own, false);
        self.callback_seq += 1;
        self.callback_order.insert(self.callback_seq, id.clone());
        self.callbacks.insert(id, CallbackRecord { chat_id, seq: self.callback_seq });
    }

    /// Marks a callback answered; returns its chat, or why the answer is refused (a second
    /// answer is counted).
    pub fn answer_callback(&mut self, id: &str) -> Result<i64, CallbackRefusal> {
        let own = self.own_callback_seq(id);
        let Some(record) = self.callbacks.remove(id) else {
            if self.answered.contains(id, own) {
                self.answered_twice += 1;
                return Err(CallbackRefusal::AnsweredBefore);
            }
            return Err(CallbackRefusal::Unknown);
        };
        self.callback_order.remove(&record.seq);
        self.answered.set(id, own, true);
        Ok(record.chat_id)
    }

    /// The chat of an unanswered callback query.
    pub fn callback_chat(&self, id: &str) -> Option<i64> {
        self.callbacks.get(id).map(|record| record.chat_id)
    }

    /// Ids of callback queries not answered yet, oldest first.
    pub fn unanswered_callbacks(&self) -> Vec<String> {
        self.callback_order.values().cloned().collect()
    }

    // ---- membership ----

    /// Records the bot's membership in a user's chat; returns the previous status.
    pub fn set_member_status(&mut self, chat_id: i64, status: &str) -> String {
        let default_old = if status == "member" { "kicked" } else { "member" };
        self.member_status.insert(chat_id, status.to_owned()).unwrap_or_else(|| default_old.to_owned())
    }
}

fn id_of(v: &Value) -> i64 {
    v.get("id").and_then(Value::as_i64).unwrap_or(0)
}

fn str_of(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// `update_id` of a queued update.
pub fn update_id(update: &Value) -> i64 {
    update.get("update_id").and_then(Value::as_i64).unwrap_or(0)
}

/// The update's type, e.g. `message` or `callback_query`.
pub fn update_kind(update: &Value) -> &str {
    update.as_object().and_then(|o| o.keys().find(|k| k.as_str() != "update_id")).map_or("", String::as_str)
}

/// A `ChatMember` JSON for the bot with the given status.
pub fn bot_member_json(bot_user: &Value, status: &str) -> Value {
    let mut member = Map::new();
    member.insert("user".to_owned(), bot_user.clone());
    member.insert("status".to_owned(), json!(status));
    if status == "kicked" {
        member.insert("until_date".to_owned(), json!(0));
    }
    Value::Object(member)
}
