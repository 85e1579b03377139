//! Input the current step does not expect: a re-prompt, never a change of state.

use std::sync::Arc;

use teloxide::prelude::*;

use super::View;
use crate::bot::{App, Ctx, HandlerResult, State, ui};

/// Free text, a sticker, a photo or a voice message where a button was expected.
pub async fn unexpected_message(bot: Bot, app: Arc<App>, ctx: Ctx, state: State) -> HandlerResult {
    let view = View::new(&app, &ctx);
    ui::send(&bot, ctx.chat_id, view.t("unexpected-input"), None).await?;
    super::show(&bot, &app, &ctx, &state).await
}

/// A button from an old message, a double tap, or data the bot never made: the query is
/// answered (Telegram shows a spinner otherwise) and nothing changes.
pub async fn stale_button(bot: Bot, app: Arc<App>, ctx: Ctx, query: CallbackQuery) -> HandlerResult {
    let view = View::new(&app, &ctx);
    ui::answer(&bot, &query, Some(view.t("toast-stale-button"))).await?;
    Ok(())
}
