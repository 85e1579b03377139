//! `/forget`: erase the candidate's personal data after a confirmation.

use teloxide::prelude::*;

use super::View;
use crate::bot::ui::{self, Prompt};
use crate::bot::{Callback, HandlerResult, State, Turn};
use crate::domain::CodeSource;

pub fn prompt(view: &View<'_>) -> Prompt {
    // What is erased differs: a copy of the cabinet's code, or a phone and an issued code.
    let question = match view.app.campaign.code_source {
        CodeSource::Pool => "forget-confirm",
        CodeSource::Cabinet => "forget-confirm-cabinet",
    };
    Prompt::with_inline(
        view.t(question),
        vec![vec![
            ui::button(view.t("btn-forget-yes"), Callback::ForgetYes),
            ui::button(view.t("btn-forget-no"), Callback::ForgetNo),
        ]],
    )
}

pub async fn command(turn: Turn, state: State) -> HandlerResult {
    let back = match state {
        // Asking twice keeps the original place to return to.
        State::ConfirmForget { back } => back,
        other => Box::new(other),
    };
    turn.go(State::ConfirmForget { back }).await
}

pub async fn confirmed(turn: Turn, query: CallbackQuery) -> HandlerResult {
    turn.ack(&query).await?;
    // Deleting the row removes the dialogue state too; nothing is written after this.
    turn.app.db.forget(turn.chat_id().0).await?;
    tracing::info!(chat_id = turn.chat_id().0, "candidate data erased on request");
    turn.say(Prompt::removing_keyboard(turn.view().t("forget-done"))).await
}

pub async fn cancelled(turn: Turn, query: CallbackQuery, back: Box<State>) -> HandlerResult {
    turn.ack(&query).await?;
    turn.say(turn.view().t("forget-cancelled")).await?;
    turn.go(*back).await
}
