//! After every handled update, the chat's reminders follow its progress.

use std::sync::Arc;

use teloxide::prelude::*;

use super::App;

/// Re-plans the chat's reminders. The planner skips the write when nothing it depends on
/// changed, so an ordinary update costs one read.
pub(super) async fn replan(deps: &DependencyMap) {
    let (Some(app), Some(update)) = (deps.try_get::<Arc<App>>(), deps.try_get::<Update>()) else {
        return;
    };
    let Some(chat) = update.chat().filter(|chat| chat.is_private()) else {
        return;
    };
    if let Err(err) = app.planner.replan(chat.id.0).await {
        tracing::error!(chat_id = chat.id.0, error = %super::error_chain(&err), "cannot re-plan reminders");
    }
}
