//! Choosing the city: Astana, Almaty, Shymkent, or one of the regional centres.

use teloxide::prelude::*;

use super::View;
use crate::bot::ui::{self, Prompt};
use crate::bot::{Callback, HandlerResult, State, Turn};
use crate::config::CityKind;
use crate::domain::{CityId, Way};

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
    let mut cities: Vec<_> = view.app.campaign.cities_of_kind(CityKind::Regional).collect();
    // Alphabetical in the candidate's language: the names differ (Oral, Uralsk), so do the orders.
    cities.sort_by(|left, right| view.app.locales.collate(view.lang, left.name(view.lang), right.name(view.lang)));
    let buttons: Vec<_> = cities
        .into_iter()
        .map(|city| ui::button(city.name(view.lang).to_owned(), Callback::City(city.id.clone())))
        .collect();
    let mut rows: Vec<Vec<_>> = buttons.chunks(2).map(<[_]>::to_vec).collect();
    rows.push(vec![ui::button(view.t("btn-back"), Callback::CitiesBack)]);
    Prompt::with_inline(view.t("regional-prompt"), rows)
}

/// A city was picked. Before a code, the way comes next; after it, the way is fixed.
pub async fn chosen(
    turn: Turn,
    state: State,
    query: CallbackQuery,
    fixed_way: Option<Way>,
    id: CityId,
) -> HandlerResult {
    turn.ack(&query).await?;
    if turn.app.campaign.city(&id).is_none() {
        // A button from an older campaign file: show the current list.
        return turn.show(&state).await;
    }
    let next = match fixed_way {
        Some(way) => State::Ready { city: id, way },
        None => State::Way { city: id },
    };
    turn.go(next).await
}

pub async fn open_regional(turn: Turn, query: CallbackQuery, fixed_way: Option<Way>) -> HandlerResult {
    turn.ack(&query).await?;
    turn.go(State::RegionalCity { fixed_way }).await
}

pub async fn back_to_cities(turn: Turn, query: CallbackQuery, fixed_way: Option<Way>) -> HandlerResult {
    turn.ack(&query).await?;
    turn.go(State::City { fixed_way }).await
}

/// "Change city": before a code the way is chosen again; after it, or after the steps in
/// cabinet mode (the code generated there is for that way), the way stays.
pub async fn change(turn: Turn, state: State, query: CallbackQuery) -> HandlerResult {
    turn.ack(&query).await?;
    let fixed_way = match state {
        State::Ready { way, .. } => Some(way),
        _ => turn.ctx.profile.code.as_ref().map(|(_, way)| *way),
    };
    turn.go(State::City { fixed_way }).await
}
