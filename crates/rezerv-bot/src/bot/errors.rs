//! The bot layer's one error enum, its logging, and the apology the user gets.

use std::sync::Arc;

use teloxide::prelude::*;
use thiserror::Error;

use super::{App, Exchange};
use crate::domain::Lang;
use crate::storage::StorageError;
use crate::telegram::Patience;

#[derive(Debug, Error)]
pub enum BotError {
    #[error("Telegram request failed")]
    Telegram(#[from] teloxide::RequestError),
    #[error("storage failed")]
    Storage(#[from] StorageError),
    #[error("drawing the dashboard failed")]
    Chart(#[from] crate::dashboard::chart::ChartError),
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
/// the error handler), and answers a pressed button the turn has not answered. It is the last
/// resort: every request has had its retries by now.
pub(super) async fn apologize(deps: &DependencyMap, exchange: &Exchange, error: &BotError) {
    if chat_unreachable(error) {
        // Nothing can reach a user who blocked the bot.
        return;
    }
    let (Some(app), Some(update)) = (deps.try_get::<Arc<App>>(), deps.try_get::<Update>()) else {
        return;
    };
    let Some(chat) = update.chat() else { return };
    let lang =
        exchange.lang().unwrap_or_else(|| Lang::suggest(update.from().and_then(|user| user.language_code.as_deref())));
    if let teloxide::types::UpdateKind::CallbackQuery(query) = &update.kind
        && let Err(err) = exchange.answer(&app.telegram, query, None).await
    {
        tracing::warn!(error = %chain(&err), "cannot answer the pressed button");
    }
    let text = app.locales.t(lang, "error-apology");
    if let Err(err) = app.telegram.send_html(Patience::APOLOGY, chat.id, text, None).await {
        tracing::warn!(error = %chain(&err), "cannot send the apology");
    }
}
