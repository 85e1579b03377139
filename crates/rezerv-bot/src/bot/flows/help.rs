//! `/help`: what the bot does and its commands.

use crate::bot::{HandlerResult, Turn};
use crate::i18n::Args;

pub async fn command(turn: Turn) -> HandlerResult {
    let app = &turn.app;
    let commands = crate::bot::menu(&app.locales, turn.ctx.lang)
        .into_iter()
        .map(|command| format!("/{} — {}", command.command, command.description))
        .collect::<Vec<_>>()
        .join("\n");
    let args = Args::new().with("commands", commands).with("pkrezerv", app.campaign.links.pkrezerv.clone());
    turn.say(turn.view().ta("help", args)).await
}
