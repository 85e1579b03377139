//! `/dashboard` and its buttons: the funnel as a picture in the organiser's language, with a
//! short summary as its caption and a refresh button that sends an up-to-date one.

use teloxide::prelude::*;

use super::Panel;
use crate::bot::flows::View;
use crate::bot::ui::{self, Prompt, button};
use crate::bot::{App, BotError, Callback, HandlerResult, Turn};
use crate::dashboard::chart::{Chart, ChartBar, ChartError, MUTED, PALETTE, Section, Series, group_digits};
use crate::dashboard::{Bar, Dashboard, FunnelStage, WayFunnel};
use crate::domain::{AuditAction, CodeSource, Lang, OrganiserId, Way};
use crate::i18n::Args;
use crate::storage::AuditEntry;
use crate::telegram::Patience;

/// Telegram's limit on a photo's caption; a longer summary follows as its own message.
pub const MAX_CAPTION_CHARS: usize = 1024;

pub async fn command(turn: Turn, organiser: OrganiserId) -> HandlerResult {
    send(&turn, organiser).await
}

/// The menu's button: the menu keeps its keyboard.
pub async fn pressed(turn: Turn, organiser: OrganiserId, query: CallbackQuery) -> HandlerResult {
    turn.answer(&query, None).await?;
    send(&turn, organiser).await
}

/// The picture's own button: a new picture comes, and the old one's button goes once it has.
pub async fn refresh(turn: Turn, organiser: OrganiserId, query: CallbackQuery) -> HandlerResult {
    turn.ack(&query).await?;
    send(&turn, organiser).await
}

async fn send(turn: &Turn, organiser: OrganiserId) -> HandlerResult {
    let app = &turn.app;
    let now = app.clock.now();
    let dashboard = Dashboard::load(&app.db, &app.campaign, now).await?;
    let entry = AuditEntry {
        at: now,
        actor: super::actor(organiser),
        action: AuditAction::Dashboard,
        detail: String::new(),
        rows: dashboard.candidates(),
    };
    app.db.audit(&entry).await?;
    let view = turn.view();
    let chart = chart(&view, &dashboard);
    // Drawing takes tens of milliseconds of CPU: off the dispatcher's workers.
    let png = tokio::task::spawn_blocking(move || chart.render_png())
        .await
        .map_err(|err| BotError::Other(anyhow::anyhow!("the chart's drawing task failed: {err}")))??;
    let summary = summary(&view, &dashboard);
    let refresh = vec![vec![button(view.t("console-btn-refresh"), Callback::Console(Panel::Refresh))]];
    let markup = Some(ui::inline_keyboard(refresh));
    // A picture is a file: its upload gets a file's patience.
    let (telegram, chat) = (&turn.telegram, turn.chat_id());
    if summary.chars().count() <= MAX_CAPTION_CHARS {
        telegram.send_photo(Patience::FILE, chat, png, Some(summary), markup).await?;
    } else {
        telegram.send_photo(Patience::FILE, chat, png, None, None).await?;
        turn.say(Prompt { text: summary, markup }).await?;
    }
    Ok(())
}

/// The dashboard's picture in `lang`, as `/dashboard` sends it (`rezerv-bot stats --png`, the lab).
pub fn picture(app: &App, lang: Lang, dashboard: &Dashboard) -> Result<Vec<u8>, ChartError> {
    chart(&View { app, lang }, dashboard).render_png()
}

/// The local time of the counts, e.g. `05.09.2023 10:00`.
fn local_time(view: &View<'_>, dashboard: &Dashboard) -> String {
    dashboard.generated_at.with_timezone(&view.app.campaign.tz).format("%d.%m.%Y %H:%M").to_string()
}

fn count(bar: Option<&Bar>) -> String {
    group_digits(bar.map_or(0, |bar| bar.total))
}

/// What the chart's notes and the caption share: codes, reminders, blocked and new.
fn status_lines(view: &View<'_>, dashboard: &Dashboard) -> Vec<String> {
    let way = |way| dashboard.way(way);
    let pool = |way, pick: fn(&WayFunnel) -> i64| group_digits(dashboard.way(way).map_or(0, pick));
    let codes = match dashboard.code_source {
        CodeSource::Pool => view.ta(
            "console-dash-codes",
            Args::new()
                .with("qrt_left", pool(Way::Qrt, |funnel| funnel.codes_left))
                .with("qrt_issued", pool(Way::Qrt, |funnel| funnel.codes_issued))
                .with("qaztest_left", pool(Way::Qaztest, |funnel| funnel.codes_left))
                .with("qaztest_issued", pool(Way::Qaztest, |funnel| funnel.codes_issued)),
        ),
        CodeSource::Cabinet => view.ta(
            "console-dash-codes-cabinet",
            Args::new()
                .with("qrt_kept", count(way(Way::Qrt).and_then(|funnel| funnel.bar(FunnelStage::Code))))
                .with("qaztest_kept", count(way(Way::Qaztest).and_then(|funnel| funnel.bar(FunnelStage::Code)))),
        ),
    };
    let reminders = dashboard.reminders;
    vec![
        codes,
        view.ta(
            "console-dash-reminders",
            Args::new()
                .with("pending", group_digits(reminders.pending))
                .with("sent", group_digits(reminders.sent))
                .with("failed", group_digits(reminders.failed)),
        ),
        view.ta(
            "console-dash-people",
            Args::new()
                .with("blocked", group_digits(dashboard.blocked))
                .with("new", group_digits(dashboard.new_today))
                .with("date", view.app.locales.date_short(view.lang, dashboard.today)),
        ),
    ]
}

/// The caption: the funnel's main stages per way, and the status lines.
pub fn summary(view: &View<'_>, dashboard: &Dashboard) -> String {
    let stage = |stage: FunnelStage| count(dashboard.funnel.iter().find(|bar| bar.stage == stage));
    let mut lines = vec![
        view.ta("console-dash-caption-title", Args::new().with("time", local_time(view, dashboard))),
        view.ta(
            "console-dash-funnel",
            Args::new()
                .with("started", stage(FunnelStage::Started))
                .with("chose_language", stage(FunnelStage::Language))
                .with("chose_city", stage(FunnelStage::City))
                .with("chose_way", stage(FunnelStage::Way)),
        ),
    ];
    for funnel in &dashboard.ways {
        let bar = |stage| count(funnel.bar(stage));
        let applied = match funnel.way {
            Way::Qaztest => FunnelStage::Applied,
            Way::Qrt => FunnelStage::Booked,
        };
        lines.push(
            view.ta(
                &format!("console-dash-way-{}", funnel.way.code()),
                Args::new()
                    .with("chosen", bar(FunnelStage::Way))
                    .with("done", bar(FunnelStage::StepsDone))
                    .with("codes", bar(FunnelStage::Code))
                    .with("applied", bar(applied))
                    .with("test_dates", bar(FunnelStage::TestDate))
                    .with("source", dashboard.code_source.as_str()),
            ),
        );
    }
    lines.extend(status_lines(view, dashboard));
    lines.join("\n")
}

/// The chart: every candidate, then each way's funnel, each bar split by city group.
pub fn chart(view: &View<'_>, dashboard: &Dashboard) -> Chart {
    let campaign = &view.app.campaign;
    let mut series: Vec<Series> = dashboard
        .groups
        .iter()
        .zip(PALETTE.iter().cycle())
        .map(|(id, colour)| Series { label: view.t(&format!("console-dash-group-{id}")), colour: *colour })
        .collect();
    series.push(Series { label: view.t("console-dash-no-city"), colour: MUTED });
    let chart_bar = |bar: &Bar, label: String, first: i64| {
        let mut values: Vec<i64> =
            dashboard.groups.iter().map(|id| bar.by_group.get(id).copied().unwrap_or(0)).collect();
        values.push(bar.no_city);
        // The share of the section's first bar, where it says something.
        let note = match first {
            _ if bar.total == 0 || bar.total == first => group_digits(bar.total),
            0 => group_digits(bar.total),
            first => format!("{} · {}%", group_digits(bar.total), (bar.total * 100 + first / 2) / first),
        };
        ChartBar { label, values, note }
    };
    let source = dashboard.code_source.as_str();
    let label = |bar: &Bar, way: Option<Way>| match (bar.stage, bar.step, bar.step_id.as_deref()) {
        (FunnelStage::Step, Some(step), Some(id)) => {
            let name = view.ta(&format!("step-{id}"), Args::new().with("source", source));
            view.ta("console-dash-step", Args::new().with("step", step).with("name", name))
        }
        (FunnelStage::Way, _, _) if way.is_some() => view.t("console-dash-way-chosen"),
        (stage, _, _) => {
            view.ta(&format!("console-dash-{}", stage.as_str().replace('_', "-")), Args::new().with("source", source))
        }
    };
    let all_first = dashboard.funnel.first().map_or(0, |bar| bar.total);
    let mut sections = vec![Section {
        title: view.t("console-dash-all"),
        bars: dashboard.funnel.iter().map(|bar| chart_bar(bar, label(bar, None), all_first)).collect(),
    }];
    for funnel in &dashboard.ways {
        let first = funnel.funnel.first().map_or(0, |bar| bar.total);
        sections.push(Section {
            title: view.way_name(funnel.way),
            bars: funnel.funnel.iter().map(|bar| chart_bar(bar, label(bar, Some(funnel.way)), first)).collect(),
        });
    }
    Chart {
        title: view.t("console-dash-title"),
        subtitle: view.ta(
            "console-dash-subtitle",
            Args::new().with("time", local_time(view, dashboard)).with("zone", campaign.tz.name()),
        ),
        series,
        sections,
        notes: status_lines(view, dashboard),
    }
}
