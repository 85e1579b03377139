//! The candidate's profile: language, source, phone, code and dates.

use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::Backend;
use super::batch::json_rows;
use super::dialect::sql;
use super::{Db, StorageError, StorageResult, corrupt, timestamp};
use crate::domain::{CabinetCode, Lang, Phone, PromoCode, Way};

/// What the bot knows of one candidate, outside the dialogue state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub chat_id: i64,
    pub lang: Option<Lang>,
    pub source: Option<String>,
    pub phone: Option<Phone>,
    /// The issued code and the way it belongs to (pool mode).
    pub code: Option<(PromoCode, Way)>,
    /// The code the candidate generated in their cabinet and pasted (cabinet mode).
    pub cabinet_code: Option<CabinetCode>,
    /// QAZTEST: the day the candidate said they applied.
    pub applied_on: Option<NaiveDate>,
    /// QRT (no application): the day the candidate said they took the online test or entered
    /// their promo code on qrt.kz.
    pub qrt_booked_on: Option<NaiveDate>,
    pub test_date: Option<NaiveDate>,
}

fn parse_date(value: Option<String>) -> StorageResult<Option<NaiveDate>> {
    value
        .map(|text| {
            NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                .map_err(|_| StorageError::Corrupt(format!("bad stored date `{text}`")))
        })
        .transpose()
}

fn format_date(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// A candidate's profile and serialized dialogue state.
pub(crate) type ChatRow = (Profile, Option<String>);

/// Profiles and dialogue states of `chat_ids`, in their order, in one statement. A row that
/// does not read back fails only its own chat.
pub(crate) async fn read_chats(
    pool: &AnyPool,
    backend: Backend,
    chat_ids: &[i64],
) -> StorageResult<Vec<StorageResult<Option<ChatRow>>>> {
    let rows = sqlx::query(sql!(
        backend,
        "SELECT c.chat_id, c.lang, c.source, c.phone, c.code, p.way, c.cabinet_code, c.applied_on, c.qrt_booked_on,
                c.test_date, c.dialogue
         FROM candidates c LEFT JOIN promo_codes p ON p.code = c.code
         WHERE c.chat_id IN (SELECT CAST(value AS BIGINT) FROM {each($1)})"
    ))
    .bind(json_rows(chat_ids)?)
    .fetch_all(pool)
    .await?;
    let mut found = HashMap::with_capacity(rows.len());
    for row in rows {
        let chat_id: i64 = row.try_get("chat_id")?;
        found.insert(chat_id, row);
    }
    Ok(chat_ids.iter().map(|chat_id| found.get(chat_id).map(|row| chat_row(*chat_id, row)).transpose()).collect())
}

fn chat_row(chat_id: i64, row: &AnyRow) -> StorageResult<ChatRow> {
    let lang: Option<String> = row.try_get("lang")?;
    let code: Option<String> = row.try_get("code")?;
    let way: Option<String> = row.try_get("way")?;
    let phone: Option<String> = row.try_get("phone")?;
    let cabinet_code: Option<String> = row.try_get("cabinet_code")?;
    let code = match (code, way) {
        (Some(code), Some(way)) => {
            Some((PromoCode::parse(&code).map_err(corrupt)?, way.parse::<Way>().map_err(corrupt)?))
        }
        _ => None,
    };
    let profile = Profile {
        chat_id,
        lang: lang.map(|lang| lang.parse()).transpose().map_err(corrupt)?,
        source: row.try_get("source")?,
        phone: phone.map(|phone| Phone::parse(&phone)).transpose().map_err(corrupt)?,
        code,
        cabinet_code: cabinet_code.map(|code| CabinetCode::parse(&code)).transpose().map_err(corrupt)?,
        applied_on: parse_date(row.try_get("applied_on")?)?,
        qrt_booked_on: parse_date(row.try_get("qrt_booked_on")?)?,
        test_date: parse_date(row.try_get("test_date")?)?,
    };
    Ok((profile, row.try_get("dialogue")?))
}

impl Db {
    pub async fn profile(&self, chat_id: i64) -> StorageResult<Option<Profile>> {
        Ok(self.profile_and_dialogue(chat_id).await?.map(|(profile, _)| profile))
    }

    /// The profile and the serialized dialogue state, in one read: what every update needs.
    /// Concurrent calls share one statement.
    pub async fn profile_and_dialogue(&self, chat_id: i64) -> StorageResult<Option<ChatRow>> {
        self.chats.call(chat_id).await?
    }

    async fn ensure_candidate(&self, chat_id: i64, now: &str) -> StorageResult<()> {
        sqlx::query(
            "INSERT INTO candidates (chat_id, stage_since, created_at, updated_at) VALUES ($1, $2, $2, $2)
             ON CONFLICT (chat_id) DO NOTHING",
        )
        .bind(chat_id)
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    pub async fn set_lang(&self, chat_id: i64, lang: Lang, now: DateTime<Utc>) -> StorageResult<()> {
        sqlx::query(
            "INSERT INTO candidates (chat_id, lang, stage_since, created_at, updated_at) VALUES ($1, $2, $3, $3, $3)
             ON CONFLICT (chat_id) DO UPDATE SET lang = excluded.lang, updated_at = excluded.updated_at",
        )
        .bind(chat_id)
        .bind(lang.code())
        .bind(timestamp(now))
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Records the deep-link payload the candidate first came with; later ones are ignored.
    pub async fn record_source(&self, chat_id: i64, source: &str, now: DateTime<Utc>) -> StorageResult<()> {
        let now = timestamp(now);
        self.ensure_candidate(chat_id, &now).await?;
        sqlx::query("UPDATE candidates SET source = $1 WHERE chat_id = $2 AND source IS NULL")
            .bind(source)
            .bind(chat_id)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    pub async fn set_applied(&self, chat_id: i64, on: Option<NaiveDate>, now: DateTime<Utc>) -> StorageResult<()> {
        self.set_day("UPDATE candidates SET applied_on = $1, updated_at = $2 WHERE chat_id = $3", chat_id, on, now)
            .await
    }

    /// Records that a QRT candidate took the online test or entered their code on qrt.kz.
    pub async fn set_qrt_booked(&self, chat_id: i64, on: Option<NaiveDate>, now: DateTime<Utc>) -> StorageResult<()> {
        self.set_day("UPDATE candidates SET qrt_booked_on = $1, updated_at = $2 WHERE chat_id = $3", chat_id, on, now)
            .await
    }

    /// Runs one of the day setters above: `sql` binds the day, the time and the chat.
    async fn set_day(
        &self,
        sql: &'static str,
        chat_id: i64,
        on: Option<NaiveDate>,
        now: DateTime<Utc>,
    ) -> StorageResult<()> {
        sqlx::query(sql).bind(on.map(format_date)).bind(timestamp(now)).bind(chat_id).execute(self.writer()).await?;
        Ok(())
    }

    /// Keeps (or replaces) the code the candidate pasted from their cabinet.
    pub async fn keep_cabinet_code(&self, chat_id: i64, code: &CabinetCode, now: DateTime<Utc>) -> StorageResult<()> {
        let now = timestamp(now);
        sqlx::query(
            "INSERT INTO candidates (chat_id, cabinet_code, stage_since, created_at, updated_at) VALUES ($1, $2, $3, $3, $3)
             ON CONFLICT (chat_id) DO UPDATE SET cabinet_code = excluded.cabinet_code, updated_at = excluded.updated_at",
        )
        .bind(chat_id)
        .bind(code.as_str())
        .bind(now)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    pub async fn set_test_date(&self, chat_id: i64, date: Option<NaiveDate>, now: DateTime<Utc>) -> StorageResult<()> {
        sqlx::query("UPDATE candidates SET test_date = $1, updated_at = $2 WHERE chat_id = $3")
            .bind(date.map(format_date))
            .bind(timestamp(now))
            .bind(chat_id)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// Erases everything the bot keeps about a chat. An issued code stays consumed in
    /// `promo_codes` (and linked to the organisers' eligible entry), so it is never reissued.
    /// The chat's outbox rows go too: they name the chat and would message it again; and so
    /// do the questions it asked that the FAQ did not answer.
    pub async fn forget(&self, chat_id: i64) -> StorageResult<bool> {
        let mut tx = self.begin_write().await?;
        // The candidate's row first, as the planner locks it before the chat's outbox rows:
        // the same order, so a forget and a re-plan never deadlock on PostgreSQL.
        sqlx::query(sql!(self, "SELECT chat_id FROM candidates WHERE chat_id = $1 {for_update()}"))
            .bind(chat_id)
            .fetch_optional(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM outbox WHERE chat_id = $1").bind(chat_id).execute(&mut *tx).await?;
        // The ledger keeps the revoked code and its reason, not whose it was.
        sqlx::query("UPDATE revoked_codes SET phone = NULL, chat_id = NULL WHERE chat_id = $1")
            .bind(chat_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM faq_questions WHERE chat_id = $1").bind(chat_id).execute(&mut *tx).await?;
        let deleted = sqlx::query("DELETE FROM candidates WHERE chat_id = $1")
            .bind(chat_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(deleted > 0)
    }

    /// Creates candidates who chose `lang` (imports and load tests); existing ones are kept.
    /// Their reminders are planned once something they do changes what the plan depends on
    /// (a city, a way, a step), so an import does not wake the planner for every row.
    pub async fn add_candidates(&self, chat_ids: &[i64], lang: Lang, now: DateTime<Utc>) -> StorageResult<u64> {
        let now = timestamp(now);
        let mut tx = self.begin_write().await?;
        let mut added = 0;
        for chat_id in chat_ids {
            added += sqlx::query(
                "INSERT INTO candidates (chat_id, lang, stage_since, created_at, updated_at, plan_dirty)
                 VALUES ($1, $2, $3, $3, $3, 0)
                 ON CONFLICT (chat_id) DO NOTHING",
            )
            .bind(chat_id)
            .bind(lang.code())
            .bind(&now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(added)
    }

    pub async fn set_active(&self, chat_id: i64, active: bool) -> StorageResult<()> {
        sqlx::query("UPDATE candidates SET active = $1 WHERE chat_id = $2")
            .bind(i64::from(active))
            .bind(chat_id)
            .execute(self.writer())
            .await?;
        Ok(())
    }
}
