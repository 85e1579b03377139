//! Choosing the way, with each way's deadline and results delay for the candidate's city.

use teloxide::prelude::*;

use super::View;
use crate::bot::ui::{self, Prompt};
use crate::bot::{Callback, HandlerResult, State, Turn};
use crate::config::City;
use crate::domain::{CityId, Way};
use crate::i18n::Args;

/// Whether `way` is still open in `city` today: QAZTEST's applications there, or the QRT
/// online test (the testing period, the same everywhere).
pub fn is_open(view: &View<'_>, city: &City, way: Way) -> bool {
    view.app.today() <= view.app.campaign.deadline(city, way)
}

/// One line per way: its deadline for the city, and when results come.
pub fn deadline_line(view: &View<'_>, city: &City, way: Way) -> String {
    let campaign = &view.app.campaign;
    let deadline = campaign.deadline(city, way);
    let args = Args::new().with("deadline", view.date(deadline)).with("city", view.city_name(city));
    if !is_open(view, city, way) {
        return view.ta(&format!("way-{}-closed", way.code()), args);
    }
    let args = args.with("days", campaign.group_of(city).results_working_days);
    view.ta(&format!("way-{}-line", way.code()), args)
}

/// The toast for a way that closed since its button was shown.
pub fn closed_toast(view: &View<'_>, way: Way) -> String {
    match way {
        Way::Qaztest => view.t("toast-way-closed"),
        Way::Qrt => view.t("toast-qrt-closed"),
    }
}

/// Nothing is open for the city any more (the testing period is over): results and
/// paid-retake information.
pub fn closed_text(view: &View<'_>, city: &City) -> String {
    view.ta(
        "city-closed",
        Args::new()
            .with("closes", view.date(view.app.campaign.last_deadline(city)))
            .with("results", view.app.campaign.links.qaztest_results.clone())
            .with("qrt", view.app.campaign.links.qrt.clone()),
    )
}

pub fn prompt(view: &View<'_>, city_id: &CityId) -> Prompt {
    let Some(city) = view.city(city_id) else {
        return super::city::prompt(view);
    };
    let open: Vec<Way> = Way::ALL.into_iter().filter(|way| is_open(view, city, *way)).collect();
    let mut rows: Vec<_> = open
        .iter()
        .map(|way| vec![ui::button(view.t(&format!("btn-way-{}", way.code())), Callback::Way(*way))])
        .collect();
    rows.push(vec![ui::button(view.t("btn-change-city"), Callback::ChangeCity)]);
    if open.is_empty() {
        return Prompt::with_inline(closed_text(view, city), rows);
    }
    let mut text = view.ta("way-prompt", Args::new().with("city", view.city_name(city)));
    for way in Way::ALL {
        text.push_str("\n\n");
        text.push_str(&deadline_line(view, city, way));
    }
    if let Some(note) = view.opening_note() {
        text.push_str("\n\n");
        text.push_str(&note);
    }
    Prompt::with_inline(text, rows)
}

pub async fn chosen(turn: Turn, query: CallbackQuery, city: CityId, way: Way) -> HandlerResult {
    let view = turn.view();
    let still_open = view.city(&city).is_some_and(|city| is_open(&view, city, way));
    if !still_open {
        // The deadline passed since the buttons were shown.
        turn.answer(&query, Some(closed_toast(&view, way))).await?;
        return turn.show(&State::Way { city }).await;
    }
    turn.ack(&query).await?;
    turn.go(State::Step { city, way, step: 1 }).await
}
