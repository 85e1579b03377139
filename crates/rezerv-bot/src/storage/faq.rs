//! Questions the FAQ did not answer, for the organisers to grow it from: those it matched to
//! nothing, and those it was unsure of, with the entry the candidate then picked. They are the
//! candidate's data: `forget` deletes them, and each is deleted after
//! `QUESTION_RETENTION_DAYS`.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Db, StorageResult, corrupt, timestamp};
use crate::domain::Lang;
use crate::faq::{Band, EntryId};

/// How long a question is kept: a round lasts a month (the 2023 one, 1-22 September), and the
/// organisers read the questions during it and when they prepare the next one.
pub const QUESTION_RETENTION_DAYS: i64 = 90;
/// A question is kept cut to this many characters: enough for any question, not for a letter.
const MAX_KEPT_CHARS: usize = 500;

/// Alike questions counted together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AskedQuestion {
    /// The question as one candidate typed it.
    pub text: String,
    pub lang: Lang,
    pub count: i64,
    pub last_asked: String,
    /// The entry candidates picked from "did you mean", for questions the matcher was unsure of.
    pub resolved_as: Option<String>,
}

/// Lowercase, single spaces, no punctuation at the ends: "When  RESULTS??" and "when results"
/// count as one question (Cyrillic alike).
fn normalize(text: &str) -> String {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    words.join(" ").trim_matches(|c: char| !c.is_alphanumeric()).to_owned()
}

impl Db {
    /// Keeps a question the FAQ did not answer (band `nothing` or `unsure`), and drops those
    /// past the retention period.
    pub async fn record_question(
        &self,
        chat_id: i64,
        lang: Lang,
        text: &str,
        band: Band,
        now: DateTime<Utc>,
    ) -> StorageResult<()> {
        // PostgreSQL's text cannot hold U+0000 (SQLite's can): it is dropped on both.
        let kept: String = text.chars().filter(|c| *c != '\0').take(MAX_KEPT_CHARS).collect();
        let expired = timestamp(now - chrono::Duration::days(QUESTION_RETENTION_DAYS));
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM faq_questions WHERE asked_at < $1").bind(expired).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO faq_questions (chat_id, lang, text, normalized, band, asked_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(chat_id)
        .bind(lang.code())
        .bind(&kept)
        .bind(normalize(&kept))
        .bind(band)
        .bind(timestamp(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The candidate picked `entry` from "did you mean": their latest question the matcher was
    /// unsure of is answered by it. False if there is none left to resolve.
    pub async fn resolve_question(&self, chat_id: i64, entry: &EntryId) -> StorageResult<bool> {
        let resolved = sqlx::query(
            "UPDATE faq_questions SET resolved_as = $1
             WHERE id = (SELECT id FROM faq_questions
                         WHERE chat_id = $2 AND band = 'unsure' AND resolved_as IS NULL
                         ORDER BY id DESC LIMIT 1)",
        )
        .bind(entry.as_str())
        .bind(chat_id)
        .execute(self.writer())
        .await?
        .rows_affected();
        Ok(resolved > 0)
    }

    /// The questions left unanswered (matched to nothing, or unsure and not resolved), the
    /// most frequent first; with `resolved`, the unsure ones candidates resolved instead, with
    /// the entry they picked.
    pub async fn asked_questions(&self, resolved: bool, limit: u32) -> StorageResult<Vec<AskedQuestion>> {
        let filter = if resolved {
            "band = 'unsure' AND resolved_as IS NOT NULL"
        } else {
            "band = 'nothing' OR (band = 'unsure' AND resolved_as IS NULL)"
        };
        let sql = format!(
            "SELECT MIN(text) AS text, lang, COUNT(*) AS n, MAX(asked_at) AS last, MAX(resolved_as) AS resolved_as
             FROM faq_questions WHERE {filter}
             GROUP BY normalized, lang, coalesce(resolved_as, '')
             ORDER BY n DESC, last DESC LIMIT $1"
        );
        sqlx::query(&sql)
            .bind(i64::from(limit))
            .fetch_all(self.pool())
            .await?
            .into_iter()
            .map(|row| {
                let lang: String = row.try_get("lang")?;
                Ok(AskedQuestion {
                    text: row.try_get("text")?,
                    lang: lang.parse().map_err(corrupt)?,
                    count: row.try_get("n")?,
                    last_asked: row.try_get("last")?,
                    resolved_as: row.try_get("resolved_as")?,
                })
            })
            .collect()
    }

    /// How many questions a chat has on record.
    pub async fn questions_of(&self, chat_id: i64) -> StorageResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM faq_questions WHERE chat_id = $1")
            .bind(chat_id)
            .fetch_one(self.pool())
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn alike_questions_normalize_alike() {
        assert_eq!(normalize("  What  about\tthe CODE?? "), "what about the code");
        assert_eq!(normalize("..."), "");
    }
}
