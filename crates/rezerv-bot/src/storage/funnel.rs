//! The dashboard's counts, in three aggregate statements: candidates by way, city and how far
//! they got (with the blocked and today's new among them), the code pools by way, and the
//! outbox by status and kind (the last two read covering indexes, migration 0011). The funnel
//! is folded from the first in `crate::dashboard`.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::dialect::sql;
use super::stats::NOT_AN_ORGANISER;
use super::{Db, OutboxStatus, StorageResult, corrupt, timestamp};
use crate::domain::{ReminderKind, Stage, Way};

/// How far a candidate got, judged from what their row holds now: the furthest of these their
/// language, city, way, stage and step, code and dates show. Each implies the ones before it,
/// so a candidate counts at every earlier stage of the funnel too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Milestone {
    /// A row exists: the candidate wrote to the bot.
    Started,
    Language,
    City,
    Way,
    /// On one of the guided steps (the cell's `step`).
    Steps,
    /// Past the last step: sharing the contact (pool mode), or what to do next.
    StepsDone,
    /// A code issued (pool mode) or a cabinet code kept (cabinet mode).
    Code,
    /// Applied for QAZTEST, or took the online QRT / entered the code on qrt.kz.
    Applied,
    TestDate,
}

impl Milestone {
    pub const ALL: [Milestone; 9] = [
        Milestone::Started,
        Milestone::Language,
        Milestone::City,
        Milestone::Way,
        Milestone::Steps,
        Milestone::StepsDone,
        Milestone::Code,
        Milestone::Applied,
        Milestone::TestDate,
    ];

    fn from_rank(rank: i64) -> Option<Milestone> {
        usize::try_from(rank).ok().and_then(|rank| Milestone::ALL.get(rank)).copied()
    }
}

/// Candidates alike in way, city, milestone and step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunnelCell {
    /// The chosen way, or the way of the code held; `None` before a way is chosen.
    pub way: Option<Way>,
    /// The chosen city's id; `None` before one is chosen (or while changing it).
    pub city: Option<String>,
    pub milestone: Milestone,
    /// The current step, for `Milestone::Steps`.
    pub step: Option<u8>,
    pub candidates: i64,
    /// Of them, those who blocked the bot.
    pub blocked: i64,
    /// Of them, those who first wrote within the day asked for.
    pub new: i64,
}

/// One way's code pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolCounts {
    pub way: Way,
    pub issued: i64,
    pub left: i64,
}

/// Outbox rows of one kind in one status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxCount {
    pub kind: ReminderKind,
    pub status: OutboxStatus,
    pub rows: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DashboardCounts {
    pub cells: Vec<FunnelCell>,
    pub pools: Vec<PoolCounts>,
    pub outbox: Vec<OutboxCount>,
}

/// The milestone rank (`Milestone::ALL` index) of a candidate row `c`. The first column that
/// shows progress wins: a test date beats an application, which beats a code, and so on. A
/// City stage with a way is a candidate changing city after the steps (the way is fixed then).
const MILESTONE_RANK: &str = "CASE
        WHEN c.test_date IS NOT NULL THEN 8
        WHEN c.applied_on IS NOT NULL OR c.qrt_booked_on IS NOT NULL THEN 7
        WHEN c.code IS NOT NULL OR c.cabinet_code IS NOT NULL THEN 6
        WHEN c.stage IN ($3, $4) OR (c.stage = $5 AND c.way IS NOT NULL) THEN 5
        WHEN c.stage = $6 THEN 4
        WHEN c.way IS NOT NULL THEN 3
        WHEN c.city IS NOT NULL THEN 2
        WHEN c.lang IS NOT NULL THEN 1
        ELSE 0
    END";

impl Db {
    /// The dashboard's counts. Organisers' own chats are not candidates and are left out. "New"
    /// counts rows created in `[new_from, new_until)`.
    pub async fn dashboard_counts(
        &self,
        new_from: DateTime<Utc>,
        new_until: DateTime<Utc>,
    ) -> StorageResult<DashboardCounts> {
        // The code's way is looked up only for a row that lost its way (an unreadable state).
        let rows = sqlx::query(sql!(
            self,
            format!(
                "SELECT way, city, milestone, step, COUNT(*) AS n, COUNT(*) FILTER (WHERE active = 0) AS blocked,
                        COUNT(*) FILTER (WHERE created_at >= $1 AND created_at < $2) AS new
                 FROM (SELECT COALESCE(c.way, (SELECT p.way FROM promo_codes p WHERE p.code = c.code)) AS way,
                              c.city, {MILESTONE_RANK} AS milestone,
                              CASE WHEN c.stage = $6 THEN c.step END AS step, c.active, c.created_at
                       FROM candidates c
                       WHERE {NOT_AN_ORGANISER}) AS ranked
                 GROUP BY way, city, milestone, step"
            )
        ))
        .bind(timestamp(new_from))
        .bind(timestamp(new_until))
        .bind(Stage::Contact)
        .bind(Stage::Ready)
        .bind(Stage::City)
        .bind(Stage::Steps)
        .fetch_all(self.pool())
        .await?;
        let cells = rows
            .iter()
            .map(|row| {
                let rank: i64 = row.try_get("milestone")?;
                let step: Option<i64> = row.try_get("step")?;
                Ok(FunnelCell {
                    way: row
                        .try_get::<Option<String>, _>("way")?
                        .map(|way| way.parse())
                        .transpose()
                        .map_err(corrupt)?,
                    city: row.try_get("city")?,
                    milestone: Milestone::from_rank(rank).ok_or_else(|| corrupt(format!("milestone {rank}")))?,
                    step: step.map(u8::try_from).transpose().map_err(corrupt)?,
                    candidates: row.try_get("n")?,
                    blocked: row.try_get("blocked")?,
                    new: row.try_get("new")?,
                })
            })
            .collect::<StorageResult<_>>()?;
        let pools = sqlx::query(
            "SELECT way, COUNT(issued_at) AS issued, COUNT(*) - COUNT(issued_at) AS left
             FROM promo_codes GROUP BY way ORDER BY way",
        )
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|row| {
            Ok(PoolCounts {
                way: row.try_get::<String, _>("way")?.parse().map_err(corrupt)?,
                issued: row.try_get("issued")?,
                left: row.try_get("left")?,
            })
        })
        .collect::<StorageResult<_>>()?;
        let outbox = sqlx::query("SELECT status, kind, COUNT(*) AS n FROM outbox GROUP BY status, kind")
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|row| {
                Ok(OutboxCount { kind: row.try_get("kind")?, status: row.try_get("status")?, rows: row.try_get("n")? })
            })
            .collect::<StorageResult<_>>()?;
        Ok(DashboardCounts { cells, pools, outbox })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milestone_ranks_follow_the_funnel_order() {
        for (rank, milestone) in Milestone::ALL.iter().enumerate() {
            assert_eq!(Milestone::from_rank(rank as i64), Some(*milestone));
        }
        assert_eq!(Milestone::from_rank(9), None);
        assert_eq!(Milestone::from_rank(-1), None);
        assert!(Milestone::ALL.windows(2).all(|pair| pair[0] < pair[1]));
    }
}
