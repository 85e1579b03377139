//! After the code: where to go and what to do there, "I have applied", and the test date.

use chrono::NaiveDate;
use teloxide::prelude::*;

use super::View;
use crate::bot::ui::{self, Prompt};
use crate::bot::{Callback, HandlerResult, State, Turn};
use crate::domain::{CityId, CodeSource, Way};
use crate::i18n::Args;
use crate::storage::Profile;

/// What to do on the testing site for the way, with the city's deadline.
pub fn next_steps(view: &View<'_>, city_id: &CityId, way: Way) -> String {
    let links = &view.app.campaign.links;
    let Some(city) = view.city(city_id) else {
        return view.t("city-unknown");
    };
    let deadline = view.app.campaign.deadline(city, way);
    let args = Args::new()
        .with("deadline", view.date(deadline))
        .with("city", view.city_name(city))
        .with("qrt", links.qrt.clone())
        .with("application", links.qaztest_application.clone())
        .with("results", links.qaztest_results.clone());
    if super::way::is_open(view, city, way) {
        view.ta(&format!("next-{}", way.code()), args)
    } else {
        super::way::closed_text(view, city)
    }
}

pub fn prompt(view: &View<'_>, profile: &Profile, city: &CityId, way: Way) -> Prompt {
    let mut text = next_steps(view, city, way);
    if view.app.campaign.code_source == CodeSource::Cabinet {
        text.push_str("\n\n");
        text.push_str(&super::cabinet::code_line(view, profile));
    }
    if let Some(applied) = profile.applied_on {
        text.push_str("\n\n");
        text.push_str(&view.ta("applied-on", Args::new().with("date", view.date(applied))));
    }
    if let Some(date) = profile.test_date {
        text.push_str("\n\n");
        text.push_str(&view.ta("test-date-is", Args::new().with("date", view.date(date))));
    }
    let mut rows = Vec::new();
    if profile.applied_on.is_none() {
        rows.push(vec![ui::button(view.t("btn-applied"), Callback::Applied)]);
    }
    rows.push(vec![ui::button(view.t("btn-test-date"), Callback::DatePicker)]);
    rows.push(vec![
        ui::button(view.t("btn-status"), Callback::Status),
        ui::button(view.t("btn-change-city"), Callback::ChangeCity),
    ]);
    Prompt::with_inline(text, rows)
}

fn date_picker(view: &View<'_>) -> Prompt {
    let window = view.app.campaign.window;
    let days: Vec<_> = window
        .days()
        .map(|day| ui::button(view.app.locales.date_short(view.lang, day), Callback::TestDate(day)))
        .collect();
    let rows = days.chunks(3).map(<[_]>::to_vec).collect();
    let args = Args::new().with("period", view.app.locales.date_range(view.lang, window.opens, window.closes));
    Prompt::with_inline(view.ta("test-date-prompt", args), rows)
}

/// "I have applied": recorded once; a second tap (double tap, old message) only gets the toast.
pub async fn applied(mut turn: Turn, query: CallbackQuery, (city, way): (CityId, Way)) -> HandlerResult {
    if turn.ctx.profile.applied_on.is_some() {
        // A double tap or an old message: the first date stays and nothing is repeated.
        return super::fallback::stale_button(turn, query).await;
    }
    turn.ack(&query).await?;
    // The reply goes first: after a crash in between, the replayed tap records the date and
    // answers again, where the other order would leave only the "old button" toast.
    turn.say(turn.view().t("applied-recorded")).await?;
    let today = turn.app.today();
    turn.app.db.set_applied(turn.chat_id().0, Some(today), turn.app.clock.now()).await?;
    turn.ctx.profile.applied_on = Some(today);
    if turn.ctx.profile.test_date.is_none() {
        return turn.say(date_picker(&turn.view())).await;
    }
    turn.go(State::Ready { city, way }).await
}

pub async fn date_picker_button(turn: Turn, query: CallbackQuery) -> HandlerResult {
    turn.ack(&query).await?;
    turn.say(date_picker(&turn.view())).await
}

pub async fn test_date(
    mut turn: Turn,
    query: CallbackQuery,
    (city, way): (CityId, Way),
    date: NaiveDate,
) -> HandlerResult {
    if !turn.app.campaign.window.contains(date) {
        // Only a forged or out-of-date button can carry a day outside the window.
        return super::fallback::stale_button(turn, query).await;
    }
    turn.ack(&query).await?;
    turn.app.db.set_test_date(turn.chat_id().0, Some(date), turn.app.clock.now()).await?;
    turn.ctx.profile.test_date = Some(date);
    let view = turn.view();
    let campaign = &turn.app.campaign;
    let mut text = view.ta("test-date-saved", Args::new().with("date", view.date(date)));
    if let Some(due) = view.city(&city).and_then(|city_ref| campaign.results_due(city_ref, way, date)) {
        text.push_str("\n\n");
        text.push_str(&view.ta(
            "results-due",
            Args::new().with("date", view.date(due)).with("results", campaign.links.qaztest_results.clone()),
        ));
    } else if way == Way::Qrt {
        text.push_str("\n\n");
        text.push_str(&view.ta("results-qrt", Args::new().with("qrt", campaign.links.qrt.clone())));
    }
    turn.say(text).await?;
    turn.go(State::Ready { city, way }).await
}
