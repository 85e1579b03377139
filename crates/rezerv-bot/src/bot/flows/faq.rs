//! Questions typed as free text outside a step that expects text. The FAQ's matcher decides:
//! a confident match gets its answer, with "that's not it" offering the next three entries; an
//! unsure one gets "did you mean…" with the closest entries; nothing close gets the usual
//! reply plus what the bot can answer. Either way the step's prompt follows, so the journey
//! is not lost, and the state does not change. Answers are in the chat's language, whatever
//! the question's. The entry buttons work in any state.

use teloxide::prelude::*;

use super::View;
use crate::bot::ui::{self, Prompt};
use crate::bot::{Callback, FAQ_OTHERS, HandlerResult, State, Turn};
use crate::faq::answer::{self, Known};
use crate::faq::{Band, EntryId};

/// The choices "did you mean" offers.
const CHOICES: usize = 3;

/// Free text: a command the bot does not know is not a question.
pub fn is_question(msg: Message) -> bool {
    msg.text().is_some_and(|text| !text.trim_start().starts_with('/'))
}

/// What the bot knows of the candidate, for the answers.
fn known<'a>(view: &View<'a>, turn: &Turn, state: &State) -> Known<'a> {
    let profile = &turn.ctx.profile;
    Known {
        city: state.city().and_then(|id| view.city(id)),
        way: profile.code.as_ref().map(|(_, way)| *way).or(state.way()),
        test_date: profile.test_date,
    }
}

fn answer_text(turn: &Turn, state: &State, id: &EntryId) -> String {
    let view = turn.view();
    let known = known(&view, turn, state);
    answer::answer(&turn.app.locales, &turn.app.campaign, view.lang, id, &known)
}

fn entry_button(turn: &Turn, id: &EntryId, callback: Callback) -> Vec<teloxide::types::InlineKeyboardButton> {
    vec![ui::button(answer::title(&turn.app.locales, turn.ctx.lang, id), callback)]
}

/// A question typed where no text is expected.
pub async fn question(turn: Turn, msg: Message, state: State) -> HandlerResult {
    let text = msg.text().unwrap_or_default();
    let verdict = turn.app.faq.ask(text);
    let view = turn.view();
    let chat_id = turn.chat_id().0;
    match (verdict.band, verdict.ranking.first()) {
        (Band::Confident, Some(best)) => {
            let others: Vec<EntryId> = verdict.runners_up(FAQ_OTHERS).map(|scored| scored.id.clone()).collect();
            let rows = vec![vec![ui::button(view.t("faq-not-it"), Callback::FaqOthers(others))]];
            tracing::info!(chat_id, entry = %best.id, score = best.score, "FAQ answered");
            turn.say(Prompt::with_inline(answer_text(&turn, &state, &best.id), rows)).await?;
        }
        (Band::Unsure, Some(_)) => {
            let rows = verdict
                .choices(CHOICES)
                .iter()
                .map(|scored| entry_button(&turn, &scored.id, Callback::FaqChosen(scored.id.clone())))
                .collect();
            // Kept before the reply: a replay after a crash records it again, never loses it.
            let lang = verdict.written_in.unwrap_or(view.lang);
            turn.app.db.record_question(chat_id, lang, text, Band::Unsure, turn.app.clock.now()).await?;
            turn.say(Prompt::with_inline(view.t("faq-did-you-mean"), rows)).await?;
        }
        _ => {
            let lang = verdict.written_in.unwrap_or(view.lang);
            turn.app.db.record_question(chat_id, lang, text, Band::Nothing, turn.app.clock.now()).await?;
            turn.say(format!("{}\n\n{}", view.t("unexpected-input"), view.t("faq-can-answer"))).await?;
        }
    }
    turn.show(&state).await
}

/// An entry's button: its answer, then the current step again. One picked from "did you
/// mean" also answers the question the matcher was unsure of.
pub async fn entry(turn: Turn, query: CallbackQuery, state: State, id: EntryId, chosen: bool) -> HandlerResult {
    if turn.app.faq.ids().iter().all(|known| *known != id) {
        // A button from an FAQ that has since lost the entry.
        return super::fallback::stale_button(turn, query).await;
    }
    turn.ack(&query).await?;
    if chosen {
        turn.app.db.resolve_question(turn.chat_id().0, &id).await?;
    }
    turn.say(answer_text(&turn, &state, &id)).await?;
    turn.show(&state).await
}

pub async fn shown(turn: Turn, query: CallbackQuery, state: State, id: EntryId) -> HandlerResult {
    entry(turn, query, state, id, false).await
}

pub async fn chosen(turn: Turn, query: CallbackQuery, state: State, id: EntryId) -> HandlerResult {
    entry(turn, query, state, id, true).await
}

/// "That's not it": the next entries, as buttons.
pub async fn others(turn: Turn, query: CallbackQuery, ids: Vec<EntryId>) -> HandlerResult {
    let known: Vec<EntryId> = ids.into_iter().filter(|id| turn.app.faq.ids().contains(id)).collect();
    if known.is_empty() {
        return super::fallback::stale_button(turn, query).await;
    }
    turn.ack(&query).await?;
    let rows = known.iter().map(|id| entry_button(&turn, id, Callback::FaqEntry(id.clone()))).collect();
    turn.say(Prompt::with_inline(turn.view().t("faq-others"), rows)).await
}
