//! The organisers' dashboard: the funnel per way and city group, the code pools, reminders,
//! blocked and new candidates. Counted by `Db::dashboard_counts`, folded here into the funnel,
//! drawn by `chart` for Telegram and printed by `rezerv-bot stats` (as text or JSON).

pub mod chart;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::config::Campaign;
use crate::domain::{CodeSource, ReminderKind, Way, spelled};
use crate::storage::{DashboardCounts, Db, FunnelCell, Milestone, OutboxStatus, StorageResult};

spelled! {
    /// A bar of the funnel, as `rezerv-bot stats --json` names it.
    pub enum FunnelStage("funnel stage") {
        /// Wrote to the bot.
        Started = "started",
        /// Chose a language.
        Language = "language",
        /// Chose a city.
        City = "city",
        /// Chose a way.
        Way = "way",
        /// Reached one of the way's guided steps (the bar's `step`).
        Step = "step",
        /// Finished the steps.
        StepsDone = "steps_done",
        /// Holds a code: issued by the bot (pool mode) or kept from the cabinet (cabinet mode).
        Code = "code",
        /// QAZTEST: applied on kazakhtest.kz.
        Applied = "applied",
        /// QRT: took the online test or entered the code on qrt.kz.
        Booked = "booked",
        /// Recorded a test date.
        TestDate = "test_date",
    }
}

/// How many candidates reached one stage, by city group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bar {
    pub stage: FunnelStage,
    /// The step's number (from 1), for `FunnelStage::Step`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<u8>,
    /// The step's id in the campaign file, for `FunnelStage::Step`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step_id: Option<String>,
    pub total: i64,
    /// By the campaign's city group id (every group listed, zeros too).
    pub by_group: BTreeMap<String, i64>,
    /// Those whose city is not chosen (yet, or while they change it).
    pub no_city: i64,
}

/// One way's funnel and code pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WayFunnel {
    pub way: Way,
    /// From choosing the way to the test date.
    pub funnel: Vec<Bar>,
    /// Codes of the pool issued, revoked ones included (pool mode).
    pub codes_issued: i64,
    /// Codes of the pool not issued yet.
    pub codes_left: i64,
}

/// Reminder rows of the outbox (broadcasts and notices apart).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Reminders {
    /// Waiting for their time, or being sent.
    pub pending: i64,
    pub sent: i64,
    /// Given up on.
    pub failed: i64,
}

/// Everything the dashboard shows. Its field names are the stable JSON of `stats --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dashboard {
    pub generated_at: DateTime<Utc>,
    /// Today in the campaign's time zone: the day `new_today` counts.
    pub today: NaiveDate,
    pub code_source: CodeSource,
    /// The campaign's city group ids, in file order.
    pub groups: Vec<String>,
    /// Every candidate: started, language, city, way.
    pub funnel: Vec<Bar>,
    pub ways: Vec<WayFunnel>,
    pub reminders: Reminders,
    /// Candidates who blocked the bot.
    pub blocked: i64,
    /// Candidates who first wrote today.
    pub new_today: i64,
}

impl Dashboard {
    /// Counts everything now (today by the campaign's time zone).
    pub async fn load(db: &Db, campaign: &Campaign, now: DateTime<Utc>) -> StorageResult<Dashboard> {
        let today = campaign.local_date(now);
        let day_starts = campaign.day_ends(today.pred_opt().unwrap_or(today));
        let counts = db.dashboard_counts(day_starts, campaign.day_ends(today)).await?;
        Ok(Dashboard::build(&counts, campaign, now))
    }

    /// Folds the counts into the funnel: a candidate counts at every stage up to the furthest
    /// one they reached.
    pub fn build(counts: &DashboardCounts, campaign: &Campaign, now: DateTime<Utc>) -> Dashboard {
        let groups: Vec<String> = campaign.groups().iter().map(|group| group.id.clone()).collect();
        let group_of = |cell: &FunnelCell| {
            let city = cell.city.as_deref()?.parse().ok()?;
            Some(campaign.group_of(campaign.city(&city)?).id.clone())
        };
        let bar = |stage: FunnelStage, step: Option<(u8, &str)>, counted: &dyn Fn(&FunnelCell) -> bool| {
            let mut by_group: BTreeMap<String, i64> = groups.iter().map(|id| (id.clone(), 0)).collect();
            let mut no_city = 0;
            for cell in counts.cells.iter().filter(|cell| counted(cell)) {
                match group_of(cell).and_then(|id| by_group.get_mut(&id)) {
                    Some(count) => *count += cell.candidates,
                    None => no_city += cell.candidates,
                }
            }
            Bar {
                stage,
                step: step.map(|(number, _)| number),
                step_id: step.map(|(_, id)| id.to_owned()),
                total: by_group.values().sum::<i64>() + no_city,
                by_group,
                no_city,
            }
        };
        let reached = |milestone: Milestone| move |cell: &FunnelCell| cell.milestone >= milestone;
        let funnel = vec![
            bar(FunnelStage::Started, None, &reached(Milestone::Started)),
            bar(FunnelStage::Language, None, &reached(Milestone::Language)),
            bar(FunnelStage::City, None, &reached(Milestone::City)),
            bar(FunnelStage::Way, None, &reached(Milestone::Way)),
        ];
        let ways = Way::ALL
            .into_iter()
            .map(|way| {
                let on = |milestone: Milestone| {
                    move |cell: &FunnelCell| cell.way == Some(way) && cell.milestone >= milestone
                };
                let mut funnel = vec![bar(FunnelStage::Way, None, &on(Milestone::Way))];
                for (index, step) in campaign.steps(way).iter().enumerate() {
                    let number = u8::try_from(index + 1).unwrap_or(u8::MAX);
                    let on_step = |cell: &FunnelCell| {
                        cell.way == Some(way)
                            && (cell.milestone >= Milestone::StepsDone
                                || (cell.milestone == Milestone::Steps && cell.step.is_some_and(|at| at >= number)))
                    };
                    funnel.push(bar(FunnelStage::Step, Some((number, &step.id)), &on_step));
                }
                let applied = match way {
                    Way::Qaztest => FunnelStage::Applied,
                    Way::Qrt => FunnelStage::Booked,
                };
                funnel.extend([
                    bar(FunnelStage::StepsDone, None, &on(Milestone::StepsDone)),
                    bar(FunnelStage::Code, None, &on(Milestone::Code)),
                    bar(applied, None, &on(Milestone::Applied)),
                    bar(FunnelStage::TestDate, None, &on(Milestone::TestDate)),
                ]);
                let pool = counts.pools.iter().find(|pool| pool.way == way);
                WayFunnel {
                    way,
                    funnel,
                    codes_issued: pool.map_or(0, |pool| pool.issued),
                    codes_left: pool.map_or(0, |pool| pool.left),
                }
            })
            .collect();
        let mut reminders = Reminders::default();
        for count in counts.outbox.iter().filter(|count| is_reminder(count.kind)) {
            match count.status {
                OutboxStatus::Pending | OutboxStatus::InFlight => reminders.pending += count.rows,
                OutboxStatus::Sent => reminders.sent += count.rows,
                OutboxStatus::Failed => reminders.failed += count.rows,
                OutboxStatus::Cancelled => {}
            }
        }
        Dashboard {
            generated_at: now,
            today: campaign.local_date(now),
            code_source: campaign.code_source,
            groups,
            funnel,
            ways,
            reminders,
            blocked: counts.cells.iter().map(|cell| cell.blocked).sum(),
            new_today: counts.cells.iter().map(|cell| cell.new).sum(),
        }
    }

    /// Every candidate (the funnel's first bar).
    pub fn candidates(&self) -> i64 {
        self.funnel.first().map_or(0, |bar| bar.total)
    }

    pub fn way(&self, way: Way) -> Option<&WayFunnel> {
        self.ways.iter().find(|funnel| funnel.way == way)
    }
}

impl WayFunnel {
    /// The way's bar of `stage` (the first one, for steps).
    pub fn bar(&self, stage: FunnelStage) -> Option<&Bar> {
        self.funnel.iter().find(|bar| bar.stage == stage)
    }
}

/// Whether an outbox kind is a planned reminder: broadcasts, organisers' notices and alerts are not.
fn is_reminder(kind: ReminderKind) -> bool {
    match kind {
        ReminderKind::WindowOpen | ReminderKind::Deadline | ReminderKind::Results | ReminderKind::Nudge => true,
        ReminderKind::Broadcast | ReminderKind::Notice | ReminderKind::Alert => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{OutboxCount, PoolCounts};

    fn cell(way: Option<Way>, city: Option<&str>, milestone: Milestone, step: Option<u8>, n: i64) -> FunnelCell {
        FunnelCell { way, city: city.map(str::to_owned), milestone, step, candidates: n, blocked: 0, new: 0 }
    }

    fn totals(bars: &[Bar]) -> Vec<i64> {
        bars.iter().map(|bar| bar.total).collect()
    }

    #[test]
    fn a_candidate_counts_at_every_stage_up_to_the_furthest_one_reached() {
        let campaign = Campaign::embedded().unwrap();
        let qaz = Some(Way::Qaztest);
        let counts = DashboardCounts {
            cells: vec![
                cell(None, None, Milestone::Started, None, 5),
                cell(None, None, Milestone::Language, None, 4),
                cell(None, Some("astana"), Milestone::City, None, 3),
                cell(qaz, Some("almaty"), Milestone::Steps, Some(3), 2),
                cell(qaz, Some("astana"), Milestone::Code, None, 1),
                // Changing city after the code: no city, the way kept.
                cell(qaz, None, Milestone::TestDate, None, 1),
                cell(Some(Way::Qrt), Some("karaganda"), Milestone::Applied, None, 6),
            ],
            pools: vec![PoolCounts { way: Way::Qrt, issued: 6, left: 94 }],
            outbox: vec![
                OutboxCount { kind: ReminderKind::Deadline, status: OutboxStatus::Pending, rows: 3 },
                OutboxCount { kind: ReminderKind::Nudge, status: OutboxStatus::InFlight, rows: 1 },
                OutboxCount { kind: ReminderKind::Deadline, status: OutboxStatus::Sent, rows: 7 },
                OutboxCount { kind: ReminderKind::Results, status: OutboxStatus::Failed, rows: 2 },
                OutboxCount { kind: ReminderKind::Deadline, status: OutboxStatus::Cancelled, rows: 9 },
                OutboxCount { kind: ReminderKind::Broadcast, status: OutboxStatus::Sent, rows: 50 },
            ],
        };
        let dashboard = Dashboard::build(&counts, &campaign, Utc::now());
        assert_eq!(totals(&dashboard.funnel), [22, 17, 13, 10]);
        assert_eq!(dashboard.candidates(), 22);
        let started = &dashboard.funnel[0];
        assert_eq!((started.by_group["astana"], started.by_group["others"], started.no_city), (4, 8, 10));

        let qaztest = dashboard.way(Way::Qaztest).unwrap();
        // way, steps 1-7, steps done, code, applied, test date.
        assert_eq!(totals(&qaztest.funnel), [4, 4, 4, 4, 2, 2, 2, 2, 2, 2, 1, 1]);
        assert_eq!(qaztest.funnel[3].step_id.as_deref(), Some("certificate"));
        assert_eq!(qaztest.bar(FunnelStage::Applied).map(|bar| bar.no_city), Some(1));
        let qrt = dashboard.way(Way::Qrt).unwrap();
        assert_eq!(totals(&qrt.funnel), [6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 0]);
        assert_eq!(qrt.bar(FunnelStage::Booked).map(|bar| bar.by_group["others"]), Some(6));
        assert!(qrt.bar(FunnelStage::Applied).is_none());
        assert_eq!((qrt.codes_issued, qrt.codes_left, qaztest.codes_left), (6, 94, 0));
        assert_eq!(dashboard.reminders, Reminders { pending: 4, sent: 7, failed: 2 });
    }

    #[test]
    fn the_json_names_are_stable() {
        let campaign = Campaign::embedded().unwrap();
        let dashboard = Dashboard::build(&DashboardCounts::default(), &campaign, Utc::now());
        let json = serde_json::to_value(&dashboard).unwrap();
        for key in
            ["generated_at", "today", "code_source", "groups", "funnel", "ways", "reminders", "blocked", "new_today"]
        {
            assert!(json.get(key).is_some(), "{key}: {json}");
        }
        assert_eq!(json["funnel"][0]["stage"], "started");
        assert_eq!(json["funnel"][0]["by_group"]["astana"], 0);
        assert_eq!(json["ways"][1]["funnel"][1]["stage"], "step");
        assert_eq!(json["ways"][1]["funnel"][1]["step"], 1);
        assert_eq!(json["ways"][1]["funnel"][1]["step_id"], "register");
        assert!(json["funnel"][0].get("step").is_none());
        assert_eq!(json["reminders"]["pending"], 0);
    }
}
