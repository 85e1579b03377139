//! `/start`, the language picker, `/language`, and recovery from an unreadable state.

use teloxide::prelude::*;

use super::View;
use crate::bot::ui::{self, Prompt};
use crate::bot::{Callback, HandlerResult, State, Turn};
use crate::domain::Lang;
use crate::i18n::Args;

/// A deep-link payload: Telegram allows 1-64 characters of A-Z, a-z, 0-9, _ and -.
fn source_of(payload: &str) -> Option<&str> {
    let payload = payload.trim();
    let valid = !payload.is_empty()
        && payload.len() <= 64
        && payload.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    valid.then_some(payload)
}

/// The language picker, in both languages since the candidate has not chosen yet. The
/// suggested language comes first.
pub fn language_prompt(view: &View<'_>) -> Prompt {
    let app = view.app;
    let mut order = Lang::ALL;
    if view.lang == Lang::Ru {
        order.reverse();
    }
    let text = order.iter().map(|lang| app.locales.t(*lang, "welcome")).collect::<Vec<_>>().join("\n\n");
    let text = match view.opening_note() {
        Some(note) => format!("{text}\n\n{note}"),
        None => text,
    };
    let buttons =
        order.iter().map(|lang| ui::button(app.locales.t(*lang, "language-name"), Callback::Lang(*lang))).collect();
    Prompt::with_inline(text, vec![buttons])
}

pub async fn start(turn: Turn, state: State, payload: String) -> HandlerResult {
    if let Some(source) = source_of(&payload) {
        turn.app.db.record_source(turn.chat_id().0, source, turn.app.clock.now()).await?;
    }
    if state == State::Start || !turn.ctx.lang_chosen {
        return turn.show(&State::Start).await;
    }
    turn.say(turn.view().t("welcome-back")).await?;
    turn.show(&state).await
}

pub async fn language_command(turn: Turn) -> HandlerResult {
    turn.show(&State::Start).await
}

/// A language button works in any state: it switches the language and shows the current
/// step again in it. A new candidate moves on to the city. The language already chosen,
/// pressed again past the picker (a double tap, an old picker), changes nothing: a toast
/// says so, and neither the confirmation nor the step is sent twice.
pub async fn language_chosen(mut turn: Turn, state: State, query: CallbackQuery, lang: Lang) -> HandlerResult {
    let past_picker = !matches!(state, State::Start | State::Lost);
    if past_picker && turn.ctx.lang_chosen && turn.ctx.lang == lang {
        let view = turn.view();
        let toast = view.ta("toast-language-kept", Args::new().with("language", view.t("language-name")));
        return turn.answer(&query, Some(toast)).await;
    }
    turn.ack(&query).await?;
    turn.app.db.set_lang(turn.chat_id().0, lang, turn.app.clock.now()).await?;
    turn.ctx.lang = lang;
    turn.ctx.lang_chosen = true;
    let view = turn.view();
    turn.say(view.ta("language-set", Args::new().with("language", view.t("language-name")))).await?;
    match state {
        State::Start | State::Lost => turn.go(State::City { fixed_way: None }).await,
        state => turn.show(&state).await,
    }
}

/// The stored state could not be read: say so, and start over from the language picker.
pub async fn recover_lost(turn: Turn) -> HandlerResult {
    turn.say(Prompt::removing_keyboard(turn.view().t("state-lost"))).await?;
    turn.go(State::Start).await
}

pub async fn recover_lost_callback(turn: Turn, query: CallbackQuery) -> HandlerResult {
    turn.ack(&query).await?;
    recover_lost(turn).await
}

#[cfg(test)]
mod tests {
    use super::source_of;

    #[test]
    fn only_valid_deep_link_payloads_become_sources() {
        assert_eq!(source_of("ads_2023-tg"), Some("ads_2023-tg"));
        assert_eq!(source_of(""), None);
        assert_eq!(source_of("has space"), None);
        assert_eq!(source_of(&"x".repeat(65)), None);
    }
}
