//! `/status`: the whole picture in one message.

use std::sync::Arc;

use teloxide::prelude::*;

use super::View;
use crate::bot::ui;
use crate::bot::{App, Ctx, HandlerResult, State};
use crate::domain::Way;
use crate::i18n::{Args, html_escape};

pub fn text(view: &View<'_>, ctx: &Ctx, state: &State) -> String {
    let app = view.app;
    let campaign = &app.campaign;
    let today = app.today();
    let profile = ctx.profile.as_ref();
    let mut lines = vec![view.t("status-title")];
    if let Some(note) = view.opening_note() {
        lines.push(note);
    }

    let city = state.city().and_then(|id| view.city(id));
    let way = profile.and_then(|profile| profile.code.as_ref()).map(|(_, way)| *way).or(state.way());
    lines.push(match city {
        Some(city) => view.ta("status-city", Args::new().with("city", view.city_name(city))),
        None => view.t("status-city-none"),
    });
    lines.push(match way {
        Some(way) => view.ta("status-way", Args::new().with("way", view.way_name(way))),
        None => view.t("status-way-none"),
    });
    lines.push(match state {
        State::Step { way, step, .. } => {
            view.ta("status-stage-step", Args::new().with("step", *step).with("total", campaign.steps(*way).len()))
        }
        State::Contact { .. } => view.t("status-stage-contact"),
        _ => match profile.and_then(|profile| profile.code.as_ref()) {
            Some((code, _)) => {
                view.ta("status-code", Args::new().with("code", html_escape(code.as_str()).into_owned()))
            }
            None => view.t("status-code-none"),
        },
    });

    if let (Some(city), Some(way)) = (city, way) {
        let deadline = campaign.deadline(city, way);
        let days_left = (deadline - today).num_days();
        let args = Args::new().with("date", view.date(deadline)).with("days", days_left);
        lines.push(if days_left < 0 {
            view.ta("status-deadline-passed", args)
        } else {
            view.ta("status-deadline", args)
        });
        if let Some(applied) = profile.and_then(|profile| profile.applied_on) {
            lines.push(view.ta("applied-on", Args::new().with("date", view.date(applied))));
        }
        let test_date = profile.and_then(|profile| profile.test_date);
        lines.push(match test_date {
            Some(date) => view.ta("status-test-date", Args::new().with("date", view.date(date))),
            None => view.t("status-test-date-none"),
        });
        let results = campaign.links.qaztest_results.clone();
        lines.push(match (way, test_date.and_then(|date| campaign.results_due(city, way, date))) {
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
            lines.push(super::way::closed_text(view, city));
        }
    }
    lines.push(view.t("status-retake"));
    lines.join("\n\n")
}

async fn send_status(bot: &Bot, app: &App, ctx: &Ctx, state: &State) -> HandlerResult {
    let view = View::new(app, ctx);
    ui::send(bot, ctx.chat_id, text(&view, ctx, state), None).await?;
    Ok(())
}

pub async fn command(bot: Bot, app: Arc<App>, ctx: Ctx, state: State) -> HandlerResult {
    send_status(&bot, &app, &ctx, &state).await
}

pub async fn button(bot: Bot, app: Arc<App>, ctx: Ctx, state: State, query: CallbackQuery) -> HandlerResult {
    // The status button stays usable: answer without retiring the keyboard.
    ui::answer(&bot, &query, None).await?;
    send_status(&bot, &app, &ctx, &state).await
}
