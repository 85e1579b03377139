//! `/find` and `/replace`: one candidate, and a new code for one whose code does not work.

use chrono::{DateTime, Utc};
use teloxide::prelude::*;

use crate::bot::flows::View;
use crate::bot::{App, HandlerResult, Turn};
use crate::domain::{AuditAction, OrganiserId, Stage};
use crate::i18n::{Args, html_escape};
use crate::storage::{
    Actor, AuditEntry, CandidateCard, Eligibility, Found, Lookup, Receipt, ReplaceCode, Replacement, StorageResult,
};

/// The longest reason kept for a replaced code: a sentence, not a letter.
pub const MAX_REASON_CHARS: usize = 300;

pub async fn find(turn: Turn, organiser: OrganiserId, query: String) -> HandlerResult {
    let view = turn.view();
    let Some(lookup) = Lookup::parse(&query) else {
        return turn.say(view.t("console-find-usage")).await;
    };
    let found = look_up(&turn.app, &lookup, super::actor(organiser)).await?;
    for text in found_texts(&view, &found) {
        turn.say(text).await?;
    }
    Ok(())
}

/// Finds the candidates `lookup` names and writes the lookup to the audit log: what `/find`
/// and `rezerv-bot find` do.
pub async fn look_up(app: &App, lookup: &Lookup, actor: Actor) -> StorageResult<Found> {
    let found = app.db.find(lookup).await?;
    let entry = AuditEntry {
        at: app.clock.now(),
        actor,
        action: AuditAction::Find,
        detail: lookup.masked(),
        rows: found.cards.len() as i64,
    };
    app.db.audit(&entry).await?;
    Ok(found)
}

/// What `/find` shows: a card per candidate, or why there is none.
pub fn found_texts(view: &View<'_>, found: &Found) -> Vec<String> {
    if found.cards.is_empty() {
        return vec![match &found.eligible {
            Some(Eligibility::Listed) => view.t("console-find-eligible-only"),
            Some(Eligibility::Issued(code)) => {
                view.ta("console-find-eligible-issued", Args::new().with("code", html_escape(code).into_owned()))
            }
            Some(Eligibility::NotListed) => view.t("console-find-none-not-eligible"),
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
    if let Some(city) = &card.city {
        let name = view.city(city).map_or_else(|| html_escape(city.as_str()).into_owned(), |city| view.city_name(city));
        lines.push(view.ta("console-card-city", Args::new().with("city", name)));
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
        None => match &card.cabinet_code {
            Some(kept) => {
                view.ta("console-card-cabinet-code", Args::new().with("code", html_escape(kept.as_str()).into_owned()))
            }
            None => view.t("console-card-no-code"),
        },
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
        lines.push(
            view.ta(
                "console-card-revoked",
                Args::new()
                    .with("code", html_escape(code.as_str()).into_owned())
                    .with("reason", html_escape(reason).into_owned()),
            ),
        );
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

/// Why a reason for a replacement is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReasonError {
    #[error("the reason is empty")]
    Empty,
    #[error("the reason is longer than {MAX_REASON_CHARS} characters")]
    TooLong,
}

/// A reason for a replacement: a sentence, trimmed.
pub fn reason(text: &str) -> Result<&str, ReasonError> {
    match text.trim() {
        "" => Err(ReasonError::Empty),
        long if long.chars().count() > MAX_REASON_CHARS => Err(ReasonError::TooLong),
        reason => Ok(reason),
    }
}

/// What became of a request to replace a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replaced {
    /// One candidate matched; the storage's answer for them.
    Done { card: Box<CandidateCard>, outcome: Replacement },
    /// Nobody matched, or several did: nothing was changed.
    NotOne(usize),
}

/// Finds the one candidate `lookup` names and replaces their code: what `/replace` and
/// `rezerv-bot replace-code` do. `update_id` is the Telegram update that asked, if any.
pub async fn replace_for(app: &App, lookup: &Lookup, request: ReplaceCode<'_>) -> StorageResult<Replaced> {
    let found = app.db.find(lookup).await?;
    let [card] = found.cards.as_slice() else { return Ok(Replaced::NotOne(found.cards.len())) };
    let outcome = app.db.replace_code(&ReplaceCode { chat_id: card.chat_id, ..request }, app.clock.now()).await?;
    Ok(Replaced::Done { card: Box::new(card.clone()), outcome })
}

pub async fn replace(turn: Turn, organiser: OrganiserId, receipt: Receipt, args: String) -> HandlerResult {
    let view = turn.view();
    let Some((lookup, rest)) = Lookup::split_leading(&args) else {
        return turn.say(view.t("console-replace-usage")).await;
    };
    let reason = match reason(rest) {
        Ok(reason) => reason,
        Err(ReasonError::Empty) => return turn.say(view.t("console-replace-usage")).await,
        Err(ReasonError::TooLong) => {
            return turn
                .say(view.ta("console-replace-reason-too-long", Args::new().with("max", MAX_REASON_CHARS)))
                .await;
        }
    };
    let request =
        ReplaceCode { chat_id: 0, reason, actor: super::actor(organiser), update_id: Some(receipt.update_id()) };
    let replaced = replace_for(&turn.app, &lookup, request).await?;
    turn.say(replaced_text(&view, &replaced)).await
}

/// What the organiser is told after `/replace` (or `rezerv-bot replace-code`).
pub fn replaced_text(view: &View<'_>, replaced: &Replaced) -> String {
    let (card, outcome) = match replaced {
        Replaced::NotOne(0) => return view.t("console-find-none"),
        Replaced::NotOne(_) => return view.t("console-replace-ambiguous"),
        Replaced::Done { card, outcome } => (card, outcome),
    };
    match outcome {
        Replacement::Replaced { old, new, way } => {
            let done = view.ta(
                "console-replaced",
                Args::new()
                    .with("chat", card.chat_id.to_string())
                    .with("old", html_escape(old.as_str()).into_owned())
                    .with("new", html_escape(new.as_str()).into_owned())
                    .with("way", view.way_name(*way)),
            );
            let told = if card.active { "console-replaced-told" } else { "console-replaced-blocked" };
            format!("{done}\n{}", view.t(told))
        }
        Replacement::NoCandidate => view.t("console-find-none"),
        Replacement::NoCode => view.t("console-replace-no-code"),
        Replacement::PoolEmpty(way) => {
            view.ta("console-replace-pool-empty", Args::new().with("way", view.way_name(*way)))
        }
        Replacement::Shared => view.t("console-replace-shared"),
    }
}

pub async fn help_pressed(turn: Turn, query: CallbackQuery) -> HandlerResult {
    turn.answer(&query, None).await?;
    let view = turn.view();
    turn.say(format!("{}\n\n{}", view.t("console-find-usage"), view.t("console-replace-usage"))).await
}
