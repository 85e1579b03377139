//! "Add to calendar", on the next steps and on `/status`: the candidate's deadline, test date
//! and results date as an .ics file (see `crate::calendar` for the file itself).

use teloxide::prelude::*;
use teloxide::types::InlineKeyboardButton;

use super::View;
use crate::bot::{Callback, HandlerResult, State, Turn, ui};
use crate::calendar::{CalendarFile, DayBefore, DayEvent, EventKind};
use crate::config::City;
use crate::domain::Way;
use crate::i18n::Args;
use crate::storage::Profile;
use crate::telegram::Patience;

/// The file's name as the chat shows it.
pub const FILE_NAME: &str = "rezerv-dates.ics";

pub fn button(view: &View<'_>) -> InlineKeyboardButton {
    ui::button(view.t("btn-calendar"), Callback::Calendar)
}

/// The locale messages of one way's events.
struct Texts {
    deadline: &'static str,
    deadline_about: &'static str,
    deadline_alarm: &'static str,
    test: &'static str,
    test_about: &'static str,
}

fn texts(way: Way) -> Texts {
    match way {
        Way::Qaztest => Texts {
            deadline: "calendar-deadline-qaztest",
            deadline_about: "calendar-deadline-qaztest-about",
            deadline_alarm: "calendar-deadline-qaztest-alarm",
            test: "calendar-test-qaztest",
            test_about: "calendar-test-qaztest-about",
        },
        Way::Qrt => Texts {
            deadline: "calendar-deadline-qrt",
            deadline_about: "calendar-deadline-qrt-about",
            deadline_alarm: "calendar-deadline-qrt-alarm",
            test: "calendar-test-qrt",
            test_about: "calendar-test-qrt-about",
        },
    }
}

/// The candidate's events, in the candidate's language: the deadline (QAZTEST: the city's
/// application cutoff; QRT: the testing period's last day) with an alarm the day before at the
/// reminders' local time, the test date if recorded, and the QAZTEST results date it gives.
pub fn events(view: &View<'_>, profile: &Profile, city: &City, way: Way) -> Vec<DayEvent> {
    let campaign = &view.app.campaign;
    let links = &campaign.links;
    let deadline = campaign.deadline(city, way);
    // Plain text: the file is no Telegram message, so the city's name is not HTML-escaped.
    let args = || {
        Args::new()
            .with("city", city.name(view.lang).to_owned())
            .with("deadline", view.date(deadline))
            .with("application", links.qaztest_application.clone())
            .with("qrt", links.qrt.clone())
    };
    let site = match way {
        Way::Qaztest => &links.qaztest_application,
        Way::Qrt => &links.qrt,
    };
    let ids = texts(way);
    let mut events = vec![DayEvent {
        kind: EventKind::Deadline,
        date: deadline,
        title: view.ta(ids.deadline, args()),
        description: view.ta(ids.deadline_about, args()),
        url: site.clone(),
        alarm: Some(DayBefore { text: view.ta(ids.deadline_alarm, args()), at: campaign.reminders.local_time }),
    }];
    let Some(test_date) = profile.test_date else { return events };
    events.push(DayEvent {
        kind: EventKind::TestDay,
        date: test_date,
        title: view.ta(ids.test, args()),
        description: view.ta(ids.test_about, args()),
        url: site.clone(),
        alarm: None,
    });
    if let Some(due) = campaign.results_due(city, way, test_date) {
        let args = Args::new()
            .with("test_date", view.date(test_date))
            .with("date", view.date(due))
            .with("results", links.qaztest_results.clone());
        events.push(DayEvent {
            kind: EventKind::Results,
            date: due,
            title: view.t("calendar-results"),
            description: view.ta("calendar-results-about", args),
            url: links.qaztest_results.clone(),
            alarm: None,
        });
    }
    events
}

/// The candidate's calendar file, made now.
pub fn file(turn: &Turn, city: &City, way: Way) -> CalendarFile {
    let view = turn.view();
    CalendarFile {
        chat_id: turn.chat_id().0,
        lang: view.lang,
        time_zone: turn.app.campaign.tz.name().to_owned(),
        made_at: turn.app.clock.now(),
        events: events(&view, &turn.ctx.profile, city, way),
    }
}

/// The button: the file, with a short caption. It stays usable, as `/status`'s button does:
/// answered without retiring its keyboard, since dates change and the file may be wanted again.
pub async fn pressed(turn: Turn, state: State, query: CallbackQuery) -> HandlerResult {
    let view = turn.view();
    let Some((city, way)) = super::status::subject(&view, &turn.ctx.profile, &state) else {
        // No city or way (a button from before /forget, or forged data): no dates to give.
        return turn.answer(&query, Some(view.t("toast-calendar-no-dates"))).await;
    };
    let ics = file(&turn, city, way).to_ics();
    turn.answer(&query, None).await?;
    let caption = view.t("calendar-caption");
    turn.telegram.send_file(Patience::INTERACTIVE, turn.chat_id(), FILE_NAME, ics.into_bytes(), caption).await?;
    Ok(())
}
