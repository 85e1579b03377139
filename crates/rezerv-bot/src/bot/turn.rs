//! One update's turn in a chat: the bot, the app, who is talking and their dialogue, and the
//! few things every handler does with them.

use std::sync::Arc;

use teloxide::prelude::*;

use super::flows::{View, prompt_for};
use super::ui::{self, Prompt};
use super::{App, BotDialogue, BotError, Ctx, HandlerResult, State};

/// Built once per update by `load_chat` and injected into every chat handler, as teloxide's
/// examples inject the bot and the dialogue.
#[derive(Clone)]
pub struct Turn {
    pub bot: Bot,
    pub app: Arc<App>,
    pub ctx: Ctx,
    pub dialogue: BotDialogue,
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
        ui::send_prompt(&self.bot, self.ctx.chat_id, prompt.into()).await?;
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

    /// Acknowledges a pressed button and retires its keyboard, so it cannot be pressed again.
    /// The two requests go out together: the next prompt comes one round trip sooner.
    pub async fn ack(&self, query: &CallbackQuery) -> HandlerResult {
        let retire = async {
            if let Some(message) = query.regular_message() {
                ui::retire_buttons(&self.bot, message.chat.id, message.id).await;
            }
        };
        let (answered, ()) = tokio::join!(ui::answer(&self.bot, query, None), retire);
        answered?;
        Ok(())
    }

    /// Answers a pressed button, with an optional toast, and leaves its keyboard in place.
    pub async fn answer(&self, query: &CallbackQuery, toast: Option<String>) -> HandlerResult {
        ui::answer(&self.bot, query, toast).await?;
        Ok(())
    }
}
