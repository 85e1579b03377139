//! The organisers' eligible list.

use chrono::{DateTime, Utc};

use super::{Db, ImportReport, StorageResult, timestamp};
use crate::domain::Phone;

impl Db {
    /// Adds phones to the eligible list in one transaction; phones already there are left alone.
    pub async fn import_eligible(&self, phones: &[Phone], now: DateTime<Utc>) -> StorageResult<ImportReport> {
        let now = timestamp(now);
        let mut tx = self.begin_write().await?;
        let mut report = ImportReport::default();
        for phone in phones {
            let inserted =
                sqlx::query("INSERT INTO eligible (phone, imported_at) VALUES ($1, $2) ON CONFLICT (phone) DO NOTHING")
                    .bind(phone.as_str())
                    .bind(&now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            if inserted == 1 {
                report.inserted += 1;
            } else {
                report.already_present += 1;
            }
        }
        tx.commit().await?;
        Ok(report)
    }

    pub async fn eligible_count(&self) -> StorageResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM eligible").fetch_one(self.pool()).await?)
    }
}
