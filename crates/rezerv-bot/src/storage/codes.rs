//! The promo-code pool: imports and the atomic claim.

use chrono::{DateTime, Utc};
use sqlx::{Any, Row, Transaction};

use super::dialect::sql;
use super::{Db, StorageError, StorageResult, corrupt, timestamp};
use crate::domain::{Phone, PromoCode, Way};

/// The outcome of asking for a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// A new code was taken from the pool just now.
    Issued(PromoCode),
    /// The candidate (or their phone) already holds this code, of this way.
    AlreadyIssued(PromoCode, Way),
    /// The phone is not on the organisers' eligible list.
    NotEligible,
    /// The phone's code was issued to another Telegram account (or to one no longer known):
    /// a recycled number must not reveal the earlier owner's code.
    PhoneTaken,
    /// The pool for the way is empty.
    PoolEmpty,
}

/// What an import would do or did. `conflicts` holds the indexes of rows that clash with
/// stored data; when it is not empty nothing was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub inserted: usize,
    pub already_present: usize,
    pub conflicts: Vec<(usize, String)>,
}

impl Db {
    /// Marks the way's first free code issued at `now` and returns it; `None` when the pool is
    /// empty. Replicas issuing at once skip a code another one is taking (`SKIP LOCKED`).
    pub(super) async fn take_free_code(
        &self,
        tx: &mut Transaction<'static, Any>,
        way: Way,
        now: &str,
    ) -> StorageResult<Option<String>> {
        Ok(sqlx::query_scalar(sql!(
            self,
            "UPDATE promo_codes SET issued_at = $1
             WHERE code = (SELECT code FROM promo_codes WHERE way = $2 AND issued_at IS NULL ORDER BY code
                           LIMIT 1 {skip_locked()})
             RETURNING code"
        ))
        .bind(now)
        .bind(way.code())
        .fetch_optional(&mut **tx)
        .await?)
    }
    /// Adds codes to a way's pool in one transaction. A code already stored for the same way
    /// is left alone; one stored for the other way is a conflict and nothing is written.
    pub async fn import_codes(&self, way: Way, codes: &[PromoCode], now: DateTime<Utc>) -> StorageResult<ImportReport> {
        let now = timestamp(now);
        let mut tx = self.begin_write().await?;
        let mut report = ImportReport::default();
        for (index, code) in codes.iter().enumerate() {
            let inserted = sqlx::query(
                "INSERT INTO promo_codes (code, way, imported_at) VALUES ($1, $2, $3) ON CONFLICT (code) DO NOTHING",
            )
            .bind(code.as_str())
            .bind(way.code())
            .bind(&now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted == 1 {
                report.inserted += 1;
                continue;
            }
            let stored_way: String = sqlx::query_scalar("SELECT way FROM promo_codes WHERE code = $1")
                .bind(code.as_str())
                .fetch_one(&mut *tx)
                .await?;
            if stored_way == way.code() {
                report.already_present += 1;
            } else {
                report.conflicts.push((index, stored_way));
            }
        }
        if report.conflicts.is_empty() {
            tx.commit().await?;
        } else {
            tx.rollback().await?;
            report.inserted = 0;
        }
        Ok(report)
    }

    /// Codes left in each way's pool.
    pub async fn codes_left(&self, way: Way) -> StorageResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM promo_codes WHERE way = $1 AND issued_at IS NULL")
            .bind(way.code())
            .fetch_one(self.pool())
            .await?)
    }

    /// Issues one code to the candidate, atomically: one code per candidate and per eligible
    /// phone, ever, across both ways. Asking again returns the same code, to the Telegram
    /// account it was issued to only.
    pub async fn claim_code(&self, chat_id: i64, phone: &Phone, way: Way, now: DateTime<Utc>) -> StorageResult<Claim> {
        let now = timestamp(now);
        // SQLite: IMMEDIATE takes the write lock up front, so concurrent claims queue instead
        // of failing to upgrade a read transaction. PostgreSQL: the person's eligible row is
        // locked (`FOR UPDATE`), so two replicas claiming for one phone queue on it, and the
        // code taken is one no other replica has locked (`SKIP LOCKED`).
        let mut tx = self.begin_write().await?;

        let held = sqlx::query(
            "SELECT p.code, p.way FROM candidates c JOIN promo_codes p ON p.code = c.code WHERE c.chat_id = $1",
        )
        .bind(chat_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = held {
            let claim = already_issued(row.try_get("code")?, row.try_get("way")?)?;
            tx.commit().await?;
            return Ok(claim);
        }

        // The eligible row is locked first and alone: PostgreSQL cannot lock the nullable side
        // of an outer join.
        let locked: Option<String> =
            sqlx::query_scalar(sql!(self, "SELECT phone FROM eligible WHERE phone = $1 {for_update()}"))
                .bind(phone.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        if locked.is_none() {
            tx.commit().await?;
            return Ok(Claim::NotEligible);
        }
        let eligible = sqlx::query(
            "SELECT e.code, e.claimed_by, p.way FROM eligible e LEFT JOIN promo_codes p ON p.code = e.code
             WHERE e.phone = $1",
        )
        .bind(phone.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(eligible) = eligible else {
            tx.commit().await?;
            return Ok(Claim::NotEligible);
        };

        let linked: Option<String> = eligible.try_get("code")?;
        let claimed_by: Option<i64> = eligible.try_get("claimed_by")?;
        let (claim, code) = match linked {
            // The same account got it before (e.g. before /forget): the same code.
            Some(code) if claimed_by == Some(chat_id) => {
                (already_issued(code.clone(), eligible.try_get("way")?)?, code)
            }
            // Another account shares the number now: the code stays its first owner's.
            Some(_) => {
                tx.commit().await?;
                return Ok(Claim::PhoneTaken);
            }
            None => {
                let Some(code) = self.take_free_code(&mut tx, way, &now).await? else {
                    tx.commit().await?;
                    return Ok(Claim::PoolEmpty);
                };
                sqlx::query("UPDATE eligible SET code = $1, claimed_by = $2 WHERE phone = $3")
                    .bind(&code)
                    .bind(chat_id)
                    .bind(phone.as_str())
                    .execute(&mut *tx)
                    .await?;
                (Claim::Issued(parse_code(&code)?), code)
            }
        };
        sqlx::query(
            "INSERT INTO candidates (chat_id, phone, code, stage_since, created_at, updated_at) VALUES ($1, $2, $3, $4, $4, $4)
             ON CONFLICT (chat_id) DO UPDATE SET phone = excluded.phone, code = excluded.code, updated_at = excluded.updated_at",
        )
        .bind(chat_id)
        .bind(phone.as_str())
        .bind(&code)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(claim)
    }
}

fn parse_code(code: &str) -> StorageResult<PromoCode> {
    PromoCode::parse(code).map_err(corrupt)
}

fn already_issued(code: String, way: Option<String>) -> StorageResult<Claim> {
    let way =
        way.ok_or_else(|| StorageError::Corrupt(format!("code {code} has no way")))?.parse::<Way>().map_err(corrupt)?;
    Ok(Claim::AlreadyIssued(parse_code(&code)?, way))
}
