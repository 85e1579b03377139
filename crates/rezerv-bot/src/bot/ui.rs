//! Small helpers to send and shape messages. All texts are HTML (for monospace codes).

use teloxide::payloads::AnswerCallbackQuerySetters;
use teloxide::prelude::*;
use teloxide::types::{
    InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, KeyboardMarkup, KeyboardRemove, MessageId, ParseMode,
    ReplyMarkup,
};

use super::Callback;
use crate::telegram::{Patience, Telegram};

/// A message ready to send: text and an optional keyboard.
#[derive(Debug, Clone)]
pub struct Prompt {
    pub text: String,
    pub markup: Option<ReplyMarkup>,
}

impl Prompt {
    pub fn with_inline(text: String, rows: Vec<Vec<InlineKeyboardButton>>) -> Prompt {
        Prompt { text, markup: Some(inline_keyboard(rows)) }
    }

    /// A text that also takes a reply keyboard (the contact button) off the screen.
    pub fn removing_keyboard(text: String) -> Prompt {
        Prompt { text, markup: Some(remove_keyboard()) }
    }
}

/// A bare text, without a keyboard.
impl From<String> for Prompt {
    fn from(text: String) -> Prompt {
        Prompt { text, markup: None }
    }
}

pub fn inline_keyboard(rows: Vec<Vec<InlineKeyboardButton>>) -> ReplyMarkup {
    ReplyMarkup::InlineKeyboard(InlineKeyboardMarkup::new(rows))
}

pub fn button(label: String, callback: Callback) -> InlineKeyboardButton {
    InlineKeyboardButton::callback(label, callback.encode())
}

pub fn link_button(label: String, url: &str) -> Option<InlineKeyboardButton> {
    match url.parse() {
        Ok(url) => Some(InlineKeyboardButton::url(label, url)),
        Err(err) => {
            tracing::warn!(url, %err, "link not usable as a button");
            None
        }
    }
}

/// A one-button reply keyboard asking for the user's own contact, plus a way back.
pub fn contact_keyboard(share: String, back: String) -> ReplyMarkup {
    ReplyMarkup::Keyboard(
        KeyboardMarkup::new(vec![
            vec![KeyboardButton::new(share).request(teloxide::types::ButtonRequest::Contact)],
            vec![KeyboardButton::new(back)],
        ])
        .resize_keyboard()
        .one_time_keyboard(),
    )
}

pub fn remove_keyboard() -> ReplyMarkup {
    ReplyMarkup::KeyboardRemove(KeyboardRemove::new())
}

/// Sends an HTML text, with an optional keyboard, within an interactive reply's patience.
pub async fn send(
    telegram: &Telegram,
    chat: ChatId,
    text: String,
    markup: Option<ReplyMarkup>,
) -> Result<Message, teloxide::RequestError> {
    telegram.send_html(Patience::INTERACTIVE, chat, text, markup).await
}

pub async fn send_prompt(telegram: &Telegram, chat: ChatId, prompt: Prompt) -> Result<Message, teloxide::RequestError> {
    send(telegram, chat, prompt.text, prompt.markup).await
}

/// Replaces a message's HTML text and its inline keyboard (none: the keyboard goes), within
/// an interactive reply's patience. Telegram refuses an edit that changes nothing; that is
/// not an error here.
pub async fn edit_html(
    telegram: &Telegram,
    chat: ChatId,
    message: MessageId,
    text: String,
    keyboard: Option<InlineKeyboardMarkup>,
) -> Result<(), teloxide::RequestError> {
    let result = telegram
        .call(Patience::INTERACTIVE, |bot| {
            let request = bot
                .edit_message_text(chat, message, text)
                .parse_mode(ParseMode::Html)
                .link_preview_options(crate::telegram::no_preview());
            match keyboard {
                Some(keyboard) => request.reply_markup(keyboard),
                None => request,
            }
        })
        .await;
    match result {
        Ok(_) | Err(teloxide::RequestError::Api(teloxide::ApiError::MessageNotModified)) => Ok(()),
        Err(err) => Err(err),
    }
}

/// Removes the inline keyboard of a message the user has acted on, so its buttons cannot be
/// pressed again. Failure is harmless (the message may be too old to edit).
pub async fn retire_buttons(telegram: &Telegram, chat: ChatId, message: MessageId) {
    if let Err(err) = telegram.call(Patience::INTERACTIVE, |bot| bot.edit_message_reply_markup(chat, message)).await {
        tracing::debug!(%err, "could not retire an old keyboard");
    }
}

/// Answers a callback query, optionally with a short toast. Telegram refuses a second answer
/// (an update replayed after a crash) or one that came too late; the handler must still do
/// its work then, so a refusal is only logged.
pub async fn answer(
    telegram: &Telegram,
    query: &CallbackQuery,
    toast: Option<String>,
) -> Result<(), teloxide::RequestError> {
    let result = telegram
        .call(Patience::INTERACTIVE, |bot| {
            let request = bot.answer_callback_query(query.id.clone());
            match toast {
                Some(text) => request.text(text),
                None => request,
            }
        })
        .await;
    match result {
        Ok(_) => Ok(()),
        Err(teloxide::RequestError::Api(err)) => {
            tracing::debug!(%err, "callback query not answered");
            Ok(())
        }
        Err(err) => Err(err),
    }
}
