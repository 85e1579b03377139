//! `/help`: what the bot does and its commands.

use std::sync::Arc;

use teloxide::prelude::*;

use super::View;
use crate::bot::{App, Ctx, HandlerResult, ui};
use crate::i18n::Args;

pub async fn command(bot: Bot, app: Arc<App>, ctx: Ctx) -> HandlerResult {
    let view = View::new(&app, &ctx);
    let commands = crate::bot::menu(&app.locales, ctx.lang)
        .into_iter()
        .map(|command| format!("/{} — {}", command.command, command.description))
        .collect::<Vec<_>>()
        .join("\n");
    let text =
        view.ta("help", Args::new().with("commands", commands).with("pkrezerv", app.campaign.links.pkrezerv.clone()));
    ui::send(&bot, ctx.chat_id, text, None).await?;
    Ok(())
}
