//! Retention: erasing candidates' personal data once the campaign is long over, keeping
//! anonymous counts and the code ledger.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::console::{Actor, AuditEntry, insert_audit};
use super::{Db, StorageResult, timestamp};
use crate::domain::AuditAction;

/// What a purge erases, table by table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgeCounts {
    /// Candidates' rows: chat ids, phones, dialogue states, dates, kept code copies.
    pub candidates: i64,
    /// Outbox rows: reminders and notices, sent or not.
    pub outbox: i64,
    /// The eligible list's entries: phones, and the accounts their codes went to.
    pub eligible: i64,
    /// Questions candidates typed that the FAQ did not answer.
    pub faq_questions: i64,
    /// Revoked codes whose phone and chat id are cleared (the code, reason and replacement stay).
    pub revoked_codes: i64,
    /// Audit lines whose detail names a candidate (`find`, `replace-code`): the detail is cleared.
    pub audit_details: i64,
}

impl PurgeCounts {
    pub fn total(&self) -> i64 {
        self.candidates + self.outbox + self.eligible + self.faq_questions + self.revoked_codes + self.audit_details
    }
}

/// The audit actions whose detail names a candidate (a phone, a chat id).
const PERSONAL_AUDIT: [AuditAction; 2] = [AuditAction::Find, AuditAction::ReplaceCode];

impl Db {
    /// What a purge would erase now.
    pub async fn purge_preview(&self) -> StorageResult<PurgeCounts> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM candidates) AS candidates, (SELECT COUNT(*) FROM outbox) AS outbox,
                    (SELECT COUNT(*) FROM eligible) AS eligible, (SELECT COUNT(*) FROM faq_questions) AS questions,
                    (SELECT COUNT(*) FROM revoked_codes WHERE phone IS NOT NULL OR chat_id IS NOT NULL) AS revoked,
                    (SELECT COUNT(*) FROM audit WHERE action IN ($1, $2) AND detail <> '') AS audit",
        )
        .bind(PERSONAL_AUDIT[0])
        .bind(PERSONAL_AUDIT[1])
        .fetch_one(self.pool())
        .await?;
        Ok(PurgeCounts {
            candidates: row.try_get("candidates")?,
            outbox: row.try_get("outbox")?,
            eligible: row.try_get("eligible")?,
            faq_questions: row.try_get("questions")?,
            revoked_codes: row.try_get("revoked")?,
            audit_details: row.try_get("audit")?,
        })
    }

    /// Erases every candidate's personal data in one transaction: their rows (counted first
    /// into `retained_counts`), the outbox, the eligible list, the unanswered FAQ questions, the phones and chats of revoked
    /// codes, and the details of audit lines that name a candidate. The code ledger
    /// (`promo_codes`, and `revoked_codes` without phone and chat) stays. Audited when
    /// anything went.
    pub async fn purge_personal_data(&self, actor: Actor, now: DateTime<Utc>) -> StorageResult<PurgeCounts> {
        let at = timestamp(now);
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO retained_counts
                 (purged_at, stage, step, way, city, candidates, with_code, applied, with_test_date, blocked)
             SELECT $1, stage, step, way, city, COUNT(*),
                    COUNT(*) FILTER (WHERE code IS NOT NULL OR cabinet_code IS NOT NULL),
                    COUNT(*) FILTER (WHERE applied_on IS NOT NULL OR qrt_booked_on IS NOT NULL),
                    COUNT(*) FILTER (WHERE test_date IS NOT NULL), COUNT(*) FILTER (WHERE active = 0)
             FROM candidates GROUP BY stage, step, way, city",
        )
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        let erased = |rows: u64| i64::try_from(rows).unwrap_or(i64::MAX);
        let counts = PurgeCounts {
            outbox: erased(sqlx::query("DELETE FROM outbox").execute(&mut *tx).await?.rows_affected()),
            candidates: erased(sqlx::query("DELETE FROM candidates").execute(&mut *tx).await?.rows_affected()),
            eligible: erased(sqlx::query("DELETE FROM eligible").execute(&mut *tx).await?.rows_affected()),
            faq_questions: erased(sqlx::query("DELETE FROM faq_questions").execute(&mut *tx).await?.rows_affected()),
            revoked_codes: erased(
                sqlx::query(
                    "UPDATE revoked_codes SET phone = NULL, chat_id = NULL WHERE phone IS NOT NULL OR chat_id IS NOT NULL",
                )
                .execute(&mut *tx)
                .await?
                .rows_affected(),
            ),
            audit_details: erased(
                sqlx::query("UPDATE audit SET detail = '' WHERE action IN ($1, $2) AND detail <> ''")
                    .bind(PERSONAL_AUDIT[0])
                    .bind(PERSONAL_AUDIT[1])
                    .execute(&mut *tx)
                    .await?
                    .rows_affected(),
            ),
        };
        if counts.total() == 0 {
            tx.rollback().await?;
            return Ok(counts);
        }
        let entry = AuditEntry {
            at: now,
            actor,
            action: AuditAction::Purge,
            detail: format!(
                "candidates {}, outbox {}, eligible {}, faq questions {}, revoked codes {}, audit details {}",
                counts.candidates,
                counts.outbox,
                counts.eligible,
                counts.faq_questions,
                counts.revoked_codes,
                counts.audit_details
            ),
            rows: counts.total(),
        };
        insert_audit(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(counts)
    }
}
