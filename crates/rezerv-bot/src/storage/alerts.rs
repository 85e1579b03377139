//! Alerts to the organisers: the code pools' crossings and the waves that failed, each told
//! once, through the outbox.

use chrono::{DateTime, Utc};
use sqlx::{Any, Row, Transaction};

use super::dialect::sql;
use super::outbox::bind_row;
use super::sql::SqlText;
use super::{Db, OutboxStatus, PlannedRow, StorageResult, corrupt, timestamp};
use crate::domain::{ReminderKind, Way, spelled};

spelled! {
    /// How low a way's code pool is, as stored in `pool_alerts.level`.
    pub enum PoolLevel("pool level") {
        /// Below the alert threshold.
        Low = "low",
        /// No code left.
        Empty = "empty",
    }
}

/// A way's pool: codes imported in all, and codes left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolCount {
    pub way: Way,
    pub imported: i64,
    pub left: i64,
}

/// A wave's sends: how many failed, of how many that are or were to be sent (rows cancelled
/// before they were sent do not count).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WaveCount {
    pub failed: i64,
    pub sends: i64,
}

/// The advisory lock keys of the pools' alerts: "rezerv", 0x0100, plus the way (the leader lock is 0x0001).
const POOL_ALERT_KEY: i64 = 0x7265_7a65_7276_0100;

fn way_key(way: Way) -> i64 {
    Way::ALL.iter().position(|w| *w == way).map_or(0, |index| index as i64)
}

impl Db {
    /// Every way's pool, imported and left.
    pub async fn pool_counts(&self) -> StorageResult<Vec<PoolCount>> {
        let rows = sqlx::query(
            "SELECT way, COUNT(*) AS imported, COUNT(*) FILTER (WHERE issued_at IS NULL) AS left
             FROM promo_codes GROUP BY way",
        )
        .fetch_all(self.pool())
        .await?;
        let mut counts: Vec<PoolCount> =
            Way::ALL.iter().map(|way| PoolCount { way: *way, imported: 0, left: 0 }).collect();
        for row in rows {
            let way: Way = row.try_get::<String, _>("way")?.parse().map_err(corrupt)?;
            if let Some(count) = counts.iter_mut().find(|count| count.way == way) {
                count.imported = row.try_get("imported")?;
                count.left = row.try_get("left")?;
            }
        }
        Ok(counts)
    }

    /// The level recorded for a way's pool (`None`: not low).
    pub async fn pool_level(&self, way: Way) -> StorageResult<Option<PoolLevel>> {
        Ok(sqlx::query_scalar("SELECT level FROM pool_alerts WHERE way = $1")
            .bind(way.code())
            .fetch_optional(self.pool())
            .await?)
    }

    /// Moves a way's recorded level from `from` to `to`, and queues `alert` to every organiser,
    /// in one transaction; nothing if the recorded level is no longer `from` (another check
    /// got there first) or the pool no longer holds `seen` (codes were issued or imported
    /// since: a level from an old count must not replace one from a newer, the next check
    /// decides). Returns whether it moved.
    pub async fn move_pool_level(
        &self,
        seen: &PoolCount,
        from: Option<PoolLevel>,
        to: Option<PoolLevel>,
        alert: Option<&PlannedRow>,
        now: DateTime<Utc>,
    ) -> StorageResult<bool> {
        let way = seen.way;
        let at = timestamp(now);
        let mut tx = self.begin_write().await?;
        // Replicas' watchers may see one crossing at once: one moves the level and alerts, the
        // other then finds it moved.
        if let Some(serialize) = self.backend().serialize_on_key() {
            sqlx::query(serialize).bind(POOL_ALERT_KEY + way_key(way)).execute(&mut *tx).await?;
        }
        let stored: Option<PoolLevel> = sqlx::query_scalar("SELECT level FROM pool_alerts WHERE way = $1")
            .bind(way.code())
            .fetch_optional(&mut *tx)
            .await?;
        let now_held: (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*) AS imported, COUNT(*) FILTER (WHERE issued_at IS NULL) AS left
             FROM promo_codes WHERE way = $1",
        )
        .bind(way.code())
        .fetch_one(&mut *tx)
        .await?;
        if stored != from || now_held != (seen.imported, seen.left) {
            return Ok(false);
        }
        match to {
            Some(level) => {
                sqlx::query(
                    "INSERT INTO pool_alerts (way, level, since) VALUES ($1, $2, $3)
                     ON CONFLICT (way) DO UPDATE SET level = excluded.level, since = excluded.since",
                )
                .bind(way.code())
                .bind(level)
                .bind(&at)
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM pool_alerts WHERE way = $1").bind(way.code()).execute(&mut *tx).await?;
            }
        }
        if let Some(alert) = alert {
            alert_organisers(&mut tx, alert, &at).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The sends of the reminders of `kind` due from `from` until `until`.
    pub async fn reminder_wave_count(
        &self,
        kind: ReminderKind,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StorageResult<WaveCount> {
        let row = sqlx::query(sql!(
            self,
            format!(
                "SELECT COUNT(*) FILTER (WHERE status = {failed}) AS failed,
                        COUNT(*) FILTER (WHERE status <> {cancelled}) AS sends
                 FROM outbox WHERE kind = $1 AND due_at >= $2 AND due_at < $3",
                failed = OutboxStatus::Failed.quoted(),
                cancelled = OutboxStatus::Cancelled.quoted(),
            )
        ))
        .bind(kind)
        .bind(timestamp(from))
        .bind(timestamp(until))
        .fetch_one(self.pool())
        .await?;
        Ok(WaveCount { failed: row.try_get("failed")?, sends: row.try_get("sends")? })
    }

    /// The sends of broadcast `id`.
    pub async fn broadcast_wave_count(&self, id: i64) -> StorageResult<WaveCount> {
        let row = sqlx::query(sql!(
            self,
            format!(
                "SELECT COUNT(*) FILTER (WHERE status = {failed}) AS failed,
                        COUNT(*) FILTER (WHERE status <> {cancelled}) AS sends
                 FROM outbox WHERE kind = 'broadcast' AND {{int(args, broadcast)}} = $1",
                failed = OutboxStatus::Failed.quoted(),
                cancelled = OutboxStatus::Cancelled.quoted(),
            )
        ))
        .bind(id)
        .fetch_one(self.pool())
        .await?;
        Ok(WaveCount { failed: row.try_get("failed")?, sends: row.try_get("sends")? })
    }

    /// Records that wave `wave` failed and queues `alert` to every organiser, once: false if
    /// the organisers were told already.
    pub async fn raise_wave_alert(
        &self,
        wave: &str,
        count: WaveCount,
        alert: &PlannedRow,
        now: DateTime<Utc>,
    ) -> StorageResult<bool> {
        let at = timestamp(now);
        let mut tx = self.begin_write().await?;
        let raised = sqlx::query(
            "INSERT INTO wave_alerts (wave, failed, sends, raised_at) VALUES ($1, $2, $3, $4) ON CONFLICT (wave) DO NOTHING",
        )
        .bind(wave)
        .bind(count.failed)
        .bind(count.sends)
        .bind(&at)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if raised {
            alert_organisers(&mut tx, alert, &at).await?;
        }
        tx.commit().await?;
        Ok(raised)
    }

    /// Whether the organisers were told about wave `wave`.
    pub async fn wave_alerted(&self, wave: &str) -> StorageResult<bool> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM wave_alerts WHERE wave = $1")
            .bind(wave)
            .fetch_one(self.pool())
            .await?;
        Ok(count > 0)
    }
}

/// Queues `alert` to every current organiser.
async fn alert_organisers(tx: &mut Transaction<'_, Any>, alert: &PlannedRow, now: &str) -> StorageResult<()> {
    let organisers: Vec<i64> =
        sqlx::query_scalar("SELECT user_id FROM organisers WHERE removed_at IS NULL").fetch_all(&mut **tx).await?;
    for organiser in organisers {
        let insert = sqlx::query(
            "INSERT INTO outbox (chat_id, plan_key, kind, message, args, due_at, expires_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (chat_id, plan_key) DO NOTHING",
        );
        bind_row(insert, organiser, alert, now).execute(&mut **tx).await?;
    }
    Ok(())
}
