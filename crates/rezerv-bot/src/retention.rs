//! Retention: candidates' personal data does not outlive the campaign. From the moment the
//! campaign file's `[retention]` names (`days_after_close` after the window's last day, from
//! 00:00 in the campaign time zone), a worker erases it, keeping anonymous counts and the code
//! ledger (`Db::purge_personal_data` says exactly what goes and what stays).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::clock::SharedClock;
use crate::config::Campaign;
use crate::storage::{Actor, Db, PurgeCounts, StorageResult};

/// How often the worker looks at the date: personal data goes within an hour of its moment,
/// and anything written after it (a candidate writing to the bot again) within the next hour.
pub const CHECK_EVERY: Duration = Duration::from_secs(3600);

/// The worker that erases personal data once the retention moment has passed.
#[derive(Debug, Clone)]
pub struct Retention {
    db: Db,
    campaign: Arc<Campaign>,
    clock: SharedClock,
}

impl Retention {
    pub fn new(db: Db, campaign: Arc<Campaign>, clock: SharedClock) -> Retention {
        Retention { db, campaign, clock }
    }

    /// Whether personal data must be gone by `now`.
    pub fn due(campaign: &Campaign, now: DateTime<Utc>) -> bool {
        campaign.erase_personal_data_at().is_some_and(|at| now >= at)
    }

    /// One pass: erases the personal data if its moment has passed and there is any; what was
    /// erased, or `None` before the moment (or with no `[retention]` in the campaign file).
    pub async fn try_execute_task(&self) -> StorageResult<Option<PurgeCounts>> {
        let now = self.clock.now();
        if !Retention::due(&self.campaign, now) {
            return Ok(None);
        }
        let erased = self.db.purge_personal_data(Actor::auto(), now).await?;
        if erased.total() > 0 {
            tracing::info!(
                candidates = erased.candidates,
                outbox = erased.outbox,
                eligible = erased.eligible,
                revoked_codes = erased.revoked_codes,
                audit_details = erased.audit_details,
                "retention: personal data erased"
            );
        }
        Ok(Some(erased))
    }

    /// Runs a pass now and then every `CHECK_EVERY`, until `stopped`.
    pub async fn run(self: Arc<Self>, mut stopped: watch::Receiver<bool>) {
        loop {
            if let Err(err) = self.try_execute_task().await {
                tracing::error!(error = %crate::bot::error_chain(&err), "retention pass failed; trying again later");
            }
            tokio::select! {
                _ = tokio::time::sleep(CHECK_EVERY) => {}
                _ = stopped.wait_for(|stop| *stop) => return,
            }
        }
    }
}
