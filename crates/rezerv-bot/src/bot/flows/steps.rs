//! The guided steps of a way: one message per step, with its link, "Done" and "Back".

use teloxide::prelude::*;

use super::View;
use crate::bot::ui::{self, Prompt};
use crate::bot::{App, Callback, HandlerResult, State, Turn};
use crate::domain::{CityId, CodeSource, Way};
use crate::i18n::Args;

pub fn prompt(view: &View<'_>, way: Way, step: u8) -> Prompt {
    let steps = view.app.campaign.steps(way);
    let total = steps.len();
    let Some(current) = steps.get(usize::from(step).saturating_sub(1)) else {
        return super::code::prompt(view, way);
    };
    let args = || {
        Args::new()
            .with("step", step)
            .with("total", total)
            .with("link", current.link.clone())
            .with("way", view.way_name(way))
            // Where the code comes from changes what some steps say.
            .with("source", view.app.campaign.code_source.as_str())
    };
    let text = format!(
        "{}\n\n<b>{}</b>\n{}\n\n{}",
        view.ta("step-header", args()),
        view.ta(&format!("step-{}", current.id), args()),
        view.ta(&format!("step-{}-hint", current.id), args()),
        current.link
    );
    let mut rows = Vec::new();
    if let Some(open) = ui::link_button(view.t("btn-open-site"), &current.link) {
        rows.push(vec![open]);
    }
    rows.push(vec![ui::button(view.t("btn-step-done"), Callback::StepDone(step))]);
    rows.push(vec![ui::button(view.t("btn-back"), Callback::StepBack(step))]);
    Prompt::with_inline(text, rows)
}

/// Whether a step's button belongs to the current step. A "Done" or "Back" of an earlier
/// step (a double tap or an old message) falls through to the stale-button answer.
pub fn on_current((_, _, current): (CityId, Way, u8), pressed: u8) -> bool {
    pressed == current
}

/// The state after step `current`: the next step, and after the last one the contact, to
/// issue the code (pool mode), or what to do next (cabinet mode: the bot issues no code).
pub fn after(app: &App, city: CityId, way: Way, current: u8) -> State {
    if usize::from(current) < app.campaign.steps(way).len() {
        return State::Step { city, way, step: current + 1 };
    }
    match app.campaign.code_source {
        CodeSource::Pool => State::Contact { city, way },
        CodeSource::Cabinet => State::Ready { city, way },
    }
}

/// "Done" moves on to the next step, and after the last one as `after` says.
pub async fn done(turn: Turn, query: CallbackQuery, (city, way, current): (CityId, Way, u8)) -> HandlerResult {
    turn.ack(&query).await?;
    let next = after(&turn.app, city, way, current);
    turn.go(next).await
}

/// "Back" from step 1 returns to the choice of way.
pub async fn back(turn: Turn, query: CallbackQuery, (city, way, current): (CityId, Way, u8)) -> HandlerResult {
    turn.ack(&query).await?;
    let previous = if current <= 1 { State::Way { city } } else { State::Step { city, way, step: current - 1 } };
    turn.go(previous).await
}
