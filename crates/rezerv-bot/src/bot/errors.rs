//! The bot layer's one error enum, its logging, and the apology the user gets.

use std::sync::Arc;

use teloxide::prelude::*;
use thiserror::Error;

use super::{App, Ctx, ui};
use crate::domain::Lang;
use crate::storage::StorageError;

#[derive(Debug, Error)]
pub enum BotError {
    #[error("Telegram request failed")]
    Telegram(#[from] teloxide::RequestError),
    #[error("storage failed")]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

pub type HandlerResult = Result<(), BotError>;

/// Logs a handler error with its whole cause chain.
pub async fn log_error(error: BotError) {
    tracing::error!(error = %chain(&error), "handler failed");
}

/// `error: cause: cause` on one line.
pub fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Whether Telegram refused to reach the chat at all (the user blocked the bot or deleted
/// their account).
fn chat_unreachable(error: &BotError) -> bool {
    matches!(error, BotError::Telegram(error) if crate::telegram::is_unreachable(error))
}

/// Tells the user, in their language, that something went wrong (the error itself goes to
/// the error handler), and answers a pending callback query.
pub(super) async fn apologize(deps: &DependencyMap, error: &BotError) {
    if chat_unreachable(error) {
        // Nothing can reach a user who blocked the bot, and a pressed button was answered
        // already: every callback handler answers before it sends. A second answer would only
        // get a 400 from Telegram.
        return;
    }
    let (Some(bot), Some(app), Some(update)) =
        (deps.try_get::<Bot>(), deps.try_get::<Arc<App>>(), deps.try_get::<Update>())
    else {
        return;
    };
    let Some(chat) = update.chat() else { return };
    let lang = deps
        .try_get::<Ctx>()
        .map(|ctx| ctx.lang)
        .unwrap_or_else(|| Lang::suggest(update.from().and_then(|user| user.language_code.as_deref())));
    if let teloxide::types::UpdateKind::CallbackQuery(query) = &update.kind {
        // Fails harmlessly if the handler already answered it.
        let _ = bot.answer_callback_query(query.id.clone()).await;
    }
    let text = app.locales.t(lang, "error-apology");
    if let Err(err) = ui::send(&bot, chat.id, text, None).await {
        tracing::warn!(error = %chain(&err), "cannot send the apology");
    }
}
