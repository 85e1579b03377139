//! `/forget`: erase the candidate's personal data after a confirmation.

use std::sync::Arc;

use teloxide::prelude::*;

use super::{View, acknowledge, go};
use crate::bot::ui::{self, Prompt};
use crate::bot::{App, BotDialogue, Callback, Ctx, HandlerResult, State};

pub fn prompt(view: &View<'_>) -> Prompt {
    Prompt::with_inline(
        view.t("forget-confirm"),
        vec![vec![
            ui::button(view.t("btn-forget-yes"), Callback::ForgetYes),
            ui::button(view.t("btn-forget-no"), Callback::ForgetNo),
        ]],
    )
}

pub async fn command(bot: Bot, app: Arc<App>, ctx: Ctx, dialogue: BotDialogue, state: State) -> HandlerResult {
    let back = match state {
        // Asking twice keeps the original place to return to.
        State::ConfirmForget { back } => back,
        other => Box::new(other),
    };
    go(&bot, &app, &ctx, &dialogue, State::ConfirmForget { back }).await
}

pub async fn confirmed(bot: Bot, app: Arc<App>, ctx: Ctx, query: CallbackQuery) -> HandlerResult {
    acknowledge(&bot, &query).await?;
    // Deleting the row removes the dialogue state too; nothing is written after this.
    app.db.forget(ctx.chat_id.0).await?;
    tracing::info!(chat_id = ctx.chat_id.0, "candidate data erased on request");
    let view = View::new(&app, &ctx);
    ui::send(&bot, ctx.chat_id, view.t("forget-done"), Some(ui::remove_keyboard())).await?;
    Ok(())
}

pub async fn cancelled(
    bot: Bot,
    app: Arc<App>,
    ctx: Ctx,
    dialogue: BotDialogue,
    query: CallbackQuery,
    back: Box<State>,
) -> HandlerResult {
    acknowledge(&bot, &query).await?;
    let view = View::new(&app, &ctx);
    ui::send(&bot, ctx.chat_id, view.t("forget-cancelled"), None).await?;
    go(&bot, &app, &ctx, &dialogue, *back).await
}
