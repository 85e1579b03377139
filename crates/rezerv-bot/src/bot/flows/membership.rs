//! `my_chat_member`: a candidate who blocks the bot is marked inactive; unblocking revives.

use std::sync::Arc;

use teloxide::dispatching::UpdateHandler;
use teloxide::prelude::*;

use crate::bot::{App, BotError, HandlerResult};

pub fn handler() -> UpdateHandler<BotError> {
    Update::filter_my_chat_member().endpoint(member_changed)
}

async fn member_changed(app: Arc<App>, update: ChatMemberUpdated) -> HandlerResult {
    if !update.chat.is_private() {
        return Ok(());
    }
    let active = !update.new_chat_member.is_banned() && !update.new_chat_member.is_left();
    app.db.set_active(update.chat.id.0, active).await?;
    tracing::info!(chat_id = update.chat.id.0, active, "membership changed");
    Ok(())
}
