//! Input the current step does not expect: a re-prompt, never a change of state.

use teloxide::prelude::*;

use crate::bot::{HandlerResult, State, Turn};

/// Free text, a sticker, a photo or a voice message where a button was expected.
pub async fn unexpected_message(turn: Turn, state: State) -> HandlerResult {
    turn.say(turn.view().t("unexpected-input")).await?;
    turn.show(&state).await
}

/// A button from an old message, a double tap, or data the bot never made: the query is
/// answered (Telegram shows a spinner otherwise) and nothing changes.
pub async fn stale_button(turn: Turn, query: CallbackQuery) -> HandlerResult {
    turn.answer(&query, Some(turn.view().t("toast-stale-button"))).await
}
