//! Counts for organisers.

use sqlx::Row;

use super::{Db, StorageResult};
use crate::domain::Way;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub candidates: i64,
    /// (stage, step, count), steps only for the guided steps.
    pub by_stage: Vec<(String, Option<i64>, i64)>,
    pub by_way: Vec<(String, i64)>,
    pub by_city: Vec<(String, i64)>,
    pub codes_issued: i64,
    /// Candidates who kept a copy of the code they generated in their cabinet.
    pub codes_kept: i64,
    /// (way, codes left in the pool)
    pub codes_left: Vec<(Way, i64)>,
    pub eligible: i64,
}

/// Candidates are the rows of chats other than the organisers' own (an organiser opening the
/// console gets a row too).
pub(super) const NOT_AN_ORGANISER: &str = "chat_id NOT IN (SELECT user_id FROM organisers WHERE removed_at IS NULL)";

impl Db {
    /// Counts of candidates (organisers' own chats apart) and of the code pools.
    pub async fn stats(&self) -> StorageResult<Stats> {
        let pool = self.pool();
        let candidates = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM candidates WHERE {NOT_AN_ORGANISER}"))
            .fetch_one(pool)
            .await?;
        let by_stage = sqlx::query(&format!(
            "SELECT stage, step, COUNT(*) AS n FROM candidates WHERE {NOT_AN_ORGANISER}
             GROUP BY stage, step ORDER BY stage, step"
        ))
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|row| Ok((row.try_get("stage")?, row.try_get("step")?, row.try_get("n")?)))
        .collect::<Result<_, sqlx::Error>>()?;
        let by_way = pairs(
            self,
            &format!(
                "SELECT coalesce(way, '-') AS k, COUNT(*) AS n FROM candidates WHERE {NOT_AN_ORGANISER}
                 GROUP BY k ORDER BY k"
            ),
        )
        .await?;
        let by_city = pairs(
            self,
            &format!(
                "SELECT coalesce(city, '-') AS k, COUNT(*) AS n FROM candidates WHERE {NOT_AN_ORGANISER}
                 GROUP BY k ORDER BY n DESC, k"
            ),
        )
        .await?;
        let codes_issued =
            sqlx::query_scalar("SELECT COUNT(*) FROM promo_codes WHERE issued_at IS NOT NULL").fetch_one(pool).await?;
        let codes_kept = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM candidates WHERE cabinet_code IS NOT NULL AND {NOT_AN_ORGANISER}"
        ))
        .fetch_one(pool)
        .await?;
        let mut codes_left = Vec::new();
        for way in Way::ALL {
            codes_left.push((way, self.codes_left(way).await?));
        }
        let eligible = self.eligible_count().await?;
        Ok(Stats { candidates, by_stage, by_way, by_city, codes_issued, codes_kept, codes_left, eligible })
    }
}

async fn pairs(db: &Db, sql: &str) -> StorageResult<Vec<(String, i64)>> {
    Ok(sqlx::query(sql)
        .fetch_all(db.pool())
        .await?
        .into_iter()
        .map(|row| Ok((row.try_get("k")?, row.try_get("n")?)))
        .collect::<Result<_, sqlx::Error>>()?)
}
