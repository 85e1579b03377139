//! `/status`: the whole picture in one message.

use teloxide::prelude::*;

use super::View;
use crate::bot::ui::Prompt;
use crate::bot::{HandlerResult, State, Turn};
use crate::config::City;
use crate::domain::{CodeSource, Way};
use crate::i18n::{Args, html_escape};
use crate::storage::Profile;

/// The city and the way the candidate's dates follow: the way of the issued code, else the
/// dialogue's; `None` until both are known.
pub fn subject<'a>(view: &View<'a>, profile: &Profile, state: &State) -> Option<(&'a City, Way)> {
    let city = state.city().and_then(|id| view.city(id))?;
    Some((city, way_of(profile, state)?))
}

fn way_of(profile: &Profile, state: &State) -> Option<Way> {
    profile.code.as_ref().map(|(_, way)| *way).or(state.way())
}

pub fn text(view: &View<'_>, profile: &Profile, state: &State) -> String {
    let app = view.app;
    let campaign = &app.campaign;
    let today = app.today();
    // Short facts go one to a line; the sentences after them are paragraphs of their own.
    let mut paragraphs = vec![view.t("status-title")];
    if let Some(note) = view.opening_note() {
        paragraphs.push(note);
    }
    let mut lines = Vec::new();
    let mut after = Vec::new();

    let city = state.city().and_then(|id| view.city(id));
    let way = way_of(profile, state);
    // QRT is online, one testing period for everyone: its candidates' city decides nothing.
    if way != Some(Way::Qrt) {
        lines.push(match city {
            Some(city) => view.ta("status-city", Args::new().with("city", view.city_name(city))),
            None => view.t("status-city-none"),
        });
    }
    lines.push(match way {
        Some(way) => view.ta("status-way", Args::new().with("way", view.way_name(way))),
        None => view.t("status-way-none"),
    });
    let code_line = || match campaign.code_source {
        CodeSource::Pool => match &profile.code {
            Some((code, _)) => {
                view.ta("status-code", Args::new().with("code", html_escape(code.as_str()).into_owned()))
            }
            None => view.t("status-code-none"),
        },
        CodeSource::Cabinet => super::cabinet::status_line(view, profile),
    };
    lines.push(match state {
        State::Step { way, step, .. } => {
            view.ta("status-stage-step", Args::new().with("step", *step).with("total", campaign.steps(*way).len()))
        }
        State::Contact { .. } => view.t("status-stage-contact"),
        _ => code_line(),
    });
    // In cabinet mode a code may be kept during the steps already.
    if matches!(state, State::Step { .. }) && profile.cabinet_code.is_some() {
        lines.push(code_line());
    }

    if let (Some(city), Some(way)) = (city, way) {
        let deadline = campaign.deadline(city, way);
        let days_left = (deadline - today).num_days();
        let args = Args::new().with("date", view.date(deadline)).with("days", days_left);
        // QAZTEST: the city's application cutoff; QRT: the testing period's last day.
        let id = match (way, days_left < 0) {
            (Way::Qaztest, false) => "status-deadline",
            (Way::Qaztest, true) => "status-deadline-passed",
            (Way::Qrt, false) => "status-qrt-deadline",
            (Way::Qrt, true) => "status-qrt-deadline-passed",
        };
        lines.push(view.ta(id, args));
        if let Some(recorded) = super::ready::recorded_line(view, profile, way) {
            lines.push(recorded);
        }
        let test_date = profile.test_date;
        lines.push(match test_date {
            Some(date) => view.ta("status-test-date", Args::new().with("date", view.date(date))),
            None => view.t("status-test-date-none"),
        });
        let results = campaign.links.qaztest_results.clone();
        after.push(match (way, test_date.and_then(|date| campaign.results_due(city, way, date))) {
            (Way::Qrt, _) => view.ta("results-qrt", Args::new().with("qrt", campaign.links.qrt.clone())),
            (Way::Qaztest, Some(due)) => {
                view.ta("results-due", Args::new().with("date", view.date(due)).with("results", results))
            }
            (Way::Qaztest, None) => view.ta(
                "results-delay",
                Args::new().with("days", campaign.group_of(city).results_working_days).with("results", results),
            ),
        });
        if today > campaign.last_deadline(city) {
            after.push(super::way::closed_text(view, city));
        }
    }
    paragraphs.push(lines.join("\n"));
    paragraphs.extend(after);
    paragraphs.push(view.t("status-retake"));
    paragraphs.join("\n\n")
}

/// The status, with the calendar button once there are dates to put in a calendar.
pub fn prompt(view: &View<'_>, profile: &Profile, state: &State) -> Prompt {
    let text = text(view, profile, state);
    match subject(view, profile, state) {
        Some(_) => Prompt::with_inline(text, vec![vec![super::calendar::button(view)]]),
        None => Prompt::from(text),
    }
}

pub async fn command(turn: Turn, state: State) -> HandlerResult {
    turn.say(prompt(&turn.view(), &turn.ctx.profile, &state)).await
}

pub async fn button(turn: Turn, state: State, query: CallbackQuery) -> HandlerResult {
    // The status button stays usable: answer without retiring the keyboard.
    turn.answer(&query, None).await?;
    command(turn, state).await
}
