//! The bot works only in private chats: elsewhere it says so and keeps nothing.

use std::sync::Arc;

use teloxide::dispatching::UpdateHandler;
use teloxide::prelude::*;

use crate::bot::{App, BotError, Exchange, HandlerResult, ui};
use crate::domain::Lang;

pub fn handler() -> UpdateHandler<BotError> {
    dptree::entry()
        .branch(Update::filter_message().filter(|msg: Message| !msg.chat.is_private()).endpoint(group_message))
        .branch(
            Update::filter_callback_query()
                // Telegram may report the message as inaccessible (date 0): its chat still says
                // where the button was.
                .filter(|query: CallbackQuery| query.message.as_ref().is_some_and(|msg| !msg.chat().is_private()))
                .endpoint(group_callback),
        )
}

async fn group_message(app: Arc<App>, msg: Message) -> HandlerResult {
    // Only answer messages meant for the bot, so a group is not flooded.
    let addressed = msg.text().is_some_and(|text| text.starts_with('/'));
    if addressed {
        let lang = Lang::suggest(msg.from.as_ref().and_then(|user| user.language_code.as_deref()));
        ui::send(&app.telegram, msg.chat.id, app.locales.t(lang, "private-only"), None).await?;
    }
    Ok(())
}

async fn group_callback(app: Arc<App>, exchange: Arc<Exchange>, query: CallbackQuery) -> HandlerResult {
    let lang = Lang::suggest(query.from.language_code.as_deref());
    exchange.answer(&app.telegram, &query, Some(app.locales.t(lang, "private-only"))).await
}
