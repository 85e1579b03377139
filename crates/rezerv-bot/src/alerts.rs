//! Alerts to the organisers: a way's code pool falling below its threshold or running out,
//! and a wave whose sends failed. Each goes to every organiser once, through the outbox, so it
//! survives restarts and Telegram's faults; the crossing is stored, so a restart does not
//! repeat it, and a top-up arms the pool's alert again.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

use crate::config::Campaign;
use crate::domain::{CodeSource, ReminderKind};
use crate::storage::{Db, OutboxRow, PlannedRow, PoolCount, PoolLevel, StorageResult, WaveCount};

/// The locale messages of the alerts (in `console.ftl`).
pub const POOL_LOW_MESSAGE: &str = "alert-pool-low";
pub const POOL_EMPTY_MESSAGE: &str = "alert-pool-empty";
pub const WAVE_FAILED_MESSAGE: &str = "alert-wave-failed";
pub const BROADCAST_FAILED_MESSAGE: &str = "alert-broadcast-failed";

/// A wave needs this many failed sends before it counts as failed: one or two are single
/// candidates' chats (a deleted account Telegram reports as "chat not found"), not a fault of
/// the wave, however small the wave.
pub const MIN_WAVE_FAILURES: i64 = 3;

/// What the alert threshold says of a pool now: `None` is fine. A way with no code imported
/// has not run out of anything.
pub fn pool_level(campaign: &Campaign, count: &PoolCount) -> Option<PoolLevel> {
    if count.imported == 0 {
        None
    } else if count.left == 0 {
        Some(PoolLevel::Empty)
    } else if count.left < campaign.alerts.pool_low.low_below(count.imported) {
        Some(PoolLevel::Low)
    } else {
        None
    }
}

/// The alert for a pool moving from `stored` to `now`, if that move is a crossing downwards:
/// below the threshold, or out. Moves up (a top-up) re-arm the alerts without a message.
pub fn pool_crossing(stored: Option<PoolLevel>, now: Option<PoolLevel>) -> Option<PoolLevel> {
    match (stored, now) {
        (Some(PoolLevel::Empty), _) | (_, None) => None,
        (stored, now) if stored == now => None,
        (_, now) => now,
    }
}

/// Checks every way's pool against its threshold; returns how many alerts were queued.
pub async fn check_pools(db: &Db, campaign: &Campaign, now: DateTime<Utc>) -> StorageResult<usize> {
    if campaign.code_source == CodeSource::Cabinet {
        return Ok(0);
    }
    let mut raised = 0;
    for count in db.pool_counts().await? {
        let level = pool_level(campaign, &count);
        let stored = db.pool_level(count.way).await?;
        if stored == level {
            continue;
        }
        let alert = pool_crossing(stored, level).map(|crossed| pool_alert(&count, crossed, now));
        if db.move_pool_level(&count, stored, level, alert.as_ref(), now).await? && alert.is_some() {
            tracing::warn!(way = %count.way, left = count.left, imported = count.imported, "code pool alert");
            raised += 1;
        }
    }
    Ok(raised)
}

fn pool_alert(count: &PoolCount, level: PoolLevel, now: DateTime<Utc>) -> PlannedRow {
    let message = match level {
        PoolLevel::Low => POOL_LOW_MESSAGE,
        PoolLevel::Empty => POOL_EMPTY_MESSAGE,
    };
    PlannedRow {
        // One per crossing: a later crossing of the same level comes after a top-up (more codes
        // imported), later, and is another alert.
        key: format!("alert-pool-{}-{level}-{}-{}", count.way, count.imported, now.timestamp_millis()),
        kind: ReminderKind::Alert,
        message: message.to_owned(),
        args: json!({ "way": count.way.code(), "left": count.left, "imported": count.imported }),
        due_at: now,
        expires_at: None,
    }
}

/// The sends that count as one wave: the reminders of one kind due on one local day, or
/// one broadcast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Wave {
    Reminders { kind: ReminderKind, day: NaiveDate },
    Broadcast(i64),
}

impl fmt::Display for Wave {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Wave::Reminders { kind, day } => write!(f, "{kind}:{day}"),
            Wave::Broadcast(id) => write!(f, "broadcast:{id}"),
        }
    }
}

/// The id of the broadcast an outbox row belongs to.
pub fn broadcast_of(row: &OutboxRow) -> Option<i64> {
    if row.kind != ReminderKind::Broadcast {
        return None;
    }
    row.args.get("broadcast").and_then(serde_json::Value::as_i64)
}

/// The wave of an outbox row; alerts are no wave (an alert about alerts would only echo).
pub fn wave_of(campaign: &Campaign, row: &OutboxRow) -> Option<Wave> {
    match (row.kind, broadcast_of(row)) {
        (ReminderKind::Alert, _) => None,
        (_, Some(id)) => Some(Wave::Broadcast(id)),
        (kind, None) => Some(Wave::Reminders { kind, day: campaign.local_date(row.due_at) }),
    }
}

/// Whether a wave with these sends failed.
pub fn wave_failed(campaign: &Campaign, count: WaveCount) -> bool {
    count.failed >= MIN_WAVE_FAILURES && campaign.alerts.wave_failed.exceeded_by(count.failed, count.sends)
}

/// Tells the organisers if `wave` failed, once; returns whether it queued the alert now.
pub async fn check_wave(db: &Db, campaign: &Campaign, wave: Wave, now: DateTime<Utc>) -> StorageResult<bool> {
    let key = wave.to_string();
    if db.wave_alerted(&key).await? {
        return Ok(false);
    }
    let count = match wave {
        Wave::Reminders { kind, day } => {
            let from = campaign.day_ends(day.pred_opt().unwrap_or(day));
            db.reminder_wave_count(kind, from, campaign.day_ends(day)).await?
        }
        Wave::Broadcast(id) => db.broadcast_wave_count(id).await?,
    };
    if !wave_failed(campaign, count) {
        return Ok(false);
    }
    let (message, args) = match wave {
        Wave::Reminders { kind, day } => (
            WAVE_FAILED_MESSAGE,
            json!({ "kind": kind.as_str(), "date": day, "failed": count.failed, "sends": count.sends }),
        ),
        Wave::Broadcast(id) => {
            (BROADCAST_FAILED_MESSAGE, json!({ "broadcast": id, "failed": count.failed, "sends": count.sends }))
        }
    };
    let alert = PlannedRow {
        key: format!("alert-wave-{key}"),
        kind: ReminderKind::Alert,
        message: message.to_owned(),
        args,
        due_at: now,
        expires_at: None,
    };
    let raised = db.raise_wave_alert(&key, count, &alert, now).await?;
    if raised {
        tracing::warn!(wave = %key, failed = count.failed, sends = count.sends, "wave failure alert");
    }
    Ok(raised)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Way;

    #[test]
    fn a_pool_alerts_on_the_way_down_only() {
        use PoolLevel::{Empty, Low};
        assert_eq!(pool_crossing(None, Some(Low)), Some(Low));
        assert_eq!(pool_crossing(None, Some(Empty)), Some(Empty));
        assert_eq!(pool_crossing(Some(Low), Some(Empty)), Some(Empty));
        assert_eq!(pool_crossing(Some(Low), Some(Low)), None);
        assert_eq!(pool_crossing(Some(Empty), Some(Low)), None, "a top-up that is still low");
        assert_eq!(pool_crossing(Some(Low), None), None);
        assert_eq!(pool_crossing(Some(Empty), None), None);
    }

    #[test]
    fn pool_levels_follow_the_threshold() {
        let campaign = Campaign::embedded().unwrap();
        let level = |imported, left| pool_level(&campaign, &PoolCount { way: Way::Qrt, imported, left });
        assert_eq!(level(0, 0), None, "never imported");
        assert_eq!(level(100, 10), None, "10 of 100 is the threshold itself");
        assert_eq!(level(100, 9), Some(PoolLevel::Low));
        assert_eq!(level(100, 0), Some(PoolLevel::Empty));
    }

    #[test]
    fn a_wave_fails_above_its_share_with_a_few_failures_at_least() {
        let campaign = Campaign::embedded().unwrap();
        assert!(!wave_failed(&campaign, WaveCount { failed: 2, sends: 4 }), "too few to tell");
        assert!(wave_failed(&campaign, WaveCount { failed: 3, sends: 10 }));
        assert!(!wave_failed(&campaign, WaveCount { failed: 10, sends: 100 }), "exactly the share");
        assert!(wave_failed(&campaign, WaveCount { failed: 11, sends: 100 }));
    }
}
