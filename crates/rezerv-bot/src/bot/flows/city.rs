//! Choosing the city: Astana, Almaty, Shymkent, or one of the regional centres.

use std::sync::Arc;

use teloxide::prelude::*;

use super::{View, acknowledge, go};
use crate::bot::ui::{self, Prompt};
use crate::bot::{App, BotDialogue, Callback, Ctx, HandlerResult, State};
use crate::config::CityKind;
use crate::domain::Way;

pub fn prompt(view: &View<'_>) -> Prompt {
    let mut rows: Vec<_> = view
        .app
        .campaign
        .cities_of_kind(CityKind::Republican)
        .map(|city| vec![ui::button(city.name(view.lang).to_owned(), Callback::City(city.id.clone()))])
        .collect();
    rows.push(vec![ui::button(view.t("btn-regional"), Callback::Regional)]);
    let text = match view.opening_note() {
        Some(note) => format!("{}\n\n{note}", view.t("city-prompt")),
        None => view.t("city-prompt"),
    };
    Prompt::with_inline(text, rows)
}

pub fn regional_prompt(view: &View<'_>) -> Prompt {
    let buttons: Vec<_> = view
        .app
        .campaign
        .cities_of_kind(CityKind::Regional)
        .map(|city| ui::button(city.name(view.lang).to_owned(), Callback::City(city.id.clone())))
        .collect();
    let mut rows: Vec<Vec<_>> = buttons.chunks(2).map(<[_]>::to_vec).collect();
    rows.push(vec![ui::button(view.t("btn-back"), Callback::CitiesBack)]);
    Prompt::with_inline(view.t("regional-prompt"), rows)
}

/// A city was picked. Before a code, the way comes next; after it, the way is fixed.
#[allow(clippy::too_many_arguments)]
pub async fn chosen(
    bot: Bot,
    app: Arc<App>,
    ctx: Ctx,
    dialogue: BotDialogue,
    state: State,
    query: CallbackQuery,
    fixed_way: Option<Way>,
    id: String,
) -> HandlerResult {
    acknowledge(&bot, &query).await?;
    if app.campaign.city(&id).is_none() {
        // A button from an older campaign file: show the current list.
        return super::show(&bot, &app, &ctx, &state).await;
    }
    let next = match fixed_way {
        Some(way) => State::Ready { city: id, way },
        None => State::Way { city: id },
    };
    go(&bot, &app, &ctx, &dialogue, next).await
}

pub async fn open_regional(
    bot: Bot,
    app: Arc<App>,
    ctx: Ctx,
    dialogue: BotDialogue,
    query: CallbackQuery,
    fixed_way: Option<Way>,
) -> HandlerResult {
    acknowledge(&bot, &query).await?;
    go(&bot, &app, &ctx, &dialogue, State::RegionalCity { fixed_way }).await
}

pub async fn back_to_cities(
    bot: Bot,
    app: Arc<App>,
    ctx: Ctx,
    dialogue: BotDialogue,
    query: CallbackQuery,
    fixed_way: Option<Way>,
) -> HandlerResult {
    acknowledge(&bot, &query).await?;
    go(&bot, &app, &ctx, &dialogue, State::City { fixed_way }).await
}

/// "Change city": before a code the way is chosen again; after it the way stays.
pub async fn change(bot: Bot, app: Arc<App>, ctx: Ctx, dialogue: BotDialogue, query: CallbackQuery) -> HandlerResult {
    acknowledge(&bot, &query).await?;
    let fixed_way = ctx.profile.as_ref().and_then(|profile| profile.code.as_ref()).map(|(_, way)| *way);
    go(&bot, &app, &ctx, &dialogue, State::City { fixed_way }).await
}
