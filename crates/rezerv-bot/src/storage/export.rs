//! What the organisers export: the ledger of issued codes, and the funnel counts.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::outbox::parse_time;
use super::sql::flag;
use super::{Db, StorageResult, corrupt};
use crate::domain::{Phone, PromoCode, Stage, Way};

/// One code the bot has issued, with whom it went to while that is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCode {
    pub code: PromoCode,
    pub way: Way,
    pub issued_at: DateTime<Utc>,
    /// The holder's phone: at the revocation for a revoked code, else the eligible entry's.
    /// `None` once erased (retention) or for a phone never known.
    pub phone: Option<Phone>,
    /// The holder's city id, while their chat's row exists.
    pub city: Option<String>,
    pub revoked: Option<Revocation>,
}

/// An issued code an organiser marked as not working.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    pub reason: String,
    pub revoked_at: DateTime<Utc>,
    /// The code issued in its place.
    pub replaced_by: Option<PromoCode>,
}

/// Candidates at one stage (and step), way and city, now and among those erased by retention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunnelCount {
    pub stage: Stage,
    pub step: Option<i64>,
    pub way: Option<Way>,
    pub city: Option<String>,
    pub candidates: i64,
    /// Holding an issued code, or a copy of the code generated in the cabinet.
    pub with_code: i64,
    /// Applied (QAZTEST), or took the online test or entered the code (QRT).
    pub applied: i64,
    pub with_test_date: i64,
    /// Blocked the bot.
    pub blocked: i64,
}

impl Db {
    /// Every issued code, oldest first: the current ones with their holder, and the revoked
    /// ones with the holder at the revocation, the reason and the replacement.
    pub async fn issued_codes(&self) -> StorageResult<Vec<IssuedCode>> {
        let rows = sqlx::query(
            "SELECT p.code, p.way, p.issued_at,
                    CASE WHEN r.code IS NOT NULL THEN r.phone
                         ELSE coalesce(e.phone, (SELECT c.phone FROM candidates c WHERE c.code = p.code
                                                 ORDER BY c.chat_id LIMIT 1)) END AS phone,
                    CASE WHEN r.code IS NOT NULL THEN (SELECT c.city FROM candidates c WHERE c.chat_id = r.chat_id)
                         ELSE (SELECT c.city FROM candidates c WHERE c.code = p.code ORDER BY c.chat_id LIMIT 1)
                    END AS city,
                    CASE WHEN r.code IS NOT NULL THEN 1 ELSE 0 END AS revoked, r.reason, r.revoked_at, r.replaced_by
             FROM promo_codes p
             LEFT JOIN revoked_codes r ON r.code = p.code
             LEFT JOIN eligible e ON e.code = p.code
             WHERE p.issued_at IS NOT NULL
             ORDER BY p.issued_at, p.code",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let revoked = match flag(row, "revoked")? {
                    true => Some(Revocation {
                        reason: row.try_get("reason")?,
                        revoked_at: parse_time(&row.try_get::<String, _>("revoked_at")?)?,
                        replaced_by: row
                            .try_get::<Option<String>, _>("replaced_by")?
                            .map(|code| PromoCode::parse(&code))
                            .transpose()
                            .map_err(corrupt)?,
                    }),
                    false => None,
                };
                Ok(IssuedCode {
                    code: PromoCode::parse(&row.try_get::<String, _>("code")?).map_err(corrupt)?,
                    way: row.try_get::<String, _>("way")?.parse().map_err(corrupt)?,
                    issued_at: parse_time(&row.try_get::<String, _>("issued_at")?)?,
                    phone: row
                        .try_get::<Option<String>, _>("phone")?
                        .map(|p| Phone::parse(&p))
                        .transpose()
                        .map_err(corrupt)?,
                    city: row.try_get("city")?,
                    revoked,
                })
            })
            .collect()
    }

    /// The export's funnel: candidates per stage, step, way and city, with how many of them
    /// hold a code, applied, set a test date or blocked the bot; the candidates erased by
    /// retention are counted from the counts kept of them.
    pub async fn export_funnel_counts(&self) -> StorageResult<Vec<FunnelCount>> {
        let rows = sqlx::query(
            "SELECT stage, step, way, city, CAST(SUM(candidates) AS BIGINT) AS candidates,
                    CAST(SUM(with_code) AS BIGINT) AS with_code, CAST(SUM(applied) AS BIGINT) AS applied,
                    CAST(SUM(with_test_date) AS BIGINT) AS with_test_date, CAST(SUM(blocked) AS BIGINT) AS blocked
             FROM (
                 SELECT stage, step, way, city, COUNT(*) AS candidates,
                        COUNT(*) FILTER (WHERE code IS NOT NULL OR cabinet_code IS NOT NULL) AS with_code,
                        COUNT(*) FILTER (WHERE applied_on IS NOT NULL OR qrt_booked_on IS NOT NULL) AS applied,
                        COUNT(*) FILTER (WHERE test_date IS NOT NULL) AS with_test_date,
                        COUNT(*) FILTER (WHERE active = 0) AS blocked
                 FROM candidates GROUP BY stage, step, way, city
                 UNION ALL
                 SELECT stage, step, way, city, candidates, with_code, applied, with_test_date, blocked
                 FROM retained_counts
             ) AS counted
             GROUP BY stage, step, way, city",
        )
        .fetch_all(self.pool())
        .await?;
        let mut counts = rows
            .iter()
            .map(|row| {
                Ok(FunnelCount {
                    stage: row.try_get("stage")?,
                    step: row.try_get("step")?,
                    way: row
                        .try_get::<Option<String>, _>("way")?
                        .map(|way| way.parse())
                        .transpose()
                        .map_err(corrupt)?,
                    city: row.try_get("city")?,
                    candidates: row.try_get("candidates")?,
                    with_code: row.try_get("with_code")?,
                    applied: row.try_get("applied")?,
                    with_test_date: row.try_get("with_test_date")?,
                    blocked: row.try_get("blocked")?,
                })
            })
            .collect::<StorageResult<Vec<_>>>()?;
        // The journey's order, not the spellings' alphabet.
        let stage_order = |stage: Stage| Stage::ALL.iter().position(|s| *s == stage);
        counts.sort_by(|a, b| {
            (stage_order(a.stage), a.step, a.way, &a.city).cmp(&(stage_order(b.stage), b.step, b.way, &b.city))
        });
        Ok(counts)
    }
}
