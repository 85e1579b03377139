//! After the code: where to go and what to do there, "I have applied" (QAZTEST) or "I have
//! taken the online test or entered my code" (QRT), and the test date.

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
    if let Some(recorded) = recorded_line(view, profile, way) {
        text.push_str("\n\n");
        text.push_str(&recorded);
    }
    if let Some(date) = profile.test_date {
        text.push_str("\n\n");
        text.push_str(&view.ta("test-date-is", Args::new().with("date", view.date(date))));
    }
    let mut rows = Vec::new();
    // QRT is online and has no application: its own button says what ends its reminders.
    match way {
        Way::Qaztest if profile.applied_on.is_none() => {
            rows.push(vec![ui::button(view.t("btn-applied"), Callback::Applied)]);
        }
        Way::Qrt if profile.qrt_booked_on.is_none() => {
            rows.push(vec![ui::button(view.t("btn-qrt-booked"), Callback::QrtBooked)]);
        }
        _ => {}
    }
    rows.push(vec![ui::button(view.t("btn-test-date"), Callback::DatePicker)]);
    rows.push(vec![super::calendar::button(view)]);
    rows.push(vec![
        ui::button(view.t("btn-status"), Callback::Status),
        ui::button(view.t("btn-change-city"), Callback::ChangeCity),
    ]);
    Prompt::with_inline(text, rows)
}

/// What the candidate recorded for the way, and when: the QAZTEST application, or the QRT
/// online test taken or booked.
pub fn recorded_line(view: &View<'_>, profile: &Profile, way: Way) -> Option<String> {
    let (id, date) = match way {
        Way::Qaztest => ("applied-on", profile.applied_on?),
        Way::Qrt => ("qrt-booked-on", profile.qrt_booked_on?),
    };
    Some(view.ta(id, Args::new().with("date", view.date(date))))
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

/// QAZTEST's "I have applied": recorded once; a second tap (double tap, old message) only gets
/// the toast.
pub async fn applied(mut turn: Turn, query: CallbackQuery, (city, way): (CityId, Way)) -> HandlerResult {
    if way != Way::Qaztest || turn.ctx.profile.applied_on.is_some() {
        // A double tap or an old message (QRT was once offered this button): the first date
        // stays and nothing is repeated.
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

/// QRT's "I have taken the online test or entered my code on qrt.kz": recorded once, and it
/// ends the QRT deadline reminders; a second tap only gets the toast.
pub async fn qrt_booked(mut turn: Turn, query: CallbackQuery, (city, way): (CityId, Way)) -> HandlerResult {
    if way != Way::Qrt || turn.ctx.profile.qrt_booked_on.is_some() {
        return super::fallback::stale_button(turn, query).await;
    }
    turn.ack(&query).await?;
    // The reply goes first, as for "I have applied": a replayed tap records and answers again.
    let view = turn.view();
    let last_day = view.date(turn.app.campaign.window.closes);
    turn.say(view.ta("qrt-booked-recorded", Args::new().with("deadline", last_day))).await?;
    let today = turn.app.today();
    turn.app.db.set_qrt_booked(turn.chat_id().0, Some(today), turn.app.clock.now()).await?;
    turn.ctx.profile.qrt_booked_on = Some(today);
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
