//! One file per flow. This module wires them into the message and callback sub-trees and
//! knows which prompt belongs to which state.

pub mod cabinet;
pub mod calendar;
pub mod city;
pub mod code;
pub mod console;
pub mod fallback;
pub mod faq;
pub mod forget;
pub mod group;
pub mod help;
pub mod membership;
pub mod ready;
pub mod start;
pub mod status;
pub mod steps;
pub mod way;

use std::sync::Arc;

use chrono::NaiveDate;
use teloxide::dispatching::UpdateHandler;
use teloxide::prelude::*;

use super::ui::Prompt;
use super::{App, BotError, Callback, Command, Ctx, State};
use crate::config::City;
use crate::domain::{CityId, CodeSource, Lang, Way};
use crate::i18n::Args;

pub fn message_handler() -> UpdateHandler<BotError> {
    use dptree::case;
    let commands = super::commands::filter_command()
        .branch(case![Command::Start(payload)].endpoint(start::start))
        .branch(case![Command::Status].endpoint(status::command))
        .branch(case![Command::Code].endpoint(code::command))
        .branch(case![Command::Language].endpoint(start::language_command))
        .branch(case![Command::Help].endpoint(help::command))
        .branch(case![Command::Forget].endpoint(forget::command));
    Update::filter_message()
        .branch(console::message_handler())
        .branch(console::file_handler())
        .branch(case![State::Lost].endpoint(start::recover_lost))
        .branch(commands)
        .branch(case![State::Contact { city, way }].endpoint(code::on_message))
        .branch(dptree::filter(|msg: Message| msg.contact().is_some()).endpoint(code::contact_again))
        .branch(
            dptree::filter(|app: Arc<App>| app.campaign.code_source == CodeSource::Cabinet)
                .branch(
                    case![State::Step { city, way, step }]
                        .filter(cabinet::from_code_step)
                        .endpoint(cabinet::pasted_at_step),
                )
                .branch(case![State::Ready { city, way }].endpoint(cabinet::pasted_when_ready)),
        )
        // Free text where no text is expected: a question for the FAQ.
        .branch(dptree::filter(faq::is_question).endpoint(faq::question))
        .endpoint(fallback::unexpected_message)
}

pub fn callback_handler() -> UpdateHandler<BotError> {
    use dptree::case;
    let decoded = dptree::filter_map(|query: CallbackQuery| query.data.as_deref().and_then(Callback::decode))
        .branch(console::callback_handler())
        .branch(case![Callback::Lang(lang)].endpoint(start::language_chosen))
        .branch(case![Callback::Status].endpoint(status::button))
        .branch(case![Callback::Calendar].endpoint(calendar::pressed))
        // The FAQ's buttons work in any state.
        .branch(case![Callback::FaqEntry(id)].endpoint(faq::shown))
        .branch(case![Callback::FaqChosen(id)].endpoint(faq::chosen))
        .branch(case![Callback::FaqOthers(ids)].endpoint(faq::others))
        .branch(
            case![State::City { fixed_way }]
                .branch(case![Callback::City(id)].endpoint(city::chosen))
                .branch(case![Callback::Regional].endpoint(city::open_regional)),
        )
        .branch(
            case![State::RegionalCity { fixed_way }]
                .branch(case![Callback::City(id)].endpoint(city::chosen))
                .branch(case![Callback::CitiesBack].endpoint(city::back_to_cities)),
        )
        .branch(
            case![State::Way { city }]
                .branch(case![Callback::Way(way)].endpoint(way::chosen))
                .branch(case![Callback::ChangeCity].endpoint(city::change)),
        )
        .branch(
            case![State::Step { city, way, step }]
                .branch(case![Callback::StepDone(step)].filter(steps::on_current).endpoint(steps::done))
                .branch(case![Callback::StepBack(step)].filter(steps::on_current).endpoint(steps::back)),
        )
        .branch(
            case![State::Ready { city, way }]
                .branch(case![Callback::Applied].endpoint(ready::applied))
                .branch(case![Callback::QrtBooked].endpoint(ready::qrt_booked))
                .branch(case![Callback::DatePicker].endpoint(ready::date_picker_button))
                .branch(case![Callback::TestDate(date)].endpoint(ready::test_date))
                .branch(case![Callback::ChangeCity].endpoint(city::change)),
        )
        .branch(
            case![State::ConfirmForget { back }]
                .branch(case![Callback::ForgetYes].endpoint(forget::confirmed))
                .branch(case![Callback::ForgetNo].endpoint(forget::cancelled)),
        );
    Update::filter_callback_query()
        .branch(case![State::Lost].endpoint(start::recover_lost_callback))
        .branch(decoded)
        .endpoint(fallback::stale_button)
}

/// Texts in one language, with the app's data at hand.
pub struct View<'a> {
    pub app: &'a App,
    pub lang: Lang,
}

impl<'a> View<'a> {
    pub fn new(app: &'a App, ctx: &Ctx) -> View<'a> {
        View { app, lang: ctx.lang }
    }

    pub fn t(&self, id: &str) -> String {
        self.app.locales.t(self.lang, id)
    }

    pub fn ta(&self, id: &str, args: Args<'_>) -> String {
        self.app.locales.t_args(self.lang, id, &args)
    }

    pub fn date(&self, date: NaiveDate) -> String {
        self.app.locales.date(self.lang, date)
    }

    pub fn city(&self, id: &CityId) -> Option<&'a City> {
        self.app.campaign.city(id)
    }

    pub fn city_name(&self, city: &City) -> String {
        crate::i18n::html_escape(city.name(self.lang)).into_owned()
    }

    pub fn way_name(&self, way: Way) -> String {
        self.t(&format!("way-{}", way.code()))
    }

    /// "Testing opens on …" before the window, or nothing.
    pub fn opening_note(&self) -> Option<String> {
        let window = self.app.campaign.window;
        (self.app.today() < window.opens)
            .then(|| self.ta("campaign-not-open", Args::new().with("opens", self.date(window.opens))))
    }
}

/// The prompt that belongs to a state: what the candidate sees when they come back to it.
pub fn prompt_for(app: &App, ctx: &Ctx, state: &State) -> Prompt {
    let view = View::new(app, ctx);
    match state {
        State::Start | State::Lost => start::language_prompt(&view),
        State::City { .. } => city::prompt(&view),
        State::RegionalCity { .. } => city::regional_prompt(&view),
        State::Way { city } => way::prompt(&view, city),
        State::Step { way, step, .. } => steps::prompt(&view, *way, *step),
        State::Contact { way, .. } => code::prompt(&view, *way),
        State::Ready { city, way } => ready::prompt(&view, &ctx.profile, city, *way),
        State::ConfirmForget { .. } => forget::prompt(&view),
    }
}
