//! One update's turn in a chat: the bot, the app, who is talking and their dialogue, and the
//! few things every handler does with them.

use std::sync::{Arc, Mutex, MutexGuard};

use teloxide::prelude::*;
use teloxide::types::MessageId;

use super::flows::{View, prompt_for};
use super::ui::{self, Prompt};
use super::{App, BotDialogue, BotError, Ctx, HandlerResult, State};
use crate::domain::Lang;
use crate::telegram::Telegram;

/// Built once per update by `load_chat` and injected into every chat handler, as teloxide's
/// examples inject the bot and the dialogue.
#[derive(Clone)]
pub struct Turn {
    pub telegram: Telegram,
    pub app: Arc<App>,
    pub ctx: Ctx,
    pub dialogue: BotDialogue,
    pub exchange: Arc<Exchange>,
}

impl Turn {
    pub fn chat_id(&self) -> ChatId {
        self.ctx.chat_id
    }

    /// Texts in the candidate's language.
    pub fn view(&self) -> View<'_> {
        View::new(&self.app, &self.ctx)
    }

    /// Sends a text (a `String`) or a prompt to the chat.
    pub async fn say(&self, prompt: impl Into<Prompt>) -> HandlerResult {
        ui::send_prompt(&self.telegram, self.ctx.chat_id, prompt.into()).await?;
        Ok(())
    }

    /// Sends the prompt of `state`.
    pub async fn show(&self, state: &State) -> HandlerResult {
        self.say(prompt_for(&self.app, &self.ctx, state)).await
    }

    /// Shows the prompt of `state`, then moves the dialogue there. In this order a crash
    /// between the two replays the update (from the inbox, where it is not yet marked handled)
    /// and the prompt is shown again; in the other order the state would move on with the
    /// prompt never shown.
    pub async fn go(&self, state: State) -> HandlerResult {
        self.show(&state).await?;
        self.dialogue.update(state).await.map_err(BotError::Storage)
    }

    /// Acknowledges a pressed button. Its keyboard is retired once the turn has succeeded, so
    /// a reply that cannot be delivered leaves the candidate the buttons they pressed.
    pub async fn ack(&self, query: &CallbackQuery) -> HandlerResult {
        if let Some(message) = query.regular_message() {
            self.exchange.retire_after(message.chat.id, message.id);
        }
        self.answer(query, None).await
    }

    /// Answers a pressed button, with an optional toast, and leaves its keyboard in place.
    pub async fn answer(&self, query: &CallbackQuery, toast: Option<String>) -> HandlerResult {
        self.exchange.answer(&self.telegram, query, toast).await
    }
}

/// What one update's turn has done with Telegram, shared by its handler and the wrapper around
/// the handler tree: so that a callback is answered once (the apology does not answer it
/// again), the apology speaks the candidate's language, and a pressed keyboard is retired only
/// once the reply has arrived.
#[derive(Debug, Default)]
pub struct Exchange {
    inner: Mutex<Exchanged>,
}

#[derive(Debug, Default)]
struct Exchanged {
    answered: bool,
    lang: Option<Lang>,
    retire: Option<(ChatId, MessageId)>,
}

impl Exchange {
    fn lock(&self) -> MutexGuard<'_, Exchanged> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Answers the update's callback query, once: a second call does nothing.
    pub async fn answer(&self, telegram: &Telegram, query: &CallbackQuery, toast: Option<String>) -> HandlerResult {
        if std::mem::replace(&mut self.lock().answered, true) {
            return Ok(());
        }
        let answered = ui::answer(telegram, query, toast).await;
        if answered.is_err() {
            // Not answered after all: the apology may still answer it.
            self.lock().answered = false;
        }
        Ok(answered?)
    }

    pub fn answered(&self) -> bool {
        self.lock().answered
    }

    /// The language the candidate speaks, once their chat is loaded.
    pub fn set_lang(&self, lang: Lang) {
        self.lock().lang = Some(lang);
    }

    pub fn lang(&self) -> Option<Lang> {
        self.lock().lang
    }

    fn retire_after(&self, chat: ChatId, message: MessageId) {
        self.lock().retire = Some((chat, message));
    }

    /// Retires the pressed keyboard, if the turn acknowledged one.
    pub async fn retire_pressed(&self, telegram: &Telegram) {
        let pressed = self.lock().retire.take();
        if let Some((chat, message)) = pressed {
            ui::retire_buttons(telegram, chat, message).await;
        }
    }
}
