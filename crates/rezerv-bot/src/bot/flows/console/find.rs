//! `/find` and `/replace`: one candidate, and a new code for one whose code does not work.

use chrono::{DateTime, Utc};
use teloxide::prelude::*;

use crate::bot::flows::View;
use crate::bot::{HandlerResult, Turn};
use crate::domain::{AuditAction, OrganiserId, Stage};
use crate::i18n::{Args, html_escape};
use crate::storage::{AuditEntry, CandidateCard, Found, Lookup, Replacement};

/// The longest reason kept for a replaced code: a sentence, not a letter.
pub const MAX_REASON_CHARS: usize = 300;

pub async fn find(turn: Turn, organiser: OrganiserId, query: String) -> HandlerResult {
    let view = turn.view();
    let Some(lookup) = Lookup::parse(&query) else {
        return turn.say(view.t("console-find-usage")).await;
    };
    let found = turn.app.db.find(&lookup).await?;
    let now = turn.app.clock.now();
    let entry = AuditEntry {
        at: now,
        actor: super::actor(organiser),
        action: AuditAction::Find,
        detail: query.trim().to_owned(),
        rows: found.cards.len() as i64,
    };
    turn.app.db.audit(&entry).await?;
    for text in found_texts(&view, &found) {
        turn.say(text).await?;
    }
    Ok(())
}

/// What `/find` shows: a card per candidate, or why there is none.
pub fn found_texts(view: &View<'_>, found: &Found) -> Vec<String> {
    if found.cards.is_empty() {
        return vec![match found.eligible {
            Some(true) => view.t("console-find-eligible-only"),
            Some(false) => view.t("console-find-none-not-eligible"),
            None => view.t("console-find-none"),
        }];
    }
    found.cards.iter().map(|card| card_text(view, card)).collect()
}

pub fn card_text(view: &View<'_>, card: &CandidateCard) -> String {
    let date = |date| view.date(date);
    let mut lines = vec![view.ta("console-card-title", Args::new().with("chat", card.chat_id.to_string()))];
    lines.push(view.ta(
        "console-card-lang",
        Args::new().with("lang", card.lang.map(|lang| lang.code()).unwrap_or("-").to_owned()),
    ));
    let stage = view.t(&format!("console-stage-{}", card.stage.as_str()));
    lines.push(match (card.stage, card.step) {
        (Stage::Steps, Some(step)) => view.ta("console-card-step", Args::new().with("stage", stage).with("step", step)),
        _ => view.ta("console-card-stage", Args::new().with("stage", stage)),
    });
    if let Some(city) = card.city.as_deref() {
        let name = city.parse().ok().and_then(|id| view.city(&id)).map(|city| view.city_name(city));
        lines.push(
            view.ta(
                "console-card-city",
                Args::new().with("city", name.unwrap_or_else(|| html_escape(city).into_owned())),
            ),
        );
    }
    if let Some(way) = card.way {
        lines.push(view.ta("console-card-way", Args::new().with("way", view.way_name(way))));
    }
    if let Some(phone) = &card.phone {
        lines.push(view.ta("console-card-phone", Args::new().with("phone", phone.as_str().to_owned())));
    }
    lines.push(match &card.code {
        Some((code, way, issued)) => view.ta(
            "console-card-code",
            Args::new()
                .with("code", html_escape(code.as_str()).into_owned())
                .with("way", view.way_name(*way))
                .with("issued", local_time(view, *issued)),
        ),
        None => view.t("console-card-no-code"),
    });
    for (id, day) in [
        ("console-card-applied", card.applied_on),
        ("console-card-booked", card.qrt_booked_on),
        ("console-card-test-date", card.test_date),
    ] {
        if let Some(day) = day {
            lines.push(view.ta(id, Args::new().with("date", date(day))));
        }
    }
    lines.push(
        view.ta(
            "console-card-reminders",
            Args::new()
                .with("sent", card.reminders_sent)
                .with("pending", card.reminders_pending)
                .with("failed", card.reminders_failed),
        ),
    );
    if !card.active {
        lines.push(view.t("console-card-blocked"));
    }
    for (code, reason) in &card.revoked {
        lines.push(view.ta(
            "console-card-revoked",
            Args::new().with("code", html_escape(code).into_owned()).with("reason", html_escape(reason).into_owned()),
        ));
    }
    if card.code.is_some() {
        lines.push(view.ta("console-card-replace-hint", Args::new().with("chat", card.chat_id.to_string())));
    }
    lines.join("\n")
}

/// A moment as the campaign's local day and time, e.g. `05.09.2023 10:00`.
fn local_time(view: &View<'_>, at: DateTime<Utc>) -> String {
    at.with_timezone(&view.app.campaign.tz).format("%d.%m.%Y %H:%M").to_string()
}

pub async fn replace(turn: Turn, organiser: OrganiserId, args: String) -> HandlerResult {
    let view = turn.view();
    let (target, reason) = args.trim().split_once(char::is_whitespace).unwrap_or((args.trim(), ""));
    let reason = reason.trim();
    let Some(lookup) = Lookup::parse(target).filter(|_| !reason.is_empty()) else {
        return turn.say(view.t("console-replace-usage")).await;
    };
    if reason.chars().count() > MAX_REASON_CHARS {
        return turn.say(view.ta("console-replace-reason-too-long", Args::new().with("max", MAX_REASON_CHARS))).await;
    }
    let found = turn.app.db.find(&lookup).await?;
    let [card] = found.cards.as_slice() else {
        return turn
            .say(match found.cards.len() {
                0 => view.t("console-find-none"),
                _ => view.t("console-replace-ambiguous"),
            })
            .await;
    };
    let outcome = turn.app.db.replace_code(card.chat_id, reason, super::actor(organiser), turn.app.clock.now()).await?;
    turn.say(replacement_text(&view, card.chat_id, &outcome)).await
}

/// What the organiser is told after `/replace` (or `rezerv-bot replace-code`).
pub fn replacement_text(view: &View<'_>, chat_id: i64, outcome: &Replacement) -> String {
    match outcome {
        Replacement::Replaced { old, new, way } => view.ta(
            "console-replaced",
            Args::new()
                .with("chat", chat_id.to_string())
                .with("old", html_escape(old.as_str()).into_owned())
                .with("new", html_escape(new.as_str()).into_owned())
                .with("way", view.way_name(*way)),
        ),
        Replacement::NoCandidate => view.t("console-find-none"),
        Replacement::NoCode => view.t("console-replace-no-code"),
        Replacement::PoolEmpty(way) => {
            view.ta("console-replace-pool-empty", Args::new().with("way", view.way_name(*way)))
        }
    }
}

pub async fn help_pressed(turn: Turn, query: CallbackQuery) -> HandlerResult {
    turn.answer(&query, None).await?;
    let view = turn.view();
    turn.say(format!("{}\n\n{}", view.t("console-find-usage"), view.t("console-replace-usage"))).await
}
