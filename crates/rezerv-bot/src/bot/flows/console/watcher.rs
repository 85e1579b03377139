//! The console's watcher, beside the dispatcher: every few seconds it edits the live progress
//! message of each broadcast being sent (only when its figures changed), reports the totals
//! of one that has ended, and checks the code pools against their alert threshold: every 30
//! seconds, and within a second when a handler rings its bell (a code was just issued).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use teloxide::prelude::*;
use teloxide::types::InlineKeyboardMarkup;
use tokio::sync::{Notify, watch};

use super::broadcast::{BroadcastButton, describe};
use crate::bot::flows::View;
use crate::bot::ui::{self, button};
use crate::bot::{App, Callback};
use crate::broadcast::Segment;
use crate::domain::{Lang, OrganiserId};
use crate::i18n::{Args, html_escape};
use crate::storage::{Running, StorageError, Tally};

/// How often a progress message may change: Telegram's clients show an edit at once, and a
/// few seconds keeps the edits far below any limit.
pub const PROGRESS_EVERY: Duration = Duration::from_secs(3);

/// How often the pools are checked unasked (imports from the command line).
const POOLS_EVERY: Duration = Duration::from_secs(30);

/// The shortest time between two pool checks asked for: codes issued one after another ring
/// the bell each time, and a check reads the whole code table.
const POOLS_AT_MOST_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Telegram(#[from] teloxide::RequestError),
}

/// A broadcast's figures, as its progress message shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub id: i64,
    /// The segment in words.
    pub segment: String,
    pub stopped: bool,
    pub tally: Tally,
}

/// What the handlers ask the watcher for, between its ticks.
#[derive(Debug, Default)]
pub struct Bell {
    rung: Notify,
    pools: AtomicBool,
    progress: AtomicBool,
}

impl Bell {
    /// A code was issued: a pool may have crossed its threshold.
    pub fn pools_changed(&self) {
        self.pools.store(true, Ordering::Release);
        self.rung.notify_one();
    }

    /// A broadcast was stopped: its message should say so now.
    pub fn progress_changed(&self) {
        self.progress.store(true, Ordering::Release);
        self.rung.notify_one();
    }
}

/// Runs until `stopped`.
pub async fn run(app: Arc<App>, mut stopped: watch::Receiver<bool>) {
    let mut shown: HashMap<i64, String> = HashMap::new();
    let mut progress_at: Option<Instant> = None;
    let mut pools_at: Option<Instant> = None;
    let elapsed = |at: Option<Instant>, after: Duration| at.is_none_or(|at| at.elapsed() >= after);
    loop {
        if app.bell.progress.swap(false, Ordering::AcqRel) || elapsed(progress_at, PROGRESS_EVERY) {
            progress_at = Some(Instant::now());
            if let Err(err) = report_progress(&app, &mut shown).await {
                tracing::warn!(error = %err, "cannot report a broadcast's progress; trying again later");
            }
        }
        let asked = app.bell.pools.load(Ordering::Acquire);
        if (asked && elapsed(pools_at, POOLS_AT_MOST_EVERY)) || elapsed(pools_at, POOLS_EVERY) {
            app.bell.pools.store(false, Ordering::Release);
            pools_at = Some(Instant::now());
            if let Err(err) = crate::alerts::check_pools(&app.db, &app.campaign, app.clock.now()).await {
                tracing::warn!(error = %err, "cannot check the code pools; trying again later");
                app.bell.pools.store(true, Ordering::Release);
            }
        }
        let pools_wait = if app.bell.pools.load(Ordering::Acquire) { POOLS_AT_MOST_EVERY } else { POOLS_EVERY };
        let next = |at: Option<Instant>, after: Duration| at.map_or_else(Instant::now, |at| at + after);
        let until = next(progress_at, PROGRESS_EVERY).min(next(pools_at, pools_wait));
        tokio::select! {
            _ = tokio::time::sleep_until(until.into()) => {}
            _ = app.bell.rung.notified() => {}
            _ = stopped.wait_for(|stop| *stop) => return,
        }
    }
}

/// One pass over the broadcasts not yet reported: progress edited where it changed, totals
/// reported where every row is done. `shown` holds the text each message shows now.
pub async fn report_progress(app: &App, shown: &mut HashMap<i64, String>) -> Result<usize, WatchError> {
    let now = app.clock.now();
    let running = app.db.running_broadcasts().await?;
    let mut reported = 0;
    for run in running {
        let lang = match (run.progress_lang, run.created_by) {
            (Some(lang), _) => lang,
            (None, Some(organiser)) => organiser_lang(app, organiser).await?,
            (None, None) => Lang::Ru,
        };
        let view = View { app, lang };
        let progress = progress_of(&view, &run);
        let (text, keyboard) = progress_message(&view, &progress, now);
        let done = run.tally.left == 0;
        if !done && shown.get(&run.id) == Some(&text) {
            continue;
        }
        let edited = match run.progress {
            Some((chat, message)) => {
                let result = ui::edit_html(
                    &app.telegram,
                    ChatId(chat),
                    teloxide::types::MessageId(message),
                    text.clone(),
                    keyboard,
                )
                .await;
                if let Err(err) = &result {
                    tracing::debug!(broadcast = run.id, error = %err, "cannot edit a progress message");
                }
                result.is_ok()
            }
            None => false,
        };
        if done {
            // Totals nobody could see (the message was deleted, or never sent after a crash)
            // go to the organiser as a new message; a broadcast from the command line has none.
            if let (false, Some(organiser)) = (edited, run.created_by) {
                ui::send(&app.telegram, ChatId(organiser.get()), text, None).await?;
            }
            app.db.finish_broadcast(run.id, now).await?;
            shown.remove(&run.id);
            tracing::info!(broadcast = run.id, sent = run.tally.sent, failed = run.tally.failed, "broadcast ended");
        } else if edited {
            shown.insert(run.id, text);
        }
        reported += 1;
    }
    Ok(reported)
}

async fn organiser_lang(app: &App, organiser: OrganiserId) -> Result<Lang, StorageError> {
    Ok(app.db.recipient(organiser.get()).await?.and_then(|(lang, _)| lang).unwrap_or(Lang::Ru))
}

fn progress_of(view: &View<'_>, run: &Running) -> Progress {
    let segment = match Segment::parse(&run.segment, &view.app.campaign) {
        Ok(segment) => describe(view, &segment),
        Err(_) => html_escape(&run.segment).into_owned(),
    };
    Progress { id: run.id, segment, stopped: run.stopped, tally: run.tally }
}

/// The progress message: sent, failed, blocked, left and the ETA with a Stop button while
/// rows are left; the totals once none is.
pub fn progress_message(
    view: &View<'_>,
    progress: &Progress,
    now: DateTime<Utc>,
) -> (String, Option<InlineKeyboardMarkup>) {
    let tally = &progress.tally;
    let args = || {
        Args::new()
            .with("id", progress.id)
            .with("segment", progress.segment.clone())
            .with("total", tally.total())
            .with("sent", tally.sent)
            .with("failed", tally.failed)
            .with("blocked", tally.blocked)
            .with("stopped", tally.stopped)
            .with("left", tally.left)
    };
    if tally.left == 0 {
        let id = if progress.stopped { "console-progress-stopped" } else { "console-progress-done" };
        return (view.ta(id, args()), None);
    }
    let mut text = view.ta("console-progress", args().with("eta", eta(view, tally.left, now)));
    if let Some(until) = view.app.campaign.quiet_until(now) {
        let local = until.with_timezone(&view.app.campaign.tz).format("%H:%M").to_string();
        text = format!("{text}\n{}", view.ta("console-progress-quiet", Args::new().with("until", local)));
    }
    let stop = button(view.t("console-bb-stop"), Callback::Broadcast(BroadcastButton::Stop(progress.id)));
    (text, Some(InlineKeyboardMarkup::new(vec![vec![stop]])))
}

/// How long `left` rows take at the sender's pace, after the quiet hours if they hold now.
fn eta(view: &View<'_>, left: i64, now: DateTime<Utc>) -> String {
    let sending = &view.app.sending;
    let rate = i64::from(sending.paid_broadcast_rate.unwrap_or(sending.rate_per_sec).max(1));
    let mut seconds = (left + rate - 1) / rate;
    if let Some(until) = view.app.campaign.quiet_until(now) {
        seconds += (until - now).num_seconds().max(0);
    }
    if seconds < 60 {
        return view.t("console-eta-soon");
    }
    let minutes = (seconds + 59) / 60;
    match minutes / 60 {
        0 => view.ta("console-eta-minutes", Args::new().with("minutes", minutes)),
        hours => view.ta("console-eta-hours", Args::new().with("hours", hours).with("minutes", minutes % 60)),
    }
}
