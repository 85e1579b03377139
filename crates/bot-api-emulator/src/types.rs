//! Public value types seen by tests: users, bot messages, events, recorded requests.

use serde_json::{Value, json};

/// A simulated Telegram user talking to the bot in a private chat (chat id = user id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestUser {
    /// User id, also the private chat id.
    pub id: i64,
    /// First name shown in updates.
    pub first_name: String,
    /// Optional `@username` (without `@`).
    pub username: Option<String>,
    /// IETF language tag sent in updates.
    pub language_code: Option<String>,
}

impl TestUser {
    /// A user named `User<id>` with username `user<id>`; `lang` may be `"ru"` or `None`.
    pub fn new<'a>(id: i64, lang: impl Into<Option<&'a str>>) -> Self {
        Self {
            id,
            first_name: format!("User{id}"),
            username: Some(format!("user{id}")),
            language_code: lang.into().map(str::to_owned),
        }
    }

    /// Replaces the first name.
    #[must_use]
    pub fn with_first_name(mut self, name: &str) -> Self {
        self.first_name = name.to_owned();
        self
    }

    /// Replaces (or removes) the username.
    #[must_use]
    pub fn with_username(mut self, username: Option<&str>) -> Self {
        self.username = username.map(str::to_owned);
        self
    }

    /// Bot API `User` object.
    pub fn to_json(&self) -> Value {
        let mut user = json!({"id": self.id, "is_bot": false, "first_name": self.first_name});
        if let Some(u) = &self.username {
            user["username"] = json!(u);
        }
        if let Some(l) = &self.language_code {
            user["language_code"] = json!(l);
        }
        user
    }

    /// Bot API `Chat` object of the private chat with this user.
    pub fn private_chat_json(&self) -> Value {
        let mut chat = json!({"id": self.id, "type": "private", "first_name": self.first_name});
        if let Some(u) = &self.username {
            chat["username"] = json!(u);
        }
        chat
    }
}

/// An inline keyboard button as sent by the bot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    /// Label.
    pub text: String,
    /// `callback_data`, if it is a callback button.
    pub callback_data: Option<String>,
    /// `url`, if it is a link button.
    pub url: Option<String>,
}

/// A custom reply keyboard sent with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyKeyboard {
    /// Rows of buttons.
    pub rows: Vec<Vec<KeyboardButton>>,
}

/// A reply keyboard button.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyboardButton {
    /// Label (also the text sent when pressed).
    pub text: String,
    /// Whether pressing it shares the user's own contact.
    pub request_contact: bool,
}

/// Current state of a message sent by the bot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotMessage {
    /// Message id within the chat.
    pub message_id: i32,
    /// Chat the message is in.
    pub chat_id: i64,
    /// Text exactly as the bot sent it, or a document's caption (markup included; see
    /// [`BotMessage::plain_text`]).
    pub text: String,
    /// `parse_mode` the bot used.
    pub parse_mode: Option<String>,
    /// Inline keyboard rows (empty if none).
    pub inline_keyboard: Vec<Vec<Button>>,
    /// Reply keyboard sent with the message.
    pub reply_keyboard: Option<ReplyKeyboard>,
    /// Whether the message carried `ReplyKeyboardRemove`.
    pub remove_keyboard: bool,
    /// The file of a `sendDocument` message; its caption is the message's `text`.
    pub document: Option<Document>,
}

/// A file the bot sent with `sendDocument`, as uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The upload's file name.
    pub file_name: String,
    /// The upload's `Content-Type`, if it named one.
    pub mime_type: Option<String>,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

impl BotMessage {
    /// First inline button whose label contains `label_contains`.
    pub fn button(&self, label_contains: &str) -> Option<&Button> {
        self.inline_keyboard.iter().flatten().find(|b| b.text.contains(label_contains))
    }

    /// All inline buttons, row by row.
    pub fn buttons(&self) -> Vec<&Button> {
        self.inline_keyboard.iter().flatten().collect()
    }

    /// Reply keyboard buttons, row by row (empty if none).
    pub fn keyboard_buttons(&self) -> Vec<&KeyboardButton> {
        self.reply_keyboard.iter().flat_map(|k| k.rows.iter().flatten()).collect()
    }

    /// Text as the user sees it (HTML tags stripped, entities decoded).
    pub fn plain_text(&self) -> String {
        super::limits::visible_text(&self.text, self.parse_mode.as_deref()).unwrap_or_else(|_| self.text.clone())
    }
}

/// Something the bot did in a chat, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BotEvent {
    /// A new message.
    Sent(BotMessage),
    /// A message after an edit of its text or keyboard.
    Edited(BotMessage),
    /// A message (bot's or user's) was deleted.
    Deleted(i32),
    /// A callback query from this chat was answered.
    CallbackAnswered {
        /// Callback query id.
        id: String,
        /// Notification text, if any.
        text: Option<String>,
    },
}

/// One HTTP request the bot made, with the answer it got.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    /// Method name in lower case (`sendmessage`), empty if the path had none.
    pub method: String,
    /// Parameters as a JSON object.
    pub body: Value,
    /// HTTP status sent back; 0 if the connection was dropped without an answer.
    pub status: u16,
    /// Response JSON sent back (`null` if none).
    pub response: Value,
    /// Whether the answer was an injected [`crate::Fault`] (a status or a dropped connection)
    /// rather than the emulator's own.
    pub injected: bool,
}

impl RecordedRequest {
    /// A 400 or 429 of the emulator's own: the bot broke a limit or sent a malformed request.
    /// An injected fault is Telegram in trouble, not the bot's doing.
    pub fn is_limit_violation(&self) -> bool {
        !self.injected && (self.status == 400 || self.status == 429)
    }

    /// The error description, if the request failed.
    pub fn description(&self) -> Option<&str> {
        self.response.get("description").and_then(Value::as_str)
    }
}

/// A picture the bot sent with `sendPhoto`, as uploaded; its caption is the message's `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    /// The chat it was sent to.
    pub chat_id: i64,
    /// Its message's id.
    pub message_id: i32,
    /// Width in pixels, read from the image's header.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The image file's bytes (PNG or JPEG).
    pub bytes: Vec<u8>,
}
