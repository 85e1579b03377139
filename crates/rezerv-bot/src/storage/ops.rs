//! What operations tools read: the figures `/metrics` exports from the database, and whether
//! the database is ready.

use sqlx::Row;

use super::migrations;
use super::{Db, OutboxStatus, StorageResult};
use crate::domain::{ReminderKind, Stage, Way};

/// The database's side of `/metrics`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpsSnapshot {
    /// (kind, status, rows)
    pub outbox: Vec<(ReminderKind, OutboxStatus, i64)>,
    pub codes_left: Vec<(Way, i64)>,
    pub candidates: Vec<(Stage, i64)>,
}

impl Db {
    pub async fn ops_snapshot(&self) -> StorageResult<OpsSnapshot> {
        let outbox = sqlx::query("SELECT kind, status, COUNT(*) AS n FROM outbox GROUP BY kind, status")
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|row| Ok((row.try_get("kind")?, row.try_get("status")?, row.try_get("n")?)))
            .collect::<Result<_, sqlx::Error>>()?;
        let mut codes_left = Vec::with_capacity(Way::ALL.len());
        for way in Way::ALL {
            codes_left.push((way, self.codes_left(way).await?));
        }
        let candidates = sqlx::query("SELECT stage, COUNT(*) AS n FROM candidates GROUP BY stage")
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|row| Ok((row.try_get("stage")?, row.try_get("n")?)))
            .collect::<Result<_, sqlx::Error>>()?;
        Ok(OpsSnapshot { outbox, codes_left, candidates })
    }

    /// Whether the database answers and has every migration this build knows: what `/readyz`
    /// reports. `Ok(false)` when it answers but lags behind (an older schema).
    pub async fn ready(&self) -> StorageResult<bool> {
        let latest = migrations::latest(self.backend());
        let applied: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(self.pool())
            .await?;
        Ok(applied.is_some_and(|applied| applied >= latest))
    }
}
