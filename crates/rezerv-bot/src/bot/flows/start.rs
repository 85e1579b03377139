//! `/start`, the language picker, `/language`, and recovery from an unreadable state.

use std::sync::Arc;

use teloxide::prelude::*;

use super::{View, acknowledge, go, show};
use crate::bot::ui::{self, Prompt};
use crate::bot::{App, BotDialogue, Callback, Ctx, HandlerResult, State};
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

pub async fn start(bot: Bot, app: Arc<App>, ctx: Ctx, state: State, payload: String) -> HandlerResult {
    if let Some(source) = source_of(&payload) {
        app.db.record_source(ctx.chat_id.0, source, app.clock.now()).await?;
    }
    if state == State::Start || !ctx.lang_chosen {
        return show(&bot, &app, &ctx, &State::Start).await;
    }
    let view = View::new(&app, &ctx);
    ui::send(&bot, ctx.chat_id, view.t("welcome-back"), None).await?;
    show(&bot, &app, &ctx, &state).await
}

pub async fn language_command(bot: Bot, app: Arc<App>, ctx: Ctx) -> HandlerResult {
    show(&bot, &app, &ctx, &State::Start).await
}

/// A language button works in any state: it switches the language and shows the current
/// step again in it. A new candidate moves on to the city.
pub async fn language_chosen(
    bot: Bot,
    app: Arc<App>,
    ctx: Ctx,
    dialogue: BotDialogue,
    state: State,
    query: CallbackQuery,
    lang: Lang,
) -> HandlerResult {
    acknowledge(&bot, &query).await?;
    app.db.set_lang(ctx.chat_id.0, lang, app.clock.now()).await?;
    let ctx = Ctx { lang, lang_chosen: true, ..ctx };
    let view = View::new(&app, &ctx);
    ui::send(&bot, ctx.chat_id, view.ta("language-set", Args::new().with("language", view.t("language-name"))), None)
        .await?;
    match state {
        State::Start | State::Lost => go(&bot, &app, &ctx, &dialogue, State::City { fixed_way: None }).await,
        state => show(&bot, &app, &ctx, &state).await,
    }
}

/// The stored state could not be read: say so, and start over from the language picker.
pub async fn recover_lost(bot: Bot, app: Arc<App>, ctx: Ctx, dialogue: BotDialogue) -> HandlerResult {
    let view = View::new(&app, &ctx);
    ui::send(&bot, ctx.chat_id, view.t("state-lost"), Some(ui::remove_keyboard())).await?;
    go(&bot, &app, &ctx, &dialogue, State::Start).await
}

pub async fn recover_lost_callback(
    bot: Bot,
    app: Arc<App>,
    ctx: Ctx,
    dialogue: BotDialogue,
    query: CallbackQuery,
) -> HandlerResult {
    acknowledge(&bot, &query).await?;
    recover_lost(bot, app, ctx, dialogue).await
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
